//! Inter-annotator agreement between two annotations of the same documents: span F1 (strict
//! and overlap) per layer and label, speaker agreement over quotations both found, and Cohen's
//! kappa over token labels. Annotation A plays "gold" and B "predictions"; F1 is symmetric.

use std::collections::{BTreeMap, BTreeSet};

use goldspan_model::{Location, Problem, ProblemKind};
use goldspan_score::agreement::{token_pairs, TokenPairs};
use goldspan_score::{score_document, Mode, Options, Tally};
use rayon::prelude::*;

use crate::error::Error;
use crate::gold::Gold;

/// The modes agreement is reported in: strict, and overlap with the same label.
pub const AGREEMENT_MODES: [Mode; 2] = [Mode::Strict, Mode::Type];

/// Agreement between two annotation sets.
#[derive(Debug, Clone, Default)]
pub struct Agreement {
    /// Documents in both sets, sorted.
    pub documents: Vec<String>,
    /// Documents only in A.
    pub only_a: Vec<String>,
    /// Documents only in B.
    pub only_b: Vec<String>,
    /// Span, relation and quotation counts, A as gold.
    pub tally: Tally,
    /// Token label pairs per layer.
    pub tokens: BTreeMap<String, TokenPairs>,
}

/// One document's counts and token label pairs per layer.
type DocumentAgreement = (Tally, BTreeMap<String, TokenPairs>);

/// Compares annotation sets `a` and `b` on the documents they share; their texts must be
/// identical.
pub fn agree(a: &Gold, b: &Gold) -> Result<Agreement, Error> {
    let ids_a: BTreeSet<&str> = a.ids().iter().collect();
    let ids_b: BTreeSet<&str> = b.ids().iter().collect();
    let mut out = Agreement {
        documents: ids_a.intersection(&ids_b).map(|s| s.to_string()).collect(),
        only_a: ids_a.difference(&ids_b).map(|s| s.to_string()).collect(),
        only_b: ids_b.difference(&ids_a).map(|s| s.to_string()).collect(),
        ..Agreement::default()
    };
    // Quotations and speakers are those the first set's manifest names.
    let attribution = a.manifest().and_then(|m| m.attribution.clone());
    let options = Options { attribution, ..Options::new(AGREEMENT_MODES.to_vec()) };
    let mut problems = Vec::new();
    let results: Vec<Result<DocumentAgreement, Vec<Problem>>> = out
        .documents
        .par_iter()
        .map(|id| {
            let da = a.load(id)?;
            let db = b.load(id)?;
            if da.document.text() != db.document.text() {
                let message = "the two annotation sets have different texts for this document".to_owned();
                return Err(vec![Problem::new(
                    Location::file(b.name()).in_document(db.document.id()),
                    ProblemKind::Syntax { message },
                )]);
            }
            let tally = score_document(&da, &db.annotations, &options);
            let layers: BTreeSet<&str> =
                da.annotations.spans.iter().chain(&db.annotations.spans).map(|s| s.layer()).collect();
            let tokens = layers.into_iter().map(|l| (l.to_owned(), token_pairs(&da, &db.annotations, l))).collect();
            Ok((tally, tokens))
        })
        .collect();
    for r in results {
        match r {
            Ok((tally, tokens)) => {
                out.tally += &tally;
                for (layer, pairs) in tokens {
                    out.tokens.entry(layer).or_default().add(&pairs);
                }
            }
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    Ok(out)
}
