//! `goldspan convert`: any supported format to any other, saying what the target cannot hold.
//!
//! Nothing is destroyed by accident: an existing output file or a directory that is not empty
//! is refused without `--force`, the output is never the input (nor a directory holding it),
//! and symbolic links inside an input directory are not followed without `--follow-symlinks`.

use anyhow::Context;
use goldspan_formats::{gold, ReadOptions, WriteOptions};

use super::print;
use crate::args::{ConvertArgs, ReadArgs};
use crate::Outcome;

pub fn run(args: &ConvertArgs) -> anyhow::Result<Outcome> {
    let (from, to) = (args.from, args.to);
    args.read.tool.check_for(from)?;
    goldspan_formats::check_output(to, &args.input, &args.output, args.force)?;
    let options = read_options(&args.read)?;
    let collection =
        from.read(&args.input, &options).with_context(|| format!("cannot read {} as {from}", args.input.display()))?;
    // Nothing read is never a successful conversion: an empty file, or the wrong --from.
    anyhow::ensure!(
        !collection.documents.is_empty(),
        "{} holds no documents read as {from}; check that it is the file you meant and that --from {from} is its format{}",
        args.input.display(),
        collection.notes.iter().map(|n| format!("\n  note (reading): {n}")).collect::<String>()
    );
    let write = WriteOptions {
        layer: args.read.layer.clone(),
        scheme: args.to_scheme.unwrap_or(args.read.tool.scheme),
        into_existing_corpus: args.force,
    };
    let mut notes = to
        .write(&args.output, &collection, &write)
        .with_context(|| format!("cannot write {} as {to}", args.output.display()))?;
    notes.sort();
    let mut text = format!(
        "converted {} document(s) from {from} to {to}: {}\n",
        collection.documents.len(),
        args.output.display()
    );
    for note in collection.notes.iter().map(|n| format!("  note (reading): {n}\n")) {
        text.push_str(&note);
    }
    for note in notes {
        text.push_str(&format!("  note: {note}\n"));
    }
    print(&text)?;
    Ok(Outcome::Ok)
}

/// The reader options the arguments ask for.
pub fn read_options(args: &ReadArgs) -> anyhow::Result<ReadOptions> {
    let manifest = match &args.manifest {
        Some(p) => Some(gold::read_manifest(p).with_context(|| format!("cannot read manifest {}", p.display()))?),
        None => None,
    };
    Ok(args.tool.read_options(manifest, args.layer.clone()))
}
