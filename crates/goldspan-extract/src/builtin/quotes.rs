//! `quotes-rules`: a rule-based extractor of direct quotations with their cue and speaker.
//!
//! It pairs quotation marks of every kind per paragraph, reads the attribution around each
//! quotation ("X said", "said X", "according to X", "“…,” she said"), carries speakers over to
//! split and follow-on quotations, and clusters pronoun speakers with the names they refer to.
//! A baseline to be measured and beaten: every decision is a short pattern over one paragraph's
//! tokens, in which a quotation is a single opaque token (see `quotes_attrib.rs`).

#[path = "quotes_attrib.rs"]
mod attrib;
#[path = "quotes_coref.rs"]
mod coref;
#[path = "quotes_lexicon.rs"]
mod lexicon;
#[path = "quotes_text.rs"]
mod text;

use std::collections::{HashMap, HashSet};

use goldspan_model::text::is_grapheme_boundary;
use goldspan_model::{Annotations, Document, Manifest, Relation, Span};

use super::{Deadline, Rules};
use crate::{stable_hash, ExtractError, Extractor, ExtractorInfo};
use attrib::{Attribution, Ctx, Mention};
use text::{Line, TokKind};

/// Quotations of at most this many words need an attribution in their own sentence: shorter
/// ones without one are scare quotes, titles or so-called words (guidelines H10).
const SCARE_MAX_WORDS: usize = 3;

/// The built-in quotation extractor: quotation, cue and source spans, a speaker relation
/// (exactly one per quotation) and a cue relation (at most one), and coreference clusters of
/// source spans. The names it writes are the corpus's, from its manifest's `[attribution]`
/// section ([`QuotesRules::for_manifest`]); by default corpus/news's: `Quote`, `Cue` and
/// `Source` spans in layer `quotes`, relations `speaker` and `cue`.
#[derive(Debug, Default, Clone)]
pub struct QuotesRules {
    names: Vocabulary,
}

/// A label and the layer its spans go to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Label {
    layer: String,
    name: String,
}

impl Label {
    fn new(layer: &str, name: &str) -> Label {
        Label { layer: layer.to_owned(), name: name.to_owned() }
    }

    /// `name` in the manifest's layer that declares it.
    fn declared(manifest: &Manifest, name: &str) -> Option<Label> {
        Some(Label::new(&manifest.layer_of(name)?.name, name))
    }
}

/// The names of what the extractor writes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Vocabulary {
    quote: Label,
    source: Label,
    speaker: String,
    /// The cue label and relation, when the corpus annotates cues.
    cue: Option<(Label, String)>,
}

impl Default for Vocabulary {
    /// corpus/news's names.
    fn default() -> Vocabulary {
        Vocabulary {
            quote: Label::new("quotes", "Quote"),
            source: Label::new("quotes", "Source"),
            speaker: "speaker".into(),
            cue: Some((Label::new("quotes", "Cue"), "cue".into())),
        }
    }
}

impl Vocabulary {
    /// The names a manifest's `[attribution]` section gives: the quotation label, the speaker
    /// relation and the label of its tails, the cue relation and the label of its tails.
    fn from_manifest(manifest: &Manifest) -> Option<Vocabulary> {
        let a = manifest.attribution.as_ref()?;
        let tail = |relation: &str| manifest.relation_type(relation)?.tail.first().map(String::as_str);
        let cue = match &a.cue_relation {
            Some(relation) => Some((Label::declared(manifest, tail(relation)?)?, relation.clone())),
            None => None,
        };
        Some(Vocabulary {
            quote: Label::declared(manifest, &a.quotation_label)?,
            source: Label::declared(manifest, tail(&a.speaker_relation)?)?,
            speaker: a.speaker_relation.clone(),
            cue,
        })
    }
}

impl QuotesRules {
    /// The extractor writing the names of `manifest`'s `[attribution]` section; corpus/news's
    /// names without a manifest, or with one that does not annotate attribution.
    pub fn for_manifest(manifest: Option<&Manifest>) -> QuotesRules {
        QuotesRules { names: manifest.and_then(Vocabulary::from_manifest).unwrap_or_default() }
    }
}

impl Extractor for QuotesRules {
    fn info(&self) -> ExtractorInfo {
        let mut info = super::identity("quotes-rules");
        // Other names are other output: they join the key. corpus/news's names keep the plain
        // fingerprint of the rules.
        if self.names != Vocabulary::default() {
            let v = &self.names;
            let (cue, cue_relation) = v.cue.clone().map_or((None, String::new()), |(l, r)| (Some(l), r));
            let mut parts = vec![info.config_hash.clone()];
            for label in [Some(&v.quote), Some(&v.source), cue.as_ref()].into_iter().flatten() {
                parts.extend([label.layer.clone(), label.name.clone()]);
            }
            parts.extend([v.speaker.clone(), cue_relation]);
            info.config_hash = stable_hash(&parts.iter().map(String::as_str).collect::<Vec<_>>());
        }
        info
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        self.extract_by(doc, &Deadline::none())
    }
}

impl Rules for QuotesRules {
    fn extract_by(&self, doc: &Document, deadline: &Deadline) -> Result<Annotations, ExtractError> {
        annotate(doc, &self.names, deadline)
    }
}

/// A quotation `start..end` (code points, marks excluded) and who said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    start: usize,
    end: usize,
    attribution: Attribution,
}

/// One paragraph, tokenized, with the attribution of its last quotation.
#[derive(Debug)]
struct Paragraph<'a> {
    ctx: Ctx<'a>,
    last: Option<Attribution>,
}

/// Annotates a document: the whole extractor, without the trait.
fn annotate(doc: &Document, names: &Vocabulary, deadline: &Deadline) -> Result<Annotations, ExtractError> {
    let chars: Vec<char> = doc.text().chars().collect();
    let (found, mentions) = find(&chars, deadline)?;
    let boundary = |cp: usize| is_grapheme_boundary(doc.text(), doc.offsets(), cp);
    build(&chars, &boundary, &found, &mentions, names, deadline)
}

/// Whether a line is article content; quotations in headings, captions and link lines are
/// not Quotes (guidelines rule 15, D30). Content lines end like sentences.
fn is_content(chars: &[char], line: Line) -> bool {
    let t = text::text(chars, line.start, line.end);
    let t = t.trim();
    let lower = t.to_lowercase();
    let boilerplate = ["related:", "read more:", "photograph:", "see also:", "watch:", "listen:", "updated"];
    if t.is_empty() || boilerplate.iter().any(|p| lower.starts_with(p)) || lower.contains("photograph:") {
        return false;
    }
    let body = t.trim_end_matches(|c: char| c.is_whitespace() || "”’\"')]»".contains(c));
    body.chars().next_back().is_some_and(|c| ".!?:;…,".contains(c))
}

/// Finds every quotation with its attribution, and every name (for coreference).
fn find(chars: &[char], deadline: &Deadline) -> Result<(Vec<Found>, coref::Names), ExtractError> {
    let mut found = Vec::new();
    let mut names = coref::Names::default();
    let mut prev: Option<Paragraph> = None;
    for line in text::lines(chars) {
        deadline.check()?;
        if line.start == line.end {
            continue;
        }
        let content = is_content(chars, line);
        let regions = if content { text::regions(chars, line) } else { Vec::new() };
        let tokens = text::tokenize(chars, line, &regions);
        let ctx = Ctx::new(chars, tokens, regions);
        names.extend(chars, ctx.names());
        if !content {
            prev = None;
            continue;
        }
        let prev_ctx = prev.as_ref().map(|p| &p.ctx);
        let regions = ctx.regions();
        let mut last: Option<Attribution> = None;
        let mut quote_tokens = vec![None; regions.len()];
        for (i, t) in ctx.tokens().iter().enumerate() {
            if let TokKind::Quote(r) = t.kind {
                if let Some(slot) = quote_tokens.get_mut(r) {
                    *slot = Some(i);
                }
            }
        }
        for (r, region) in regions.iter().enumerate() {
            deadline.check()?;
            let Some(q) = quote_tokens.get(r).copied().flatten() else { continue };
            if region.start >= region.end {
                continue;
            }
            let quoted = text::text(chars, region.start, region.end);
            if so_called(&ctx, q) {
                continue;
            }
            let attribution = match ctx.direct(q) {
                Some(a) => Some(a),
                None if is_scare(&quoted) => None,
                None => contextual(&names, &ctx, q, prev.as_ref(), prev_ctx, last),
            };
            if let Some(attribution) = attribution {
                found.push(Found { start: region.start, end: region.end, attribution });
                last = Some(attribution);
            }
        }
        prev = Some(Paragraph { ctx, last });
    }
    Ok((found, names))
}

/// "the so-called “smart” meter": never a Quote.
fn so_called(ctx: &Ctx<'_>, q: usize) -> bool {
    q > 0
        && ctx.lowercase(q - 1).is_some_and(|w| {
            matches!(
                &*w,
                "so-called" | "so‑called" | "dubbed" | "titled" | "entitled" | "nicknamed" | "headlined" | "call"
            )
        })
}

/// A short quotation or a title, which needs an attribution of its own to be a Quote.
fn is_scare(quoted: &str) -> bool {
    let words: Vec<&str> = quoted.split_whitespace().collect();
    let title_case = words.len() >= 2
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_alphabetic()) || w.len() <= 3);
    // "Build more homes.": a whole sentence is speech, however short.
    let sentence = quoted.chars().next().is_some_and(char::is_uppercase)
        && quoted.trim_end_matches(['"', '\'', '’', '”']).ends_with(['.', '!', '?', '…']);
    title_case || (words.len() <= SCARE_MAX_WORDS && !sentence)
}

/// The attribution of a quotation without one in its own sentence: a colon introducing it, the
/// attribution ending the previous paragraph, the quotation it follows on from (guidelines D38),
/// or the subject of the sentence before (D37).
fn contextual(
    names: &coref::Names,
    ctx: &Ctx<'_>,
    q: usize,
    prev: Option<&Paragraph>,
    prev_ctx: Option<&Ctx<'_>>,
    last: Option<Attribution>,
) -> Option<Attribution> {
    let start = ctx.sentence_start(q);
    let at_line_start = start == 0 && q == 0;
    if q > 0 && ctx.is_colon(q - 1) {
        if let Some(source) = ctx.for_name(start, q - 1).or_else(|| ctx.main_subject(start, q - 1)) {
            return Some(Attribution { source, cue: None });
        }
    }
    if at_line_start {
        if let Some(a) = prev_ctx.and_then(Ctx::attribution_at_end) {
            return Some(a);
        }
    }
    if let Some(a) = last {
        return Some(a);
    }
    if at_line_start {
        if let Some(a) = prev.and_then(|p| p.last) {
            return Some(a);
        }
    }
    let source = if start > 0 {
        ctx.main_subject(ctx.sentence_start(start - 1), start - 1)
    } else {
        prev_ctx.and_then(|p| {
            let end = p.tokens().len();
            let s = p.sentence_start(end.checked_sub(1)?);
            p.main_subject(s, end)
        })
    }?;
    // Only a person can be inferred as the speaker from the sentence before.
    let t = text::text(ctx.chars(), source.start, source.end).to_lowercase();
    let person = match source.kind {
        attrib::MentionKind::Pronoun => matches!(t.as_str(), "he" | "she" | "they" | "i" | "we"),
        attrib::MentionKind::Name => t.split_whitespace().count() >= 2 || names.is_known_surname(&t),
        attrib::MentionKind::Nominal => false,
    };
    person.then_some(Attribution { source, cue: None })
}

/// Turns the quotations into spans, relations and clusters, under the corpus's `names`. Spans
/// that would be invalid (out of range, empty, across a line break) are never created; a
/// quotation whose source cannot be created is dropped, so every quotation has exactly one
/// speaker.
fn build(
    chars: &[char],
    boundary: &dyn Fn(usize) -> bool,
    found: &[Found],
    mentions: &coref::Names,
    names: &Vocabulary,
    deadline: &Deadline,
) -> Result<Annotations, ExtractError> {
    let mut spans = SpanMaker { chars, boundary, ids: HashMap::new(), asked: HashMap::new() };
    let mut out = Annotations::default();
    // Each speaker mention once, with its span id, for the clusters.
    let mut sources: Vec<(Mention, String)> = Vec::new();
    let mut speakers: HashSet<String> = HashSet::new();
    // Every source span made, whether its quotation was kept or not.
    let mut made: Vec<String> = Vec::new();
    for f in found {
        deadline.tick()?;
        let a = f.attribution;
        let Some(source_id) = spans.add(&mut out, Role::Source, &names.source, a.source.start, a.source.end) else {
            continue;
        };
        made.push(source_id.clone());
        let Some(quote_id) = spans.add(&mut out, Role::Quote, &names.quote, f.start, f.end) else { continue };
        if speakers.insert(source_id.clone()) {
            sources.push((a.source, source_id.clone()));
        }
        add_relation(&mut out, &names.speaker, &quote_id, &source_id);
        if let (Some(cue), Some((label, relation))) = (a.cue, &names.cue) {
            if let Some(cue_id) = spans.add(&mut out, Role::Cue, label, cue.start, cue.end) {
                add_relation(&mut out, relation, &quote_id, &cue_id);
            }
        }
    }
    // A source span made for a quotation that was then dropped speaks for nothing: remove it.
    let orphans: HashSet<String> = made.into_iter().filter(|id| !speakers.contains(id)).collect();
    if !orphans.is_empty() {
        out.spans.retain(|s| !orphans.contains(s.id()));
    }
    out.clusters = coref::clusters(chars, &sources, mentions);
    Ok(out)
}

/// What a span is for, whatever the corpus calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Quote,
    Source,
    Cue,
}

/// Creates spans, reusing one per role and offsets, and never an invalid one.
struct SpanMaker<'a> {
    chars: &'a [char],
    /// Whether a code point offset lies between two grapheme clusters.
    boundary: &'a dyn Fn(usize) -> bool,
    ids: HashMap<(Role, usize, usize), String>,
    /// The answer for each role and offsets asked before widening: the many quotations of one
    /// speaker or cue never walk the same long grapheme cluster again.
    asked: HashMap<(Role, usize, usize), Option<String>>,
}

impl SpanMaker<'_> {
    /// Adds (or reuses) a span for `role` with `label` over `start..end`, widened to grapheme
    /// cluster boundaries (a name never ends between a letter and its combining accent); `None`
    /// if the span would be empty, out of range or across a line break.
    fn add(&mut self, out: &mut Annotations, role: Role, label: &Label, start: usize, end: usize) -> Option<String> {
        if let Some(answer) = self.asked.get(&(role, start, end)) {
            return answer.clone();
        }
        let answer = self.make(out, role, label, start, end);
        self.asked.insert((role, start, end), answer.clone());
        answer
    }

    /// [`SpanMaker::add`] without the memory of what was asked.
    fn make(&mut self, out: &mut Annotations, role: Role, label: &Label, start: usize, end: usize) -> Option<String> {
        let (mut start, mut end) = (start, end.min(self.chars.len()));
        while start > 0 && !(self.boundary)(start) {
            start -= 1;
        }
        while end < self.chars.len() && !(self.boundary)(end) {
            end += 1;
        }
        if let Some(id) = self.ids.get(&(role, start, end)) {
            return Some(id.clone());
        }
        let covered = self.chars.get(start..end)?;
        if covered.is_empty() || covered.iter().any(|&c| c == '\n' || c == '\r') {
            return None;
        }
        let id = format!("T{}", out.spans.len() + 1);
        out.spans.push(Span::contiguous(id.as_str(), label.layer.as_str(), label.name.as_str(), start, end)?);
        self.ids.insert((role, start, end), id.clone());
        Some(id)
    }
}

fn add_relation(out: &mut Annotations, kind: &str, head: &str, tail: &str) {
    let id = format!("R{}", out.relations.len() + 1);
    out.relations.push(Relation { id, kind: kind.into(), head: head.into(), tail: tail.into() });
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use goldspan_model::Meta;
    use proptest::prelude::*;

    use super::*;

    /// The output as readable lines: each Quote with offsets, its speaker and cue, then clusters.
    fn render(text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let ann = QuotesRules::default().extract(&Document::new("d", text, Meta::new())).expect("no limit, no failure");
        let show = |id: &str| {
            let s = ann.span(id).expect("relation tails are spans");
            format!("{:?} {}..{}", text::text(&chars, s.start(), s.end()), s.start(), s.end())
        };
        let mut quotes: Vec<&Span> = ann.spans.iter().filter(|s| s.label() == "Quote").collect();
        quotes.sort_by_key(|s| s.start());
        let mut out = String::new();
        for q in quotes {
            let tail =
                |kind: &str| ann.relations.iter().find(|r| r.kind == kind && r.head == q.id()).map(|r| show(&r.tail));
            out.push_str(&format!(
                "{} <- {} cue {}\n",
                show(q.id()),
                tail("speaker").unwrap_or_default(),
                tail("cue").unwrap_or_else(|| "-".into())
            ));
        }
        for c in &ann.clusters {
            let members: Vec<String> = c.iter().map(|id| show(id)).collect();
            out.push_str(&format!("cluster {}\n", members.join(" | ")));
        }
        out
    }

    fn check(text: &str, expected: &str) {
        let got = render(text);
        assert_eq!(got.trim(), expected.trim(), "\ninput: {text}\ngot:\n{got}");
    }

    #[test]
    fn name_then_said_then_colon() {
        check(
            "Anna Berg said: “We will rebuild.”",
            r#""We will rebuild." 17..33 <- "Anna Berg" 0..9 cue "said" 10..14"#,
        );
    }

    #[test]
    fn said_then_name_after_the_quotation() {
        check(
            "“We lost,” said Marta Kowalczyk, the club’s captain.",
            r#""We lost," 1..9 <- "Marta Kowalczyk" 16..31 cue "said" 11..15"#,
        );
    }

    #[test]
    fn split_quotation_shares_source_and_cue() {
        check(
            "“Part one,” she said, “part two.”",
            r#"
"Part one," 1..10 <- "she" 12..15 cue "said" 16..20
"part two." 23..32 <- "she" 12..15 cue "said" 16..20"#,
        );
    }

    #[test]
    fn follow_on_sentence_after_the_attribution() {
        check(
            "“We lost,” Kowalczyk said. “But we will be back.”",
            r#"
"We lost," 1..9 <- "Kowalczyk" 11..20 cue "said" 21..25
"But we will be back." 28..48 <- "Kowalczyk" 11..20 cue "said" 21..25"#,
        );
    }

    #[test]
    fn quotation_across_paragraphs_is_one_quote_per_paragraph() {
        check(
            "Dr Haddad said: “The figures are stark.\n“We cannot go on like this.”\nThe end.",
            r#"
"The figures are stark." 17..39 <- "Haddad" 3..9 cue "said" 10..14
"We cannot go on like this." 41..67 <- "Haddad" 3..9 cue "said" 10..14"#,
        );
    }

    #[test]
    fn according_to_names_the_source_after_it() {
        check(
            "The plan is “dead in the water”, according to Kowalczyk.",
            r#""dead in the water" 13..30 <- "Kowalczyk" 46..55 cue "according to" 33..45"#,
        );
    }

    #[test]
    fn pronoun_speaker_joins_the_cluster_of_the_earlier_name() {
        check(
            "Marta Kowalczyk said: “We lost the final.”\n“We will be back next year,” she said.",
            r#"
"We lost the final." 23..41 <- "Marta Kowalczyk" 0..15 cue "said" 16..20
"We will be back next year," 44..70 <- "she" 72..75 cue "said" 76..80
cluster "Marta Kowalczyk" 0..15 | "she" 72..75"#,
        );
    }

    #[test]
    fn curly_straight_and_guillemet_marks() {
        check(
            "\"It is over,\" he said. «C’est fini», she said. ‘We are done,’ they said.",
            r#"
"It is over," 1..12 <- "he" 14..16 cue "said" 17..21
"C’est fini" 24..34 <- "she" 37..40 cue "said" 41..45
"We are done," 48..60 <- "they" 62..66 cue "said" 67..71"#,
        );
    }

    #[test]
    fn apostrophes_are_not_quotation_marks() {
        check("Truss’s aide said it's fine and the Renters’ Rights Bill didn’t pass.", "");
        check("“It’s Truss’s call,” she said.", r#""It’s Truss’s call," 1..19 <- "she" 21..24 cue "said" 25..29"#);
    }

    #[test]
    fn nested_quotation_stays_inside_the_outer_one() {
        check(
            "“She told me ‘never again’, and I believed her,” Kowalczyk said.",
            r#""She told me ‘never again’, and I believed her," 1..47 <- "Kowalczyk" 49..58 cue "said" 59..63"#,
        );
    }

    #[test]
    fn scare_quotes_titles_and_headings_are_not_quotes() {
        check("Ministers back the so-called “smart” meter and the “Safer Streets” report.", "");
        check("‘We will not look away’\nRelated: Truss says “no”", "");
    }

    #[test]
    fn nominal_and_apposition_speakers() {
        check(
            "A Home Office spokeswoman said: “We do not comment.”",
            r#""We do not comment." 33..51 <- "Home Office spokeswoman" 2..25 cue "said" 26..30"#,
        );
        check(
            "Priya Raman, a spokeswoman for the council, told reporters: “It is closed.”",
            r#""It is closed." 61..74 <- "Priya Raman" 0..11 cue "told" 44..48"#,
        );
        check(
            "Ms Truss added the stand-off “marks the latest step.”",
            r#""marks the latest step." 30..52 <- "Truss" 3..8 cue "added" 9..14"#,
        );
    }

    #[test]
    fn participle_cue_takes_the_main_subject() {
        check(
            "Ms Truss has called on the Kremlin to act, writing: “Russia has a clear responsibility.”",
            r#""Russia has a clear responsibility." 53..87 <- "Truss" 3..8 cue "writing" 43..50"#,
        );
    }

    #[test]
    fn speaker_outside_the_sentence_or_after_a_colon() {
        // D37: the subject of the sentence before; a known surname counts as a person.
        check(
            "Tom Okafor lost. Okafor was defiant. “We will appeal against this.”",
            r#""We will appeal against this." 38..66 <- "Okafor" 17..23 cue -"#,
        );
        // §3.2 rule 3: no attribution verb, so no cue.
        check(
            "For Okafor, the answer is simple: “Build more homes.”",
            r#""Build more homes." 35..52 <- "Okafor" 4..10 cue -"#,
        );
        // H26: the attribution ends the previous paragraph.
        check(
            "The ruling came at noon. Haddad said:\n“We will appeal.”",
            r#""We will appeal." 39..54 <- "Haddad" 25..31 cue "said" 32..36"#,
        );
    }

    #[test]
    fn relative_pronouns_documents_and_interviews() {
        check(
            "Okafor, who called the plan “reckless”, resigned.",
            r#""reckless" 29..37 <- "Okafor" 0..6 cue "called" 12..18"#,
        );
        check(
            "A statement from Harlow Town said: “We are saddened by this.”",
            r#""We are saddened by this." 36..60 <- "Harlow Town" 17..28 cue "said" 29..33"#,
        );
        check(
            "The scheme was “poorly managed”, according to a report by the National Audit Office.",
            r#""poorly managed" 16..30 <- "National Audit Office" 62..83 cue "according to" 33..45"#,
        );
        check(
            "“Do you regret it?” I asked. “Not for a second,” she said.",
            r#"
"Do you regret it?" 1..18 <- "I" 20..21 cue "asked" 22..27
"Not for a second," 30..47 <- "she" 49..52 cue "said" 53..57"#,
        );
    }

    /// A manifest naming attribution its own way: layer `speech`, `Quotation` said by a
    /// `Speaker`, introduced by a `Verb` unless `cues` is false.
    fn renamed(cues: bool) -> Manifest {
        use goldspan_model::{Attribution, Layer, PerHead, RelationType};
        let relation = |name: &str, tail: &str| RelationType {
            name: name.into(),
            head: vec!["Quotation".into()],
            tail: vec![tail.into()],
            per_head: PerHead::One,
        };
        let mut relations = vec![relation("said_by", "Speaker")];
        if cues {
            relations.push(relation("introduced_by", "Verb"));
        }
        Manifest {
            layers: vec![Layer {
                name: "speech".into(),
                labels: vec!["Quotation".into(), "Speaker".into(), "Verb".into()],
                relations,
            }],
            attribution: Some(Attribution {
                quotation_label: "Quotation".into(),
                speaker_relation: "said_by".into(),
                cue_relation: cues.then(|| "introduced_by".into()),
                mention_layer: None,
            }),
            ..Manifest::default()
        }
    }

    #[test]
    fn the_names_written_are_the_manifests() {
        let doc = Document::new("d", "“We lost,” said Marta Kowalczyk. “But we will be back,” she added.", Meta::new());
        let plain = QuotesRules::default().extract(&doc).expect("no failure");
        assert_eq!(plain.relations.len(), 4, "two quotations, each with a speaker and a cue");
        // corpus/news's own manifest names what the default does: same output, same identity.
        let news = goldspan_formats::gold::read_manifest(std::path::Path::new("../../corpus/news/goldspan.toml"))
            .expect("the news manifest");
        let rules = QuotesRules::for_manifest(Some(&news));
        assert_eq!(rules.extract(&doc).expect("no failure"), plain);
        assert_eq!(rules.info(), QuotesRules::default().info());
        // Another corpus's names: the same spans and relations, renamed.
        fn rename(label: &str) -> &str {
            match label {
                "Quote" => "Quotation",
                "Source" => "Speaker",
                "Cue" => "Verb",
                "speaker" => "said_by",
                "cue" => "introduced_by",
                other => other,
            }
        }
        let expected = Annotations {
            spans: plain
                .spans
                .iter()
                .filter_map(|s| Span::contiguous(s.id(), "speech", rename(s.label()), s.start(), s.end()))
                .collect(),
            relations: plain.relations.iter().map(|r| Relation { kind: rename(&r.kind).into(), ..r.clone() }).collect(),
            ..plain.clone()
        };
        let rules = QuotesRules::for_manifest(Some(&renamed(true)));
        assert_eq!(rules.extract(&doc).expect("no failure"), expected);
        assert_ne!(rules.info().config_hash, QuotesRules::default().info().config_hash, "other output, other key");
        // A corpus without cues gets none.
        let without = QuotesRules::for_manifest(Some(&renamed(false))).extract(&doc).expect("no failure");
        assert!(without.spans.iter().all(|s| s.label() != "Verb"));
        assert_eq!(without.relations.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(), ["said_by", "said_by"]);
        // No [attribution] section: corpus/news's names.
        let bare = Manifest { attribution: None, ..renamed(true) };
        assert_eq!(QuotesRules::for_manifest(Some(&bare)).extract(&doc).expect("no failure"), plain);
    }

    #[test]
    fn long_pathological_lines_stay_valid() {
        // Chained cues, possessives and marks must neither overflow the stack nor go quadratic.
        let chained = format!("“We lost the final,” {}.", "she said and added, saying".repeat(4000));
        let possessives = format!("{} spokeswoman said: “No comment at all.”", "Berg’s ".repeat(4000));
        let marks = "“a” \"b\" ‘c’ ".repeat(4000);
        let accents = "Jose\u{301} said: “e\u{301}te\u{301} fini.” 🇫🇷\n".repeat(3);
        for text in [chained, possessives, marks, accents] {
            assert_valid(&text);
        }
    }

    /// Every invariant an output must keep, whatever the input.
    fn assert_valid(text: &str) {
        let doc = Document::new("d", text, Meta::new());
        let ann = QuotesRules::default().extract(&doc).expect("never fails");
        assert_eq!(ann, QuotesRules::default().extract(&doc).expect("never fails"), "deterministic");
        let n = doc.len_chars();
        let mut ids = HashSet::new();
        for s in &ann.spans {
            assert!(ids.insert(s.id()), "unique span id {}", s.id());
            assert_eq!(s.layer(), "quotes");
            assert!(["Quote", "Cue", "Source"].contains(&s.label()));
            assert!(s.start() < s.end() && s.end() <= n, "span in range");
            let covered = doc.slice(s.start(), s.end()).expect("slice on char boundaries");
            for cp in [s.start(), s.end()] {
                assert!(is_grapheme_boundary(text, doc.offsets(), cp), "span edge {cp} inside a grapheme");
            }
            assert!(!covered.contains('\n') && !covered.contains('\r'), "no span across a line break");
        }
        let label = |id: &str| ann.span(id).map(|s| s.label().to_string());
        for q in ann.spans.iter().filter(|s| s.label() == "Quote") {
            let tails = |kind: &str| -> Vec<Option<String>> {
                ann.relations.iter().filter(|r| r.kind == kind && r.head == q.id()).map(|r| label(&r.tail)).collect()
            };
            assert_eq!(tails("speaker"), vec![Some("Source".to_string())], "exactly one speaker");
            assert!(tails("cue").len() <= 1 && tails("cue").iter().all(|l| l.as_deref() == Some("Cue")));
        }
        let mut clustered = HashSet::new();
        for c in &ann.clusters {
            assert!(c.len() >= 2);
            for id in c {
                assert_eq!(label(id).as_deref(), Some("Source"), "clusters hold Source spans");
                assert!(clustered.insert(id.clone()), "one cluster per span");
            }
        }
    }

    /// Short runs of marks, letters and punctuation, glued together without spaces.
    const PIECE: &str = "[“”\"'‘’«» a-zA-Z,.:\n]{0,8}";

    /// Text made of the pieces the rules react to, so that generated inputs reach deep paths.
    fn newsy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "“",
            "”",
            "\"",
            "'",
            "‘",
            "’",
            "«",
            "»",
            "said",
            "says",
            "told",
            "according to",
            "she",
            "he",
            "it",
            "Ms",
            "Anna Berg",
            "Truss",
            "the",
            "a",
            "spokeswoman",
            "company",
            ",",
            ".",
            ":",
            "(",
            ")",
            "—",
            "who",
            "and",
            "adding",
            "\n",
            "\r\n",
            " ",
            "é",
            "😀",
            "Ελένη",
            "don’t",
            "so-called",
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.join(" "))
    }

    proptest! {
        #[test]
        fn arbitrary_unicode_never_panics_and_yields_valid_output(text in "\\PC*") {
            assert_valid(&text);
        }

        #[test]
        fn news_like_text_never_panics_and_yields_valid_output(text in newsy()) {
            assert_valid(&text);
        }

        #[test]
        fn concatenated_pieces_without_spaces_stay_valid(v in prop::collection::vec(PIECE, 0..20)) {
            assert_valid(&v.concat());
        }
    }
}
