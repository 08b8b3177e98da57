//! What the schema needs from outside itself, reproduced in the copy: the production role, the
//! roles its privileges name, its extensions, and the publications that publish its tables.

use crate::schema::catalog::Catalog;
use crate::schema::quote;
use anyhow::{Context, Result};
use postgres::Client;
use std::collections::BTreeSet;

/// The copy's own superuser when the production role is not one.
pub(super) const REHEARSAL_ADMIN: &str = "ra_rehearsal_admin";

/// The role the tool connects to the source as: its attributes, the roles it is a member of
/// (directly or through others) and what it may do with the database.
pub(super) struct ProductionRole {
    pub(super) name: String,
    pub(super) superuser: bool,
    /// `CREATEROLE`, `NOINHERIT` ... as `CREATE ROLE` takes them.
    pub(super) attributes: Vec<&'static str>,
    /// (role, member, admin option) for every membership above the production role.
    pub(super) memberships: Vec<(String, String, bool)>,
    pub(super) owns_database: bool,
    pub(super) creates_in_database: bool,
}

impl ProductionRole {
    pub(super) fn read(source: &mut Client) -> Result<ProductionRole> {
        let r = source
            .query_one(
                "SELECT r.rolname::text, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
                        r.rolreplication, r.rolbypassrls, d.datdba = r.oid,
                        has_database_privilege(r.oid, d.oid, 'CREATE')
                 FROM pg_roles r, pg_database d
                 WHERE r.rolname = current_user AND d.datname = current_database()",
                &[],
            )
            .context("reading the role the source is read as")?;
        let attributes = [
            (2, "INHERIT", "NOINHERIT"),
            (3, "CREATEROLE", "NOCREATEROLE"),
            (4, "CREATEDB", "NOCREATEDB"),
            (5, "REPLICATION", "NOREPLICATION"),
            (6, "BYPASSRLS", "NOBYPASSRLS"),
        ]
        .into_iter()
        .map(|(i, yes, no)| if r.get::<_, bool>(i) { yes } else { no })
        .collect();
        let memberships = source
            .query(
                "WITH RECURSIVE up(roleid, member, admin) AS (
                     SELECT m.roleid, m.member, m.admin_option FROM pg_auth_members m
                     WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                     UNION
                     SELECT m.roleid, m.member, m.admin_option FROM pg_auth_members m
                     JOIN up ON m.member = up.roleid)
                 SELECT pg_get_userbyid(roleid)::text, pg_get_userbyid(member)::text, admin
                 FROM up ORDER BY 1, 2",
                &[],
            )
            .context("reading the roles the source's role is a member of")?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        Ok(ProductionRole {
            name: r.get(0),
            superuser: r.get(1),
            attributes,
            memberships,
            owns_database: r.get(7),
            creates_in_database: r.get(8),
        })
    }

    pub(super) fn describe(&self) -> String {
        let mut parts = vec![self.attributes.join(" ")];
        let direct: Vec<&str> = self
            .memberships
            .iter()
            .filter(|(_, member, _)| member == &self.name)
            .map(|(role, _, _)| role.as_str())
            .collect();
        if !direct.is_empty() {
            parts.push(format!("member of {}", direct.join(", ")));
        }
        if self.owns_database {
            parts.push("owns the database".into());
        } else if self.creates_in_database {
            parts.push("may create schemas".into());
        }
        parts.join("; ")
    }

    /// Creates the role in the copy (after [`prerequisites`], which creates the roles the
    /// schema names, before the schema is loaded): same attributes, `LOGIN`, the same
    /// memberships, the same rights on the database. A superuser is left to the copy's own.
    pub(super) fn reproduce(&self, target: &mut Client, database: &str) -> Result<()> {
        if self.superuser {
            return Ok(());
        }
        let q = quote::ident(&self.name);
        let mut roles: BTreeSet<&str> = self
            .memberships
            .iter()
            .flat_map(|(r, m, _)| [r.as_str(), m.as_str()])
            .collect();
        roles.insert(&self.name);
        for role in roles {
            target
                .batch_execute(&format!(
                    "DO $$ BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
                    quote::ident(role)
                ))
                .with_context(|| format!("creating role {role} in the copy"))?;
        }
        let mut sql = format!(
            "ALTER ROLE {q} LOGIN NOSUPERUSER {};",
            self.attributes.join(" ")
        );
        for (role, member, admin) in &self.memberships {
            sql.push_str(&format!(
                "GRANT {} TO {}{};",
                quote::ident(role),
                quote::ident(member),
                if *admin { " WITH ADMIN OPTION" } else { "" }
            ));
        }
        if self.owns_database {
            sql.push_str(&format!(
                "ALTER DATABASE {} OWNER TO {q};",
                quote::ident(database)
            ));
        } else if self.creates_in_database {
            sql.push_str(&format!(
                "GRANT CREATE ON DATABASE {} TO {q};",
                quote::ident(database)
            ));
        }
        target
            .batch_execute(&sql)
            .with_context(|| format!("reproducing role {} in the copy: {sql}", self.name))
    }
}

/// Every role the schema's privileges (tables, columns, sequences, functions, the schema itself),
/// default privileges, policies and owners name, with whether it bypasses row-level security.
pub(super) const NAMED_ROLES: &str = "WITH acls AS (
       SELECT c.relacl AS acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1
       UNION ALL
       SELECT a.attacl FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND a.attacl IS NOT NULL
       UNION ALL
       SELECT p.proacl FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1
       UNION ALL
       SELECT nspacl FROM pg_namespace WHERE nspname = $1
       UNION ALL
       SELECT d.defaclacl FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
       WHERE n.nspname = $1 OR d.defaclnamespace = 0),
     named AS (
       SELECT x.grantee AS r FROM acls, aclexplode(acls.acl) x
       UNION SELECT x.grantor FROM acls, aclexplode(acls.acl) x
       UNION SELECT d.defaclrole FROM pg_default_acl d
             LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
             WHERE n.nspname = $1 OR d.defaclnamespace = 0
       UNION SELECT unnest(p.polroles) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
       UNION SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1
       UNION SELECT p.proowner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = $1
       UNION SELECT pubowner FROM pg_publication)
     SELECT DISTINCT ro.rolname::text, ro.rolbypassrls, ro.rolsuper FROM named
     JOIN pg_roles ro ON ro.oid = named.r
     ORDER BY 1";

/// What the dump needs but does not carry: the roles its grants, default privileges and policies
/// name, extensions (a dump limited to one schema leaves them out). Returns what could not be
/// provided, for the operator.
pub(super) fn prerequisites(
    source: &mut Client,
    target: &mut Client,
    schema: &str,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    let roles: Vec<(String, bool, bool)> = source
        .query(NAMED_ROLES, &[&schema])
        .context("reading the roles the source's privileges and policies name")?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (role, bypass, superuser) in roles {
        let exists: bool = target
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                &[&role],
            )?
            .get(0);
        if !exists {
            // Bypassing row-level security changes what a role's writes do: it comes along.
            // A superuser owner ignores row-level security and may do anything: so in the copy.
            let bypass = match (superuser, bypass) {
                (true, _) => " SUPERUSER",
                (false, true) => " BYPASSRLS",
                _ => "",
            };
            target
                .batch_execute(&format!(
                    "CREATE ROLE {} NOLOGIN{bypass}",
                    quote::ident(&role)
                ))
                .with_context(|| {
                    format!("creating role {role} (named by the source's privileges or policies) in the copy")
                })?;
        }
    }
    let extensions: Vec<(String, String)> = source
        .query(
            "SELECT e.extname::text, n.nspname::text FROM pg_extension e
             JOIN pg_namespace n ON n.oid = e.extnamespace
             WHERE e.extname <> 'plpgsql' ORDER BY 1",
            &[],
        )
        .context("reading the source's extensions")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (ext, ns) in extensions {
        let available: bool = target
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = $1)",
                &[&ext],
            )?
            .get(0);
        if !available {
            notes.push(format!(
                "extension {ext} is not installed on this machine: objects of {schema} that use it will fail to load"
            ));
            continue;
        }
        let sql = format!(
            "CREATE SCHEMA IF NOT EXISTS {ns_q}; CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {ns_q}",
            quote::ident(&ext),
            ns_q = quote::ident(&ns)
        );
        if let Err(e) = target.batch_execute(&sql) {
            notes.push(format!(
                "extension {ext} could not be created in the copy: {e}"
            ));
        }
    }
    Ok(notes)
}

/// A dump limited to one schema leaves publications out: the source's publications that publish
/// tables of the schema (or all tables) are created on the copy with the same options, owner,
/// tables, column lists and row filters, so the archive's hand-over of realtime subscribers is
/// rehearsed too.
pub(super) fn publications(source: &mut Client, cat: &Catalog) -> Result<Vec<String>> {
    // Publications of the schema's tables (`FOR TABLES IN SCHEMA`), by quoted name.
    let in_schema: Vec<String> = cat
        .implicit_publications
        .iter()
        .filter(|p| p.contains(" (FOR TABLES IN SCHEMA "))
        .cloned()
        .collect();
    let rows = source
        .query(
            "SELECT quote_ident(p.pubname::text), p.puballtables, p.pubinsert, p.pubupdate,
                    p.pubdelete, p.pubtruncate, p.pubviaroot,
                    quote_ident(pg_get_userbyid(p.pubowner)::text)
             FROM pg_publication p
             WHERE p.puballtables OR EXISTS (
                 SELECT 1 FROM pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE r.prpubid = p.oid AND n.nspname = $1)
               OR (current_setting('server_version_num')::int >= 150000 AND quote_ident(p.pubname::text) IN (
                 SELECT split_part(x, ' (FOR TABLES IN SCHEMA ', 1) FROM unnest($2::text[]) x))
             ORDER BY 1",
            &[&cat.schema, &in_schema],
        )
        .context("reading the source's publications")?;
    let mut out = Vec::new();
    for r in rows {
        let name: String = r.get(0);
        let publish: Vec<&str> = [(2, "insert"), (3, "update"), (4, "delete"), (5, "truncate")]
            .into_iter()
            .filter(|(i, _)| r.get::<_, bool>(*i))
            .map(|(_, what)| what)
            .collect();
        out.push(format!(
            "CREATE PUBLICATION {name}{} WITH (publish = '{}', publish_via_partition_root = {})",
            if r.get(1) { " FOR ALL TABLES" } else { "" },
            publish.join(", "),
            r.get::<_, bool>(6)
        ));
        out.push(format!(
            "ALTER PUBLICATION {name} OWNER TO {}",
            r.get::<_, String>(7)
        ));
        if in_schema
            .iter()
            .any(|p| p.starts_with(&format!("{name} (FOR TABLES IN SCHEMA ")))
        {
            out.push(format!(
                "ALTER PUBLICATION {name} ADD TABLES IN SCHEMA {}",
                cat.quote(&cat.schema)
            ));
        }
        for t in cat.tables.values() {
            for p in t.publications.iter().filter(|p| p.name == name) {
                out.push(crate::schema::ddl::add_to_publication(
                    cat,
                    p,
                    &cat.qualified(&t.name),
                ));
            }
        }
    }
    Ok(out)
}
