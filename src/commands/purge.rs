//! `ra-migrate purge`: dropping the archive after retention and silence.

use super::{open, url, Session};
use crate::cli::{Global, PurgeArgs};
use crate::pg::db;
use crate::phase::engine::Refused;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &PurgeArgs) -> Result<ExitCode> {
    let Session {
        mapping,
        mut client,
    } = open(g, "purge")?;
    db::acquire_operator_lock(&mut client)?;
    if args.accept_activity {
        crate::purge::record_baseline(&mut client)?;
        println!("activity so far accepted: the archived tables' counters are the new baseline");
    }
    let plan = crate::purge::plan(&mut client, &mapping, &g.schema, args.retention)?;
    for (t, size) in &plan.tables {
        println!(
            "would drop {t} ({size} bytes), archived at {}",
            plan.archived_at
        );
    }
    if !plan.refusals.is_empty() {
        return Err(Refused(format!("purge refused: {}", plan.refusals.join("; "))).into());
    }
    if !args.yes {
        println!("{};\nnothing dropped: pass --yes to drop these tables (phase 5 can no longer be rolled back after that)", plan.statement);
        return Ok(ExitCode::SUCCESS);
    }
    let log = crate::purge::execute(&mut client, url(g)?, &g.schema, &plan, args.dump.as_deref())?;
    println!(
        "dropped {} archived table(s) (log entry {log}); phase 5 can no longer be rolled back",
        plan.tables.len()
    );
    Ok(ExitCode::SUCCESS)
}
