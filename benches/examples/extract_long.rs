//! Runs one built-in extractor once over one long news text and prints how long it took: the
//! input of the `extract_long` criterion bench (`goldspan_benches::long_news_text`), for
//! `tools/bench/extractor-sizes.sh`, which runs it under `perf stat` and `/usr/bin/time`. A
//! criterion sample of 50 MB takes seconds and criterion wants at least ten of them; one run
//! counted in instructions says as much about the cost per megabyte, whatever the load.
//!
//! Usage: `extract_long EXTRACTOR MEGABYTES [news|one-line]`. `one-line` is the same text with
//! every line break replaced by a space (one paragraph); `none` as the extractor only builds
//! the text, to subtract. Prints one line: extractor, megabytes, shape, bytes, seconds, spans.

use std::time::{Duration, Instant};

use goldspan_extract::{Registry, Settings};
use goldspan_model::{Document, Meta};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [extractor, megabytes, rest @ ..] = args.as_slice() else {
        return Err("usage: extract_long EXTRACTOR MEGABYTES [news|one-line]".into());
    };
    let shape = rest.first().map_or("news", String::as_str);
    let megabytes: usize = megabytes.parse().map_err(|e| format!("MEGABYTES {megabytes:?}: {e}"))?;
    let mut text = goldspan_benches::long_news_text(megabytes * 1_000_000);
    match shape {
        "news" => {}
        "one-line" => text = text.replace(['\r', '\n'], " "),
        other => return Err(format!("unknown shape {other:?}: news or one-line").into()),
    }
    let doc = Document::new("long", text, Meta::new());
    let (seconds, spans) = if extractor == "none" {
        (0.0, 0)
    } else {
        // No time limit: this measures the work, not the default --timeout.
        let settings = Settings { timeout: Duration::MAX, ..Settings::default() };
        let rules = Registry::with_builtins().resolve(extractor, &settings)?;
        let started = Instant::now();
        let annotations = rules.extract(&doc)?;
        (started.elapsed().as_secs_f64(), annotations.spans.len())
    };
    println!("{extractor} {megabytes} {shape} {} {seconds:.3} {spans}", doc.text().len());
    Ok(())
}
