//! Typed results: what `goldspan score` and `goldspan run` report (schema
//! `goldspan.results/1`), the stable snapshot `goldspan check` compares against
//! (`goldspan.snapshot/1`), and the gate's verdict.
//!
//! A [`Results`] is built once from an [`Evaluation`]: a manifest saying what was scored and
//! how, then counts beside every ratio, per layer, mode and label, relations, quotations,
//! slices and, when asked, bootstrap intervals, per-document counts, classified errors and a
//! paired comparison with a baseline. Every printer (goldspan-report) is a function of it; its
//! JSON is serde's rendering of these types, checked against the committed JSON schema in
//! `docs/schema/`. Ratios are computed from summed counts, so the same inputs give the same
//! bytes whatever the thread count.

pub(crate) mod errors;
mod gate;
mod metrics;
mod paired;
mod snapshot;

use std::collections::BTreeMap;

use goldspan_score::bootstrap;
use goldspan_score::{Counts, Grounding, Mode};
use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

pub use errors::{ErrorCounts, ErrorFilter, ErrorList, ErrorRecord, ErrorSide, Errors};
pub use gate::{check, gate, CheckOutcome, Comparison, Metric, Policy, Presence, Update, Verdict};
pub use metrics::{
    Interval, Intervals, LayerScores, MacroAverage, Metrics, PrfIntervals, QuoteIntervals, QuoteScores, RatioRules,
    Scores,
};
pub use paired::{paired_comparison, paired_metrics, PairedF1};
pub use snapshot::{read_snapshot, write_snapshot, Snapshot, SnapshotError, SnapshotManifest, SNAPSHOT_SCHEMA};

use crate::evaluate::Evaluation;
use crate::run::{RunConfig, RunOutcome};

/// The schema name and version written in every results document.
pub const SCHEMA: &str = "goldspan.results/1";

/// Reads a `schema` field that must be `expected`.
pub(crate) fn schema_is<'de, D: Deserializer<'de>>(d: D, expected: &str) -> Result<String, D::Error> {
    let found = String::deserialize(d)?;
    if found == expected {
        Ok(found)
    } else {
        Err(D::Error::custom(format!("{found:?} is not supported: this goldspan reads {expected:?}")))
    }
}

fn results_schema<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    schema_is(d, SCHEMA)
}

/// What was scored, for the manifest.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Gold name (corpus name or file stem).
    pub gold: String,
    /// Split, if any.
    pub split: Option<String>,
    /// What produced the predictions (a file name, an extractor spec).
    pub predictions: String,
    /// Modes scored.
    pub modes: Vec<Mode>,
    /// Bootstrap samples and seed, if intervals were computed.
    pub bootstrap: Option<(usize, u64)>,
    /// Whether a label map was applied.
    pub label_map: bool,
    /// Whether per-document counts go into the results.
    pub per_document: bool,
    /// How predictions given as text were placed.
    pub grounding: Grounding,
}

/// What a run's results take from the run besides its evaluation.
pub(crate) struct RunParts {
    /// Gold name.
    pub corpus: String,
    /// Hash of the documents in scope.
    pub corpus_hash: String,
    /// The extractor's identity.
    pub extractor: ExtractorIdentity,
    /// Documents the extractor failed on, sorted by id.
    pub failures: Vec<Failure>,
    /// Documents taken from the cache and extracted.
    pub extraction: Extraction,
    /// The split, if any.
    pub split: Option<String>,
    /// Modes scored.
    pub modes: Vec<Mode>,
    /// Whether a label map was applied.
    pub label_map: bool,
    /// Whether per-document counts were kept (`Config::per_document`).
    pub per_document: bool,
    /// How predictions given as text were placed.
    pub grounding: Grounding,
}

/// A results document. Optional sections are left out of the JSON when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "goldspan results", description = "What `goldspan score` and `goldspan run` report.")]
pub struct Results {
    /// Paired comparison with a baseline (`score --against`), one row per layer and mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Vec<PairedF1>>,
    /// Label confusions (`--errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confusions: Option<Vec<Confusion>>,
    /// Which documents were scored.
    pub documents: DocumentsScored,
    /// Classified errors (`--errors`), by document, then layer and position; those the
    /// listing's filter keeps (`--error-class`, `--error-label`, `--error-limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<ErrorRecord>>")]
    pub errors: Option<ErrorList>,
    /// Extraction statistics of a run (volatile: not in snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<Extraction>,
    /// Documents the extractor failed on (runs only), scored as empty predictions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<Vec<Failure>>,
    /// Predictions given as text without offsets and how grounding placed them; present only
    /// when there were any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grounding: Option<GroundingReport>,
    /// Bootstrap intervals, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<Intervals>,
    /// What was scored and how.
    pub manifest: Manifest,
    /// Per-document micro counts (`--per-document`), sorted by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_document: Option<Vec<DocumentScores>>,
    /// `goldspan.results/1`.
    #[schemars(extend("const" = "goldspan.results/1"))]
    #[serde(deserialize_with = "results_schema")]
    pub schema: String,
    /// Metadata field → value → scores of the documents with that value.
    pub slices: BTreeMap<String, BTreeMap<String, Scores>>,
    /// Token-level tag counts (`score --conll FILE --mode tags`): seqeval's
    /// `performance_measure` and `accuracy_score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagScores>,
    /// Scores over every document in scope.
    pub total: Scores,
}

/// seqeval's `performance_measure` over the tags of aligned tokens (docs/metrics.md §4):
/// every token is one of TP, FP, FN or TN, by its gold and predicted tag strings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagScores {
    /// (TP + TN) / tokens, seqeval's `accuracy_score`; 0 without tokens.
    #[serde(deserialize_with = "metrics::ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub accuracy: f64,
    /// A gold tag other than `O` predicted `O`.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// Different tags, the predicted one not `O`.
    pub fp: u64,
    /// Both `O`.
    pub tn: u64,
    /// Tokens compared.
    pub tokens: u64,
    /// Equal tags, not both `O`.
    pub tp: u64,
}

impl TagScores {
    /// The scores of `c`.
    pub fn of(c: &goldspan_score::tags::TagCounts) -> TagScores {
        TagScores { accuracy: c.accuracy(), fn_: c.fn_, fp: c.fp, tn: c.tn, tokens: c.tokens(), tp: c.tp }
    }
}

/// Writes β: a number, or `"inf"` (JSON has no infinity).
fn write_beta<S: serde::Serializer>(beta: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match beta {
        Some(b) if b.is_infinite() => s.serialize_str("inf"),
        Some(b) => s.serialize_f64(*b),
        None => s.serialize_none(),
    }
}

/// The schema of β: a number of at least 0, or `"inf"`.
fn beta_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "anyOf": [{ "type": "number", "minimum": 0 }, { "const": "inf" }] })
}

/// Reads β: a number of at least 0, or `"inf"`.
fn read_beta<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Beta {
        Number(f64),
        Text(String),
    }
    match Beta::deserialize(d)? {
        Beta::Number(b) if b >= 0.0 => Ok(Some(b)),
        Beta::Text(t) if t == "inf" => Ok(Some(f64::INFINITY)),
        Beta::Number(b) => Err(D::Error::custom(format!("β {b} is below 0"))),
        Beta::Text(t) => Err(D::Error::custom(format!("β {t:?} is not a number or \"inf\""))),
    }
}

/// Reads the zero-division value: 1 (0 is the default, left out).
fn read_zero_division<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    match u8::deserialize(d)? {
        z @ (0 | 1) => Ok(Some(z)),
        z => Err(D::Error::custom(format!("zero_division {z} is neither 0 nor 1"))),
    }
}

/// What was scored and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// β of the F-beta written beside every F1 (`f_beta`), a number or `"inf"`; absent for
    /// β = 1 (`score --beta`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "write_beta",
        deserialize_with = "read_beta"
    )]
    #[schemars(schema_with = "beta_schema")]
    pub beta: Option<f64>,
    /// Bootstrap samples and seed, or null without intervals.
    pub bootstrap: Option<Bootstrap>,
    /// The reference tool whose rules were followed (`score --compat`); absent for goldspan's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compat: Option<String>,
    /// Hash of the documents in scope: texts, metadata and annotations (runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_hash: Option<String>,
    /// The extractor's identity (runs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extractor: Option<ExtractorIdentity>,
    /// Gold name (corpus name or file stem).
    pub gold: String,
    /// The goldspan version that scored (volatile: not in snapshots).
    pub goldspan_version: String,
    /// Whether a label map was applied to the predictions.
    pub label_map: bool,
    /// Modes scored, in the order asked for.
    pub modes: Vec<String>,
    /// What produced the predictions: a file name or an extractor spec.
    pub predictions: String,
    /// The split scored, or null for every document.
    pub split: Option<String>,
    /// The value of a precision or recall whose denominator is 0, when it is 1
    /// (`score --zero-division 1`); absent for 0.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "read_zero_division")]
    pub zero_division: Option<u8>,
}

impl Manifest {
    /// The name of the F column under this manifest's β: `F1`, `F2`, `F0.5`, `Finf`.
    pub fn f_name(&self) -> String {
        RatioRules::f_name(self.beta)
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bootstrap {
    /// Resamples.
    pub samples: usize,
    /// Seed of the pinned SplitMix64 generator.
    pub seed: u64,
}

/// An extractor's identity: part of every cache key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractorIdentity {
    /// A hash of its configuration, hex (may be empty).
    pub config_hash: String,
    /// Its spec or name.
    pub name: String,
    /// The version of its logic or model.
    pub version: String,
}

/// Which documents were scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentsScored {
    /// Gold documents without predictions, scored as empty predictions.
    pub missing_predictions: Vec<String>,
    /// Predictions for gold documents outside the split, ignored.
    pub outside_split: usize,
    /// Documents scored.
    pub scored: u64,
}

/// One document's micro counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentScores {
    /// Document id.
    pub id: String,
    /// Layer → mode → micro counts.
    pub layers: BTreeMap<String, BTreeMap<String, Metrics>>,
}

/// How often a gold label was predicted as another (or the same) label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Confusion {
    /// Pairs.
    pub count: u64,
    /// Gold label.
    pub gold: String,
    /// Layer.
    pub layer: String,
    /// Predicted label.
    pub predicted: String,
}

/// A document the extractor failed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// Document id.
    pub document: String,
    /// Why.
    pub reason: String,
}

/// Predictions given as text (a language model's strings) and how grounding placed them
/// (docs/metrics.md §11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundingReport {
    /// Layer → what grounding did with its strings.
    pub layers: BTreeMap<String, GroundingScores>,
    /// Which occurrences of a mention were taken: `all`, `first` or `nth`.
    pub occurrences: String,
    /// How strings were compared with the text: `exact`, `casefold` or `fuzzy`.
    pub rule: String,
    /// The least similarity of a fuzzy quotation's window.
    #[serde(deserialize_with = "metrics::ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub threshold: f64,
    /// Over every layer.
    pub total: GroundingScores,
    /// Every string that could not be placed, by document, each counted as spurious.
    pub ungrounded: Vec<UngroundedRecord>,
}

/// What grounding did with the strings of a layer: `strings = placed + repeated + ungrounded`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundingScores {
    /// Strings given a place.
    pub placed: u64,
    /// Mentions listed again (occurrences `all` and `first`), merged with their first listing.
    pub repeated: u64,
    /// Spans made from the placed strings.
    pub spans: u64,
    /// Predictions given as text.
    pub strings: u64,
    /// Strings that could not be placed, counted as spurious.
    pub ungrounded: u64,
    /// Ungrounded over strings (0 when there are none).
    #[serde(deserialize_with = "metrics::ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub ungrounded_rate: f64,
}

impl GroundingScores {
    fn of(c: &goldspan_score::GroundingCounts) -> GroundingScores {
        GroundingScores {
            placed: c.placed,
            repeated: c.repeated,
            spans: c.spans,
            strings: c.strings,
            ungrounded: c.ungrounded,
            ungrounded_rate: c.ungrounded_rate(),
        }
    }
}

/// A string that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UngroundedRecord {
    /// Document id.
    pub document: String,
    /// Its id in the predictions.
    pub id: String,
    /// Label.
    pub label: String,
    /// Layer.
    pub layer: String,
    /// Why it has no place.
    pub reason: String,
    /// The text as predicted.
    pub text: String,
}

impl GroundingReport {
    /// The report of `tally`'s strings, or `None` when it has none.
    fn of(tally: &goldspan_score::Tally, grounding: &Grounding) -> Option<GroundingReport> {
        let mut total = goldspan_score::GroundingCounts::default();
        for c in tally.grounding.values() {
            total += *c;
        }
        (total.strings > 0).then(|| GroundingReport {
            layers: tally.grounding.iter().map(|(l, c)| (l.clone(), GroundingScores::of(c))).collect(),
            occurrences: grounding.occurrences.name().to_owned(),
            rule: grounding.rule.name().to_owned(),
            threshold: grounding.threshold(),
            total: GroundingScores::of(&total),
            ungrounded: tally
                .ungrounded
                .iter()
                .map(|u| UngroundedRecord {
                    document: u.document.clone(),
                    id: u.id.to_string(),
                    label: u.label.to_string(),
                    layer: u.layer.to_string(),
                    reason: u.reason.to_string(),
                    text: u.text.clone(),
                })
                .collect(),
        })
    }
}

/// How a run's predictions were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extraction {
    /// Documents taken from the cache.
    pub cached: usize,
    /// Documents extracted in this run.
    pub performed: usize,
}

impl Results {
    /// The results of an evaluation.
    pub fn new(eval: &Evaluation, info: &RunInfo) -> Results {
        Results::with_rules(eval, info, &RatioRules::default())
    }

    /// The results of an evaluation, its ratios computed under `rules` (which the manifest
    /// records).
    pub fn with_rules(eval: &Evaluation, info: &RunInfo, rules: &RatioRules) -> Results {
        let errors = eval.errors.total() > 0 || !eval.confusions.is_empty();
        Results {
            comparison: None,
            confusions: errors.then(|| {
                eval.confusions
                    .iter()
                    .map(|((layer, gold, predicted), n)| Confusion {
                        count: *n,
                        gold: gold.clone(),
                        layer: layer.clone(),
                        predicted: predicted.clone(),
                    })
                    .collect()
            }),
            documents: DocumentsScored {
                missing_predictions: eval.missing.clone(),
                outside_split: eval.outside_split,
                scored: eval.total.documents,
            },
            errors: errors.then(|| eval.errors.clone()),
            extraction: None,
            failures: None,
            grounding: GroundingReport::of(&eval.total, &info.grounding),
            intervals: info.bootstrap.map(|(samples, seed)| intervals(eval, samples, seed, rules)),
            manifest: Manifest {
                beta: (rules.beta != 1.0).then_some(rules.beta),
                bootstrap: info.bootstrap.map(|(samples, seed)| Bootstrap { samples, seed }),
                compat: None,
                corpus_hash: None,
                extractor: None,
                gold: info.gold.clone(),
                goldspan_version: env!("CARGO_PKG_VERSION").to_owned(),
                label_map: info.label_map,
                modes: info.modes.iter().map(Mode::to_string).collect(),
                predictions: info.predictions.clone(),
                split: info.split.clone(),
                zero_division: (rules.zero_division == goldspan_score::ZeroDivision::One).then_some(1),
            },
            per_document: info.per_document.then(|| per_document(eval, rules)),
            schema: SCHEMA.to_owned(),
            slices: {
                let mut slices: BTreeMap<String, BTreeMap<String, Scores>> = BTreeMap::new();
                for ((field, value), tally) in &eval.slices {
                    slices.entry(field.clone()).or_default().insert(value.clone(), Scores::with(tally, rules));
                }
                slices
            },
            tags: None,
            total: Scores::with(&eval.total, rules),
        }
    }

    /// The results of a run: its evaluation, with the corpus hash, the extractor's identity,
    /// its failures and where its predictions came from.
    pub fn of_run(outcome: &RunOutcome, run: &RunConfig, bootstrap: Option<(usize, u64)>) -> Results {
        let parts = RunParts {
            corpus: outcome.corpus.clone(),
            corpus_hash: outcome.corpus_hash.clone(),
            extractor: ExtractorIdentity {
                config_hash: outcome.extractor.config_hash.clone(),
                name: outcome.extractor.name.clone(),
                version: outcome.extractor.version.clone(),
            },
            failures: outcome
                .failures
                .iter()
                .map(|f| Failure { document: f.document.clone(), reason: f.reason.clone() })
                .collect(),
            extraction: Extraction { cached: outcome.cached, performed: outcome.extracted },
            split: run.split.clone(),
            modes: run.scoring.options.modes.clone(),
            label_map: !run.scoring.label_map.is_empty(),
            per_document: run.scoring.per_document,
            grounding: run.scoring.options.grounding,
        };
        Results::of_run_parts(&outcome.evaluation, parts, bootstrap)
    }

    /// The results of a run from its parts: what [`Results::of_run`] takes from a run, and
    /// what a merge of shards' partial results ([`crate::partial`]) has of it. One function
    /// builds both, so a merged run cannot drift from a run on one machine.
    pub(crate) fn of_run_parts(eval: &Evaluation, parts: RunParts, bootstrap: Option<(usize, u64)>) -> Results {
        let info = RunInfo {
            gold: parts.corpus,
            split: parts.split,
            predictions: parts.extractor.name.clone(),
            modes: parts.modes,
            bootstrap,
            label_map: parts.label_map,
            per_document: parts.per_document && bootstrap.is_none(),
            grounding: parts.grounding,
        };
        let mut results = Results::new(eval, &info);
        results.manifest.corpus_hash = Some(parts.corpus_hash);
        results.manifest.extractor = Some(parts.extractor);
        results.failures = Some(parts.failures);
        results.extraction = Some(parts.extraction);
        results
    }

    /// The same results with per-document scores, from an evaluation that kept per-document
    /// counts (`Config::per_document`); none otherwise.
    pub fn with_per_document(mut self, eval: &Evaluation) -> Results {
        self.per_document = Some(per_document(eval, &RatioRules::default()));
        self
    }

    /// The same results, listing only the errors `filter` keeps.
    pub fn with_error_filter(mut self, filter: ErrorFilter) -> Results {
        self.errors = self.errors.map(|e| e.filtered(filter));
        self
    }

    /// The same results with a paired comparison against a baseline.
    pub fn with_comparison(mut self, rows: Vec<PairedF1>) -> Results {
        self.comparison = Some(rows);
        self
    }

    /// The JSON text: pretty-printed, keys sorted, a final newline.
    pub fn to_json(&self) -> String {
        to_json_text(self)
    }
}

/// Pretty JSON with a final newline. Serialising these types cannot fail: every map key is a
/// string and every value is plain data.
pub(crate) fn to_json_text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Each document's micro metrics per layer and mode, sorted by id.
fn per_document(eval: &Evaluation, rules: &RatioRules) -> Vec<DocumentScores> {
    eval.documents
        .iter()
        .map(|d| {
            let mut layers: BTreeMap<String, BTreeMap<String, Metrics>> = BTreeMap::new();
            for ((layer, mode), c) in &d.micro {
                layers.entry(layer.clone()).or_default().insert(mode.to_string(), Metrics::with(c, rules));
            }
            DocumentScores { id: d.id.clone(), layers }
        })
        .collect()
}

/// Bootstrap intervals of micro precision, recall and F1 per (layer, mode), and of end-to-end
/// quotation F1 per mode, from per-document counts; of F-beta too when β is not 1.
fn intervals(eval: &Evaluation, samples: usize, seed: u64, rules: &RatioRules) -> Intervals {
    let ratios = goldspan_score::Ratios { beta: 1.0, zero_division: rules.zero_division, partial_credit: 0.5 };
    let fbeta = goldspan_score::Ratios { beta: rules.beta, ..ratios };
    let mut keys: Vec<(String, Mode)> = eval.documents.iter().flat_map(|d| d.micro.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Intervals::default();
    for (layer, mode) in keys {
        let per_doc: Vec<Counts> =
            eval.documents.iter().map(|d| d.micro.get(&(layer.clone(), mode)).copied().unwrap_or_default()).collect();
        let of = |metric: &dyn Fn(&Counts) -> f64| Interval::from(bootstrap::interval(&per_doc, samples, seed, metric));
        let prf = PrfIntervals {
            f1: of(&|c| c.prf_with(ratios).f1),
            f_beta: (rules.beta != 1.0).then(|| of(&|c| c.prf_with(fbeta).f1)),
            precision: of(&|c| c.prf_with(ratios).precision),
            recall: of(&|c| c.prf_with(ratios).recall),
        };
        out.layers.entry(layer).or_default().insert(mode.to_string(), prf);
    }
    let mut modes: Vec<Mode> = eval.documents.iter().flat_map(|d| d.quotes.keys().copied()).collect();
    modes.sort();
    modes.dedup();
    for mode in modes {
        let per_doc: Vec<Counts> =
            eval.documents.iter().map(|d| d.quotes.get(&mode).copied().unwrap_or_default().end_to_end()).collect();
        let f1 = bootstrap::interval(&per_doc, samples, seed, |c| c.prf_with(ratios).f1);
        out.quotes.insert(mode.to_string(), QuoteIntervals { end_to_end_f1: f1.into() });
    }
    out
}
