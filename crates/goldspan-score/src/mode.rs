//! Matching modes: what makes a predicted span count as finding a gold span.

use std::fmt;
use std::str::FromStr;

use goldspan_model::Span;

use crate::align::{iou, overlaps};

/// A matching mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Same boundaries and label (SemEval strict; CoNLL and seqeval's span F1).
    Strict,
    /// Same boundaries, label ignored.
    Exact,
    /// Overlap counts half, same boundaries whole, label ignored.
    Partial,
    /// Overlap and same label (SemEval "type", nervaluate `ent_type`).
    Type,
    /// One-to-one, character IoU at least `permille`/1000, label required.
    Overlap {
        /// The IoU threshold in thousandths (500 = 0.5), so modes compare exactly.
        permille: u16,
    },
    /// Token level: word tokens covered by a span of the same label.
    Tokens,
    /// Mention level, no offsets: per document, the multiset of (normalised text, label)
    /// pairs of gold against predictions. Scores spans only (no relations or attribution).
    Mentions,
}

/// The SemEval modes, in reporting order.
pub const SEMEVAL: [Mode; 4] = [Mode::Strict, Mode::Exact, Mode::Partial, Mode::Type];

impl Mode {
    /// Whether two spans "match" in this mode, for relation arguments. Labels are compared
    /// only when `with_label` (a speaker Source matches a PERSON mention of its cluster).
    pub fn spans_match(self, a: &Span, b: &Span, with_label: bool) -> bool {
        let label_ok = !with_label || a.label() == b.label();
        match self {
            Mode::Strict => label_ok && a.same_fragments(b),
            Mode::Exact => a.same_fragments(b),
            Mode::Partial => overlaps(a, b),
            Mode::Type | Mode::Tokens => label_ok && overlaps(a, b),
            // Never asked: mentions mode compares texts and scores no relations.
            Mode::Mentions => label_ok && a.same_fragments(b),
            Mode::Overlap { permille } => label_ok && iou(a, b) >= f64::from(permille) / 1000.0,
        }
    }

    /// The IoU threshold of an overlap mode.
    pub fn threshold(self) -> Option<f64> {
        match self {
            Mode::Overlap { permille } => Some(f64::from(permille) / 1000.0),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Strict => f.write_str("strict"),
            Mode::Exact => f.write_str("exact"),
            Mode::Partial => f.write_str("partial"),
            Mode::Type => f.write_str("type"),
            Mode::Overlap { permille } => {
                let s = format!("{:.3}", f64::from(*permille) / 1000.0);
                write!(f, "overlap:{}", s.trim_end_matches('0').trim_end_matches('.'))
            }
            Mode::Tokens => f.write_str("tokens"),
            Mode::Mentions => f.write_str("mentions"),
        }
    }
}

/// Why a mode name did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown mode {:?}{}: use strict, exact, partial, type, overlap:θ (0.001 ≤ θ ≤ 1, in thousandths), tokens or mentions",
    .0,
    suggest(.0)
)]
pub struct ModeError(pub String);

/// " (did you mean "strict"?)" for a typo of a mode's name.
fn suggest(given: &str) -> String {
    let names = ["strict", "exact", "partial", "type", "tokens", "mentions", "overlap"];
    // `overlp:0.7` keeps its threshold: the name before the colon is compared.
    let (name, theta) = given.split_once(':').map_or((given, None), |(n, t)| (n, Some(t)));
    match goldspan_model::did_you_mean(name, names) {
        // The name is right; the threshold is what is wrong, as the message says.
        Some(near) if near == name => String::new(),
        Some("overlap") => format!(" (did you mean \"overlap:{}\"?)", theta.unwrap_or("0.5")),
        Some(near) => format!(" (did you mean {near:?}?)"),
        None => String::new(),
    }
}

impl FromStr for Mode {
    type Err = ModeError;

    fn from_str(s: &str) -> Result<Mode, ModeError> {
        Ok(match s {
            "strict" => Mode::Strict,
            "exact" => Mode::Exact,
            "partial" => Mode::Partial,
            "type" | "ent_type" => Mode::Type,
            "tokens" => Mode::Tokens,
            "mentions" => Mode::Mentions,
            _ => {
                let theta: f64 = s
                    .strip_prefix("overlap:")
                    .and_then(|t| t.parse().ok())
                    .filter(|t: &f64| *t >= 0.001 && *t <= 1.0)
                    .ok_or_else(|| ModeError(s.to_owned()))?;
                Mode::Overlap { permille: (theta * 1000.0).round() as u16 }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_through_their_names() {
        for name in
            ["strict", "exact", "partial", "type", "tokens", "mentions", "overlap:0.5", "overlap:1", "overlap:0.75"]
        {
            let mode: Mode = name.parse().expect("parses");
            assert_eq!(mode.to_string(), name);
        }
        assert!("overlap:0".parse::<Mode>().is_err());
        let typo = |s: &str| s.parse::<Mode>().expect_err("a typo").to_string();
        assert!(
            typo("stict").starts_with("unknown mode \"stict\" (did you mean \"strict\"?): use"),
            "{}",
            typo("stict")
        );
        assert!(typo("overlp:0.7").contains("(did you mean \"overlap:0.7\"?)"), "{}", typo("overlp:0.7"));
        assert!(typo("Strict").contains("(did you mean \"strict\"?)"));
        assert!(!typo("bleu").contains("did you mean"));
        assert!("overlap:0.0004".parse::<Mode>().is_err());
        assert!("overlap:1.5".parse::<Mode>().is_err());
        assert!("fuzzy".parse::<Mode>().is_err());
    }
}
