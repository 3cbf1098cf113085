//! `goldspan merge`: the partial results of every shard of a run (`run --shard K/N --partial
//! FILE`) combined into the results the run gives on one machine, printed as `run` prints
//! them. Shards run with `--errors` kept the error listing, which the merge shows; how results
//! are shown (`--by-label`, `--by-document`, the error filters) is the merge's to say.

use anyhow::Context;

use crate::args::{MergeArgs, OutputFormat};
use crate::Outcome;

pub fn run(args: &MergeArgs) -> anyhow::Result<Outcome> {
    let inputs: Vec<&std::path::Path> = args.partials.iter().map(|p| p.as_path()).collect();
    super::refuse_zst(&[("--output", args.output.as_ref())])?;
    super::check_files_to_write(&inputs, &[("--output", args.output.as_ref())])?;
    let mut partials = Vec::with_capacity(args.partials.len());
    for path in &args.partials {
        partials.push((path.clone(), goldspan_runner::read_partial(path)?));
    }
    let merged = goldspan_runner::merge(partials)?;
    let name = &merged.name;
    crate::eprint(&crate::failures::merged_summary(&merged));
    if !merged.attributed {
        crate::eprint(&format!(
            "note: {name}: quotations and their speakers are not scored: the corpus manifest has no [attribution] section\n"
        ));
    }
    if !merged.not_predicted.is_empty() {
        crate::eprint(&format!(
            "note: {name}: not predicted, so not scored: {} (--layer scores a layer anyway)\n",
            merged.not_predicted.join(", ")
        ));
    }
    anyhow::ensure!(
        !args.report.errors() || merged.errors,
        "the shards kept no classified errors: run them with --errors to list errors when merging"
    );
    // What the shards kept, the merge shows, as the run on one machine shows what it was asked.
    let errors = merged.errors;
    let per_document = !merged.evaluation.documents.is_empty() || merged.results.total.documents == 0;
    anyhow::ensure!(
        !args.report.by_document || per_document,
        "the shards kept no per-document counts: run them with --by-document to list documents when merging"
    );
    let extractor_failed = !merged.stopped.is_empty()
        || match args.max_failures {
            Some(limit) => !limit.allows(merged.failures.len(), merged.documents),
            None => merged.all_failed(),
        };
    let options = super::report_options(&args.report, None)?;
    let filter = super::error_filter(&args.report, &merged.results)?;
    let mut results = merged.results.clone().with_error_filter(filter);
    if args.report.by_document {
        results = results.with_per_document(&merged.evaluation);
    }
    let results = super::report::printed(&results, errors);
    let json = goldspan_report::json(&results);
    if let Some(path) = &args.output {
        goldspan_formats::write_atomic(path, json.as_bytes())
            .with_context(|| format!("cannot write the results to {}", path.display()))?;
    }
    let text = match args.format {
        OutputFormat::Json => json,
        OutputFormat::Table | OutputFormat::Markdown if merged.all_failed() => {
            format!("{name}: no scores: the extractor failed on every document\n\n")
        }
        OutputFormat::Table => goldspan_report::run_table(name, &results, &options),
        OutputFormat::Markdown => goldspan_report::run_markdown(name, &results, &options),
    };
    super::finish(&text, if extractor_failed { Outcome::ExtractorFailed } else { Outcome::Ok })
}
