//! SIGINT, SIGTERM and SIGHUP while extractors run: kill every worker process group, let the
//! run wind down (documents in flight fail, finished ones are already cached, atomically),
//! and exit with 128 + the signal.
//!
//! Workers run in their own process groups, so a terminal's Ctrl-C reaches only goldspan:
//! this handler is what stops them. A second signal, or a run that has not wound down after
//! [`GRACE`], exits at once.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

/// How long the run may take to wind down after a signal.
const GRACE: Duration = Duration::from_secs(3);

static RECEIVED: AtomicU8 = AtomicU8::new(0);

/// A signal's name, for the message that says goldspan stopped.
pub fn name(signal: u8) -> &'static str {
    match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// The signal that stopped goldspan, if one did.
pub fn received() -> Option<u8> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n => Some(n),
    }
}

/// Handles SIGINT, SIGTERM and SIGHUP on a thread of their own, for commands that start
/// extractor processes. Commands that start none keep the default (die at once).
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let code = u8::try_from(signal).unwrap_or(0);
            if RECEIVED.swap(code, Ordering::SeqCst) != 0 {
                std::process::exit(128 + i32::from(code));
            }
            goldspan_extract::stop_workers();
            std::thread::spawn(move || {
                std::thread::sleep(GRACE);
                std::process::exit(128 + i32::from(code));
            });
        }
    });
}

#[cfg(not(unix))]
pub fn install() {}
