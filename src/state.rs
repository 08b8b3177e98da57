//! The tool's own state in schema `ra_migrate`: installed by embedded refinery migrations, read and
//! written only through this module (phase status, the operation log, protected fingerprints).

use crate::phase::{Phase, PhaseRecord, Record};
use anyhow::{bail, Context, Result};
use postgres::{Client, GenericClient};
use serde::{Deserialize, Serialize};

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

/// Whether the tool's state tables exist here (`init` has run at some version).
pub fn installed(client: &mut impl GenericClient) -> Result<bool> {
    Ok(client
        .query_one(
            "SELECT to_regclass('ra_migrate.phase_state') IS NOT NULL",
            &[],
        )
        .context("checking for the tool's state tables")?
        .get(0))
}

/// Fails with a clear message unless `init` has run on this database.
pub fn require_init(client: &mut impl GenericClient) -> Result<()> {
    if !installed(client)? {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "StoredRow")]
pub struct PhaseRow {
    pub phase: Phase,
    pub status: Status,
    pub verified: bool,
    pub applied_at: Option<String>,
    pub verified_at: Option<String>,
    pub rolled_back_at: Option<String>,
    pub forced: bool,
    /// What the phase recorded (column `detail`, the name it keeps in `status --json`).
    #[serde(rename = "detail")]
    pub record: Record,
}

/// A phase's row as written out (a planner's facts): its record decoded by its phase, like a row
/// read from the table.
#[derive(Deserialize)]
struct StoredRow {
    phase: Phase,
    status: Status,
    verified: bool,
    applied_at: Option<String>,
    verified_at: Option<String>,
    rolled_back_at: Option<String>,
    forced: bool,
    detail: serde_json::Value,
}

impl TryFrom<StoredRow> for PhaseRow {
    type Error = anyhow::Error;

    fn try_from(r: StoredRow) -> Result<PhaseRow> {
        Ok(PhaseRow {
            record: decode(r.phase, r.detail)?,
            phase: r.phase,
            status: r.status,
            verified: r.verified,
            applied_at: r.applied_at,
            verified_at: r.verified_at,
            rolled_back_at: r.rolled_back_at,
            forced: r.forced,
        })
    }
}

impl PhaseRow {
    /// The phase's record as its own type.
    pub fn record<R: PhaseRecord>(&self) -> Result<&R> {
        self.record.get()
    }
}

/// The record of `phase` in `rows` (the phases' rows as read), or the empty record of a phase that
/// has none (nothing recorded, so nothing to undo).
pub fn record_of<R: PhaseRecord>(rows: &[PhaseRow]) -> Result<R> {
    match rows.iter().find(|r| r.phase == R::PHASE) {
        Some(r) => r.record::<R>().cloned(),
        None => Ok(R::default()),
    }
}

/// A phase's status. (The table also admits `failed`, which no release has written: a phase that
/// fails leaves its previous status, or `applying`/`rolling_back` for a resumable run.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Applying,
    Applied,
    RollingBack,
    RolledBack,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applying => "applying",
            Status::Applied => "applied",
            Status::RollingBack => "rolling_back",
            Status::RolledBack => "rolled_back",
        }
    }

    fn parse(s: &str) -> Result<Status> {
        Ok(match s {
            "applying" => Status::Applying,
            "applied" => Status::Applied,
            "rolling_back" => Status::RollingBack,
            "rolled_back" => Status::RolledBack,
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
            let phase = Phase::from_number(r.get::<_, i16>(0))?;
            Ok(PhaseRow {
                phase,
                status: Status::parse(r.get(1))?,
                verified: r.get(2),
                applied_at: r.get(3),
                verified_at: r.get(4),
                rolled_back_at: r.get(5),
                forced: r.get(6),
                record: decode(phase, r.get(7))?,
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

/// A phase's stored record, decoded as that phase's type: a record that does not decode is an
/// error naming the phase and the field, never an empty record (a rollback would undo nothing).
fn decode(phase: Phase, detail: serde_json::Value) -> Result<Record> {
    Record::decode(phase, detail.clone()).map_err(|e| {
        let field = damaged_field(phase, &detail)
            .map(|f| format!("field `{f}`: "))
            .unwrap_or_default();
        anyhow::anyhow!(
            "reading what phase {phase} recorded in ra_migrate.phase_state.detail: {field}{e} (the record is damaged: restore it, or the phase cannot be rolled back or verified)"
        )
    })
}

/// The first field of a stored record that does not decode on its own (serde's message says what
/// was wrong but not where).
fn damaged_field(phase: Phase, detail: &serde_json::Value) -> Option<String> {
    let serde_json::Value::Object(fields) = detail else {
        return None;
    };
    let empty = serde_json::to_value(Record::empty(phase)).ok()?;
    fields.iter().find_map(|(name, value)| {
        let mut alone = empty.clone();
        alone.as_object_mut()?.insert(name.clone(), value.clone());
        Record::decode(phase, alone).is_err().then(|| name.clone())
    })
}

/// Records a phase's new status (inside the phase's own transaction where there is one).
pub fn set_phase(
    client: &mut impl GenericClient,
    phase: Phase,
    status: Status,
    verified: bool,
    forced: bool,
    record: &Record,
) -> Result<()> {
    if record.phase() != phase {
        bail!(
            "refusing to record phase {} with the record of phase {phase}",
            record.phase()
        );
    }
    let detail = serde_json::to_value(record).context("encoding the phase's record")?;
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
                &detail,
            ],
        )
        .with_context(|| format!("recording phase {} as {}", phase, status.as_str()))?;
    Ok(())
}

/// Changes a phase's record in place (purge's marks on phase 5's), the row locked while it is
/// read and written so no other change is lost. `touch` also moves `updated_at`. Nothing happens
/// when the phase has no row.
pub fn update_record<R: PhaseRecord + Serialize>(
    client: &mut impl GenericClient,
    touch: bool,
    change: impl FnOnce(&mut R),
) -> Result<()> {
    let phase = R::PHASE;
    let Some(row) = client
        .query_opt(
            "SELECT detail FROM ra_migrate.phase_state WHERE phase = $1 FOR UPDATE",
            &[&phase.number()],
        )
        .with_context(|| format!("reading the record of phase {phase}"))?
    else {
        return Ok(());
    };
    let mut record = decode(phase, row.get(0))?;
    let Some(typed) = R::of_mut(&mut record) else {
        bail!("phase {phase}'s record decoded as another phase's");
    };
    change(typed);
    client
        .execute(
            "UPDATE ra_migrate.phase_state SET detail = $2,
                    updated_at = CASE WHEN $3 THEN now() ELSE updated_at END
             WHERE phase = $1",
            &[&phase.number(), &serde_json::to_value(&record)?, &touch],
        )
        .with_context(|| format!("recording the record of phase {phase}"))?;
    Ok(())
}

/// The database's clock, as text (what records store their times as).
pub fn now(client: &mut impl GenericClient) -> Result<String> {
    Ok(client
        .query_one("SELECT now()::text", &[])
        .context("reading the database's clock")?
        .get(0))
}

/// When `phase` was applied, while it is applied: (seconds since, the time as text).
pub fn applied_since(
    client: &mut impl GenericClient,
    phase: Phase,
) -> Result<Option<(i64, String)>> {
    Ok(client
        .query_opt(
            "SELECT extract(epoch FROM now() - applied_at)::bigint, applied_at::text
             FROM ra_migrate.phase_state WHERE phase = $1 AND status = 'applied'",
            &[&phase.number()],
        )
        .with_context(|| format!("reading when phase {phase} was applied"))?
        .map(|r| (r.get(0), r.get(1))))
}

/// When `phase` was last applied, whatever it is now (`None` when it never was).
pub fn applied_at(client: &mut impl GenericClient, phase: Phase) -> Result<Option<String>> {
    Ok(client
        .query_opt(
            "SELECT applied_at::text FROM ra_migrate.phase_state WHERE phase = $1",
            &[&phase.number()],
        )
        .with_context(|| format!("reading when phase {phase} was applied"))?
        .and_then(|r| r.get(0)))
}

/// The snapshot phase `phase` was applied under (`pg_current_snapshot()` as text, recorded by
/// migration V7 inside the apply's transaction): which writers it saw. `None` before V7.
pub fn applied_snapshot(client: &mut impl GenericClient, phase: Phase) -> Result<Option<String>> {
    Ok(client
        .query_opt(
            "SELECT applied_snapshot FROM ra_migrate.phase_state WHERE phase = $1",
            &[&phase.number()],
        )
        .with_context(|| format!("reading the snapshot phase {phase} was applied under"))?
        .and_then(|r| r.get(0)))
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

/// The newest passing run that began after the last phase change, as (id, finished_at): a run
/// whose snapshot predates the change vouches for nothing after it, even if it finished later.
pub fn latest_passing_since_last_change(
    client: &mut impl GenericClient,
) -> Result<Option<(i64, String)>> {
    let since = last_phase_change(client).context("reading the last phase change")?;
    Ok(client
        .query_opt(
            "SELECT id, finished_at::text FROM ra_migrate.validation_run
             WHERE passed AND finished_at IS NOT NULL
               AND ($1::text IS NULL OR started_at > $1::text::timestamptz)
             ORDER BY finished_at DESC, id DESC LIMIT 1",
            &[&since],
        )
        .context("reading the validation runs")?
        .map(|r| (r.get(0), r.get(1))))
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
    /// While a rollback of the archive is under way, its first transaction has renamed the old
    /// tables back and it is carrying rows back: both layouts are written, as in phase 4.
    /// Writing only the new names would put the fetchers on the other side of the write gate
    /// from every writer of the old names, each batch holding them all up.
    pub fn for_state(phase: Option<Phase>, rolling_back: bool) -> Targets {
        let mut t = Targets::for_phase(phase);
        if rolling_back && phase == Some(Phase::Archive) {
            t.old = true;
        }
        t
    }

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
    let row = tx
        .query_opt(
            "SELECT phase, status = 'rolling_back' FROM ra_migrate.phase_state
             WHERE status <> 'rolled_back' ORDER BY phase DESC LIMIT 1",
            &[],
        )
        .context("reading the phase (has `ra-migrate init` run?)")?;
    let phase: Option<i16> = row.as_ref().map(|r| r.get(0));
    let rolling_back = row.is_some_and(|r| r.get::<_, bool>(1));
    let targets = Targets::for_state(phase.map(Phase::from_number).transpose()?, rolling_back);
    if targets.old && targets.new {
        tx.batch_execute(&format!(
            "SET LOCAL {} = 'on'",
            crate::phase::dual_write::APP_DUAL_WRITE
        ))?;
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rollback_of_the_archive_under_way_writes_both_layouts() {
        let t = Targets::for_state(Some(Phase::Archive), true);
        assert!(t.old && t.new && t.read_new, "{t:?}");
        let t = Targets::for_state(Some(Phase::Archive), false);
        assert!(!t.old && t.new, "{t:?}");
        // only the archive's rollback renames tables back
        assert_eq!(
            Targets::for_state(Some(Phase::Backfill), true),
            Targets::for_phase(Some(Phase::Backfill))
        );
    }

    #[test]
    fn a_record_that_does_not_decode_is_an_error_naming_the_phase_and_the_field() {
        let damaged = serde_json::json!({"tables": "damaged", "relations": [], "deferred": []});
        let err = format!("{:#}", decode(Phase::Create, damaged).unwrap_err());
        assert!(err.contains("phase 1 (create)"), "{err}");
        assert!(err.contains("field `tables`"), "{err}");
        assert!(err.contains("invalid type: string \"damaged\""), "{err}");
    }

    #[test]
    fn a_record_reads_back_as_it_was_written() {
        let record = Record::from(crate::phase::archive::Record {
            archived: vec![("ra_horses".into(), "ra_old_horses".into())],
            purged_at: Some("2026-01-01 00:00:00+00".into()),
            ..Default::default()
        });
        let stored = serde_json::to_value(&record).unwrap();
        assert_eq!(stored["archived"][0][1], "ra_old_horses");
        let back = decode(Phase::Archive, stored.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), stored);
    }
}
