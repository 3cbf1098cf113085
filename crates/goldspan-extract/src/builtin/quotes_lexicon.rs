//! Word lists of the quotation extractor: attribution verbs (cues), titles, pronouns and the
//! function words that bound a speaker's noun phrase, in `data/lexicon/quotes/`.
//!
//! Every list is lowercase and matched without ASCII case (the rules look words up by their
//! ASCII-lowercased text). The cue lists are part of the extractor's configuration hash.

use crate::builtin::lexicon::{word_list, WordList};

/// Single-word attribution verbs.
pub(super) fn cue_words() -> &'static WordList {
    word_list!("quotes/cue_words")
}

/// Two-word attribution phrases (a verb and its particle, or "according to"), as "w1 w2".
pub(super) fn cue_phrases() -> &'static WordList {
    word_list!("quotes/cue_phrases")
}

/// Personal pronouns that can be speakers.
pub(super) fn pronouns() -> &'static WordList {
    word_list!("quotes/pronouns")
}

/// Titles, honorifics and roles that precede a name and are not part of it.
pub(super) fn titles() -> &'static WordList {
    word_list!("quotes/titles")
}

/// Letters after a name that are not part of it.
pub(super) fn post_nominals() -> &'static WordList {
    word_list!("quotes/post_nominals")
}

/// Words that open a determiner slot before a nominal speaker.
pub(super) fn determiners() -> &'static WordList {
    word_list!("quotes/determiners")
}

/// Words that may be a speaker on their own when no noun follows ("Another told the room").
pub(super) fn bare_speakers() -> &'static WordList {
    word_list!("quotes/bare_speakers")
}

/// Function words that end a speaker's noun phrase.
pub(super) fn stop_words() -> &'static WordList {
    word_list!("quotes/stop_words")
}

/// Words between a subject and its cue that belong to neither ("she later said").
pub(super) fn aux_and_adverbs() -> &'static WordList {
    word_list!("quotes/aux_and_adverbs")
}

/// Connectors allowed between the capitalised words of one name ("Bank of England").
pub(super) fn name_connectors() -> &'static WordList {
    word_list!("quotes/name_connectors")
}

/// Heads of nouns that name an organisation (for "it", "the company" and "X of Y" names).
pub(super) fn org_words() -> &'static WordList {
    word_list!("quotes/org_words")
}

/// Nominal heads that stand for an organisation, resolved like "it".
pub(super) fn org_nominals() -> &'static WordList {
    word_list!("quotes/org_nominals")
}

/// Document nouns whose named author is the speaker ("a report by the NAO").
pub(super) fn document_nouns() -> &'static WordList {
    word_list!("quotes/document_nouns")
}

/// Abbreviations whose full stop does not end a sentence.
pub(super) fn abbreviations() -> &'static WordList {
    word_list!("quotes/abbreviations")
}

/// Words that open an adverbial phrase before the subject ("In a statement, the club said").
pub(super) fn clause_openers() -> &'static WordList {
    word_list!("quotes/clause_openers")
}

/// Irregular verb forms that end a nominal read forwards ("the jury sent a note").
pub(super) fn irregular_verbs() -> &'static WordList {
    word_list!("quotes/irregular_verbs")
}

/// Nouns after a capitalised modifier that make the whole a nominal ("Unicef spokesperson").
pub(super) fn role_nouns() -> &'static WordList {
    word_list!("quotes/role_nouns")
}

/// Prepositions that open a post-modifier of a speaker ("a spokesman for Downing Street").
pub(super) fn post_modifier_prepositions() -> &'static WordList {
    word_list!("quotes/post_modifier_prepositions")
}

/// Words that open a clause: a subject is never read across them.
pub(super) fn clause_markers() -> &'static WordList {
    word_list!("quotes/clause_markers")
}

/// Number words that count a nominal speaker and are not part of it ("one witness").
pub(super) fn number_words() -> &'static WordList {
    word_list!("quotes/number_words")
}

/// Conjunctions that mean the words after a quotation are not its attribution.
pub(super) fn not_trailing() -> &'static WordList {
    word_list!("quotes/not_trailing")
}

/// Whether `word` (any ASCII case) is an entry of `list`.
pub(super) fn contains(list: &WordList, word: &str) -> bool {
    if word.bytes().any(|b| b.is_ascii_uppercase()) {
        list.contains(&word.to_ascii_lowercase())
    } else {
        list.contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_is_lowercase_so_it_matches_without_ascii_case() {
        let lists = [
            cue_words(),
            cue_phrases(),
            pronouns(),
            titles(),
            post_nominals(),
            determiners(),
            bare_speakers(),
            stop_words(),
            aux_and_adverbs(),
            name_connectors(),
            org_words(),
            org_nominals(),
            document_nouns(),
            abbreviations(),
            clause_openers(),
            irregular_verbs(),
            role_nouns(),
            post_modifier_prepositions(),
            clause_markers(),
            number_words(),
            not_trailing(),
        ];
        for list in lists {
            assert!(!list.entries().is_empty());
            for entry in list.entries() {
                assert!(!entry.bytes().any(|b| b.is_ascii_uppercase()), "{entry:?} is not lowercase");
            }
        }
        assert!(cue_phrases().entries().iter().all(|p| p.split(' ').count() == 2));
        assert!(contains(cue_words(), "SAID") && contains(pronouns(), "She") && !contains(pronouns(), "Shed"));
    }
}
