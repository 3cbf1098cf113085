//! What a conversion may write to: never over its input, nor over an existing file or into a
//! directory that is not empty unless forced. `goldspan convert` and the Python API's
//! `convert` both ask here before writing anything.

use std::path::{Path, PathBuf};

use crate::Format;

/// Why an output was refused. Each message says what to do instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputRefused {
    /// The output is the input.
    #[error("the output {} is the input: convert never writes over what it reads; choose another output", .output.display())]
    IsInput {
        /// The output.
        output: PathBuf,
    },
    /// The output directory holds the input.
    #[error("the output directory {} holds the input {}: convert never writes over what it reads; choose another output", .output.display(), .input.display())]
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
