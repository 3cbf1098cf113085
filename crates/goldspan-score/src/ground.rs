//! Grounding: predictions given as text (a prompted language model's strings) placed in the
//! document by one documented, deterministic rule, so that they are scored like any span.
//!
//! A bare `text.find()` takes the first occurrence, matches inside words and in other names,
//! and fails silently on a changed quote mark. Here every string is compared under a rule
//! ([`Rule`]: exact, casefold or fuzzy) at word boundaries, and placed by its role:
//!
//! - a **quotation** (the corpus's quotation label) takes one place: the first free occurrence
//!   (exact, casefold) or the most similar free window of words (fuzzy, see [`windows`]);
//! - a string a quotation's relation points to (its **speaker** or **cue**) takes the
//!   occurrence nearest its quotation, outside it;
//! - any other string is a **mention**, placed at every occurrence, the first, or the n-th
//!   for its n-th listing ([`Occurrences`]); an occurrence inside an occurrence of a longer
//!   string the prediction lists in the same layer belongs to the longer one.
//!
//! A string that cannot be placed is kept, with the reason ([`Unplaced`]): scoring counts it
//! as spurious and the results list it. docs/metrics.md §11 has the rules with worked
//! examples, ties included.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::AddAssign;

use compact_str::CompactString;
use goldspan_model::stats::{is_pronoun, speaker_kind};
use goldspan_model::text::is_grapheme_boundary;
use goldspan_model::{AnnotatedDocument, Annotations, Attribution, Document, Span, TextSpan};

use crate::document::word_tokens;

/// How a string is compared with the document (`--ground`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Character for character.
    Exact,
    /// Character for character after folding case, quotation marks, dashes and runs of
    /// whitespace ([`fold`]).
    Casefold,
    /// Word for word (letters and digits, case folded); a quotation may also take a window of
    /// words that is similar enough ([`Grounding::threshold`]).
    Fuzzy,
}

impl Rule {
    /// Every rule, in the order help texts list them.
    pub const ALL: [Rule; 3] = [Rule::Exact, Rule::Casefold, Rule::Fuzzy];

    /// The name users type.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Exact => "exact",
            Rule::Casefold => "casefold",
            Rule::Fuzzy => "fuzzy",
        }
    }

    /// Parses [`Rule::name`].
    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// Which occurrences of a mention become predicted spans (`--ground-occurrences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Occurrences {
    /// Every occurrence: a model listing "Truss" once usually means every mention. A string
    /// listed again adds nothing.
    All,
    /// The first occurrence only. A string listed again adds nothing.
    First,
    /// The n-th listing of a string takes its n-th occurrence.
    Nth,
}

impl Occurrences {
    /// Every choice, in the order help texts list them.
    pub const ALL: [Occurrences; 3] = [Occurrences::All, Occurrences::First, Occurrences::Nth];

    /// The name users type.
    pub fn name(self) -> &'static str {
        match self {
            Occurrences::All => "all",
            Occurrences::First => "first",
            Occurrences::Nth => "nth",
        }
    }

    /// Parses [`Occurrences::name`].
    pub fn parse(name: &str) -> Option<Occurrences> {
        Occurrences::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// How strings are placed: the rule, the occurrences of mentions, and the similarity a fuzzy
/// quotation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grounding {
    /// How strings are compared with the text.
    pub rule: Rule,
    /// Which occurrences of a mention are taken.
    pub occurrences: Occurrences,
    /// The least similarity of a fuzzy quotation's window, in thousandths.
    threshold: u16,
}

/// Why a similarity threshold is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a grounding threshold must be between 0.001 and 1, not {0}")]
pub struct ThresholdError(pub f64);

impl Grounding {
    /// The default threshold: a quotation of 20 words may miss 2 of them (or differ by a
    /// clause of 3 in a window of 23: similarity 40/43).
    pub const DEFAULT_THRESHOLD: f64 = 0.9;

    /// Settings with a threshold between 0.001 and 1 (rounded to thousandths).
    pub fn new(rule: Rule, occurrences: Occurrences, threshold: f64) -> Result<Grounding, ThresholdError> {
        if !(0.001..=1.0).contains(&threshold) {
            return Err(ThresholdError(threshold));
        }
        Ok(Grounding { rule, occurrences, threshold: (threshold * 1000.0).round() as u16 })
    }

    /// The least similarity of a fuzzy quotation's window.
    pub fn threshold(&self) -> f64 {
        f64::from(self.threshold) / 1000.0
    }
}

impl Default for Grounding {
    fn default() -> Grounding {
        Grounding { rule: Rule::Exact, occurrences: Occurrences::All, threshold: 900 }
    }
}

/// Why a string could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unplaced {
    /// The text does not occur in the document under the rule (at word boundaries).
    NotFound,
    /// Fuzzy: no window of words is similar enough; the best one's similarity.
    BelowThreshold {
        /// The best similarity found, in thousandths rounded down (0 when no word is shared).
        best_permille: u16,
    },
    /// It occurs only inside occurrences of a longer string the prediction lists in its layer.
    InsideLonger,
    /// Its `occurrence` asks for more occurrences than there are.
    NoSuchOccurrence {
        /// The occurrence asked for (from 1).
        wanted: usize,
        /// The occurrences there are.
        found: usize,
    },
    /// Its `context` does not occur, or holds no occurrence of the text.
    ContextNotFound,
    /// Occurrences `nth`: listed more times than it occurs.
    Exhausted {
        /// Which listing this is (from 1).
        listing: usize,
        /// The occurrences there are.
        occurrences: usize,
    },
    /// Every place it occurs is taken by an earlier quotation.
    Taken,
    /// It belongs to a quotation that could not be placed.
    QuotationUnplaced,
    /// It has no letters or digits, and the fuzzy rule compares words.
    NoWords,
}

impl fmt::Display for Unplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unplaced::NotFound => f.write_str("not in the text"),
            Unplaced::BelowThreshold { best_permille } => {
                write!(f, "no window similar enough (best {:.3})", f64::from(*best_permille) / 1000.0)
            }
            Unplaced::InsideLonger => f.write_str("occurs only inside a longer predicted string"),
            Unplaced::NoSuchOccurrence { wanted, found } => {
                write!(f, "occurrence {wanted} asked for, the text occurs {found} time(s)")
            }
            Unplaced::ContextNotFound => f.write_str("its context is not in the text, or does not hold it"),
            Unplaced::Exhausted { listing, occurrences } => {
                write!(f, "listing {listing} of a string that occurs {occurrences} time(s)")
            }
            Unplaced::Taken => f.write_str("every place it occurs is taken by an earlier quotation"),
            Unplaced::QuotationUnplaced => f.write_str("its quotation could not be placed"),
            Unplaced::NoWords => f.write_str("has no words"),
        }
    }
}

/// A string that could not be placed: spurious in every span mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ungrounded {
    /// The document.
    pub document: String,
    /// Its id in the prediction.
    pub id: CompactString,
    /// Its layer.
    pub layer: CompactString,
    /// Its label.
    pub label: CompactString,
    /// The text as predicted.
    pub text: String,
    /// Why it has no place.
    pub reason: Unplaced,
}

/// What grounding did with the strings of a layer. `strings = placed + repeated + ungrounded`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroundingCounts {
    /// Predictions given as text.
    pub strings: u64,
    /// Strings given a place.
    pub placed: u64,
    /// Mentions listed again (occurrences `all` and `first`): merged with their first listing.
    pub repeated: u64,
    /// Strings that could not be placed (counted as spurious).
    pub ungrounded: u64,
    /// Spans made from the placed strings (a mention placed at every occurrence makes several;
    /// two strings placed at one place make one).
    pub spans: u64,
}

impl GroundingCounts {
    /// Ungrounded strings over all strings (0 when there are none).
    pub fn ungrounded_rate(&self) -> f64 {
        crate::counts::ratio(self.ungrounded as f64, self.strings as f64)
    }
}

impl AddAssign for GroundingCounts {
    fn add_assign(&mut self, o: GroundingCounts) {
        self.strings += o.strings;
        self.placed += o.placed;
        self.repeated += o.repeated;
        self.ungrounded += o.ungrounded;
        self.spans += o.spans;
    }
}

/// Predictions with their strings placed.
#[derive(Debug, Clone)]
pub struct Grounded<'a> {
    /// The predictions: the spans given with offsets first, then one per place given to a
    /// string (a string's first place keeps its id, further places get `ID#2`, `ID#3`, ...);
    /// the text spans as given; relations to merged strings renamed to the span they share.
    pub annotations: Cow<'a, Annotations>,
    /// How many spans came with offsets (`annotations.spans[..given]`).
    pub given: usize,
    /// The strings that could not be placed, in the order given.
    pub ungrounded: Vec<Ungrounded>,
    /// Relations with an end that could not be placed: (relation type, layer of its head).
    pub unplaced_relations: Vec<(String, CompactString)>,
    /// What happened to the strings, per layer.
    pub counts: BTreeMap<CompactString, GroundingCounts>,
}

impl Grounded<'_> {
    /// Predictions that need no grounding: nothing given as text.
    pub fn as_given(pred: &Annotations) -> Grounded<'_> {
        Grounded {
            annotations: Cow::Borrowed(pred),
            given: pred.spans.len(),
            ungrounded: Vec::new(),
            unplaced_relations: Vec::new(),
            counts: BTreeMap::new(),
        }
    }
}

/// Whether `c` is a quotation mark (straight, curly, low, guillemet) or an apostrophe.
fn quote_mark(c: char) -> Option<char> {
    match c {
        '\'' | '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' | '‹' | '›' => Some('\''),
        '"' | '“' | '”' | '„' | '‟' | '″' | '«' | '»' => Some('"'),
        _ => None,
    }
}

/// Whether `c` is a hyphen, dash or minus sign.
fn dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−')
}

/// Folds `text` as the casefold rule compares it: lower case, every quotation mark as `'` or
/// `"`, every dash as `-`, each run of whitespace as one space, trimmed.
pub fn fold(text: &str) -> String {
    let (chars, _) = fold_chars(text.trim(), true);
    chars.into_iter().collect()
}

/// `text` as a rule compares it, each character with the code point it comes from. Folded
/// (`casefold`), case, quotation marks, dashes and whitespace runs are folded; otherwise the
/// characters are the text's own.
fn fold_chars(text: &str, folded: bool) -> (Vec<char>, Vec<usize>) {
    let mut chars = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut space = false;
    for (i, c) in text.chars().enumerate() {
        if !folded {
            chars.push(c);
            origin.push(i);
            continue;
        }
        if c.is_whitespace() {
            if !space {
                chars.push(' ');
                origin.push(i);
            }
            space = true;
            continue;
        }
        space = false;
        if let Some(mark) = quote_mark(c) {
            chars.push(mark);
            origin.push(i);
        } else if dash(c) {
            chars.push('-');
            origin.push(i);
        } else {
            for lower in c.to_lowercase() {
                chars.push(lower);
                origin.push(i);
            }
        }
    }
    (chars, origin)
}

/// A window of words: tokens `start..end`, with the similarity `num / den`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    start: usize,
    end: usize,
    num: u64,
    den: u64,
}

impl Window {
    /// Best first: higher similarity, then earlier, then shorter.
    fn rank(&self, other: &Window) -> std::cmp::Ordering {
        (other.num * self.den)
            .cmp(&(self.num * other.den))
            .then(self.start.cmp(&other.start))
            .then(self.end.cmp(&other.end))
    }
}

/// The windows of `doc` most similar to `quote` (both as word ids), best first, none
/// overlapping another, each at least `permille`/1000 similar; and the best similarity seen
/// at all, as (num, den).
///
/// Similarity of a window `w` to the quotation `q` is `2·A / (|q| + |w|)`, where `A` is the
/// number of words aligned in order (their longest common subsequence): 1 for the same words,
/// 40/43 when a clause of 3 words of a 23-word window is left out. For every end of a window,
/// a semi-global alignment (insertions and deletions cost 1, a free start in the document:
/// Sellers 1980) finds the start with the fewest edits `E`, the earliest on a tie, so
/// `A = (|q| + |w| − E) / 2`; this takes `O(|q|·|doc|)` time and `O(|q|)` memory. The best
/// window is taken first, then the best that does not overlap it, and so on.
fn windows(doc: &[u32], quote: &[u32], permille: u16) -> (Vec<Window>, (u64, u64)) {
    let m = quote.len();
    // cost[j], start[j]: the column of the current end.
    let mut cost: Vec<usize> = (0..=m).collect();
    let mut start: Vec<usize> = vec![0; m + 1];
    let mut found = Vec::new();
    let mut best = (0, 1);
    for i in 1..=doc.len() {
        let (mut diag_cost, mut diag_start) = (cost[0], start[0]);
        cost[0] = 0;
        start[0] = i;
        for j in 1..=m {
            let (up_cost, up_start) = (cost[j], start[j]);
            // Leave quotation word j out, or this document word, or align the two.
            let mut c = (cost[j - 1] + 1, start[j - 1]);
            c = std::cmp::min(c, (up_cost + 1, up_start));
            if quote[j - 1] == doc[i - 1] {
                c = std::cmp::min(c, (diag_cost, diag_start));
            }
            (diag_cost, diag_start) = (up_cost, up_start);
            (cost[j], start[j]) = c;
        }
        let (edits, s) = (cost[m], start[m]);
        let den = (m + i - s) as u64;
        let num = den - edits as u64;
        if i > s && num * best.1 > best.0 * den {
            best = (num, den);
        }
        if i > s && num * 1000 >= u64::from(permille) * den {
            found.push(Window { start: s, end: i, num, den });
        }
    }
    found.sort_by(Window::rank);
    let mut kept: Vec<Window> = Vec::new();
    for w in found {
        if kept.iter().all(|k| w.end <= k.start || k.end <= w.start) {
            kept.push(w);
        }
    }
    (kept, best)
}

/// The document as the rule compares it.
struct Matcher<'d> {
    doc: &'d Document,
    chars: Vec<char>,
    rule: Rule,
    /// Exact and casefold: the compared characters and the code point each comes from.
    folded: Vec<char>,
    origin: Vec<usize>,
    /// Fuzzy: word places (code points) and ids (lowercased words, numbered).
    words: Vec<(usize, usize)>,
    ids: Vec<u32>,
    vocabulary: HashMap<String, u32>,
}

impl<'d> Matcher<'d> {
    fn new(doc: &'d Document, rule: Rule) -> Matcher<'d> {
        let chars: Vec<char> = doc.text().chars().collect();
        let mut m = Matcher {
            doc,
            chars,
            rule,
            folded: Vec::new(),
            origin: Vec::new(),
            words: Vec::new(),
            ids: Vec::new(),
            vocabulary: HashMap::new(),
        };
        match rule {
            Rule::Exact | Rule::Casefold => (m.folded, m.origin) = fold_chars(doc.text(), rule == Rule::Casefold),
            Rule::Fuzzy => {
                m.words = word_tokens(doc.text());
                for &(s, e) in &m.words {
                    let word = doc.slice(s, e).unwrap_or_default().to_lowercase();
                    let next = m.vocabulary.len() as u32;
                    m.ids.push(*m.vocabulary.entry(word).or_insert(next));
                }
            }
        }
        m
    }

    /// The word ids of `text`; a word the document lacks gets an id no document word has.
    fn word_ids(&self, text: &str) -> Vec<u32> {
        let words: Vec<char> = text.chars().collect();
        word_tokens(text)
            .into_iter()
            .map(|(s, e)| {
                let word: String = words[s..e].iter().collect::<String>().to_lowercase();
                self.vocabulary.get(&word).copied().unwrap_or(u32::MAX)
            })
            .collect()
    }

    /// The key under which two strings are the same string: the text as compared.
    fn key(&self, text: &str) -> String {
        match self.rule {
            Rule::Exact | Rule::Casefold => {
                fold_chars(text.trim(), self.rule == Rule::Casefold).0.into_iter().collect()
            }
            Rule::Fuzzy => {
                let words: Vec<char> = text.chars().collect();
                let lower: Vec<String> = word_tokens(text)
                    .into_iter()
                    .map(|(s, e)| words[s..e].iter().collect::<String>().to_lowercase())
                    .collect();
                lower.join(" ")
            }
        }
    }

    /// Whether `start..end` begins and ends at word and character boundaries.
    fn bounded(&self, start: usize, end: usize) -> bool {
        let alnum = |i: usize| self.chars.get(i).is_some_and(|c| c.is_alphanumeric());
        let offsets = self.doc.offsets();
        let inside_word_at_start = start > 0 && alnum(start) && alnum(start - 1);
        let inside_word_at_end = end > 0 && alnum(end - 1) && alnum(end);
        !inside_word_at_start
            && !inside_word_at_end
            && is_grapheme_boundary(self.doc.text(), offsets, start)
            && is_grapheme_boundary(self.doc.text(), offsets, end)
    }

    /// Every occurrence of `text` in text order, as code points, none overlapping an earlier
    /// one; `NoWords` when the fuzzy rule finds no word in it.
    fn occurrences(&self, text: &str) -> Found {
        match self.rule {
            Rule::Exact | Rule::Casefold => {
                let (needle, _) = fold_chars(text.trim(), self.rule == Rule::Casefold);
                Ok(self.char_occurrences(&needle))
            }
            Rule::Fuzzy => {
                let needle = self.word_ids(text);
                if needle.is_empty() {
                    return Err(Unplaced::NoWords);
                }
                let (m, mut out, mut i) = (needle.len(), Vec::new(), 0);
                while i + m <= self.ids.len() {
                    if self.ids[i..i + m] == needle[..] {
                        out.push(self.edges(text, (self.words[i].0, self.words[i + m - 1].1)));
                        i += m;
                    } else {
                        i += 1;
                    }
                }
                Ok(out)
            }
        }
    }

    fn char_occurrences(&self, needle: &[char]) -> Vec<(usize, usize)> {
        let (f, o, m) = (&self.folded, &self.origin, needle.len());
        let mut out = Vec::new();
        if m == 0 {
            return out;
        }
        let mut i = 0;
        while i + m <= f.len() {
            if f[i] == needle[0] && f[i..i + m] == *needle {
                // Whole characters only (lower case may turn one character into two).
                let whole = (i == 0 || o[i - 1] != o[i]) && (i + m == f.len() || o[i + m] != o[i + m - 1]);
                let (start, end) = (o[i], o[i + m - 1] + 1);
                if whole && self.bounded(start, end) {
                    out.push((start, end));
                    i += m;
                    continue;
                }
            }
            i += 1;
        }
        out
    }

    /// The candidate inside the first occurrence of `context` that holds one.
    fn in_context(&self, context: &str, candidates: &[(usize, usize)]) -> Option<(usize, usize)> {
        let places = self.occurrences(context).ok()?;
        places.iter().find_map(|&(cs, ce)| candidates.iter().copied().find(|&(s, e)| cs <= s && e <= ce))
    }

    /// The places a quotation may take: in text order, and best first (for exact and
    /// casefold, text order too).
    fn passage_places(&self, text: &str, permille: u16) -> Result<Places, Unplaced> {
        match self.rule {
            Rule::Exact | Rule::Casefold => {
                let found = self.occurrences(text)?;
                Ok(Places { text_order: found.clone(), best_first: found })
            }
            Rule::Fuzzy => {
                let quote = self.word_ids(text);
                if quote.is_empty() {
                    return Err(Unplaced::NoWords);
                }
                let (kept, best) = windows(&self.ids, &quote, permille);
                if kept.is_empty() {
                    let best_permille = u16::try_from(best.0 * 1000 / best.1).unwrap_or(u16::MAX);
                    return Err(if best.0 > 0 {
                        Unplaced::BelowThreshold { best_permille }
                    } else {
                        Unplaced::NotFound
                    });
                }
                let best_first: Vec<(usize, usize)> = kept
                    .iter()
                    .map(|w| {
                        let (start, end) = self.edges(text, (self.words[w.start].0, self.words[w.end - 1].1));
                        (start, self.closing(end))
                    })
                    .collect();
                let mut text_order = best_first.clone();
                text_order.sort_unstable();
                Ok(Places { text_order, best_first })
            }
        }
    }

    /// A place found word by word, widened to take the characters `text` has before its first
    /// word and after its last (a currency sign, a full stop) where the document has the same
    /// ones, folded as casefold folds them: `£1,840` is placed with its `£`.
    fn edges(&self, text: &str, (start, end): (usize, usize)) -> (usize, usize) {
        let text = text.trim();
        let words = word_tokens(text);
        let (Some(first), Some(last)) = (words.first(), words.last()) else { return (start, end) };
        let chars: Vec<char> = text.chars().collect();
        let same = |ours: &[char], theirs: Option<&[char]>| {
            let folded = |c: &[char]| fold_chars(&c.iter().collect::<String>(), true).0;
            theirs.is_some_and(|theirs| folded(ours) == folded(theirs))
        };
        let (lead, trail) = (&chars[..first.0], &chars[last.1..]);
        let start = match start.checked_sub(lead.len()) {
            Some(s) if !lead.is_empty() && same(lead, self.chars.get(s..start)) => s,
            _ => start,
        };
        let end = match end + trail.len() {
            e if !trail.is_empty() && same(trail, self.chars.get(end..e)) => e,
            _ => end,
        };
        (start, end)
    }

    /// `end` moved past sentence punctuation that stands between it and a quotation mark:
    /// that punctuation is inside the quotation (`human cost,”`).
    fn closing(&self, end: usize) -> usize {
        let mut at = end;
        while self.chars.get(at).is_some_and(|c| matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '…')) {
            at += 1;
        }
        match self.chars.get(at) {
            Some(&c) if at > end && quote_mark(c).is_some() => at,
            _ => end,
        }
    }
}

/// The occurrences of a string, or why it has none to look for.
type Found = Result<Vec<(usize, usize)>, Unplaced>;

/// The places a quotation may take.
struct Places {
    text_order: Vec<(usize, usize)>,
    best_first: Vec<(usize, usize)>,
}

/// Distance between two places: the characters between them, 0 when they overlap.
fn gap(a: (usize, usize), b: (usize, usize)) -> usize {
    b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1))
}

fn overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The place a string's own `occurrence` or `context` names, when it names one.
fn explicit(
    t: &TextSpan,
    candidates: &[(usize, usize)],
    matcher: &Matcher,
) -> Option<Result<(usize, usize), Unplaced>> {
    if let Some(n) = t.occurrence {
        let found = candidates.len();
        return Some(candidates.get(n.wrapping_sub(1)).copied().ok_or(Unplaced::NoSuchOccurrence { wanted: n, found }));
    }
    let context = t.context.as_deref()?;
    Some(matcher.in_context(context, candidates).ok_or(Unplaced::ContextNotFound))
}

/// Where placed strings go, with what is counted on the way.
struct Placer<'a> {
    document: &'a str,
    pred: &'a Annotations,
    spans: Vec<Span>,
    ids: HashSet<CompactString>,
    ungrounded: Vec<Ungrounded>,
    counts: BTreeMap<CompactString, GroundingCounts>,
    /// A string merged into another's span: its id to that span's id.
    renamed: HashMap<CompactString, CompactString>,
}

impl Placer<'_> {
    fn count(&mut self, t: &TextSpan) -> &mut GroundingCounts {
        let counts = self.counts.entry(t.layer.clone()).or_default();
        counts.strings += 1;
        counts
    }

    fn unplaced(&mut self, t: &TextSpan, reason: Unplaced) {
        self.count(t).ungrounded += 1;
        let (id, layer, label, text) = (t.id.clone(), t.layer.clone(), t.label.clone(), t.text.clone());
        let document = self.document.to_owned();
        self.ungrounded.push(Ungrounded { document, id, layer, label, text, reason });
    }

    /// A span for `t` at each of `places` (the first keeps `t`'s id).
    fn place(&mut self, t: &TextSpan, places: &[(usize, usize)]) {
        let counts = self.count(t);
        counts.placed += 1;
        counts.spans += places.len() as u64;
        for (k, &(start, end)) in places.iter().enumerate() {
            let mut id = t.id.clone();
            let mut n = k + 1;
            while k > 0 && (id == t.id || self.ids.contains(&id)) {
                id = format!("{}#{n}", t.id).into();
                n += 1;
            }
            self.ids.insert(id.clone());
            if let Some(span) = Span::contiguous(id, t.layer.clone(), t.label.clone(), start, end) {
                self.spans.push(span);
            }
        }
    }

    /// Places `t` at `place`, or merges it with a span placed there from another string of
    /// its layer and label.
    fn place_once(&mut self, t: &TextSpan, place: (usize, usize)) {
        let given = self.pred.spans.len();
        let same = self.spans[given..].iter().find(|s| {
            s.layer() == t.layer && s.label() == t.label && (s.start(), s.end()) == place && s.fragments().len() == 1
        });
        match same.map(|s| CompactString::from(s.id())) {
            Some(id) => {
                self.count(t).placed += 1;
                self.renamed.insert(t.id.clone(), id);
            }
            None => self.place(t, &[place]),
        }
    }
}

/// Places the strings of `pred` (its [`TextSpan`]s) in `doc` under `grounding`; spans of the
/// `quotation` label are quotations. Predictions without strings come back as they are.
pub fn ground<'a>(
    doc: &Document,
    pred: &'a Annotations,
    quotation: Option<&str>,
    grounding: &Grounding,
) -> Grounded<'a> {
    if pred.text_spans.is_empty() {
        return Grounded::as_given(pred);
    }
    let matcher = Matcher::new(doc, grounding.rule);
    let is_quotation = |label: &str| quotation == Some(label);
    let text_span: HashMap<&str, &TextSpan> = pred.text_spans.iter().map(|t| (t.id.as_str(), t)).collect();
    // Where each quotation is: those with offsets now, those given as text once placed.
    let mut quotations: HashMap<&str, (usize, usize)> =
        pred.spans.iter().filter(|s| is_quotation(s.label())).map(|s| (s.id(), (s.start(), s.end()))).collect();
    let quotation_ids: HashSet<&str> = quotations
        .keys()
        .copied()
        .chain(pred.text_spans.iter().filter(|t| is_quotation(&t.label)).map(|t| t.id.as_str()))
        .collect();
    // A string a quotation's relation points to belongs to the first such quotation.
    let mut attached: HashMap<&str, &str> = HashMap::new();
    for r in &pred.relations {
        let tail = text_span.get(r.tail.as_str()).filter(|t| !is_quotation(&t.label));
        if let (true, Some(t)) = (quotation_ids.contains(r.head.as_str()), tail) {
            attached.entry(t.id.as_str()).or_insert(r.head.as_str());
        }
    }
    let ids =
        pred.spans.iter().map(|s| CompactString::from(s.id())).chain(pred.text_spans.iter().map(|t| t.id.clone()));
    let mut placer = Placer {
        document: doc.id(),
        pred,
        spans: pred.spans.clone(),
        ids: ids.collect(),
        ungrounded: Vec::new(),
        counts: BTreeMap::new(),
        renamed: HashMap::new(),
    };

    // 1. Quotations, in the order given: each takes one place no earlier quotation took.
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for t in pred.text_spans.iter().filter(|t| is_quotation(&t.label)) {
        let places = match matcher.passage_places(&t.text, grounding.threshold) {
            Ok(places) if !places.text_order.is_empty() => places,
            Ok(_) => {
                placer.unplaced(t, Unplaced::NotFound);
                continue;
            }
            Err(reason) => {
                placer.unplaced(t, reason);
                continue;
            }
        };
        let place = match explicit(t, &places.text_order, &matcher) {
            Some(chosen) => chosen,
            None => places
                .best_first
                .iter()
                .copied()
                .find(|&p| taken.iter().all(|&q| !overlap(p, q)))
                .ok_or(Unplaced::Taken),
        };
        match place {
            Ok(place) => {
                taken.push(place);
                quotations.insert(t.id.as_str(), place);
                placer.place(t, &[place]);
            }
            Err(reason) => placer.unplaced(t, reason),
        }
    }

    // 2. Speakers and cues: the occurrence nearest their quotation, outside it; the earlier
    // of two as near.
    for t in pred.text_spans.iter().filter(|t| attached.contains_key(t.id.as_str())) {
        let Some(&quote) = attached.get(t.id.as_str()).and_then(|head| quotations.get(head)) else {
            placer.unplaced(t, Unplaced::QuotationUnplaced);
            continue;
        };
        let found = match matcher.occurrences(&t.text) {
            Ok(found) => found,
            Err(reason) => {
                placer.unplaced(t, reason);
                continue;
            }
        };
        let place = explicit(t, &found, &matcher).unwrap_or_else(|| {
            let outside = found.iter().copied().filter(|&p| !overlap(p, quote));
            outside.min_by_key(|&p| (gap(p, quote), p)).ok_or(Unplaced::NotFound)
        });
        match place {
            Ok(place) => placer.place_once(t, place),
            Err(reason) => placer.unplaced(t, reason),
        }
    }

    // 3. Mentions.
    let mentions: Vec<&TextSpan> =
        pred.text_spans.iter().filter(|t| !is_quotation(&t.label) && !attached.contains_key(t.id.as_str())).collect();
    // Every occurrence of every mention string, once per string.
    let mut occurrences: HashMap<(&str, String), Found> = HashMap::new();
    for t in &mentions {
        let key = (t.layer.as_str(), matcher.key(&t.text));
        occurrences.entry(key).or_insert_with(|| matcher.occurrences(&t.text));
    }
    // An occurrence inside an occurrence of a longer string of its layer is that string's.
    let mut by_layer: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for ((layer, _), found) in &occurrences {
        by_layer.entry(layer).or_default().extend(found.iter().flatten().copied());
    }
    let free = |layer: &str, p: (usize, usize)| {
        by_layer.get(layer).into_iter().flatten().all(|&q| !(q.0 <= p.0 && p.1 <= q.1 && q.1 - q.0 > p.1 - p.0))
    };
    let mut listed: HashMap<(&str, &str, String), usize> = HashMap::new();
    for t in mentions {
        let text_key = matcher.key(&t.text);
        let found = match &occurrences[&(t.layer.as_str(), text_key.clone())] {
            Ok(found) => found,
            Err(reason) => {
                placer.unplaced(t, reason.clone());
                continue;
            }
        };
        if let Some(place) = explicit(t, found, &matcher) {
            match place {
                Ok(place) => placer.place_once(t, place),
                Err(reason) => placer.unplaced(t, reason),
            }
            continue;
        }
        let listing = listed.entry((t.layer.as_str(), t.label.as_str(), text_key)).or_default();
        *listing += 1;
        let available: Vec<(usize, usize)> = found.iter().copied().filter(|&p| free(&t.layer, p)).collect();
        let none = if found.is_empty() { Unplaced::NotFound } else { Unplaced::InsideLonger };
        match grounding.occurrences {
            Occurrences::All | Occurrences::First if *listing > 1 => placer.count(t).repeated += 1,
            _ if available.is_empty() => placer.unplaced(t, none),
            Occurrences::All => placer.place(t, &available),
            Occurrences::First => placer.place(t, &available[..1]),
            Occurrences::Nth => match available.get(*listing - 1) {
                Some(&place) => placer.place(t, &[place]),
                None => placer.unplaced(t, Unplaced::Exhausted { listing: *listing, occurrences: available.len() }),
            },
        }
    }

    let Placer { spans, ungrounded, counts, renamed, .. } = placer;
    let mut annotations = Annotations {
        spans,
        text_spans: pred.text_spans.clone(),
        relations: pred.relations.clone(),
        clusters: pred.clusters.clone(),
        attributes: pred.attributes.clone(),
        notes: pred.notes.clone(),
    };
    let unplaced: HashSet<&str> = ungrounded.iter().map(|u| u.id.as_str()).collect();
    let layer_of = |id: &str| {
        pred.spans
            .iter()
            .find(|s| s.id() == id)
            .map(|s| CompactString::from(s.layer()))
            .or_else(|| text_span.get(id).map(|t| t.layer.clone()))
    };
    let mut unplaced_relations = Vec::new();
    for r in &mut annotations.relations {
        for end in [&mut r.head, &mut r.tail] {
            if let Some(id) = renamed.get(end.as_str()) {
                *end = id.to_string();
            }
        }
        if unplaced.contains(r.head.as_str()) || unplaced.contains(r.tail.as_str()) {
            if let Some(layer) = layer_of(&r.head) {
                unplaced_relations.push((r.kind.clone(), layer));
            }
        }
    }
    Grounded { annotations: Cow::Owned(annotations), given: pred.spans.len(), ungrounded, unplaced_relations, counts }
}

/// The speaker of the predicted quotation `quote` when it is given as a string: the text of
/// the first string its `relation` (the speaker relation) points to.
pub(crate) fn speaker_string<'a>(pred: &'a Annotations, quote: &str, relation: &str) -> Option<&'a str> {
    pred.relations
        .iter()
        .filter(|r| r.kind == relation && r.head == quote)
        .find_map(|r| pred.text_spans.iter().find(|t| t.id == r.tail.as_str()))
        .map(|t| t.text.as_str())
}

/// Whether `name`, a speaker given as a string, names the gold speaker whose coreference
/// cluster is `cluster`: it is no pronoun, and it is the text of a named mention of the
/// cluster (one that is, or has the boundaries of, a mention of the attribution's mention
/// layer; without a mention layer, any mention but a pronoun), compared as [`fold`] folds
/// both, or under the fuzzy rule word for word, similar enough ([`similar_words`]).
pub(crate) fn names_speaker(
    gold: &AnnotatedDocument,
    cluster: &[&Span],
    name: &str,
    attribution: &Attribution,
    grounding: &Grounding,
) -> bool {
    if is_pronoun(name) {
        return false;
    }
    let layer = attribution.mention_layer.as_deref();
    cluster.iter().any(|m| {
        let text = gold.document.covered_text(m.fragments()).unwrap_or_default();
        let named = match layer {
            Some(_) => speaker_kind(gold, m.id(), layer) == "name",
            None => !is_pronoun(&text),
        };
        named
            && match grounding.rule {
                Rule::Fuzzy => similar_words(&text, name, grounding.threshold),
                Rule::Exact | Rule::Casefold => fold(&text) == fold(name),
            }
    })
}

/// Whether two strings have similar words: `2·A / (|a| + |b|) ≥ permille/1000`, where `A` is
/// the number of words (letters and digits, case folded) the two have in order.
fn similar_words(a: &str, b: &str, permille: u16) -> bool {
    let words = |text: &str| {
        let chars: Vec<char> = text.chars().collect();
        word_tokens(text).into_iter().map(|(s, e)| chars[s..e].iter().collect::<String>().to_lowercase()).collect()
    };
    let (a, b): (Vec<String>, Vec<String>) = (words(a), words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    // Longest common subsequence, one row at a time.
    let mut row = vec![0usize; b.len() + 1];
    for x in &a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    let aligned = row[b.len()] as u64;
    2 * aligned * 1000 >= u64::from(permille) * (a.len() + b.len()) as u64
}

#[cfg(test)]
mod tests {
    use goldspan_model::Relation;

    use super::*;

    fn string(id: &str, label: &str, text: &str) -> TextSpan {
        let layer = if matches!(label, "Quote" | "Source" | "Cue") { "quotes" } else { "entities" };
        TextSpan {
            id: id.into(),
            layer: layer.into(),
            label: label.into(),
            text: text.into(),
            occurrence: None,
            context: None,
        }
    }

    fn relation(head: &str, tail: &str) -> Relation {
        Relation { id: format!("{tail}.rel"), kind: "speaker".into(), head: head.into(), tail: tail.into() }
    }

    /// Each placed span as (id, covered text, start, end), each unplaced string as (id,
    /// reason), and the counts.
    type Outcome = (Vec<(String, String, usize, usize)>, Vec<(String, Unplaced)>, GroundingCounts);

    /// Grounds `strings` in `text`.
    fn check(
        text: &str,
        strings: Vec<TextSpan>,
        relations: Vec<Relation>,
        rule: Rule,
        occurrences: Occurrences,
        threshold: f64,
    ) -> Outcome {
        let doc = Document::new("d", text, Default::default());
        let pred = Annotations { text_spans: strings, relations, ..Annotations::default() };
        let grounding = Grounding::new(rule, occurrences, threshold).expect("threshold");
        let g = ground(&doc, &pred, Some("Quote"), &grounding);
        let placed = g.annotations.spans[g.given..]
            .iter()
            .map(|s| {
                (s.id().to_owned(), doc.slice(s.start(), s.end()).unwrap_or_default().to_owned(), s.start(), s.end())
            })
            .collect();
        let unplaced = g.ungrounded.iter().map(|u| (u.id.to_string(), u.reason.clone())).collect();
        let mut total = GroundingCounts::default();
        for c in g.counts.values() {
            total += *c;
        }
        (placed, unplaced, total)
    }

    fn places(text: &str, strings: Vec<TextSpan>, rule: Rule, occurrences: Occurrences) -> Vec<(String, usize, usize)> {
        let (placed, _, _) = check(text, strings, Vec::new(), rule, occurrences, 0.9);
        placed.into_iter().map(|(id, _, s, e)| (id, s, e)).collect()
    }

    fn p(id: &str, start: usize, end: usize) -> (String, usize, usize) {
        (id.to_owned(), start, end)
    }

    // "Truss" at 0..5 and 17..22, "Putin" at 10..15.
    const REPEATED: &str = "Truss met Putin. Truss left.";

    #[test]
    fn a_repeated_name_takes_every_occurrence_the_first_or_the_nth() {
        let once = || vec![string("T1", "PERSON", "Truss")];
        assert_eq!(places(REPEATED, once(), Rule::Exact, Occurrences::All), [p("T1", 0, 5), p("T1#2", 17, 22)]);
        assert_eq!(places(REPEATED, once(), Rule::Exact, Occurrences::First), [p("T1", 0, 5)]);
        assert_eq!(places(REPEATED, once(), Rule::Exact, Occurrences::Nth), [p("T1", 0, 5)]);
        // Listed twice: `all` makes the two spans once (the repeat adds nothing), `nth` gives
        // the second listing the second occurrence, and a third listing has none left.
        let thrice =
            || vec![string("T1", "PERSON", "Truss"), string("T2", "PERSON", "Truss"), string("T3", "PERSON", "Truss")];
        let (placed, unplaced, counts) = check(REPEATED, thrice(), Vec::new(), Rule::Exact, Occurrences::All, 0.9);
        assert_eq!(placed.len(), 2);
        assert!(unplaced.is_empty());
        assert_eq!((counts.strings, counts.placed, counts.repeated, counts.spans), (3, 1, 2, 2));
        let (placed, unplaced, counts) = check(REPEATED, thrice(), Vec::new(), Rule::Exact, Occurrences::Nth, 0.9);
        let at: Vec<(String, usize, usize)> = placed.into_iter().map(|(id, _, s, e)| (id, s, e)).collect();
        assert_eq!(at, [p("T1", 0, 5), p("T2", 17, 22)]);
        assert_eq!(unplaced, [("T3".to_owned(), Unplaced::Exhausted { listing: 3, occurrences: 2 })]);
        assert_eq!((counts.strings, counts.placed, counts.ungrounded, counts.spans), (3, 2, 1, 2));
    }

    #[test]
    fn an_occurrence_or_a_context_names_the_place() {
        let with = |occurrence: Option<usize>, context: Option<&str>| {
            let mut t = string("T1", "PERSON", "Truss");
            t.occurrence = occurrence;
            t.context = context.map(Into::into);
            check(REPEATED, vec![t], Vec::new(), Rule::Exact, Occurrences::All, 0.9)
        };
        assert_eq!(with(Some(2), None).0, [("T1".to_owned(), "Truss".to_owned(), 17, 22)]);
        assert_eq!(with(Some(3), None).1, [("T1".to_owned(), Unplaced::NoSuchOccurrence { wanted: 3, found: 2 })]);
        assert_eq!(with(None, Some("Truss left")).0, [("T1".to_owned(), "Truss".to_owned(), 17, 22)]);
        assert_eq!(with(None, Some("Truss right")).1, [("T1".to_owned(), Unplaced::ContextNotFound)]);
    }

    #[test]
    fn a_name_with_changed_case_is_found_by_casefold_and_fuzzy_only() {
        let text = "LIZ TRUSS said.";
        let pred = || vec![string("T1", "PERSON", "Liz  Truss")];
        let (_, unplaced, _) = check(text, pred(), Vec::new(), Rule::Exact, Occurrences::All, 0.9);
        assert_eq!(unplaced, [("T1".to_owned(), Unplaced::NotFound)]);
        assert_eq!(places(text, pred(), Rule::Casefold, Occurrences::All), [p("T1", 0, 9)]);
        assert_eq!(places(text, pred(), Rule::Fuzzy, Occurrences::All), [p("T1", 0, 9)]);
    }

    // "Liz Truss" 0..9; "Truss" 4..9 (inside it) and 14..19 (before "'s"); "Trussell" 28..36.
    const NESTED: &str = "Liz Truss met Truss's aide. Trussell objected.";

    #[test]
    fn a_name_inside_a_longer_predicted_name_belongs_to_the_longer_one() {
        for rule in Rule::ALL {
            let both = vec![string("T1", "PERSON", "Truss"), string("T2", "PERSON", "Liz Truss")];
            assert_eq!(places(NESTED, both, rule, Occurrences::All), [p("T1", 14, 19), p("T2", 0, 9)], "{rule:?}");
            // Alone, "Truss" is every word-bounded occurrence, never part of "Trussell".
            let alone = vec![string("T1", "PERSON", "Truss")];
            assert_eq!(places(NESTED, alone, rule, Occurrences::All), [p("T1", 4, 9), p("T1#2", 14, 19)], "{rule:?}");
        }
        // Occurring only inside the longer name, it has no place of its own.
        let text = "Liz Truss spoke.";
        let both = vec![string("T1", "PERSON", "Truss"), string("T2", "PERSON", "Liz Truss")];
        let (placed, unplaced, _) = check(text, both, Vec::new(), Rule::Exact, Occurrences::All, 0.9);
        assert_eq!(placed.len(), 1);
        assert_eq!(unplaced, [("T1".to_owned(), Unplaced::InsideLonger)]);
    }

    // The quotation is 11..34: “Russia’s role is clear.”
    const CURLY: &str = "She said: “Russia’s role is clear.”";

    #[test]
    fn straight_and_curly_quote_marks_differ_only_under_exact() {
        let pred = || vec![string("Q1", "Quote", "Russia's role is clear.")];
        let (_, unplaced, _) = check(CURLY, pred(), Vec::new(), Rule::Exact, Occurrences::All, 0.9);
        assert_eq!(unplaced, [("Q1".to_owned(), Unplaced::NotFound)]);
        assert_eq!(places(CURLY, pred(), Rule::Casefold, Occurrences::All), [p("Q1", 11, 34)]);
        // Fuzzy compares words and takes the full stop before the closing mark along.
        assert_eq!(places(CURLY, pred(), Rule::Fuzzy, Occurrences::All), [p("Q1", 11, 34)]);
    }

    // The quotation is 1..82; its words are 15, "as expected" among them.
    const OMITTED: &str =
        "“The minister has done the right thing, as expected, and the matter is now closed,” a spokeswoman said.";

    #[test]
    fn a_quotation_with_an_omitted_clause_is_placed_by_fuzzy_above_the_threshold() {
        let pred =
            || vec![string("Q1", "Quote", "The minister has done the right thing and the matter is now closed.")];
        for rule in [Rule::Exact, Rule::Casefold] {
            let (_, unplaced, _) = check(OMITTED, pred(), Vec::new(), rule, Occurrences::All, 0.9);
            assert_eq!(unplaced, [("Q1".to_owned(), Unplaced::NotFound)], "{rule:?}");
        }
        // 13 words aligned of 13 and 15: similarity 2·13/28 = 0.928; the window ends at the
        // comma before the closing mark.
        let (placed, _, _) = check(OMITTED, pred(), Vec::new(), Rule::Fuzzy, Occurrences::All, 0.9);
        assert_eq!(placed, [("Q1".to_owned(), OMITTED[3..OMITTED.find('”').unwrap_or(0)].to_owned(), 1, 82)]);
        let (_, unplaced, _) = check(OMITTED, pred(), Vec::new(), Rule::Fuzzy, Occurrences::All, 0.95);
        assert_eq!(unplaced, [("Q1".to_owned(), Unplaced::BelowThreshold { best_permille: 928 })]);
    }

    #[test]
    fn fuzzy_places_take_the_signs_and_stops_the_string_has_at_its_edges() {
        let text = "It cost £1,840 in the U.S. and 1,840 yen.";
        let pred = || vec![string("T1", "MONEY", "£1,840"), string("T2", "GPE", "U.S.")];
        // Fuzzy compares words: "1,840 yen" has the words of "£1,840" too, without the sign.
        assert_eq!(
            places(text, pred(), Rule::Fuzzy, Occurrences::All),
            [p("T1", 8, 14), p("T1#2", 31, 36), p("T2", 22, 26)]
        );
        // Without the sign, the first is placed without it too.
        let bare = vec![string("T1", "MONEY", "1,840")];
        assert_eq!(places(text, bare, Rule::Fuzzy, Occurrences::All), [p("T1", 9, 14), p("T1#2", 31, 36)]);
    }

    #[test]
    fn a_hallucinated_name_is_placed_nowhere() {
        for rule in Rule::ALL {
            let (placed, unplaced, counts) =
                check(REPEATED, vec![string("T1", "PERSON", "Boris Johnson")], Vec::new(), rule, Occurrences::All, 0.9);
            assert!(placed.is_empty());
            assert_eq!(unplaced, [("T1".to_owned(), Unplaced::NotFound)], "{rule:?}");
            assert_eq!((counts.strings, counts.ungrounded), (1, 1));
        }
    }

    #[test]
    fn an_empty_answer_needs_no_grounding() {
        let doc = Document::new("d", REPEATED, Default::default());
        let pred = Annotations::default();
        let g = ground(&doc, &pred, Some("Quote"), &Grounding::default());
        assert!(matches!(g.annotations, Cow::Borrowed(_)));
        assert!(g.ungrounded.is_empty() && g.counts.is_empty());
    }

    // "Truss" 0..5, the quotation 7..14, "Truss" 16..21: two characters either side.
    const TIE: &str = "Truss “Go now.” Truss";

    #[test]
    fn ties_go_to_the_earlier_place() {
        // A speaker as near before its quotation as after it takes the place before.
        let strings = vec![string("Q1", "Quote", "Go now."), string("Q1.speaker", "Source", "Truss")];
        let (placed, _, _) =
            check(TIE, strings, vec![relation("Q1", "Q1.speaker")], Rule::Exact, Occurrences::All, 0.9);
        assert_eq!(placed[1], ("Q1.speaker".to_owned(), "Truss".to_owned(), 0, 5));
        // Two windows equally similar: the earlier first, then the next for the next listing.
        let text = "We will win. Later: we will win.";
        let quote = |id: &str| string(id, "Quote", "we will win");
        let (placed, unplaced, _) =
            check(text, vec![quote("Q1"), quote("Q2"), quote("Q3")], Vec::new(), Rule::Fuzzy, Occurrences::All, 0.9);
        let at: Vec<(String, usize, usize)> = placed.into_iter().map(|(id, _, s, e)| (id, s, e)).collect();
        assert_eq!(at, [p("Q1", 0, 11), p("Q2", 20, 31)]);
        assert_eq!(unplaced, [("Q3".to_owned(), Unplaced::Taken)]);
    }

    #[test]
    fn speakers_of_one_place_share_one_span_and_follow_their_quotation() {
        // Two quotations, each with the speaker "Ms Truss": both speakers are nearest the same
        // "Ms Truss", which becomes one span both relations point to.
        let text = "Ms Truss said “Yes.” and “No.” Later, Mr Putin.";
        let strings = vec![
            string("Q1", "Quote", "Yes."),
            string("Q1.speaker", "Source", "Ms Truss"),
            string("Q2", "Quote", "No."),
            string("Q2.speaker", "Source", "Ms Truss"),
            string("Q3", "Quote", "Maybe."),
            string("Q3.speaker", "Source", "Mr Putin"),
        ];
        let relations = vec![relation("Q1", "Q1.speaker"), relation("Q2", "Q2.speaker"), relation("Q3", "Q3.speaker")];
        let doc = Document::new("d", text, Default::default());
        let pred = Annotations { text_spans: strings, relations, ..Annotations::default() };
        let g = ground(&doc, &pred, Some("Quote"), &Grounding::default());
        let ids: Vec<&str> = g.annotations.spans.iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["Q1", "Q2", "Q1.speaker"]);
        let tails: Vec<&str> = g.annotations.relations.iter().map(|r| r.tail.as_str()).collect();
        assert_eq!(tails, ["Q1.speaker", "Q1.speaker", "Q3.speaker"]);
        let unplaced: Vec<(&str, &Unplaced)> = g.ungrounded.iter().map(|u| (u.id.as_str(), &u.reason)).collect();
        assert_eq!(unplaced, [("Q3", &Unplaced::NotFound), ("Q3.speaker", &Unplaced::QuotationUnplaced)]);
        assert_eq!(g.unplaced_relations, [("speaker".to_owned(), CompactString::from("quotes"))]);
        let counts = g.counts["quotes"];
        assert_eq!((counts.strings, counts.placed, counts.ungrounded, counts.spans), (6, 4, 2, 3));
    }

    #[test]
    fn windows_are_found_by_alignment() {
        // Document words 0..6: a b c x d e; the quotation a b c d e leaves out x.
        let (kept, best) = windows(&[0, 1, 2, 9, 3, 4], &[0, 1, 2, 3, 4], 900);
        // Aligned 5 of 5 and 6: similarity 10/11.
        assert_eq!(kept, [Window { start: 0, end: 6, num: 10, den: 11 }]);
        assert_eq!(best, (10, 11));
        let (kept, best) = windows(&[7, 8, 9], &[0, 1], 900);
        assert!(kept.is_empty());
        assert_eq!(best.0, 0);
    }

    #[test]
    fn folding_is_case_marks_dashes_and_spacing() {
        assert_eq!(fold("  “Liz”\n\tTRUSS — O’Brien "), "\"liz\" truss - o'brien");
    }

    #[test]
    fn names_and_thresholds_parse() {
        assert_eq!(Rule::parse("casefold"), Some(Rule::Casefold));
        assert_eq!(Occurrences::parse("nth"), Some(Occurrences::Nth));
        assert!(Rule::parse("loose").is_none());
        assert!(Grounding::new(Rule::Fuzzy, Occurrences::All, 0.0).is_err());
        assert!(Grounding::new(Rule::Fuzzy, Occurrences::All, 1.5).is_err());
        assert_eq!(Grounding::new(Rule::Fuzzy, Occurrences::All, 0.85).map(|g| g.threshold()), Ok(0.85));
    }
}
