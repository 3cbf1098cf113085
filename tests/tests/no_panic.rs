//! No input makes a reader panic: arbitrary text and mutated valid files go through every
//! format reader, which must answer with a value or with problems, never a panic.

use goldspan_formats::{conll, jsonl, markup, standoff, Format, ReadOptions};
use goldspan_model::{Document, Location, Meta, Problems};
use proptest::prelude::*;

/// Text that looks like the formats: their punctuation, digits, tabs, quotes, brackets and
/// some multi-byte characters, so mutations hit the parsers' interesting paths.
fn formatish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "T1",
            "R1",
            "*",
            "A1",
            "#1",
            "\t",
            " ",
            "\n",
            "\r\n",
            "PERSON",
            "Quote",
            "speaker",
            "Arg1:T1",
            "Arg2:T2",
            "Coref",
            "0",
            "5",
            "12",
            "999999999999999999999",
            ";",
            "-",
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            "id",
            "text",
            "spans",
            "label",
            "start",
            "end",
            "B-PER",
            "I-ORG",
            "O",
            "-DOCSTART-",
            "# id = x",
            "+++",
            "😀",
            "é",
            "李",
            "\u{301}",
            "\\",
            "\u{feff}",
            "null",
            "true",
            "ents",
            "#begin document (nw/x); part 000",
            "#end document",
            "(PERSON*",
            "*)",
            "(GPE)",
            "NE=B-PER",
            "SpaceAfter=No",
            "1-2",
            "1.1",
            "_",
            "E-PER",
            "S-X",
            "L-X",
            "U-X",
            "# newdoc id = d",
            "# text = a b",
        ]),
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

fn manifest() -> goldspan_model::Manifest {
    goldspan_tests::manifest()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn standoff_and_markup_never_panic(text in formatish(), body in "\\PC{0,40}") {
        let doc = Document::new("d", body, Meta::new());
        let mut problems = Problems::default();
        let _ = standoff::parse(&text, &doc, &manifest(), &Location::file("x.ann"), &mut problems);
        let _ = markup::compile(&text, &manifest(), &Location::file("x.gsm"), &mut problems);
        let _ = markup::compile(&format!("+++\nid = \"d\"\n+++\n{text}"), &manifest(), &Location::file("x.gsm"), &mut problems);
    }

    #[test]
    fn jsonl_lines_never_panic(text in formatish(), body in "\\PC{0,40}") {
        let gold = Document::new("d", body, Meta::new());
        for (i, line) in text.split('\n').enumerate() {
            if let Ok(record) = jsonl::parse_line(line.as_bytes(), i + 1, &Location::file("x.jsonl")) {
                let _ = record.resolve_predictions(&gold, Some(&manifest()), &Location::file("x.jsonl"));
            }
        }
        let record = format!("{{\"id\": \"d\", \"text\": \"abc\", \"spans\": [{text}]}}");
        if let Ok(r) = jsonl::parse_line(record.as_bytes(), 1, &Location::file("x.jsonl")) {
            let _ = r.resolve(Some(&manifest()), &Location::file("x.jsonl"));
        }
    }

    #[test]
    fn file_readers_never_panic(text in formatish()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("input");
        std::fs::write(&path, &text).expect("write");
        for &scheme in conll::Scheme::ALL {
            let _ = Format::Conll.read(&path, &ReadOptions { scheme, ..ReadOptions::default() });
        }
        // Every CoNLL dialect, with columns from either end (some past the line's end).
        for &dialect in conll::Dialect::ALL {
            for (token, tag) in [(None, None), (Some(2), Some(-2)), (Some(-1), Some(12))] {
                let options = ReadOptions {
                    conll_dialect: Some(dialect),
                    token_column: token.and_then(conll::Column::new),
                    tag_column: tag.and_then(conll::Column::new),
                    ..ReadOptions::default()
                };
                let _ = Format::Conll.read(&path, &options);
                let _ = conll::read_pair(&path, &options, conll::Column::FIRST, conll::Column::LAST);
            }
        }
        // Every single-file reader, with and without a manifest.
        for &format in Format::ALL.iter().filter(|f| !f.is_directory()) {
            let _ = format.read(&path, &ReadOptions::default());
            let _ = format.read(&path, &ReadOptions { manifest: Some(manifest()), ..ReadOptions::default() });
        }
        let _ = jsonl::read_documents(&path, Some(&manifest()));
        // Language models' answers, through every example schema, with the news manifest.
        let news = goldspan_formats::gold::read_manifest(&goldspan_tests::repo().join("corpus/news/goldspan.toml")).ok();
        for schema in ["entities-quotes", "by-label", "openai-batch", "anthropic-batch"] {
            let schema = goldspan_tests::repo().join(format!("examples/llm/schemas/{schema}.toml"));
            let options = ReadOptions { manifest: news.clone(), schema: Some(schema), ..ReadOptions::default() };
            let _ = Format::LlmJson.read(&path, &options);
        }
    }

    /// Any strings, in any text, under every rule and choice of occurrences, are placed or
    /// not, never a panic; every place is inside the text and on character boundaries.
    #[test]
    fn grounding_never_panics(
        text in "[a-zA-Z İıß'’“”\"\\-—.,£\u{301}😀\n]{0,60}",
        strings in proptest::collection::vec(("[a-zA-Z İıß'’“”\"\\-—.,£\u{301}😀]{0,14}", 0usize..3, proptest::option::of(0usize..4)), 0..6),
        threshold in 1u16..=1000,
    ) {
        use goldspan_score::{ground::ground, Grounding, Occurrences, Rule};
        let doc = Document::new("d", text, Meta::new());
        let labels = ["PERSON", "Quote", "Source"];
        let text_spans: Vec<goldspan_model::TextSpan> = strings
            .into_iter()
            .enumerate()
            .map(|(i, (text, label, occurrence))| goldspan_model::TextSpan {
                id: format!("T{i}").into(),
                layer: if label == 0 { "entities".into() } else { "quotes".into() },
                label: labels[label].into(),
                text,
                occurrence,
                context: occurrence.is_none().then(|| "a".to_owned()),
            })
            .collect();
        // Each Source belongs to the quotation listed before it, if any.
        let relations = (1..text_spans.len())
            .filter(|&i| text_spans[i].label == "Source" && text_spans[i - 1].label == "Quote")
            .map(|i| goldspan_model::Relation {
                id: format!("R{i}"),
                kind: "speaker".into(),
                head: text_spans[i - 1].id.to_string(),
                tail: text_spans[i].id.to_string(),
            })
            .collect();
        let pred = goldspan_model::Annotations { text_spans, relations, ..Default::default() };
        for rule in Rule::ALL {
            for occurrences in Occurrences::ALL {
                let grounding = Grounding::new(rule, occurrences, f64::from(threshold) / 1000.0).expect("threshold");
                let g = ground(&doc, &pred, Some("Quote"), &grounding);
                for span in &g.annotations.spans {
                    prop_assert!(span.end() <= doc.len_chars());
                    prop_assert!(doc.slice(span.start(), span.end()).is_some());
                }
            }
        }
    }
}
