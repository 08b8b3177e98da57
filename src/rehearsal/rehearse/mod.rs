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
//!
//! [`surface`] reproduces what the schema needs besides itself (roles, extensions, publications),
//! [`dump`] moves the schema with `pg_dump` and `psql`, [`sample`] copies the rows.

mod dump;
mod sample;
mod surface;

use crate::cli::RehearseArgs;
use crate::pg::db;
use crate::rehearsal::cluster::{Cluster, ClusterOptions};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use crate::state;
use anyhow::{bail, ensure, Context, Result};
use dump::{copy_sequences, dump_schema, load_sql, tool};
use postgres::Client;
use sample::{render_sample, Sampler};
use std::time::Instant;
use surface::{prerequisites, publications, ProductionRole, REHEARSAL_ADMIN};

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

/// The throwaway copy a rehearsal runs on.
pub struct Prepared {
    /// Dropping it stops the cluster (unless `--keep`).
    pub cluster: Cluster,
    /// The copy's database, as the production role.
    pub role_url: String,
    /// The source, its password hidden.
    pub source_label: String,
}

/// Copies the source's schema (and with `--sample` a sample of its rows), its sequences and
/// publications, and its role, into a throwaway cluster, reading the source only, and installs
/// the tool's schema there as the production role.
pub fn prepare(
    args: &RehearseArgs,
    schema: &str,
    mapping: &Mapping,
    say: &dyn Fn(&str),
) -> Result<Prepared> {
    if args.sample == Some(0) {
        bail!("--sample must be at least 1 (leave it out to copy the schema only)");
    }
    let source_label = db::redact_url(&args.from);
    let started = Instant::now();

    let mut source = connect_read_only(&args.from)?;
    say(&format!(
        "source {source_label}: connected read-only (default_transaction_read_only = on for this session); rehearse only reads the source and never writes to it"
    ));
    refuse_started_migration(&mut source)?;
    let src_cat = Catalog::read(&mut source, schema)
        .with_context(|| format!("reading the catalog of schema {schema} of the source"))?;
    ensure!(
        mapping.tables.iter().any(|t| src_cat.table(&t.name).is_some()),
        "none of the mapping's tables exists in schema {schema} of the source {source_label}: is this the right database and --schema?"
    );

    let role = ProductionRole::read(&mut source)?;

    say("starting a throwaway PostgreSQL cluster...");
    let cluster = Cluster::start(&ClusterOptions {
        keep: args.keep,
        // The copy is loaded by a superuser of its own, so that the production role, when it
        // is none, can be reproduced under its own name (on Supabase, `postgres`).
        superuser: (!role.superuser).then(|| REHEARSAL_ADMIN.to_string()),
        ..Default::default()
    })?;
    let url = cluster.create_database("rehearsal", None)?;
    say(&format!(
        "cluster on port {} (data in {})",
        cluster.port(),
        cluster.data_dir().display()
    ));
    let mut target = db::connect(&url, "rehearse (copy)")?;
    normalize_session(&mut target, "the copy")?;
    for note in prerequisites(&mut source, &mut target, schema)? {
        say(&format!("note: {note}"));
    }
    role.reproduce(&mut target, "rehearsal")?;
    // Every phase runs as the role the tool uses in production, so what that role may not do
    // fails here as it would there.
    let role_url = cluster.url_as(&role.name, "rehearsal");
    if role.superuser {
        say(&format!(
            "the source's role {} is a superuser: so is the rehearsal's",
            role.name
        ));
    } else {
        say(&format!(
            "rehearsing as role {} with the source's attributes and memberships ({}), not as a superuser",
            role.name,
            role.describe()
        ));
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
    say(&format!(
        "schema of {schema} copied: {} tables ({:.1}s)",
        src_cat.tables.len(),
        t.elapsed().as_secs_f64()
    ));

    if let Some(n) = args.sample {
        let t = Instant::now();
        let sample = Sampler::new(&mut source, &mut target, &src_cat, mapping, n)?
            .run()
            .context("copying a sample of the source")?;
        say(render_sample(&sample).trim_end_matches('\n'));
        say(&format!(
            "sample of up to {n} races copied: {} rows ({:.1}s)",
            sample.tables.values().map(|s| s.rows).sum::<u64>(),
            t.elapsed().as_secs_f64()
        ));
    } else {
        say("no --sample: every table is copied schema-only");
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
    say(&format!(
        "copy ready ({:.1}s); rehearsing every phase with an outside writer...",
        started.elapsed().as_secs_f64()
    ));

    Ok(Prepared {
        cluster,
        role_url,
        source_label,
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
