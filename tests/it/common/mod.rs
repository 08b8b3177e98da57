//! Test harness: real PostgreSQL databases for the integration tests.
//!
//! When `DATABASE_URL` is unset (the normal case, and CI), the first test that needs a database
//! starts one throwaway cluster for the whole test process ([`ra_migrate::rehearsal::cluster::Cluster`],
//! watched so it is stopped and removed when the process exits). When `DATABASE_URL` is set, that
//! server is used instead: databases are created and dropped through its `postgres` maintenance
//! database (or the URL's own database when `postgres` cannot be reached); the user needs CREATEDB.
//!
//! Every test gets its own database ([`TestDb`]), dropped when the value is dropped. Set
//! `RA_MIGRATE_KEEP_TEST_DB=1` to keep them (and our own cluster, which then stays running after
//! the process exits; the URLs are printed to stderr).
#![allow(dead_code)] // each test file uses only part of the harness

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};
use ra_migrate::rehearsal::cluster::{Cluster, ClusterOptions};

/// Scale of the synthetic legacy data in [`TestDb::legacy`] (1.0 = production sizes).
pub const LEGACY_SCALE: f64 = 0.002;

/// Keeps test databases (and our own cluster) when set to anything.
const KEEP_ENV: &str = "RA_MIGRATE_KEEP_TEST_DB";

/// The server the tests run against.
enum Server {
    /// A cluster this process started.
    Own(Cluster),
    /// The server named by `DATABASE_URL`.
    External {
        /// `DATABASE_URL` as given.
        url: String,
        /// Where to run CREATE/DROP DATABASE.
        maintenance_url: String,
    },
}

impl Server {
    fn maintenance_url(&self) -> String {
        match self {
            Server::Own(c) => c.url("postgres"),
            Server::External {
                maintenance_url, ..
            } => maintenance_url.clone(),
        }
    }

    fn db_url(&self, name: &str) -> String {
        match self {
            Server::Own(c) => c.url(name),
            Server::External { url, .. } => url_with_db(url, name),
        }
    }
}

fn keep_test_dbs() -> bool {
    std::env::var_os(KEEP_ENV).is_some_and(|v| !v.is_empty())
}

/// The process-wide server, started (or located) on first use.
fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let candidate = url_with_db(&url, "postgres");
                // Prefer the `postgres` maintenance database; fall back to the URL's own database.
                let maintenance_url = match Client::connect(&candidate, NoTls) {
                    Ok(_) => candidate,
                    Err(_) => match Client::connect(&url, NoTls) {
                        Ok(_) => url.clone(),
                        Err(e) => {
                            return Err(format!(
                                "DATABASE_URL is set but its server cannot be reached: {e}"
                            ))
                        }
                    },
                };
                Ok(Server::External {
                    url,
                    maintenance_url,
                })
            }
            _ => {
                let opts = ClusterOptions {
                    keep: keep_test_dbs(),
                    bin_dir: None,
                    superuser: None,
                };
                let cluster = Cluster::start(&opts).map_err(|e| {
                    format!("starting the test PostgreSQL cluster (or set DATABASE_URL): {e:#}")
                })?;
                cluster.watch_parent();
                if opts.keep {
                    eprintln!(
                        "{KEEP_ENV}: test cluster at {} stays running (data {})",
                        cluster.url("postgres"),
                        cluster.data_dir().display()
                    );
                }
                Ok(Server::Own(cluster))
            }
        }
    });
    match server {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// A connection to the server's maintenance database.
fn maintenance_client() -> Client {
    let url = server().maintenance_url();
    connect(&url)
}

fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
}

/// A token that differs between processes (and machines sharing one `DATABASE_URL` server).
fn process_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        format!("{}_{:05x}", std::process::id(), nanos & 0xfffff)
    })
}

/// A database name unique to this test process and call.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}", process_token())
}

/// The template database holding the legacy schema and seed, built once per process.
fn legacy_template() -> &'static str {
    static TEMPLATE: OnceLock<Result<String, String>> = OnceLock::new();
    // OnceLock runs the initializer once; concurrent callers block until it is done.
    match TEMPLATE.get_or_init(build_legacy_template) {
        Ok(name) => name,
        Err(e) => panic!("{e}"),
    }
}

fn build_legacy_template() -> Result<String, String> {
    let server = server();
    let name = unique_name("ra_tpl");
    let mut maint = Client::connect(&server.maintenance_url(), NoTls)
        .map_err(|e| format!("connecting to {}: {e}", server.maintenance_url()))?;
    maint
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
        .map_err(|e| format!("creating template database {name}: {e}"))?;
    if let Server::External {
        maintenance_url, ..
    } = server
    {
        drop_at_exit(maintenance_url, &name);
    }
    {
        let url = server.db_url(&name);
        let mut c =
            Client::connect(&url, NoTls).map_err(|e| format!("connecting to {url}: {e}"))?;
        ra_migrate::rehearsal::baseline::load_schema(&mut c)
            .map_err(|e| format!("{name}: {e:#}"))?;
        ra_migrate::rehearsal::baseline::seed(&mut c, LEGACY_SCALE)
            .map_err(|e| format!("{name}: {e:#}"))?;
        c.close()
            .map_err(|e| format!("closing connection to {name}: {e}"))?;
    }
    // Nobody may connect to the template again: CREATE DATABASE ... TEMPLATE needs it idle.
    maint
        .batch_execute(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false",
            quote_ident(&name)
        ))
        .map_err(|e| format!("closing template database {name} to connections: {e}"))?;
    // The backend of the connection just closed may still be exiting.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = maint
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                &[&name],
            )
            .map_err(|e| format!("watching connections to {name}: {e}"))?
            .get(0);
        if n == 0 {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "template database {name} still has {n} connection(s) after 30s"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(name)
}

/// On an external server, drops `name` once this process has exited (statics are never dropped).
fn drop_at_exit(maintenance_url: &str, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
    let pid = std::process::id();
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; psql -X -q -d {} -c {} >/dev/null 2>&1",
        shell_quote(maintenance_url),
        shell_quote(&sql)
    );
    let _ = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// A database of its own for one test; dropped (WITH (FORCE)) when this value is dropped.
#[derive(Debug)]
pub struct TestDb {
    /// Connection URL of the database.
    pub url: String,
    /// The database's name.
    pub name: String,
}

impl TestDb {
    /// A fresh, empty database (from `template0`).
    pub fn empty() -> TestDb {
        Self::create("ra_test", "template0")
    }

    /// A fresh copy of the legacy `ra_*` schema with synthetic rows at [`LEGACY_SCALE`], cloned
    /// from a template database built once per process.
    pub fn legacy() -> TestDb {
        let template = legacy_template();
        Self::create("ra_test", template)
    }

    fn create(prefix: &str, template: &str) -> TestDb {
        let name = unique_name(prefix);
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&name),
            quote_ident(template)
        );
        let mut maint = maintenance_client();
        maint
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        TestDb {
            url: server().db_url(&name),
            name,
        }
    }

    /// A new connection to this database.
    pub fn client(&self) -> Client {
        connect(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if keep_test_dbs() {
            eprintln!("{KEEP_ENV}: kept test database {}", self.url);
            return;
        }
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        );
        // Never panic here: this may run while a failed test unwinds.
        match Client::connect(&server().maintenance_url(), NoTls) {
            Ok(mut c) => {
                if let Err(e) = c.batch_execute(&sql) {
                    eprintln!("warning: {sql}: {e}");
                }
            }
            Err(e) => eprintln!("warning: could not drop test database {}: {e}", self.name),
        }
    }
}

/// The built `ra-migrate` binary, with `DATABASE_URL` removed and `NO_COLOR=1`.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ra-migrate"));
    // `apply 3` waits out a week of dual-write by default: the tests that apply it pass
    // `--soak 0s` themselves, so one that forgets meets the soak as an operator would
    cmd.env_remove("DATABASE_URL")
        .env_remove("RA_MIGRATE_SOAK")
        .env("NO_COLOR", "1");
    cmd
}

/// `pg_dump --schema-only --no-owner` of the database at `url`, without the tool's own
/// `ra_migrate` schema, comments, `SET`s, `set_config` calls and `\restrict` keys, blank-line
/// runs squeezed: two dumps compare equal when only the `ra_migrate` schema differs.
pub fn pg_dump_schema(url: &str) -> String {
    let pg_dump = match server() {
        Server::Own(c) if c.bin_dir().join("pg_dump").is_file() => c.bin_dir().join("pg_dump"),
        _ => PathBuf::from("pg_dump"),
    };
    let out = Command::new(&pg_dump)
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-schema=ra_migrate",
            "--dbname",
            url,
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", pg_dump.display()));
    assert!(
        out.status.success(),
        "{} of {url} failed ({}): {}",
        pg_dump.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    normalize_dump(&String::from_utf8_lossy(&out.stdout))
}

fn normalize_dump(dump: &str) -> String {
    let mut result = String::new();
    let mut blank = true; // also drops leading blank lines
    for line in dump.lines() {
        let line = line.trim_end();
        if line.starts_with("--")
            || line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config")
            || line.starts_with("\\restrict")
            || line.starts_with("\\unrestrict")
        {
            continue;
        }
        if line.is_empty() {
            if blank {
                continue;
            }
            blank = true;
        } else {
            blank = false;
        }
        result.push_str(line);
        result.push('\n');
    }
    result.trim_end().to_string() + "\n"
}

/// Order-independent md5 of all rows of `table` (a name, quoted here when it is a plain name;
/// pass an already quoted or schema-qualified name as is). An empty table gives `md5('')`.
pub fn table_fingerprint(client: &mut Client, table: &str) -> String {
    let table_sql = if table.contains('.') || table.contains('"') {
        table.to_string()
    } else {
        quote_ident(table)
    };
    let sql = format!(
        "SELECT coalesce(md5(string_agg(md5(ra_fp_row::text), '' \
         ORDER BY md5(ra_fp_row::text) COLLATE \"C\")), md5('')) FROM {table_sql} AS ra_fp_row"
    );
    client
        .query_one(&sql, &[])
        .unwrap_or_else(|e| panic!("fingerprinting {table}: {e}"))
        .get(0)
}

/// [`table_fingerprint`] of every table in schema `public`, by table name.
pub fn data_fingerprint(client: &mut Client) -> BTreeMap<String, String> {
    let tables: Vec<String> = client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[],
        )
        .unwrap_or_else(|e| panic!("listing tables of schema public: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let fp = table_fingerprint(client, &format!("public.{}", quote_ident(&t)));
            (t, fp)
        })
        .collect()
}

/// `url` with its database replaced by `db` (URL or `key=value` connection strings).
fn url_with_db(url: &str, db: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let (scheme, rest) = url.split_at(scheme_end + 3);
        let (main, query) = match rest.find('?') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let authority = main.split('/').next().unwrap_or("");
        format!("{scheme}{authority}/{db}{query}")
    } else {
        let mut parts: Vec<String> = url
            .split_whitespace()
            .filter(|p| !p.starts_with("dbname="))
            .map(str::to_string)
            .collect();
        parts.push(format!("dbname={db}"));
        parts.join(" ")
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

// ---- self-tests of the harness ----

fn count(c: &mut Client, table: &str) -> i64 {
    c.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

fn database_exists(name: &str) -> bool {
    maintenance_client()
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some()
}

#[test]
fn harness_legacy_databases_are_seeded_and_independent() {
    let expected = ra_migrate::rehearsal::baseline::Counts::at_scale(LEGACY_SCALE);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(TestDb::legacy);
        let b = s.spawn(TestDb::legacy);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.name, b.name);
    let (mut ca, mut cb) = (a.client(), b.client());
    for c in [&mut ca, &mut cb] {
        assert_eq!(count(c, "ra_horses"), expected.horses);
        assert_eq!(count(c, "ra_races"), expected.races);
        assert_eq!(count(c, "ra_jockeys"), expected.jockeys);
        assert_eq!(count(c, "ra_owners"), expected.owners);
        let runners = count(c, "ra_runners");
        assert!(
            runners >= 7 * expected.races && runners <= 10 * expected.races,
            "{runners} runners"
        );
    }
    let fa = data_fingerprint(&mut ca);
    assert!(fa.contains_key("ra_runners") && fa.contains_key("ra_odds_statistics"));
    assert_eq!(fa, data_fingerprint(&mut cb));

    // A change in one clone is invisible in the other.
    ca.batch_execute("DELETE FROM ra_odds_statistics").unwrap();
    assert_eq!(count(&mut ca, "ra_odds_statistics"), 0);
    assert_eq!(count(&mut cb, "ra_odds_statistics"), 1);
    let fa2 = data_fingerprint(&mut ca);
    assert_ne!(fa2["ra_odds_statistics"], fa["ra_odds_statistics"]);
    assert_eq!(fa2["ra_runners"], fa["ra_runners"]);
    assert_eq!(data_fingerprint(&mut cb), fa);
}

#[test]
fn harness_empty_database_is_empty_and_dropped() {
    let db = TestDb::empty();
    let name = db.name.clone();
    let mut c = db.client();
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
    assert!(database_exists(&name));
    // An open connection does not stop the drop (WITH (FORCE)).
    drop(db);
    if !keep_test_dbs() {
        assert!(!database_exists(&name), "{name} should be dropped");
    }
    drop(c);
}

#[test]
fn harness_fingerprints_are_order_independent() {
    let db = TestDb::empty();
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE a (t int, v text); CREATE TABLE b (t int, v text); CREATE TABLE e (x int);
         INSERT INTO a VALUES (1, 'x'), (2, 'y'), (3, NULL);
         INSERT INTO b VALUES (3, NULL), (1, 'x'), (2, 'y');",
    )
    .unwrap();
    assert_eq!(
        table_fingerprint(&mut c, "a"),
        table_fingerprint(&mut c, "b")
    );
    assert_eq!(
        table_fingerprint(&mut c, "e"),
        "d41d8cd98f00b204e9800998ecf8427e"
    );
    c.batch_execute("UPDATE b SET v = 'z' WHERE t = 2").unwrap();
    assert_ne!(
        table_fingerprint(&mut c, "a"),
        table_fingerprint(&mut c, "b")
    );
    let all = data_fingerprint(&mut c);
    assert_eq!(all.keys().cloned().collect::<Vec<_>>(), ["a", "b", "e"]);
}

#[test]
fn harness_pg_dump_ignores_the_tool_schema() {
    let a = TestDb::legacy();
    let b = TestDb::legacy();
    let mut cb = b.client();
    cb.batch_execute(
        "CREATE SCHEMA ra_migrate; CREATE TABLE ra_migrate.applied (phase text PRIMARY KEY);
         CREATE FUNCTION ra_migrate.f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
    )
    .unwrap();
    let da = pg_dump_schema(&a.url);
    assert!(da.contains("CREATE TABLE public.ra_runners ("), "{da}");
    assert!(!da.contains("\\restrict") && !da.contains("\nSET "), "{da}");
    assert_eq!(da, pg_dump_schema(&b.url));
    cb.batch_execute("ALTER TABLE ra_odds_statistics ADD COLUMN extra int")
        .unwrap();
    assert_ne!(da, pg_dump_schema(&b.url));
    let empty = TestDb::empty();
    assert!(!pg_dump_schema(&empty.url).contains("CREATE TABLE"));
}

#[test]
fn harness_bin_is_the_built_binary_without_database_url() {
    let cmd = bin();
    assert!(std::path::Path::new(cmd.get_program()).is_file());
    let envs: Vec<_> = cmd.get_envs().collect();
    assert!(envs
        .iter()
        .any(|(k, v)| *k == "DATABASE_URL" && v.is_none()));
    assert!(envs
        .iter()
        .any(|(k, v)| *k == "NO_COLOR" && *v == Some("1".as_ref())));
}

#[test]
fn harness_url_with_db_replaces_the_database() {
    assert_eq!(
        url_with_db("postgres://u:p@h:5432/app?sslmode=disable", "x"),
        "postgres://u:p@h:5432/x?sslmode=disable"
    );
    assert_eq!(url_with_db("postgresql://h", "x"), "postgresql://h/x");
    assert_eq!(
        url_with_db("host=h port=1 dbname=app user=u", "x"),
        "host=h port=1 user=u dbname=x"
    );
}

/// Runs the `ra-migrate` binary on `db` with `args` (stdin closed, as in CI).
pub fn ra(db: &TestDb, args: &[&str]) -> std::process::Output {
    ra_url(&db.url, args)
}

/// [`ra`] against any connection string (one with a password, say).
pub fn ra_url(url: &str, args: &[&str]) -> std::process::Output {
    bin()
        .arg("--database-url")
        .arg(url)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running ra-migrate")
}

/// [`ra_url`]: the exit code and stdout followed by stderr.
pub fn run_url(url: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = ra_url(url, args);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// [`ra`], asserting success; returns stdout.
pub fn ok(db: &TestDb, args: &[&str]) -> String {
    let out = ra(db, args);
    assert!(
        out.status.success(),
        "ra-migrate {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Where tests write validation reports (phase 4's gate reads the latest passing one).
pub fn report_dir() -> String {
    std::env::temp_dir()
        .join("ra-migrate-test-reports")
        .display()
        .to_string()
}

/// `apply PHASE` the way a runbook does, asserting it verified; before phase 4, the passing
/// validation its gate needs.
pub fn apply(db: &TestDb, phase: u8) {
    if phase == 4 {
        ok(db, &["validate", "--report-dir", &report_dir()]);
    }
    let out = ok(
        db,
        &[
            "apply",
            &phase.to_string(),
            "--yes",
            "--soak",
            "0s",
            "--functions",
        ],
    );
    assert!(
        out.contains("verified: no problems found"),
        "apply {phase}: {out}"
    );
}

/// Polls `done` until it holds; fails the test naming `what` after two minutes.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Starts the binary on `url` with `args`, stopped at the interruption point `point`
/// (`RA_MIGRATE_PAUSE_AT`): the paused process, or, when it ended without reaching the point,
/// the stderr lines it wrote.
pub fn paused_at(
    url: &str,
    args: &[String],
    point: &str,
) -> Result<std::process::Child, Vec<String>> {
    use std::io::BufRead;
    let mut child = bin()
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("RA_MIGRATE_PAUSE_AT", point)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let reached = format!("interruption point reached: {point}");
    let mut seen = Vec::new();
    let hit = std::io::BufReader::new(child.stderr.take().unwrap())
        .lines()
        .any(|l| {
            let l = l.unwrap_or_default();
            let hit = l == reached;
            seen.push(l);
            hit
        });
    if hit {
        Ok(child)
    } else {
        let _ = child.kill();
        let _ = child.wait();
        Err(seen)
    }
}
