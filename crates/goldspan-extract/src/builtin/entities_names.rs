//! Names for the entity tagger: capitalised sequences typed by gazetteers, titles, cue words,
//! given names, the words around them and document-level memory (a surname seen in "Miriam
//! Ashcombe" is a PERSON when it comes back alone; an acronym in brackets takes the label of the
//! name before it).
//!
//! Two passes over the same sequences: the first types what it can from the sequence and its
//! immediate context, the second reuses what the first learnt about this document. A word that
//! also occurs in lowercase in the document is treated as a common word, which is what keeps
//! capitalised sentence openers ("Markets", "Councils") from becoming names.

use std::collections::{HashMap, HashSet};

use compact_str::{format_compact, CompactString};

use super::gazetteer::{gazetteer, CueSide, Gazetteer};
use super::tokens::{sentence_initial, Kind, Token};
use super::{Candidate, Label};
use crate::builtin::lexicon::{word_list, WordList};
use crate::builtin::Deadline;
use crate::ExtractError;

/// Most units in one sequence of capitalised words; the longest name in corpus/news has 12.
const MAX_SEQUENCE_UNITS: usize = 32;
/// Lowercase words that join capitalised words inside one name.
fn connectors() -> &'static WordList {
    word_list!("entities/name_connectors")
}

/// Name particles that stay inside a person or place name ("van der Berg", "Rio de Janeiro").
fn particles() -> &'static WordList {
    word_list!("entities/name_particles")
}

/// Prefixes joined by a hyphen to a name part ("al-Khatib").
fn hyphen_particles() -> &'static WordList {
    word_list!("entities/hyphen_particles")
}

/// Post-nominal letters left out of a PERSON span.
fn post_nominals() -> &'static WordList {
    word_list!("entities/post_nominals")
}

/// Capitalised words before a title that belong to it ("Health Secretary", "Shadow Chancellor").
fn title_modifiers() -> &'static WordList {
    word_list!("entities/title_modifiers")
}

/// Role words that end a byline role, not a name ("Industry Correspondent", "Health Editor").
fn role_tails() -> &'static WordList {
    word_list!("entities/role_tails")
}

/// All-caps words that are not organisations.
fn not_acronyms() -> &'static WordList {
    word_list!("entities/not_acronyms")
}

/// Time-zone words, never part of a name.
fn time_zones() -> &'static WordList {
    word_list!("entities/name_time_zones")
}

/// Party names whose label follows their use: ORG when acting, NORP before a noun.
fn parties() -> &'static WordList {
    word_list!("entities/parties")
}

/// Lowercase nouns before a title that make it a WORK_OF_ART.
fn work_nouns() -> &'static WordList {
    word_list!("entities/work_nouns")
}

/// Verbs of saying right after a name: evidence for PERSON.
fn speech_verbs() -> &'static WordList {
    word_list!("entities/speech_verbs")
}

/// Lowercase role nouns right before a name: "chancellor Tobias Rennard", "lawyer Beatriz Soler".
fn person_roles() -> &'static WordList {
    word_list!("entities/person_roles")
}

/// Lowercase nouns right before a name that make it an organisation: "the operator, CalMac".
fn org_nouns() -> &'static WordList {
    word_list!("entities/org_nouns")
}

/// Lowercase nouns before a name that make it a place: "the town of Bala", "the port of Reni".
fn place_nouns() -> &'static WordList {
    word_list!("entities/place_nouns")
}

/// Second words of company names whose first word can stand alone: "Lumen Energy" → "Lumen".
fn company_tails() -> &'static WordList {
    word_list!("entities/company_tails")
}

/// Makers whose name before a model name makes a PRODUCT: "Toyota Corolla", "Airbus A321neo".
fn makers() -> &'static WordList {
    word_list!("entities/makers")
}

/// Direction words that start a region's name: "North East", "Northern Province".
fn directions() -> &'static WordList {
    word_list!("entities/directions")
}

/// One word of a name: a word token, with hyphenated and apostrophe parts and an abbreviation
/// full stop merged in; or a possessive ending ("’s", "’") that may join two parts of one name.
#[derive(Debug, Clone)]
struct Unit {
    /// First token.
    s: usize,
    /// One past the last token.
    e: usize,
    text: CompactString,
    /// Starts with an uppercase letter (or has one inside: "iPhone"), or is caseless script.
    cap: bool,
    /// A possessive ending.
    poss: bool,
}

/// What a first pass learnt about a document's names.
#[derive(Debug, Default)]
struct Memory {
    /// Single words seen as part of a typed name: surname → PERSON, "Lumen" → ORG.
    words: HashMap<String, Label>,
    /// Whole names seen typed.
    names: HashMap<String, Label>,
}

/// A typed name over units `first..=last`.
#[derive(Debug, Clone, Copy)]
struct Typed {
    first: usize,
    last: usize,
    label: Label,
    priority: u8,
}

/// Tags the names of one document.
pub(super) struct Names<'a> {
    t: &'a [Token],
    g: &'static Gazetteer,
    units: Vec<Unit>,
    /// Words that occur in lowercase somewhere in the document.
    lower_vocab: HashSet<CompactString>,
}

fn is_month_or_weekday(w: &str) -> bool {
    word_list!("entities/dates_in_names").contains(w)
}

/// "C-130", "F-35B", "Aurora-1": a model designation (but not "Covid-19").
fn is_model_designation(w: &str) -> bool {
    let Some((head, tail)) = w.split_once('-') else { return false };
    !head.is_empty()
        && head.chars().next().is_some_and(char::is_uppercase)
        && head.chars().all(char::is_alphabetic)
        && tail.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !matches!(head.to_lowercase().as_str(), "covid" | "sars" | "mers" | "cop" | "g" | "h")
}

impl<'a> Names<'a> {
    /// Prepares the units of `tokens`.
    pub(super) fn new(tokens: &'a [Token]) -> Names<'a> {
        let g = gazetteer();
        let units = build_units(tokens, g);
        let lower_vocab = tokens
            .iter()
            .filter(|t| t.kind == Kind::Word && t.text.chars().next().is_some_and(char::is_lowercase))
            .map(|t| t.lower.clone())
            .collect();
        Names { t: tokens, g, units, lower_vocab }
    }

    /// Appends name candidates: priority 3 for typed names, 1 for guesses.
    pub(super) fn candidates(&self, out: &mut Vec<Candidate>, deadline: &Deadline) -> Result<(), ExtractError> {
        let seqs = self.sequences();
        let mut memory = Memory::default();
        let mut first: Vec<Vec<Typed>> = Vec::with_capacity(seqs.len());
        for seq in &seqs {
            deadline.tick()?;
            first.push(self.classify(seq, &memory));
        }
        for typed in first.iter().flatten() {
            self.remember(typed, &mut memory);
        }
        // Brackets: "Institute for Fiscal Studies (IFS)" teaches IFS → ORG.
        for (k, typed) in first.iter().enumerate() {
            for t in typed {
                if let Some(inner) = self.bracketed_after(t, &seqs, k) {
                    memory.names.entry(inner).or_insert(t.label);
                }
            }
        }
        for seq in &seqs {
            deadline.tick()?;
            for typed in self.classify(seq, &memory) {
                let (start, end) = (self.units[typed.first].s, self.units[typed.last].e);
                let (start, end, label) = self.extend(start, end, typed.label);
                out.push(Candidate { start, end, label, priority: typed.priority });
            }
        }
        Ok(())
    }

    /// Numbers that belong to a name: "Online Safety Act 2023", "2028 Olympics", "78th Cannes
    /// Film Festival", "Glasgow 2026", "Article 5", "Decree-Law 4/2023", "Lumen Fold 3".
    fn extend(&self, start: usize, end: usize, label: Label) -> (usize, usize, Label) {
        let t = self.t;
        let number_at = |i: usize| t.get(i).is_some_and(|x| x.kind == Kind::Number && x.space_before && !x.line_start);
        let year_at = |i: usize| number_at(i) && t[i].text.len() == 4 && t[i].text.chars().all(|c| c.is_ascii_digit());
        let (mut start, mut end, mut label) = (start, end, label);
        match label {
            Label::Law if number_at(end) => {
                end += 1;
                // "4/2023".
                if t.get(end).is_some_and(|x| x.is_punct('/') && !x.space_before)
                    && t.get(end + 1).is_some_and(|x| x.kind == Kind::Number && !x.space_before)
                {
                    end += 2;
                }
            }
            Label::Event => {
                if year_at(end) {
                    end += 1;
                }
                if start > 0 && year_at(start - 1) && t[start].space_before {
                    start -= 1;
                } else if start > 1
                    && t[start - 1].kind == Kind::Word
                    && matches!(t[start - 1].lower.as_str(), "st" | "nd" | "rd" | "th")
                    && !t[start - 1].space_before
                    && t[start - 2].kind == Kind::Number
                {
                    start -= 2;
                }
            }
            Label::Gpe if end == start + 1 && year_at(end) => {
                // "Glasgow 2026", "Tokyo 2025": games named by their host and year.
                let next = t.get(end + 1);
                if next.is_none_or(|x| x.line_start || x.kind == Kind::Punct) {
                    end += 1;
                    label = Label::Event;
                }
            }
            Label::Product if number_at(end) && t[end].text.len() <= 3 => end += 1,
            _ => {}
        }
        (start, end, label)
    }

    /// The text of units `first..=last`, as written (single spaces between words).
    fn text(&self, first: usize, last: usize) -> String {
        let (s, e) = (self.units[first].s, self.units[last].e);
        let mut out = String::new();
        for (k, tok) in self.t[s..e].iter().enumerate() {
            if k > 0 && tok.space_before {
                out.push(' ');
            }
            out.push_str(&tok.text);
        }
        out
    }

    fn word(&self, k: usize) -> &str {
        &self.units[k].text
    }

    /// Whether the unit is a capitalised function word ("But", "When", "I"), not a name.
    fn is_stop(&self, k: usize) -> bool {
        let w = self.word(k);
        let mut chars = w.chars();
        let title_case = chars.next().is_some_and(char::is_uppercase) && chars.all(|c| !c.is_uppercase());
        (title_case || w == "I") && self.g.is_stopword(&w.to_lowercase())
    }

    /// Whether the unit also occurs in lowercase in this document (a common word).
    fn is_common(&self, k: usize) -> bool {
        self.lower_vocab.contains(self.word(k).to_lowercase().as_str())
    }

    /// Maximal runs of adjacent capitalised units, with connectors, particles and possessives
    /// between them, of at most `MAX_SEQUENCE_UNITS` units: a longer run (a line in capitals, a
    /// title-case heading) is cut, so typing a sequence, which may try each way of splitting
    /// it, costs a bounded amount of work and stack per unit.
    fn sequences(&self) -> Vec<Vec<usize>> {
        let mut seqs = Vec::new();
        let u = &self.units;
        let mut k = 0;
        while k < u.len() {
            if !u[k].cap {
                k += 1;
                continue;
            }
            let mut seq = vec![k];
            let mut j = k;
            loop {
                let next = j + 1;
                if next >= u.len() || !self.adjacent(j, next) {
                    break;
                }
                if u[next].text == "I" || u[j].text == "I" {
                    break;
                }
                if seq.len() >= MAX_SEQUENCE_UNITS {
                    break;
                }
                if u[next].cap {
                    seq.push(next);
                    j = next;
                    continue;
                }
                if !self.joins(next) {
                    break;
                }
                // Up to two joiners, then a capitalised unit that is not a date word.
                let mut m = next;
                let mut ok = false;
                while m < u.len() && m - next <= 2 && self.adjacent(m - 1, m) {
                    if u[m].cap {
                        ok = !is_month_or_weekday(&u[m].text);
                        break;
                    }
                    if !self.joins(m) {
                        break;
                    }
                    m += 1;
                }
                if !ok || seq.len() + (m - next + 1) > MAX_SEQUENCE_UNITS {
                    break;
                }
                seq.extend(next..=m);
                j = m;
            }
            k = j + 1;
            seqs.push(seq);
        }
        seqs
    }

    /// A lowercase unit that may sit inside a name.
    fn joins(&self, k: usize) -> bool {
        let u = &self.units[k];
        u.poss || connectors().contains(u.text.as_str()) || particles().contains(u.text.as_str())
    }

    /// Units `a` and `b` are neighbours on one line: separated by spaces, or a possessive
    /// ending glued to its word.
    fn adjacent(&self, a: usize, b: usize) -> bool {
        let (ua, ub) = (&self.units[a], &self.units[b]);
        let tok = &self.t[ub.s];
        ub.s == ua.e && !tok.line_start && (tok.space_before != ub.poss)
    }

    fn is_connector(&self, k: usize) -> bool {
        let u = &self.units[k];
        u.poss || !u.cap && connectors().contains(u.text.as_str())
    }

    /// Types a sequence, splitting it at connectors when the whole is not one name.
    fn classify(&self, seq: &[usize], memory: &Memory) -> Vec<Typed> {
        let has_conn = seq.iter().any(|&k| self.is_connector(k));
        if !has_conn {
            return self.classify_simple(seq, memory).into_iter().collect();
        }
        if let Some(t) = self.classify_whole(seq) {
            return vec![t];
        }
        // "Nigeria’s National Commission for Museums": each side of a possessive on its own.
        if let Some(at) = seq.iter().position(|&k| self.units[k].poss) {
            let mut out = self.classify(&seq[..at], memory);
            if at + 1 < seq.len() {
                out.extend(self.classify(&seq[at + 1..], memory));
            }
            return out;
        }
        let mut out = Vec::new();
        let mut part = Vec::new();
        for &k in seq {
            if self.is_connector(k) {
                if !part.is_empty() {
                    out.extend(self.classify_simple(&part, memory));
                }
                part.clear();
            } else {
                part.push(k);
            }
        }
        if !part.is_empty() {
            out.extend(self.classify_simple(&part, memory));
        }
        out
    }

    /// A sequence with connectors typed as one name: "University of Leeds", "Elections and
    /// Democracy Bill", "Harcourt & Vane", "Birmingham Children’s Hospital".
    fn classify_whole(&self, seq: &[usize]) -> Option<Typed> {
        let (mut first, last) = (*seq.first()?, *seq.last()?);
        let the = self.word(first) == "The";
        if the {
            first += 1;
        }
        while first < last && (self.is_stop(first) || self.is_connector(first) || self.word(first) == "The") {
            first += 1;
        }
        if first >= last {
            return None;
        }
        let text = self.text(first, last);
        let keep_the = the && first == seq[0] + 1 && !sentence_initial(self.t, self.units[seq[0]].s);
        let typed = |label: Label| {
            let first =
                if keep_the && !matches!(label, Label::Gpe | Label::Loc | Label::Norp) { first - 1 } else { first };
            Some(Typed { first, last, label, priority: 3 })
        };
        if let Some(label) = self.g.name(&text) {
            return typed(label);
        }
        if role_tails().contains(self.word(last)) {
            return None;
        }
        // "Russia’s Foreign Ministry" is two names; "Folkestone Magistrates’ Court" one.
        if let Some(p) = (first..=last).find(|&k| self.units[k].poss) {
            let left = self.text(first, p - 1);
            if self.g.name(&left).is_some() || self.g.is_given_name(self.word(first)) || p + 1 > last {
                return None;
            }
            return self.tail_cue(first, last).and_then(typed);
        }
        // "Britain and the European Union", "Calum Tolmie for The Northern Review" are two names;
        // "Elections and Democracy Bill", "Devon and Cornwall Police" one.
        for c in (first..=last).filter(|&k| self.is_connector(k)) {
            let w = self.word(c);
            if matches!(w, "and" | "&" | "for") {
                let right_the = c < last && matches!(self.word(c + 1), "the" | "The");
                if right_the || self.g.is_given_name(self.word(first)) {
                    return None;
                }
                if w == "and" && self.g.name(&self.text(first, c - 1)).is_some() && self.tail_cue(first, last).is_none()
                {
                    return None;
                }
            }
        }
        if (first..=last).any(|k| self.word(k) == "&") && self.tail_cue(first, last).is_none() {
            return typed(Label::Org);
        }
        if let Some(label) = self.tail_cue(first, last) {
            return typed(label);
        }
        if let Some(label) = self.g.cue(CueSide::Head, self.word(first)) {
            // "Office for Budget Responsibility", "Port of Dover", "River of Grass".
            return typed(label);
        }
        if matches!(self.word(first), "Isle" | "Bay" | "Gulf") {
            return typed(Label::Loc);
        }
        None
    }

    /// The label a tail cue gives units `first..=last` (two-word cues first).
    fn tail_cue(&self, first: usize, last: usize) -> Option<Label> {
        if last > first {
            let two = format!("{} {}", self.word(last - 1), self.word(last));
            if let Some(l) = self.g.cue(CueSide::Tail, &two) {
                return Some(l);
            }
            return self.g.cue(CueSide::Tail, self.word(last));
        }
        None
    }

    /// The lowercase word before unit `k` on its line, if any.
    fn prev_word(&self, k: usize) -> Option<&Token> {
        let s = self.units[k].s;
        (s > 0 && !self.t[s].line_start).then(|| &self.t[s - 1]).filter(|t| t.kind == Kind::Word)
    }

    /// The token after unit `k` on its line, if any.
    fn next_token(&self, k: usize) -> Option<&Token> {
        self.t.get(self.units[k].e).filter(|t| !t.line_start)
    }

    /// Types a sequence without connectors (particles allowed).
    fn classify_simple(&self, seq: &[usize], memory: &Memory) -> Option<Typed> {
        let mut first = *seq.first()?;
        let mut last = *seq.last()?;
        let initial = sentence_initial(self.t, self.units[first].s);
        // "The": kept mid-sentence for official names, dropped at a sentence start.
        let mut the = false;
        if self.word(first) == "The" && first < last {
            if let Some(label) = self.g.name(&self.text(first, last)) {
                return Some(Typed { first, last, label, priority: 3 });
            }
            the = !initial;
            first += 1;
        }
        // Capitalised function words ("But", "When", "I").
        while first <= last && self.is_stop(first) {
            if first == last {
                return None;
            }
            first += 1;
            the = false;
        }
        // Post-nominals: "Tom Okafor MP".
        while last > first
            && (post_nominals().contains(self.word(last))
                || not_acronyms().contains(self.word(last).to_uppercase().as_str()))
        {
            last -= 1;
        }
        if role_tails().contains(self.word(last)) {
            return None;
        }
        let initial = initial && (first == seq[0] || the && first == seq[0] + 1);
        // "Reader Hannah Goldthorpe": a common word before a given name at a sentence start.
        if initial && last > first + 1 && self.is_common(first) && self.g.is_given_name(self.word(first + 1)) {
            first += 1;
        }
        // Titles: "Ms Zoë Brandt", "Transport Secretary Fiona MacRae", "President Putin".
        if let Some(k) = self.title_end(first, last) {
            if k >= last {
                return None;
            }
            if self.tail_cue(k + 1, last).is_none() && !self.g.is_title(self.word(last)) {
                return Some(Typed { first: k + 1, last, label: Label::Person, priority: 3 });
            }
            first = k + 1;
        }
        let text = self.text(first, last);
        let single = first == last;
        if single && (self.g.is_title(&text) || is_month_or_weekday(&text)) {
            return None;
        }
        let keep_the = the && first == seq[0] + 1;
        let with_the = |label: Label, priority: u8| {
            let f = if keep_the && !matches!(label, Label::Gpe | Label::Loc | Label::Norp | Label::Person) {
                first - 1
            } else {
                first
            };
            Some(Typed { first: f, last, label, priority })
        };
        if !single && is_month_or_weekday(self.word(first)) {
            // "Monday Kovalenko" is rare; "Sunday Telegraph" is a cue or gazetteer name below.
            if self.tail_cue(first, last).is_none() && self.g.name(&text).is_none() {
                let at = seq.iter().position(|&k| k == first + 1)?;
                return self.classify_simple(&seq[at..], memory);
            }
        }
        // Parties: ORG when acting, NORP before a noun ("Labour MPs").
        if parties().contains(text.as_str()) {
            let next_lower = self.next_token(last).is_some_and(|t| {
                t.kind == Kind::Word
                    && (not_acronyms().contains(t.text.to_uppercase().as_str())
                        || matches!(
                            t.lower.as_str(),
                            "voters"
                                | "members"
                                | "councillor"
                                | "councillors"
                                | "candidate"
                                | "candidates"
                                | "supporters"
                                | "activists"
                                | "politicians"
                                | "peers"
                                | "backbenchers"
                                | "rebels"
                                | "leader"
                                | "spokesman"
                                | "spokeswoman"
                                | "figures"
                                | "heartlands"
                                | "seat"
                                | "seats"
                                | "majority"
                                | "minister"
                                | "ministers"
                                | "mayor"
                                | "colleagues"
                                | "veteran"
                                | "whip"
                                | "grandee"
                                | "peer"
                                | "member"
                                | "voter"
                                | "councils"
                                | "administration"
                                | "politician"
                        ))
            });
            return with_the(if next_lower { Label::Norp } else { Label::Org }, 3);
        }
        if let Some(label) = self.g.name(&text) {
            if !(initial && self.g.is_ambiguous(&text)) {
                let label =
                    if label == Label::Norp && self.is_language_use(first, last) { Label::Language } else { label };
                return with_the(label, 3);
            }
        }
        if self.g.is_language(&text) && (self.is_language_use(first, last) || self.g.name(&text).is_none()) {
            return with_the(Label::Language, 3);
        }
        // All-caps dateline: "KYIV, Jan 17", "DOVER —".
        if single && self.units[first].e - self.units[first].s == 1 && self.t[self.units[first].s].is_all_caps() {
            let tok = &self.t[self.units[first].s];
            let next = self.t.get(self.units[first].e);
            let dateline = tok.line_start
                && next.is_some_and(|n| n.is_punct(',') || n.is_punct('—') || n.is_punct('–') || n.is_punct('-'));
            if let Some(label) = self.g.name(&title_case(&tok.text)) {
                if dateline || label == Label::Gpe && tok.text.chars().count() > 3 {
                    return with_the(label, 3);
                }
            }
            if dateline && tok.text.chars().count() > 3 {
                return with_the(Label::Gpe, 3);
            }
        }
        if let Some(label) = memory.names.get(&text) {
            return with_the(*label, 3);
        }
        if !single {
            if let Some(label) = self.tail_cue(first, last) {
                return with_the(label, 3);
            }
            let head = self.word(first);
            if let Some(label) = self.g.cue(CueSide::Head, head) {
                if head != "Port" && (label != Label::Org || last > first) {
                    return with_the(label, 3);
                }
            }
            if matches!(head, "MV" | "HMS" | "RMS" | "SS") || makers().contains(head) {
                return Some(Typed { first, last, label: Label::Product, priority: 3 });
            }
            if memory.words.get(head) == Some(&Label::Org) && last == first + 1 && !self.is_common(last) {
                // "Lumen Fold" after "Lumen Energy": a product of a company met before.
                if self.t.get(self.units[last].e).is_some_and(|t| t.kind == Kind::Number) {
                    return Some(Typed { first, last, label: Label::Product, priority: 3 });
                }
            }
            if head == "Port" {
                return Some(Typed { first, last, label: Label::Gpe, priority: 3 });
            }
            if matches!(head, "St" | "Saint" | "San" | "Santa" | "São") {
                return Some(Typed { first, last, label: Label::Gpe, priority: 1 });
            }
            if directions().contains(head) {
                let rest = self.text(first + 1, last);
                let label = if self.g.name(&rest) == Some(Label::Gpe) { Label::Gpe } else { Label::Loc };
                return Some(Typed { first, last, label, priority: 3 });
            }
        }
        if single && is_model_designation(&text) {
            return Some(Typed { first, last, label: Label::Product, priority: 3 });
        }
        if single && self.g.cue(CueSide::Tail, &text) == Some(Label::Law)
            || self.g.cue(CueSide::Head, &text) == Some(Label::Law)
        {
            // "Law 95/2006", "Article 5": only with their number.
            if self.t.get(self.units[last].e).is_some_and(|t| t.kind == Kind::Number && t.space_before) && single {
                return Some(Typed { first, last, label: Label::Law, priority: 3 });
            }
        }
        if let Some(label) = self.work_of_art(seq[0]) {
            return Some(Typed { first: if keep_the { first - 1 } else { first }, last, label, priority: 3 });
        }
        // Acronyms.
        if single && self.is_acronym(first) {
            return with_the(memory.words.get(&text).copied().unwrap_or(Label::Org), 3);
        }
        // Context before the name: "chancellor Tobias Rennard", "the operator, CalMac", "the
        // town of Bala".
        if let Some(label) = self.context_before(first, last) {
            return Some(Typed { first, last, label, priority: 3 });
        }
        // PERSON by given name: "Zoë Brandt", "Oleksandr Kovalenko", "Chen Yiling".
        if !single && self.g.is_given_name(self.word(first)) && !self.is_common(last) {
            return Some(Typed { first, last, label: Label::Person, priority: 3 });
        }
        if let Some(label) = self.context_after(last) {
            if single || (first..=last).all(|k| self.name_like(k)) {
                // "the Covid-19 pandemic": the noun belongs to the event's name.
                if self.next_token(last).is_some_and(|t| t.lower == "pandemic") {
                    return Some(Typed { first, last: last + 1, label, priority: 3 });
                }
                return Some(Typed { first, last, label, priority: if single { 1 } else { 3 } });
            }
        }
        if single {
            // A known word of this document: surname, short company name.
            if let Some(label) = memory.words.get(&text) {
                return Some(Typed { first, last, label: *label, priority: 3 });
            }
            if initial || self.is_common(first) || !self.name_like(first) {
                let plural = ["ers", "ors", "ists", "ians", "ents", "ies", "ants"].iter().any(|x| text.ends_with(x));
                if initial
                    && !plural
                    && self.name_like(first)
                    && !self.is_common(first)
                    && self.person_context(first, last)
                {
                    return Some(Typed { first, last, label: Label::Person, priority: 1 });
                }
                return None;
            }
            let after_the = self.prev_word(first).is_some_and(|p| p.text == "the");
            if after_the && matches!(text.as_str(), "Bank" | "Commission" | "House" | "Assembly" | "Fed") {
                return Some(Typed { first, last, label: Label::Org, priority: 3 });
            }
            return self.guess_single(first);
        }
        // Two or more unknown capitalised words.
        if memory.words.get(self.word(last)) == Some(&Label::Person) && last - first <= 2 {
            return Some(Typed { first, last, label: Label::Person, priority: 3 });
        }
        if last - first <= 2 && (first..=last).all(|k| self.name_like(k)) {
            if (first..=last).any(|k| self.is_common(k)) {
                if keep_the {
                    return Some(Typed { first: first - 1, last, label: Label::WorkOfArt, priority: 1 });
                }
                return Some(Typed { first, last, label: Label::Org, priority: 1 });
            }
            let strong = self.person_context(first, last);
            return Some(Typed { first, last, label: Label::Person, priority: if strong { 3 } else { 1 } });
        }
        if keep_the {
            return Some(Typed { first: first - 1, last, label: Label::WorkOfArt, priority: 1 });
        }
        Some(Typed { first, last, label: Label::Org, priority: 1 })
    }

    /// Index of the last title word in a run of titles at the start ("Transport Secretary").
    fn title_end(&self, first: usize, last: usize) -> Option<usize> {
        let mut k = first;
        let mut found = None;
        while k < last {
            let w = self.word(k);
            if self.g.is_title(w) {
                found = Some(k);
                k += 1;
                continue;
            }
            if title_modifiers().contains(w) || found.is_none() && k == first && self.g.name(w) == Some(Label::Norp) {
                k += 1;
                continue;
            }
            break;
        }
        let k = found?;
        // The title must be followed by a name-like word, not an organisation word.
        if self.g.cue(CueSide::Tail, self.word(k + 1)).is_some() && k + 1 == last {
            return None;
        }
        Some(k)
    }

    /// Whether unit `k` looks like part of a person's name.
    fn name_like(&self, k: usize) -> bool {
        let w = self.word(k);
        self.units[k].cap
            && self.g.name(w).is_none()
            && !self.g.is_language(w)
            && self.g.cue(CueSide::Tail, w).is_none()
            && self.g.cue(CueSide::Head, w).is_none()
            && !self.is_stop(k)
            && !self.g.is_title(w)
            && !is_month_or_weekday(w)
            && !not_acronyms().contains(w.to_uppercase().as_str())
            && !self.t[self.units[k].s].is_all_caps()
            && !w.chars().any(|c| c.is_ascii_digit())
    }

    /// Evidence around a name that it is a person: "X, 44,", "X said", "X, a director", "X, who".
    fn person_context(&self, first: usize, last: usize) -> bool {
        let e = self.units[last].e;
        let next = |d: usize| self.t.get(e + d).filter(|t| !t.line_start);
        if next(0).is_some_and(|t| speech_verbs().contains(t.lower.as_str())) {
            return true;
        }
        if next(0).is_some_and(|t| t.is_punct(',')) {
            if next(1).is_some_and(|t| t.kind == Kind::Number && t.text.len() <= 2)
                && next(2).is_some_and(|t| t.is_punct(',') || t.is_punct('.'))
            {
                return true;
            }
            if next(1).is_some_and(|t| matches!(t.lower.as_str(), "a" | "an" | "who" | "whose")) {
                return true;
            }
        }
        if let Some(p) = self.prev_word(first) {
            if matches!(p.lower.as_str(), "said" | "says" | "by" | "told" | "according" | "asked" | "with") {
                return true;
            }
        }
        false
    }

    /// A lowercase noun right before the name: a role ("lawyer Beatriz Soler"), a kind of
    /// organisation ("the operator, CalMac") or of place ("the town of Bala").
    fn context_before(&self, first: usize, last: usize) -> Option<Label> {
        if !(first..=last).all(|k| self.name_like(k)) {
            return None;
        }
        let s = self.units[first].s;
        if s == 0 || self.t[s].line_start {
            return None;
        }
        let mut p = s - 1;
        // "the operator, CalMac", "the town of Bala".
        let comma = self.t[p].is_punct(',');
        let of = self.t[p].kind == Kind::Word && self.t[p].lower == "of";
        if (comma || of) && p > 0 && !self.t[p].line_start {
            p -= 1;
        }
        let w = &self.t[p];
        if w.kind != Kind::Word || !w.text.chars().next().is_some_and(char::is_lowercase) {
            return None;
        }
        let w = w.lower.as_str();
        if !of && person_roles().contains(w) && last - first <= 2 {
            return Some(Label::Person);
        }
        if !of && org_nouns().contains(w) {
            return Some(Label::Org);
        }
        if place_nouns().contains(w) && first == last {
            return Some(Label::Gpe);
        }
        None
    }

    /// A lowercase noun right after the name: "the Boardmasters festival", "Derzhprom station".
    fn context_after(&self, last: usize) -> Option<Label> {
        let n = self.next_token(last)?;
        if n.kind != Kind::Word || !n.text.chars().next().is_some_and(char::is_lowercase) {
            return None;
        }
        match n.lower.as_str() {
            "festival" | "tournament" | "championships" | "marathon" | "pandemic" => Some(Label::Event),
            "station" | "airport" | "stadium" | "bridge" | "street" | "road" | "prison" => Some(Label::Fac),
            "river" | "valley" | "glacier" | "estuary" => Some(Label::Loc),
            "theatre" | "university" | "hospital" | "council" | "newspaper" => Some(Label::Org),
            _ => None,
        }
    }

    /// A single unknown capitalised word mid-sentence: a place after a place preposition, a
    /// person before a verb of saying, otherwise nothing.
    fn guess_single(&self, k: usize) -> Option<Typed> {
        if let Some(p) = self.prev_word(k) {
            if matches!(
                p.lower.as_str(),
                "in" | "from" | "near" | "outside" | "across" | "around" | "to" | "towards" | "at"
            ) {
                return Some(Typed { first: k, last: k, label: Label::Gpe, priority: 1 });
            }
        }
        if self.person_context(k, k) {
            return Some(Typed { first: k, last: k, label: Label::Person, priority: 1 });
        }
        None
    }

    /// Whether unit `k` is an acronym: "NHS", "MoD", "TfGM".
    fn is_acronym(&self, k: usize) -> bool {
        let u = &self.units[k];
        let upper = u.text.chars().filter(|c| c.is_uppercase()).count();
        let letters = u.text.chars().filter(|c| c.is_alphabetic()).count();
        if letters < 2 || u.text.chars().count() > 8 || not_acronyms().contains(u.text.to_uppercase().as_str()) {
            return false;
        }
        let first_upper = u.text.chars().next().is_some_and(char::is_uppercase);
        first_upper && upper >= 2 && (upper * 2 >= letters || upper >= 3)
    }

    /// A title after a work noun: "the film The Salt Orchard", "her novel Salt Winter".
    fn work_of_art(&self, seq_first: usize) -> Option<Label> {
        let s = self.units[seq_first].s;
        let mut p = s;
        if p > 0 && matches!(self.t[p - 1].text.as_str(), "“" | "‘" | "\"" | "'") {
            p -= 1;
        }
        if p == 0 || self.t[p].line_start {
            return None;
        }
        let prev = &self.t[p - 1];
        (prev.kind == Kind::Word && work_nouns().contains(prev.lower.as_str()) && !prev.is_capitalised())
            .then_some(Label::WorkOfArt)
    }

    /// Whether a NORP/language word is used as a language: "in Welsh", "speaks English", "the
    /// Welsh language", "in Gaelic and English", "Welsh is lovely"; but "Polish authorities".
    fn is_language_use(&self, first: usize, last: usize) -> bool {
        let text = self.text(first, last);
        if !self.g.is_language(&text) {
            return false;
        }
        let next = self.next_token(last);
        let language_nouns = word_list!("entities/language_nouns");
        if next.is_some_and(|t| language_nouns.contains(&t.lower)) {
            return true;
        }
        // "Welsh-speaking", "English-language".
        if next.is_some_and(|t| t.is_punct('-'))
            && self
                .t
                .get(self.units[last].e + 1)
                .is_some_and(|t| matches!(t.lower.as_str(), "speaking" | "language" | "speakers" | "medium"))
        {
            return true;
        }
        // A nationality adjective comes before a noun; a language ends its phrase.
        let function_words = word_list!("entities/language_function_words");
        // "Polish and Dutch police": look past the coordinated word.
        if next.is_some_and(|t| matches!(t.lower.as_str(), "and" | "or")) {
            // Units are in text order: the one starting right after "and" is found by halving.
            let s = self.units[last].e + 1;
            let after = self.units.partition_point(|u| u.s < s);
            if let Some(a) = self.units.get(after).is_some_and(|u| u.s == s).then_some(after) {
                if self.units[a].cap && self.g.is_language(self.word(a)) {
                    let beyond = self.next_token(a);
                    if beyond.is_some_and(|t| {
                        t.kind == Kind::Word && !t.is_capitalised() && !function_words.contains(&t.lower)
                    }) {
                        return false;
                    }
                }
            }
        }
        let next_is_noun = next.is_some_and(|t| {
            t.kind == Kind::Word
                && (t.is_capitalised() || !function_words.contains(&t.lower))
                && !(t.is_capitalised() && self.g.is_language(&t.text))
        });
        if next_is_noun {
            return false;
        }
        // Plural or demonym-only forms were excluded by the lists; a bare language word at the
        // end of a phrase is the language.
        let s = self.units[first].s;
        let prev = if s > 0 && !self.t[s].line_start { Some(&self.t[s - 1]) } else { None };
        !prev.is_some_and(|p| matches!(p.lower.as_str(), "the" | "a" | "an"))
    }

    /// Records what a typed name teaches about the document.
    fn remember(&self, typed: &Typed, memory: &mut Memory) {
        let text = self.text(typed.first, typed.last);
        match typed.label {
            Label::Person => {
                if typed.last > typed.first {
                    memory.names.entry(text).or_insert(Label::Person);
                    for k in [typed.first, typed.last] {
                        let w = self.word(k);
                        if self.name_like(k) && !self.is_common(k) {
                            memory.words.entry(w.to_string()).or_insert(Label::Person);
                            memory.words.entry(title_first(w)).or_insert(Label::Person);
                        }
                    }
                } else if typed.priority >= 3 && self.name_like(typed.first) {
                    memory.words.entry(text).or_insert(Label::Person);
                }
            }
            _ if typed.priority < 3 => {}
            Label::Org => {
                memory.names.entry(text).or_insert(Label::Org);
                // "Lumen Energy" → "Lumen".
                if typed.last > typed.first
                    && typed.last <= typed.first + 2
                    && company_tails().contains(self.word(typed.last))
                    && self.name_like(typed.first)
                    && !self.is_common(typed.first)
                {
                    memory.words.entry(self.word(typed.first).to_string()).or_insert(Label::Org);
                }
            }
            Label::Gpe | Label::Loc | Label::Fac | Label::Event | Label::Law | Label::WorkOfArt | Label::Product => {
                memory.names.entry(text).or_insert(typed.label);
            }
            _ => {}
        }
    }

    /// The text of a whole sequence in brackets right after a typed name: "(IFS)", "(陈怡玲)".
    fn bracketed_after(&self, typed: &Typed, seqs: &[Vec<usize>], k: usize) -> Option<String> {
        let end = self.units[typed.last].e;
        if !self.t.get(end).is_some_and(|t| t.is_punct('(')) {
            return None;
        }
        let next_seq = seqs.get(k + 1)?;
        let (f, l) = (*next_seq.first()?, *next_seq.last()?);
        if self.units[f].s != end + 1 || !self.t.get(self.units[l].e).is_some_and(|t| t.is_punct(')')) {
            return None;
        }
        Some(self.text(f, l))
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::new();
    let mut new_word = true;
    for c in s.chars() {
        if new_word {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        new_word = c == ' ' || c == '-';
    }
    out
}

/// "al-Tamimi" → "Al-Tamimi": a surname at a sentence start.
fn title_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Merges word tokens into name units: hyphenated parts ("Stoke-on-Trent", "al-Khatib",
/// "Covid-19"), apostrophe names ("O’Brien", "d’Italia"), abbreviation stops ("Inc.", "J."); and
/// makes possessive endings units of their own.
fn build_units(t: &[Token], g: &Gazetteer) -> Vec<Unit> {
    let n = t.len();
    let attached = |i: usize| i < n && !t[i].space_before && !t[i].line_start;
    let is_apostrophe = |i: usize| i < n && (t[i].is_punct('’') || t[i].is_punct('\''));
    let mut units: Vec<Unit> = Vec::new();
    let mut i = 0;
    while i < n {
        if t[i].kind != Kind::Word {
            // Possessive endings after a word: "’s" or a bare "’" after a plural.
            let after_word = i > 0 && t[i - 1].kind == Kind::Word && attached(i);
            if after_word && is_apostrophe(i) {
                if attached(i + 1)
                    && t[i + 1].lower == "s"
                    && t.get(i + 2).is_none_or(|x| x.kind != Kind::Word || x.space_before)
                {
                    units.push(Unit {
                        s: i,
                        e: i + 2,
                        text: format_compact!("{}s", t[i].text),
                        cap: false,
                        poss: true,
                    });
                    i += 2;
                    continue;
                }
                if t[i - 1].lower.ends_with('s') && t.get(i + 1).is_some_and(|x| x.space_before) {
                    units.push(Unit { s: i, e: i + 1, text: t[i].text.clone(), cap: false, poss: true });
                    i += 1;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let s = i;
        let mut e = i + 1;
        let mut text = t[i].text.clone();
        let starts_cap = t[i].is_capitalised();
        loop {
            // Hyphen chains.
            if e + 1 < n && t[e].is_punct('-') && attached(e) && attached(e + 1) {
                let nxt = &t[e + 1];
                let particle = e == s + 1 && hyphen_particles().contains(text.to_lowercase().as_str());
                let head_ok = starts_cap || particle;
                let ok = match nxt.kind {
                    Kind::Word => {
                        let chain = !nxt.is_capitalised()
                            && e + 3 < n
                            && t[e + 2].is_punct('-')
                            && attached(e + 2)
                            && attached(e + 3)
                            && t[e + 3].is_capitalised()
                            && nxt.text.chars().count() <= 3;
                        let both_places = g.name(&text).is_some() && g.name(&nxt.text).is_some();
                        head_ok && (nxt.is_capitalised() || chain) && !both_places
                    }
                    Kind::Number => starts_cap && !is_month_or_weekday(&text),
                    Kind::Punct => false,
                };
                if ok {
                    text.push('-');
                    text.push_str(&nxt.text);
                    e += 2;
                    if nxt.kind == Kind::Number && attached(e) && t[e].kind == Kind::Word {
                        text.push_str(&t[e].text);
                        e += 1;
                    }
                    continue;
                }
            }
            // "O’Brien", "d’Italia".
            if e + 1 < n
                && is_apostrophe(e)
                && attached(e)
                && attached(e + 1)
                && t[e + 1].is_capitalised()
                && matches!(text.as_str(), "O" | "D" | "d" | "l" | "L" | "dell" | "N")
            {
                text.push_str(&t[e].text);
                text.push_str(&t[e + 1].text);
                e += 2;
                continue;
            }
            break;
        }
        // Abbreviation stops: "Inc.", "Ltd.", "Jr.", initials "J.".
        let single_initial = e == s + 1 && text.chars().count() == 1 && starts_cap;
        if e < n
            && t[e].is_punct('.')
            && attached(e)
            && (matches!(text.as_str(), "Inc" | "Ltd" | "Co" | "Corp" | "Jr" | "Sr" | "Bros") || single_initial)
            && (!single_initial || t.get(e + 1).is_some_and(|x| x.is_capitalised() && !x.line_start))
        {
            text.push('.');
            e += 1;
        }
        let inner_upper =
            text.chars().skip(1).any(char::is_uppercase) && text.chars().next().is_some_and(char::is_alphabetic);
        let particle_name = e > s + 1
            && hyphen_particles().contains(t[s].lower.as_str())
            && text.split('-').nth(1).is_some_and(|p| p.chars().next().is_some_and(char::is_uppercase));
        let cap = (starts_cap || t[s].is_caseless_word() || inner_upper || particle_name)
            && !time_zones().contains(text.as_str());
        units.push(Unit { s, e, text, cap, poss: false });
        i = e;
    }
    units
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    fn found(text: &str) -> Vec<(String, &'static str)> {
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&chars, &Deadline::none()).expect("no deadline");
        let mut out = Vec::new();
        Names::new(&tokens).candidates(&mut out, &Deadline::none()).expect("no deadline");
        out.iter()
            .filter(|c| c.priority >= 3)
            .map(|c| {
                let s: String = chars[tokens[c.start].start..tokens[c.end - 1].end].iter().collect();
                (s, c.label.as_str())
            })
            .collect()
    }

    fn check(text: &str, expected: &[(&str, &str)]) {
        let got = found(text);
        let got: Vec<(&str, &str)> = got.iter().map(|(s, l)| (s.as_str(), *l)).collect();
        assert_eq!(got, expected, "in {text:?}");
    }

    #[test]
    fn titles_and_given_names() {
        check("Ms Zoë Brandt met the Bank of England.", &[("Zoë Brandt", "PERSON"), ("Bank of England", "ORG")]);
        check("Transport Secretary Fiona MacRae told MSPs.", &[("Fiona MacRae", "PERSON")]);
        check("later, Brandt went home", &[]);
        check("Zoë Brandt arrived. Brandt said no.", &[("Zoë Brandt", "PERSON"), ("Brandt", "PERSON")]);
        check("Shadow chancellor Tobias Rennard spoke.", &[("Tobias Rennard", "PERSON")]);
        check("Tom Okafor MP and Dr Amira Haddad", &[("Tom Okafor", "PERSON"), ("Amira Haddad", "PERSON")]);
    }

    #[test]
    fn places_cues_and_the() {
        check("in Leeds and Stoke-on-Trent", &[("Leeds", "GPE"), ("Stoke-on-Trent", "GPE")]);
        check(
            "crossing the River Thames near Heathrow Airport",
            &[("River Thames", "LOC"), ("Heathrow Airport", "FAC")],
        );
        check("Writing in The Sunday Telegraph, he", &[("The Sunday Telegraph", "ORG")]);
        check(
            "The Office for Budget Responsibility (OBR) said",
            &[("Office for Budget Responsibility", "ORG"), ("OBR", "ORG")],
        );
        check("the Belarus-Poland border", &[("Belarus", "GPE"), ("Poland", "GPE")]);
        check(
            "Russia’s president and Britain and the European Union",
            &[("Russia", "GPE"), ("Britain", "GPE"), ("European Union", "ORG")],
        );
        check("at Birmingham Children’s Hospital today", &[("Birmingham Children’s Hospital", "ORG")]);
        check("Devon and Cornwall Police said", &[("Devon and Cornwall Police", "ORG")]);
    }

    #[test]
    fn nationality_or_language() {
        check("Polish authorities", &[("Polish", "NORP")]);
        check("she answered in Polish.", &[("Polish", "LANGUAGE")]);
        check("signs in Welsh and English", &[("Welsh", "LANGUAGE"), ("English", "LANGUAGE")]);
        check("two Labour MPs said Labour won", &[("Labour", "NORP"), ("Labour", "ORG")]);
    }

    #[test]
    fn long_runs_of_capitalised_words_are_cut_into_bounded_sequences() {
        let sequences = |text: &str| {
            let chars: Vec<char> = text.chars().collect();
            let tokens = tokenize(&chars, &Deadline::none()).expect("no deadline");
            let names = Names::new(&tokens);
            names.sequences().iter().map(|s| names.text(s[0], s[s.len() - 1])).collect::<Vec<_>>()
        };
        // The longest name of corpus/news stays whole.
        let long = "Bulgaria’s Executive Agency for Exploration and Maintenance of the Danube River";
        assert_eq!(sequences(long), [long]);
        // A run of 100 capitalised words joined by "and" is cut every MAX_SEQUENCE_UNITS units.
        let run = sequences(&"Alpha and ".repeat(50));
        assert_eq!(run.len(), 4);
        assert_eq!(run[0].split(' ').count(), MAX_SEQUENCE_UNITS - 1, "{run:?}");
        assert!(run.iter().all(|s| s.split(' ').count() < MAX_SEQUENCE_UNITS));
    }

    #[test]
    fn products_and_acronyms() {
        check("a battered Toyota Hilux and two C-130 planes", &[("Toyota Hilux", "PRODUCT"), ("C-130", "PRODUCT")]);
        check("the US and the WHO", &[("US", "GPE"), ("WHO", "ORG")]);
        check("he told MPs at 12.52 BST", &[]);
    }
}
