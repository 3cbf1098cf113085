//! The CoNLL-family fixtures of `tests/fixtures/conll/`, written by us to each tool's published
//! layout (the facts each relies on are cited beside its test), read into spans whose label and
//! covered text were worked out by hand; and CoNLL → CoNLL under every scheme change, which must
//! keep the token sequence exactly.

use std::path::PathBuf;

use goldspan_formats::conll::{self, Column, Dialect, Scheme};
use goldspan_formats::tokenization;
use goldspan_formats::{Collection, ReadOptions};
use goldspan_model::AnnotatedDocument;

fn fixture(name: &str) -> PathBuf {
    goldspan_tests::repo().join("tests/fixtures/conll").join(name)
}

fn column(n: i32) -> Option<Column> {
    Column::new(n)
}

fn read(name: &str, options: &ReadOptions) -> Collection {
    conll::read(&fixture(name), options).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each span as `LABEL "covered text"`, documents in order.
fn spans(docs: &[AnnotatedDocument]) -> Vec<String> {
    docs.iter()
        .flat_map(|d| {
            d.annotations
                .spans
                .iter()
                .map(|s| format!("{} {:?}", s.label(), d.document.slice(s.start(), s.end()).unwrap_or("?")))
        })
        .collect()
}

/// A document's tokens, as its tokenization metadata records them.
fn tokens(doc: &AnnotatedDocument) -> Vec<String> {
    let value = doc.document.meta().get(tokenization::META_KEY).expect("a CoNLL document records its tokens");
    let found = tokenization::tokens(doc.document.text(), value).expect("the record fits the text");
    found.iter().map(|t| doc.document.slice(t.start, t.end).unwrap_or("?").to_owned()).collect()
}

/// Each span as (label, first token, one past the last token): what survives any change of
/// whitespace.
fn token_spans(doc: &AnnotatedDocument) -> Vec<(String, usize, usize)> {
    let value = doc.document.meta().get(tokenization::META_KEY).expect("recorded tokens");
    let found = tokenization::tokens(doc.document.text(), value).expect("the record fits the text");
    doc.annotations
        .spans
        .iter()
        .map(|s| {
            let first = found.iter().position(|t| t.start == s.start()).expect("a span starts at a token");
            let last = found.iter().position(|t| t.end == s.end()).expect("a span ends at a token");
            (s.label().to_owned(), first, last + 1)
        })
        .collect()
}

fn options(scheme: Scheme) -> ReadOptions {
    ReadOptions { scheme, ..ReadOptions::default() }
}

// ---------------------------------------------------------------------------------------------
// Reading each layout

/// conlleval.pl (version 2004-01-26, its header): items on a line are separated by a single
/// space, "the final two items should contain the correct tag and the guessed tag in that
/// order", sentences are separated by empty lines. `-DOCSTART- O O` has as many items as a
/// token line (conlleval.pl stops on a line with another number of items).
#[test]
fn conlleval_three_columns_read_as_gold_and_predictions() {
    let path = fixture("conlleval.txt");
    let (gold, pred) =
        conll::read_pair(&path, &options(Scheme::Iob2), Column::new(-2).expect("c"), Column::LAST).expect("reads");
    assert_eq!(
        spans(&gold.documents),
        [
            "PERSON \"Zoë Brandt\"",
            "GPE \"Kyoto\"",
            "DATE \"Friday\"",
            "ORG \"Le Monde\"",
            "MONEY \"$ 5.2 million\"",
            "PERSON \"O'Gorman\"",
            "GPE \"U.S.\"",
            "DATE \"2023\"",
            "ORG \"Bank of England\"", // I-ORG without B-ORG starts the chunk
            "GPE \"London\"",
            "GPE \"Paris\"",
        ]
    );
    assert_eq!(
        spans(&pred.documents),
        [
            "PERSON \"Zoë Brandt\"",
            "GPE \"Kyoto\"",
            "GPE \"Le Monde\"",
            "MONEY \"$ 5.2\"",
            "PERSON \"Ms O'Gorman\"",
            "ORG \"the U.S.\"",
            "DATE \"2023\"",
            "ORG \"Bank of\"",
            "GPE \"England\"",
            "GPE \"London\"",
            "GPE \"Paris\"", // I-GPE after O starts a chunk
        ]
    );
    let ids: Vec<&str> = gold.documents.iter().map(|d| d.document.id()).collect();
    assert_eq!(ids, ["conlleval-0001", "conlleval-0002"]);
    // Read as one tag column with the defaults, the file is refused, not read as predictions.
    let err = conll::read(&path, &options(Scheme::Iob2)).expect_err("two tag columns");
    assert!(err.to_string().contains("columns 2 and 3 both hold tags with the same labels"), "{err}");
}

/// CoNLL-2003 (the shared task's data description): four columns separated by a single space —
/// word, part-of-speech tag, syntactic chunk tag, named-entity tag; an empty line after each
/// sentence; `-DOCSTART- -X- -X- O` between documents; tags in IOB1, where "only if two phrases
/// of the same type immediately follow each other, the first word of the second phrase will
/// have tag B-TYPE".
#[test]
fn conll2003_four_columns_in_iob1() {
    let collection = read("conll2003.txt", &options(Scheme::Iob1));
    let docs = &collection.documents;
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].document.text(), "The Russia Ukraine border stayed closed .");
    assert_eq!(
        spans(docs),
        ["PER \"Zoë Brandt\"", "ORG \"Le Monde\"", "LOC \"Kyoto\"", "LOC \"Russia\"", "LOC \"Ukraine\""]
    );
    // The chunk column (B-NP, I-VP) holds tags of other labels: no ambiguity with column 4.
    let chunks = read("conll2003.txt", &ReadOptions { tag_column: column(3), ..options(Scheme::Iob2) });
    assert_eq!(spans(&chunks.documents[1..]), ["NP \"The Russia Ukraine border\"", "VP \"stayed closed\""]);
}

/// GermEval 2014 (the task's data page): tab-separated columns; "the first column contains
/// either a #, which signals the source the sentence is cited from and the date it was
/// retrieved, or the token number within the sentence. The second column contains the token.
/// Name spans are encoded in the BIO-scheme. Outer spans are encoded in the third column,
/// embedded spans in the fourth column."
#[test]
fn germeval_outer_and_inner_columns() {
    let outer = ReadOptions { token_column: column(2), tag_column: column(3), ..options(Scheme::Iob2) };
    let collection = read("germeval.tsv", &outer);
    assert_eq!(
        collection.documents[0].document.text(),
        "Die Universität Stuttgart liegt in Baden-Württemberg .\nAnna Schmidt besuchte das Goethe-Institut in Kyoto ."
    );
    assert_eq!(
        spans(&collection.documents),
        [
            "ORG \"Universität Stuttgart\"",
            "LOC \"Baden-Württemberg\"",
            "PER \"Anna Schmidt\"",
            "ORG \"Goethe-Institut\"",
            "LOC \"Kyoto\""
        ]
    );
    assert_eq!(collection.notes, ["2 comment lines starting with # skipped"]);
    let inner = ReadOptions { token_column: column(2), tag_column: column(-1), ..options(Scheme::Iob2) };
    assert_eq!(spans(&read("germeval.tsv", &inner).documents), ["LOC \"Stuttgart\"", "PERpart \"Goethe-Institut\""]);
    // With the defaults, both the token numbers and the two tag columns are named.
    let err = conll::read(&fixture("germeval.tsv"), &options(Scheme::Iob2)).expect_err("defaults refused");
    let text = err.to_string();
    assert!(text.contains("column 1 holds token numbers") && text.contains("columns 3 and 4 both hold tags"), "{text}");
}

/// One text (two adjacent GPE chunks, a three-token ORG) tagged by hand in each scheme: IOB1
/// and IOE1 mark only the boundary between two adjacent chunks of one type (B- first, E- last),
/// IOB2 starts every chunk with B-, IOE2 ends every chunk with E-, BIOES and BILOU add
/// single-token S-/U- and last-token E-/L-; IO cannot separate the adjacent chunks.
#[test]
fn every_scheme_reads_the_same_spans() {
    let expected =
        ["PERSON \"Zoë Brandt\"", "GPE \"Germany\"", "GPE \"France\"", "GPE \"Kyoto\"", "ORG \"Bank of England\""];
    for &scheme in Scheme::ALL {
        let found = spans(&read(&format!("schemes/{}.txt", scheme.as_str()), &options(scheme)).documents);
        if scheme == Scheme::Io {
            assert_eq!(
                found,
                ["PERSON \"Zoë Brandt\"", "GPE \"Germany France\"", "GPE \"Kyoto\"", "ORG \"Bank of England\""]
            );
        } else {
            assert_eq!(found, expected, "{scheme}");
        }
    }
}

/// The tokens of a tab-separated file (all lines have a tab, so a token may hold spaces).
#[test]
fn tab_separated_tokens_are_kept_whole() {
    let collection = read("tokens.tsv", &options(Scheme::Iob2));
    let doc = &collection.documents[0];
    assert_eq!(
        tokens(doc),
        ["O'Gorman", "paid", "$5.2", "million", "to", "the", "U.S.", "Treasury", "in", "New York", "City", "."]
    );
    assert_eq!(
        spans(&collection.documents),
        ["PERSON \"O'Gorman\"", "MONEY \"$5.2 million\"", "GPE \"U.S.\"", "ORG \"Treasury\"", "GPE \"New York City\""]
    );
}

/// CoNLL-U (universaldependencies.org/format.html): ten tab-separated fields ID FORM LEMMA UPOS
/// XPOS FEATS HEAD DEPREL DEPS MISC, `_` for an empty field; comments `# newdoc id = ...`,
/// `# sent_id = ...`, `# text = ...`; a multiword token line `3-4` (its surface form) comes
/// before its word lines; an empty node `5.1` follows word 5; `SpaceAfter=No` in MISC (on
/// the multiword token's line for such a token). Tags here are `NE=` in MISC, in BIOES.
#[test]
fn conllu_named_entities_in_misc() {
    let collection = read("ud.conllu", &options(Scheme::Bioes));
    let docs = &collection.documents;
    let ids: Vec<&str> = docs.iter().map(|d| d.document.id()).collect();
    assert_eq!(ids, ["ud-news-1", "ud-news-2"]);
    // The first sentence's text is its `# text`; the second has none and is rebuilt.
    assert_eq!(docs[0].document.text(), "Zoë Brandt didn't fly to New York.\nKyoto hosts talks.");
    assert_eq!(docs[1].document.text(), "Le président du Sénat parle.");
    assert_eq!(
        spans(docs),
        ["PERSON \"Zoë Brandt\"", "GPE \"New York\"", "GPE \"Kyoto\"", "ORG \"du Sénat\""] // "le" is inside "du"
    );
    assert_eq!(tokens(&docs[0])[..5], ["Zoë", "Brandt", "did", "n't", "fly"]);
    assert_eq!(tokens(&docs[1]), ["Le", "président", "du", "Sénat", "parle", "."]);
    assert!(
        collection.notes.iter().any(|n| n.starts_with("1 chunk boundary inside a multiword token widened")),
        "{:?}",
        collection.notes
    );
    assert!(collection.notes.iter().any(|n| n.starts_with("read as CoNLL-U because its name ends in .conllu")));
}

/// OntoNotes CoNLL-2012 `*_conll` (conll.cemantix.org/2012/data.html): each part between
/// `#begin document (ID); part NNN` and `#end document`; columns document id, part number,
/// word number, word, POS, parse bit, predicate lemma, frameset id, word sense, speaker, named
/// entities, predicate arguments (one column per predicate), coreference; named entities
/// bracketed — `(LABEL*` opens, `*` continues, `*)` closes, `(LABEL)` is one word — with the
/// 18 OntoNotes 5 labels.
#[test]
fn conll2012_bracketed_named_entities_in_documents_and_parts() {
    let collection = read("ontonotes.gold_conll", &ReadOptions::default());
    let docs = &collection.documents;
    let ids: Vec<&str> = docs.iter().map(|d| d.document.id()).collect();
    assert_eq!(ids, ["nw-example-00-example_0001-000", "nw-example-00-example_0001-001"]);
    assert_eq!(docs[0].document.meta().get("document").map(String::as_str), Some("nw/example/00/example_0001"));
    assert_eq!(docs[1].document.meta().get("part").map(String::as_str), Some("001"));
    assert_eq!(docs[0].document.text(), "Zoë Brandt paid $ 5.2 million in 2023 .\nShe thanked the United Nations .");
    assert_eq!(
        spans(docs),
        [
            "PERSON \"Zoë Brandt\"",
            "MONEY \"$ 5.2 million\"",
            "DATE \"2023\"",
            "ORG \"United Nations\"",
            "GPE \"Tokyo\"",
            "ORDINAL \"first\"",
            "CARDINAL \"three\""
        ]
    );
    assert!(collection.notes.iter().any(|n| n.contains("coreference are dropped")), "{:?}", collection.notes);
    // Forced as plain CoNLL, the same file is not silently read: its columns differ per part.
    let plain = ReadOptions { conll_dialect: Some(Dialect::Plain), ..ReadOptions::default() };
    assert!(conll::read(&fixture("ontonotes.gold_conll"), &plain).is_err());
}

// ---------------------------------------------------------------------------------------------
// CoNLL → CoNLL under every scheme change

/// Each fixture with the options that read it.
fn fixtures() -> Vec<(&'static str, ReadOptions)> {
    let mut all = vec![
        ("conll2003.txt", options(Scheme::Iob1)),
        ("tokens.tsv", options(Scheme::Iob2)),
        ("germeval.tsv", ReadOptions { token_column: column(2), tag_column: column(3), ..options(Scheme::Iob2) }),
        ("conlleval.txt", ReadOptions { tag_column: column(-2), ..options(Scheme::Iob2) }),
        ("ud.conllu", options(Scheme::Bioes)),
        ("ontonotes.gold_conll", ReadOptions::default()),
    ];
    for &scheme in Scheme::ALL {
        let name: &'static str = match scheme {
            Scheme::Iob1 => "schemes/iob1.txt",
            Scheme::Iob2 => "schemes/iob2.txt",
            Scheme::Ioe1 => "schemes/ioe1.txt",
            Scheme::Ioe2 => "schemes/ioe2.txt",
            Scheme::Bioes => "schemes/bioes.txt",
            Scheme::Bilou => "schemes/bilou.txt",
            _ => "schemes/io.txt",
        };
        all.push((name, options(scheme)));
    }
    all
}

/// Whether two spans of one label touch (IO cannot keep them apart).
fn touching(spans: &[(String, usize, usize)]) -> bool {
    spans.iter().any(|a| spans.iter().any(|b| a.0 == b.0 && a.2 == b.1))
}

#[test]
fn conll_to_conll_under_every_scheme_change_keeps_the_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, read_options) in fixtures() {
        let original = read(name, &read_options).documents;
        for &to in Scheme::ALL {
            let path = dir.path().join(format!("{}.conll", to.as_str()));
            conll::write(&path, &original, to, "entities").expect("writes");
            let back = conll::read(&path, &options(to)).unwrap_or_else(|e| panic!("{name} as {to}: {e}")).documents;
            assert_eq!(back.len(), original.len(), "{name} as {to}");
            for (a, b) in original.iter().zip(&back) {
                assert_eq!(tokens(a), tokens(b), "{name} as {to}: tokens");
                let expected = token_spans(a);
                if to == Scheme::Io && touching(&expected) {
                    continue;
                }
                assert_eq!(token_spans(b), expected, "{name} as {to}: spans");
                // Plain CoNLL comes back with the same text too (CoNLL-U's SpaceAfter is lost).
                if !name.ends_with(".conllu") {
                    assert_eq!(a.document.text(), b.document.text(), "{name} as {to}: text");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding parity

/// The reader decodes every sequence of B-, I-, E-, S- and O tags (all of length 1 to 3 over
/// two types, and 1,000 random longer ones) into exactly the chunks seqeval 1.2.2's default
/// mode finds (`tools/conll/make_seqeval_decoding_fixture.py` recorded them).
#[test]
fn decoding_equals_seqeval_default_mode() {
    let text = std::fs::read_to_string(fixture("seqeval-lenient.jsonl")).expect("fixture");
    let cases: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(cases.len(), 1819);
    // One sentence per case, token "x", in one BIOES file.
    let mut file = String::new();
    for case in &cases {
        for tag in case["tags"].as_str().expect("tags").split(' ') {
            file.push_str(&format!("x {tag}\n"));
        }
        file.push('\n');
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cases.conll");
    std::fs::write(&path, file).expect("write");
    let docs = conll::read(&path, &options(Scheme::Bioes)).expect("reads").documents;
    let doc = &docs[0];
    // Sentence k starts at line k of the text; a token's index is its place on its line.
    let value = doc.document.meta().get(tokenization::META_KEY).expect("tokens");
    let all = tokenization::tokens(doc.document.text(), value).expect("fits");
    let mut found: Vec<Vec<(String, usize, usize)>> = vec![Vec::new(); cases.len()];
    for span in &doc.annotations.spans {
        let first = all.iter().position(|t| t.start == span.start()).expect("token start");
        let last = all.iter().position(|t| t.end == span.end()).expect("token end");
        let line = all[first].line;
        let base = all.iter().position(|t| t.line == line).expect("line start");
        found[line].push((span.label().to_owned(), first - base, last + 1 - base));
    }
    for (case, ours) in cases.iter().zip(&found) {
        let theirs: Vec<(String, usize, usize)> = case["chunks"]
            .as_array()
            .expect("chunks")
            .iter()
            .map(|c| {
                let n = |i: usize| c[i].as_u64().expect("an offset") as usize;
                (c[0].as_str().expect("a label").to_owned(), n(1), n(2))
            })
            .collect();
        assert_eq!(ours, &theirs, "{}", case["tags"]);
    }
}
