//! The SQL of the write path, generated from a [`Shape`]: one statement per step, whatever the
//! number of rows. Every value travels as one `text[]` parameter per column, expanded with
//! `unnest` and cast to the column's type in SQL, so one statement shape serves any batch size.
//!
//! - key with a unique constraint: `INSERT ... SELECT FROM unnest ... ON CONFLICT DO UPDATE`;
//! - key without one (`ra_runners` by race and horse, where duplicates may already exist): an
//!   `UPDATE ... FROM` the batch and an `INSERT ... WHERE NOT EXISTS` in one statement, after the
//!   batch's races were locked;
//! - either way an update only happens when a value actually differs (`IS DISTINCT FROM`), so
//!   fetching the same data again changes nothing, not even `updated_at`;
//! - during dual-write a last CTE copies exactly the rows written to the old master into the new
//!   master, in the same statement and transaction.
//!
//! The statement returns one row: rows written to the primary table, rows written to the mirror,
//! and (when asked for) the keys of the rows it inserted, i.e. that did not exist before.

use crate::schema::catalog::Catalog;

use super::shape::{Col, MirrorShape, Shape};
use super::step::Mode;

fn cast(col: &Col, expr: &str) -> String {
    format!("{expr}::{}", col.base_type)
}

/// `unnest($1::text[], ...) AS u(c0, ...)`
fn unnest(n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|i| format!("${i}::text[]")).collect();
    let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
    format!("unnest({}) AS u({})", params.join(", "), names.join(", "))
}

/// The value inserted into a new row: a NOT NULL column's default stands in for no value.
fn insert_value(col: &Col, value: &str) -> String {
    match (&col.default, col.not_null) {
        (Some(d), true) => format!("coalesce({value}, {d})"),
        _ => value.to_string(),
    }
}

/// The value an existing row ends up with.
fn merged(col: &Col, new: &str, old: &str) -> String {
    match col.mode {
        Mode::Fill => format!("coalesce({new}, {old})"),
        Mode::Owned => new.to_string(),
        Mode::Initial => format!("coalesce({old}, {new})"),
    }
}

/// `SET c = merged, ..., stamp = now() WHERE (stored) IS DISTINCT FROM (merged)`, or `None`
/// when every written column is part of the key (nothing can change).
fn set_and_guard(
    cat: &Catalog,
    shape: &Shape,
    new: impl Fn(usize, &Col) -> String,
) -> Option<(String, String)> {
    let mut sets = Vec::new();
    let mut stored = Vec::new();
    let mut wanted = Vec::new();
    for (i, col) in shape.cols.iter().enumerate().filter(|(_, c)| !c.is_key) {
        let q = cat.quote(&col.name);
        let old = format!("t.{q}");
        let m = merged(col, &new(i, col), &old);
        stored.push(col.comparable(&old));
        wanted.push(col.comparable(&m));
        sets.push(format!("{q} = {m}"));
    }
    if sets.is_empty() {
        return None;
    }
    sets.extend(
        shape
            .stamps
            .iter()
            .map(|s| format!("{} = now()", cat.quote(s))),
    );
    let guard = format!(
        "({}) IS DISTINCT FROM ({})",
        stored.join(", "),
        wanted.join(", ")
    );
    Some((sets.join(", "), guard))
}

fn column_list(cat: &Catalog, shape: &Shape) -> String {
    shape
        .cols
        .iter()
        .map(|c| cat.quote(&c.name))
        .chain(shape.stamps.iter().map(|s| cat.quote(s)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The write statement of a step. Parameters: one `text[]` per column of `shape`, in order.
/// `report_new`: also return the keys of the rows inserted (a unique single-column key only).
pub fn write(
    cat: &Catalog,
    shape: &Shape,
    mirror: Option<&MirrorShape>,
    report_new: bool,
) -> String {
    let p = cat.qualified(&shape.table);
    let typed: Vec<String> = shape
        .cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS c{i}", cast(c, &format!("u.c{i}"))))
        .collect();
    let mut ctes = vec![format!(
        "v AS (SELECT {} FROM {})",
        typed.join(", "),
        unnest(shape.cols.len())
    )];
    let values: Vec<String> = shape
        .cols
        .iter()
        .enumerate()
        .map(|(i, c)| insert_value(c, &format!("v.c{i}")))
        .chain(shape.stamps.iter().map(|_| "now()".to_string()))
        .collect();
    let report_new = report_new && shape.unique_key && shape.key.len() == 1;
    let mut returned = Vec::new();
    if mirror.is_some() {
        returned.push("t.*".to_string());
    }
    if report_new {
        // xmax = 0: the row was inserted, not updated through ON CONFLICT
        let k = cat.quote(&shape.cols[shape.key[0]].name);
        returned.push(format!("t.{k}::text AS ra_key, (t.xmax = 0) AS ra_new"));
    }
    if returned.is_empty() {
        returned.push("1".to_string());
    }
    let returning = returned.join(", ");
    let written = if shape.unique_key {
        let keys: Vec<String> = shape.key_names().iter().map(|k| cat.quote(k)).collect();
        let action = match set_and_guard(cat, shape, |_, c| {
            format!("EXCLUDED.{}", cat.quote(&c.name))
        }) {
            Some((sets, guard)) => format!("DO UPDATE SET {sets} WHERE {guard}"),
            None => "DO NOTHING".to_string(),
        };
        ctes.push(format!(
            "w AS (INSERT INTO {p} AS t ({cols}) SELECT {vals} FROM v ON CONFLICT ({keys}) {action} RETURNING {returning})",
            cols = column_list(cat, shape),
            vals = values.join(", "),
            keys = keys.join(", "),
        ));
        "(SELECT count(*) FROM w)".to_string()
    } else {
        // The first key column as an array condition as well: it lets the planner use an index
        // on it (ra_runners.race_id) whatever its row estimates, instead of hashing the table.
        let k0 = shape.key[0];
        let matches = |alias: &str| -> String {
            let mut conds = vec![format!(
                "{alias}.{} = ANY(ARRAY(SELECT DISTINCT v.c{k0} FROM v))",
                cat.quote(&shape.cols[k0].name)
            )];
            conds.extend(
                shape
                    .key
                    .iter()
                    .map(|k| format!("{alias}.{} = v.c{k}", cat.quote(&shape.cols[*k].name))),
            );
            conds.join(" AND ")
        };
        let mut parts = Vec::new();
        if let Some((sets, guard)) = set_and_guard(cat, shape, |i, _| format!("v.c{i}")) {
            ctes.push(format!(
                "upd AS (UPDATE {p} AS t SET {sets} FROM v WHERE {} AND {guard} RETURNING {returning})",
                matches("t")
            ));
            parts.push("(SELECT count(*) FROM upd)");
        }
        ctes.push(format!(
            "ins AS (INSERT INTO {p} AS t ({cols}) SELECT {vals} FROM v WHERE NOT EXISTS (SELECT 1 FROM {p} AS x WHERE {m}) RETURNING {returning})",
            cols = column_list(cat, shape),
            vals = values.join(", "),
            m = matches("x"),
        ));
        parts.push("(SELECT count(*) FROM ins)");
        if mirror.is_some() {
            let upd = if parts.len() == 2 {
                "SELECT * FROM upd UNION ALL "
            } else {
                ""
            };
            ctes.push(format!("w AS ({upd}SELECT * FROM ins)"));
        }
        parts.join(" + ")
    };
    let mirrored = match mirror {
        Some(m) => {
            ctes.push(mirror_cte(cat, shape, m));
            "(SELECT count(*) FROM m)"
        }
        None => "0",
    };
    let new_keys = if report_new {
        "(SELECT array_agg(ra_key) FROM w WHERE ra_new)"
    } else {
        "NULL"
    };
    format!(
        "WITH {} SELECT ({written})::bigint, ({mirrored})::bigint, {new_keys}::text[]",
        ctes.join(", ")
    )
}

/// A plain multi-row insert, for rows that cannot exist yet: runners and odds of a race this
/// transaction has just inserted (their foreign key to the race guarantees it).
pub fn insert_new(cat: &Catalog, shape: &Shape) -> String {
    let typed: Vec<String> = shape
        .cols
        .iter()
        .enumerate()
        .map(|(i, c)| insert_value(c, &cast(c, &format!("u.c{i}"))))
        .chain(shape.stamps.iter().map(|_| "now()".to_string()))
        .collect();
    format!(
        "WITH ins AS (INSERT INTO {} ({}) SELECT {} FROM {} RETURNING 1) \
         SELECT (SELECT count(*) FROM ins)::bigint, 0::bigint, NULL::text[]",
        cat.qualified(&shape.table),
        column_list(cat, shape),
        typed.join(", "),
        unnest(shape.cols.len())
    )
}

/// Copies the batch's rows from the old master into the new master: those written by this
/// statement (`w`, with their new values) and those the statement left unchanged (read from the
/// old master, whose snapshot is current for them). A fetched row is then in both layouts, the
/// same, even when only the old one had it before.
fn mirror_cte(cat: &Catalog, shape: &Shape, m: &MirrorShape) -> String {
    let cols: Vec<String> = m.columns.iter().map(|c| cat.quote(c)).collect();
    let keys: Vec<String> = m.new_key.iter().map(|c| cat.quote(c)).collect();
    let others: Vec<&String> = m
        .columns
        .iter()
        .filter(|c| !m.new_key.contains(c))
        .collect();
    let cmp = |expr: String, c: &String| {
        if m.json.contains(c) {
            format!("{expr}::text")
        } else {
            expr
        }
    };
    let action = if others.is_empty() {
        "DO NOTHING".to_string()
    } else {
        let sets: Vec<String> = others
            .iter()
            .map(|c| format!("{0} = EXCLUDED.{0}", cat.quote(c)))
            .collect();
        let stored: Vec<String> = others
            .iter()
            .map(|c| cmp(format!("n.{}", cat.quote(c)), c))
            .collect();
        let wanted: Vec<String> = others
            .iter()
            .map(|c| cmp(format!("EXCLUDED.{}", cat.quote(c)), c))
            .collect();
        format!(
            "DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
            sets.join(", "),
            stored.join(", "),
            wanted.join(", ")
        )
    };
    let key_cols: Vec<String> = shape.key_names().iter().map(|k| cat.quote(k)).collect();
    let o_keys: Vec<String> = key_cols.iter().map(|k| format!("o.{k}")).collect();
    let v_keys: Vec<String> = shape.key.iter().map(|k| format!("v.c{k}")).collect();
    let same: Vec<String> = key_cols.iter().map(|k| format!("w.{k} = o.{k}")).collect();
    let o_cols: Vec<String> = cols.iter().map(|c| format!("o.{c}")).collect();
    // The rows of the batch this statement left as they were are copied as they stand now, not as
    // its snapshot saw them: `FOR SHARE` makes PostgreSQL return the latest committed version of a
    // row another writer changed while this statement waited for it (the ON CONFLICT above waits
    // for that writer). From the snapshot, a concurrent change that mirrored itself would be
    // overwritten in the new master with the version before it. (`FOR KEY SHARE` does not
    // conflict with an update that keeps the key, so it would still return the old version; the
    // ON CONFLICT has locked these rows more strongly already.)
    format!(
        "m AS (INSERT INTO {new} AS n ({cols}){over} SELECT {cols} FROM (SELECT {cols} FROM w UNION ALL \
         SELECT * FROM (SELECT {o_cols} FROM {old} AS o WHERE ({o_keys}) IN (SELECT {v_keys} FROM v) \
         AND NOT EXISTS (SELECT 1 FROM w WHERE {same}) FOR SHARE OF o) AS fresh) AS s ON CONFLICT ({keys}) {action} RETURNING 1)",
        new = cat.qualified(&m.new),
        old = cat.qualified(&m.old),
        cols = cols.join(", "),
        o_cols = o_cols.join(", "),
        o_keys = o_keys.join(", "),
        v_keys = v_keys.join(", "),
        same = same.join(" AND "),
        over = m.overriding,
        keys = keys.join(", "),
    )
}

/// Existing values of `columns` for the rows whose key is in the parameters (one `text[]` per
/// key column). Returns the key columns, then `columns`, all as text.
pub fn existing(cat: &Catalog, shape: &Shape, columns: &[&Col]) -> String {
    let keys: Vec<String> = shape
        .key_names()
        .iter()
        .map(|k| format!("t.{}::text", cat.quote(k)))
        .collect();
    let wanted: Vec<String> = columns
        .iter()
        .map(|c| format!("t.{}::text", cat.quote(&c.name)))
        .collect();
    let params: Vec<String> = (1..=keys.len()).map(|i| format!("${i}::text[]")).collect();
    format!(
        "SELECT {}, {} FROM {} AS t WHERE ({}) IN (SELECT * FROM unnest({}))",
        keys.join(", "),
        wanted.join(", "),
        cat.qualified(&shape.table),
        keys.join(", "),
        params.join(", ")
    )
}

/// `by -> to` of the rows of `table` whose `by` is in `$1`.
pub fn resolve(cat: &Catalog, table: &str, by: &str, to: &str) -> String {
    format!(
        "SELECT {by}::text, {to}::text FROM {} WHERE {by}::text = ANY($1::text[])",
        cat.qualified(table),
        by = cat.quote(by),
        to = cat.quote(to),
    )
}

/// Locks the batch's races (`$1`) in id order, so concurrent writers of the same races queue
/// instead of both inserting a runner they each found missing.
pub fn lock_races(cat: &Catalog, races: &str) -> String {
    format!(
        "SELECT 1 FROM {} WHERE id::text = ANY($1::text[]) ORDER BY id FOR UPDATE",
        cat.qualified(races)
    )
}

/// Stores refused records in the order given; one seen again while unresolved (a re-fetch) is
/// counted on its row.
pub const QUARANTINE: &str =
    "INSERT INTO ra_migrate.quarantine AS q (source, endpoint, request, payload, error, times_seen) \
     SELECT source, endpoint, min(request), payload, error, count(*)::int \
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY \
            AS u(source, endpoint, request, payload, error, n) \
      GROUP BY source, endpoint, payload, error \
      ORDER BY min(n) \
     ON CONFLICT (source, endpoint, md5(payload), md5(error)) WHERE resolved_at IS NULL \
     DO UPDATE SET times_seen = q.times_seen + EXCLUDED.times_seen, last_seen_at = now(), \
                   request = EXCLUDED.request";
