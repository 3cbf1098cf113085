//! A run's memory does not grow with its corpus: what it holds at its peak is a few chunks of
//! documents, not something per document. Counted, not timed: the process's allocator counts
//! every byte allocated and the peak of what is live, and a run over several times the documents
//! (in the same chunks) may peak only a little higher, where holding anything of each document
//! (its text, its spans, its names) costs kilobytes a document.
//!
//! Gold and predictions whose ids ascend line by line (as goldspan writes them) are read from
//! start to end, with no index: the peak grows by nothing a document, only by what is in flight
//! at the moment of the peak (blocks read ahead, a chunk's records), which varies with timing
//! (0 to 20 bytes a document over 1,536 more documents). Files out of order are indexed
//! (`memory_indexed.rs`), and the peak grows by the two indexes, 61 bytes a document (the gold
//! file's: 13 bytes of id, an 8-byte end, a 16-byte place; the predictions': 24 bytes); it
//! measures 65 to 111: the two files are indexed at once, and what is in flight then (the two
//! decompressors' windows, pieces of the predictions waiting for their content hash, the gold's
//! index sorted as a copy) is a little more in a larger corpus, up to a fixed size of a few
//! megabytes that a million documents do not notice.
//!
//! Regression: with a gold file and `--layer` (or a label map, or `--slice`), a run checked
//! the names before extracting by reading every gold document and keeping each one's list of
//! span names until the end of that pass: 3.4 KB a document, 3.6 GB of memory at a million.
//! (Now the names are looked for only until found, and the full lists an error needs are
//! folded per thread.)
//!
//! Regression: the `file:` extractor indexed its records in a map of owned ids, about 170
//! bytes a document (the run grew 280 bytes a document); now 24 bytes each, sorted by a hash
//! of the id.
//!
//! Regression: the gold file's index held each id as a `String` and a 24-byte place, and the
//! `file:` index was sorted with a scratch copy of itself: the peak grew 109 bytes a document.

mod memory_common;

use cap::Cap;

/// Counts what this test process allocates (a test binary of its own, so nothing else runs
/// in it).
#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

#[test]
fn a_run_over_twelve_times_the_documents_in_id_order_peaks_no_higher() {
    // What is in flight (blocks read ahead, chunks being extracted and scored) varies a little
    // with timing, by up to about 70 kilobytes; over 5,632 more documents that is under 32
    // bytes a document, where an index would be 61.
    let grown = memory_common::growth_a_document(&ALLOCATOR, (512, 6144), false);
    assert!(grown < 32, "in id order, the peak grew {grown} bytes a document");
}
