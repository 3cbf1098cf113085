//! Word lists as data: each list one concept, in `data/lexicon/EXTRACTOR/NAME.txt`, one entry a
//! line (`#` starts a comment line), compiled in with `include_str!` and parsed on first use.
//!
//! The rules ask a list whether it holds a word; the lists hold the facts of the language (cue
//! verbs, determiners, month names), so they can be read, reviewed and extended without
//! reading the rules. Lists in a fixed order (number words, months) answer by position too.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a hash for looking words up in our own lists, several times faster on short words
/// than the standard library's SipHash. The lists are fixed, so no input can choose keys that
/// collide in them; sets keyed by a document's own words keep the standard hasher.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set keyed by a fixed list of ours.
pub(crate) type ListSet<T> = HashSet<T, BuildHasherDefault<Fnv>>;
/// A map keyed by a fixed list of ours.
pub(crate) type ListMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;

/// One word list: its entries in file order, and a set of them for lookups.
#[derive(Debug)]
pub(crate) struct WordList {
    entries: Vec<&'static str>,
    set: ListSet<&'static str>,
}

impl WordList {
    /// The list in `text`: each non-empty line that does not start with `#`, trimmed.
    pub(crate) fn parse(text: &'static str) -> WordList {
        let entries: Vec<&'static str> =
            text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        let set = entries.iter().copied().collect();
        WordList { entries, set }
    }

    /// Whether `word` is an entry, exactly.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.set.contains(word)
    }

    /// The place of `word` among the entries.
    pub(crate) fn position(&self, word: &str) -> Option<usize> {
        self.entries.iter().position(|e| *e == word)
    }

    /// The entries, in file order.
    pub(crate) fn entries(&self) -> &[&'static str] {
        &self.entries
    }
}

/// `word_list!("quotes/cue_words")`: the list in `data/lexicon/quotes/cue_words.txt`, parsed
/// once, as a `&'static WordList`.
macro_rules! word_list {
    ($name:literal) => {{
        static LIST: std::sync::OnceLock<$crate::builtin::lexicon::WordList> = std::sync::OnceLock::new();
        LIST.get_or_init(|| {
            $crate::builtin::lexicon::WordList::parse(include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/lexicon/",
                $name,
                ".txt"
            )))
        })
    }};
}
pub(crate) use word_list;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_its_lines_without_comments_and_blanks() {
        let list = WordList::parse("# heading\nsaid\n\n  says \n# more\naccording to\n");
        assert_eq!(list.entries(), ["said", "says", "according to"]);
        assert!(list.contains("says") && list.contains("according to") && !list.contains("Said"));
        assert_eq!(list.position("according to"), Some(2));
        assert_eq!(list.position("told"), None);
    }
}
