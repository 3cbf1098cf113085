//! CLI tests: one binary, a module per command. Each runs the real `goldspan` binary.

mod agree;
mod cache;
mod check;
mod convert;
mod html;
mod llm;
mod markup;
mod merge;
mod names;
mod process;
mod project;
mod ratios;
mod readme;
mod report;
mod results;
mod run;
mod safe_writes;
mod saved;
mod score;
mod stats;
mod validate;

use assert_cmd::Command;

/// The `goldspan` binary, run from the repository root.
pub fn goldspan() -> Command {
    let mut cmd = Command::cargo_bin("goldspan").expect("goldspan binary");
    cmd.current_dir(goldspan_tests::repo());
    cmd
}

/// The misbehaving test extractor (examples/fault_extractor.rs), which cargo builds beside the
/// binary under test.
pub fn fault_extractor() -> String {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_goldspan"));
    let dir = bin.parent().expect("target directory");
    dir.join("examples").join(format!("fault_extractor{}", std::env::consts::EXE_SUFFIX)).display().to_string()
}

/// The first three documents of the news corpus's dev split.
pub fn dev_ids() -> Vec<String> {
    all_dev_ids().into_iter().take(3).collect()
}

/// Every document of the news corpus's dev split, in the order runs take them (by id).
pub fn all_dev_ids() -> Vec<String> {
    let corpus = goldspan_formats::gold::Corpus::open(goldspan_tests::repo().join("corpus/news")).expect("corpus");
    corpus.split_ids(Some("dev")).expect("dev split")
}

/// Copies a corpus directory into a temp dir so a test can change it.
pub fn copy_corpus(src: &std::path::Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(root.join("docs")).expect("mkdir");
    std::fs::copy(src.join("goldspan.toml"), root.join("goldspan.toml")).expect("copy");
    for e in std::fs::read_dir(src.join("docs")).expect("docs") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), root.join("docs").join(e.file_name())).expect("copy");
    }
    (dir, root)
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parses JSON a command wrote and checks it against the committed schema
/// `docs/schema/NAME.schema.json` (`results`, `snapshot`, `check`, `agreement`): every results
/// file the tests see is held to the published schema.
pub fn valid_json(schema: &str, text: &str) -> serde_json::Value {
    let path = goldspan_tests::repo().join("docs/schema").join(format!("{schema}.schema.json"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("committed schema")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON schema");
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let items = match &value {
        serde_json::Value::Array(items) if path.ends_with("results.schema.json") => items.clone(),
        other => vec![other.clone()],
    };
    for item in &items {
        let errors: Vec<String> = validator.iter_errors(item).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "output does not match {}:\n{}", path.display(), errors.join("\n"));
    }
    value
}

/// The generated section of corpus/news/README.md between `<!-- NAME:begin -->` and
/// `<!-- NAME:end -->` (tools/update-corpus-readme.sh writes them).
pub fn readme_section(name: &str) -> String {
    let readme = std::fs::read_to_string(goldspan_tests::repo().join("corpus/news/README.md")).expect("README");
    let (begin, end) = (format!("<!-- {name}:begin -->\n"), format!("<!-- {name}:end -->"));
    readme
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(s, _)| s.trim_end().to_owned())
        .unwrap_or_else(|| panic!("no {name} markers in corpus/news/README.md"))
}
