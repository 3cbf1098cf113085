//! Attribution patterns of the quotation extractor: finding the cue verb of a quotation in its
//! sentence and the speaker's mention around it ("X said", "said X", "X, a spokeswoman, said",
//! "according to X", "“…,” she said").
//!
//! The rules work on one line's tokens, in which every quotation is an opaque token, so a verb
//! or a name inside a quotation is never taken for the attribution.

use std::borrow::Cow;

use super::lexicon::{
    abbreviations, aux_and_adverbs, bare_speakers, clause_markers, clause_openers, cue_phrases, cue_words, determiners,
    document_nouns, irregular_verbs, name_connectors, not_trailing, number_words, org_words,
    post_modifier_prepositions, post_nominals, pronouns, role_nouns, stop_words, titles,
};
use super::text::{Region, TokKind, Token};
use crate::builtin::lexicon::WordList;

/// What kind of expression a speaker mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MentionKind {
    /// "he", "she", "it", "they", "I", "we".
    Pronoun,
    /// A capitalised name, without titles.
    Name,
    /// A noun phrase without its determiner ("spokeswoman", "Home Office spokeswoman").
    Nominal,
}

/// A speaker mention: code points `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mention {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
    /// Kind of expression.
    pub kind: MentionKind,
}

/// A cue: code points `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CueSpan {
    /// First code point.
    pub start: usize,
    /// One past the last code point.
    pub end: usize,
}

/// A speaker and, when the text has one, the cue that introduces the quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Attribution {
    /// The speaker.
    pub source: Mention,
    /// The attribution verb or phrase.
    pub cue: Option<CueSpan>,
}

/// Most words a name may have.
const MAX_NAME_WORDS: usize = 8;
/// Most words a nominal speaker may have.
const MAX_NOMINAL_WORDS: usize = 5;
/// Most tokens before a quotation that its attribution is looked for in.
const MAX_WINDOW: usize = 80;
/// Most chained cues or possessors a rule follows before giving up.
const MAX_DEPTH: usize = 3;
/// Most tokens between a quotation and a trailing cue ("”, AIU head Brendan Farrow said").
const MAX_TRAILING_GAP: usize = 30;
/// Most determiners, numbers and possessors a noun phrase may open with ("the WHO’s two"):
/// a longer run is no speaker, and is not read again for every quotation that asks.
const MAX_DETERMINERS: usize = 8;
/// Most capitalised words after "For" that may name a person ("For Prime Minister Sir Keir
/// Starmer,"): titles included, so more than a name's.
const MAX_FOR_WORDS: usize = 2 * MAX_NAME_WORDS;

/// One line's tokens with the text they index, and the rules that read them.
#[derive(Debug)]
pub(super) struct Ctx<'a> {
    chars: &'a [char],
    toks: Vec<Token>,
    regions: Vec<Region>,
    /// The text of every word token, one after the other (other tokens add nothing).
    words: String,
    /// `words` with ASCII letters lowercased: the same length, so `at` indexes both.
    lower: String,
    /// Where each token's text starts in `words`, and after the last, where the text ends.
    at: Vec<usize>,
    /// For every token, the first token of its sentence.
    sentence_starts: Vec<usize>,
    /// For every token, the first word token at or after it (`toks.len()` if none).
    next_word: Vec<usize>,
    /// For every token, the first separator (see `is_separator`) at or after it.
    next_separator: Vec<usize>,
}

impl<'a> Ctx<'a> {
    /// A context over one line's tokens and quotations. Each word's text is copied out once
    /// here, so that the rules, which ask about each word many times, never build a string.
    pub fn new(chars: &'a [char], toks: Vec<Token>, regions: Vec<Region>) -> Ctx<'a> {
        let mut words = String::new();
        let mut at = Vec::with_capacity(toks.len() + 1);
        for t in &toks {
            at.push(words.len());
            if t.kind == TokKind::Word {
                words.extend(chars.get(t.start..t.end).unwrap_or_default());
            }
        }
        at.push(words.len());
        let lower = words.to_ascii_lowercase();
        let n = toks.len();
        let mut ctx = Ctx {
            chars,
            toks,
            regions,
            words,
            lower,
            at,
            sentence_starts: Vec::with_capacity(n),
            next_word: vec![n; n + 1],
            next_separator: vec![n; n + 1],
        };
        let mut start = 0;
        for i in 0..n {
            if i > 0 && ctx.is_sentence_end(i - 1) {
                start = i;
            }
            ctx.sentence_starts.push(start);
        }
        // Where the next word and the next separator are, so that a rule asking from a
        // sentence's start never walks the sentence (which a quotation after it may ask again).
        for i in (0..n).rev() {
            ctx.next_word[i] = if ctx.is_word(i) { i } else { ctx.next_word[i + 1] };
            ctx.next_separator[i] = if ctx.is_separator(i) { i } else { ctx.next_separator[i + 1] };
        }
        ctx
    }

    /// The text, as code points.
    pub fn chars(&self) -> &'a [char] {
        self.chars
    }

    /// The tokens.
    pub fn tokens(&self) -> &[Token] {
        &self.toks
    }

    /// The quotations, in the order their tokens refer to them.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Whether token `i` is a colon.
    pub fn is_colon(&self, i: usize) -> bool {
        self.punct(i) == Some(':')
    }

    /// The text of token `i`, if it is a word.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.is_word(i).then(|| self.words.get(self.at[i]..self.at[i + 1])).flatten()
    }

    /// The text of word `i` with its ASCII letters lowercased: what word lists are matched
    /// against (their entries are lowercase).
    fn ascii_lower(&self, i: usize) -> Option<&str> {
        self.is_word(i).then(|| self.lower.get(self.at[i]..self.at[i + 1])).flatten()
    }

    /// The text of word `i` in lowercase (every letter, not only ASCII ones).
    pub fn lowercase(&self, i: usize) -> Option<Cow<'_, str>> {
        let w = self.word(i)?;
        // For ASCII text both lowercasings agree, and the ASCII one is already at hand.
        if w.is_ascii() {
            self.ascii_lower(i).map(Cow::Borrowed)
        } else {
            Some(Cow::Owned(w.to_lowercase()))
        }
    }

    fn is_word(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| t.kind == TokKind::Word)
    }

    fn punct(&self, i: usize) -> Option<char> {
        match self.toks.get(i)?.kind {
            TokKind::Punct(c) => Some(c),
            _ => None,
        }
    }

    fn is_quote(&self, i: usize) -> bool {
        matches!(self.toks.get(i).map(|t| t.kind), Some(TokKind::Quote(_)))
    }

    /// Whether word `i` (any ASCII case) is an entry of `list`.
    fn word_in(&self, i: usize, list: &WordList) -> bool {
        self.ascii_lower(i).is_some_and(|w| list.contains(w))
    }

    /// Whether word `i` (any ASCII case) is one of the lowercase `words`.
    fn word_is(&self, i: usize, words: &[&str]) -> bool {
        self.ascii_lower(i).is_some_and(|w| words.contains(&w))
    }

    /// Capitalised, or a lowercase particle joined to a capitalised part ("al-Tamimi").
    fn is_cap(&self, i: usize) -> bool {
        let Some(w) = self.word(i) else { return false };
        let mut cs = w.chars();
        match cs.next() {
            Some(c) if c.is_uppercase() => true,
            Some(c) if c.is_lowercase() => {
                w.split(['-', '‑']).skip(1).any(|part| part.chars().next().is_some_and(char::is_uppercase))
            }
            _ => false,
        }
    }

    fn is_lower_word(&self, i: usize) -> bool {
        self.word(i).is_some_and(|w| w.chars().next().is_some_and(char::is_lowercase)) && !self.is_cap(i)
    }

    /// A number ("72", "1,400"), not a compound adjective ("38-year-old").
    fn is_numeric(&self, i: usize) -> bool {
        self.word(i).is_some_and(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_digit()) && !w.chars().any(char::is_alphabetic)
        })
    }

    fn is_possessive(&self, i: usize) -> bool {
        // Only "S" and "s" lowercase to "s", and nothing but the mark itself to "’" or "'".
        self.ascii_lower(i).is_some_and(|l| l.ends_with("’s") || l.ends_with("'s")) || self.next_is_bare_apostrophe(i)
    }

    /// "Belarus’ president": a word followed directly by a lone apostrophe.
    fn next_is_bare_apostrophe(&self, i: usize) -> bool {
        match (self.toks.get(i), self.toks.get(i + 1)) {
            (Some(a), Some(b)) => {
                a.kind == TokKind::Word && b.start == a.end && matches!(b.kind, TokKind::Punct('’' | '\''))
            }
            _ => false,
        }
    }

    fn is_pronoun(&self, i: usize) -> bool {
        self.word_in(i, pronouns())
    }

    /// The first token that starts at or after code point `cp`. Tokens are in text order and
    /// disjoint, so it is found by halving rather than by walking a long line.
    fn first_token_from(&self, cp: usize) -> Option<usize> {
        let i = self.toks.partition_point(|t| t.start < cp);
        (i < self.toks.len()).then_some(i)
    }

    fn mention(&self, first: usize, last: usize, kind: MentionKind) -> Option<Mention> {
        let (a, b) = (self.toks.get(first)?, self.toks.get(last)?);
        (first <= last && a.start < b.end).then_some(Mention { start: a.start, end: b.end, kind })
    }

    /// The region text of a quote token ends a sentence ("… he said. “We lost.” Then …").
    fn quote_ends_sentence(&self, i: usize) -> bool {
        let Some(TokKind::Quote(r)) = self.toks.get(i).map(|t| t.kind) else { return false };
        let Some(region) = self.regions.get(r) else { return false };
        region.end > region.start && matches!(self.chars.get(region.end - 1), Some('.' | '!' | '?' | '…'))
    }

    /// Whether token `i` ends a sentence.
    pub fn is_sentence_end(&self, i: usize) -> bool {
        match self.punct(i) {
            Some('!' | '?') => true,
            Some('.') => !(i > 0 && self.word_in(i - 1, abbreviations())),
            _ => self.quote_ends_sentence(i) && !self.next_is_attribution(i),
        }
    }

    /// A quotation followed straight away by its attribution does not end the sentence.
    fn next_is_attribution(&self, i: usize) -> bool {
        let j = i + 1;
        self.cue_at(j).is_some() || (self.is_pronoun(j) && self.cue_at(j + 1).is_some()) || self.is_lower_word(j)
    }

    /// First token of the sentence that contains token `i`.
    pub fn sentence_start(&self, i: usize) -> usize {
        self.sentence_starts.get(i).copied().unwrap_or(i)
    }

    /// If a cue starts at token `i`, its last token.
    pub fn cue_at(&self, i: usize) -> Option<usize> {
        let w = self.lowercase(i)?;
        let next = self.lowercase(i + 1);
        if let Some(next) = &next {
            let phrase = |p: &&str| p.split_once(' ').is_some_and(|(a, b)| a == w && b == next);
            if cue_phrases().entries().iter().any(phrase) {
                return Some(i + 1);
            }
        }
        if !cue_words().contains(&w) {
            return None;
        }
        let prev = if i > 0 { self.lowercase(i - 1) } else { None };
        let prev = prev.as_deref();
        let next = next.as_deref();
        let noun_before = matches!(prev, Some("a" | "an" | "the" | "his" | "her" | "its" | "their" | "this"));
        let passive = matches!(prev, Some("is" | "are" | "was" | "were" | "be" | "been" | "being"));
        let verb_after = matches!(next, Some("were" | "was" | "are" | "is" | "have" | "had" | "has"));
        let sentence_initial = i == 0 || matches!(self.punct(i - 1), Some('.' | '!' | '?'));
        let excluded = (w.ends_with("ing") && noun_before)
            || (w.ends_with("ed") && passive)
            || (w.ends_with('s') && (verb_after || noun_before))
            || match &*w {
                "called" | "calling" | "calls" => matches!(next, Some("on" | "off" | "up" | "in" | "for")),
                "say" | "tell" | "concede" => matches!(prev, Some("to" | "would" | "could" | "will" | "not")),
                "speaking" => sentence_initial,
                "asked" => sentence_initial || matches!(prev, Some("when" | "if")),
                _ => false,
            };
        (!excluded).then_some(i)
    }

    /// If a cue ends at token `i`, its first token.
    fn cue_ending_at(&self, i: usize) -> Option<usize> {
        if i > 0 && self.cue_at(i - 1) == Some(i) {
            return Some(i - 1);
        }
        (self.cue_at(i) == Some(i)).then_some(i)
    }

    fn cue_span(&self, first: usize, last: usize) -> Option<CueSpan> {
        Some(CueSpan { start: self.toks.get(first)?.start, end: self.toks.get(last)?.end })
    }

    fn is_according_to(&self, first: usize) -> bool {
        self.word(first).is_some_and(|w| w.eq_ignore_ascii_case("according"))
    }

    fn is_participle(&self, first: usize) -> bool {
        self.lowercase(first).is_some_and(|w| w.ends_with("ing"))
    }

    /// The attribution a quotation at token `q` gets from its own sentence, if any.
    pub fn direct(&self, q: usize) -> Option<Attribution> {
        let start = self.sentence_start(q).max(q.saturating_sub(MAX_WINDOW));
        // A quotation that opens its sentence is attributed after it; one inside a sentence is
        // attributed by its clause, and only failing that by what follows it.
        if start == q || (start..q).all(|i| !self.is_word(i)) {
            return self.trailing(q).or_else(|| self.backward(q, start));
        }
        self.backward(q, start).or_else(|| self.trailing(q))
    }

    /// The attribution of the last cue before token `q` (no further left than `start`) that has
    /// a speaker: its subject, or what follows "according to" up to `q`. Serves a quotation at
    /// `q` and a line ending in a colon at `q` alike.
    fn backward(&self, q: usize, start: usize) -> Option<Attribution> {
        let mut m = q;
        while m > start {
            m -= 1;
            let Some(first) = self.cue_ending_at(m) else { continue };
            let cue = self.cue_span(first, m);
            let source =
                if self.is_according_to(first) { self.np_after(m + 1, q) } else { self.subject_before(first, start) };
            if let Some(source) = source {
                return Some(Attribution { source, cue });
            }
            m = first;
        }
        None
    }

    /// "“…,” she said", "“…,” said X", "“…”, according to X", "“…” the company added".
    fn trailing(&self, q: usize) -> Option<Attribution> {
        let mut k = q + 1;
        if matches!(self.punct(k), Some(',' | '—' | '–')) {
            k += 1;
        }
        if let Some(last) = self.cue_at(k) {
            let source = self.np_after(last + 1, self.toks.len())?;
            return Some(Attribution { source, cue: self.cue_span(k, last) });
        }
        let first_ok = self.is_pronoun(k) || self.is_cap(k) || self.word_in(k, determiners()) || self.is_numeric(k);
        if !first_ok {
            return None;
        }
        let mut m = k;
        while m < self.toks.len() && m <= k + MAX_TRAILING_GAP {
            let stop = self.is_quote(m)
                || matches!(self.punct(m), Some('.' | '!' | '?' | ':' | ';'))
                || self.word_in(m, not_trailing());
            if stop {
                return None;
            }
            if self.is_word(m) {
                if let Some(last) = self.cue_at(m) {
                    let source = self.subject_before(m, k)?;
                    return Some(Attribution { source, cue: self.cue_span(m, last) });
                }
            }
            m += 1;
        }
        None
    }

    /// The speaker before a cue starting at token `cue`, looking no further left than `left`.
    pub fn subject_before(&self, cue: usize, left: usize) -> Option<Mention> {
        self.subject_at_depth(cue, left, 0)
    }

    /// `subject_before`, following at most `MAX_DEPTH` chained cues ("said, adding, …").
    fn subject_at_depth(&self, cue: usize, left: usize, depth: usize) -> Option<Mention> {
        let mut j = cue;
        loop {
            if j <= left {
                return None;
            }
            j -= 1;
            if !(self.word_in(j, aux_and_adverbs()) || self.word_is(j, &["not", "does", "did", "do"])) {
                break;
            }
        }
        if self.word_is(j, &["who", "which", "that"]) {
            let mut a = j;
            while a > left && matches!(self.punct(a - 1), Some(',')) {
                a -= 1;
            }
            return if a > left { self.np_back(a - 1, left) } else { None };
        }
        let coordinated = self.word_is(j, &["and", "but"]);
        let after_comma = matches!(self.punct(j), Some(',' | ')' | '—' | '–'));
        if coordinated || (after_comma && self.is_participle(cue)) {
            return self.earlier_cue_subject(cue, left, depth).or_else(|| self.main_subject(left, cue));
        }
        if after_comma {
            return self.subject_through_appositions(j, left, cue);
        }
        if !self.is_word(j) {
            return None;
        }
        let back = self.np_back(j, left);
        let clause = self.clause_start(j, left);
        if let (Some(b), Some(f)) = (back, self.np_forward(clause, j + 1)) {
            // "A spokesman for Downing Street said": the head, not the post-modifier's noun.
            let gap = self.first_token_from(f.end).unwrap_or(j);
            let plain = (gap..j).all(|g| !self.looks_past_tense(g) && !self.word_in(g, irregular_verbs()));
            let post_modifier = self.word_in(gap, post_modifier_prepositions()) && plain && j.saturating_sub(gap) <= 9;
            // "A statement from Harlow Town said": a document's named author is the speaker.
            let head = self.toks.partition_point(|t| t.end <= f.end).checked_sub(1);
            let authored =
                head.is_some_and(|h| self.word_in(h, document_nouns())) && self.word_is(gap, &["from", "by"]);
            if b.kind != MentionKind::Pronoun && f.end < b.start && post_modifier && !authored {
                return Some(f);
            }
        }
        back
    }

    /// First token of the clause that contains token `j`, no further left than `left`.
    fn clause_start(&self, j: usize, left: usize) -> usize {
        let mut c = j;
        while c > left {
            let p = c - 1;
            if self.is_separator(p) || self.is_colon(p) || self.is_sentence_end(p) || self.word_in(p, clause_markers())
            {
                break;
            }
            c = p;
        }
        c
    }

    /// The subject of an earlier cue in the same sentence ("she said, adding …").
    fn earlier_cue_subject(&self, cue: usize, left: usize, depth: usize) -> Option<Mention> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let mut m = cue;
        while m > left {
            m -= 1;
            if self.is_quote(m) {
                continue;
            }
            if let Some(first) = self.cue_ending_at(m) {
                if first < cue && !self.is_according_to(first) {
                    if let Some(s) = self.subject_at_depth(first, left, depth + 1) {
                        return Some(s);
                    }
                }
                m = first;
            }
        }
        None
    }

    /// "Priya Nandakumar, an associate director at the IFS, said": walks back over
    /// appositions to the subject; a name in apposition wins ("A spokeswoman, Anna Berg, said").
    fn subject_through_appositions(&self, comma: usize, left: usize, cue: usize) -> Option<Mention> {
        let mut b = comma; // exclusive end of the current segment
        for _ in 0..6 {
            let mut a = b;
            while a > left {
                if self.punct(a - 1) == Some(')') {
                    // A bracketed acronym or transliteration belongs to its segment.
                    let mut o = a - 1;
                    while o > left && self.punct(o) != Some('(') {
                        o -= 1;
                    }
                    a = o;
                    continue;
                }
                if self.is_apposition_break(a - 1) {
                    break;
                }
                a -= 1;
            }
            if a < b {
                let first_segment = a == left;
                if let Some(m) = self.segment_subject(a, b, first_segment) {
                    return Some(m);
                }
            }
            if a <= left {
                break;
            }
            b = a - 1;
        }
        self.main_subject(left, cue)
    }

    fn is_apposition_break(&self, i: usize) -> bool {
        matches!(self.punct(i), Some(',' | '—' | '–' | ';')) || self.is_quote(i)
    }

    fn is_separator(&self, i: usize) -> bool {
        matches!(self.punct(i), Some(',' | '(' | ')' | '—' | '–' | ';')) || self.is_quote(i)
    }

    /// The subject a comma-separated segment `a..b` offers, if it is not an apposition.
    fn segment_subject(&self, a: usize, b: usize, first_segment: bool) -> Option<Mention> {
        let b = (a..b).find(|&i| self.punct(i) == Some('(')).unwrap_or(b);
        if b <= a {
            return None;
        }
        if self.is_pronoun(a) && b == a + 1 {
            return self.mention(a, a, MentionKind::Pronoun);
        }
        // "known as CCOO", "the French actor Margaux Delvaux-Henriot": a name in apposition.
        if self.word_is(a, &["known", "also"]) {
            let name = (a..b).find(|&i| self.is_cap(i))?;
            return self.name_back(b - 1, name);
        }
        if !self.is_cap(a) {
            let mut c = b;
            while c > a && self.is_cap(c - 1) {
                c -= 1;
            }
            let role = c > a && c < b && self.is_lower_word(c - 1) && !self.word_in(c - 1, stop_words());
            let in_phrase = (a..c).any(|i| self.word_in(i, stop_words()));
            if role
                && !in_phrase
                && !(c..b).any(|i| self.word_in(i, org_words()))
                && !self.word_in(c - 1, determiners())
            {
                return self.trim_name(c, b - 1);
            }
            return None;
        }
        if self.word_in(a, clause_openers()) && !self.word_in(a, determiners()) {
            return None;
        }
        if self.word_in(a, determiners()) && !first_segment {
            return None;
        }
        if (a..b).all(|i| self.is_cap(i) || self.word_in(i, name_connectors())) {
            return self.name_back(b - 1, a);
        }
        self.np_forward(a, b)
    }

    /// "For Okafor, the answer is simple:": the person a sentence opens with "For".
    pub fn for_name(&self, left: usize, limit: usize) -> Option<Mention> {
        if !self.word_is(left, &["for"]) || !self.is_cap(left + 1) {
            return None;
        }
        let mut b = left + 1;
        while b + 1 < limit && self.is_cap(b + 1) {
            if b - left >= MAX_FOR_WORDS {
                return None;
            }
            b += 1;
        }
        (self.punct(b + 1) == Some(',')).then(|| self.trim_name(left + 1, b)).flatten()
    }

    /// The subject of the main clause of the sentence starting at `left`, before token `limit`:
    /// leading adverbial phrases ("Writing in The Sunday Telegraph,") are skipped.
    pub fn main_subject(&self, left: usize, limit: usize) -> Option<Mention> {
        let mut a = left;
        for _ in 0..4 {
            // The first word from `a`, and the first separator after it, both before `limit`.
            a = a.max(self.next_word.get(a).map_or(limit, |&w| w.min(limit)));
            if a >= limit {
                return None;
            }
            let opener = self.word_in(a, clause_openers()) || self.is_numeric(a);
            let e = self.next_separator.get(a).map_or(limit, |&e| e.min(limit));
            if opener && e < limit && !self.is_pronoun(a) {
                a = e + 1;
                continue;
            }
            return self.np_forward(a, e.min(limit));
        }
        None
    }

    /// The noun phrase that ends at token `j`, reading backwards no further than `left`.
    pub fn np_back(&self, j: usize, left: usize) -> Option<Mention> {
        if self.is_pronoun(j) {
            return self.mention(j, j, MentionKind::Pronoun);
        }
        if self.is_possessive(j) || self.is_numeric(j) {
            return None;
        }
        if self.is_cap(j) {
            // "opposition MSPs": a plural acronym after a modifier is a nominal.
            let plural_acronym = self.word(j).is_some_and(|w| {
                w.len() > 2 && w.ends_with('s') && w[..w.len() - 1].chars().all(|c| c.is_ascii_uppercase())
            });
            if plural_acronym && j > left && self.is_lower_word(j - 1) && !self.word_in(j - 1, stop_words()) {
                return self.nominal_back(j, left);
            }
            return self.name_back(j, left);
        }
        self.nominal_back(j, left)
    }

    fn name_back(&self, j: usize, left: usize) -> Option<Mention> {
        let mut k = j;
        while k > left {
            let p = k - 1;
            let joins = self.is_cap(p) && !self.is_possessive(p);
            let connects = self.word_in(p, name_connectors()) && p > left && self.is_cap(p - 1);
            if (joins || connects) && j - p < MAX_NAME_WORDS {
                k = p;
            } else {
                break;
            }
        }
        self.trim_name(k, j)
    }

    /// Cuts determiners, openers, titles and post-nominal letters off a run of capitalised words.
    fn trim_name(&self, mut a: usize, mut b: usize) -> Option<Mention> {
        while a < b
            && (self.word_in(a, determiners())
                || self.word_in(a, clause_openers())
                || self.word_in(a, name_connectors()))
        {
            a += 1;
        }
        while b > a
            && (self.word_in(b, post_nominals()) && self.word(b).is_some_and(|w| w.chars().all(char::is_uppercase)))
        {
            b -= 1;
        }
        if let Some(t) = (a..b).rev().find(|&i| self.word_in(i, titles())) {
            a = t + 1;
        }
        // "Gareth Morgan of South Wales Police": the person, not the force.
        if let Some(of) = (a..=b).find(|&i| self.word_is(i, &["of"])) {
            if of >= a + 2 && !(a..of).any(|i| self.word_in(i, org_words())) {
                b = of - 1;
            }
        }
        if self.word_in(a, determiners()) && a < b {
            a += 1;
        }
        let bare_title = a == b && self.word_is(b, &["mr", "ms", "mrs", "dr", "sir", "dame"]);
        if self.word_in(b, determiners()) || bare_title {
            return None;
        }
        self.mention(a, b, MentionKind::Name)
    }

    fn nominal_back(&self, j: usize, left: usize) -> Option<Mention> {
        if self.word_in(j, bare_speakers()) {
            return self.mention(j, j, MentionKind::Nominal);
        }
        if self.word_in(j, stop_words()) || self.word_in(j, determiners()) || self.cue_at(j).is_some() {
            return None;
        }
        let mut k = j;
        while k > left {
            let p = k - 1;
            // "UK Research and Innovation spokesperson"
            let within = j - p < MAX_NOMINAL_WORDS;
            if within && self.word_in(p, name_connectors()) && p > left && self.is_cap(p - 1) && self.is_cap(k) {
                k = p - 1;
                continue;
            }
            let ok = self.is_word(p)
                && !self.word_in(p, determiners())
                && !self.word_in(p, stop_words())
                && !self.is_pronoun(p)
                && !self.is_possessive(p)
                && !self.is_numeric(p)
                && !self.word_in(p, number_words())
                && !self.word_in(p, bare_speakers())
                && self.cue_at(p).is_none()
                && j - p < MAX_NOMINAL_WORDS
                && !(p == left && self.is_cap(p) && !self.is_cap(j) && self.word_in(p, clause_openers()));
            if ok {
                k = p;
            } else {
                break;
            }
        }
        self.mention(k, j, MentionKind::Nominal)
    }

    /// The noun phrase that starts at token `a` (after determiners), before token `limit`.
    pub fn np_forward(&self, a: usize, limit: usize) -> Option<Mention> {
        self.np_forward_at_depth(a, limit, 0)
    }

    /// `np_forward`, skipping at most `MAX_DEPTH` possessors ("the WHO’s regional office").
    fn np_forward_at_depth(&self, mut a: usize, limit: usize, depth: usize) -> Option<Mention> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut skipped = 0;
        while a + 1 < limit
            && (self.word_in(a, determiners())
                || self.is_possessive(a)
                || self.is_numeric(a)
                || (self.word_in(a, number_words()) && self.is_lower_content(a + 1, limit)))
        {
            skipped += 1;
            if skipped > MAX_DETERMINERS {
                return None;
            }
            if self.next_is_bare_apostrophe(a) {
                a += 1;
            }
            a += 1;
        }
        if a >= limit || !self.is_word(a) {
            return None;
        }
        if self.is_pronoun(a) {
            return self.mention(a, a, MentionKind::Pronoun);
        }
        if self.is_cap(a) {
            let mut b = a;
            while b + 1 < limit {
                let n = b + 1;
                let joins = self.is_cap(n) && !self.is_possessive(b);
                let connects = self.word_in(n, name_connectors()) && n + 1 < limit && self.is_cap(n + 1);
                if (joins || connects) && n - a < MAX_NAME_WORDS {
                    b = n;
                } else {
                    break;
                }
            }
            if self.is_possessive(b) {
                // "the WHO’s regional office": the possessor is a determiner.
                return self.np_forward_at_depth(b + 1, limit, depth + 1);
            }
            let mut e = b;
            while e + 1 < limit && self.word_in(e + 1, role_nouns()) && e - a < MAX_NOMINAL_WORDS {
                e += 1;
            }
            if e > b {
                return self.mention(a, e, MentionKind::Nominal);
            }
            return self.trim_name(a, b);
        }
        if self.word_in(a, bare_speakers()) && !self.is_lower_content(a + 1, limit) {
            return self.mention(a, a, MentionKind::Nominal);
        }
        let mut b = a;
        if self.word_in(a, stop_words()) || self.cue_at(a).is_some() {
            return None;
        }
        while b + 1 < limit && b + 1 - a < MAX_NOMINAL_WORDS {
            let n = b + 1;
            let stop = !self.is_word(n)
                || self.word_in(n, stop_words())
                || self.cue_at(n).is_some()
                || self.is_possessive(n)
                || self.word_in(n, irregular_verbs())
                || self.looks_past_tense(n);
            if stop {
                break;
            }
            b = n;
        }
        if self.is_possessive(b) {
            return self.np_forward_at_depth(b + 1, limit, depth + 1);
        }
        // "the travel industry body Abta": a trailing name in apposition wins.
        if self.is_cap(b) && !self.is_cap(a) {
            let mut c = b;
            while c > a && self.is_cap(c - 1) {
                c -= 1;
            }
            return self.trim_name(c, b);
        }
        self.mention(a, b, MentionKind::Nominal)
    }

    fn is_lower_content(&self, i: usize, limit: usize) -> bool {
        i < limit && self.is_lower_word(i) && !self.word_in(i, stop_words()) && self.cue_at(i).is_none()
    }

    fn looks_past_tense(&self, i: usize) -> bool {
        self.word(i).is_some_and(|w| w.len() > 4 && w.ends_with("ed") && w.chars().all(|c| c.is_lowercase()))
    }

    /// The speaker after a cue ("said Kirsty Malone", "according to the watchdog"), starting at
    /// token `a` and ending before `limit`.
    pub fn np_after(&self, a: usize, limit: usize) -> Option<Mention> {
        self.np_after_at_depth(a, limit, 0)
    }

    fn np_after_at_depth(&self, a: usize, limit: usize, depth: usize) -> Option<Mention> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut e = a;
        while e < limit && e < self.toks.len() && (self.is_word(e) || matches!(self.punct(e), Some('’' | '\''))) {
            e += 1;
        }
        let m = self.np_forward(a, e)?;
        // The token that ends the mention: the last one starting before its end.
        let last =
            self.toks.partition_point(|t| t.start < m.end).checked_sub(1).filter(|&i| self.toks[i].end == m.end)?;
        // A document whose author is named: "a report by the National Audit Office".
        if m.kind == MentionKind::Nominal
            && self.word_in(last, document_nouns())
            && self.word_is(last + 1, &["by", "from"])
        {
            if let Some(author) = self.np_after_at_depth(last + 2, limit, depth + 1) {
                return Some(author);
            }
        }
        // A name in apposition wins: "said the choir’s conductor, Agnieszka Lis."
        if m.kind == MentionKind::Nominal && self.punct(last + 1) == Some(',') && self.is_cap(last + 2) {
            let mut b = last + 2;
            while self.is_cap(b + 1) || (self.word_in(b + 1, name_connectors()) && self.is_cap(b + 2)) {
                b += if self.is_cap(b + 1) { 1 } else { 2 };
            }
            let closes = b + 1 >= self.toks.len() || matches!(self.punct(b + 1), Some(',' | '.' | '(' | ';'));
            if closes {
                if let Some(name) = self.trim_name(last + 2, b) {
                    return Some(name);
                }
            }
        }
        Some(m)
    }

    /// The attribution a line ending with a colon gives to the quotation in the next paragraph
    /// ("Haddad said:", "Oluwaseun Bello, chief economist at Thameside Economics:").
    pub fn attribution_at_end(&self) -> Option<Attribution> {
        let end = self.toks.len().checked_sub(1)?;
        if self.punct(end) != Some(':') {
            return None;
        }
        let start = self.sentence_start(end).max(end.saturating_sub(MAX_WINDOW));
        if let Some(a) = self.backward(end, start) {
            return Some(a);
        }
        let source = self.main_subject(start, end)?;
        Some(Attribution { source, cue: None })
    }

    /// Capitalised names outside quotations, with whether each looks like an organisation:
    /// the antecedents a later pronoun or "the company" may refer to.
    pub fn names(&self) -> Vec<(Mention, bool)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.toks.len() {
            if !self.is_cap(i) {
                i += 1;
                continue;
            }
            let a = i;
            let mut b = i;
            loop {
                if self.is_possessive(b) {
                    break;
                }
                if self.is_cap(b + 1) {
                    b += 1;
                } else if self.word_in(b + 1, name_connectors()) && self.is_cap(b + 2) {
                    b += 2;
                } else {
                    break;
                }
            }
            i = b + 1;
            if self.is_possessive(b) {
                // "Truss’s": the token carries the possessive ending, so it cannot be a mention.
                if b == a {
                    continue;
                }
                b -= 1;
            }
            let Some(m) = self.trim_name(a, b) else { continue };
            let org = (a..=b).any(|k| self.word_in(k, org_words()))
                || (a == b && self.word(a).is_some_and(|w| w.chars().count() > 1 && w.chars().all(char::is_uppercase)));
            out.push((m, org));
        }
        out
    }
}
