//! A run over gold and predictions out of id order indexes the two files: its peak grows by
//! the indexes, 61 bytes a document, and nothing else a document (see `memory.rs`).

mod memory_common;

use cap::Cap;

/// Counts what this test process allocates (a test binary of its own, so nothing else runs
/// in it).
#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, usize::MAX);

#[test]
fn a_run_over_four_times_the_documents_out_of_order_peaks_at_under_160_bytes_more_a_document() {
    let grown = memory_common::growth_a_document(&ALLOCATOR, (512, 2048), true);
    // The indexes are 61 bytes a document; what is in flight while they are built adds up to
    // 50 more, with timing.
    assert!(grown < 160, "out of order, the peak grew {grown} bytes a document");
}
