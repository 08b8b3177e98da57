//! `ra-migrate apply N` (and, through [`run`], `rollback N`): a phase run through the service
//! layer, with the operator's confirmation on a terminal and the failure hook.

use super::{ctx, found, lock_policy, open, print_json, url, Session};
use crate::cli::{Global, RunArgs};
use crate::pg::db::{self, LockPolicy};
use crate::phase::engine::Refused;
use crate::phase::service::{self, Operator, Ran};
use crate::phase::{Direction, Phase, Plan};
use anyhow::{bail, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

pub(super) fn exec(g: &Global, args: &RunArgs) -> Result<ExitCode> {
    run(g, args, Direction::Apply)
}

/// Runs the phase, and the failure hook when it fails (an error or problems found; a dry run or a
/// refusal by a gate or the soak is no failure of the phase).
pub(super) fn run(g: &Global, args: &RunArgs, direction: Direction) -> Result<ExitCode> {
    let result = run_phase(g, args, direction);
    let failure = match &result {
        Err(e) if e.downcast_ref::<Refused>().is_none() => Some(format!("{e:#}")),
        Ok(code) if *code != ExitCode::SUCCESS => Some("verification found problems".into()),
        _ => None,
    };
    if let (Some(error), false) = (failure, args.dry_run) {
        crate::worker::hook::fire(
            g.on_failure.as_deref(),
            serde_json::json!({
                "event": "phase_failed", "phase": args.phase,
                "direction": direction.as_str(), "error": error,
            }),
        );
    }
    result
}

fn run_phase(g: &Global, args: &RunArgs, direction: Direction) -> Result<ExitCode> {
    let phase: Phase = args.phase.parse()?;
    let lock = lock_policy(g);
    let Session {
        mapping,
        mut client,
    } = open(g, direction.as_str())?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    // A dry run takes no lock and writes nothing, so a preview is possible at any time.
    if !args.dry_run {
        db::acquire_operator_lock(&mut client)?;
    }
    let progress = crate::progress::for_stderr();
    let mut ctx = ctx(&mut client, &mapping, g, &lock, args.force);
    ctx.tuning = crate::phase::copy::Tuning {
        batch_size: args.batch_size,
        target: Duration::from_millis(args.batch_ms),
        max_rows_per_sec: args.max_rows_per_sec,
    };
    ctx.progress = progress.as_ref();
    ctx.switch_functions = args.functions;
    let request = service::Request {
        phase,
        direction,
        dry_run: args.dry_run,
        soak: &args.soak,
    };
    let mut operator = Terminal {
        g,
        lock: &lock,
        yes: args.yes,
    };
    match service::run_phase(&mut ctx, &request, &mut operator)? {
        Ran::NothingToDo(message) => {
            if g.json {
                print_json(&serde_json::json!({
                    "phase": phase.number(),
                    "direction": direction.as_str(),
                    "nothing_to_do": true,
                    "message": message,
                }))?;
            } else {
                println!("{message}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Ran::Verified(problems) => super::verify::report(g, phase, &problems),
        Ran::Previewed(preview) => {
            super::plan::show(g, &preview, &lock, true)?;
            Ok(ExitCode::SUCCESS)
        }
        Ran::Done { outcome, .. } => {
            if g.json {
                print_json(&outcome)?;
            } else {
                print!("{}", crate::report::outcome_text(&outcome));
            }
            Ok(found(!outcome.problems.is_empty()))
        }
    }
}

/// The operator at the terminal: warned of a forced gate, asked to confirm unless `--yes`.
struct Terminal<'a> {
    g: &'a Global,
    lock: &'a LockPolicy,
    yes: bool,
}

impl Operator for Terminal<'_> {
    fn forced(&mut self, reason: &str) {
        eprintln!("WARNING: --force: passing a failing gate, and recording that you did: {reason}");
    }

    fn verifying(&mut self, phase: Phase) {
        eprintln!("phase {phase} is already applied but not verified: verifying it");
    }

    fn confirm(&mut self, plan: &Plan) -> Result<()> {
        if self.yes {
            return Ok(());
        }
        let (phase, direction) = (plan.phase, plan.direction);
        if !std::io::stdin().is_terminal() {
            bail!(
                "refusing to {} phase {phase} without confirmation: stdin is not a terminal; pass --yes (preview with --dry-run)",
                direction.as_str()
            );
        }
        print!("{}", crate::report::plan_sql(plan, self.lock));
        print!(
            "\n{} phase {phase} on {}? Type 'yes' to go on: ",
            direction.as_str(),
            db::redact_url(url(self.g)?)
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            bail!("not confirmed: nothing was changed");
        }
        Ok(())
    }
}
