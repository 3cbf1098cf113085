//! What a command may write to. A conversion never writes over its input, nor over an existing
//! file or into a directory that is not empty unless forced: `goldspan convert` and the Python
//! API's `convert` both ask [`check_output`] before writing anything. The files a run, a score
//! or a merge write (results, saved predictions, a partial, a report) are checked by
//! [`check_files_to_write`] before any work: never an input, never one file named twice, and
//! a place that can be written to, so that hours of extraction do not end in an error.

use std::path::{Path, PathBuf};

use crate::Format;

/// Why an output was refused. Each message says what to do instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputRefused {
    /// The output is the input.
    #[error("the output {} is the input: goldspan never writes over what it reads; choose another output", .output.display())]
    IsInput {
        /// The output.
        output: PathBuf,
    },
    /// The output directory holds the input.
    #[error("the output directory {} holds the input {}: goldspan never writes over what it reads; choose another output", .output.display(), .input.display())]
    HoldsInput {
        /// The output directory.
        output: PathBuf,
        /// The input inside it.
        input: PathBuf,
    },
    /// A file where the format writes a directory.
    #[error("the output {} is a file; --to {format} writes a directory", .output.display())]
    NotDirectory {
        /// The output.
        output: PathBuf,
        /// The format to write.
        format: Format,
    },
    /// A directory where the format writes a file.
    #[error("the output {} is a directory; --to {format} writes a file", .output.display())]
    NotFile {
        /// The output.
        output: PathBuf,
        /// The format to write.
        format: Format,
    },
    /// A directory that is not empty, not forced.
    #[error(
        "the output directory {} is not empty; choose a new directory, or pass --force to write into it{}",
        .output.display(),
        if *.format == Format::Gold {
            " (into an existing corpus, --force adds the documents and keeps its goldspan.toml)"
        } else {
            " (files of the same names are replaced)"
        }
    )]
    NotEmpty {
        /// The output.
        output: PathBuf,
        /// The format to write.
        format: Format,
    },
    /// An existing file, not forced.
    #[error("the output {} already exists; choose another, or pass --force to replace it", .output.display())]
    Exists {
        /// The output.
        output: PathBuf,
    },
    /// One file named by two options.
    #[error("{first} and {second} both name {}: give each its own file", .output.display())]
    Twice {
        /// The file.
        output: PathBuf,
        /// The first option naming it.
        first: String,
        /// The second.
        second: String,
    },
    /// A directory where a file is written.
    #[error("the output {} is a directory: give a file's path", .output.display())]
    IsDirectory {
        /// The output.
        output: PathBuf,
    },
    /// A file where the output's directory would be.
    #[error("cannot write {}: {} is a file, not a directory", .output.display(), .file.display())]
    UnderFile {
        /// The output.
        output: PathBuf,
        /// The file in its path.
        file: PathBuf,
    },
    /// A directory where no file can be made.
    #[error("cannot write {}: no file can be made in {}; choose a directory you can write to", .output.display(), .dir.display())]
    Unwritable {
        /// The output.
        output: PathBuf,
        /// The directory (the nearest that exists, when the output's own is to be made).
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The output could not be looked at.
    #[error("cannot look at the output {}", .output.display())]
    Io {
        /// The output.
        output: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Refuses an output that would destroy something: the input itself, a directory holding the
/// input, an existing file or a directory that is not empty (unless `force`), or a file where
/// a directory goes and the other way round.
pub fn check_output(to: Format, input: &Path, output: &Path, force: bool) -> Result<(), OutputRefused> {
    let owned = || output.to_owned();
    if let (Ok(input), Ok(canonical)) = (input.canonicalize(), output.canonicalize()) {
        if input == canonical {
            return Err(OutputRefused::IsInput { output: owned() });
        }
        if to.is_directory() && input.starts_with(&canonical) {
            return Err(OutputRefused::HoldsInput { output: owned(), input });
        }
    }
    let metadata = match std::fs::metadata(output) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(OutputRefused::Io { output: owned(), source }),
    };
    if to.is_directory() {
        if !metadata.is_dir() {
            return Err(OutputRefused::NotDirectory { output: owned(), format: to });
        }
        let mut entries = std::fs::read_dir(output).map_err(|source| OutputRefused::Io { output: owned(), source })?;
        if !force && entries.next().is_some() {
            return Err(OutputRefused::NotEmpty { output: owned(), format: to });
        }
    } else if metadata.is_dir() {
        return Err(OutputRefused::NotFile { output: owned(), format: to });
    } else if !force {
        return Err(OutputRefused::Exists { output: owned() });
    }
    Ok(())
}

/// Refuses, before any work, the files a command is to write (each with the option naming it,
/// such as `--output`) when one is among `inputs` (the same file, however spelled), when two
/// options name one file, when one is a directory, or when its directory cannot be written to
/// (a file in its path; no file can be made there — tried with a temporary file, removed at
/// once). A directory still to be made is checked at the nearest one that exists. Inputs that
/// do not exist are left for their readers to report.
pub fn check_files_to_write(inputs: &[&Path], outputs: &[(&str, &Path)]) -> Result<(), OutputRefused> {
    let inputs: Vec<PathBuf> = inputs.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut seen: Vec<(&str, PathBuf)> = Vec::new();
    for &(option, output) in outputs {
        let owned = || output.to_owned();
        let dir = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // The nearest directory that exists, and the file it should be named by.
        let mut existing = dir;
        while std::fs::symlink_metadata(existing).is_err() {
            match existing.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(parent) => existing = parent,
                None => {
                    existing = Path::new(".");
                    break;
                }
            }
        }
        if !existing.is_dir() {
            return Err(OutputRefused::UnderFile { output: owned(), file: existing.to_owned() });
        }
        // The output as it will be named: canonical as far as it exists, the rest (directories
        // still to be made, which hold no links) put together by its names.
        let target = output.canonicalize().unwrap_or_else(|_| {
            let rest = output.strip_prefix(existing).unwrap_or(output);
            let mut target = existing.canonicalize().unwrap_or_else(|_| existing.to_owned());
            for part in rest.components() {
                match part {
                    std::path::Component::ParentDir => {
                        target.pop();
                    }
                    std::path::Component::Normal(name) => target.push(name),
                    _ => {}
                }
            }
            target
        });
        if inputs.contains(&target) {
            return Err(OutputRefused::IsInput { output: owned() });
        }
        if let Some((first, _)) = seen.iter().find(|(_, t)| *t == target) {
            return Err(OutputRefused::Twice {
                output: owned(),
                first: (*first).to_owned(),
                second: option.to_owned(),
            });
        }
        if output.is_dir() {
            return Err(OutputRefused::IsDirectory { output: owned() });
        }
        tempfile::Builder::new()
            .prefix(crate::TEMP_PREFIX)
            .tempfile_in(existing)
            .map_err(|source| OutputRefused::Unwritable { output: owned(), dir: existing.to_owned(), source })?;
        seen.push((option, target));
    }
    Ok(())
}
