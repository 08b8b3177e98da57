//! The tool's own state in schema `ra_migrate`: installed by embedded refinery migrations, read and
//! written only through this module (phase status, the operation log, protected fingerprints).

use crate::phase::Phase;
use anyhow::{bail, Context, Result};
use postgres::{Client, GenericClient};
use serde::Serialize;

pub const SCHEMA: &str = "ra_migrate";
const HISTORY_TABLE: &str = "ra_migrate.refinery_schema_history";

mod embedded {
    refinery::embed_migrations!("migrations");
}

#[derive(Debug, Serialize)]
pub struct InitReport {
    pub migrations_applied: Vec<String>,
    pub fingerprints_recorded: Vec<String>,
}

/// Creates or upgrades the tool's schema and records the protected tables' fingerprints (once:
/// later runs keep the first ones, so `validate` can prove they never changed). Idempotent.
pub fn init(client: &mut Client, protected: &[String]) -> Result<InitReport> {
    client
        .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        .context("creating schema ra_migrate")?;
    let report = embedded::migrations::runner()
        .set_migration_table_name(HISTORY_TABLE)
        .run(client)
        .context("installing the tool's state tables")?;
    let migrations_applied = report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect();
    let fingerprints_recorded = record_protected_fingerprints(client, protected)?;
    Ok(InitReport {
        migrations_applied,
        fingerprints_recorded,
    })
}

/// Fails with a clear message unless `init` has run on this database.
pub fn require_init(client: &mut impl GenericClient) -> Result<()> {
    let ok: bool = client
        .query_one(
            "SELECT to_regclass('ra_migrate.phase_state') IS NOT NULL",
            &[],
        )
        .context("checking for the tool's state tables")?
        .get(0);
    if !ok {
        bail!("ra-migrate is not initialised in this database: run `ra-migrate init` first");
    }
    let needed = embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version() as i32)
        .max()
        .unwrap_or(0);
    let installed: Option<i32> = client
        .query_one(&format!("SELECT max(version) FROM {HISTORY_TABLE}"), &[])
        .context("reading the version of the tool's state tables")?
        .get(0);
    let installed = installed.unwrap_or(0);
    if installed < needed {
        bail!(
            "the tool's state tables in this database are at version {installed}, this ra-migrate needs version {needed}: run `ra-migrate init` (it only adds to schema ra_migrate and keeps every record)"
        );
    }
    Ok(())
}

/// Protected tables (by pattern) that exist in schema public, with an order-independent fingerprint.
pub fn protected_fingerprints(
    client: &mut impl GenericClient,
    protected: &[String],
) -> Result<Vec<(String, i64, String)>> {
    let like: Vec<String> = protected
        .iter()
        .map(|p| match p.strip_suffix('*') {
            Some(prefix) => format!("{}%", prefix.replace('_', "\\_")),
            None => p.replace('_', "\\_"),
        })
        .collect();
    let tables: Vec<String> = client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname LIKE ANY($1)
             ORDER BY 1",
            &[&like],
        )
        .context("listing protected tables")?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        // Structure and rows both count: a changed column is as much a change as a changed row.
        let q = format!(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '') || $1)
             FROM (SELECT md5(x::text) AS h FROM public.{0} x) s",
            crate::schema::quote::ident(&t)
        );
        let shape: String = client
            .query_one(
                "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) || ':' || attnotnull, ',' ORDER BY attnum)
                 FROM pg_attribute WHERE attrelid = ('public.' || quote_ident($1))::regclass
                   AND attnum > 0 AND NOT attisdropped",
                &[&t],
            )?
            .get(0);
        let row = client
            .query_one(&q, &[&shape])
            .with_context(|| format!("fingerprinting protected table {t}"))?;
        out.push((t, row.get(0), row.get(1)));
    }
    Ok(out)
}

fn record_protected_fingerprints(client: &mut Client, protected: &[String]) -> Result<Vec<String>> {
    let mut recorded = Vec::new();
    for (table, rows, fp) in protected_fingerprints(client, protected)? {
        let n = client.execute(
            "INSERT INTO ra_migrate.protected_fingerprint (table_name, row_count, fingerprint)
             VALUES ($1, $2, $3) ON CONFLICT (table_name) DO NOTHING",
            &[&table, &rows, &fp],
        )?;
        if n > 0 {
            recorded.push(table);
        }
    }
    Ok(recorded)
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseRow {
    pub phase: Phase,
    pub status: Status,
    pub verified: bool,
    pub applied_at: Option<String>,
    pub verified_at: Option<String>,
    pub rolled_back_at: Option<String>,
    pub forced: bool,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Applying,
    Applied,
    RollingBack,
    RolledBack,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applying => "applying",
            Status::Applied => "applied",
            Status::RollingBack => "rolling_back",
            Status::RolledBack => "rolled_back",
            Status::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Status> {
        Ok(match s {
            "applying" => Status::Applying,
            "applied" => Status::Applied,
            "rolling_back" => Status::RollingBack,
            "rolled_back" => Status::RolledBack,
            "failed" => Status::Failed,
            other => bail!("unknown phase status '{other}' in ra_migrate.phase_state"),
        })
    }

    /// Anything but rolled back leaves traces of the phase in the database.
    pub fn is_in_effect(self) -> bool {
        self != Status::RolledBack
    }
}

/// Every phase that has a row, in phase order.
pub fn phases(client: &mut impl GenericClient) -> Result<Vec<PhaseRow>> {
    let rows = client
        .query(
            "SELECT phase, status, verified, applied_at::text, verified_at::text,
                    rolled_back_at::text, forced, detail
             FROM ra_migrate.phase_state ORDER BY phase",
            &[],
        )
        .context("reading phase state")?;
    rows.iter()
        .map(|r| {
            Ok(PhaseRow {
                phase: Phase::from_number(r.get::<_, i16>(0))?,
                status: Status::parse(r.get(1))?,
                verified: r.get(2),
                applied_at: r.get(3),
                verified_at: r.get(4),
                rolled_back_at: r.get(5),
                forced: r.get(6),
                detail: r.get(7),
            })
        })
        .collect()
}

pub fn phase_row(client: &mut impl GenericClient, phase: Phase) -> Result<Option<PhaseRow>> {
    Ok(phases(client)?.into_iter().find(|r| r.phase == phase))
}

/// The highest phase still in effect (applied, or stopped part-way), if any.
pub fn current(client: &mut impl GenericClient) -> Result<Option<PhaseRow>> {
    Ok(phases(client)?
        .into_iter()
        .filter(|r| r.status.is_in_effect())
        .max_by_key(|r| r.phase))
}

/// Records a phase's new status (inside the phase's own transaction where there is one).
pub fn set_phase(
    client: &mut impl GenericClient,
    phase: Phase,
    status: Status,
    verified: bool,
    forced: bool,
    detail: &serde_json::Value,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO ra_migrate.phase_state (phase, name, status, verified, forced, detail,
                 applied_at, verified_at, rolled_back_at)
             VALUES ($1, $2, $3, $4, $5, $6,
                 CASE WHEN $3 = 'applied' THEN now() END,
                 CASE WHEN $4 THEN now() END,
                 CASE WHEN $3 = 'rolled_back' THEN now() END)
             ON CONFLICT (phase) DO UPDATE SET
                 status = EXCLUDED.status, verified = EXCLUDED.verified, forced = EXCLUDED.forced,
                 detail = EXCLUDED.detail, updated_at = now(),
                 applied_at = CASE WHEN EXCLUDED.status = 'applied' AND phase_state.status <> 'applied'
                                   THEN now() ELSE phase_state.applied_at END,
                 verified_at = CASE WHEN EXCLUDED.verified THEN coalesce(
                                   CASE WHEN phase_state.verified THEN phase_state.verified_at END, now())
                               END,
                 rolled_back_at = CASE WHEN EXCLUDED.status = 'rolled_back' THEN now()
                                       ELSE phase_state.rolled_back_at END",
            &[
                &phase.number(),
                &phase.name(),
                &status.as_str(),
                &verified,
                &forced,
                detail,
            ],
        )
        .with_context(|| format!("recording phase {} as {}", phase, status.as_str()))?;
    Ok(())
}

/// A phase's row as it stands (`None` when it has none), for [`restore_phase`].
pub fn snapshot_phase(
    client: &mut impl GenericClient,
    phase: Phase,
) -> Result<Option<serde_json::Value>> {
    Ok(client
        .query_opt(
            "SELECT to_jsonb(p) FROM ra_migrate.phase_state p WHERE phase = $1",
            &[&phase.number()],
        )
        .with_context(|| format!("reading the state of phase {phase}"))?
        .map(|r| r.get(0)))
}

/// Puts a phase's row back exactly as [`snapshot_phase`] read it: for a run that recorded itself
/// as started and then changed nothing. Run it in a transaction.
pub fn restore_phase(
    client: &mut impl GenericClient,
    phase: Phase,
    snapshot: Option<&serde_json::Value>,
) -> Result<()> {
    client.execute(
        "DELETE FROM ra_migrate.phase_state WHERE phase = $1",
        &[&phase.number()],
    )?;
    if let Some(row) = snapshot {
        client.execute(
            "INSERT INTO ra_migrate.phase_state
             SELECT * FROM jsonb_populate_record(NULL::ra_migrate.phase_state, $1)",
            &[row],
        )?;
    }
    Ok(())
}

/// Marks a phase verified (or not) without touching anything else.
pub fn set_verified(client: &mut impl GenericClient, phase: Phase, verified: bool) -> Result<()> {
    client.execute(
        "UPDATE ra_migrate.phase_state SET verified = $2,
                verified_at = CASE WHEN $2 THEN now() END, updated_at = now()
         WHERE phase = $1",
        &[&phase.number(), &verified],
    )?;
    Ok(())
}

/// When the phase state last changed (apply or rollback of any phase).
pub fn last_phase_change(client: &mut impl GenericClient) -> Result<Option<String>> {
    Ok(client
        .query_one(
            "SELECT max(greatest(applied_at, rolled_back_at))::text FROM ra_migrate.phase_state",
            &[],
        )?
        .get(0))
}

/// Opens an operation log entry before anything runs; committed on its own so a failure that
/// rolls back the phase's transaction still leaves the record.
pub fn log_start(
    client: &mut impl GenericClient,
    phase: Option<Phase>,
    action: &str,
    forced: bool,
    options: &serde_json::Value,
) -> Result<i64> {
    // Called under the operator lock: an entry still 'running' belongs to a process that died.
    client
        .execute(
            "UPDATE ra_migrate.operation_log SET outcome = 'failed', finished_at = now(),
                    error = 'interrupted: the process stopped before it finished (killed, crashed or disconnected); the phase state says where it stood'
             WHERE outcome = 'running'",
            &[],
        )
        .context("closing interrupted log entries")?;
    Ok(client
        .query_one(
            "INSERT INTO ra_migrate.operation_log (phase, action, operator, forced, options)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &phase.map(|p| p.number()),
                &action,
                &crate::pg::db::operator(),
                &forced,
                options,
            ],
        )
        .context("writing the operation log")?
        .get(0))
}

pub fn log_finish(
    client: &mut impl GenericClient,
    id: i64,
    outcome: &str,
    statements: &[String],
    error: Option<&str>,
) -> Result<()> {
    client
        .execute(
            "UPDATE ra_migrate.operation_log
             SET finished_at = now(), outcome = $2, statements = $3, error = $4 WHERE id = $1",
            &[&id, &outcome, &serde_json::to_value(statements)?, &error],
        )
        .context("finishing the operation log entry")?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub phase: Option<i16>,
    pub action: String,
    pub operator: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: String,
    pub forced: bool,
    pub statements: serde_json::Value,
    pub error: Option<String>,
}

/// The newest `limit` log entries, newest first.
pub fn log_entries(client: &mut impl GenericClient, limit: i64) -> Result<Vec<LogEntry>> {
    Ok(client
        .query(
            "SELECT id, phase, action, operator, started_at::text, finished_at::text, outcome,
                    forced, statements, error
             FROM ra_migrate.operation_log ORDER BY id DESC LIMIT $1",
            &[&limit],
        )?
        .iter()
        .map(|r| LogEntry {
            id: r.get(0),
            phase: r.get(1),
            action: r.get(2),
            operator: r.get(3),
            started_at: r.get(4),
            finished_at: r.get(5),
            outcome: r.get(6),
            forced: r.get(7),
            statements: r.get(8),
            error: r.get(9),
        })
        .collect())
}

/// Where the fetchers write, decided by the phase in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub phase: Option<Phase>,
    /// Write the old masters.
    pub old: bool,
    /// Write the new masters.
    pub new: bool,
    /// Read existing ids and enrichment candidates from the new masters.
    pub read_new: bool,
}

impl Targets {
    pub fn for_phase(phase: Option<Phase>) -> Targets {
        let n = phase.map(|p| p.number()).unwrap_or(0);
        Targets {
            phase,
            old: n < 5,
            new: n >= 2,
            read_new: n >= 4,
        }
    }
}

/// Reads the phase inside the caller's write transaction under the shared phase lock: phase
/// transitions take that lock exclusively, so a write never straddles a phase change. When both
/// layouts are written, also tells the dual-write triggers that this transaction writes both itself.
pub fn write_targets(tx: &mut impl GenericClient) -> Result<Targets> {
    // Through the gate first (closed while a phase transition waits), then the phase lock.
    tx.execute(
        "SELECT pg_advisory_lock_shared($1, $3), pg_advisory_unlock_shared($1, $3),
                pg_advisory_xact_lock_shared($1, $2)",
        &[
            &crate::pg::db::LOCK_CLASS,
            &crate::pg::db::PHASE_LOCK,
            &crate::pg::db::PHASE_INTENT,
        ],
    )
    .context("taking the shared phase lock")?;
    let phase: Option<i16> = tx
        .query_one(
            "SELECT max(phase) FROM ra_migrate.phase_state WHERE status <> 'rolled_back'",
            &[],
        )
        .context("reading the phase (has `ra-migrate init` run?)")?
        .get(0);
    let targets = Targets::for_phase(phase.map(Phase::from_number).transpose()?);
    if targets.old && targets.new {
        tx.batch_execute(&format!(
            "SET LOCAL {} = 'on'",
            crate::phase::dual_write::APP_DUAL_WRITE
        ))?;
    }
    Ok(targets)
}
