//! `structure-rules`: marks whole lines as `Heading` or `Boilerplate`, the two labels of the
//! structure layer, by line shape and position.
//!
//! A news text is a header (section label, byline, dates), prose paragraphs, and a footer
//! (author note, "Related:" links). The rules first find the first and last prose lines; short
//! unpunctuated lines before the prose are Boilerplate, inside it Headings (crossheads), after it
//! Boilerplate again. Explicit shapes win over position: "Related:"/"Read more:" links, captions
//! with a photo credit, bylines and "Updated" lines are Boilerplate; live-blog timestamps and the
//! article's own headline are Headings. Spans cover a line from its first to its last
//! non-whitespace character, computed in code points over `chars()`, so they never contain a
//! line break and always sit on character boundaries.

use goldspan_model::{Annotations, Document};

use super::lexicon::{word_list, WordList};
use super::{Deadline, Rules};
use crate::{ExtractError, Extractor, ExtractorInfo};

const LAYER: &str = "structure";
const HEADING: &str = "Heading";
const BOILERPLATE: &str = "Boilerplate";

/// Line openings that mark a whole line as Boilerplate.
fn boilerplate_prefixes() -> &'static WordList {
    word_list!("structure/boilerplate_prefixes")
}

/// Photo-credit labels anywhere in a caption line.
fn credit_labels() -> &'static WordList {
    word_list!("structure/credit_labels")
}

/// Agency credits that end a caption line ("…/Reuters").
fn credit_endings() -> &'static WordList {
    word_list!("structure/credit_endings")
}

/// Byline openings, followed by a space and a capitalised name.
fn byline_prefixes() -> &'static WordList {
    word_list!("structure/byline_prefixes")
}

/// Time zones after a live-blog timestamp.
fn time_zones() -> &'static WordList {
    word_list!("structure/time_zones")
}

/// The rule-based article structure extractor (`structure-rules`).
#[derive(Debug, Default, Clone, Copy)]
pub struct StructureRules;

/// One non-empty line: its trimmed text and code-point range.
struct Line {
    text: String,
    start: usize,
    end: usize,
}

impl StructureRules {
    /// The structure spans of `text` as `(start, end, label)` in code points, one per line at
    /// most, in order. `title` is the article's headline, when known.
    pub fn tag(&self, text: &str, title: Option<&str>) -> Vec<(usize, usize, &'static str)> {
        // Without a deadline nothing can time out.
        self.tag_by(text, title, &Deadline::none()).unwrap_or_default()
    }

    /// [`StructureRules::tag`], giving up once `deadline` passes.
    fn tag_by(
        &self,
        text: &str,
        title: Option<&str>,
        deadline: &Deadline,
    ) -> Result<Vec<(usize, usize, &'static str)>, ExtractError> {
        let lines = split_lines(text, deadline)?;
        // `tick` reads the clock only now and then: a short document must still see it once.
        deadline.check()?;
        let labels = classify(&lines, title.map(str::trim).filter(|t| !t.is_empty()), deadline)?;
        Ok(lines.iter().zip(labels).filter_map(|(l, label)| Some((l.start, l.end, label?))).collect())
    }
}

impl Extractor for StructureRules {
    fn info(&self) -> ExtractorInfo {
        super::identity("structure-rules")
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        self.extract_by(doc, &Deadline::none())
    }
}

impl Rules for StructureRules {
    fn extract_by(&self, doc: &Document, deadline: &Deadline) -> Result<Annotations, ExtractError> {
        let title = doc.meta().get("title").map(String::as_str);
        Ok(super::layer_spans(LAYER, self.tag_by(doc.text(), title, deadline)?, doc.len_chars()))
    }
}

/// The non-empty lines of `text`, trimmed, with code-point offsets.
fn split_lines(text: &str, deadline: &Deadline) -> Result<Vec<Line>, ExtractError> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == '\n' || chars[i] == '\r' {
            deadline.tick()?;
            let line = &chars[start..i];
            if let (Some(a), Some(b)) =
                (line.iter().position(|c| !c.is_whitespace()), line.iter().rposition(|c| !c.is_whitespace()))
            {
                lines.push(Line { text: line[a..=b].iter().collect(), start: start + a, end: start + b + 1 });
            }
            start = i + 1;
        }
    }
    Ok(lines)
}

fn word_count(l: &str) -> usize {
    l.split_whitespace().count()
}

fn last_char(l: &str) -> char {
    l.chars().next_back().unwrap_or(' ')
}

/// Whether a line ends like a sentence (looking inside a closing quotation mark).
fn final_punctuation(l: &str) -> bool {
    let mut rev = l.chars().rev();
    let last = rev.next().unwrap_or(' ');
    if matches!(last, '’' | '”' | '"' | '\'') {
        return rev.next().is_some_and(|c| matches!(c, '.' | '!' | '?' | ',' | '…' | ';' | ':'));
    }
    matches!(last, '.' | '!' | '?' | '…' | ':' | ';' | ')' | ',')
}

/// Whether a line reads as a prose paragraph.
fn is_prose(l: &str) -> bool {
    let words = word_count(l);
    matches!(last_char(l), '.' | '!' | '?' | '…' | '”' | '"' | ':') && words >= 6 || words >= 15
}

/// The text after a live-blog timestamp ("14:30", "9.48pm", "17.48 GMT"), if the line opens with
/// one.
fn after_timestamp(l: &str) -> Option<&str> {
    let mut it = l.char_indices().peekable();
    let mut digits = 0;
    while it.peek().is_some_and(|(_, c)| c.is_ascii_digit()) {
        it.next();
        digits += 1;
    }
    if !(1..=2).contains(&digits) || !it.next().is_some_and(|(_, c)| c == '.' || c == ':') {
        return None;
    }
    for _ in 0..2 {
        if !it.next().is_some_and(|(_, c)| c.is_ascii_digit()) {
            return None;
        }
    }
    let mut rest = match it.peek() {
        Some(&(b, _)) => &l[b..],
        None => "",
    };
    if rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    for suffix in ["am", "pm", " am", " pm"] {
        if let Some(r) = rest.strip_prefix(suffix) {
            rest = r;
            break;
        }
    }
    let trimmed = rest.trim_start();
    for zone in time_zones().entries() {
        if let Some(r) = trimmed.strip_prefix(zone) {
            if r.is_empty() || r.starts_with(char::is_whitespace) {
                return Some(r.trim());
            }
        }
    }
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    Some(rest.trim())
}

/// "By Marta Kowalczyk, Science Editor", "Interview by Dana Whitlock".
fn is_byline(l: &str) -> bool {
    byline_prefixes()
        .entries()
        .iter()
        .any(|p| l.strip_prefix(p).and_then(|r| r.strip_prefix(' ')).is_some_and(|r| r.starts_with(char::is_uppercase)))
        && word_count(l) <= 14
        && !l.ends_with('.')
}

/// "GENEVA, 3 March", "KYIV —": a dateline on a line of its own.
fn is_dateline(l: &str) -> bool {
    let caps: String = l.chars().take_while(|c| c.is_uppercase() || *c == ' ').collect();
    let letters = caps.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 3 || word_count(l) > 6 {
        return false;
    }
    let rest = &l[caps.len()..];
    rest.starts_with(',') || caps.ends_with(' ') && rest.starts_with(['—', '–', '-'])
}

/// "Anna Berg is a columnist …", "Ingrid Solberg writes about …": an author note.
fn is_author_note(l: &str) -> bool {
    let w: Vec<&str> = l.split_whitespace().take(3).collect();
    let cap = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
    w.len() == 3 && cap(w[0]) && cap(w[1]) && matches!(w[2], "is" | "was" | "writes")
}

/// "Best actress: Zoë Caradec, Low Tide": a list entry, not a crosshead.
fn is_list_entry(l: &str) -> bool {
    if !l.contains(": ") || l.ends_with('?') {
        return false;
    }
    let Some((_, tail)) = l.rsplit_once(", ") else { return false };
    tail.split_whitespace().all(|w| w.starts_with(char::is_uppercase) || matches!(w, "of" | "the" | "and"))
}

/// Labels every line; `None` for content.
fn classify(
    lines: &[Line],
    title: Option<&str>,
    deadline: &Deadline,
) -> Result<Vec<Option<&'static str>>, ExtractError> {
    let prose: Vec<usize> = (0..lines.len()).filter(|&i| is_prose(&lines[i].text)).collect();
    let mut first = prose.first().copied().unwrap_or(lines.len());
    let last = prose.last().copied();
    // The header ends at the first prose line or the first live-blog timestamp.
    if let Some(i) = lines
        .iter()
        .position(|l| after_timestamp(&l.text).is_some() && word_count(&l.text) <= 12 && !final_punctuation(&l.text))
    {
        first = first.min(i);
    }
    let final_line = lines.len().checked_sub(1);
    let label = |i: usize, line: &Line| {
        let l = line.text.as_str();
        let words = word_count(l);
        if Some(l) == title {
            return Some(HEADING);
        }
        if boilerplate_prefixes().entries().iter().any(|p| l.starts_with(p))
            || credit_labels().entries().iter().any(|p| l.contains(p))
            || credit_endings().entries().iter().any(|p| l.ends_with(p))
            || is_byline(l)
        {
            return Some(BOILERPLATE);
        }
        if let Some(rest) = after_timestamp(l) {
            let headline = rest.is_empty()
                || word_count(rest) <= 12
                    && !rest.ends_with('.')
                    && !rest.starts_with(['–', '—', '-'])
                    && !rest.starts_with(char::is_lowercase);
            return headline.then_some(HEADING);
        }
        if is_dateline(l) {
            return Some(BOILERPLATE);
        }
        if i < first {
            return (!final_punctuation(l) || words <= 4).then_some(BOILERPLATE);
        }
        if Some(i) == final_line && is_author_note(l) && !l.ends_with('.') {
            return Some(BOILERPLATE);
        }
        if last.is_some_and(|last| i > last) {
            let note = is_author_note(l) && words <= 25;
            return (!final_punctuation(l) || note).then_some(BOILERPLATE);
        }
        // Inside the article: crossheads.
        if l.contains(". ") || l.starts_with('•') || is_list_entry(l) {
            return None;
        }
        let heading = l.ends_with('?') && words <= 8
            || !final_punctuation(l) && words <= 10
            || matches!(last_char(l), '’' | '”') && words <= 12 && !final_punctuation(l);
        heading.then_some(HEADING)
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            deadline.tick()?;
            Ok(label(i, line))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use goldspan_model::Meta;
    use proptest::prelude::*;

    /// The labelled lines of `text`, as (line text, label).
    fn tagged(text: &str, title: Option<&str>) -> Vec<(String, &'static str)> {
        let chars: Vec<char> = text.chars().collect();
        StructureRules.tag(text, title).into_iter().map(|(s, e, l)| (chars[s..e].iter().collect(), l)).collect()
    }

    fn check(text: &str, title: Option<&str>, expected: &[(&str, &str)]) {
        let got = tagged(text, title);
        let got: Vec<(&str, &str)> = got.iter().map(|(s, l)| (s.as_str(), *l)).collect();
        assert_eq!(got, expected);
    }

    const ARTICLE: &str = "World news\nBy Marta Kowalczyk, Science Editor\nHarlow Town win cup final on penalties\n\
GENEVA — The World Health Organization said on Monday that talks had stalled after three weeks.\n\
Anna Berg at the launch in Leeds. Photograph: Jan Nowak/Reuters\n\
‘We will not look away’\n\
Delegates met again on Tuesday, but there was no agreement on the text of the treaty.\n\
Related: Why the pandemic treaty matters\n\
Anna Berg is a columnist for the Harlow Gazette";

    #[test]
    fn header_captions_crossheads_and_footer() {
        check(
            ARTICLE,
            Some("Harlow Town win cup final on penalties"),
            &[
                ("World news", "Boilerplate"),
                ("By Marta Kowalczyk, Science Editor", "Boilerplate"),
                ("Harlow Town win cup final on penalties", "Heading"),
                ("Anna Berg at the launch in Leeds. Photograph: Jan Nowak/Reuters", "Boilerplate"),
                ("‘We will not look away’", "Heading"),
                ("Related: Why the pandemic treaty matters", "Boilerplate"),
                ("Anna Berg is a columnist for the Harlow Gazette", "Boilerplate"),
            ],
        );
    }

    #[test]
    fn live_blog_timestamps_and_updates() {
        let text = "Politics live\nUpdated 16:05\n14:30 GMT\nThe minister resigned this afternoon after a long and bitter row.\n\
09:15 Polls open in Harlow\n11:52 – The minister has confirmed three deaths and dozens of injuries in the town.";
        check(
            text,
            None,
            &[
                ("Politics live", "Boilerplate"),
                ("Updated 16:05", "Boilerplate"),
                ("14:30 GMT", "Heading"),
                ("09:15 Polls open in Harlow", "Heading"),
            ],
        );
    }

    #[test]
    fn content_lines_are_left_alone() {
        check(
            "The first paragraph is long enough to count as prose in any article.\n\
Does he worry that audiences abroad will tire of war stories?\n\
Best actress: Zoë Caradec, Low Tide\n\
The last paragraph closes the article with a full stop.",
            None,
            &[],
        );
    }

    #[test]
    fn spans_are_trimmed_lines_in_code_points() {
        let doc =
            Document::new("d", "  Zoë’s news  \nThis is the body of the article, with enough words.", Meta::new());
        let ann = StructureRules.extract(&doc).expect("no failure");
        assert_eq!(ann.spans.len(), 1);
        let s = &ann.spans[0];
        assert_eq!((s.start(), s.end(), s.label(), s.layer()), (2, 12, "Boilerplate", "structure"));
        assert_eq!(doc.slice(s.start(), s.end()), Some("Zoë’s news"));
    }

    proptest! {
        #[test]
        fn arbitrary_text_gives_valid_line_spans(text in any::<String>(), title in proptest::option::of(".{0,20}")) {
            let mut meta = Meta::new();
            if let Some(t) = title {
                meta.insert("title".into(), t);
            }
            let doc = Document::new("p", text, meta);
            let ann = StructureRules.extract(&doc).expect("never fails");
            let mut prev_end = 0;
            for s in &ann.spans {
                prop_assert!(s.start() < s.end() && s.end() <= doc.len_chars());
                prop_assert!(s.start() >= prev_end);
                prev_end = s.end();
                let covered = doc.slice(s.start(), s.end()).expect("in range");
                prop_assert!(!covered.contains('\n') && !covered.contains('\r'));
                prop_assert_eq!(covered.trim(), covered);
            }
        }
    }
}
