//! Generates the DDL of a new table from an observed one (`catalog::Table`) and the mapping: same
//! columns, defaults, constraints, indexes, triggers, policies, privileges and comments, with its
//! own sequences and derived object names. Foreign keys that point at masters are not created here
//! but returned as deferred (phase 3 adds them once the referenced tables are filled).
//!
//! The same generator produces the structural "shape" of a table, so verification compares an old
//! table and its new copy by generating both against one placeholder name.
//!
//! [`acl`] replays the owner and privileges of the table and its sequences.

mod acl;

use crate::phase::{DeferredFk, Lock};
use crate::schema::catalog::{Catalog, Publication, Sequence, Table};
use crate::schema::mapping::MAX_IDENT;
use crate::schema::quote::literal;
use acl::privileges;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};

/// A statement to run after `CREATE TABLE`, with a title for the plan.
#[derive(Debug, Clone)]
pub struct Follow {
    pub title: String,
    pub sql: String,
    pub lock: Lock,
}

#[derive(Debug, Clone)]
pub struct TableDdl {
    pub create: String,
    pub follow: Vec<Follow>,
    /// Structural facts keyed by object (`column age`, `index idx_..`), names derived from the
    /// target so an old table and its copy yield equal shapes.
    pub shape: BTreeMap<String, String>,
    pub deferred: Vec<DeferredFk>,
    /// Names of relations this DDL creates besides the table (sequences, indexes).
    pub relations: Vec<String>,
    /// Statements phase 3 runs once the backfill has copied the rows: `NOT VALID` checks (which
    /// legacy rows may break) and their comments.
    pub after_backfill: Vec<(String, Follow)>,
}

/// Everything the generator needs to know besides the table itself.
pub struct Target<'a> {
    pub name: &'a str,
    /// old master name -> new master name; foreign keys to either side are deferred.
    pub masters: &'a BTreeMap<String, String>,
    /// Relation names already used in the schema (and by earlier tables of the same plan).
    pub taken: &'a mut BTreeSet<String>,
    /// Reference old sequences for `setval` (false when only computing a shape).
    pub copy_sequence_state: bool,
    /// Column defaults keep calling the old table's own sequence, so both layouts draw their ids
    /// from one source while both are written; the new table still gets a sequence of its own,
    /// which phase 5 moves past the old one and hands the defaults to. The shape is unaffected.
    pub share_sequences: bool,
    /// The copy's user triggers are created disabled: until phase 5 the old table is the table of
    /// record and its triggers act on every logical write once; the tool's copies into the new
    /// table (dual-write, backfill) must not fire them a second time. Phase 5 gives them the old
    /// triggers' state.
    pub user_triggers_disabled: bool,
}

/// Derives the name of an object of the new table from the old object's name: the old table name
/// inside it is replaced (`ra_horses_pkey` -> `ra_mst_horses_pkey`), otherwise the new table name is
/// prefixed; cut to PostgreSQL's identifier length and made unique against `taken`.
pub fn derive_name(
    old_object: &str,
    old_table: &str,
    new_table: &str,
    taken: &BTreeSet<String>,
) -> String {
    let base = if old_object.contains(old_table) {
        old_object.replacen(old_table, new_table, 1)
    } else {
        format!("{new_table}_{old_object}")
    };
    let fit = |s: &str, room: usize| -> String {
        let mut end = s.len().min(room);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_string()
    };
    let mut name = fit(&base, MAX_IDENT);
    let mut n = 1;
    while taken.contains(&name) {
        let suffix = format!("_{n}");
        name = format!("{}{suffix}", fit(&base, MAX_IDENT - suffix.len()));
        n += 1;
    }
    name
}

/// Generates the DDL that creates `target.name` as a copy of `table`'s structure.
pub fn build(cat: &Catalog, table: &Table, target: Target<'_>) -> Result<TableDdl> {
    let Target {
        name: new_name,
        masters,
        taken,
        copy_sequence_state,
        share_sequences,
        user_triggers_disabled,
    } = target;
    if table.relkind != "r" {
        bail!(
            "table {} is partitioned (relkind {}); partitioned masters are not supported: migrate it by hand or convert it first",
            table.name,
            table.relkind
        );
    }
    let q = |s: &str| cat.quote(s);
    let new_q = cat.qualified(new_name);
    let old_q = cat.qualified(&table.name);
    let mut shape = BTreeMap::new();
    let mut follow = Vec::new();
    let mut relations = Vec::new();
    let mut deferred = Vec::new();
    let mut after_backfill = Vec::new();
    let mut lines = Vec::new();

    // Sequences first: their new names are needed to rewrite the column defaults.
    // (regclass text in defaults, new qualified, old qualified)
    let mut seq_renames: Vec<(String, String, String)> = Vec::new();
    let mut own_sequences: Vec<(String, &Sequence)> = Vec::new();
    // (the copy's identity sequence, the old one): it gets the old one's privileges.
    let mut identity_sequences: Vec<(String, &Sequence)> = Vec::new();
    for col in &table.columns {
        for seq in col.sequences.iter().filter(|s| s.owned && !s.identity) {
            let new_seq = derive_name(&seq.name, &table.name, new_name, taken);
            taken.insert(new_seq.clone());
            own_sequences.push((new_seq.clone(), seq));
            relations.push(new_seq.clone());
            let new_seq_q = cat.qualified(&new_seq);
            seq_renames.push((
                seq.regclass_text.clone(),
                new_seq_q.clone(),
                format!("{}.{}", q(&seq.schema), q(&seq.name)),
            ));
            let opts = format!("AS {} {}", seq.type_sql, sequence_options(seq));
            shape.insert(
                format!("sequence {new_seq}"),
                format!("{opts} OWNED BY {}", col.name),
            );
            follow.push(Follow {
                title: format!("create sequence {new_seq} owned by {new_name}.{}", col.name),
                sql: format!(
                    "CREATE SEQUENCE {new_seq_q} {opts} OWNED BY {new_q}.{}",
                    q(&col.name)
                ),
                lock: Lock::None,
            });
            if !share_sequences {
                follow.push(Follow {
                    title: format!("default of {new_name}.{} from {new_seq}", col.name),
                    sql: String::new(), // filled below once the default is rewritten
                    lock: Lock::AccessExclusive,
                });
            }
            if copy_sequence_state {
                let old_seq_q = format!("{}.{}", q(&seq.schema), q(&seq.name));
                follow.push(Follow {
                    title: format!("start {new_seq} where {} stands", seq.name),
                    sql: format!(
                        "SELECT setval({}, last_value, is_called) FROM {old_seq_q}",
                        literal(&new_seq_q)
                    ),
                    lock: Lock::AccessShare,
                });
            }
        }
    }

    for col in &table.columns {
        let mut def = format!("{} {}", q(&col.name), col.type_sql);
        if let Some(coll) = &col.collation {
            def.push_str(&format!(" COLLATE {coll}"));
        }
        let mut shape_def = def.clone();
        if let Some(expr) = &col.generated {
            def.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
            let canonical = col.canonical_generated.as_ref().unwrap_or(expr);
            shape_def.push_str(&format!(" GENERATED ALWAYS AS ({canonical}) STORED"));
        } else if let Some(kind) = &col.identity {
            let how = if kind == "a" { "ALWAYS" } else { "BY DEFAULT" };
            def.push_str(&format!(" GENERATED {how} AS IDENTITY"));
            shape_def = def.clone();
            if let Some(seq) = col.sequences.iter().find(|s| s.identity) {
                // Every option of the identity's sequence, as the old one has it.
                let opts = sequence_options(seq);
                def.push_str(&format!(" ({opts})"));
                shape_def.push_str(&format!(" ({} {opts})", seq.type_sql));
                // PostgreSQL names the identity's sequence `<table>_<column>_seq` when that fits
                // and is free (as here, where `taken` holds every relation name): its privileges
                // are replayed under that name, like those of an owned sequence.
                let seq_name = format!("{new_name}_{}_seq", col.name);
                if seq_name.len() <= MAX_IDENT && !taken.contains(&seq_name) {
                    taken.insert(seq_name.clone());
                    relations.push(seq_name.clone());
                    identity_sequences.push((seq_name, seq));
                }
                if copy_sequence_state {
                    let old_seq_q = format!("{}.{}", q(&seq.schema), q(&seq.name));
                    follow.push(Follow {
                        title: format!(
                            "start the identity of {new_name}.{} where {} stands",
                            col.name, seq.name
                        ),
                        sql: format!(
                            "SELECT setval(pg_get_serial_sequence({}, {}), last_value, is_called) FROM {old_seq_q}",
                            literal(&new_q),
                            literal(&col.name)
                        ),
                        lock: Lock::AccessShare,
                    });
                }
            }
        } else if let Some(default) = &col.default {
            let mut rewritten = default.clone();
            let mut shared = default.clone();
            let mut uses_new_seq = false;
            for (old, new, old_q) in &seq_renames {
                let pat = format!("{}::regclass", literal(old));
                if rewritten.contains(&pat) {
                    rewritten = rewritten.replace(&pat, &format!("{}::regclass", literal(new)));
                    shared = shared.replace(&pat, &format!("{}::regclass", literal(old_q)));
                    uses_new_seq = true;
                }
            }
            let shape_default = seq_renames
                .iter()
                .fold(rewritten.clone(), |acc, (_, n, _)| {
                    acc.replace(&format!("{}::regclass", literal(n)), "<own sequence>")
                });
            if uses_new_seq && share_sequences {
                def.push_str(&format!(" DEFAULT {shared}"));
                shape_def.push_str(&format!(" DEFAULT {shape_default}"));
            } else if uses_new_seq {
                // Set after the sequence exists (OWNED BY needs the table first).
                let slot = follow
                    .iter_mut()
                    .find(|f| f.sql.is_empty())
                    .context("sequence default slot")?;
                slot.sql = format!(
                    "ALTER TABLE {new_q} ALTER COLUMN {} SET DEFAULT {rewritten}",
                    q(&col.name)
                );
                shape_def.push_str(&format!(" DEFAULT {shape_default}"));
            } else {
                def.push_str(&format!(" DEFAULT {default}"));
                let canonical = col.canonical_default.as_ref().unwrap_or(default);
                shape_def.push_str(&format!(" DEFAULT {canonical}"));
            }
        }
        if col.not_null {
            def.push_str(" NOT NULL");
            shape_def.push_str(" NOT NULL");
        }
        shape.insert(format!("column {}", col.name), shape_def);
        // What the planner and TOAST are told about the column.
        let alter_col = format!("ALTER TABLE {new_q} ALTER COLUMN {}", q(&col.name));
        let mut attributes = Vec::new();
        if let Some(n) = col.stat_target {
            attributes.push((
                "statistics target",
                n.to_string(),
                format!("SET STATISTICS {n}"),
            ));
        }
        if let Some(kind) = &col.storage {
            attributes.push(("storage", kind.clone(), format!("SET STORAGE {kind}")));
        }
        if !col.options.is_empty() {
            let opts = col.options.join(", ");
            attributes.push(("options", opts.clone(), format!("SET ({opts})")));
        }
        for (what, value, set) in attributes {
            shape.insert(format!("{what} of column {}", col.name), value);
            follow.push(Follow {
                title: format!("{what} of {new_name}.{}, as on {}", col.name, table.name),
                sql: format!("{alter_col} {set}"),
                lock: Lock::ShareUpdateExclusive,
            });
        }
        if let Some(c) = &col.comment {
            shape.insert(format!("comment on column {}", col.name), c.clone());
            follow.push(Follow {
                title: format!("comment on {new_name}.{}", col.name),
                sql: format!(
                    "COMMENT ON COLUMN {new_q}.{} IS {}",
                    q(&col.name),
                    literal(c)
                ),
                lock: Lock::None,
            });
        }
        lines.push(def);
    }

    // old index name -> new index name, for the replica identity.
    let mut index_names: BTreeMap<String, String> = BTreeMap::new();
    for con in &table.constraints {
        let is_index_backed = matches!(con.kind.as_str(), "p" | "u" | "x");
        let con_name = if is_index_backed {
            let n = derive_name(&con.name, &table.name, new_name, taken);
            taken.insert(n.clone());
            relations.push(n.clone());
            n
        } else {
            derive_name(&con.name, &table.name, new_name, &BTreeSet::new())
        };
        if con.kind == "f" {
            let ref_table = con.ref_table.clone().unwrap_or_default();
            let to_master = masters.contains_key(&ref_table)
                || masters.values().any(|v| *v == ref_table)
                || ref_table == table.name;
            if to_master {
                let new_ref = masters.get(&ref_table).cloned().unwrap_or_else(|| {
                    if ref_table == table.name {
                        new_name.to_string()
                    } else {
                        ref_table.clone()
                    }
                });
                deferred.push(DeferredFk {
                    table: new_name.to_string(),
                    constraint: con_name,
                    columns: con.columns.clone(),
                    references: new_ref.clone(),
                    ref_columns: con.ref_columns.clone(),
                    from_table: table.name.clone(),
                    from_constraint: con.name.clone(),
                    def: repoint_fk_def(cat, &con.def, &con.columns, &new_ref, &con.ref_columns)?,
                });
                continue;
            }
        }
        if is_index_backed {
            index_names.insert(con.name.clone(), con_name.clone());
        }
        // The definition as both the old table and the copy deparse it after one more round trip.
        let canonical = con.canonical.as_ref().unwrap_or(&con.def);
        let shape_def = if con.validated {
            canonical.clone()
        } else {
            format!("{} (not valid)", canonical.trim_end_matches(" NOT VALID"))
        };
        shape.insert(format!("constraint {con_name}"), shape_def);
        // A CHECK that is NOT VALID may have old rows that violate it, and it still checks every
        // row written: the copy gets it once the backfill has copied those rows (phase 3).
        let later = !con.validated && con.kind == "c";
        if con.validated {
            lines.push(format!("CONSTRAINT {} {}", q(&con_name), con.def));
        } else {
            let add = Follow {
                title: format!("constraint {con_name} (NOT VALID, as on {})", table.name),
                sql: format!(
                    "ALTER TABLE {new_q} ADD CONSTRAINT {} {}",
                    q(&con_name),
                    con.def
                ),
                lock: Lock::AccessExclusive,
            };
            if later {
                after_backfill.push((con_name.clone(), add));
            } else {
                follow.push(add);
            }
        }
        if let Some(c) = &con.comment {
            shape.insert(format!("comment on constraint {con_name}"), c.clone());
            let comment = Follow {
                title: format!("comment on constraint {con_name}"),
                sql: format!(
                    "COMMENT ON CONSTRAINT {} ON {new_q} IS {}",
                    q(&con_name),
                    literal(c)
                ),
                lock: Lock::None,
            };
            if later {
                after_backfill.push((con_name.clone(), comment));
            } else {
                follow.push(comment);
            }
        }
    }

    for idx in table.indexes.iter().filter(|i| i.constraint.is_none()) {
        let new_idx = derive_name(&idx.name, &table.name, new_name, taken);
        taken.insert(new_idx.clone());
        relations.push(new_idx.clone());
        index_names.insert(idx.name.clone(), new_idx.clone());
        let def = rewrite_index_def(cat, &idx.def, &idx.name, &table.name, &new_idx, new_name)
            .with_context(|| format!("copying index {} of {}", idx.name, table.name))?;
        let shape_def = match (&idx.canonical, def.split_once(" USING ")) {
            (Some(canonical), Some((head, _))) => format!("{head} USING {canonical}"),
            _ => def.clone(),
        };
        shape.insert(format!("index {new_idx}"), shape_def);
        follow.push(Follow {
            title: format!("index {new_idx} (as {})", idx.name),
            sql: def,
            lock: Lock::None,
        });
    }
    for idx in &table.indexes {
        let (Some(c), Some(new_idx)) = (&idx.comment, index_names.get(&idx.name)) else {
            continue;
        };
        shape.insert(format!("comment on index {new_idx}"), c.clone());
        follow.push(Follow {
            title: format!("comment on index {new_idx}"),
            sql: format!(
                "COMMENT ON INDEX {}.{} IS {}",
                q(&cat.schema),
                q(new_idx),
                literal(c)
            ),
            lock: Lock::None,
        });
    }

    for st in &table.statistics {
        let new_st = derive_name(&st.name, &table.name, new_name, &BTreeSet::new());
        let head = format!("CREATE STATISTICS {}.{} ", q(&cat.schema), q(&st.name));
        // The table comes qualified or not, as the search path makes it visible.
        let body = st
            .def
            .strip_prefix(&head)
            .and_then(|rest| {
                rest.strip_suffix(&format!(" FROM {old_q}"))
                    .or_else(|| rest.strip_suffix(&format!(" FROM {}", q(&table.name))))
            })
            .with_context(|| {
                format!(
                    "cannot copy the statistics {} of {}: unexpected definition: {}",
                    st.name, table.name, st.def
                )
            })?;
        shape.insert(format!("statistics {new_st}"), body.to_string());
        follow.push(Follow {
            title: format!("extended statistics {new_st} (as {})", st.name),
            sql: format!(
                "CREATE STATISTICS {}.{} {body} FROM {new_q}",
                q(&cat.schema),
                q(&new_st)
            ),
            lock: Lock::ShareUpdateExclusive,
        });
        if let Some(n) = st.stat_target {
            shape.insert(format!("statistics {new_st} target"), n.to_string());
            follow.push(Follow {
                title: format!("statistics target of {new_st}: {n}"),
                sql: format!(
                    "ALTER STATISTICS {}.{} SET STATISTICS {n}",
                    q(&cat.schema),
                    q(&new_st)
                ),
                lock: Lock::None,
            });
        }
    }

    for tg in table
        .triggers
        .iter()
        .filter(|t| !t.name.starts_with("ra_migrate_"))
    {
        let on_old = format!(" ON {old_q} ");
        if !tg.def.contains(&on_old) {
            bail!(
                "cannot copy trigger {} of {}: unexpected definition: {}",
                tg.name,
                table.name,
                tg.def
            );
        }
        let def = tg.def.replacen(&on_old, &format!(" ON {new_q} "), 1);
        shape.insert(
            format!("trigger {}", tg.name),
            def.replacen(&new_q, "<table>", 1),
        );
        follow.push(Follow {
            title: format!("trigger {} (calls {})", tg.name, tg.function),
            sql: def,
            lock: Lock::ShareRowExclusive,
        });
        if user_triggers_disabled {
            follow.push(Follow {
                title: format!(
                    "trigger {} stays disabled on {new_name} until phase 5 makes it the table of record (it fires on {} meanwhile, once per write)",
                    tg.name, table.name
                ),
                sql: trigger_state_sql(cat, new_name, &tg.name, "D"),
                lock: Lock::ShareRowExclusive,
            });
        }
    }

    for (on, key, value, title, verb) in [
        (
            table.rls_enabled,
            "row level security",
            "enabled",
            "",
            "ENABLE",
        ),
        (
            table.rls_forced,
            "row level security forced",
            "forced",
            "force ",
            "FORCE",
        ),
    ] {
        if on {
            shape.insert(key.into(), value.into());
            follow.push(Follow {
                title: format!("{title}row level security on {new_name}"),
                sql: format!("ALTER TABLE {new_q} {verb} ROW LEVEL SECURITY"),
                lock: Lock::AccessExclusive,
            });
        }
    }
    for p in &table.policies {
        let mut sql = format!(
            "CREATE POLICY {} ON {new_q} AS {} FOR {} TO {}",
            q(&p.name),
            if p.permissive {
                "PERMISSIVE"
            } else {
                "RESTRICTIVE"
            },
            p.command,
            p.roles.join(", ")
        );
        let mut shape_sql = sql.replacen(&new_q, "<table>", 1);
        if let Some(u) = &p.using {
            sql.push_str(&format!(" USING ({u})"));
            let c = p.canonical_using.as_ref().unwrap_or(u);
            shape_sql.push_str(&format!(" USING ({c})"));
        }
        if let Some(w) = &p.with_check {
            sql.push_str(&format!(" WITH CHECK ({w})"));
            let c = p.canonical_with_check.as_ref().unwrap_or(w);
            shape_sql.push_str(&format!(" WITH CHECK ({c})"));
        }
        shape.insert(format!("policy {}", p.name), shape_sql);
        follow.push(Follow {
            title: format!("policy {}", p.name),
            sql,
            lock: Lock::AccessExclusive,
        });
    }
    own_sequences.extend(identity_sequences);
    privileges(
        cat,
        table,
        new_name,
        &own_sequences,
        &mut shape,
        &mut follow,
    );
    for p in &table.publications {
        shape.insert(format!("publication {}", p.name), publication_text(p));
        follow.push(Follow {
            title: format!("publish {new_name} in {}, as {} is", p.name, table.name),
            sql: add_to_publication(cat, p, &new_q),
            lock: Lock::ShareUpdateExclusive,
        });
    }
    match (table.replica_identity.as_str(), &table.replica_index) {
        ("d", _) => {}
        ("i", Some(old_idx)) => {
            let new_idx = index_names.get(old_idx).with_context(|| {
                format!(
                    "the replica identity index {old_idx} of {} is not copied",
                    table.name
                )
            })?;
            shape.insert("replica identity".into(), format!("index {new_idx}"));
            follow.push(Follow {
                title: format!("replica identity of {new_name}: index {new_idx}"),
                sql: format!(
                    "ALTER TABLE {new_q} REPLICA IDENTITY USING INDEX {}",
                    q(new_idx)
                ),
                lock: Lock::AccessExclusive,
            });
        }
        (kind, _) => {
            let what = if kind == "f" { "FULL" } else { "NOTHING" };
            shape.insert("replica identity".into(), what.to_lowercase());
            follow.push(Follow {
                title: format!("replica identity of {new_name}: {}", what.to_lowercase()),
                sql: format!("ALTER TABLE {new_q} REPLICA IDENTITY {what}"),
                lock: Lock::AccessExclusive,
            });
        }
    }
    if let Some(c) = &table.comment {
        shape.insert("comment".into(), c.clone());
        follow.push(Follow {
            title: format!("comment on {new_name}"),
            sql: format!("COMMENT ON TABLE {new_q} IS {}", literal(c)),
            lock: Lock::None,
        });
    }

    let mut create = format!("CREATE TABLE {new_q} (\n    {}\n)", lines.join(",\n    "));
    if !table.reloptions.is_empty() {
        create.push_str(&format!(" WITH ({})", table.reloptions.join(", ")));
        shape.insert("storage options".into(), table.reloptions.join(", "));
    }
    if table.persistence == "u" {
        shape.insert("unlogged".into(), "yes".into());
        create = create.replacen("CREATE TABLE", "CREATE UNLOGGED TABLE", 1);
    }
    Ok(TableDdl {
        create,
        follow,
        shape,
        deferred,
        relations,
        after_backfill,
    })
}

/// Every option of a sequence but its type, as `CREATE SEQUENCE` and an identity column take them.
fn sequence_options(seq: &Sequence) -> String {
    format!(
        "INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{}",
        seq.increment,
        seq.min,
        seq.max,
        seq.start,
        seq.cache,
        if seq.cycle { " CYCLE" } else { " NO CYCLE" }
    )
}

/// Whether a trigger is one of the tool's own (dual-write, guards, capture): never copied.
pub fn is_tool_trigger(name: &str) -> bool {
    name.starts_with("ra_migrate_")
}

/// `ALTER TABLE ... ENABLE|DISABLE [REPLICA|ALWAYS] TRIGGER` giving `trigger` the state `state`
/// (`pg_trigger.tgenabled`: `O`, `D`, `R`, `A`).
pub fn trigger_state_sql(cat: &Catalog, table: &str, trigger: &str, state: &str) -> String {
    let how = match state {
        "D" => "DISABLE",
        "R" => "ENABLE REPLICA",
        "A" => "ENABLE ALWAYS",
        _ => "ENABLE",
    };
    format!(
        "ALTER TABLE {} {how} TRIGGER {}",
        cat.qualified(table),
        cat.quote(trigger)
    )
}

/// How a table is published: its column list and row filter.
fn publication_text(p: &Publication) -> String {
    let cols = match &p.columns {
        Some(c) => format!("columns ({})", c.join(", ")),
        None => "all columns".into(),
    };
    match p.canonical_row_filter.as_ref().or(p.row_filter.as_ref()) {
        Some(f) => format!("{cols} where ({f})"),
        None => cols,
    }
}

/// `ALTER PUBLICATION ... ADD TABLE` with the publication's column list and row filter.
pub fn add_to_publication(cat: &Catalog, p: &Publication, table_q: &str) -> String {
    let mut sql = format!("ALTER PUBLICATION {} ADD TABLE {table_q}", p.name);
    if let Some(cols) = &p.columns {
        let cols: Vec<String> = cols.iter().map(|c| cat.quote(c)).collect();
        sql.push_str(&format!(" ({})", cols.join(", ")));
    }
    if let Some(f) = &p.row_filter {
        sql.push_str(&format!(" WHERE ({f})"));
    }
    sql
}

/// `FOREIGN KEY (cols) REFERENCES new(refcols) <actions>` from an observed definition.
pub fn repoint_fk_def(
    cat: &Catalog,
    def: &str,
    columns: &[String],
    new_ref: &str,
    ref_columns: &[String],
) -> Result<String> {
    // The actions (ON DELETE ..., DEFERRABLE ...) follow the referenced column list.
    let refs_at = def
        .find(" REFERENCES ")
        .with_context(|| format!("unexpected foreign key definition: {def}"))?;
    let close = def[refs_at..]
        .find(')')
        .map(|i| refs_at + i + 1)
        .with_context(|| format!("unexpected foreign key definition: {def}"))?;
    let rest = def[close..].trim_end_matches(" NOT VALID");
    let cols: Vec<String> = columns.iter().map(|c| cat.quote(c)).collect();
    let rcols: Vec<String> = ref_columns.iter().map(|c| cat.quote(c)).collect();
    Ok(format!(
        "FOREIGN KEY ({}) REFERENCES {}({}){rest}",
        cols.join(", "),
        cat.qualified(new_ref),
        rcols.join(", ")
    ))
}

fn rewrite_index_def(
    cat: &Catalog,
    def: &str,
    old_idx: &str,
    old_table: &str,
    new_idx: &str,
    new_table: &str,
) -> Result<String> {
    for unique in ["UNIQUE ", ""] {
        for only in ["ONLY ", ""] {
            for table in [cat.qualified(old_table), cat.quote(old_table)] {
                let prefix = format!(
                    "CREATE {unique}INDEX {} ON {only}{table} USING ",
                    cat.quote(old_idx)
                );
                if let Some(rest) = def.strip_prefix(&prefix) {
                    return Ok(format!(
                        "CREATE {unique}INDEX {} ON {} USING {rest}",
                        cat.quote(new_idx),
                        cat.qualified(new_table)
                    ));
                }
            }
        }
    }
    bail!("unexpected index definition: {def}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_replace_the_table_name_and_stay_unique_and_short() {
        let taken = BTreeSet::from(["ra_mst_horses_pkey".to_string()]);
        assert_eq!(
            derive_name(
                "idx_ra_races_date",
                "ra_races",
                "ra_mst_races",
                &BTreeSet::new()
            ),
            "idx_ra_mst_races_date"
        );
        assert_eq!(
            derive_name("ra_horses_pkey", "ra_horses", "ra_mst_horses", &taken),
            "ra_mst_horses_pkey_1"
        );
        assert_eq!(
            derive_name(
                "uq_code",
                "ra_bookmakers",
                "ra_mst_bookmakers",
                &BTreeSet::new()
            ),
            "ra_mst_bookmakers_uq_code"
        );
        let long = "x".repeat(60);
        let n = derive_name(&long, "ra_t", "ra_mst_t", &BTreeSet::new());
        assert_eq!(n.len(), MAX_IDENT);
    }
}
