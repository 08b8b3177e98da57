//! `rehearse`: the `demo` sequence on a copy of a real database, so an operator sees their own
//! plan, locks and timings before touching production.
//!
//! The source is only ever read: its session runs with `default_transaction_read_only = on` and
//! issues nothing but catalog reads, `SELECT` and `COPY ... TO STDOUT`; `pg_dump` reads the schema in
//! its own read-only transaction. Everything is written to a throwaway cluster:
//!
//! 1. the schema of `--schema` (`pg_dump --schema-only`), loaded in two sections around the data:
//!    tables first, then indexes, constraints and triggers, so sampled rows load without firing the
//!    source's triggers or tripping over load order. Its surface comes along: owners, grants
//!    (column grants too), the schema's default privileges, row-level security and policies,
//!    publications, so what would stop phase 1 in production stops it here; the roles these name
//!    (created `NOLOGIN`, with `BYPASSRLS` where the source's has it) and the extensions it has are
//!    created first where this machine has them;
//! 2. with `--sample N`, rows that keep every foreign key intact: up to N races, every row of the
//!    non-master tables hanging off them (runners, their odds and statistics ...), up to N rows of
//!    every other table (protected odds tables included), then, until nothing is missing, every
//!    row those rows reference through a declared foreign key or one of the mapping's implicit
//!    relationships (sires/dams/damsires -> horses, pedigrees -> sires ...), all from one
//!    read-only REPEATABLE READ snapshot; the protected odds tables are read one statement each,
//!    outside it, so their workers never wait on the sample. Without `--sample` every table is
//!    copied schema-only. Sequences start where the source's stand;
//! 3. `init`, then the `demo` sequence with its outside writer and the built-in fetchers
//!    (`demo::rehearse`).

use crate::cli::{Global, RehearseArgs};
use crate::pg::db;
use crate::phase::copy::Tuning;
use crate::rehearsal::cluster::{Cluster, ClusterOptions};
use crate::rehearsal::demo::{self, Rehearsal};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{Kind, Mapping};
use crate::state;
use anyhow::{anyhow, bail, ensure, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use postgres::Client;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The unit of the sample: a race, with its runners and everything they reference.
const SEED_TABLE: &str = "ra_races";
/// Rounds of "fetch what is still referenced but missing" before giving up; each round follows one
/// more level of references, and the deepest chain in the plan's layout is three.
const MAX_CLOSURE_ROUNDS: usize = 20;
/// Keys per fetch statement (the keys are inlined: COPY takes no parameters).
const KEYS_PER_STATEMENT: usize = 5_000;
/// How long a read on the source may queue for a lock before it gives up: never long in front of
/// production DDL (and the writers queued behind that).
const SOURCE_LOCK_TIMEOUT: &str = "5s";

pub fn run(g: &Global, args: &RehearseArgs) -> Result<ExitCode> {
    if args.sample == Some(0) {
        bail!("--sample must be at least 1 (leave it out to copy the schema only)");
    }
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let schema = g.schema.as_str();
    let source_label = db::redact_url(&args.from);
    let started = Instant::now();

    let mut source = connect_read_only(&args.from)?;
    println!(
        "source {source_label}: connected read-only (default_transaction_read_only = on for this session); rehearse only reads the source and never writes to it"
    );
    refuse_started_migration(&mut source)?;
    let src_cat = Catalog::read(&mut source, schema)
        .with_context(|| format!("reading the catalog of schema {schema} of the source"))?;
    ensure!(
        mapping.tables.iter().any(|t| src_cat.table(&t.name).is_some()),
        "none of the mapping's tables exists in schema {schema} of the source {source_label}: is this the right database and --schema?"
    );

    let role = ProductionRole::read(&mut source)?;

    println!("starting a throwaway PostgreSQL cluster...");
    let cluster = Cluster::start(&ClusterOptions {
        keep: args.keep,
        // The copy is loaded by a superuser of its own, so that the production role, when it
        // is none, can be reproduced under its own name (on Supabase, `postgres`).
        superuser: (!role.superuser).then(|| REHEARSAL_ADMIN.to_string()),
        ..Default::default()
    })?;
    let url = cluster.create_database("rehearsal", None)?;
    println!(
        "cluster on port {} (data in {})",
        cluster.port(),
        cluster.data_dir().display()
    );
    let mut target = db::connect(&url, "rehearse (copy)")?;
    normalize_session(&mut target, "the copy")?;
    for note in prerequisites(&mut source, &mut target, schema)? {
        println!("note: {note}");
    }
    role.reproduce(&mut target, "rehearsal")?;
    // Every phase runs as the role the tool uses in production, so what that role may not do
    // fails here as it would there.
    let role_url = cluster.url_as(&role.name, "rehearsal");
    if role.superuser {
        println!(
            "the source's role {} is a superuser: so is the rehearsal's",
            role.name
        );
    } else {
        println!(
            "rehearsing as role {} with the source's attributes and memberships ({}), not as a superuser",
            role.name,
            role.describe()
        );
    }

    let t = Instant::now();
    let pg_dump = tool(&cluster, "pg_dump");
    let psql = tool(&cluster, "psql");
    let pre = dump_schema(&pg_dump, &args.from, schema, "pre-data")?;
    let post = dump_schema(&pg_dump, &args.from, schema, "post-data")?;
    load_sql(
        &psql,
        &url,
        &pre,
        "the source's tables (pg_dump --section=pre-data)",
    )?;
    println!(
        "schema of {schema} copied: {} tables ({:.1}s)",
        src_cat.tables.len(),
        t.elapsed().as_secs_f64()
    );

    if let Some(n) = args.sample {
        let t = Instant::now();
        let sample = Sampler::new(&mut source, &mut target, &src_cat, &mapping, n)?
            .run()
            .context("copying a sample of the source")?;
        print!("{}", render_sample(&sample));
        println!(
            "sample of up to {n} races copied: {} rows ({:.1}s)",
            sample.tables.values().map(|s| s.rows).sum::<u64>(),
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("no --sample: every table is copied schema-only");
    }
    copy_sequences(&mut source, &mut target, schema)?;
    let publications = publications(&mut source, &src_cat)?;
    // The production connection is not needed any more: do not hold it through the rehearsal.
    drop(source);

    load_sql(
        &psql,
        &url,
        &post,
        "the source's indexes, constraints and triggers (pg_dump --section=post-data)",
    )?;
    for sql in &publications {
        target
            .batch_execute(sql)
            .with_context(|| format!("copying the source's publications: {sql}"))?;
    }
    target
        .batch_execute("ANALYZE")
        .context("analyzing the copy")?;
    drop(target);
    let mut as_role = db::connect(&role_url, "rehearse (copy, as the production role)")?;
    state::init(&mut as_role, &mapping.protected).with_context(|| {
        format!(
            "installing ra_migrate on the copy as role {} (the role needs CREATE on the database, as it does in production for `init`)",
            role.name
        )
    })?;
    drop(as_role);
    println!(
        "copy ready ({:.1}s); rehearsing every phase with an outside writer...",
        started.elapsed().as_secs_f64()
    );

    let summary = demo::rehearse(&Rehearsal {
        url: &role_url,
        mapping: &mapping,
        schema,
        lock: crate::commands::lock_policy(g),
        tuning: Tuning::default(),
        report_dir: PathBuf::from("reports"),
    })?;
    print!("{}", demo::render_summary(&summary));
    println!("source {source_label} was only read (read-only session); nothing was written to it");
    if args.keep {
        println!("cluster kept running: {role_url}");
    }
    drop(cluster);
    Ok(if summary.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A session on the source that cannot write, with the settings the copy reads text in.
fn connect_read_only(url: &str) -> Result<Client> {
    let mut c = db::connect(url, "rehearse (read-only source)")?;
    c.batch_execute(&format!(
        "SET default_transaction_read_only = on; SET lock_timeout = '{SOURCE_LOCK_TIMEOUT}'"
    ))
    .context("making the source session read-only")?;
    let ro: String = c
        .query_one("SHOW default_transaction_read_only", &[])
        .context("checking that the source session is read-only")?
        .get(0);
    ensure!(
        ro == "on",
        "the source session did not become read-only (default_transaction_read_only = {ro}); refusing to go on"
    );
    normalize_session(&mut c, "the source")?;
    Ok(c)
}

/// Both sides write and read values as text (COPY, inlined keys): the same date, time zone and
/// float settings on both make the text mean the same thing.
fn normalize_session(c: &mut Client, what: &str) -> Result<()> {
    c.batch_execute(
        "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; \
         SET extra_float_digits = 3; SET bytea_output = 'hex'",
    )
    .with_context(|| format!("setting text formats on the session of {what}"))
}

/// Rehearse starts the migration from the beginning: a source that has begun it would give the
/// copy tables that phase 1 refuses to create again.
fn refuse_started_migration(source: &mut Client) -> Result<()> {
    let installed =
        state::installed(source).context("looking for the tool's state in the source")?;
    if !installed {
        return Ok(());
    }
    let in_effect: Vec<String> = state::phases(source)
        .context("reading the source's phase state")?
        .into_iter()
        .filter(|r| r.status.is_in_effect())
        .map(|r| format!("phase {} {}", r.phase, r.status.as_str()))
        .collect();
    if !in_effect.is_empty() {
        bail!(
            "the source has already started the migration ({}): rehearse replays it from the beginning, so run it against a database (or a restored backup) taken before phase 1",
            in_effect.join(", ")
        );
    }
    Ok(())
}

/// The copy's own superuser when the production role is not one.
const REHEARSAL_ADMIN: &str = "ra_rehearsal_admin";

/// The role the tool connects to the source as: its attributes, the roles it is a member of
/// (directly or through others) and what it may do with the database.
struct ProductionRole {
    name: String,
    superuser: bool,
    /// `CREATEROLE`, `NOINHERIT` ... as `CREATE ROLE` takes them.
    attributes: Vec<&'static str>,
    /// (role, member, admin option) for every membership above the production role.
    memberships: Vec<(String, String, bool)>,
    owns_database: bool,
    creates_in_database: bool,
}

impl ProductionRole {
    fn read(source: &mut Client) -> Result<ProductionRole> {
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

    fn describe(&self) -> String {
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
    fn reproduce(&self, target: &mut Client, database: &str) -> Result<()> {
        if self.superuser {
            return Ok(());
        }
        let q = quote_ident(&self.name);
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
                    quote_ident(role)
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
                quote_ident(role),
                quote_ident(member),
                if *admin { " WITH ADMIN OPTION" } else { "" }
            ));
        }
        if self.owns_database {
            sql.push_str(&format!(
                "ALTER DATABASE {} OWNER TO {q};",
                quote_ident(database)
            ));
        } else if self.creates_in_database {
            sql.push_str(&format!(
                "GRANT CREATE ON DATABASE {} TO {q};",
                quote_ident(database)
            ));
        }
        target
            .batch_execute(&sql)
            .with_context(|| format!("reproducing role {} in the copy: {sql}", self.name))
    }
}

/// Every role the schema's privileges (tables, columns, sequences, functions, the schema itself),
/// default privileges, policies and owners name, with whether it bypasses row-level security.
const NAMED_ROLES: &str = "WITH acls AS (
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
fn prerequisites(source: &mut Client, target: &mut Client, schema: &str) -> Result<Vec<String>> {
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
                    quote_ident(&role)
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
            quote_ident(&ext),
            ns_q = quote_ident(&ns)
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
fn publications(source: &mut Client, cat: &Catalog) -> Result<Vec<String>> {
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

/// The cluster's own client binary when it has one (same version as the copy), else `PATH`'s.
fn tool(cluster: &Cluster, name: &str) -> PathBuf {
    let own = cluster.bin_dir().join(name);
    if own.is_file() {
        own
    } else {
        PathBuf::from(name)
    }
}

/// `pg_dump --schema-only` of one section of `schema`, owners and privileges included. The password
/// goes through `PGPASSWORD`, never the command line (which other users of the machine can see).
fn dump_schema(pg_dump: &Path, url: &str, schema: &str, section: &str) -> Result<String> {
    let (conninfo, password) = without_password(url);
    let mut cmd = Command::new(pg_dump);
    cmd.args([
        "--schema-only",
        // Reads of the catalog must not queue in front of production DDL.
        "--lock-wait-timeout=5000",
        &format!("--section={section}"),
        &format!("--schema={schema}"),
        "--dbname",
        &conninfo,
    ])
    .stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().with_context(|| {
        format!(
            "running {} (install the PostgreSQL client, e.g. `apt-get install postgresql-client-15`)",
            pg_dump.display()
        )
    })?;
    if !out.status.success() {
        let err = db::redact_text(&String::from_utf8_lossy(&out.stderr), url);
        let hint = if err.contains("version mismatch") {
            "; the source's server is newer than this pg_dump: install the matching postgresql-client and put it first on PATH"
        } else {
            ""
        };
        bail!(
            "{} --section={section} of {} failed ({}): {}{hint}",
            pg_dump.display(),
            db::redact_url(url),
            out.status,
            err.trim()
        );
    }
    let dump =
        String::from_utf8(out.stdout).context("pg_dump wrote something that is not UTF-8")?;
    // A dump limited to a schema creates it, and the copy already has `public` (and the schemas
    // of the extensions created beforehand).
    Ok(dump
        .lines()
        .map(|l| match l.strip_prefix("CREATE SCHEMA ") {
            Some(rest) if !rest.starts_with("IF NOT EXISTS") => {
                format!("CREATE SCHEMA IF NOT EXISTS {rest}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect())
}

/// Runs a plain-format dump with psql (it understands the dump's meta-commands), stopping at the
/// first error.
fn load_sql(psql: &Path, url: &str, sql: &str, what: &str) -> Result<()> {
    let mut child = Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", psql.display()))?;
    let mut stdin = child.stdin.take().context("psql's stdin")?;
    let written = stdin.write_all(sql.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().context("waiting for psql")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "loading {what} into the copy failed: {} (the line numbers count lines of `pg_dump --schema-only`; the usual causes are an extension or a role this machine lacks)",
            err.trim()
        );
    }
    written.context("feeding the dump to psql")
}

/// The connection string without its password, and the password (for `PGPASSWORD`, so it never
/// appears on a command line). Parsed the way the connection itself is (`tls`).
fn without_password(url: &str) -> (String, Option<String>) {
    use crate::pg::tls::{percent_decode, tokenize_key_value};
    for scheme in ["postgres://", "postgresql://"] {
        let Some(rest) = url.strip_prefix(scheme) else {
            continue;
        };
        // the query starts at the first `?` after the credentials: a password may hold one
        let after_creds = rest.find('@').map_or(0, |at| at + 1);
        let (main, query) = match rest[after_creds..].find('?') {
            Some(i) => (&rest[..after_creds + i], Some(&rest[after_creds + i + 1..])),
            None => (rest, None),
        };
        let mut password = None;
        let main = match main.rfind('@') {
            Some(at) => {
                let (userinfo, host) = main.split_at(at);
                match userinfo.split_once(':') {
                    Some((user, pw)) => {
                        password = Some(percent_decode(pw));
                        format!("{user}{host}")
                    }
                    None => main.to_string(),
                }
            }
            None => main.to_string(),
        };
        let query: Vec<&str> = query
            .map(|q| q.split('&').collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|kv| match kv.strip_prefix("password=") {
                Some(pw) => {
                    password = Some(percent_decode(pw));
                    false
                }
                None => true,
            })
            .collect();
        let mut out = format!("{scheme}{main}");
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query.join("&"));
        }
        return (out, password);
    }
    // key=value form; a string that does not tokenise is passed on for pg_dump to report
    let Some(pairs) = tokenize_key_value(url) else {
        return (url.to_string(), None);
    };
    let password = pairs
        .iter()
        .find(|(k, _, _)| k == "password")
        .map(|(_, v, _)| v.clone());
    let rest: Vec<String> = pairs
        .iter()
        .filter(|(k, _, _)| k != "password")
        .map(|(k, v, _)| format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect();
    (rest.join(" "), password)
}

/// Every sequence of the schema continues where the source's stands (phase 1 starts the new
/// masters' sequences from there).
fn copy_sequences(source: &mut Client, target: &mut Client, schema: &str) -> Result<()> {
    // last_value is NULL for a sequence never used, or one this user may not read: left at start.
    let rows = source
        .query(
            "SELECT sequencename::text, last_value FROM pg_sequences
             WHERE schemaname = $1 AND last_value IS NOT NULL",
            &[&schema],
        )
        .context("reading the source's sequence positions")?;
    for r in rows {
        let (name, last): (String, i64) = (r.get(0), r.get(1));
        target
            .query_one(
                "SELECT setval(format('%I.%I', $1::text, $2::text)::regclass, $3)",
                &[&schema, &name, &last],
            )
            .with_context(|| format!("setting sequence {name} of the copy to {last}"))?;
    }
    Ok(())
}

fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// A string as an SQL literal whatever `standard_conforming_strings` says.
fn literal(s: &str) -> String {
    format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

// ---- the sample ----

/// How one table of the copy was filled.
#[derive(Debug, Default, Clone)]
pub struct TableSample {
    pub rows: u64,
    /// Why its rows are there: `seed`, `hanging off ra_races`, `first N`, `referenced`.
    pub how: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct Sample {
    pub tables: BTreeMap<String, TableSample>,
    /// References the source itself cannot satisfy (orphans in production): relationship and
    /// the number of distinct missing keys. Phase 3 reports these exactly as it would in production.
    pub unresolved: Vec<(String, usize)>,
}

/// A reference from `child(columns)` to `parent(parent_columns)`: a declared foreign key, or an
/// implicit relationship of the mapping.
#[derive(Debug, Clone)]
struct Rel {
    child: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
    declared: bool,
}

impl Rel {
    fn describe(&self) -> String {
        format!(
            "{}({}) -> {}({}){}",
            self.child,
            self.columns.join(", "),
            self.parent,
            self.parent_columns.join(", "),
            if self.declared { "" } else { " [implicit]" }
        )
    }
}

struct Sampler<'a> {
    source: &'a mut Client,
    target: &'a mut Client,
    cat: &'a Catalog,
    mapping: &'a Mapping,
    n: u64,
    rels: Vec<Rel>,
    /// Partitions: their rows come through their partitioned table.
    partitions: BTreeSet<String>,
    sample: Sample,
}

impl<'a> Sampler<'a> {
    fn new(
        source: &'a mut Client,
        target: &'a mut Client,
        cat: &'a Catalog,
        mapping: &'a Mapping,
        n: u64,
    ) -> Result<Sampler<'a>> {
        let partitions: BTreeSet<String> = source
            .query(
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = $1 AND c.relispartition",
                &[&cat.schema],
            )
            .context("reading the source's partitions")?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let rels = relationships(cat, mapping)
            .into_iter()
            .filter(|r| !partitions.contains(&r.child) && !partitions.contains(&r.parent))
            .collect();
        Ok(Sampler {
            source,
            target,
            cat,
            mapping,
            n,
            rels,
            partitions,
            sample: Sample::default(),
        })
    }

    fn run(mut self) -> Result<Sample> {
        let tables: Vec<String> = self
            .cat
            .tables
            .keys()
            .filter(|t| !self.partitions.contains(*t))
            .cloned()
            .collect();
        let (protected, others): (Vec<String>, Vec<String>) = tables
            .into_iter()
            .partition(|t| self.mapping.is_protected(t));
        // The odds tables' workers must never wait on the whole sample: one statement each, outside
        // the snapshot below (nothing of the plan references them).
        for table in &protected {
            self.first_rows(table, "first rows")?;
        }
        // Everything else from one snapshot, so a row and the rows it references are seen together.
        self.source
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .context("starting a read-only snapshot of the source")?;
        let sampled = self.sample_snapshot(&others);
        let end = self.source.batch_execute(if sampled.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        });
        sampled?;
        end.context("ending the read-only snapshot of the source")?;
        Ok(self.sample)
    }

    fn sample_snapshot(&mut self, tables: &[String]) -> Result<()> {
        let mut seeded: BTreeSet<String> = BTreeSet::new();
        if tables.iter().any(|t| t == SEED_TABLE) {
            self.first_rows(SEED_TABLE, "seed")?;
            seeded.insert(SEED_TABLE.to_string());
            for table in self.hanging_off(SEED_TABLE) {
                if tables.contains(&table) {
                    self.children(&table, &seeded)?;
                    seeded.insert(table);
                }
            }
        }
        for table in tables.iter().filter(|t| !seeded.contains(*t)) {
            self.first_rows(table, "first rows")?;
        }
        self.close_references()
    }

    /// Tables that hold detail of `seed` (its runners, their odds and statistics ...): non-masters
    /// reachable from it through references pointing at it, parents before children.
    fn hanging_off(&self, seed: &str) -> Vec<String> {
        let is_master = |t: &str| self.mapping.get(t).is_some_and(|m| m.kind == Kind::Master);
        let mut reached: BTreeSet<String> = BTreeSet::from([seed.to_string()]);
        let mut order = Vec::new();
        loop {
            let next = self
                .rels
                .iter()
                .filter(|r| r.declared && r.child != r.parent)
                .filter(|r| reached.contains(&r.parent) && !reached.contains(&r.child))
                .map(|r| r.child.clone())
                .find(|c| !is_master(c));
            let Some(child) = next else { break };
            reached.insert(child.clone());
            order.push(child);
        }
        order
    }

    /// The rows of `table` that reference rows already sampled in the tables of `seeded`.
    fn children(&mut self, table: &str, seeded: &BTreeSet<String>) -> Result<()> {
        let rels: Vec<Rel> = self
            .rels
            .iter()
            .filter(|r| r.declared && r.child == table && r.parent != table)
            .filter(|r| seeded.contains(&r.parent))
            .cloned()
            .collect();
        let mut filters = Vec::new();
        for r in &rels {
            let keys = self.target_keys(&format!(
                "SELECT DISTINCT {} FROM {} p",
                text_list("p", &r.parent_columns, self.cat),
                self.cat.qualified(&r.parent)
            ))?;
            if !keys.is_empty() {
                filters.push(self.key_filter(&r.child, &r.columns, &keys)?);
            }
        }
        if filters.is_empty() {
            return Ok(());
        }
        let parents: BTreeSet<&str> = rels.iter().map(|r| r.parent.as_str()).collect();
        let how = format!(
            "hanging off {}",
            parents.into_iter().collect::<Vec<_>>().join(", ")
        );
        self.copy(table, &filters.join(" OR "), "", &how)?;
        Ok(())
    }

    /// Up to N rows, in key order when there is a key.
    fn first_rows(&mut self, table: &str, how: &str) -> Result<()> {
        let t = self.cat.table(table).expect("a table of the catalog");
        let order = match t.constraints.iter().find(|c| c.kind == "p") {
            Some(pk) => format!("ORDER BY {}", column_list(&pk.columns, self.cat)),
            None => String::new(),
        };
        let suffix = format!("{order} LIMIT {}", self.n);
        self.copy(table, "true", &suffix, how)?;
        Ok(())
    }

    /// Fetches, until none is missing, every row that a copied row references but the copy lacks.
    fn close_references(&mut self) -> Result<()> {
        let rels = self.rels.clone();
        let mut unresolved: BTreeMap<String, usize> = BTreeMap::new();
        for _round in 0..MAX_CLOSURE_ROUNDS {
            let mut added = 0;
            unresolved.clear();
            for r in &rels {
                let missing = self.target_keys(&format!(
                    "SELECT DISTINCT {} FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                    text_list("c", &r.columns, self.cat),
                    self.cat.qualified(&r.child),
                    r.columns
                        .iter()
                        .map(|c| format!("c.{} IS NOT NULL", self.cat.quote(c)))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                    self.cat.qualified(&r.parent),
                    r.columns
                        .iter()
                        .zip(&r.parent_columns)
                        .map(|(c, p)| format!(
                            "p.{} = c.{}",
                            self.cat.quote(p),
                            self.cat.quote(c)
                        ))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                ))?;
                if missing.is_empty() {
                    continue;
                }
                let mut got = 0;
                for chunk in missing.chunks(KEYS_PER_STATEMENT) {
                    let filter = self.key_filter(&r.parent, &r.parent_columns, chunk)?;
                    got += self.copy(&r.parent, &filter, "", "referenced")?;
                }
                added += got;
                if (got as usize) < missing.len() {
                    unresolved.insert(r.describe(), missing.len() - got as usize);
                }
            }
            if added == 0 {
                self.sample.unresolved = unresolved.into_iter().collect();
                return Ok(());
            }
        }
        bail!(
            "the copied rows still reference missing rows after {MAX_CLOSURE_ROUNDS} rounds of fetching them: {}",
            unresolved.keys().cloned().collect::<Vec<_>>().join("; ")
        )
    }

    /// Key tuples as text, from the copy.
    fn target_keys(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let rows = self
            .target
            .query(sql, &[])
            .with_context(|| format!("reading keys from the copy: {sql}"))?;
        Ok(rows
            .iter()
            .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
            .collect())
    }

    /// `(cols) IN (VALUES (...), ...)` with each text key cast to its column's type.
    fn key_filter(
        &self,
        table: &str,
        columns: &[String],
        keys: &[Vec<Option<String>>],
    ) -> Result<String> {
        let t = self
            .cat
            .table(table)
            .with_context(|| format!("{table} is not in the source's catalog"))?;
        let types: Vec<String> = columns
            .iter()
            .map(|c| {
                t.columns
                    .iter()
                    .find(|col| &col.name == c)
                    .map(|col| col.type_sql.clone())
                    .with_context(|| format!("{table} has no column {c}"))
            })
            .collect::<Result<_>>()?;
        let values: Vec<String> = keys
            .iter()
            .map(|k| {
                let parts: Vec<String> = k
                    .iter()
                    .zip(&types)
                    .map(|(v, ty)| match v {
                        Some(v) => format!("{}::{ty}", literal(v)),
                        None => format!("NULL::{ty}"),
                    })
                    .collect();
                format!("({})", parts.join(", "))
            })
            .collect();
        Ok(format!(
            "({}) IN (VALUES {})",
            column_list(columns, self.cat),
            values.join(", ")
        ))
    }

    /// Streams `SELECT cols FROM table WHERE filter suffix` from the source into the copy with
    /// COPY; returns the rows copied.
    fn copy(&mut self, table: &str, filter: &str, suffix: &str, how: &str) -> Result<u64> {
        let t = self.cat.table(table).expect("a table of the catalog");
        // Generated columns are computed again by the copy.
        let columns: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .map(|c| c.name.clone())
            .collect();
        let cols = column_list(&columns, self.cat);
        let qualified = self.cat.qualified(table);
        // An inheritance child is copied on its own; a partitioned table holds its partitions' rows.
        let only = if t.relkind == "p" { "" } else { "ONLY " };
        let out_sql = format!(
            "COPY (SELECT {cols} FROM {only}{qualified} WHERE {filter} {suffix}) TO STDOUT"
        );
        let in_sql = format!("COPY {qualified} ({cols}) FROM STDIN");
        let mut reader = self
            .source
            .copy_out(out_sql.as_str())
            .with_context(|| format!("reading rows of {table} from the source"))?;
        let mut writer = self
            .target
            .copy_in(in_sql.as_str())
            .with_context(|| format!("writing rows of {table} into the copy"))?;
        std::io::copy(&mut reader, &mut writer)
            .map_err(|e| anyhow!("copying rows of {table} from the source into the copy: {e}"))?;
        drop(reader);
        let n = writer
            .finish()
            .with_context(|| format!("writing rows of {table} into the copy"))?;
        let entry = self.sample.tables.entry(table.to_string()).or_default();
        entry.rows += n;
        if n > 0 {
            entry.how.insert(how.to_string());
        }
        Ok(n)
    }
}

/// Declared foreign keys within the schema, plus the mapping's implicit relationships (which the
/// database does not enforce but phase 3 will).
fn relationships(cat: &Catalog, mapping: &Mapping) -> Vec<Rel> {
    let mut rels: Vec<Rel> = Vec::new();
    for t in cat.tables.values() {
        for c in t.constraints.iter().filter(|c| c.kind == "f") {
            let Some(parent) = &c.ref_table else { continue };
            if c.ref_schema.as_deref() != Some(cat.schema.as_str()) || cat.table(parent).is_none() {
                continue;
            }
            rels.push(Rel {
                child: t.name.clone(),
                columns: c.columns.clone(),
                parent: parent.clone(),
                parent_columns: c.ref_columns.clone(),
                declared: true,
            });
        }
    }
    for m in &mapping.tables {
        let Some(child) = cat.table(&m.name) else {
            continue;
        };
        for imp in &m.implicit {
            let Some(parent) = cat.table(&imp.references) else {
                continue;
            };
            let Some(pk) = parent.constraints.iter().find(|c| c.kind == "p") else {
                continue;
            };
            if pk.columns.len() != 1 || !child.columns.iter().any(|c| c.name == imp.column) {
                continue;
            }
            let dup = rels.iter().any(|r| {
                r.child == m.name && r.columns == [imp.column.clone()] && r.parent == parent.name
            });
            if !dup {
                rels.push(Rel {
                    child: m.name.clone(),
                    columns: vec![imp.column.clone()],
                    parent: parent.name.clone(),
                    parent_columns: pk.columns.clone(),
                    declared: false,
                });
            }
        }
    }
    rels
}

fn column_list(columns: &[String], cat: &Catalog) -> String {
    columns
        .iter()
        .map(|c| cat.quote(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text_list(alias: &str, columns: &[String], cat: &Catalog) -> String {
    columns
        .iter()
        .map(|c| format!("{alias}.{}::text", cat.quote(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_sample(s: &Sample) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["table", "rows copied", "why"]);
    for (name, ts) in s.tables.iter().filter(|(_, ts)| ts.rows > 0) {
        t.add_row(vec![
            name.clone(),
            ts.rows.to_string(),
            ts.how.iter().cloned().collect::<Vec<_>>().join(", "),
        ]);
    }
    let mut out = format!("{t}\n");
    for (rel, n) in &s.unresolved {
        out.push_str(&format!(
            "note: {rel}: {n} key(s) are missing in the source itself (orphans): phase 3 will report them as it would in production\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_leaves_url_forms() {
        assert_eq!(
            without_password("postgres://u:p%40ss@h:5432/db?sslmode=require&password=x"),
            (
                "postgres://u@h:5432/db?sslmode=require".to_string(),
                Some("x".to_string())
            )
        );
        assert_eq!(
            without_password("postgresql://u:p%40ss@h/db"),
            ("postgresql://u@h/db".to_string(), Some("p@ss".to_string()))
        );
        assert_eq!(
            without_password("postgres://u@h/db"),
            ("postgres://u@h/db".to_string(), None)
        );
        // a `?` in the password is not the start of the query: it never reaches pg_dump's argv
        assert_eq!(
            without_password("postgres://u:pa?ss@h/db?sslmode=require"),
            (
                "postgres://u@h/db?sslmode=require".to_string(),
                Some("pa?ss".to_string())
            )
        );
    }

    #[test]
    fn password_leaves_key_value_form() {
        let (conn, pw) = without_password("host=h user=u password='se cr\\'et' dbname=d");
        assert_eq!(conn, "host='h' user='u' dbname='d'");
        assert_eq!(pw.as_deref(), Some("se cr'et"));
    }

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(literal(r"a'b\c"), r"E'a''b\\c'");
    }
}
