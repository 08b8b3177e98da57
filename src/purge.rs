//! `purge`: drops the `ra_old_*` tables phase 5 archived, only after the retention period and only
//! when nothing has read or written them since the archive. Shows what it would drop first, needs
//! `--yes`, can `pg_dump` each table before, and logs what it did. After a purge, phase 5 can no
//! longer be rolled back, and says so.

use crate::phase::archive::{self, Record};
use crate::phase::Phase;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use crate::state::{self, Status};
use anyhow::{bail, Context, Result};
use postgres::Client;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct PurgePlan {
    pub tables: Vec<(String, i64)>,
    pub archived_at: String,
    pub refusals: Vec<String>,
    pub statement: String,
}

fn record(client: &mut Client) -> Result<(Record, String)> {
    let row = state::phase_row(client, Phase::Archive)?;
    match row {
        Some(r) if r.status == Status::Applied => {
            let rec: Record = r.record::<Record>()?.clone();
            Ok((rec, r.applied_at.unwrap_or_default()))
        }
        _ => bail!("nothing to purge: phase 5 (archive) is not applied"),
    }
}

pub fn plan(
    client: &mut Client,
    mapping: &Mapping,
    schema: &str,
    retention: Duration,
) -> Result<PurgePlan> {
    let (rec, archived_at) = record(client)?;
    if let Some(at) = &rec.purged_at {
        bail!("the archived tables were already purged at {at}");
    }
    let cat = Catalog::read(client, schema)?;
    let mut refusals = Vec::new();
    let old_enough: bool = client
        .query_one(
            "SELECT now() - $1::text::timestamptz >= make_interval(secs => $2)",
            &[&archived_at, &retention.as_secs_f64()],
        )?
        .get(0);
    if !old_enough {
        refusals.push(format!(
            "the retention of {} has not passed since the archive at {archived_at}",
            humanize(retention)
        ));
    }
    let now = archive::activity(client, &rec)?;
    for (table, count) in &now {
        let before = rec
            .baseline
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, c)| *c);
        match before {
            Some(b) if *count > b => refusals.push(format!(
                "{table} was read or written since the archive ({} scans/writes): find that reader before dropping it (once it is switched, `--accept-activity` takes the counts so far as known)",
                count - b
            )),
            Some(_) => {}
            // without a baseline silence cannot be shown: refuse rather than assume it
            None => refusals.push(format!(
                "{table} has no activity baseline from the archive, so reads since then cannot be ruled out: pass `--accept-activity` to take its counts so far as the baseline"
            )),
        }
    }
    let mut tables = Vec::new();
    for (_, archived) in &rec.archived {
        if cat.table(archived).is_some() {
            let size: i64 = client
                .query_one(
                    "SELECT pg_total_relation_size(to_regclass($1))",
                    &[&cat.qualified(archived)],
                )?
                .get(0);
            tables.push((archived.clone(), size));
        }
    }
    let names: Vec<String> = tables.iter().map(|(t, _)| cat.qualified(t)).collect();
    let statement = format!("DROP TABLE {}", names.join(", "));
    let protected = crate::schema::sql::Protected::new(mapping.protected.iter().cloned());
    crate::schema::sql::check(&statement, &protected).context("refusing the purge")?;
    for (t, _) in &tables {
        if !t.starts_with("ra_old_") && !t.starts_with("old_") {
            bail!("refusing to purge {t}: only archived tables are ever dropped");
        }
    }
    Ok(PurgePlan {
        tables,
        archived_at,
        refusals,
        statement,
    })
}

/// Dumps (optionally) and drops the archived tables, then records that phase 5 is final.
pub fn execute(
    client: &mut Client,
    url: &str,
    schema: &str,
    plan: &PurgePlan,
    dump: Option<&Path>,
) -> Result<i64> {
    let log = state::log_start(
        client,
        Some(Phase::Archive),
        "purge",
        false,
        &serde_json::json!({
            "tables": plan.tables.iter().map(|(t, _)| t).collect::<Vec<_>>(),
            "dump": dump.map(|d| d.display().to_string()),
        }),
    )?;
    if let Some(dir) = dump {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (t, _) in &plan.tables {
            let file = dir.join(format!("{t}.dump"));
            let out = std::process::Command::new("pg_dump")
                .args([
                    "--format=custom",
                    "--table",
                    &format!("{schema}.{t}"),
                    "--file",
                ])
                .arg(&file)
                .arg("--dbname")
                .arg(url)
                .output()
                .context("running pg_dump (install postgresql-client)")?;
            if !out.status.success() {
                let err = crate::pg::db::redact_text(&String::from_utf8_lossy(&out.stderr), url);
                state::log_finish(client, log, "failed", &[], Some(&err))?;
                bail!("pg_dump of {t} failed, nothing was dropped: {err}");
            }
        }
    }
    let result = (|| -> Result<()> {
        let mut tx = client.transaction()?;
        tx.batch_execute("SET LOCAL lock_timeout = '5s'")?;
        tx.batch_execute(&plan.statement)?;
        let now = state::now(&mut tx)?;
        state::update_record(&mut tx, true, |rec: &mut Record| rec.purged_at = Some(now))?;
        tx.commit()?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            state::log_finish(
                client,
                log,
                "ok",
                std::slice::from_ref(&plan.statement),
                None,
            )?;
            Ok(log)
        }
        Err(e) => {
            state::log_finish(
                client,
                log,
                "failed",
                std::slice::from_ref(&plan.statement),
                Some(&format!("{e:#}")),
            )?;
            Err(e.context("dropping the archived tables failed; nothing was dropped"))
        }
    }
}

/// Scans and writes per archived table, as `pg_stat_user_tables` counts them.
type Counts = Vec<(String, i64)>;

/// What phase 5 recorded and the archived tables' activity counters now; `None` when phase 5
/// is not in effect (nothing is archived, nothing to watch).
fn archived_activity(client: &mut Client) -> Result<Option<(Record, Counts)>> {
    match state::phase_row(client, Phase::Archive)? {
        Some(r) if r.status == Status::Applied => {
            let rec: Record = r.record::<Record>()?.clone();
            // Counters reach pg_stat_user_tables when a session flushes its statistics.
            client
                .batch_execute("SELECT pg_stat_force_next_flush()")
                .ok();
            let counts = archive::activity(client, &rec)
                .context("reading the archived tables' activity counters")?;
            Ok(Some((rec, counts)))
        }
        _ => Ok(None),
    }
}

fn store_baseline(client: &mut Client, counts: &[(String, i64)]) -> Result<()> {
    state::update_record(client, false, |rec: &mut Record| {
        rec.baseline = counts.to_vec()
    })
    .context("recording the archived tables' activity baseline")
}

/// Records the archived tables' activity counters as the baseline purge compares with (right
/// after phase 5 archived them).
pub fn record_baseline(client: &mut Client) -> Result<()> {
    if let Some((_, counts)) = archived_activity(client)? {
        store_baseline(client, &counts)?;
    }
    Ok(())
}

/// Runs `read`, the tool reading the archived tables itself (`validate`), without its reads
/// counting as activity purge must wait for: the baseline moves by what `read` added and no more,
/// so a reader that came before it still shows.
pub fn excluding_own_reads<T>(
    client: &mut Client,
    read: impl FnOnce(&mut Client) -> Result<T>,
) -> Result<T> {
    let before = archived_activity(client)?;
    let out = read(client)?;
    if let Some((rec, before)) = before {
        if let Some((_, after)) = archived_activity(client)? {
            let baseline: Vec<(String, i64)> = rec
                .baseline
                .iter()
                .map(|(table, base)| {
                    let count =
                        |c: &[(String, i64)]| c.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
                    let own = match (count(&before), count(&after)) {
                        (Some(b), Some(a)) => (a - b).max(0),
                        _ => 0,
                    };
                    (table.clone(), base + own)
                })
                .collect();
            store_baseline(client, &baseline)?;
        }
    }
    Ok(out)
}

fn humanize(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
