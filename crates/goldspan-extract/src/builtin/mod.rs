//! goldspan's built-in baselines: real rule-based extractors, to be measured, beaten and
//! benchmarked.
//!
//! Each runs in time linear in the length of its document (a 50 MB text included: see
//! BENCHMARKS.md) and gives up when the document's time limit passes. A rule-based extractor
//! runs on the caller's thread, where nothing can stop it safely from outside, so the limit is
//! cooperative: the rules ask a [`Deadline`] between pieces of work and return
//! [`ExtractError::Timeout`], the failure a `cmd:` worker that overruns gets.

mod entities;
mod lexicon;
mod quotes;
mod structure;

use std::cell::Cell;
use std::time::{Duration, Instant};

pub use entities::EntitiesRules;
pub use quotes::QuotesRules;
pub use structure::StructureRules;

use goldspan_model::{Annotations, Document, Span};

use crate::{ExtractError, Extractor, ExtractorInfo};

/// The identity of the built-in extractor `name`: goldspan's version, and as configuration
/// hash the fingerprint of the rules' sources and data ([`crate::BUILTIN_FINGERPRINT`]), so
/// no version is bumped by hand and no edit is missed.
fn identity(name: &str) -> ExtractorInfo {
    ExtractorInfo {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        config_hash: crate::BUILTIN_FINGERPRINT[..16].into(),
    }
}

/// Annotations of one layer from `(start, end, label)` triples in text order: spans numbered
/// `T1..`, any triple that is empty or runs past `len` code points dropped.
fn layer_spans(layer: &str, triples: Vec<(usize, usize, &str)>, len: usize) -> Annotations {
    let spans = triples
        .into_iter()
        .filter(|&(s, e, _)| s < e && e <= len)
        .enumerate()
        .filter_map(|(n, (s, e, label))| Span::contiguous(format!("T{}", n + 1), layer, label, s, e))
        .collect();
    Annotations { spans, ..Annotations::default() }
}

/// When a built-in extractor must give up on a document.
#[derive(Debug)]
pub(crate) struct Deadline {
    /// The moment; `None` for no limit.
    at: Option<Instant>,
    /// The limit it was set from, for the error.
    limit: Duration,
    /// Calls to [`Deadline::tick`] since the clock was last read.
    ticks: Cell<u32>,
}

/// How many calls of [`Deadline::tick`] read the clock once.
const TICKS_PER_CHECK: u32 = 1024;

impl Deadline {
    /// No limit.
    pub(crate) fn none() -> Deadline {
        Deadline { at: None, limit: Duration::MAX, ticks: Cell::new(0) }
    }

    /// `limit` from now (no limit if that is beyond what the clock can hold).
    pub(crate) fn after(limit: Duration) -> Deadline {
        Deadline { at: Instant::now().checked_add(limit), limit, ticks: Cell::new(0) }
    }

    /// An error once the time is up. Reads the clock: for a step of work such as a line, a
    /// quotation or a run of capitalised words, not for each character.
    pub(crate) fn check(&self) -> Result<(), ExtractError> {
        match self.at {
            Some(at) if Instant::now() >= at => {
                Err(ExtractError::Timeout { seconds: self.limit.as_secs_f64(), at_start: false })
            }
            _ => Ok(()),
        }
    }

    /// [`Deadline::check`] for the innermost loops (each token): reads the clock once every
    /// `TICKS_PER_CHECK` calls.
    pub(crate) fn tick(&self) -> Result<(), ExtractError> {
        let ticks = self.ticks.get() + 1;
        if ticks < TICKS_PER_CHECK {
            self.ticks.set(ticks);
            return Ok(());
        }
        self.ticks.set(0);
        self.check()
    }
}

/// A built-in extractor that can work against a [`Deadline`].
pub(crate) trait Rules: Extractor {
    /// [`Extractor::extract`], giving up with [`ExtractError::Timeout`] once `deadline` passes.
    fn extract_by(&self, doc: &Document, deadline: &Deadline) -> Result<Annotations, ExtractError>;
}

/// A built-in extractor held to a time limit per document: what the registry resolves a
/// built-in's name to, with `Settings::timeout` (`--timeout`) as the limit.
#[derive(Debug)]
pub(crate) struct Limited<R> {
    rules: R,
    limit: Duration,
}

impl<R: Rules> Limited<R> {
    /// `rules`, giving up on a document after `limit`.
    pub(crate) fn new(rules: R, limit: Duration) -> Limited<R> {
        Limited { rules, limit }
    }
}

impl<R: Rules> Extractor for Limited<R> {
    fn info(&self) -> ExtractorInfo {
        // The limit changes whether a document fails, never what a finished one holds.
        self.rules.info()
    }

    fn extract(&self, doc: &Document) -> Result<Annotations, ExtractError> {
        self.rules.extract_by(doc, &Deadline::after(self.limit))
    }
}

#[cfg(test)]
mod tests {
    use goldspan_model::Meta;

    use super::*;

    #[test]
    fn a_deadline_passes_once_its_time_is_up() {
        assert!(Deadline::none().check().is_ok());
        assert!(Deadline::after(Duration::from_secs(3600)).check().is_ok());
        let past = Deadline::after(Duration::ZERO);
        assert_eq!(past.check(), Err(ExtractError::Timeout { seconds: 0.0, at_start: false }));
        // `tick` reads the clock only every TICKS_PER_CHECK calls, then fails like `check`.
        let ticks: Vec<bool> = (0..TICKS_PER_CHECK).map(|_| past.tick().is_ok()).collect();
        assert!(ticks[..TICKS_PER_CHECK as usize - 1].iter().all(|&ok| ok));
        assert!(!ticks[TICKS_PER_CHECK as usize - 1]);
        assert!(Deadline::after(Duration::MAX).check().is_ok(), "a limit past the clock's range is no limit");
    }

    /// Every built-in, as the registry resolves it, with `limit`.
    fn builtins(limit: Duration) -> Vec<Box<dyn Extractor>> {
        let settings = crate::Settings { timeout: limit, ..crate::Settings::default() };
        let registry = crate::Registry::with_builtins();
        ["quotes-rules", "entities-rules", "structure-rules"]
            .iter()
            .map(|name| registry.resolve(name, &settings).expect("a built-in"))
            .collect()
    }

    #[test]
    fn a_builtin_past_its_time_limit_fails_the_document_as_timed_out() {
        let doc = Document::new("d", "Anna Berg said: “We will rebuild.”\nMore text.\n", Meta::new());
        for extractor in builtins(Duration::ZERO) {
            let error = extractor.extract(&doc).expect_err("no time at all");
            assert_eq!(error, ExtractError::Timeout { seconds: 0.0, at_start: false }, "{}", extractor.info().name);
            assert_eq!(error.to_string(), "timed out after 0 s");
            assert_eq!(error.hint().as_deref(), Some("raise --timeout if documents take long to annotate"));
        }
    }

    /// A news-like line: a name, an organisation, a date and a quotation with its speaker.
    const NEWS_LINE: &str = "Ms Zoë Brandt met the Bank of England on Friday. “We lost,” she said.\n";

    /// `piece` repeated to about `bytes` bytes.
    fn repeated(piece: &str, bytes: usize) -> String {
        piece.repeat(bytes / piece.len())
    }

    #[test]
    fn a_huge_document_with_a_tiny_time_limit_fails_quickly() {
        // 20 MB: each built-in needs many seconds for it, so a limit of 10 ms must stop it
        // long before the end, and it must say it timed out, not answer.
        let doc = Document::new("huge", repeated(NEWS_LINE, 20_000_000), Meta::new());
        let limit = Duration::from_millis(10);
        for extractor in builtins(limit) {
            let name = extractor.info().name;
            let started = Instant::now();
            let error = extractor.extract(&doc).expect_err("10 ms is not enough for 20 MB");
            let took = started.elapsed();
            assert_eq!(error, ExtractError::Timeout { seconds: 0.01, at_start: false }, "{name}");
            // What comes before the first look at the clock (the text as code points, its
            // lines) is the only work past the limit: well under a second in a release build.
            assert!(took < Duration::from_secs(5), "{name} gave up only after {took:?}");
        }
    }

    /// Runs the built-in `name` over each of `inputs` (about a megabyte each) under a time limit
    /// of twenty times what ordinary text of a megabyte costs it, plus a second for a loaded
    /// machine. Linear rules need about as long for any text of that size; each rescan fixed
    /// so far made its input below run past this limit (checked by undoing the fix), and the
    /// limit stops such a rule instead of hanging the test.
    fn assert_costs_what_text_does(name: &str, inputs: Vec<(&str, String)>) {
        let registry = crate::Registry::with_builtins();
        let resolve = |limit| {
            let settings = crate::Settings { timeout: limit, ..crate::Settings::default() };
            registry.resolve(name, &settings).expect("a built-in")
        };
        let ordinary = Document::new("ordinary", repeated(NEWS_LINE, 1_000_000), Meta::new());
        let started = Instant::now();
        resolve(Duration::MAX).extract(&ordinary).expect("no limit");
        let budget = started.elapsed() * 20 + Duration::from_secs(1);
        let limited = resolve(budget);
        for (shape, text) in inputs {
            let doc = Document::new("p", text, Meta::new());
            let started = Instant::now();
            let result = limited.extract(&doc);
            let took = started.elapsed();
            assert!(result.is_ok(), "{name} on {shape}: {result:?} after {took:?} (limit {budget:?})");
        }
    }

    #[test]
    fn a_megabyte_of_quotation_marks_or_of_capitalised_words_does_not_blow_up() {
        const MB: usize = 1_000_000;
        for name in ["quotes-rules", "entities-rules", "structure-rules"] {
            let inputs = vec![
                // One line of opening marks that never close, and of every kind of mark in turn.
                ("a line of opening marks", repeated("“", MB)),
                ("a line of every kind of mark", repeated("“”‘’\"'«» a", MB)),
                // One run of 333,333 capitalised words.
                ("capitalised words", repeated("Al ", MB)),
            ];
            assert_costs_what_text_does(name, inputs);
        }
    }

    #[test]
    fn quotations_after_long_runs_do_not_read_the_runs_again() {
        // Each once made every quotation that follows read the whole run: for the subject of
        // the sentence before (in the line, or ending the paragraph before), for the name
        // after "For", past a noun phrase's determiners, or to widen the shared cue's span to
        // a whole grapheme cluster. 250,000 short words, then 30,000 quotations.
        let (words, quotes) = (repeated("x ", 500_000), repeated("“xxxx x x x” ", 500_000));
        let inputs = vec![
            ("after a long sentence", format!("{words}. {quotes}.")),
            ("after a long paragraph", format!("{words}.\n{quotes}.")),
            (
                "after a long name and a colon each",
                format!("For {}: {}.", repeated("Xx ", 500_000), quotes.replace("” ", "”: ")),
            ),
            ("after a run of determiners", format!("{}x. {quotes}.", repeated("a ", 500_000))),
            (
                "sharing a cue inside a long cluster",
                format!("“Xxxx x x x,” she said{}, {quotes}.", repeated("\u{301}", 500_000)),
            ),
        ];
        assert_costs_what_text_does("quotes-rules", inputs);
    }

    #[test]
    fn a_time_limit_changes_no_output_and_no_identity() {
        let text = "Ms Zoë Brandt met the Bank of England on Friday.\n“We lost,” she said. “But we will be back.”\n";
        let doc = Document::new("d", format!("World news\nBy Marta Kowalczyk\n{}", text.repeat(50)), Meta::new());
        let unlimited =
            [QuotesRules::default().extract(&doc), EntitiesRules.extract(&doc), StructureRules.extract(&doc)];
        let infos = [QuotesRules::default().info(), EntitiesRules.info(), StructureRules.info()];
        for ((limited, without), info) in builtins(Duration::from_secs(3600)).iter().zip(unlimited).zip(infos) {
            let without = without.expect("no limit, no failure");
            assert!(!without.spans.is_empty(), "{} found something", info.name);
            assert_eq!(limited.extract(&doc).expect("an hour is enough"), without, "{}", info.name);
            assert_eq!(limited.info(), info);
        }
    }

    #[test]
    fn each_builtin_is_named_and_keyed_by_the_fingerprint_of_its_sources() {
        let infos = [super::QuotesRules::default().info(), super::EntitiesRules.info(), super::StructureRules.info()];
        let names: Vec<&str> = infos.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["quotes-rules", "entities-rules", "structure-rules"]);
        for info in &infos {
            assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
            assert_eq!(info.config_hash, crate::BUILTIN_FINGERPRINT[..16]);
        }
        assert_eq!(crate::BUILTIN_FINGERPRINT.len(), 64);
        assert!(crate::BUILTIN_FINGERPRINT.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
