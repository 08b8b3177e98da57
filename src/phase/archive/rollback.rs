//! Phase 5's rollback plan: the old names back, every row changed in the new masters since the
//! archive carried back into the old ones, ids handed back, the old foreign keys and dual-write
//! restored.

use super::*;

/// `changes`: what [`change_facts`] read.
pub fn plan_rollback(
    cat: &Catalog,
    mapping: &Mapping,
    record: &Record,
    changes: &BTreeMap<String, i64>,
) -> Result<Plan> {
    if let Some(at) = &record.purged_at {
        bail!("phase 5 can no longer be rolled back: the archived tables were purged at {at}");
    }
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    for (orig, archived) in &record.archived {
        if cat.table(archived).is_some() {
            steps.push(Step::new(
                format!("give {archived} its name back"),
                format!(
                    "ALTER TABLE {} RENAME TO {}",
                    cat.qualified(archived),
                    cat.quote(orig)
                ),
                Lock::AccessExclusive,
            ));
        } else if cat.table(orig).is_none() {
            bail!("neither {archived} nor {orig} exists: the archived table is gone and phase 5 cannot be rolled back");
        }
    }
    for (orig, _, publication) in &record.unpublished {
        let archived = record
            .archived
            .iter()
            .find(|(o, _)| o == orig)
            .map(|(_, a)| a);
        let member = [Some(orig), archived].into_iter().flatten().any(|t| {
            cat.table(t)
                .is_some_and(|t| t.publications.iter().any(|p| p.name == publication.name))
        });
        if !member {
            steps.push(Step::new(
                format!(
                    "publish {orig} in {} again, as before the archive",
                    publication.name
                ),
                crate::schema::ddl::add_to_publication(cat, publication, &cat.qualified(orig)),
                Lock::ShareUpdateExclusive,
            ));
        }
    }
    let cat2 = with_original_names(cat, record);
    let pairs = dual_write::pairs(&cat2, mapping)?;
    // Carry back. Every recorded row is removed from the old table and its current version (if
    // any) put back, all in one statement: a unique value that moved between rows (deleted and
    // reused, or swapped) never meets its old holder, and the foreign keys among the old masters
    // are checked once, at the end of the statement, when the old tables equal the new ones.
    // Rows that reference an old master with an ON DELETE action would be changed by the
    // removal itself: then the rows are upserted in dependency order and deleted in reverse (a
    // reused unique value cannot be carried back that way, and the plan says so).
    let cascading: Vec<String> = cat2
        .tables
        .values()
        .flat_map(|t| t.constraints.iter().map(move |c| (t, c)))
        .filter(|(_, c)| {
            c.kind == "f"
                && c.def.contains(" ON DELETE ")
                && c.ref_table
                    .as_deref()
                    .is_some_and(|r| pairs.iter().any(|p| p.old.name == r))
        })
        .map(|(t, c)| format!("{}.{}", t.name, c.name))
        .collect();
    let mut deletes = Vec::new();
    let mut upserts = Vec::new();
    let mut ctes = Vec::new();
    let mut after = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        let (old_q, new_q) = (cat2.qualified(&p.old.name), cat2.qualified(&p.new_name));
        let cols: Vec<String> = p.columns.iter().map(|c| cat2.quote(c)).collect();
        let cols = cols.join(", ");
        let changed = changes.get(&p.new_name).copied().unwrap_or(0);
        notes.push(format!(
            "{}: {changed} row(s) inserted, updated, deleted or truncated in {} since the archive are carried back",
            p.old.name, p.new_name
        ));
        // Join the recorded keys on the key columns: index lookups, not a scan of the master while
        // this transaction holds its locks.
        let key_type = |k: &String| {
            p.old
                .columns
                .iter()
                .find(|c| &c.name == k)
                .map(|c| c.type_sql.clone())
                .unwrap_or_else(|| "text".into())
        };
        let on = |alias: &str| -> String {
            p.key
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    format!(
                        "{alias}.{} = c.key_parts[{}]::{}",
                        cat2.quote(k),
                        i + 1,
                        key_type(k)
                    )
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let n_cols: Vec<String> = p
            .columns
            .iter()
            .map(|c| format!("n.{}", cat2.quote(c)))
            .collect();
        let table_lit = crate::schema::quote::in_literal(&p.new_name);
        let select = format!(
            "SELECT {} FROM ra_migrate.archive_changes c JOIN {new_q} n ON {} WHERE c.table_name = '{table_lit}'",
            n_cols.join(", "),
            on("n"),
        );
        let overriding = dual_write::overriding(p.old, &p.columns);
        ctes.push(format!(
            "gone_{i} AS (DELETE FROM {old_q} o USING ra_migrate.archive_changes c WHERE c.table_name = '{table_lit}' AND {} RETURNING 1)",
            on("o")
        ));
        // Reading gone_{i} first makes the removal complete before any row is put back.
        ctes.push(format!(
            "back_{i} AS (INSERT INTO {old_q} ({cols}){overriding} {select} AND (SELECT count(*) FROM gone_{i}) >= 0 RETURNING 1)"
        ));
        upserts.push(Step::new(
            format!(
                "carry rows changed in {} since the archive back into {}",
                p.new_name, p.old.name
            ),
            format!(
                "INSERT INTO {old_q} ({cols}){overriding} {select} {}",
                dual_write::upsert_clause(&cat2, p.old, &p.columns, &p.key)
            ),
            Lock::RowExclusive,
        ));
        let key_cols: Vec<String> = p.key.iter().map(|c| cat2.quote(c)).collect();
        let join: Vec<String> = key_cols.iter().map(|k| format!("n.{k} = o.{k}")).collect();
        deletes.push(Step::new(
            format!("remove from {} the rows deleted from {} since the archive", p.old.name, p.new_name),
            format!(
                "DELETE FROM {old_q} o USING ra_migrate.archive_changes c WHERE c.table_name = '{table_lit}' AND {} AND NOT EXISTS (SELECT 1 FROM {new_q} n WHERE {})",
                on("o"),
                join.join(" AND ")
            ),
            Lock::RowExclusive,
        ));
        // The old sequences move past ids the new ones handed out meanwhile and feed both again.
        after.extend(hand_over_ids(&cat2, p.new, p.old, p.new));
        for (trigger, func) in [
            (CAPTURE, capture_function(&p.new_name)),
            (CAPTURE_TRUNCATE, truncate_function(&p.new_name)),
        ] {
            if p.new.triggers.iter().any(|t| t.name == trigger) {
                after.push(Step::new(
                    format!("stop recording changes to {}: drop {trigger}", p.new_name),
                    format!("DROP TRIGGER {trigger} ON {new_q}"),
                    Lock::ShareRowExclusive,
                ));
            }
            after.push(Step::new(
                format!("drop {func}"),
                format!("DROP FUNCTION IF EXISTS {func}()"),
                Lock::None,
            ));
        }
    }
    if cascading.is_empty() {
        if !ctes.is_empty() {
            steps.push(Step::new(
                "carry every row changed in the new masters since the archive back into the old ones (removed, then put back as it is now, in one statement)",
                format!("WITH {}\nSELECT 1", ctes.join(",\n")),
                Lock::RowExclusive,
            ));
        }
    } else {
        notes.push(format!(
            "foreign keys with an ON DELETE action reference the old masters ({}): the changes are carried back as upserts and deletes, and a unique value moved between rows since the archive (deleted and reused, or swapped) makes the rollback fail until it is moved back in the new master",
            cascading.join(", ")
        ));
        steps.extend(upserts);
        steps.extend(deletes.into_iter().rev());
    }
    steps.extend(after);
    // The old tables are the tables of record again, now that the rows are back (carried without
    // firing their triggers): their user triggers fire again, the new masters' wait.
    for (orig, new, trigger, state) in &record.triggers {
        if cat2
            .table(orig)
            .is_some_and(|t| t.triggers.iter().any(|tg| &tg.name == trigger))
        {
            steps.push(Step::new(
                format!("{trigger} fires on {orig} again"),
                crate::schema::ddl::trigger_state_sql(&cat2, orig, trigger, state),
                Lock::ShareRowExclusive,
            ));
        }
        if cat2.table(new).is_some_and(|t| {
            t.triggers
                .iter()
                .any(|tg| &tg.name == trigger && tg.enabled != "D")
        }) {
            steps.push(Step::new(
                format!("{trigger} waits, disabled, on {new} again"),
                crate::schema::ddl::trigger_state_sql(&cat2, new, trigger, "D"),
                Lock::ShareRowExclusive,
            ));
        }
    }
    // Dual-write again, exactly as phase 2 installs it.
    if pairs
        .iter()
        .all(|p| !p.old.triggers.iter().any(|t| t.name == dual_write::TRIGGER))
    {
        // A leftover reverse trigger (an archive made by an older version) must not stop the rollback.
        for p in &pairs {
            steps.push(Step::new(
                format!("clear any reverse trigger left on {}", p.new_name),
                format!(
                    "DROP TRIGGER IF EXISTS {} ON {}",
                    dual_write::REVERSE_TRIGGER,
                    cat2.qualified(&p.new_name)
                ),
                Lock::ShareRowExclusive,
            ));
        }
        let dw = dual_write::plan_apply(&cat2, mapping)?;
        steps.extend(dw.steps);
    }
    for (table, name) in &record.implicit_fks {
        if cat
            .table(table)
            .is_some_and(|t| t.constraints.iter().any(|c| &c.name == name))
        {
            steps.push(Step::new(
                format!("stop enforcing {name} on {table} (added by the archive)"),
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    cat.qualified(table),
                    cat.quote(name)
                ),
                Lock::AccessExclusive,
            ));
        }
    }
    let mut validates = Vec::new();
    for (table, name, def) in &record.dropped_fks {
        let Some(t) = cat.table(table) else { continue };
        match t.constraints.iter().find(|c| &c.name == name) {
            Some(c) if c.validated => continue,
            // Restored by a rollback that was stopped before it validated it: validate it now.
            Some(_) => {}
            None => {
                let def = def.trim_end_matches(" NOT VALID");
                steps.push(Step::new(
                    format!("restore {name} on {table} (NOT VALID; validated below)"),
                    format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} {def} NOT VALID",
                        cat.qualified(table),
                        cat.quote(name)
                    ),
                    Lock::ShareRowExclusive,
                ));
            }
        }
        validates.push(validate_after(cat, table, name));
    }
    steps.push(Step::new(
        "forget the recorded changes",
        "DELETE FROM ra_migrate.archive_changes",
        Lock::RowExclusive,
    ));
    steps.extend(validates);
    // The restored tables take the readers back with the rows carried back since the archive:
    // fresh planner statistics for them.
    for (orig, _) in &record.archived {
        let mut analyze = Step::new(
            format!("gather planner statistics of {orig}"),
            format!("ANALYZE {}", cat.qualified(orig)),
            Lock::ShareUpdateExclusive,
        );
        analyze.tx = crate::phase::Tx::Own;
        steps.push(analyze);
    }
    Ok(Plan {
        phase: Phase::Archive,
        direction: Direction::Rollback,
        steps,
        notes,
        deferred: vec![],
        record: record.clone().into(),
    })
}
