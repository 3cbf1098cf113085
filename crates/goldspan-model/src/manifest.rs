//! The corpus manifest: which layers exist, their labels and relation types, the splits, and
//! which of them make up quotation attribution.
//!
//! Every label belongs to exactly one layer, so a span's layer follows from its label in
//! formats that carry only labels (brat, CoNLL, doccano). The manifest is the single place a
//! corpus declares what may be annotated; `validate` checks every annotation against it.
//! A corpus's vocabulary (`Quote`, `speaker`, `entities` in corpus/news) is named here and
//! nowhere in the generic crates, which learn it from [`Attribution`].

use std::collections::BTreeMap;

/// How many relations of a type each head span may or must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerHead {
    /// Exactly one (e.g. every Quote has one speaker).
    One,
    /// Zero or one (e.g. a Quote has at most one cue).
    AtMostOne,
    /// Any number.
    Many,
}

impl PerHead {
    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PerHead::One => "one",
            PerHead::AtMostOne => "at-most-one",
            PerHead::Many => "many",
        }
    }

    /// Parses the manifest spelling.
    pub fn parse(s: &str) -> Option<PerHead> {
        match s {
            "one" => Some(PerHead::One),
            "at-most-one" => Some(PerHead::AtMostOne),
            "many" => Some(PerHead::Many),
            _ => None,
        }
    }
}

/// A declared relation type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationType {
    /// The type name, e.g. `speaker`.
    pub name: String,
    /// Labels a head span may have.
    pub head: Vec<String>,
    /// Labels a tail span may have.
    pub tail: Vec<String>,
    /// Cardinality per head span.
    pub per_head: PerHead,
}

/// A declared layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The layer name, e.g. `entities`.
    pub name: String,
    /// Its labels, in declaration order.
    pub labels: Vec<String>,
    /// Relation types whose head spans are in this layer.
    pub relations: Vec<RelationType>,
}

/// Which labels, relations and layer make up quotation attribution: the manifest's
/// `[attribution]` section. Scoring finds quotations and their speakers through it; a corpus
/// without it is scored without attribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The label of quotation spans (`Quote` in corpus/news).
    pub quotation_label: String,
    /// The relation from a quotation to the mention of its speaker (`speaker`).
    pub speaker_relation: String,
    /// The relation from a quotation to its cue (`cue`), when the corpus annotates cues.
    pub cue_relation: Option<String>,
    /// The layer of the mentions a speaker co-refers with (`entities`), when there is one.
    pub mention_layer: Option<String>,
}

/// A corpus manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// Corpus name.
    pub name: String,
    /// One-paragraph description.
    pub description: String,
    /// Licence of the texts and annotations.
    pub licence: String,
    /// Where the texts come from.
    pub provenance: String,
    /// Layers, in declaration order.
    pub layers: Vec<Layer>,
    /// Split name to document ids, in listing order.
    pub splits: BTreeMap<String, Vec<String>>,
    /// Quotation attribution, when the corpus annotates it.
    pub attribution: Option<Attribution>,
}

impl Manifest {
    /// The layer a label belongs to.
    pub fn layer_of(&self, label: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.labels.iter().any(|x| x == label))
    }

    /// The layer with this name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The relation type with this name.
    pub fn relation_type(&self, name: &str) -> Option<&RelationType> {
        self.layers.iter().flat_map(|l| &l.relations).find(|r| r.name == name)
    }

    /// All relation types.
    pub fn relation_types(&self) -> impl Iterator<Item = &RelationType> {
        self.layers.iter().flat_map(|l| &l.relations)
    }

    /// The splits a document is listed in.
    pub fn splits_of(&self, id: &str) -> Vec<&str> {
        self.splits.iter().filter(|(_, ids)| ids.iter().any(|d| d == id)).map(|(s, _)| s.as_str()).collect()
    }

    /// Checks internal consistency: labels unique across layers, relation labels declared,
    /// and attribution naming a declared label, relations headed by it, and a declared layer.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = BTreeMap::new();
        for layer in &self.layers {
            for label in &layer.labels {
                if let Some(other) = seen.insert(label.as_str(), layer.name.as_str()) {
                    return Err(format!("label {label:?} is declared in two layers, {other:?} and {:?}", layer.name));
                }
            }
        }
        let mut names = BTreeMap::new();
        for rel in self.relation_types() {
            if names.insert(rel.name.as_str(), ()).is_some() {
                return Err(format!("relation type {:?} is declared twice", rel.name));
            }
            for label in rel.head.iter().chain(&rel.tail) {
                if !seen.contains_key(label.as_str()) {
                    return Err(format!("relation type {:?} names label {label:?}, which no layer declares", rel.name));
                }
            }
        }
        if let Some(a) = &self.attribution {
            let quotation = &a.quotation_label;
            if !seen.contains_key(quotation.as_str()) {
                return Err(format!("attribution: quotation_label {quotation:?} is not a label any layer declares"));
            }
            let relations = std::iter::once(("speaker_relation", &a.speaker_relation))
                .chain(a.cue_relation.as_ref().map(|cue| ("cue_relation", cue)));
            for (key, name) in relations {
                match self.relation_type(name) {
                    None => return Err(format!("attribution: {key} {name:?} is not a declared relation type")),
                    Some(rel) if !rel.head.contains(quotation) => {
                        return Err(format!(
                            "attribution: {key} {name:?} does not start at {quotation:?} (its head labels are {:?})",
                            rel.head
                        ))
                    }
                    Some(_) => {}
                }
            }
            if let Some(layer) = &a.mention_layer {
                if self.layer(layer).is_none() {
                    return Err(format!("attribution: mention_layer {layer:?} is not a declared layer"));
                }
            }
        }
        Ok(())
    }
}

impl Manifest {
    /// A manifest declaring exactly what `docs` use: their layers and labels (in order of first
    /// appearance), and each relation type with the labels seen at its ends. Used when a
    /// format without a manifest is converted into a gold corpus.
    pub fn from_documents(name: &str, docs: &[crate::model::AnnotatedDocument]) -> Manifest {
        let mut manifest = Manifest { name: name.to_owned(), ..Manifest::default() };
        for doc in docs {
            for span in &doc.annotations.spans {
                let layer = match manifest.layers.iter().position(|l| l.name == span.layer()) {
                    Some(i) => &mut manifest.layers[i],
                    None => {
                        manifest.layers.push(Layer {
                            name: span.layer().to_owned(),
                            labels: Vec::new(),
                            relations: Vec::new(),
                        });
                        let last = manifest.layers.len() - 1;
                        &mut manifest.layers[last]
                    }
                };
                if !layer.labels.iter().any(|l| l == span.label()) {
                    layer.labels.push(span.label().to_owned());
                }
            }
        }
        for doc in docs {
            let ann = &doc.annotations;
            for rel in &ann.relations {
                let (Some(head), Some(tail)) = (ann.span(&rel.head), ann.span(&rel.tail)) else { continue };
                let Some(layer) = manifest.layers.iter_mut().find(|l| l.name == head.layer()) else { continue };
                let decl = match layer.relations.iter().position(|r| r.name == rel.kind) {
                    Some(i) => &mut layer.relations[i],
                    None => {
                        layer.relations.push(RelationType {
                            name: rel.kind.clone(),
                            head: Vec::new(),
                            tail: Vec::new(),
                            per_head: PerHead::Many,
                        });
                        let last = layer.relations.len() - 1;
                        &mut layer.relations[last]
                    }
                };
                for (labels, label) in [(&mut decl.head, head.label()), (&mut decl.tail, tail.label())] {
                    if !labels.iter().any(|l| l == label) {
                        labels.push(label.to_owned());
                    }
                }
            }
        }
        manifest
    }
}
