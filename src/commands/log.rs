//! `ra-migrate log`: the operation log.

use super::{open, print_json, Session};
use crate::cli::{Global, LogArgs};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &LogArgs) -> Result<ExitCode> {
    let Session { mut client, .. } = open(g, "log")?;
    let entries = crate::state::log_entries(&mut client, args.limit)?;
    if g.json {
        print_json(&entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in entries {
        println!(
            "#{} {} phase {} by {} at {}: {}{}",
            e.id,
            e.action,
            e.phase.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
            e.operator,
            e.started_at,
            e.outcome,
            if e.forced { " (FORCED)" } else { "" }
        );
        if let Some(err) = &e.error {
            println!("    error: {err}");
        }
        if args.sql {
            for s in e.statements.as_array().into_iter().flatten() {
                println!("    {}", s.as_str().unwrap_or_default());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
