//! Phase 1, create: a new `ra_mst_*` table for every master, with the old table's structure read
//! from the live catalog. Foreign keys that will point at new masters are deferred to phase 3:
//! until the backfill has filled the referenced table, a write that is valid in the old layout would
//! fail in the new one and break the writers.

use super::{DeferredFk, Direction, Facts, Lock, Phase, Plan, Step};
use crate::schema::catalog::{Catalog, Table};
use crate::schema::ddl::{self, Target};
use crate::schema::mapping::{Kind, Mapping};
use crate::schema::quote;
use anyhow::{bail, Result};
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What phase 1 created, kept with its state (`state.rs`) so rollback drops exactly that.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// (old master, new master) in creation order.
    pub tables: Vec<(String, String)>,
    /// Sequences and indexes created with them.
    pub relations: Vec<String>,
    /// Foreign keys phase 3 adds.
    pub deferred: Vec<DeferredFk>,
    /// Statements phase 3 runs after its copies: (new master, constraint, title, SQL); see
    /// `TableDdl::after_backfill`.
    #[serde(default)]
    pub after_backfill: Vec<(String, String, String, String)>,
}

/// Placeholder target name under which an old table and its copy are compared.
const SHAPE_NAME: &str = "ra_migrate_shape";

/// What the tool cannot migrate, per master present in the schema: (table, reason). Checked when
/// phase 1 is planned, before anything changes (and listed by `doctor`).
pub fn unsupported(cat: &Catalog, mapping: &Mapping) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in mapping.masters() {
        let Some(t) = cat.table(&m.name) else {
            continue;
        };
        if t.relkind == "p" {
            out.push((
                m.name.clone(),
                "it is partitioned: the copy, its triggers and the archive rename work on one plain table; convert it to a plain table or migrate it by hand".to_string(),
            ));
            continue;
        }
        let Some(pk) = t.constraints.iter().find(|c| c.kind == "p") else {
            out.push((
                m.name.clone(),
                "it has no primary key: rows cannot be matched between the old and the new table; add one (ALTER TABLE ... ADD PRIMARY KEY)".to_string(),
            ));
            continue;
        };
        if pk.def.contains(" DEFERRABLE") {
            out.push((
                m.name.clone(),
                format!(
                    "its primary key {} is DEFERRABLE: the copies keep both tables equal with INSERT ... ON CONFLICT on the key, which PostgreSQL refuses on a deferrable constraint (and a copy without it is not safe against a concurrent copy of the same key); make it NOT DEFERRABLE first",
                    pk.name
                ),
            ));
        }
        if let Some(c) = t
            .columns
            .iter()
            .find(|c| c.generated.is_some() && pk.columns.contains(&c.name))
        {
            out.push((
                m.name.clone(),
                format!(
                    "its primary key uses the generated column {}: the copies match rows by a key they write, and a generated column cannot be written",
                    c.name
                ),
            ));
        }
    }
    out
}

/// Phase 1's plan in `direction`, from the facts alone.
pub fn plan(facts: &Facts, mapping: &Mapping, direction: Direction) -> Result<Plan> {
    match direction {
        Direction::Apply => plan_apply(&facts.catalog, mapping),
        Direction::Rollback => plan_rollback(&facts.catalog, &facts.record::<Record>()?),
    }
}

/// Checks phase 1's result (or its rollback's) against the catalog in `facts`, read after it ran.
pub fn verify(
    _client: &mut Client,
    facts: &Facts,
    mapping: &Mapping,
    direction: Direction,
) -> Result<Vec<String>> {
    match direction {
        Direction::Apply => verify_apply(&facts.catalog, mapping),
        Direction::Rollback => Ok(verify_rollback(&facts.catalog, &facts.record::<Record>()?)),
    }
}

pub fn plan_apply(cat: &Catalog, mapping: &Mapping) -> Result<Plan> {
    let refused = unsupported(cat, mapping);
    if !refused.is_empty() {
        bail!(
            "refusing to migrate, nothing was changed: {}",
            refused
                .iter()
                .map(|(t, why)| format!("{t}: {why}"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let masters = mapping.renames();
    let mut taken = cat.relations.clone();
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut record = Record::default();
    let present: Vec<_> = mapping
        .masters()
        .filter(|m| {
            let here = cat.table(&m.name).is_some();
            if !here {
                notes.push(format!(
                    "{} is in the mapping but not in schema {}: nothing to create for it",
                    m.name, cat.schema
                ));
            }
            here
        })
        .collect();
    if present.is_empty() {
        bail!(
            "none of the mapping's masters exists in schema {}: is this the right database?",
            cat.schema
        );
    }
    let old_list: Vec<String> = present.iter().map(|m| cat.qualified(&m.name)).collect();
    steps.push(Step::new(
        "hold the old masters' structure still while it is copied (blocks DDL on them, not writes)",
        format!("LOCK TABLE {} IN ACCESS SHARE MODE", old_list.join(", ")),
        Lock::AccessShare,
    ));
    for m in &present {
        let new_name = m.new_name.as_deref().expect("master has a new name");
        if cat.table(new_name).is_some() || cat.relations.contains(new_name) {
            bail!(
                "{new_name} already exists in schema {} and was not created by phase 1: rename or drop it, or map {} to another name",
                cat.schema,
                m.name
            );
        }
        let old = cat.table(&m.name).expect("present");
        if old.owner != cat.current_user && !old.owner_settable {
            bail!(
                "{new_name} cannot be given the owner of {} ({}): {} is not a member of that role; grant it (GRANT {} TO {}) or run as {}",
                m.name,
                old.owner,
                cat.current_user,
                old.owner,
                cat.current_user,
                old.owner
            );
        }
        if !old.owner_may_create {
            bail!(
                "{new_name} cannot be given the owner of {} ({}): that role may not create in schema {}, which PostgreSQL requires of a new owner unless a superuser gives the table; grant it (GRANT CREATE ON SCHEMA {} TO {}) or run as a superuser",
                m.name,
                old.owner,
                cat.schema,
                cat.quote(&cat.schema),
                old.owner
            );
        }
        let ddl = ddl::build(
            cat,
            old,
            Target {
                name: new_name,
                masters: &masters,
                taken: &mut taken,
                copy_sequence_state: true,
                share_sequences: true,
                user_triggers_disabled: true,
            },
        )?;
        notes.extend(id_source_notes(old, new_name));
        notes.extend(grantor_notes(cat, old, new_name));
        taken.insert(new_name.to_string());
        steps.push(Step::new(
            format!(
                "create {new_name} as a copy of {} ({} columns)",
                m.name,
                old.columns.len()
            ),
            ddl.create,
            Lock::AccessExclusive,
        ));
        for f in ddl.follow {
            steps.push(Step::new(f.title, f.sql, f.lock));
        }
        for (_, f) in ddl
            .after_backfill
            .iter()
            .filter(|(_, f)| f.sql.contains(" ADD CONSTRAINT "))
        {
            notes.push(format!(
                "deferred to phase 3, after the backfill: {} (legacy rows may break it, and the copy must take them)",
                f.title
            ));
        }
        record.after_backfill.extend(
            ddl.after_backfill
                .into_iter()
                .map(|(con, f)| (new_name.to_string(), con, f.title, f.sql)),
        );
        record.tables.push((m.name.clone(), new_name.to_string()));
        record.relations.extend(ddl.relations);
        record.deferred.extend(ddl.deferred);
    }
    record
        .deferred
        .extend(fact_foreign_keys(cat, mapping, &masters));
    for d in &record.deferred {
        notes.push(format!(
            "deferred to phase 3: {}({}) -> {}({}), from {}.{}: until the backfill has filled {}, a write that is valid in the old layout would fail here and break the writers",
            d.table,
            d.columns.join(", "),
            d.references,
            d.ref_columns.join(", "),
            d.from_table,
            d.from_constraint,
            d.references
        ));
    }
    for p in &cat.implicit_publications {
        notes.push(format!(
            "publication {p} takes every new table of schema {}: the ra_mst_* tables join it as they are created, beside the old ones",
            cat.schema
        ));
    }
    let old_names: BTreeSet<String> = present.iter().map(|m| m.name.clone()).collect();
    for v in cat.views_reading(&old_names) {
        notes.push(format!(
            "view {}.{} reads {}: it keeps reading the old tables until phase 4 switches it",
            v.schema,
            v.name,
            v.reads.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for f in cat.functions_mentioning(&old_names) {
        notes.push(format!(
            "function {} names {} in its body: it keeps using the old tables until phase 4 switches it",
            f.signature,
            f.mentions.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Plan {
        phase: Phase::Create,
        direction: Direction::Apply,
        steps,
        notes,
        deferred: record.deferred.clone(),
        record: record.into(),
    })
}

/// Foreign keys of tables that keep their name (facts) pointing at an old master: phase 3 adds a
/// twin pointing at the new master.
fn fact_foreign_keys(
    cat: &Catalog,
    mapping: &Mapping,
    masters: &BTreeMap<String, String>,
) -> Vec<DeferredFk> {
    let mut out = Vec::new();
    for t in cat.tables.values() {
        let kind = mapping.get(&t.name).map(|m| m.kind);
        if kind == Some(Kind::Master)
            || kind == Some(Kind::Deprecated)
            || mapping.is_protected(&t.name)
        {
            continue;
        }
        for con in t.constraints.iter().filter(|c| c.kind == "f") {
            let Some(new_ref) = con.ref_table.as_ref().and_then(|r| masters.get(r)) else {
                continue;
            };
            let name = repointed_name(&con.name, &t.constraints);
            if let Ok(def) =
                ddl::repoint_fk_def(cat, &con.def, &con.columns, new_ref, &con.ref_columns)
            {
                out.push(DeferredFk {
                    table: t.name.clone(),
                    constraint: name,
                    columns: con.columns.clone(),
                    references: new_ref.clone(),
                    ref_columns: con.ref_columns.clone(),
                    from_table: t.name.clone(),
                    from_constraint: con.name.clone(),
                    def,
                });
            }
        }
    }
    out
}

/// The repointed twin of `ra_runners_horse_id_fkey` is `ra_runners_horse_id_mst_fkey`.
fn repointed_name(old: &str, existing: &[crate::schema::catalog::Constraint]) -> String {
    let base = match old.strip_suffix("_fkey") {
        Some(stem) => format!("{stem}_mst_fkey"),
        None => format!("{old}_mst"),
    };
    let taken: BTreeSet<String> = existing.iter().map(|c| c.name.clone()).collect();
    ddl::derive_name(&base, "", "", &taken)
        .trim_start_matches('_')
        .to_string()
}

pub fn plan_rollback(cat: &Catalog, record: &Record) -> Result<Plan> {
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    for (old, new) in record.tables.iter().rev() {
        match cat.table(new) {
            Some(t) => {
                steps.push(Step::new(
                    format!(
                        "drop {new} (created by phase 1 from {old}; about {} rows, copies only: {old} is untouched) with its own sequences and indexes",
                        t.estimated_rows
                    ),
                    format!("DROP TABLE {}", cat.qualified(new)),
                    Lock::AccessExclusive,
                ));
            }
            None => notes.push(format!("{new} no longer exists: nothing to drop")),
        }
    }
    if steps.is_empty() {
        notes.push("phase 1 left nothing behind to drop".into());
    }
    Ok(Plan {
        phase: Phase::Create,
        direction: Direction::Rollback,
        steps,
        notes,
        deferred: vec![],
        record: record.clone().into(),
    })
}

/// Structural differences between every old master and its new table, by name.
pub fn verify_apply(cat: &Catalog, mapping: &Mapping) -> Result<Vec<String>> {
    let masters = mapping.renames();
    let mut problems = Vec::new();
    for m in mapping.masters() {
        let Some(old) = cat.table(&m.name) else {
            continue;
        };
        let new_name = m.new_name.as_deref().expect("master has a new name");
        let Some(new) = cat.table(new_name) else {
            problems.push(format!("{new_name}: missing (the copy of {})", m.name));
            continue;
        };
        let shape = |t| -> Result<BTreeMap<String, String>> {
            Ok(ddl::build(
                cat,
                t,
                Target {
                    name: SHAPE_NAME,
                    masters: &masters,
                    taken: &mut BTreeSet::new(),
                    copy_sequence_state: false,
                    share_sequences: false,
                    user_triggers_disabled: false,
                },
            )?
            .shape)
        };
        let (want, mut have) = (shape(old)?, shape(new)?);
        accept_shared_sequences(old, &mut have);
        // NOT VALID checks (and their comments) arrive with phase 3, after the backfill.
        let later: BTreeSet<String> = old
            .constraints
            .iter()
            .filter(|c| c.kind == "c" && !c.validated)
            .map(|c| ddl::derive_name(&c.name, &old.name, SHAPE_NAME, &BTreeSet::new()))
            .collect();
        for (key, w) in &want {
            let deferred = key
                .strip_prefix("constraint ")
                .or_else(|| key.strip_prefix("comment on constraint "))
                .is_some_and(|n| later.contains(n));
            match have.get(key) {
                None if deferred => {}
                None => problems.push(format!(
                    "{new_name}: {} is missing (on {}: {w})",
                    key.replace(SHAPE_NAME, new_name),
                    m.name
                )),
                Some(h) if h != w => problems.push(format!(
                    "{new_name}: {} differs: {} has '{}', {new_name} has '{}'",
                    key.replace(SHAPE_NAME, new_name),
                    m.name,
                    w.replace(SHAPE_NAME, new_name),
                    h.replace(SHAPE_NAME, new_name)
                )),
                _ => {}
            }
        }
        // The copy's user triggers wait, disabled, for phase 5 (see `Target::user_triggers_disabled`).
        for tg in new
            .triggers
            .iter()
            .filter(|t| !ddl::is_tool_trigger(&t.name) && t.enabled != "D")
        {
            problems.push(format!(
                "{new_name}: trigger {} is enabled: it would fire a second time on every write copied from {} (it stays disabled until phase 5)",
                tg.name, m.name
            ));
        }
        for key in have.keys().filter(|k| !want.contains_key(*k)) {
            problems.push(format!(
                "{new_name}: has {} that {} does not have",
                key.replace(SHAPE_NAME, new_name),
                m.name
            ));
        }
    }
    Ok(problems)
}

/// The new table's defaults deliberately call the old table's own sequences until phase 5 (one id
/// source while both layouts are written): in the new table's shape, the old column's own sequence
/// counts as the column's own. Any other sequence still shows as a difference.
fn accept_shared_sequences(old: &Table, have: &mut BTreeMap<String, String>) {
    for col in &old.columns {
        let Some(shape) = have.get_mut(&format!("column {}", col.name)) else {
            continue;
        };
        for seq in col.sequences.iter().filter(|s| s.owned && !s.identity) {
            let pat = format!("{}::regclass", quote::literal(&seq.regclass_text));
            *shape = shape.replace(&pat, "<own sequence>");
        }
    }
}

/// Grants made by another role than the owner that the tool may not act as are made by the
/// owner on the copy: the operator should know.
fn grantor_notes(cat: &Catalog, old: &Table, new_name: &str) -> Vec<String> {
    let by_others: BTreeSet<(String, String)> = old
        .acl
        .iter()
        .chain(old.column_acl.iter().map(|(_, a)| a))
        .filter(|a| a.grantor != old.owner && !cat.may_act_as(&a.grantor))
        .map(|a| (a.grantee.clone(), a.grantor.clone()))
        .collect();
    by_others
        .into_iter()
        .map(|(grantee, grantor)| {
            format!(
                "{grantor} granted {grantee} privileges on {}: on {new_name} the owner {} grants them (a later REVOKE by {grantor} will not reach {new_name})",
                old.name, old.owner
            )
        })
        .collect()
}

/// What the plan tells about where the new table's ids come from.
fn id_source_notes(old: &Table, new_name: &str) -> Vec<String> {
    let mut notes = Vec::new();
    for col in &old.columns {
        for seq in col.sequences.iter().filter(|s| s.owned) {
            if seq.identity {
                notes.push(format!(
                    "{new_name}.{col} is an identity column: it gets an identity sequence of its own, started where {seq} stands, and phase 5 moves it past {seq}; until then an insert into {new_name} that takes its id from the identity can collide with ids {old} hands out, so while both layouts are written, insert into {old} (the trigger copies the row) or give {col} explicitly",
                    col = col.name,
                    seq = seq.name,
                    old = old.name
                ));
            } else {
                notes.push(format!(
                    "{new_name}.{col} takes its default from {seq}, the sequence of {old}, so both layouts draw ids from one source while both are written; phase 5 moves {new_name}'s own sequence past it and hands the default over",
                    col = col.name,
                    seq = seq.name,
                    old = old.name
                ));
            }
        }
    }
    notes
}

/// After rollback: nothing phase 1 created is left.
pub fn verify_rollback(cat: &Catalog, record: &Record) -> Vec<String> {
    record
        .tables
        .iter()
        .map(|(_, n)| n)
        .chain(record.relations.iter())
        .filter(|n| cat.relations.contains(*n))
        .map(|n| format!("{n} still exists after rolling back phase 1"))
        .collect()
}
