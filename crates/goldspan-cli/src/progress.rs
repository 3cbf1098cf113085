//! A progress bar on stderr (documents, rate, failures, ETA), drawn only when stderr is a
//! terminal: pipes, files and tests see nothing, and stdout stays deterministic.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Characters of the name shown before the bar.
const PREFIX_CHARS: usize = 40;

/// A progress bar, or nothing when stderr is not a terminal.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar for `what` (an eval's name, a pass), counting documents.
    pub fn new(what: &str) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} documents, {rate}{msg}, ETA {eta} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1}/s", state.per_sec());
        })
        .progress_chars("=> ");
        bar.set_style(style);
        // One line, whatever the name: a bar that wraps cannot be cleared.
        let what = match what.char_indices().nth(PREFIX_CHARS) {
            Some((cut, _)) => format!("{}…", &what[..cut]),
            None => what.to_owned(),
        };
        bar.set_prefix(what);
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar(Some(bar))
    }

    /// Shows `done` of `total` documents, `failed` of them failed.
    pub fn set(&self, done: usize, total: usize, failed: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            if failed > 0 {
                bar.set_message(format!(", {failed} failed"));
            }
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
