//! The phase engine, shared by all phases: builds a phase's plan, checks every statement with
//! sqlparser, enforces phase order, runs exactly the plan (DDL under a short `lock_timeout` with a
//! capped retry, inside one transaction where the steps allow), records the outcome, and verifies.
//! Domain code never prints: the caller renders plans and outcomes.

use super::{
    archive, backfill, beside, create, dual_write, switch_readers, Direction, Facts, Phase, Plan,
    Step, Tx,
};
use crate::pg::db::{self, LockPolicy};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
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
    pub tuning: crate::phase::copy::Tuning,
    pub progress: &'a dyn crate::phase::copy::CopyProgress,
    /// Phase 4: switch functions as well as views.
    pub switch_functions: bool,
    /// Where to open a second session for the steps that run beside the phase's own
    /// ([`Step::beside`]); without one they run in turn on `client`.
    pub url: Option<&'a str>,
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
    let facts = Facts::gather(
        ctx.client,
        ctx.schema,
        ctx.mapping,
        &[(phase, direction)],
        ctx.switch_functions,
    )?;
    plan_from(&facts, ctx.mapping, phase, direction)
}

/// [`plan`] from facts gathered beforehand: reads nothing, so it runs without a database.
pub fn plan_from(
    facts: &Facts,
    mapping: &Mapping,
    phase: Phase,
    direction: Direction,
) -> Result<Plan> {
    let cat = &facts.catalog;
    let mut plan = match phase {
        Phase::Create => create::plan(facts, mapping, direction)?,
        Phase::DualWrite => dual_write::plan(facts, mapping, direction)?,
        Phase::Backfill => backfill::plan(facts, mapping, direction)?,
        Phase::SwitchReaders => switch_readers::plan(facts, mapping, direction)?,
        Phase::Archive => archive::plan(facts, mapping, direction)?,
    };
    check_plan(&mut plan, mapping, cat)?;
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
    lock_up_front(&mut plan, cat, mapping);
    // The other steps were checked above and are unchanged: parse only what was added.
    check_steps(&mut plan, mapping, cat, |s| s.up_front)?;
    Ok(plan)
}

/// Every transaction of the plan first takes, in one go, the strongest lock each existing table
/// will need. Taking them one by one, step after step, can deadlock with a writer that holds one
/// table and waits for another; up front, under a lock_timeout shorter than deadlock_timeout, the
/// phase waits (or gives up and retries) and the writer never becomes a deadlock victim.
///
/// The order is the one writers use: a writer of an old master locks it, then its dual-write
/// trigger writes the twin, so each pair is taken old first; tables that are not masters (fact
/// tables, views) first, as a writer of a fact table reaches the masters last, through its foreign
/// keys. Writers of the new names lock the other way round, so every other try takes the same
/// locks in the reverse order: whichever way the writers go, half the tries meet them in their
/// order. The order holds across lock modes (one statement per run of tables with the same mode).
fn lock_up_front(plan: &mut Plan, cat: &Catalog, mapping: &Mapping) {
    let mut out: Vec<Step> = Vec::new();
    for t in super::transactions(&plan.steps) {
        let group = &plan.steps[t.steps];
        let together = t.tx == Tx::Phase && group.len() > 1;
        if !together {
            out.extend(group.iter().cloned());
            continue;
        }
        let mut strongest: std::collections::BTreeMap<&str, super::Lock> = Default::default();
        for s in group {
            for t in &s.waits {
                let e = strongest.entry(t.as_str()).or_insert(s.lock);
                *e = (*e).max(s.lock);
            }
        }
        // Statements that only create objects nothing uses yet (trigger functions, their
        // privileges, the gate's table) run before the locks are taken: writers wait only for
        // the statements that need the tables.
        let (early, rest): (Vec<&Step>, Vec<&Step>) = group.iter().partition(|s| independent(s));
        out.extend(early.into_iter().cloned());
        let mut order: Vec<(&str, super::Lock)> = strongest
            .into_iter()
            .filter(|(_, l)| {
                matches!(
                    l,
                    super::Lock::AccessExclusive
                        | super::Lock::ShareRowExclusive
                        | super::Lock::ShareUpdateExclusive
                )
            })
            .collect();
        order.sort_by_key(|(t, _)| (writers_rank(mapping, t), *t));
        let forward = lock_steps(&order, cat);
        order.reverse();
        let reverse = lock_steps(&order, cat);
        for (mut step, alt) in forward.into_iter().zip(reverse) {
            if alt.sql != step.sql {
                step.alternate = Some(Box::new(alt));
            }
            out.push(step);
        }
        out.extend(rest.into_iter().cloned());
    }
    plan.steps = out;
}

/// A step that creates an object no table uses yet, and needs no table lock: it may run before the
/// transaction's locks are taken. (`CREATE OR REPLACE FUNCTION` does not check the tables its body
/// names, so a function for a table renamed later in the transaction is fine.)
fn independent(step: &Step) -> bool {
    step.lock == super::Lock::None
        && step.copy.is_none()
        && (step.sql.starts_with("CREATE OR REPLACE FUNCTION ")
            || step.sql.starts_with("REVOKE ALL ON FUNCTION ")
            || step.sql.starts_with("CREATE TABLE ra_migrate."))
}

/// Where writers reach `table`: 0 for a table that is not a master, then each master pair in the
/// mapping's order, the old (or archived) name before the new one.
fn writers_rank(mapping: &Mapping, table: &str) -> (usize, usize) {
    mapping
        .tables
        .iter()
        .filter(|m| m.new_name.is_some())
        .enumerate()
        .find_map(|(k, m)| {
            if m.name == table || m.archived_name() == table {
                Some((k + 1, 0))
            } else if m.new_name.as_deref() == Some(table) {
                Some((k + 1, 1))
            } else {
                None
            }
        })
        .unwrap_or((0, 0))
}

/// `LOCK TABLE` statements taking `order`'s locks in that order: one per run of the same mode.
fn lock_steps(order: &[(&str, super::Lock)], cat: &Catalog) -> Vec<Step> {
    order
        .chunk_by(|a, b| a.1 == b.1)
        .map(|run| {
            let lock = run[0].1;
            let names: Vec<String> = run.iter().map(|(t, _)| cat.qualified(t)).collect();
            let mut step = Step::new(
                format!(
                    "take the {} locks of this transaction up front, in writers' order (every other try in the reverse order)",
                    lock.as_str()
                ),
                format!("LOCK TABLE {} IN {} MODE", names.join(", "), lock.as_str()),
                lock,
            );
            step.waits = run.iter().map(|(t, _)| t.to_string()).collect();
            step.up_front = true;
            step
        })
        .collect()
}

/// Parses every statement of the plan, fills in the tables each one touches, and refuses a plan
/// that references a protected table. A dropped foreign key touches the table it references too
/// (PostgreSQL locks it ACCESS EXCLUSIVE though the statement does not name it), looked up in
/// `cat`: counted among the step's tables, it is locked up front with the others, instead of the
/// drop queueing for it mid-transaction with writers of every table already locked behind it.
pub fn check_plan(plan: &mut Plan, mapping: &Mapping, cat: &Catalog) -> Result<()> {
    check_steps(plan, mapping, cat, |_| true)
}

/// [`check_plan`] of the steps `which` picks.
fn check_steps(
    plan: &mut Plan,
    mapping: &Mapping,
    cat: &Catalog,
    which: impl Fn(&Step) -> bool,
) -> Result<()> {
    let protected = crate::schema::sql::Protected::new(mapping.protected.iter().cloned());
    for (i, step) in plan.steps.iter_mut().enumerate() {
        if !which(step) {
            continue;
        }
        // The second session takes no phase lock: a step there must not make writers wait.
        if step.beside && (step.tx == Tx::Phase || step.lock.blocks_writers()) {
            bail!(
                "refusing the plan of phase {}: step {} ({}) would make writers wait on the second session",
                plan.phase,
                i + 1,
                step.title
            );
        }
        let checked = crate::schema::sql::check(&step.sql, &protected).with_context(|| {
            format!(
                "refusing the plan of phase {}: step {} ({})",
                plan.phase,
                i + 1,
                step.title
            )
        })?;
        step.tables = checked.tables;
        for (table, name) in &checked.dropped_constraints {
            let referenced = cat
                .table(table)
                .and_then(|t| t.constraints.iter().find(|c| &c.name == name))
                .and_then(|c| c.ref_table.clone());
            step.tables.extend(referenced);
        }
        if let Some(alt) = step.alternate.as_deref_mut() {
            alt.tables = crate::schema::sql::check(&alt.sql, &protected)
                .with_context(|| {
                    format!(
                        "refusing the plan of phase {}: step {} ({}), as run on every other try",
                        plan.phase,
                        i + 1,
                        step.title
                    )
                })?
                .tables;
        }
        if !step.body.is_empty() {
            let body: Vec<&str> = step.body.iter().map(String::as_str).collect();
            let inner =
                crate::schema::sql::check_function_body(&body, &protected).with_context(|| {
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
        Phase::SwitchReaders => match crate::state::latest_passing_since_last_change(ctx.client)? {
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
    crate::interrupt::point(|| format!("{}: start", command(plan)));
    let resumable = plan.steps.iter().any(|s| s.tx != Tx::Phase);
    let result = if resumable {
        run_resumable(ctx, plan, &mut statements)
    } else {
        run_steps(ctx, plan, &mut statements)
            .map(|tries| StepsRan {
                tries,
                ..StepsRan::default()
            })
            .map_err(|error| Stopped {
                error,
                changed: false,
            })
    };
    // A try that timed out leaves the fetchers' gate closed for the next: open it now.
    db::open_phase_gate(ctx.client);
    let StepsRan {
        tries,
        warnings,
        compared,
    } = match result {
        Ok(r) => r,
        Err(Stopped { error: e, changed }) => {
            let msg = format!("{e:#}");
            state::log_finish(ctx.client, log_id, "failed", &statements, Some(&msg))?;
            let how = if changed {
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
    crate::interrupt::point(|| format!("{}: before verify", command(plan)));
    problems.extend(verify_after(ctx, phase, direction, compared)?);
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

/// `apply 3`, `rollback 5`: how interruption points name the command.
fn command(plan: &Plan) -> String {
    format!("{} {}", plan.direction.as_str(), plan.phase.number())
}

/// Why a run stopped, and whether it had committed anything by then: a run that had not is
/// reported like an atomic phase's failure, and leaves the phase state as it was.
struct Stopped {
    error: anyhow::Error,
    changed: bool,
}

/// PostgreSQL's name of a lock mode, as `pg_locks.mode` shows it.
fn pg_mode(lock: super::Lock) -> Option<&'static str> {
    use super::Lock::*;
    match lock {
        None => Option::None,
        AccessShare => Some("AccessShareLock"),
        RowExclusive => Some("RowExclusiveLock"),
        ShareUpdateExclusive => Some("ShareUpdateExclusiveLock"),
        ShareRowExclusive => Some("ShareRowExclusiveLock"),
        AccessExclusive => Some("AccessExclusiveLock"),
    }
}

/// The locks a step asks for: its mode on the relations it locks.
pub(super) fn needs(step: &Step, schema: &str) -> Vec<db::Need> {
    let Some(mode) = pg_mode(step.lock) else {
        return vec![];
    };
    step.locks_only
        .as_ref()
        .unwrap_or(&step.tables)
        .iter()
        .map(|t| db::Need {
            schema: schema.to_string(),
            table: t.clone(),
            mode,
        })
        .collect()
}

/// When `steps` begins with a run of up-front `LOCK TABLE` steps: takes them without queueing if
/// they come free within the policy's polling time ([`db::lock_without_queueing`]). Says how many
/// steps the run has (0 when `steps` does not begin with one) and whether they were taken; when
/// not, they must run (and queue) as usual, without polling again.
fn lock_without_queueing(
    tx: &mut postgres::Transaction,
    steps: &[Step],
    attempt: u32,
    lock: &LockPolicy,
    sent: &mut Vec<String>,
) -> Result<(usize, bool)> {
    let run: Vec<String> = steps
        .iter()
        .map(|s| s.for_try(attempt))
        .take_while(|s| s.up_front)
        .map(|s| s.sql.clone())
        .collect();
    let (polls, taken) = db::lock_without_queueing(tx, &run, lock)?;
    sent.extend(polls);
    Ok((run.len(), taken))
}

/// The locks of try `attempt` of `steps` that make writers wait.
fn blocking_needs(steps: &[Step], attempt: u32, schema: &str) -> Vec<db::Need> {
    steps
        .iter()
        .map(|s| s.for_try(attempt))
        .filter(|s| s.lock.blocks_writers())
        .flat_map(|s| needs(s, schema))
        .collect()
}

/// Runs the try `running` names of `steps` (the first is plan step `first + 1`) in `tx`: each run
/// of up-front locks taken without queueing if they come free in time (else run, and queued for,
/// like the other steps), then every statement, `point` passed before each step. `running` says
/// which step runs, so a lock timeout can be traced to the locks it asked for.
fn run_in(
    tx: &mut postgres::Transaction,
    steps: &[Step],
    first: usize,
    lock: &LockPolicy,
    sent: &mut Vec<String>,
    running: &std::cell::Cell<Running>,
    point: &dyn Fn(usize),
) -> Result<()> {
    let attempt = running.get().attempt;
    let (mut polled, mut locked) = (0, 0);
    for (k, step) in steps.iter().enumerate() {
        point(first + k);
        running.set(Running {
            step: Some(k),
            attempt,
        });
        if k < locked {
            continue;
        }
        if k >= polled {
            let (n, taken) = lock_without_queueing(tx, &steps[k..], attempt, lock, sent)?;
            polled = k + n;
            if taken {
                locked = polled;
                continue;
            }
        }
        let step = step.for_try(attempt);
        sent.push(step.sql.clone());
        tx.batch_execute(&step.sql)
            .with_context(|| format!("step {} ({})", first + k + 1, step.title))?;
    }
    running.set(Running {
        step: None,
        attempt,
    });
    Ok(())
}

/// Which step of a try is running, so a lock timeout can be traced to the locks it asked for.
#[derive(Clone, Copy, Default)]
struct Running {
    step: Option<usize>,
    attempt: u32,
}

/// All steps of phases 1 run in one transaction; the phase state is written in the same
/// transaction, so the phase is either fully applied and recorded, or not at all.
fn run_steps(ctx: &mut Ctx, plan: &Plan, statements: &mut Vec<String>) -> Result<u32> {
    let lock = ctx.lock.clone();
    let force = ctx.force;
    let schema = ctx.schema;
    let mapping = ctx.mapping;
    let what = format!("{} phase {}", plan.direction.as_str(), plan.phase);
    // Phase 2's proof needs the pairs of tables, which its steps do not change: read them before
    // the masters are locked, not while writers wait.
    let proving = (plan.phase, plan.direction) == (Phase::DualWrite, Direction::Apply);
    let before = if proving {
        Some(Catalog::read(ctx.client, schema)?)
    } else {
        None
    };
    let mut tries = 0;
    let running = std::cell::Cell::new(Running::default());
    let needs_now = || {
        let r = running.get();
        r.step
            .and_then(|i| plan.steps.get(i))
            .map(|s| needs(s.for_try(r.attempt), schema))
            .unwrap_or_default()
    };
    db::with_lock_retry_on(ctx.client, &lock, &what, &needs_now, |client, attempt| {
        tries = attempt + 1;
        running.set(Running {
            step: None,
            attempt,
        });
        db::cancel_autovacuums_in_the_way(
            client,
            &what,
            &blocking_needs(&plan.steps, attempt, schema),
        );
        statements.clear();
        let mut tx = begin(client, &lock, true, statements)?;
        run_in(&mut tx, &plan.steps, 0, &lock, statements, &running, &|i| {
            crate::interrupt::point(|| format!("{}: step {}", command(plan), i + 1))
        })?;
        // Dual-write is proved before it is committed: triggers that would reject writers'
        // statements are never left in place.
        if let Some(cat) = &before {
            statements.push(
                "-- prove dual-write (plain UPDATE and DELETE, rolled back to a savepoint)".into(),
            );
            dual_write::prove_before_commit(&mut tx, cat, mapping)?;
        }
        // Likewise the copies' structure: a copy that differs from its old table is never left
        // behind as "applied, not verified".
        if (plan.phase, plan.direction) == (Phase::Create, Direction::Apply) {
            statements.push("-- compare every new table with its old one".into());
            let cat = Catalog::read(&mut tx, schema)?;
            let problems = create::verify_apply(&cat, mapping)?;
            if !problems.is_empty() {
                bail!(
                    "the new tables would differ from the old ones, so nothing is committed: {}",
                    problems.join("; ")
                );
            }
        }
        let (status, detail) = match plan.direction {
            Direction::Apply => (Status::Applied, plan.record.clone()),
            // Keep what the phase had created, so the rollback's verification can check it is gone.
            Direction::Rollback => (Status::RolledBack, plan.record.clone()),
        };
        state::set_phase(&mut tx, plan.phase, status, false, force, &detail)?;
        crate::interrupt::point(|| format!("{}: commit", command(plan)));
        tx.commit().map_err(|e| anyhow!(e).context("committing"))?;
        Ok(())
    })?;
    Ok(tries)
}

/// What running a plan's steps gave: its tries, its warnings, and the problems of phase 3's content
/// comparison when the run made it.
#[derive(Default)]
struct StepsRan {
    tries: u32,
    warnings: Vec<String>,
    compared: Option<Vec<String>>,
}

/// A phase too long for one transaction (the backfill): each step in its own short transaction
/// (batches checkpoint themselves), then recorded as done. Every step is safe to run again, so a
/// rerun after a crash continues where it stopped.
///
/// The phase is recorded as in progress together with its first change: in the transaction of the
/// first group of transactional steps or, when a step that commits on its own comes first (a
/// batched copy, a VALIDATE that must not hold the phase lock), just before it, and then put back
/// as it was if that step commits nothing. A run refused before any change (a lock timeout on the
/// first step, say) leaves the phase state as it was, like an atomic phase.
///
/// Steps marked [`Step::beside`] are queued to a second session when `ctx.url` allows one; a step
/// marked [`Step::joins`] and the phase's record wait for it. Phase 3's content comparison starts
/// on the first second session opened after such a wait. What it returns: the tries, the
/// warnings, and that comparison's problems when it ran (verification then does not repeat it).
fn run_resumable(
    ctx: &mut Ctx,
    plan: &Plan,
    statements: &mut Vec<String>,
) -> std::result::Result<StepsRan, Stopped> {
    let lock = ctx.lock.clone();
    let force = ctx.force;
    let schema = ctx.schema;
    let (mut url, mapping, progress) = (ctx.url, ctx.mapping, ctx.progress);
    let tuning = &ctx.tuning.clone();
    // Phase 3's verification compares every master with its new table: on the second session it
    // does so beside the foreign keys' validation, in a snapshot taken after the last copy.
    let mut compare = (plan.phase, plan.direction) == (Phase::Backfill, Direction::Apply);
    let mut joined = false;
    let (running_status, done) = match plan.direction {
        Direction::Apply => (Status::Applying, Status::Applied),
        Direction::Rollback => (Status::RollingBack, Status::RolledBack),
    };
    std::thread::scope(|scope| {
        let mut second: Option<beside::Session> = None;
        let mut recorded = false;
        let mut changed = false;
        // What to put back when the phase was recorded as running ahead of a step that changed nothing.
        let mut before: Option<Option<serde_json::Value>> = None;
        let mut warnings = Vec::new();
        let mut tries = 1;
        // A failure on this session: the second one stops after its step, and what it committed
        // counts as a change.
        macro_rules! stop {
            ($error:expr) => {{
                if let Some(session) = second.take() {
                    let ran = session.abandon();
                    statements.extend(ran.statements);
                    changed |= ran.advanced;
                }
                return Err(stop_unchanged(ctx, plan, $error, changed, before.as_ref()));
            }};
        }
        for transaction in super::transactions(&plan.steps) {
            let i = transaction.steps.start;
            let step = &plan.steps[i];
            let what = format!("step {} ({})", i + 1, step.title);
            if transaction.joins(&plan.steps) {
                if let Some(session) = second.take() {
                    let ran = session.finish();
                    statements.extend(ran.statements);
                    changed |= ran.advanced;
                    if let Some(error) = ran.error {
                        return Err(stop_unchanged(ctx, plan, error, changed, before.as_ref()));
                    }
                }
                joined = true;
            }
            if let (true, Some(to), None) = (step.beside, url, &second) {
                // A role at its connection limit, say: the steps run in turn on this session.
                match beside::connect(to, &format!("{} (second session)", command(plan))) {
                    Ok(client) => {
                        let compare_now = compare && joined;
                        compare &= !compare_now;
                        let work = beside::Work {
                            plan,
                            schema,
                            mapping,
                            lock: lock.clone(),
                            tuning,
                            progress,
                            compare: compare_now,
                        };
                        second = Some(beside::Session::start(scope, client, work));
                    }
                    Err(e) => {
                        tracing::warn!("{what}: no second session, so it runs on this one: {e:#}");
                        statements.push(format!(
                            "-- no second session ({e:#}): {what} and the rest run on this one"
                        ));
                        url = None;
                    }
                }
            }
            if let (true, Some(session)) = (step.beside, &second) {
                if !recorded {
                    before = Some(
                        record_running(ctx, plan, running_status, &lock)
                            .map_err(|error| Stopped { error, changed })?,
                    );
                    recorded = true;
                }
                crate::interrupt::point(|| format!("{}: step {}", command(plan), i + 1));
                session.queue(i);
                let end = transaction.steps.end;
                crate::interrupt::point(|| format!("{}: after step {end}", command(plan)));
                continue;
            }
            if let (Tx::Batched, Some(copy)) = (transaction.tx, &step.copy) {
                statements.push(format!(
                    "-- backfill {} -> {}: {}",
                    copy.old, copy.new, copy.statements[3]
                ));
                if !recorded {
                    before = Some(
                        record_running(ctx, plan, running_status, &lock)
                            .map_err(|error| Stopped { error, changed })?,
                    );
                    recorded = true;
                }
                let watched = crate::phase::copy::Watched::new(progress);
                let result = crate::phase::copy::run(ctx.client, copy, tuning, &lock, &watched)
                    .with_context(|| what.clone());
                changed |= watched.advanced();
                if let Err(error) = result {
                    stop!(error);
                }
                continue;
            }
            // Consecutive steps of the phase's transaction change what writers see together: one
            // transaction, taken under the exclusive phase lock.
            let group = &plan.steps[transaction.steps.clone()];
            let together = transaction.tx == Tx::Phase;
            let phase_lock = transaction.phase_lock(&plan.steps);
            let what = if group.len() > 1 {
                format!("steps {} to {} (one transaction)", i + 1, i + group.len())
            } else {
                what
            };
            // A step outside the phase's transactions (a long VALIDATE) must not hold the phase lock
            // for its whole run: the phase is recorded just before it instead, like before a copy.
            if !together && !recorded {
                before = Some(
                    record_running(ctx, plan, running_status, &lock)
                        .map_err(|error| Stopped { error, changed })?,
                );
                recorded = true;
            }
            let record_here = !recorded;
            let running = std::cell::Cell::new(Running::default());
            let needs_now = || {
                let r = running.get();
                r.step
                    .and_then(|k| group.get(k))
                    .map(|s| needs(s.for_try(r.attempt), schema))
                    .unwrap_or_default()
            };
            let mut sent = Vec::new();
            crate::interrupt::point(|| format!("{}: step {}", command(plan), i + 1));
            let result =
                db::with_lock_retry_on(ctx.client, &lock, &what, &needs_now, |client, attempt| {
                    tries = tries.max(attempt + 1);
                    db::cancel_autovacuums_in_the_way(
                        client,
                        &what,
                        &blocking_needs(group, attempt, schema),
                    );
                    sent.clear();
                    let mut tx = begin(client, &lock, phase_lock, &mut sent)?;
                    running.set(Running {
                        step: None,
                        attempt,
                    });
                    run_in(&mut tx, group, i, &lock, &mut sent, &running, &|_| {})?;
                    if record_here {
                        state::set_phase(
                            &mut tx,
                            plan.phase,
                            running_status,
                            false,
                            force,
                            &plan.record,
                        )?;
                    }
                    tx.commit()?;
                    Ok(())
                });
            statements.extend(sent);
            match result {
                Ok(()) => {
                    recorded = true;
                    changed = true;
                }
                Err(e) if step.tolerate_fk_violation && is_fk_violation(&e) => {
                    // `e` already names the step.
                    warnings.push(format!(
                    "{e:#}: the constraint stays NOT VALID (`ra-migrate orphans` lists and resolves the rows it refuses)"
                ));
                }
                Err(error) => {
                    stop!(error);
                }
            }
            let i = transaction.steps.end;
            crate::interrupt::point(|| format!("{}: after step {i}", command(plan)));
        }
        let mut compared = None;
        if let Some(session) = second.take() {
            let ran = session.finish();
            statements.extend(ran.statements);
            changed |= ran.advanced;
            if let Some(error) = ran.error {
                return Err(stop_unchanged(ctx, plan, error, changed, before.as_ref()));
            }
            compared = ran.compared;
        }
        crate::interrupt::point(|| format!("{}: recording", command(plan)));
        transition(ctx, plan, done, &lock).map_err(|error| Stopped {
            error,
            changed: true,
        })?;
        Ok(StepsRan {
            tries,
            warnings,
            compared,
        })
    })
}

/// Records the phase as running ahead of a step that commits on its own, returning the state it
/// had, to put back if the step then changes nothing.
fn record_running(
    ctx: &mut Ctx,
    plan: &Plan,
    status: Status,
    lock: &LockPolicy,
) -> Result<Option<serde_json::Value>> {
    let snapshot = state::snapshot_phase(ctx.client, plan.phase)?;
    transition(ctx, plan, status, lock)?;
    Ok(snapshot)
}

/// The run stopped: when nothing was committed but a copy had recorded the phase as running,
/// the phase state is put back as it was.
fn stop_unchanged(
    ctx: &mut Ctx,
    plan: &Plan,
    error: anyhow::Error,
    changed: bool,
    before: Option<&Option<serde_json::Value>>,
) -> Stopped {
    let Some(snapshot) = before.filter(|_| !changed) else {
        return Stopped { error, changed };
    };
    let lock = ctx.lock.clone();
    let restored = db::with_lock_retry(&lock, "putting the phase state back", |_| {
        let mut tx = begin(ctx.client, &lock, true, &mut Vec::new())?;
        state::restore_phase(&mut tx, plan.phase, snapshot.as_ref())?;
        tx.commit()?;
        Ok(())
    });
    match restored {
        Ok(()) => Stopped {
            error,
            changed: false,
        },
        // The phase stays recorded as running, which a rerun handles like any stopped run.
        Err(restore) => Stopped {
            error: error.context(format!(
                "putting the phase state back failed too ({restore:#})"
            )),
            changed: true,
        },
    }
}

/// Records a phase's status under the exclusive phase lock (no writer is mid-transaction).
fn transition(ctx: &mut Ctx, plan: &Plan, status: Status, lock: &LockPolicy) -> Result<()> {
    let force = ctx.force;
    db::with_lock_retry(lock, "recording the phase", |_| {
        let mut tx = begin(ctx.client, lock, true, &mut Vec::new())?;
        state::set_phase(&mut tx, plan.phase, status, false, force, &plan.record)?;
        tx.commit()?;
        Ok(())
    })
}

/// Opens one transaction of a plan: this try's `lock_timeout`, and for the phase's own
/// transactions the exclusive phase lock (writers hold it shared while they read the phase, so no
/// write straddles the change). What it sends is added to `sent`.
pub(super) fn begin<'c>(
    client: &'c mut Client,
    lock: &LockPolicy,
    phase_lock: bool,
    sent: &mut Vec<String>,
) -> Result<postgres::Transaction<'c>> {
    let mut tx = client.transaction()?;
    let timeout = db::set_local_lock_timeout(lock);
    sent.push(timeout.clone());
    tx.batch_execute(&timeout)?;
    if phase_lock {
        let sql = db::exclusive_phase_lock_sql();
        sent.push(sql.clone());
        tx.batch_execute(&sql)
            .context("waiting for in-flight writers to finish their transactions")?;
    }
    Ok(tx)
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
    verify_after(ctx, phase, direction, None)
}

/// [`verify`], given the problems of phase 3's content comparison when the run already made it
/// (beside its last steps).
fn verify_after(
    ctx: &mut Ctx,
    phase: Phase,
    direction: Direction,
    compared: Option<Vec<String>>,
) -> Result<Vec<String>> {
    let facts = Facts::gather(
        ctx.client,
        ctx.schema,
        ctx.mapping,
        &[],
        ctx.switch_functions,
    )?;
    let (client, mapping) = (&mut *ctx.client, ctx.mapping);
    match phase {
        Phase::Create => create::verify(client, &facts, mapping, direction),
        Phase::DualWrite => dual_write::verify(client, &facts, mapping, direction),
        Phase::Backfill => backfill::verify(client, &facts, mapping, direction, compared),
        Phase::SwitchReaders => switch_readers::verify(client, &facts, mapping, direction),
        Phase::Archive => archive::verify(client, &facts, mapping, direction),
    }
}
