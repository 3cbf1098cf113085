//! Scores of predictions given as text (a language model's strings), computed by hand on one
//! small document under each grounding rule, and the property that predictions with exact
//! offsets and the same predictions stripped of them score alike where every text is unique.

use std::collections::BTreeSet;

use goldspan_model::{AnnotatedDocument, Annotations, Attribution, Document, Relation, Span, TextSpan};
use goldspan_score::{
    errors, ground_predictions, score_document, Counts, Grounding, Mode, Occurrences, Options, Rule, Tally, SEMEVAL,
};
use proptest::prelude::*;

/// The text, with the code points of what gold annotates:
///
/// | span | label | place |
/// |---|---|---|
/// | `Nadia Frost` | PERSON, and Source of q1 | 0..11 |
/// | `said` | Cue of q1 | 12..16 |
/// | `We will not look away.` | Quote q1 | 19..41 |
/// | `Frost` | PERSON, and Source of q2 | 43..48 |
/// | `added` | Cue of q2 | 49..54 |
/// | `The council has ... Yorkshire open.` | Quote q2 (15 words) | 57..136 |
/// | `Yorkshire` | GPE | 121..130 |
/// | `Venn` | PERSON | 141..145 |
///
/// Nadia Frost's four mentions are one coreference cluster.
const TEXT: &str = "Nadia Frost said: “We will not look away.” Frost added: “The council has a clear duty, as ever, \
                    to keep every library in Yorkshire open.” Mr Venn did not reply.";

fn gold() -> AnnotatedDocument {
    let span = |id: &str, layer: &str, label: &str, start, end| {
        Span::contiguous(id, layer, label, start, end).expect("a valid span")
    };
    let relation = |id: &str, kind: &str, head: &str, tail: &str| Relation {
        id: id.into(),
        kind: kind.into(),
        head: head.into(),
        tail: tail.into(),
    };
    let annotations = Annotations {
        spans: vec![
            span("E1", "entities", "PERSON", 0, 11),
            span("E2", "entities", "PERSON", 43, 48),
            span("E3", "entities", "GPE", 121, 130),
            span("E4", "entities", "PERSON", 141, 145),
            span("S1", "quotes", "Source", 0, 11),
            span("C1", "quotes", "Cue", 12, 16),
            span("Q1", "quotes", "Quote", 19, 41),
            span("S2", "quotes", "Source", 43, 48),
            span("C2", "quotes", "Cue", 49, 54),
            span("Q2", "quotes", "Quote", 57, 136),
        ],
        relations: vec![
            relation("R1", "speaker", "Q1", "S1"),
            relation("R2", "cue", "Q1", "C1"),
            relation("R3", "speaker", "Q2", "S2"),
            relation("R4", "cue", "Q2", "C2"),
        ],
        clusters: vec![vec!["E1".into(), "S1".into(), "E2".into(), "S2".into()]],
        ..Annotations::default()
    };
    AnnotatedDocument { document: Document::new("frost", TEXT, Default::default()), annotations }
}

fn string(id: &str, layer: &str, label: &str, text: &str) -> TextSpan {
    TextSpan {
        id: id.into(),
        layer: layer.into(),
        label: label.into(),
        text: text.into(),
        occurrence: None,
        context: None,
    }
}

/// What a model answered: a name with changed case, a hallucinated name, a place listed twice,
/// one quotation verbatim and one with the clause "as ever" left out, speakers as names.
fn answer() -> Annotations {
    let speaker = |quote: &str| Relation {
        id: format!("{quote}.speaker.rel"),
        kind: "speaker".into(),
        head: quote.into(),
        tail: format!("{quote}.speaker"),
    };
    Annotations {
        text_spans: vec![
            string("E1", "entities", "PERSON", "Nadia Frost"),
            string("E2", "entities", "PERSON", "frost"),
            string("E3", "entities", "PERSON", "Venn"),
            string("E4", "entities", "PERSON", "Carla Mendes"),
            string("E5", "entities", "GPE", "Yorkshire"),
            string("E6", "entities", "GPE", "Yorkshire"),
            string("Q1", "quotes", "Quote", "We will not look away."),
            string("Q1.speaker", "quotes", "Source", "Nadia Frost"),
            string("Q2", "quotes", "Quote", "The council has a clear duty to keep every library in Yorkshire open."),
            string("Q2.speaker", "quotes", "Source", "Frost"),
        ],
        relations: vec![speaker("Q1"), speaker("Q2")],
        ..Annotations::default()
    }
}

fn attribution() -> Attribution {
    Attribution {
        quotation_label: "Quote".into(),
        speaker_relation: "speaker".into(),
        cue_relation: Some("cue".into()),
        mention_layer: Some("entities".into()),
    }
}

fn score(rule: Rule, pred: &Annotations) -> Tally {
    let options = Options {
        attribution: Some(attribution()),
        grounding: Grounding::new(rule, Occurrences::All, 0.9).expect("threshold"),
        ..Options::new(vec![Mode::Strict, Mode::Tokens, Mode::Mentions])
    };
    score_document(&gold(), pred, &options)
}

/// (COR, MIS, SPU).
fn c(counts: Counts) -> (u64, u64, u64) {
    assert_eq!((counts.inc, counts.par), (0, 0));
    (counts.cor, counts.mis, counts.spu)
}

#[test]
fn exact_places_only_verbatim_strings() {
    let t = score(Rule::Exact, &answer());
    // Placed: Nadia Frost, Venn, Yorkshire (once: the second is a repeat). Not placed: "frost"
    // (the text has "Frost") and the hallucinated Carla Mendes, 2 spurious. Frost is missed.
    assert_eq!(c(t.micro("entities", Mode::Strict)), (3, 1, 2));
    assert_eq!(c(t.label("entities", Mode::Strict, "PERSON")), (2, 1, 2));
    assert_eq!(c(t.label("entities", Mode::Strict, "GPE")), (1, 0, 0));
    // Tokens: Nadia, Frost, Venn, Yorkshire found, the second Frost missed; the unplaced
    // strings' 3 words ("frost", "Carla", "Mendes") spurious.
    assert_eq!(c(t.micro("entities", Mode::Tokens)), (4, 1, 3));
    // q1 and its speaker are placed where gold has them; q2 is not verbatim, so neither it nor
    // its speaker has a place: 2 spurious; both cues, q2 and its Source are missed.
    assert_eq!(c(t.micro("quotes", Mode::Strict)), (2, 4, 2));
    let speaker: Vec<(&str, Counts)> =
        t.relations().filter(|(_, m, _)| *m == Mode::Strict).map(|(k, _, c)| (k, *c)).collect();
    assert_eq!(
        speaker.iter().map(|(k, n)| (*k, c(*n))).collect::<Vec<_>>(),
        [("cue", (0, 2, 0)), ("speaker", (1, 1, 1))]
    );
    let q = t.quotes[&Mode::Strict];
    assert_eq!((q.gold, q.predicted, q.matched, q.speaker_right), (2, 2, 1, 1));
    let g = t.grounding["entities"];
    assert_eq!((g.strings, g.placed, g.repeated, g.ungrounded, g.spans), (6, 3, 1, 2, 3));
    let g = t.grounding["quotes"];
    assert_eq!((g.strings, g.placed, g.repeated, g.ungrounded, g.spans), (4, 2, 0, 2, 2));
    let unplaced: Vec<(&str, String)> = t.ungrounded.iter().map(|u| (u.id.as_str(), u.reason.to_string())).collect();
    assert_eq!(
        unplaced,
        [
            ("Q2", "not in the text".to_owned()),
            ("Q2.speaker", "its quotation could not be placed".to_owned()),
            ("E2", "not in the text".to_owned()),
            ("E4", "not in the text".to_owned()),
        ]
    );
}

#[test]
fn casefold_also_places_a_name_in_another_case_outside_the_longer_name() {
    let t = score(Rule::Casefold, &answer());
    // "frost" occurs inside "Nadia Frost" (which the answer lists: that place is the longer
    // name's) and before "added": it is placed there, where gold has Frost.
    assert_eq!(c(t.micro("entities", Mode::Strict)), (4, 0, 1));
    assert_eq!(c(t.micro("quotes", Mode::Strict)), (2, 4, 2));
}

#[test]
fn fuzzy_also_places_the_quotation_with_a_clause_left_out() {
    let t = score(Rule::Fuzzy, &answer());
    assert_eq!(c(t.micro("entities", Mode::Strict)), (4, 0, 1));
    // q2 (13 of its 15 words, similarity 26/28 ≥ 0.9) takes gold's boundaries, its full stop
    // included; its speaker "Frost" takes the nearest Frost, gold's Source. Only the cues are
    // missed.
    assert_eq!(c(t.micro("quotes", Mode::Strict)), (4, 2, 0));
    let q = t.quotes[&Mode::Strict];
    assert_eq!((q.gold, q.predicted, q.matched, q.speaker_right), (2, 2, 2, 2));
    assert_eq!(q.attribution_accuracy(), 1.0);
    assert_eq!(c(q.end_to_end()), (2, 0, 0));
}

#[test]
fn mentions_mode_compares_texts_whatever_the_rule() {
    for rule in [Rule::Exact, Rule::Casefold, Rule::Fuzzy] {
        let t = score(rule, &answer());
        // Gold: nadia frost, frost, yorkshire, venn. Answer: nadia frost, frost, venn,
        // carla mendes, yorkshire, yorkshire. The second Yorkshire and Carla Mendes are left.
        assert_eq!(c(t.micro("entities", Mode::Mentions)), (4, 0, 2), "{rule:?}");
        assert_eq!(c(t.label("entities", Mode::Mentions, "GPE")), (1, 0, 1), "{rule:?}");
        // Quotes layer: q1, "nadia frost" and "frost" as Sources match; the paraphrase of q2
        // does not; both cues and q2 are missed.
        assert_eq!(c(t.micro("quotes", Mode::Mentions)), (3, 3, 1), "{rule:?}");
        // Mentions mode scores no relations or attribution.
        assert!(t.relations().all(|(_, m, _)| m != Mode::Mentions));
        assert!(!t.quotes.contains_key(&Mode::Mentions));
    }
}

#[test]
fn an_empty_answer_misses_everything_and_grounds_nothing() {
    let t = score(Rule::Fuzzy, &Annotations::default());
    assert_eq!(c(t.micro("entities", Mode::Strict)), (0, 4, 0));
    assert_eq!(c(t.micro("entities", Mode::Mentions)), (0, 4, 0));
    assert!(t.grounding.is_empty() && t.ungrounded.is_empty());
}

#[test]
fn a_pronoun_given_as_a_string_never_names_the_speaker() {
    // Gold: `She` is the Source of the quotation, alone in its cluster.
    let text = "She said: “Go.”";
    let gold = AnnotatedDocument {
        document: Document::new("she", text, Default::default()),
        annotations: Annotations {
            spans: vec![
                Span::contiguous("S1", "quotes", "Source", 0, 3).expect("span"),
                Span::contiguous("Q1", "quotes", "Quote", 11, 14).expect("span"),
            ],
            relations: vec![Relation { id: "R1".into(), kind: "speaker".into(), head: "Q1".into(), tail: "S1".into() }],
            ..Annotations::default()
        },
    };
    let options = Options { attribution: Some(attribution()), ..Options::new(vec![Mode::Strict]) };
    // The same speaker as a Source span with offsets is right by position.
    let right = score_document(&gold, &gold.annotations, &options).quotes[&Mode::Strict];
    assert_eq!((right.matched, right.speaker_right), (1, 1));
    // As the string "she", it is not: a pronoun does not say who spoke.
    let pred = Annotations {
        text_spans: vec![string("Q1", "quotes", "Quote", "Go."), string("Q1.speaker", "quotes", "Source", "she")],
        relations: vec![Relation {
            id: "R1".into(),
            kind: "speaker".into(),
            head: "Q1".into(),
            tail: "Q1.speaker".into(),
        }],
        ..Annotations::default()
    };
    let t = score_document(&gold, &pred, &Options { grounding: Grounding::default(), ..options });
    let q = t.quotes[&Mode::Strict];
    assert_eq!((q.matched, q.speaker_right), (1, 0));
    // Under exact, "she" is not the text's "She": the Source string has no place, and counts
    // as spurious beside the missed gold Source.
    assert_eq!(c(t.label("quotes", Mode::Strict, "Source")), (0, 1, 1));
}

#[test]
fn a_description_given_as_a_string_is_a_speaker_error_in_the_scores_and_in_the_listing() {
    // Gold: the Source `spokeswoman` (2..13) is a description, no entity, alone in its
    // cluster; the quotation is `Go.` at 21..24.
    let text = "A spokeswoman said: “Go.”";
    let gold = AnnotatedDocument {
        document: Document::new("desc", text, Default::default()),
        annotations: Annotations {
            spans: vec![
                Span::contiguous("S1", "quotes", "Source", 2, 13).expect("span"),
                Span::contiguous("Q1", "quotes", "Quote", 21, 24).expect("span"),
            ],
            relations: vec![Relation { id: "R1".into(), kind: "speaker".into(), head: "Q1".into(), tail: "S1".into() }],
            ..Annotations::default()
        },
    };
    assert_eq!(gold.document.slice(2, 13), Some("spokeswoman"));
    assert_eq!(gold.document.slice(21, 24), Some("Go."));
    let options = Options { attribution: Some(attribution()), ..Options::new(vec![Mode::Strict]) };
    // The answer names the speaker "spokeswoman": grounding places it at 2..13, gold's Source,
    // so the quotes layer is all correct (COR 2) ...
    let pred = Annotations {
        text_spans: vec![
            string("Q1", "quotes", "Quote", "Go."),
            string("Q1.speaker", "quotes", "Source", "spokeswoman"),
        ],
        relations: vec![Relation {
            id: "R1".into(),
            kind: "speaker".into(),
            head: "Q1".into(),
            tail: "Q1.speaker".into(),
        }],
        ..Annotations::default()
    };
    let t = score_document(&gold, &pred, &options);
    assert_eq!(c(t.micro("quotes", Mode::Strict)), (2, 0, 0));
    // ... but a speaker given as a string is judged by its text, and a description is no name
    // of anyone: 1 quotation matched, 0 speakers right.
    let q = t.quotes[&Mode::Strict];
    assert_eq!((q.matched, q.speaker_right), (1, 0));
    // The error listing judges it the same way: one speaker error, nothing else.
    let grounded = ground_predictions(&gold, &pred, &options);
    let listed = errors::classify(&gold, &grounded.annotations, "quotes", Some(&attribution()), &options.grounding);
    let kinds: Vec<&str> = listed.iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, ["speaker"]);
    // The same Source given with offsets is right by its place, in both.
    let with_offsets = score_document(&gold, &gold.annotations, &options).quotes[&Mode::Strict];
    assert_eq!((with_offsets.matched, with_offsets.speaker_right), (1, 1));
    assert!(errors::classify(&gold, &gold.annotations, "quotes", Some(&attribution()), &options.grounding).is_empty());
}

#[test]
fn a_speaker_tied_between_two_occurrences_takes_the_earlier_and_is_still_judged_by_its_text() {
    // "Truss" at 0..5 and 16..21, the quotation "Go now." at 7..14, "said" at 22..26: each
    // Truss is two characters from the quotation. Gold's Source is the Truss after it.
    let text = "Truss “Go now.” Truss said.";
    let span = |id: &str, layer: &str, label: &str, start, end| {
        Span::contiguous(id, layer, label, start, end).expect("a valid span")
    };
    let relation = |id: &str, kind: &str, head: &str, tail: &str| Relation {
        id: id.into(),
        kind: kind.into(),
        head: head.into(),
        tail: tail.into(),
    };
    let gold = AnnotatedDocument {
        document: Document::new("tie", text, Default::default()),
        annotations: Annotations {
            spans: vec![
                span("E1", "entities", "PERSON", 0, 5),
                span("E2", "entities", "PERSON", 16, 21),
                span("Q1", "quotes", "Quote", 7, 14),
                span("S1", "quotes", "Source", 16, 21),
                span("C1", "quotes", "Cue", 22, 26),
            ],
            relations: vec![relation("R1", "speaker", "Q1", "S1"), relation("R2", "cue", "Q1", "C1")],
            clusters: vec![vec!["E1".into(), "E2".into(), "S1".into()]],
            ..Annotations::default()
        },
    };
    assert_eq!(gold.document.slice(7, 14), Some("Go now."));
    assert_eq!(gold.document.slice(22, 26), Some("said"));
    let pred = Annotations {
        text_spans: vec![
            string("P1", "entities", "PERSON", "Truss"),
            string("Q1", "quotes", "Quote", "Go now."),
            string("Q1.speaker", "quotes", "Source", "Truss"),
            string("Q1.cue", "quotes", "Cue", "said"),
        ],
        relations: vec![
            relation("Q1.speaker.rel", "speaker", "Q1", "Q1.speaker"),
            relation("Q1.cue.rel", "cue", "Q1", "Q1.cue"),
        ],
        ..Annotations::default()
    };
    let options = Options { attribution: Some(attribution()), ..Options::new(vec![Mode::Strict]) };
    let t = score_document(&gold, &pred, &options);
    // The mention "Truss" takes both occurrences: COR 2.
    assert_eq!(c(t.micro("entities", Mode::Strict)), (2, 0, 0));
    // The speaker ties and takes 0..5, where gold has no Source: SPU 1, and gold's Source at
    // 16..21 is missed. The quotation and the cue are where gold has them: COR 2.
    assert_eq!(c(t.micro("quotes", Mode::Strict)), (2, 1, 1));
    let relations: Vec<(&str, (u64, u64, u64))> =
        t.relations().filter(|(_, m, _)| *m == Mode::Strict).map(|(k, _, n)| (k, c(*n))).collect();
    assert_eq!(relations, [("cue", (1, 0, 0)), ("speaker", (0, 1, 1))]);
    // Attribution judges a speaker given as a string by its text: "Truss" names a named
    // mention of the gold speaker's cluster, wherever it was placed. 1 matched, 1 right.
    let q = t.quotes[&Mode::Strict];
    assert_eq!((q.matched, q.speaker_right), (1, 1));
}

/// Documents of distinct words `w0 w1 ...`, so every run of words occurs once.
fn words(n: usize) -> String {
    (0..n).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")
}

/// The code points of word `i` in [`words`].
fn word_place(i: usize) -> (usize, usize) {
    let start: usize = (0..i).map(|k| format!("w{k}").len() + 1).sum();
    (start, start + format!("w{i}").len())
}

prop_compose! {
    /// Spans over runs of words, none overlapping another (so no predicted text lies inside
    /// another), with one of three labels.
    fn spans(n: usize)(cuts in proptest::collection::btree_set(0..n, 0..12), labels in proptest::collection::vec(0usize..3, 12)) -> Vec<(usize, usize, &'static str)> {
        let cuts: Vec<usize> = cuts.into_iter().collect();
        cuts.chunks(2)
            .filter(|pair| pair.len() == 2)
            .zip(labels)
            .map(|(pair, l)| (pair[0], pair[1], ["PERSON", "ORG", "GPE"][l]))
            .collect()
    }
}

proptest! {
    /// With grounding exact and occurrences all, on documents where each text occurs once,
    /// predictions with offsets and the same predictions as bare strings score the same in
    /// every mode.
    #[test]
    fn strings_score_as_their_exact_spans_where_texts_are_unique(gold in spans(30), pred in spans(30)) {
        let text = words(30);
        let span = |k: usize, (first, last, label): (usize, usize, &str)| {
            let (start, end) = (word_place(first).0, word_place(last).1);
            Span::contiguous(format!("T{k}"), "entities", label, start, end).expect("a span")
        };
        let gold = AnnotatedDocument {
            document: Document::new("w", text.clone(), Default::default()),
            annotations: Annotations { spans: gold.into_iter().enumerate().map(|(k, s)| span(k, s)).collect(), ..Annotations::default() },
        };
        let with_offsets: Vec<Span> = pred.into_iter().enumerate().map(|(k, s)| span(k, s)).collect();
        let stripped = Annotations {
            text_spans: with_offsets
                .iter()
                .map(|s| string(s.id(), "entities", s.label(), &text.chars().skip(s.start()).take(s.end() - s.start()).collect::<String>()))
                .collect(),
            ..Annotations::default()
        };
        let mut modes = SEMEVAL.to_vec();
        modes.extend([Mode::Overlap { permille: 500 }, Mode::Tokens, Mode::Mentions]);
        let options = Options { layers: Some(BTreeSet::from(["entities".to_owned()])), ..Options::new(modes) };
        let a = score_document(&gold, &Annotations { spans: with_offsets, ..Annotations::default() }, &options);
        let mut b = score_document(&gold, &stripped, &options);
        let placed = b.grounding.get("entities").copied().unwrap_or_default();
        prop_assert_eq!(placed.ungrounded, 0);
        prop_assert_eq!(placed.spans, placed.strings);
        b.grounding.clear();
        prop_assert_eq!(a, b);
    }
}
