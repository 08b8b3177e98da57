//! Renders what the domain modules return: plans as reviewable SQL, status and outcomes as terminal
//! tables, and JSON for automation. Nothing else formats output for people.

pub mod overview;
pub mod status;
pub mod validate;

use crate::pg::db::LockPolicy;
use crate::phase::engine::Outcome;
use crate::phase::{Direction, Plan, Step, Transaction, Tx};
use crate::report::status::StatusReport;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::{Path, PathBuf};

/// The plan as a SQL script an operator can read (and run by hand in an emergency): a header, the
/// notes, then every step with its lock and tables as comments.
pub fn plan_sql(plan: &Plan, lock: &LockPolicy) -> String {
    let mut out = String::new();
    let verb = match plan.direction {
        Direction::Apply => "apply",
        Direction::Rollback => "roll back",
    };
    out.push_str(&format!(
        "-- ra-migrate plan: {verb} phase {}\n",
        plan.phase
    ));
    let blocking: std::collections::BTreeSet<&str> = plan
        .steps
        .iter()
        .flat_map(|s| s.waits.iter().map(String::as_str))
        .collect();
    let transactions = crate::phase::transactions(&plan.steps);
    if transactions.len() == 1 && transactions[0].tx == Tx::Phase {
        out.push_str(&format!(
            "-- {} steps in one transaction, with the phase recorded in the same transaction.\n",
            plan.steps.len()
        ));
    } else {
        out.push_str(&format!(
            "-- {} steps in {} parts, each one transaction or, for a copy, one transaction per keyset batch (checkpointed); resumable: after a crash run the same command again.\n",
            plan.steps.len(),
            transactions.len()
        ));
    }
    out.push_str(&format!(
        "-- Each try waits at most lock_timeout = {}ms for a lock; {} retries on lock timeouts only.\n",
        lock.timeout.as_millis(),
        lock.retries
    ));
    if plan.steps.iter().any(|s| s.up_front) {
        out.push_str(&format!(
            "-- Each try first asks for its up-front locks with NOWAIT, again every few ms for up to {}ms, so writers never queue behind a waiting request; only then does it queue for them.\n",
            lock.poll.as_millis()
        ));
    }
    if blocking.is_empty() {
        out.push_str("-- No step takes a lock that blocks writers of existing tables.\n");
    } else {
        out.push_str(&format!(
            "-- Writers of these tables wait while a step holds its lock: {}.\n",
            blocking.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if !plan.notes.is_empty() {
        out.push_str("--\n-- Notes:\n");
        for n in &plan.notes {
            out.push_str(&format!("--   * {n}\n"));
        }
    }
    for (i, s) in plan.steps.iter().enumerate() {
        if let Some((k, t)) = transactions
            .iter()
            .enumerate()
            .find(|(_, t)| t.steps.start == i)
        {
            out.push_str(&transaction_boundary(
                k + 1,
                transactions.len(),
                t,
                &plan.steps,
            ));
        }
        out.push_str(&format!("\n-- Step {}: {}\n", i + 1, s.title));
        let tables: Vec<&str> = s.tables.iter().map(String::as_str).collect();
        out.push_str(&format!(
            "--   lock: {}{}; touches: {}\n",
            s.lock.as_str(),
            if s.waits.is_empty() {
                String::new()
            } else {
                format!(
                    " (writers of {} wait while it runs)",
                    s.waits.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            },
            if tables.is_empty() {
                "-".to_string()
            } else {
                tables.join(", ")
            }
        ));
        if s.copy.is_some() {
            out.push_str("--   run as keyset batches of this statement ($1 = last key copied, $2 = last key of the batch):\n");
        }
        out.push_str(&s.sql);
        out.push_str(";\n");
    }
    out
}

/// Where a part of the plan (a transaction, or a copy's run of batches) begins, and how it runs.
fn transaction_boundary(k: usize, of: usize, t: &Transaction, all: &[Step]) -> String {
    let steps = if t.steps.len() == 1 {
        format!("step {}", t.steps.start + 1)
    } else {
        format!("steps {} to {}", t.steps.start + 1, t.steps.end)
    };
    let how = match t.tx {
        Tx::Phase => "one transaction under the exclusive phase lock",
        Tx::Own if t.phase_lock(all) => "its own transaction under the exclusive phase lock",
        Tx::Own => "its own transaction, without the phase lock",
        Tx::Batched => "keyset batches, each its own transaction",
    };
    let first = &all[t.steps.start];
    let wait = if t.joins(all) {
        ", once the second session is done"
    } else {
        ""
    };
    let beside = if first.beside {
        ", on a second session beside the steps after it"
    } else {
        ""
    };
    format!("\n-- ==== part {k} of {of}: {steps}{wait}, {how}{beside} ====\n")
}

pub fn status_table(s: &StatusReport) -> String {
    let mut out = format!(
        "database: {}\nphase: {} ({}), status: {}{}\n",
        s.database,
        s.phase,
        s.phase_name,
        s.status,
        if s.phase > 0 {
            if s.verified {
                ", verified"
            } else {
                ", NOT verified"
            }
        } else {
            ""
        }
    );
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "kind", "rows", "new table", "new rows"]);
    let opt = |v: Option<i64>, exists: bool| match (v, exists) {
        (Some(n), _) => n.to_string(),
        (None, false) => "absent".into(),
        (None, true) => "?".into(),
    };
    for r in &s.tables {
        t.add_row(vec![
            r.table.clone(),
            format!("{:?}", r.kind).to_lowercase(),
            opt(r.old_rows, r.old_exists),
            r.new_table.clone().unwrap_or_else(|| "-".into()),
            if r.new_table.is_some() {
                opt(r.new_rows, r.new_exists)
            } else {
                "-".into()
            },
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    if !s.unmapped.is_empty() {
        out.push_str(&format!(
            "tables the mapping does not know (left alone): {}\n",
            s.unmapped.join(", ")
        ));
    }
    out
}

pub fn doctor_text(r: &crate::doctor::Report) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["check", "result", "finding", "what to do"]);
    for f in &r.findings {
        t.add_row(vec![
            f.check.clone(),
            f.level.as_str().to_string(),
            f.detail.clone(),
            f.action.clone(),
        ]);
    }
    format!(
        "{t}\n{}\n",
        match r.problems() {
            0 => "no problem found".to_string(),
            n => format!("{n} problem(s) found: fix them before applying a phase"),
        }
    )
}

pub fn orphans_text(found: &[crate::orphans::Orphans]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "relationship",
        "constraint",
        "orphan rows",
        "missing keys",
        "e.g.",
    ]);
    for o in found {
        t.add_row(vec![
            o.relationship.name.clone(),
            match &o.relationship.constraint {
                None => "none yet".to_string(),
                Some((n, true)) => format!("{n} (valid)"),
                Some((n, false)) => format!("{n} (NOT VALID)"),
            },
            o.rows.to_string(),
            o.keys.to_string(),
            o.sample
                .iter()
                .map(|(k, n)| format!("{k} ({n})"))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    let total: i64 = found.iter().map(|o| o.rows).sum();
    format!(
        "{t}\n{}\n",
        if total == 0 {
            "no orphans".to_string()
        } else {
            format!("{total} orphan row(s): `ra-migrate orphans --fix placeholder --yes` or `--fix null --yes` resolves them (reversible with --undo)")
        }
    )
}

pub fn outcome_text(o: &Outcome) -> String {
    let mut out = format!(
        "{} of phase {} done in {} tr{} ({} statements, log entry {}).\n",
        match o.direction {
            Direction::Apply => "apply",
            Direction::Rollback => "rollback",
        },
        o.phase,
        o.tries,
        if o.tries == 1 { "y" } else { "ies" },
        o.statements.len(),
        o.log_id
    );
    if o.problems.is_empty() {
        out.push_str("verified: no problems found.\n");
    } else {
        out.push_str(&format!(
            "verification found {} problem(s):\n",
            o.problems.len()
        ));
        for p in &o.problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    out
}

pub fn readers_text(inv: &crate::readers::Inventory) -> String {
    let mut out = String::new();
    if let Some(n) = &inv.statements_note {
        out.push_str(&format!("note: {n}\n"));
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["kind", "reader", "old tables"]);
    for s in &inv.statements {
        let q: String = s.query.chars().take(100).collect();
        t.add_row(vec![
            format!("query ({} calls)", s.calls),
            q,
            s.tables.join(", "),
        ]);
    }
    for v in &inv.views {
        t.add_row(vec![
            "view".to_string(),
            v.name.clone(),
            v.tables.join(", "),
        ]);
    }
    for f in &inv.functions {
        t.add_row(vec![
            "function".to_string(),
            f.name.clone(),
            f.tables.join(", "),
        ]);
    }
    for f in &inv.files {
        t.add_row(vec![
            "file".to_string(),
            format!("{}:{}", f.file.display(), f.line),
            f.table.clone(),
        ]);
    }
    if inv.is_empty() {
        out.push_str("nothing reads the old tables\n");
    } else {
        out.push_str(&format!(
            "{t}\n{} reader(s) still use the old tables\n",
            inv.count()
        ));
    }
    out
}

/// A Markdown table cell: pipes and line breaks would break the table.
pub fn markdown_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Writes `<prefix>-<UTC timestamp>.md` and `.json` into `dir` (created if needed), never over an
/// earlier report: a second report within the same second gets `-2`, `-3` ...
pub fn write_report_files(
    dir: &Path,
    prefix: &str,
    at: DateTime<Utc>,
    markdown: &str,
    json: &serde_json::Value,
) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the report directory {}", dir.display()))?;
    let stamp = at.format("%Y%m%dT%H%M%SZ").to_string();
    let mut stem = format!("{prefix}-{stamp}");
    let mut n = 1;
    while dir.join(format!("{stem}.md")).exists() || dir.join(format!("{stem}.json")).exists() {
        n += 1;
        stem = format!("{prefix}-{stamp}-{n}");
    }
    let md_path = dir.join(format!("{stem}.md"));
    let json_path = dir.join(format!("{stem}.json"));
    std::fs::write(&md_path, markdown).with_context(|| format!("writing {}", md_path.display()))?;
    let json = serde_json::to_string_pretty(json).context("serialising the JSON report")?;
    std::fs::write(&json_path, json + "\n")
        .with_context(|| format!("writing {}", json_path.display()))?;
    Ok((md_path, json_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_files_never_overwrite_an_earlier_report() {
        let dir = std::env::temp_dir().join(format!("ra-report-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let when: DateTime<Utc> = "2025-01-02T03:04:05Z".parse().unwrap();
        let json = serde_json::json!({"a": 1});
        let (md1, js1) = write_report_files(&dir, "demo", when, "# one\n", &json).unwrap();
        let (md2, _) = write_report_files(&dir, "demo", when, "# two\n", &json).unwrap();
        assert_eq!(md1, dir.join("demo-20250102T030405Z.md"));
        assert_eq!(js1, dir.join("demo-20250102T030405Z.json"));
        assert_eq!(md2, dir.join("demo-20250102T030405Z-2.md"));
        assert_eq!(std::fs::read_to_string(&md1).unwrap(), "# one\n");
        assert_eq!(std::fs::read_to_string(&md2).unwrap(), "# two\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
