//! A shard's partial result (`goldspan run --shard K/N --partial FILE`, schema
//! `goldspan.partial/1`) and the merge of a run's partials into the results the same run gives
//! on one machine (`goldspan merge`).
//!
//! A partial is an interchange JSON Lines file: a header line holding [`Partial`] — the run's
//! identity (corpus hash, extractor, every scoring setting, goldspan version), the shard, and
//! the shard's counts: totals and slices as plain counts, per-document counts (for bootstrap
//! intervals and per-document listings), classified errors, confusions, failures — then one
//! record per document the extractor answered, its predictions as scored. Counts are summed,
//! never ratios, so the merge adds the shards' counts, puts per-document counts and errors back
//! in document order, and builds [`Results`] through the same function as a run on one
//! machine: the JSON is the same, byte for byte, bootstrap intervals included (they resample
//! documents in id order, whichever shard scored them). The merge needs no corpus and rescores
//! nothing.
//!
//! The merge refuses partials that are not one run's: another corpus, extractor, setting or
//! goldspan version (naming the field and both files), a shard missing or given twice, a
//! document in the wrong shard, a count of documents that does not add up. Ad hoc runs score
//! the layers the extractor produced spans in: a shard whose extractor produced spans in fewer
//! layers than the whole run scored its documents differently, and the merge refuses it,
//! saying to name the layers (`--layer`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use goldspan_formats::jsonl;
use goldspan_score::{Counts, Grounding, GroundingCounts, Mode, Occurrences, QuoteCounts, Rule, Tally};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;
use crate::evaluate::{DocumentCounts, Evaluation};
use crate::results::{
    Bootstrap, Confusion, ErrorList, ErrorRecord, Extraction, ExtractorIdentity, Failure, Results, RunParts,
};
use crate::run::{RunConfig, RunOutcome};
use crate::shard::Shard;

/// The schema name and version written in every partial result.
pub const PARTIAL_SCHEMA: &str = "goldspan.partial/1";

/// The header of a partial-result file: what one shard of a run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "goldspan partial result",
    description = "The header line of what `goldspan run --shard K/N --partial FILE` writes and `goldspan merge` reads."
)]
pub struct Partial {
    /// Label confusions of this shard's documents (with `errors`).
    pub confusions: Vec<Confusion>,
    /// This shard's documents, sorted.
    pub documents: Vec<String>,
    /// Classified errors of this shard's documents, by document, then layer and position
    /// (with `errors`); null without.
    pub errors: Option<Vec<ErrorRecord>>,
    /// Documents taken from the cache and extracted, in this shard.
    pub extraction: Extraction,
    /// Documents of this shard the extractor failed on, sorted by id.
    pub failures: Vec<PartialFailure>,
    /// The gold's layers: the manifest's, or those this shard's gold documents have spans in.
    pub gold_layers: Vec<String>,
    /// Each document's micro counts, sorted by id (when the run keeps them: bootstrap,
    /// per-document output); null without.
    pub per_document: Option<Vec<DocumentRecord>>,
    /// The layers the extractor produced spans in, in this shard, sorted.
    pub produced: Vec<String>,
    /// The run this shard is part of: every partial of a run has the same.
    pub run: RunIdentity,
    /// `goldspan.partial/1`.
    #[schemars(extend("const" = "goldspan.partial/1"))]
    #[serde(deserialize_with = "partial_schema")]
    pub schema: String,
    /// The layers this shard scored; null for every layer found.
    pub scored_layers: Option<Vec<String>>,
    /// Which shard.
    pub shard: Shard,
    /// Counts per (metadata field, value), sorted.
    pub slices: Vec<SliceRecord>,
    /// Why this shard stopped before its end, if it did.
    pub stopped: Option<String>,
    /// Counts over this shard's documents.
    pub total: TallyRecord,
}

fn partial_schema<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    crate::results::schema_is(d, PARTIAL_SCHEMA)
}

/// What makes partials parts of one run: equal in every partial merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunIdentity {
    /// The quotation attribution scored (the corpus manifest's `[attribution]`); null for none.
    pub attribution: Option<AttributionRecord>,
    /// Bootstrap samples and seed, or null without intervals.
    pub bootstrap: Option<Bootstrap>,
    /// Gold name (corpus name or file stem).
    pub corpus: String,
    /// Hash of every document in scope (all shards'): texts, metadata and annotations.
    pub corpus_hash: String,
    /// Documents in scope, all shards together.
    pub documents: usize,
    /// Whether classified errors and confusions were kept.
    pub errors: bool,
    /// The extractor's identity.
    pub extractor: ExtractorIdentity,
    /// The goldspan version that ran the shard.
    pub goldspan_version: String,
    /// How predictions given as text are placed.
    pub grounding: GroundingRecord,
    /// The label map applied to predictions: label → target (empty drops the span).
    pub label_map: BTreeMap<String, String>,
    /// Layers to score as configured; null for the default.
    pub layers: Option<Vec<String>>,
    /// Modes scored, in the order asked for.
    pub modes: Vec<String>,
    /// The eval's name (the extractor spec for an ad hoc run).
    pub name: String,
    /// Whether per-document counts were kept.
    pub per_document: bool,
    /// Whether, with no layers named, only the layers the extractor produced spans in are
    /// scored (ad hoc runs).
    pub predicted_layers: bool,
    /// Metadata fields results are sliced by.
    pub slices: Vec<String>,
    /// The split, or null for every document.
    pub split: Option<String>,
}

/// How predictions given as text are placed (`--ground`, `--ground-occurrences`,
/// `--ground-threshold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundingRecord {
    /// Which occurrences of a mention are taken.
    pub occurrences: String,
    /// How strings are compared with the text.
    pub rule: String,
    /// The least similarity of a fuzzy quotation's window.
    pub threshold: f64,
}

impl GroundingRecord {
    fn of(g: &Grounding) -> GroundingRecord {
        GroundingRecord {
            occurrences: g.occurrences.name().to_owned(),
            rule: g.rule.name().to_owned(),
            threshold: g.threshold(),
        }
    }

    fn grounding(&self) -> Result<Grounding, String> {
        let rule = Rule::parse(&self.rule).ok_or_else(|| format!("grounding rule {:?} is unknown", self.rule))?;
        let occurrences = Occurrences::parse(&self.occurrences)
            .ok_or_else(|| format!("grounding occurrences {:?} are unknown", self.occurrences))?;
        Grounding::new(rule, occurrences, self.threshold).map_err(|e| e.to_string())
    }
}

/// What grounding did with the strings of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundingRow {
    /// The layer.
    pub layer: String,
    /// Strings given a place.
    pub placed: u64,
    /// Mentions listed again.
    pub repeated: u64,
    /// Spans made from the placed strings.
    pub spans: u64,
    /// Predictions given as text.
    pub strings: u64,
    /// Strings that could not be placed.
    pub ungrounded: u64,
}

/// The names quotation attribution is scored under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributionRecord {
    /// The relation from a quotation to its cue, if any.
    pub cue_relation: Option<String>,
    /// The layer of the mentions a speaker co-refers with, if any.
    pub mention_layer: Option<String>,
    /// The label of quotation spans.
    pub quotation_label: String,
    /// The relation from a quotation to its speaker.
    pub speaker_relation: String,
}

/// A document of the shard the extractor failed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartialFailure {
    /// Document id.
    pub document: String,
    /// What usually fixes it, if known.
    pub hint: Option<String>,
    /// The cause, as a short description (the heading failures are grouped under).
    pub kind: String,
    /// Whether the document was not sent to the extractor at all (it follows from other
    /// failures).
    pub not_run: bool,
    /// Why, as text.
    pub reason: String,
    /// The program's last stderr lines, when it exited.
    pub stderr: Vec<String>,
}

/// The five counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountsRecord {
    /// Correct.
    pub cor: u64,
    /// Incorrect.
    pub inc: u64,
    /// Missed.
    pub mis: u64,
    /// Partial.
    pub par: u64,
    /// Spurious.
    pub spu: u64,
}

impl From<&Counts> for CountsRecord {
    fn from(c: &Counts) -> CountsRecord {
        CountsRecord { cor: c.cor, inc: c.inc, mis: c.mis, par: c.par, spu: c.spu }
    }
}

impl From<CountsRecord> for Counts {
    fn from(c: CountsRecord) -> Counts {
        Counts { cor: c.cor, inc: c.inc, par: c.par, mis: c.mis, spu: c.spu }
    }
}

/// Counts of one (layer or relation type, mode), and of one label when it is a label's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountsRow {
    /// The counts.
    pub counts: CountsRecord,
    /// The label (per-label rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The layer, or the relation type for relation rows.
    pub layer: String,
    /// The mode.
    pub mode: String,
}

/// Quotation attribution counts under one mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRow {
    /// Gold quotations.
    pub gold: u64,
    /// Gold quotations found under the mode.
    pub matched: u64,
    /// The mode.
    pub mode: String,
    /// Predicted quotations.
    pub predicted: u64,
    /// Found quotations whose speaker is right.
    pub speaker_right: u64,
}

/// A tally of counts, as its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TallyRecord {
    /// Documents counted.
    pub documents: u64,
    /// What grounding did with predictions given as text, per layer.
    pub grounding: Vec<GroundingRow>,
    /// Per-label counts.
    pub labels: Vec<CountsRow>,
    /// Micro counts per layer and mode.
    pub micro: Vec<CountsRow>,
    /// Quotation attribution per mode.
    pub quotes: Vec<QuoteRow>,
    /// Relation counts per relation type (in `layer`) and mode.
    pub relations: Vec<CountsRow>,
}

/// The counts of the documents with one value of a metadata field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SliceRecord {
    /// The counts.
    pub counts: TallyRecord,
    /// Metadata field.
    pub field: String,
    /// Its value.
    pub value: String,
}

/// One document's micro counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentRecord {
    /// Document id.
    pub id: String,
    /// Micro counts per layer and mode.
    pub micro: Vec<CountsRow>,
    /// Quotation attribution per mode.
    pub quotes: Vec<QuoteRow>,
}

fn quote_row(mode: Mode, q: &QuoteCounts) -> QuoteRow {
    QuoteRow {
        gold: q.gold,
        matched: q.matched,
        mode: mode.to_string(),
        predicted: q.predicted,
        speaker_right: q.speaker_right,
    }
}

fn row(layer: &str, label: Option<&str>, mode: Mode, c: &Counts) -> CountsRow {
    CountsRow { counts: c.into(), label: label.map(str::to_owned), layer: layer.to_owned(), mode: mode.to_string() }
}

impl TallyRecord {
    fn of(t: &Tally) -> TallyRecord {
        TallyRecord {
            documents: t.documents,
            grounding: t
                .grounding
                .iter()
                .map(|(layer, c)| GroundingRow {
                    layer: layer.clone(),
                    placed: c.placed,
                    repeated: c.repeated,
                    spans: c.spans,
                    strings: c.strings,
                    ungrounded: c.ungrounded,
                })
                .collect(),
            labels: t.label_entries().map(|(layer, label, m, c)| row(layer, Some(label), m, c)).collect(),
            micro: t.micro_entries().map(|(layer, m, c)| row(layer, None, m, c)).collect(),
            quotes: t.quotes.iter().map(|(m, q)| quote_row(*m, q)).collect(),
            relations: t.relations().map(|(kind, m, c)| row(kind, None, m, c)).collect(),
        }
    }

    /// The tally, or what is wrong with a row.
    fn tally(&self) -> Result<Tally, String> {
        let mut t = Tally::default();
        t.documents = self.documents;
        for r in &self.micro {
            t.add_micro(&r.layer, mode(&r.mode)?, r.counts.into());
        }
        for r in &self.labels {
            let label = r.label.as_deref().ok_or_else(|| format!("a label row of layer {:?} has no label", r.layer))?;
            t.add_label(&r.layer, label, mode(&r.mode)?, r.counts.into());
        }
        for r in &self.relations {
            t.add_relation(&r.layer, mode(&r.mode)?, r.counts.into());
        }
        for q in &self.quotes {
            *t.quotes.entry(mode(&q.mode)?).or_default() += quote_counts(q);
        }
        for g in &self.grounding {
            *t.grounding.entry(g.layer.clone()).or_default() += GroundingCounts {
                strings: g.strings,
                placed: g.placed,
                repeated: g.repeated,
                ungrounded: g.ungrounded,
                spans: g.spans,
            };
        }
        Ok(t)
    }
}

fn quote_counts(q: &QuoteRow) -> QuoteCounts {
    QuoteCounts { gold: q.gold, predicted: q.predicted, matched: q.matched, speaker_right: q.speaker_right }
}

fn mode(text: &str) -> Result<Mode, String> {
    text.parse::<Mode>().map_err(|e| format!("mode {text:?}: {e}"))
}

impl DocumentRecord {
    fn of(d: &DocumentCounts) -> DocumentRecord {
        DocumentRecord {
            id: d.id.clone(),
            micro: d.micro.iter().map(|((layer, m), c)| row(layer, None, *m, c)).collect(),
            quotes: d.quotes.iter().map(|(m, q)| quote_row(*m, q)).collect(),
        }
    }

    fn counts(&self) -> Result<DocumentCounts, String> {
        let mut micro = BTreeMap::new();
        for r in &self.micro {
            micro.insert((r.layer.clone(), mode(&r.mode)?), r.counts.into());
        }
        let mut quotes = BTreeMap::new();
        for q in &self.quotes {
            quotes.insert(mode(&q.mode)?, quote_counts(q));
        }
        Ok(DocumentCounts { id: self.id.clone(), micro, quotes })
    }
}

/// The header line of a partial-result file, as [`jsonl::header_line`] writes it, so readers
/// of interchange files skip it and read the records after it as predictions.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    goldspan: u32,
    header: Header,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    partial: Partial,
}

impl Partial {
    /// The partial result of a shard's run (`config.shard` set), named `name` (the eval's),
    /// with bootstrap settings `bootstrap`.
    pub fn of_run(
        outcome: &RunOutcome,
        config: &RunConfig,
        name: &str,
        bootstrap: Option<(usize, u64)>,
    ) -> Result<Partial, Error> {
        let scope = outcome.shard.as_ref().ok_or_else(|| Error::Merge("the run was not a shard (--shard)".into()))?;
        let eval = &outcome.evaluation;
        let scoring = &config.scoring;
        let attribution = scoring.options.attribution.as_ref().or(outcome.attribution.as_ref());
        let errors = if scoring.errors {
            let records = eval.errors.iter_all().collect::<std::io::Result<Vec<_>>>().map_err(Error::ErrorListing)?;
            Some(records)
        } else {
            None
        };
        let sorted = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>();
        Ok(Partial {
            confusions: eval
                .confusions
                .iter()
                .map(|((layer, gold, predicted), n)| Confusion {
                    count: *n,
                    gold: gold.clone(),
                    layer: layer.clone(),
                    predicted: predicted.clone(),
                })
                .collect(),
            documents: outcome.documents.iter().map(|(d, _)| d.document.id().to_owned()).collect(),
            errors,
            extraction: Extraction { cached: outcome.cached, performed: outcome.extracted },
            failures: outcome
                .failures
                .iter()
                .map(|f| PartialFailure {
                    document: f.document.clone(),
                    hint: f.error.hint().map(|h| h.to_string()),
                    kind: f.error.kind().describe().to_owned(),
                    not_run: f.error.kind() == goldspan_extract::FailureKind::NotRun,
                    reason: f.reason.clone(),
                    stderr: match &f.error {
                        goldspan_extract::ExtractError::Exited { stderr, .. } => stderr.clone(),
                        _ => Vec::new(),
                    },
                })
                .collect(),
            gold_layers: sorted(&scope.gold_layers),
            per_document: scoring.per_document.then(|| eval.documents.iter().map(DocumentRecord::of).collect()),
            produced: sorted(&scope.produced),
            run: RunIdentity {
                attribution: attribution.map(|a| AttributionRecord {
                    cue_relation: a.cue_relation.clone(),
                    mention_layer: a.mention_layer.clone(),
                    quotation_label: a.quotation_label.clone(),
                    speaker_relation: a.speaker_relation.clone(),
                }),
                bootstrap: bootstrap.map(|(samples, seed)| Bootstrap { samples, seed }),
                corpus: outcome.corpus.clone(),
                corpus_hash: outcome.corpus_hash.clone(),
                documents: scope.in_scope,
                errors: scoring.errors,
                extractor: ExtractorIdentity {
                    config_hash: outcome.extractor.config_hash.clone(),
                    name: outcome.extractor.name.clone(),
                    version: outcome.extractor.version.clone(),
                },
                goldspan_version: env!("CARGO_PKG_VERSION").to_owned(),
                grounding: GroundingRecord::of(&scoring.options.grounding),
                label_map: scoring.label_map.entries().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
                layers: scoring.options.layers.as_ref().map(sorted),
                modes: scoring.options.modes.iter().map(Mode::to_string).collect(),
                name: name.to_owned(),
                per_document: scoring.per_document,
                predicted_layers: config.predicted_layers,
                slices: scoring.slices.clone(),
                split: config.split.clone(),
            },
            schema: PARTIAL_SCHEMA.to_owned(),
            scored_layers: scope.scored_layers.as_ref().map(sorted),
            shard: scope.shard,
            slices: eval
                .slices
                .iter()
                .map(|((field, value), t)| SliceRecord {
                    counts: TallyRecord::of(t),
                    field: field.clone(),
                    value: value.clone(),
                })
                .collect(),
            stopped: outcome.stopped.clone(),
            total: TallyRecord::of(&eval.total),
        })
    }
}

/// Writes the partial result of a shard's run to `path`, atomically: `partial` as the header
/// line, then the predictions of every document the extractor answered, in id order.
pub fn write_partial(path: &Path, partial: &Partial, outcome: &RunOutcome) -> Result<(), Error> {
    let failed: BTreeSet<&str> = partial.failures.iter().map(|f| f.document.as_str()).collect();
    let mut out = jsonl::header_line(&Header { partial: partial.clone() });
    out.push('\n');
    for (doc, annotations) in outcome.documents.iter().filter(|(d, _)| !failed.contains(d.document.id())) {
        out.push_str(&jsonl::record_line(&doc.document, annotations, false));
        out.push('\n');
    }
    jsonl::write_lines(path, &out).map_err(Error::from)
}

/// Reads the header of the partial result at `path` (the records after it are not read).
pub fn read_partial(path: &Path) -> Result<Partial, Error> {
    let unreadable = |why: String| Error::Merge(format!("{}: {why}", path.display()));
    // A `.zst` partial is decompressed as it is read.
    let file = jsonl::open_stream(path).map_err(|e| unreadable(format!("cannot open: {e}")))?;
    let mut line = Vec::new();
    std::io::BufReader::new(file).read_until(b'\n', &mut line).map_err(|e| unreadable(format!("cannot read: {e}")))?;
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(unreadable(
            "empty: not a partial result (goldspan run --shard K/N --partial FILE writes one)".into(),
        ));
    }
    let header: HeaderLine = serde_json::from_slice(&line).map_err(|e| {
        unreadable(format!(
            "line 1 is not a {PARTIAL_SCHEMA} header ({e}); partial results are written by goldspan run --shard K/N --partial FILE"
        ))
    })?;
    Ok(header.header.partial)
}

/// Partials merged: the results and what the CLI says besides them.
#[derive(Debug)]
pub struct Merged {
    /// The eval's name.
    pub name: String,
    /// The results, as the run on one machine gives them.
    pub results: Results,
    /// The evaluation the results were built from (for per-document output).
    pub evaluation: Evaluation,
    /// Every failure, sorted by document.
    pub failures: Vec<PartialFailure>,
    /// Documents in scope.
    pub documents: usize,
    /// Gold layers not scored because the extractor produced no span in them.
    pub not_predicted: Vec<String>,
    /// Whether quotation attribution was scored.
    pub attributed: bool,
    /// Whether the shards kept classified errors and confusions (they ran with `--errors`).
    pub errors: bool,
    /// The shards that stopped early, and why.
    pub stopped: Vec<(Shard, String)>,
}

impl Merged {
    /// Whether the extractor failed on every document in scope (and there was one).
    pub fn all_failed(&self) -> bool {
        !self.failures.is_empty() && self.failures.len() == self.documents
    }
}

/// The first place two JSON values differ: its dotted path and the two values there.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<(String, String, String)> {
    use serde_json::Value;
    if let (Value::Object(x), Value::Object(y)) = (a, b) {
        let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        for key in keys {
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            match (x.get(key), y.get(key)) {
                (Some(u), Some(v)) => {
                    if let Some(found) = first_difference(u, v, &here) {
                        return Some(found);
                    }
                }
                (u, v) => return Some((here, show(u), show(v))),
            }
        }
        return None;
    }
    (a != b).then(|| (path.to_owned(), a.to_string(), b.to_string()))
}

fn show(v: Option<&serde_json::Value>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), serde_json::Value::to_string)
}

/// Merges the partial results of every shard of one run (each with the file it came from)
/// into the results the run gives on one machine.
pub fn merge(partials: Vec<(PathBuf, Partial)>) -> Result<Merged, Error> {
    let refuse = |message: String| Err(Error::Merge(message));
    let Some((first_path, first)) = partials.first() else {
        return refuse("no partial results to merge".into());
    };
    // One run: the same identity and shard count everywhere.
    let identity = serde_json::to_value(&first.run).unwrap_or_default();
    for (path, p) in &partials[1..] {
        let other = serde_json::to_value(&p.run).unwrap_or_default();
        if let Some((field, a, b)) = first_difference(&identity, &other, "") {
            return refuse(format!(
                "{} and {} are not shards of one run: {field} differs ({a} in the first, {b} in the second)",
                first_path.display(),
                path.display()
            ));
        }
        if p.shard.count != first.shard.count {
            return refuse(format!(
                "{} and {} are not shards of one run: the first is shard {} and the second shard {}",
                first_path.display(),
                path.display(),
                first.shard,
                p.shard
            ));
        }
    }
    let count = first.shard.count;
    let mut by_index: BTreeMap<u32, &Path> = BTreeMap::new();
    for (path, p) in &partials {
        if let Some(before) = by_index.insert(p.shard.index, path) {
            return refuse(format!("shard {} is given twice: {} and {}", p.shard, before.display(), path.display()));
        }
    }
    let missing: Vec<String> =
        (0..count).filter(|k| !by_index.contains_key(k)).map(|k| format!("{k}/{count}")).collect();
    if !missing.is_empty() {
        return refuse(format!(
            "shard{} {} {} missing: every shard 0/{count} to {}/{count} must be merged ({} given)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            count - 1,
            partials.len()
        ));
    }
    // Each document in the shard it belongs to, and all of them there.
    let mut documents = 0;
    for (path, p) in &partials {
        if let Some(stray) = p.documents.iter().find(|id| !p.shard.contains(id)) {
            return refuse(format!(
                "{}: document {stray:?} is not in shard {} (it belongs to shard {}/{count}): the file was not written by goldspan run --shard {}",
                path.display(),
                p.shard,
                Shard::of(stray, count),
                p.shard
            ));
        }
        documents += p.documents.len();
    }
    let run = &first.run;
    if documents != run.documents {
        return refuse(format!(
            "the shards hold {documents} documents and the run has {} in scope: a partial result was changed after it was written",
            run.documents
        ));
    }
    // The layers scored, decided as one machine decides them: from what the extractor
    // produced in every document.
    let produced: BTreeSet<String> = partials.iter().flat_map(|(_, p)| p.produced.iter().cloned()).collect();
    let gold_layers: BTreeSet<String> = partials.iter().flat_map(|(_, p)| p.gold_layers.iter().cloned()).collect();
    let (scored, not_predicted) = if run.predicted_layers && run.layers.is_none() && !produced.is_empty() {
        (Some(produced.iter().cloned().collect::<Vec<_>>()), gold_layers.difference(&produced).cloned().collect())
    } else {
        (run.layers.clone(), Vec::new())
    };
    // A shard without documents scored nothing, whatever it would have scored.
    for (path, p) in partials.iter().filter(|(_, p)| !p.documents.is_empty()) {
        if p.scored_layers != scored {
            let names = |l: &Option<Vec<String>>| l.as_ref().map_or("every layer".to_owned(), |l| l.join(", "));
            return refuse(format!(
                "{}: shard {} scored {} but the run scores {}: the extractor produced spans in other layers in other shards, so this shard's documents were scored on other layers than one machine would score them; run the shards again naming the layers (--layer)",
                path.display(),
                p.shard,
                names(&p.scored_layers),
                names(&scored)
            ));
        }
    }
    let malformed = |path: &Path, why: String| Error::Merge(format!("{}: {why}", path.display()));
    let mut eval = Evaluation::default();
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut confusions: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut extraction = Extraction { cached: 0, performed: 0 };
    let mut stopped = Vec::new();
    for (path, p) in partials.iter() {
        eval.total += &p.total.tally().map_err(|e| malformed(path, e))?;
        for s in &p.slices {
            let tally = s.counts.tally().map_err(|e| malformed(path, e))?;
            *eval.slices.entry((s.field.clone(), s.value.clone())).or_default() += &tally;
        }
        if run.per_document {
            let docs = p.per_document.as_ref().ok_or_else(|| malformed(path, "no per-document counts".into()))?;
            for d in docs {
                eval.documents.push(d.counts().map_err(|e| malformed(path, e))?);
            }
        }
        if run.errors {
            errors.extend(p.errors.iter().flatten().cloned());
        }
        for c in &p.confusions {
            *confusions.entry((c.layer.clone(), c.gold.clone(), c.predicted.clone())).or_default() += c.count;
        }
        failures.extend(p.failures.iter().cloned());
        extraction.cached += p.extraction.cached;
        extraction.performed += p.extraction.performed;
        if let Some(why) = &p.stopped {
            stopped.push((p.shard, why.clone()));
        }
    }
    // Document order, as one machine lists them; a document's errors keep their order.
    eval.documents.sort_by(|a, b| a.id.cmp(&b.id));
    errors.sort_by(|a, b| a.document.cmp(&b.document));
    eval.errors = ErrorList::from_records(errors);
    eval.confusions = confusions;
    failures.sort_by(|a, b| a.document.cmp(&b.document));
    stopped.sort();
    let modes =
        run.modes.iter().map(|m| mode(m)).collect::<Result<Vec<_>, _>>().map_err(|e| malformed(first_path, e))?;
    let parts = RunParts {
        corpus: run.corpus.clone(),
        corpus_hash: run.corpus_hash.clone(),
        extractor: run.extractor.clone(),
        failures: failures.iter().map(|f| Failure { document: f.document.clone(), reason: f.reason.clone() }).collect(),
        extraction,
        split: run.split.clone(),
        modes,
        label_map: !run.label_map.is_empty(),
        per_document: run.per_document,
        grounding: run.grounding.grounding().map_err(|e| malformed(first_path, e))?,
    };
    let bootstrap = run.bootstrap.map(|b| (b.samples, b.seed));
    let results = Results::of_run_parts(&eval, parts, bootstrap);
    Ok(Merged {
        name: run.name.clone(),
        results,
        evaluation: eval,
        failures,
        documents: run.documents,
        not_predicted,
        attributed: run.attribution.is_some(),
        errors: run.errors,
        stopped,
    })
}
