//! Runs any extractor spec over a corpus and saves its predictions as JSON Lines, for
//! `goldspan score` or `file:` replay. Usage:
//! `cargo run --release -p goldspan-extract --example predict -- SPEC CORPUS SPLIT OUT.jsonl`
//! with SPEC e.g. `entities-rules` or `cmd:python my.py`; SPLIT may be `all`.

use goldspan_extract::{Registry, Settings};
use goldspan_formats::{gold::Corpus, jsonl};
use goldspan_model::AnnotatedDocument;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, corpus, split, out] = &args[..] else {
        return Err("usage: predict SPEC CORPUS SPLIT OUT.jsonl".into());
    };
    let corpus = Corpus::open(corpus)?;
    let settings = Settings { manifest: Some(corpus.manifest().clone()), ..Settings::default() };
    let extractor = Registry::with_builtins().resolve(spec, &settings)?;
    let ids = corpus.split_ids(if split == "all" { None } else { Some(split.as_str()) })?;
    let mut docs = Vec::new();
    for id in ids {
        let gold = corpus.read(&id)?;
        let annotations = extractor.extract(&gold.document)?;
        docs.push(AnnotatedDocument { document: gold.document, annotations });
    }
    jsonl::write_documents(std::path::Path::new(out), &docs, false)?;
    eprintln!("wrote {} documents to {out}", docs.len());
    Ok(())
}
