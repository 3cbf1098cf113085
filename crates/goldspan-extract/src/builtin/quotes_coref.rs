//! Coreference for the quotation extractor: groups the speaker mentions it outputs into
//! clusters, resolving pronouns and organisation nominals to the nearest compatible name
//! before them.
//!
//! Clusters contain only Source spans the extractor outputs (no span is created just for
//! coreference, guidelines D39). A pronoun is keyed by the surname of the person it resolves to,
//! so "Liz Truss", "Truss" and a later "she" share a cluster; "I" is the writer throughout.

use std::collections::{BTreeMap, HashSet};

use super::attrib::{Mention, MentionKind};
use super::lexicon::{contains, org_nominals, org_words};
use super::text::text;

/// A name found in the text: its mention and whether it looks like an organisation.
pub(super) type NameMention = (Mention, bool);

/// The names of a text, in text order, with what the rules ask of them answered from sets and
/// sorted lists rather than by walking every name for every question.
#[derive(Debug, Default)]
pub(super) struct Names {
    /// Every name so far, in text order (their ends increase).
    list: Vec<NameMention>,
    /// The last words of the person names of two or more words, ASCII-lowercased.
    surnames: HashSet<String>,
}

impl Names {
    /// Adds the names of the next line.
    pub(super) fn extend(&mut self, chars: &[char], names: Vec<NameMention>) {
        for (n, org) in names {
            debug_assert!(self.list.last().is_none_or(|(m, _)| m.end <= n.end), "names come in text order");
            if !org {
                let t = text(chars, n.start, n.end);
                let mut words = t.split_whitespace();
                if let (Some(last), Some(_)) = (words.next_back(), words.next()) {
                    self.surnames.insert(last.to_ascii_lowercase());
                }
            }
            self.list.push((n, org));
        }
    }

    /// Whether `word` is the last word of a person's name of two or more words met so far
    /// (ASCII letters compared without case).
    pub(super) fn is_known_surname(&self, word: &str) -> bool {
        self.surnames.contains(&word.to_ascii_lowercase())
    }
}

/// The antecedents a pronoun or nominal may resolve to, each kind in text order.
struct Antecedents {
    /// Names that look like organisations.
    orgs: Vec<Mention>,
    /// Names that look like people (see `is_person`).
    people: Vec<Mention>,
}

impl Antecedents {
    fn new(chars: &[char], names: &Names) -> Antecedents {
        let mut orgs = Vec::new();
        let mut people = Vec::new();
        for &(n, org) in &names.list {
            if org {
                orgs.push(n);
            } else if is_person(chars, n, &names.surnames) {
                people.push(n);
            }
        }
        Antecedents { orgs, people }
    }
}

/// The last mention of `list` (in text order) that ends at or before code point `before`.
fn nearest(list: &[Mention], before: usize) -> Option<Mention> {
    list.partition_point(|n| n.end <= before).checked_sub(1).map(|i| list[i])
}

/// Which entity a mention refers to, as a comparable key; `None` when unknown.
fn key(chars: &[char], m: Mention, antecedents: &Antecedents) -> Option<String> {
    let t = text(chars, m.start, m.end);
    let last_word = |s: &str| s.split_whitespace().last().unwrap_or_default().to_lowercase();
    let org_key = |n: Mention| format!("org:{}", text(chars, n.start, n.end).to_lowercase());
    match m.kind {
        MentionKind::Name => {
            let org = t.split_whitespace().any(|w| contains(org_words(), w))
                || (t.chars().count() > 1 && t.chars().all(|c| c.is_uppercase() || !c.is_alphabetic()));
            Some(if org { format!("org:{}", t.to_lowercase()) } else { format!("per:{}", last_word(&t)) })
        }
        MentionKind::Pronoun => match t.to_lowercase().as_str() {
            "i" => Some("writer".to_string()),
            "it" => nearest(&antecedents.orgs, m.start).map(org_key),
            "he" | "she" | "they" => nearest(&antecedents.people, m.start)
                .map(|n| format!("per:{}", last_word(&text(chars, n.start, n.end)))),
            _ => None,
        },
        MentionKind::Nominal => {
            if !contains(org_nominals(), &last_word(&t)) {
                return None;
            }
            nearest(&antecedents.orgs, m.start).map(org_key)
        }
    }
}

/// A person-like name: two or more words, or one word that is the surname of a name of two
/// or more words in the text.
fn is_person(chars: &[char], n: Mention, surnames: &HashSet<String>) -> bool {
    let t = text(chars, n.start, n.end);
    let words = t.split_whitespace().count();
    (2..=4).contains(&words) || (words == 1 && surnames.contains(&t.to_ascii_lowercase()))
}

/// Clusters of the given Source span ids: `sources` pairs each distinct speaker mention with its
/// span id; `names` are the names in the text, in order. Only clusters of two or more are kept.
pub(super) fn clusters(chars: &[char], sources: &[(Mention, String)], names: &Names) -> Vec<Vec<String>> {
    let antecedents = Antecedents::new(chars, names);
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut grouped: HashSet<&str> = HashSet::new();
    for (m, id) in sources {
        if let Some(k) = key(chars, *m, &antecedents) {
            // A span is in one cluster: its mention has one key.
            if grouped.insert(id) {
                groups.entry(k).or_default().push(id.clone());
            }
        }
    }
    groups.into_values().filter(|ids| ids.len() > 1).collect()
}
