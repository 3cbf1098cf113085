//! `goldspan run`: an extractor over a corpus, through the cache, scored; ad hoc or from evals.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use goldspan_extract::Registry;
use goldspan_formats::gold;
use goldspan_report::HtmlInput;
use goldspan_runner::eval::{self, Eval};
use goldspan_runner::{Config, FailureLimit, LabelMap, Results, RunConfig, RunOutcome};
use goldspan_score::{Mode, Options};

use crate::args::{OutputFormat, RunArgs};
use crate::progress::Bar;
use crate::Outcome;

pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let cache = (!args.no_cache).then_some(args.cache.as_path());
    let evals: Vec<Eval> = if let Some(spec) = &args.extractor {
        let modes = args.modes.iter().map(|m| m.parse::<Mode>()).collect::<Result<Vec<_>, _>>()?;
        let layers = (!args.layers.is_empty()).then(|| args.layers.iter().cloned().collect::<BTreeSet<_>>());
        let run = RunConfig {
            corpus: args.corpus.clone(),
            split: args.split.clone(),
            extractor: spec.clone(),
            jobs: args.jobs.unwrap_or_else(default_jobs),
            timeout: eval::seconds(args.timeout).map_err(|m| anyhow::anyhow!("--timeout {m}"))?,
            cache: cache.map(Path::to_owned),
            fail_fast: args.fail_fast,
            dir: None,
            max_line_bytes: args.max_line_bytes,
            scoring: Config {
                options: Options { modes, layers, attribution: None },
                label_map: LabelMap::default(),
                slices: Vec::new(),
                per_document: args.bootstrap > 0,
                errors: args.report.is_some(),
            },
        };
        let bootstrap = (args.bootstrap > 0).then_some((args.bootstrap, args.seed));
        let max_failures = FailureLimit::Count(0);
        vec![Eval { name: spec.clone(), path: "evals/adhoc.toml".into(), run, bootstrap, tolerance: 0.0, max_failures }]
    } else if args.evals.is_empty() {
        // No eval named and no extractor: every eval in ./evals.
        let mut all = eval::load_evals(Path::new("evals"), cache)?;
        anyhow::ensure!(!all.is_empty(), "no eval definitions in evals/; give --extractor SPEC");
        for e in &mut all {
            e.run.fail_fast = args.fail_fast;
            e.run.max_line_bytes = args.max_line_bytes;
            if let Some(jobs) = args.jobs {
                e.run.jobs = jobs;
            }
        }
        all
    } else {
        let mut all = Vec::new();
        for path in &args.evals {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let mut found: Vec<Eval> = eval::load_evals(dir, cache)?.into_iter().filter(|e| e.name == name).collect();
            anyhow::ensure!(!found.is_empty(), "{} is not an eval definition", path.display());
            for e in &mut found {
                e.run.fail_fast = args.fail_fast;
                e.run.max_line_bytes = args.max_line_bytes;
                if let Some(jobs) = args.jobs {
                    e.run.jobs = jobs;
                }
            }
            all.extend(found);
        }
        all
    };
    if args.report.is_some() {
        anyhow::ensure!(
            evals.len() == 1,
            "--report shows one system, and {} evals would run: name one (goldspan run evals/NAME.toml --report FILE) or give --extractor",
            evals.len()
        );
    }
    let mut evals = evals;
    for e in &mut evals {
        // A report shows the label confusions, which the error analysis counts.
        e.run.scoring.errors |= args.report.is_some();
    }
    let registry = Registry::with_builtins();
    let mut text = String::new();
    let mut all = Vec::new();
    let mut extractor_failed = false;
    for e in &evals {
        let outcome = run_with_progress(&registry, &e.name, &e.run).with_context(|| format!("run {}", e.name))?;
        // Failures first, on stderr: how many, why, and what usually fixes it.
        crate::eprint(&crate::failures::summary(&e.name, &outcome));
        if outcome.attribution.is_none() {
            crate::eprint(&format!(
                "note: {}: quotations and their speakers are not scored: the corpus manifest has no [attribution] section\n",
                e.name
            ));
        }
        extractor_failed |= outcome.stopped.is_some()
            || match args.max_failures {
                Some(limit) => !limit.allows(outcome.failures.len(), outcome.documents()),
                None => outcome.all_failed(),
            };
        let results = Results::of_run(&outcome, &e.run, e.bootstrap);
        if let Some(path) = &args.report {
            let manifest = gold::read_manifest(&e.run.corpus.join("goldspan.toml")).ok();
            let input = HtmlInput {
                results: &results,
                documents: &outcome.documents,
                baseline: None,
                attribution: outcome.attribution.as_ref(),
                splits: super::report::splits(manifest.as_ref()),
                budget: goldspan_report::DOCUMENT_BUDGET,
            };
            super::report::write(path, &goldspan_report::html(&input))?;
        }
        let results = super::report::printed(&results, false);
        match args.format {
            OutputFormat::Json => {}
            // A table of zeros from an extractor that answered nothing says nothing.
            OutputFormat::Table | OutputFormat::Markdown if outcome.all_failed() => {
                text.push_str(&format!("{}: no scores: the extractor failed on every document\n\n", e.name))
            }
            OutputFormat::Table => text.push_str(&goldspan_report::run_table(&e.name, &results)),
            OutputFormat::Markdown => text.push_str(&goldspan_report::run_markdown(&e.name, &results)),
        }
        all.push(results);
    }
    match args.format {
        OutputFormat::Json if all.len() == 1 => text = goldspan_report::json(&all[0]),
        OutputFormat::Json => text = goldspan_report::json_list(&all),
        OutputFormat::Table | OutputFormat::Markdown => {}
    }
    super::finish(&text, if extractor_failed { Outcome::ExtractorFailed } else { Outcome::Ok })
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Runs one eval, with a progress bar on stderr when stderr is a terminal.
pub fn run_with_progress(registry: &Registry, name: &str, run: &RunConfig) -> anyhow::Result<RunOutcome> {
    let bar = Bar::new(name);
    let outcome = goldspan_runner::run(registry, run, &|p| bar.set(p.done, p.total, p.failed));
    drop(bar);
    Ok(outcome?)
}
