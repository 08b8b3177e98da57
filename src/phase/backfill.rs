//! Phase 3, backfill and repoint: copy every master's history into its new table (in dependency
//! order, resumable batches), then add the foreign keys phase 1 deferred — among the new masters,
//! the fact tables' twins pointing at the new masters, and the implicit relationships — `NOT VALID`
//! first, then validated. A relationship with orphans keeps its constraint NOT VALID and fails the
//! verification; rows are never deleted to make a constraint pass.

use super::{create, dual_write, DeferredFk, Direction, Facts, Lock, Phase, Plan, Step};
use crate::phase::copy;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use anyhow::{bail, Context, Result};
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// Foreign keys this phase added (dropped again by its rollback).
    pub constraints: Vec<DeferredFk>,
    /// New masters filled by the backfill (their checkpoints are removed by the rollback).
    pub copied: Vec<String>,
    /// NOT VALID checks added after the copies: (new master, constraint).
    #[serde(default)]
    pub checks: Vec<(String, String)>,
}

/// The foreign keys phase 3 is responsible for: phase 1's deferred list plus the mapping's
/// implicit relationships, pointed at the new masters.
pub fn relationships(cat: &Catalog, mapping: &Mapping, phase1: &create::Record) -> Vec<DeferredFk> {
    let mut out = phase1.deferred.clone();
    for fk in implicit(cat, mapping) {
        let already = out.iter().any(|d| {
            d.table == fk.table && d.columns == fk.columns && d.references == fk.references
        });
        if !already {
            out.push(fk);
        }
    }
    out
}

/// What `DeferredFk::from_constraint` says of a relationship the legacy schema never enforced.
pub const IMPLICIT: &str = "(implicit in the plan, never enforced)";

/// The mapping's implicit relationships (never enforced by the legacy schema), pointed at the new
/// masters.
pub fn implicit(cat: &Catalog, mapping: &Mapping) -> Vec<DeferredFk> {
    let mut out: Vec<DeferredFk> = Vec::new();
    for t in &mapping.tables {
        let Some(table) = cat.table(&t.name) else {
            continue;
        };
        for imp in &t.implicit {
            let Some(new_ref) = mapping.new_name_of(&imp.references) else {
                continue;
            };
            let Some(ref_table) = cat.table(&imp.references) else {
                continue;
            };
            let Some(ref_key) = dual_write::primary_key(ref_table) else {
                continue;
            };
            if !table.columns.iter().any(|c| c.name == imp.column) || ref_key.len() != 1 {
                continue;
            }
            out.push(DeferredFk {
                table: t.name.clone(),
                constraint: format!("{}_{}_mst_fkey", t.name, imp.column),
                columns: vec![imp.column.clone()],
                references: new_ref.to_string(),
                ref_columns: ref_key.clone(),
                from_table: t.name.clone(),
                from_constraint: IMPLICIT.into(),
                def: format!(
                    "FOREIGN KEY ({}) REFERENCES {}({})",
                    cat.quote(&imp.column),
                    cat.qualified(new_ref),
                    cat.quote(&ref_key[0])
                ),
            });
        }
    }
    out
}

/// Phase 3's plan in `direction`, from the facts alone.
pub fn plan(facts: &Facts, mapping: &Mapping, direction: Direction) -> Result<Plan> {
    match direction {
        Direction::Apply => plan_apply(
            &facts.catalog,
            mapping,
            &facts.record::<create::Record>()?,
            &facts.orphans,
        ),
        Direction::Rollback => plan_rollback(&facts.catalog, &facts.record::<Record>()?),
    }
}

/// Checks phase 3's result (or its rollback's) against the catalog in `facts`, read after it ran.
/// `compared`: the content comparison's problems when the run already made it (beside its last
/// steps, [`super::beside`]); otherwise it is made here.
pub fn verify(
    client: &mut Client,
    facts: &Facts,
    mapping: &Mapping,
    direction: Direction,
    compared: Option<Vec<String>>,
) -> Result<Vec<String>> {
    let record = facts.record::<Record>()?;
    match direction {
        Direction::Apply => verify_apply(client, &facts.catalog, mapping, &record, compared),
        Direction::Rollback => Ok(verify_rollback(&facts.catalog, &record)),
    }
}

/// `orphans`: the counts [`orphan_facts`] read, by [`orphan_key`].
pub fn plan_apply(
    cat: &Catalog,
    mapping: &Mapping,
    phase1: &create::Record,
    orphans: &BTreeMap<String, i64>,
) -> Result<Plan> {
    let planned_orphans = |fk: &DeferredFk| -> Result<i64> {
        orphans.get(&orphan_key(fk)).copied().with_context(|| {
            format!(
                "no orphan count was read for {} before planning phase 3",
                orphan_key(fk)
            )
        })
    };
    let pairs = dual_write::pairs(cat, mapping)?;
    if pairs.is_empty() {
        bail!("no master has both its old and its new table: apply phases 1 and 2 first");
    }
    let mut steps = Vec::new();
    let mut notes = vec![
        "each batch is its own short transaction: it locks only the rows it copies (FOR SHARE), so writers of other rows never wait and a racing delete cannot resurrect a row".to_string(),
        "the old row, locked while it is copied, is the truth: a copy that differs from it (left by an earlier run while dual-write was off) is overwritten, and copies whose old row is gone are removed, batch by batch; equal copies are not touched".to_string(),
        "progress is checkpointed per table in ra_migrate.backfill_checkpoint: after a crash, run apply 3 again to continue".to_string(),
    ];
    let mut record = Record::default();
    for p in &pairs {
        let copy = copy::plan_copy(cat, p.old, p.new, &p.key, &p.columns);
        let mut step = Step::new(
            format!(
                "copy {} into {} in keyset batches (about {} rows)",
                p.old.name, p.new_name, p.old.estimated_rows
            ),
            copy.statements[3].clone(),
            Lock::RowExclusive,
        );
        step.tx = super::Tx::Batched;
        step.body = copy
            .statements
            .iter()
            .cloned()
            .chain([
                copy.upper_first.clone(),
                copy.upper_next.clone(),
                copy.count.clone(),
            ])
            .chain(copy.prune.iter().cloned())
            .collect();
        step.copy = Some(copy);
        steps.push(step);
        record.copied.push(p.new_name.clone());
    }
    share_copies(&mut steps, &pairs);
    // The NOT VALID checks phase 1 left for now: legacy rows that break them are copied above.
    for (table, constraint, title, sql) in &phase1.after_backfill {
        let present = cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == constraint));
        if present || cat.table(table).is_none() {
            continue;
        }
        let lock = if sql.starts_with("COMMENT ") {
            Lock::None
        } else {
            Lock::AccessExclusive
        };
        steps.push(Step::new(title.clone(), sql.clone(), lock));
        if lock == Lock::AccessExclusive {
            record.checks.push((table.clone(), constraint.clone()));
        }
    }
    // Every NOT VALID constraint is added before the statistics and the validations start: an
    // `ADD` (SHARE ROW EXCLUSIVE) would queue behind an `ANALYZE` on the second session.
    let mut validates = Vec::new();
    for fk in relationships(cat, mapping, phase1) {
        if fk.from_constraint == IMPLICIT {
            // The legacy schema never enforced these: writers that rely on that (a pedigree row
            // before its sire is fetched) keep working until the archive, when only the tool's
            // fetchers write the new masters. Phase 5 adds the constraint; validate reports orphans.
            let orphans = planned_orphans(&fk)?;
            notes.push(format!(
                "{}.{} -> {}: never enforced by the legacy schema, so not enforced yet ({orphans} orphan value(s) now); `ra-migrate validate` reports its orphans and phase 5 adds {}",
                fk.table,
                fk.columns.join(", "),
                fk.references,
                fk.constraint
            ));
            continue;
        }
        let (Some(child), Some(_)) = (cat.table(&fk.table), cat.table(&fk.references)) else {
            notes.push(format!(
                "{} -> {}: a table is missing, the constraint is not added",
                fk.table, fk.references
            ));
            continue;
        };
        let existing = child.constraints.iter().find(|c| c.name == fk.constraint);
        let child_q = cat.qualified(&fk.table);
        if existing.is_none() {
            let mut add = Step::new(
                format!(
                    "add {} on {}({}) -> {} NOT VALID (new writes are checked from now on)",
                    fk.constraint,
                    fk.table,
                    fk.columns.join(", "),
                    fk.references
                ),
                format!(
                    "ALTER TABLE {child_q} ADD CONSTRAINT {} {} NOT VALID",
                    cat.quote(&fk.constraint),
                    fk.def
                ),
                Lock::ShareRowExclusive,
            );
            add.tx = super::Tx::Own;
            steps.push(add);
        }
        if existing.is_none_or(|c| !c.validated) {
            let orphans = planned_orphans(&fk)?;
            if orphans > 0 {
                notes.push(format!(
                    "{}.{} has {orphans} value(s) not in {} (orphans, never deleted): {} stays NOT VALID and the verification fails until they are resolved",
                    fk.table,
                    fk.columns.join(", "),
                    fk.references,
                    fk.constraint
                ));
            }
            let mut validate = Step::new(
                format!(
                    "validate {} (scans {} without blocking its writers)",
                    fk.constraint, fk.table
                ),
                format!(
                    "ALTER TABLE {child_q} VALIDATE CONSTRAINT {}",
                    cat.quote(&fk.constraint)
                ),
                Lock::ShareUpdateExclusive,
            );
            validate.tx = super::Tx::Own;
            validate.tolerate_fk_violation = true;
            validates.push(validate);
        }
        record.constraints.push(fk);
    }
    // Planner statistics before phase 4 points readers at the new masters: without them the first
    // queries after the switch are planned for an empty table. They and verification's content
    // comparison run on a second session while this one validates the constraints.
    for p in &pairs {
        let mut analyze = Step::new(
            format!("gather planner statistics of {}", p.new_name),
            format!("ANALYZE {}", cat.qualified(&p.new_name)),
            Lock::ShareUpdateExclusive,
        );
        analyze.tx = super::Tx::Own;
        analyze.beside = true;
        steps.push(analyze);
    }
    steps.extend(validates);
    // Nothing after the copies may start before they are all done, on both sessions.
    if let Some(first) = steps.get_mut(pairs.len()) {
        first.joins = true;
    }
    notes.push("a second session gathers the new masters' statistics and makes verification's content comparison (in one snapshot, after the last copy) while this one validates the foreign keys; the phase is recorded when both are done".into());
    Ok(Plan {
        phase: Phase::Backfill,
        direction: Direction::Apply,
        steps,
        notes,
        deferred: vec![],
        record: record.into(),
    })
}

/// Gives the second session the copies that even out the two sessions' work, largest first, by
/// estimated cost; the order within each session stays the plan's. A copied row costs about its
/// insert and lock plus one insert per index of the new table, hardly its width: copied alone
/// in the benchmark's cluster, `ra_races` (48 columns, 3 indexes) took 7.7 µs a row, `ra_horses`
/// (15, 1) 4.1, `ra_dams` (47, 1) 4.5, `ra_owners` (24, 1) 4.0. By rows alone the session
/// holding `ra_races` finished last by about 0.3 s.
fn share_copies(steps: &mut [Step], pairs: &[dual_write::Pair]) {
    let cost = |p: &dual_write::Pair| {
        p.old.estimated_rows.max(0) as u128 * (1 + p.new.indexes.len() as u128)
    };
    let mut by_cost: Vec<usize> = (0..pairs.len()).collect();
    by_cost.sort_by_key(|&k| std::cmp::Reverse(cost(&pairs[k])));
    let (mut own, mut second) = (0u128, 0u128);
    for k in by_cost {
        if second < own {
            second += cost(&pairs[k]);
            steps[k].beside = true;
        } else {
            own += cost(&pairs[k]);
        }
    }
}

/// Which relationships phase 3's plan gives an orphan count for: the implicit ones (reported), and
/// the ones it adds or validates.
fn counted(cat: &Catalog, fk: &DeferredFk) -> bool {
    if fk.from_constraint == IMPLICIT {
        return true;
    }
    match (cat.table(&fk.table), cat.table(&fk.references)) {
        (Some(child), Some(_)) => child
            .constraints
            .iter()
            .find(|c| c.name == fk.constraint)
            .is_none_or(|c| !c.validated),
        _ => false,
    }
}

pub fn orphan_key(fk: &DeferredFk) -> String {
    format!("{}.{}", fk.table, fk.constraint)
}

/// The orphan counts phase 3's plan reports, read before it is planned.
pub fn orphan_facts(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    phase1: &create::Record,
) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    if dual_write::pairs(cat, mapping)?.is_empty() {
        // nothing to count: the plan refuses, saying why
        return Ok(out);
    }
    for fk in relationships(cat, mapping, phase1) {
        if counted(cat, &fk) {
            let n = planned_orphans(client, cat, mapping, &fk)
                .with_context(|| format!("counting the orphans of {}", orphan_key(&fk)))?;
            out.insert(orphan_key(&fk), n);
        }
    }
    Ok(out)
}

/// The orphans a constraint will meet once the backfill has filled the new masters, counted before
/// it has (the new masters are still nearly empty, so counting against them would report almost
/// every row): in the old layout, which the new one mirrors. None can exist when the old layout
/// enforces the relationship with a validated foreign key, so that count is skipped (it costs a
/// scan of the child, which `VALIDATE` then repeats anyway).
fn planned_orphans(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    fk: &DeferredFk,
) -> Result<i64> {
    let enforced = cat.table(&fk.from_table).is_some_and(|t| {
        t.constraints
            .iter()
            .any(|c| c.name == fk.from_constraint && c.kind == "f" && c.validated)
    });
    if enforced {
        return Ok(0);
    }
    let old_parent = mapping
        .masters()
        .find(|m| m.new_name.as_deref() == Some(fk.references.as_str()))
        .map(|m| m.name.clone());
    match old_parent {
        Some(parent) if cat.table(&parent).is_some() && cat.table(&fk.from_table).is_some() => {
            let old = DeferredFk {
                table: fk.from_table.clone(),
                references: parent,
                ..fk.clone()
            };
            orphans(client, cat, &old)
        }
        _ => orphans(client, cat, fk),
    }
}

/// Rows of the child whose key is not in the referenced new master.
pub fn orphans(client: &mut Client, cat: &Catalog, fk: &DeferredFk) -> Result<i64> {
    let cols: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("c.{}", cat.quote(c)))
        .collect();
    let join: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.ref_columns)
        .map(|(c, r)| format!("p.{} = c.{}", cat.quote(r), cat.quote(c)))
        .collect();
    let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    Ok(client
        .query_one(
            &format!(
                "SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                cat.qualified(&fk.table),
                not_null.join(" AND "),
                cat.qualified(&fk.references),
                join.join(" AND ")
            ),
            &[],
        )?
        .get(0))
}

pub fn plan_rollback(cat: &Catalog, record: &Record) -> Result<Plan> {
    let mut steps = Vec::new();
    for fk in record.constraints.iter().rev() {
        let exists = cat
            .table(&fk.table)
            .is_some_and(|t| t.constraints.iter().any(|c| c.name == fk.constraint));
        if exists {
            steps.push(Step::new(
                format!("drop {} from {}", fk.constraint, fk.table),
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    cat.qualified(&fk.table),
                    cat.quote(&fk.constraint)
                ),
                Lock::AccessExclusive,
            ));
        }
    }
    for (table, constraint) in &record.checks {
        let exists = cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == constraint));
        if exists {
            steps.push(Step::new(
                format!("drop {constraint} from {table} (phase 3 added it after the copy)"),
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    cat.qualified(table),
                    cat.quote(constraint)
                ),
                Lock::AccessExclusive,
            ));
        }
    }
    steps.push(Step::new(
        "forget the backfill checkpoints",
        "DELETE FROM ra_migrate.backfill_checkpoint",
        Lock::RowExclusive,
    ));
    Ok(Plan {
        phase: Phase::Backfill,
        direction: Direction::Rollback,
        steps,
        notes: vec![
            "rows copied into the new masters stay: the old tables remain the source of truth until phase 5, and dual-write keeps the copies current".into(),
        ],
        deferred: vec![],
        record: record.clone().into(),
    })
}

/// Every repointed constraint exists and is validated, every new master has planner statistics,
/// and every new master holds what its old table holds ([`compare_masters`], unless `compared`
/// brings its result). `ra-migrate validate` reports more: samples, relationships, readers.
pub fn verify_apply(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    record: &Record,
    compared: Option<Vec<String>>,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for fk in &record.constraints {
        match cat
            .table(&fk.table)
            .and_then(|t| t.constraints.iter().find(|c| c.name == fk.constraint))
        {
            None => problems.push(format!(
                "{}: constraint {} is missing",
                fk.table, fk.constraint
            )),
            Some(c) if !c.validated => {
                let n = orphans(client, cat, fk)?;
                problems.push(format!(
                    "{}: constraint {} is NOT VALID ({n} orphan value(s) in {} not found in {})",
                    fk.table,
                    fk.constraint,
                    fk.columns.join(", "),
                    fk.references
                ));
            }
            Some(_) => {}
        }
    }
    for (table, constraint) in &record.checks {
        if !cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == constraint))
        {
            problems.push(format!(
                "{table}: check constraint {constraint} (NOT VALID, as on the old table) is missing"
            ));
        }
    }
    let never_analyzed: Vec<String> = client
        .query(
            "SELECT relname::text FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = ANY($2) \
             AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY 1",
            &[
                &cat.schema,
                &dual_write::pairs(cat, mapping)?
                    .iter()
                    .map(|p| p.new_name.clone())
                    .collect::<Vec<_>>(),
            ],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in never_analyzed {
        problems.push(format!(
            "{t}: no planner statistics yet (run `ANALYZE {t}` or apply phase 3 again)"
        ));
    }
    match compared {
        Some(found) => problems.extend(found),
        None => problems.extend(compare_masters(client, cat, mapping)?),
    }
    Ok(problems)
}

/// Compares every master with its new table, content and count, in one snapshot: what is wrong.
pub fn compare_masters(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    // One snapshot for both sides: the dual-write writes both in the same transaction, so a
    // consistent view shows equal content even while writers run. Content, not counts: a stale
    // copy (a row changed while dual-write was off) has the right count and the wrong values.
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let opts = crate::report::validate::ValidateOptions::default();
    for m in mapping.masters() {
        let r = crate::report::validate::compare_table(&mut tx, cat, m, false, &opts)
            .with_context(|| format!("comparing {} with its new table", m.name))?;
        // Only the rows matter here; a column the new table lacks was refused at phase 1.
        if !matches!(
            r.outcome,
            crate::report::validate::Comparison::Equal
                | crate::report::validate::Comparison::Absent
        ) {
            problems.extend(r.problem());
        }
    }
    tx.commit()?;
    Ok(problems)
}

pub fn verify_rollback(cat: &Catalog, record: &Record) -> Vec<String> {
    record
        .constraints
        .iter()
        .filter(|fk| {
            cat.table(&fk.table)
                .is_some_and(|t| t.constraints.iter().any(|c| c.name == fk.constraint))
        })
        .map(|fk| format!("{}: constraint {} still exists", fk.table, fk.constraint))
        .collect()
}
