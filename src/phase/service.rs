//! Running a phase, the one way every caller does it (`apply`, `rollback`, `plan`, `demo`,
//! `rehearse`): what is already done, the phase order, the soak, the gate, the plan (retried on lock
//! timeouts, a failed try logged), the operator's confirmation, the run with its verification and
//! record. It returns data; the caller renders it and picks the exit code.

use super::engine::{self, Ctx, Outcome, Refused};
use super::{Direction, Phase, Plan};
use crate::pg::db;
use crate::state;
use anyhow::Result;

/// What to run.
pub struct Request<'a> {
    pub phase: Phase,
    pub direction: Direction,
    /// Plan only: nothing is written, and a refusal by the order or the gate becomes a note.
    pub dry_run: bool,
    /// How long dual-write must have been in effect before phase 3 (`--soak`).
    pub soak: &'a str,
}

/// Where the caller's operator comes in: each is called before anything is written.
pub trait Operator {
    /// `--force` passes a failing gate: say so before anything runs (the log records it too).
    fn forced(&mut self, reason: &str);
    /// The phase is applied but was never verified: `apply` verifies it instead of failing.
    fn verifying(&mut self, phase: Phase);
    /// The last word before the plan runs; an error stops with nothing changed.
    fn confirm(&mut self, plan: &Plan) -> Result<()>;
}

/// An operator that agrees to everything and says nothing: the rehearsals, which run every phase
/// on a throwaway copy.
pub struct Unattended;

impl Operator for Unattended {
    fn forced(&mut self, _reason: &str) {}
    fn verifying(&mut self, _phase: Phase) {}
    fn confirm(&mut self, _plan: &Plan) -> Result<()> {
        Ok(())
    }
}

/// A plan as the operator previews it: `plan N` and `apply N --dry-run` show the same.
#[derive(Debug, serde::Serialize)]
pub struct Preview {
    #[serde(flatten)]
    pub plan: Plan,
    /// Why running it now would be refused (the phase order or the gate), if it would.
    pub refused_now: Option<String>,
}

#[derive(Debug)]
pub enum Ran {
    /// A runbook run again: already applied and verified, or nothing to roll back.
    NothingToDo(String),
    /// Applied but not verified: verified now, with the problems found (empty: verified).
    Verified(Vec<String>),
    /// A dry run.
    Previewed(Preview),
    /// Run, recorded and verified (`Outcome::problems` empty: verified).
    Done { plan: Plan, outcome: Outcome },
}

/// Runs `req` to the end. The caller holds the operator lock for a real run.
pub fn run_phase(ctx: &mut Ctx, req: &Request, operator: &mut dyn Operator) -> Result<Ran> {
    let (phase, direction) = (req.phase, req.direction);
    if let Some(ran) = nothing_to_do(ctx, req, operator)? {
        return Ok(ran);
    }
    if req.dry_run {
        return preview(ctx, phase, direction).map(Ran::Previewed);
    }
    engine::check_order(ctx.client, phase, direction)?;
    if (phase, direction) == (Phase::Backfill, Direction::Apply) {
        crate::worker::soak::require(ctx.client, req.soak)?;
    }
    if let Some(reason) = engine::gate(ctx, phase, direction)? {
        operator.forced(&reason);
    }
    let plan = plan_logged(ctx, phase, direction)?;
    operator.confirm(&plan)?;
    let outcome = engine::execute(ctx, &plan)?;
    Ok(Ran::Done { plan, outcome })
}

/// The plan, with what would refuse running it now: previews are possible at any time.
pub fn preview(ctx: &mut Ctx, phase: Phase, direction: Direction) -> Result<Preview> {
    let refused = |e: anyhow::Error| -> Result<String> {
        match e.downcast_ref::<Refused>() {
            Some(_) => Ok(format!("{e:#}")),
            None => Err(e),
        }
    };
    let mut refused_now = match engine::check_order(ctx.client, phase, direction) {
        Ok(()) => None,
        // The state could not be read: that is an error, not a refusal to note.
        Err(e) if e.chain().any(|c| c.is::<postgres::Error>()) => return Err(e),
        Err(e) => Some(format!("{e:#}")),
    };
    if refused_now.is_none() {
        refused_now = match engine::gate(ctx, phase, direction) {
            Ok(_) => None,
            Err(e) => Some(refused(e)?),
        };
    }
    let lock = ctx.lock.clone();
    let plan = db::with_lock_retry(&lock, "reading the catalog to plan", |_| {
        engine::plan(ctx, phase, direction)
    })?;
    Ok(Preview { plan, refused_now })
}

/// Verifies an applied phase and records the result: the problems found (empty: verified).
pub fn verify(ctx: &mut Ctx, phase: Phase) -> Result<Vec<String>> {
    let problems = engine::verify(ctx, phase, Direction::Apply)?;
    state::set_verified(ctx.client, phase, problems.is_empty())?;
    Ok(problems)
}

/// A runbook can be run again: `apply N` of a phase applied and verified, or `rollback N` of a
/// phase not in effect, has nothing to do; `apply N` of a phase applied but not verified verifies
/// it. `None`: there is work, go on.
fn nothing_to_do(ctx: &mut Ctx, req: &Request, operator: &mut dyn Operator) -> Result<Option<Ran>> {
    let (phase, direction) = (req.phase, req.direction);
    let row = state::phase_row(ctx.client, phase)?;
    let said = |text: String| Ok(Some(Ran::NothingToDo(text)));
    match (direction, row) {
        (Direction::Apply, Some(r)) if r.status == state::Status::Applied && r.verified => {
            said(format!(
                "phase {phase} is already applied (since {}) and verified: nothing to do",
                r.applied_at.as_deref().unwrap_or("?")
            ))
        }
        (Direction::Apply, Some(r)) if r.status == state::Status::Applied => {
            if req.dry_run {
                return said(format!(
                    "phase {phase} is applied but not verified: `ra-migrate apply {}` would verify it (nothing else to apply)",
                    phase.number()
                ));
            }
            operator.verifying(phase);
            verify(ctx, phase).map(|p| Some(Ran::Verified(p)))
        }
        (Direction::Rollback, None) => said(format!(
            "phase {phase} was never applied: nothing to roll back"
        )),
        (Direction::Rollback, Some(r)) if !r.status.is_in_effect() => said(format!(
            "phase {phase} is not in effect (rolled back at {}): nothing to roll back",
            r.rolled_back_at.as_deref().unwrap_or("?")
        )),
        _ => Ok(None),
    }
}

/// The plan of a real run; a plan that could not be made is still an attempt, and the log says
/// why it stopped.
fn plan_logged(ctx: &mut Ctx, phase: Phase, direction: Direction) -> Result<Plan> {
    let lock = ctx.lock.clone();
    match db::with_lock_retry(&lock, "reading the catalog to plan", |_| {
        engine::plan(ctx, phase, direction)
    }) {
        Ok(p) => Ok(p),
        Err(e) => {
            let id = state::log_start(
                ctx.client,
                Some(phase),
                direction.as_str(),
                ctx.force,
                &serde_json::json!({}),
            )?;
            state::log_finish(ctx.client, id, "failed", &[], Some(&format!("{e:#}")))?;
            Err(e.context(format!(
                "planning phase {phase} failed; nothing was changed (log entry {id})"
            )))
        }
    }
}
