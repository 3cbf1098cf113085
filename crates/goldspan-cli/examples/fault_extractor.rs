//! A misbehaving extractor for tests of the `cmd:` protocol: it answers most documents
//! properly (every capitalised word as a PERSON), but crashes, hangs, prints garbage, answers
//! for the wrong document or gives bad offsets on the documents named in its arguments:
//! `fault_extractor [--crash ID] [--hang ID] [--garbage ID] [--wrong-id ID] [--bad-offsets ID] [--extra-line ID] [--tag T]`.

use std::io::{BufRead, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let named =
        |flag: &str| -> Vec<String> { args.windows(2).filter(|w| w[0] == flag).map(|w| w[1].clone()).collect() };
    let (crash, hang, garbage, wrong, bad) =
        (named("--crash"), named("--hang"), named("--garbage"), named("--wrong-id"), named("--bad-offsets"));
    let extra = named("--extra-line");
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let request: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("fault_extractor: bad request: {e}");
                std::process::exit(4);
            }
        };
        let id = request["id"].as_str().unwrap_or_default().to_owned();
        let text = request["text"].as_str().unwrap_or_default();
        if crash.contains(&id) {
            eprintln!("fault_extractor: crashing on {id} as asked");
            std::process::exit(3);
        }
        if hang.contains(&id) {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
        if garbage.contains(&id) {
            let _ = writeln!(out, "this is not json");
            let _ = out.flush();
            continue;
        }
        let mut spans = Vec::new();
        let mut start = None;
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if chars[s].is_uppercase() {
                        spans.push(serde_json::json!({"layer": "entities", "label": "PERSON", "start": s, "end": i}));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        if bad.contains(&id) {
            spans
                .push(serde_json::json!({"layer": "entities", "label": "PERSON", "start": 0, "end": chars.len() + 10}));
        }
        let answer_id = if wrong.contains(&id) { format!("{id}-other") } else { id };
        let _ = writeln!(out, "{}", serde_json::json!({"goldspan": 1, "id": answer_id, "spans": spans}));
        if extra.iter().any(|e| request["id"].as_str() == Some(e.as_str())) {
            let _ = writeln!(out, "a stray line nobody asked for");
        }
        let _ = out.flush();
    }
}
