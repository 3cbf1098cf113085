//! Gold documents with their predictions, held in memory: what a report that shows each
//! document (the HTML report) needs, where scoring itself streams and keeps only counts.
//!
//! The predictions are read, relabelled and checked exactly as scoring reads them, and every
//! gold document in scope comes out once, in the order of the gold ids, with empty
//! predictions when none were given (as scoring counts it).

use std::collections::BTreeSet;
use std::path::Path;

use goldspan_formats::jsonl;
use goldspan_model::{AnnotatedDocument, Annotations, Location, Problem, ProblemKind};
use rayon::prelude::*;

use crate::error::Error;
use crate::evaluate::{match_documents, Config, Matched};
use crate::gold::Gold;

/// A gold document and the predictions for it.
pub type Pair = (AnnotatedDocument, Annotations);

/// What one predictions line gave: its gold document's place and predictions, nothing (a
/// document outside the split), or its problems.
type LineRead = Result<Option<(usize, Annotations)>, Vec<Problem>>;

/// Every gold document in scope with its predictions from the JSON Lines file `predictions`.
/// Predictions for documents outside the split are ignored; any problem fails the whole read,
/// as it fails scoring.
pub fn read_pairs(gold: &Gold, predictions: &Path, config: &Config) -> Result<Vec<Pair>, Error> {
    let location = Location::file(predictions);
    let mut reader = jsonl::Reader::open(predictions)?;
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    while let Some(line) = reader.next_line() {
        match line {
            Ok(line) => lines.push(line),
            Err(p) => problems.push(p),
        }
    }
    let read: Vec<LineRead> = lines
        .into_par_iter()
        .map(|(number, bytes)| {
            let mut record = jsonl::parse_line(&bytes, number, &location).map_err(|p| vec![p])?;
            let Some(index) = gold.position(record.id()) else {
                if gold.knows(record.id()) {
                    return Ok(None);
                }
                let message = "the gold has no document with this id".to_owned();
                let at = location.at_line(number).in_document(record.id());
                return Err(vec![Problem::new(at, ProblemKind::Syntax { message })]);
            };
            if !config.label_map.is_empty() {
                record.relabel(&|label| config.label_map.apply(label));
            }
            let g = gold.load_at(index)?;
            let p = record.resolve_predictions(&g.document, gold.manifest(), &location)?;
            Ok(Some((index, p)))
        })
        .collect();
    let mut found: Vec<Option<Annotations>> = vec![None; gold.ids().len()];
    for r in read {
        match r {
            Ok(Some((index, p))) if found[index].is_none() => found[index] = Some(p),
            Ok(Some((index, _))) => {
                let id = gold.ids()[index].to_owned();
                let at = location.in_document(&id);
                problems.push(Problem::new(at, ProblemKind::DuplicateId { id, first_line: None }));
            }
            Ok(None) => {}
            Err(p) => problems.extend(p),
        }
    }
    with_gold(gold, found, problems)
}

/// Every gold document in scope with its predictions from another tool's file, already read
/// (`score --pred-format`), matched by id or by identical text as scoring matches them.
pub fn match_pairs(
    gold: &Gold,
    predictions: Vec<AnnotatedDocument>,
    source: &Path,
    config: &Config,
) -> Result<Vec<Pair>, Error> {
    let Matched { pairs, problems, .. } = match_documents(gold, predictions, source, config);
    let mut found: Vec<Option<Annotations>> = vec![None; gold.ids().len()];
    for (g, p) in pairs {
        if let Some(index) = gold.position(g.document.id()) {
            found[index] = Some(p);
        }
    }
    with_gold(gold, found, problems.into_vec())
}

/// The gold documents in scope, each with the predictions found for it (empty for none).
fn with_gold(gold: &Gold, found: Vec<Option<Annotations>>, mut problems: Vec<Problem>) -> Result<Vec<Pair>, Error> {
    let loaded: Vec<Result<Pair, Vec<Problem>>> =
        found.into_par_iter().enumerate().map(|(index, p)| Ok((gold.load_at(index)?, p.unwrap_or_default()))).collect();
    let mut pairs = Vec::with_capacity(loaded.len());
    for pair in loaded {
        match pair {
            Ok(pair) => pairs.push(pair),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        let mut seen = BTreeSet::new();
        problems.retain(|p| seen.insert(p.to_string()));
        return Err(Error::problems(problems));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_score::{Mode, Options};

    fn config() -> Config {
        Config::new(Options::new(vec![Mode::Strict]))
    }

    #[test]
    fn every_gold_document_comes_once_in_id_order_with_its_predictions_or_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gold_path = dir.path().join("gold.jsonl");
        let text = |id: &str, t: &str| format!(r#"{{"goldspan":1,"id":"{id}","text":"{t}","spans":[]}}"#);
        std::fs::write(&gold_path, format!("{}\n{}\n", text("b", "Zoë met Ann."), text("a", "Hi."))).expect("write");
        let pred_path = dir.path().join("pred.jsonl");
        let pred =
            r#"{"goldspan":1,"id":"b","spans":[{"id":"P1","layer":"entities","label":"PERSON","start":0,"end":3}]}"#;
        std::fs::write(&pred_path, format!("{pred}\n")).expect("write");
        let gold = Gold::open(&gold_path, None, None).expect("gold");
        let pairs = read_pairs(&gold, &pred_path, &config()).expect("pairs");
        let ids: Vec<&str> = pairs.iter().map(|(g, _)| g.document.id()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(pairs[0].1.spans.is_empty());
        let spans: Vec<(&str, usize, usize)> =
            pairs[1].1.spans.iter().map(|s| (s.label(), s.start(), s.end())).collect();
        assert_eq!(spans, [("PERSON", 0, 3)]);
    }

    #[test]
    fn a_prediction_for_an_unknown_document_is_an_error_naming_its_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gold_path = dir.path().join("gold.jsonl");
        std::fs::write(&gold_path, "{\"goldspan\":1,\"id\":\"a\",\"text\":\"Hi.\",\"spans\":[]}\n").expect("write");
        let pred_path = dir.path().join("pred.jsonl");
        std::fs::write(
            &pred_path,
            "{\"goldspan\":1,\"id\":\"a\",\"spans\":[]}\n{\"goldspan\":1,\"id\":\"zz\",\"spans\":[]}\n",
        )
        .expect("write");
        let gold = Gold::open(&gold_path, None, None).expect("gold");
        let e = read_pairs(&gold, &pred_path, &config()).expect_err("unknown id");
        let text = e.to_string();
        assert!(text.contains("zz") && text.contains(":2"), "{text}");
    }
}
