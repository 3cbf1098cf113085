//! `goldspan check` reports: one status line per eval and a table of the metrics that moved
//! (terminal, or Markdown sized for a pull-request comment), GitHub workflow annotations, the
//! verdicts as JSON (schema `goldspan.check/1`), and JUnit XML.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use goldspan_runner::results::{CheckOutcome, Comparison, Metric, Presence, Update, Verdict};

use crate::table::Table;

/// The schema name and version of `goldspan check --format json`.
pub const CHECK_SCHEMA: &str = "goldspan.check/1";

/// What happened to one eval, in words: the status line's middle.
fn status(o: &CheckOutcome) -> String {
    let regressions = |c: &Comparison| c.regressions().count();
    match (&o.verdict, o.update) {
        (Verdict::ExtractorFailed { failures, documents, allowed }, _) => format!(
            "EXTRACTOR FAILED on {failures} of {documents} documents (the eval allows max_failures = {allowed}); snapshot not compared"
        ),
        (Verdict::Malformed(e), _) => format!(
            "MALFORMED SNAPSHOT {}: {e}; fix or delete it, then run `goldspan check --update`",
            o.snapshot.display()
        ),
        (Verdict::Missing, Some(Update::Written)) => "new snapshot written".to_owned(),
        (Verdict::Missing, _) => {
            format!("no snapshot at {}; run `goldspan check --update`", o.snapshot.display())
        }
        (v, Some(Update::Refused)) => {
            let c = v.comparison();
            let why = if c.is_some_and(|c| c.corpus_changed) { " (the corpus changed too)" } else { "" };
            format!(
                "REGRESSION in {} metric(s){why}; snapshot NOT updated (use --allow-regression)",
                c.map_or(0, regressions)
            )
        }
        (_, Some(Update::Updated)) => "snapshot updated".to_owned(),
        (_, Some(_)) => "unchanged".to_owned(),
        (Verdict::CorpusChanged(_), None) => "CORPUS CHANGED since the snapshot: scores are not comparable (not a \
                                               regression); review and run `goldspan check --update`"
            .to_owned(),
        (Verdict::Regressed(c), None) => {
            let named: Vec<&str> = c.regressions().take(5).map(|m| m.name.trim_start_matches("total.")).collect();
            let more = regressions(c).saturating_sub(named.len());
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            format!("REGRESSION in {} metric(s): {}{more}", regressions(c), named.join(", "))
        }
        (Verdict::Improved(c), None) => {
            let up = c.moved().filter(|m| m.delta() > c.tolerance).count();
            format!("improved: {up} metric(s) rose beyond the tolerance; record it with `goldspan check --update`")
        }
        (v, None) => match v.comparison().map_or(0, |c| c.moved().count()) {
            0 => "ok".to_owned(),
            n => format!("ok ({n} metric(s) moved within the tolerance)"),
        },
    }
}

/// A metric's value before (in the snapshot) and after (in the new run), to four places; a
/// side that lacks it says so.
fn before_after(m: &Metric) -> (String, String) {
    let before = if m.presence == Presence::Added { "new".to_owned() } else { format!("{:.4}", m.before) };
    let after = if m.presence == Presence::Removed { "removed".to_owned() } else { format!("{:.4}", m.after) };
    (before, after)
}

/// What became of a regressed metric, in words (JUnit failures, GitHub annotations).
pub(crate) fn fall(m: &Metric, tolerance: f64) -> String {
    match m.presence {
        Presence::Removed => {
            format!(
                "is no longer reported (was {:.6}): it counts as fallen to 0, more than the tolerance {tolerance}",
                m.before
            )
        }
        _ => format!(
            "fell from {:.6} to {:.6} ({:+.6}), more than the tolerance {tolerance}",
            m.before,
            m.after,
            m.delta()
        ),
    }
}

/// The status line of one eval.
fn line(o: &CheckOutcome) -> String {
    let failures = if o.failures == 0 { String::new() } else { format!(", {} extraction failure(s)", o.failures) };
    format!("{}: {} ({} extracted, {} cached{failures})", o.eval, status(o), o.extracted, o.cached)
}

/// The metrics that moved and `pick` chooses (given the comparison), every eval's in one
/// table, at most `limit` rows; and how many more there were.
fn moved_where(outcomes: &[CheckOutcome], limit: usize, pick: &dyn Fn(&Comparison, &Metric) -> bool) -> (Table, usize) {
    let mut t = Table::new(&["eval", "metric", "before", "after", "delta", "95% CI (after)"]);
    let mut more = 0;
    for o in outcomes {
        let Some(c) = o.verdict.comparison() else { continue };
        for m in c.moved().filter(|m| pick(c, m)) {
            if t.len() == limit {
                more += 1;
                continue;
            }
            let ci = m.interval.map(|i| format!("{:.4}–{:.4}", i.low, i.high)).unwrap_or_default();
            let (before, after) = before_after(m);
            t.row(vec![
                o.eval.clone(),
                m.name.trim_start_matches("total.").to_owned(),
                before,
                after,
                format!("{:+.4}", m.delta()),
                ci,
            ]);
        }
    }
    (t, more)
}

/// The metrics that moved, every eval's in one table.
fn moved(outcomes: &[CheckOutcome]) -> Table {
    moved_where(outcomes, usize::MAX, &|_, _| true).0
}

/// The check report for a terminal.
pub fn check_table(outcomes: &[CheckOutcome]) -> String {
    let mut out: String = outcomes.iter().map(|o| line(o) + "\n").collect();
    let t = moved(outcomes);
    if !t.is_empty() {
        out.push_str(&format!("\nmoved:\n{}", t.render()));
    }
    out
}

/// Rows of a Markdown table of metrics: enough to read in a pull-request comment, well under
/// GitHub's 65,536 characters.
const MARKDOWN_ROWS: usize = 50;

/// A ratio as a bar of ten text blocks (`██████▌░░░`), for tables read as plain text: it
/// renders the same on GitHub, GitLab and a terminal.
pub(crate) fn text_bar(x: f64) -> String {
    let eighths = (x.clamp(0.0, 1.0) * 80.0).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    if eighths % 8 > 0 {
        bar.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8 - 1]);
    }
    let used = bar.chars().count();
    bar.push_str(&"░".repeat(10 - used));
    bar
}

/// A gated metric's name parsed: `total.layers.LAYER.MODE.labels.LABEL.METRIC` or
/// `total.layers.LAYER.MODE.micro.METRIC` as (layer, mode, label or None for micro, metric).
fn label_metric(name: &str) -> Option<(&str, &str, Option<&str>, &str)> {
    let rest = name.strip_prefix("total.layers.")?;
    let (layer, rest) = rest.split_once('.')?;
    let (rest, metric) = rest.rsplit_once('.')?;
    if let Some((mode, label)) = rest.split_once(".labels.") {
        return Some((layer, mode, Some(label), metric));
    }
    let mode = rest.strip_suffix(".micro")?;
    Some((layer, mode, None, metric))
}

/// One line of text per eval that did not pass, naming its largest fall: the summary a
/// pull-request comment opens with (plain text, no links).
fn summary(outcomes: &[CheckOutcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let mut out = format!("{passed} of {} eval(s) passed.\n", outcomes.len());
    for o in outcomes {
        let mut line = format!("- {}: {}", o.eval, status(o));
        let fall = o.verdict.comparison().and_then(|c| c.regressions().min_by(|a, b| a.delta().total_cmp(&b.delta())));
        if let Some(m) = fall {
            line.push_str(&format!(
                "; largest fall {} {:.4} → {:.4} ({:+.4})",
                m.name.trim_start_matches("total."),
                m.before,
                m.after,
                m.delta()
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The per-label table of one eval: precision, recall and F1 of each label (and the layer's
/// micro average) under strict matching, or the first mode the snapshot has, with a text bar
/// and F1's change against the snapshot.
fn label_table(comparison: &Comparison) -> Option<(String, Table)> {
    // (layer, mode, label or None for micro) → precision, recall and F1.
    type Row<'a> = [Option<&'a Metric>; 3];
    let mut rows: BTreeMap<(&str, &str, Option<&str>), Row> = BTreeMap::new();
    for m in &comparison.metrics {
        if let Some((layer, mode, label, metric)) = label_metric(&m.name) {
            let slot = match metric {
                "precision" => 0,
                "recall" => 1,
                "f1" => 2,
                _ => continue,
            };
            rows.entry((layer, mode, label)).or_default()[slot] = Some(m);
        }
    }
    let modes: BTreeSet<&str> = rows.keys().map(|k| k.1).collect();
    let mode = if modes.contains("strict") { "strict" } else { modes.iter().next()? };
    let mut t = Table::new(&["layer", "label", "P", "R", "F1", "", "Δ F1"]);
    for ((layer, _, label), [p, r, f1]) in rows.iter().filter(|(k, _)| k.1 == mode) {
        let after = |m: &Option<&Metric>| m.map_or(0.0, |m| m.after);
        let delta = f1.map_or(0.0, Metric::delta);
        let change = match f1 {
            Some(m) if !m.moved() => "·".to_owned(),
            Some(m) if comparison.is_regression(m) => format!("{delta:+.4} ▼"),
            Some(_) if delta > comparison.tolerance => format!("{delta:+.4} ▲"),
            _ => format!("{delta:+.4}"),
        };
        t.row(vec![
            layer.to_string(),
            label.map_or("(micro)".to_owned(), str::to_owned),
            format!("{:.4}", after(p)),
            format!("{:.4}", after(r)),
            format!("{:.4}", after(f1)),
            format!("`{}`", text_bar(after(f1))),
            change,
        ]);
    }
    Some((mode.to_owned(), t))
}

/// The check report as Markdown, sized for a pull-request comment and link-free: a headline
/// verdict, a plain-text summary naming each failing eval's largest fall, a table of evals, each
/// eval's per-label table (with a text bar and F1's change against the snapshot), the
/// regressions, and the other metrics that moved folded away in `<details>`; each table of
/// metrics is cut at [`MARKDOWN_ROWS`] rows.
pub fn check_markdown(outcomes: &[CheckOutcome]) -> String {
    let passed = outcomes.iter().all(CheckOutcome::passed);
    let mut out = format!("### goldspan check: {}\n\n", if passed { "passed" } else { "**failed**" });
    let mut evals = Table::new(&["eval", "passed", "result", "extracted", "cached", "failures"]);
    for o in outcomes {
        evals.row(vec![
            o.eval.clone(),
            if o.passed() { "yes" } else { "**no**" }.to_owned(),
            status(o).replace('|', "\\|"),
            o.extracted.to_string(),
            o.cached.to_string(),
            o.failures.to_string(),
        ]);
    }
    out.push_str(&summary(outcomes));
    out.push('\n');
    out.push_str(&evals.markdown());
    for o in outcomes {
        if let Some((mode, t)) = o.verdict.comparison().and_then(label_table).filter(|(_, t)| !t.is_empty()) {
            out.push_str(&format!(
                "\n{} by label ({mode}; Δ against the snapshot, ▼ a regression):\n\n{}",
                o.eval,
                t.markdown()
            ));
        }
    }
    let cut = |more: usize| {
        if more > 0 {
            format!("\n… and {more} more (`goldspan check --format json` lists them all)\n")
        } else {
            String::new()
        }
    };
    let (falls, more) = moved_where(outcomes, MARKDOWN_ROWS, &|c, m| c.is_regression(m));
    if !falls.is_empty() {
        out.push_str(&format!("\n**Regressions** (beyond the tolerance):\n\n{}{}", falls.markdown(), cut(more)));
    }
    let (others, more) = moved_where(outcomes, MARKDOWN_ROWS, &|c, m| !c.is_regression(m));
    if !others.is_empty() {
        let n = others.len() + more;
        out.push_str(&format!(
            "\n<details><summary>{n} other metric(s) moved</summary>\n\n{}{}\n</details>\n",
            others.markdown(),
            cut(more)
        ));
    }
    out
}

/// Escapes text for a GitHub workflow command: `%`, carriage returns and line feeds in a
/// message; also `:` and `,` in a property.
fn github_escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// `goldspan check --format github`: GitHub Actions workflow commands. Every regressed metric
/// is an `::error` annotation on the eval's snapshot file, as is every other reason an eval
/// fails the gate (no snapshot, a changed corpus, a malformed snapshot, a failing extractor, a
/// refused update); an improvement is a `::notice` saying how to record it. After them, the
/// status line of every eval, as in the terminal report.
pub fn check_github(outcomes: &[CheckOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let mut annotate = |level: &str, what: &str, message: &str| {
            out.push_str(&format!(
                "::{level} file={},title={}::{}\n",
                github_escape(&o.snapshot.display().to_string(), true),
                github_escape(&format!("goldspan check {}: {what}", o.eval), true),
                github_escape(message, false)
            ));
        };
        let comparison = o.verdict.comparison();
        let falls: Vec<&Metric> = comparison.map(|c| c.regressions().collect()).unwrap_or_default();
        if !o.passed() {
            for m in &falls {
                let tolerance = comparison.map_or(0.0, |c| c.tolerance);
                let metric = m.name.trim_start_matches("total.");
                annotate("error", "regression", &format!("{metric} {}", fall(m, tolerance)));
            }
            if falls.is_empty() || !matches!(o.verdict, Verdict::Regressed(_)) {
                annotate("error", o.verdict.name(), &status(o));
            }
        } else if matches!(o.verdict, Verdict::Improved(_)) && o.update.is_none() {
            annotate("notice", "improved", &status(o));
        }
    }
    out.extend(outcomes.iter().map(|o| line(o) + "\n"));
    out
}

/// `goldspan check --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "goldspan check report", description = "The regression gate's verdict on every eval.")]
pub struct CheckReport {
    /// One entry per eval, sorted by name.
    pub evals: Vec<EvalReport>,
    /// Whether every eval passed.
    pub passed: bool,
    /// `goldspan.check/1`.
    #[schemars(extend("const" = "goldspan.check/1"))]
    pub schema: String,
}

/// The gate's verdict on one eval.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EvalReport {
    /// Documents taken from the cache.
    pub cached: usize,
    /// Whether the corpus changed since the snapshot (null without a readable snapshot).
    pub corpus_changed: Option<bool>,
    /// Why the snapshot is malformed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<SnapshotProblem>,
    /// The eval's name.
    pub eval: String,
    /// Documents extracted.
    pub extracted: usize,
    /// Documents the extractor failed on.
    pub failures: usize,
    /// The gated metrics that moved.
    pub moved: Vec<MovedMetric>,
    /// Whether the eval passes the gate.
    pub passed: bool,
    /// The snapshot file.
    pub snapshot: String,
    /// How far a metric may fall (null without a readable snapshot).
    pub tolerance: Option<f64>,
    /// What `--update` did: `written`, `updated`, `unchanged`, `refused`; null without it.
    pub update: Option<String>,
    /// `ok`, `improved`, `regressed`, `corpus_changed`, `missing` or `malformed`.
    pub verdict: String,
}

/// Where a snapshot is malformed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SnapshotProblem {
    /// The field (a dotted path; empty for the whole file).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// One gated metric that moved.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MovedMetric {
    /// The new run's value.
    pub after: f64,
    /// The snapshot's value.
    pub before: f64,
    /// After minus before.
    pub delta: f64,
    /// The new run's bootstrap interval, `[low, high]`, if any.
    pub interval: Option<[f64; 2]>,
    /// Its path in the snapshot, e.g. `total.layers.entities.strict.micro.f1`.
    pub metric: String,
    /// `both` (snapshot and run report it), `added` (only the run: `before` is 0) or `removed`
    /// (only the snapshot: `after` is 0).
    pub presence: String,
    /// Whether it fell by more than the tolerance.
    pub regressed: bool,
}

fn update_name(u: Update) -> &'static str {
    match u {
        Update::Written => "written",
        Update::Updated => "updated",
        Update::Unchanged => "unchanged",
        Update::Refused => "refused",
        _ => "other",
    }
}

/// The typed check report of `outcomes`.
pub fn check_report(outcomes: &[CheckOutcome]) -> CheckReport {
    let evals = outcomes
        .iter()
        .map(|o| {
            let c = o.verdict.comparison();
            EvalReport {
                cached: o.cached,
                corpus_changed: c.map(|c| c.corpus_changed),
                error: match &o.verdict {
                    Verdict::Malformed(e) => {
                        Some(SnapshotProblem { field: e.field.clone(), message: e.message.clone() })
                    }
                    _ => None,
                },
                eval: o.eval.clone(),
                extracted: o.extracted,
                failures: o.failures,
                moved: c
                    .into_iter()
                    .flat_map(|c| {
                        c.moved().map(|m| MovedMetric {
                            after: m.after,
                            before: m.before,
                            delta: m.delta(),
                            interval: m.interval.map(|i| [i.low, i.high]),
                            metric: m.name.clone(),
                            presence: m.presence.name().to_owned(),
                            regressed: c.is_regression(m),
                        })
                    })
                    .collect(),
                passed: o.passed(),
                snapshot: o.snapshot.display().to_string(),
                tolerance: c.map(|c| c.tolerance),
                update: o.update.map(|u| update_name(u).to_owned()),
                verdict: o.verdict.name().to_owned(),
            }
        })
        .collect();
    CheckReport { evals, passed: outcomes.iter().all(CheckOutcome::passed), schema: CHECK_SCHEMA.to_owned() }
}

/// `goldspan check --format json`: pretty, keys sorted, a final newline.
pub fn check_json(outcomes: &[CheckOutcome]) -> String {
    serde_json::to_string_pretty(&check_report(outcomes)).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_bars_have_ten_cells_in_eighths() {
        assert_eq!(text_bar(0.0), "░░░░░░░░░░");
        assert_eq!(text_bar(1.0), "██████████");
        assert_eq!(text_bar(0.5), "█████░░░░░");
        // 0.4286 is 34.3 eighths: four full blocks and a quarter one.
        assert_eq!(text_bar(0.4286), "████▎░░░░░");
        assert_eq!(text_bar(7.0).chars().count(), 10);
    }

    #[test]
    fn label_metric_names_parse_with_dotted_modes() {
        assert_eq!(
            label_metric("total.layers.entities.strict.labels.PERSON.f1"),
            Some(("entities", "strict", Some("PERSON"), "f1"))
        );
        assert_eq!(
            label_metric("total.layers.entities.overlap:0.5.micro.recall"),
            Some(("entities", "overlap:0.5", None, "recall"))
        );
        assert_eq!(label_metric("total.layers.entities.strict.macro.f1"), None);
        assert_eq!(label_metric("total.quotes.strict.end_to_end.f1"), None);
    }
}
