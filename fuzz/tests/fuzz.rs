//! The fuzz run of the test suite: every target over its seeds, then over mutants of them for
//! `GOLDSPAN_FUZZ_SECONDS` seconds (default 5), printing the executions; any panic or hang is
//! a failure that names the saved input. One test per target, so the runner spreads them over
//! the cores.

use std::path::{Path, PathBuf};
use std::time::Duration;

use goldspan_fuzz::{fuzz, seeds, Target, TARGETS};

fn budget() -> Duration {
    let seconds = std::env::var("GOLDSPAN_FUZZ_SECONDS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(5.0);
    Duration::from_secs_f64(seconds.max(0.0))
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Shows up to 400 bytes of an input, escaped.
fn shown(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let head: String = bytes.iter().take(400).flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect();
    format!("{head}{}", if bytes.len() > 400 { "…" } else { "" })
}

fn run(name: &str) {
    let target: &Target = TARGETS.iter().find(|t| t.name == name).expect("a target");
    let seeds = seeds(&corpus(), target);
    assert!(!seeds.is_empty(), "no seeds in fuzz/corpus/{name}");
    let crashes = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
    // The same mutants every run, different for each target.
    let seed = goldspan_fuzz::Mutator::seed_for(name);
    let report = fuzz(target, &seeds, budget(), seed, &crashes);
    println!(
        "fuzz {name}: {} executions ({} seeds), {} crashes, {} hangs, slowest input {:.1} ms",
        report.executions,
        seeds.len(),
        report.crashes.len(),
        report.slow.len(),
        report.slowest.as_secs_f64() * 1000.0
    );
    let mut failures: Vec<String> = report
        .crashes
        .iter()
        .map(|(path, message)| format!("{}: {message}\n  input: {}", path.display(), shown(path)))
        .collect();
    failures.extend(
        report
            .slow
            .iter()
            .map(|(path, t)| format!("{}: took {:.1} s\n  input: {}", path.display(), t.as_secs_f64(), shown(path))),
    );
    assert!(failures.is_empty(), "fuzz {name}: {} failing input(s):\n{}", failures.len(), failures.join("\n"));
}

macro_rules! targets {
    ($($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        #[test]
        fn every_target_has_a_test() {
            let tested = [$(stringify!($name)),*];
            let all: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            assert_eq!(tested.to_vec(), all);
        }
    };
}

targets!(
    jsonl,
    gold,
    brat,
    markup,
    conll,
    doccano,
    labelstudio,
    spacy,
    prodigy,
    docbin,
    llmjson,
    score,
    printers,
    snapshot,
    cachevalue
);
