//! Command-line arguments as plain values; commands turn them into library objects.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use goldspan_formats::conll::{self, Column, Dialect};
use goldspan_formats::{prodigy, AnnotationChoice, Format, ReadOptions};
use goldspan_model::text::OffsetUnit;
use goldspan_model::Manifest;
use goldspan_runner::{FailureLimit, Shard, DEFAULT_SEED};
use goldspan_score::{Grounding, Occurrences, Rule};

/// Evaluation harness for news information extraction: gold corpora, extractors, scores.
#[derive(Debug, Parser)]
#[command(
    name = "goldspan",
    version,
    about = "Evaluation harness for news information extraction: gold corpora, extractors, scores."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a gold corpus and report every problem (file, line, document), one message per
    /// root cause with a count of the others. Exit 2 if any.
    Validate {
        /// The corpus directory (holding goldspan.toml), or a JSON Lines gold file of records
        /// with text; default the project's corpus/news.
        corpus: Option<PathBuf>,
        /// List every problem on its own line instead of one per root cause.
        #[arg(long)]
        all: bool,
        /// Follow symbolic links inside the corpus instead of reporting them.
        #[arg(long)]
        follow_symlinks: bool,
    },
    /// Show corpus statistics: documents, words, spans per layer, label and split, speakers.
    Stats {
        /// The corpus directory; default the project's corpus/news.
        corpus: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Metadata fields to break the counts down by.
        #[arg(long = "by", default_values_t = vec!["domain".to_string()])]
        by: Vec<String>,
    },
    /// Convert annotations between formats, saying what the target cannot hold.
    Convert(ConvertArgs),
    /// Score predictions (JSON Lines) against gold, or the gold and predicted tag columns of one
    /// CoNLL file (--conll): every mode, per layer and label, relations, quote attribution;
    /// optional bootstrap intervals, slices, errors and a paired comparison.
    Score(ScoreArgs),
    /// Run an extractor over a corpus and score it: ad hoc (--extractor, --corpus) or from eval
    /// definitions (default: every eval of the project's evals/, found from any of its
    /// directories); --list lists them. Exit 0 when the run completes, failures
    /// listed; 3 when the extractor failed on every document (or on more than --max-failures).
    Run(RunArgs),
    /// Merge the partial results of every shard of one run (goldspan run --shard K/N --partial
    /// FILE) into the results the run gives on one machine, byte for byte; refuses partials of
    /// another corpus, extractor, setting or goldspan version, and a shard missing or given
    /// twice, naming the files (docs/scale.md). Exit codes as run.
    Merge(MergeArgs),
    /// Re-run every eval in evals/ (through the cache) and compare with its snapshot. Exit 1
    /// on a regression, a missing snapshot or a changed corpus; exit 2 on a malformed snapshot;
    /// 3 when an extractor failed on more documents than its eval allows (max_failures,
    /// default 0); --update writes new snapshots. The evals are found from any directory of
    /// the project (the nearest above holding evals/ or a project goldspan.toml).
    Check {
        /// The directory of eval definitions; default the project's evals/.
        #[arg(long)]
        evals: Option<PathBuf>,
        /// Write new snapshots (refused where a score fell, unless --allow-regression).
        #[arg(long)]
        update: bool,
        /// With --update, accept lower scores.
        #[arg(long)]
        allow_regression: bool,
        /// Cache directory for extractor outputs; default .goldspan-cache/ beside the evals
        /// directory.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Extract everything again.
        #[arg(long)]
        no_cache: bool,
        /// Output format of the report: table, json, markdown (a pull-request comment), or
        /// github (workflow annotations: an error on each regression, a notice on each
        /// improvement).
        #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
        format: CheckFormat,
        /// Also write the verdicts as JUnit XML to this file (one test case per eval and
        /// gated metric), for CI servers.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Measure an extractor's speed: documents/s, MB/s and per-document latency (p50, p95,
    /// p99), single-threaded and on every core, after a warm-up pass.
    Bench {
        /// Extractor spec.
        #[arg(long)]
        extractor: String,
        /// The corpus whose texts to run on; default the project's corpus/news.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Its split; default every document.
        #[arg(long)]
        split: Option<String>,
        /// Passes over the documents per measurement.
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        /// Threads (and worker processes) for the parallel pass, 1 to 256; default every core.
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        /// Per-document time limit, in seconds: a cmd: worker is killed, a built-in extractor
        /// gives up.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// The longest line a cmd: extractor may write on stdout (bytes; K, M, G, KiB, MiB,
        /// GiB suffixes).
        #[arg(long, value_parser = parse_bytes, default_value = "64MiB")]
        max_line_bytes: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Inter-annotator agreement between two annotations of the same documents: span F1
    /// (strict and overlap) per layer and label, speaker agreement, Cohen's kappa on tokens.
    Agree {
        /// Annotation set A: a corpus directory or a JSON Lines file.
        a: PathBuf,
        /// Annotation set B.
        b: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Write a deterministic synthetic corpus (OUT/gold.jsonl) and predictions with controlled
    /// error rates (OUT/pred.jsonl): the workload for benchmarks.
    Synth {
        /// Output directory.
        out: PathBuf,
        /// Number of documents.
        #[arg(long, default_value_t = 1000)]
        docs: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Mean gold spans per document.
        #[arg(long, default_value_t = 30)]
        spans: usize,
        /// Probability a gold span is missed.
        #[arg(long, default_value_t = 0.1)]
        missed: f64,
        /// Probability a predicted span's boundary is off by a word.
        #[arg(long, default_value_t = 0.1)]
        boundary: f64,
        /// Probability a predicted span has the wrong label.
        #[arg(long, default_value_t = 0.05)]
        label: f64,
        /// Probability, per gold span, of an extra spurious prediction.
        #[arg(long, default_value_t = 0.05)]
        spurious: f64,
        /// How to write the gold: `jsonl` (OUT/gold.jsonl and OUT/pred.jsonl), `zst` (the same
        /// zstd-compressed, .jsonl.zst) or `corpus` (a corpus directory, OUT/corpus, and
        /// OUT/pred.jsonl).
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "zst", "corpus"])]
        layout: String,
    },
    /// Write the overview of a results JSON (`score`/`run --format json`) as one self-contained
    /// HTML page. A results JSON holds counts, not documents: `score --report FILE` and `run
    /// --report FILE` write the full report, with every document's spans (docs/report.md).
    Report(HtmlReportArgs),
    /// Write gold annotations as inline markup, or compile markup into gold files.
    Markup {
        #[command(subcommand)]
        action: MarkupAction,
    },
    /// Inspect and trim the extractor-output cache (one SQLite database, DIR/cache.sqlite3).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// The cache directory; default the project's .goldspan-cache/ (found from the current
        /// directory up, as `run` and `check` find it).
        #[arg(long, global = true)]
        cache: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// What the cache holds: outputs and bytes per extractor fingerprint, when each was last
    /// used, entries rejected for not matching their key. (For anything else, open the
    /// database with `sqlite3`; docs/cache.md describes its tables.)
    Stats,
    /// Remove the outputs of extractors no run used for DAYS days, and with --superseded those
    /// of every fingerprint of an extractor but its most recently used one.
    Prune {
        /// Remove fingerprints unused for more than this many days.
        #[arg(long, default_value_t = 30)]
        unused_days: u64,
        /// Also remove every older fingerprint of each extractor name (outputs of an older
        /// version, configuration, script or rule source).
        #[arg(long)]
        superseded: bool,
    },
    /// Remove every output, and the per-document directories of older goldspans. A database
    /// of an older layout, which goldspan no longer reads, is removed whole.
    Clear,
    /// Print stored outputs as record lines (JSON Lines, without the text), by extractor name,
    /// fingerprint and document id: the cache stores them in a compact binary form that
    /// `sqlite3` cannot show.
    Show {
        /// Documents to show; every document when none is given.
        ids: Vec<String>,
        /// Only the outputs of this extractor: its name (as `cache stats` lists it) or the
        /// start of its fingerprint.
        #[arg(long)]
        extractor: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Input format.
    #[arg(long, value_parser = parse_format, help = format_help("Input format"))]
    pub from: Format,
    /// Output format.
    #[arg(long, value_parser = parse_format, help = format_help("Output format"))]
    pub to: Format,
    /// Input file or directory.
    pub input: PathBuf,
    /// Output file or directory.
    pub output: PathBuf,
    /// Tagging scheme of CoNLL output, when it differs from the input's --scheme.
    #[arg(long, value_parser = parse_scheme)]
    pub to_scheme: Option<conll::Scheme>,
    /// Write where something already is: replace an existing output file, or write into a
    /// directory that is not empty, replacing files of the same names (brat: annotation.conf
    /// too). Into an existing gold corpus it adds the documents and keeps its goldspan.toml
    /// (layers, labels, relation rules, attribution, splits; the documents must fit it), moving
    /// each document to the split the input gives it. The output is never the input, nor a
    /// directory holding it.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// How `convert` reads its input: the tool options, and the layers the input is read into.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// The layer CoNLL output is written from, and spaCy output's Doc.ents (other layers go
    /// to span groups); also the layer given to labels read from formats without layers when
    /// no --manifest says otherwise.
    #[arg(long, default_value = "entities")]
    pub layer: String,
    /// A goldspan.toml whose layers (labels and relation types) the input is read with: it
    /// resolves labels of formats without layers and replaces a brat annotation.conf's. Its
    /// name, licence and splits describe its own corpus and are not copied.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub tool: ToolArgs,
}

/// How to read another tool's file: the options its reader takes, shared by `convert` and
/// `score --pred-format`, so that a file reads the same way in both.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Reading other tools' files")]
pub struct ToolArgs {
    /// Tagging scheme of CoNLL input (and of convert's CoNLL output, unless --to-scheme):
    /// iob1, iob2 (bio), ioe1, ioe2, bioes (iobes), bilou, io.
    #[arg(long, value_parser = parse_scheme, default_value = "iob2")]
    pub scheme: conll::Scheme,
    /// How CoNLL tags decode into chunks: lenient (conlleval, seqeval's default) or strict
    /// (seqeval's mode="strict": only what --scheme allows is a chunk).
    #[arg(long, value_parser = parse_decode, default_value = "lenient")]
    pub decode: conll::Decode,
    /// CoNLL tags are suffix style, PER-B (seqeval's suffix=True).
    #[arg(long)]
    pub suffix_tags: bool,
    /// The CoNLL column holding tokens (1 is the first, -1 the last); default the dialect's
    /// own (plain: 1; CoNLL-2012: 4).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_column)]
    pub token_column: Option<Column>,
    /// The CoNLL column holding tags (1 is the first, -1 the last); default the dialect's own
    /// (plain: the last; CoNLL-U: MISC; CoNLL-2012: 11).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_column)]
    pub tag_column: Option<Column>,
    /// The CoNLL dialect: plain, conllu or conll2012; default detected from the file.
    #[arg(long, value_parser = parse_dialect)]
    pub conll_dialect: Option<Dialect>,
    /// The CoNLL-U MISC key holding tags (NE=B-PER); default NE, else NER.
    #[arg(long)]
    pub misc_key: Option<String>,
    /// Read brat collections in sub-folders too; document ids then carry their sub-folders
    /// (`2024/a.txt` is `2024_a`).
    #[arg(long)]
    pub recursive: bool,
    /// The unit the input counts offsets in (codepoint, utf16, utf8, grapheme); default the
    /// tool's own.
    #[arg(long, value_parser = parse_offset_unit)]
    pub offset_unit: Option<OffsetUnit>,
    /// Which annotations of a task to read where a tool keeps several (Label Studio): all
    /// (each its own document, ID.1, ID.2, ... when a task has several), first, latest, or N
    /// (the N-th made).
    #[arg(long, value_parser = parse_annotation, default_value = "all")]
    pub annotation: AnnotationChoice,
    /// Read only this annotator's annotations (Label Studio: completed_by's email or user id,
    /// or a prediction's model_version).
    #[arg(long)]
    pub annotator: Option<String>,
    /// The type of relations drawn without a label (Label Studio's default); without it, the
    /// one relation type of the manifest that fits the labels they link.
    #[arg(long)]
    pub relation_label: Option<String>,
    /// doccano's label export (project_N_labels.json), naming the numeric label ids of
    /// doccano 1.0 to 1.2 exports.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Prodigy answers to read: accept (rejected and ignored records are counted in a note)
    /// or all (each keeps its answer in metadata "answer").
    #[arg(long, value_parser = parse_answers, default_value = "accept")]
    pub answers: prodigy::Answers,
    /// Follow symbolic links inside a corpus or brat directory (refused by default, so a
    /// document cannot pull a file from elsewhere into the output).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// llm-json: the mapping file saying where the document id, the model's answer, and the
    /// entities and quotations in it are (examples/llm/schemas/).
    #[arg(long)]
    pub schema: Option<PathBuf>,
}

impl ToolArgs {
    /// Refuses an option `format`'s reader does not take (`--offset-unit` where it counts one
    /// unit only, `--recursive` but for brat), rather than ignoring it.
    pub fn check_for(&self, format: Format) -> anyhow::Result<()> {
        if self.schema.is_some() && format != Format::LlmJson {
            anyhow::bail!("--schema maps language models' answers; it applies to llm-json, not {format}");
        }
        if self.recursive && format != Format::Brat {
            anyhow::bail!("--recursive reads brat collections in sub-folders; it does not apply to {format}");
        }
        if let (Some(unit), false) = (self.offset_unit, format.reads_offset_unit()) {
            let takes: Vec<&str> = Format::ALL.iter().filter(|f| f.reads_offset_unit()).map(|f| f.name()).collect();
            anyhow::bail!(
                "--offset-unit {} does not apply to {format}: {}; it applies to {}",
                unit.name(),
                match format.offset_unit() {
                    Some(own) => format!("{format} counts {own}"),
                    None => format!("{format} has no character offsets"),
                },
                takes.join(", ")
            );
        }
        Ok(())
    }

    /// The reader's options: these, with the layers of `manifest` and `layer` for labels
    /// without one.
    pub fn read_options(&self, manifest: Option<Manifest>, layer: String) -> ReadOptions {
        ReadOptions {
            manifest,
            layer,
            offset_unit: self.offset_unit,
            scheme: self.scheme,
            decode: self.decode,
            suffix_tags: self.suffix_tags,
            annotation: self.annotation,
            annotator: self.annotator.clone(),
            relation_label: self.relation_label.clone(),
            recursive: self.recursive,
            token_column: self.token_column,
            tag_column: self.tag_column,
            conll_dialect: self.conll_dialect,
            misc_key: self.misc_key.clone(),
            labels: self.labels.clone(),
            answers: self.answers,
            follow_symlinks: self.follow_symlinks,
            schema: self.schema.clone(),
        }
    }
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format {name:?}; expected one of {}", names.join(", "))
    })
}

fn format_help(what: &str) -> String {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    format!("{what}: {}", names.join(", "))
}

fn parse_scheme(name: &str) -> Result<conll::Scheme, String> {
    conll::Scheme::parse(name).ok_or_else(|| {
        let names: Vec<&str> = conll::Scheme::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown tagging scheme {name:?}; expected one of {}", names.join(", "))
    })
}

fn parse_column(value: &str) -> Result<Column, String> {
    Column::parse(value)
}

fn parse_dialect(name: &str) -> Result<Dialect, String> {
    Dialect::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.as_str()).collect();
        format!("unknown CoNLL dialect {name:?}; expected one of {}", names.join(", "))
    })
}

fn parse_annotation(value: &str) -> Result<AnnotationChoice, String> {
    AnnotationChoice::parse(value)
        .ok_or_else(|| format!("unknown annotation choice {value:?}; expected all, first, latest or a number from 1"))
}

fn parse_answers(name: &str) -> Result<prodigy::Answers, String> {
    prodigy::Answers::parse(name).ok_or_else(|| format!("unknown answers {name:?}; expected accept or all"))
}

fn parse_jobs(text: &str) -> Result<usize, String> {
    let jobs: usize = text.trim().parse().map_err(|_| format!("{text:?} is not a number of jobs"))?;
    goldspan_runner::eval::check_jobs(jobs)
}

fn parse_failure_limit(text: &str) -> Result<FailureLimit, String> {
    FailureLimit::parse(text)
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text)
}

/// A size in bytes: `1000`, `64K`, `64MiB`, `1G`.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let digits = text.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text.trim()[digits.len()..];
    let scale: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "m" | "mb" => 1000 * 1000,
        "g" | "gb" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(format!("unknown unit {unit:?} in {text:?}; use K, M, G, KiB, MiB or GiB")),
    };
    let n: usize = digits.trim().parse().map_err(|_| format!("{text:?} is not a size in bytes"))?;
    match n.checked_mul(scale) {
        Some(0) | None => Err(format!("{text:?} is not a usable size")),
        Some(bytes) => Ok(bytes),
    }
}

fn parse_offset_unit(name: &str) -> Result<OffsetUnit, String> {
    OffsetUnit::parse(name).ok_or_else(|| {
        let names: Vec<&str> = OffsetUnit::ALL.iter().map(|u| u.name()).collect();
        format!("unknown offset unit {name:?}; expected one of {}", names.join(", "))
    })
}

#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Gold: a corpus directory, or a JSON Lines file of records with text.
    #[arg(long, required_unless_present = "conll")]
    pub gold: Option<PathBuf>,
    /// Predictions: JSON Lines, one record per document (text optional), or another tool's
    /// file with --pred-format.
    #[arg(long, required_unless_present = "conll")]
    pub pred: Option<PathBuf>,
    /// The format of --pred and --against: jsonl (goldspan interchange) or any format convert
    /// reads (spacy, docbin, prodigy, labelstudio, doccano, conll, brat, ...). Documents are
    /// matched with gold by id, or by identical text when the file carries no ids.
    #[arg(long, value_parser = parse_format, default_value = "jsonl")]
    pub pred_format: Format,
    /// A second predictions file to compare against (paired test on the same documents).
    #[arg(long)]
    pub against: Option<PathBuf>,
    /// The split of the corpus to score.
    #[arg(long)]
    pub split: Option<String>,
    /// Layers to score (repeat); default: every layer found.
    #[arg(long = "layer")]
    pub layers: Vec<String>,
    /// Matching modes (repeat): strict, exact, partial, type, overlap:θ, tokens, mentions;
    /// with --conll also tags (seqeval's performance_measure: TP, FP, FN, TN over the tags of
    /// tokens).
    #[arg(long = "mode", default_values_t = vec!["strict".to_string(), "exact".to_string(), "partial".to_string(), "type".to_string()])]
    pub modes: Vec<String>,
    /// Label map (TOML `[labels] PER = "PERSON"`) applied to predictions.
    #[arg(long)]
    pub label_map: Option<PathBuf>,
    /// A goldspan.toml to check a gold file and predictions against.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Bootstrap samples for confidence intervals (0 = none).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Seed of the bootstrap (and of --against's paired test).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Metadata fields to slice results by (repeat).
    #[arg(long = "slice")]
    pub slices: Vec<String>,
    /// Include per-document scores (a table of the first mode's, in the table and Markdown).
    #[arg(long)]
    pub per_document: bool,
    /// Score only the gold documents the predictions name (a sample a language model was run
    /// on), instead of scoring the others as empty predictions.
    #[arg(long)]
    pub only_predicted: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write the results JSON to this file (whatever --format prints).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write an HTML report to this file: the overview, every document with its gold and
    /// predicted spans, and with --against the comparison (docs/report.md).
    #[arg(long = "report", value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub ground: GroundArgs,
    #[command(flatten)]
    pub conll: ConllScoreArgs,
    /// How --pred and --against are read when --pred-format names another tool's format.
    #[command(flatten)]
    pub read: ToolArgs,
    #[command(flatten)]
    pub compat: CompatArgs,
}

/// Options named after the reference tools, for the same numbers as theirs (docs/parity.md).
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Compatibility")]
pub struct CompatArgs {
    /// Follow a reference tool's rules wherever goldspan's differ: seqeval, conlleval,
    /// nervaluate (list-order pairing, 1% minimum overlap) or spacy (overlapping predictions
    /// dropped in list order).
    #[arg(long, value_parser = parse_compat)]
    pub compat: Option<goldspan_score::Compat>,
    /// The least overlap, as a fraction of the gold span, that pairs spans with different
    /// boundaries in strict, exact, partial and type (nervaluate's min_overlap_percentage /
    /// 100); default 0, any shared character (0.01 under --compat nervaluate).
    #[arg(long, value_name = "FRACTION")]
    pub min_overlap: Option<goldspan_score::align::MinOverlap>,
    /// β of F-beta (seqeval's beta): every report shows F-beta (F0.5, F2, ...) where it
    /// shows F1, and the JSON adds `f_beta` beside each `f1`; `inf` gives recall.
    #[arg(long, value_name = "B", value_parser = parse_beta, default_value_t = 1.0, allow_negative_numbers = true)]
    pub beta: f64,
    /// The value of a precision or recall whose denominator is 0 (seqeval's zero_division):
    /// 0 (its "warn", goldspan's default) or 1.
    #[arg(long, value_name = "0|1", value_parser = parse_zero_division)]
    pub zero_division: Option<goldspan_score::ZeroDivision>,
}

impl CompatArgs {
    /// How ratios are computed under these options: `--beta`, `--zero-division`, and under
    /// `--compat seqeval` a macro average over no label is NaN.
    pub fn rules(&self) -> goldspan_runner::results::RatioRules {
        goldspan_runner::results::RatioRules {
            beta: self.beta,
            // Every preset's zero-division value is 0 (seqeval's default "warn" gives 0).
            zero_division: self.zero_division.unwrap_or_default(),
            macro_of_nothing_is_nan: self.compat.is_some_and(goldspan_score::Compat::macro_of_nothing_is_nan),
        }
    }

    /// How spans pair under these options.
    pub fn matching(&self) -> goldspan_score::align::Matching {
        let mut matching = self.compat.map(goldspan_score::Compat::matching).unwrap_or_default();
        if let Some(min) = self.min_overlap {
            matching.min_overlap = min;
        }
        matching
    }
}

fn parse_compat(name: &str) -> Result<goldspan_score::Compat, String> {
    goldspan_score::Compat::parse(name).ok_or_else(|| {
        let names: Vec<&str> = goldspan_score::Compat::ALL.iter().map(|c| c.as_str()).collect();
        format!("unknown tool {name:?}; expected one of {}", names.join(", "))
    })
}

fn parse_beta(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(beta) if beta >= 0.0 => Ok(beta),
        Ok(beta) => Err(format!("β must be 0 or more (as seqeval requires), not {beta}")),
        Err(_) => Err(format!("{text:?} is not a number; give β as 0.5, 2 or inf")),
    }
}

fn parse_zero_division(text: &str) -> Result<goldspan_score::ZeroDivision, String> {
    match text.trim() {
        "0" | "warn" => Ok(goldspan_score::ZeroDivision::Zero),
        "1" => Ok(goldspan_score::ZeroDivision::One),
        _ => Err(format!("{text:?} is not a zero-division value; expected 0 or 1")),
    }
}

fn parse_decode(name: &str) -> Result<conll::Decode, String> {
    conll::Decode::parse(name).ok_or_else(|| format!("unknown decoding {name:?}; expected lenient or strict"))
}

/// `goldspan report`: a results JSON as an HTML page.
#[derive(Debug, clap::Args)]
pub struct HtmlReportArgs {
    /// A results JSON written by `goldspan score --format json` or `goldspan run --format json`.
    pub results: PathBuf,
    /// The HTML file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// What the score tables show beyond the totals (`score` and `run`).
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Report")]
pub struct ReportArgs {
    /// The modes with a per-label report (P, R, F1, support; micro, macro and weighted
    /// averages): `all`, or a mode scored (repeat); default the first mode.
    #[arg(long = "by-label", value_name = "all|MODE")]
    pub by_label: Vec<String>,
    /// Each document's scores per layer (first mode), worst first.
    #[arg(long)]
    pub by_document: bool,
    /// List every error, classified, with context: counts by class and label first, the
    /// confusion table last.
    #[arg(long)]
    pub errors: bool,
    /// List only errors of this class (repeat; implies --errors): boundary, label,
    /// boundary+label, missed, spurious, speaker, cue.
    #[arg(long = "error-class", value_name = "CLASS", value_parser = parse_error_class)]
    pub error_classes: Vec<String>,
    /// List only errors of this label (repeat; implies --errors); speaker and cue errors
    /// count under the quotation's label.
    #[arg(long = "error-label", value_name = "LABEL")]
    pub error_labels: Vec<String>,
    /// List at most N errors (implies --errors); the counts stay those of every error.
    #[arg(long = "error-limit", value_name = "N")]
    pub error_limit: Option<usize>,
}

impl ReportArgs {
    /// Whether errors are asked for, by --errors or a filter.
    pub fn errors(&self) -> bool {
        self.errors || !self.error_classes.is_empty() || !self.error_labels.is_empty() || self.error_limit.is_some()
    }
}

fn parse_error_class(name: &str) -> Result<String, String> {
    match goldspan_score::errors::ErrorKind::parse(name) {
        Some(kind) => Ok(kind.name().to_owned()),
        None => {
            let names: Vec<&str> = goldspan_score::errors::ErrorKind::ALL.iter().map(|k| k.name()).collect();
            Err(format!("unknown error class {name:?}; expected one of {}", names.join(", ")))
        }
    }
}

/// How predictions given as text without offsets (a language model's strings) are placed in
/// the document before they are scored.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Predictions given as text, without offsets (docs/metrics.md §11)")]
pub struct GroundArgs {
    /// How a string is compared with the text: exact, casefold (case, quotation marks,
    /// dashes and spacing folded) or fuzzy (word for word; a quotation may take the most
    /// similar window of words).
    #[arg(long, value_parser = parse_rule, default_value = "exact")]
    pub ground: Rule,
    /// Which occurrences of a mention become predicted spans: all, first, or nth (the n-th
    /// listing of a string takes its n-th occurrence).
    #[arg(long, value_parser = parse_occurrences, default_value = "all")]
    pub ground_occurrences: Occurrences,
    /// The least similarity (0.001 to 1) of the window a fuzzy quotation takes.
    #[arg(long, default_value_t = Grounding::DEFAULT_THRESHOLD)]
    pub ground_threshold: f64,
}

impl GroundArgs {
    /// The grounding settings.
    pub fn grounding(&self) -> anyhow::Result<Grounding> {
        Grounding::new(self.ground, self.ground_occurrences, self.ground_threshold)
            .map_err(|e| anyhow::anyhow!("--ground-threshold: {e}"))
    }
}

fn parse_rule(name: &str) -> Result<Rule, String> {
    Rule::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        format!("unknown grounding rule {name:?}; expected one of {}", names.join(", "))
    })
}

fn parse_occurrences(name: &str) -> Result<Occurrences, String> {
    Occurrences::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Occurrences::ALL.iter().map(|o| o.name()).collect();
        format!("unknown occurrences {name:?}; expected one of {}", names.join(", "))
    })
}

/// `score --conll`: gold and predicted tags in two columns of one CoNLL file (its scheme,
/// token column and dialect are the reading options').
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "CoNLL: one file with gold and predicted tags (--conll)")]
pub struct ConllScoreArgs {
    /// A CoNLL file holding gold and predicted tags over the same tokens (conlleval's `token
    /// gold predicted`), scored instead of --gold and --pred.
    #[arg(long = "conll", id = "conll", value_name = "FILE", conflicts_with_all = ["gold", "pred", "against", "split", "pred_format"])]
    pub file: Option<PathBuf>,
    /// With --conll, the column of gold tags (1 is the first, -1 the last).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_column, default_value = "-2")]
    pub gold_column: Column,
    /// With --conll, the column of predicted tags (1 is the first, -1 the last).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_column, default_value = "-1")]
    pub pred_column: Column,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Eval definitions to run (default: every eval of the project's evals/); or give
    /// --extractor.
    pub evals: Vec<PathBuf>,
    /// List the evals (extractor, corpus, split, snapshot) instead of running them.
    #[arg(long, conflicts_with_all = ["extractor", "ids", "limit", "save_predictions", "output"])]
    pub list: bool,
    /// Extractor spec: quotes-rules, entities-rules, structure-rules, cmd:<program and
    /// arguments>, file:<predictions.jsonl>.
    #[arg(long, conflicts_with = "evals")]
    pub extractor: Option<String>,
    /// The gold (ad hoc runs): a corpus directory, or an interchange JSON Lines file of
    /// documents with text; default the project's corpus/news.
    #[arg(long, requires = "extractor")]
    pub corpus: Option<PathBuf>,
    /// The corpus split (ad hoc runs); default every document.
    #[arg(long, requires = "extractor")]
    pub split: Option<String>,
    /// Run on these documents only: a file of ids, one per line (blank lines and lines
    /// starting with # are skipped).
    #[arg(long, value_name = "FILE")]
    pub ids: Option<PathBuf>,
    /// Run on the first N documents only (of --ids, or of the split), in corpus order.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Matching modes (ad hoc runs).
    #[arg(long = "mode", requires = "extractor", default_values_t = vec!["strict".to_string(), "exact".to_string(), "partial".to_string(), "type".to_string()])]
    pub modes: Vec<String>,
    /// Layers to score (ad hoc runs); default the layers the extractor produced spans in (the
    /// others are named as not predicted).
    #[arg(long = "layer", requires = "extractor")]
    pub layers: Vec<String>,
    /// Label map (TOML `[labels] PER = "PERSON"`) applied to the extractor's outputs before
    /// scoring (ad hoc runs).
    #[arg(long, requires = "extractor")]
    pub label_map: Option<PathBuf>,
    /// Save the extractor's outputs: interchange JSON Lines in corpus order, with a header
    /// line naming the run; `goldspan score --pred FILE` scores them to the same results.
    #[arg(long, value_name = "FILE")]
    pub save_predictions: Option<PathBuf>,
    /// Also write the results JSON to this file (a list when several evals run).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Parallel extractions, and worker processes for cmd: extractors: 1 to 256.
    #[arg(long, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Per-document time limit, in seconds: a cmd: worker is killed, a built-in extractor gives
    /// up; either way the document is a recorded failure.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Stop at the first failing document (exit 3) instead of recording it.
    #[arg(long)]
    pub fail_fast: bool,
    /// Exit 3 when the extractor fails on more than N documents, or more than P% of them
    /// (default: only when it fails on every document).
    #[arg(long, value_name = "N|P%", value_parser = parse_failure_limit)]
    pub max_failures: Option<FailureLimit>,
    /// The longest line a cmd: extractor may write on stdout (bytes; K, M, G, KiB, MiB, GiB
    /// suffixes).
    #[arg(long, value_parser = parse_bytes, default_value = "64MiB")]
    pub max_line_bytes: usize,
    /// Bootstrap samples for confidence intervals (ad hoc runs).
    #[arg(long, default_value_t = 0, requires = "extractor")]
    pub bootstrap: usize,
    /// Bootstrap seed (ad hoc runs).
    #[arg(long, default_value_t = DEFAULT_SEED, requires = "extractor")]
    pub seed: u64,
    /// Cache directory for extractor outputs; default the project's .goldspan-cache/ (an
    /// eval's: beside its evals directory). Outside a project, ad hoc runs cache nothing
    /// unless given one.
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Extract everything again, and cache nothing.
    #[arg(long)]
    pub no_cache: bool,
    /// An environment variable the extractor's output depends on, hashed into the cache key
    /// (ad hoc runs; an eval lists them in cache_inputs). Repeatable.
    #[arg(long = "cache-env", value_name = "NAME")]
    pub cache_env: Vec<String>,
    /// A file or directory the extractor's output depends on (a module it imports, a model),
    /// hashed into the cache key (ad hoc runs; an eval lists them in cache_inputs). Repeatable.
    #[arg(long = "cache-path", value_name = "PATH")]
    pub cache_path: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Also write an HTML report of the run to this file: the overview and every document with
    /// its gold and predicted spans (one eval: name it, or give --extractor; docs/report.md).
    #[arg(long = "report", value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Run one shard of the documents: K/N, shard K (from 0) of N, each document in the shard
    /// its id's BLAKE3 hash gives; writes a partial result to --partial, which goldspan merge
    /// combines (docs/scale.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard, requires = "partial",
          conflicts_with_all = ["list", "html", "save_predictions", "output"])]
    pub shard: Option<Shard>,
    /// Where a shard's partial result goes (with --shard).
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub partial: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub ground: GroundArgs,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The partial results, one per shard, in any order.
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Also write the results JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Exit 3 when the extractor failed on more than N documents, or more than P% of them
    /// (default: only when it failed on every document).
    #[arg(long, value_name = "N|P%", value_parser = parse_failure_limit)]
    pub max_failures: Option<FailureLimit>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Subcommand)]
pub enum MarkupAction {
    /// Compile markup files (.gsm) into the corpus: ID.txt, ID.ann, ID.meta.toml, and the
    /// document's split in goldspan.toml. Nothing is written unless every file is clean.
    Compile {
        /// Markup files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The corpus to write into; default the project's corpus/news.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Only check; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Print a gold document as markup, for editing.
    Render {
        /// Document id.
        id: String,
        /// The corpus to read from; default the project's corpus/news.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Markdown,
}

/// `goldspan check --format`: the output formats, and GitHub workflow annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Json,
    Markdown,
    Github,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("2k"), Ok(2000));
        assert_eq!(parse_bytes("1G"), Ok(1_000_000_000));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("MiB").is_err());
    }
}
