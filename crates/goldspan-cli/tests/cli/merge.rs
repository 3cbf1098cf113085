//! `run --shard K/N --partial FILE` and `merge`: the shards of a run merge to the run's
//! results on one machine, byte for byte (the JSON file and what is printed); every partial
//! that is not part of the same run is refused, naming the files and what differs.

use std::path::{Path, PathBuf};

use super::{goldspan, stdout, valid_json};

/// `goldspan run` of quotes-rules over `corpus` without a cache, with `extra` arguments.
fn run(corpus: &str, extra: &[&str]) -> std::process::Output {
    let out = goldspan()
        .args(["run", "--extractor", "quotes-rules", "--corpus", corpus, "--no-cache"])
        .args(extra)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Shard `k` of `n` of that run, its partial result written to `dir/NAME`.
fn shard(dir: &Path, name: &str, corpus: &str, k: u32, n: u32, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let shard = format!("{k}/{n}");
    let mut args = vec!["--shard", &shard, "--partial", path.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let out = run(corpus, &args);
    // What it wrote is said on stderr; stdout holds nothing, whatever --format asks for.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("quotes-rules: shard {k}/{n}: ")), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    path
}

/// `goldspan merge` of `partials`, expected to be refused; its stderr.
fn refused(partials: &[&Path]) -> String {
    let out = goldspan().arg("merge").args(partials).output().expect("merge");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

#[test]
fn four_shards_merge_to_the_one_machine_run_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = ["--bootstrap", "200", "--errors", "--format", "json"];
    let whole = dir.path().join("whole.json");
    let one = run("corpus/news", &[&settings[..], &["--output", whole.to_str().expect("utf-8")]].concat());
    // Given in any order.
    let partials: Vec<PathBuf> = [2, 0, 3, 1]
        .iter()
        .map(|&k| shard(dir.path(), &format!("p{k}.jsonl"), "corpus/news", k, 4, &settings))
        .collect();
    let merged = dir.path().join("merged.json");
    let out = goldspan()
        .arg("merge")
        .args(&partials)
        .args(["--format", "json", "--output", merged.to_str().expect("utf-8")])
        .output()
        .expect("merge");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read(&whole).expect("whole");
    assert_eq!(std::fs::read(&merged).expect("merged"), expected);
    assert_eq!(out.stdout, one.stdout);
    // The results say something: intervals, errors, and every document scored.
    let json = valid_json("results", &stdout(&out));
    assert!(json["intervals"]["layers"]["quotes"]["strict"]["f1"].is_array(), "{json}");
    assert!(json["errors"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(json["documents"]["scored"], 120);
    // The table too.
    let table = goldspan().arg("merge").args(&partials).output().expect("merge");
    let one_table = run("corpus/news", &["--bootstrap", "200", "--errors"]);
    assert_eq!(stdout(&table), stdout(&one_table));
}

#[test]
fn a_missing_duplicated_or_foreign_shard_is_refused_naming_the_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = "tests/fixtures/tiny";
    let p0 = shard(dir.path(), "p0.jsonl", tiny, 0, 2, &[]);
    let p1 = shard(dir.path(), "p1.jsonl", tiny, 1, 2, &[]);
    // The two shards merge.
    let ok = goldspan().arg("merge").args([&p0, &p1]).output().expect("merge");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let err = refused(&[&p0]);
    assert!(err.contains("shard 1/2 is missing: every shard 0/2 to 1/2 must be merged (1 given)"), "{err}");

    let err = refused(&[&p0, &p1, &p0]);
    assert!(err.contains(&format!("shard 0/2 is given twice: {} and {}", p0.display(), p0.display())), "{err}");

    let p0_of_3 = shard(dir.path(), "p0of3.jsonl", tiny, 0, 3, &[]);
    let err = refused(&[&p0, &p0_of_3]);
    assert!(err.contains("the first is shard 0/2 and the second shard 0/3"), "{err}");

    // Another setting: one mode instead of four.
    let strict = shard(dir.path(), "strict.jsonl", tiny, 1, 2, &["--mode", "strict"]);
    let err = refused(&[&p0, &strict]);
    assert!(
        err.contains(&format!("{} and {} are not shards of one run: modes differs", p0.display(), strict.display())),
        "{err}"
    );
    let bootstrap = shard(dir.path(), "bootstrap.jsonl", tiny, 1, 2, &["--bootstrap", "10"]);
    assert!(refused(&[&p0, &bootstrap]).contains("bootstrap differs (null in the first"));

    // Another corpus: the same documents, one text longer at its end (past every span).
    let (_copy, corpus) = super::copy_corpus(&goldspan_tests::repo().join(tiny));
    let txt = corpus.join("docs/a.txt");
    let text = std::fs::read_to_string(&txt).expect("read");
    std::fs::write(&txt, text + " More.").expect("write");
    let other = shard(dir.path(), "other.jsonl", corpus.to_str().expect("utf-8"), 1, 2, &[]);
    let err = refused(&[&p0, &other]);
    assert!(err.contains("are not shards of one run: corpus_hash differs"), "{err}");

    // Another extractor.
    let out = goldspan()
        .args(["run", "--extractor", "entities-rules", "--corpus", tiny, "--no-cache", "--shard", "1/2"])
        .arg("--partial")
        .arg(dir.path().join("entities.jsonl"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = refused(&[&p0, &dir.path().join("entities.jsonl")]);
    assert!(err.contains("are not shards of one run: extractor."), "{err}");

    // Another goldspan version.
    let text = std::fs::read_to_string(&p1).expect("read");
    let version = format!("\"goldspan_version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version));
    let older = dir.path().join("older.jsonl");
    std::fs::write(&older, text.replacen(&version, "\"goldspan_version\":\"0.0.1\"", 1)).expect("write");
    let err = refused(&[&p0, &older]);
    assert!(
        err.contains(&format!(
            "goldspan_version differs (\"{}\" in the first, \"0.0.1\" in the second)",
            env!("CARGO_PKG_VERSION")
        )),
        "{err}"
    );

    // A document moved to a shard it does not belong to.
    let header = std::fs::read_to_string(&p0).expect("read");
    let first = header.find("\"documents\":[\"").expect("documents") + "\"documents\":[\"".len();
    let id_end = first + header[first..].find('"').expect("end of id");
    let moved = dir.path().join("moved.jsonl");
    std::fs::write(&moved, &header).expect("write");
    let err = refused(&[&moved, &p0]);
    assert!(err.contains("shard 0/2 is given twice"), "{err}");
    let stray = dir.path().join("stray.jsonl");
    let p1_text = std::fs::read_to_string(&p1).expect("read");
    let p1_first = p1_text.find("\"documents\":[").expect("documents") + "\"documents\":[".len();
    let id = &header[first..id_end];
    let comma = if p1_text[p1_first..].starts_with(']') { "" } else { "," };
    std::fs::write(&stray, format!("{}\"{id}\"{comma}{}", &p1_text[..p1_first], &p1_text[p1_first..])).expect("write");
    let err = refused(&[&p0, &stray]);
    assert!(err.contains(&format!("document \"{id}\" is not in shard 1/2 (it belongs to shard 0/2)")), "{err}");

    // Not a partial result at all.
    let results = dir.path().join("results.json");
    std::fs::write(&results, stdout(&run(tiny, &["--format", "json"]))).expect("write");
    let err = refused(&[&p0, &results]);
    assert!(err.contains(&format!("{}: line 1 is not a goldspan.partial/1 header", results.display())), "{err}");
}

#[test]
fn more_shards_than_documents_merge_and_an_empty_shard_is_no_exception() {
    // The tiny corpus's a, b and c fall in shards 3, 0 and 2 of 4 (BLAKE3, src/shard.rs):
    // shard 1 is empty.
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = "tests/fixtures/tiny";
    let partials: Vec<PathBuf> =
        (0..4).map(|k| shard(dir.path(), &format!("p{k}.jsonl"), tiny, k, 4, &["--bootstrap", "50"])).collect();
    let empty = std::fs::read_to_string(&partials[1]).expect("read");
    assert!(empty.contains("\"documents\":[]"), "{empty}");
    let out = goldspan().arg("merge").args(&partials).args(["--format", "json"]).output().expect("merge");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out), stdout(&run(tiny, &["--bootstrap", "50", "--format", "json"])));
}

#[test]
fn a_shard_that_does_not_exist_is_a_usage_error() {
    let out = goldspan()
        .args(["run", "--extractor", "quotes-rules", "--corpus", "tests/fixtures/tiny", "--no-cache"])
        .args(["--shard", "2/2", "--partial", "/nonexistent/p.jsonl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shards are numbered from 0, so a run in 2 shards has 0/2 to 1/2"), "{err}");
    let out = goldspan()
        .args(["run", "--extractor", "quotes-rules", "--corpus", "tests/fixtures/tiny", "--shard", "0/2"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--partial"));
}
