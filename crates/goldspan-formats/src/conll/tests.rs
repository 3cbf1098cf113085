//! Reading and writing CoNLL-family files: small inline cases, each checked by hand. The
//! fixtures that follow the tools' published layouts are read in `tests/tests/conll.rs`.

use super::*;
use goldspan_model::{Fragment, Relation};
use proptest::prelude::*;

fn file(contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    named("news.conll", contents)
}

fn named(name: &str, contents: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write fixture");
    (dir, path)
}

fn options(scheme: Scheme) -> ReadOptions {
    ReadOptions { scheme, ..ReadOptions::default() }
}

fn read_docs(path: &Path, options: &ReadOptions) -> Vec<AnnotatedDocument> {
    read(path, options).unwrap_or_else(|e| panic!("{e}")).documents
}

/// Each document's spans as `LABEL "covered text"`.
fn spans(docs: &[AnnotatedDocument]) -> Vec<String> {
    docs.iter()
        .flat_map(|d| {
            d.annotations
                .spans
                .iter()
                .map(|s| format!("{} {:?}", s.label(), d.document.slice(s.start(), s.end()).unwrap_or_default()))
        })
        .collect()
}

/// Reads `input` with `options` and compares the spans.
fn check(options: &ReadOptions, input: &str, expected: &[&str]) {
    let (_dir, path) = file(input);
    assert_eq!(spans(&read_docs(&path, options)), expected);
}

/// The messages of every problem reading `input` with `options` (which must fail).
fn problems(options: &ReadOptions, input: &str) -> Vec<String> {
    let (_dir, path) = file(input);
    let err = read(&path, options).expect_err("the input is refused");
    err.problems().iter().map(ToString::to_string).collect()
}

fn lines(tokens: &[(&str, &str)]) -> String {
    tokens.iter().map(|(t, g)| format!("{t} {g}\n")).collect()
}

fn column(n: i32) -> Option<Column> {
    Column::new(n)
}

// ---------------------------------------------------------------------------------------------
// Plain CoNLL: structure and decoding

#[test]
fn conll2003_columns_docstart_and_text_rebuilding() {
    let input = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP I-MISC\ncall NN I-NP O\n. . O O\n\nPeter NNP B-NP I-PER\nBlackburn NNP I-NP I-PER\n\n-DOCSTART- -X- -X- O\n\nZoë NNP B-NP B-PER\n";
    let (_dir, path) = file(input);
    let docs = read_docs(&path, &options(Scheme::Iob1));
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].document.id(), "news-0001");
    assert_eq!(docs[0].document.text(), "EU rejects German call .\nPeter Blackburn");
    let found: Vec<_> = docs[0].annotations.spans.iter().map(|s| (s.id(), s.label(), s.start(), s.end())).collect();
    assert_eq!(found, [("T1", "ORG", 0, 2), ("T2", "MISC", 11, 17), ("T3", "PER", 25, 40)]);
    assert!(docs[0].annotations.spans.iter().all(|s| s.layer() == "entities"));
    assert_eq!(docs[0].document.meta().get(tokenization::META_KEY).map(String::as_str), Some("whitespace"));
    assert_eq!(docs[1].document.id(), "news-0002");
    assert_eq!(docs[1].document.text(), "Zoë");
}

#[test]
fn id_lines_name_documents_and_empty_documents_are_skipped() {
    let input = "-DOCSTART-\n\n-DOCSTART-\n\n# id = first\nA O\n\n# id = second\nB B-X\r\n\nC O\n";
    let (_dir, path) = file(input);
    let docs = read_docs(&path, &options(Scheme::Iob2));
    let ids: Vec<_> = docs.iter().map(|d| (d.document.id(), d.document.text())).collect();
    assert_eq!(ids, [("first", "A"), ("second", "B\nC")]);
}

#[test]
fn chunks_stop_at_sentence_ends() {
    check(&options(Scheme::Iob2), "a B-X\n\nb I-X\n", &["X \"a\"", "X \"b\""]);
}

#[test]
fn each_scheme_reads_its_own_tags() {
    type Case<'a> = (Scheme, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: [Case; 4] = [
        (Scheme::Iob2, &[("a", "B-PER"), ("b", "I-PER"), ("c", "B-PER")], &["PER \"a b\"", "PER \"c\""]),
        (Scheme::Ioe2, &[("a", "I-PER"), ("b", "E-PER"), ("c", "E-PER")], &["PER \"a b\"", "PER \"c\""]),
        (Scheme::Bilou, &[("a", "B-PER"), ("b", "L-PER"), ("c", "U-PER")], &["PER \"a b\"", "PER \"c\""]),
        (Scheme::Io, &[("a", "I-PER"), ("b", "I-PER"), ("c", "O")], &["PER \"a b\""]),
    ];
    for (scheme, tokens, expected) in cases {
        check(&options(scheme), &lines(tokens), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Plain CoNLL: the silent-wrong cases of issue #10, each refused or read right now

/// Old behaviour: a conlleval file (`token gold predicted`) read its last column, the
/// predictions, as if it were the only tags. Now the shared labels make reading fail.
#[test]
fn conlleval_layout_is_not_silently_read_as_predictions() {
    let input = "Zoë B-PER B-PER\nBrandt I-PER O\nin O O\nKyoto B-GPE B-ORG\n";
    let found = problems(&options(Scheme::Iob2), input);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(":1: columns 2 and 3 both hold tags with the same labels (PER)")
            && found[0].contains("--gold-column 2 --pred-column 3"),
        "{}",
        found[0]
    );
    // Choosing a column reads it.
    let gold = ReadOptions { tag_column: column(-2), ..options(Scheme::Iob2) };
    check(&gold, input, &["PER \"Zoë Brandt\"", "GPE \"Kyoto\""]);
    let pred = ReadOptions { tag_column: column(3), ..options(Scheme::Iob2) };
    check(&pred, input, &["PER \"Zoë\"", "ORG \"Kyoto\""]);
}

#[test]
fn a_pair_of_tag_columns_reads_as_gold_and_predictions_over_the_same_text() {
    let (_dir, path) = file("Zoë B-PER B-PER\nBrandt I-PER O\nin O O\nKyoto B-GPE B-ORG\n");
    let (gold, pred) =
        read_pair(&path, &options(Scheme::Iob2), Column::new(-2).expect("c"), Column::LAST).expect("reads");
    assert_eq!(spans(&gold.documents), ["PER \"Zoë Brandt\"", "GPE \"Kyoto\""]);
    assert_eq!(spans(&pred.documents), ["PER \"Zoë\"", "ORG \"Kyoto\""]);
    assert_eq!(gold.documents[0].document.text(), pred.documents[0].document.text());
}

/// `--mode tags` reads each token's two tags as tags: suffix style and prefix style are one
/// tag, sentences and documents run on in file order, and a file of another dialect is refused.
#[test]
fn tag_pairs_are_every_tokens_tags_written_one_way() {
    let (_dir, path) = file("-DOCSTART- O O\n\nZoë PER-B PER-B\nBrandt PER-I O\n\nin O O\nKyoto GPE-B ORG-B\n");
    let suffix = ReadOptions { suffix_tags: true, ..options(Scheme::Iob2) };
    let pairs = read_tag_pairs(&path, &suffix, Column::new(-2).expect("c"), Column::LAST).expect("reads");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(g, p)| (g.as_str(), p.as_str())).collect();
    assert_eq!(pairs, [("B-PER", "B-PER"), ("I-PER", "O"), ("O", "O"), ("B-GPE", "B-ORG")]);
    // A tag the scheme does not have is the same problem as when reading spans.
    let (_dir, bad) = file("Zoë S-PER S-PER\n");
    let e = read_tag_pairs(&bad, &options(Scheme::Iob2), Column::new(-2).expect("c"), Column::LAST).expect_err("IOB2");
    assert!(e.to_string().contains("news.conll:1:") && e.to_string().contains("\"S-PER\""), "{e}");
    let (_dir, conllu) = named("a.conllu", "1\tZoë\t_\t_\t_\t_\t_\t_\t_\tNE=B-PER\n");
    let e = read_tag_pairs(&conllu, &options(Scheme::Iob2), Column::new(-2).expect("c"), Column::LAST)
        .expect_err("CoNLL-U refused");
    assert!(e.to_string().contains("--mode tags") && e.to_string().contains("a.conllu"), "{e}");
}

/// CoNLL-2003's chunk column (B-NP) holds tags too, but of other labels: no ambiguity.
#[test]
fn a_column_of_other_tags_is_not_ambiguous() {
    check(&options(Scheme::Iob1), "EU NNP B-NP I-ORG\nrejects VBZ B-VP O\n", &["ORG \"EU\""]);
}

/// Old behaviour: the last column of all-O tags gave no spans, exit 0.
#[test]
fn a_last_column_of_only_o_beside_chunk_tags_is_refused() {
    let found = problems(&options(Scheme::Iob2), "Stuttgart B-LOC O\nund O O\n");
    assert!(
        found[0].contains("the last column (3) holds only O tags while column 2 holds chunk tags (LOC)"),
        "{found:?}"
    );
}

/// Old behaviour: GermEval's token numbers were read as the tokens.
#[test]
fn a_column_of_token_numbers_is_not_read_as_tokens() {
    let input = "1\tStuttgart\tB-LOC\tO\n2\tund\tO\tO\n\n1\tBonn\tB-LOC\tO\n";
    let found = problems(&options(Scheme::Iob2), input);
    assert!(found[0].contains("column 1 holds token numbers") && found[0].contains("--token-column 2"), "{found:?}");
    let germeval = ReadOptions { token_column: column(2), tag_column: column(3), ..options(Scheme::Iob2) };
    check(&germeval, input, &["LOC \"Stuttgart\"", "LOC \"Bonn\""]);
}

/// Old behaviour: whitespace split a tab-separated token holding a space.
#[test]
fn tab_separated_tokens_keep_their_spaces() {
    let (_dir, path) = file("New York\tB-LOC\nCity\tI-LOC\nis\tO\n");
    let docs = read_docs(&path, &options(Scheme::Iob2));
    assert_eq!(docs[0].document.text(), "New York City is");
    assert_eq!(spans(&docs), ["LOC \"New York City\""]);
    assert_eq!(docs[0].document.meta().get(tokenization::META_KEY).map(String::as_str), Some("whitespace; joins 3"));
}

#[test]
fn a_token_with_a_space_in_a_space_separated_file_is_reported() {
    let found = problems(&options(Scheme::Iob2), "New York B-LOC\nis O\n");
    assert!(
        found[0].contains(":2: this line has 2 columns but line 1 has 3") && found[0].contains("tabs"),
        "{found:?}"
    );
}

/// Old behaviour: `#` lines were token lines, refused as unknown tags.
#[test]
fn comment_lines_are_skipped_and_hash_tokens_kept() {
    let input = "# sent_id = 1\n# a comment with O at the end\n# O\nZoë B-PER\n#metoo O\n";
    let (_dir, path) = file(input);
    let collection = read(&path, &options(Scheme::Iob2)).expect("reads");
    assert_eq!(collection.documents[0].document.text(), "# Zoë #metoo");
    assert_eq!(spans(&collection.documents), ["PER \"Zoë\""]);
    assert_eq!(collection.notes, ["2 comment lines starting with # skipped"]);
}

#[test]
fn a_file_of_hash_tokens_only_still_reads() {
    check(&options(Scheme::Iob2), "# B-X\n# I-X\n", &["X \"# #\""]);
}

#[test]
fn tags_outside_the_scheme_name_the_scheme_that_has_them() {
    let found = problems(&options(Scheme::Iob2), "a B-PER\nb L-PER\n");
    assert!(
        found[0].contains(":2: document news-0001: unknown tag \"L-PER\" for IOB2")
            && found[0].contains("--scheme bilou"),
        "{found:?}"
    );
}

#[test]
fn every_malformed_line_is_reported_with_line_and_document() {
    let input = "-DOCSTART-\n\n# id = d1\nfine O\n\n-DOCSTART-\n\n# id = d2\nlonely\nx E-PER\ny B-\nz OUT\n";
    let (_dir, path) = file(input);
    let err = read(&path, &options(Scheme::Iob2)).expect_err("malformed");
    let problems = err.problems();
    let at: Vec<_> = problems.iter().map(|p| p.location.line).collect();
    assert_eq!(at, [Some(9), Some(10), Some(11), Some(12)]);
    for p in problems {
        assert!(matches!(p.kind, ProblemKind::Syntax { .. }), "{p}");
        assert_eq!(p.location.document.as_deref(), Some("d2"));
    }
    let first = problems[0].to_string();
    assert!(first.contains(":9:") && first.contains("document d2") && first.contains("one column"), "{first}");
    assert!(problems[1].to_string().contains("unknown tag \"E-PER\" for IOB2"), "{}", problems[1]);
}

#[test]
fn generated_ids_name_problems_and_duplicates_are_reported() {
    let found = problems(&options(Scheme::Iob2), "a O\n\n-DOCSTART-\nb B-X\nc BAD\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains(":5: document news-0002:"), "{}", found[0]);

    let (_dir, path) = file("# id = x\na O\n\n# id = x\nb O\n");
    let err = read(&path, &options(Scheme::Iob2)).expect_err("duplicate");
    assert!(matches!(err.problems()[0].kind, ProblemKind::DuplicateId { first_line: Some(1), .. }));
}

#[test]
fn columns_that_are_not_on_a_line_are_reported() {
    let far = ReadOptions { tag_column: column(5), ..options(Scheme::Iob2) };
    let found = problems(&far, "a b O\n");
    assert!(found[0].contains("the tag column 5 is not on this line of 3 columns"), "{found:?}");
    let same = ReadOptions { tag_column: column(1), ..options(Scheme::Iob2) };
    assert!(problems(&same, "a O\n")[0].contains("column 1 is both the token column and a tag column"));
}

#[test]
fn a_manifest_puts_labels_in_layers_and_refuses_others() {
    let manifest = goldspan_model::Manifest {
        name: "m".into(),
        layers: vec![goldspan_model::Layer { name: "names".into(), labels: vec!["PER".into()], relations: vec![] }],
        ..goldspan_model::Manifest::default()
    };
    let with = ReadOptions { manifest: Some(manifest), ..options(Scheme::Iob2) };
    let (_dir, path) = file("Zoë B-PER\n");
    assert_eq!(read_docs(&path, &with)[0].annotations.spans[0].layer(), "names");
    let (_dir, path) = file("Zoë B-PER\nParis B-LOC\n");
    let err = read(&path, &with).expect_err("LOC is not declared");
    assert!(err.problems()[0].to_string().contains(":2: document news-0001: span T2: label \"LOC\" is not declared"));
}

// ---------------------------------------------------------------------------------------------
// CoNLL-U and CoNLL-2012: rules the fixtures of tests/tests/conll.rs do not reach

#[test]
fn conllu_without_tags_anywhere_is_refused() {
    let row = "1\tZoë\tZoë\tPROPN\t_\t_\t0\troot\t_\t_\n";
    let (_dir, path) = named("x.conllu", row);
    let err = read(&path, &ReadOptions::default()).expect_err("no tags");
    assert!(err.to_string().contains("no word has NE= or NER= in its MISC column"), "{err}");
    let key = ReadOptions { misc_key: Some("Entity".into()), ..ReadOptions::default() };
    assert!(read(&path, &key).expect_err("no key").to_string().contains("no word has Entity= in its MISC column"));
    let both = ReadOptions { misc_key: Some("NE".into()), tag_column: column(5), ..ReadOptions::default() };
    assert!(read(&path, &both).expect_err("both").to_string().contains("choose one"));
}

#[test]
fn conllu_tags_in_a_column_and_short_lines() {
    let input = "1\tZoë\t_\t_\tB-PER\t_\t_\t_\t_\t_\n2\tleft\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n3\t.\t_\t_\tO\t_\t_\t_\t_\t_\n";
    let (_dir, path) = named("x.conllu", input);
    let xpos = ReadOptions { tag_column: column(5), ..ReadOptions::default() };
    let docs = read_docs(&path, &xpos);
    assert_eq!(docs[0].document.text(), "Zoë left.");
    assert_eq!(spans(&docs), ["PER \"Zoë\""]);
    let (_dir, path) = named("x.conllu", "1\tZoë\t_\n");
    assert!(read(&path, &xpos).expect_err("short").to_string().contains("this one has 3"));
}

#[test]
fn conll2012_unbalanced_brackets_are_reported() {
    let input = "#begin document (nw/x); part 000\nx 0 0 Zoë NNP * - - - - (PERSON* -\nx 0 1 left VBD * - - - - * -\n\nx 0 0 Hi UH * - - - - *) -\n#end document\n";
    let (_dir, path) = file(input);
    let err = read(&path, &ReadOptions::default()).expect_err("unbalanced");
    let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert!(
        found[0].contains(
            ":2: document nw-x-000: named entity (PERSON* is never closed in its sentence (sentence ends on line 4)"
        ),
        "{found:?}"
    );
    assert!(
        found[1].contains(":5: document nw-x-000: named-entity cell \"*)\" closes a chunk that was never opened"),
        "{found:?}"
    );
}

#[test]
fn dialects_parse_and_are_detected() {
    for &d in Dialect::ALL {
        assert_eq!(Dialect::parse(d.as_str()), Some(d));
    }
    assert_eq!(Dialect::parse("CoNLL-U"), Some(Dialect::Conllu));
    assert_eq!(Dialect::parse("OntoNotes"), Some(Dialect::Conll2012));
    assert_eq!(Dialect::parse("conll"), None);
    let detect = |name: &str, text: &str| Dialect::detect(Path::new(name), text).0;
    assert_eq!(detect("a.txt", "#begin document (a); part 000\n"), Dialect::Conll2012);
    assert_eq!(detect("a.conllu", "a O\n"), Dialect::Conllu);
    assert_eq!(
        detect("a.txt", "# text = a\n1\ta\t_\t_\t_\t_\t_\t_\t_\t_\n1-2\tdu\t_\t_\t_\t_\t_\t_\t_\t_\n"),
        Dialect::Conllu
    );
    assert_eq!(detect("a.txt", "1\tStuttgart\tB-LOC\tO\n"), Dialect::Plain);
    assert_eq!(detect("a.txt", ""), Dialect::Plain);
}

#[test]
fn a_forced_dialect_overrides_detection() {
    // Ten tab-separated columns with numbers first look like CoNLL-U; forced plain, they read
    // as plain CoNLL with explicit columns.
    let input = "1\tZoë\t_\t_\t_\t_\t_\t_\t_\tB-PER\n";
    let (_dir, path) = file(input);
    let plain = ReadOptions { conll_dialect: Some(Dialect::Plain), token_column: column(2), ..ReadOptions::default() };
    assert_eq!(spans(&read_docs(&path, &plain)), ["PER \"Zoë\""]);
    let detected = read(&path, &ReadOptions { tag_column: column(10), ..ReadOptions::default() }).expect("reads");
    assert!(detected.notes[0].starts_with("read as CoNLL-U because"), "{:?}", detected.notes);
}

// ---------------------------------------------------------------------------------------------
// Writing

fn span(id: &str, layer: &str, label: &str, start: usize, end: usize) -> Span {
    Span::contiguous(id, layer, label, start, end).expect("valid span")
}

fn write_string(docs: &[AnnotatedDocument], scheme: Scheme, layer: &str) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.conll");
    let lost = write(&path, docs, scheme, layer).expect("writes");
    (std::fs::read_to_string(&path).expect("read back"), lost)
}

#[test]
fn writer_emits_each_scheme_and_reports_what_it_drops() {
    let text = "Liz Truss met Rishi Sunak in 10 Downing Street.\nThe PMs (Truss) spoke.";
    //          0   4     10  14    20    26 29 32      40    46 48  52   57  62   67
    let spans = vec![
        span("T1", "entities", "PER", 0, 9),
        span("T2", "entities", "PER", 14, 25),
        span("T3", "entities", "PER", 4, 9),   // nested in T1
        span("T4", "entities", "FAC", 29, 46), // "10 Downing Street"
        span("T5", "entities", "ORG", 1, 3),   // inside "Liz"
        span("T6", "entities", "PER", 40, 51), // "Street.\nThe" crosses the line break
        span("T7", "entities", "PER", 57, 62), // "Truss"
        span("T8", "quotes", "Quote", 0, 5),
        Span::new("T9", "entities", "PER", vec![Fragment::new(0, 3).expect("f"), Fragment::new(4, 9).expect("f")])
            .expect("discontinuous"),
    ];
    let relation = Relation { id: "R1".into(), kind: "speaker".into(), head: "T8".into(), tail: "T1".into() };
    let annotations = Annotations { spans, relations: vec![relation], ..Annotations::default() };
    let mut meta = Meta::new();
    meta.insert("source".into(), "test".into());
    let doc = AnnotatedDocument { document: Document::new("d1", text, meta), annotations };

    let (written, lost) = write_string(std::slice::from_ref(&doc), Scheme::Bioes, "entities");
    let expected = "-DOCSTART-\n\n# id = d1\nLiz B-PER\nTruss E-PER\nmet O\nRishi B-PER\nSunak E-PER\nin O\n10 B-FAC\nDowning I-FAC\nStreet E-FAC\n. O\n\nThe O\nPMs O\n( O\nTruss S-PER\n) O\nspoke O\n. O\n\n";
    assert_eq!(written, expected);
    let joined = lost.join("\n");
    for needle in [
        "document d1: 1 span of layer \"quotes\" dropped",
        "1 relation dropped",
        "1 metadata field dropped",
        "span T3 (PER 4..9) overlaps or is nested in span T1, dropped",
        "span T5 (ORG 1..3) has a boundary inside a token, dropped",
        "span T6 (PER 40..51) crosses a line break",
        "whitespace is not kept",
        "span T9 (PER 0..9) is discontinuous, dropped",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in\n{joined}");
    }

    let (iob1, _) = write_string(std::slice::from_ref(&doc), Scheme::Iob1, "entities");
    assert!(iob1.contains("Liz I-PER\nTruss I-PER\nmet O\nRishi I-PER\n"), "{iob1}");
    let (_dir, path) = file(&iob1);
    let back = read_docs(&path, &options(Scheme::Iob1));
    let labels: Vec<_> = back[0].annotations.spans.iter().map(|s| (s.label(), s.start(), s.end())).collect();
    assert_eq!(labels, [("PER", 0, 9), ("PER", 14, 25), ("FAC", 29, 46), ("PER", 59, 64)]);
}

#[test]
fn iob1_writer_marks_adjacent_chunks_of_one_type_with_b() {
    let spans = vec![span("T1", "l", "PER", 0, 1), span("T2", "l", "PER", 2, 3), span("T3", "l", "ORG", 4, 5)];
    let annotations = Annotations { spans, ..Annotations::default() };
    let doc = AnnotatedDocument { document: Document::new("d", "a b c", Meta::new()), annotations };
    let (written, lost) = write_string(&[doc], Scheme::Iob1, "l");
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(written, "-DOCSTART-\n\n# id = d\na I-PER\nb B-PER\nc I-ORG\n\n");
}

#[test]
fn io_writer_says_it_cannot_separate_touching_chunks() {
    let spans = vec![span("T1", "l", "PER", 0, 1), span("T2", "l", "PER", 2, 3)];
    let annotations = Annotations { spans, ..Annotations::default() };
    let doc = AnnotatedDocument { document: Document::new("d", "a b", Meta::new()), annotations };
    let (written, lost) = write_string(&[doc], Scheme::Io, "l");
    assert_eq!(written, "-DOCSTART-\n\n# id = d\na I-PER\nb I-PER\n\n");
    assert_eq!(lost, ["document d: spans T1 and T2 (PER) touch: IO cannot separate them, reading back joins them"]);
}

#[test]
fn documents_without_tokens_are_not_written() {
    let doc = AnnotatedDocument {
        document: Document::new("blank", " \n ", Meta::new()),
        annotations: Annotations::default(),
    };
    let (written, lost) = write_string(&[doc], Scheme::Iob2, "l");
    assert_eq!(lost, ["document blank: the text has no tokens; document not written"]);
    assert_eq!(written, "");
}

/// Old behaviour: CoNLL → CoNLL re-cut `O'Gorman` into `O ' Gorman`.
#[test]
fn recorded_tokens_are_written_as_they_were_read() {
    let input = "O'Gorman B-PER\npaid O\n$5.2 B-MONEY\nin O\nthe O\nU.S. B-GPE\n";
    let (_dir, path) = file(input);
    let docs = read_docs(&path, &options(Scheme::Iob2));
    let (written, lost) = write_string(&docs, Scheme::Bioes, "entities");
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(
        written,
        "-DOCSTART-\n\n# id = news-0001\nO'Gorman S-PER\npaid O\n$5.2 S-MONEY\nin O\nthe O\nU.S. S-GPE\n\n"
    );
}

#[test]
fn tokens_with_spaces_are_written_tab_separated() {
    let (_dir, path) = file("New York\tB-LOC\nis\tO\n");
    let docs = read_docs(&path, &options(Scheme::Iob2));
    let (written, lost) = write_string(&docs, Scheme::Iob2, "entities");
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(written, "-DOCSTART-\n\n# id = news-0001\nNew York\tB-LOC\nis\tO\n\n");
}

#[test]
fn tokenization_metadata_that_no_longer_fits_is_reported() {
    let mut meta = Meta::new();
    meta.insert(tokenization::META_KEY.into(), "whitespace; breaks 1".into());
    let doc = AnnotatedDocument { document: Document::new("d", "a b", meta), annotations: Annotations::default() };
    let (written, lost) = write_string(&[doc], Scheme::Iob2, "l");
    assert_eq!(written, "-DOCSTART-\n\n# id = d\na O\nb O\n\n");
    assert_eq!(
        lost,
        ["document d: its \"tokenization\" metadata does not fit its text; the text was cut into words instead"]
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

/// A token the writer's word tokenizer gives back unchanged: a word, or one other character.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9éøçЖЯж李東京]{1,7}",
        1 => prop::sample::select(vec![".", ",", "“", "”", "'", "(", ")", "-", "😀", "#", "$", "%"]).prop_map(str::to_owned),
    ]
}

/// A sentence of tokens with valid IOB2 tags.
fn sentence() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((token(), 0..3u8, prop::sample::select(vec!["PER", "ORG", "LOC", "MISC"])), 1..9).prop_map(
        |raw| {
            let mut previous: Option<&str> = None;
            let mut out = Vec::new();
            for (token, choice, label) in raw {
                let tag = match (choice, previous) {
                    (0, _) => None,
                    (1, Some(open)) => Some(format!("I-{open}")),
                    _ => Some(format!("B-{label}")),
                };
                previous = match (choice, previous) {
                    (0, _) => None,
                    (1, Some(open)) => Some(open),
                    _ => Some(label),
                };
                out.push((token, tag.unwrap_or_else(|| "O".into())));
            }
            out
        },
    )
}

proptest! {
    #[test]
    fn canonical_iob2_reads_and_writes_back_identically(
        docs in prop::collection::vec(prop::collection::vec(sentence(), 1..4), 1..4)
    ) {
        let mut input = String::new();
        for (d, sentences) in docs.iter().enumerate() {
            input.push_str(&format!("-DOCSTART-\n\n# id = doc-{d}\n"));
            for sentence in sentences {
                for (token, tag) in sentence {
                    input.push_str(&format!("{token} {tag}\n"));
                }
                input.push('\n');
            }
        }
        let (dir, path) = file(&input);
        let read_back = read(&path, &options(Scheme::Iob2)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let out = dir.path().join("out.conll");
        write(&out, &read_back.documents, Scheme::Iob2, "entities").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let written = std::fs::read_to_string(&out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(written, input);
    }
}

// ---------------------------------------------------------------------------------------------
// seqeval's options: strict decoding, suffix-style and typeless tags (issue #17)

#[test]
fn strict_decoding_drops_what_the_scheme_does_not_allow() {
    // `I-PER` after `O` starts a chunk leniently; seqeval's strict IOB2 keeps only B-X I-X*.
    let input = lines(&[("Ms", "I-PER"), ("Brandt", "I-PER"), ("met", "O"), ("Liz", "B-PER"), ("Truss", "I-PER")]);
    check(&options(Scheme::Iob2), &input, &["PER \"Ms Brandt\"", "PER \"Liz Truss\""]);
    let strict = ReadOptions { decode: Decode::Strict, ..options(Scheme::Iob2) };
    check(&strict, &input, &["PER \"Liz Truss\""]);
    // BIOES strict: a chunk never closed by E- is no chunk.
    let input = lines(&[("Ms", "B-PER"), ("Brandt", "I-PER"), ("met", "O"), ("Liz", "B-PER"), ("Truss", "E-PER")]);
    let strict = ReadOptions { decode: Decode::Strict, ..options(Scheme::Bioes) };
    check(&strict, &input, &["PER \"Liz Truss\""]);
}

#[test]
fn suffix_style_and_typeless_tags_are_read() {
    let input = lines(&[("Liz", "PER-B"), ("Truss", "PER-I"), ("in", "O"), ("Kyoto", "LOC-B")]);
    let suffix = ReadOptions { suffix_tags: true, ..options(Scheme::Iob2) };
    check(&suffix, &input, &["PER \"Liz Truss\"", "LOC \"Kyoto\""]);
    // Typeless tags name their chunk `_`, as seqeval does.
    let input = lines(&[("Liz", "B"), ("Truss", "I"), ("in", "O"), ("Kyoto", "B")]);
    check(&options(Scheme::Iob2), &input, &["_ \"Liz Truss\"", "_ \"Kyoto\""]);
}
