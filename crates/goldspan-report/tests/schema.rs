//! The JSON schemas in docs/schema/ are generated from the types that write the JSON, and
//! every JSON document the repository commits validates against its schema.
//!
//! When a type changes on purpose, regenerate the committed schemas with
//! `GOLDSPAN_UPDATE_SCHEMAS=1 cargo nextest run -p goldspan-report --test schema`, read the
//! diff, and bump the schema version (`goldspan.results/1` → `/2`) if documents change.

use std::path::{Path, PathBuf};

use goldspan_report::{AgreementResults, CheckReport};
use goldspan_runner::{Partial, Results, Snapshot};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed schema NAME.schema.json, after checking it equals the generated one.
fn committed(name: &str, generated: schemars::Schema) -> serde_json::Value {
    let path = repo().join("docs/schema").join(format!("{name}.schema.json"));
    let text = serde_json::to_string_pretty(&generated).expect("schema serialises") + "\n";
    if std::env::var_os("GOLDSPAN_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &text).expect("write schema");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{} differs from the schema the code generates; if the change is deliberate, run \
         `GOLDSPAN_UPDATE_SCHEMAS=1 cargo nextest run -p goldspan-report --test schema`, review the diff \
         and bump the schema version",
        path.display()
    );
    serde_json::from_str(&text).expect("schema is JSON")
}

/// Validates every `*.json` in `dir` against `schema`.
fn validate_all(schema: &serde_json::Value, dir: &Path) -> usize {
    let validator = jsonschema::validator_for(schema).expect("a valid JSON schema");
    let mut n = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{} does not match its schema:\n{}", path.display(), errors.join("\n"));
        n += 1;
    }
    n
}

#[test]
fn committed_results_schema_is_generated_and_every_expected_results_file_matches_it() {
    let schema = committed("results", schemars::schema_for!(Results));
    assert!(validate_all(&schema, &repo().join("tests/fixtures/results")) >= 14);
}

#[test]
fn committed_snapshot_schema_is_generated_and_every_eval_snapshot_matches_it() {
    let schema = committed("snapshot", schemars::schema_for!(Snapshot));
    assert!(validate_all(&schema, &repo().join("evals/snapshots")) >= 3);
}

/// The committed partial result of `goldspan.partial/1`, written by `goldspan run --extractor
/// quotes-rules --corpus tests/fixtures/tiny --no-cache --bootstrap 20 --errors --shard 0/2
/// --partial tests/fixtures/partial/tiny-0-of-2.jsonl`: this version must keep loading.
#[test]
fn committed_partial_schema_is_generated_and_the_committed_partial_matches_it_and_loads() {
    let schema = committed("partial", schemars::schema_for!(Partial));
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON schema");
    let path = repo().join("tests/fixtures/partial/tiny-0-of-2.jsonl");
    let text = std::fs::read_to_string(&path).expect("committed partial");
    let header: serde_json::Value = serde_json::from_str(text.lines().next().expect("a header")).expect("JSON");
    let errors: Vec<String> = validator.iter_errors(&header["header"]["partial"]).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let partial = goldspan_runner::read_partial(&path).expect("loads");
    assert_eq!(partial.shard.to_string(), "0/2");
    assert_eq!((partial.run.documents, partial.documents.len()), (3, partial.total.documents as usize));
    // Not everything validates: a results document is not a partial.
    assert!(!validator.is_valid(&serde_json::json!({"schema": "goldspan.results/1"})));
}

#[test]
fn committed_check_and_agreement_schemas_are_generated() {
    committed("check", schemars::schema_for!(CheckReport));
    committed("agreement", schemars::schema_for!(AgreementResults));
}

#[test]
fn the_results_schema_rejects_what_is_not_results() {
    let schema = committed("results", schemars::schema_for!(Results));
    let validator = jsonschema::validator_for(&schema).expect("schema");
    let good: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures/results/score-default.json")).expect("fixture"),
    )
    .expect("JSON");
    assert!(validator.is_valid(&good));
    let mut bad = good.clone();
    bad["total"]["layers"]["entities"]["strict"]["micro"]["f1"] = serde_json::json!(1.5);
    assert!(!validator.is_valid(&bad), "a ratio above 1");
    let mut bad = good.clone();
    bad["total"]["layers"]["entities"]["strict"]["micro"]["cor"] = serde_json::json!("4");
    assert!(!validator.is_valid(&bad), "a count as a string");
    let mut bad = good;
    bad["totl"] = serde_json::json!({});
    assert!(!validator.is_valid(&bad), "an unknown section");
}
