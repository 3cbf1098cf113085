//! The metrics in a results document: counts beside the ratios computed from them, per layer,
//! mode and label; relations; quotation attribution; bootstrap intervals.
//!
//! Each struct declares its fields in alphabetical order, the order serde writes them, so the
//! keys of a results document are sorted at every level (maps are `BTreeMap`s) without going
//! through a JSON map whose order depends on serde_json's features. Ratios are checked to lie
//! in [0, 1] when read back, so a snapshot holding `null`, a string or 7.0 where a ratio
//! belongs is an error naming the field.
//!
//! How ratios are computed is a [`RatioRules`]: F1 always, F-beta beside it when `--beta` is
//! not 1 (`f_beta`), the value of a ratio with a zero denominator (`--zero-division`), and
//! whether a macro average over no label is NaN (seqeval's, written `null`: JSON has no NaN)
//! or 0. The defaults write exactly what goldspan wrote before these options existed.

use std::collections::BTreeMap;

use goldspan_score::bootstrap;
use goldspan_score::{average, f_beta, Average, Counts, Mode, Prf, QuoteCounts, Ratios, Tally, ZeroDivision};
use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

/// Reads a ratio: a number in [0, 1].
pub(crate) fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let x = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(D::Error::custom(format!("{x} is not a ratio between 0 and 1")))
    }
}

/// Reads an optional ratio: absent, or a number in [0, 1].
fn optional_ratio<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    ratio(d).map(Some)
}

/// Reads an average: a number in [0, 1], or `null` for NaN (a macro average over no label
/// under seqeval's rules).
fn ratio_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(f64::NAN),
        Some(x) if (0.0..=1.0).contains(&x) => Ok(x),
        Some(x) => Err(D::Error::custom(format!("{x} is not a ratio between 0 and 1"))),
    }
}

/// The schema of an average: a ratio, or `null` (NaN).
fn nullable_ratio(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["number", "null"], "format": "double", "minimum": 0, "maximum": 1 })
}

/// Reads an optional average: absent, `null` (NaN), or a number in [0, 1].
fn optional_ratio_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    ratio_or_nan(d).map(Some)
}

/// How the ratios of a results document are computed from its counts (`goldspan score
/// --beta`, `--zero-division`, `--compat seqeval`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioRules {
    /// β of the F-beta written beside F1 (`f_beta`) when it is not 1; `f64::INFINITY` gives
    /// recall.
    pub beta: f64,
    /// The value of a precision or recall whose denominator is 0.
    pub zero_division: ZeroDivision,
    /// A macro average over no label is NaN (seqeval), not 0.
    pub macro_of_nothing_is_nan: bool,
}

impl Default for RatioRules {
    fn default() -> RatioRules {
        RatioRules { beta: 1.0, zero_division: ZeroDivision::Zero, macro_of_nothing_is_nan: false }
    }
}

impl RatioRules {
    /// Precision, recall and F1 (β = 1) under these rules.
    pub(crate) fn ratios(&self) -> Ratios {
        Ratios { beta: 1.0, zero_division: self.zero_division, partial_credit: 0.5 }
    }

    /// F-beta of `prf`, when β is not 1.
    fn f_beta(&self, prf: &Prf) -> Option<f64> {
        (self.beta != 1.0).then(|| f_beta(prf.precision, prf.recall, self.beta))
    }

    /// The column name of F under these rules: `F1`, `F0.5`, `F2`, `Finf`.
    pub fn f_name(beta: Option<f64>) -> String {
        format!("F{}", beta.unwrap_or(1.0))
    }
}

/// The five SemEval-2013 counts of one layer (or label, or relation type) under one mode,
/// their sums, and the ratios computed from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// ACT = COR + INC + PAR + SPU: the predicted items.
    pub actual: u64,
    /// Correct.
    pub cor: u64,
    /// F1, the harmonic mean of precision and recall.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub f1: f64,
    /// F-beta, with the β of the manifest, when it is not 1 (`score --beta`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub f_beta: Option<f64>,
    /// Incorrect: matched, but wrong under the mode.
    pub inc: u64,
    /// Missed.
    pub mis: u64,
    /// Partial (partial mode only).
    pub par: u64,
    /// POS = COR + INC + PAR + MIS: the gold items.
    pub possible: u64,
    /// (COR + ½·PAR) / ACT; when ACT is 0, the manifest's `zero_division` (default 0).
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub precision: f64,
    /// (COR + ½·PAR) / POS; when POS is 0, the manifest's `zero_division` (default 0).
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub recall: f64,
    /// Spurious.
    pub spu: u64,
}

impl Metrics {
    /// The metrics of `c` under the default rules (F1, a zero denominator gives 0).
    pub fn of(c: &Counts) -> Metrics {
        Metrics::with(c, &RatioRules::default())
    }

    /// The metrics of `c` under `rules`.
    pub fn with(c: &Counts, rules: &RatioRules) -> Metrics {
        let m = c.prf_with(rules.ratios());
        Metrics {
            actual: c.actual(),
            cor: c.cor,
            f1: m.f1,
            f_beta: rules.f_beta(&m),
            inc: c.inc,
            mis: c.mis,
            par: c.par,
            possible: c.possible(),
            precision: m.precision,
            recall: m.recall,
            spu: c.spu,
        }
    }
}

/// An average of per-label precision, recall and F1: macro (the mean over the labels that
/// occur in gold or predictions) or weighted (by each label's support). A macro average over
/// no label is 0, or NaN (written `null`) under seqeval's rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroAverage {
    /// Mean per-label F1.
    #[serde(deserialize_with = "ratio_or_nan")]
    #[schemars(schema_with = "nullable_ratio")]
    pub f1: f64,
    /// Mean per-label F-beta, when the manifest's β is not 1.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "optional_ratio_or_nan")]
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub f_beta: Option<f64>,
    /// Labels averaged over (weighted: the labels with support).
    pub labels: usize,
    /// Mean per-label precision.
    #[serde(deserialize_with = "ratio_or_nan")]
    #[schemars(schema_with = "nullable_ratio")]
    pub precision: f64,
    /// Mean per-label recall.
    #[serde(deserialize_with = "ratio_or_nan")]
    #[schemars(schema_with = "nullable_ratio")]
    pub recall: f64,
}

impl MacroAverage {
    /// The macro averages of a layer under a mode (all 0 over no labels).
    pub fn of(tally: &Tally, layer: &str, mode: Mode) -> MacroAverage {
        MacroAverage::with(tally, layer, mode, &RatioRules::default())
    }

    /// The macro averages of a layer under a mode and `rules`.
    pub fn with(tally: &Tally, layer: &str, mode: Mode, rules: &RatioRules) -> MacroAverage {
        let per_label: Vec<Counts> =
            tally.labels(layer, mode).map(|(_, c)| *c).filter(|c| c.possible() > 0 || c.actual() > 0).collect();
        let labels = per_label.len();
        if labels == 0 && !rules.macro_of_nothing_is_nan {
            return MacroAverage {
                f1: 0.0,
                f_beta: rules.f_beta(&Prf::default()),
                labels,
                precision: 0.0,
                recall: 0.0,
            };
        }
        MacroAverage::averaged(&per_label, Average::Macro, rules, labels)
    }

    /// The weighted averages (by support) of per-label counts `labels`, as seqeval's "weighted
    /// avg": a label without gold weighs nothing; without any gold, recall is the
    /// zero-division value, and precision and F too when nothing was predicted, else 0.
    pub fn weighted(labels: &[Counts], rules: &RatioRules) -> MacroAverage {
        let with_support = labels.iter().filter(|c| c.possible() > 0).count();
        MacroAverage::averaged(labels, Average::Weighted, rules, with_support)
    }

    fn averaged(labels: &[Counts], how: Average, rules: &RatioRules, n: usize) -> MacroAverage {
        let (prf, _) = average(labels, how, rules.ratios());
        let f_beta = (rules.beta != 1.0).then(|| {
            let (prf, _) = average(labels, how, Ratios { beta: rules.beta, ..rules.ratios() });
            prf.f1
        });
        MacroAverage { f1: prf.f1, f_beta, labels: n, precision: prf.precision, recall: prf.recall }
    }
}

/// One layer under one mode: micro, macro and weighted averages, and each label's own counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerScores {
    /// Per label, from that label's spans alone (so micro counts need not be their sum).
    pub labels: BTreeMap<String, Metrics>,
    /// Macro averages over labels.
    #[serde(rename = "macro")]
    pub macro_average: MacroAverage,
    /// Micro counts: all spans of the layer aligned at once.
    pub micro: Metrics,
    /// Averages weighted by each label's support (seqeval's "weighted avg"). In results; not
    /// in snapshots, where it follows from `labels` and is not gated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted: Option<MacroAverage>,
}

impl LayerScores {
    /// The weighted averages: the results' own, or (for a snapshot, or results written before
    /// they held them) those computed from `labels` under the default rules.
    pub fn weighted_average(&self) -> MacroAverage {
        if let Some(weighted) = self.weighted {
            return weighted;
        }
        let counts: Vec<Counts> = self
            .labels
            .values()
            .map(|m| Counts { cor: m.cor, inc: m.inc, par: m.par, mis: m.mis, spu: m.spu })
            .collect();
        MacroAverage::weighted(&counts, &RatioRules::default())
    }
}

/// Quotation attribution under one mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteScores {
    /// Matched quotations whose predicted speaker is right, over matched quotations.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub attribution_accuracy: f64,
    /// Quotation and speaker together: correct only when found with the right speaker.
    pub end_to_end: Metrics,
    /// Gold quotations.
    pub gold: u64,
    /// Gold quotations found under the mode.
    pub matched: u64,
    /// Predicted quotations.
    pub predicted: u64,
    /// Matched quotations with the right speaker.
    pub speaker_right: u64,
}

impl QuoteScores {
    /// The scores of `q` under `rules` (they apply to the end-to-end metrics).
    pub fn with(q: &QuoteCounts, rules: &RatioRules) -> QuoteScores {
        QuoteScores {
            attribution_accuracy: q.attribution_accuracy(),
            end_to_end: Metrics::with(&q.end_to_end(), rules),
            gold: q.gold,
            matched: q.matched,
            predicted: q.predicted,
            speaker_right: q.speaker_right,
        }
    }
}

/// Everything counted over a set of documents (the whole evaluation, or one slice).
/// Layers, relations and quotations are keyed by mode name (`strict`, `overlap:0.5`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scores {
    /// Documents counted.
    pub documents: u64,
    /// Layer → mode → scores.
    pub layers: BTreeMap<String, BTreeMap<String, LayerScores>>,
    /// Mode → quotation attribution (empty when the corpus names no attribution).
    pub quotes: BTreeMap<String, QuoteScores>,
    /// Relation type → mode → counts (a relation is right when both its ends match).
    pub relations: BTreeMap<String, BTreeMap<String, Metrics>>,
}

impl Scores {
    /// The scores of a tally.
    pub fn of(tally: &Tally) -> Scores {
        Scores::with(tally, &RatioRules::default())
    }

    /// The scores of a tally under `rules`.
    pub fn with(tally: &Tally, rules: &RatioRules) -> Scores {
        let mut layers: BTreeMap<String, BTreeMap<String, LayerScores>> = BTreeMap::new();
        for (layer, mode, micro) in tally.micro_entries() {
            let counts: Vec<Counts> = tally.labels(layer, mode).map(|(_, c)| *c).collect();
            let scores = LayerScores {
                labels: tally.labels(layer, mode).map(|(l, c)| (l.to_owned(), Metrics::with(c, rules))).collect(),
                macro_average: MacroAverage::with(tally, layer, mode, rules),
                micro: Metrics::with(micro, rules),
                weighted: Some(MacroAverage::weighted(&counts, rules)),
            };
            layers.entry(layer.to_owned()).or_default().insert(mode.to_string(), scores);
        }
        let mut relations: BTreeMap<String, BTreeMap<String, Metrics>> = BTreeMap::new();
        for (kind, mode, c) in tally.relations() {
            relations.entry(kind.to_owned()).or_default().insert(mode.to_string(), Metrics::with(c, rules));
        }
        let quotes = tally.quotes.iter().map(|(m, q)| (m.to_string(), QuoteScores::with(q, rules))).collect();
        Scores { documents: tally.documents, layers, quotes, relations }
    }
}

/// A two-sided 95% percentile interval, written as `[low, high]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct Interval {
    /// 2.5th percentile.
    pub low: f64,
    /// 97.5th percentile.
    pub high: f64,
}

impl TryFrom<[f64; 2]> for Interval {
    type Error = String;

    fn try_from([low, high]: [f64; 2]) -> Result<Interval, String> {
        if low <= high {
            Ok(Interval { low, high })
        } else {
            Err(format!("an interval's low end ({low}) is above its high end ({high})"))
        }
    }
}

impl From<Interval> for [f64; 2] {
    fn from(i: Interval) -> [f64; 2] {
        [i.low, i.high]
    }
}

impl From<bootstrap::Interval> for Interval {
    fn from(i: bootstrap::Interval) -> Interval {
        Interval { low: i.low, high: i.high }
    }
}

/// Bootstrap intervals of micro precision, recall and F1 of one layer under one mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrfIntervals {
    /// Of F1.
    pub f1: Interval,
    /// Of F-beta, when the manifest's β is not 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f_beta: Option<Interval>,
    /// Of precision.
    pub precision: Interval,
    /// Of recall.
    pub recall: Interval,
}

/// The bootstrap interval of end-to-end quotation F1 under one mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteIntervals {
    /// Of end-to-end (quotation and speaker) F1.
    pub end_to_end_f1: Interval,
}

/// Bootstrap intervals over documents (resampled with replacement, seeded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Intervals {
    /// Layer → mode → intervals of micro precision, recall and F1.
    pub layers: BTreeMap<String, BTreeMap<String, PrfIntervals>>,
    /// Mode → interval of end-to-end quotation F1.
    pub quotes: BTreeMap<String, QuoteIntervals>,
}

/// Rounds every ratio to six places, for snapshots.
pub(crate) trait Rounded {
    /// A copy with every float rounded.
    fn rounded(&self) -> Self;
}

/// `x` rounded to six decimal places.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Rounded for Metrics {
    fn rounded(&self) -> Metrics {
        Metrics {
            f1: round6(self.f1),
            f_beta: self.f_beta.map(round6),
            precision: round6(self.precision),
            recall: round6(self.recall),
            ..*self
        }
    }
}

impl Rounded for MacroAverage {
    fn rounded(&self) -> MacroAverage {
        MacroAverage {
            f1: round6(self.f1),
            f_beta: self.f_beta.map(round6),
            precision: round6(self.precision),
            recall: round6(self.recall),
            ..*self
        }
    }
}

impl Rounded for LayerScores {
    fn rounded(&self) -> LayerScores {
        LayerScores {
            labels: self.labels.rounded(),
            macro_average: self.macro_average.rounded(),
            micro: self.micro.rounded(),
            // Snapshots gate micro and macro; the weighted average follows from `labels`.
            weighted: None,
        }
    }
}

impl Rounded for QuoteScores {
    fn rounded(&self) -> QuoteScores {
        QuoteScores {
            attribution_accuracy: round6(self.attribution_accuracy),
            end_to_end: self.end_to_end.rounded(),
            ..*self
        }
    }
}

impl Rounded for Scores {
    fn rounded(&self) -> Scores {
        Scores {
            documents: self.documents,
            layers: self.layers.rounded(),
            quotes: self.quotes.rounded(),
            relations: self.relations.rounded(),
        }
    }
}

impl Rounded for Interval {
    fn rounded(&self) -> Interval {
        Interval { low: round6(self.low), high: round6(self.high) }
    }
}

impl Rounded for PrfIntervals {
    fn rounded(&self) -> PrfIntervals {
        PrfIntervals {
            f1: self.f1.rounded(),
            f_beta: self.f_beta.as_ref().map(Rounded::rounded),
            precision: self.precision.rounded(),
            recall: self.recall.rounded(),
        }
    }
}

impl Rounded for QuoteIntervals {
    fn rounded(&self) -> QuoteIntervals {
        QuoteIntervals { end_to_end_f1: self.end_to_end_f1.rounded() }
    }
}

impl Rounded for Intervals {
    fn rounded(&self) -> Intervals {
        Intervals { layers: self.layers.rounded(), quotes: self.quotes.rounded() }
    }
}

impl<V: Rounded> Rounded for BTreeMap<String, V> {
    fn rounded(&self) -> BTreeMap<String, V> {
        self.iter().map(|(k, v)| (k.clone(), v.rounded())).collect()
    }
}
