//! The repointed relationships: which ones the new layout has, which a valid constraint already
//! enforces, and the orphans of the others, found by one scan per child table.

use super::comparison::primary_key;
use super::ValidateOptions;
use crate::schema::catalog::{Catalog, Table};
use crate::schema::mapping::{Kind, Mapping};
use anyhow::{Context, Result};
use postgres::GenericClient;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct FkResult {
    /// The referencing table in the new layout.
    pub table: String,
    pub columns: Vec<String>,
    /// The referenced table in the new layout (a new master).
    pub references: String,
    pub ref_columns: Vec<String>,
    /// Where the relationship comes from: an old constraint deferred by phase 1, or the mapping.
    pub origin: String,
    /// The constraint as it exists now, if it does (phase 3 adds it).
    pub constraint: Option<String>,
    /// `convalidated` of that constraint: NOT VALID fails the report.
    pub validated: Option<bool>,
    /// The constraint is validated and its triggers are enabled: PostgreSQL checked every row
    /// when it was validated and checks every write since, so no orphan can exist and the
    /// relationship was not scanned again (unless `deep`).
    pub enforced: bool,
    /// `None` when the relationship was not scanned (`enforced`, or see `not_checked`).
    pub orphans: Option<i64>,
    /// Up to `sample_keys` orphans.
    pub samples: Vec<Orphan>,
    pub not_checked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orphan {
    /// The referencing row's primary key (its `ctid` when it has none).
    pub key: String,
    /// The value that has no referenced row.
    pub value: String,
}

impl FkResult {
    pub fn passed(&self) -> bool {
        self.problem().is_none()
    }

    pub(super) fn relationship(&self) -> String {
        format!(
            "{}({}) -> {}({})",
            self.table,
            self.columns.join(", "),
            self.references,
            self.ref_columns.join(", ")
        )
    }

    pub fn problem(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(why) = &self.not_checked {
            parts.push(format!("not checked: {why}"));
        }
        if let Some(n) = self.orphans.filter(|n| *n > 0) {
            let samples: Vec<String> = self
                .samples
                .iter()
                .map(|o| format!("{} -> {}", o.key, o.value))
                .collect();
            parts.push(format!(
                "{n} orphan(s){} (`ra-migrate orphans` lists and resolves them)",
                if samples.is_empty() {
                    String::new()
                } else {
                    format!(" (e.g. {})", samples.join(", "))
                }
            ));
        }
        if self.validated == Some(false) {
            parts.push(format!(
                "constraint {} is NOT VALID",
                self.constraint.as_deref().unwrap_or("?")
            ));
        }
        (!parts.is_empty()).then(|| format!("{}: {}", self.relationship(), parts.join("; ")))
    }
}

/// A relationship of the new layout to check for orphans.
pub(super) struct Relationship {
    table: String,
    columns: Vec<String>,
    references: String,
    ref_columns: Vec<String>,
    origin: String,
    /// The constraint name phase 3 gives it, when known.
    constraint: Option<String>,
}

/// The deferred foreign keys of phase 1, then the mapping's implicit relationships (repointed to
/// the new masters), without duplicates.
pub(super) fn relationships(
    cat: &Catalog,
    mapping: &Mapping,
    deferred: &[crate::phase::DeferredFk],
) -> Vec<Relationship> {
    let mut out: Vec<Relationship> = deferred
        .iter()
        .map(|d| Relationship {
            table: d.table.clone(),
            columns: d.columns.clone(),
            references: d.references.clone(),
            ref_columns: d.ref_columns.clone(),
            origin: format!("{}.{}", d.from_table, d.from_constraint),
            constraint: Some(d.constraint.clone()),
        })
        .collect();
    for t in &mapping.tables {
        // The relationship is checked where it will live: a master's rows are in its new table.
        let table = match t.kind {
            Kind::Master => t.new_name.clone().expect("a master has a new name"),
            Kind::Fact => t.name.clone(),
            Kind::Deprecated => continue,
        };
        for i in &t.implicit {
            let Some(references) = mapping.new_name_of(&i.references) else {
                continue;
            };
            let columns = vec![i.column.clone()];
            let duplicate = out
                .iter()
                .any(|r| r.table == table && r.columns == columns && r.references == references);
            if duplicate {
                continue;
            }
            // The implicit reference is to the master's key, as the new table (or else the old) has it.
            let ref_columns = cat
                .table(references)
                .or_else(|| cat.table(&i.references))
                .and_then(primary_key)
                .unwrap_or_default();
            out.push(Relationship {
                table: table.clone(),
                columns,
                references: references.to_string(),
                ref_columns,
                origin: format!("implicit in the mapping ({}.{})", t.name, i.column),
                constraint: None,
            });
        }
    }
    out
}

/// `(table, constraint)` of the foreign keys in `schema` that PostgreSQL enforces: validated, and
/// none of their triggers disabled (`ALTER TABLE ... DISABLE TRIGGER ALL` lets orphans in
/// while the constraint still reads as valid).
fn enforced_constraints(
    c: &mut impl GenericClient,
    schema: &str,
) -> Result<BTreeSet<(String, String)>> {
    let rows = c
        .query(
            "SELECT cl.relname::text, con.conname::text \
               FROM pg_constraint con \
               JOIN pg_class cl ON cl.oid = con.conrelid \
               JOIN pg_namespace n ON n.oid = cl.relnamespace \
              WHERE n.nspname = $1 AND con.contype = 'f' AND con.convalidated \
                AND NOT EXISTS (SELECT 1 FROM pg_trigger t \
                                 WHERE t.tgconstraint = con.oid AND t.tgenabled = 'D')",
            &[&schema],
        )
        .context("reading which foreign keys PostgreSQL enforces")?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub(super) fn check_relationships(
    c: &mut impl GenericClient,
    cat: &Catalog,
    schema: &str,
    rels: Vec<Relationship>,
    opts: &ValidateOptions,
) -> Result<Vec<FkResult>> {
    let sample_keys = opts.sample_keys;
    let enforced = enforced_constraints(c, schema)?;
    let mut results: Vec<FkResult> = rels
        .iter()
        .map(|r| {
            let found = cat.table(&r.table).and_then(|t| {
                t.constraints
                    .iter()
                    .filter(|k| k.kind == "f")
                    .find(|k| Some(&k.name) == r.constraint.as_ref())
                    .or_else(|| {
                        t.constraints.iter().find(|k| {
                            k.kind == "f"
                                && k.columns == r.columns
                                && k.ref_table.as_deref() == Some(r.references.as_str())
                        })
                    })
            });
            let not_checked = if cat.table(&r.table).is_none() {
                Some(format!("{} does not exist", r.table))
            } else if cat.table(&r.references).is_none() {
                Some(format!("{} does not exist", r.references))
            } else if r.ref_columns.is_empty() || r.ref_columns.len() != r.columns.len() {
                Some(format!(
                    "no key of {} to match {} against",
                    r.references,
                    r.columns.join(", ")
                ))
            } else {
                None
            };
            FkResult {
                table: r.table.clone(),
                columns: r.columns.clone(),
                references: r.references.clone(),
                ref_columns: r.ref_columns.clone(),
                origin: r.origin.clone(),
                enforced: found
                    .is_some_and(|k| enforced.contains(&(r.table.clone(), k.name.clone()))),
                constraint: found.map(|k| k.name.clone()),
                validated: found.map(|k| k.validated),
                orphans: None,
                samples: Vec::new(),
                not_checked,
            }
        })
        .collect();
    // One scan per referencing table for all its relationships: ra_runners has eight of them.
    // Enforced ones are not scanned: their VALIDATE in phase 3 was that scan.
    let mut by_table: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in results.iter().enumerate() {
        if r.not_checked.is_none() && (opts.deep || !r.enforced) {
            by_table.entry(r.table.clone()).or_default().push(i);
        }
    }
    for (table, idx) in by_table {
        let child = cat.table(&table).expect("checked to exist");
        let joins: Vec<OrphanSql> = idx
            .iter()
            .enumerate()
            .map(|(j, i)| OrphanSql::new(cat, child, &results[*i], j))
            .collect();
        let started = std::time::Instant::now();
        let counts = c
            .query_one(&OrphanSql::count_all(cat, child, &joins), &[])
            .with_context(|| format!("counting orphans of the relationships of {table}"))?;
        tracing::info!(
            "validate: checked {} relationship(s) of {table} in {:?}",
            joins.len(),
            started.elapsed()
        );
        let mut with_orphans = Vec::new();
        for (j, i) in idx.iter().enumerate() {
            let n: i64 = counts.get(j);
            results[*i].orphans = Some(n);
            if n > 0 && sample_keys > 0 {
                with_orphans.push(j);
            }
        }
        if with_orphans.is_empty() {
            continue;
        }
        let sql = OrphanSql::samples(cat, child, &joins, &with_orphans, sample_keys);
        let rows = c
            .query(&sql, &[])
            .with_context(|| format!("sampling orphans of the relationships of {table}"))?;
        for row in rows {
            let j: i32 = row.get(0);
            results[idx[j as usize]].samples.push(Orphan {
                key: row.get(1),
                value: row.get(2),
            });
        }
    }
    Ok(results)
}

/// SQL pieces of one relationship of a referencing table aliased `t`.
struct OrphanSql {
    /// `LEFT JOIN <ref> AS rN ON ...`
    join: String,
    /// True for a row whose (non-null) value has no referenced row.
    orphan: String,
    /// NOT EXISTS form of the same test, for the sampling query that can stop early.
    orphan_exists: String,
    value: String,
}

impl OrphanSql {
    fn new(cat: &Catalog, child: &Table, r: &FkResult, j: usize) -> OrphanSql {
        let parent = cat.table(&r.references).expect("checked to exist");
        let alias = format!("r{j}");
        let base = |t: &Table, c: &str| {
            t.columns
                .iter()
                .find(|x| x.name == c)
                .map(|x| x.type_sql.split('(').next().unwrap_or("").to_string())
        };
        // Implicit relationships were never enforced, so their types may not match: compare as
        // text then, rather than fail on a missing operator.
        let on = |p: &str| -> String {
            r.columns
                .iter()
                .zip(&r.ref_columns)
                .map(|(c, rc)| {
                    let (l, rr) = (
                        format!("t.{}", cat.quote(c)),
                        format!("{p}.{}", cat.quote(rc)),
                    );
                    if base(child, c) == base(parent, rc) {
                        format!("{rr} = {l}")
                    } else {
                        format!("{rr}::text = {l}::text")
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let not_null: Vec<String> = r
            .columns
            .iter()
            .map(|c| format!("t.{} IS NOT NULL", cat.quote(c)))
            .collect();
        // A join to a non-unique key would multiply the referencing rows and inflate the counts.
        let unique = parent.constraints.iter().any(|k| {
            (k.kind == "p" || k.kind == "u")
                && k.columns.iter().collect::<BTreeSet<_>>()
                    == r.ref_columns.iter().collect::<BTreeSet<_>>()
        });
        let parent_sql = if unique {
            cat.qualified(&parent.name)
        } else {
            format!(
                "(SELECT DISTINCT {} FROM {})",
                r.ref_columns
                    .iter()
                    .map(|c| cat.quote(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                cat.qualified(&parent.name)
            )
        };
        let value = match r.columns.as_slice() {
            [one] => format!("t.{}::text", cat.quote(one)),
            many => format!(
                "ROW({})::text",
                many.iter()
                    .map(|c| format!("t.{}", cat.quote(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        OrphanSql {
            join: format!("LEFT JOIN {parent_sql} AS {alias} ON {}", on(&alias)),
            orphan: format!(
                "{} AND {alias}.{} IS NULL",
                not_null.join(" AND "),
                cat.quote(&r.ref_columns[0])
            ),
            orphan_exists: format!(
                "{} AND NOT EXISTS (SELECT 1 FROM {parent_sql} AS p WHERE {})",
                not_null.join(" AND "),
                on("p")
            ),
            value,
        }
    }

    fn count_all(cat: &Catalog, child: &Table, rels: &[OrphanSql]) -> String {
        format!(
            "SELECT {} FROM {} AS t {}",
            rels.iter()
                .map(|r| format!("count(*) FILTER (WHERE {})", r.orphan))
                .collect::<Vec<_>>()
                .join(", "),
            cat.qualified(&child.name),
            rels.iter()
                .map(|r| r.join.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
    }

    /// Up to `limit` orphans of each relationship in `which`; unordered, so each part can stop at
    /// its limit instead of sorting every orphan.
    fn samples(
        cat: &Catalog,
        child: &Table,
        rels: &[OrphanSql],
        which: &[usize],
        limit: usize,
    ) -> String {
        let key = match primary_key(child).as_deref() {
            Some([one]) => format!("t.{}::text", cat.quote(one)),
            Some(many) if !many.is_empty() => format!(
                "ROW({})::text",
                many.iter()
                    .map(|c| format!("t.{}", cat.quote(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "t.ctid::text".to_string(),
        };
        which
            .iter()
            .map(|j| {
                format!(
                    "(SELECT {j}::int, {key}, {} FROM {} AS t WHERE {} LIMIT {limit})",
                    rels[*j].value,
                    cat.qualified(&child.name),
                    rels[*j].orphan_exists
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }
}
