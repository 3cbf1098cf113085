//! `goldspan check` reports: one status line per eval and a table of the metrics that moved
//! (terminal or Markdown), the verdicts as JSON (schema `goldspan.check/1`), and JUnit XML.

use schemars::JsonSchema;
use serde::Serialize;

use goldspan_runner::results::{CheckOutcome, Comparison, Update, Verdict};

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
        (v, None) => match v.comparison().map_or(0, |c| c.moved().count()) {
            0 => "ok".to_owned(),
            n => format!("ok ({n} metric(s) moved within tolerance or up)"),
        },
    }
}

/// The status line of one eval.
fn line(o: &CheckOutcome) -> String {
    let failures = if o.failures == 0 { String::new() } else { format!(", {} extraction failure(s)", o.failures) };
    format!("{}: {} ({} extracted, {} cached{failures})", o.eval, status(o), o.extracted, o.cached)
}

/// The metrics that moved, every eval's in one table.
fn moved(outcomes: &[CheckOutcome]) -> Table {
    let mut t = Table::new(&["eval", "metric", "before", "after", "delta", "95% CI"]);
    for o in outcomes {
        for m in o.verdict.comparison().into_iter().flat_map(Comparison::moved) {
            let ci = m.interval.map(|i| format!("{:.4}–{:.4}", i.low, i.high)).unwrap_or_default();
            t.row(vec![
                o.eval.clone(),
                m.name.trim_start_matches("total.").to_owned(),
                format!("{:.4}", m.before),
                format!("{:.4}", m.after),
                format!("{:+.4}", m.delta()),
                ci,
            ]);
        }
    }
    t
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

/// The check report as Markdown (for a pull-request comment): a table of evals, then the
/// metrics that moved.
pub fn check_markdown(outcomes: &[CheckOutcome]) -> String {
    let mut evals = Table::new(&["eval", "passed", "result", "extracted", "cached", "failures"]);
    for o in outcomes {
        evals.row(vec![
            o.eval.clone(),
            if o.passed() { "yes" } else { "**no**" }.to_owned(),
            status(o),
            o.extracted.to_string(),
            o.cached.to_string(),
            o.failures.to_string(),
        ]);
    }
    let mut out = evals.markdown();
    let t = moved(outcomes);
    if !t.is_empty() {
        out.push_str(&format!("\nmoved:\n\n{}", t.markdown()));
    }
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
