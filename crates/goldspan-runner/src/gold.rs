//! Where gold documents come from: a corpus directory (read per document) or one JSON Lines
//! file (indexed once by id, then read line by line), so scoring never holds the whole gold
//! in memory.

use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use goldspan_model::formats::{gold::Corpus, jsonl};
use goldspan_model::{AnnotatedDocument, Location, Manifest, Problem, ProblemKind};

use crate::error::Error;

/// A gold source with the ids in scope.
#[derive(Debug)]
pub enum Gold {
    /// A corpus directory, restricted to a split.
    Corpus {
        /// The corpus.
        corpus: Corpus,
        /// Ids in scope, sorted.
        ids: Vec<String>,
    },
    /// A JSON Lines file of self-contained records.
    File {
        /// Its path.
        path: PathBuf,
        /// A manifest to check gold and predictions against, if given.
        manifest: Option<Manifest>,
        /// Id to (byte offset, length, 1-based line).
        index: HashMap<String, (u64, usize, usize)>,
        /// Ids, sorted.
        ids: Vec<String>,
    },
}

/// A gold document fetched but not yet parsed (parsing happens on worker threads).
#[derive(Debug)]
pub enum Fetched {
    /// To be read from the corpus by id.
    Corpus(String),
    /// A record line of the gold file.
    Line {
        /// 1-based line.
        line: usize,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

impl Gold {
    /// Opens `path`: a directory is a corpus (restricted to `split`), a file is JSON Lines.
    pub fn open(path: &Path, split: Option<&str>, manifest: Option<Manifest>) -> Result<Gold, Error> {
        if path.is_dir() {
            let corpus = Corpus::open(path)?;
            let ids = corpus.split_ids(split)?;
            return Ok(Gold::Corpus { corpus, ids });
        }
        let location = Location::file(path);
        if let Some(split) = split {
            let message = format!("--split {split} needs a corpus directory; a gold file has no splits");
            return Err(Error::problems(vec![Problem::new(location, ProblemKind::Syntax { message })]));
        }
        let io = |e| Error::problems(vec![Problem::new(location.clone(), ProblemKind::Io(e))]);
        let mut raw = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
        let mut index = HashMap::new();
        let mut problems = Vec::new();
        let (mut offset, mut line, mut buf) = (0u64, 0usize, Vec::new());
        loop {
            buf.clear();
            let n = raw.read_until(b'\n', &mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            line += 1;
            let start = offset;
            offset += n as u64;
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bom = line == 1 && buf.starts_with(b"\xEF\xBB\xBF");
            match serde_json::from_slice::<IdOnly>(&buf) {
                Ok(IdOnly { id }) if !bom => {
                    if let Some((_, _, first)) = index.insert(id.clone(), (start, n, line)) {
                        problems.push(Problem::new(
                            location.at_line(line).in_document(&id),
                            ProblemKind::DuplicateId { id, first_line: Some(first) },
                        ));
                    }
                }
                _ => {
                    // Let the full parser explain what is wrong with the line.
                    if let Err(p) = jsonl::parse_line(&buf, line, &location) {
                        problems.push(p);
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::problems(problems));
        }
        let mut ids: Vec<String> = index.keys().cloned().collect();
        ids.sort();
        Ok(Gold::File { path: path.to_owned(), manifest, index, ids })
    }

    /// Ids in scope, sorted.
    pub fn ids(&self) -> &[String] {
        match self {
            Gold::Corpus { ids, .. } | Gold::File { ids, .. } => ids,
        }
    }

    /// Whether `id` is a gold document at all (in scope or not).
    pub fn knows(&self, id: &str) -> bool {
        match self {
            Gold::Corpus { corpus, .. } => corpus.ids().binary_search_by(|x| x.as_str().cmp(id)).is_ok(),
            Gold::File { index, .. } => index.contains_key(id),
        }
    }

    /// The manifest gold and predictions are checked against.
    pub fn manifest(&self) -> Option<&Manifest> {
        match self {
            Gold::Corpus { corpus, .. } => Some(corpus.manifest()),
            Gold::File { manifest, .. } => manifest.as_ref(),
        }
    }

    /// A name for the gold: the corpus name, or the file stem.
    pub fn name(&self) -> String {
        match self {
            Gold::Corpus { corpus, .. } => corpus.manifest().name.clone(),
            Gold::File { path, .. } => path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        }
    }

    /// Opens the gold file for [`Gold::fetch`] (`None` for a corpus).
    pub fn open_file(&self) -> Result<Option<std::fs::File>, Error> {
        match self {
            Gold::Corpus { .. } => Ok(None),
            Gold::File { path, .. } => std::fs::File::open(path)
                .map(Some)
                .map_err(|e| Error::problems(vec![Problem::new(Location::file(path), ProblemKind::Io(e))])),
        }
    }

    /// Fetches the raw gold for `id` (cheap, sequential); `file` comes from [`Gold::open_file`].
    pub fn fetch(&self, id: &str, file: Option<&mut std::fs::File>) -> Result<Fetched, Problem> {
        let Gold::File { path, index, .. } = self else { return Ok(Fetched::Corpus(id.to_owned())) };
        let (start, len, line) = index.get(id).copied().unwrap_or((0, 0, 0));
        let io = |e| Problem::new(Location::file(path).at_line(line).in_document(id), ProblemKind::Io(e));
        let file = file.ok_or_else(|| io(std::io::Error::other("the gold file is not open")))?;
        let mut bytes = vec![0; len];
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        file.read_exact(&mut bytes).map_err(io)?;
        Ok(Fetched::Line { line, bytes })
    }

    /// Parses fetched gold into a checked document (on any thread).
    pub fn materialize(&self, fetched: Fetched) -> Result<AnnotatedDocument, Vec<Problem>> {
        match (self, fetched) {
            (Gold::Corpus { corpus, .. }, Fetched::Corpus(id)) => corpus.read(&id).map_err(into_problems),
            (Gold::File { path, manifest, .. }, Fetched::Line { line, bytes }) => {
                let location = Location::file(path);
                let record = jsonl::parse_line(&bytes, line, &location).map_err(|p| vec![p])?;
                record.resolve(manifest.as_ref(), &location)
            }
            _ => Err(vec![Problem::new(
                Location::file("(gold)"),
                ProblemKind::Syntax { message: "gold fetched from another source".into() },
            )]),
        }
    }
}

fn into_problems(e: goldspan_model::Error) -> Vec<Problem> {
    match e {
        goldspan_model::Error::Invalid(p) => p,
        other => vec![Problem::new(Location::file("(gold)"), ProblemKind::Syntax { message: other.to_string() })],
    }
}
