//! Hostile input and careless arguments never write outside the output, over the input, over
//! an existing corpus, or through a symbolic link: `convert`, `markup compile`, `check` with a
//! mistyped eval, and `--jobs` out of range.

use std::path::{Path, PathBuf};

use super::{copy_corpus, goldspan, stdout};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).expect("under dir").to_owned());
            }
        }
    }
    found.sort();
    found
}

/// A one-document interchange file whose document has id `id` (JSON-escaped by serde).
fn jsonl_with_id(path: &Path, id: &str) {
    let record = serde_json::json!({"id": id, "text": "Zoë Brandt spoke.", "spans": []});
    std::fs::write(path, format!("{record}\n")).expect("write");
}

#[test]
fn traversal_absolute_and_reserved_ids_write_nothing_outside_the_output_and_exit_2_naming_the_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path().join("a/b");
    std::fs::create_dir_all(&work).expect("mkdir");
    // Where `../../../victim/notes` lands from out/docs (gold) and from out (brat).
    let victims = [dir.path().join("a/victim/notes.txt"), dir.path().join("victim/notes.txt")];
    for v in &victims {
        std::fs::create_dir_all(v.parent().expect("parent")).expect("mkdir");
        std::fs::write(v, "precious").expect("write");
    }
    let absolute = dir.path().join("abs/notes");
    let ids = [
        "../../../victim/notes".to_owned(),
        absolute.display().to_string(),
        String::new(),
        ".".into(),
        "..".into(),
        "CON".into(),
        "nul".into(),
        "com1.meta".into(),
    ];
    for to in ["gold", "brat"] {
        for id in &ids {
            let input = work.join("in.jsonl");
            jsonl_with_id(&input, id);
            let out_dir = work.join("out");
            let out = goldspan()
                .args(["convert", "--from", "jsonl", "--to", to])
                .arg(&input)
                .arg(&out_dir)
                .output()
                .expect("run");
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "--to {to}, id {id:?}: {err}");
            assert!(err.contains(&format!("{id:?}")), "--to {to}: the message names the id {id:?}: {err}");
            assert!(err.contains("in.jsonl:1"), "--to {to}: the message names the line of id {id:?}: {err}");
            for v in &victims {
                assert_eq!(std::fs::read_to_string(v).expect("victim"), "precious", "id {id:?} reached {v:?}");
            }
            assert!(!absolute.with_extension("txt").exists() && !dir.path().join("abs").exists());
            assert_eq!(files_under(&out_dir), Vec::<PathBuf>::new(), "--to {to}, id {id:?} wrote something");
            assert_eq!(files_under(dir.path()).len(), 3, "only the input and the two victims");
        }
    }
}

#[test]
fn convert_into_an_existing_corpus_refuses_without_force_and_keeps_its_manifest_with_it() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let manifest = std::fs::read_to_string(root.join("goldspan.toml")).expect("manifest");
    let input = root.parent().expect("parent").join("new.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"new\", \"text\": \"Zoë Brandt spoke.\", \"spans\": [{\"id\": \"T1\", \"layer\": \"entities\", \"label\": \"PERSON\", \"start\": 0, \"end\": 10}]}\n",
    )
    .expect("write");
    let convert = |extra: &[&str]| {
        goldspan().args(["convert", "--from", "jsonl", "--to", "gold"]).args(extra).arg(&input).arg(&root).output()
    };
    let out = convert(&[]).expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("is not empty") && stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(root.join("goldspan.toml")).expect("manifest"), manifest);
    assert!(!root.join("docs/new.txt").exists());

    let out = convert(&["--force"]).expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("added 1 document(s) to the existing corpus \"tiny\""), "{}", stdout(&out));
    let after = std::fs::read_to_string(root.join("goldspan.toml")).expect("manifest");
    // Everything but the splits is kept byte for byte; the new document joins split "all".
    let head = |m: &str| m.split("[splits]").next().expect("head").to_owned();
    assert_eq!(head(&after), head(&manifest));
    assert!(after.contains("all = [\n  \"new\",\n]"), "{after}");
    let out = goldspan().args(["validate"]).arg(&root).output().expect("run");
    assert!(out.status.success(), "{}", stdout(&out));

    // A label the corpus does not declare refuses the documents and writes nothing.
    std::fs::write(
        &input,
        "{\"id\": \"other\", \"text\": \"Zoë Brandt spoke.\", \"spans\": [{\"id\": \"T1\", \"layer\": \"entities\", \"label\": \"PER\", \"start\": 0, \"end\": 10}]}\n",
    )
    .expect("write");
    let out = convert(&["--force"]).expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("label \"PER\" is not declared"), "{}", stderr(&out));
    assert!(!root.join("docs/other.txt").exists());
    assert_eq!(std::fs::read_to_string(root.join("goldspan.toml")).expect("manifest"), after);
}

#[test]
fn convert_never_writes_over_its_input_and_replaces_a_file_only_with_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.jsonl");
    jsonl_with_id(&input, "d");
    let original = std::fs::read(&input).expect("input");
    for extra in [&[][..], &["--force"][..]] {
        let out = goldspan()
            .args(["convert", "--from", "jsonl", "--to", "jsonl"])
            .args(extra)
            .arg(&input)
            .arg(&input)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("is the input"), "{}", stderr(&out));
        assert_eq!(std::fs::read(&input).expect("input"), original);
    }
    // A gold corpus converted into the directory that holds it.
    let (_corpus_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let parent = root.parent().expect("parent").to_owned();
    let out =
        goldspan().args(["convert", "--from", "gold", "--to", "brat", "--force"]).arg(&root).arg(&parent).output();
    let out = out.expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds the input"), "{}", stderr(&out));

    let output = dir.path().join("out.jsonl");
    std::fs::write(&output, "keep me\n").expect("write");
    let convert = |extra: &[&str]| {
        goldspan().args(["convert", "--from", "jsonl", "--to", "jsonl"]).args(extra).arg(&input).arg(&output).output()
    };
    let out = convert(&[]).expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists") && stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&output).expect("output"), "keep me\n");
    let out = convert(&["--force"]).expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&output).expect("output").contains("\"id\":\"d\""));
}

#[cfg(unix)]
#[test]
fn symbolic_links_inside_brat_and_gold_inputs_are_not_followed_without_follow_symlinks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "the secret").expect("write");
    let brat = dir.path().join("brat");
    std::fs::create_dir_all(&brat).expect("mkdir");
    std::os::unix::fs::symlink(&secret, brat.join("x.txt")).expect("link");
    std::fs::write(brat.join("x.ann"), "").expect("write");
    let (_corpus_dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    std::fs::remove_file(corpus.join("docs/a.txt")).expect("rm");
    std::os::unix::fs::symlink(&secret, corpus.join("docs/a.txt")).expect("link");
    for (from, input) in [("brat", &brat), ("gold", &corpus)] {
        let output = dir.path().join(format!("{from}.jsonl"));
        let convert = |extra: &[&str]| {
            goldspan().args(["convert", "--from", from, "--to", "jsonl"]).args(extra).arg(input).arg(&output).output()
        };
        let out = convert(&[]).expect("run");
        assert_eq!(out.status.code(), Some(2), "--from {from}");
        let err = stderr(&out);
        assert!((err.contains("x.txt") || err.contains("a.txt")) && err.contains("symbolic link"), "{err}");
        assert!(err.contains(&secret.display().to_string()), "the link's target is named: {err}");
        assert!(!output.exists(), "--from {from} wrote {output:?}");
        if from == "brat" {
            let out = convert(&["--follow-symlinks"]).expect("run");
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(std::fs::read_to_string(&output).expect("output").contains("the secret"));
        }
    }
    let out = goldspan().args(["validate"]).arg(&corpus).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("symbolic link"), "{}", stdout(&out));
}

#[test]
fn markup_compile_refuses_two_files_with_one_id() {
    let (_dir, root) = copy_corpus(&goldspan_tests::tiny_corpus());
    let (first, second) = (root.join("one.gsm"), root.join("two.gsm"));
    std::fs::write(&first, "+++\nid = \"d\"\nsplit = \"dev\"\n+++\nFirst text.").expect("write");
    std::fs::write(&second, "+++\nid = \"d\"\nsplit = \"dev\"\n+++\nSecond text.").expect("write");
    let out = goldspan().args(["markup", "compile", "--corpus"]).arg(&root).arg(&first).arg(&second).output();
    let out = out.expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let s = stdout(&out);
    assert!(s.contains("two.gsm: document d: document id d comes from both") && s.contains("one.gsm"), "{s}");
    assert!(s.contains("nothing written"), "{s}");
    assert!(!root.join("docs/d.txt").exists());
}

#[test]
fn an_eval_with_a_mistyped_layer_or_no_modes_is_refused_not_scored_as_zero() {
    let (_dir, corpus) = copy_corpus(&goldspan_tests::tiny_corpus());
    let root = corpus.parent().expect("parent").to_owned();
    std::fs::create_dir_all(root.join("evals")).expect("mkdir");
    for (def, expected) in [
        ("layers = [\"entites\"]\n", "line 3: layer \"entites\" is not declared by corpus \"corpus\""),
        ("modes = []\n", "modes = [] scores nothing"),
        ("layers = []\n", "line 3: layers = [] scores nothing"),
    ] {
        let text = format!("corpus = \"corpus\"\nextractor = \"entities-rules\"\n{def}");
        std::fs::write(root.join("evals/typo.toml"), text).expect("write");
        for command in ["check", "run"] {
            let out = goldspan().current_dir(&root).args([command, "--no-cache"]).output().expect("run");
            assert_eq!(out.status.code(), Some(2), "{command} with {def}");
            assert!(stderr(&out).contains(expected), "{command} with {def}: {}", stderr(&out));
            assert!(!root.join("evals/snapshots").exists(), "no snapshot is written");
        }
    }
}

#[test]
fn jobs_out_of_range_is_a_usage_error() {
    for jobs in ["0", "20000", "18446744073709551615"] {
        let out = goldspan().args(["run", "--extractor", "quotes-rules", "--jobs", jobs]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "--jobs {jobs}");
        assert!(stderr(&out).contains("--jobs"), "{}", stderr(&out));
    }
}

/// `run`, `score` and `merge` refuse, before any work, an output that is one of their inputs
/// (however its path is spelled), one file named by two options, and an output whose path
/// runs through a file: the input is left as it was and nothing is written. The check comes
/// before the extractor starts (here one that does not exist), so hours of extraction never
/// end in an output that cannot be written.
#[test]
fn run_score_and_merge_never_write_over_an_input_and_check_their_outputs_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pred = dir.path().join("pred.jsonl");
    std::fs::copy(goldspan_tests::repo().join("tests/fixtures/tiny-pred.jsonl"), &pred).expect("copy");
    let original = std::fs::read(&pred).expect("predictions");
    let (p, d) = (pred.display().to_string(), dir.path().display().to_string());
    let file = format!("file:{p}");
    let run = ["run", "--corpus", "tests/fixtures/tiny", "--no-cache", "--extractor"];
    let cases: [(Vec<String>, String); 6] = [
        (
            // Read as file:FORMAT:PATH reads it.
            owned(&[&run[..], &[&format!("file:jsonl:{p}"), "--save-predictions", &p]].concat()),
            format!("the output {p} is the input"),
        ),
        (
            owned(&[&run[..], &[&file, "--save-predictions", &format!("{d}/./pred.jsonl")]].concat()),
            format!("the output {d}/./pred.jsonl is the input"),
        ),
        (
            owned(&["score", "--gold", "tests/fixtures/tiny", "--pred", &p, "--output", &p]),
            format!("the output {p} is the input"),
        ),
        (owned(&["merge", &p, "--output", &p]), format!("the output {p} is the input")),
        (
            owned(
                &[&run[..], &[&file, "--output", &format!("{d}/x.json"), "--report", &format!("{d}/sub/../x.json")]]
                    .concat(),
            ),
            format!("--output and --report both name {d}/sub/../x.json"),
        ),
        (
            owned(&[&run[..], &["cmd:/nonexistent/extractor", "--output", &format!("{p}/x.json")]].concat()),
            format!("cannot write {p}/x.json: {p} is a file, not a directory"),
        ),
    ];
    for (args, expected) in cases {
        let out = goldspan().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(&expected), "{args:?}: {}", stderr(&out));
        assert_eq!(std::fs::read(&pred).expect("predictions"), original, "{args:?}");
        assert_eq!(files_under(dir.path()), [PathBuf::from("pred.jsonl")], "{args:?}");
    }
}

/// Owned arguments from borrowed ones.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}
