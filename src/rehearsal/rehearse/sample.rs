//! The sample: races with everything hanging off them and every row they reference, read from one
//! snapshot of the source and copied into the rehearsal database.

use super::{KEYS_PER_STATEMENT, MAX_CLOSURE_ROUNDS, SEED_TABLE};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{Kind, Mapping};
use crate::schema::quote;
use anyhow::{anyhow, bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use postgres::Client;
use std::collections::{BTreeMap, BTreeSet};

/// How one table of the copy was filled.
#[derive(Debug, Default, Clone)]
pub struct TableSample {
    pub rows: u64,
    /// Why its rows are there: `seed`, `hanging off ra_races`, `first N`, `referenced`.
    pub how: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct Sample {
    pub tables: BTreeMap<String, TableSample>,
    /// References the source itself cannot satisfy (orphans in production): relationship and
    /// the number of distinct missing keys. Phase 3 reports these exactly as it would in production.
    pub unresolved: Vec<(String, usize)>,
}

/// A reference from `child(columns)` to `parent(parent_columns)`: a declared foreign key, or an
/// implicit relationship of the mapping.
#[derive(Debug, Clone)]
pub(super) struct Rel {
    child: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
    declared: bool,
}

impl Rel {
    fn describe(&self) -> String {
        format!(
            "{}({}) -> {}({}){}",
            self.child,
            self.columns.join(", "),
            self.parent,
            self.parent_columns.join(", "),
            if self.declared { "" } else { " [implicit]" }
        )
    }
}

pub(super) struct Sampler<'a> {
    source: &'a mut Client,
    target: &'a mut Client,
    cat: &'a Catalog,
    mapping: &'a Mapping,
    n: u64,
    rels: Vec<Rel>,
    /// Partitions: their rows come through their partitioned table.
    partitions: BTreeSet<String>,
    sample: Sample,
}

impl<'a> Sampler<'a> {
    pub(super) fn new(
        source: &'a mut Client,
        target: &'a mut Client,
        cat: &'a Catalog,
        mapping: &'a Mapping,
        n: u64,
    ) -> Result<Sampler<'a>> {
        let partitions: BTreeSet<String> = source
            .query(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relispartition",
                &[&cat.schema],
            )
            .context("reading the source's partitions")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let rels = relationships(cat, mapping)
            .into_iter()
            .filter(|r| !partitions.contains(&r.child) && !partitions.contains(&r.parent))
            .collect();
        Ok(Sampler {
            source,
            target,
            cat,
            mapping,
            n,
            rels,
            partitions,
            sample: Sample::default(),
        })
    }

    pub(super) fn run(mut self) -> Result<Sample> {
        let tables: Vec<String> = self
            .cat
            .tables
            .keys()
            .filter(|t| !self.partitions.contains(*t))
            .cloned()
            .collect();
        let (protected, others): (Vec<String>, Vec<String>) = tables
            .into_iter()
            .partition(|t| self.mapping.is_protected(t));
        // The odds tables' workers must never wait on the whole sample: one statement each, outside
        // the snapshot below (nothing of the plan references them).
        for table in &protected {
            self.first_rows(table, "first rows")?;
        }
        // Everything else from one snapshot, so a row and the rows it references are seen together.
        self.source
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .context("starting a read-only snapshot of the source")?;
        let sampled = self.sample_snapshot(&others);
        let end = self.source.batch_execute(if sampled.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        });
        sampled?;
        end.context("ending the read-only snapshot of the source")?;
        Ok(self.sample)
    }

    fn sample_snapshot(&mut self, tables: &[String]) -> Result<()> {
        let mut seeded: BTreeSet<String> = BTreeSet::new();
        if tables.iter().any(|t| t == SEED_TABLE) {
            self.first_rows(SEED_TABLE, "seed")?;
            seeded.insert(SEED_TABLE.to_string());
            for table in self.hanging_off(SEED_TABLE) {
                if tables.contains(&table) {
                    self.children(&table, &seeded)?;
                    seeded.insert(table);
                }
            }
        }
        for table in tables.iter().filter(|t| !seeded.contains(*t)) {
            self.first_rows(table, "first rows")?;
        }
        self.close_references()
    }

    /// Tables that hold detail of `seed` (its runners, their odds and statistics ...): non-masters
    /// reachable from it through references pointing at it, parents before children.
    fn hanging_off(&self, seed: &str) -> Vec<String> {
        let is_master = |t: &str| self.mapping.get(t).is_some_and(|m| m.kind == Kind::Master);
        let mut reached: BTreeSet<String> = BTreeSet::from([seed.to_string()]);
        let mut order = Vec::new();
        loop {
            let next = self
                .rels
                .iter()
                .filter(|r| r.declared && r.child != r.parent)
                .filter(|r| reached.contains(&r.parent) && !reached.contains(&r.child))
                .map(|r| r.child.clone())
                .find(|c| !is_master(c));
            let Some(child) = next else { break };
            reached.insert(child.clone());
            order.push(child);
        }
        order
    }

    /// The rows of `table` that reference rows already sampled in the tables of `seeded`.
    fn children(&mut self, table: &str, seeded: &BTreeSet<String>) -> Result<()> {
        let rels: Vec<Rel> = self
            .rels
            .iter()
            .filter(|r| r.declared && r.child == table && r.parent != table)
            .filter(|r| seeded.contains(&r.parent))
            .cloned()
            .collect();
        let mut filters = Vec::new();
        for r in &rels {
            let keys = self.target_keys(&format!(
                "SELECT DISTINCT {} FROM {} p",
                text_list("p", &r.parent_columns, self.cat),
                self.cat.qualified(&r.parent)
            ))?;
            if !keys.is_empty() {
                filters.push(self.key_filter(&r.child, &r.columns, &keys)?);
            }
        }
        if filters.is_empty() {
            return Ok(());
        }
        let parents: BTreeSet<&str> = rels.iter().map(|r| r.parent.as_str()).collect();
        let how = format!(
            "hanging off {}",
            parents.into_iter().collect::<Vec<_>>().join(", ")
        );
        self.copy(table, &filters.join(" OR "), "", &how)?;
        Ok(())
    }

    /// Up to N rows, in key order when there is a key.
    fn first_rows(&mut self, table: &str, how: &str) -> Result<()> {
        let t = self.cat.table(table).expect("a table of the catalog");
        let order = match t.constraints.iter().find(|c| c.kind == "p") {
            Some(pk) => format!("ORDER BY {}", column_list(&pk.columns, self.cat)),
            None => String::new(),
        };
        let suffix = format!("{order} LIMIT {}", self.n);
        self.copy(table, "true", &suffix, how)?;
        Ok(())
    }

    /// Fetches, until none is missing, every row that a copied row references but the copy lacks.
    fn close_references(&mut self) -> Result<()> {
        let rels = self.rels.clone();
        let mut unresolved: BTreeMap<String, usize> = BTreeMap::new();
        for _round in 0..MAX_CLOSURE_ROUNDS {
            let mut added = 0;
            unresolved.clear();
            for r in &rels {
                let missing = self.target_keys(&format!(
                    "SELECT DISTINCT {} FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                    text_list("c", &r.columns, self.cat),
                    self.cat.qualified(&r.child),
                    r.columns
                        .iter()
                        .map(|c| format!("c.{} IS NOT NULL", self.cat.quote(c)))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                    self.cat.qualified(&r.parent),
                    r.columns
                        .iter()
                        .zip(&r.parent_columns)
                        .map(|(c, p)| format!(
                            "p.{} = c.{}",
                            self.cat.quote(p),
                            self.cat.quote(c)
                        ))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                ))?;
                if missing.is_empty() {
                    continue;
                }
                let mut got = 0;
                for chunk in missing.chunks(KEYS_PER_STATEMENT) {
                    let filter = self.key_filter(&r.parent, &r.parent_columns, chunk)?;
                    got += self.copy(&r.parent, &filter, "", "referenced")?;
                }
                added += got;
                if (got as usize) < missing.len() {
                    unresolved.insert(r.describe(), missing.len() - got as usize);
                }
            }
            if added == 0 {
                self.sample.unresolved = unresolved.into_iter().collect();
                return Ok(());
            }
        }
        bail!(
            "the copied rows still reference missing rows after {MAX_CLOSURE_ROUNDS} rounds of fetching them: {}",
            unresolved.keys().cloned().collect::<Vec<_>>().join("; ")
        )
    }

    /// Key tuples as text, from the copy.
    fn target_keys(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self
            .target
            .query(sql, &[])
            .with_context(|| format!("reading keys from the copy: {sql}"))?;
        Ok(rows
            .iter()
            .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
            .collect())
    }

    /// `(cols) IN (VALUES (...), ...)` with each text key cast to its column's type.
    fn key_filter(
        &self,
        table: &str,
        columns: &[String],
        keys: &[Vec<Option<String>>],
    ) -> Result<String> {
        let t = self
            .cat
            .table(table)
            .with_context(|| format!("{table} is not in the source's catalog"))?;
        let types: Vec<String> = columns
            .iter()
            .map(|c| {
                t.columns
                    .iter()
                    .find(|col| &col.name == c)
                    .map(|col| col.type_sql.clone())
                    .with_context(|| format!("{table} has no column {c}"))
            })
            .collect::<Result<_>>()?;
        let values: Vec<String> = keys
            .iter()
            .map(|k| {
                let parts: Vec<String> = k
                    .iter()
                    .zip(&types)
                    .map(|(v, ty)| match v {
                        Some(v) => format!("{}::{ty}", quote::escaped_literal(v)),
                        None => format!("NULL::{ty}"),
                    })
                    .collect();
                format!("({})", parts.join(", "))
            })
            .collect();
        Ok(format!(
            "({}) IN (VALUES {})",
            column_list(columns, self.cat),
            values.join(", ")
        ))
    }

    /// Streams `SELECT cols FROM table WHERE filter suffix` from the source into the copy with
    /// COPY; returns the rows copied.
    fn copy(&mut self, table: &str, filter: &str, suffix: &str, how: &str) -> Result<u64> {
        let t = self.cat.table(table).expect("a table of the catalog");
        // Generated columns are computed again by the copy.
        let columns: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .map(|c| c.name.clone())
            .collect();
        let cols = column_list(&columns, self.cat);
        let qualified = self.cat.qualified(table);
        // An inheritance child is copied on its own; a partitioned table holds its partitions' rows.
        let only = if t.relkind == "p" { "" } else { "ONLY " };
        let out_sql = format!(
            "COPY (SELECT {cols} FROM {only}{qualified} WHERE {filter} {suffix}) TO STDOUT"
        );
        let in_sql = format!("COPY {qualified} ({cols}) FROM STDIN");
        let mut reader = self
            .source
            .copy_out(out_sql.as_str())
            .with_context(|| format!("reading rows of {table} from the source"))?;
        let mut writer = self
            .target
            .copy_in(in_sql.as_str())
            .with_context(|| format!("writing rows of {table} into the copy"))?;
        std::io::copy(&mut reader, &mut writer)
            .map_err(|e| anyhow!("copying rows of {table} from the source into the copy: {e}"))?;
        drop(reader);
        let n = writer
            .finish()
            .with_context(|| format!("writing rows of {table} into the copy"))?;
        let entry = self.sample.tables.entry(table.to_string()).or_default();
        entry.rows += n;
        if n > 0 {
            entry.how.insert(how.to_string());
        }
        Ok(n)
    }
}

/// Declared foreign keys within the schema, plus the mapping's implicit relationships (which the
/// database does not enforce but phase 3 will).
pub(super) fn relationships(cat: &Catalog, mapping: &Mapping) -> Vec<Rel> {
    let mut rels: Vec<Rel> = Vec::new();
    for t in cat.tables.values() {
        for c in t.constraints.iter().filter(|c| c.kind == "f") {
            let Some(parent) = &c.ref_table else { continue };
            if c.ref_schema.as_deref() != Some(cat.schema.as_str()) || cat.table(parent).is_none() {
                continue;
            }
            rels.push(Rel {
                child: t.name.clone(),
                columns: c.columns.clone(),
                parent: parent.clone(),
                parent_columns: c.ref_columns.clone(),
                declared: true,
            });
        }
    }
    for m in &mapping.tables {
        let Some(child) = cat.table(&m.name) else {
            continue;
        };
        for imp in &m.implicit {
            let Some(parent) = cat.table(&imp.references) else {
                continue;
            };
            let Some(pk) = parent.constraints.iter().find(|c| c.kind == "p") else {
                continue;
            };
            if pk.columns.len() != 1 || !child.columns.iter().any(|c| c.name == imp.column) {
                continue;
            }
            let dup = rels.iter().any(|r| {
                r.child == m.name && r.columns == [imp.column.clone()] && r.parent == parent.name
            });
            if !dup {
                rels.push(Rel {
                    child: m.name.clone(),
                    columns: vec![imp.column.clone()],
                    parent: parent.name.clone(),
                    parent_columns: pk.columns.clone(),
                    declared: false,
                });
            }
        }
    }
    rels
}

pub(super) fn column_list(columns: &[String], cat: &Catalog) -> String {
    columns
        .iter()
        .map(|c| cat.quote(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn text_list(alias: &str, columns: &[String], cat: &Catalog) -> String {
    columns
        .iter()
        .map(|c| format!("{alias}.{}::text", cat.quote(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn render_sample(s: &Sample) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "rows copied", "why"]);
    for (name, ts) in s.tables.iter().filter(|(_, ts)| ts.rows > 0) {
        t.add_row(vec![
            name.clone(),
            ts.rows.to_string(),
            ts.how.iter().cloned().collect::<Vec<_>>().join(", "),
        ]);
    }
    let mut out = format!("{t}\n");
    for (rel, n) in &s.unresolved {
        out.push_str(&format!(
            "note: {rel}: {n} key(s) are missing in the source itself (orphans): phase 3 will report them as it would in production\n"
        ));
    }
    out
}
