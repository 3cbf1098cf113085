//! Numeric and temporal expressions for the entity tagger: DATE, TIME, MONEY, PERCENT, QUANTITY,
//! ORDINAL and CARDINAL, following the corpus guidelines (approximators inside the span, "the" and
//! relative words inside dates, ages as DATE, rate units left out).
//!
//! A left-to-right scan over tokens: at each token the longest expression that starts there is
//! taken, then the scan jumps past it. Patterns are small hand-written matchers over lowercase
//! token text rather than regular expressions, so offsets stay in tokens (code points).

use super::tokens::{Kind, Token};
use super::{Candidate, Label};
use crate::builtin::lexicon::{word_list, WordList};
use crate::builtin::Deadline;
use crate::ExtractError;

/// `data/lexicon/entities/number_ones.txt`.
fn ones() -> &'static WordList {
    word_list!("entities/number_ones")
}

/// `data/lexicon/entities/number_tens.txt`.
fn tens() -> &'static WordList {
    word_list!("entities/number_tens")
}

/// `data/lexicon/entities/number_scales.txt`.
fn scales() -> &'static WordList {
    word_list!("entities/number_scales")
}

/// `data/lexicon/entities/plural_counts.txt`.
fn plural_counts() -> &'static WordList {
    word_list!("entities/plural_counts")
}

/// `data/lexicon/entities/ordinals.txt`.
fn ordinals() -> &'static WordList {
    word_list!("entities/ordinals")
}

/// `data/lexicon/entities/months.txt`.
fn months() -> &'static WordList {
    word_list!("entities/months")
}

/// `data/lexicon/entities/month_abbreviations.txt`.
fn month_abbreviations() -> &'static WordList {
    word_list!("entities/month_abbreviations")
}

/// `data/lexicon/entities/weekdays.txt`.
fn weekdays() -> &'static WordList {
    word_list!("entities/weekdays")
}

/// `data/lexicon/entities/weekday_abbreviations.txt`.
fn weekday_abbreviations() -> &'static WordList {
    word_list!("entities/weekday_abbreviations")
}

/// `data/lexicon/entities/seasons.txt`.
fn seasons() -> &'static WordList {
    word_list!("entities/seasons")
}

/// `data/lexicon/entities/parts_of_day.txt`.
fn parts_of_day() -> &'static WordList {
    word_list!("entities/parts_of_day")
}

/// `data/lexicon/entities/date_units.txt`.
fn date_units() -> &'static WordList {
    word_list!("entities/date_units")
}

/// `data/lexicon/entities/time_units.txt`.
fn time_units() -> &'static WordList {
    word_list!("entities/time_units")
}

/// `data/lexicon/entities/time_zones.txt`.
fn time_zones() -> &'static WordList {
    word_list!("entities/time_zones")
}

/// `data/lexicon/entities/quantity_suffixes.txt`.
fn quantity_suffixes() -> &'static WordList {
    word_list!("entities/quantity_suffixes")
}

/// `data/lexicon/entities/quantity_words.txt`.
fn quantity_words() -> &'static WordList {
    word_list!("entities/quantity_words")
}

/// `data/lexicon/entities/currency_words.txt`.
fn currency_words() -> &'static WordList {
    word_list!("entities/currency_words")
}

/// `data/lexicon/entities/currency_codes.txt`.
fn currency_codes() -> &'static WordList {
    word_list!("entities/currency_codes")
}

/// `data/lexicon/entities/money_scales.txt`.
fn money_scales() -> &'static WordList {
    word_list!("entities/money_scales")
}

/// `data/lexicon/entities/determiners.txt`.
fn determiners() -> &'static WordList {
    word_list!("entities/determiners")
}

/// Capitalised function words before a number ("The 2024 election", "In 2019"): not names.
fn function_words() -> &'static WordList {
    word_list!("entities/function_words")
}

/// Words before a number that make it an identifier, not an amount ("Article 5", "No 10").
fn identifier_heads() -> &'static WordList {
    word_list!("entities/identifier_heads")
}

fn is_in(list: &WordList, w: &str) -> bool {
    list.contains(w)
}

fn month_index(w: &str) -> Option<usize> {
    months().position(w).or_else(|| month_abbreviations().position(w))
}

/// An amount: the number part of an expression.
#[derive(Debug, Clone, Copy)]
struct Core {
    /// Token after the number (and its scale word).
    end: usize,
    /// Written in digits.
    digits: bool,
    /// The value, when it is a plain number.
    value: Option<f64>,
    /// Four digits from 1000 to 2099 without separators.
    year: bool,
    /// Contains `:`.
    colon: bool,
    /// A decimal with exactly two digits after the point ("17.48").
    clock_decimal: bool,
    /// Starts with "0" and is not a decimal ("0800").
    leading_zero: bool,
    /// A range of two numbers ("20-30", "2024-25").
    range: bool,
    /// A money scale was attached ("3.2bn", "50m").
    attached_scale: bool,
}

/// Scans one document's tokens for numeric and temporal expressions.
pub(super) struct Scan<'a> {
    t: &'a [Token],
}

impl<'a> Scan<'a> {
    /// A scanner over `tokens`.
    pub(super) fn new(tokens: &'a [Token]) -> Scan<'a> {
        Scan { t: tokens }
    }

    /// Appends every expression found, as priority-2 candidates.
    pub(super) fn candidates(&self, out: &mut Vec<Candidate>, deadline: &Deadline) -> Result<(), ExtractError> {
        let mut i = 0;
        while i < self.t.len() {
            deadline.tick()?;
            match self.match_at(i) {
                Some((end, label)) if end > i && end <= self.t.len() => {
                    out.push(Candidate { start: i, end, label, priority: 2 });
                    i = end;
                }
                _ => i += 1,
            }
        }
        Ok(())
    }

    // --- token helpers -------------------------------------------------------------------------

    fn lw(&self, i: usize) -> &str {
        self.t.get(i).map_or("", |t| t.lower.as_str())
    }

    fn is_w(&self, i: usize, w: &str) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Word && t.lower == w)
    }

    fn word_is(&self, i: usize, words: &[&str]) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Word && words.contains(&t.lower.as_str()))
    }

    fn word_in(&self, i: usize, list: &WordList) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Word && list.contains(t.lower.as_str()))
    }

    fn is_num(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| t.kind == Kind::Number)
    }

    fn punct(&self, i: usize, c: char) -> bool {
        self.t.get(i).is_some_and(|t| t.is_punct(c))
    }

    /// Token `i` exists and touches the token before it, on the same line.
    fn attached(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| !t.space_before && !t.line_start)
    }

    /// Token `i` exists and is on the same line as token `i - 1`.
    fn same_line(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(|t| !t.line_start)
    }

    fn capitalised(&self, i: usize) -> bool {
        self.t.get(i).is_some_and(Token::is_capitalised)
    }

    /// A number word ("one", "twenty", "forty-one").
    fn is_number_word(&self, i: usize) -> bool {
        self.word_in(i, ones()) || self.word_in(i, tens())
    }

    // --- the number part -----------------------------------------------------------------------

    /// A number in words: "two", "forty-one", "two million", "a dozen", "hundreds", "half".
    fn word_core(&self, i: usize) -> Option<Core> {
        let w = self.lw(i);
        let base = Core {
            end: i,
            digits: false,
            value: None,
            year: false,
            colon: false,
            clock_decimal: false,
            leading_zero: false,
            range: false,
            attached_scale: false,
        };
        if self.t.get(i).is_none_or(|t| t.kind != Kind::Word) {
            return None;
        }
        if w == "a" || w == "an" {
            // "a dozen", "a hundred", "a million", "a third", "a quarter".
            if self.same_line(i + 1) && (self.word_in(i + 1, scales()) || self.is_w(i + 1, "dozen")) {
                let mut end = i + 2;
                while self.same_line(end) && self.word_in(end, scales()) {
                    end += 1;
                }
                return Some(Core { end, ..base });
            }
            if self.same_line(i + 1) && (self.is_w(i + 1, "third") || self.is_w(i + 1, "quarter")) {
                return Some(Core { end: i + 2, ..base });
            }
            return None;
        }
        if is_in(plural_counts(), w) {
            // "tens of thousands", "hundreds of thousands" stay one count.
            if self.is_w(i + 1, "of") && self.word_in(i + 2, plural_counts()) {
                return Some(Core { end: i + 3, ..base });
            }
            return Some(Core { end: i + 1, ..base });
        }
        if w == "tens" && self.is_w(i + 1, "of") && self.word_in(i + 2, plural_counts()) {
            return Some(Core { end: i + 3, ..base });
        }
        if w == "half" {
            return Some(Core { end: i + 1, ..base });
        }
        if !self.is_number_word(i) {
            return None;
        }
        let mut j = i;
        let mut value: f64 = 0.0;
        let mut current: f64 = 0.0;
        loop {
            let w = self.lw(j);
            if let Some(v) = ones().position(w) {
                current += v as f64;
                j += 1;
            } else if let Some(v) = tens().position(w) {
                current += (v as f64 + 2.0) * 10.0;
                j += 1;
                if self.punct(j, '-') && self.attached(j) && self.attached(j + 1) && self.word_in(j + 1, ones()) {
                    let v = ones().position(self.lw(j + 1)).unwrap_or(0);
                    current += v as f64;
                    j += 2;
                }
            } else {
                break;
            }
            // Scales after the number: "two million", "three hundred thousand".
            let mut scaled = false;
            while self.same_line(j) && self.word_in(j, scales()) {
                let s = self.lw(j);
                let f = match s {
                    "hundred" => 100.0,
                    "thousand" => 1e3,
                    "million" => 1e6,
                    "billion" => 1e9,
                    _ => 1e12,
                };
                current *= f;
                j += 1;
                scaled = true;
            }
            value += current;
            current = 0.0;
            if scaled && self.is_w(j, "and") && self.is_number_word(j + 1) {
                j += 1;
                continue;
            }
            break;
        }
        // "two-thirds", "three-quarters".
        if self.punct(j, '-')
            && self.attached(j)
            && self.attached(j + 1)
            && (self.is_w(j + 1, "thirds") || self.is_w(j + 1, "quarters"))
        {
            return Some(Core { end: j + 2, ..base });
        }
        Some(Core { end: j, value: Some(value + current), ..base })
    }

    /// A number in digits, with an optional range and scale: "1,400", "2.6", "20-30", "3.2bn",
    /// "1.2 million".
    fn digit_core(&self, i: usize) -> Option<Core> {
        let t = self.t.get(i)?;
        if t.kind != Kind::Number {
            return None;
        }
        let text = t.text.as_str();
        let colon = text.contains(':');
        let plain: String = text.chars().filter(|c| *c != ',').collect();
        let value = if colon { None } else { plain.parse::<f64>().ok() };
        let year = text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()) && ("1000"..="2099").contains(&text);
        let clock_decimal = !colon && text.split_once('.').is_some_and(|(h, m)| h.len() <= 2 && m.len() == 2);
        let leading_zero = text.starts_with('0') && text.len() > 1 && !text.starts_with("0.") && !colon;
        let mut core = Core {
            end: i + 1,
            digits: true,
            value,
            year,
            colon,
            clock_decimal,
            leading_zero,
            range: false,
            attached_scale: false,
        };
        // Range "20-30", "2024-25", "9-10", "3-1" (not "2019-2021": two dates).
        if self.punct(i + 1, '-') && self.attached(i + 1) && self.attached(i + 2) && self.is_num(i + 2) {
            let right = self.t[i + 2].text.as_str();
            if !(colon || self.t[i + 2].text.contains(':') || year && right.len() == 4) {
                core.end = i + 3;
                core.range = true;
            }
        }
        // "2025/26".
        if year && self.punct(i + 1, '/') && self.attached(i + 1) && self.attached(i + 2) && self.is_num(i + 2) {
            core.end = i + 3;
            core.range = true;
        }
        // Attached money or count scale: "3.2bn", "50m", "40k".
        if self.attached(core.end) && self.word_in(core.end, money_scales()) {
            core.end += 1;
            core.attached_scale = true;
        } else {
            while self.same_line(core.end) && self.word_in(core.end, scales()) && !self.is_w(core.end, "hundred") {
                core.end += 1;
            }
        }
        Some(core)
    }

    fn core(&self, i: usize) -> Option<Core> {
        self.digit_core(i).or_else(|| self.word_core(i))
    }

    /// The end of an approximator starting at `i` ("about", "more than", "up to"), if any.
    fn approximator(&self, i: usize) -> Option<usize> {
        let w = self.lw(i);
        let two = |a: &str, b: &str| w == a && self.is_w(i + 1, b) && self.same_line(i + 1);
        if two("more", "than")
            || two("less", "than")
            || two("fewer", "than")
            || two("up", "to")
            || two("at", "least")
            || two("at", "most")
            || two("just", "over")
            || two("just", "under")
            || two("well", "over")
            || two("well", "under")
            || two("close", "to")
            || two("an", "estimated")
            || two("somewhere", "near")
            || two("upwards", "of")
        {
            return Some(i + 2);
        }
        if (w == "as") && self.word_is(i + 1, &["many", "much", "few", "little"]) && self.is_w(i + 2, "as") {
            return Some(i + 3);
        }
        if matches!(
            w,
            "about"
                | "around"
                | "nearly"
                | "almost"
                | "roughly"
                | "approximately"
                | "some"
                | "over"
                | "under"
                | "below"
                | "above"
                | "perhaps"
                | "exactly"
                | "barely"
                | "circa"
        ) && self.t.get(i).is_some_and(|t| t.kind == Kind::Word)
        {
            return Some(i + 1);
        }
        None
    }

    // --- the whole expression ------------------------------------------------------------------

    fn match_at(&self, i: usize) -> Option<(usize, Label)> {
        if let Some(m) = self.temporal(i) {
            return Some(m);
        }
        if let Some(m) = self.amount(i) {
            return Some(m);
        }
        let j = self.approximator(i)?;
        if !self.same_line(j) {
            return None;
        }
        if let Some((end, label)) = self.amount(j) {
            let clock = label == Label::Time && self.clock(j, &self.core(j)?).is_some();
            if matches!(label, Label::Date | Label::Time) && !clock && !self.approximates_time(i) {
                return None;
            }
            return Some((end, label));
        }
        let w = self.lw(i);
        if !matches!(w, "over" | "under" | "below" | "above" | "some") {
            if let Some((end, label)) = self.temporal(j) {
                return Some((end, label));
            }
        }
        None
    }

    /// Whether the approximator at `i` belongs to a duration ("almost 50 years", "for about 12
    /// days") rather than being a preposition ("spread over three days", "worried about three
    /// years").
    fn approximates_time(&self, i: usize) -> bool {
        match self.lw(i) {
            "over" | "under" | "below" | "above" | "some" | "exactly" => false,
            "about" | "around" => {
                i == 0
                    || self.t[i].line_start
                    || self.t[i - 1].kind == Kind::Punct
                    || self.word_is(
                        i - 1,
                        &[
                            "for", "in", "of", "within", "after", "than", "and", "lasting", "took", "takes", "last",
                            "lasted", "at", "since", "from", "until", "running", "by", "is", "was", "be",
                        ],
                    )
            }
            _ => true,
        }
    }

    /// Trailing approximators: "or so", "or more", "at least".
    fn tail(&self, end: usize) -> usize {
        if self.is_w(end, "or") && (self.is_w(end + 1, "so") || self.is_w(end + 1, "more")) && self.same_line(end + 1) {
            return end + 2;
        }
        end
    }

    /// Time-zone words after a clock time: "GMT", "local time".
    fn time_zone(&self, end: usize) -> usize {
        if self.same_line(end) && self.word_in(end, time_zones()) {
            return end + 1;
        }
        if self.is_w(end, "local") && self.is_w(end + 1, "time") && self.same_line(end + 1) {
            return end + 2;
        }
        end
    }

    /// A currency symbol or code starting at `i`; returns the index of the number.
    fn currency_prefix(&self, i: usize) -> Option<usize> {
        let t = self.t.get(i)?;
        if t.kind == Kind::Punct && matches!(t.text.as_str(), "£" | "$" | "€" | "¥" | "₹" | "₽" | "₴" | "₩" | "₺" | "₦")
        {
            return Some(i + 1);
        }
        if t.kind == Kind::Word {
            // "US$5m", "HK$", "A$".
            if matches!(t.text.as_str(), "US" | "HK" | "A" | "C" | "NZ" | "S")
                && self.punct(i + 1, '$')
                && self.attached(i + 1)
            {
                return Some(i + 2);
            }
            if is_in(currency_codes(), &t.lower)
                && t.text.chars().all(|c| c.is_uppercase() || c == 's')
                && self.is_num(i + 1)
            {
                return Some(i + 1);
            }
        }
        None
    }

    /// A currency word after an amount ("pounds", "Rwandan francs", "40p"); returns the end.
    fn currency_word(&self, end: usize, core: &Core) -> Option<usize> {
        if core.digits && self.attached(end) && self.is_w(end, "p") {
            return Some(end + 1);
        }
        if !self.same_line(end) {
            return None;
        }
        if self.word_in(end, currency_words()) && !self.is_w(end, "sterling") {
            return Some(end + 1);
        }
        // "310m Rwandan francs", "5 US dollars".
        if self.capitalised(end) && self.same_line(end + 1) && self.word_in(end + 1, currency_words()) {
            return Some(end + 2);
        }
        None
    }

    /// A numeric expression starting at `i` (no approximator): money, percent, quantity,
    /// durations, clock times, dates led by a day number, years, ordinals and cardinals.
    fn amount(&self, i: usize) -> Option<(usize, Label)> {
        if let Some(k) = self.currency_prefix(i) {
            let core = self.core(k)?;
            let mut end = core.end;
            // "£2m-£3m" are two spans; "£2-3m" is one (the range is in the core).
            if self.same_line(end) && self.is_w(end, "a") && self.word_is(end + 1, &["head", "piece"]) {
                end += 2;
            }
            return Some((self.tail(end), Label::Money));
        }
        let core = self.core(i)?;
        if core.digits && self.identifier_context(i) {
            return None;
        }
        let end = core.end;
        // Words-only core "a third" etc. may not be followed by units; handled below.
        if let Some(m) = self.percent(end) {
            return Some((self.tail(m), Label::Percent));
        }
        // A range written with "to" or "and" before the unit: "20 to 30 per cent", "3 to 4 tonnes".
        let between = i > 0 && self.is_w(i - 1, "between");
        if (self.is_w(end, "to") || self.is_w(end, "and") && between) && self.same_line(end + 1) && !core.year {
            if let Some(second) = self.core(end + 1) {
                if let Some(m) = self.percent(second.end) {
                    return Some((self.tail(m), Label::Percent));
                }
                if let Some(m) = self.quantity_unit(second.end, &second) {
                    return Some((m, Label::Quantity));
                }
            }
        }
        if let Some(m) = self.currency_word(end, &core) {
            return Some((self.tail(m), Label::Money));
        }
        if core.digits {
            if let Some(m) = self.clock(i, &core) {
                return Some((m, Label::Time));
            }
        } else if (self.is_w(end, "o") && self.punct(end + 1, '’') || self.is_w(end, "o’clock"))
            || self.is_w(end, "o") && self.punct(end + 1, '\'')
        {
            // "four o’clock": the apostrophe splits the word.
            let e = if self.is_w(end, "o") { end + 3 } else { end + 1 };
            return Some((e, Label::Time));
        }
        // Hyphenated compounds: "45-year-old", "26.2-mile", "three-hour", "six-week".
        if self.punct(end, '-') && self.attached(end) && self.attached(end + 1) {
            let unit = self.lw(end + 1);
            if is_in(date_units(), unit) {
                if self.punct(end + 2, '-') && self.attached(end + 2) && self.word_is(end + 3, &["old", "olds"]) {
                    return Some((end + 4, Label::Date));
                }
                return Some((end + 2, Label::Date));
            }
            if is_in(time_units(), unit) && unit.len() > 1 {
                return Some((end + 2, Label::Time));
            }
            if is_in(quantity_words(), unit) || is_in(quantity_suffixes(), unit) && unit.len() > 1 {
                return Some((end + 2, Label::Quantity));
            }
            if unit == "century" {
                return Some((end + 2, Label::Date));
            }
        }
        if let Some(m) = self.quantity_unit(end, &core) {
            return Some((self.tail(m), Label::Quantity));
        }
        if let Some((m, label)) = self.duration(i, end) {
            return Some((m, label));
        }
        if core.digits {
            return self.digit_rest(i, &core);
        }
        // Words only.
        self.word_cardinal(i, &core)
    }

    /// Numbers that are part of an identifier or a name: "Article 5", "F-35", "No 10".
    fn identifier_context(&self, i: usize) -> bool {
        if i == 0 {
            return false;
        }
        let prev = &self.t[i - 1];
        if self.t[i].line_start {
            return false;
        }
        if prev.kind == Kind::Word && is_in(identifier_heads(), &prev.lower) {
            return true;
        }
        // "Lumen Fold 3", "Matrice 350", "HD 4172": a number right after a name word.
        if prev.kind == Kind::Word
            && prev.is_capitalised()
            && !prev.line_start
            && i >= 2
            && !matches!(self.t[i - 2].text.as_str(), "." | "!" | "?" | "“" | "\"" | ":" | "—" | "–")
            && month_index(&prev.lower).is_none()
            && !weekdays().contains(prev.lower.as_str())
            && !weekday_abbreviations().contains(prev.lower.as_str())
            && !prev.text.chars().all(|c| c.is_uppercase())
            && !(self.punct(i + 1, '-') && self.is_num(i + 2))
            && !is_in(function_words(), &prev.lower)
        {
            return true;
        }
        // "0800 123 456": a phone number.
        if prev.kind == Kind::Number && prev.text.starts_with('0') && !prev.text.contains('.') {
            return true;
        }
        // "(No. 7)".
        if prev.is_punct('.') && i >= 2 && self.t[i - 2].lower == "no" {
            return true;
        }
        // "F-35", "Covid-19", "A-10": a hyphen glued to a capitalised word.
        if prev.is_punct('-') && !self.t[i].space_before && !prev.space_before && i >= 2 {
            let w = &self.t[i - 2];
            if w.kind == Kind::Word && w.is_capitalised() && month_index(&w.lower).is_none() {
                return true;
            }
        }
        // "ID.3", "COP 30" glued to a word.
        if (prev.kind == Kind::Word || prev.is_punct('.')) && !self.t[i].space_before {
            return true;
        }
        // Letters glued after the number: "35B", "5G".
        if self.t.get(i + 1).is_some_and(|n| {
            !n.space_before
                && n.kind == Kind::Word
                && n.text.chars().next().is_some_and(char::is_uppercase)
                && n.text.len() <= 2
                && n.text != "C"
        }) {
            return true;
        }
        false
    }

    /// "%", "per cent", "percent", "percentage points" after an amount.
    fn percent(&self, end: usize) -> Option<usize> {
        if self.punct(end, '%') && self.attached(end) {
            return Some(end + 1);
        }
        if !self.same_line(end) {
            return None;
        }
        if self.is_w(end, "per") && self.is_w(end + 1, "cent") {
            return Some(end + 2);
        }
        if self.is_w(end, "percent") || self.is_w(end, "pc") && self.attached(end) {
            return Some(end + 1);
        }
        if self.is_w(end, "percentage") && self.word_is(end + 1, &["points", "point"]) {
            return Some(end + 2);
        }
        None
    }

    /// A unit of measurement after an amount: "40km", "3 tonnes", "2,000 square metres",
    /// "12C", "46.2°C", "70 miles per hour", "light years".
    fn quantity_unit(&self, end: usize, core: &Core) -> Option<usize> {
        let t = self.t.get(end)?;
        if t.line_start {
            return None;
        }
        if core.digits && !t.space_before {
            if t.is_punct('°') {
                return Some(if self.attached(end + 1) && self.word_is(end + 1, &["c", "f"]) {
                    end + 2
                } else {
                    end + 1
                });
            }
            if t.kind == Kind::Word && is_in(quantity_suffixes(), &t.lower) {
                // "12C" but not "12c" meaning cents; "m" after money scale handled by caller.
                if t.lower == "c" && t.text != "C" {
                    return None;
                }
                let mut e = end + 1;
                // "61min 10sec" is a time, not here; "5ft 10in".
                if t.lower == "ft" && self.is_num(e) && self.attached(e + 1) && self.is_w(e + 1, "in") {
                    e += 2;
                }
                if self.is_w(e, "per") && self.word_is(e + 1, &["hour", "second"]) {
                    e += 2;
                }
                return Some(e);
            }
        }
        if core.digits && core.attached_scale && self.t[end - 1].lower == "m" && !self.word_in(end, quantity_words()) {
            // "50m" alone: metres.
            return None;
        }
        if t.kind != Kind::Word {
            return None;
        }
        let mut e = end;
        if self.word_is(e, &["square", "cubic", "sq"]) {
            e += 1;
        }
        if self.is_w(e, "light") && self.word_is(e + 1, &["years", "year"]) {
            return Some(e + 2);
        }
        if self.word_in(e, quantity_words()) && self.same_line(e) {
            let unit = self.lw(e).to_string();
            e += 1;
            if unit.starts_with("degree") && self.word_is(e, &["celsius", "fahrenheit", "c", "f"]) {
                e += 1;
            }
            if self.is_w(e, "per") && self.word_is(e + 1, &["hour", "second"]) {
                e += 2;
            }
            if self.is_w(e, "an") && self.is_w(e + 1, "hour") {
                e += 2;
            }
            return Some(e);
        }
        None
    }

    /// Durations and ages after an amount: "three years ago", "18 months", "six days a week",
    /// "four hours", "11 hours and 40 minutes", "45 years old", "2hr 16min".
    fn duration(&self, start: usize, end: usize) -> Option<(usize, Label)> {
        if !self.same_line(end) {
            return None;
        }
        let unit = self.lw(end);
        if self.punct(end + 1, '-') && self.attached(end + 1) {
            // "second-hand", "second-year": not a unit.
            return None;
        }
        let is_time_unit = self.word_in(end, time_units()) && unit.len() > 1;
        if is_time_unit {
            // "a second" as in "a second referendum" is an ordinal; only digits/number words here.
            let mut e = end + 1;
            // "2hr 16min 48sec", "11 hours and 40 minutes".
            loop {
                let mut k = e;
                if self.is_w(k, "and") {
                    k += 1;
                }
                if self.same_line(k) && self.core(k).is_some() {
                    let c = self.core(k).map_or(k, |c| c.end);
                    if self.same_line(c) && self.word_in(c, time_units()) && (self.lw(c).len() > 1 || self.attached(c))
                    {
                        e = c + 1;
                        continue;
                    }
                }
                break;
            }
            if self.word_is(e, &["ago", "later", "earlier"]) {
                e += 1;
            }
            if self.is_w(start, "half") {
                return None;
            }
            // "24 hours", "48 hours": a day or more.
            let day_multiple = self.is_num(start)
                && matches!(self.t[start].text.as_str(), "24" | "48" | "72")
                && self.word_is(end, &["hours"]);
            return Some((e, if day_multiple { Label::Date } else { Label::Time }));
        }
        if is_in(date_units(), unit) {
            let mut e = end + 1;
            let relative = self.word_is(e, &["ago", "later", "earlier", "old"]) && self.same_line(e);
            if relative || self.is_w(e, "on") && self.t.get(e + 1).is_none_or(|t| t.kind == Kind::Punct) {
                e += 1;
            } else if self.is_w(e, "a") && self.word_is(e + 1, &["week", "month", "year", "day"]) {
                // "six days a week" is one frequency.
                e += 2;
            } else if self.is_w(e, "at") && self.is_w(e + 1, "least") {
                e += 2;
            }
            return Some((e, Label::Date));
        }
        None
    }

    /// Clock times: "9.30am", "3pm", "14:30 GMT", "17.48 GMT", "2:03:59", "at 15.18".
    fn clock(&self, i: usize, core: &Core) -> Option<usize> {
        let end = core.end;
        if core.range || core.attached_scale {
            return None;
        }
        let ampm = |k: usize| self.word_is(k, &["am", "pm"]);
        if ampm(end) && (self.attached(end) || self.same_line(end)) {
            let e = self.time_zone(end + 1);
            // "2.10pm yesterday" is one TIME.
            if self.same_line(e) && self.word_is(e, &["yesterday", "today", "tomorrow", "tonight"]) {
                return Some(e + 1);
            }
            return Some(e);
        }
        // "9 a.m.".
        if self.is_w(end, "a") && self.punct(end + 1, '.') && self.is_w(end + 2, "m") && self.attached(end + 1) {
            return Some(end + 4);
        }
        if core.colon {
            let text = &self.t[i].text;
            let parts: Vec<&str> = text.split(':').collect();
            let valid = parts.len() >= 2 && parts[1..].iter().all(|p| p.len() == 2);
            if valid {
                return Some(self.time_zone(end));
            }
            return None;
        }
        if core.clock_decimal {
            let text = &self.t[i].text;
            let (h, m) = text.split_once('.')?;
            let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            let zoned = self.time_zone(end);
            if zoned > end {
                return Some(zoned);
            }
            // A line that is only a timestamp, or "at 15.18".
            let line_alone = self.t[i].line_start && self.t.get(end).is_none_or(|t| t.line_start);
            let prev_at = i > 0 && self.word_is(i - 1, &["at", "until", "by", "from", "before", "after"]);
            if line_alone || prev_at {
                return Some(end);
            }
        }
        None
    }

    /// The rest of a number in digits: ordinals, decades, day-led dates, years, ages, scores and
    /// cardinals.
    fn digit_rest(&self, i: usize, core: &Core) -> Option<(usize, Label)> {
        let end = core.end;
        if core.leading_zero || core.colon {
            return None;
        }
        // "21st", "3rd": an ordinal, or part of a date or a century.
        if self.attached(end) && self.word_is(end, &["st", "nd", "rd", "th"]) && !core.range {
            let e = end + 1;
            if self.is_w(e, "century") || (self.punct(e, '-') && self.attached(e) && self.is_w(e + 1, "century")) {
                return Some((if self.is_w(e, "century") { e + 1 } else { e + 2 }, Label::Date));
            }
            if let Some(m) = self.month_after_day(e) {
                return Some((m, Label::Date));
            }
            return Some((e, Label::Ordinal));
        }
        // "1990s", "30s".
        if self.attached(end) && self.is_w(end, "s") {
            return Some((end + 1, Label::Date));
        }
        // "25 August", "1 March 2023".
        if core.value.is_some_and(|v| (1.0..=31.0).contains(&v) && v.fract() == 0.0) && !core.range {
            if let Some(m) = self.month_after_day(end) {
                return Some((m, Label::Date));
            }
        }
        if core.year && !core.attached_scale {
            // "2024-25 season" stays a DATE; "the 2024-25 season" is handled with "the".
            return Some((end, Label::Date));
        }
        // Ages: "aged 45", "Kovalenko, 52, ran", "she was 11 when".
        if core.value.is_some_and(|v| v.fract() == 0.0 && v < 120.0) && !core.range {
            if i > 0 && self.is_w(i - 1, "aged") {
                return Some((end, Label::Date));
            }
            if self.age_context(i, end) {
                return Some((end, Label::Date));
            }
            // "aged 16 and 17": the second age of a pair.
            if i >= 3 && self.word_is(i - 1, &["and", "or", "to"]) && self.is_num(i - 2) && self.is_w(i - 3, "aged") {
                return Some((end, Label::Date));
            }
            // "aged between 16 and 23".
            if i >= 2 && self.is_w(i - 1, "between") && self.is_w(i - 2, "aged") && self.word_is(end, &["and", "to"]) {
                if let Some(c) = self.digit_core(end + 1) {
                    return Some((c.end, Label::Date));
                }
            }
            let after_name = i >= 2 && self.punct(i - 1, ',') && (self.capitalised(i - 2) || self.punct(i - 2, ')'));
            let closes = self.t.get(end).is_some_and(|t| {
                !t.line_start && (t.is_punct(',') || t.is_punct(')') || t.is_punct('.') || t.is_punct(';'))
            });
            if after_name && closes && self.t[i - 2].kind == Kind::Word {
                return Some((end, Label::Date));
            }
        }
        Some((self.tail(end), Label::Cardinal))
    }

    /// A bare number as an age: after "was", "is", "turns", "age of", "older than", and not
    /// followed by a noun ("she was 11 when", "He’s 87 now"; not "was 12 people").
    fn age_context(&self, i: usize, end: usize) -> bool {
        if i == 0 || self.t[i].line_start {
            return false;
        }
        let prev = self.lw(i - 1);
        let verb = matches!(prev, "was" | "is" | "am" | "turns" | "turned" | "turning" | "be" | "’s")
            || prev == "s" && i >= 2 && self.punct(i - 2, '’')
            || prev == "of" && i >= 2 && self.is_w(i - 2, "age")
            || prev == "than" && self.word_is(i.saturating_sub(2), &["older", "younger"])
            || prev == "age" && !self.is_w(i.saturating_sub(2), "the");
        if !verb {
            return false;
        }
        match self.t.get(end) {
            None => true,
            Some(t) if t.line_start || t.kind == Kind::Punct => true,
            Some(t) => matches!(
                t.lower.as_str(),
                "when" | "now" | "and" | "at" | "in" | "but" | "years" | "so" | "then" | "has" | "had" | "is" | "was"
            ),
        }
    }

    /// A month (and optional year) after a day number: " August", " of June 2023", " Mar 2025".
    fn month_after_day(&self, mut e: usize) -> Option<usize> {
        if self.is_w(e, "of") {
            e += 1;
        }
        if !self.same_line(e) || !self.capitalised(e) || month_index(self.lw(e)).is_none() {
            return None;
        }
        e += 1;
        if self.punct(e, '.') && self.attached(e) && month_abbreviations().contains(self.lw(e - 1)) {
            e += 1;
        }
        Some(self.year_after(e))
    }

    /// An optional year after a date: ", 2023" or " 2023".
    fn year_after(&self, e: usize) -> usize {
        let is_year = |k: usize| self.digit_core(k).is_some_and(|c| c.year && !c.range) && self.same_line(k);
        if is_year(e) {
            return e + 1;
        }
        if self.punct(e, ',') && is_year(e + 1) {
            return e + 2;
        }
        e
    }

    /// Number words that are CARDINAL, and the ones that are not ("no one", "the one who").
    fn word_cardinal(&self, i: usize, core: &Core) -> Option<(usize, Label)> {
        let w = self.lw(i);
        let prev = if i > 0 && !self.t[i].line_start { self.lw(i - 1) } else { "" };
        if w == "one" {
            let bad_prev = matches!(
                prev,
                "no" | "the"
                    | "this"
                    | "that"
                    | "which"
                    | "each"
                    | "every"
                    | "any"
                    | "another"
                    | "older"
                    | "younger"
                    | "other"
                    | "only"
                    | "same"
                    | "last"
                    | "next"
                    | "first"
                    | "little"
                    | "big"
                    | "right"
                    | "wrong"
                    | "good"
                    | "bad"
                    | "new"
                    | "old"
                    | "someone"
                    | "a"
            );
            let next = self.lw(core.end);
            let next_word = self.t.get(core.end).is_some_and(|t| t.kind == Kind::Word && !t.line_start);
            if bad_prev || !next_word || matches!(next, "another" | "day" | "way" | "thing" | "who" | "that" | "by") {
                return None;
            }
            if core.end == i + 1 && self.punct(i + 1, '’') {
                return None;
            }
        }
        if w == "half" {
            // "half-time", "half an hour" (TIME), "half a century" (DATE), "second half".
            if self.punct(i + 1, '-') && self.attached(i + 1) || is_in(ordinals(), prev) {
                return None;
            }
            if self.word_is(i + 1, &["a", "an"]) {
                if self.word_is(i + 2, &["hour"]) {
                    return Some((i + 3, Label::Time));
                }
                if self.word_is(i + 2, &["century", "decade", "year", "day"]) {
                    return Some((i + 3, Label::Date));
                }
                if self.word_in(i + 2, currency_words()) || self.is_w(i + 2, "cent") {
                    return Some((i + 3, Label::Money));
                }
            }
        }
        if (w == "a" || w == "an")
            && self.is_w(i + 1, "quarter")
            && self.is_w(i + 2, "of")
            && self.is_w(i + 3, "a")
            && self.is_w(i + 4, "century")
        {
            return Some((i + 5, Label::Date));
        }
        if (w == "a" || w == "an") && !self.is_w(core.end, "of") && self.word_is(i + 1, &["third", "quarter"]) {
            return None;
        }
        if core.value.is_some_and(|v| v < 120.0) && self.age_context(i, core.end) {
            return Some((core.end, Label::Date));
        }
        // "one in ten".
        if self.is_w(core.end, "in") && self.same_line(core.end + 1) && self.is_number_word(core.end + 1) {
            return Some((core.end + 2, Label::Cardinal));
        }
        Some((self.tail(core.end), Label::Cardinal))
    }

    // --- word-led dates and times --------------------------------------------------------------

    /// Is token `k` a period word: a unit, a season, a weekday or a month?
    fn period(&self, k: usize) -> Option<Label> {
        if !self.same_line(k) {
            return None;
        }
        let w = self.lw(k);
        if is_in(parts_of_day(), w) {
            return Some(Label::Time);
        }
        if is_in(date_units(), w)
            || is_in(seasons(), w)
            || w == "season"
            || w == "term"
            || w == "quarter"
            || (self.capitalised(k) && (self.weekday(k) || months().contains(w)))
        {
            return Some(Label::Date);
        }
        if matches!(w, "hour" | "hours" | "minutes") {
            return Some(Label::Time);
        }
        None
    }

    fn weekday(&self, k: usize) -> bool {
        let w = self.lw(k);
        weekdays().contains(w) || w.strip_suffix('s').is_some_and(|d| weekdays().contains(d))
    }

    fn temporal(&self, i: usize) -> Option<(usize, Label)> {
        let t = self.t.get(i)?;
        if t.kind != Kind::Word {
            return None;
        }
        let w = t.lower.as_str();
        match w {
            "the" => self.the_date(i),
            "last" | "next" | "this" | "past" | "coming" | "previous" | "following" | "that" => {
                let modal = i > 0
                    && self.word_is(i - 1, &["could", "would", "will", "may", "might", "can", "to", "should", "must"]);
                if w == "last" && modal {
                    return None;
                }
                self.modified_period(i)
            }
            "earlier" | "later" => {
                if self.word_is(i + 1, &["this", "that", "next", "last"]) {
                    let (e, l) = self.modified_period(i + 1)?;
                    return Some((e, l));
                }
                None
            }
            "early" | "late" | "mid" => {
                let mut k = i + 1;
                if w == "mid" && self.punct(k, '-') && self.attached(k) {
                    k += 1;
                }
                if self.capitalised(k) && months().contains(self.lw(k)) && self.same_line(k) {
                    return Some((self.year_after(k + 1), Label::Date));
                }
                if self.digit_core(k).is_some_and(|c| c.year) && self.same_line(k) {
                    let c = self.digit_core(k)?;
                    let e = if self.attached(c.end) && self.is_w(c.end, "s") { c.end + 1 } else { c.end };
                    return Some((e, Label::Date));
                }
                if self.word_in(k, seasons()) && self.same_line(k) {
                    return Some((self.year_after(k + 1), Label::Date));
                }
                None
            }
            "yesterday" | "today" | "tomorrow" => {
                if self.word_in(i + 1, parts_of_day()) && self.same_line(i + 1) {
                    return Some((i + 2, Label::Time));
                }
                // "Today" naming a programme ("Radio 4’s Today programme") is not a date.
                if t.text == "Today" && !self.t[i].line_start && i > 0 && !self.t[i - 1].is_punct('.') {
                    let prev = &self.t[i - 1];
                    if prev.kind == Kind::Punct && matches!(prev.text.as_str(), "’" | "'") {
                        return None;
                    }
                }
                Some((i + 1, Label::Date))
            }
            "tonight" | "overnight" | "midnight" | "noon" | "midday" | "lunchtime" | "dawn" | "dusk" | "teatime" => {
                if self.punct(i + 1, '-') && self.attached(i + 1) || self.is_w(i + 1, "of") {
                    return None;
                }
                Some((self.time_zone(i + 1), Label::Time))
            }
            "daily" | "weekly" | "monthly" | "annually" | "annual" | "yearly" | "fortnightly" | "biannual" => {
                Some((i + 1, Label::Date))
            }
            "decades" | "centuries" => Some((i + 1, Label::Date)),
            "recent" => {
                if self.word_is(i + 1, &["years", "months", "weeks", "decades", "days"]) && self.same_line(i + 1) {
                    return Some((i + 2, Label::Date));
                }
                None
            }
            "every" | "each" => {
                let k = i + 1;
                if self.is_w(k + 1, "of") || w == "each" && self.word_is(k, &["hour", "minute"]) {
                    return None;
                }
                if self.word_is(k, &["single", "other"]) {
                    if let Some(l) = self.period(k + 1) {
                        return Some((k + 2, l));
                    }
                }
                if let Some(l) = self.period(k) {
                    return Some((k + 1, l));
                }
                // "every 50 years", "every nine years".
                let c = self.core(k)?;
                if self.word_in(c.end, date_units()) && self.same_line(c.end) {
                    return Some((c.end + 1, Label::Date));
                }
                None
            }
            "once" | "twice" => {
                if self.word_is(i + 1, &["a", "per", "every", "each"]) {
                    if let Some(l) = self.period(i + 2) {
                        return Some((i + 3, l));
                    }
                    if let Some(c) = self.core(i + 2) {
                        if self.word_in(c.end, date_units()) {
                            return Some((c.end + 1, Label::Date));
                        }
                    }
                }
                if w == "twice" {
                    return Some((i + 1, Label::Cardinal));
                }
                None
            }
            "a" | "an" => {
                let next_ok = |e: usize| !(self.punct(e, '-') && self.attached(e));
                if self.same_line(i + 1)
                    && self.word_is(i + 1, &["year", "decade", "century", "month", "week", "fortnight"])
                {
                    let mut e = i + 2;
                    let relative = self.word_is(e, &["ago", "later", "earlier", "before", "on"]);
                    if !(relative || self.date_context(i)) || !next_ok(e) {
                        return None;
                    }
                    if relative {
                        e += 1;
                    }
                    return Some((e, Label::Date));
                }
                if self.is_w(i + 1, "hour") && self.date_context(i) && next_ok(i + 2) {
                    return Some((i + 2, Label::Time));
                }
                if self.is_w(i + 1, "few") && self.word_is(i + 2, &["minutes", "seconds", "hours"]) {
                    let mut e = i + 3;
                    if self.word_is(e, &["ago", "later", "earlier"]) {
                        e += 1;
                    }
                    return Some((e, Label::Time));
                }
                if self.is_w(i + 1, "second") && self.word_is(i + 2, &["later", "earlier"]) {
                    return Some((i + 3, Label::Time));
                }
                None
            }
            "christmas" | "easter" | "ramadan" | "eid" | "diwali" | "hanukkah" | "passover" | "halloween" => {
                if !t.is_capitalised() {
                    return None;
                }
                let mut e = i + 1;
                if self.word_is(e, &["day", "eve"]) && self.capitalised(e) {
                    e += 1;
                }
                Some((e, Label::Date))
            }
            _ => {
                if t.is_capitalised() && self.weekday(i) {
                    return Some(self.weekday_expr(i));
                }
                if t.is_capitalised()
                    && weekday_abbreviations().contains(w)
                    && self.is_num(i + 1)
                    && self.same_line(i + 1)
                {
                    let (e, _) = self.weekday_expr(i);
                    if e > i + 1 {
                        return Some((e, Label::Date));
                    }
                }
                if t.is_capitalised() {
                    if let Some(m) = self.month_expr(i) {
                        return Some((m, Label::Date));
                    }
                }
                if is_in(seasons(), w) && !t.is_capitalised() || t.is_capitalised() && is_in(seasons(), w) {
                    // "spring 2026"; "summer" alone after a preposition.
                    let e = self.year_after(i + 1);
                    if e > i + 1 {
                        return Some((e, Label::Date));
                    }
                    let prev = if i > 0 { self.lw(i - 1) } else { "" };
                    if matches!(prev, "in" | "since" | "until" | "by" | "during" | "over" | "through" | "this" | "last")
                        && !self.t[i].line_start
                        && !self.lowercase_noun_at(i + 1)
                    {
                        return Some((i + 1, Label::Date));
                    }
                }
                None
            }
        }
    }

    /// Whether token `k` is a lowercase word that is not a function word (a noun after a
    /// modifier: "the spring statement", "summer bookings").
    fn lowercase_noun_at(&self, k: usize) -> bool {
        self.t.get(k).is_some_and(|t| {
            t.kind == Kind::Word
                && !t.line_start
                && t.text.chars().next().is_some_and(char::is_lowercase)
                && !matches!(
                    t.lower.as_str(),
                    "and"
                        | "or"
                        | "but"
                        | "is"
                        | "was"
                        | "when"
                        | "as"
                        | "at"
                        | "in"
                        | "on"
                        | "to"
                        | "for"
                        | "with"
                        | "the"
                        | "that"
                        | "will"
                        | "has"
                        | "had"
                        | "of"
                        | "before"
                        | "after"
                        | "until"
                        | "this"
                )
        })
    }

    /// Whether "a year" at `i` is a period ("for a year", "in a decade"), not a rate after an
    /// amount ("£30,000 a year", "10,000 tonnes a year").
    fn date_context(&self, i: usize) -> bool {
        if i == 0 || self.t[i].line_start || self.t[i - 1].kind == Kind::Punct {
            return true;
        }
        self.word_is(
            i - 1,
            &[
                "for", "in", "within", "after", "than", "nearly", "almost", "about", "over", "around", "past", "of",
                "another", "only", "just", "least", "by", "took", "takes", "lasted", "spent", "spend", "roughly",
                "last", "lasts",
            ],
        )
    }

    /// "last week", "this morning", "next Tuesday", "past decade", "the last 11 years".
    fn modified_period(&self, i: usize) -> Option<(usize, Label)> {
        let k = i + 1;
        let w = self.lw(i);
        if let Some(label) = self.period(k) {
            // "that" only with a plain period ("that week"), "this" with anything.
            if w == "that" && label == Label::Time {
                return None;
            }
            let label = if self.lw(k) == "night" && (w == "last" || w == "this") { Label::Time } else { label };
            let mut e = k + 1;
            // "last Tuesday night" / "this Friday morning".
            if label == Label::Date && self.weekday(k) && self.word_in(e, parts_of_day()) && self.same_line(e) {
                return Some((e + 1, Label::Time));
            }
            // "last year’s" keeps the possessive outside; "the same week last year".
            if matches!(w, "last" | "next" | "this") && self.capitalised(k) && months().contains(self.lw(k)) {
                e = self.year_after(e);
            }
            return Some((e, label));
        }
        if w == "that" || w == "this" {
            return None;
        }
        // "the past nine years", "last two weeks", "the next six months".
        let c = self.core(k)?;
        if !c.digits && self.word_is(k, &["a", "an", "half"]) {
            return None;
        }
        if !self.same_line(c.end) {
            return None;
        }
        let unit = self.lw(c.end);
        if is_in(date_units(), unit) {
            let mut e = c.end + 1;
            if self.is_w(e, "at") && self.is_w(e + 1, "least") {
                e += 2;
            }
            return Some((e, Label::Date));
        }
        if matches!(unit, "hours" | "minutes" | "hour" | "seconds") {
            return Some((c.end + 1, Label::Time));
        }
        None
    }

    /// Dates and times that keep their "the": "the 1990s", "the past decade", "the weekend",
    /// "the end of March", "the night of 20 October", "the 21st century", "the 2024-25 season".
    fn the_date(&self, i: usize) -> Option<(usize, Label)> {
        let k = i + 1;
        if !self.same_line(k) {
            return None;
        }
        let w = self.lw(k);
        if w == "weekend" {
            return Some((k + 1, Label::Date));
        }
        if is_in(seasons(), w) {
            let e = self.year_after(k + 1);
            if e > k + 1 || !self.lowercase_noun_at(k + 1) {
                return Some((e, Label::Date));
            }
            return None;
        }
        if matches!(w, "early" | "late" | "mid") {
            if let Some((e, l)) = self.temporal(k) {
                return Some((e, l));
            }
            // "the early hours of 17 March 2022".
            if w == "early" && self.is_w(k + 1, "hours") && self.is_w(k + 2, "of") {
                if let Some((e, _)) = self.date_after_of(k + 3) {
                    return Some((e, Label::Time));
                }
            }
            return None;
        }
        if matches!(w, "past" | "last" | "next" | "coming" | "previous" | "following" | "same" | "current") {
            let (e, l) = self.modified_period_or_same(k)?;
            // "the same week last year", "the same period in 2024".
            let mut e = e;
            if w == "same" {
                let relative =
                    self.word_is(e, &["last", "this", "next"]) && self.word_is(e + 1, &["year", "month", "week"]);
                if relative || self.is_w(e, "in") && self.digit_core(e + 1).is_some_and(|c| c.year) {
                    e += 2;
                }
            }
            return Some((self.of_date(e), l));
        }
        if matches!(w, "first" | "final" | "whole" | "entire") {
            // "the first six months of 2025", "the final week", "the first half of the year".
            let mut e = k + 1;
            if let Some(c) = self.core(e) {
                if c.end > e && !self.is_w(e, "a") && !self.is_w(e, "half") {
                    e = c.end;
                }
            }
            if self.is_w(e, "half") && self.is_w(e + 1, "of") {
                if let Some((end, _)) = self.date_after_of(e + 2) {
                    return Some((end, Label::Date));
                }
                return None;
            }
            if let Some(label) = self.period(e) {
                if self.weekday(e) || months().contains(self.lw(e)) {
                    return None;
                }
                return Some((self.of_date(e + 1), label));
            }
            return None;
        }
        if matches!(w, "end" | "start" | "beginning" | "middle" | "turn") && self.is_w(k + 1, "of") {
            let (e, _) = self.date_after_of(k + 2)?;
            return Some((e, Label::Date));
        }
        if matches!(w, "night" | "morning" | "evening" | "afternoon") && self.is_w(k + 1, "of") {
            let (e, _) = self.date_after_of(k + 2)?;
            return Some((e, Label::Time));
        }
        // "the three hours", "the 21 days", "the seven days to Monday".
        if let Some(c) = self.core(k) {
            if !self.word_is(k, &["a", "an", "half"]) && self.same_line(c.end) {
                if let Some((e, label)) = self.duration(k, c.end) {
                    let mut e = e;
                    if label == Label::Date && self.word_is(e, &["to", "since", "until", "ending"]) {
                        if let Some((end, _)) = self.date_after_of(e + 1) {
                            e = end;
                        } else if self.capitalised(e + 1) && self.weekday(e + 1) {
                            e += 2;
                        }
                    }
                    return Some((e, label));
                }
            }
        }
        // "the 1990s", "the 21st century", "the 2024-25 season".
        if let Some(c) = self.digit_core(k) {
            if self.attached(c.end) && self.is_w(c.end, "s") {
                return Some((c.end + 1, Label::Date));
            }
            if self.attached(c.end) && self.word_is(c.end, &["st", "nd", "rd", "th"]) && self.is_w(c.end + 1, "century")
            {
                return Some((c.end + 2, Label::Date));
            }
            if c.year {
                let mut e = c.end;
                if self.word_is(e, &["season", "campaign"]) {
                    return Some((e + 1, Label::Date));
                }
                if self.word_is(e, &["financial", "tax", "academic", "school"]) && self.is_w(e + 1, "year") {
                    e += 2;
                    return Some((e, Label::Date));
                }
            }
            return None;
        }
        if self.word_in(k, ordinals()) && self.is_w(k + 1, "century") {
            return Some((k + 2, Label::Date));
        }
        None
    }

    fn modified_period_or_same(&self, k: usize) -> Option<(usize, Label)> {
        if self.is_w(k, "same") {
            if self.is_w(k + 1, "period") {
                return Some((k + 2, Label::Date));
            }
            let l = self.period(k + 1)?;
            return Some((k + 2, l));
        }
        if self.is_w(k, "current") {
            let l = self.period(k + 1)?;
            return Some((k + 2, l));
        }
        self.modified_period(k)
    }

    /// Extends a period with "of DATE": "the first six months of 2025".
    fn of_date(&self, e: usize) -> usize {
        if self.is_w(e, "of") {
            if let Some((end, _)) = self.date_after_of(e + 1) {
                return end;
            }
        }
        e
    }

    /// A date after "of": "2025", "March", "the year", "20 October".
    fn date_after_of(&self, k: usize) -> Option<(usize, Label)> {
        if !self.same_line(k) {
            return None;
        }
        if self.is_w(k, "the") && self.word_is(k + 1, &["year", "month", "week", "decade", "century", "season"]) {
            return Some((k + 2, Label::Date));
        }
        if let Some(c) = self.digit_core(k) {
            if c.year {
                return Some((c.end, Label::Date));
            }
            if let Some(m) = self.month_after_day(c.end) {
                return Some((m, Label::Date));
            }
            return None;
        }
        if self.capitalised(k) {
            if let Some(m) = self.month_expr(k) {
                return Some((m, Label::Date));
            }
        }
        if self.word_is(k, &["this", "last", "next"]) {
            return self.modified_period(k);
        }
        None
    }

    /// "Tuesday", "Tuesday, 4 June", "Friday 23 May 2025", "Tuesday night", "Wed 26 Mar 2025".
    fn weekday_expr(&self, i: usize) -> (usize, Label) {
        let mut e = i + 1;
        if self.word_in(e, parts_of_day()) && self.same_line(e) && !self.is_w(e, "lunchtime") {
            return (e + 1, Label::Time);
        }
        let mut k = e;
        if self.punct(k, ',') {
            k += 1;
        }
        if let Some(c) = self.digit_core(k) {
            if self.same_line(k) && c.value.is_some_and(|v| (1.0..=31.0).contains(&v)) && !c.range {
                let mut d = c.end;
                if self.attached(d) && self.word_is(d, &["st", "nd", "rd", "th"]) {
                    d += 1;
                }
                if let Some(m) = self.month_after_day(d) {
                    e = m;
                }
            }
        } else if self.capitalised(k) && self.same_line(k) {
            if let Some(m) = self.month_expr(k) {
                e = m;
            }
        }
        (e, Label::Date)
    }

    /// "March", "March 2023", "June 3rd 2023", "July 29th", "Jan 17", "May" only when clearly a
    /// month.
    fn month_expr(&self, i: usize) -> Option<usize> {
        let w = self.lw(i);
        let full = months().contains(w);
        let abbreviated = month_abbreviations().contains(w);
        if !full && !abbreviated {
            return None;
        }
        let mut e = i + 1;
        if abbreviated && self.punct(e, '.') && self.attached(e) {
            e += 1;
        }
        let mut has_number = false;
        if let Some(c) = self.digit_core(e).filter(|_| self.same_line(e)) {
            if c.year && !c.range {
                return Some(c.end);
            }
            if c.value.is_some_and(|v| (1.0..=31.0).contains(&v) && v.fract() == 0.0) && !c.range && !c.attached_scale {
                e = c.end;
                if self.attached(e) && self.word_is(e, &["st", "nd", "rd", "th"]) {
                    e += 1;
                }
                has_number = true;
                e = self.year_after(e);
            }
        }
        if has_number {
            return Some(e);
        }
        if abbreviated {
            return None;
        }
        if w == "may" || w == "march" {
            // The verbs: only a month after a preposition or a date word.
            let prev = if i > 0 && !self.t[i].line_start { self.lw(i - 1) } else { "" };
            let ok = matches!(
                prev,
                "in" | "since"
                    | "until"
                    | "by"
                    | "last"
                    | "next"
                    | "this"
                    | "early"
                    | "late"
                    | "of"
                    | "mid"
                    | "from"
                    | "to"
                    | "during"
                    | "between"
                    | "and"
                    | "before"
                    | "after"
                    | "end"
                    | "through"
            );
            if !ok {
                return None;
            }
        }
        Some(e)
    }
}

/// Ordinal words: "first", "third", "twenty-first"; the adverb "first" is left out.
pub(super) fn ordinal_candidates(tokens: &[Token], taken: &[bool], out: &mut Vec<Candidate>) {
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Word || taken.get(i).copied().unwrap_or(true) {
            continue;
        }
        let w = t.lower.as_str();
        if w == "last" || !ordinals().contains(w) {
            continue;
        }
        let prev = if i > 0 && !t.line_start { tokens[i - 1].lower.as_str() } else { "" };
        let next = tokens.get(i + 1).filter(|n| !n.line_start);
        let next_w = next.map_or("", |n| n.lower.as_str());
        let mut start = i;
        // "twenty-first".
        if i >= 2
            && tokens[i - 1].is_punct('-')
            && !t.space_before
            && !tokens[i - 1].space_before
            && tens().contains(tokens[i - 2].lower.as_str())
        {
            start = i - 2;
        }
        if next_w == "century" {
            continue;
        }
        if w == "first" || w == "second" {
            if w == "second" && matches!(next_w, "later" | "earlier" | "ago") {
                continue;
            }
            if next.is_some_and(|n| n.is_punct(',')) && t.is_capitalised() {
                continue;
            }
            if prev == "at" && w == "first" {
                continue;
            }
            let determiner = determiners().contains(prev) || prev == "’s" || (i > 0 && tokens[i - 1].is_punct('’'));
            let participle = next_w.ends_with("ed") && next_w.len() > 4;
            if w == "first" && (!determiner || participle) {
                continue;
            }
        }
        out.push(Candidate { start, end: i + 1, label: Label::Ordinal, priority: 1 });
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    /// The expressions found in `text`, as (covered text, label) pairs.
    fn found(text: &str) -> Vec<(String, &'static str)> {
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize(&chars, &Deadline::none()).expect("no deadline");
        let mut out = Vec::new();
        Scan::new(&tokens).candidates(&mut out, &Deadline::none()).expect("no deadline");
        out.iter()
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
    fn money_and_percent() {
        check("It cost £3.2bn (12%) and $450,000.", &[("£3.2bn", "MONEY"), ("12%", "PERCENT"), ("$450,000", "MONEY")]);
        check(
            "about £60 a year, 40p, 9 billion pounds",
            &[("about £60", "MONEY"), ("40p", "MONEY"), ("9 billion pounds", "MONEY")],
        );
        check(
            "up 3.5 per cent, 0.25 percentage points",
            &[("3.5 per cent", "PERCENT"), ("0.25 percentage points", "PERCENT")],
        );
        check("between 20 and 30 per cent", &[("20 and 30 per cent", "PERCENT")]);
        check("Forty-one per cent said so", &[("Forty-one per cent", "PERCENT")]);
        check("about 310m Rwandan francs", &[("about 310m Rwandan francs", "MONEY")]);
    }

    #[test]
    fn quantities_and_durations() {
        check(
            "a 40km route and 3 tonnes at 12C",
            &[("40km", "QUANTITY"), ("3 tonnes", "QUANTITY"), ("12C", "QUANTITY")],
        );
        check("4.3 million square kilometres", &[("4.3 million square kilometres", "QUANTITY")]);
        check(
            "for three years, 45-year-old, four hours",
            &[("three years", "DATE"), ("45-year-old", "DATE"), ("four hours", "TIME")],
        );
        check("two years ago he ran the 26.2-mile course", &[("two years ago", "DATE"), ("26.2-mile", "QUANTITY")]);
    }

    #[test]
    fn dates_and_times() {
        check("on Friday, 6 June at 9.30am", &[("Friday, 6 June", "DATE"), ("9.30am", "TIME")]);
        check("at 14:30 GMT on 14 March 2023", &[("14:30 GMT", "TIME"), ("14 March 2023", "DATE")]);
        check("in the 1990s and last week", &[("the 1990s", "DATE"), ("last week", "DATE")]);
        check(
            "this morning and last night, yesterday",
            &[("this morning", "TIME"), ("last night", "TIME"), ("yesterday", "DATE")],
        );
        check("the end of March, earlier this year", &[("the end of March", "DATE"), ("earlier this year", "DATE")]);
        check("You may go in May 2024.", &[("May 2024", "DATE")]);
        check("Tuesday night until midnight", &[("Tuesday night", "TIME"), ("midnight", "TIME")]);
        check("the first six months of 2025", &[("the first six months of 2025", "DATE")]);
    }

    #[test]
    fn cardinals_and_ages() {
        check("three ministers and 15,000 troops", &[("three", "CARDINAL"), ("15,000", "CARDINAL")]);
        check("more than 15,000 troops, dozens of homes", &[("more than 15,000", "CARDINAL"), ("dozens", "CARDINAL")]);
        check("Kowalczyk, 44, said", &[("44", "DATE")]);
        check("no one came; one of the two", &[("one", "CARDINAL"), ("two", "CARDINAL")]);
        check("Harlow won 3-1", &[("3-1", "CARDINAL")]);
        check("the F-35 and Article 5 and 0800 123", &[]);
    }
}
