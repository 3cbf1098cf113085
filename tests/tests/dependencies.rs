//! The layering ARCHITECTURE.md promises, checked on the real dependency tree: the data model
//! and the scoring engine carry no serialisation or threading crates, so neither can grow a
//! file format or a thread pool by accident.

use std::process::Command;

/// The crates in `package`'s normal (non-dev, non-build) dependency tree.
fn normal_dependencies(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--edges", "normal", "--prefix", "none", "--format", "{p}", "-p", package])
        .current_dir(goldspan_tests::repo())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn assert_free_of(package: &str, forbidden: &[&str]) {
    let deps = normal_dependencies(package);
    assert!(deps.iter().any(|d| d == package), "cargo tree listed nothing for {package}: {deps:?}");
    let found: Vec<&String> = deps.iter().filter(|d| forbidden.contains(&d.as_str())).collect();
    assert!(found.is_empty(), "{package} depends on {found:?}; keep these out of its tree (see ARCHITECTURE.md)");
}

#[test]
fn model_has_no_serde_toml_or_threads() {
    assert_free_of("goldspan-model", &["serde", "serde_json", "toml", "rayon"]);
}

#[test]
fn score_has_no_serde_toml_or_threads() {
    assert_free_of("goldspan-score", &["serde", "serde_json", "toml", "rayon"]);
}
