//! The phase engine, shared by all phases: builds a phase's plan, checks every statement with
//! sqlparser, enforces phase order, runs exactly the plan (DDL under a short `lock_timeout` with a
//! capped retry, inside one transaction where the steps allow), records the outcome, and verifies.
//! Domain code never prints: the caller renders plans and outcomes.

use super::{archive, backfill, create, dual_write, switch_readers, Direction, Phase, Plan, Step};
use crate::catalog::Catalog;
use crate::db::{self, LockPolicy};
use crate::mapping::Mapping;
use crate::state::{self, Status};
use anyhow::{anyhow, bail, Context, Result};
use postgres::{Client, GenericClient};
use serde::Serialize;

/// Everything a phase operation needs.
pub struct Ctx<'a> {
    pub client: &'a mut Client,
    pub mapping: &'a Mapping,
    pub schema: &'a str,
    pub lock: &'a LockPolicy,
    /// Skip a gate (recorded in the log and the phase state).
    pub force: bool,
    /// How the backfill batches.
    pub tuning: crate::backfill::Tuning,
    pub progress: &'a dyn crate::backfill::Progress,
    /// Phase 4: switch functions as well as views.
    pub switch_functions: bool,
}

/// A gate or verification found a problem: exit code 1, not an error.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub phase: Phase,
    pub direction: Direction,
    pub log_id: i64,
    /// Every statement sent, in order, including the session settings around the steps.
    pub statements: Vec<String>,
    pub tries: u32,
    /// Problems found by verification; empty means verified.
    pub problems: Vec<String>,
}

impl Ctx<'_> {
    pub fn catalog(&mut self) -> Result<Catalog> {
        Catalog::read(self.client, self.schema)
    }
}

/// Builds the plan of `phase` in `direction` from the live catalog and the recorded state, and
/// checks every statement: it must parse, and may not reference a protected table.
pub fn plan(ctx: &mut Ctx, phase: Phase, direction: Direction) -> Result<Plan> {
    let cat = ctx.catalog()?;
    let row = state::phase_row(ctx.client, phase)?;
    let mut plan = match (phase, direction) {
        (Phase::Create, Direction::Apply) => create::plan_apply(&cat, ctx.mapping)?,
        (Phase::Create, Direction::Rollback) => {
            let record = create::Record::from_detail(
                &row.as_ref().map(|r| r.detail.clone()).unwrap_or_default(),
            )?;
            create::plan_rollback(&cat, &record)?
        }
        (Phase::DualWrite, Direction::Apply) => dual_write::plan_apply(&cat, ctx.mapping)?,
        (Phase::DualWrite, Direction::Rollback) => {
            dual_write::plan_rollback(&cat, &detail(row.as_ref())?)?
        }
        (Phase::Backfill, Direction::Apply) => {
            let phase1 = state::phase_row(ctx.client, Phase::Create)?;
            backfill::plan_apply(ctx.client, &cat, ctx.mapping, &detail(phase1.as_ref())?)?
        }
        (Phase::Backfill, Direction::Rollback) => {
            backfill::plan_rollback(&cat, &detail(row.as_ref())?)?
        }
        (Phase::SwitchReaders, Direction::Apply) => {
            switch_readers::plan_apply(&cat, ctx.mapping, ctx.switch_functions)?
        }
        (Phase::SwitchReaders, Direction::Rollback) => {
            switch_readers::plan_rollback(&detail(row.as_ref())?)?
        }
        (Phase::Archive, Direction::Apply) => {
            // An archive stopped after its transaction (while validating) resumes from its record.
            let resumed = row.as_ref().filter(|r| r.status == Status::Applying);
            let resumed: Option<archive::Record> = match resumed {
                Some(r) => Some(detail(Some(r))?),
                None => None,
            };
            archive::plan_apply(&cat, ctx.mapping, resumed.as_ref())?
        }
        (Phase::Archive, Direction::Rollback) => {
            archive::plan_rollback(ctx.client, &cat, ctx.mapping, &detail(row.as_ref())?)?
        }
    };
    check_plan(&mut plan, ctx.mapping)?;
    for step in plan.steps.iter_mut().filter(|s| s.lock.blocks_writers()) {
        step.waits = step
            .locks_only
            .as_ref()
            .unwrap_or(&step.tables)
            .iter()
            .filter(|t| cat.tables.contains_key(*t))
            .cloned()
            .collect();
    }
    lock_up_front(&mut plan, &cat);
    check_plan(&mut plan, ctx.mapping)?;
    Ok(plan)
}

/// Every transaction of the plan first takes, in one go, the strongest lock each existing table
/// will need. Taking them one by one, step after step, can deadlock with a writer that holds one
/// table and waits for another; up front, under a lock_timeout shorter than deadlock_timeout, the
/// phase waits (or gives up and retries) and the writer never becomes a deadlock victim.
fn lock_up_front(plan: &mut Plan, cat: &Catalog) {
    let mut out: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < plan.steps.len() {
        let together = plan.steps[i].in_transaction && plan.steps[i].copy.is_none();
        let n = if together {
            plan.steps[i..]
                .iter()
                .take_while(|s| s.in_transaction && s.copy.is_none())
                .count()
        } else {
            1
        };
        let group = &plan.steps[i..i + n];
        let mut strongest: std::collections::BTreeMap<&str, super::Lock> = Default::default();
        for s in group {
            for t in &s.waits {
                let e = strongest.entry(t.as_str()).or_insert(s.lock);
                *e = (*e).max(s.lock);
            }
        }
        let tables_of = |lock: super::Lock| -> Vec<&str> {
            strongest
                .iter()
                .filter(|(_, l)| **l == lock)
                .map(|(t, _)| *t)
                .collect()
        };
        if together && group.len() > 1 {
            for lock in [
                super::Lock::AccessExclusive,
                super::Lock::ShareRowExclusive,
                super::Lock::ShareUpdateExclusive,
            ] {
                let tables = tables_of(lock);
                if tables.is_empty() {
                    continue;
                }
                let names: Vec<String> = tables.iter().map(|t| cat.qualified(t)).collect();
                let mut step = Step::new(
                    format!(
                        "take the {} locks of this transaction up front",
                        lock.as_str()
                    ),
                    format!("LOCK TABLE {} IN {} MODE", names.join(", "), lock.as_str()),
                    lock,
                );
                step.waits = tables.iter().map(|t| t.to_string()).collect();
                out.push(step);
            }
        }
        out.extend(group.iter().cloned());
        i += n;
    }
    plan.steps = out;
}

/// Parses every statement of the plan, fills in the tables each one touches, and refuses a plan
/// that references a protected table.
pub fn check_plan(plan: &mut Plan, mapping: &Mapping) -> Result<()> {
    let protected = crate::sql::Protected::new(mapping.protected.iter().cloned());
    for (i, step) in plan.steps.iter_mut().enumerate() {
        let checked = crate::sql::check(&step.sql, &protected).with_context(|| {
            format!(
                "refusing the plan of phase {}: step {} ({})",
                plan.phase,
                i + 1,
                step.title
            )
        })?;
        step.tables = checked.tables;
        if !step.body.is_empty() {
            let body: Vec<&str> = step.body.iter().map(String::as_str).collect();
            let inner = crate::sql::check_function_body(&body, &protected).with_context(|| {
                format!(
                    "refusing the plan of phase {}: body of step {} ({})",
                    plan.phase,
                    i + 1,
                    step.title
                )
            })?;
            step.tables.extend(inner);
        }
    }
    Ok(())
}

/// Phase order: a phase needs every earlier one applied and verified, and may not run twice; a
/// rollback needs the phase in effect and nothing later in effect.
pub fn check_order(
    client: &mut impl GenericClient,
    phase: Phase,
    direction: Direction,
) -> Result<()> {
    let rows = state::phases(client)?;
    let row = |p: Phase| rows.iter().find(|r| r.phase == p);
    match direction {
        Direction::Apply => {
            for p in Phase::ALL.iter().filter(|p| **p < phase) {
                match row(*p) {
                    Some(r) if r.status == Status::Applied && r.verified => {}
                    Some(r) if r.status == Status::Applied => bail!(
                        "phase {phase} needs phase {p} verified first: run `ra-migrate verify {}` and fix what it reports",
                        p.number()
                    ),
                    Some(r) => bail!(
                        "phase {phase} needs phase {p} applied and verified first (it is {})",
                        r.status.as_str()
                    ),
                    None => bail!(
                        "phase {phase} needs phase {p} applied and verified first (it has not been applied)"
                    ),
                }
            }
            if let Some(r) = row(phase) {
                if r.status == Status::Applied {
                    bail!(
                        "phase {phase} is already applied (since {}){}",
                        r.applied_at.as_deref().unwrap_or("?"),
                        if r.verified {
                            String::new()
                        } else {
                            format!(
                                " but not verified: run `ra-migrate verify {}`",
                                phase.number()
                            )
                        }
                    );
                }
            }
            if let Some(later) = rows
                .iter()
                .find(|r| r.phase > phase && r.status.is_in_effect())
            {
                bail!(
                    "phase {} is still in effect: roll it back first",
                    later.phase
                );
            }
        }
        Direction::Rollback => {
            match row(phase) {
                Some(r) if r.status.is_in_effect() => {}
                _ => bail!("phase {phase} is not applied: nothing to roll back"),
            }
            if let Some(later) = rows
                .iter()
                .rev()
                .find(|r| r.phase > phase && r.status.is_in_effect())
            {
                if later.phase.number() == phase.number() + 1 {
                    bail!("phase {} is still applied: roll it back first", later.phase);
                }
                bail!(
                    "phase {} is still applied: roll back phases {} down to {} first, newest first",
                    later.phase,
                    later.phase.number(),
                    phase.number() + 1
                );
            }
        }
    }
    Ok(())
}

/// The evidence a phase needs before it may start. A failing gate is `Refused` (exit 1) unless
/// `force`, in which case the reason is returned so the caller can say it loudly (the log records
/// the force).
pub fn gate(ctx: &mut Ctx, phase: Phase, direction: Direction) -> Result<Option<String>> {
    if direction != Direction::Apply {
        return Ok(None);
    }
    let failure = match phase {
        Phase::SwitchReaders => match crate::validate::latest_passing_since_last_change(ctx.client)? {
            Some(_) => None,
            None => Some(
                "phase 4 needs a passing validation report newer than the last phase change: run `ra-migrate validate` and fix what it reports".to_string(),
            ),
        },
        Phase::Archive => {
            let cat = ctx.catalog()?;
            let inv = crate::readers::inventory(ctx.client, &cat, ctx.mapping, None)?;
            (!inv.is_empty()).then(|| {
                format!(
                    "phase 5 needs the readers inventory empty, and {} reader(s) still use the old tables: see `ra-migrate readers`",
                    inv.count()
                )
            })
        }
        _ => None,
    };
    match failure {
        None => Ok(None),
        Some(reason) if ctx.force => Ok(Some(reason)),
        Some(reason) => {
            Err(Refused(format!("{reason} (or pass --force, which is recorded)")).into())
        }
    }
}

/// Runs `plan` (built by `plan` above, after `check_order`), records it, then verifies.
pub fn execute(ctx: &mut Ctx, plan: &Plan) -> Result<Outcome> {
    let phase = plan.phase;
    let direction = plan.direction;
    let options = serde_json::json!({
        "lock_timeout_ms": ctx.lock.timeout.as_millis() as u64,
        "lock_retries": ctx.lock.retries,
        "steps": plan.steps.len(),
    });
    let log_id = state::log_start(
        ctx.client,
        Some(phase),
        direction.as_str(),
        ctx.force,
        &options,
    )?;
    let mut statements = Vec::new();
    let resumable = plan.steps.iter().any(|s| !s.in_transaction);
    let result = if resumable {
        run_resumable(ctx, plan, &mut statements)
    } else {
        run_steps(ctx, plan, &mut statements).map(|t| (t, vec![]))
    };
    let (tries, warnings) = match result {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{e:#}");
            state::log_finish(ctx.client, log_id, "failed", &statements, Some(&msg))?;
            let how = if resumable {
                format!(
                    "it stopped part-way and is recorded as such: run the same command again to continue from where it stopped, or roll phase {} back",
                    phase.number()
                )
            } else {
                "it was rolled back: the database is as it was before".to_string()
            };
            return Err(e.context(format!(
                "{} of phase {phase} failed; {how} (log entry {log_id})",
                direction.as_str()
            )));
        }
    };
    let mut problems = warnings;
    problems.extend(verify(ctx, phase, direction)?);
    if phase == Phase::Archive && direction == Direction::Apply {
        // The archive is committed: a failure here must not read as a failed apply.
        if let Err(e) = crate::purge::record_baseline(ctx.client) {
            problems.push(format!(
                "{e:#}: purge will refuse until `ra-migrate purge --accept-activity` records one"
            ));
        }
    }
    let outcome = if problems.is_empty() {
        "ok"
    } else {
        "verify_failed"
    };
    if direction == Direction::Apply {
        state::set_verified(ctx.client, phase, problems.is_empty())?;
    }
    state::log_finish(
        ctx.client,
        log_id,
        outcome,
        &statements,
        (!problems.is_empty())
            .then(|| problems.join("\n"))
            .as_deref(),
    )?;
    Ok(Outcome {
        phase,
        direction,
        log_id,
        statements,
        tries,
        problems,
    })
}

/// All steps of phases 1 run in one transaction; the phase state is written in the same
/// transaction, so the phase is either fully applied and recorded, or not at all.
fn run_steps(ctx: &mut Ctx, plan: &Plan, statements: &mut Vec<String>) -> Result<u32> {
    let lock = ctx.lock.clone();
    let force = ctx.force;
    let what = format!("{} phase {}", plan.direction.as_str(), plan.phase);
    let mut tries = 0;
    db::with_lock_retry(&lock, &what, |attempt| {
        tries = attempt + 1;
        statements.clear();
        let mut tx = ctx.client.transaction()?;
        let mut exec = |tx: &mut postgres::Transaction, sql: &str| -> Result<()> {
            statements.push(sql.to_string());
            tx.batch_execute(sql).map_err(anyhow::Error::from)
        };
        exec(&mut tx, &db::set_local_lock_timeout(&lock))?;
        // Writers hold this lock shared while they read the phase: no write straddles the change.
        exec(
            &mut tx,
            &format!(
                "SELECT pg_advisory_xact_lock({}, {})",
                db::LOCK_CLASS,
                db::PHASE_LOCK
            ),
        )
        .context("waiting for in-flight writers to finish their transactions")?;
        for (i, step) in plan.steps.iter().enumerate() {
            exec(&mut tx, &step.sql).with_context(|| format!("step {} ({})", i + 1, step.title))?;
        }
        let (status, detail) = match plan.direction {
            Direction::Apply => (Status::Applied, plan.record.clone()),
            // Keep what the phase had created, so the rollback's verification can check it is gone.
            Direction::Rollback => (Status::RolledBack, plan.record.clone()),
        };
        state::set_phase(&mut tx, plan.phase, status, false, force, &detail)?;
        tx.commit().map_err(|e| anyhow!(e).context("committing"))?;
        Ok(())
    })?;
    Ok(tries)
}

/// A phase too long for one transaction (the backfill): recorded as in progress first, then each
/// step in its own short transaction (batches checkpoint themselves), then recorded as done. Every
/// step is safe to run again, so a rerun after a crash continues where it stopped.
fn run_resumable(
    ctx: &mut Ctx,
    plan: &Plan,
    statements: &mut Vec<String>,
) -> Result<(u32, Vec<String>)> {
    let lock = ctx.lock.clone();
    let (running, done) = match plan.direction {
        Direction::Apply => (Status::Applying, Status::Applied),
        Direction::Rollback => (Status::RollingBack, Status::RolledBack),
    };
    transition(ctx, plan, running, &lock)?;
    let mut warnings = Vec::new();
    let mut tries = 1;
    let mut i = 0;
    while i < plan.steps.len() {
        let step = &plan.steps[i];
        let what = format!("step {} ({})", i + 1, step.title);
        if let Some(copy) = &step.copy {
            statements.push(format!(
                "-- backfill {} -> {}: {}",
                copy.old, copy.new, copy.statements[3]
            ));
            crate::backfill::run(ctx.client, copy, &ctx.tuning, &lock, ctx.progress)
                .with_context(|| what.clone())?;
            i += 1;
            continue;
        }
        // Consecutive transactional steps change what writers see together: one transaction,
        // taken under the exclusive phase lock.
        let group: Vec<&Step> = if step.in_transaction {
            plan.steps[i..]
                .iter()
                .take_while(|s| s.in_transaction && s.copy.is_none())
                .collect()
        } else {
            vec![step]
        };
        let together = step.in_transaction;
        let result = db::with_lock_retry(&lock, &what, |attempt| {
            tries = tries.max(attempt + 1);
            let mut tx = ctx.client.transaction()?;
            tx.batch_execute(&db::set_local_lock_timeout(&lock))?;
            if together {
                tx.batch_execute(&format!(
                    "SELECT pg_advisory_xact_lock({}, {})",
                    db::LOCK_CLASS,
                    db::PHASE_LOCK
                ))?;
            }
            for (k, s) in group.iter().enumerate() {
                tx.batch_execute(&s.sql)
                    .with_context(|| format!("step {} ({})", i + k + 1, s.title))?;
            }
            tx.commit()?;
            Ok(())
        });
        statements.extend(group.iter().map(|s| s.sql.clone()));
        match result {
            Err(e) if step.tolerate_fk_violation && is_fk_violation(&e) => {
                warnings.push(format!("{what}: {e:#}: the constraint stays NOT VALID"));
            }
            other => other.with_context(|| what.clone())?,
        }
        i += group.len();
    }
    transition(ctx, plan, done, &lock)?;
    Ok((tries, warnings))
}

/// Records a phase's status under the exclusive phase lock (no writer is mid-transaction).
fn transition(ctx: &mut Ctx, plan: &Plan, status: Status, lock: &LockPolicy) -> Result<()> {
    let force = ctx.force;
    db::with_lock_retry(lock, "recording the phase", |_| {
        let mut tx = ctx.client.transaction()?;
        tx.batch_execute(&db::set_local_lock_timeout(lock))?;
        tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({}, {})",
            db::LOCK_CLASS,
            db::PHASE_LOCK
        ))?;
        state::set_phase(&mut tx, plan.phase, status, false, force, &plan.record)?;
        tx.commit()?;
        Ok(())
    })
}

fn is_fk_violation(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|code| *code == postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
    })
}

/// Steps whose SQL shows in a preview but is run by the backfill.
pub fn is_copy(step: &Step) -> bool {
    step.copy.is_some()
}

/// Checks the result of a phase (or of its rollback) against the live catalog.
pub fn verify(ctx: &mut Ctx, phase: Phase, direction: Direction) -> Result<Vec<String>> {
    let cat = ctx.catalog()?;
    match (phase, direction) {
        (Phase::Create, Direction::Apply) => create::verify(&cat, ctx.mapping),
        (Phase::Create, Direction::Rollback) => {
            let detail = state::phase_row(ctx.client, phase)?
                .map(|r| r.detail)
                .unwrap_or_default();
            Ok(create::verify_rollback(
                &cat,
                &create::Record::from_detail(&detail)?,
            ))
        }
        (Phase::DualWrite, Direction::Apply) => dual_write::verify(ctx.client, &cat, ctx.mapping),
        (Phase::Backfill, Direction::Apply) => {
            let row = state::phase_row(ctx.client, phase)?;
            backfill::verify(ctx.client, &cat, ctx.mapping, &detail(row.as_ref())?)
        }
        (Phase::Backfill, Direction::Rollback) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(backfill::verify_rollback(&cat, &detail(row.as_ref())?))
        }
        (Phase::SwitchReaders, Direction::Apply) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(switch_readers::verify(
                &cat,
                ctx.mapping,
                &detail(row.as_ref())?,
            ))
        }
        (Phase::SwitchReaders, Direction::Rollback) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(switch_readers::verify_rollback(
                &cat,
                ctx.mapping,
                &detail(row.as_ref())?,
            ))
        }
        (Phase::DualWrite, Direction::Rollback) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(dual_write::verify_rollback(&cat, &detail(row.as_ref())?))
        }
        (Phase::Archive, Direction::Apply) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(archive::verify(&cat, &detail(row.as_ref())?))
        }
        (Phase::Archive, Direction::Rollback) => {
            let row = state::phase_row(ctx.client, phase)?;
            Ok(archive::verify_rollback(&cat, &detail(row.as_ref())?))
        }
    }
}

/// A phase's record, as stored in `phase_state.detail`.
fn detail<T: serde::de::DeserializeOwned + Default>(row: Option<&state::PhaseRow>) -> Result<T> {
    match row {
        Some(r) => serde_json::from_value(r.detail.clone()).with_context(|| {
            format!(
                "reading what phase {} recorded in ra_migrate.phase_state.detail",
                r.phase
            )
        }),
        None => Ok(T::default()),
    }
}
