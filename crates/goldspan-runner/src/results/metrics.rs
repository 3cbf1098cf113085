//! The metrics in a results document: counts beside the ratios computed from them, per layer,
//! mode and label; relations; quotation attribution; bootstrap intervals.
//!
//! Each struct declares its fields in alphabetical order, the order serde writes them, so the
//! keys of a results document are sorted at every level (maps are `BTreeMap`s) without going
//! through a JSON map whose order depends on serde_json's features. Ratios are checked to lie
//! in [0, 1] when read back, so a snapshot holding `null`, a string or 7.0 where a ratio
//! belongs is an error naming the field.

use std::collections::BTreeMap;

use goldspan_score::bootstrap;
use goldspan_score::{Counts, Mode, QuoteCounts, Tally};
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
    /// Incorrect: matched, but wrong under the mode.
    pub inc: u64,
    /// Missed.
    pub mis: u64,
    /// Partial (partial mode only).
    pub par: u64,
    /// POS = COR + INC + PAR + MIS: the gold items.
    pub possible: u64,
    /// (COR + ½·PAR) / ACT, 0 when ACT is 0.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub precision: f64,
    /// (COR + ½·PAR) / POS, 0 when POS is 0.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub recall: f64,
    /// Spurious.
    pub spu: u64,
}

impl Metrics {
    /// The metrics of `c`.
    pub fn of(c: &Counts) -> Metrics {
        let m = c.prf();
        Metrics {
            actual: c.actual(),
            cor: c.cor,
            f1: m.f1,
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

/// Macro averages: the mean of per-label precision, recall and F1 over the labels that occur
/// in gold or predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroAverage {
    /// Mean per-label F1.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub f1: f64,
    /// Labels averaged over.
    pub labels: usize,
    /// Mean per-label precision.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub precision: f64,
    /// Mean per-label recall.
    #[serde(deserialize_with = "ratio")]
    #[schemars(range(min = 0, max = 1))]
    pub recall: f64,
}

impl MacroAverage {
    /// The macro averages of a layer under a mode (all 0 over no labels).
    pub fn of(tally: &Tally, layer: &str, mode: Mode) -> MacroAverage {
        let per_label: Vec<_> = tally
            .labels(layer, mode)
            .filter(|(_, c)| c.possible() > 0 || c.actual() > 0)
            .map(|(_, c)| c.prf())
            .collect();
        let n = per_label.len();
        if n == 0 {
            return MacroAverage { f1: 0.0, labels: 0, precision: 0.0, recall: 0.0 };
        }
        let mean = |f: fn(&goldspan_score::Prf) -> f64| per_label.iter().map(f).sum::<f64>() / n as f64;
        MacroAverage { f1: mean(|m| m.f1), labels: n, precision: mean(|m| m.precision), recall: mean(|m| m.recall) }
    }
}

/// One layer under one mode: micro and macro averages, and each label's own counts.
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
}

impl LayerScores {
    /// Per-label precision, recall and F1 averaged with each label weighted by its support
    /// (its gold items, POS), as seqeval's "weighted avg": a label without gold weighs nothing,
    /// and a layer without gold averages to 0. `labels` counts the labels with support. Not
    /// written in results: it follows from `labels`.
    pub fn weighted_average(&self) -> MacroAverage {
        let support: u64 = self.labels.values().map(|m| m.possible).sum();
        if support == 0 {
            return MacroAverage { f1: 0.0, labels: 0, precision: 0.0, recall: 0.0 };
        }
        let mean = |f: fn(&Metrics) -> f64| {
            self.labels.values().map(|m| f(m) * m.possible as f64).sum::<f64>() / support as f64
        };
        MacroAverage {
            f1: mean(|m| m.f1),
            labels: self.labels.values().filter(|m| m.possible > 0).count(),
            precision: mean(|m| m.precision),
            recall: mean(|m| m.recall),
        }
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
    /// The scores of `q`.
    pub fn of(q: &QuoteCounts) -> QuoteScores {
        QuoteScores {
            attribution_accuracy: q.attribution_accuracy(),
            end_to_end: Metrics::of(&q.end_to_end()),
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
        let mut layers: BTreeMap<String, BTreeMap<String, LayerScores>> = BTreeMap::new();
        for (layer, mode, micro) in tally.micro_entries() {
            let scores = LayerScores {
                labels: tally.labels(layer, mode).map(|(l, c)| (l.to_owned(), Metrics::of(c))).collect(),
                macro_average: MacroAverage::of(tally, layer, mode),
                micro: Metrics::of(micro),
            };
            layers.entry(layer.to_owned()).or_default().insert(mode.to_string(), scores);
        }
        let mut relations: BTreeMap<String, BTreeMap<String, Metrics>> = BTreeMap::new();
        for (kind, mode, c) in tally.relations() {
            relations.entry(kind.to_owned()).or_default().insert(mode.to_string(), Metrics::of(c));
        }
        let quotes = tally.quotes.iter().map(|(m, q)| (m.to_string(), QuoteScores::of(q))).collect();
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
        Metrics { f1: round6(self.f1), precision: round6(self.precision), recall: round6(self.recall), ..*self }
    }
}

impl Rounded for MacroAverage {
    fn rounded(&self) -> MacroAverage {
        MacroAverage { f1: round6(self.f1), precision: round6(self.precision), recall: round6(self.recall), ..*self }
    }
}

impl Rounded for LayerScores {
    fn rounded(&self) -> LayerScores {
        LayerScores {
            labels: self.labels.rounded(),
            macro_average: self.macro_average.rounded(),
            micro: self.micro.rounded(),
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
        PrfIntervals { f1: self.f1.rounded(), precision: self.precision.rounded(), recall: self.recall.rounded() }
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
