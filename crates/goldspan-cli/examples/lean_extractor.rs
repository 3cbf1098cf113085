//! The trivial extractor of the protocol benchmark (`tools/bench/cache.sh`): every
//! capitalised word a PERSON, the same answers as `fault_extractor` without flags, written so
//! that its own work is small next to what the `cmd:` protocol costs goldspan.
//!
//! `fault_extractor` builds a `serde_json::Value` for each request and for each span and
//! spends about 70 µs of CPU a document doing so; measured through it, "protocol overhead"
//! was mostly that program. This one reads each request into a struct that borrows the text,
//! finds the words in one pass over it and writes the answer straight into a reused buffer.
//! A protocol 1 program: the hello gets an ordinary, empty answer.

use std::borrow::Cow;
use std::io::{BufRead, Write};

#[derive(serde::Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Cow<'a, str>,
}

fn main() {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    let mut line = String::new();
    let mut answer = Vec::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                eprintln!("lean_extractor: cannot read a request: {e}");
                std::process::exit(4);
            }
        }
        let request: Request = match serde_json::from_str(line.trim_end()) {
            Ok(request) => request,
            Err(e) => {
                eprintln!("lean_extractor: bad request: {e}");
                std::process::exit(4);
            }
        };
        answer.clear();
        answer.extend_from_slice(b"{\"goldspan\":1,\"id\":");
        serde_json::to_writer(&mut answer, &request.id).expect("writing to a Vec cannot fail");
        answer.extend_from_slice(b",\"spans\":[");
        let mut first = true;
        let mut word: Option<(usize, bool)> = None;
        for (at, c) in request.text.chars().chain(std::iter::once(' ')).enumerate() {
            match (c.is_alphanumeric(), word) {
                (true, None) => word = Some((at, c.is_uppercase())),
                (false, Some((start, capitalised))) => {
                    if capitalised {
                        if !first {
                            answer.push(b',');
                        }
                        first = false;
                        write!(
                            answer,
                            "{{\"layer\":\"entities\",\"label\":\"PERSON\",\"start\":{start},\"end\":{at}}}"
                        )
                        .expect("writing to a Vec cannot fail");
                    }
                    word = None;
                }
                _ => {}
            }
        }
        answer.extend_from_slice(b"]}\n");
        if out.write_all(&answer).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}
