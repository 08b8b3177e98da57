//! Phase 5, archive: the old masters (and `ra_race_results`) stop being written and are renamed
//! `ra_old_*`; the dual-write triggers go, the fact tables' foreign keys to the old masters go (their
//! twins to the new masters stay), the new sequences move past every id the old ones handed out and
//! take over the new defaults (which called the old sequences until now: one id source), and
//! capture triggers on each new master record the key of every row changed (or truncated) from now
//! on, so a rollback can carry those changes back into the old tables. One transaction; the plan's
//! implicit relationships, added in it `NOT VALID`, are validated after it (resumably).

use super::{dual_write, Direction, Facts, Lock, Phase, Plan, Step};
use crate::schema::catalog::{Catalog, Publication, Table};
use crate::schema::mapping::{Kind, Mapping};
use crate::state::Status;
use anyhow::{bail, Context, Result};
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod rollback;
pub use rollback::plan_rollback;

const CAPTURE: &str = "ra_migrate_capture";
/// Records every key of a new master before a `TRUNCATE` empties it.
const CAPTURE_TRUNCATE: &str = "ra_migrate_capture_truncate";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// (original name, archived name)
    pub archived: Vec<(String, String)>,
    /// Foreign keys of fact tables that pointed at old masters: (table, constraint, definition).
    pub dropped_fks: Vec<(String, String, String)>,
    /// New masters given a capture trigger: (new table, capture function).
    pub captured: Vec<(String, String)>,
    /// New masters whose TRUNCATE is recorded too (archives made before that have none).
    #[serde(default)]
    pub truncate_captured: Vec<String>,
    /// Relationships the old layout never enforced, added by the archive as foreign keys.
    #[serde(default)]
    pub implicit_fks: Vec<(String, String)>,
    /// Set by purge: the archived tables are gone, and with them the way back.
    #[serde(default)]
    pub purged_at: Option<String>,
    /// Read/write counters of the archived tables right after the archive (for purge).
    #[serde(default)]
    pub baseline: Vec<(String, i64)>,
    /// Publications the archived tables were taken out of: (original name, new master,
    /// membership), so a rollback puts them back exactly.
    #[serde(default)]
    pub unpublished: Vec<(String, String, Publication)>,
    /// User triggers handed to the new masters: (original name, new master, trigger, the state
    /// it had on the original, `pg_trigger.tgenabled`). The new master's copy was disabled until
    /// the archive; the archived table's is disabled from then on (and back at a rollback).
    #[serde(default)]
    pub triggers: Vec<(String, String, String, String)>,
}

fn capture_function(new: &str) -> String {
    format!("ra_migrate.capture_{new}")
}

fn truncate_function(new: &str) -> String {
    format!("ra_migrate.capture_truncate_{new}")
}

/// Hands the id source of every sequence-fed column from `from` to `to`: `to`'s own sequence moves
/// past every id `from`'s handed out (in the direction the sequence runs: a descending one moves
/// down), and a default of `new` that calls `from`'s sequence calls `to`'s from then on. `new` is
/// the twin (`ra_mst_*`), whichever way the hand-off goes.
fn hand_over_ids(cat: &Catalog, from: &Table, to: &Table, new: &Table) -> Vec<Step> {
    let mut out = Vec::new();
    for fc in &from.columns {
        let Some(tc) = to.columns.iter().find(|c| c.name == fc.name) else {
            continue;
        };
        let (Some(fs), Some(ts)) = (
            fc.sequences.iter().find(|s| s.owned),
            tc.sequences.iter().find(|s| s.owned),
        ) else {
            continue;
        };
        let fq = format!("{}.{}", cat.quote(&fs.schema), cat.quote(&fs.name));
        let tq = format!("{}.{}", cat.quote(&ts.schema), cat.quote(&ts.name));
        let (past, word) = if ts.increment < 0 {
            ("least", "below")
        } else {
            ("greatest", "past")
        };
        out.push(Step::new(
            format!("move {} {word} every id {} handed out", ts.name, fs.name),
            format!(
                "SELECT setval({}, {past}(t.last_value, f.last_value), true) FROM {tq} t, {fq} f",
                crate::schema::quote::literal(&tq)
            ),
            Lock::None,
        ));
        let Some(nc) = new.columns.iter().find(|c| c.name == fc.name) else {
            continue;
        };
        let pat = format!(
            "{}::regclass",
            crate::schema::quote::literal(&fs.regclass_text)
        );
        if let Some(default) = nc.default.as_deref().filter(|d| d.contains(&pat)) {
            out.push(Step::new(
                format!(
                    "{}.{} takes its ids from {} from now on",
                    new.name, nc.name, ts.name
                ),
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}",
                    cat.qualified(&new.name),
                    cat.quote(&nc.name),
                    default.replace(
                        &pat,
                        &format!("{}::regclass", crate::schema::quote::literal(&tq))
                    )
                ),
                Lock::AccessExclusive,
            ));
        }
    }
    out
}

/// The implicit relationships' validation, left to run after the archive's transaction: orphans
/// keep a constraint NOT VALID and are reported, never deleted. Rollback 5 validates the foreign
/// keys it restores the same way.
fn validate_after(cat: &Catalog, table: &str, name: &str) -> Step {
    let mut v = Step::new(
        format!("validate {name} without blocking writers of {table}"),
        format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {}",
            cat.qualified(table),
            cat.quote(name)
        ),
        Lock::ShareUpdateExclusive,
    );
    v.tx = super::Tx::Own;
    v.tolerate_fk_violation = true;
    v
}

/// `previous`: what an archive recorded before it was stopped (status `applying`); when its
/// transaction had committed, only the validations are left.
pub fn plan_apply(cat: &Catalog, mapping: &Mapping, previous: Option<&Record>) -> Result<Plan> {
    if let Some(rec) = previous.filter(|r| {
        !r.archived.is_empty()
            && r.archived
                .iter()
                .all(|(orig, archived)| cat.table(orig).is_none() && cat.table(archived).is_some())
    }) {
        let steps = rec
            .implicit_fks
            .iter()
            .filter(|(table, name)| {
                cat.table(table).is_some_and(|t| {
                    t.constraints
                        .iter()
                        .any(|c| &c.name == name && !c.validated)
                })
            })
            .map(|(table, name)| validate_after(cat, table, name))
            .collect();
        return Ok(Plan {
            phase: Phase::Archive,
            direction: Direction::Apply,
            steps,
            notes: vec![
                "the archive itself was committed by an earlier run: only the implicit relationships are left to validate".into(),
            ],
            deferred: vec![],
            record: rec.clone().into(),
        });
    }
    let mut steps = Vec::new();
    let mut record = Record::default();
    let mut notes = vec![
        "writers that still target an old name fail loudly from now on (the table no longer exists under that name) instead of writing into a dead table".to_string(),
        "the built-in fetchers write the new masters only".to_string(),
    ];
    let pairs = dual_write::pairs(cat, mapping)?;
    if pairs.is_empty() {
        bail!("no master has both its old and its new table: nothing to archive");
    }
    for p in &cat.implicit_publications {
        notes.push(format!(
            "publication {p} keeps publishing the archived ra_old_* tables (a table cannot leave such a publication); nothing writes them after the archive, so their subscribers receive nothing more from them, and the ra_mst_* tables are published there already"
        ));
    }
    for p in &pairs {
        let old_q = cat.qualified(&p.old.name);
        // Subscribers (Supabase realtime, logical replicas) follow the new master from now on:
        // phase 1 published it alongside, the archive stops publishing the old one.
        for publication in &p.old.publications {
            steps.push(Step::new(
                format!(
                    "stop publishing {} in {} ({} is published there)",
                    p.old.name, publication.name, p.new_name
                ),
                format!("ALTER PUBLICATION {} DROP TABLE {old_q}", publication.name),
                Lock::ShareUpdateExclusive,
            ));
            record
                .unpublished
                .push((p.old.name.clone(), p.new_name.clone(), publication.clone()));
        }
        for trigger in [dual_write::TRIGGER, dual_write::TRUNCATE_GUARD] {
            if p.old.triggers.iter().any(|t| t.name == trigger) {
                steps.push(Step::new(
                    format!("stop copying writes on {}: drop {trigger}", p.old.name),
                    format!("DROP TRIGGER {trigger} ON {old_q}"),
                    Lock::ShareRowExclusive,
                ));
            }
        }
        steps.push(Step::new(
            format!("drop the dual-write function of {}", p.old.name),
            format!(
                "DROP FUNCTION IF EXISTS {}()",
                dual_write::function_name(&p.old.name)
            ),
            Lock::None,
        ));
        if p.new
            .triggers
            .iter()
            .any(|t| t.name == dual_write::REVERSE_TRIGGER)
        {
            steps.push(Step::new(
                format!(
                    "stop copying writes on {} back: drop {}",
                    p.new_name,
                    dual_write::REVERSE_TRIGGER
                ),
                format!(
                    "DROP TRIGGER {} ON {}",
                    dual_write::REVERSE_TRIGGER,
                    cat.qualified(&p.new_name)
                ),
                Lock::ShareRowExclusive,
            ));
        }
        if p.new
            .triggers
            .iter()
            .any(|t| t.name == dual_write::EARLY_WRITE_GUARD)
        {
            steps.push(Step::new(
                format!(
                    "{} is the table of record now: drop {}",
                    p.new_name,
                    dual_write::EARLY_WRITE_GUARD
                ),
                format!(
                    "DROP TRIGGER {} ON {}",
                    dual_write::EARLY_WRITE_GUARD,
                    cat.qualified(&p.new_name)
                ),
                Lock::ShareRowExclusive,
            ));
        }
        steps.extend(dual_write::drop_gate_steps(
            cat,
            &[p.old.name.as_str(), p.new_name.as_str()],
        ));
        steps.extend(dual_write::drop_identity_steps(
            cat,
            &p.old.name,
            &p.new_name,
        ));
        steps.push(Step::new(
            format!("drop the reverse-write function of {}", p.old.name),
            format!(
                "DROP FUNCTION IF EXISTS {}()",
                dual_write::reverse_function_name(&p.old.name)
            ),
            Lock::None,
        ));
    }
    // The new masters become the tables of record: their user triggers take over, in the state
    // the old ones had, and the archived tables' stop firing (a rollback carries rows back into
    // them without firing anything).
    for p in &pairs {
        for tg in p
            .old
            .triggers
            .iter()
            .filter(|t| !crate::schema::ddl::is_tool_trigger(&t.name))
        {
            let Some(twin) = p.new.triggers.iter().find(|t| t.name == tg.name) else {
                continue;
            };
            if twin.enabled != tg.enabled {
                steps.push(Step::new(
                    format!(
                        "{} fires on {} from now on, as it did on {}",
                        tg.name, p.new_name, p.old.name
                    ),
                    crate::schema::ddl::trigger_state_sql(cat, &p.new_name, &tg.name, &tg.enabled),
                    Lock::ShareRowExclusive,
                ));
            }
            if tg.enabled != "D" {
                steps.push(Step::new(
                    format!("{} no longer fires on {}", tg.name, p.old.name),
                    crate::schema::ddl::trigger_state_sql(cat, &p.old.name, &tg.name, "D"),
                    Lock::ShareRowExclusive,
                ));
            }
            record.triggers.push((
                p.old.name.clone(),
                p.new_name.clone(),
                tg.name.clone(),
                tg.enabled.clone(),
            ));
        }
    }
    // Fact tables' foreign keys to old masters: their twins to the new masters (phase 3) stay.
    let old_masters: Vec<&str> = mapping.masters().map(|m| m.name.as_str()).collect();
    for t in cat.tables.values() {
        let kind = mapping.get(&t.name).map(|m| m.kind);
        if matches!(kind, Some(Kind::Master) | Some(Kind::Deprecated))
            || mapping.is_protected(&t.name)
        {
            continue;
        }
        if old_masters.contains(&t.name.as_str()) || t.name.starts_with("ra_mst_") {
            continue;
        }
        for con in t.constraints.iter().filter(|c| c.kind == "f") {
            if con
                .ref_table
                .as_deref()
                .is_some_and(|r| old_masters.contains(&r))
            {
                steps.push(Step::new(
                    format!(
                        "drop {} ({} -> old {})",
                        con.name,
                        t.name,
                        con.ref_table.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        cat.qualified(&t.name),
                        cat.quote(&con.name)
                    ),
                    Lock::AccessExclusive,
                ));
                record
                    .dropped_fks
                    .push((t.name.clone(), con.name.clone(), con.def.clone()));
            }
        }
    }
    for p in &pairs {
        steps.extend(hand_over_ids(cat, p.old, p.new, p.new));
        let new_q = cat.qualified(&p.new_name);
        let key: Vec<String> = p.key.iter().map(|c| cat.quote(c)).collect();
        let new_key: Vec<String> = key.iter().map(|k| format!("NEW.{k}::text")).collect();
        let old_key: Vec<String> = key.iter().map(|k| format!("OLD.{k}::text")).collect();
        let insert = |rec: &str| {
            format!(
                "INSERT INTO ra_migrate.archive_changes (table_name, key_parts) VALUES ('{}', ARRAY[{rec}]) ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now()",
                p.new_name
            )
        };
        let (ins_new, ins_old) = (insert(&new_key.join(", ")), insert(&old_key.join(", ")));
        let func = capture_function(&p.new_name);
        let mut f = Step::new(
            format!("record every change to {} from now on (for a rollback)", p.new_name),
            format!(
                "CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql {} AS $ra_migrate$\nBEGIN\n  IF TG_OP <> 'INSERT' THEN\n    {ins_old};\n  END IF;\n  IF TG_OP <> 'DELETE' THEN\n    {ins_new};\n  END IF;\n  RETURN NULL;\nEND\n$ra_migrate$",
                // Writers of the new masters need no rights on the tool's schema.
                dual_write::DEFINER
            ),
            Lock::None,
        );
        f.body = vec![ins_new.clone(), ins_old.clone()];
        steps.push(f);
        steps.push(Step::new(
            format!("capture trigger on {}", p.new_name),
            format!("CREATE TRIGGER {CAPTURE} AFTER INSERT OR UPDATE OR DELETE ON {new_q} FOR EACH ROW EXECUTE FUNCTION {func}()"),
            Lock::ShareRowExclusive,
        ));
        record.captured.push((p.new_name.clone(), func));
        // A TRUNCATE fires no row trigger: every key is recorded before it empties the table, so
        // a rollback removes those rows from the old master too.
        let all_keys: Vec<String> = key.iter().map(|k| format!("{k}::text")).collect();
        let ins_all = format!(
            "INSERT INTO ra_migrate.archive_changes (table_name, key_parts) SELECT '{}', ARRAY[{}] FROM {new_q} ON CONFLICT (table_name, key_parts) DO UPDATE SET changed_at = now()",
            p.new_name,
            all_keys.join(", ")
        );
        let tfunc = truncate_function(&p.new_name);
        let mut f = Step::new(
            format!("record every row of {} before a TRUNCATE (for a rollback)", p.new_name),
            format!(
                "CREATE OR REPLACE FUNCTION {tfunc}() RETURNS trigger LANGUAGE plpgsql {} AS $ra_migrate$\nBEGIN\n  {ins_all};\n  RETURN NULL;\nEND\n$ra_migrate$",
                dual_write::DEFINER
            ),
            Lock::None,
        );
        f.body = vec![ins_all.clone()];
        steps.push(f);
        steps.push(Step::new(
            format!("TRUNCATE capture trigger on {}", p.new_name),
            format!("CREATE TRIGGER {CAPTURE_TRUNCATE} BEFORE TRUNCATE ON {new_q} FOR EACH STATEMENT EXECUTE FUNCTION {tfunc}()"),
            Lock::ShareRowExclusive,
        ));
        record.truncate_captured.push(p.new_name.clone());
    }
    // The relationships the old layout never enforced: from now on the tool's fetchers are the
    // only writers of the new masters, so they are enforced here (phase 3 only reports them).
    let mut validations = Vec::new();
    for fk in super::backfill::implicit(cat, mapping) {
        let Some(t) = cat.table(&fk.table) else {
            continue;
        };
        let present = t.constraints.iter().any(|c| {
            c.name == fk.constraint
                || (c.kind == "f"
                    && c.columns == fk.columns
                    && c.ref_table.as_deref() == Some(fk.references.as_str()))
        });
        if present {
            continue;
        }
        steps.push(Step::new(
            format!(
                "enforce {}.{} -> {} ({}; NOT VALID, validated after the archive)",
                fk.table,
                fk.columns.join(", "),
                fk.references,
                fk.constraint
            ),
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID",
                cat.qualified(&fk.table),
                cat.quote(&fk.constraint),
                fk.def
            ),
            Lock::ShareRowExclusive,
        ));
        validations.push(validate_after(cat, &fk.table, &fk.constraint));
        notes.push(format!(
            "{}.{} -> {} is enforced from now on ({}); rows that break it keep it NOT VALID and are reported, never deleted; rolling back phase 5 drops it",
            fk.table,
            fk.columns.join(", "),
            fk.references,
            fk.constraint
        ));
        record
            .implicit_fks
            .push((fk.table.clone(), fk.constraint.clone()));
    }
    steps.push(Step::new(
        "drop the TRUNCATE guard function",
        format!("DROP FUNCTION IF EXISTS {}()", dual_write::GUARD_FUNCTION),
        Lock::None,
    ));
    steps.extend(dual_write::drop_gate_objects());
    steps.push(Step::new(
        "drop the early-write guard function",
        format!(
            "DROP FUNCTION IF EXISTS {}()",
            dual_write::EARLY_WRITE_FUNCTION
        ),
        Lock::None,
    ));
    for t in mapping.archived() {
        if cat.table(&t.name).is_none() {
            continue;
        }
        let target = t.archived_name();
        if cat.relations.contains(&target) {
            bail!(
                "{target} already exists: cannot archive {} under that name",
                t.name
            );
        }
        steps.push(Step::new(
            format!("archive {} as {target}", t.name),
            format!(
                "ALTER TABLE {} RENAME TO {}",
                cat.qualified(&t.name),
                cat.quote(&target)
            ),
            Lock::AccessExclusive,
        ));
        record.archived.push((t.name.clone(), target));
    }
    steps.extend(validations);
    notes.push(
        "archived tables are kept until `ra-migrate purge` (default retention 30 days); rolling back phase 5 carries every change made to the new masters meanwhile back into them"
    .to_string());
    Ok(Plan {
        phase: Phase::Archive,
        direction: Direction::Apply,
        steps,
        notes,
        deferred: vec![],
        record: record.into(),
    })
}

/// The catalog as it will be after the archived tables get their names back: lets the rollback
/// reuse the dual-write plan, which is written in terms of the old names.
fn with_original_names(cat: &Catalog, record: &Record) -> Catalog {
    let mut c = cat.clone();
    for (orig, archived) in &record.archived {
        if let Some(mut t) = c.tables.remove(archived) {
            t.name = orig.clone();
            c.tables.insert(orig.clone(), t);
        }
    }
    c
}

/// Phase 5's plan in `direction`, from the facts alone. An archive stopped after its transaction
/// (while validating) resumes from its record.
pub fn plan(facts: &Facts, mapping: &Mapping, direction: Direction) -> Result<Plan> {
    match direction {
        Direction::Apply => {
            let resumed = match facts.row(Phase::Archive) {
                Some(r) if r.status == Status::Applying => Some(r.record::<Record>()?),
                _ => None,
            };
            plan_apply(&facts.catalog, mapping, resumed)
        }
        Direction::Rollback => plan_rollback(
            &facts.catalog,
            mapping,
            &facts.record::<Record>()?,
            &facts.changes,
        ),
    }
}

/// Checks phase 5's result (or its rollback's) against the catalog in `facts`, read after it ran.
pub fn verify(
    _client: &mut Client,
    facts: &Facts,
    _mapping: &Mapping,
    direction: Direction,
) -> Result<Vec<String>> {
    let record = facts.record::<Record>()?;
    Ok(match direction {
        Direction::Apply => verify_apply(&facts.catalog, &record),
        Direction::Rollback => verify_rollback(&facts.catalog, &record),
    })
}

/// The changes recorded since the archive (`ra_migrate.archive_changes`), by new master: what the
/// rollback's plan says it carries back.
pub fn change_facts(client: &mut Client) -> Result<BTreeMap<String, i64>> {
    Ok(client
        .query(
            "SELECT table_name, count(*) FROM ra_migrate.archive_changes GROUP BY 1",
            &[],
        )
        .context("counting the changes recorded since the archive")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Whether `table` is in `publication`.
fn published(cat: &Catalog, table: &str, publication: &str) -> bool {
    cat.table(table)
        .is_some_and(|t| t.publications.iter().any(|p| p.name == publication))
}

pub fn verify_apply(cat: &Catalog, record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    for (orig, new, publication) in &record.unpublished {
        let archived = record
            .archived
            .iter()
            .find(|(o, _)| o == orig)
            .map(|(_, a)| a);
        if let Some(a) = archived.filter(|a| published(cat, a, &publication.name)) {
            problems.push(format!("{a} is still published in {}", publication.name));
        }
        if !published(cat, new, &publication.name) {
            problems.push(format!(
                "{new} is not published in {} ({orig} was)",
                publication.name
            ));
        }
    }
    for (orig, archived) in &record.archived {
        if cat.table(orig).is_some() {
            problems.push(format!("{orig} still exists under its old name"));
        }
        if cat.table(archived).is_none() {
            problems.push(format!("{archived} does not exist"));
        }
    }
    for (new, _) in &record.captured {
        if !cat
            .table(new)
            .is_some_and(|t| t.triggers.iter().any(|tg| tg.name == CAPTURE))
        {
            problems.push(format!("{new}: change capture trigger missing"));
        }
    }
    for new in &record.truncate_captured {
        if !cat
            .table(new)
            .is_some_and(|t| t.triggers.iter().any(|tg| tg.name == CAPTURE_TRUNCATE))
        {
            problems.push(format!("{new}: TRUNCATE capture trigger missing"));
        }
    }
    let state_of = |table: &str, trigger: &str| {
        cat.table(table).and_then(|t| {
            t.triggers
                .iter()
                .find(|tg| tg.name == trigger)
                .map(|tg| tg.enabled.clone())
        })
    };
    for (orig, new, trigger, state) in &record.triggers {
        if state_of(new, trigger).as_deref() != Some(state.as_str()) {
            problems.push(format!(
                "{new}: trigger {trigger} is not in the state it had on {orig} ({state})"
            ));
        }
        let archived = record
            .archived
            .iter()
            .find(|(o, _)| o == orig)
            .map(|(_, a)| a);
        if let Some(a) = archived {
            if state_of(a, trigger).is_some_and(|s| s != "D") {
                problems.push(format!(
                    "{a}: trigger {trigger} still fires on the archived table"
                ));
            }
        }
    }
    for (table, name) in &record.implicit_fks {
        if !cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == name))
        {
            problems.push(format!(
                "{table}: foreign key {name} (an implicit relationship) missing"
            ));
        }
    }
    problems
}

pub fn verify_rollback(cat: &Catalog, record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    for (orig, _, publication) in &record.unpublished {
        if !published(cat, orig, &publication.name) {
            problems.push(format!(
                "{orig} is not published in {} again after the rollback",
                publication.name
            ));
        }
    }
    for (orig, archived) in &record.archived {
        if cat.table(orig).is_none() {
            problems.push(format!("{orig} does not exist after the rollback"));
        }
        if cat.table(archived).is_some() {
            problems.push(format!("{archived} still exists after the rollback"));
        }
    }
    for (orig, new, trigger, state) in &record.triggers {
        let state_of = |table: &str| {
            cat.table(table).and_then(|t| {
                t.triggers
                    .iter()
                    .find(|tg| &tg.name == trigger)
                    .map(|tg| tg.enabled.clone())
            })
        };
        if state_of(orig).as_deref() != Some(state.as_str()) {
            problems.push(format!(
                "{orig}: trigger {trigger} is not back in its state ({state})"
            ));
        }
        if state_of(new).is_some_and(|s| s != "D") {
            problems.push(format!(
                "{new}: trigger {trigger} still fires after the rollback (it would fire twice on copied writes)"
            ));
        }
    }
    for (table, name) in &record.implicit_fks {
        if cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == name))
        {
            problems.push(format!(
                "{table}: foreign key {name}, added by the archive, still exists after the rollback"
            ));
        }
    }
    for (table, name, _) in &record.dropped_fks {
        match cat
            .table(table)
            .and_then(|t| t.constraints.iter().find(|c| &c.name == name))
        {
            None => problems.push(format!("{table}: foreign key {name} was not restored")),
            Some(c) if !c.validated => {
                problems.push(format!("{table}: foreign key {name} is NOT VALID"))
            }
            Some(_) => {}
        }
    }
    problems
}

/// Read and write counters of the archived tables (`pg_stat_user_tables`): purge refuses when
/// they moved since the archive.
pub fn activity(client: &mut Client, record: &Record) -> Result<Vec<(String, i64)>> {
    let names: Vec<String> = record.archived.iter().map(|(_, a)| a.clone()).collect();
    Ok(client
        .query(
            "SELECT relname::text, (coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd + n_tup_del)::bigint
             FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY 1",
            &[&names],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}
