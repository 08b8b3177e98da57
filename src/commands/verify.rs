//! `ra-migrate verify N`: an applied phase verified again.

use super::{ctx, found, lock_policy, open, print_json, Session};
use crate::cli::{Global, PhaseArg};
use crate::pg::db;
use crate::phase::{service, Phase};
use crate::state;
use anyhow::{bail, Result};
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &PhaseArg) -> Result<ExitCode> {
    let phase: Phase = args.phase.parse()?;
    let lock = lock_policy(g);
    let Session {
        mapping,
        mut client,
    } = open(g, "verify")?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    match state::phase_row(&mut client, phase)? {
        Some(r) if r.status == state::Status::Applied => {}
        _ => bail!("phase {phase} is not applied: nothing to verify"),
    }
    let problems = service::verify(&mut ctx(&mut client, &mapping, g, &lock, false), phase)?;
    report(g, phase, &problems)
}

/// The problems a verification found (exit 1 when there are any).
pub(super) fn report(g: &Global, phase: Phase, problems: &[String]) -> Result<ExitCode> {
    if g.json {
        print_json(&serde_json::json!({"phase": phase.number(), "problems": problems}))?;
    } else if problems.is_empty() {
        println!("phase {phase}: verified, no problems found");
    } else {
        println!("phase {phase}: {} problem(s):", problems.len());
        for p in problems {
            println!("  - {p}");
        }
    }
    Ok(found(!problems.is_empty()))
}
