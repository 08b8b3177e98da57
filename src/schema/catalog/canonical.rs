//! Definitions compared as PostgreSQL would re-read them: each one parsed and deparsed once more
//! on a temporary table, in a transaction rolled back at once.

use super::Table;
use anyhow::Result;
use postgres::GenericClient;
use std::collections::BTreeMap;

/// PostgreSQL deparses a definition (`pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`)
/// into text that, parsed again, can give a different but equivalent tree: `region IN ('GB',
/// 'IRE')` on a varchar column comes back as `ANY ((ARRAY[...])::text[])`, which parses into casts
/// of each element. A copy created from the text never deparses like its original, so each
/// definition is parsed and deparsed once more, on a temporary table with the same columns, in a
/// transaction rolled back at once (nothing is created in the user's schema). A copy and its
/// original both reach that form (one more round trip changes nothing), and a real difference
/// still shows. When the round trip fails, definitions are compared as they are.
pub(super) fn canonicalize(client: &mut impl GenericClient, tables: &mut BTreeMap<u32, Table>) {
    let Ok(mut tx) = client.transaction() else {
        return;
    };
    let _ = round_trip(&mut tx, tables);
    let _ = tx.rollback();
}

/// Where a temporary object's definition goes back to: (table oid, position in its list).
type Slot = (u32, usize);

fn round_trip(tx: &mut postgres::Transaction<'_>, tables: &mut BTreeMap<u32, Table>) -> Result<()> {
    let dq = crate::schema::quote::ident;
    let mut script = Vec::new();
    let mut checks: BTreeMap<String, Slot> = BTreeMap::new();
    let mut indexes: BTreeMap<String, Slot> = BTreeMap::new();
    let mut policies: BTreeMap<String, Slot> = BTreeMap::new();
    let mut filters: BTreeMap<String, Slot> = BTreeMap::new();
    let mut columns: BTreeMap<(String, String), Slot> = BTreeMap::new();
    for (n, (oid, t)) in tables.iter().enumerate() {
        if t.relkind != "r" {
            continue;
        }
        let tmp = format!("ra_migrate_canon_{n}");
        let mut cols = Vec::new();
        for (k, c) in t.columns.iter().enumerate() {
            let mut def = format!("{} {}", dq(&c.name), c.type_sql);
            if let Some(coll) = &c.collation {
                def.push_str(&format!(" COLLATE {coll}"));
            }
            if let Some(g) = &c.generated {
                def.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
                columns.insert((tmp.clone(), c.name.clone()), (*oid, k));
            } else if let Some(d) = &c.default {
                def.push_str(&format!(" DEFAULT {d}"));
                columns.insert((tmp.clone(), c.name.clone()), (*oid, k));
            }
            cols.push(def);
        }
        script.push(format!("CREATE TEMP TABLE {tmp} ({})", cols.join(", ")));
        for (k, con) in t
            .constraints
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == "c")
        {
            let name = format!("ra_migrate_c_{n}_{k}");
            script.push(format!(
                "ALTER TABLE pg_temp.{tmp} ADD CONSTRAINT {name} {}",
                con.def.trim_end_matches(" NOT VALID")
            ));
            checks.insert(name, (*oid, k));
        }
        for (k, idx) in t.indexes.iter().enumerate() {
            let Some((_, rest)) = idx.def.split_once(" USING ") else {
                continue;
            };
            let name = format!("ra_migrate_i_{n}_{k}");
            script.push(format!("CREATE INDEX {name} ON pg_temp.{tmp} USING {rest}"));
            indexes.insert(name, (*oid, k));
        }
        // A row filter deparses like a check constraint's expression on the same columns.
        for (k, p) in t.publications.iter().enumerate() {
            let Some(f) = &p.row_filter else { continue };
            let name = format!("ra_migrate_f_{n}_{k}");
            script.push(format!(
                "ALTER TABLE pg_temp.{tmp} ADD CONSTRAINT {name} CHECK ({f})"
            ));
            filters.insert(name, (*oid, k));
        }
        for (k, p) in t.policies.iter().enumerate() {
            let name = format!("ra_migrate_p_{n}_{k}");
            let mut sql = format!("CREATE POLICY {name} ON pg_temp.{tmp} FOR {}", p.command);
            if let Some(u) = &p.using {
                sql.push_str(&format!(" USING ({u})"));
            }
            if let Some(w) = &p.with_check {
                sql.push_str(&format!(" WITH CHECK ({w})"));
            }
            script.push(sql);
            policies.insert(name, (*oid, k));
        }
    }
    if script.is_empty() {
        return Ok(());
    }
    tx.batch_execute(&script.join(";\n"))?;
    let temp = "c.relnamespace = pg_my_temp_schema() AND c.relname LIKE 'ra\\_migrate\\_canon\\_%'";
    for r in tx.query(
        &format!(
            "SELECT con.conname::text, pg_get_constraintdef(con.oid),
                    pg_get_expr(con.conbin, con.conrelid)
             FROM pg_constraint con
             JOIN pg_class c ON c.oid = con.conrelid WHERE {temp} AND con.contype = 'c'"
        ),
        &[],
    )? {
        if let Some((oid, k)) = filters.get(&r.get::<_, String>(0)) {
            if let Some(p) = tables.get_mut(oid).and_then(|t| t.publications.get_mut(*k)) {
                p.canonical_row_filter = r.get(2);
            }
        }
        if let Some((oid, k)) = checks.get(&r.get::<_, String>(0)) {
            if let Some(con) = tables.get_mut(oid).and_then(|t| t.constraints.get_mut(*k)) {
                con.canonical = Some(r.get(1));
            }
        }
    }
    for r in tx.query(
        &format!(
            "SELECT ic.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
             WHERE {temp}"
        ),
        &[],
    )? {
        let def: String = r.get(1);
        if let (Some((oid, k)), Some((_, rest))) = (
            indexes.get(&r.get::<_, String>(0)),
            def.split_once(" USING "),
        ) {
            if let Some(idx) = tables.get_mut(oid).and_then(|t| t.indexes.get_mut(*k)) {
                idx.canonical = Some(rest.to_string());
            }
        }
    }
    for r in tx.query(
        &format!(
            "SELECT p.polname::text, pg_get_expr(p.polqual, p.polrelid),
                    pg_get_expr(p.polwithcheck, p.polrelid)
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE {temp}"
        ),
        &[],
    )? {
        if let Some((oid, k)) = policies.get(&r.get::<_, String>(0)) {
            if let Some(p) = tables.get_mut(oid).and_then(|t| t.policies.get_mut(*k)) {
                p.canonical_using = r.get(1);
                p.canonical_with_check = r.get(2);
            }
        }
    }
    for r in tx.query(
        &format!(
            "SELECT c.relname::text, a.attname::text, pg_get_expr(d.adbin, d.adrelid)
             FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
             JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE {temp}"
        ),
        &[],
    )? {
        if let Some((oid, k)) = columns.get(&(r.get(0), r.get(1))) {
            if let Some(c) = tables.get_mut(oid).and_then(|t| t.columns.get_mut(*k)) {
                if c.generated.is_some() {
                    c.canonical_generated = r.get(2);
                } else {
                    c.canonical_default = r.get(2);
                }
            }
        }
    }
    Ok(())
}
