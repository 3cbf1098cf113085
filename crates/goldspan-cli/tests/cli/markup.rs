//! `goldspan markup`: compiling writes gold files and the split; bad markup writes nothing.

use super::{copy_corpus, goldspan, stdout};

#[test]
fn compile_writes_the_document_and_its_split_then_render_gives_it_back() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let src = root.join("new.gsm");
    std::fs::write(
        &src,
        "+++\nid = \"d\"\nsplit = \"dev\"\n+++\n[Zoë]{PERSON Source >q1} [said]{Cue >q1} “[hello]{Quote #q1}”.",
    )
    .expect("write");
    let out = goldspan().args(["markup", "compile", "--corpus"]).arg(&root).arg(&src).output().expect("run");
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(root.join("docs/d.txt")).expect("txt"), "Zoë said “hello”.");
    assert_eq!(
        std::fs::read_to_string(root.join("docs/d.ann")).expect("ann"),
        "T1\tPERSON 0 3\tZoë\nT2\tSource 0 3\tZoë\nT3\tCue 4 8\tsaid\nT4\tQuote 10 15\thello\nR1\tspeaker Arg1:T4 Arg2:T2\nR2\tcue Arg1:T4 Arg2:T3\n"
    );
    assert!(std::fs::read_to_string(root.join("goldspan.toml"))
        .expect("manifest")
        .contains("dev = [\n  \"a\",\n  \"d\",\n]"));
    let out = goldspan().args(["validate"]).arg(&root).output().expect("run");
    assert!(out.status.success(), "{}", stdout(&out));
    let out = goldspan().args(["markup", "render", "d", "--corpus"]).arg(&root).output().expect("run");
    assert_eq!(
        stdout(&out),
        "+++\nid = \"d\"\nsplit = \"dev\"\n+++\n[Zoë]{PERSON Source >q1} [said]{Cue >q1} “[hello]{Quote #q1}”."
    );
}

#[test]
fn bad_markup_is_reported_by_line_and_nothing_is_written() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let src = root.join("bad.gsm");
    std::fs::write(&src, "+++\nid = \"e\"\n+++\nfine\n“[hello]{Quote #q1}” [x]{PERSN}").expect("write");
    let out = goldspan().args(["markup", "compile", "--corpus"]).arg(&root).arg(&src).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let s = stdout(&out);
    assert!(s.contains("bad.gsm:5: document e: span [x]: label \"PERSN\" is not declared"), "{s}");
    assert!(s.contains("document e: span T1 (Quote) has no speaker relation"), "{s}");
    assert!(!root.join("docs/e.txt").exists());
}
