//! Fingerprints the built-in extractors' sources and data (see `src/fingerprint.rs`) into
//! `GOLDSPAN_BUILTIN_FINGERPRINT`, and asks cargo to run again when any of them changes.

#[path = "src/fingerprint.rs"]
#[allow(dead_code)]
mod fingerprint;

fn main() {
    let crate_dir = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    // A directory makes cargo look at every file under it, new ones included.
    for (_, dir) in fingerprint::INPUTS {
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=src/fingerprint.rs");
    let hash = fingerprint::fingerprint(&crate_dir).expect("the built-in extractors' sources are readable");
    println!("cargo:rustc-env=GOLDSPAN_BUILTIN_FINGERPRINT={hash}");
}
