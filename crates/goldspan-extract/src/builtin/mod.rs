//! goldspan's built-in baselines: real rule-based extractors, to be measured, beaten and
//! benchmarked.

mod entities;
mod quotes;
mod structure;

pub use entities::EntitiesRules;
pub use quotes::QuotesRules;
pub use structure::StructureRules;

use goldspan_model::{Annotations, Span};

use crate::ExtractorInfo;

/// The identity of the built-in extractor `name`: goldspan's version, and as configuration
/// hash the fingerprint of the rules' sources and data ([`crate::BUILTIN_FINGERPRINT`]), so
/// no version is bumped by hand and no edit is missed.
fn identity(name: &str) -> ExtractorInfo {
    ExtractorInfo {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        config_hash: crate::BUILTIN_FINGERPRINT[..16].into(),
    }
}

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

#[cfg(test)]
mod tests {
    use crate::{Extractor, BUILTIN_FINGERPRINT};

    #[test]
    fn each_builtin_is_named_and_keyed_by_the_fingerprint_of_its_sources() {
        let infos = [super::QuotesRules::default().info(), super::EntitiesRules.info(), super::StructureRules.info()];
        let names: Vec<&str> = infos.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["quotes-rules", "entities-rules", "structure-rules"]);
        for info in &infos {
            assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
            assert_eq!(info.config_hash, BUILTIN_FINGERPRINT[..16]);
        }
        assert_eq!(BUILTIN_FINGERPRINT.len(), 64);
        assert!(BUILTIN_FINGERPRINT.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
