//! `goldspan agree A B`: inter-annotator agreement as typed results (schema
//! `goldspan.agreement/1`), and their table, Markdown and JSON.

use std::collections::BTreeMap;

use goldspan_runner::results::Metrics;
use goldspan_runner::{Agreement, AGREEMENT_MODES};
use goldspan_score::Mode;
use schemars::JsonSchema;
use serde::Serialize;

use crate::table::Table;

/// The schema of `goldspan agree --format json`.
pub const AGREEMENT_SCHEMA: &str = "goldspan.agreement/1";

/// Agreement between two annotation sets, A playing gold. Fields in alphabetical order, the
/// order they are written in.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AgreementResults {
    /// Name of annotation set A.
    pub a: String,
    /// Name of annotation set B.
    pub b: String,
    /// Documents in both sets, compared.
    pub documents: Vec<String>,
    /// Per layer.
    pub layers: BTreeMap<String, LayerAgreement>,
    /// Documents only in A, not compared.
    pub only_a: Vec<String>,
    /// Documents only in B, not compared.
    pub only_b: Vec<String>,
    /// `goldspan.agreement/1`.
    #[schemars(extend("const" = "goldspan.agreement/1"))]
    pub schema: String,
    /// Speakers of the quotations both sets found.
    pub speakers: SpeakerAgreement,
}

/// Agreement on one layer.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct LayerAgreement {
    /// Cohen's kappa over word-token labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// Per label: `strict` and `overlap` counts, where the label occurs.
    pub labels: BTreeMap<String, BTreeMap<String, Metrics>>,
    /// Share of word tokens with the same label in both sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_agreement: Option<f64>,
    /// Overlap with the same label.
    pub overlap: Metrics,
    /// Same boundaries and label.
    pub strict: Metrics,
    /// Word tokens compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
}

/// Speaker agreement.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SpeakerAgreement {
    /// Same speaker over quotations both found.
    pub agreement: f64,
    /// Quotations both sets found (overlapping, same label).
    pub quotations_both_found: u64,
    /// Of those, with the same speaker.
    pub same_speaker: u64,
}

fn mode_name(mode: Mode) -> &'static str {
    if mode == Mode::Strict {
        "strict"
    } else {
        "overlap"
    }
}

impl AgreementResults {
    /// The agreement of sets named `a` and `b`.
    pub fn new(a: &str, b: &str, result: &Agreement) -> AgreementResults {
        let t = &result.tally;
        let mut layers = BTreeMap::new();
        for layer in t.layers() {
            let mut labels: BTreeMap<String, BTreeMap<String, Metrics>> = BTreeMap::new();
            for mode in AGREEMENT_MODES {
                for (label, c) in t.labels(layer, mode) {
                    labels.entry(label.to_owned()).or_default().insert(mode_name(mode).to_owned(), Metrics::of(c));
                }
            }
            let tokens = result.tokens.get(layer);
            layers.insert(
                layer.to_owned(),
                LayerAgreement {
                    kappa: tokens.map(|t| t.kappa()),
                    labels,
                    observed_agreement: tokens.map(|t| t.observed()),
                    overlap: Metrics::of(&t.micro(layer, Mode::Type)),
                    strict: Metrics::of(&t.micro(layer, Mode::Strict)),
                    tokens: tokens.map(|t| t.total()),
                },
            );
        }
        let speakers = t.quotes.get(&Mode::Type).copied().unwrap_or_default();
        AgreementResults {
            a: a.to_owned(),
            b: b.to_owned(),
            documents: result.documents.clone(),
            layers,
            only_a: result.only_a.clone(),
            only_b: result.only_b.clone(),
            schema: AGREEMENT_SCHEMA.to_owned(),
            speakers: SpeakerAgreement {
                agreement: speakers.attribution_accuracy(),
                quotations_both_found: speakers.matched,
                same_speaker: speakers.speaker_right,
            },
        }
    }
}

/// `goldspan agree --format json`.
pub fn agreement_json(r: &AgreementResults) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default() + "\n"
}

/// `goldspan agree` as a table, or Markdown.
pub fn agreement_table(r: &AgreementResults, markdown: bool) -> String {
    let f = |x: f64| format!("{x:.4}");
    let show = |t: &Table| if markdown { t.markdown() } else { t.render() };
    let mut out = format!("agreement of {} (A) and {} (B) on {} document(s)\n", r.a, r.b, r.documents.len());
    for (ids, name) in [(&r.only_a, "A"), (&r.only_b, "B")] {
        if !ids.is_empty() {
            let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
            let more = if ids.len() > 5 { format!(", and {} more", ids.len() - 5) } else { String::new() };
            out.push_str(&format!(
                "{} document(s) only in {name}, not compared: {}{more}\n",
                ids.len(),
                shown.join(", ")
            ));
        }
    }
    let mut t = Table::new(&["layer", "label", "A", "B", "strict F1", "overlap F1", "kappa", "observed"]);
    for (layer, entry) in &r.layers {
        t.row(vec![
            layer.clone(),
            "(all)".into(),
            entry.strict.possible.to_string(),
            entry.strict.actual.to_string(),
            f(entry.strict.f1),
            f(entry.overlap.f1),
            f(entry.kappa.unwrap_or_default()),
            f(entry.observed_agreement.unwrap_or_default()),
        ]);
        for (label, modes) in &entry.labels {
            let strict = modes.get("strict");
            t.row(vec![
                layer.clone(),
                label.clone(),
                strict.map_or(0, |m| m.possible).to_string(),
                strict.map_or(0, |m| m.actual).to_string(),
                f(strict.map_or(0.0, |m| m.f1)),
                f(modes.get("overlap").map_or(0.0, |m| m.f1)),
                String::new(),
                String::new(),
            ]);
        }
    }
    out.push('\n');
    out.push_str(&show(&t));
    let s = &r.speakers;
    out.push_str(&format!(
        "\nspeakers: {} of {} quotations found by both have the same speaker ({})\n",
        s.same_speaker,
        s.quotations_both_found,
        f(s.agreement)
    ));
    out
}
