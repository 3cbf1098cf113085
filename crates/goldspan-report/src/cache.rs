//! `goldspan cache stats` and what `prune` and `clear` removed, for a terminal.

use goldspan_runner::cache::{CacheStats, Pruned};

use crate::table::Table;

/// What the cache holds: totals, then one row per extractor fingerprint. `now` is the current
/// Unix time, for how long ago each was used.
pub fn cache_stats_table(stats: &CacheStats, now: i64) -> String {
    let mut text = format!(
        "{}: {} output{} of {} extractor fingerprint{}, {} (write-ahead log {})\n",
        stats.path.display(),
        stats.outputs,
        plural(stats.outputs),
        stats.extractors.len(),
        plural(stats.extractors.len() as u64),
        size(stats.database_bytes + stats.wal_bytes),
        size(stats.wal_bytes),
    );
    if stats.files > 0 {
        text.push_str(&format!("hashes of {} cache_inputs file{} kept\n", stats.files, plural(stats.files)));
    }
    if stats.orphans > 0 {
        text.push_str(&format!(
            "{} output{} of no known extractor (`goldspan cache prune` removes them)\n",
            stats.orphans,
            plural(stats.orphans)
        ));
    }
    if !stats.extractors.is_empty() {
        let mut t = Table::new(&[
            "extractor",
            "version",
            "config",
            "inputs",
            "fingerprint",
            "outputs",
            "size",
            "last used",
            "rejected",
        ]);
        for e in &stats.extractors {
            t.row(vec![
                e.name.clone(),
                e.version.clone(),
                short(&e.config_hash),
                if e.inputs.is_empty() { "-".into() } else { short(&e.inputs) },
                short(&e.fingerprint),
                e.outputs.to_string(),
                size(e.bytes),
                ago(now - e.last_used),
                e.rejected.to_string(),
            ]);
        }
        text.push('\n');
        text.push_str(&t.render());
    }
    if !stats.legacy.is_empty() {
        text.push_str(&format!(
            "\n{} director{} of per-document outputs from an older goldspan, no longer read (`goldspan cache clear` \
             removes them)\n",
            stats.legacy.len(),
            if stats.legacy.len() == 1 { "y" } else { "ies" }
        ));
    }
    text
}

/// One line on what `prune` or `clear` removed.
pub fn cache_pruned(pruned: &Pruned) -> String {
    let mut text = format!(
        "removed {} output{} of {} extractor fingerprint{}",
        pruned.outputs,
        plural(pruned.outputs),
        pruned.extractors,
        plural(pruned.extractors as u64)
    );
    if pruned.legacy > 0 {
        text.push_str(&format!(
            " and {} director{} of an older goldspan's cache",
            pruned.legacy,
            if pruned.legacy == 1 { "y" } else { "ies" }
        ));
    }
    text.push('\n');
    text
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1 << 30 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64),
    }
}

fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_read_as_people_write_them() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
        assert_eq!(size(5 << 30), "5.00 GiB");
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(125), "2 min ago");
        assert_eq!(ago(7200), "2 h ago");
        assert_eq!(ago(3 * 86_400 + 5), "3 days ago");
    }
}
