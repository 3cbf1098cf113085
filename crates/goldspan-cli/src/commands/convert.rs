//! `goldspan convert`: any supported format to any other, saying what the target cannot hold.

use anyhow::Context;
use goldspan_formats::{gold, Format, ReadOptions, WriteOptions};

use super::print;
use crate::args::{ConvertArgs, ReadArgs};
use crate::Outcome;

pub fn run(args: &ConvertArgs) -> anyhow::Result<Outcome> {
    let (from, to) = (args.from, args.to);
    if args.read.recursive && from != Format::Brat {
        anyhow::bail!("--recursive reads brat collections in sub-folders; it does not apply to --from {from}");
    }
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
    let write = WriteOptions { layer: args.read.layer.clone(), scheme: args.to_scheme.unwrap_or(args.read.scheme) };
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
    Ok(ReadOptions {
        manifest,
        layer: args.layer.clone(),
        offset_unit: args.offset_unit,
        scheme: args.scheme,
        annotation: args.annotation,
        annotator: args.annotator.clone(),
        relation_label: args.relation_label.clone(),
        recursive: args.recursive,
        token_column: args.token_column,
        tag_column: args.tag_column,
        conll_dialect: args.conll_dialect,
        misc_key: args.misc_key.clone(),
        labels: args.labels.clone(),
        answers: args.answers,
    })
}
