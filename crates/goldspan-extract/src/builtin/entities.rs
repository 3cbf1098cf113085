//! `entities-rules`: a rule-based tagger of the 18 OntoNotes entity types, following the news
//! corpus guidelines (titles and possessives outside PERSON, "the" only in official names and
//! in dates, approximators inside numeric spans, ages as DATE, no nested spans).
//!
//! It is a baseline to be measured and beaten, not a model: hand-written gazetteers of facts
//! (`data/gazetteer/`), title and cue words, and small matchers for numbers and dates. Every
//! rule proposes candidate spans over tokens with a priority; overlaps are resolved by priority,
//! then length, so the output never nests. The text is handled as a `Vec<char>`, so offsets are
//! code points on character boundaries by construction.

#[path = "gazetteer.rs"]
mod gazetteer;
#[path = "entities_names.rs"]
mod names;
#[path = "entities_numeric.rs"]
mod numeric;
#[path = "entities_tokens.rs"]
mod tokens;

use goldspan_model::{Annotations, Document};

use super::{Deadline, Rules};
use crate::{ExtractError, Extractor, ExtractorInfo};

const LAYER: &str = "entities";

/// The 18 OntoNotes entity types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Label {
    Person,
    Norp,
    Fac,
    Org,
    Gpe,
    Loc,
    Product,
    Event,
    WorkOfArt,
    Law,
    Language,
    Date,
    Time,
    Percent,
    Money,
    Quantity,
    Ordinal,
    Cardinal,
}

impl Label {
    const ALL: [Label; 18] = [
        Label::Person,
        Label::Norp,
        Label::Fac,
        Label::Org,
        Label::Gpe,
        Label::Loc,
        Label::Product,
        Label::Event,
        Label::WorkOfArt,
        Label::Law,
        Label::Language,
        Label::Date,
        Label::Time,
        Label::Percent,
        Label::Money,
        Label::Quantity,
        Label::Ordinal,
        Label::Cardinal,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Label::Person => "PERSON",
            Label::Norp => "NORP",
            Label::Fac => "FAC",
            Label::Org => "ORG",
            Label::Gpe => "GPE",
            Label::Loc => "LOC",
            Label::Product => "PRODUCT",
            Label::Event => "EVENT",
            Label::WorkOfArt => "WORK_OF_ART",
            Label::Law => "LAW",
            Label::Language => "LANGUAGE",
            Label::Date => "DATE",
            Label::Time => "TIME",
            Label::Percent => "PERCENT",
            Label::Money => "MONEY",
            Label::Quantity => "QUANTITY",
            Label::Ordinal => "ORDINAL",
            Label::Cardinal => "CARDINAL",
        }
    }

    fn parse(s: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A proposed span over tokens `start..end`; higher priority wins an overlap.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    label: Label,
    /// 3: a name typed by a list, cue or title; 2: a numeric or temporal pattern; 1: a guess.
    priority: u8,
}

/// The rule-based OntoNotes entity tagger (`entities-rules`).
#[derive(Debug, Default, Clone, Copy)]
pub struct EntitiesRules;

impl EntitiesRules {
    /// The entities of `text` as `(start, end, label)` in code points, sorted and disjoint.
    pub fn tag(&self, text: &str) -> Vec<(usize, usize, &'static str)> {
        // Without a deadline nothing can time out.
        self.tag_by(text, &Deadline::none()).unwrap_or_default()
    }

    /// [`EntitiesRules::tag`], giving up once `deadline` passes.
    fn tag_by(&self, text: &str, deadline: &Deadline) -> Result<Vec<(usize, usize, &'static str)>, ExtractError> {
        let chars: Vec<char> = text.chars().collect();
        Ok(find(&chars, deadline)?.into_iter().map(|(s, e, l)| (s, e, l.as_str())).collect())
    }
}

impl Extractor for EntitiesRules {
    fn info(&self) -> ExtractorInfo {
        super::identity("entities-rules")
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        self.extract_by(doc, &Deadline::none())
    }
}

impl Rules for EntitiesRules {
    fn extract_by(&self, doc: &Document, deadline: &Deadline) -> Result<Annotations, ExtractError> {
        Ok(super::layer_spans(LAYER, self.tag_by(doc.text(), deadline)?, doc.len_chars()))
    }
}

/// Tags `chars`: candidates from every rule, resolved into disjoint spans in code points.
fn find(chars: &[char], deadline: &Deadline) -> Result<Vec<(usize, usize, Label)>, ExtractError> {
    let tokens = tokens::tokenize(chars, deadline)?;
    let names = names::Names::new(&tokens);
    deadline.check()?;
    let mut candidates = Vec::new();
    names.candidates(&mut candidates, deadline)?;
    let before_numbers = candidates.len();
    numeric::Scan::new(&tokens).candidates(&mut candidates, deadline)?;
    let mut taken = vec![false; tokens.len()];
    for c in &candidates[before_numbers..] {
        for slot in taken.iter_mut().take(c.end).skip(c.start) {
            *slot = true;
        }
    }
    numeric::ordinal_candidates(&tokens, &taken, &mut candidates);
    deadline.check()?;
    Ok(resolve(&tokens, candidates))
}

/// Keeps the best candidates that do not overlap: by priority, then length, then position.
fn resolve(tokens: &[tokens::Token], mut candidates: Vec<Candidate>) -> Vec<(usize, usize, Label)> {
    candidates.retain(|c| {
        c.start < c.end && c.end <= tokens.len() && tokens[c.start + 1..c.end].iter().all(|t| !t.line_start)
    });
    let chars_of = |c: &Candidate| tokens[c.end - 1].end - tokens[c.start].start;
    candidates
        .sort_by(|a, b| b.priority.cmp(&a.priority).then(chars_of(b).cmp(&chars_of(a))).then(a.start.cmp(&b.start)));
    let mut used = vec![false; tokens.len()];
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        if used[c.start..c.end].iter().any(|&u| u) {
            continue;
        }
        used[c.start..c.end].iter_mut().for_each(|u| *u = true);
        kept.push(c);
    }
    kept.sort_by_key(|c| c.start);
    kept.into_iter().map(|c| (tokens[c.start].start, tokens[c.end - 1].end, c.label)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::Meta;
    use proptest::prelude::*;

    /// The entities of `text` as (covered text, label).
    fn tagged(text: &str) -> Vec<(String, &'static str)> {
        let chars: Vec<char> = text.chars().collect();
        EntitiesRules.tag(text).into_iter().map(|(s, e, l)| (chars[s..e].iter().collect(), l)).collect()
    }

    fn check(text: &str, expected: &[(&str, &str)]) {
        let got = tagged(text);
        let got: Vec<(&str, &str)> = got.iter().map(|(s, l)| (s.as_str(), *l)).collect();
        assert_eq!(got, expected, "in {text:?}");
    }

    #[test]
    fn the_brief_sentence() {
        check(
            "Ms Zoë Brandt met the Bank of England on Friday, paying £3.2bn (12%).",
            &[
                ("Zoë Brandt", "PERSON"),
                ("Bank of England", "ORG"),
                ("Friday", "DATE"),
                ("£3.2bn", "MONEY"),
                ("12%", "PERCENT"),
            ],
        );
    }

    #[test]
    fn seed_like_sentences() {
        check(
            "Writing in The Sunday Telegraph, Liz Truss says Russia has a clear responsibility.",
            &[("The Sunday Telegraph", "ORG"), ("Liz Truss", "PERSON"), ("Russia", "GPE")],
        );
        check(
            "The Ministry of Defence (MoD) said on Thursday that 15,000 troops were there.",
            &[("Ministry of Defence", "ORG"), ("MoD", "ORG"), ("Thursday", "DATE"), ("15,000", "CARDINAL")],
        );
        check(
            "on the Belarusian side of the border, with Polish authorities reporting daily new attempts",
            &[("Belarusian", "NORP"), ("Polish", "NORP"), ("daily", "DATE")],
        );
    }

    #[test]
    fn sentence_initial_common_words_are_not_entities() {
        check("Markets fell. Councils are broke. However, Leeds grew.", &[("Leeds", "GPE")]);
        check("But the Chancellor said no.", &[]);
    }

    #[test]
    fn numbers_dates_and_ordinals() {
        check(
            "For the first time since 2019, about 300 people met at 9.30am for four hours.",
            &[
                ("first", "ORDINAL"),
                ("2019", "DATE"),
                ("about 300", "CARDINAL"),
                ("9.30am", "TIME"),
                ("four hours", "TIME"),
            ],
        );
        check("It was first reported by the Guardian.", &[("Guardian", "ORG")]);
        check(
            "a teacher aged 45 ran 40km in the 1990s",
            &[("45", "DATE"), ("40km", "QUANTITY"), ("the 1990s", "DATE")],
        );
    }

    #[test]
    fn surnames_come_back_as_person() {
        check(
            "Oleksandr Kovalenko staged plays. Kovalenko, 52, is wary.",
            &[("Oleksandr Kovalenko", "PERSON"), ("Kovalenko", "PERSON"), ("52", "DATE")],
        );
    }

    #[test]
    fn extract_numbers_spans_in_the_entities_layer() {
        let doc = Document::new("d", "Zoë Brandt flew to Kraków on 3 March.", Meta::new());
        let ann = EntitiesRules.extract(&doc).expect("no failure");
        let got: Vec<(&str, &str, String)> = ann
            .spans
            .iter()
            .map(|s| (s.id(), s.label(), doc.slice(s.start(), s.end()).unwrap_or_default().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("T1", "PERSON", "Zoë Brandt".to_string()),
                ("T2", "GPE", "Kraków".to_string()),
                ("T3", "DATE", "3 March".to_string())
            ]
        );
        assert!(ann.spans.iter().all(|s| s.layer() == "entities"));
    }

    /// Checks the invariants every output must keep, for any text.
    fn assert_valid(text: &str) {
        let doc = Document::new("p", text, Meta::new());
        let ann = EntitiesRules.extract(&doc).expect("never fails");
        let mut prev_end = 0;
        for s in &ann.spans {
            assert!(s.start() < s.end() && s.end() <= doc.len_chars(), "{s:?} out of range");
            assert!(s.start() >= prev_end, "{s:?} overlaps the previous span");
            prev_end = s.end();
            let covered = doc.slice(s.start(), s.end()).expect("slice in range");
            assert!(!covered.contains('\n'), "{s:?} crosses a line");
            assert_eq!(covered.trim(), covered, "{s:?} has outer whitespace");
        }
    }

    #[test]
    fn long_runs_neither_overflow_the_stack_nor_go_quadratic() {
        // Each was once typed by splitting the whole run recursively (possessives, weekdays),
        // or by rescanning it at every connector or hyphen.
        for piece in ["Anna’s Berg’s ", "Monday Tuesday ", "Alpha and Beta of ", "A-B-", "Polish and Welsh and "] {
            assert_valid(&piece.repeat(5_000));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_unicode_never_panics(text in any::<String>()) {
            assert_valid(&text);
        }

        #[test]
        fn rule_shaped_text_never_panics(words in proptest::collection::vec(prop_oneof![
            Just("£"), Just("$"), Just("3.2"), Just("bn"), Just("%"), Just("-"), Just("’"), Just("s"), Just("Ms"),
            Just("Zoë"), Just("Brandt"), Just("of"), Just("the"), Just("The"), Just("Bank"), Just("England"),
            Just("("), Just(")"), Just("May"), Just("2024"), Just("14:30"), Just("first"), Just("one"), Just("a"),
            Just("year"), Just("\n"), Just(" "), Just(","), Just("."), Just("per"), Just("cent"), Just("陈"),
            Just("e\u{301}"), Just("al"), Just("Leeds"), Just("Inc"), Just("J"), Just("half"), Just("an"),
            Just("hour"), Just("o"), Just("the"), Just("next"), Just("six"), Just("months"), Just("at"), Just("least"),
        ], 0..40)) {
            let text: String = words.iter().enumerate().map(|(i, w)| if i % 3 == 0 { format!("{w} ") } else { w.to_string() }).collect();
            assert_valid(&text);
        }
    }
}
