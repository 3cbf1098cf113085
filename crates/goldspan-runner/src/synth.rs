//! Synthetic corpora for benchmarks and property tests: gold documents with entity spans and
//! predictions derived from them with controlled error rates, of any size, streamed to disk.
//!
//! Document `i` is generated from its own generator seeded by (seed, i), so any document can be
//! regenerated alone, generation runs in parallel, and the files are identical for a given
//! seed whatever the thread count. Texts mix ASCII with accented letters and CJK so offset
//! handling is exercised.

use std::io::{BufWriter, Write};
use std::path::Path;

use goldspan_formats::{gold, jsonl, standoff};
use goldspan_model::{AnnotatedDocument, Annotations, Document, Meta, Span};
use goldspan_score::bootstrap::SplitMix64;
use rayon::prelude::*;

/// How to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Number of documents.
    pub documents: usize,
    /// Seed.
    pub seed: u64,
    /// Mean number of gold spans per document (uniform between half and one and a half times).
    pub spans: usize,
    /// Probability that a gold span is missed by the predictions.
    pub missed: f64,
    /// Probability that a predicted span's boundary is off by a word.
    pub boundary: f64,
    /// Probability that a predicted span has the wrong label.
    pub label: f64,
    /// Probability, per gold span, of an extra spurious prediction.
    pub spurious: f64,
}

const LABELS: [&str; 18] = [
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
];

const WORDS: [&str; 24] = [
    "the", "council", "said", "on", "a", "report", "after", "vote", "and", "in", "new", "plans", "for", "river",
    "café", "über", "market", "week", "to", "of", "北京", "rates", "was", "by",
];

const NAMES: [&str; 16] = [
    "Zoë",
    "Brandt",
    "Leeds",
    "Kovalenko",
    "Harbour",
    "Ministry",
    "Tuesday",
    "£3m",
    "Dunmore",
    "Oder",
    "Ilsa",
    "Quay",
    "Nørgaard",
    "Rotterdam",
    "Aziz",
    "2024",
];

fn pick<'a>(rng: &mut SplitMix64, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

fn chance(rng: &mut SplitMix64, p: f64) -> bool {
    ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
}

/// Generates document `index`: gold and predictions.
pub fn document(config: &SynthConfig, index: usize) -> (AnnotatedDocument, AnnotatedDocument) {
    let mut rng = SplitMix64::new(config.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let count = config.spans / 2 + rng.below(config.spans + 1);
    let mut text = String::new();
    let mut cp = 0usize;
    let push = |text: &mut String, cp: &mut usize, word: &str| {
        if !text.is_empty() {
            text.push(' ');
            *cp += 1;
        }
        let start = *cp;
        text.push_str(word);
        *cp += word.chars().count();
        (start, *cp)
    };
    // Each span: its words, and the first word of the gap after it (where a spurious
    // prediction may go). Gaps are at least two words, so predictions never touch.
    let mut spans = Vec::with_capacity(count);
    let mut gaps = Vec::with_capacity(count);
    for _ in 0..count {
        for _ in 0..2 + rng.below(4) {
            push(&mut text, &mut cp, pick(&mut rng, &WORDS));
        }
        let words = 1 + rng.below(3);
        let mut ranges = Vec::new();
        for _ in 0..words {
            ranges.push(push(&mut text, &mut cp, pick(&mut rng, &NAMES)));
        }
        spans.push(ranges);
        gaps.push(push(&mut text, &mut cp, pick(&mut rng, &WORDS)));
    }
    push(&mut text, &mut cp, "end.");
    let id = format!("synth-{index:07}");
    let mut gold = Annotations::default();
    let mut pred = Annotations::default();
    for (n, ranges) in spans.iter().enumerate() {
        let label = LABELS[rng.below(LABELS.len())];
        let (start, end) = (ranges[0].0, ranges[ranges.len() - 1].1);
        gold.spans.extend(Span::contiguous(format!("T{}", n + 1), "entities", label, start, end));
        if chance(&mut rng, config.missed) {
            continue;
        }
        let (s, mut e, mut l) = (start, end, label);
        if chance(&mut rng, config.boundary) {
            if ranges.len() > 1 {
                e = ranges[ranges.len() - 2].1; // drop the last word
            } else {
                e = gaps[n].1; // take in the next word
            }
        }
        if chance(&mut rng, config.label) {
            l = LABELS[(LABELS.iter().position(|x| *x == label).unwrap_or(0) + 1 + rng.below(LABELS.len() - 1))
                % LABELS.len()];
        }
        pred.spans.extend(Span::contiguous(format!("P{}", pred.spans.len() + 1), "entities", l, s, e));
        if chance(&mut rng, config.spurious) && e < gaps[n].0 {
            let label = LABELS[rng.below(LABELS.len())];
            pred.spans.extend(Span::contiguous(
                format!("P{}", pred.spans.len() + 1),
                "entities",
                label,
                gaps[n].0,
                gaps[n].1,
            ));
        }
    }
    let mut meta = Meta::new();
    meta.insert("bucket".into(), format!("b{}", index % 4));
    let document = Document::new(id, text, meta);
    (
        AnnotatedDocument { document: document.clone(), annotations: gold },
        AnnotatedDocument { document, annotations: pred },
    )
}

/// How the gold of a synthetic corpus is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `OUT/gold.jsonl` (with text) and `OUT/pred.jsonl` (without).
    Jsonl,
    /// The same compressed: `OUT/gold.jsonl.zst` and `OUT/pred.jsonl.zst`.
    Zstd,
    /// A corpus directory, `OUT/corpus/` (`goldspan.toml` and `docs/ID.txt`, `ID.ann`,
    /// `ID.meta.toml`), and `OUT/pred.jsonl`.
    Corpus,
}

/// Writes `OUT/gold.jsonl` (with text) and `OUT/pred.jsonl` (without), streaming in chunks.
pub fn write(config: &SynthConfig, out: &Path) -> std::io::Result<()> {
    write_as(config, out, Layout::Jsonl)
}

/// Writes the corpus in `layout`, streaming in chunks. A corpus directory's files are written
/// plainly (not each synced and renamed into place as `convert --to gold` writes them): this
/// is benchmark data, and a million documents are three million files.
///
/// A corpus directory is written only where none is: documents left from an earlier, larger
/// corpus would stay in it as extra gold documents.
pub fn write_as(config: &SynthConfig, out: &Path, layout: Layout) -> std::io::Result<()> {
    let docs = out.join("corpus").join("docs");
    if layout == Layout::Corpus && std::fs::read_dir(&docs).is_ok_and(|mut d| d.next().is_some()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds documents: synth writes a new corpus, and old documents would stay in it; remove it or name another directory",
                docs.display()
            ),
        ));
    }
    std::fs::create_dir_all(out)?;
    let create = |name: &str| -> std::io::Result<Sink> {
        let file = BufWriter::new(std::fs::File::create(out.join(name))?);
        Ok(match layout {
            Layout::Zstd => {
                // With a checksum, a damaged file is an error when read, not other bytes.
                let mut encoder = zstd::stream::write::Encoder::new(file, jsonl::ZSTD_LEVEL)?;
                encoder.include_checksum(true)?;
                Sink::Zstd(encoder)
            }
            _ => Sink::Plain(file),
        })
    };
    let (mut gold, mut pred) = match layout {
        Layout::Jsonl => (Some(create("gold.jsonl")?), create("pred.jsonl")?),
        Layout::Zstd => (Some(create("gold.jsonl.zst")?), create("pred.jsonl.zst")?),
        Layout::Corpus => (None, create("pred.jsonl")?),
    };
    if layout == Layout::Corpus {
        std::fs::create_dir_all(&docs)?;
        let manifest = goldspan_model::Manifest {
            name: "synth".into(),
            layers: vec![goldspan_model::Layer {
                name: "entities".into(),
                labels: LABELS.iter().map(|l| l.to_string()).collect(),
                relations: Vec::new(),
            }],
            ..Default::default()
        };
        std::fs::write(out.join("corpus").join("goldspan.toml"), gold::manifest_to_toml(&manifest))?;
    }
    const CHUNK: usize = 4096;
    for first in (0..config.documents).step_by(CHUNK) {
        let last = (first + CHUNK).min(config.documents);
        let lines: Vec<(String, String)> = (first..last)
            .into_par_iter()
            .map(|i| {
                let (g, p) = document(config, i);
                let g = match layout {
                    Layout::Corpus => write_document(&docs, &g).map(|()| String::new()),
                    _ => Ok(jsonl::to_line(&g, true)),
                };
                g.map(|g| (g, jsonl::to_line(&p, false)))
            })
            .collect::<std::io::Result<_>>()?;
        for (g, p) in lines {
            if let Some(gold) = &mut gold {
                writeln!(gold, "{g}")?;
            }
            writeln!(pred, "{p}")?;
        }
    }
    if let Some(gold) = gold {
        gold.finish()?;
    }
    pred.finish()
}

/// A file being written, plain or compressed.
enum Sink {
    Plain(BufWriter<std::fs::File>),
    Zstd(zstd::stream::write::Encoder<'static, BufWriter<std::fs::File>>),
}

impl Sink {
    /// Ends the compressed stream, if any, and flushes: errors are not lost in a drop.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut file) => file.flush(),
            Sink::Zstd(encoder) => encoder.finish()?.flush(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

/// Writes one document's three files into `docs`.
fn write_document(docs: &Path, doc: &AnnotatedDocument) -> std::io::Result<()> {
    let id = doc.document.id();
    let ann = standoff::write(doc).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::write(docs.join(format!("{id}.txt")), doc.document.text())?;
    std::fs::write(docs.join(format!("{id}.ann")), ann)?;
    std::fs::write(docs.join(format!("{id}.meta.toml")), gold::meta_to_toml(doc.document.meta()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SynthConfig {
        SynthConfig { documents: 10, seed: 7, spans: 30, missed: 0.1, boundary: 0.1, label: 0.1, spurious: 0.1 }
    }

    #[test]
    fn documents_are_reproducible_and_spans_cover_their_words() {
        let (g1, p1) = document(&config(), 3);
        let (g2, p2) = document(&config(), 3);
        assert_eq!((&g1, &p1), (&g2, &p2));
        assert!(g1.annotations.spans.len() >= 15);
        for s in g1.annotations.spans.iter().chain(&p1.annotations.spans) {
            let text = g1.document.covered_text(s.fragments()).expect("in range");
            assert!(!text.starts_with(' ') && !text.ends_with(' '), "{text:?}");
        }
    }

    #[test]
    fn a_corpus_directory_is_not_written_over_an_older_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = SynthConfig { documents: 3, ..config() };
        write_as(&config, dir.path(), Layout::Corpus).expect("a new corpus");
        let e = write_as(&config, dir.path(), Layout::Corpus).expect_err("the corpus is there");
        assert!(e.to_string().contains("already holds documents"), "{e}");
        // The other layouts replace their files whole.
        write_as(&config, dir.path(), Layout::Jsonl).expect("jsonl");
        write_as(&config, dir.path(), Layout::Jsonl).expect("jsonl again");
    }

    #[test]
    fn compressed_files_carry_a_checksum() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_as(&SynthConfig { documents: 3, ..config() }, dir.path(), Layout::Zstd).expect("zst");
        for name in ["gold.jsonl.zst", "pred.jsonl.zst"] {
            let bytes = std::fs::read(dir.path().join(name)).expect("read");
            // RFC 8878: the magic number, then the frame header descriptor, whose bit 2 is the
            // content checksum flag.
            assert_eq!(bytes[..4], [0x28, 0xB5, 0x2F, 0xFD], "{name}");
            assert_ne!(bytes[4] & 0b100, 0, "{name} has no checksum");
        }
    }

    #[test]
    fn error_free_predictions_equal_gold() {
        let c = SynthConfig { missed: 0.0, boundary: 0.0, label: 0.0, spurious: 0.0, ..config() };
        let (g, p) = document(&c, 1);
        let key =
            |a: &Annotations| a.spans.iter().map(|s| (s.start(), s.end(), s.label().to_owned())).collect::<Vec<_>>();
        assert_eq!(key(&g.annotations), key(&p.annotations));
    }
}
