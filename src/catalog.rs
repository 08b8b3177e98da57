//! Reads the live catalog: tables with their columns, constraints, indexes, triggers, sequences and
//! privileges, plus the views and functions that mention them. This is the observed layout; the
//! intended layout is built from it by `ddl` and never shares these types.
//!
//! Every query here is set-based over one schema: a fixed number of round trips, whatever the number
//! of tables.

use anyhow::{Context, Result};
use postgres::GenericClient;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub schema: String,
    pub tables: BTreeMap<String, Table>,
    pub views: Vec<View>,
    pub functions: Vec<Function>,
    /// Every relation name in the schema (tables, indexes, sequences, views): names a new object
    /// must not take.
    pub relations: BTreeSet<String>,
    /// Keywords that need quoting as identifiers (everything but unreserved ones).
    #[serde(skip)]
    keywords: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub oid: u32,
    pub name: String,
    /// `r` ordinary, `p` partitioned.
    pub relkind: String,
    /// `p` permanent, `u` unlogged.
    pub persistence: String,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub triggers: Vec<Trigger>,
    pub reloptions: Vec<String>,
    pub comment: Option<String>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
    /// The planner's estimate (`reltuples`), for plans and progress; never used as a count.
    pub estimated_rows: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    pub num: i16,
    /// `format_type` output, e.g. `character varying(50)`.
    pub type_sql: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// A quoted collation name when it differs from the type's default.
    pub collation: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<String>,
    /// The expression of a stored generated column.
    pub generated: Option<String>,
    pub comment: Option<String>,
    /// Sequences the column's default or identity uses.
    pub sequences: Vec<Sequence>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    /// How the sequence appears in a default expression (`seq::regclass::text`).
    pub regclass_text: String,
    /// The sequence belongs to the column (serial / OWNED BY / identity).
    pub owned: bool,
    pub identity: bool,
    pub type_sql: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    pub name: String,
    /// `p` primary key, `u` unique, `c` check, `f` foreign key, `x` exclusion.
    pub kind: String,
    /// `pg_get_constraintdef` output.
    pub def: String,
    pub validated: bool,
    pub columns: Vec<String>,
    /// For foreign keys: the referenced table and columns.
    pub ref_table: Option<String>,
    pub ref_schema: Option<String>,
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub name: String,
    /// `pg_get_indexdef` output.
    pub def: String,
    pub unique: bool,
    /// The index exists to back a primary key, unique or exclusion constraint.
    pub constraint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub name: String,
    /// `pg_get_triggerdef` output.
    pub def: String,
    pub function: String,
    pub enabled: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    pub command: String,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Quoted role name, or `PUBLIC`.
    pub grantee: String,
    pub privilege: String,
    pub grantable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub schema: String,
    pub name: String,
    /// `v` view, `m` materialized view.
    pub relkind: String,
    /// `pg_get_viewdef` output (the SELECT).
    pub definition: String,
    /// Tables of the catalog's schema the view reads (from its rewrite rule's dependencies).
    pub reads: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub schema: String,
    pub name: String,
    /// `oid::regprocedure` text, e.g. `public.update_entity_statistics()`.
    pub signature: String,
    /// `pg_get_functiondef` output.
    pub definition: String,
    /// Tables of the catalog's schema named in the body (whole-word match: bodies are opaque text).
    pub mentions: BTreeSet<String>,
}

impl Catalog {
    /// Reads every table, view and function of `schema` (and functions of other user schemas that
    /// mention its tables).
    pub fn read(client: &mut impl GenericClient, schema: &str) -> Result<Catalog> {
        let keywords = client
            .query(
                "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
                &[],
            )
            .context("reading keywords")?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        let mut tables = read_tables(client, schema).context("reading tables")?;
        read_columns(client, schema, &mut tables).context("reading columns")?;
        read_sequences(client, schema, &mut tables).context("reading column sequences")?;
        read_constraints(client, schema, &mut tables).context("reading constraints")?;
        read_indexes(client, schema, &mut tables).context("reading indexes")?;
        read_triggers(client, schema, &mut tables).context("reading triggers")?;
        read_policies(client, schema, &mut tables)
            .context("reading row-level security policies")?;
        let views = read_views(client, schema).context("reading views")?;
        let names: BTreeSet<String> = tables.values().map(|t| t.name.clone()).collect();
        let functions = read_functions(client, &names).context("reading functions")?;
        let tables = tables.into_values().map(|t| (t.name.clone(), t)).collect();
        let relations = client
            .query(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1",
                &[&schema],
            )
            .context("reading relation names")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(Catalog {
            schema: schema.to_string(),
            tables,
            views,
            functions,
            relations,
            keywords,
        })
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Quotes an identifier exactly as PostgreSQL's `quote_ident` would.
    pub fn quote(&self, ident: &str) -> String {
        let simple = ident
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && ident
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
        if simple && !self.keywords.contains(ident) {
            ident.to_string()
        } else {
            format!("\"{}\"", ident.replace('"', "\"\""))
        }
    }

    /// `schema.table`, quoted.
    pub fn qualified(&self, name: &str) -> String {
        format!("{}.{}", self.quote(&self.schema), self.quote(name))
    }

    /// Views that read any of `tables`.
    pub fn views_reading<'a>(
        &'a self,
        tables: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = &'a View> + 'a {
        self.views
            .iter()
            .filter(move |v| v.reads.iter().any(|t| tables.contains(t)))
    }

    /// Functions whose bodies name any of `tables`.
    pub fn functions_mentioning<'a>(
        &'a self,
        tables: &'a BTreeSet<String>,
    ) -> impl Iterator<Item = &'a Function> + 'a {
        self.functions
            .iter()
            .filter(move |f| f.mentions.iter().any(|t| tables.contains(t)))
    }
}

fn read_tables(c: &mut impl GenericClient, schema: &str) -> Result<BTreeMap<u32, Table>> {
    let rows = c.query(
        "SELECT c.oid, c.relname::text, c.relkind::text, c.relpersistence::text,
                coalesce(c.reloptions, '{}')::text[], obj_description(c.oid, 'pg_class'),
                c.relrowsecurity, c.relforcerowsecurity, greatest(c.reltuples, 0)::bigint,
                coalesce((SELECT array_agg(
                    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
                    || '|' || a.privilege_type || '|' || a.is_grantable::text ORDER BY 1)
                  FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner), '{}')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition",
        &[&schema],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let oid: u32 = r.get(0);
            let grants: Vec<String> = r.get(9);
            let grants = grants
                .iter()
                .filter_map(|g| {
                    let mut p = g.splitn(3, '|');
                    Some(Grant {
                        grantee: p.next()?.to_string(),
                        privilege: p.next()?.to_string(),
                        grantable: p.next()? == "true",
                    })
                })
                .collect();
            (
                oid,
                Table {
                    oid,
                    name: r.get(1),
                    relkind: r.get(2),
                    persistence: r.get(3),
                    columns: vec![],
                    constraints: vec![],
                    indexes: vec![],
                    triggers: vec![],
                    reloptions: r.get(4),
                    comment: r.get(5),
                    rls_enabled: r.get(6),
                    rls_forced: r.get(7),
                    policies: vec![],
                    grants,
                    estimated_rows: r.get(8),
                },
            )
        })
        .collect())
}

fn read_columns(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT a.attrelid, a.attname::text, a.attnum, format_type(a.atttypid, a.atttypmod),
                a.attnotnull,
                CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                     THEN quote_ident(co.collname) END,
                nullif(a.attidentity, '')::text,
                CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                col_description(a.attrelid, a.attnum)
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_collation co ON co.oid = a.attcollation
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attrelid, a.attnum",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.columns.push(Column {
                name: r.get(1),
                num: r.get(2),
                type_sql: r.get(3),
                not_null: r.get(4),
                default: r.get(5),
                collation: r.get(6),
                identity: r.get(7),
                generated: r.get(8),
                comment: r.get(9),
                sequences: vec![],
            });
        }
    }
    Ok(())
}

fn read_sequences(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    // A default's nextval() depends on its sequence through pg_attrdef (deptype n); an owned
    // sequence (serial, OWNED BY) depends on the column (a); an identity sequence too (i).
    let rows = c.query(
        "WITH refs AS (
           SELECT ad.adrelid AS rel, ad.adnum AS col, d.refobjid AS seq, false AS via_owner
           FROM pg_depend d JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
           WHERE d.refclassid = 'pg_class'::regclass
           UNION
           SELECT d.refobjid, d.refobjsubid, d.objid, true
           FROM pg_depend d
           WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
             AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0)
         SELECT r.rel, r.col, sn.nspname::text, s.relname::text, r.seq::regclass::text,
                bool_or(r.via_owner), bool_or(dep.deptype = 'i'),
                format_type(sq.seqtypid, NULL), sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax,
                sq.seqcache, sq.seqcycle
         FROM refs r
         JOIN pg_class s ON s.oid = r.seq AND s.relkind = 'S'
         JOIN pg_namespace sn ON sn.oid = s.relnamespace
         JOIN pg_sequence sq ON sq.seqrelid = s.oid
         JOIN pg_class t ON t.oid = r.rel
         JOIN pg_namespace tn ON tn.oid = t.relnamespace
         LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = s.oid
              AND dep.refobjid = r.rel AND dep.refobjsubid = r.col AND dep.deptype IN ('a', 'i')
         WHERE tn.nspname = $1
         GROUP BY 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14
         ORDER BY 1, 2, 4",
        &[&schema],
    )?;
    for r in rows {
        let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) else {
            continue;
        };
        let num: i32 = r.get(1);
        if let Some(col) = t.columns.iter_mut().find(|c| i32::from(c.num) == num) {
            col.sequences.push(Sequence {
                schema: r.get(2),
                name: r.get(3),
                regclass_text: r.get(4),
                owned: r.get(5),
                identity: r.get::<_, Option<bool>>(6).unwrap_or(false),
                type_sql: r.get(7),
                start: r.get(8),
                increment: r.get(9),
                min: r.get(10),
                max: r.get(11),
                cache: r.get(12),
                cycle: r.get(13),
            });
        }
    }
    Ok(())
}

fn read_constraints(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT con.conrelid, con.conname::text, con.contype::text, pg_get_constraintdef(con.oid),
                con.convalidated,
                coalesce((SELECT array_agg(a.attname::text ORDER BY k.i)
                          FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n), '{}'),
                rt.relname::text, rn.nspname::text,
                coalesce((SELECT array_agg(a.attname::text ORDER BY k.i)
                          FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n), '{}')
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class rt ON rt.oid = con.confrelid
         LEFT JOIN pg_namespace rn ON rn.oid = rt.relnamespace
         WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'c', 'f', 'x')
         ORDER BY con.conrelid, con.contype, con.conname",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.constraints.push(Constraint {
                name: r.get(1),
                kind: r.get(2),
                def: r.get(3),
                validated: r.get(4),
                columns: r.get(5),
                ref_table: r.get(6),
                ref_schema: r.get(7),
                ref_columns: r.get(8),
            });
        }
    }
    Ok(())
}

fn read_indexes(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT i.indrelid, ic.relname::text, pg_get_indexdef(i.indexrelid), i.indisunique,
                (SELECT con.conname::text FROM pg_constraint con
                 WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                   AND con.contype IN ('p', 'u', 'x'))
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         ORDER BY i.indrelid, ic.relname",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.indexes.push(Index {
                name: r.get(1),
                def: r.get(2),
                unique: r.get(3),
                constraint: r.get(4),
            });
        }
    }
    Ok(())
}

fn read_triggers(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT tg.tgrelid, tg.tgname::text, pg_get_triggerdef(tg.oid), tg.tgfoid::regprocedure::text,
                tg.tgenabled::text
         FROM pg_trigger tg
         JOIN pg_class c ON c.oid = tg.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND NOT tg.tgisinternal
         ORDER BY tg.tgrelid, tg.tgname",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.triggers.push(Trigger {
                name: r.get(1),
                def: r.get(2),
                function: r.get(3),
                enabled: r.get(4),
            });
        }
    }
    Ok(())
}

fn read_policies(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT p.polrelid, p.polname::text, p.polpermissive,
                CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                coalesce((SELECT array_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                           ELSE quote_ident(pg_get_userbyid(r)) END ORDER BY 1)
                          FROM unnest(p.polroles) r), '{}'),
                pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
         FROM pg_policy p
         JOIN pg_class c ON c.oid = p.polrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         ORDER BY p.polrelid, p.polname",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.policies.push(Policy {
                name: r.get(1),
                permissive: r.get(2),
                command: r.get(3),
                roles: r.get(4),
                using: r.get(5),
                with_check: r.get(6),
            });
        }
    }
    Ok(())
}

fn read_views(c: &mut impl GenericClient, schema: &str) -> Result<Vec<View>> {
    let rows = c.query(
        "SELECT vn.nspname::text, v.relname::text, v.relkind::text, pg_get_viewdef(v.oid, true),
                coalesce(array_agg(DISTINCT t.relname::text)
                         FILTER (WHERE t.relkind IN ('r', 'p') AND tn.nspname = $1), '{}')
         FROM pg_class v
         JOIN pg_namespace vn ON vn.oid = v.relnamespace
         LEFT JOIN pg_rewrite rw ON rw.ev_class = v.oid
         LEFT JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
              AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
         LEFT JOIN pg_class t ON t.oid = d.refobjid
         LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE v.relkind IN ('v', 'm')
           AND vn.nspname NOT IN ('pg_catalog', 'information_schema', 'ra_migrate')
           AND vn.nspname NOT LIKE 'pg_toast%'
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 2",
        &[&schema],
    )?;
    Ok(rows
        .iter()
        .map(|r| View {
            schema: r.get(0),
            name: r.get(1),
            relkind: r.get(2),
            definition: r.get(3),
            reads: r.get::<_, Vec<String>>(4).into_iter().collect(),
        })
        .collect())
}

fn read_functions(c: &mut impl GenericClient, tables: &BTreeSet<String>) -> Result<Vec<Function>> {
    // Bodies are opaque to the catalog's dependency tracking, so a whole-word match on the text is
    // the best available evidence; extension-owned functions are not the operator's to change.
    let rows = c.query(
        "SELECT n.nspname::text, p.proname::text, p.oid::regprocedure::text, pg_get_functiondef(p.oid),
                p.prosrc
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'ra_migrate')
           AND n.nspname NOT LIKE 'pg_toast%' AND p.prokind IN ('f', 'p')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                           AND d.objid = p.oid AND d.deptype = 'e')
         ORDER BY 1, 3",
        &[],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let body: String = r.get(4);
            let mentions = mentioned_tables(&body, tables);
            (!mentions.is_empty()).then(|| Function {
                schema: r.get(0),
                name: r.get(1),
                signature: r.get(2),
                definition: r.get(3),
                mentions,
            })
        })
        .collect())
}

/// Names of `tables` that occur in `text` as whole words (case-insensitive, as unquoted SQL is).
pub fn mentioned_tables(text: &str, tables: &BTreeSet<String>) -> BTreeSet<String> {
    let lower = text.to_lowercase();
    let words: BTreeSet<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .collect();
    tables
        .iter()
        .filter(|t| words.contains(t.as_str()))
        .cloned()
        .collect()
}
