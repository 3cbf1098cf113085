//! The project root, found as cargo and git find theirs: walking up from the current directory
//! to the first directory that holds `evals/` or a project `goldspan.toml`. What goldspan
//! finds by default lives under it — the eval definitions (`evals/`), the cache of extractor
//! outputs (`.goldspan-cache/`) and the news corpus (`corpus/news`) — so a command run from a
//! subdirectory works as from the root. Paths given on the command line stay relative to the
//! current directory, as everywhere.
//!
//! A corpus's manifest is also named `goldspan.toml`; it declares layers, and does not mark a
//! project. A project `goldspan.toml` is any other (an empty file will do).

use std::path::{Path, PathBuf};

/// What marks a project root.
const LOOKED_FOR: &str = "a directory holding `evals/` or a project `goldspan.toml`";

/// A project: its root, as a path from the current directory (`""`, `..`, `../..`, ...), so
/// the paths made from it read as the user would type them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    root: PathBuf,
}

/// Why no project was found: where the walk started.
#[derive(Debug)]
pub struct NotInProject {
    start: PathBuf,
    hint: &'static str,
}

impl std::fmt::Display for NotInProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not inside a goldspan project: looked for {LOOKED_FOR} in {} and every directory above it; run \
             goldspan from inside the project (a clone of goldspan, or a directory with an `evals/` \
             folder or an empty `goldspan.toml`), or {}",
            self.start.display(),
            self.hint
        )
    }
}

impl std::error::Error for NotInProject {}

impl Project {
    /// The project the current directory is in. `hint` says how to do without one (`give
    /// --evals DIR`), for the error.
    pub fn find(hint: &'static str) -> Result<Project, NotInProject> {
        let start = std::env::current_dir().unwrap_or_default();
        Project::find_from(&start).ok_or(NotInProject { start, hint })
    }

    /// The project `start` (an absolute directory) is in.
    fn find_from(start: &Path) -> Option<Project> {
        let mut root = PathBuf::new();
        for dir in start.ancestors() {
            if dir.join("evals").is_dir() || is_project_file(&dir.join("goldspan.toml")) {
                return Some(Project { root });
            }
            root.push("..");
        }
        None
    }

    /// `relative` under the root.
    pub fn join(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The eval definitions: `evals/`.
    pub fn evals(&self) -> PathBuf {
        self.join("evals")
    }

    /// The cache of extractor outputs: `.goldspan-cache/`.
    pub fn cache(&self) -> PathBuf {
        self.join(".goldspan-cache")
    }

    /// The news corpus: `corpus/news`.
    pub fn corpus(&self) -> PathBuf {
        self.join("corpus/news")
    }
}

/// Whether `path` is a project `goldspan.toml`: a file that is not a corpus manifest (which
/// declares layers).
fn is_project_file(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    // A file that does not parse is not a corpus's manifest either: it marks the project, and
    // whatever reads it says what is wrong with it.
    text.parse::<toml::Table>().map_or(true, |table| !table.contains_key("layers"))
}

/// The cache of the evals in `evals_dir`: `.goldspan-cache` beside it, so under the project root.
pub fn cache_beside(evals_dir: &Path) -> PathBuf {
    evals_dir.parent().map_or_else(|| PathBuf::from(".goldspan-cache"), |root| root.join(".goldspan-cache"))
}

/// The corpus to use: the one given, or the project's news corpus.
pub fn corpus_or_default(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    match given {
        Some(path) => Ok(path.to_owned()),
        None => Ok(Project::find("give the corpus directory")?.corpus()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_nearest_directory_with_evals_or_a_project_file_not_a_corpus() {
        let dir = tempfile::tempdir().expect("temp dir");
        let top = dir.path().canonicalize().expect("canonical");
        let repo = top.join("repo");
        let corpus_docs = repo.join("corpus/news/docs");
        std::fs::create_dir_all(&corpus_docs).expect("mkdir");
        std::fs::create_dir_all(repo.join("evals")).expect("mkdir");
        std::fs::write(
            repo.join("corpus/news/goldspan.toml"),
            "format = 1\nname = \"news\"\n[[layers]]\nname = \"x\"\n",
        )
        .expect("write");
        let found = |start: &Path| Project::find_from(start).map(|p| p.root);
        assert_eq!(found(&repo), Some(PathBuf::new()));
        // The corpus's manifest is passed over: the root is three levels up.
        assert_eq!(found(&corpus_docs), Some(PathBuf::from("../../..")));
        assert_eq!(Project::find_from(&corpus_docs).map(|p| p.evals()), Some(PathBuf::from("../../../evals")));
        // A project file marks a root without evals.
        let other = top.join("other/sub");
        std::fs::create_dir_all(&other).expect("mkdir");
        assert_eq!(found(&other), None);
        std::fs::write(top.join("other/goldspan.toml"), "").expect("write");
        assert_eq!(found(&other), Some(PathBuf::from("..")));
    }
}
