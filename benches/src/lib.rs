//! Inputs for goldspan's benchmarks, generated deterministically (see README.md).

use std::path::PathBuf;

pub mod alignment;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One long news text of at most `bytes` bytes: the texts of `corpus/news` in id order, each
/// followed by a blank line, over and over, cut after the last whole line that fits.
pub fn long_news_text(bytes: usize) -> String {
    let docs = repo().join("corpus/news/docs");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&docs)
        .expect("corpus/news/docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    let mut texts = String::new();
    for path in names {
        texts.push_str(&std::fs::read_to_string(&path).expect("a corpus text"));
        texts.push_str("\n\n");
    }
    let mut out = String::with_capacity(bytes + texts.len());
    while out.len() < bytes {
        out.push_str(&texts);
    }
    // A line break is one byte, so the byte after it starts a character.
    let cut = out.as_bytes()[..bytes].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    out.truncate(cut);
    out
}
