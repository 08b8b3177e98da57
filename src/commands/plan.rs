//! `ra-migrate plan N`: the exact SQL a phase would run, changing nothing.

use super::{ctx, lock_policy, open, print_json, Session};
use crate::cli::{Global, PlanArgs};
use crate::pg::db::{self, LockPolicy};
use crate::phase::service::{self, Preview};
use crate::phase::{Direction, Phase};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &PlanArgs) -> Result<ExitCode> {
    let phase: Phase = args.phase.parse()?;
    let direction = if args.rollback {
        Direction::Rollback
    } else {
        Direction::Apply
    };
    let lock = lock_policy(g);
    let Session {
        mapping,
        mut client,
    } = open(g, "plan")?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    let mut ctx = ctx(&mut client, &mapping, g, &lock, false);
    ctx.switch_functions = args.functions;
    let preview = service::preview(&mut ctx, phase, direction)?;
    show(g, &preview, &lock, false)?;
    Ok(ExitCode::SUCCESS)
}

/// A preview as `plan N` and `apply N --dry-run` both show it (the same JSON).
pub(super) fn show(g: &Global, p: &Preview, lock: &LockPolicy, dry_run: bool) -> Result<()> {
    if g.json {
        return print_json(p);
    }
    if let Some(why) = &p.refused_now {
        println!(
            "-- note: {} would be refused now: {why}",
            p.plan.direction.as_str()
        );
    }
    print!("{}", crate::report::plan_sql(&p.plan, lock));
    if dry_run {
        println!("\n-- dry run: nothing was changed");
    }
    Ok(())
}
