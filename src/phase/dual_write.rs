//! Phase 2, dual-write: every insert, update and delete on an old master reaches its new master
//! from the moment the phase is applied, whoever writes it (the statistics function, manual fixes,
//! old workers). A row trigger on each old master upserts or deletes the matching new row; the
//! tool's own fetchers write both layouts themselves and set `ra_migrate.app_dual_write` so the
//! trigger does not do the work twice.

use super::{Direction, Facts, Lock, Phase, Plan, Step};
use crate::schema::catalog::{Catalog, Table};
use crate::schema::mapping::Mapping;
use anyhow::{bail, Context, Result};
use postgres::{Client, GenericClient};
use serde::{Deserialize, Serialize};

/// Session setting the tool's writers set (`SET LOCAL`) when they write both layouts themselves.
pub const APP_DUAL_WRITE: &str = "ra_migrate.app_dual_write";
pub const TRIGGER: &str = "ra_migrate_dual_write";
/// On each new master: carries writes made directly on it back to the old master.
pub const REVERSE_TRIGGER: &str = "ra_migrate_reverse_write";
/// Set (transaction-locally) while a trigger copies a row, so the copy does not bounce back, and
/// by the backfill, whose copies are not new writes.
pub const REPLICATING: &str = "ra_migrate.replicating";
pub const TRUNCATE_GUARD: &str = "ra_migrate_no_truncate";
pub(crate) const GUARD_FUNCTION: &str = "ra_migrate.refuse_truncate_during_migration";
/// On each new master while dual-write runs: refuses writers' statements on the new name until the
/// backfill has copied that master (its row in `ra_migrate.backfill_checkpoint` says `done`).
pub const EARLY_WRITE_GUARD: &str = "ra_migrate_no_early_write";
pub(crate) const EARLY_WRITE_FUNCTION: &str = "ra_migrate.refuse_write_before_backfill";
/// On each old and new master while dual-write runs: a writer's transaction joins the write gate
/// with its first statement on a master, before that statement locks any row: through an old name
/// in ROW EXCLUSIVE mode, through a new name in SHARE mode (each mode compatible with itself, in
/// conflict with the other). Writers of one name run together as before; a writer of the old names
/// and a writer of the new names never hold master rows at once, so a writer and the other name's
/// copy trigger cannot lock the same two rows in opposite orders. One gate for all masters: a gate
/// per master would let two transactions that write several masters, through different names,
/// wait for each other's gates. A transaction stays on the side it joined (the tool's fetchers,
/// which write both layouts, join the old side). Fires after the early-write guard (triggers of one
/// kind fire in name order).
pub const WRITE_GATE: &str = "ra_migrate_write_gate";
/// The gate: a table that never holds a row, only its lock is used; also the name of the
/// transaction-local setting that remembers the side a transaction joined.
pub(crate) const GATE_TABLE: &str = "ra_migrate.write_gate";
const GATE_OLD_FUNCTION: &str = "ra_migrate.write_gate_old";
const GATE_NEW_FUNCTION: &str = "ra_migrate.write_gate_new";

/// SQLSTATE of the early-write refusal: object_not_in_prerequisite_state.
pub const EARLY_WRITE_SQLSTATE: &str = "55000";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    /// (old master, new master, trigger function)
    pub tables: Vec<(String, String, String)>,
    /// (new master, reverse trigger function)
    #[serde(default)]
    pub reverse: Vec<(String, String)>,
}

/// One master's pair of tables with the columns they share and the old table's key.
pub struct Pair<'a> {
    pub old: &'a Table,
    pub new: &'a Table,
    pub new_name: String,
    pub columns: Vec<String>,
    pub key: Vec<String>,
}

/// The masters whose old and new tables both exist, with what copying between them needs.
pub fn pairs<'a>(cat: &'a Catalog, mapping: &Mapping) -> Result<Vec<Pair<'a>>> {
    let mut out = Vec::new();
    for m in mapping.masters() {
        let new_name = m.new_name.clone().expect("master has a new name");
        let (Some(old), Some(new)) = (cat.table(&m.name), cat.table(&new_name)) else {
            continue;
        };
        let key = primary_key(old).with_context(|| {
            format!(
                "{} has no primary key: rows cannot be matched between layouts",
                m.name
            )
        })?;
        let columns = old
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .filter(|c| {
                new.columns
                    .iter()
                    .any(|n| n.name == c.name && n.generated.is_none())
            })
            .map(|c| c.name.clone())
            .collect();
        out.push(Pair {
            old,
            new,
            new_name,
            columns,
            key,
        });
    }
    Ok(out)
}

pub fn primary_key(t: &Table) -> Option<Vec<String>> {
    t.constraints
        .iter()
        .find(|c| c.kind == "p")
        .map(|c| c.columns.clone())
}

/// `OVERRIDING SYSTEM VALUE` when the target has an ALWAYS identity column among `columns`.
pub fn overriding(new: &Table, columns: &[String]) -> &'static str {
    let always = new
        .columns
        .iter()
        .any(|c| c.identity.as_deref() == Some("a") && columns.contains(&c.name));
    if always {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    }
}

/// Columns of `target` among `columns` that an UPDATE may not set: `GENERATED ALWAYS AS IDENTITY`
/// ones only take `DEFAULT` (PostgreSQL refuses any other value, in `DO UPDATE SET` too).
pub fn always_identity(target: &Table, columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .filter(|c| {
            target
                .columns
                .iter()
                .any(|t| &t.name == *c && t.identity.as_deref() == Some("a"))
        })
        .cloned()
        .collect()
}

/// `ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, ...` (or DO NOTHING when every column is key),
/// leaving out what `target` does not let an UPDATE set (see [`always_identity`]).
pub fn upsert_clause(cat: &Catalog, target: &Table, columns: &[String], key: &[String]) -> String {
    let q = |c: &String| cat.quote(c);
    let fixed = always_identity(target, columns);
    let sets: Vec<String> = columns
        .iter()
        .filter(|c| !key.contains(c) && !fixed.contains(c))
        .map(|c| format!("{0} = EXCLUDED.{0}", q(c)))
        .collect();
    let key_list: Vec<String> = key.iter().map(q).collect();
    if sets.is_empty() {
        format!("ON CONFLICT ({}) DO NOTHING", key_list.join(", "))
    } else {
        format!(
            "ON CONFLICT ({}) DO UPDATE SET {}",
            key_list.join(", "),
            sets.join(", ")
        )
    }
}

pub(crate) fn function_name(old: &str) -> String {
    format!("ra_migrate.dual_write_{old}")
}

pub(crate) fn reverse_function_name(old: &str) -> String {
    format!("ra_migrate.reverse_write_{old}")
}

/// A row trigger function that mirrors every insert, update and delete into `target`, unless the
/// writer writes both layouts itself or the row is itself a mirrored copy. An update is mirrored as
/// an update of the row under the old key (a key change included): a delete and an insert would
/// trip the foreign keys that reference the copy once phase 3 has repointed them.
/// `resync` (the reverse copy): the old table is the table of record until phase 5, so its user
/// triggers act on the copied row, once; the row they leave is written back to the source, whose
/// own user triggers stay disabled until then.
#[allow(clippy::too_many_arguments)]
fn sync_function(
    cat: &Catalog,
    source_q: &str,
    target_q: &str,
    source: &Table,
    target: &Table,
    columns: &[String],
    key: &[String],
    func: &str,
    title: String,
    resync: bool,
) -> Step {
    let cols: Vec<String> = columns.iter().map(|c| cat.quote(c)).collect();
    let key_cols: Vec<String> = key.iter().map(|c| cat.quote(c)).collect();
    let old_key: Vec<String> = key_cols.iter().map(|k| format!("OLD.{k}")).collect();
    let new_key: Vec<String> = key_cols.iter().map(|k| format!("NEW.{k}")).collect();
    let new_vals: Vec<String> = cols.iter().map(|c| format!("NEW.{c}")).collect();
    let old_vals: Vec<String> = cols.iter().map(|c| format!("OLD.{c}")).collect();
    let fixed = always_identity(target, columns);
    let delete = format!(
        "DELETE FROM {target_q} WHERE ({}) = ({})",
        key_cols.join(", "),
        old_key.join(", ")
    );
    let insert = format!(
        "INSERT INTO {target_q} ({}){} VALUES ({}) {}",
        cols.join(", "),
        overriding(target, columns),
        new_vals.join(", "),
        upsert_clause(cat, target, columns, key)
    );
    let sets: Vec<String> = columns
        .iter()
        .filter(|c| !fixed.contains(c))
        .map(|c| format!("{0} = NEW.{0}", cat.quote(c)))
        .collect();
    let where_old = format!("({}) = ({})", key_cols.join(", "), old_key.join(", "));
    let update = if sets.is_empty() {
        format!("SELECT 1 FROM {target_q} WHERE {where_old} FOR UPDATE")
    } else {
        format!(
            "UPDATE {target_q} SET {} WHERE {where_old}",
            sets.join(", ")
        )
    };
    let update_plpgsql = if sets.is_empty() {
        format!("PERFORM 1 FROM {target_q} WHERE {where_old} FOR UPDATE")
    } else {
        update.clone()
    };
    // Under REPEATABLE READ or SERIALIZABLE a copy committed after the writer's snapshot (by the
    // backfill) is invisible to the DELETE or UPDATE above, which then finds nothing and the copy
    // would outlive its row (or keep its old key). An insert of the same key does see committed
    // rows: PostgreSQL answers a conflict with an invisible row with a serialization failure,
    // which such writers retry. Without a conflict the probe row is undone at once.
    let probe = format!(
        "INSERT INTO {target_q} ({}){} VALUES ({}) ON CONFLICT ({}) DO NOTHING",
        cols.join(", "),
        overriding(target, columns),
        old_vals.join(", "),
        key_cols.join(", ")
    );
    let probe_block = |indent: &str| {
        format!(
            "IF NOT FOUND AND current_setting('transaction_isolation') <> 'read committed' THEN\n{indent}  \
             BEGIN\n{indent}    {probe};\n{indent}    RAISE SQLSTATE 'RAMG0';\n{indent}  \
             EXCEPTION\n{indent}    WHEN serialization_failure THEN RAISE;\n{indent}    WHEN OTHERS THEN NULL;\n{indent}  END;\n{indent}\
             END IF;"
        )
    };
    // An ALWAYS identity value only changes through `SET ... = DEFAULT`, which an UPDATE of the
    // copy cannot repeat: that rare update is mirrored as a delete and an insert.
    let fixed_q: Vec<String> = fixed.iter().map(|c| cat.quote(c)).collect();
    let delete_branch = if fixed.is_empty() {
        format!(
            "IF TG_OP = 'DELETE' THEN\n    {delete};\n    {}\n  ",
            probe_block("    ")
        )
    } else {
        let o: Vec<String> = fixed_q.iter().map(|c| format!("OLD.{c}")).collect();
        let n: Vec<String> = fixed_q.iter().map(|c| format!("NEW.{c}")).collect();
        format!(
            "IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ({}) IS DISTINCT FROM ({})) THEN\n    {delete};\n    {}\n    \
             IF TG_OP = 'UPDATE' THEN\n      {insert};\n    END IF;\n  ",
            o.join(", "),
            n.join(", "),
            probe_block("    ")
        )
    };
    let mut body_statements = vec![delete.clone(), probe.clone(), insert.clone(), update];
    let resync_sql = if resync && !key.is_empty() {
        let settable = always_identity(source, columns);
        let back: Vec<String> = columns
            .iter()
            .filter(|c| !settable.contains(c) && !key.contains(c))
            .map(|c| format!("{0} = t.{0}", cat.quote(c)))
            .collect();
        if back.is_empty() {
            String::new()
        } else {
            let s_cols: Vec<String> = cols.iter().map(|c| format!("s.{c}")).collect();
            let t_cols: Vec<String> = cols.iter().map(|c| format!("t.{c}")).collect();
            let join: Vec<String> = key_cols
                .iter()
                .map(|k| format!("s.{k} = NEW.{k} AND t.{k} = NEW.{k}"))
                .collect();
            let sql = format!(
                "UPDATE {source_q} s SET {} FROM {target_q} t WHERE {} AND ROW({})::text IS DISTINCT FROM ROW({})::text",
                back.join(", "),
                join.join(" AND "),
                s_cols.join(", "),
                t_cols.join(", ")
            );
            body_statements.push(sql.clone());
            format!("\n  IF TG_OP <> 'DELETE' THEN\n    {sql};\n  END IF;")
        }
    } else {
        String::new()
    };
    let source_lit = crate::schema::quote::in_literal(source_q);
    let body = format!(
        "BEGIN\n  IF TG_RELID <> '{source_lit}'::regclass THEN\n    RAISE EXCEPTION 'ra-migrate: % is the dual-write trigger of {source_lit} only', TG_NAME;\n  END IF;\n  \
         IF current_setting('{APP_DUAL_WRITE}', true) = 'on' OR current_setting('{REPLICATING}', true) = 'on' THEN\n    RETURN NULL;\n  END IF;\n  \
         PERFORM set_config('{REPLICATING}', 'on', true);\n  \
         {delete_branch}\
         ELSIF TG_OP = 'UPDATE' THEN\n    {update_plpgsql};\n    \
         IF NOT FOUND THEN\n      IF ({}) IS DISTINCT FROM ({}) THEN\n        {}\n      END IF;\n      {insert};\n    END IF;\n  \
         ELSE\n    {insert};\n  END IF;{resync_sql}\n  \
         PERFORM set_config('{REPLICATING}', 'off', true);\n  RETURN NULL;\nEND",
        old_key.join(", "),
        new_key.join(", "),
        probe_block("        ")
    );
    // The copy fires the target's user triggers (the old table's, until phase 5), whose bodies
    // name the schema's tables unqualified as their writers' sessions do: the schema follows
    // pg_catalog in the pinned path (every name in this body is qualified).
    let definer = format!(
        "SECURITY DEFINER SET search_path = pg_catalog, {}, pg_temp",
        cat.quote(&cat.schema)
    );
    let mut f = Step::new(
        title,
        format!(
            "CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql {definer} AS $ra_migrate$\n{body}\n$ra_migrate$"
        ),
        Lock::None,
    );
    f.body = body_statements;
    f
}

/// The `WHEN` of the row triggers on the new masters: a copy (the backfill's, or a trigger's) and a
/// fetcher writing both layouts skip the function, which returns at once for them anyway. The
/// executor evaluates it per row without entering PL/pgSQL, and an AFTER trigger whose `WHEN` is
/// false queues no event: the backfill's inserts cost what plain inserts cost. It is evaluated
/// when the row is written, with the settings in force then, as the function's own test would be
/// (a trigger's copy runs and fires its after-triggers while it has `REPLICATING` on).
fn unless_copying() -> String {
    format!(
        "current_setting('{REPLICATING}', true) IS DISTINCT FROM 'on' AND current_setting('{APP_DUAL_WRITE}', true) IS DISTINCT FROM 'on'"
    )
}

/// On each new master with an ALWAYS identity column while dual-write runs: a writer's insert
/// takes the value from the old table's identity sequence, as an insert into the old table would
/// (one source of values while both layouts are written; phase 5 moves the new sequence past it).
pub const IDENTITY_TRIGGER: &str = "ra_migrate_identity";

pub(crate) fn identity_function_name(old: &str) -> String {
    format!("ra_migrate.identity_{old}")
}

/// The identity trigger's function and trigger for `p`, when its new master has ALWAYS identity
/// columns fed, on the old table, by an identity sequence.
fn identity_steps(cat: &Catalog, p: &Pair) -> Vec<Step> {
    let mut sets = Vec::new();
    let mut body = Vec::new();
    for c in p
        .new
        .columns
        .iter()
        .filter(|c| c.identity.as_deref() == Some("a"))
    {
        let Some(seq) = p
            .old
            .columns
            .iter()
            .find(|o| o.name == c.name)
            .and_then(|o| o.sequences.iter().find(|s| s.identity))
        else {
            continue;
        };
        let seq_q = format!("{}.{}", cat.quote(&seq.schema), cat.quote(&seq.name));
        let next = format!(
            "pg_catalog.nextval({})",
            crate::schema::quote::literal(&seq_q)
        );
        sets.push(format!("NEW.{} := {next};", cat.quote(&c.name)));
        body.push(format!("SELECT {next}"));
    }
    if sets.is_empty() {
        return vec![];
    }
    let func = identity_function_name(&p.old.name);
    let mut f = Step::new(
        format!(
            "inserts into {} take identity values from {}'s sequences while both are written",
            p.new_name, p.old.name
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $ra_migrate$\n\
             BEGIN\n  IF current_setting('{APP_DUAL_WRITE}', true) = 'on' OR current_setting('{REPLICATING}', true) = 'on' THEN\n    RETURN NEW;\n  END IF;\n  \
             {}\n  RETURN NEW;\nEND\n$ra_migrate$",
            sets.join("\n  ")
        ),
        Lock::None,
    );
    f.body = body;
    vec![
        f,
        revoke(&func),
        Step::new(
            format!("identity values of inserts into {} come from {}", p.new_name, p.old.name),
            format!(
                "CREATE TRIGGER {IDENTITY_TRIGGER} BEFORE INSERT ON {} FOR EACH ROW WHEN ({}) EXECUTE FUNCTION {func}()",
                cat.qualified(&p.new_name),
                unless_copying()
            ),
            Lock::ShareRowExclusive,
        ),
    ]
}

/// Drops the identity trigger of `new` and its function (created together), where present.
pub(crate) fn drop_identity_steps(cat: &Catalog, old: &str, new: &str) -> Vec<Step> {
    if !cat
        .table(new)
        .is_some_and(|t| t.triggers.iter().any(|tg| tg.name == IDENTITY_TRIGGER))
    {
        return vec![];
    }
    vec![
        Step::new(
            format!("remove {IDENTITY_TRIGGER} from {new}"),
            format!("DROP TRIGGER {IDENTITY_TRIGGER} ON {}", cat.qualified(new)),
            Lock::ShareRowExclusive,
        ),
        Step::new(
            format!("drop {}", identity_function_name(old)),
            format!("DROP FUNCTION IF EXISTS {}()", identity_function_name(old)),
            Lock::None,
        ),
    ]
}

/// The copies maintain the other layout whoever writes: they run with the rights of the role that
/// installed them (the tables' owner or a superuser), not the writer's, whose own privileges and
/// policies still decide what it may write to the table it names. The search path is pinned (every
/// name inside is qualified), and each function refuses to run for any table but its own.
pub(crate) const DEFINER: &str = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp";

/// The gate and its two functions (see [`WRITE_GATE`]), once per plan.
fn gate_objects() -> Vec<Step> {
    let mut steps = vec![Step::new(
        "the write gate: a table that never holds a row, only its lock is used",
        format!("CREATE TABLE {GATE_TABLE} ()"),
        Lock::None,
    )];
    for (func, mode, side) in [
        (GATE_OLD_FUNCTION, "ROW EXCLUSIVE", "old"),
        (GATE_NEW_FUNCTION, "SHARE", "new"),
    ] {
        let join = format!("LOCK TABLE {GATE_TABLE} IN {mode} MODE");
        // The tool's fetchers write both layouts, the old first: they are on the old side.
        let side_expr = if side == "new" {
            format!("CASE WHEN current_setting('{APP_DUAL_WRITE}', true) = 'on' THEN 'old' ELSE 'new' END")
        } else {
            "'old'".to_string()
        };
        let mut f = Step::new(
            format!("writers of the {side} names join the write gate in {mode} mode before they lock a row"),
            format!(
                "CREATE OR REPLACE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $ra_migrate$\n\
                 BEGIN\n  IF current_setting('{REPLICATING}', true) = 'on' OR coalesce(current_setting('{GATE_TABLE}', true), '') <> '' THEN\n    RETURN NULL;\n  END IF;\n  \
                 IF ({side_expr}) = 'old' THEN\n    LOCK TABLE {GATE_TABLE} IN ROW EXCLUSIVE MODE;\n    PERFORM set_config('{GATE_TABLE}', 'old', true);\n  \
                 ELSE\n    {join};\n    PERFORM set_config('{GATE_TABLE}', 'new', true);\n  END IF;\n  \
                 RETURN NULL;\nEND\n$ra_migrate$"
            ),
            Lock::None,
        );
        f.body = vec![
            join,
            format!("LOCK TABLE {GATE_TABLE} IN ROW EXCLUSIVE MODE"),
        ];
        steps.push(f);
        steps.push(revoke(func));
    }
    steps
}

/// A master pair's gate triggers.
fn gate_steps(old_q: &str, new_q: &str) -> Vec<Step> {
    [(old_q, GATE_OLD_FUNCTION), (new_q, GATE_NEW_FUNCTION)]
        .into_iter()
        .map(|(table, func)| {
            Step::new(
                format!("writers of {table} join the write gate before they lock a row"),
                format!(
                    "CREATE TRIGGER {WRITE_GATE} BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {func}()"
                ),
                Lock::ShareRowExclusive,
            )
        })
        .collect()
}

/// Drops the gate triggers of `tables` (where present).
pub(crate) fn drop_gate_steps(cat: &Catalog, tables: &[&str]) -> Vec<Step> {
    let mut steps = Vec::new();
    for t in tables {
        if let Some(table) = cat.table(t) {
            if table.triggers.iter().any(|tg| tg.name == WRITE_GATE) {
                steps.push(Step::new(
                    format!("remove {WRITE_GATE} from {t}"),
                    format!("DROP TRIGGER {WRITE_GATE} ON {}", cat.qualified(t)),
                    Lock::ShareRowExclusive,
                ));
            }
        }
    }
    steps
}

/// Drops the gate's functions and table, once its triggers are gone.
pub(crate) fn drop_gate_objects() -> Vec<Step> {
    vec![
        Step::new(
            "drop the write gate's functions",
            format!("DROP FUNCTION IF EXISTS {GATE_OLD_FUNCTION}(), {GATE_NEW_FUNCTION}()"),
            Lock::None,
        ),
        Step::new(
            "drop the write gate",
            format!("DROP TABLE IF EXISTS {GATE_TABLE}"),
            Lock::None,
        ),
    ]
}

/// Nobody but the installer may attach the function to a table of their own.
fn revoke(func: &str) -> Step {
    Step::new(
        format!("only the installer may use {func}"),
        format!("REVOKE ALL ON FUNCTION {func}() FROM PUBLIC"),
        Lock::None,
    )
}

/// Phase 2's plan in `direction`, from the facts alone.
pub fn plan(facts: &Facts, mapping: &Mapping, direction: Direction) -> Result<Plan> {
    match direction {
        Direction::Apply => plan_apply(&facts.catalog, mapping),
        Direction::Rollback => plan_rollback(&facts.catalog, &facts.record::<Record>()?),
    }
}

/// Checks phase 2's result (or its rollback's) against the catalog in `facts`, read after it ran.
pub fn verify(
    client: &mut Client,
    facts: &Facts,
    mapping: &Mapping,
    direction: Direction,
) -> Result<Vec<String>> {
    match direction {
        Direction::Apply => verify_apply(client, &facts.catalog, mapping),
        Direction::Rollback => Ok(verify_rollback(&facts.catalog, &facts.record::<Record>()?)),
    }
}

pub fn plan_apply(cat: &Catalog, mapping: &Mapping) -> Result<Plan> {
    let pairs = pairs(cat, mapping)?;
    if pairs.is_empty() {
        bail!("no master has both its old and its new table: apply phase 1 first");
    }
    let mut steps = vec![Step::new(
        "guard: TRUNCATE on an old master would silently desynchronise its copy, so it is refused while dual-write runs",
        format!(
            "CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $ra_migrate$\n\
             BEGIN\n  RAISE EXCEPTION 'ra-migrate: TRUNCATE of % is refused during the migration (it would desynchronise the new layout); roll back phase 2 first', TG_TABLE_NAME;\nEND\n$ra_migrate$"
        ),
        Lock::None,
    )];
    steps.push(Step::new(
        "guard: a writer's statement on a new master is refused until the backfill has copied that master (before that, the new table lacks rows the statement would update, delete or collide with, and a copy back would overwrite the old row with a partial one)",
        format!(
            "CREATE OR REPLACE FUNCTION {EARLY_WRITE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $ra_migrate$\n\
             BEGIN\n  IF current_setting('{APP_DUAL_WRITE}', true) = 'on' OR current_setting('{REPLICATING}', true) = 'on' THEN\n    RETURN NULL;\n  END IF;\n  \
             IF EXISTS (SELECT 1 FROM ra_migrate.backfill_checkpoint WHERE table_name = TG_TABLE_NAME AND done) THEN\n    RETURN NULL;\n  END IF;\n  \
             RAISE EXCEPTION 'ra-migrate: % on % is refused until phase 3 has backfilled it: write the old table meanwhile (dual-write copies every change)', TG_OP, TG_TABLE_NAME\n    \
             USING ERRCODE = '{EARLY_WRITE_SQLSTATE}';\nEND\n$ra_migrate$"
        ),
        Lock::None,
    ));
    steps.last_mut().expect("just pushed").body = vec![
        "SELECT 1 FROM ra_migrate.backfill_checkpoint WHERE table_name = 'x' AND done".to_string(),
    ];
    steps.extend(gate_objects());
    let mut record = Record::default();
    let mut notes = vec![
        "writers of the old names and writers of the new names take turns at one write gate (statement triggers, before any row is locked), so their copies cannot deadlock; keep every writer of a master on one name anyway: a long transaction on one side holds up writers of the other".to_string(),
        "until phase 3 has copied a master, writers' statements on its new name are refused with SQLSTATE 55000 (the tool's own copies and fetchers are not): write the old names until then".to_string(),
        format!("the tool's own fetchers write both layouts in one transaction and set {APP_DUAL_WRITE} = on, which the triggers honour (no double work)"),
        "outside writers (the statistics function, manual fixes, old workers) keep writing the old tables; the triggers carry every insert, update and delete to the new masters".to_string(),
    ];
    for p in &pairs {
        let old_q = cat.qualified(&p.old.name);
        let new_q = cat.qualified(&p.new_name);
        let func = function_name(&p.old.name);
        steps.push(sync_function(
            cat,
            &old_q,
            &new_q,
            p.old,
            p.new,
            &p.columns,
            &p.key,
            &func,
            format!(
                "trigger function copying writes on {} to {}",
                p.old.name, p.new_name
            ),
            false,
        ));
        let reverse = reverse_function_name(&p.old.name);
        steps.push(revoke(&func));
        steps.push(sync_function(
            cat,
            &new_q,
            &old_q,
            p.new,
            p.old,
            &p.columns,
            &p.key,
            &reverse,
            format!(
                "trigger function copying writes made directly on {} back to {}",
                p.new_name, p.old.name
            ),
            true,
        ));
        steps.push(revoke(&reverse));
        steps.push(Step::new(
            format!("reverse trigger on {}: writers already moved to the new name keep the old table whole", p.new_name),
            format!(
                "CREATE TRIGGER {REVERSE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {new_q} FOR EACH ROW WHEN ({}) EXECUTE FUNCTION {reverse}()",
                unless_copying()
            ),
            Lock::ShareRowExclusive,
        ));
        steps.push(Step::new(
            format!("refuse writers' statements on {} until it is backfilled", p.new_name),
            format!(
                "CREATE TRIGGER {EARLY_WRITE_GUARD} BEFORE INSERT OR UPDATE OR DELETE ON {new_q} FOR EACH STATEMENT EXECUTE FUNCTION {EARLY_WRITE_FUNCTION}()"
            ),
            Lock::ShareRowExclusive,
        ));
        record.reverse.push((p.new_name.clone(), reverse));
        steps.extend(identity_steps(cat, p));
        steps.extend(gate_steps(&old_q, &new_q));
        steps.push(Step::new(
            format!("dual-write trigger on {}", p.old.name),
            format!(
                "CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {old_q} FOR EACH ROW EXECUTE FUNCTION {func}()"
            ),
            Lock::ShareRowExclusive,
        ));
        steps.push(Step::new(
            format!("refuse TRUNCATE on {} while dual-write runs", p.old.name),
            format!(
                "CREATE TRIGGER {TRUNCATE_GUARD} BEFORE TRUNCATE ON {old_q} FOR EACH STATEMENT EXECUTE FUNCTION {GUARD_FUNCTION}()"
            ),
            Lock::ShareRowExclusive,
        ));
        if p.columns.len() < p.old.columns.len() {
            notes.push(format!(
                "{}: generated or missing columns on {} are not copied: {}",
                p.old.name,
                p.new_name,
                p.old
                    .columns
                    .iter()
                    .filter(|c| !p.columns.contains(&c.name))
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        record
            .tables
            .push((p.old.name.clone(), p.new_name.clone(), func));
    }
    Ok(Plan {
        phase: Phase::DualWrite,
        direction: Direction::Apply,
        steps,
        notes,
        deferred: vec![],
        record: record.into(),
    })
}

pub fn plan_rollback(cat: &Catalog, record: &Record) -> Result<Plan> {
    let mut steps = Vec::new();
    for (old, _, func) in &record.tables {
        if let Some(t) = cat.table(old) {
            let old_q = cat.qualified(&t.name);
            for trigger in [TRIGGER, TRUNCATE_GUARD] {
                if t.triggers.iter().any(|tg| tg.name == trigger) {
                    steps.push(Step::new(
                        format!("remove {trigger} from {old}"),
                        format!("DROP TRIGGER {trigger} ON {old_q}"),
                        Lock::ShareRowExclusive,
                    ));
                }
            }
        }
        steps.push(Step::new(
            format!("drop {func}"),
            format!("DROP FUNCTION IF EXISTS {func}()"),
            Lock::None,
        ));
    }
    for (new, func) in &record.reverse {
        if let Some(t) = cat.table(new) {
            for trigger in [REVERSE_TRIGGER, EARLY_WRITE_GUARD] {
                if t.triggers.iter().any(|tg| tg.name == trigger) {
                    steps.push(Step::new(
                        format!("remove {trigger} from {new}"),
                        format!("DROP TRIGGER {trigger} ON {}", cat.qualified(new)),
                        Lock::ShareRowExclusive,
                    ));
                }
            }
        }
        steps.push(Step::new(
            format!("drop {func}"),
            format!("DROP FUNCTION IF EXISTS {func}()"),
            Lock::None,
        ));
    }
    for (old, new, _) in &record.tables {
        steps.extend(drop_gate_steps(cat, &[old.as_str(), new.as_str()]));
        steps.extend(drop_identity_steps(cat, old, new));
    }
    steps.extend(drop_gate_objects());
    steps.push(Step::new(
        "drop the TRUNCATE guard",
        format!("DROP FUNCTION IF EXISTS {GUARD_FUNCTION}()"),
        Lock::None,
    ));
    steps.push(Step::new(
        "drop the early-write guard",
        format!("DROP FUNCTION IF EXISTS {EARLY_WRITE_FUNCTION}()"),
        Lock::None,
    ));
    Ok(Plan {
        phase: Phase::DualWrite,
        direction: Direction::Rollback,
        steps,
        notes: vec![
            "rows already copied into the new masters stay there (the old tables remain the source of truth; rolling back phase 1 drops the copies)".into(),
        ],
        deferred: vec![],
        record: record.clone().into(),
    })
}

/// Proves dual-write: the triggers are in place, and a plain-SQL update and delete on each
/// non-empty old master reach the new master, inside a transaction that is rolled back.
pub fn verify_apply(client: &mut Client, cat: &Catalog, mapping: &Mapping) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for p in pairs(cat, mapping)? {
        let enabled = p
            .old
            .triggers
            .iter()
            .any(|t| t.name == TRIGGER && t.enabled != "D");
        let reverse = p
            .new
            .triggers
            .iter()
            .any(|t| t.name == REVERSE_TRIGGER && t.enabled != "D");
        if !reverse {
            problems.push(format!(
                "{}: reverse trigger {REVERSE_TRIGGER} is missing or disabled",
                p.new_name
            ));
        }
        for t in [p.old, p.new] {
            if !t
                .triggers
                .iter()
                .any(|tg| tg.name == WRITE_GATE && tg.enabled != "D")
            {
                problems.push(format!(
                    "{}: write gate {WRITE_GATE} is missing or disabled",
                    t.name
                ));
            }
        }
        if !p
            .new
            .triggers
            .iter()
            .any(|t| t.name == EARLY_WRITE_GUARD && t.enabled != "D")
        {
            problems.push(format!(
                "{}: early-write guard {EARLY_WRITE_GUARD} is missing or disabled",
                p.new_name
            ));
        }
        if !enabled {
            problems.push(format!(
                "{}: dual-write trigger {TRIGGER} is missing or disabled",
                p.old.name
            ));
            continue;
        }
        problems.extend(
            prove_write(client, cat, &p, true)
                .with_context(|| format!("proving dual-write on {}", p.old.name))?,
        );
    }
    Ok(problems)
}

/// The proof of [`verify`], run by the phase's own transaction before it commits (with the
/// catalog read before its locks): a copy PostgreSQL refuses, or one that does not arrive, stops the phase with
/// nothing committed, instead of leaving triggers that reject every write.
pub fn prove_before_commit(
    client: &mut impl GenericClient,
    cat: &Catalog,
    mapping: &Mapping,
) -> Result<()> {
    let mut problems = Vec::new();
    // A delete of a row other tables reference runs their foreign-key checks, a scan of the
    // referencing table where its column has no index (135 ms for one master at production size),
    // while every writer waits for this transaction; it mostly ends in a violation that proves
    // nothing. Those masters' delete path is proved by `verify` right after the commit instead.
    let referenced: std::collections::BTreeSet<&str> = cat
        .tables
        .values()
        .flat_map(|t| t.constraints.iter())
        .filter(|c| c.kind == "f")
        .filter_map(|c| c.ref_table.as_deref())
        .collect();
    // `cat` was read before the phase's steps: every pair it has gets the copy triggers.
    for p in pairs(cat, mapping)? {
        let delete = !referenced.contains(p.old.name.as_str());
        problems.extend(
            prove_write(client, cat, &p, delete).with_context(|| {
                format!(
                    "proving dual-write on {} before committing: a plain UPDATE or DELETE of {} failed in the copy triggers",
                    p.old.name, p.old.name
                )
            })?,
        );
    }
    if !problems.is_empty() {
        bail!(
            "dual-write does not mirror writes, so nothing is committed: {}",
            problems.join("; ")
        );
    }
    Ok(())
}

/// Live writers may hold the row being proved: a few tries on rows nobody has locked.
/// `delete`: also prove that a plain DELETE reaches the new master.
fn prove_write(
    client: &mut impl GenericClient,
    cat: &Catalog,
    p: &Pair,
    delete: bool,
) -> Result<Vec<String>> {
    let mut last = None;
    for _ in 0..5 {
        match prove_write_once(client, cat, p, delete) {
            Err(e) if crate::pg::db::is_lock_timeout(&e) => last = Some(e),
            other => return other,
        }
    }
    Err(last
        .expect("five tries")
        .context("every row tried was busy with writers"))
}

fn prove_write_once(
    client: &mut impl GenericClient,
    cat: &Catalog,
    p: &Pair,
    delete: bool,
) -> Result<Vec<String>> {
    let old_q = cat.qualified(&p.old.name);
    let new_q = cat.qualified(&p.new_name);
    let key: Vec<String> = p.key.iter().map(|c| cat.quote(c)).collect();
    let key = key.join(", ");
    let cols: Vec<String> = p.columns.iter().map(|c| cat.quote(c)).collect();
    let row = format!("ROW({})::text", cols.join(", "));
    // Phase 2's transaction runs the proof while it holds every master, and writers wait for
    // it: the statements go a few to a message (simple protocol), not one round trip each.
    let mut tx = client.transaction()?;
    // Below deadlock_timeout: a conflict with a writer costs this proof a retry, never the writer.
    // Lock the proving row in both layouts before touching either (old first, the order the
    // triggers use), on a row no writer holds right now.
    let found = tx.simple_query(&format!(
        "SET LOCAL lock_timeout = '200ms';
         SELECT row_to_json(x)::text FROM (
             SELECT {key} FROM {old_q} ORDER BY {key} LIMIT 1 FOR UPDATE SKIP LOCKED) x"
    ))?;
    let Some(k) = last_row(&found).and_then(|r| r.get(0)).map(str::to_string) else {
        return Ok(vec![]); // an empty (or entirely busy) table has nothing to prove with
    };
    // The key, typed by the old table's row type, as a value the key's index can find (no scan
    // of a whole table).
    let at_key = format!(
        "({key}) = (SELECT {key} FROM json_populate_record(NULL::{old_q}, {}::json))",
        crate::schema::quote::escaped_literal(&k)
    );
    let probe = |table: &str| format!("(SELECT {row} FROM {table} WHERE {at_key})");
    // Remove the copy first (without mirroring that), so its reappearance can only come from
    // the trigger.
    tx.batch_execute(&format!(
        "SELECT 1 FROM {new_q} WHERE {at_key} FOR UPDATE;
         SET LOCAL {REPLICATING} = 'on'; SAVEPOINT clear"
    ))?;
    if tx
        .batch_execute(&format!("DELETE FROM {new_q} WHERE {at_key}"))
        .is_err()
    {
        tx.batch_execute("ROLLBACK TO SAVEPOINT clear")?;
    }
    let mut script = vec![format!("SET LOCAL {REPLICATING} = 'off'")];
    // The proof is the tool's statement, not a writer's: the old table's own triggers (an audit
    // trail, a sequence they draw from) must not act on it, even in a transaction rolled back.
    // Its lock (SHARE ROW EXCLUSIVE) is held by phase 2's transaction already, and otherwise
    // taken under the short lock_timeout like any other step of the proof.
    script.extend(
        p.old
            .triggers
            .iter()
            .filter(|t| !crate::schema::ddl::is_tool_trigger(&t.name) && t.enabled != "D")
            .map(|tg| crate::schema::ddl::trigger_state_sql(cat, &p.old.name, &tg.name, "D")),
    );
    // A no-op update a writer could make: the key set to itself, or (when the key is an ALWAYS
    // identity, which only takes DEFAULT) another column the old table lets an UPDATE set.
    let fixed = always_identity(p.old, &p.columns);
    let noop = p
        .key
        .iter()
        .find(|_| p.key.iter().all(|k| !fixed.contains(k)))
        .or_else(|| p.columns.iter().find(|c| !fixed.contains(c)))
        .unwrap_or(&p.key[0]);
    let noop = cat.quote(noop);
    script.push(format!("UPDATE {old_q} SET {noop} = {noop} WHERE {at_key}"));
    script.push(format!("SELECT {}, {}", probe(&old_q), probe(&new_q)));
    let rows = tx.simple_query(&script.join(";\n"))?;
    let (old_row, new_row) = last_row(&rows)
        .map(|r| (r.get(0).map(str::to_string), r.get(1).map(str::to_string)))
        .unwrap_or_default();
    let mut problems = Vec::new();
    if old_row != new_row {
        problems.push(format!(
            "{}: a plain UPDATE of key {k} did not reach {} (old {:?}, new {:?})",
            p.old.name, p.new_name, old_row, new_row
        ));
    }
    if !delete {
        tx.rollback()?;
        return Ok(problems);
    }
    match tx.simple_query(&format!(
        "SAVEPOINT del; DELETE FROM {old_q} WHERE {at_key}; SELECT {}",
        probe(&new_q)
    )) {
        Ok(rows) => {
            if last_row(&rows).and_then(|r| r.get(0)).is_some() {
                problems.push(format!(
                    "{}: a plain DELETE of key {k} did not reach {}",
                    p.old.name, p.new_name
                ));
            }
        }
        // Referenced by foreign keys: the delete path cannot be exercised on this row.
        Err(_) => tx.batch_execute("ROLLBACK TO SAVEPOINT del")?,
    }
    tx.rollback()?;
    Ok(problems)
}

/// The last row a simple-protocol script returned.
fn last_row(messages: &[postgres::SimpleQueryMessage]) -> Option<&postgres::SimpleQueryRow> {
    messages.iter().rev().find_map(|m| match m {
        postgres::SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    })
}

/// After rollback: no trigger or function of phase 2 is left.
pub fn verify_rollback(cat: &Catalog, record: &Record) -> Vec<String> {
    let mut problems = Vec::new();
    for (old, _, _) in &record.tables {
        if let Some(t) = cat.table(old) {
            for tg in t
                .triggers
                .iter()
                .filter(|t| t.name == TRIGGER || t.name == TRUNCATE_GUARD || t.name == WRITE_GATE)
            {
                problems.push(format!("{old}: trigger {} still exists", tg.name));
            }
        }
    }
    for (new, _) in &record.reverse {
        if let Some(t) = cat.table(new) {
            for tg in t.triggers.iter().filter(|t| {
                t.name == REVERSE_TRIGGER
                    || t.name == EARLY_WRITE_GUARD
                    || t.name == WRITE_GATE
                    || t.name == IDENTITY_TRIGGER
            }) {
                problems.push(format!("{new}: trigger {} still exists", tg.name));
            }
        }
    }
    problems
}
