//! The HTML report: one self-contained file — an overview of the results, the documents worst
//! first, a viewer drawing gold and predicted spans, and a comparison of two systems — that
//! opens from disk and reaches nothing over the network.
//!
//! Safe by construction: the page's markup, style and script are constants (`report.html`,
//! `report.css`, `report.js`), and every piece of data — texts, labels, ids, metadata, the
//! results — goes into one `<script type="application/json">` block as JSON with `<`, `>` and
//! `&` written as `\u003c`, `\u003e` and `\u0026`, so nothing in it can close the block or be
//! read as markup. The script builds the page with `textContent` and never parses data as
//! HTML. A Content-Security-Policy meta tag allows only the page's own style and script (by
//! their SHA-256) and no connection, image, font, frame or form of any kind.

mod data;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use goldspan_model::{AnnotatedDocument, Annotations, Attribution};
use goldspan_runner::results::{ErrorRecord, PairedF1, Results};
use goldspan_score::{ground, Grounding, Occurrences, Rule};
use sha2::{Digest, Sha256};

use data::{AttributionNames, DocumentCount, Head, Keep, Tables, ATTRIBUTION, CLASSES};

const TEMPLATE: &str = include_str!("report.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// How many bytes of documents a report holds at most, so that the file stays under 20 MB
/// (the rest of the page is a few hundred kilobytes). Documents beyond it are left out, the
/// best first, and the page says how many.
pub const DOCUMENT_BUDGET: usize = 18_000_000;

/// What an HTML report shows.
#[derive(Debug)]
pub struct HtmlInput<'a> {
    /// The results of the system under test: the overview's numbers.
    pub results: &'a Results,
    /// Every gold document scored with that system's predictions; empty for a report of the
    /// overview only (from a results JSON).
    pub documents: &'a [(AnnotatedDocument, Annotations)],
    /// The baseline the system is compared with (`--against`).
    pub baseline: Option<Baseline<'a>>,
    /// The corpus's quotation vocabulary, to show speakers and cues.
    pub attribution: Option<&'a Attribution>,
    /// Document id → split, for the split filter (when the corpus lists splits).
    pub splits: Option<BTreeMap<String, String>>,
    /// Bytes of documents to embed at most ([`DOCUMENT_BUDGET`]).
    pub budget: usize,
}

/// The baseline system of a comparison.
#[derive(Debug)]
pub struct Baseline<'a> {
    /// Its name (the predictions file).
    pub name: String,
    /// Micro precision, recall and F1 per layer and mode, paired with the system under test.
    pub comparison: &'a [PairedF1],
    /// The same gold documents with the baseline's predictions.
    pub documents: &'a [(AnnotatedDocument, Annotations)],
}

/// A rendered report.
#[derive(Debug)]
pub struct Html {
    /// The page.
    pub text: String,
    /// Documents scored.
    pub documents: usize,
    /// Documents the page holds (fewer when they exceed the budget).
    pub shown: usize,
}

/// The report as one HTML page.
pub fn html(input: &HtmlInput) -> Html {
    let results = input.results;
    let keep = Keep { layers: results.total.layers.keys().cloned().collect(), splits: input.splits.clone() };
    // Predictions given as text are drawn where scoring placed them.
    let grounding = grounding_of(results);
    let system = placed(input.documents, &grounding, input.attribution);
    let baseline_documents = input.baseline.as_ref().map(|b| placed(b.documents, &grounding, input.attribution));
    let mut sources: Vec<&[(AnnotatedDocument, Annotations)]> = vec![&system];
    if let Some(b) = &baseline_documents {
        sources.push(b);
    }
    // Every error (the printed listing's filters aside), read once: the report holds every
    // document in memory anyway. An error listing spilled to a temporary file that cannot be
    // read back loses its errors from the page, not the page.
    let listed: Vec<ErrorRecord> =
        results.errors.iter().flat_map(|list| list.iter_all()).filter_map(Result::ok).collect();
    let tables = Tables::of(&sources, &listed, &keep);
    let baseline: HashMap<&str, &Annotations> =
        baseline_documents.iter().flat_map(|b| b.iter().map(|(g, p)| (g.document.id(), p))).collect();
    let mut errors: HashMap<&str, Vec<&ErrorRecord>> = HashMap::new();
    for e in &listed {
        errors.entry(e.document.as_str()).or_default().push(e);
    }
    let none = Annotations::default();
    // Each document coded and written once; sorted so the budget keeps the most telling.
    let mut docs: Vec<(f64, f64, &str, String)> = system
        .iter()
        .map(|(gold, pred)| {
            let id = gold.document.id();
            let mut systems = vec![pred];
            if input.baseline.is_some() {
                systems.push(baseline.get(id).copied().unwrap_or(&none));
            }
            let found = errors.get(id).map_or(&[][..], Vec::as_slice);
            let doc = data::encode(gold, &systems, &tables, &keep, input.attribution, found);
            let f1 = data::f1(&doc.s[0].n);
            let change = doc.s.get(1).map_or(0.0, |b| (f1 - data::f1(&b.n)).abs());
            let json = serde_json::to_string(&doc).unwrap_or_default();
            (-change, f1, id, json)
        })
        .collect();
    docs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(b.2)));
    let mut used = 0;
    let shown = docs
        .iter()
        .take_while(|d| {
            used += d.3.len() + 1;
            used <= input.budget
        })
        .count();
    let total = docs.len();
    let limited = (shown < total).then(|| {
        let order = if input.baseline.is_some() { "most changed, then worst" } else { "worst" };
        format!(
            "the report holds the {shown} {order} of {total} documents: the {} others would take it past {} MB",
            total - shown,
            input.budget / 1_000_000
        )
    });
    let data::Lists { labels, relations, meta, other_kinds } = tables.lists();
    // The classified errors are in the documents, compactly: the list with its contexts would
    // take more room than the documents themselves.
    let overview = Results { errors: None, ..results.clone() };
    let head = Head {
        format: 1,
        results: &overview,
        comparison: input.baseline.as_ref().map(|b| b.comparison),
        systems: std::iter::once(results.manifest.predictions.clone())
            .chain(input.baseline.as_ref().map(|b| b.name.clone()))
            .collect(),
        labels,
        relations,
        meta,
        classes: CLASSES,
        attribution_codes: ATTRIBUTION,
        attribution: input.attribution.map(|a| AttributionNames {
            quotation: a.quotation_label.clone(),
            speaker: a.speaker_relation.clone(),
            cue: a.cue_relation.clone(),
        }),
        other_kinds,
        documents: DocumentCount { scored: results.documents.scored as usize, shown, limited },
    };
    let mut json = String::from("{\"head\":");
    json.push_str(&serde_json::to_string(&head).unwrap_or_default());
    json.push_str(",\"docs\":[");
    for (i, d) in docs.iter().take(shown).enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&d.3);
    }
    json.push_str("]}");
    Html { text: page(&json), documents: total, shown }
}

/// The grounding the results were scored with (docs/metrics.md §11); the default when they
/// hold no predictions given as text.
fn grounding_of(results: &Results) -> Grounding {
    let Some(g) = &results.grounding else { return Grounding::default() };
    let default = Grounding::default();
    let rule = Rule::parse(&g.rule).unwrap_or(default.rule);
    let occurrences = Occurrences::parse(&g.occurrences).unwrap_or(default.occurrences);
    Grounding::new(rule, occurrences, g.threshold).unwrap_or(default)
}

/// `documents` with their predictions given as text placed as scoring placed them, so the
/// viewer draws the spans that were scored; borrowed as they are when none was given as text.
/// A string that could not be placed has nowhere to be drawn: the results list it.
fn placed<'a>(
    documents: &'a [(AnnotatedDocument, Annotations)],
    grounding: &Grounding,
    attribution: Option<&Attribution>,
) -> Cow<'a, [(AnnotatedDocument, Annotations)]> {
    if documents.iter().all(|(_, p)| p.text_spans.is_empty()) {
        return Cow::Borrowed(documents);
    }
    let quotation = attribution.map(|a| a.quotation_label.as_str());
    Cow::Owned(
        documents
            .iter()
            .map(|(gold, pred)| {
                let grounded = ground::ground(&gold.document, pred, quotation, grounding);
                (gold.clone(), grounded.annotations.into_owned())
            })
            .collect(),
    )
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` (which JSON has only inside
/// strings) and the two line separators JavaScript once rejected, as `\u` escapes.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A CSP source expression for inline content: `'sha256-BASE64'`.
fn hash_source(content: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(content.as_bytes())))
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of every report: nothing but the page's own style and script.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'none'; font-src 'none'; connect-src 'none'; \
         media-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'",
        hash_source(SCRIPT),
        hash_source(STYLE)
    )
}

/// The page: the template with the policy, the style, the data and the script in their places.
fn page(json: &str) -> String {
    let data = script_safe(json);
    let mut out = String::with_capacity(TEMPLATE.len() + STYLE.len() + SCRIPT.len() + data.len() + 512);
    let mut rest = TEMPLATE;
    for (marker, content) in [
        ("{{csp}}", content_security_policy()),
        ("{{style}}", STYLE.to_owned()),
        ("{{data}}", data),
        ("{{script}}", SCRIPT.to_owned()),
    ] {
        let (before, after) = rest.split_once(marker).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(&content);
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::{Document, Meta, Relation, Span};
    use goldspan_runner::{score_pairs, Config, RunInfo};
    use goldspan_score::{Grounding, Mode, Options};
    use serde_json::{json, Value};

    fn span(id: &str, layer: &str, label: &str, start: usize, end: usize) -> Span {
        Span::contiguous(id, layer, label, start, end).expect("span")
    }

    fn relation(kind: &str, head: &str, tail: &str) -> Relation {
        Relation { id: format!("{kind}-{head}"), kind: kind.into(), head: head.into(), tail: tail.into() }
    }

    fn doc(id: &str, text: &str, spans: Vec<Span>) -> AnnotatedDocument {
        AnnotatedDocument {
            document: Document::new(id, text, Meta::new()),
            annotations: Annotations { spans, ..Annotations::default() },
        }
    }

    /// The results of `pairs` under strict matching, with errors, as score computes them.
    fn results_of(pairs: &[(AnnotatedDocument, Annotations)]) -> Results {
        let config = Config { errors: true, ..Config::new(Options::new(vec![Mode::Strict])) };
        let info = RunInfo {
            gold: "g".into(),
            split: None,
            predictions: "p.jsonl".into(),
            modes: vec![Mode::Strict],
            bootstrap: None,
            label_map: false,
            per_document: false,
            grounding: Grounding::default(),
        };
        Results::new(&score_pairs(pairs, &config).expect("scores"), &info)
    }

    /// The JSON a page embeds, read back.
    fn embedded(page: &str) -> Value {
        let start = page.find("id=\"report-data\">").expect("data block") + "id=\"report-data\">".len();
        let end = start + page[start..].find("</script>").expect("its end");
        serde_json::from_str(&page[start..end]).expect("JSON")
    }

    fn input<'a>(results: &'a Results, documents: &'a [(AnnotatedDocument, Annotations)]) -> HtmlInput<'a> {
        HtmlInput { results, documents, baseline: None, attribution: None, splits: None, budget: DOCUMENT_BUDGET }
    }

    #[test]
    fn a_document_is_coded_with_its_pairing_and_class_counts() {
        // Gold PERSON "Zoë Brandt", ORG "Bank of England", GPE "Leeds"; predicted PERSON "Ms Zoë
        // Brandt" (boundary), GPE "Bank of England" (label), GPE "Leeds" (correct), ORG "the"
        // (spurious).
        let text = "Ms Zoë Brandt met the Bank of England in Leeds.";
        let gold = doc(
            "d",
            text,
            vec![
                span("T1", "entities", "PERSON", 3, 13),
                span("T2", "entities", "ORG", 22, 37),
                span("T3", "entities", "GPE", 41, 46),
            ],
        );
        let pred = Annotations {
            spans: vec![
                span("P1", "entities", "PERSON", 0, 13),
                span("P2", "entities", "GPE", 22, 37),
                span("P3", "entities", "GPE", 41, 46),
                span("P4", "entities", "ORG", 18, 21),
            ],
            ..Annotations::default()
        };
        let pairs = vec![(gold, pred)];
        let results = results_of(&pairs);
        let page = html(&input(&results, &pairs));
        let data = embedded(&page.text);
        assert_eq!(data["head"]["labels"], json!([["entities", "GPE"], ["entities", "ORG"], ["entities", "PERSON"]]));
        let d = &data["docs"][0];
        // Gold in canonical order: PERSON 3+10, ORG at +19 for 15, GPE at +19 for 5.
        assert_eq!(d["g"], json!([2, 3, 10, 1, 19, 15, 0, 19, 5]));
        let s = &d["s"][0];
        assert_eq!(s["c"], json!([2]), "GPE Leeds predicted exactly");
        assert_eq!(s["p"], json!([2, 0, 13, 1, 18, 3, 0, 4, 15]));
        assert_eq!(s["k"], json!([0, -1, 1]), "paired with gold PERSON, none, gold ORG");
        assert_eq!(s["n"], json!([1, 1, 1, 0, 0, 1]));
        // The same counts as the classified errors of the results.
        let listed: Vec<ErrorRecord> =
            results.errors.iter().flat_map(|l| l.iter_all()).collect::<Result<_, _>>().expect("errors");
        let kinds: Vec<&str> = listed.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["boundary", "spurious", "label"]);
        // The embedded results keep the counts, not the error list (the documents hold it).
        assert!(data["head"]["results"].get("errors").is_none());
        assert_eq!(data["head"]["results"]["total"], serde_json::to_value(&results.total).expect("json"));
    }

    #[test]
    fn predictions_given_as_text_are_drawn_where_scoring_placed_them() {
        // The predictions of the test above as strings: each text occurs once in the document,
        // so exact grounding puts each where the offsets were, and the page codes them alike.
        let text = "Ms Zoë Brandt met the Bank of England in Leeds.";
        let gold = || {
            doc(
                "d",
                text,
                vec![
                    span("T1", "entities", "PERSON", 3, 13),
                    span("T2", "entities", "ORG", 22, 37),
                    span("T3", "entities", "GPE", 41, 46),
                ],
            )
        };
        let string = |id: &str, label: &str, text: &str| goldspan_model::TextSpan {
            id: id.into(),
            layer: "entities".into(),
            label: label.into(),
            text: text.into(),
            occurrence: None,
            context: None,
        };
        let strings = Annotations {
            text_spans: vec![
                string("P1", "PERSON", "Ms Zoë Brandt"),
                string("P2", "GPE", "Bank of England"),
                string("P3", "GPE", "Leeds"),
                string("P4", "ORG", "the"),
            ],
            ..Annotations::default()
        };
        let pairs = vec![(gold(), strings)];
        let results = results_of(&pairs);
        assert!(results.grounding.is_some());
        let data = embedded(&html(&input(&results, &pairs)).text);
        let s = &data["docs"][0]["s"][0];
        assert_eq!(s["p"], json!([2, 0, 13, 1, 18, 3, 0, 4, 15]));
        assert_eq!(s["k"], json!([0, -1, 1]));
        assert_eq!(s["n"], json!([1, 1, 1, 0, 0, 1]));
    }

    #[test]
    fn attribution_outcomes_name_a_wrong_speaker_and_a_right_cue() {
        let text = "Ann said: “Hi.” Bob nodded.";
        let mut gold = doc(
            "q",
            text,
            vec![
                span("T1", "quotes", "Source", 0, 3),
                span("T2", "quotes", "Cue", 4, 8),
                span("T3", "quotes", "Quote", 11, 14),
            ],
        );
        gold.annotations.relations = vec![relation("speaker", "T3", "T1"), relation("cue", "T3", "T2")];
        let mut pred = Annotations {
            spans: vec![
                span("P1", "quotes", "Quote", 11, 14),
                span("P2", "quotes", "Source", 16, 19),
                span("P3", "quotes", "Cue", 4, 8),
            ],
            ..Annotations::default()
        };
        pred.relations = vec![relation("speaker", "P1", "P2"), relation("cue", "P1", "P3")];
        let pairs = vec![(gold, pred)];
        let results = results_of(&pairs);
        let attribution = goldspan_model::Attribution {
            quotation_label: "Quote".into(),
            speaker_relation: "speaker".into(),
            cue_relation: Some("cue".into()),
            mention_layer: None,
        };
        let page = html(&HtmlInput { attribution: Some(&attribution), ..input(&results, &pairs) });
        let data = embedded(&page.text);
        // Gold quotation 2 (after Source and Cue); predictions stored exact first: Cue, Quote
        // (by their gold spans' order), then Source "Bob". Speaker wrong (1), cue right (0).
        assert_eq!(data["docs"][0]["s"][0]["c"], json!([1, 2]));
        assert_eq!(data["docs"][0]["s"][0]["a"], json!([[2, 1, 1, 0]]));
        assert_eq!(data["head"]["attribution_codes"][1], "wrong");
    }

    #[test]
    fn documents_past_the_budget_are_left_out_best_first_and_the_page_says_so() {
        let good = doc("good", "Ann met Bob.", vec![span("T1", "entities", "PERSON", 0, 3)]);
        let bad = doc("bad", "Ann met Bob.", vec![span("T1", "entities", "PERSON", 0, 3)]);
        let right = Annotations { spans: vec![span("P1", "entities", "PERSON", 0, 3)], ..Annotations::default() };
        let pairs = vec![(good, right), (bad, Annotations::default())];
        let results = results_of(&pairs);
        let whole = html(&input(&results, &pairs));
        assert_eq!((whole.documents, whole.shown), (2, 2));
        let one = serde_json::to_string(&embedded(&whole.text)["docs"][0]).expect("json").len();
        let page = html(&HtmlInput { budget: one + 1, ..input(&results, &pairs) });
        assert_eq!((page.documents, page.shown), (2, 1));
        let data = embedded(&page.text);
        assert_eq!(data["docs"][0]["id"], "bad", "the worst document stays");
        let limited = data["head"]["documents"]["limited"].as_str().expect("a reason");
        assert!(limited.contains("the 1 worst of 2 documents"), "{limited}");
    }

    #[test]
    fn script_safe_json_cannot_close_its_element_and_still_parses() {
        let text = "</script><script>alert(1)</script> & <!-- \u{2028}";
        let safe = script_safe(&serde_json::to_string(text).expect("json"));
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'), "{safe}");
        assert_eq!(serde_json::from_str::<String>(&safe).expect("still JSON"), text);
    }

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn hash_sources_are_sha256_in_base64() {
        // SHA-256 of the empty string and of "abc" (FIPS 180-2's example), in base64.
        assert_eq!(hash_source(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
        assert_eq!(hash_source("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
    }

    #[test]
    fn the_template_has_each_marker_once_and_the_page_fills_them() {
        for marker in ["{{csp}}", "{{style}}", "{{data}}", "{{script}}"] {
            assert_eq!(TEMPLATE.matches(marker).count(), 1, "{marker}");
        }
        let page = page("{\"x\":\"</script>\"}");
        assert!(!page.contains("{{"), "every marker filled");
        assert_eq!(page.matches("</script>").count(), 2, "only the two script elements close");
        // The policy names the hashes of exactly the style and script the page holds.
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
        assert!(page.contains(&format!(">{SCRIPT}</script>")));
    }
}
