//! Names a user types (layers, labels, splits, modes, metadata fields, document ids) checked
//! against the names that exist: an unknown one is an error listing the valid names, with the
//! closest as a "did you mean".
//!
//! The closest name is found by edit distance (insertions, deletions, substitutions and swaps
//! of neighbouring characters, ignoring case), and offered only when it is near enough to be a
//! typo of it: at most two edits in five of the longer name, and at least one.

use std::fmt;

/// Names listed in full in an error; longer lists are cut with a count.
const LISTED: usize = 24;

/// A name that is not among the valid ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What kind of name: `layer`, `split`, `metadata field`, ...
    pub kind: String,
    /// What was given.
    pub given: String,
    /// The valid names, in the order to list them.
    pub valid: Vec<String>,
}

impl UnknownName {
    /// `given` is not a valid `kind`: one of `valid`.
    pub fn new(kind: &str, given: &str, valid: impl IntoIterator<Item = impl Into<String>>) -> UnknownName {
        UnknownName {
            kind: kind.to_owned(),
            given: given.to_owned(),
            valid: valid.into_iter().map(Into::into).collect(),
        }
    }

    /// The valid name `given` is most likely a typo of, if any is close enough.
    pub fn suggestion(&self) -> Option<&str> {
        did_you_mean(&self.given, self.valid.iter().map(String::as_str))
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.given)?;
        if let Some(near) = self.suggestion() {
            write!(f, " (did you mean {near:?}?)")?;
        }
        if self.valid.is_empty() {
            return write!(f, "; there are none");
        }
        let shown: Vec<&str> = self.valid.iter().take(LISTED).map(String::as_str).collect();
        write!(f, "; expected one of: {}", shown.join(", "))?;
        if self.valid.len() > LISTED {
            write!(f, ", … ({} in all)", self.valid.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownName {}

/// Checks that `given` is one of `valid`.
pub fn check_name<'a>(
    kind: &str,
    given: &str,
    valid: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<(), UnknownName> {
    if valid.clone().into_iter().any(|v| v == given) {
        Ok(())
    } else {
        Err(UnknownName::new(kind, given, valid))
    }
}

/// The name among `candidates` that `given` is most likely a typo of: the one fewest edits
/// away (ignoring case; the first of equals), when that is at most two edits in five of the
/// longer of the two (and at least one edit).
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let given_lower: Vec<char> = given.to_lowercase().chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let lower: Vec<char> = candidate.to_lowercase().chars().collect();
        let d = distance(&given_lower, &lower);
        let limit = (given_lower.len().max(lower.len()) * 2 / 5).max(1);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// The optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbouring characters each cost one.
fn distance(a: &[char], b: &[char]) -> usize {
    // Three rows of the dynamic programme: two back (for swaps), one back, this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> usize {
        distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>())
    }

    #[test]
    fn distances_count_edits_by_hand() {
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "ab"), 2);
        // entity -> entities: insert i, e, s... "entity" vs "entities": y->i, +e, +s = 3.
        assert_eq!(d("entity", "entities"), 3);
        // One swap of neighbours is one edit.
        assert_eq!(d("tset", "test"), 1);
        assert_eq!(d("stict", "strict"), 1);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("Zoë", "Zoe"), 1);
    }

    #[test]
    fn typos_suggest_the_name_and_strangers_suggest_nothing() {
        let layers = ["entities", "quotes", "structure"];
        assert_eq!(did_you_mean("entity", layers), Some("entities"));
        assert_eq!(did_you_mean("Quotes", layers), Some("quotes"));
        assert_eq!(did_you_mean("strucure", layers), Some("structure"));
        assert_eq!(did_you_mean("tokens", layers), None);
        assert_eq!(did_you_mean("x", layers), None);
        assert_eq!(did_you_mean("tset", ["dev", "test"]), Some("test"));
        assert_eq!(did_you_mean("doman", ["domain", "title"]), Some("domain"));
    }

    #[test]
    fn the_message_names_the_kind_the_suggestion_and_every_valid_name() {
        let e = UnknownName::new("layer", "entity", ["entities", "quotes", "structure"]);
        assert_eq!(
            e.to_string(),
            "unknown layer \"entity\" (did you mean \"entities\"?); expected one of: entities, quotes, structure"
        );
        let e = UnknownName::new("split", "x", Vec::<String>::new());
        assert_eq!(e.to_string(), "unknown split \"x\"; there are none");
        let many: Vec<String> = (0..30).map(|i| format!("d{i:02}")).collect();
        let e = UnknownName::new("document", "zzz", many);
        assert!(e.to_string().ends_with("d22, d23, … (30 in all)"), "{e}");
        assert!(check_name("split", "dev", ["dev", "test"]).is_ok());
        assert_eq!(
            check_name("split", "tset", ["dev", "test"]).map_err(|e| e.suggestion().map(str::to_owned)),
            Err(Some("test".into()))
        );
    }
}
