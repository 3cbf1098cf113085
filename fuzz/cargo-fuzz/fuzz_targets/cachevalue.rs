//! cargo-fuzz target: `goldspan_fuzz::cachevalue` (see fuzz/README.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| goldspan_fuzz::cachevalue(data));
