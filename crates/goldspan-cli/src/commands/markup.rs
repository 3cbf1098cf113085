//! `goldspan markup compile|render`: the annotators' inline markup, to and from gold files.

use std::path::Path;

use anyhow::Context;
use goldspan_formats::gold::{self, Corpus};
use goldspan_formats::{markup, read_text};
use goldspan_model::{check_document, Location, Problems};

use super::print;
use crate::args::MarkupAction;
use crate::Outcome;

pub fn run(action: MarkupAction) -> anyhow::Result<Outcome> {
    match action {
        MarkupAction::Compile { files, corpus, check } => {
            compile(&files, &crate::project::corpus_or_default(corpus.as_deref())?, check)
        }
        MarkupAction::Render { id, corpus } => {
            let corpus = crate::project::corpus_or_default(corpus.as_deref())?;
            let opened = Corpus::open(&corpus).with_context(|| format!("cannot open corpus {}", corpus.display()))?;
            let doc = opened.read(&id)?;
            let split = opened.manifest().splits_of(&id).first().map(|s| s.to_string());
            print(&markup::render(&doc, split.as_deref())?)?;
            Ok(Outcome::Ok)
        }
    }
}

fn compile(files: &[std::path::PathBuf], corpus: &Path, check: bool) -> anyhow::Result<Outcome> {
    let opened = Corpus::open(corpus).with_context(|| format!("cannot open corpus {}", corpus.display()))?;
    let mut manifest = opened.manifest().clone();
    let mut problems = Problems::default();
    let mut compiled = Vec::new();
    // Each id to the file that compiled to it: two files with one id would overwrite each other.
    let mut first_file: std::collections::BTreeMap<String, &Path> = std::collections::BTreeMap::new();
    for file in files {
        let location = Location::file(file);
        let Some(source) = read_text(file, &location, &mut problems) else { continue };
        let before = problems.count();
        let Some(out) = markup::compile(&source, &manifest, &location, &mut problems) else { continue };
        let doc = &out.document;
        let id = doc.document.id();
        match first_file.entry(id.to_owned()) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(file);
            }
            std::collections::btree_map::Entry::Occupied(e) => problems.push(
                location.in_document(id),
                goldspan_model::ProblemKind::DocumentIdClash {
                    id: id.to_owned(),
                    first: e.get().display().to_string(),
                },
            ),
        }
        // Checked against the manifest like any gold document; lines are the markup file's.
        check_document(doc, &manifest, &location, &|_| None, &mut problems);
        if let Some(split) = &out.split {
            if !manifest.splits.contains_key(split) {
                problems.push(
                    location.in_document(doc.document.id()),
                    goldspan_model::ProblemKind::UnknownSplit {
                        split: split.clone(),
                        known: manifest.splits.keys().cloned().collect(),
                    },
                );
            }
        }
        if problems.count() == before {
            compiled.push(out);
        }
    }
    if !problems.is_empty() {
        let count = problems.count();
        let mut text: String = problems.into_vec().iter().map(|p| format!("{p}\n")).collect();
        text.push_str(&format!("{count} problem(s); nothing written\n"));
        print(&text)?;
        return Ok(Outcome::Invalid);
    }
    if check {
        print(&format!("{} file(s) clean\n", compiled.len()))?;
        return Ok(Outcome::Ok);
    }
    let mut manifest_changed = false;
    for out in &compiled {
        let id = out.document.document.id().to_owned();
        gold::write_document(corpus, &out.document)?;
        if let Some(split) = &out.split {
            for (name, ids) in manifest.splits.iter_mut() {
                let listed = ids.contains(&id);
                if name == split && !listed {
                    ids.push(id.clone());
                    manifest_changed = true;
                } else if name != split && listed {
                    ids.retain(|d| d != &id);
                    manifest_changed = true;
                }
            }
        }
    }
    if manifest_changed {
        for ids in manifest.splits.values_mut() {
            ids.sort();
        }
        goldspan_formats::write_atomic(&corpus.join(gold::MANIFEST), gold::manifest_to_toml(&manifest).as_bytes())?;
    }
    print(&format!("compiled {} document(s) into {}\n", compiled.len(), corpus.display()))?;
    Ok(Outcome::Ok)
}
