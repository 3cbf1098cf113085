//! Coreference for the quotation extractor: groups the speaker mentions it outputs into
//! clusters, resolving pronouns and organisation nominals to the nearest compatible name
//! before them.
//!
//! Clusters contain only Source spans the extractor outputs (no span is created just for
//! coreference, guidelines D39). A pronoun is keyed by the surname of the person it resolves to,
//! so "Liz Truss", "Truss" and a later "she" share a cluster; "I" is the writer throughout.

use std::collections::BTreeMap;

use super::attrib::{Mention, MentionKind};
use super::lexicon::{contains, ORG_NOMINALS, ORG_WORDS};
use super::text::text;

/// A name found in the text: its mention and whether it looks like an organisation.
pub(super) type NameMention = (Mention, bool);

/// Which entity a mention refers to, as a comparable key; `None` when unknown.
fn key(chars: &[char], m: Mention, names: &[NameMention], surnames: &[String]) -> Option<String> {
    let t = text(chars, m.start, m.end);
    let last_word = |s: &str| s.split_whitespace().last().unwrap_or_default().to_lowercase();
    match m.kind {
        MentionKind::Name => {
            let org = t.split_whitespace().any(|w| contains(ORG_WORDS, w))
                || (t.chars().count() > 1 && t.chars().all(|c| c.is_uppercase() || !c.is_alphabetic()));
            Some(if org { format!("org:{}", t.to_lowercase()) } else { format!("per:{}", last_word(&t)) })
        }
        MentionKind::Pronoun => match t.to_lowercase().as_str() {
            "i" => Some("writer".to_string()),
            "it" => nearest(names, m.start, |_, org| org)
                .map(|n| format!("org:{}", text(chars, n.start, n.end).to_lowercase())),
            "he" | "she" | "they" => nearest(names, m.start, |n, org| !org && is_person(chars, n, surnames))
                .map(|n| format!("per:{}", last_word(&text(chars, n.start, n.end)))),
            _ => None,
        },
        MentionKind::Nominal => {
            if !contains(ORG_NOMINALS, &last_word(&t)) {
                return None;
            }
            nearest(names, m.start, |_, org| org).map(|n| format!("org:{}", text(chars, n.start, n.end).to_lowercase()))
        }
    }
}

/// A person-like name: two or more words, or one word that is the surname of an earlier one.
fn is_person(chars: &[char], n: Mention, surnames: &[String]) -> bool {
    let t = text(chars, n.start, n.end);
    let words = t.split_whitespace().count();
    (2..=4).contains(&words) || (words == 1 && surnames.iter().any(|s| s.eq_ignore_ascii_case(&t)))
}

/// Whether `word` is the last word of a name of two or more words in `names`.
pub(super) fn is_known_surname(chars: &[char], names: &[NameMention], word: &str) -> bool {
    names.iter().any(|(n, org)| {
        let t = text(chars, n.start, n.end);
        !org && t.split_whitespace().count() >= 2
            && t.split_whitespace().last().is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// The last name before code point `before` that `fits`.
fn nearest(names: &[NameMention], before: usize, fits: impl Fn(Mention, bool) -> bool) -> Option<Mention> {
    names.iter().rev().find(|(n, org)| n.end <= before && fits(*n, *org)).map(|(n, _)| *n)
}

/// Clusters of the given Source span ids: `sources` pairs each distinct speaker mention with its
/// span id; `names` are the names in the text, in order. Only clusters of two or more are kept.
pub(super) fn clusters(chars: &[char], sources: &[(Mention, String)], names: &[NameMention]) -> Vec<Vec<String>> {
    let surnames: Vec<String> = names
        .iter()
        .filter(|(_, org)| !org)
        .filter_map(|(n, _)| {
            let t = text(chars, n.start, n.end);
            let mut words = t.split_whitespace();
            let last = words.next_back()?;
            words.next().map(|_| last.to_string())
        })
        .collect();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, id) in sources {
        if let Some(k) = key(chars, *m, names, &surnames) {
            let ids = groups.entry(k).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    groups.into_values().filter(|ids| ids.len() > 1).collect()
}
