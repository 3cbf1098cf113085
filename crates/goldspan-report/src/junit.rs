//! `goldspan check --junit FILE`: the gate's verdicts as JUnit XML, the format CI servers
//! (Jenkins, GitLab, GitHub actions that publish test reports) read.
//!
//! One `<testsuite>` per eval. Its first test case, `snapshot`, stands for the snapshot itself:
//! a `<failure>` when it is missing or the corpus changed, an `<error>` when it is malformed.
//! Then one test case per gated metric, named by its path in the snapshot
//! (`layers.entities.strict.micro.f1`), with a `<failure>` when it fell by more than the
//! tolerance. The shape follows the Jenkins JUnit schema (tests/fixtures/junit/junit.xsd states
//! which of its rules this relies on).

use goldspan_runner::results::{CheckOutcome, Update, Verdict};

/// Escapes text for an XML attribute value or element content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Tabs and line breaks survive in attributes only as references.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // XML 1.0 has no way to write other control characters at all.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One test case: passed, or with a `failure` or `error` child (kind, type, message).
struct Case {
    name: String,
    problem: Option<(&'static str, &'static str, String)>,
}

fn cases(o: &CheckOutcome) -> Vec<Case> {
    let snapshot = o.snapshot.display();
    let problem = match &o.verdict {
        Verdict::Malformed(e) => Some(("error", "malformed", format!("the snapshot {snapshot} is malformed: {e}"))),
        Verdict::ExtractorFailed { failures, documents, allowed } => Some((
            "error",
            "extractor-failed",
            format!("the extractor failed on {failures} of {documents} documents (max_failures = {allowed}); snapshot not compared"),
        )),
        Verdict::Missing if o.update != Some(Update::Written) => {
            Some(("failure", "missing", format!("no snapshot at {snapshot}; run `goldspan check --update`")))
        }
        Verdict::CorpusChanged(_) if o.update.is_none() => Some((
            "failure",
            "corpus-changed",
            "the corpus changed since the snapshot: scores are not comparable; review and run `goldspan check --update`"
                .to_owned(),
        )),
        _ => None,
    };
    let mut cases = vec![Case { name: "snapshot".to_owned(), problem }];
    if let Some(c) = o.verdict.comparison() {
        // Falls fail the gate unless --update --allow-regression accepted them.
        let gate_fails = !o.passed();
        for m in &c.metrics {
            let problem = (gate_fails && c.is_regression(m))
                .then(|| ("failure", "regression", crate::check::fall(m, c.tolerance)));
            cases.push(Case { name: m.name.trim_start_matches("total.").to_owned(), problem });
        }
    }
    cases
}

/// The JUnit XML report of `outcomes`.
pub fn junit(outcomes: &[CheckOutcome]) -> String {
    let suites: Vec<(&CheckOutcome, Vec<Case>)> = outcomes.iter().map(|o| (o, cases(o))).collect();
    let count =
        |cases: &[Case], kind: &str| cases.iter().filter(|c| c.problem.as_ref().is_some_and(|p| p.0 == kind)).count();
    let all: Vec<&Case> = suites.iter().flat_map(|(_, c)| c).collect();
    let (failures, errors) = (
        all.iter().filter(|c| c.problem.as_ref().is_some_and(|p| p.0 == "failure")).count(),
        all.iter().filter(|c| c.problem.as_ref().is_some_and(|p| p.0 == "error")).count(),
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"goldspan check\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">\n",
        all.len()
    ));
    for (o, cases) in &suites {
        let name = escape(&o.eval);
        out.push_str(&format!(
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">\n",
            cases.len(),
            count(cases, "failure"),
            count(cases, "error")
        ));
        out.push_str("    <properties>\n");
        let verdict = o.verdict.name();
        let tolerance = o.verdict.comparison().map(|c| c.tolerance.to_string()).unwrap_or_default();
        for (key, value) in
            [("snapshot", o.snapshot.display().to_string()), ("verdict", verdict.to_owned()), ("tolerance", tolerance)]
        {
            out.push_str(&format!("      <property name=\"{key}\" value=\"{}\"/>\n", escape(&value)));
        }
        out.push_str("    </properties>\n");
        for case in cases {
            let head = format!("    <testcase name=\"{}\" classname=\"goldspan.check.{name}\"", escape(&case.name));
            match &case.problem {
                None => out.push_str(&format!("{head}/>\n")),
                Some((kind, kind_name, message)) => out.push_str(&format!(
                    "{head}>\n      <{kind} type=\"{kind_name}\" message=\"{m}\">{m}</{kind}>\n    </testcase>\n",
                    m = escape(message)
                )),
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_any_text_safe_in_attributes_and_content() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(escape("line\nbreak\ttab\u{1}"), "line&#10;break&#9;tab\u{FFFD}");
        assert_eq!(escape("Zoë 李雷"), "Zoë 李雷");
    }
}
