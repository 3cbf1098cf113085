//! `goldspan score`: predictions against gold, or the two tag columns of one CoNLL file, as a
//! table, Markdown or JSON. Predictions saved by `goldspan run --save-predictions` score to
//! the results the run reported: their header names the run's extractor, split, documents,
//! failures and layers, which `score` takes as its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use goldspan_formats::{gold, Format, ReadOptions};
use goldspan_report::{Baseline, HtmlInput};
use goldspan_runner::pairs::{match_pairs, read_pairs, Pair};
use goldspan_runner::results::{paired_comparison, paired_metrics, TagScores};
use goldspan_runner::{
    conll_pairs, evaluate_documents, evaluate_with_progress, leave_out_other_layers, read_saved_run, score_pairs,
    Config, Evaluation, Gold, LabelMap, Results, RunInfo, SavedRun,
};
use goldspan_score::tags::TagCounts;
use goldspan_score::{Mode, Options};

use super::{error_filter, note_attribution, print_with, report_options};
use crate::args::{OutputFormat, ScoreArgs};
use crate::progress::Bar;
use crate::Outcome;

/// The name of the token-level tag comparison among the modes (`--mode tags`).
const TAGS: &str = "tags";

pub fn run(args: &ScoreArgs) -> anyhow::Result<Outcome> {
    let inputs: Vec<&Path> = [&args.gold, &args.pred, &args.against, &args.manifest, &args.label_map, &args.conll.file]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    let outputs = [("--output", args.output.as_ref()), ("--report", args.html.as_ref())];
    super::refuse_zst(&outputs)?;
    super::check_files_to_write(&inputs, &outputs)?;
    let tags = args.modes.iter().any(|m| m == TAGS);
    anyhow::ensure!(
        !tags || args.conll.file.is_some(),
        "--mode tags compares gold and predicted tags token by token: give them as the two columns of one CoNLL \
         file with --conll FILE"
    );
    let modes = args.modes.iter().filter(|m| *m != TAGS).map(|m| m.parse::<Mode>()).collect::<Result<Vec<_>, _>>()?;
    let manifest = match &args.manifest {
        Some(p) => Some(gold::read_manifest(p).with_context(|| format!("cannot read manifest {}", p.display()))?),
        None => None,
    };
    let label_map = match &args.label_map {
        Some(p) => LabelMap::read(p)?,
        None => LabelMap::default(),
    };
    let layers = (!args.layers.is_empty()).then(|| args.layers.iter().cloned().collect::<BTreeSet<_>>());
    let mut config = Config {
        options: Options {
            layers,
            grounding: args.ground.grounding()?,
            matching: args.compat.matching(),
            ..Options::new(modes.clone())
        },
        label_map,
        slices: args.slices.clone(),
        per_document: args.bootstrap > 0 || args.per_document || args.against.is_some() || args.report.by_document,
        // A report shows the label confusions, which the error analysis counts.
        errors: args.report.errors() || args.html.is_some(),
        only_predicted: args.only_predicted,
    };
    let mut saved_run = None;
    let options = report_options(&args.report, Some(&modes))?;
    // The documents with their predictions, for a report: the system's, then the baseline's.
    let mut documents: Vec<Vec<Pair>> = Vec::new();
    let mut report_manifest: Option<goldspan_model::Manifest> = None;
    let mut tag_scores = None;
    let (eval, against, info) = match (&args.conll.file, &args.gold, &args.pred) {
        (Some(file), _, _) => {
            if tags {
                tag_scores = Some(score_tags(file, args)?);
                if args.label_map.is_some() {
                    crate::eprint("note: --mode tags compares the tags as the file writes them; --label-map maps the spans only\n");
                }
            }
            let (eval, info, pairs) = score_conll(file, args, manifest, &config)?;
            documents.extend(pairs);
            (eval, None, info)
        }
        (None, Some(gold_path), Some(pred)) => {
            // Predictions are read more than once (the header, the records, again for a
            // report): a pipe's are copied first.
            let streams = match args.pred_format {
                Format::Jsonl => std::iter::once(pred).chain(&args.against).map(PathBuf::as_path).collect(),
                _ => Vec::new(),
            };
            let _copies =
                goldspan_formats::jsonl::spool(streams).context("cannot copy predictions given through a pipe")?;
            let saved = match args.pred_format {
                Format::Jsonl => read_saved_run(pred).with_context(|| format!("cannot read {}", pred.display()))?,
                _ => None,
            };
            let split = split_to_score(args, gold_path, pred, saved.as_ref())?;
            let mut gold = Gold::open(gold_path, split.as_deref(), manifest)
                .with_context(|| format!("cannot read gold {}", gold_path.display()))?;
            if let Some(run) = &saved {
                adopt_saved_run(run, pred, &mut gold, &mut config)?;
            }
            config.check_names(&gold)?;
            args.read.check_for(args.pred_format)?;
            let score = |path: &Path| -> anyhow::Result<(Evaluation, Option<Vec<Pair>>)> {
                let report = args.html.is_some();
                let (eval, pairs) = if args.pred_format == Format::Jsonl {
                    let bar = Bar::new(&format!("score {}", path.display()));
                    let total = gold.ids().len();
                    let eval = evaluate_with_progress(&gold, path, &config, &|done| bar.set(done, total, 0));
                    drop(bar);
                    let pairs = match (&eval, report) {
                        (Ok(_), true) => Some(read_pairs(&gold, path, &config)),
                        _ => None,
                    };
                    (eval, pairs)
                } else {
                    // Quotations in a model's answers take their labels from the corpus.
                    let manifest = gold.manifest().cloned().filter(|_| args.pred_format == Format::LlmJson);
                    let options = args.read.read_options(manifest, ReadOptions::default().layer);
                    let collection = args
                        .pred_format
                        .read(path, &options)
                        .with_context(|| format!("cannot read {} as {}", path.display(), args.pred_format))?;
                    // What reading dropped or assumed goes to stderr, so that stdout stays the
                    // results.
                    for note in &collection.notes {
                        crate::eprint(&format!("note (reading {}): {note}\n", path.display()));
                    }
                    let mut collection = collection;
                    let left_out = match args.pred_format {
                        Format::Spacy | Format::DocBin => {
                            leave_out_other_layers(&gold, &mut collection.documents, &options.layer)
                        }
                        _ => Default::default(),
                    };
                    if !left_out.is_empty() {
                        let layers: Vec<String> = left_out.iter().map(|(l, n)| format!("{l} ({n} spans)")).collect();
                        crate::eprint(&format!(
                            "note (reading {}): not scored, as the gold has no such layer: {} (spaCy span groups \
                             besides doc.ents; spaCy's scorer too scores only doc.ents as entities)\n",
                            path.display(),
                            layers.join(", ")
                        ));
                    }
                    let kept = report.then(|| collection.documents.clone());
                    let eval = evaluate_documents(&gold, collection.documents, path, &config);
                    let pairs = match (&eval, kept) {
                        (Ok(_), Some(docs)) => Some(match_pairs(&gold, docs, path, &config)),
                        _ => None,
                    };
                    (eval, pairs)
                };
                let eval = eval.with_context(|| format!("cannot score {}", path.display()))?;
                let pairs =
                    pairs.transpose().with_context(|| format!("cannot read {} for the report", path.display()))?;
                Ok((eval, pairs))
            };
            let (eval, pairs) = score(pred)?;
            documents.extend(pairs);
            let against = match &args.against {
                Some(b) => {
                    let (eval, pairs) = score(b)?;
                    documents.extend(pairs);
                    Some(eval)
                }
                None => None,
            };
            report_manifest = gold.manifest().cloned();
            note_attribution(gold.manifest());
            if let Some(run) = saved {
                let hash = gold.corpus_hash().with_context(|| format!("cannot read gold {}", gold_path.display()))?;
                if hash != run.corpus_hash {
                    crate::eprint(&format!(
                        "note: the gold differs from the gold {} was run on (corpus hash {}, not {})\n",
                        pred.display(),
                        hash,
                        run.corpus_hash
                    ));
                }
                saved_run = Some((run, hash));
            }
            let info = RunInfo {
                gold: gold.name(),
                split,
                predictions: file_name(pred),
                modes: modes.clone(),
                bootstrap: (args.bootstrap > 0).then_some((args.bootstrap, args.seed)),
                label_map: args.label_map.is_some(),
                per_document: args.per_document || args.report.by_document,
                grounding: config.options.grounding,
            };
            (eval, against, info)
        }
        _ => anyhow::bail!("give --gold and --pred, or --conll"),
    };
    let mut results = Results::with_rules(&eval, &info, &args.compat.rules());
    results.manifest.compat = args.compat.compat.map(|c| c.as_str().to_owned());
    results.tags = tag_scores;
    let filter = error_filter(&args.report, &results)?;
    results = results.with_error_filter(filter);
    if let Some((run, hash)) = saved_run {
        results = results.of_saved_run(&run, hash);
    }
    let samples = args.bootstrap.max(1000);
    if let Some(baseline) = &against {
        results = results.with_comparison(paired_comparison(&eval, baseline, samples, args.seed, &args.compat.rules()));
    }
    if let Some(path) = &args.html {
        let paired = against.as_ref().map(|b| paired_metrics(&eval, b, samples, args.seed, &args.compat.rules()));
        let baseline = match (&args.against, &paired, documents.get(1)) {
            (Some(name), Some(paired), Some(docs)) => {
                Some(Baseline { name: file_name(name), comparison: paired, documents: docs })
            }
            _ => None,
        };
        let input = HtmlInput {
            results: &results,
            documents: documents.first().map_or(&[][..], Vec::as_slice),
            baseline,
            attribution: report_manifest.as_ref().and_then(|m| m.attribution.as_ref()),
            splits: super::report::splits(report_manifest.as_ref()),
            budget: goldspan_report::DOCUMENT_BUDGET,
        };
        super::report::write(path, &goldspan_report::html(&input))?;
    }
    let results = super::report::printed(&results, args.report.errors());
    if let Some(path) = &args.output {
        super::write_atomic_with(path, |out| goldspan_report::write_json(out, &results))
            .with_context(|| format!("cannot write the results to {}", path.display()))?;
    }
    // Written as it is made: an error listing can be longer than memory.
    print_with(|out| match args.format {
        OutputFormat::Json => goldspan_report::write_json(out, &results),
        OutputFormat::Table => goldspan_report::write_table(out, &results, &options),
        OutputFormat::Markdown => goldspan_report::write_markdown(out, &results, &options),
    })?;
    Ok(Outcome::Ok)
}

/// The split to score: `--split`, or, for a saved run scored against a corpus directory, the
/// run's split (see [`SavedRun::split_to_score`]).
fn split_to_score(
    args: &ScoreArgs,
    gold: &Path,
    pred: &Path,
    saved: Option<&SavedRun>,
) -> anyhow::Result<Option<String>> {
    let Some(run) = saved else { return Ok(args.split.clone()) };
    let split = run.split_to_score(args.split.as_deref(), gold.is_dir()).map_err(|ran| {
        anyhow::anyhow!(
            "{} holds a run on split {ran:?}, not {:?}: score it with --split {ran} (or without --split)",
            pred.display(),
            args.split.as_deref().unwrap_or_default()
        )
    })?;
    if args.split.is_none() {
        if let Some(ran) = &split {
            crate::eprint(&format!("note: scoring split {ran}, the split {} was run on\n", pred.display()));
        }
    }
    Ok(split)
}

/// Scores a saved run as the run scored it (see [`SavedRun::adopt`]).
fn adopt_saved_run(run: &SavedRun, pred: &Path, gold: &mut Gold, config: &mut Config) -> anyhow::Result<()> {
    let not_predicted = run
        .adopt(gold, config)
        .with_context(|| format!("{} was run on documents the gold does not have", pred.display()))?;
    if !not_predicted.is_empty() {
        crate::eprint(&format!(
            "note: not predicted, so not scored: {} (--layer scores a layer anyway)\n",
            not_predicted.join(", ")
        ));
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `score --conll FILE --mode tags`: seqeval's `performance_measure` over the two tag columns.
fn score_tags(file: &Path, args: &ScoreArgs) -> anyhow::Result<TagScores> {
    let options = args.read.read_options(None, ReadOptions::default().layer);
    let pairs = goldspan_formats::conll::read_tag_pairs(file, &options, args.conll.gold_column, args.conll.pred_column)
        .with_context(|| format!("cannot read the tags of {}", file.display()))?;
    let counts = TagCounts::of(pairs.iter().map(|p| p.0.as_str()), pairs.iter().map(|p| p.1.as_str()));
    Ok(TagScores::of(&counts))
}

/// `score --conll FILE`: the gold and predicted tag columns of one CoNLL file. What reading
/// noted goes to stderr, so that stdout stays the results.
fn score_conll(
    file: &Path,
    args: &ScoreArgs,
    manifest: Option<goldspan_model::Manifest>,
    config: &Config,
) -> anyhow::Result<(Evaluation, RunInfo, Option<Vec<Pair>>)> {
    let conll = &args.conll;
    anyhow::ensure!(
        args.read.tag_column.is_none(),
        "--tag-column names the tags of --pred-format conll; with --conll give --gold-column and --pred-column"
    );
    let layer = match args.layers.as_slice() {
        [only] => only.clone(),
        _ => ReadOptions::default().layer,
    };
    let options = args.read.read_options(manifest, layer);
    let (pairs, notes) = conll_pairs(file, &options, conll.gold_column, conll.pred_column, config)
        .with_context(|| format!("cannot score {}", file.display()))?;
    let eval = score_pairs(&pairs, config).with_context(|| format!("cannot score {}", file.display()))?;
    for note in notes {
        crate::eprint(&format!("note (reading): {note}\n"));
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let info = RunInfo {
        gold: format!("{name} column {}", conll.gold_column),
        split: None,
        predictions: format!("{name} column {}", conll.pred_column),
        modes: config.options.modes.clone(),
        bootstrap: (args.bootstrap > 0).then_some((args.bootstrap, args.seed)),
        label_map: args.label_map.is_some(),
        per_document: args.per_document || args.report.by_document,
        grounding: config.options.grounding,
    };
    Ok((eval, info, args.html.is_some().then_some(pairs)))
}
