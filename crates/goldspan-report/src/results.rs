//! `goldspan score` and `goldspan run` as tables: one per view of the results (layers, a
//! per-label report per mode, quotations, relations, slices, documents worst first, errors,
//! the paired comparison), for a terminal or Markdown, each with a one-line legend pointing
//! to docs/metrics.md.
//!
//! Everything but the error listing is small and rendered as a string; the listing is
//! written row by row from the results' [`ErrorList`], which may hold millions of errors in a
//! temporary file, so memory stays bounded whatever its length.

use std::collections::BTreeMap;
use std::io::{self, Write};

use goldspan_runner::results::{
    ErrorList, ErrorRecord, ErrorSide, GroundingReport, LayerScores, MacroAverage, Metrics, Results, Scores, TagScores,
};
use goldspan_score::errors::ErrorKind;
use goldspan_score::Mode;

use crate::table::{self, display_width, Table};

/// How the tables of `score` and `run` show the results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Which modes get a per-label report.
    pub by_label: ByLabel,
    /// List the per-document scores (when the results hold them) worst first, not by id.
    pub by_document: bool,
    /// The terminal width each row of the error listing keeps within (tables only); `None`
    /// for no limit.
    pub width: Option<usize>,
}

/// Which modes get a per-label report (`--by-label all|MODE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ByLabel {
    /// The first mode scored.
    #[default]
    First,
    /// Every mode scored.
    All,
    /// These modes, by name, in the order scored.
    Modes(Vec<String>),
}

/// Four decimals, as every ratio in a table.
fn f(x: f64) -> String {
    format!("{x:.4}")
}

/// The entries of a map keyed by mode name, in the modes' own order (strict, exact, partial,
/// type, overlap, tokens); a name that is not a mode sorts last.
fn by_mode<V>(map: &BTreeMap<String, V>) -> Vec<(&str, &V)> {
    let mut entries: Vec<(&str, &V)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    entries.sort_by_key(|(k, _)| k.parse::<Mode>().ok().map_or((1, None), |m| (0, Some(m))));
    entries
}

/// The F a table shows: F-beta when the results hold it (`--beta`), else F1.
fn fm(m: &Metrics) -> f64 {
    m.f_beta.unwrap_or(m.f1)
}

/// The F of an average a table shows.
fn fa(a: &MacroAverage) -> f64 {
    a.f_beta.unwrap_or(a.f1)
}

fn counts(m: &Metrics) -> [String; 5] {
    [m.cor, m.inc, m.par, m.mis, m.spu].map(|n| n.to_string())
}

/// The micro counts of a layer under a mode (zero when it was not scored).
fn micro<'a>(total: &'a Scores, layer: &str, mode: &str) -> Option<&'a Metrics> {
    total.layers.get(layer).and_then(|m| m.get(mode)).map(|s| &s.micro)
}

/// Renders tables in one of the two styles, with the legend under each.
struct Style {
    markdown: bool,
}

impl Style {
    fn table(&self, t: &Table) -> String {
        if self.markdown {
            t.markdown()
        } else {
            t.render()
        }
    }

    /// A section: its title, its table, and a legend line (after a blank line in Markdown,
    /// where a line right under a table would be read as one more row).
    fn section(&self, title: &str, t: &Table, legend: &str) -> String {
        let gap = if self.markdown { "\n" } else { "" };
        format!("\n{title}:\n{}{gap}{legend}\n", self.table(t))
    }
}

/// The legend lines: what the columns mean, and where docs/metrics.md defines them.
mod legend {
    pub const LAYERS: &str =
        "see docs/metrics.md#3-span-modes: COR correct, INC incorrect, PAR partial, MIS missed, SPU spurious";
    pub const LABELS: &str = "see docs/metrics.md#4-aggregation: support = gold items; macro = mean over labels, \
         weighted = by support";
    pub const QUOTES: &str = "see docs/metrics.md#6-quotations-and-speakers: accuracy over matched quotations; \
         end-to-end needs the right speaker";
    pub const RELATIONS: &str =
        "see docs/metrics.md#5-relations: a relation is right when both its ends match under the mode";
    pub const SLICES: &str =
        "see docs/metrics.md#4-aggregation: micro scores of the documents with each metadata value";
    pub const DOCUMENTS: &str = "see docs/metrics.md#4-aggregation: micro scores per document and layer";
    pub const ERROR_COUNTS: &str = "see docs/metrics.md#7-error-analysis: classes from the strict alignment; \
         speaker and cue from strict attribution";
    pub const ERRORS: &str =
        "see docs/metrics.md#7-error-analysis: the disagreement (for speaker and cue, the quotation) in ⟦ ⟧";
    pub const CONFUSIONS: &str =
        "see docs/metrics.md#7-error-analysis: strict pairs by gold and predicted label; ∅ is none";
    pub const COMPARISON: &str = "see docs/metrics.md#8-uncertainty: paired bootstrap interval of the delta, \
         approximate randomisation p-value";
    pub const GROUNDING: &str =
        "see docs/metrics.md#11-predictions-given-as-text-grounding-and-mention-level-scoring: \
         repeated = listed again, adding nothing; spans = predicted spans placed";
    pub const TAGS: &str = "see docs/metrics.md#4-aggregation: seqeval's performance_measure; accuracy = (TP + TN) / \
         tokens";
    pub const UNGROUNDED: &str =
        "see docs/metrics.md#11-predictions-given-as-text-grounding-and-mention-level-scoring: \
         each counted as spurious";
}

/// Writes the score tables of `results`.
pub(crate) fn write(out: &mut dyn Write, results: &Results, markdown: bool, options: &ReportOptions) -> io::Result<()> {
    let style = Style { markdown };
    out.write_all(summary(results, &style, options).as_bytes())?;
    if let Some(errors) = results.errors.as_ref().filter(|e| e.total() > 0) {
        write_errors(out, errors, &style, options.width)?;
        let mut c = Table::new(&["layer", "gold", "predicted", "count"]);
        for x in results.confusions.iter().flatten().filter(|x| x.gold != x.predicted) {
            c.row(vec![x.layer.clone(), x.gold.clone(), x.predicted.clone(), x.count.to_string()]);
        }
        out.write_all(style.section("confusions (off-diagonal)", &c, legend::CONFUSIONS).as_bytes())?;
    }
    if let Some(rows) = &results.comparison {
        let mut t = Table::new(&["layer", "mode", "F1 A", "F1 B", "delta", "delta 95% CI", "p-value"]);
        for r in rows {
            t.row(vec![
                r.layer.clone(),
                r.mode.clone(),
                f(r.a),
                f(r.b),
                format!("{:+.4}", r.delta),
                format!("{:+.4}–{:+.4}", r.delta_interval.low, r.delta_interval.high),
                format!("{:.4}", r.p_value),
            ]);
        }
        let title = "paired comparison, micro F1 (A = --against baseline, B = --pred)";
        out.write_all(style.section(title, &t, legend::COMPARISON).as_bytes())?;
    }
    Ok(())
}

/// Everything before the error listing.
fn summary(results: &Results, style: &Style, options: &ReportOptions) -> String {
    let m = &results.manifest;
    let missing = &results.documents.missing_predictions;
    let mut out = format!(
        "gold {}{}, predictions {}: {} document(s) scored",
        m.gold,
        m.split.as_ref().map(|s| format!(" (split {s})")).unwrap_or_default(),
        m.predictions,
        results.documents.scored
    );
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        out.push_str(&format!(
            "; {} without predictions, scored as empty: {}{}",
            missing.len(),
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        ));
    }
    out.push('\n');
    let total = &results.total;
    let fname = m.f_name();
    let (macro_f, ci_f) = (format!("macro {fname}"), format!("{fname} 95% CI"));
    let mut header = vec!["layer", "mode", "P", "R", &fname, &macro_f, "COR", "INC", "PAR", "MIS", "SPU"];
    if results.intervals.is_some() {
        header.push(&ci_f);
    }
    let mut t = Table::new(&header);
    let zero = Metrics::of(&Default::default());
    for (layer, modes) in &total.layers {
        for mode in &m.modes {
            let c = micro(total, layer, mode).unwrap_or(&zero);
            let macro_f1 = modes.get(mode).map_or(0.0, |s| fa(&s.macro_average));
            let mut row = vec![layer.clone(), mode.clone(), f(c.precision), f(c.recall), f(fm(c)), f(macro_f1)];
            row.extend(counts(c));
            if let Some(intervals) = &results.intervals {
                let ci = intervals.layers.get(layer).and_then(|l| l.get(mode)).map(|i| i.f_beta.unwrap_or(i.f1));
                let (low, high) = ci.map_or((0.0, 0.0), |i| (i.low, i.high));
                row.push(format!("{}–{}", f(low), f(high)));
            }
            t.row(row);
        }
    }
    // The first table has no title: the summary line above is its heading.
    let gap = if style.markdown { "\n" } else { "" };
    if !t.is_empty() || results.tags.is_none() {
        out.push_str(&format!("\n{}{gap}{}\n", style.table(&t), legend::LAYERS));
    }
    if let Some(tags) = &results.tags {
        out.push_str(&style.section("tags, token by token (--mode tags)", &tag_table(tags), legend::TAGS));
    }
    let label_modes: Vec<&String> = match &options.by_label {
        ByLabel::First => m.modes.iter().take(1).collect(),
        ByLabel::All => m.modes.iter().collect(),
        ByLabel::Modes(names) => m.modes.iter().filter(|mode| names.contains(mode)).collect(),
    };
    for (layer, modes) in &total.layers {
        for mode in &label_modes {
            if let Some(scores) = modes.get(*mode) {
                let title = format!("{layer} by label ({mode})");
                out.push_str(&style.section(&title, &by_label(scores, &fname), legend::LABELS));
            }
        }
    }
    if let Some(g) = &results.grounding {
        out.push_str(&grounding(g, style));
    }
    if !total.quotes.is_empty() {
        let mut t =
            Table::new(&["mode", "gold", "predicted", "matched", "attribution acc", "end-to-end P", "R", &fname]);
        for (mode, q) in by_mode(&total.quotes) {
            let e = &q.end_to_end;
            t.row(vec![
                mode.to_owned(),
                q.gold.to_string(),
                q.predicted.to_string(),
                q.matched.to_string(),
                f(q.attribution_accuracy),
                f(e.precision),
                f(e.recall),
                f(fm(e)),
            ]);
        }
        out.push_str(&style.section("quotations and speakers", &t, legend::QUOTES));
    }
    if !total.relations.is_empty() {
        let mut t = Table::new(&["relation", "mode", "P", "R", &fname, "COR", "MIS", "SPU"]);
        for (kind, modes) in &total.relations {
            for (mode, c) in by_mode(modes) {
                t.row(vec![
                    kind.clone(),
                    mode.to_owned(),
                    f(c.precision),
                    f(c.recall),
                    f(fm(c)),
                    c.cor.to_string(),
                    c.mis.to_string(),
                    c.spu.to_string(),
                ]);
            }
        }
        out.push_str(&style.section("relations", &t, legend::RELATIONS));
    }
    let first_mode = m.modes.first().map_or("strict", String::as_str);
    if !results.slices.is_empty() {
        let mut t = Table::new(&["slice", "value", "documents", "layer", "P", "R", &fname]);
        for (field, values) in &results.slices {
            for (value, scores) in values {
                for layer in scores.layers.keys() {
                    let c = micro(scores, layer, first_mode).unwrap_or(&zero);
                    t.row(vec![
                        field.clone(),
                        value.clone(),
                        scores.documents.to_string(),
                        layer.clone(),
                        f(c.precision),
                        f(c.recall),
                        f(fm(c)),
                    ]);
                }
            }
        }
        out.push_str(&style.section(&format!("slices ({first_mode})"), &t, legend::SLICES));
    }
    if let Some(documents) = &results.per_document {
        let mut rows: Vec<(&str, &str, &Metrics)> = documents
            .iter()
            .flat_map(|d| {
                d.layers
                    .iter()
                    .map(|(layer, modes)| (d.id.as_str(), layer.as_str(), modes.get(first_mode).unwrap_or(&zero)))
            })
            .collect();
        // By id (as kept), or worst first: lowest F, then most errors, then by id and layer.
        if options.by_document {
            rows.sort_by(|a, b| {
                let errors = |m: &Metrics| m.inc + m.par + m.mis + m.spu;
                fm(a.2).total_cmp(&fm(b.2)).then(errors(b.2).cmp(&errors(a.2))).then(a.0.cmp(b.0)).then(a.1.cmp(b.1))
            });
        }
        let mut t = Table::new(&["document", "layer", "P", "R", &fname, "COR", "INC", "PAR", "MIS", "SPU"]);
        for (id, layer, c) in rows {
            let mut row = vec![id.to_owned(), layer.to_owned(), f(c.precision), f(c.recall), f(fm(c))];
            row.extend(counts(c));
            t.row(row);
        }
        let title = match options.by_document {
            true => format!("per document, worst first ({first_mode})"),
            false => format!("per document ({first_mode})"),
        };
        out.push_str(&style.section(&title, &t, legend::DOCUMENTS));
    }
    out
}

/// How many strings that could not be placed a table lists; JSON lists them all.
const UNGROUNDED_SHOWN: usize = 20;

/// What grounding did with the predictions given as text: per layer, and the strings it could
/// not place (each counted as spurious).
fn grounding(g: &GroundingReport, style: &Style) -> String {
    let threshold = if g.rule == "fuzzy" { format!(", threshold {}", g.threshold) } else { String::new() };
    let mut t = Table::new(&["layer", "strings", "placed", "repeated", "ungrounded", "rate", "spans"]);
    for (layer, c) in g.layers.iter().chain(std::iter::once((&"total".to_owned(), &g.total))) {
        t.row(vec![
            layer.clone(),
            c.strings.to_string(),
            c.placed.to_string(),
            c.repeated.to_string(),
            c.ungrounded.to_string(),
            f(c.ungrounded_rate),
            c.spans.to_string(),
        ]);
    }
    let title = format!("predictions given as text (grounding {}, occurrences {}{threshold})", g.rule, g.occurrences);
    let mut out = style.section(&title, &t, legend::GROUNDING);
    if !g.ungrounded.is_empty() {
        let mut t = Table::new(&["document", "layer", "label", "text", "why"]);
        for u in g.ungrounded.iter().take(UNGROUNDED_SHOWN) {
            t.row(vec![
                u.document.clone(),
                u.layer.clone(),
                u.label.clone(),
                format!("{:?}", u.text),
                u.reason.clone(),
            ]);
        }
        let more = match g.ungrounded.len().checked_sub(UNGROUNDED_SHOWN) {
            Some(more) if more > 0 => format!(", the first {UNGROUNDED_SHOWN} ({more} more in --format json)"),
            _ => String::new(),
        };
        out.push_str(&style.section(&format!("ungrounded strings{more}"), &t, legend::UNGROUNDED));
    }
    out
}

/// seqeval's `performance_measure`: TP, FP, FN and TN over tags, and the accuracy.
fn tag_table(tags: &TagScores) -> Table {
    let mut t = Table::new(&["tokens", "TP", "FP", "FN", "TN", "accuracy"]);
    t.row(vec![
        tags.tokens.to_string(),
        tags.tp.to_string(),
        tags.fp.to_string(),
        tags.fn_.to_string(),
        tags.tn.to_string(),
        f(tags.accuracy),
    ]);
    t
}

/// A layer's per-label report under one mode, as seqeval's classification report: P, R, F
/// (`fname`: F1, or F-beta under `--beta`) and support per label, then the micro, macro and
/// weighted averages.
fn by_label(scores: &LayerScores, fname: &str) -> Table {
    let mut t = Table::new(&["label", "P", "R", fname, "support", "COR", "INC", "PAR", "MIS", "SPU"]);
    for (label, c) in &scores.labels {
        let mut row = vec![label.clone(), f(c.precision), f(c.recall), f(fm(c)), c.possible.to_string()];
        row.extend(counts(c));
        t.row(row);
    }
    t.rule();
    let m = &scores.micro;
    let mut row = vec!["micro avg".to_owned(), f(m.precision), f(m.recall), f(fm(m)), m.possible.to_string()];
    row.extend(counts(m));
    t.row(row);
    let support: u64 = scores.labels.values().map(|c| c.possible).sum();
    let average = |name: &str, a: &MacroAverage| {
        vec![name.to_owned(), f(a.precision), f(a.recall), f(fa(a)), support.to_string()]
    };
    t.row(average("macro avg", &scores.macro_average));
    t.row(average("weighted avg", &scores.weighted_average()));
    t
}

/// The error counts by layer, label and class, then the listing the filter keeps.
fn write_errors(out: &mut dyn Write, errors: &ErrorList, style: &Style, width: Option<usize>) -> io::Result<()> {
    let classes: Vec<&str> =
        ErrorKind::ALL.iter().map(|k| k.name()).filter(|k| errors.counts().keys().any(|(_, _, c)| c == k)).collect();
    let mut header = vec!["layer", "label"];
    header.extend(&classes);
    header.push("all");
    let mut t = Table::new(&header);
    let mut rows: BTreeMap<(&str, &str), BTreeMap<&str, u64>> = BTreeMap::new();
    for ((layer, label, class), n) in errors.counts() {
        *rows.entry((layer, label)).or_default().entry(class).or_default() += n;
    }
    let row = |layer: &str, label: &str, n: &BTreeMap<&str, u64>| {
        let mut cells = vec![layer.to_owned(), label.to_owned()];
        cells.extend(classes.iter().map(|c| n.get(c).copied().unwrap_or(0).to_string()));
        cells.push(n.values().sum::<u64>().to_string());
        cells
    };
    let mut all: BTreeMap<&str, u64> = BTreeMap::new();
    for ((layer, label), n) in &rows {
        t.row(row(layer, label, n));
        for (c, k) in n {
            *all.entry(c).or_default() += k;
        }
    }
    t.rule();
    t.row(row("all", "", &all));
    let title = format!("errors: {} (by layer, label and class)", errors.total());
    out.write_all(style.section(&title, &t, legend::ERROR_COUNTS).as_bytes())?;

    // First pass: how many errors the filter keeps, and the widths of the rows listed.
    let filter = errors.filter();
    let limit = filter.limit.unwrap_or(usize::MAX);
    let header = ["document", "layer", "error", "gold", "predicted", "context"].map(String::from);
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    let mut kept = 0usize;
    for e in errors.iter_all() {
        let e = e?;
        if !filter.keeps(&e) {
            continue;
        }
        kept += 1;
        if kept <= limit && !style.markdown {
            for (w, cell) in widths.iter_mut().zip(cells(&e)) {
                *w = (*w).max(display_width(&table::one_line(&cell)));
            }
        }
    }
    let shown = kept.min(limit);
    let mut what = Vec::new();
    if !filter.classes.is_empty() {
        what.push(format!("class {}", filter.classes.join(", ")));
    }
    if !filter.labels.is_empty() {
        what.push(format!("label {}", filter.labels.join(", ")));
    }
    let of = if filter.classes.is_empty() && filter.labels.is_empty() { "" } else { " matching" };
    let title = match what.is_empty() {
        true => format!("\nerrors listed: {shown} of {kept}{of}:\n"),
        false => format!("\nerrors listed ({}): {shown} of {kept}{of}:\n", what.join("; ")),
    };
    out.write_all(title.as_bytes())?;
    if style.markdown {
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| table::markdown_cell(c)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        out.write_all(line(&header).as_bytes())?;
        out.write_all(format!("|{}\n", "---|".repeat(header.len())).as_bytes())?;
        for e in errors.iter() {
            out.write_all(line(&cells(&e?)).as_bytes())?;
        }
        out.write_all(format!("\n{}\n", legend::ERRORS).as_bytes())?;
        return Ok(());
    }
    if let Some(width) = width {
        // The texts and the context give way first (to 10, 10 and 24 columns), then every
        // column.
        let first = [widths[0], widths[1], widths[2], 10, 10, 24];
        fit(&mut widths, &first, width);
        fit(&mut widths, &MIN_WIDTHS, width);
    }
    let header: Vec<String> =
        header.iter().zip(&widths).map(|(h, w)| if h.len() > *w { truncate(h, *w) } else { h.clone() }).collect();
    out.write_all(table::line(&header, &widths).as_bytes())?;
    out.write_all(table::rule(&widths).as_bytes())?;
    for e in errors.iter() {
        let e = e?;
        let mut row: Vec<String> = cells(&e).iter().map(|c| table::one_line(c).into_owned()).collect();
        for (i, cell) in row.iter_mut().enumerate() {
            if display_width(cell) > widths[i] {
                *cell = if i == 5 { truncate_context(cell, widths[i]) } else { truncate(cell, widths[i]) };
            }
        }
        out.write_all(table::line(&row, &widths).as_bytes())?;
    }
    out.write_all(format!("{}\n", legend::ERRORS).as_bytes())
}

/// The narrowest the error listing's columns get (document, layer, class, gold, predicted,
/// context): rows fit in 46 columns or more.
const MIN_WIDTHS: [usize; 6] = [4, 4, 4, 6, 6, 12];

/// The cells of an error's row: document, layer, class, gold, predicted, context.
fn cells(e: &ErrorRecord) -> [String; 6] {
    let attribution = e.quotation.is_some();
    let side = |s: &Option<ErrorSide>| match s {
        Some(s) if attribution => format!("{} \"{}\" {}..{}", s.label, s.text, s.start, s.end),
        Some(s) => format!("{} \"{}\"", s.label, s.text),
        None if attribution => "(none)".to_owned(),
        None => String::new(),
    };
    [e.document.clone(), e.layer.clone(), e.kind.clone(), side(&e.gold), side(&e.predicted), e.context.clone()]
}

/// Narrows `widths` until the row, two spaces between columns, fits in `limit` columns: the
/// widest column above its minimum gives up a column at a time. Columns at their minimums
/// are left as they are.
fn fit(widths: &mut [usize], mins: &[usize], limit: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    let mut excess = total(widths).saturating_sub(limit);
    while excess > 0 {
        let Some(i) = (0..widths.len()).filter(|&i| widths[i] > mins[i]).max_by_key(|&i| (widths[i] - mins[i], i))
        else {
            return;
        };
        // Down to the next widest (so that the wide columns shrink together), or by what is left.
        let next = (0..widths.len()).filter(|&j| j != i && widths[j] > mins[j]).map(|j| widths[j] - mins[j]).max();
        let room = widths[i] - mins[i];
        let step = excess.min(next.map_or(room, |n| (room - n).max(1)));
        widths[i] -= step;
        excess -= step;
    }
}

/// The first characters of `cell` that fit in `width` columns, ending in `…`.
fn truncate(cell: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in cell.chars() {
        let w = display_width(c.encode_utf8(&mut [0; 4]));
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The last characters of `text` that fit in `width` columns, after a `…` when cut.
fn tail(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut kept = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = display_width(c.encode_utf8(&mut [0; 4]));
        if used + w > width - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// A context cut to `width` columns with its marked part (`⟦…⟧`) in view: what is around it
/// is cut first, evenly, then the marked part itself.
fn truncate_context(context: &str, width: usize) -> String {
    let (Some(open), Some(close)) = (context.find('⟦'), context.rfind('⟧')) else {
        return truncate(context, width);
    };
    let close = close + '⟧'.len_utf8();
    let (before, marked, after) = (&context[..open], &context[open..close.max(open)], &context[close.max(open)..]);
    let marked_width = display_width(marked);
    if marked_width >= width {
        return truncate(marked, width);
    }
    let room = width - marked_width;
    let after_width = display_width(after);
    // Half the room to each side; a side that needs less leaves the rest to the other.
    let before_room = (room / 2).max(room.saturating_sub(after_width));
    let before = tail(before, before_room);
    let after_room = room - display_width(&before);
    let after = if display_width(after) <= after_room { after.to_owned() } else { truncate(after, after_room) };
    format!("{before}{marked}{after}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_legend_points_to_a_heading_of_the_metrics_page() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/metrics.md"))
            .expect("docs/metrics.md");
        // GitHub's anchor of a heading: lowercase, spaces to dashes, punctuation dropped.
        let anchors: Vec<String> = page
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(|h| {
                h.to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect()
            })
            .collect();
        let legends = [
            legend::LAYERS,
            legend::LABELS,
            legend::QUOTES,
            legend::RELATIONS,
            legend::SLICES,
            legend::DOCUMENTS,
            legend::ERROR_COUNTS,
            legend::ERRORS,
            legend::CONFUSIONS,
            legend::COMPARISON,
            legend::GROUNDING,
            legend::UNGROUNDED,
            legend::TAGS,
        ];
        for legend in legends {
            let anchor = legend.split('#').nth(1).and_then(|a| a.split(':').next()).expect("an anchor");
            assert!(anchors.iter().any(|a| a == anchor), "{anchor} is not a heading of docs/metrics.md: {anchors:?}");
        }
    }

    #[test]
    fn fitting_shrinks_the_widest_columns_first() {
        let mut w = vec![10, 8, 5, 40, 40, 120];
        fit(&mut w, &[8, 5, 5, 10, 10, 20], 100);
        assert_eq!(w.iter().sum::<usize>() + 10, 100);
        // The context gave up the most; gold and predicted alike.
        assert_eq!(w[3], w[4]);
        assert!(w[5] >= w[3], "{w:?}");
        let mut narrow = vec![10, 8, 5, 40, 40, 120];
        fit(&mut narrow, &MIN_WIDTHS, 10);
        assert_eq!(narrow, MIN_WIDTHS);
    }

    #[test]
    fn a_cut_context_keeps_its_marked_part() {
        let context = "the first forty characters of text here ⟦Bank of England⟧ and forty more characters after it";
        let cut = truncate_context(context, 40);
        assert_eq!(display_width(&cut), 40);
        assert!(cut.contains("⟦Bank of England⟧"), "{cut}");
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        // A marked part wider than the room is cut itself.
        assert_eq!(truncate_context("a ⟦long marked part⟧ b", 8), "⟦long m…");
        // Wide characters count two columns.
        assert_eq!(truncate("李雷李雷", 5), "李雷…");
    }
}
