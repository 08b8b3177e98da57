//! Reads the live catalog: tables with their columns, constraints, indexes, triggers, sequences and
//! privileges, plus the views and functions that mention them. This is the observed layout; the
//! intended layout is built from it by `ddl` and never shares these types.
//!
//! Every query here is set-based over one schema: a fixed number of round trips, whatever the number
//! of tables.

use anyhow::{Context, Result};
use postgres::GenericClient;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

mod canonical;
use canonical::canonicalize;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub schema: String,
    pub tables: BTreeMap<String, Table>,
    pub views: Vec<View>,
    pub functions: Vec<Function>,
    /// Every relation name in the schema (tables, indexes, sequences, views): names a new object
    /// must not take.
    pub relations: BTreeSet<String>,
    /// The connected role (quoted): the owner of whatever the tool creates.
    pub current_user: String,
    /// The privileges a table the current role creates in the schema gets at once: the built-in
    /// default, replaced by a global `ALTER DEFAULT PRIVILEGES` and extended by the schema's.
    pub new_table_acl: Vec<AclItem>,
    /// The same for a sequence.
    pub new_sequence_acl: Vec<AclItem>,
    /// Publications that take every table of the schema without listing it (`FOR ALL TABLES`,
    /// `FOR TABLES IN SCHEMA`), described as `name (FOR ALL TABLES)`: a twin joins them when it
    /// is created, and an archived table cannot leave them.
    pub implicit_publications: Vec<String>,
    /// Roles (quoted) the connected role may act as (`SET ROLE`): every role for a superuser.
    pub roles_held: BTreeSet<String>,
    /// Keywords that need quoting as identifiers (everything but unreserved ones): kept with a
    /// catalog written out (a planner's facts), as quoting depends on the server that was read.
    keywords: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Quoted owner role.
    pub owner: String,
    /// The current role may give a table this owner (superuser, or a member of the owner role).
    pub owner_settable: bool,
    /// The owner may create in the schema, as PostgreSQL requires of a new owner unless a
    /// superuser gives the table (or the owner is the current role, and nothing is given).
    pub owner_may_create: bool,
    /// Every privilege on the table, the owner's own included (`acldefault` when `relacl` is null).
    pub acl: Vec<AclItem>,
    /// Column-level privileges: (column, item).
    pub column_acl: Vec<(String, AclItem)>,
    /// `relreplident`: `d` default, `n` nothing, `f` full, `i` index.
    pub replica_identity: String,
    /// The index of `REPLICA IDENTITY USING INDEX`.
    pub replica_index: Option<String>,
    /// Publications that list the table explicitly.
    pub publications: Vec<Publication>,
    /// The planner's estimate (`reltuples`), for plans and progress; never used as a count.
    pub estimated_rows: i64,
    /// Extended statistics objects (`CREATE STATISTICS`) on the table.
    pub statistics: Vec<Statistics>,
}

/// An extended statistics object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statistics {
    pub name: String,
    /// `pg_get_statisticsobjdef` output.
    pub def: String,
    /// `ALTER STATISTICS ... SET STATISTICS` (absent: the default target).
    pub stat_target: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// `default` / `generated` parsed and deparsed again (see `canonicalize`).
    pub canonical_default: Option<String>,
    pub canonical_generated: Option<String>,
    /// Sequences the column's default or identity uses.
    pub sequences: Vec<Sequence>,
    /// `ALTER COLUMN ... SET STATISTICS` (absent: the default target).
    pub stat_target: Option<i32>,
    /// `ALTER COLUMN ... SET STORAGE`, when it differs from the type's: `PLAIN`, `EXTERNAL`,
    /// `EXTENDED` or `MAIN`.
    pub storage: Option<String>,
    /// Attribute options (`n_distinct=100`, `n_distinct_inherited=...`), as `pg_attribute` keeps them.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
    /// Every privilege on the sequence, the owner's own included.
    pub acl: Vec<AclItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// `def` as PostgreSQL deparses it after parsing it again (see `canonicalize`).
    pub canonical: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    /// `pg_get_indexdef` output.
    pub def: String,
    pub unique: bool,
    /// The index exists to back a primary key, unique or exclusion constraint.
    pub constraint: Option<String>,
    /// What follows `USING ` in `def`, parsed and deparsed again (see `canonicalize`).
    pub canonical: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// `pg_get_triggerdef` output.
    pub def: String,
    pub function: String,
    pub enabled: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    pub command: String,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    /// `using` and `with_check` parsed and deparsed again (see `canonicalize`).
    pub canonical_using: Option<String>,
    pub canonical_with_check: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Quoted role name, or `PUBLIC`.
    pub grantee: String,
    pub privilege: String,
    pub grantable: bool,
}

/// One entry of an ACL, as `aclexplode` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct AclItem {
    /// Quoted role name, or `PUBLIC`.
    pub grantee: String,
    pub privilege: String,
    pub grantable: bool,
    /// Quoted role name.
    pub grantor: String,
}

/// A publication's explicit membership of a table (`pg_publication_rel`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Publication {
    /// Quoted publication name.
    pub name: String,
    /// The published columns, when the publication lists them (PostgreSQL 15+).
    pub columns: Option<Vec<String>>,
    /// The row filter (`pg_get_expr` of `prqual`).
    pub row_filter: Option<String>,
    /// `row_filter` parsed and deparsed again (see `canonicalize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_row_filter: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
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
        read_column_acl(client, schema, &mut tables).context("reading column privileges")?;
        read_publications(client, schema, &mut tables).context("reading publications")?;
        read_statistics(client, schema, &mut tables).context("reading extended statistics")?;
        let current_user: String = client
            .query_one("SELECT quote_ident(current_user::text)", &[])
            .context("reading the current role")?
            .get(0);
        let new_table_acl = read_new_acl(client, schema, "r")
            .context("reading the schema's default privileges for tables")?;
        let new_sequence_acl = read_new_acl(client, schema, "S")
            .context("reading the schema's default privileges for sequences")?;
        let roles_held = client
            .query(
                "SELECT quote_ident(rolname::text) FROM pg_roles
                 WHERE pg_has_role(current_user, oid, 'MEMBER')",
                &[],
            )
            .context("reading the roles the current role may act as")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let implicit_publications = read_implicit_publications(client, schema)
            .context("reading publications of all tables or of the schema")?;
        canonicalize(client, &mut tables);
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
            current_user,
            new_table_acl,
            new_sequence_acl,
            implicit_publications,
            roles_held,
            keywords,
        })
    }

    /// Whether the connected role may act as `role` (quoted), to make a grant in its name.
    pub fn may_act_as(&self, role: &str) -> bool {
        self.roles_held.contains(role)
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Quotes an identifier exactly as PostgreSQL's `quote_ident` would.
    pub fn quote(&self, ident: &str) -> String {
        if crate::schema::quote::is_plain(ident) && !self.keywords.contains(ident) {
            ident.to_string()
        } else {
            crate::schema::quote::ident(ident)
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
    let sql = "SELECT c.oid, c.relname::text, c.relkind::text, c.relpersistence::text,
                coalesce(c.reloptions, '{}')::text[], obj_description(c.oid, 'pg_class'),
                c.relrowsecurity, c.relforcerowsecurity, greatest(c.reltuples, 0)::bigint,
                coalesce((SELECT array_agg(
                    CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
                    || '|' || a.privilege_type || '|' || a.is_grantable::text ORDER BY 1)
                  FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner), '{}'),
                quote_ident(pg_get_userbyid(c.relowner)),
                pg_has_role(current_user, c.relowner, 'MEMBER'),
                coalesce((SELECT array_agg(ACL_ITEM_SQL ORDER BY 1)
                  FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a), '{}'),
                c.relreplident::text,
                (SELECT ic.relname::text FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                 WHERE i.indrelid = c.oid AND i.indisreplident),
                c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                  OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                  OR has_schema_privilege(c.relowner, n.oid, 'CREATE')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        .replace("ACL_ITEM_SQL", ACL_ITEM_SQL);
    let rows = c.query(&sql, &[&schema])?;
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
                    owner: r.get(10),
                    owner_settable: r.get(11),
                    owner_may_create: r.get(15),
                    acl: r
                        .get::<_, Vec<String>>(12)
                        .iter()
                        .filter_map(|a| acl_item(a))
                        .collect(),
                    column_acl: vec![],
                    replica_identity: r.get(13),
                    replica_index: r.get(14),
                    publications: vec![],
                    estimated_rows: r.get(8),
                    statistics: vec![],
                },
            )
        })
        .collect())
}

/// One `aclexplode` row as text: grantee, privilege, grantable and grantor, separated by a unit
/// separator (no role name contains one).
const ACL_ITEM_SQL: &str =
    "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END
    || chr(31) || a.privilege_type || chr(31) || a.is_grantable::text
    || chr(31) || quote_ident(pg_get_userbyid(a.grantor))";

fn acl_item(text: &str) -> Option<AclItem> {
    let mut p = text.split('\u{1f}');
    Some(AclItem {
        grantee: p.next()?.to_string(),
        privilege: p.next()?.to_string(),
        grantable: p.next()? == "true",
        grantor: p.next()?.to_string(),
    })
}

fn read_column_acl(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let sql = "SELECT t.attrelid, t.attname::text, ACL_ITEM_SQL
         FROM pg_attribute t
         JOIN pg_class c ON c.oid = t.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL aclexplode(t.attacl) a
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND t.attnum > 0 AND NOT t.attisdropped
         ORDER BY 1, t.attnum, 3"
        .replace("ACL_ITEM_SQL", ACL_ITEM_SQL);
    for r in c.query(&sql, &[&schema])? {
        if let (Some(t), Some(item)) = (
            tables.get_mut(&r.get::<_, u32>(0)),
            acl_item(&r.get::<_, String>(2)),
        ) {
            t.column_acl.push((r.get(1), item));
        }
    }
    Ok(())
}

fn read_publications(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let version: i32 = c
        .query_one("SELECT current_setting('server_version_num')::int", &[])?
        .get(0);
    // Column lists and row filters exist from PostgreSQL 15.
    let (columns, filter) = if version >= 150000 {
        (
            "CASE WHEN pr.prattrs IS NOT NULL THEN (SELECT array_agg(a.attname::text ORDER BY k.i)
                  FROM unnest(pr.prattrs::int2[]) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.n) END",
            "pg_get_expr(pr.prqual, pr.prrelid)",
        )
    } else {
        ("NULL::text[]", "NULL::text")
    };
    let sql = format!(
        "SELECT pr.prrelid, quote_ident(p.pubname::text), {columns}, {filter}
         FROM pg_publication_rel pr
         JOIN pg_publication p ON p.oid = pr.prpubid
         JOIN pg_class c ON c.oid = pr.prrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         ORDER BY pr.prrelid, p.pubname"
    );
    for r in c.query(&sql, &[&schema])? {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.publications.push(Publication {
                name: r.get(1),
                columns: r.get(2),
                row_filter: r.get(3),
                canonical_row_filter: None,
            });
        }
    }
    Ok(())
}

fn read_implicit_publications(c: &mut impl GenericClient, schema: &str) -> Result<Vec<String>> {
    let version: i32 = c
        .query_one("SELECT current_setting('server_version_num')::int", &[])?
        .get(0);
    // `FOR TABLES IN SCHEMA` exists from PostgreSQL 15.
    let in_schema = if version >= 150000 {
        "UNION ALL
         SELECT quote_ident(p.pubname::text) || ' (FOR TABLES IN SCHEMA ' || quote_ident(n.nspname::text) || ')'
         FROM pg_publication p
         JOIN pg_publication_namespace pn ON pn.pnpubid = p.oid
         JOIN pg_namespace n ON n.oid = pn.pnnspid
         WHERE n.nspname = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT quote_ident(pubname::text) || ' (FOR ALL TABLES)' FROM pg_publication
         WHERE puballtables AND $1::text IS NOT NULL
         {in_schema}
         ORDER BY 1"
    );
    Ok(c.query(&sql, &[&schema])?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

fn read_statistics(
    c: &mut impl GenericClient,
    schema: &str,
    tables: &mut BTreeMap<u32, Table>,
) -> Result<()> {
    let rows = c.query(
        "SELECT s.stxrelid, s.stxname::text, pg_get_statisticsobjdef(s.oid),
                CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::int END
         FROM pg_statistic_ext s
         JOIN pg_class c ON c.oid = s.stxrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1
         ORDER BY s.stxrelid, s.stxname",
        &[&schema],
    )?;
    for r in rows {
        if let Some(t) = tables.get_mut(&r.get::<_, u32>(0)) {
            t.statistics.push(Statistics {
                name: r.get(1),
                def: r.get(2),
                stat_target: r.get(3),
            });
        }
    }
    Ok(())
}

/// `kind`: `r` tables, `S` sequences (`pg_default_acl.defaclobjtype`).
fn read_new_acl(c: &mut impl GenericClient, schema: &str, kind: &str) -> Result<Vec<AclItem>> {
    // A global entry replaces the built-in default; a schema's entry adds to it.
    let sql = "WITH me AS (SELECT oid FROM pg_roles WHERE rolname = current_user)
         SELECT ACL_ITEM_SQL FROM aclexplode(
           coalesce((SELECT d.defaclacl FROM pg_default_acl d, me
                     WHERE d.defaclrole = me.oid AND d.defaclnamespace = 0
                       AND d.defaclobjtype = $2::text::\"char\"),
                    acldefault(lower($2)::\"char\", (SELECT oid FROM me)))
           || coalesce((SELECT d.defaclacl FROM pg_default_acl d
                        JOIN pg_namespace n ON n.oid = d.defaclnamespace, me
                        WHERE d.defaclrole = me.oid AND n.nspname = $1
                          AND d.defaclobjtype = $2::text::\"char\"),
                       '{}'::aclitem[])) a
         ORDER BY 1"
        .replace("ACL_ITEM_SQL", ACL_ITEM_SQL);
    Ok(c.query(&sql, &[&schema, &kind])?
        .iter()
        .filter_map(|r| acl_item(&r.get::<_, String>(0)))
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
                col_description(a.attrelid, a.attnum),
                CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::int END,
                CASE WHEN a.attstorage <> t.typstorage THEN
                     CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL'
                                       WHEN 'x' THEN 'EXTENDED' WHEN 'm' THEN 'MAIN' END END,
                coalesce(a.attoptions, '{}')::text[]
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
                canonical_default: None,
                canonical_generated: None,
                sequences: vec![],
                stat_target: r.get(10),
                storage: r.get(11),
                options: r.get(12),
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
    let sql = "WITH refs AS (
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
                sq.seqcache, sq.seqcycle,
                coalesce((SELECT array_agg(ACL_ITEM_SQL ORDER BY 1)
                  FROM aclexplode(coalesce(s.relacl, acldefault('s', s.relowner))) a), '{}')
         FROM refs r
         JOIN pg_class s ON s.oid = r.seq AND s.relkind = 'S'
         JOIN pg_namespace sn ON sn.oid = s.relnamespace
         JOIN pg_sequence sq ON sq.seqrelid = s.oid
         JOIN pg_class t ON t.oid = r.rel
         JOIN pg_namespace tn ON tn.oid = t.relnamespace
         LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = s.oid
              AND dep.refobjid = r.rel AND dep.refobjsubid = r.col AND dep.deptype IN ('a', 'i')
         WHERE tn.nspname = $1
         GROUP BY 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15
         ORDER BY 1, 2, 4"
        .replace("ACL_ITEM_SQL", ACL_ITEM_SQL);
    let rows = c.query(&sql, &[&schema])?;
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
                acl: r
                    .get::<_, Vec<String>>(14)
                    .iter()
                    .filter_map(|a| acl_item(a))
                    .collect(),
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
                          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n), '{}'),
                obj_description(con.oid, 'pg_constraint')
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
                canonical: None,
                comment: r.get(9),
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
                   AND con.contype IN ('p', 'u', 'x')),
                obj_description(i.indexrelid, 'pg_class')
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
                canonical: None,
                comment: r.get(5),
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
                canonical_using: None,
                canonical_with_check: None,
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
