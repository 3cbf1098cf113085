//! goldspan's built-in baselines: real rule-based extractors, to be measured, beaten and
//! benchmarked.

mod entities;
mod quotes;
mod structure;

pub use entities::EntitiesRules;
pub use quotes::QuotesRules;
pub use structure::StructureRules;

use goldspan_model::{Annotations, Span};

/// Annotations of one layer from `(start, end, label)` triples in text order: spans numbered
/// `T1..`, any triple that is empty or runs past `len` code points dropped.
fn layer_spans(layer: &str, triples: Vec<(usize, usize, &str)>, len: usize) -> Annotations {
    let spans = triples
        .into_iter()
        .filter(|&(s, e, _)| s < e && e <= len)
        .enumerate()
        .filter_map(|(n, (s, e, label))| Span::contiguous(format!("T{}", n + 1), layer, label, s, e))
        .collect();
    Annotations { spans, ..Annotations::default() }
}
