//! One test per class of bad input `validate` must catch, each asserting the problem kind and
//! that its message names the file, the line and the document.

use std::fs;
use std::path::{Path, PathBuf};

use goldspan_formats::gold::Corpus;
use goldspan_model::{Problem, ProblemKind};

/// A copy of the tiny fixture corpus in a temp dir, to break.
fn tiny() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny");
    let root = dir.path().join("tiny");
    fs::create_dir_all(root.join("docs")).expect("mkdir");
    fs::copy(src.join("goldspan.toml"), root.join("goldspan.toml")).expect("copy manifest");
    for e in fs::read_dir(src.join("docs")).expect("read fixture") {
        let e = e.expect("entry");
        fs::copy(e.path(), root.join("docs").join(e.file_name())).expect("copy doc");
    }
    (dir, root)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn problems(root: &Path) -> Vec<Problem> {
    Corpus::validate(root)
}

/// Asserts exactly one problem matches `pred`, and that its message names `needles`.
fn expect_one(problems: &[Problem], pred: impl Fn(&ProblemKind) -> bool, needles: &[&str]) {
    let matching: Vec<&Problem> = problems.iter().filter(|p| pred(&p.kind)).collect();
    let all: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(matching.len(), 1, "expected one matching problem in {all:#?}");
    let message = matching[0].to_string();
    for needle in needles {
        assert!(message.contains(needle), "{message:?} should contain {needle:?}");
    }
}

#[test]
fn the_fixture_is_clean() {
    let (_dir, root) = tiny();
    let found: Vec<String> = problems(&root).iter().map(|p| p.to_string()).collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn offset_out_of_range() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "T5\tPERCENT 67 69\t5%", "T5\tPERCENT 67 169\t5%");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::OffsetOutOfRange { offset: 169, .. }),
        &["c.ann:5:", "document c", "past the end"],
    );
}

#[test]
fn offset_inside_a_character() {
    let (_dir, root) = tiny();
    // "e" + combining acute: a span ending between them splits one character.
    fs::write(root.join("docs/c.txt"), "Cafe\u{301} society").expect("write");
    fs::write(root.join("docs/c.ann"), "T1\tORG 0 4\tCafe\n").expect("write");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::OffsetInsideCharacter { offset: 4, .. }),
        &["c.ann:1:", "document c"],
    );
}

#[test]
fn covered_text_differs() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "T2\tORG 22 37\tBank of England", "T2\tORG 22 37\tBank of Englund");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::TextMismatch { .. }),
        &["c.ann:2:", "document c", "\"Bank of Englund\"", "\"Bank of England\""],
    );
}

#[test]
fn utf16_offsets_are_diagnosed() {
    let (_dir, root) = tiny();
    // In b.txt "😀" precedes "Kyoto": counted in UTF-16 units the span moves by one.
    edit(&root.join("docs/b.ann"), "T3\tGPE 8 13\tKyoto", "T3\tGPE 9 14\tKyoto");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::TextMismatch { .. }),
        &["b.ann:3:", "document b", "UTF-16 code units"],
    );
}

#[test]
fn unknown_label() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "T2\tORG 22 37", "T2\tORGANISATION 22 37");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::UnknownLabel { .. }),
        &["c.ann:2:", "document c", "\"ORGANISATION\""],
    );
}

#[test]
fn unknown_relation_type() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "R2\tcue ", "R2\tcues ");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::UnknownRelationType { .. }),
        &["c.ann:8:", "document c", "\"cues\""],
    );
}

#[test]
fn relation_argument_missing() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "R2\tcue Arg1:T4 Arg2:T3", "R2\tcue Arg1:T4 Arg2:T30");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::MissingReference { .. }),
        &["c.ann:8:", "document c", "T30"],
    );
}

#[test]
fn relation_argument_of_the_wrong_label() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "R1\tspeaker Arg1:T4 Arg2:T1", "R1\tspeaker Arg1:T4 Arg2:T2");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::RelationArgumentLabel { .. }),
        &["c.ann:7:", "document c", "is a ORG, expected Source"],
    );
}

#[test]
fn duplicate_id() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "T5\tPERCENT", "T2\tPERCENT");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::DuplicateId { .. }),
        &["c.ann:5:", "document c", "duplicate id T2 (first used on line 2)"],
    );
}

#[test]
fn quote_without_a_speaker() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.ann"), "R1\tspeaker Arg1:T4 Arg2:T1\n", "");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::MissingRelation { .. }),
        &["c.ann:4:", "document c", "span T4 (Quote) has no speaker relation"],
    );
}

#[test]
fn document_in_no_split() {
    let (_dir, root) = tiny();
    fs::write(root.join("docs/d.txt"), "Nothing here.").expect("write");
    fs::write(root.join("docs/d.ann"), "").expect("write");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::DocumentInNoSplit),
        &["goldspan.toml", "document d", "in no split"],
    );
}

#[test]
fn document_in_two_splits() {
    let (_dir, root) = tiny();
    let manifest = fs::read_to_string(root.join("goldspan.toml")).expect("read");
    let test_line = manifest.lines().position(|l| l.contains("test") && l.contains('[')).expect("test split") + 1;
    edit(&root.join("goldspan.toml"), "\"test\" = [\n", "\"test\" = [\n  \"a\",\n");
    let at = format!("goldspan.toml:{}:", test_line + 1);
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::DocumentInSeveralSplits { .. }),
        &[&at, "document a", "dev, test"],
    );
}

#[test]
fn split_lists_a_missing_document() {
    let (_dir, root) = tiny();
    edit(&root.join("goldspan.toml"), "\"test\" = [\n", "\"test\" = [\n  \"zz\",\n");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::MissingDocument { .. }),
        &["goldspan.toml:", "document zz"],
    );
}

#[test]
fn invalid_utf8() {
    let (_dir, root) = tiny();
    fs::write(root.join("docs/c.txt"), b"A spokeswoman\n\xff\xfe said").expect("write");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::InvalidUtf8 { byte: 14 }),
        &["c.txt:2:", "document c", "invalid UTF-8"],
    );
}

#[test]
fn byte_order_mark() {
    let (_dir, root) = tiny();
    let text = fs::read(root.join("docs/c.txt")).expect("read");
    fs::write(root.join("docs/c.txt"), [b"\xEF\xBB\xBF".as_slice(), &text].concat()).expect("write");
    expect_one(
        &problems(&root),
        |k| matches!(k, ProblemKind::ByteOrderMark),
        &["c.txt:1:", "document c", "byte-order mark"],
    );
}

#[test]
fn crlf_line_endings() {
    let (_dir, root) = tiny();
    edit(&root.join("docs/c.txt"), "5%.\n", "5%.\r\n");
    let found = problems(&root);
    expect_one(&found, |k| matches!(k, ProblemKind::CrlfLineEndings { count: 1 }), &["c.txt:1:", "document c", "CRLF"]);
    // The Boilerplate line now starts one code point later: its offsets drifted.
    expect_one(&found, |k| matches!(k, ProblemKind::TextMismatch { .. }), &["c.ann:6:", "CRLF drift"]);
}

#[test]
fn missing_annotation_file_and_orphans() {
    let (_dir, root) = tiny();
    fs::remove_file(root.join("docs/c.ann")).expect("rm");
    fs::write(root.join("docs/zz.ann"), "").expect("write");
    let found = problems(&root);
    expect_one(&found, |k| matches!(k, ProblemKind::MissingAnnotations { .. }), &["c.txt", "document c", "c.ann"]);
    expect_one(&found, |k| matches!(k, ProblemKind::OrphanFile { .. }), &["zz.ann", "zz.txt"]);
}

#[test]
fn empty_document() {
    let (_dir, root) = tiny();
    fs::write(root.join("docs/c.txt"), "").expect("write");
    fs::write(root.join("docs/c.ann"), "").expect("write");
    expect_one(&problems(&root), |k| matches!(k, ProblemKind::EmptyDocument), &["document c", "empty"]);
}

#[test]
fn malformed_lines_are_all_reported() {
    let (_dir, root) = tiny();
    fs::write(root.join("docs/c.ann"), "T1 Source 2 13 spokeswoman\nT2\tORG 22 x\tBank\nE1\tX:T1\nR1\tspeaker T4 T1\n")
        .expect("write");
    let found: Vec<String> = problems(&root).iter().map(|p| p.to_string()).collect();
    for needle in ["c.ann:1:", "c.ann:2:", "c.ann:3:", "c.ann:4:"] {
        assert!(found.iter().any(|m| m.contains(needle) && m.contains("document c")), "{needle} in {found:#?}");
    }
}

#[test]
fn broken_manifest_names_its_line() {
    let (_dir, root) = tiny();
    edit(&root.join("goldspan.toml"), "name = \"tiny\"", "name = tiny");
    let found = problems(&root);
    assert_eq!(found.len(), 1);
    assert!(found[0].to_string().contains("goldspan.toml:2:"), "{}", found[0]);
}
