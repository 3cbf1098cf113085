//! Spec strings to extractors: `quotes-rules`, `entities-rules`, `structure-rules`,
//! `cmd:<program and arguments>`, `file:<predictions.jsonl>`, `file:FORMAT:<path>` (another
//! tool's file, e.g. `file:spacy:preds.jsonl`), and any name a Rust user registers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use goldspan_formats::{Format, ReadOptions};
use goldspan_model::Manifest;

use crate::builtin::{EntitiesRules, Limited, QuotesRules, StructureRules};
use crate::command::CommandExtractor;
use crate::file::FileExtractor;
use crate::Extractor;

/// Why a spec did not resolve.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// No extractor has this name.
    #[error("unknown extractor {spec:?}; known: {}, cmd:<program and arguments>, file:<predictions.jsonl>, file:FORMAT:<path>", known.join(", "))]
    Unknown {
        /// The spec.
        spec: String,
        /// Registered names.
        known: Vec<String>,
    },
    /// `cmd:` without a program, or with unbalanced quotes.
    #[error("bad command in {spec:?}: {reason}")]
    BadCommand {
        /// The spec.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// A `cmd:` program did not start, or failed its first exchange (the hello).
    #[error("{spec}: {error}")]
    Start {
        /// The spec.
        spec: String,
        /// What went wrong, with its hint.
        error: crate::ExtractError,
    },
    /// `file:` predictions could not be read.
    #[error("cannot use predictions {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: goldspan_model::Error,
    },
}

/// How external extractors run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Worker processes for `cmd:` extractors.
    pub jobs: usize,
    /// Time one document may take, for every extractor: a `cmd:` worker is killed, a built-in
    /// gives up as it checks the time between steps of its work.
    pub timeout: Duration,
    /// The manifest predictions are checked against (labels, layers, relations), and whose
    /// names (`[attribution]`) `quotes-rules` writes.
    pub manifest: Option<Manifest>,
    /// The directory relative paths in a spec are resolved from (an eval's root), and the
    /// working directory of `cmd:` workers; `None` is the current directory.
    pub dir: Option<PathBuf>,
    /// The longest stdout line a `cmd:` worker may write, in bytes.
    pub max_line_bytes: usize,
}

/// The default longest stdout line of a `cmd:` worker: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            jobs: 2,
            timeout: Duration::from_secs(30),
            manifest: None,
            dir: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

/// Builds an extractor from the part of the spec after its name.
pub type Builder = Box<dyn Fn(&Settings) -> Box<dyn Extractor> + Send + Sync>;

/// Named extractors, plus the `cmd:` and `file:` prefixes.
pub struct Registry {
    named: BTreeMap<String, Builder>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("named", &self.named.keys().collect::<Vec<_>>()).finish()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::with_builtins()
    }
}

impl Registry {
    /// A registry with no named extractors (`cmd:` and `file:` always work).
    pub fn empty() -> Registry {
        Registry { named: BTreeMap::new() }
    }

    /// The built-in baselines: `quotes-rules`, `entities-rules`, `structure-rules`, each held to
    /// `Settings::timeout` per document.
    pub fn with_builtins() -> Registry {
        let mut r = Registry::empty();
        r.register(
            "quotes-rules",
            Box::new(|s| Box::new(Limited::new(QuotesRules::for_manifest(s.manifest.as_ref()), s.timeout))),
        );
        r.register("entities-rules", Box::new(|s| Box::new(Limited::new(EntitiesRules, s.timeout))));
        r.register("structure-rules", Box::new(|s| Box::new(Limited::new(StructureRules, s.timeout))));
        r
    }

    /// Registers (or replaces) a named extractor.
    pub fn register(&mut self, name: &str, builder: Builder) {
        self.named.insert(name.to_owned(), builder);
    }

    /// Registered names.
    pub fn names(&self) -> Vec<String> {
        self.named.keys().cloned().collect()
    }

    /// Resolves a spec string.
    pub fn resolve(&self, spec: &str, settings: &Settings) -> Result<Box<dyn Extractor>, SpecError> {
        if let Some(command) = spec.strip_prefix("cmd:") {
            let argv =
                split_command(command).map_err(|reason| SpecError::BadCommand { spec: spec.to_owned(), reason })?;
            let extractor = CommandExtractor::start(argv, settings.clone())
                .map_err(|error| SpecError::Start { spec: spec.to_owned(), error })?;
            return Ok(Box::new(extractor));
        }
        if let Some(rest) = spec.strip_prefix("file:") {
            let extractor = open_file(rest, settings.dir.as_deref())?.with_manifest(settings.manifest.clone());
            return Ok(Box::new(extractor));
        }
        match self.named.get(spec) {
            Some(build) => Ok(build(settings)),
            None => Err(SpecError::Unknown { spec: spec.to_owned(), known: self.names() }),
        }
    }

    /// Does ahead what building the extractor of `spec` needs no other [`Settings`] for (paths
    /// in the spec are resolved from `dir`, as [`Settings::dir`]): a `file:` extractor's
    /// predictions are read and indexed — on a thread of its own while the gold is, say.
    /// Nothing else is started: a `cmd:` program starts in [`Registry::resolve_prepared`].
    pub fn prepare(&self, spec: &str, dir: Option<&Path>) -> Prepared {
        Prepared { spec: spec.to_owned(), file: spec.strip_prefix("file:").map(|rest| open_file(rest, dir)) }
    }

    /// Builds the extractor [`Registry::prepare`] began, as [`Registry::resolve`] builds it
    /// from its spec; a `file:` extractor's problems with its predictions are reported here.
    pub fn resolve_prepared(&self, prepared: Prepared, settings: &Settings) -> Result<Box<dyn Extractor>, SpecError> {
        match prepared.file {
            Some(file) => Ok(Box::new(file?.with_manifest(settings.manifest.clone()))),
            None => self.resolve(&prepared.spec, settings),
        }
    }
}

/// An extractor spec with what needs no [`Settings`] done: see [`Registry::prepare`].
#[derive(Debug)]
pub struct Prepared {
    spec: String,
    /// A `file:` extractor, opened (or why it could not be).
    file: Option<Result<FileExtractor, SpecError>>,
}

/// Opens the predictions of a `file:` spec (`rest` is what follows `file:`), a relative path
/// resolved from `dir`, without a manifest yet.
fn open_file(rest: &str, dir: Option<&Path>) -> Result<FileExtractor, SpecError> {
    let (format, path) = file_of(rest, dir);
    FileExtractor::open_format(&path, format, &ReadOptions::default(), None)
        .map_err(|source| SpecError::File { path: path.clone(), source })
}

/// The format and path of a `file:` extractor's `rest` (what follows `file:`), relative paths
/// taken from `dir` (an eval's directory) when given. `file:FORMAT:PATH` names another tool's
/// format; otherwise the file is interchange JSON Lines (write `file:./x` for a path that
/// starts with a format name and ':').
fn file_of(rest: &str, dir: Option<&Path>) -> (Format, PathBuf) {
    let (format, path) = match rest.split_once(':').and_then(|(f, p)| Some((Format::parse(f)?, p))) {
        Some((format, path)) => (format, path),
        None => (Format::Jsonl, rest),
    };
    let path = match dir {
        Some(dir) => dir.join(path),
        None => PathBuf::from(path),
    };
    (format, path)
}

/// The file a `file:` extractor spec reads, as the extractor opens it (relative to `dir`, an
/// eval's directory, when given); `None` for any other spec.
pub fn file_spec_path(spec: &str, dir: Option<&Path>) -> Option<PathBuf> {
    spec.strip_prefix("file:").map(|rest| file_of(rest, dir).1)
}

/// Splits a command line into arguments: whitespace separates, single and double quotes group,
/// a backslash escapes the next character outside single quotes.
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut in_arg = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => current.push(c),
            (_, '\\') => match chars.next() {
                Some(next) => {
                    current.push(next);
                    in_arg = true;
                }
                None => return Err("a trailing backslash".into()),
            },
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_arg = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_arg {
                    args.push(std::mem::take(&mut current));
                    in_arg = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_arg = true;
            }
        }
    }
    if quote.is_some() {
        return Err("an unclosed quote".into());
    }
    if in_arg {
        args.push(current);
    }
    if args.is_empty() {
        return Err("no program".into());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_split_like_a_shell() {
        assert_eq!(
            split_command("python my_ner.py --model 'en core' \"a b\" x\\ y").expect("splits"),
            ["python", "my_ner.py", "--model", "en core", "a b", "x y"]
        );
        assert!(split_command("  ").is_err());
        assert!(split_command("a 'b").is_err());
    }

    #[test]
    fn a_rust_user_registers_an_extractor() {
        #[derive(Debug)]
        struct Nothing;
        impl Extractor for Nothing {
            fn info(&self) -> crate::ExtractorInfo {
                crate::ExtractorInfo { name: "nothing".into(), version: "7".into(), config_hash: String::new() }
            }
            fn extract(
                &self,
                _: &goldspan_model::Document,
            ) -> Result<goldspan_model::Annotations, crate::ExtractError> {
                Ok(goldspan_model::Annotations::default())
            }
        }
        let mut registry = Registry::with_builtins();
        registry.register("nothing", Box::new(|_| Box::new(Nothing)));
        let extractor = registry.resolve("nothing", &Settings::default()).expect("registered");
        assert_eq!(extractor.info().version, "7");
        assert!(registry.names().contains(&"quotes-rules".to_owned()));
    }

    #[test]
    fn unknown_specs_list_what_exists() {
        let err = Registry::with_builtins().resolve("quotes", &Settings::default()).err().expect("unknown");
        assert!(err.to_string().contains("quotes-rules"), "{err}");
    }
}
