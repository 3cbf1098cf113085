//! Mention-level scoring (`--mode mentions`): per document and layer, the multiset of
//! (normalised text, label) pairs of gold against that of the predictions, as many evaluations
//! of language-model entity extraction count. It needs no offsets: a prediction given as text
//! takes part as its text, a span with offsets as the text it covers.

use std::collections::BTreeMap;

use crate::counts::Counts;
use crate::ground;

/// A mention's text as mentions mode compares it: case, quotation marks, dashes and runs of
/// whitespace folded (as the casefold grounding rule folds them), trimmed, and a leading
/// "the " dropped ("The Sunday Times" and "Sunday Times" are one mention).
pub fn normalize(text: &str) -> String {
    let folded = ground::fold(text);
    match folded.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => folded,
    }
}

/// Counts of one layer's (text, label) items: COR is the size of the multisets'
/// intersection, MIS the gold items left, SPU the predicted items left. Micro counts compare
/// the pairs; each label's counts compare the texts of that label.
pub(crate) fn counts<'a>(
    gold: &[(String, &'a str)],
    pred: &[(String, &'a str)],
) -> (Counts, BTreeMap<&'a str, Counts>) {
    let mut items: BTreeMap<(&'a str, &str), (u64, u64)> = BTreeMap::new();
    for (text, label) in gold {
        items.entry((*label, text.as_str())).or_default().0 += 1;
    }
    for (text, label) in pred {
        items.entry((*label, text.as_str())).or_default().1 += 1;
    }
    let mut micro = Counts::default();
    let mut labels: BTreeMap<&'a str, Counts> = BTreeMap::new();
    for ((label, _), (g, p)) in items {
        let shared = g.min(p);
        let c = Counts { cor: shared, mis: g - shared, spu: p - shared, ..Counts::default() };
        micro += c;
        *labels.entry(label).or_default() += c;
    }
    (micro, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_case_spacing_marks_dashes_and_a_leading_the() {
        assert_eq!(normalize("  The  Sunday\nTimes "), "sunday times");
        assert_eq!(normalize("Nazanin’s"), "nazanin's");
        assert_eq!(normalize("Jean–Luc"), "jean-luc");
        assert_eq!(normalize("The"), "the", "a lone 'the' is kept");
        assert_eq!(normalize("Theresa"), "theresa");
    }

    #[test]
    fn counts_are_multiset_intersections() {
        let item = |t: &str, l: &'static str| (t.to_owned(), l);
        // Gold: truss ×3 PERSON, russia GPE. Predicted: truss ×1 PERSON, russia ORG, putin PERSON.
        let gold = [item("truss", "PERSON"), item("truss", "PERSON"), item("truss", "PERSON"), item("russia", "GPE")];
        let pred = [item("truss", "PERSON"), item("russia", "ORG"), item("putin", "PERSON")];
        let (micro, labels) = counts(&gold, &pred);
        assert_eq!((micro.cor, micro.mis, micro.spu), (1, 3, 2));
        let person = labels["PERSON"];
        assert_eq!((person.cor, person.mis, person.spu), (1, 2, 1));
        assert_eq!((labels["GPE"].mis, labels["ORG"].spu), (1, 1));
    }
}
