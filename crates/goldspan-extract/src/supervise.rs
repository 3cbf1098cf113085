//! Every worker process group this process started, so that none outlives its purpose.
//!
//! Each `cmd:` worker runs in its own process group (`process_group(0)`), so a signal to the
//! group reaches the program and everything it started (the real program behind `sh -c`, a
//! grandchild it forked). Groups are killed with SIGKILL:
//! - one group, when its worker timed out, broke the protocol or is no longer needed;
//! - every group, when [`stop_workers`] is called (the CLI calls it on SIGINT and SIGTERM:
//!   workers in their own groups no longer receive a terminal's Ctrl-C);
//! - every group, by a watchdog, when this process dies without a chance to clean up
//!   (SIGKILL, an abort).
//!
//! The watchdog stands in for Linux's parent-death signal, which needs code between `fork`
//! and `exec` (`pre_exec`, unsafe, forbidden in this workspace) and would reach only the
//! direct child anyway. It is one `/bin/sh` per process, in its own group, that reads the
//! live groups from a pipe (`+ PGID`, `- PGID`) and kills those still listed when the pipe
//! closes: the kernel closes it however this process ends. Without `/bin/sh` there is no
//! watchdog, and everything else still holds.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static STOPPING: AtomicBool = AtomicBool::new(false);
static GROUPS: Mutex<Groups> = Mutex::new(Groups { live: BTreeSet::new(), watchdog: Watchdog::NotStarted });

struct Groups {
    live: BTreeSet<i32>,
    watchdog: Watchdog,
}

#[cfg_attr(not(unix), allow(dead_code))]
enum Watchdog {
    NotStarted,
    Running(std::process::ChildStdin),
    Unavailable,
}

/// The watchdog: collect the live groups until goldspan's end of the pipe closes, then kill
/// them. It ignores SIGINT and SIGHUP, which a terminal sends when goldspan is interrupted:
/// it must outlive goldspan for as long as it takes to clean up.
#[cfg(unix)]
const WATCHDOG: &str = r#"trap '' INT HUP
live=""
while read -r op group; do
  case "$op" in
    +) live="$live $group" ;;
    -) kept=""; for g in $live; do [ "$g" = "$group" ] || kept="$kept $g"; done; live="$kept" ;;
  esac
done
for g in $live; do kill -s KILL -- "-$g" 2>/dev/null; done
"#;

fn groups() -> std::sync::MutexGuard<'static, Groups> {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records a new worker group. Returns false when workers are being stopped: the caller must
/// kill the group it just started.
pub(crate) fn register(group: i32) -> bool {
    let mut groups = groups();
    if STOPPING.load(Ordering::SeqCst) {
        return false;
    }
    groups.live.insert(group);
    tell_watchdog(&mut groups, &format!("+ {group}\n"));
    true
}

/// Kills a worker group with SIGKILL and forgets it.
pub(crate) fn kill_group(group: i32) {
    signal_group(group);
    let mut groups = groups();
    if groups.live.remove(&group) {
        tell_watchdog(&mut groups, &format!("- {group}\n"));
    }
}

/// Kills every worker process group this process started, and refuses to start new workers
/// from now on: extractions in progress fail at once. For a signal handler or a host that is
/// shutting down; there is no way back.
pub fn stop_workers() {
    STOPPING.store(true, Ordering::SeqCst);
    let mut groups = groups();
    let live = std::mem::take(&mut groups.live);
    for group in live {
        signal_group(group);
        tell_watchdog(&mut groups, &format!("- {group}\n"));
    }
}

/// Whether [`stop_workers`] was called.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

#[cfg(unix)]
fn signal_group(group: i32) {
    use rustix::process::{kill_process_group, Pid, Signal};
    // A group that is already gone (every member exited) is not an error.
    if let Some(pid) = Pid::from_raw(group) {
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

#[cfg(not(unix))]
fn signal_group(_group: i32) {}

#[cfg(unix)]
fn tell_watchdog(groups: &mut Groups, line: &str) {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    if let Watchdog::NotStarted = groups.watchdog {
        let started = Command::new("/bin/sh")
            .args(["-c", WATCHDOG])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
        groups.watchdog = match started.map(|mut child| child.stdin.take()) {
            Ok(Some(stdin)) => Watchdog::Running(stdin),
            _ => Watchdog::Unavailable,
        };
    }
    if let Watchdog::Running(stdin) = &mut groups.watchdog {
        if stdin.write_all(line.as_bytes()).and_then(|()| stdin.flush()).is_err() {
            groups.watchdog = Watchdog::Unavailable;
        }
    }
}

#[cfg(not(unix))]
fn tell_watchdog(_groups: &mut Groups, _line: &str) {}
