//! Content comparison of one master with its copy: row counts and an order-independent hash of
//! each whole side; where they differ, the same hash per key range, drilling down to keys and
//! columns only where a range differs.

use super::render::count_text;
use super::ValidateOptions;
use crate::schema::catalog::{Catalog, Table};
use crate::schema::mapping::TableMap;
use anyhow::{Context, Result};
use postgres::GenericClient;
use serde::Serialize;
use std::collections::BTreeSet;

/// Clears the sign bit so `% buckets` of a 64-bit hash is never negative.
const NON_NEGATIVE: &str = "9223372036854775807";

#[derive(Debug, Clone, Serialize)]
pub struct TableResult {
    /// The master's name in the mapping.
    pub table: String,
    /// The old table compared: the mapped name, or its archive once phase 5 renamed it.
    pub old_table: Option<String>,
    pub new_table: String,
    pub old_rows: Option<i64>,
    pub new_rows: Option<i64>,
    /// The old table's primary key, which matches rows across the two sides.
    pub key: Vec<String>,
    /// Columns both tables have, in the old table's order: what the content comparison covers.
    pub columns_compared: Vec<String>,
    /// Data the new table cannot hold: a failure.
    pub only_in_old: Vec<String>,
    /// Columns the new layout added: not compared, a warning.
    pub only_in_new: Vec<String>,
    pub outcome: Comparison,
    pub differing_buckets: u32,
    pub missing_in_new: i64,
    pub missing_in_old: i64,
    pub different: i64,
    /// Up to `sample_keys` differing keys, in key order.
    pub samples: Vec<KeyDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Comparison {
    Equal,
    Different,
    /// The new table does not exist: phase 1 is not applied (or was rolled back).
    NewMissing,
    /// Neither the old table nor its archive exists, but the new one does.
    OldMissing,
    /// The master exists on neither side: it is not part of this database.
    Absent,
    NotComparable {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    MissingInNew,
    MissingInOld,
    Different,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyDiff {
    /// The key as text (`(a,b)` for a composite key).
    pub key: String,
    pub kind: DiffKind,
    /// For `different`: the compared columns whose values differ.
    pub columns: Vec<String>,
}

impl TableResult {
    pub fn differing_keys(&self) -> i64 {
        self.missing_in_new + self.missing_in_old + self.different
    }

    pub fn passed(&self) -> bool {
        self.problem().is_none()
    }

    /// Why this table fails the report, in one line.
    pub fn problem(&self) -> Option<String> {
        let old = self.old_table.as_deref().unwrap_or(&self.table);
        let content = match &self.outcome {
            Comparison::Equal | Comparison::Absent => None,
            Comparison::NewMissing => Some(format!(
                "{}: missing, so {old} has no copy (phase 1 is not applied)",
                self.new_table
            )),
            Comparison::OldMissing => Some(format!(
                "{}: neither {} nor its archive {} exists, so the copy cannot be checked",
                self.new_table,
                self.table,
                crate::schema::mapping::archived_name(&self.table)
            )),
            Comparison::NotComparable { reason } => Some(format!(
                "{}: content not comparable with {old}: {reason}",
                self.new_table
            )),
            // Only a key that matches several rows (a copy without its primary key) makes the
            // ranges differ while no single key does.
            Comparison::Different if self.differing_keys() == 0 => Some(format!(
                "{}: {} key range(s) differ from {old} ({} rows there, {} here) but no single key does: look for duplicate keys",
                self.new_table,
                self.differing_buckets,
                count_text(self.old_rows),
                count_text(self.new_rows)
            )),
            Comparison::Different => Some(format!(
                "{}: {} differing key(s) against {old} ({} rows there, {} here){}",
                self.new_table,
                self.differing_keys(),
                count_text(self.old_rows),
                count_text(self.new_rows),
                match self.samples.first() {
                    Some(s) => format!(", e.g. {}", s.describe()),
                    None => String::new(),
                }
            )),
        };
        let columns = (!self.only_in_old.is_empty()).then(|| {
            format!(
                "{}: lacks column(s) {} of {old}, whose values would be lost",
                self.new_table,
                self.only_in_old.join(", ")
            )
        });
        match (content, columns) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        }
    }

    pub(super) fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.only_in_new.is_empty() {
            out.push(format!(
                "{}: column(s) {} exist only in the new table and are not compared",
                self.new_table,
                self.only_in_new.join(", ")
            ));
        }
        if self.outcome == Comparison::Absent {
            out.push(format!(
                "{}: mapped as a master but exists neither as {} nor as {}: nothing to compare",
                self.table,
                self.new_table,
                crate::schema::mapping::archived_name(&self.table)
            ));
        }
        out
    }
}

impl KeyDiff {
    fn describe(&self) -> String {
        match self.kind {
            DiffKind::MissingInNew => format!("{} missing in new", self.key),
            DiffKind::MissingInOld => format!("{} missing in old", self.key),
            DiffKind::Different if self.columns.is_empty() => format!("{} differs", self.key),
            DiffKind::Different => format!("{} differs in {}", self.key, self.columns.join(", ")),
        }
    }
}

pub(crate) fn compare_table(
    c: &mut impl GenericClient,
    cat: &Catalog,
    m: &TableMap,
    archived_first: bool,
    opts: &ValidateOptions,
) -> Result<TableResult> {
    let new_name = m.new_name.clone().expect("a master has a new name");
    let archived = m.archived_name();
    // After phase 5 the archive is the old table; before it, a stray table under the archive name
    // must not be mistaken for it.
    let candidates = if archived_first {
        [archived.as_str(), m.name.as_str()]
    } else {
        [m.name.as_str(), archived.as_str()]
    };
    let old = candidates.iter().find_map(|n| cat.table(n));
    let new = cat.table(&new_name);
    let mut r = TableResult {
        table: m.name.clone(),
        old_table: old.map(|t| t.name.clone()),
        new_table: new_name,
        old_rows: None,
        new_rows: None,
        key: Vec::new(),
        columns_compared: Vec::new(),
        only_in_old: Vec::new(),
        only_in_new: Vec::new(),
        outcome: Comparison::Absent,
        differing_buckets: 0,
        missing_in_new: 0,
        missing_in_old: 0,
        different: 0,
        samples: Vec::new(),
    };
    let (old, new) = match (old, new) {
        (None, None) => return Ok(r),
        (None, Some(n)) => {
            r.new_rows = Some(count(c, cat, n)?);
            r.outcome = Comparison::OldMissing;
            return Ok(r);
        }
        (Some(o), None) => {
            r.old_rows = Some(count(c, cat, o)?);
            r.outcome = Comparison::NewMissing;
            return Ok(r);
        }
        (Some(o), Some(n)) => (o, n),
    };
    let new_cols: BTreeSet<&str> = new.columns.iter().map(|c| c.name.as_str()).collect();
    let old_cols: BTreeSet<&str> = old.columns.iter().map(|c| c.name.as_str()).collect();
    r.columns_compared = old
        .columns
        .iter()
        .filter(|c| new_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    r.only_in_old = old
        .columns
        .iter()
        .filter(|c| !new_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    r.only_in_new = new
        .columns
        .iter()
        .filter(|c| !old_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    let Some(key) = primary_key(old) else {
        let (o, n) = count_both(c, cat, old, new)?;
        (r.old_rows, r.new_rows) = (Some(o), Some(n));
        r.outcome = Comparison::NotComparable {
            reason: format!("{} has no primary key, so rows cannot be matched", old.name),
        };
        return Ok(r);
    };
    r.key = key;
    if let Some(k) = r.key.iter().find(|k| !new_cols.contains(k.as_str())) {
        let (o, n) = count_both(c, cat, old, new)?;
        (r.old_rows, r.new_rows) = (Some(o), Some(n));
        r.outcome = Comparison::NotComparable {
            reason: format!("key column {k} of {} is missing", old.name),
        };
        return Ok(r);
    }

    let sql = Exprs::new(cat, &r.key, &r.columns_compared, opts.buckets);
    let started = std::time::Instant::now();
    // Equal content is the common answer and needs one hash per row; the per-range aggregate
    // costs a second hash (the key's range) and a grouping per row, so it runs only to find where
    // the sides differ.
    let whole = c
        .query_one(
            &sql.whole(&cat.qualified(&old.name), &cat.qualified(&new.name)),
            &[],
        )
        .with_context(|| format!("hashing {} and {}", old.name, new.name))?;
    let (o, n, same): (i64, i64, bool) = (whole.get(0), whole.get(1), whole.get(2));
    if o == n && same {
        tracing::info!(
            "validate: hashed {} and {} in {:?}: equal",
            old.name,
            new.name,
            started.elapsed()
        );
        (r.old_rows, r.new_rows) = (Some(o), Some(n));
        r.outcome = Comparison::Equal;
        return Ok(r);
    }
    // With a group estimated per row the planner sorts every row, all columns wide, by bucket; a
    // hash aggregate of `buckets` groups needs no sort at all.
    c.batch_execute("SET LOCAL enable_sort = off")
        .context("preparing the per-range aggregate")?;
    let buckets = c
        .query(
            &sql.aggregate(&cat.qualified(&old.name), &cat.qualified(&new.name)),
            &[],
        )
        .with_context(|| format!("hashing {} and {} per key range", old.name, new.name))?;
    c.batch_execute("RESET enable_sort")
        .context("restoring enable_sort after the per-range aggregate")?;
    tracing::info!(
        "validate: hashed {} and {} in {:?}",
        old.name,
        new.name,
        started.elapsed()
    );
    let (mut old_rows, mut new_rows) = (0i64, 0i64);
    let mut differing: Vec<i32> = Vec::new();
    for b in &buckets {
        let (o, n, same): (i64, i64, bool) = (b.get(1), b.get(2), b.get(3));
        old_rows += o;
        new_rows += n;
        if o != n || !same {
            differing.push(b.get(0));
        }
    }
    (r.old_rows, r.new_rows) = (Some(old_rows), Some(new_rows));
    r.differing_buckets = differing.len() as u32;
    if differing.is_empty() {
        r.outcome = Comparison::Equal;
        return Ok(r);
    }
    r.outcome = Comparison::Different;
    // At least one row even when no sample is wanted: the counts travel on every row.
    let limit = opts.sample_keys.max(1) as i64;
    let rows = c
        .query(
            &sql.drill_down(&cat.qualified(&old.name), &cat.qualified(&new.name)),
            &[&differing, &limit],
        )
        .with_context(|| {
            format!(
                "listing the differing keys of {} and {} in {} key range(s)",
                old.name,
                new.name,
                differing.len()
            )
        })?;
    if let Some(first) = rows.first() {
        r.missing_in_new = first.get(3);
        r.missing_in_old = first.get(4);
        r.different = first.get(5);
    }
    r.samples = rows
        .iter()
        .take(opts.sample_keys)
        .map(|row| {
            let kind = match row.get::<_, i32>(1) {
                0 => DiffKind::MissingInNew,
                1 => DiffKind::MissingInOld,
                _ => DiffKind::Different,
            };
            let differs: Vec<bool> = row.get(2);
            KeyDiff {
                key: row.get(0),
                kind,
                columns: if kind == DiffKind::Different {
                    r.columns_compared
                        .iter()
                        .zip(differs)
                        .filter(|(_, d)| *d)
                        .map(|(c, _)| c.clone())
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Ok(r)
}

/// The SQL expressions of one table comparison, over alias `t`.
struct Exprs {
    /// The key as text: rows are matched on it, and it picks the key range.
    key: String,
    /// The compared columns as one text: a row's content.
    row: String,
    /// Key range of a row, 0..buckets.
    bucket: String,
    /// `t.col AS c1, ...` for the per-column comparison.
    columns: Vec<String>,
}

impl Exprs {
    fn new(cat: &Catalog, key: &[String], columns: &[String], buckets: u32) -> Exprs {
        let col = |c: &String| format!("t.{}", cat.quote(c));
        // Text keeps the comparison type-agnostic (varchar(50) vs text, int vs bigint) and equal to
        // what the hash sees; a record's text form tells NULL from '' and quotes separators.
        let key_expr = match key {
            [one] => format!("{}::text", col(one)),
            many => format!(
                "ROW({})::text",
                many.iter().map(col).collect::<Vec<_>>().join(", ")
            ),
        };
        let row = format!(
            "ROW({})::text",
            columns.iter().map(col).collect::<Vec<_>>().join(", ")
        );
        let bucket =
            format!("((hashtextextended({key_expr}, 0) & {NON_NEGATIVE}) % {buckets})::int");
        Exprs {
            key: key_expr,
            row,
            bucket,
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} AS c{i}", col(c)))
                .collect(),
        }
    }

    /// One statement, one scan per side, no grouping: (old rows, new rows, equal sums). The same
    /// row hash as [`Exprs::aggregate`], so the two can only disagree on where, not whether.
    fn whole(&self, old: &str, new: &str) -> String {
        let side = |table: &str| {
            format!(
                "SELECT count(*) AS n, sum(hashtextextended({r}, 1)) AS s FROM {table} AS t",
                r = self.row
            )
        };
        format!(
            "WITH o AS ({}), n AS ({}) SELECT o.n, n.n, o.s IS NOT DISTINCT FROM n.s FROM o, n",
            side(old),
            side(new)
        )
    }

    /// One statement, one scan per side: (bucket, old rows, new rows, equal sums). `sum(bigint)` is
    /// numeric, so the sum of 64-bit row hashes cannot overflow; order does not matter to a sum.
    fn aggregate(&self, old: &str, new: &str) -> String {
        let side = |table: &str| {
            format!(
                "SELECT {b} AS b, count(*) AS n, sum(hashtextextended({r}, 1)) AS s FROM {table} AS t GROUP BY 1",
                b = self.bucket,
                r = self.row
            )
        };
        format!(
            "WITH o AS ({}), n AS ({})
             SELECT coalesce(o.b, n.b), coalesce(o.n, 0), coalesce(n.n, 0), o.s IS NOT DISTINCT FROM n.s
             FROM o FULL JOIN n ON o.b = n.b",
            side(old),
            side(new)
        )
    }

    /// The differing keys of the key ranges in `$1`, at most `$2` of them in key order, each with its
    /// kind (0 missing in new, 1 missing in old, 2 different), a per-column "differs" array, and the
    /// total count of each kind.
    fn drill_down(&self, old: &str, new: &str) -> String {
        let side = |table: &str| {
            format!(
                "SELECT {k} AS k, {r} AS r, {cols} FROM {table} AS t WHERE {b} = ANY($1)",
                k = self.key,
                r = self.row,
                cols = self.columns.join(", "),
                b = self.bucket
            )
        };
        // Per column as text, like the hash: json has no equality operator, and numeric 1.0 vs 1.00
        // must count as different here exactly when it did in the hash.
        let differs: Vec<String> = (0..self.columns.len())
            .map(|i| format!("o.c{i}::text IS DISTINCT FROM n.c{i}::text"))
            .collect();
        format!(
            "WITH o AS ({}), n AS ({}),
             d AS (SELECT coalesce(o.k, n.k) AS k,
                          CASE WHEN n.k IS NULL THEN 0 WHEN o.k IS NULL THEN 1 ELSE 2 END AS kind,
                          ARRAY[{}] AS differs
                   FROM o FULL JOIN n ON o.k = n.k
                   WHERE o.k IS NULL OR n.k IS NULL OR o.r IS DISTINCT FROM n.r)
             SELECT k, kind, differs,
                    count(*) FILTER (WHERE kind = 0) OVER (),
                    count(*) FILTER (WHERE kind = 1) OVER (),
                    count(*) FILTER (WHERE kind = 2) OVER ()
             FROM d ORDER BY k LIMIT $2",
            side(old),
            side(new),
            differs.join(", ")
        )
    }
}

pub(super) fn primary_key(t: &Table) -> Option<Vec<String>> {
    t.constraints
        .iter()
        .find(|c| c.kind == "p")
        .map(|c| c.columns.clone())
}

fn count(c: &mut impl GenericClient, cat: &Catalog, t: &Table) -> Result<i64> {
    Ok(c.query_one(
        &format!("SELECT count(*) FROM {}", cat.qualified(&t.name)),
        &[],
    )
    .with_context(|| format!("counting rows of {}", t.name))?
    .get(0))
}

fn count_both(
    c: &mut impl GenericClient,
    cat: &Catalog,
    old: &Table,
    new: &Table,
) -> Result<(i64, i64)> {
    let row = c
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})",
                cat.qualified(&old.name),
                cat.qualified(&new.name)
            ),
            &[],
        )
        .with_context(|| format!("counting rows of {} and {}", old.name, new.name))?;
    Ok((row.get(0), row.get(1)))
}
