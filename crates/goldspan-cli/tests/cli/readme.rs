//! The README stays true: every command of its tour ("A five-minute tour": each ```sh block of
//! the section, and those of "Formats") runs, with the `goldspan` binary under test, in a fresh copy of the repository,
//! and exits 0 — from the copy's root, and (each command that names no path) from a
//! subdirectory of it. The tour opens with the main job of "The two commands", so that runs
//! both ways too. A command that stops working, or a flag that is renamed, fails this test
//! rather than a reader.
//!
//! Rules the tour keeps so that it can run here: commands start with `goldspan` (the alias line
//! is skipped); a line ending in `\` continues on the next; `#` starts a comment; files a
//! command writes go under `/tmp/`, which the test points at a temporary directory of its own;
//! inputs are files of the repository.

use std::path::{Path, PathBuf};

/// The commands of every ```sh block in the README section `heading`, continuation lines
/// joined, comments and the alias line dropped.
fn commands_of(section: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(goldspan_tests::repo().join("README.md")).expect("README");
    let start = readme.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("no section {section:?}"));
    let rest = &readme[start + 1..];
    let body = &rest[..rest[3..].find("\n## ").map_or(rest.len(), |end| end + 3)];
    let mut commands = Vec::new();
    for block in body.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let mut current = String::new();
        for line in block.lines() {
            // A comment is a `#` after a blank (not one inside a quoted argument: none has one).
            let code = line.split(" #").next().unwrap_or_default();
            let code = if code.trim_start().starts_with('#') { "" } else { code };
            match code.trim_end().strip_suffix('\\') {
                Some(head) => current.push_str(head),
                None => {
                    current.push_str(code);
                    let command = current.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !command.is_empty() && !command.starts_with("alias ") {
                        commands.push(command);
                    }
                    current.clear();
                }
            }
        }
    }
    commands
}

/// A fresh copy of the repository's tracked content that commands read: no cache, no build.
fn fresh_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = goldspan_tests::repo();
    for part in ["README.md", "corpus", "docs", "evals", "examples", "tests/fixtures"] {
        copy(&repo.join(part), &dir.path().join(part));
    }
    std::fs::create_dir(dir.path().join("tmp")).expect("mkdir");
    dir
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read dir").flatten() {
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

/// Runs `command` with `sh` in `dir`, `goldspan` being the binary under test and `/tmp/` the
/// copy's own `tmp/`.
fn sh(copy: &Path, dir: &Path, command: &str) -> std::process::Output {
    let tmp = format!("{}/", copy.join("tmp").display());
    let script = format!("goldspan() {{ \"$GOLDSPAN\" \"$@\"; }}\n{}", command.replace("/tmp/", &tmp));
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("GOLDSPAN", env!("CARGO_BIN_EXE_goldspan"))
        .output()
        .expect("sh runs")
}

fn assert_ran(command: &str, dir: &Path, out: &std::process::Output) {
    assert!(
        out.status.success(),
        "README command failed in {} ({:?}): {command}\n--- stdout\n{}\n--- stderr\n{}",
        dir.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_command_of_the_readme_tour_runs_from_a_fresh_copy_and_from_a_subdirectory() {
    // The tour, then the Label Studio example of the formats section.
    let commands: Vec<String> = [commands_of("A five-minute tour"), commands_of("Formats")].concat();
    assert!(commands.len() >= 40, "the tour's commands were not all found: {commands:#?}");
    assert!(commands.iter().all(|c| c.starts_with("goldspan ")), "{commands:#?}");
    // The main job is the tour's first command, so it runs here too (both ways).
    let main = commands_of("The two commands");
    let job = main.iter().find(|c| c.starts_with("cargo run")).expect("the main job");
    let args = job.split_once(" -- ").map(|(_, args)| args).expect("cargo run ... -- ARGS");
    assert_eq!(commands[0], format!("goldspan {args}"), "the tour starts with the main job");
    // Each pass in its own copy (the tour writes into its corpus), side by side.
    let from_root = std::thread::spawn({
        let commands = commands.clone();
        move || {
            let copy = fresh_copy();
            let root = copy.path().to_owned();
            for command in &commands {
                assert_ran(command, &root, &sh(&root, &root, command));
            }
        }
    });
    // From a subdirectory (under a corpus, whose goldspan.toml is not a project's): every
    // command that names no path finds the project by itself, and caches under its root.
    let copy = fresh_copy();
    let root = copy.path().to_owned();
    let sub: PathBuf = root.join("corpus/news/docs");
    let path_free: Vec<&String> = commands.iter().filter(|c| !c.contains('/')).collect();
    assert!(path_free.len() >= 8, "{path_free:#?}");
    for command in path_free {
        let out = sh(&root, &sub, command);
        assert_ran(command, &sub, &out);
        if command == &commands[0] {
            let text = String::from_utf8_lossy(&out.stdout);
            for eval in ["entities-rules", "quotes-rules", "structure-rules"] {
                assert!(text.contains(&format!("{eval} (")), "{eval} missing from the main job's output:\n{text}");
            }
        }
    }
    assert!(!sub.join(".goldspan-cache").exists(), "a cache in the working directory");
    assert!(root.join(".goldspan-cache").is_dir(), "no cache under the project root");
    if let Err(panic) = from_root.join() {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn the_tours_python_extractor_is_the_protocol_pages_worked_example() {
    let repo = goldspan_tests::repo();
    let page = std::fs::read_to_string(repo.join("docs/protocol.md")).expect("protocol page");
    let example = std::fs::read_to_string(repo.join("examples/capitalised.py")).expect("example");
    let blocks: Vec<&str> =
        page.split("```python\n").skip(1).filter_map(|b| b.split_once("```").map(|(code, _)| code)).collect();
    assert!(
        blocks.contains(&example.as_str()),
        "examples/capitalised.py differs from the worked example of docs/protocol.md"
    );
}
