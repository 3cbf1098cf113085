//! A misbehaving extractor for tests of the `cmd:` protocol: it answers most documents
//! properly (every capitalised word as a PERSON), and misbehaves as its arguments say.
//!
//! Per document (repeat a flag for several documents):
//! `--crash ID` exits 3; `--hang ID` sleeps for an hour; `--spin ID` burns CPU forever without
//! reading; `--garbage ID` answers `this is not json`; `--wrong-id ID` answers for `ID-other`;
//! `--bad-offsets ID` adds a span past the end of the text; `--extra-line ID` writes a stray
//! line after its answer; `--answer-twice ID` writes its answer twice; `--error ID` answers
//! with an error answer (`{"id": ID, "error": ...}`) and goes on; `--invalid-utf8 ID`
//! answers with bytes that are not UTF-8; `--zeros ID` writes zero bytes without end and no
//! newline.
//!
//! Whole program: `--banner TEXT` prints TEXT on stdout at start; `--crash-all` exits on every document; `--spin-all` burns CPU on every
//! document; `--exit-after N` exits by itself after answering N documents; `--stderr-flood`
//! writes to stderr without end from a thread; `--grandchild` starts `sleep 1000` (a process
//! of its own, in the worker's process group); `--pgid-file PATH` appends its process group id
//! to PATH at start; `--hello NAME:VERSION` answers the hello request as a protocol 2 program;
//! `--tag T` changes nothing but the command line; `--sleep-ms N` sleeps N ms before each answer;
//! `--import DIR` reads `DIR/labels.txt` at start, as a script imports a module from a
//! directory (goldspan sees only the directory's name), and labels spans with its first line
//! instead of PERSON; `--as-text` answers every span as its text alone, without offsets (as a
//! language model would).

use std::io::{BufRead, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let named =
        |flag: &str| -> Vec<String> { args.windows(2).filter(|w| w[0] == flag).map(|w| w[1].clone()).collect() };
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let (crash, hang, garbage, wrong, bad) =
        (named("--crash"), named("--hang"), named("--garbage"), named("--wrong-id"), named("--bad-offsets"));
    let (extra, twice, invalid, zeros, spin) =
        (named("--extra-line"), named("--answer-twice"), named("--invalid-utf8"), named("--zeros"), named("--spin"));
    let errors = named("--error");
    let exit_after: Option<usize> = named("--exit-after").first().and_then(|n| n.parse().ok());
    let hello = named("--hello").first().cloned();
    let sleep = named("--sleep-ms").first().and_then(|n| n.parse().ok()).map(std::time::Duration::from_millis);
    let label = match named("--import").first() {
        Some(dir) => {
            let text = std::fs::read_to_string(std::path::Path::new(dir).join("labels.txt")).expect("labels.txt");
            text.lines().next().unwrap_or("PERSON").to_owned()
        }
        None => "PERSON".to_owned(),
    };
    if let Some(banner) = named("--banner").first() {
        println!("{banner}");
    }
    if let Some(path) = named("--pgid-file").first() {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // pid (comm) state ppid pgrp ...: the group is the third field after the name.
        let pgrp = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(2)).unwrap_or("?");
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("pgid file");
        let _ = writeln!(file, "{pgrp}");
    }
    if has("--grandchild") {
        let _ = std::process::Command::new("sleep").arg("1000").spawn();
    }
    if has("--stderr-flood") {
        std::thread::spawn(|| {
            let line = "flood ".repeat(100) + "\n";
            let mut err = std::io::stderr().lock();
            while err.write_all(line.as_bytes()).is_ok() {}
        });
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut answered = 0;
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
        if request.get("hello").is_some() {
            if let Some((name, version)) = hello.as_deref().and_then(|h| h.split_once(':')) {
                let answer = serde_json::json!({"goldspan": 2, "id": id, "hello": {"name": name, "version": version, "config": {"args": args}}});
                let _ = writeln!(out, "{answer}");
                let _ = out.flush();
                continue;
            }
        } else {
            if crash.contains(&id) || has("--crash-all") {
                eprintln!("fault_extractor: crashing on {id} as asked");
                std::process::exit(3);
            }
            if hang.contains(&id) {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
            if spin.contains(&id) || has("--spin-all") {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            if garbage.contains(&id) {
                let _ = writeln!(out, "this is not json");
                let _ = out.flush();
                continue;
            }
            if errors.contains(&id) {
                let answer = serde_json::json!({"goldspan": 1, "id": id, "error": "no model for this document"});
                let _ = writeln!(out, "{answer}");
                let _ = out.flush();
                continue;
            }
            if invalid.contains(&id) {
                let _ = out.write_all(b"{\"id\": \"\xff\xfe\"}\n");
                let _ = out.flush();
                continue;
            }
            if zeros.contains(&id) {
                let block = vec![0u8; 1 << 16];
                while out.write_all(&block).is_ok() {}
                return;
            }
        }
        let mut spans = Vec::new();
        let mut start = None;
        let chars: Vec<char> = text.chars().collect();
        for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if chars[s].is_uppercase() && has("--as-text") {
                        let word: String = chars[s..i].iter().collect();
                        spans.push(serde_json::json!({"layer": "entities", "label": label, "text": word}));
                    } else if chars[s].is_uppercase() {
                        spans.push(serde_json::json!({"layer": "entities", "label": label, "start": s, "end": i}));
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
        if let Some(sleep) = sleep.filter(|_| request.get("hello").is_none()) {
            std::thread::sleep(sleep);
        }
        let answer_id = if wrong.contains(&id) { format!("{id}-other") } else { id.clone() };
        let answer = serde_json::json!({"goldspan": 1, "id": answer_id, "spans": spans});
        let _ = writeln!(out, "{answer}");
        if twice.contains(&id) {
            let _ = writeln!(out, "{answer}");
        }
        if extra.contains(&id) {
            let _ = writeln!(out, "a stray line nobody asked for");
        }
        let _ = out.flush();
        if request.get("hello").is_none() {
            answered += 1;
            if exit_after == Some(answered) {
                return;
            }
        }
    }
}
