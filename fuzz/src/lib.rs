//! Fuzz targets: one function over arbitrary bytes for every reader, for scoring a (gold,
//! predictions) pair, for the snapshot reader and the gate, and for the printers; and a small
//! mutation fuzzer that runs them from the seed corpus in `fuzz/corpus/<target>/`.
//!
//! A target's only duty is not to panic (nor hang): bad input must come back as an error. The
//! targets take `&[u8]` exactly as `cargo fuzz` (libFuzzer) hands them over: `fuzz/cargo-fuzz/`
//! wraps each in a `fuzz_target!` for coverage-guided runs, and [`fuzz`] drives them without
//! libFuzzer, with byte-level mutations of the seeds for a bounded time, as the test suite does
//! for every target (`fuzz/tests/fuzz.rs`, `fuzz/README.md`).
#![warn(missing_docs)]

mod mutate;

use std::cell::RefCell;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use goldspan_formats::{conll, Format, ReadOptions};
use goldspan_model::{Location, Manifest, Problems};
use goldspan_runner::{Config, Gold, Results, RunInfo, Snapshot};
use goldspan_score::{Grounding, Mode, Options, Rule};

pub use mutate::Mutator;

/// One fuzz target: a name (its seed directory under `fuzz/corpus/`) and the function.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The name, also the seed directory.
    pub name: &'static str,
    /// Runs one input; must not panic.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target { name: "jsonl", run: jsonl },
    Target { name: "gold", run: gold },
    Target { name: "brat", run: brat },
    Target { name: "markup", run: markup },
    Target { name: "conll", run: conll },
    Target { name: "doccano", run: doccano },
    Target { name: "labelstudio", run: labelstudio },
    Target { name: "spacy", run: spacy },
    Target { name: "prodigy", run: prodigy },
    Target { name: "docbin", run: docbin },
    Target { name: "llmjson", run: llmjson },
    Target { name: "score", run: score },
    Target { name: "printers", run: printers },
    Target { name: "snapshot", run: snapshot },
    Target { name: "cachevalue", run: cachevalue },
];

/// The separator of the parts of a multi-file input (gold: `.ann`, `.txt`, `.meta.toml`;
/// score: gold and predictions).
pub const PART: u8 = 0;

/// The tiny corpus's manifest: the layers the gold, brat and markup targets read against.
const MANIFEST: &str = include_str!("../../tests/fixtures/tiny/goldspan.toml");

thread_local! {
    /// A scratch directory per thread, reused by every input.
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's empty scratch directory.
fn in_scratch<T>(f: impl FnOnce(&Path) -> T) -> T {
    SCRATCH.with(|cell| {
        let mut slot = cell.borrow_mut();
        let dir = slot.get_or_insert_with(|| tempfile::tempdir().expect("a scratch directory"));
        let path = dir.path().to_owned();
        for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            let p = entry.path();
            let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
        }
        drop(slot);
        f(&path)
    })
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("the harness cannot make {}: {e}", dir.display()));
    }
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .unwrap_or_else(|e| panic!("the harness cannot write {}: {e}", path.display()));
}

/// Up to `n` parts of `data` split at [`PART`] bytes (the last part keeps any further ones).
fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.splitn(n, |&b| b == PART).collect();
    parts.resize(n, &[]);
    parts
}

fn manifest() -> Manifest {
    in_scratch(|dir| {
        let path = dir.join("goldspan.toml");
        write(&path, MANIFEST.as_bytes());
        goldspan_formats::gold::read_manifest(&path).expect("the tiny manifest")
    })
}

/// Reads `data` as a file of `format`, with options chosen by its first byte (a manifest or
/// not, an offset unit).
fn read_file(format: Format, name: &str, data: &[u8]) {
    let options = options_from(data.first().copied().unwrap_or(0));
    in_scratch(|dir| {
        let path = dir.join(name);
        write(&path, data);
        let _ = format.read(&path, &options);
    });
}

fn options_from(byte: u8) -> ReadOptions {
    use goldspan_model::text::OffsetUnit;
    ReadOptions {
        manifest: (byte & 1 == 1).then(manifest),
        offset_unit: match (byte >> 1) % 5 {
            0 => None,
            n => OffsetUnit::ALL.get(usize::from(n - 1)).copied(),
        },
        ..ReadOptions::default()
    }
}

/// goldspan's interchange JSON Lines.
pub fn jsonl(data: &[u8]) {
    read_file(Format::Jsonl, "in.jsonl", data);
}

/// A gold corpus of one document: `.ann`, `.txt` and `.meta.toml` separated by [`PART`].
pub fn gold(data: &[u8]) {
    let [ann, txt, meta] = parts(data, 3)[..] else { return };
    in_scratch(|dir| {
        write(&dir.join("goldspan.toml"), MANIFEST.as_bytes());
        write(&dir.join("docs/d.ann"), ann);
        write(&dir.join("docs/d.txt"), txt);
        if !meta.is_empty() {
            write(&dir.join("docs/d.meta.toml"), meta);
        }
        let _ = goldspan_formats::gold::Corpus::validate(dir);
        let _ = Format::Gold.read(dir, &ReadOptions::default());
    });
}

/// A brat directory of one document: `.ann`, `.txt` and `annotation.conf` separated by
/// [`PART`] (no configuration when the last part is empty).
pub fn brat(data: &[u8]) {
    let [ann, txt, conf] = parts(data, 3)[..] else { return };
    in_scratch(|dir| {
        write(&dir.join("d.ann"), ann);
        write(&dir.join("d.txt"), txt);
        if !conf.is_empty() {
            write(&dir.join("annotation.conf"), conf);
        }
        let _ = Format::Brat.read(dir, &ReadOptions::default());
    });
}

/// Inline markup, compiled against the tiny manifest.
pub fn markup(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let mut problems = Problems::default();
    let _ = goldspan_formats::markup::compile(source, &manifest(), &Location::file("in.gsm"), &mut problems);
}

/// CoNLL files of every dialect (detected), in a tagging scheme chosen by the first byte.
pub fn conll(data: &[u8]) {
    let first = data.first().copied().unwrap_or(0);
    let scheme = conll::Scheme::ALL[usize::from(first) % conll::Scheme::ALL.len()];
    let options = ReadOptions { scheme, ..ReadOptions::default() };
    in_scratch(|dir| {
        let path = dir.join("in.conll");
        write(&path, data);
        let _ = Format::Conll.read(&path, &options);
    });
}

/// doccano JSONL exports.
pub fn doccano(data: &[u8]) {
    read_file(Format::Doccano, "in.jsonl", data);
}

/// Label Studio JSON and JSON-MIN exports.
pub fn labelstudio(data: &[u8]) {
    read_file(Format::LabelStudio, "in.json", data);
}

/// spaCy JSONL.
pub fn spacy(data: &[u8]) {
    read_file(Format::Spacy, "in.jsonl", data);
}

/// Prodigy JSONL.
pub fn prodigy(data: &[u8]) {
    read_file(Format::Prodigy, "in.jsonl", data);
}

/// spaCy DocBin (`.spacy`).
pub fn docbin(data: &[u8]) {
    read_file(Format::DocBin, "in.spacy", data);
}

/// The mapping files of examples/llm/schemas/, one for each shape of answer.
const LLM_SCHEMAS: [&str; 4] = [
    include_str!("../../examples/llm/schemas/by-label.toml"),
    include_str!("../../examples/llm/schemas/entities-quotes.toml"),
    include_str!("../../examples/llm/schemas/openai-batch.toml"),
    include_str!("../../examples/llm/schemas/anthropic-batch.toml"),
];

/// Language models' answers (`llm-json`), read with the tiny manifest when the first byte is
/// odd, and with the example schema its next two bits choose (`{` chooses entities-quotes).
pub fn llmjson(data: &[u8]) {
    let byte = data.first().copied().unwrap_or(0);
    let manifest = (byte & 1 == 1).then(manifest);
    let schema = LLM_SCHEMAS[usize::from(byte >> 1) % LLM_SCHEMAS.len()];
    in_scratch(|dir| {
        let schema_path = dir.join("schema.toml");
        write(&schema_path, schema.as_bytes());
        let path = dir.join("answers.jsonl");
        write(&path, data);
        let options = ReadOptions { manifest, schema: Some(schema_path), ..ReadOptions::default() };
        let _ = Format::LlmJson.read(&path, &options);
    });
}

/// Scores predictions against gold, both interchange JSON Lines separated by [`PART`], in every
/// mode; returns the results when the inputs were good.
fn evaluate(data: &[u8]) -> Option<Results> {
    let [gold, pred] = parts(data, 2)[..] else { return None };
    in_scratch(|dir| {
        let (gold_path, pred_path) = (dir.join("gold.jsonl"), dir.join("pred.jsonl"));
        write(&gold_path, gold);
        write(&pred_path, pred);
        let gold = Gold::open(&gold_path, None, None).ok()?;
        let modes = vec![
            Mode::Strict,
            Mode::Exact,
            Mode::Partial,
            Mode::Type,
            Mode::Overlap { permille: 500 },
            Mode::Tokens,
            Mode::Mentions,
        ];
        // Predictions given as text are placed by the rule that does the most work.
        let mut grounding = Grounding::default();
        grounding.rule = Rule::Fuzzy;
        let config = Config {
            slices: vec!["domain".into()],
            per_document: true,
            errors: true,
            ..Config::new(Options { grounding, ..Options::new(modes.clone()) })
        };
        let eval = goldspan_runner::evaluate(&gold, &pred_path, &config).ok()?;
        let info = RunInfo {
            gold: "gold".into(),
            split: None,
            predictions: "pred.jsonl".into(),
            modes,
            bootstrap: None,
            label_map: false,
            per_document: true,
            grounding,
        };
        Some(Results::new(&eval, &info))
    })
}

/// Scoring a (gold, predictions) pair of interchange files separated by [`PART`].
pub fn score(data: &[u8]) {
    let _ = evaluate(data);
}

/// The results printers (table, Markdown, JSON) and the snapshot made from them, on the
/// results of scoring a (gold, predictions) pair.
pub fn printers(data: &[u8]) {
    let Some(results) = evaluate(data) else { return };
    let _ = goldspan_report::table(&results);
    let _ = goldspan_report::markdown(&results);
    let _ = goldspan_report::json(&results);
    let wide =
        goldspan_report::ReportOptions { by_label: goldspan_report::ByLabel::All, by_document: true, width: Some(40) };
    for options in [goldspan_report::ReportOptions::default(), wide] {
        let _ = goldspan_report::run_table("fuzz", &results, &options);
        let _ = goldspan_report::run_markdown("fuzz", &results, &options);
    }
    let snapshot = Snapshot::of("fuzz", &results);
    let back = Snapshot::parse(&snapshot.to_json());
    assert!(back.is_ok(), "a snapshot goldspan writes must read back: {back:?}");
}

/// The snapshot reader, and the gate comparing a snapshot read with itself.
pub fn snapshot(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(snapshot) = Snapshot::parse(text) {
        let _ = goldspan_runner::gate(&snapshot, &snapshot, 0.001);
        let _ = snapshot.to_json();
    }
}

/// A cached output's stored value (`goldspan_runner::cache::value`): any bytes decode to an
/// error, or to annotations that encode back to a value decoding to the same.
pub fn cachevalue(data: &[u8]) {
    use goldspan_runner::cache::value;
    if let Ok(decoded) = value::decode(data) {
        let again = value::decode(&value::encode(&decoded.0, &decoded.1));
        assert_eq!(again, Ok(decoded), "a decoded value encodes back to itself");
    }
}

/// What a fuzzing run of one target did.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs run (seeds and mutants).
    pub executions: u64,
    /// Inputs that panicked, with the panic message, each also written to the crash directory.
    pub crashes: Vec<(PathBuf, String)>,
    /// Inputs that took longer than the hang limit (a finding like a crash).
    pub slow: Vec<(PathBuf, Duration)>,
    /// The slowest input.
    pub slowest: Duration,
}

/// How long one input may take before it counts as a hang.
pub const HANG: Duration = Duration::from_secs(5);

/// Runs `target` on every seed in `seeds`, then on mutants of them until `budget` has passed
/// (at least once over the seeds). A panicking or hanging input is saved under `crashes/`
/// (named after the target and the input's hash) and reported.
pub fn fuzz(target: &Target, seeds: &[Vec<u8>], budget: Duration, seed: u64, crashes: &Path) -> Report {
    let mut report = Report::default();
    let mut mutator = Mutator::new(seed);
    let started = Instant::now();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
    }));
    let run = |input: &[u8], report: &mut Report| {
        report.executions += 1;
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(|| (target.run)(input));
        let elapsed = t.elapsed();
        report.slowest = report.slowest.max(elapsed);
        if outcome.is_err() || elapsed > HANG {
            let path = crashes.join(format!("{}-{:016x}", target.name, mutate::hash(input)));
            let _ = std::fs::create_dir_all(crashes);
            let _ = std::fs::write(&path, input);
            if outcome.is_err() {
                let message = LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
                report.crashes.push((path, message));
            } else {
                report.slow.push((path, elapsed));
            }
        }
    };
    for s in seeds {
        run(s, &mut report);
    }
    if !seeds.is_empty() {
        while started.elapsed() < budget {
            let input = mutator.mutant(seeds);
            run(&input, &mut report);
        }
    }
    std::panic::set_hook(previous);
    report
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The seed inputs of `target`: every file in `fuzz/corpus/<name>/`, sorted by name.
pub fn seeds(corpus: &Path, target: &Target) -> Vec<Vec<u8>> {
    let dir = corpus.join(target.name);
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_input_is_reported_and_saved() {
        let target = Target { name: "boom", run: |d| assert!(!d.contains(&b'!'), "boom at a '!'") };
        let dir = tempfile::tempdir().expect("temp dir");
        let report = fuzz(&target, &[b"a!".to_vec()], Duration::ZERO, 1, dir.path());
        assert_eq!(report.executions, 1);
        let [(path, message)] = &report.crashes[..] else { panic!("one crash: {report:?}") };
        assert!(message.contains("boom at a '!'"), "{message}");
        assert_eq!(std::fs::read(path).expect("saved"), b"a!");
    }

    #[test]
    fn parts_split_at_nul_bytes_and_pad_with_empty_ones() {
        assert_eq!(parts(b"a\0b\0c\0d", 3), [&b"a"[..], b"b", b"c\0d"]);
        assert_eq!(parts(b"a", 3), [&b"a"[..], b"", b""]);
    }
}
