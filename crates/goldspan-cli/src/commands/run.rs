//! `goldspan run`: an extractor over a corpus, through the cache, scored; ad hoc or from evals.
//! Also `--list` (the evals and their snapshots), `--save-predictions` and `--output`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use goldspan_extract::Registry;
use goldspan_formats::gold;
use goldspan_report::HtmlInput;
use goldspan_runner::cache::CacheInputs;
use goldspan_runner::eval::{self, Eval};
use goldspan_runner::results::read_snapshot;
use goldspan_runner::{Config, FailureLimit, LabelMap, Results, RunConfig, RunOutcome};
use goldspan_score::{Mode, Options};

use crate::args::{OutputFormat, RunArgs};
use crate::progress::Bar;
use crate::project::{self, Project};
use crate::Outcome;

/// What to say when a run needs the project's evals and there is no project.
const NO_EVALS: &str = "name eval files, or give --extractor SPEC --corpus DIR for an ad hoc run";

pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    if args.list {
        return list(args);
    }
    let ids = args.ids.as_deref().map(read_ids).transpose()?;
    let mut evals = match &args.extractor {
        Some(spec) => vec![ad_hoc(args, spec)?],
        None => named_evals(args)?,
    };
    anyhow::ensure!(
        args.html.is_none() || evals.len() == 1,
        "--report shows one system, and {} evals would run: name one (goldspan run evals/NAME.toml --report FILE) or give --extractor",
        evals.len()
    );
    anyhow::ensure!(
        args.shard.is_none() || evals.len() == 1,
        "--shard runs one shard of one run, and {} evals would run: name one eval, or give --extractor",
        evals.len()
    );
    anyhow::ensure!(
        args.save_predictions.is_none() || evals.len() == 1,
        "--save-predictions saves one run's predictions, and {} evals would run: name one eval, or give --extractor",
        evals.len()
    );
    for e in &mut evals {
        e.run.fail_fast = args.fail_fast;
        e.run.max_line_bytes = args.max_line_bytes;
        if let Some(jobs) = args.jobs {
            e.run.jobs = jobs;
        }
        e.run.ids.clone_from(&ids);
        e.run.limit = args.limit;
        e.run.save_predictions.clone_from(&args.save_predictions);
        e.run.keep_documents = args.html.is_some();
        e.run.shard = args.shard;
        // A report shows the label confusions, which the error analysis counts.
        e.run.scoring.errors |= args.html.is_some() || args.report.errors();
        e.run.scoring.per_document |= args.report.by_document;
    }
    // Before any extraction: hours of it must not end in an output that cannot be written.
    let files_read: Vec<PathBuf> =
        evals.iter().filter_map(|e| goldspan_extract::file_spec_path(&e.run.extractor, e.run.dir.as_deref())).collect();
    let mut inputs: Vec<&Path> = args.evals.iter().chain(&files_read).map(PathBuf::as_path).collect();
    inputs.extend([&args.ids, &args.label_map].into_iter().flatten().map(PathBuf::as_path));
    inputs.extend(evals.iter().map(|e| e.run.corpus.as_path()));
    super::refuse_zst(&[("--output", args.output.as_ref()), ("--report", args.html.as_ref())])?;
    super::check_files_to_write(
        &inputs,
        &[
            ("--output", args.output.as_ref()),
            ("--save-predictions", args.save_predictions.as_ref()),
            ("--partial", args.partial.as_ref()),
            ("--report", args.html.as_ref()),
        ],
    )?;
    let options = super::report_options(&args.report, None)?;
    let registry = Registry::with_builtins();
    let mut text = String::new();
    let mut all = Vec::new();
    let mut extractor_failed = false;
    for e in &evals {
        let outcome = run_with_progress(&registry, &e.name, &e.run).with_context(|| format!("run {}", e.name))?;
        // Failures first, on stderr: how many, why, and what usually fixes it.
        crate::eprint(&crate::failures::summary(&e.name, &outcome));
        note_cache(&outcome);
        if outcome.attribution.is_none() {
            crate::eprint(&format!(
                "note: {}: quotations and their speakers are not scored: the corpus manifest has no [attribution] section\n",
                e.name
            ));
        }
        // A shard sees only its documents: the merge says what the whole run did not predict.
        if !outcome.not_predicted.is_empty() && args.shard.is_none() {
            crate::eprint(&format!(
                "note: {}: not predicted, so not scored: {} (--layer scores a layer anyway)\n",
                e.name,
                outcome.not_predicted.join(", ")
            ));
        }
        extractor_failed |= outcome.stopped.is_some()
            || match args.max_failures {
                Some(limit) => !limit.allows(outcome.failures.len(), outcome.documents()),
                None => outcome.all_failed(),
            };
        // A shard prints no results (the merge does); what it wrote goes to stderr, as other
        // files' notes do, so that stdout stays what --format asks for.
        if let Some(path) = &args.partial {
            crate::eprint(&write_partial(path, e, &outcome)?);
            continue;
        }
        let mut results = Results::of_run(&outcome, &e.run, e.bootstrap);
        let filter = super::error_filter(&args.report, &results)?;
        results = results.with_error_filter(filter);
        if args.report.by_document {
            results = results.with_per_document(&outcome.evaluation);
        }
        if let Some(path) = &args.html {
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
        let results = super::report::printed(&results, args.report.errors());
        match args.format {
            OutputFormat::Json => {}
            // A table of zeros from an extractor that answered nothing says nothing.
            OutputFormat::Table | OutputFormat::Markdown if outcome.all_failed() => {
                text.push_str(&format!("{}: no scores: the extractor failed on every document\n\n", e.name))
            }
            OutputFormat::Table => text.push_str(&goldspan_report::run_table(&e.name, &results, &options)),
            OutputFormat::Markdown => text.push_str(&goldspan_report::run_markdown(&e.name, &results, &options)),
        }
        all.push(results);
    }
    let json = || match all.as_slice() {
        [one] => goldspan_report::json(one),
        several => goldspan_report::json_list(several),
    };
    if let Some(path) = &args.output {
        goldspan_formats::write_atomic(path, json().as_bytes())
            .with_context(|| format!("cannot write the results to {}", path.display()))?;
    }
    if args.format == OutputFormat::Json && args.shard.is_none() {
        text = json();
    }
    super::finish(&text, if extractor_failed { Outcome::ExtractorFailed } else { Outcome::Ok })
}

/// Writes the partial result of a shard's run to `path`; says what it holds.
fn write_partial(path: &Path, e: &Eval, outcome: &RunOutcome) -> anyhow::Result<String> {
    let partial = goldspan_runner::Partial::of_run(outcome, &e.run, &e.name, e.bootstrap)?;
    goldspan_runner::write_partial(path, &partial, outcome)
        .with_context(|| format!("cannot write the partial result to {}", path.display()))?;
    Ok(format!(
        "{}: shard {}: {} of {} documents, partial result written to {}\n",
        e.name,
        partial.shard,
        partial.documents.len(),
        partial.run.documents,
        path.display()
    ))
}

/// The ad hoc eval of `--extractor`: the corpus given or the project's, scored on the layers
/// the extractor produced unless `--layer` names them.
fn ad_hoc(args: &RunArgs, spec: &str) -> anyhow::Result<Eval> {
    let modes = args.modes.iter().map(|m| m.parse::<Mode>()).collect::<Result<Vec<_>, _>>()?;
    let layers = (!args.layers.is_empty()).then(|| args.layers.iter().cloned().collect::<BTreeSet<_>>());
    let label_map = match &args.label_map {
        Some(p) => LabelMap::read(p)?,
        None => LabelMap::default(),
    };
    let corpus = project::corpus_or_default(args.corpus.as_deref())?;
    let cache = if args.no_cache {
        None
    } else if let Some(cache) = &args.cache {
        Some(cache.clone())
    } else if let Ok(project) = Project::find("") {
        Some(project.cache())
    } else {
        crate::eprint(
            "note: not inside a goldspan project: extractor outputs are not cached (--cache DIR caches them)\n",
        );
        None
    };
    let run = RunConfig {
        corpus,
        split: args.split.clone(),
        extractor: spec.to_owned(),
        jobs: args.jobs.unwrap_or_else(default_jobs),
        timeout: eval::seconds(args.timeout).map_err(|m| anyhow::anyhow!("--timeout {m}"))?,
        cache,
        cache_inputs: CacheInputs { env: args.cache_env.clone(), paths: args.cache_path.clone(), root: ".".into() },
        fail_fast: args.fail_fast,
        dir: None,
        max_line_bytes: args.max_line_bytes,
        scoring: Config {
            label_map,
            per_document: args.bootstrap > 0,
            ..Config::new(Options { layers, grounding: args.ground.grounding()?, ..Options::new(modes) })
        },
        ids: None,
        limit: None,
        predicted_layers: true,
        save_predictions: None,
        keep_documents: false,
        shard: None,
    };
    let bootstrap = (args.bootstrap > 0).then_some((args.bootstrap, args.seed));
    let max_failures = FailureLimit::Count(0);
    Ok(Eval { name: spec.to_owned(), path: "evals/adhoc.toml".into(), run, bootstrap, tolerance: 0.0, max_failures })
}

/// The evals named on the command line, or every eval of the project.
fn named_evals(args: &RunArgs) -> anyhow::Result<Vec<Eval>> {
    if args.evals.is_empty() {
        let dir = Project::find(NO_EVALS)?.evals();
        let all = eval::load_evals(&dir, cache_for(args, &dir).as_deref())?;
        anyhow::ensure!(!all.is_empty(), "no eval definitions in {}; give --extractor SPEC", dir.display());
        return Ok(all);
    }
    let mut all = Vec::new();
    for path in &args.evals {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let found: Vec<Eval> =
            eval::load_evals(dir, cache_for(args, dir).as_deref())?.into_iter().filter(|e| e.name == name).collect();
        anyhow::ensure!(!found.is_empty(), "{} is not an eval definition", path.display());
        all.extend(found);
    }
    Ok(all)
}

/// The cache of the evals in `evals_dir`: `--cache`, or `.goldspan-cache` beside the directory.
fn cache_for(args: &RunArgs, evals_dir: &Path) -> Option<PathBuf> {
    (!args.no_cache).then(|| args.cache.clone().unwrap_or_else(|| project::cache_beside(evals_dir)))
}

/// `--ids FILE`: one id per line; blank lines and `#` comments skipped.
fn read_ids(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read --ids {}", path.display()))?;
    let ids: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect();
    anyhow::ensure!(!ids.is_empty(), "--ids {} names no document", path.display());
    Ok(ids)
}

/// `goldspan run --list`: the evals (named, or every eval of the project) with what they run
/// on and the state of their snapshots.
fn list(args: &RunArgs) -> anyhow::Result<Outcome> {
    let evals = named_evals(args)?;
    let mut rows = Vec::new();
    for e in &evals {
        let snapshot = e.snapshot_path();
        let state = match read_snapshot(&snapshot)? {
            None => "missing".to_owned(),
            Some(Ok(_)) => "present".to_owned(),
            Some(Err(why)) => format!("malformed: {why}"),
        };
        rows.push(goldspan_report::EvalListing {
            corpus: e.run.corpus.display().to_string(),
            eval: e.name.clone(),
            extractor: e.run.extractor.clone(),
            layers: e.run.scoring.options.layers.iter().flatten().cloned().collect(),
            snapshot: snapshot.display().to_string(),
            snapshot_state: state,
            split: e.run.split.clone(),
        });
    }
    super::print(&match args.format {
        OutputFormat::Table => goldspan_report::eval_list_table(&rows, false),
        OutputFormat::Markdown => goldspan_report::eval_list_table(&rows, true),
        OutputFormat::Json => goldspan_report::eval_list_json(&rows),
    })?;
    Ok(Outcome::Ok)
}

/// Says what went wrong with the cache, each thing once however many evals run.
pub fn note_cache(outcome: &RunOutcome) {
    for note in &outcome.cache_notes {
        crate::eprint_once(&format!("{note}\n"));
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).min(goldspan_runner::eval::MAX_JOBS)
}

/// Runs one eval, with a progress bar on stderr when stderr is a terminal.
pub fn run_with_progress(registry: &Registry, name: &str, run: &RunConfig) -> anyhow::Result<RunOutcome> {
    let bar = Bar::new(name);
    let outcome = goldspan_runner::run(registry, run, &|p| bar.set(p.done, p.total, p.failed));
    drop(bar);
    Ok(outcome?)
}
