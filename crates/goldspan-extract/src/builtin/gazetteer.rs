//! The word lists behind the rule-based entity tagger: places, nationalities, languages,
//! well-known organisations, given names, titles and type cues, written by hand as facts.
//!
//! The lists live as plain text under `crates/goldspan-extract/data/gazetteer/` and are compiled
//! in with `include_str!`, so the tagger needs no files at run time and its configuration hash
//! changes whenever a list does.

use std::sync::OnceLock;

use super::Label;
use crate::builtin::lexicon::{ListMap, ListSet};

/// The raw list texts, in a fixed order: part of the extractor's configuration hash.
pub(super) const TEXTS: [(&str, &str); 13] = [
    ("gpe", include_str!("../../data/gazetteer/gpe.txt")),
    ("loc", include_str!("../../data/gazetteer/loc.txt")),
    ("norp", include_str!("../../data/gazetteer/norp.txt")),
    ("languages", include_str!("../../data/gazetteer/languages.txt")),
    ("orgs", include_str!("../../data/gazetteer/orgs.txt")),
    ("facs", include_str!("../../data/gazetteer/facs.txt")),
    ("events", include_str!("../../data/gazetteer/events.txt")),
    ("given_names", include_str!("../../data/gazetteer/given_names.txt")),
    ("titles", include_str!("../../data/gazetteer/titles.txt")),
    ("cues", include_str!("../../data/gazetteer/cues.txt")),
    ("stopwords", include_str!("../../data/gazetteer/stopwords.txt")),
    ("ambiguous", AMBIGUOUS_PLACES),
    ("named", include_str!("../../data/gazetteer/named.txt")),
];

/// Place names that are also common words or given names: trusted only mid-sentence.
const AMBIGUOUS_PLACES: &str =
    "Reading\nBath\nSplit\nNice\nChad\nJordan\nGeorgia\nDurham\nPerth\nMet\nSale\nDeal\nWear\n";

/// Where a cue word sits in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum CueSide {
    /// The name starts with the cue ("River Thames", "University of Leeds").
    Head,
    /// The name ends with the cue ("Leeds City Council", "Heathrow Airport").
    Tail,
}

/// All lists, parsed once.
#[derive(Debug)]
pub(super) struct Gazetteer {
    /// Full names with a fixed label (places, organisations, facilities, events, NORP).
    names: ListMap<String, Label>,
    /// The longest of `names`, in bytes: a longer text is not looked up (and not hashed, which
    /// would cost its length each time a growing text is asked about).
    longest_name: usize,
    /// Languages (checked against context: "in Polish" vs "Polish authorities").
    languages: ListSet<String>,
    /// Given names, for "Given Surname" → PERSON.
    given: ListSet<String>,
    /// Titles and honorifics.
    titles: ListSet<String>,
    /// Type cues that start a name: word or two words → label.
    head_cues: ListMap<String, Label>,
    /// Type cues that end a name: word or two words → label.
    tail_cues: ListMap<String, Label>,
    /// Lowercase common words that never start a name.
    stopwords: ListSet<String>,
    /// Place names trusted only mid-sentence.
    ambiguous: ListSet<String>,
}

/// Non-empty, non-comment lines of a list.
fn entries(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Gazetteer {
    fn build() -> Gazetteer {
        let mut names = ListMap::default();
        // First list wins on a clash: GPE before LOC before NORP before ORG before FAC before EVENT.
        let fixed = [
            (TEXTS[0].1, Label::Gpe),
            (TEXTS[1].1, Label::Loc),
            (TEXTS[2].1, Label::Norp),
            (TEXTS[4].1, Label::Org),
            (TEXTS[5].1, Label::Fac),
            (TEXTS[6].1, Label::Event),
        ];
        for (text, label) in fixed {
            for name in entries(text) {
                names.entry(name.to_string()).or_insert(label);
            }
        }
        for line in entries(TEXTS[12].1) {
            let Some((label, name)) = line.split_once(' ') else { continue };
            if let Some(label) = Label::parse(label) {
                names.entry(name.trim().to_string()).or_insert(label);
            }
        }
        let set = |text: &'static str| entries(text).map(str::to_string).collect::<ListSet<_>>();
        let (mut head_cues, mut tail_cues) = (ListMap::default(), ListMap::default());
        for line in entries(TEXTS[9].1) {
            let Some((kind, word)) = line.split_once(' ') else { continue };
            let Some((label, side)) = kind.rsplit_once('-') else { continue };
            let (Some(label), side) = (Label::parse(label), if side == "head" { CueSide::Head } else { CueSide::Tail })
            else {
                continue;
            };
            let cues = match side {
                CueSide::Head => &mut head_cues,
                CueSide::Tail => &mut tail_cues,
            };
            cues.entry(word.trim().to_string()).or_insert(label);
        }
        Gazetteer {
            longest_name: names.keys().map(String::len).max().unwrap_or(0),
            names,
            languages: set(TEXTS[3].1),
            given: set(TEXTS[7].1),
            titles: set(TEXTS[8].1),
            head_cues,
            tail_cues,
            stopwords: entries(TEXTS[10].1).map(str::to_lowercase).collect(),
            ambiguous: set(TEXTS[11].1),
        }
    }

    /// The label of a listed full name, e.g. "Black Sea" → LOC.
    pub(super) fn name(&self, text: &str) -> Option<Label> {
        if text.len() > self.longest_name {
            return None;
        }
        self.names.get(text).copied()
    }

    /// Whether `word` names a language.
    pub(super) fn is_language(&self, text: &str) -> bool {
        self.languages.contains(text)
    }

    /// Whether `word` is a listed given name.
    pub(super) fn is_given_name(&self, word: &str) -> bool {
        self.given.contains(word)
    }

    /// Whether `word` is a title or honorific ("Ms", "President").
    pub(super) fn is_title(&self, word: &str) -> bool {
        self.titles.contains(word) || self.titles.contains(word.trim_end_matches('.'))
    }

    /// The label a cue word gives on one side of a name.
    pub(super) fn cue(&self, side: CueSide, word: &str) -> Option<Label> {
        let cues = match side {
            CueSide::Head => &self.head_cues,
            CueSide::Tail => &self.tail_cues,
        };
        cues.get(word).copied()
    }

    /// Whether the lowercase `word` is a common word that never starts a name.
    pub(super) fn is_stopword(&self, lower: &str) -> bool {
        self.stopwords.contains(lower)
    }

    /// Whether a listed place name is also a common word.
    pub(super) fn is_ambiguous(&self, text: &str) -> bool {
        self.ambiguous.contains(text)
    }
}

/// The lists, parsed on first use.
pub(super) fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(Gazetteer::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_answer() {
        let g = gazetteer();
        assert_eq!(g.name("Poland"), Some(Label::Gpe));
        assert_eq!(g.name("Black Sea"), Some(Label::Loc));
        assert_eq!(g.name("Belarusian"), Some(Label::Norp));
        assert_eq!(g.name("Bank of England"), Some(Label::Org));
        assert!(g.is_language("Welsh"));
        assert!(g.is_given_name("Zoë"));
        assert!(g.is_title("Ms") && g.is_title("Dr."));
        assert_eq!(g.cue(CueSide::Tail, "Airport"), Some(Label::Fac));
        assert_eq!(g.cue(CueSide::Head, "River"), Some(Label::Loc));
        assert!(g.is_stopword("however"));
        assert_eq!(g.name("Magna Carta"), Some(Label::Law));
    }
}
