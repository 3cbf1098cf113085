//! Works from anywhere: the project root is found by walking up from the current directory to
//! the directory holding `evals/` (or a project `goldspan.toml`); the evals, `corpus/news` and
//! the cache are found under it. Outside any project the error says what was looked for and how
//! to do without, and nothing is cached in the current directory.

use std::path::Path;

use super::{copy_corpus, goldspan, stdout};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn outside_a_project_run_and_check_say_what_was_looked_for_and_cache_nothing_here() {
    let dir = tempfile::tempdir().expect("temp dir");
    let here = dir.path().canonicalize().expect("canonical");
    let looked_for = format!(
        "not inside a goldspan project: looked for a directory holding `evals/` or a project `goldspan.toml` in {} and every directory above it",
        here.display()
    );
    let out = goldspan().current_dir(&here).arg("run").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&looked_for), "{}", stderr(&out));
    assert!(stderr(&out).contains("give --extractor SPEC --corpus DIR"), "{}", stderr(&out));
    let out = goldspan().current_dir(&here).arg("check").output().expect("check");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(&looked_for) && stderr(&out).contains("give --evals DIR"), "{}", stderr(&out));
    // An ad hoc run names everything it needs: it runs, and caches nothing here.
    let out = goldspan()
        .current_dir(&here)
        .args(["run", "--extractor", "entities-rules", "--corpus"])
        .arg(goldspan_tests::tiny_corpus())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not inside a goldspan project: extractor outputs are not cached"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_dir(&here).expect("dir").count(), 0, "nothing written in the working directory");
}

#[test]
fn from_a_subdirectory_run_list_and_check_find_the_repositorys_evals() {
    let docs = goldspan_tests::repo().join("docs");
    let out = goldspan().current_dir(&docs).args(["run", "--list"]).output().expect("run --list");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&out);
    for eval in ["entities-rules", "quotes-rules", "structure-rules"] {
        let row = list.lines().find(|l| l.starts_with(eval)).unwrap_or_else(|| panic!("{eval} not listed:\n{list}"));
        let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        let snapshot = format!("present (../evals/snapshots/{eval}.json)");
        let layer = eval.trim_end_matches("-rules");
        assert_eq!(cells, [eval, eval, "../corpus/news", "test", layer, snapshot.as_str()], "{row}");
    }
    let out = goldspan().current_dir(&docs).args(["check", "--no-cache"]).output().expect("check");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

/// A project in a temp dir: the tiny corpus as `corpus/news`, one eval, and a subdirectory.
fn tiny_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    let root = corpus.parent().expect("root").to_owned();
    std::fs::rename(&corpus, root.join("news")).expect("move");
    std::fs::create_dir(&corpus).expect("mkdir");
    std::fs::rename(root.join("news"), corpus.join("news")).expect("move");
    std::fs::create_dir_all(root.join("evals")).expect("mkdir");
    std::fs::write(root.join("evals/tiny.toml"), "corpus = \"corpus/news\"\nextractor = \"entities-rules\"\n")
        .expect("write");
    std::fs::create_dir_all(root.join("notes/deep")).expect("mkdir");
    (dir, root)
}

/// What `goldspan cache stats`, run from `dir`, says the project's cache holds.
fn cache_stats(dir: &Path) -> String {
    let out = goldspan().current_dir(dir).args(["cache", "stats"]).output().expect("cache stats");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_cache_and_the_news_corpus_live_under_the_project_root() {
    let (_dir, root) = tiny_project();
    let sub = root.join("notes/deep");
    // An ad hoc run on the default corpus, from two levels down.
    let out = goldspan().current_dir(&sub).args(["run", "--extractor", "entities-rules"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("gold tiny, predictions entities-rules: 3 document(s) scored"), "{}", stdout(&out));
    let stats = cache_stats(&sub);
    assert!(stats.contains("3 outputs of 1 extractor fingerprint,"), "one cached output per document: {stats}");
    assert!(root.join(".goldspan-cache").is_dir(), "the cache lives under the root: {stats}");
    assert!(!sub.join(".goldspan-cache").exists());
    // check and the other commands find the project too; run --list says what became of the
    // snapshot.
    let listed = |state: &str| {
        let out = goldspan().current_dir(&sub).args(["run", "--list"]).output().expect("run --list");
        let list = stdout(&out);
        let row = list.lines().find(|l| l.starts_with("tiny ")).unwrap_or_else(|| panic!("not listed: {list}"));
        let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        let snapshot = format!("{state} (../../evals/snapshots/tiny.json)");
        assert_eq!(cells, ["tiny", "entities-rules", "../../corpus/news", "(all)", "(all)", snapshot.as_str()]);
    };
    listed("missing");
    let out = goldspan().current_dir(&sub).args(["check", "--update"]).output().expect("check");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root.join("evals/snapshots/tiny.json").is_file());
    assert!(stdout(&out).contains("tiny: new snapshot written (0 extracted, 3 cached)"), "{}", stdout(&out));
    listed("present");
    std::fs::write(root.join("evals/snapshots/tiny.json"), "[]").expect("write");
    listed("malformed: a snapshot is a JSON object, not an array");
    for args in [&["validate"][..], &["stats"], &["markup", "render", "a"]] {
        let out = goldspan().current_dir(&sub).args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}
