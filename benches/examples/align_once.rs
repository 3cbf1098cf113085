//! One alignment of one layout, for instruction counts that do not depend on the machine's
//! load (BENCHMARKS.md):
//!
//! ```sh
//! cargo build --release -p goldspan-benches --example align_once
//! valgrind --tool=callgrind --toggle-collect='goldspan_score::align::*' \
//!     target/release/examples/align_once chained 100000 overlap:0.5
//! ```
//!
//! Arguments: the layout (disjoint, chained, dense), the number of gold spans, the mode.

use goldspan_benches::alignment::{align_once, layout};
use goldspan_model::Span;
use goldspan_score::align;
use goldspan_score::Mode;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, n, mode] = args.as_slice() else {
        eprintln!("usage: align_once disjoint|chained|dense N MODE");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number of spans");
    let mode: Mode = mode.parse().expect("a mode: strict, type, overlap:0.5, ...");
    let (gold, pred) = layout(name, n);
    let mut g: Vec<&Span> = gold.iter().collect();
    let mut p: Vec<&Span> = pred.iter().collect();
    g.sort_by(|a, b| align::canonical(a, b));
    p.sort_by(|a, b| align::canonical(a, b));
    let (paired, missed, spurious) = align_once(mode, &g, &p);
    println!("{name} {n} {mode}: {paired} paired, {missed} missed, {spurious} spurious");
}
