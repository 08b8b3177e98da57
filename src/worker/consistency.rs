//! The consistency check while both layouts are written (phase 2 until phase 5): the rows whose
//! keys changed in either layout since the previous check are compared across old and new
//! masters (columns of the same name, as `validate` does), and the result is recorded in
//! `ra_migrate.consistency_check`. A difference is a failure: the worker's slot fails, the failure
//! hook runs, and `apply 3` refuses.

use std::collections::BTreeSet;

use anyhow::{bail, Context, Result};
use postgres::Client;
use serde::Serialize;

use crate::phase::Phase;
use crate::schema::catalog::{Catalog, Table};
use crate::schema::mapping::Mapping;
use crate::state;

/// Differing keys kept per table.
const SAMPLE: i64 = 20;

#[derive(Debug, Serialize)]
pub struct Difference {
    pub table: String,
    pub key: String,
    pub problem: String,
}

#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    /// None when no check ran (the phase is not one where both layouts are written).
    pub id: Option<i64>,
    pub phase: i16,
    pub compared: serde_json::Map<String, serde_json::Value>,
    pub differences: Vec<Difference>,
    /// No clean check since dual-write began: the rows changed since phase 2 was applied.
    pub first: bool,
}

fn primary_key(t: &Table) -> Option<Vec<String>> {
    t.constraints
        .iter()
        .find(|c| c.kind == "p")
        .map(|c| c.columns.clone())
}

/// Runs one check; records it unless the migration is outside phases 2 to 4.
pub fn run(client: &mut Client, mapping: &Mapping, schema: &str) -> Result<CheckOutcome> {
    let phase = state::current(client)?
        .map(|r| r.phase.number())
        .unwrap_or(0);
    let mut out = CheckOutcome {
        id: None,
        phase,
        compared: serde_json::Map::new(),
        differences: Vec::new(),
        first: false,
    };
    if !(2..=4).contains(&phase) {
        return Ok(out);
    }
    // The last clean check's snapshot horizon: any transaction at or after it may have been
    // invisible to that check, so its rows are compared now. A check that found differences does
    // not move it, so they are found again (and the slot fails again) until someone mends them.
    // Before any clean check: every row whose writer phase 2's snapshot did not see (recorded when
    // it was applied, under its locks), i.e. every row changed in either layout since dual-write
    // began, behind the tool's back too, and none written before (which only the backfill copies).
    let dual_write = state::applied_at(client, Phase::DualWrite)?;
    let dual_write_began = state::applied_snapshot(client, Phase::DualWrite)?;
    let last_clean: Option<i64> = client
        .query_opt(
            "SELECT c.xid FROM ra_migrate.consistency_check c
             WHERE c.checked_at >= $1::text::timestamptz AND c.clean
             ORDER BY c.id DESC LIMIT 1",
            &[&dual_write],
        )
        .context("reading the previous consistency check")?
        .map(|r| r.get(0));
    out.first = last_clean.is_none();
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(false)
        .start()
        .context("starting the consistency check")?;
    // This transaction's own id first, so age(xmin) below counts from it (exactly, whatever other
    // transactions start meanwhile) and `pg_current_xact_id() - age(xmin)` is the writer's full id.
    tx.query_one("SELECT pg_current_xact_id()", &[])
        .context("starting the consistency check")?;
    let horizon: i64 = tx
        .query_one(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            &[],
        )?
        .get(0);
    // age(xmin) counts transactions since the row was written: within the distance to the
    // horizon means written at or after it (a frozen row's age is the maximum, never "new")
    let (recent, since): (&str, Box<dyn postgres::types::ToSql + Sync>) =
        match (last_clean, dual_write_began) {
            (Some(xid), _) => (
                "age(t.xmin)::bigint <= pg_current_xact_id()::text::bigint - $1::bigint",
                Box::new(xid),
            ),
            (None, Some(snapshot)) => (
                "NOT pg_visible_in_snapshot((pg_current_xact_id()::text::bigint - age(t.xmin))::text::xid8, $1::text::pg_snapshot)",
                Box::new(snapshot),
            ),
            // Phase 2 applied before the tool recorded its snapshot: the check takes every key
            // of the new master. Before the backfill that is what dual-write wrote there, but an
            // old row changed behind the tool's back is not among them.
            (None, None) => ("", Box::new(0i64)),
        };
    let cat = Catalog::read(&mut tx, schema)?;
    for m in mapping.masters() {
        let Some(new_name) = m.new_name.as_deref() else {
            continue;
        };
        let (Some(old), Some(new)) = (cat.table(&m.name), cat.table(new_name)) else {
            continue;
        };
        let Some(key) = primary_key(old) else {
            continue;
        };
        let new_cols: BTreeSet<&str> = new.columns.iter().map(|c| c.name.as_str()).collect();
        if key.iter().any(|k| !new_cols.contains(k.as_str())) {
            continue;
        }
        let cols: Vec<String> = old
            .columns
            .iter()
            .filter(|c| new_cols.contains(c.name.as_str()))
            .map(|c| format!("t.{}", cat.quote(&c.name)))
            .collect();
        let key_expr = format!(
            "ROW({})::text",
            key.iter()
                .map(|k| format!("t.{}", cat.quote(k)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row_expr = format!("ROW({})::text", cols.join(", "));
        let (o, n) = (cat.qualified(&old.name), cat.qualified(&new.name));
        let changed = if recent.is_empty() {
            format!("SELECT {key_expr} AS k FROM {n} t WHERE $1::bigint IS NOT NULL")
        } else {
            format!(
                "SELECT {key_expr} AS k FROM {o} t WHERE {recent}
                 UNION SELECT {key_expr} FROM {n} t WHERE {recent}"
            )
        };
        let sql = format!(
            "WITH changed AS ({changed}),
             o AS (SELECT {key_expr} AS k, {row_expr} AS r FROM {o} t WHERE {key_expr} IN (SELECT k FROM changed)),
             n AS (SELECT {key_expr} AS k, {row_expr} AS r FROM {n} t WHERE {key_expr} IN (SELECT k FROM changed)),
             diff AS (
                SELECT coalesce(o.k, n.k) AS k,
                       CASE WHEN o.k IS NULL THEN 'missing in {old_name}'
                            WHEN n.k IS NULL THEN 'missing in {new_name}'
                            ELSE 'different values' END AS problem
                FROM o FULL JOIN n ON o.k = n.k WHERE o.r IS DISTINCT FROM n.r)
             SELECT (SELECT count(*) FROM changed), k, problem FROM diff
             UNION ALL SELECT (SELECT count(*) FROM changed), NULL, NULL
             ORDER BY 2 NULLS LAST LIMIT {limit}",
            old_name = old.name,
            new_name = new.name,
            limit = SAMPLE + 1
        );
        let rows = tx
            .query(&sql, &[&*since])
            .with_context(|| format!("comparing changed rows of {} and {}", old.name, new.name))?;
        let compared: i64 = rows.first().map(|r| r.get(0)).unwrap_or(0);
        out.compared.insert(m.name.clone(), compared.into());
        for r in rows
            .iter()
            .filter(|r| r.get::<_, Option<String>>(1).is_some())
        {
            out.differences.push(Difference {
                table: m.name.clone(),
                key: r.get(1),
                problem: r.get(2),
            });
        }
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO ra_migrate.consistency_check (phase, compared, differences, clean, xid)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                &phase,
                &serde_json::Value::Object(out.compared.clone()),
                &serde_json::to_value(&out.differences)?,
                &out.differences.is_empty(),
                &horizon,
            ],
        )
        .context("recording the consistency check")?
        .get(0);
    tx.commit().context("recording the consistency check")?;
    out.id = Some(id);
    Ok(out)
}

/// The check as a job: an error (the slot fails, the hook runs) on any difference.
pub fn job(client: &mut Client, mapping: &Mapping, schema: &str) -> Result<serde_json::Value> {
    let out = run(client, mapping, schema)?;
    let v = serde_json::to_value(&out)?;
    if !out.differences.is_empty() {
        let list: Vec<String> = out
            .differences
            .iter()
            .map(|d| format!("{} {}: {}", d.table, d.key, d.problem))
            .collect();
        bail!(
            "consistency check #{} found {} difference(s) between old and new masters: {}",
            out.id.unwrap_or(0),
            list.len(),
            list.join("; ")
        );
    }
    Ok(v)
}
