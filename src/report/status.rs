//! `status`: where the migration stands, and every mapped table's old/new existence and row count.

use crate::report::validate::{self, PhaseInfo};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{Kind, Mapping};
use crate::state::{self, PhaseRow};
use anyhow::{Context, Result};
use postgres::Client;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub database: String,
    /// Highest phase in effect: 0 when none.
    pub phase: i16,
    pub phase_name: String,
    pub status: String,
    pub verified: bool,
    pub phases: Vec<PhaseRow>,
    pub tables: Vec<TableStatus>,
    /// ra_* tables of the schema that the mapping does not mention (reported, not guessed at).
    pub unmapped: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TableStatus {
    pub table: String,
    pub kind: Kind,
    pub new_table: Option<String>,
    pub old_exists: bool,
    pub new_exists: bool,
    pub old_rows: Option<i64>,
    pub new_rows: Option<i64>,
}

/// `exact`: count rows (a scan of every table); otherwise the planner's estimates, which cost
/// nothing on a production database.
pub fn gather(
    client: &mut Client,
    mapping: &Mapping,
    schema: &str,
    database: &str,
    exact: bool,
) -> Result<StatusReport> {
    let phases = state::phases(client)?;
    let current = phases
        .iter()
        .filter(|r| r.status.is_in_effect())
        .max_by_key(|r| r.phase)
        .cloned();
    let cat = Catalog::read(client, schema)?;
    let mut tables = Vec::new();
    for t in &mapping.tables {
        let new_table = t.new_name.clone();
        let old_exists = cat.table(&t.name).is_some();
        let new_exists = new_table.as_deref().is_some_and(|n| cat.table(n).is_some());
        let old_rows = if old_exists {
            Some(count(client, &cat, &t.name, exact)?)
        } else {
            None
        };
        let new_rows = match (&new_table, new_exists) {
            (Some(n), true) => Some(count(client, &cat, n, exact)?),
            _ => None,
        };
        tables.push(TableStatus {
            table: t.name.clone(),
            kind: t.kind,
            new_table,
            old_exists,
            new_exists,
            old_rows,
            new_rows,
        });
    }
    let unmapped = validate::unknown_tables(&cat, mapping);
    let phase = PhaseInfo::of(current.as_ref());
    Ok(StatusReport {
        database: database.to_string(),
        phase: phase.number,
        phase_name: phase.name,
        status: phase.status,
        verified: current.as_ref().is_some_and(|r| r.verified),
        phases,
        tables,
        unmapped,
    })
}

fn count(client: &mut Client, cat: &Catalog, table: &str, exact: bool) -> Result<i64> {
    let qualified = cat.qualified(table);
    let row = if exact {
        client.query_one(&format!("SELECT count(*) FROM {qualified}"), &[])
    } else {
        // -1 (never analysed) reads as 0: an estimate, not a claim
        client.query_one(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass($1)",
            &[&qualified],
        )
    };
    Ok(row
        .with_context(|| format!("counting rows of {table}"))?
        .get(0))
}
