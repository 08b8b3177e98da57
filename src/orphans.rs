//! Orphans: values in a relationship the legacy schema never enforced (or a foreign key left
//! `NOT VALID`) that name no master row. Listing them, and the two ways through: a placeholder
//! master row per missing key, or the dangling reference set to NULL; every change saved in
//! `ra_migrate.orphan_fix` so `--undo` restores the data exactly. Fact rows are never deleted.

use crate::schema::catalog::{Catalog, Table};
use crate::schema::mapping::Mapping;
use crate::schema::quote;
use anyhow::{bail, Context, Result};
use postgres::Client;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    /// `ra_horse_pedigree.sire_id -> ra_sires`
    pub name: String,
    pub child: String,
    pub column: String,
    /// The table the values must be in now: the old master until the archive, then the new one.
    pub parent: String,
    pub parent_key: String,
    /// The constraint that enforces it, if one exists yet (and whether it is validated).
    pub constraint: Option<(String, bool)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orphans {
    pub relationship: Relationship,
    /// Rows of the child whose value names no parent row.
    pub rows: i64,
    /// Distinct missing keys.
    pub keys: i64,
    /// Up to `sample` missing keys with the number of rows naming each.
    pub sample: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Fix {
    /// Insert one minimal master row per missing key (its name taken from the fact row where it
    /// has one), so the relationship holds; fact rows are untouched.
    Placeholder,
    /// Set the dangling references to NULL, after saving every original value.
    Null,
}

impl Fix {
    fn as_str(self) -> &'static str {
        match self {
            Fix::Placeholder => "placeholder",
            Fix::Null => "null",
        }
    }
}

fn single_key(t: &Table) -> Option<String> {
    t.constraints
        .iter()
        .find(|c| c.kind == "p")
        .filter(|c| c.columns.len() == 1)
        .map(|c| c.columns[0].clone())
}

/// The relationships checked: the mapping's implicit ones, and every single-column foreign key of
/// a mapped table that is still `NOT VALID`.
pub fn relationships(cat: &Catalog, mapping: &Mapping) -> Vec<Relationship> {
    let mut out: Vec<Relationship> = Vec::new();
    for fk in crate::phase::backfill::implicit(cat, mapping) {
        let old = mapping
            .masters()
            .find(|m| m.new_name.as_deref() == Some(fk.references.as_str()))
            .map(|m| m.name.clone());
        let parent = match old {
            Some(o) if cat.table(&o).is_some() => o,
            _ => fk.references.clone(),
        };
        let (Some(p), Some(child)) = (cat.table(&parent), cat.table(&fk.table)) else {
            continue;
        };
        let Some(key) = single_key(p) else { continue };
        let column = fk.columns[0].clone();
        let constraint = child
            .constraints
            .iter()
            .find(|c| c.kind == "f" && c.columns == [column.clone()])
            .map(|c| (c.name.clone(), c.validated));
        out.push(Relationship {
            name: format!("{}.{column} -> {}", fk.table, old_name(mapping, &parent)),
            child: fk.table.clone(),
            column,
            parent,
            parent_key: key,
            constraint,
        });
    }
    for t in &mapping.tables {
        for name in [Some(t.name.clone()), t.new_name.clone()]
            .into_iter()
            .flatten()
        {
            let Some(child) = cat.table(&name) else {
                continue;
            };
            for c in child
                .constraints
                .iter()
                .filter(|c| c.kind == "f" && !c.validated && c.columns.len() == 1)
            {
                let Some(parent) = c.ref_table.clone() else {
                    continue;
                };
                if out
                    .iter()
                    .any(|r| r.child == name && r.column == c.columns[0])
                {
                    continue;
                }
                out.push(Relationship {
                    name: format!("{name}.{} -> {parent}", c.columns[0]),
                    child: name.clone(),
                    column: c.columns[0].clone(),
                    parent,
                    parent_key: c.ref_columns.first().cloned().unwrap_or_default(),
                    constraint: Some((c.name.clone(), false)),
                });
            }
        }
    }
    out
}

/// The logical (old) name of a master, whichever of its tables is meant.
fn old_name(mapping: &Mapping, table: &str) -> String {
    mapping
        .masters()
        .find(|m| m.new_name.as_deref() == Some(table))
        .map(|m| m.name.clone())
        .unwrap_or_else(|| table.to_string())
}

fn missing_filter(cat: &Catalog, r: &Relationship) -> String {
    format!(
        "c.{col} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{col})",
        col = cat.quote(&r.column),
        parent = cat.qualified(&r.parent),
        key = cat.quote(&r.parent_key)
    )
}

/// Every relationship's orphans, with up to `sample` missing keys each.
pub fn list(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    sample: usize,
) -> Result<Vec<Orphans>> {
    let mut out = Vec::new();
    for r in relationships(cat, mapping) {
        let filter = missing_filter(cat, &r);
        let child = cat.qualified(&r.child);
        let col = cat.quote(&r.column);
        let row = client
            .query_one(
                &format!("SELECT count(*), count(DISTINCT c.{col}) FROM {child} c WHERE {filter}"),
                &[],
            )
            .with_context(|| format!("counting orphans of {}", r.name))?;
        let rows: i64 = row.get(0);
        let sample_rows = if sample == 0 || rows == 0 {
            Vec::new()
        } else {
            client.query(
                &format!(
                    "SELECT c.{col}::text, count(*) FROM {child} c WHERE {filter} GROUP BY c.{col} ORDER BY count(*) DESC, 1 LIMIT $1"
                ),
                &[&(sample as i64)],
            )?
        };
        out.push(Orphans {
            rows,
            keys: row.get(1),
            sample: sample_rows.iter().map(|s| (s.get(0), s.get(1))).collect(),
            relationship: r,
        });
    }
    Ok(out)
}

/// The statement that applies `fix` to one relationship's orphans and records what it changed.
/// `$1` is the operation log id.
fn fix_statement(cat: &Catalog, r: &Relationship, fix: Fix) -> Result<String> {
    let child_t = cat
        .table(&r.child)
        .with_context(|| format!("{} does not exist", r.child))?;
    let parent_t = cat
        .table(&r.parent)
        .with_context(|| format!("{} does not exist", r.parent))?;
    let filter = missing_filter(cat, r);
    let child = cat.qualified(&r.child);
    let col = cat.quote(&r.column);
    let rel = quote::in_literal(&r.name);
    match fix {
        Fix::Placeholder => {
            // Minimal rows: the key, a name, and whatever else has a default or may be NULL.
            let required: Vec<&str> = parent_t
                .columns
                .iter()
                .filter(|c| c.not_null && c.default.is_none() && c.identity.is_none())
                .filter(|c| c.generated.is_none())
                .map(|c| c.name.as_str())
                .filter(|c| *c != r.parent_key && *c != "name")
                .collect();
            if !required.is_empty() {
                bail!(
                    "cannot make placeholder rows in {} for {}: column(s) {} are NOT NULL without a default; use --fix null",
                    r.parent,
                    r.name,
                    required.join(", ")
                );
            }
            let has_name = parent_t.columns.iter().any(|c| c.name == "name");
            // The fact row often carries the master's name beside its id (sire_id, sire).
            let name_col = r
                .column
                .strip_suffix("_id")
                .filter(|n| child_t.columns.iter().any(|c| c.name == *n));
            let name_expr = match name_col {
                Some(n) => format!("coalesce(min(c.{}::text), c.{col}::text)", cat.quote(n)),
                None => format!("c.{col}::text"),
            };
            let key = cat.quote(&r.parent_key);
            let (cols, vals) = if has_name {
                (format!("{key}, name"), "k, n".to_string())
            } else {
                (key.clone(), "k".to_string())
            };
            Ok(format!(
                "WITH missing AS (SELECT c.{col} AS k, {name_expr} AS n FROM {child} c WHERE {filter} GROUP BY c.{col}), \
                 ins AS (INSERT INTO {parent} AS p ({cols}) SELECT {vals} FROM missing ON CONFLICT DO NOTHING RETURNING p.{key}::text AS k, p::text AS r) \
                 INSERT INTO ra_migrate.orphan_fix (fix, relationship, table_name, key_parts, original, log_id) \
                 SELECT 'placeholder', '{rel}', '{parent_name}', ARRAY[k], r, $1 FROM ins",
                parent = cat.qualified(&r.parent),
                parent_name = quote::in_literal(&r.parent),
            ))
        }
        Fix::Null => {
            if child_t
                .columns
                .iter()
                .any(|c| c.name == r.column && c.not_null)
            {
                bail!(
                    "cannot set {}.{} to NULL: the column is NOT NULL; use --fix placeholder",
                    r.child,
                    r.column
                );
            }
            let pk = child_t
                .constraints
                .iter()
                .find(|c| c.kind == "p")
                .map(|c| c.columns.clone())
                .with_context(|| {
                    format!(
                        "{} has no primary key: the original values could not be put back",
                        r.child
                    )
                })?;
            let pk_q: Vec<String> = pk.iter().map(|k| cat.quote(k)).collect();
            let pk_text: Vec<String> = pk_q.iter().map(|k| format!("b.{k}::text")).collect();
            let join: Vec<String> = pk_q.iter().map(|k| format!("t.{k} = b.{k}")).collect();
            let b_cols: Vec<String> = pk_q.iter().map(|k| format!("c.{k}")).collect();
            Ok(format!(
                "WITH bad AS (SELECT {b}, c.{col} AS v FROM {child} c WHERE {filter} FOR UPDATE), \
                 upd AS (UPDATE {child} t SET {col} = NULL FROM bad b WHERE {join}) \
                 INSERT INTO ra_migrate.orphan_fix (fix, relationship, table_name, key_parts, column_name, original, log_id) \
                 SELECT 'null', '{rel}', '{child_name}', ARRAY[{pk_text}], '{col_name}', b.v::text, $1 FROM bad b",
                b = b_cols.join(", "),
                join = join.join(" AND "),
                pk_text = pk_text.join(", "),
                child_name = quote::in_literal(&r.child),
                col_name = quote::in_literal(&r.column),
            ))
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FixReport {
    pub log_id: i64,
    /// (relationship, rows added or changed)
    pub changed: Vec<(String, u64)>,
    /// Constraints validated after the fix, and those still NOT VALID (with the error).
    pub validated: Vec<String>,
    pub still_not_valid: Vec<String>,
}

/// Applies `fix` to every relationship with orphans, in one transaction, recorded in the log.
pub fn fix(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    fix: Fix,
    lock: &crate::pg::db::LockPolicy,
) -> Result<FixReport> {
    let protected = crate::schema::sql::Protected::new(mapping.protected.iter().cloned());
    let rels: Vec<Relationship> = list(client, cat, mapping, 0)?
        .into_iter()
        .filter(|o| o.rows > 0)
        .map(|o| o.relationship)
        .collect();
    let mut statements = Vec::new();
    for r in &rels {
        let sql = fix_statement(cat, r, fix)?;
        crate::schema::sql::check(&sql, &protected)
            .with_context(|| format!("refusing the fix of {}", r.name))?;
        statements.push((r.name.clone(), sql));
    }
    let log_id = crate::state::log_start(
        client,
        None,
        &format!("orphans-fix-{}", fix.as_str()),
        false,
        &serde_json::json!({ "relationships": rels.iter().map(|r| r.name.clone()).collect::<Vec<_>>() }),
    )?;
    let sqls: Vec<String> = statements.iter().map(|(_, s)| s.clone()).collect();
    let result = (|| -> Result<Vec<(String, u64)>> {
        let mut tx = client.transaction()?;
        tx.batch_execute(&crate::pg::db::set_local_lock_timeout(lock))?;
        let mut changed = Vec::new();
        for (name, sql) in &statements {
            let n = tx
                .execute(sql.as_str(), &[&log_id])
                .with_context(|| format!("fixing the orphans of {name}"))?;
            changed.push((name.clone(), n));
        }
        tx.commit()?;
        Ok(changed)
    })();
    let changed = match result {
        Ok(c) => c,
        Err(e) => {
            crate::state::log_finish(client, log_id, "failed", &sqls, Some(&format!("{e:#}")))?;
            return Err(e.context(format!("nothing was changed (log entry {log_id})")));
        }
    };
    crate::state::log_finish(client, log_id, "ok", &sqls, None)?;
    let (validated, still_not_valid) = validate_constraints(client, cat, mapping, lock)?;
    Ok(FixReport {
        log_id,
        changed,
        validated,
        still_not_valid,
    })
}

/// Validates the relationships' constraints that are still `NOT VALID` (each in its own
/// statement, which does not block writers); one with orphans left stays as it is.
fn validate_constraints(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    lock: &crate::pg::db::LockPolicy,
) -> Result<(Vec<String>, Vec<String>)> {
    let (mut ok, mut left) = (Vec::new(), Vec::new());
    for r in relationships(cat, mapping) {
        let Some((name, false)) = &r.constraint else {
            continue;
        };
        let sql = format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            cat.qualified(&r.child),
            cat.quote(name)
        );
        let result = crate::pg::db::with_lock_retry(lock, &format!("validating {name}"), |_| {
            let mut tx = client.transaction()?;
            tx.batch_execute(&crate::pg::db::set_local_lock_timeout(lock))?;
            tx.batch_execute(&sql)?;
            tx.commit()?;
            Ok(())
        });
        match result {
            Ok(()) => ok.push(format!("{name} on {}", r.child)),
            Err(e) => left.push(format!("{name} on {}: {e:#}", r.child)),
        }
    }
    Ok((ok, left))
}

#[derive(Debug, Serialize)]
pub struct UndoReport {
    pub log_id: i64,
    pub placeholders_removed: u64,
    /// Placeholders kept because they changed since (a fetcher filled them in).
    pub placeholders_kept: u64,
    pub values_restored: u64,
    /// Values not restored because the column is no longer NULL (written since).
    pub values_kept: u64,
}

/// Undoes every fix not undone yet, in one transaction: placeholder rows that are still exactly
/// as inserted are removed, NULLed references that are still NULL get their value back.
pub fn undo(
    client: &mut Client,
    cat: &Catalog,
    lock: &crate::pg::db::LockPolicy,
) -> Result<UndoReport> {
    let log_id =
        crate::state::log_start(client, None, "orphans-undo", false, &serde_json::json!({}))?;
    let fixes: Vec<(String, String, Option<String>)> = client
        .query(
            "SELECT DISTINCT fix, table_name, column_name FROM ra_migrate.orphan_fix WHERE undone_at IS NULL ORDER BY 1, 2, 3",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let mut statements = Vec::new();
    for (fix, table, column) in &fixes {
        let t = cat
            .table(table)
            .with_context(|| format!("{table}, changed by an orphans fix, no longer exists"))?;
        let pk = t
            .constraints
            .iter()
            .find(|c| c.kind == "p")
            .map(|c| c.columns.clone())
            .with_context(|| format!("{table} has no primary key"))?;
        let on: Vec<String> = pk
            .iter()
            .enumerate()
            .map(|(i, k)| format!("t.{}::text = f.key_parts[{}]", cat.quote(k), i + 1))
            .collect();
        let base = format!(
            "f.undone_at IS NULL AND f.fix = '{fix}' AND f.table_name = '{}'",
            quote::in_literal(table)
        );
        if fix == "placeholder" {
            statements.push((
                "removed",
                format!(
                    "WITH gone AS (DELETE FROM {q} t USING ra_migrate.orphan_fix f WHERE {base} AND {on} AND t::text = f.original RETURNING f.id) \
                     UPDATE ra_migrate.orphan_fix SET undone_at = now() WHERE id IN (SELECT id FROM gone)",
                    q = cat.qualified(table),
                    on = on.join(" AND ")
                ),
            ));
        } else {
            let column = column.clone().unwrap_or_default();
            let col_t = t
                .columns
                .iter()
                .find(|c| c.name == column)
                .with_context(|| format!("{table}.{column} no longer exists"))?;
            statements.push((
                "restored",
                format!(
                    "WITH back AS (UPDATE {q} t SET {c} = f.original::{ty} FROM ra_migrate.orphan_fix f WHERE {base} AND f.column_name = '{cl}' AND {on} AND t.{c} IS NULL RETURNING f.id) \
                     UPDATE ra_migrate.orphan_fix SET undone_at = now() WHERE id IN (SELECT id FROM back)",
                    q = cat.qualified(table),
                    c = cat.quote(&column),
                    ty = col_t.type_sql,
                    cl = quote::in_literal(&column),
                    on = on.join(" AND ")
                ),
            ));
        }
    }
    let sqls: Vec<String> = statements.iter().map(|(_, s)| s.clone()).collect();
    let result = (|| -> Result<(u64, u64)> {
        let mut tx = client.transaction()?;
        tx.batch_execute(&crate::pg::db::set_local_lock_timeout(lock))?;
        let (mut removed, mut restored) = (0, 0);
        for (what, sql) in &statements {
            let n = tx
                .execute(sql.as_str(), &[])
                .context("undoing orphan fixes")?;
            if *what == "removed" {
                removed += n;
            } else {
                restored += n;
            }
        }
        tx.commit()?;
        Ok((removed, restored))
    })();
    let (removed, restored) = match result {
        Ok(r) => r,
        Err(e) => {
            crate::state::log_finish(client, log_id, "failed", &sqls, Some(&format!("{e:#}")))?;
            return Err(e.context(format!("nothing was undone (log entry {log_id})")));
        }
    };
    crate::state::log_finish(client, log_id, "ok", &sqls, None)?;
    let left: Vec<(String, i64)> = client
        .query(
            "SELECT fix, count(*) FROM ra_migrate.orphan_fix WHERE undone_at IS NULL GROUP BY fix",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let kept = |f: &str| {
        left.iter()
            .find(|(k, _)| k == f)
            .map(|(_, n)| *n as u64)
            .unwrap_or(0)
    };
    Ok(UndoReport {
        log_id,
        placeholders_removed: removed,
        placeholders_kept: kept("placeholder"),
        values_restored: restored,
        values_kept: kept("null"),
    })
}
