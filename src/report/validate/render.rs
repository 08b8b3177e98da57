//! The validation report for people: a terminal table, a Markdown document, and the report files
//! (Markdown and JSON) written side by side.

use super::{Comparison, DiffKind, FkResult, ProtectedStatus, TableResult, ValidationReport};
use crate::report::markdown_cell;
use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as TextTable};
use std::path::{Path, PathBuf};

pub(super) fn count_text(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

/// What the comparison of one table found, in one cell.
fn content_text(t: &TableResult) -> String {
    let mut s = match &t.outcome {
        Comparison::Equal => "ok".to_string(),
        Comparison::Different => {
            let mut parts = Vec::new();
            for (n, what) in [
                (t.missing_in_new, "missing in new"),
                (t.missing_in_old, "missing in old"),
                (t.different, "different"),
            ] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            format!(
                "{} differing key(s){}",
                t.differing_keys(),
                if parts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", parts.join(", "))
                }
            )
        }
        Comparison::NewMissing => "new table missing (phase 1 not applied)".into(),
        Comparison::OldMissing => "old table missing".into(),
        Comparison::Absent => "absent on both sides".into(),
        Comparison::NotComparable { reason } => format!("not comparable: {reason}"),
    };
    if !t.only_in_old.is_empty() {
        s.push_str(&format!("; only in old: {}", t.only_in_old.join(", ")));
    }
    if !t.only_in_new.is_empty() {
        s.push_str(&format!("; only in new: {}", t.only_in_new.join(", ")));
    }
    s
}

fn samples_text(t: &TableResult) -> String {
    if t.samples.is_empty() {
        return "-".into();
    }
    let mut s: Vec<String> = t
        .samples
        .iter()
        .map(|k| match k.kind {
            DiffKind::MissingInNew => format!("{} (missing in new)", k.key),
            DiffKind::MissingInOld => format!("{} (missing in old)", k.key),
            DiffKind::Different => format!("{} ({})", k.key, k.columns.join(", ")),
        })
        .collect();
    if (t.differing_keys() as usize) > t.samples.len() {
        s.push("...".into());
    }
    s.join(", ")
}

fn orphans_text(f: &FkResult) -> String {
    match (&f.not_checked, f.orphans) {
        (Some(why), _) => format!("not checked: {why}"),
        (None, Some(n)) => n.to_string(),
        (None, None) if f.enforced => "0 (enforced by the constraint)".into(),
        (None, None) => "-".into(),
    }
}

fn orphan_samples_text(f: &FkResult) -> String {
    if f.samples.is_empty() {
        return "-".into();
    }
    f.samples
        .iter()
        .map(|o| format!("{} -> {}", o.key, o.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn constraint_text(f: &FkResult) -> String {
    match (&f.constraint, f.validated) {
        (Some(n), Some(false)) => format!("{n} (NOT VALID)"),
        (Some(n), _) => n.clone(),
        (None, _) => "not yet created".into(),
    }
}

fn header(r: &ValidationReport) -> String {
    format!(
        "phase {} ({}, {})",
        r.phase.number, r.phase.name, r.phase.status
    )
}

/// The report for a terminal: tables, relationships, protected tables, warnings, problems; the
/// verdict is the last line.
pub fn render_terminal(r: &ValidationReport) -> String {
    let mut out = format!(
        "validation of {} (schema {}), {}, {}\n",
        r.database,
        r.schema,
        header(r),
        r.finished_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let mut t = TextTable::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "table",
        "old rows",
        "new rows",
        "content",
        "sample keys",
    ]);
    for x in &r.tables {
        t.add_row(vec![
            format!(
                "{} -> {}",
                x.old_table.as_deref().unwrap_or(&x.table),
                x.new_table
            ),
            count_text(x.old_rows),
            count_text(x.new_rows),
            content_text(x),
            samples_text(x),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    if !r.foreign_keys.is_empty() {
        let mut t = TextTable::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "relationship",
            "constraint",
            "orphans",
            "sample orphans",
        ]);
        for f in &r.foreign_keys {
            t.add_row(vec![
                f.relationship(),
                constraint_text(f),
                orphans_text(f),
                orphan_samples_text(f),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if !r.protected.is_empty() {
        let list: Vec<String> = r
            .protected
            .iter()
            .map(|p| format!("{} {}", p.table, protected_text(p.status)))
            .collect();
        out.push_str(&format!("protected tables: {}\n", list.join(", ")));
    }
    let warnings = r.warnings();
    if !warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in &warnings {
            out.push_str(&format!("  - {w}\n"));
        }
    }
    let problems = r.problems();
    if !problems.is_empty() {
        out.push_str("problems:\n");
        for p in &problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    out.push_str(&r.verdict());
    out.push('\n');
    out
}

fn protected_text(s: ProtectedStatus) -> &'static str {
    match s {
        ProtectedStatus::Unchanged => "unchanged",
        ProtectedStatus::Changed => "CHANGED",
        ProtectedStatus::Missing => "MISSING",
        ProtectedStatus::Added => "ADDED since init",
    }
}

/// The report as a Markdown document, verdict near the top.
pub fn render_markdown(r: &ValidationReport) -> String {
    let mut out = String::from("# ra-migrate validation report\n\n");
    out.push_str(&format!("**{}**\n\n", markdown_cell(&r.verdict())));
    out.push_str(&format!(
        "- Started: {}\n- Finished: {}\n- Database: `{}` (schema `{}`)\n- Phase: {}\n- Key ranges per table: {}; sample keys: {}\n\n",
        r.started_at.to_rfc3339(),
        r.finished_at.to_rfc3339(),
        r.database,
        r.schema,
        header(r),
        r.options.buckets,
        r.options.sample_keys
    ));
    out.push_str("## Masters\n\n| old table | new table | old rows | new rows | content | sample keys |\n|---|---|---:|---:|---|---|\n");
    for x in &r.tables {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            markdown_cell(x.old_table.as_deref().unwrap_or(&x.table)),
            markdown_cell(&x.new_table),
            count_text(x.old_rows),
            count_text(x.new_rows),
            markdown_cell(&content_text(x)),
            markdown_cell(&samples_text(x))
        ));
    }
    out.push_str("\n## Relationships\n\n");
    if r.foreign_keys.is_empty() {
        out.push_str("None to check (phase 1 has recorded no deferred foreign keys).\n");
    } else {
        out.push_str("| relationship | origin | constraint | orphans | sample orphans |\n|---|---|---|---:|---|\n");
        for f in &r.foreign_keys {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                markdown_cell(&f.relationship()),
                markdown_cell(&f.origin),
                markdown_cell(&constraint_text(f)),
                markdown_cell(&orphans_text(f)),
                markdown_cell(&orphan_samples_text(f))
            ));
        }
    }
    out.push_str("\n## Protected tables\n\n");
    if r.protected.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| table | status | rows at init | rows now |\n|---|---|---:|---:|\n");
        for p in &r.protected {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown_cell(&p.table),
                protected_text(p.status),
                count_text(p.recorded_rows),
                count_text(p.current_rows)
            ));
        }
    }
    for (title, items) in [("Problems", r.problems()), ("Warnings", r.warnings())] {
        if !items.is_empty() {
            out.push_str(&format!("\n## {title}\n\n"));
            for i in items {
                out.push_str(&format!("- {}\n", markdown_cell(&i)));
            }
        }
    }
    out.push_str("\n## Tables and foreign keys\n\n");
    out.push_str(&r.overview.diagram_markdown());
    out.push_str("\n## Phase timing\n\n");
    out.push_str(&r.overview.timing_markdown());
    out
}

/// Writes `validate-<UTC timestamp>.md` and `.json` into `dir` (created if needed).
pub fn write_reports(r: &ValidationReport, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    crate::report::write_report_files(
        dir,
        "validate",
        r.finished_at,
        &render_markdown(r),
        &r.to_json()?,
    )
}
