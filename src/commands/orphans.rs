//! `ra-migrate orphans`: values that name no master row, their fixes and the undo.

use super::{lock_policy, open, print_json, Session};
use crate::cli::{Global, OrphansArgs};
use crate::pg::db;
use crate::report;
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &OrphansArgs) -> Result<ExitCode> {
    let lock = lock_policy(g);
    let Session {
        mapping,
        mut client,
    } = open(g, "orphans")?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    let cat = crate::schema::catalog::Catalog::read(&mut client, &g.schema)?;
    if (args.fix.is_some() || args.undo) && args.yes {
        db::acquire_operator_lock(&mut client)?;
    }
    if args.undo {
        if !args.yes {
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM ra_migrate.orphan_fix WHERE undone_at IS NULL",
                    &[],
                )?
                .get(0);
            println!("{n} fixed row(s) would be undone: pass --yes to undo them");
            return Ok(ExitCode::SUCCESS);
        }
        let r = crate::orphans::undo(&mut client, &cat, &lock)?;
        if g.json {
            print_json(&r)?;
        } else {
            println!(
                "undone (log entry {}): {} placeholder row(s) removed, {} value(s) restored; kept because they changed since: {} placeholder(s), {} value(s)",
                r.log_id, r.placeholders_removed, r.values_restored, r.placeholders_kept, r.values_kept
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let found = crate::orphans::list(&mut client, &cat, &mapping, args.sample)?;
    if let (Some(fix), true) = (args.fix, args.yes) {
        let r = crate::orphans::fix(&mut client, &cat, &mapping, fix, &lock)?;
        if g.json {
            print_json(&r)?;
        } else {
            for (rel, n) in &r.changed {
                println!(
                    "{rel}: {n} row(s) {}",
                    if fix == crate::orphans::Fix::Placeholder {
                        "added"
                    } else {
                        "set to NULL"
                    }
                );
            }
            for v in &r.validated {
                println!("validated {v}");
            }
            for v in &r.still_not_valid {
                println!("still NOT VALID: {v}");
            }
            println!("recorded in log entry {}; `ra-migrate orphans --undo --yes` reverses it; run `ra-migrate verify N` for a phase whose verification reported these orphans", r.log_id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if g.json {
        print_json(&found)?;
    } else {
        print!("{}", report::orphans_text(&found));
        if args.fix.is_some() {
            println!("nothing changed: pass --yes to fix these");
        }
    }
    Ok(super::found(
        found.iter().any(|o| o.rows > 0) && args.fix.is_none(),
    ))
}
