//! `goldspan run`: an extractor over a corpus, through the cache, scored; ad hoc or from evals.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use goldspan_extract::Registry;
use goldspan_runner::eval::{self, Eval};
use goldspan_runner::{Config, LabelMap, Results, RunConfig, RunOutcome};
use goldspan_score::{Mode, Options};

use super::print;
use crate::args::{OutputFormat, RunArgs};
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
            scoring: Config {
                options: Options { modes, layers, attribution: None },
                label_map: LabelMap::default(),
                slices: Vec::new(),
                per_document: args.bootstrap > 0,
                errors: false,
            },
        };
        let bootstrap = (args.bootstrap > 0).then_some((args.bootstrap, args.seed));
        vec![Eval { name: spec.clone(), path: "evals/adhoc.toml".into(), run, bootstrap, tolerance: 0.0 }]
    } else if args.evals.is_empty() {
        // No eval named and no extractor: every eval in ./evals.
        let mut all = eval::load_evals(Path::new("evals"), cache)?;
        anyhow::ensure!(!all.is_empty(), "no eval definitions in evals/; give --extractor SPEC");
        for e in &mut all {
            e.run.fail_fast = args.fail_fast;
            if let Some(jobs) = args.jobs {
                e.run.jobs = jobs;
            }
        }
        all
    } else {
        let mut all = Vec::new();
        for path in &args.evals {
            let dir = path.parent().unwrap_or(Path::new("."));
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let mut found: Vec<Eval> = eval::load_evals(dir, cache)?.into_iter().filter(|e| e.name == name).collect();
            anyhow::ensure!(!found.is_empty(), "{} is not an eval definition", path.display());
            for e in &mut found {
                e.run.fail_fast = args.fail_fast;
                if let Some(jobs) = args.jobs {
                    e.run.jobs = jobs;
                }
            }
            all.extend(found);
        }
        all
    };
    let registry = Registry::with_builtins();
    let mut all = Vec::new();
    for e in &evals {
        let outcome = run_with_progress(&registry, &e.run).with_context(|| format!("run {}", e.name))?;
        if outcome.attribution.is_none() {
            eprintln!("note: {}: quotations and their speakers are not scored: the corpus manifest has no [attribution] section", e.name);
        }
        all.push(Results::of_run(&outcome, &e.run, e.bootstrap));
    }
    let text = match args.format {
        OutputFormat::Json if all.len() == 1 => goldspan_report::json(&all[0]),
        OutputFormat::Json => goldspan_report::json_list(&all),
        OutputFormat::Table => evals.iter().zip(&all).map(|(e, r)| goldspan_report::run_table(&e.name, r)).collect(),
        OutputFormat::Markdown => {
            evals.iter().zip(&all).map(|(e, r)| goldspan_report::run_markdown(&e.name, r)).collect()
        }
    };
    print(&text)?;
    Ok(Outcome::Ok)
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Runs one eval, with a progress line (documents/s, ETA) on stderr when stdout is a terminal.
pub fn run_with_progress(registry: &Registry, run: &RunConfig) -> anyhow::Result<RunOutcome> {
    let show = std::io::stdout().is_terminal();
    let started = Instant::now();
    let progress = move |done: usize, total: usize| {
        if !show {
            return;
        }
        let elapsed = started.elapsed().as_secs_f64().max(1e-9);
        let rate = done as f64 / elapsed;
        let eta = if rate > 0.0 { (total - done) as f64 / rate } else { 0.0 };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r  {done}/{total} documents, {rate:.1} docs/s, ETA {eta:.0}s   ");
        if done == total {
            let _ = writeln!(err);
        }
    };
    Ok(goldspan_runner::run(registry, run, &progress)?)
}
