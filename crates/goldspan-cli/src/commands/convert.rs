//! `goldspan convert`: any supported format to any other, saying what the target cannot hold.

use std::path::Path;

use anyhow::Context;
use goldspan_formats::{brat, conll, gold, jsonl, spans_json};
use goldspan_model::{AnnotatedDocument, Manifest};

use super::print;
use crate::args::{FileFormat, Scheme};
use crate::Outcome;

pub fn run(
    from: FileFormat,
    to: FileFormat,
    input: &Path,
    output: &Path,
    scheme: Scheme,
    layer: &str,
    manifest_path: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let given = match manifest_path {
        Some(p) => Some(gold::read_manifest(p).with_context(|| format!("cannot read manifest {}", p.display()))?),
        None => None,
    };
    let (manifest, docs) = read(from, input, scheme, layer, given.as_ref())
        .with_context(|| format!("cannot read {} as {from:?}", input.display()))?;
    let manifest = manifest.or(given);
    let mut notes = write(to, output, scheme, layer, manifest, &docs)
        .with_context(|| format!("cannot write {} as {to:?}", output.display()))?;
    notes.sort();
    let mut text = format!("converted {} document(s) from {from:?} to {to:?}: {}\n", docs.len(), output.display());
    for note in notes {
        text.push_str(&format!("  note: {note}\n"));
    }
    print(&text)?;
    Ok(Outcome::Ok)
}

fn conll_scheme(s: Scheme) -> conll::Scheme {
    match s {
        Scheme::Iob1 => conll::Scheme::Iob1,
        Scheme::Iob2 => conll::Scheme::Iob2,
        Scheme::Bioes => conll::Scheme::Bioes,
    }
}

fn read(
    from: FileFormat,
    input: &Path,
    scheme: Scheme,
    layer: &str,
    manifest: Option<&Manifest>,
) -> anyhow::Result<(Option<Manifest>, Vec<AnnotatedDocument>)> {
    Ok(match from {
        FileFormat::Gold => {
            let corpus = gold::Corpus::open(input)?;
            let docs = corpus.ids().iter().map(|id| corpus.read(id)).collect::<Result<Vec<_>, _>>()?;
            (Some(corpus.manifest().clone()), docs)
        }
        FileFormat::Brat => {
            let (m, docs) = brat::read_dir(input, layer)?;
            (Some(m), docs)
        }
        FileFormat::Jsonl => (None, jsonl::read_documents(input, manifest)?),
        FileFormat::Conll => (None, conll::read(input, conll_scheme(scheme), layer)?),
        FileFormat::Doccano => (None, spans_json::read_doccano(input, manifest, layer)?),
        FileFormat::Labelstudio => (None, spans_json::read_label_studio(input, manifest, layer)?),
        FileFormat::Spacy => (None, spans_json::read_spacy(input, manifest, layer)?),
    })
}

fn write(
    to: FileFormat,
    output: &Path,
    scheme: Scheme,
    layer: &str,
    manifest: Option<Manifest>,
    docs: &[AnnotatedDocument],
) -> anyhow::Result<Vec<String>> {
    let name = output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "corpus".into());
    Ok(match to {
        FileFormat::Gold => {
            let mut notes = Vec::new();
            let manifest = manifest.unwrap_or_else(|| Manifest::from_documents(&name, docs));
            let mut manifest = manifest;
            let listed: std::collections::BTreeSet<&String> = manifest.splits.values().flatten().collect();
            let unlisted: Vec<String> =
                docs.iter().map(|d| d.document.id().to_owned()).filter(|id| !listed.contains(id)).collect();
            if !unlisted.is_empty() {
                notes.push(format!("{} document(s) without a split were put in split \"all\"", unlisted.len()));
                manifest.splits.entry("all".into()).or_default().extend(unlisted);
            }
            gold::write_corpus(output, &manifest, docs)?;
            notes
        }
        FileFormat::Brat => {
            let manifest = manifest.unwrap_or_else(|| Manifest::from_documents(&name, docs));
            brat::write_dir(output, &manifest, docs)?
        }
        FileFormat::Jsonl => {
            jsonl::write_documents(output, docs, true)?;
            if manifest.is_some_and(|m| !m.splits.is_empty()) {
                vec!["splits: JSON Lines records carry no split".into()]
            } else {
                Vec::new()
            }
        }
        FileFormat::Conll => conll::write(output, docs, conll_scheme(scheme), layer)?,
        FileFormat::Doccano => spans_json::write_doccano(output, docs)?,
        FileFormat::Labelstudio => spans_json::write_label_studio(output, docs)?,
        FileFormat::Spacy => spans_json::write_spacy(output, docs)?,
    })
}
