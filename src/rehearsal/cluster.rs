//! Throwaway PostgreSQL clusters started from the machine's binaries (tests and `demo`).
//!
//! [`Cluster::start`] finds the PostgreSQL server binaries, runs `initdb` into a fresh directory
//! under `/tmp`, starts a server on a free loopback port with settings suited to a test server
//! (no fsync, `pg_stat_statements` preloaded when available) and waits until it accepts
//! connections. Dropping the [`Cluster`] stops the server and removes the directory, unless
//! [`ClusterOptions::keep`] is set. PostgreSQL refuses to run as root, so when the current process
//! runs as root every server-side command runs as the `postgres` OS user instead.
//!
//! A cluster kept in a `static` is never dropped: call [`Cluster::watch_parent`] so a small
//! detached watchdog stops the server and removes its directory once this process exits.

use std::fs;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::schema::quote;
use anyhow::{anyhow, bail, Context, Result};

/// The server binaries a cluster needs; the first is also used to recognise a bin directory.
const REQUIRED_BINARIES: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
/// What to install when no PostgreSQL server binaries are found.
const INSTALL_HINT: &str = "install the PostgreSQL server, e.g. `apt-get install postgresql-15` \
    (Debian/Ubuntu; or `apt-get install postgresql` for the distribution's default version), \
    or pass the directory holding initdb/pg_ctl/postgres as the bin dir";
/// The library preloaded when the binaries ship it (package postgresql-15 / postgresql-contrib).
const PG_STAT_STATEMENTS: &str = "pg_stat_statements";
/// How long to wait for the server to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many free ports to try when another process grabs the chosen one first.
const PORT_ATTEMPTS: usize = 5;

/// How to start a [`Cluster`].
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Leave the server running and its directory in place when the [`Cluster`] is dropped
    /// (for inspecting it afterwards; the URL is printed to stderr on drop).
    pub keep: bool,
    /// Directory holding `initdb`, `pg_ctl` and `postgres`; found automatically when `None`.
    pub bin_dir: Option<PathBuf>,
    /// The bootstrap superuser's name; `postgres` when `None`. The rehearsal takes another one
    /// when it reproduces a production role called `postgres` that is not a superuser.
    pub superuser: Option<String>,
}

/// A running throwaway PostgreSQL server listening on `127.0.0.1`, superuser `postgres` (or
/// [`ClusterOptions::superuser`]), trust auth.
#[derive(Debug)]
pub struct Cluster {
    bin_dir: PathBuf,
    root: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    port: u16,
    keep: bool,
    superuser: String,
    run_as: Option<RunAs>,
    pg_stat_statements: bool,
    stopped: bool,
}

/// The OS user the server-side commands run as (when the current process is root).
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

impl Cluster {
    /// Initializes and starts a fresh cluster; see the module documentation.
    pub fn start(opts: &ClusterOptions) -> Result<Cluster> {
        let bin_dir = find_bin_dir(opts.bin_dir.as_deref())?;
        let run_as = server_user()?;
        let root = make_temp_root()?;
        // From here on the directory is ours: remove it again on any failure.
        let mut cluster = Cluster {
            data_dir: root.join("data"),
            socket_dir: root.join("sock"),
            log_file: root.join("server.log"),
            root,
            bin_dir,
            port: 0,
            keep: opts.keep,
            superuser: opts
                .superuser
                .clone()
                .unwrap_or_else(|| "postgres".to_string()),
            run_as,
            pg_stat_statements: false,
            stopped: true,
        };
        match cluster.init_and_start() {
            Ok(()) => Ok(cluster),
            Err(e) => {
                // Stop whatever came up and remove the data, but keep the log for the operator.
                cluster.keep = true;
                cluster.pg_ctl_stop_quiet();
                cluster.stopped = true;
                let _ = fs::remove_dir_all(&cluster.data_dir);
                let _ = fs::remove_dir_all(&cluster.socket_dir);
                let log = cluster.log_file.clone();
                if !log.exists() {
                    let _ = fs::remove_dir_all(&cluster.root);
                    return Err(e);
                }
                Err(e.context(format!(
                    "starting a throwaway PostgreSQL cluster (server log kept at {})",
                    log.display()
                )))
            }
        }
    }

    fn init_and_start(&mut self) -> Result<()> {
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&self.socket_dir)
            .with_context(|| format!("creating socket directory {}", self.socket_dir.display()))?;
        if let Some(user) = self.run_as {
            chown_tree(&self.root, user)?;
        }

        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-A",
                "trust",
                "-U",
                &self.superuser,
                "--no-sync",
                "-E",
                "UTF8",
            ])
            .arg("--locale=C");
        run_checked(&mut initdb, "initdb").with_context(|| {
            format!(
                "initializing a PostgreSQL cluster in {} with {}",
                self.data_dir.display(),
                self.bin_dir.join("initdb").display()
            )
        })?;

        let mut preload = self.pg_stat_statements_available();
        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            self.port = free_port()?;
            match self.pg_ctl_start(preload) {
                Ok(()) => {
                    self.stopped = false;
                    self.pg_stat_statements = preload;
                    self.wait_ready()?;
                    return Ok(());
                }
                Err(e) => {
                    let log = fs::read_to_string(&self.log_file).unwrap_or_default();
                    let log_tail = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
                    // A port taken between probing it and the server binding it: try another.
                    let port_taken = log_tail.contains("could not bind")
                        || log_tail.contains("Address already in use")
                        || log_tail.contains("could not create any TCP/IP sockets");
                    // A preload library that is missing or broken: start without it.
                    let preload_failed = preload && log_tail.contains(PG_STAT_STATEMENTS);
                    // A failed start may leave a postmaster half up; make sure it is gone.
                    self.pg_ctl_stop_quiet();
                    if preload_failed {
                        tracing::warn!(
                            "starting PostgreSQL with shared_preload_libraries=pg_stat_statements \
                             failed; starting without it"
                        );
                        preload = false;
                        last_err = Some(e);
                        continue;
                    }
                    if port_taken {
                        last_err = Some(e);
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow!("could not start PostgreSQL")))
    }

    /// `pg_ctl -w start` with the test-server settings.
    fn pg_ctl_start(&self, preload: bool) -> Result<()> {
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=200",
            self.port,
            shell_quote(&self.socket_dir.to_string_lossy()),
        );
        if preload {
            options.push_str(" -c shared_preload_libraries=pg_stat_statements");
        }
        let mut cmd = self.server_command("pg_ctl");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&self.log_file)
            .args([
                "-w",
                "-t",
                &START_TIMEOUT.as_secs().to_string(),
                "-o",
                &options,
                "start",
            ]);
        run_checked(&mut cmd, "pg_ctl start").map_err(|e| {
            anyhow!(
                "{e:#}\nserver log {}:\n{}",
                self.log_file.display(),
                self.log_tail(40)
            )
        })?;
        Ok(())
    }

    /// Whether the binaries ship `pg_stat_statements` (false only when we know they don't).
    fn pg_stat_statements_available(&self) -> bool {
        let pg_config = self.bin_dir.join("pg_config");
        let Ok(out) = Command::new(&pg_config)
            .arg("--pkglibdir")
            .stdin(Stdio::null())
            .output()
        else {
            return true; // unknown: try, and fall back when the server refuses
        };
        if !out.status.success() {
            return true;
        }
        let pkglibdir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if !pkglibdir.is_dir() {
            return true;
        }
        let found = pkglibdir.join(format!("{PG_STAT_STATEMENTS}.so")).exists();
        if !found {
            tracing::warn!(
                "{PG_STAT_STATEMENTS} is not installed in {} (package postgresql-contrib); \
                 starting the test server without it",
                pkglibdir.display()
            );
        }
        found
    }

    /// Polls a real connection until the server answers `SELECT 1`.
    fn wait_ready(&self) -> Result<()> {
        let url = self.url("postgres");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let err = match postgres::Client::connect(&url, postgres::NoTls) {
                Ok(mut c) => match c.simple_query("SELECT 1") {
                    Ok(_) => return Ok(()),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            if Instant::now() > deadline {
                bail!(
                    "PostgreSQL started but did not accept connections at {url} within {}s: {err}\n\
                     server log {}:\n{}",
                    START_TIMEOUT.as_secs(),
                    self.log_file.display(),
                    self.log_tail(40)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Connection URL for database `dbname` (the bootstrap superuser, no password).
    pub fn url(&self, dbname: &str) -> String {
        self.url_as(&self.superuser, dbname)
    }

    /// The URL of `dbname` for `user` (trust authentication: no password).
    pub fn url_as(&self, user: &str, dbname: &str) -> String {
        let user: String = user
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("postgres://{user}@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The TCP port the server listens on (loopback only).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory holding the binaries this cluster runs (`initdb`, `pg_ctl`, `pg_dump`, ...).
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The server log file.
    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The unix-socket directory (also usable as `host=` in a connection string).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// Whether the server runs with `shared_preload_libraries=pg_stat_statements`.
    pub fn has_pg_stat_statements(&self) -> bool {
        self.pg_stat_statements
    }

    /// Creates database `name` (optionally cloned from `template`) and returns its URL.
    pub fn create_database(&self, name: &str, template: Option<&str>) -> Result<String> {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .with_context(|| format!("connecting to {}", self.url("postgres")))?;
        let mut sql = format!("CREATE DATABASE {}", quote::ident(name));
        if let Some(t) = template {
            sql.push_str(&format!(" TEMPLATE {}", quote::ident(t)));
        }
        client
            .batch_execute(&sql)
            .with_context(|| format!("{sql} (server log {})", self.log_file.display()))?;
        Ok(self.url(name))
    }

    /// Stops the server and removes its directory now (even when `keep` was set).
    pub fn stop(mut self) {
        self.keep = false;
        // Drop does the work.
    }

    /// Spawns a detached watchdog that stops the server and removes the directory once the
    /// current process has exited. For clusters held in a `static`, which are never dropped.
    /// Does nothing when `keep` is set.
    pub fn watch_parent(&self) {
        if self.keep {
            return;
        }
        let pid = std::process::id();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null || [ -d /proc/{pid} ]; do sleep 1; done; \
             {} -D {} stop -m immediate -w >/dev/null 2>&1; rm -rf {}",
            shell_quote(&self.bin_dir.join("pg_ctl").to_string_lossy()),
            shell_quote(&self.data_dir.to_string_lossy()),
            shell_quote(&self.root.to_string_lossy()),
        );
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(script)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // its own process group: a Ctrl-C to the test run must not take the watchdog with it
            .process_group(0);
        if let Some(u) = self.run_as {
            cmd.uid(u.uid).gid(u.gid);
        }
        match cmd.spawn() {
            // Not waited for: it outlives us and is reaped by init.
            Ok(child) => drop(child),
            Err(e) => tracing::warn!(
                "could not spawn the watchdog for the PostgreSQL cluster in {}: {e}",
                self.root.display()
            ),
        }
    }

    /// A command for binary `name` of this cluster, run as the server user when we are root.
    fn server_command(&self, name: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(name));
        // The server user may not be able to enter our working directory.
        cmd.current_dir(&self.root).stdin(Stdio::null());
        if let Some(u) = self.run_as {
            cmd.uid(u.uid).gid(u.gid);
        }
        // Settings of the caller's environment that would point our tools elsewhere.
        for var in [
            "PGDATA",
            "PGHOST",
            "PGPORT",
            "PGOPTIONS",
            "PGSERVICE",
            "PGSERVICEFILE",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn pg_ctl_stop_quiet(&self) {
        if !self.data_dir.join("postmaster.pid").exists() {
            return;
        }
        let mut cmd = self.server_command("pg_ctl");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .args(["stop", "-m", "immediate", "-w", "-t", "30"]);
        if let Err(e) = run_checked(&mut cmd, "pg_ctl stop") {
            tracing::warn!("{e:#}");
        }
    }

    /// The last `n` lines of the server log.
    fn log_tail(&self, n: usize) -> String {
        read_tail(&self.log_file, n)
            .unwrap_or_else(|e| format!("(could not read {}: {e})", self.log_file.display()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.keep {
            if !self.stopped {
                tracing::warn!(
                    "keeping PostgreSQL cluster at {} (data {}, log {}); stop it with: {} {} -D {} stop",
                    self.url("postgres"),
                    self.data_dir.display(),
                    self.log_file.display(),
                    if self.run_as.is_some() { "runuser -u postgres --" } else { "" },
                    self.bin_dir.join("pg_ctl").display(),
                    self.data_dir.display(),
                );
            }
            return;
        }
        self.pg_ctl_stop_quiet();
        self.stopped = true;
        if let Err(e) = fs::remove_dir_all(&self.root) {
            if e.kind() != ErrorKind::NotFound {
                tracing::warn!("removing {}: {e}", self.root.display());
            }
        }
    }
}

/// Finds the directory holding `initdb`, `pg_ctl` and `postgres`.
fn find_bin_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        if has_server_binaries(dir) {
            return Ok(dir.to_path_buf());
        }
        bail!(
            "{} does not hold the PostgreSQL server binaries ({}); {INSTALL_HINT}",
            dir.display(),
            REQUIRED_BINARIES.join(", ")
        );
    }
    let mut tried = Vec::new();
    // 1. pg_config --bindir (on Debian, /usr/bin/pg_config may belong to libpq-dev: check).
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    {
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has_server_binaries(&dir) {
                return Ok(dir);
            }
            tried.push(format!("{} (from pg_config --bindir)", dir.display()));
        }
    }
    // 2. Debian's layout: /usr/lib/postgresql/<version>/bin, highest version first.
    let mut versions: Vec<(Vec<u64>, PathBuf)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key: Vec<u64> = name.split('.').map_while(|p| p.parse().ok()).collect();
            if !key.is_empty() {
                versions.push((key, entry.path().join("bin")));
            }
        }
    }
    versions.sort();
    for (_, dir) in versions.iter().rev() {
        if has_server_binaries(dir) {
            return Ok(dir.clone());
        }
        tried.push(dir.display().to_string());
    }
    // 3. PATH (following symlinks such as /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin).
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let initdb = dir.join("initdb");
            if !initdb.is_file() {
                continue;
            }
            if let Some(real) = fs::canonicalize(&initdb)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
            {
                if has_server_binaries(&real) {
                    return Ok(real);
                }
            }
            if has_server_binaries(&dir) {
                return Ok(dir);
            }
            tried.push(dir.display().to_string());
        }
    }
    let tried = if tried.is_empty() {
        String::new()
    } else {
        format!(" (looked in: {})", tried.join(", "))
    };
    bail!("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found{tried}; {INSTALL_HINT}")
}

fn has_server_binaries(dir: &Path) -> bool {
    REQUIRED_BINARIES.iter().all(|b| dir.join(b).is_file())
}

/// The user to run server commands as: `postgres` when we are root, else ourselves (`None`).
fn server_user() -> Result<Option<RunAs>> {
    if effective_uid()? != 0 {
        return Ok(None);
    }
    lookup_user("postgres").map(Some).ok_or_else(|| {
        anyhow!(
            "running as root, and PostgreSQL refuses to run as root, but there is no `postgres` \
             OS user to run it as; {INSTALL_HINT} (the package creates the user), or run as a \
             non-root user"
        )
    })
}

fn effective_uid() -> Result<u32> {
    // Linux: "Uid:\treal\teffective\tsaved\tfs".
    if let Ok(status) = fs::read_to_string("/proc/self/status") {
        if let Some(euid) = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
        {
            return Ok(euid);
        }
    }
    let out = Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .context("running `id -u` to find the current user")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("parsing the output of `id -u`")
}

fn lookup_user(name: &str) -> Option<RunAs> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 4 && f[0] == name {
                if let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) {
                    return Some(RunAs { uid, gid });
                }
            }
        }
    }
    // Users from NSS (LDAP, ...): ask `id`.
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id")
            .args([flag, name])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some(RunAs {
        uid: id("-u")?,
        gid: id("-g")?,
    })
}

/// Creates a fresh, uniquely named, world-traversable directory under `/tmp`.
fn make_temp_root() -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = Path::new("/tmp");
    for _ in 0..100 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!(
            "ra-migrate-pg-{}-{n}-{nanos:08x}",
            std::process::id()
        ));
        match fs::DirBuilder::new().mode(0o755).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("creating directory {}", dir.display()))
            }
        }
    }
    bail!(
        "could not create a unique directory under {}",
        base.display()
    )
}

fn chown_tree(path: &Path, user: RunAs) -> Result<()> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .with_context(|| format!("chown {} to the postgres user", path.display()))?;
    if path.is_dir() && !path.is_symlink() {
        for entry in fs::read_dir(path)? {
            chown_tree(&entry?.path(), user)?;
        }
    }
    Ok(())
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).context("binding 127.0.0.1:0 to find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Runs `cmd`; a failure to spawn or a non-zero exit becomes an error naming the command and
/// carrying its output.
fn run_checked(cmd: &mut Command, what: &str) -> Result<Output> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .with_context(|| format!("running {what}: {shown}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        bail!(
            "{what} failed ({}): {shown}\nstderr:\n{}\nstdout:\n{}",
            out.status,
            stderr.trim_end(),
            tail_lines(&stdout, 20)
        );
    }
    Ok(out)
}

fn tail_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn read_tail(path: &Path, n: usize) -> std::io::Result<String> {
    let mut f = fs::File::open(path)?;
    let len = f.metadata()?.len();
    // The tail of a log never needs more than the last 64 KiB.
    f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    Ok(tail_lines(&String::from_utf8_lossy(&buf), n))
}

/// Double-quotes an SQL identifier.
/// Single-quotes a word for /bin/sh.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(url: &str) -> postgres::Client {
        postgres::Client::connect(url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
    }

    #[test]
    fn starts_connects_clones_and_cleans_up() {
        let cluster = Cluster::start(&ClusterOptions::default()).expect("start cluster");
        let root = cluster.root.clone();
        assert!(cluster.data_dir().join("PG_VERSION").is_file());
        assert!(cluster.bin_dir().join("pg_ctl").is_file());
        assert!(cluster
            .url("x")
            .ends_with(&format!(":{}/x", cluster.port())));

        let mut c = connect(&cluster.url("postgres"));
        let one: i32 = c.query_one("SELECT 1", &[]).unwrap().get(0);
        assert_eq!(one, 1);
        let fsync: String = c.query_one("SHOW fsync", &[]).unwrap().get(0);
        assert_eq!(fsync, "off");
        let listen: String = c.query_one("SHOW listen_addresses", &[]).unwrap().get(0);
        assert_eq!(listen, "127.0.0.1");
        let enc: String = c.query_one("SHOW server_encoding", &[]).unwrap().get(0);
        assert_eq!(enc, "UTF8");
        let preload: String = c
            .query_one("SHOW shared_preload_libraries", &[])
            .unwrap()
            .get(0);
        assert_eq!(
            preload.contains(PG_STAT_STATEMENTS),
            cluster.has_pg_stat_statements()
        );
        let pkglibdir = Command::new(cluster.bin_dir().join("pg_config"))
            .arg("--pkglibdir")
            .output()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .unwrap_or_default();
        if pkglibdir.join("pg_stat_statements.so").is_file() {
            assert!(cluster.has_pg_stat_statements(), "the library is installed");
        }
        if cluster.has_pg_stat_statements() {
            c.batch_execute("CREATE EXTENSION pg_stat_statements")
                .unwrap();
            let n: i64 = c
                .query_one("SELECT count(*) FROM pg_stat_statements", &[])
                .unwrap()
                .get(0);
            assert!(n >= 1);
        }

        // A template with a table and a row, cloned.
        let tpl_url = cluster.create_database("tpl", None).unwrap();
        {
            let mut t = connect(&tpl_url);
            t.batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (42);")
                .unwrap();
        }
        // CREATE DATABASE waits a few seconds for the template's last backend to exit.
        let clone_url = cluster.create_database("clone", Some("tpl")).unwrap();
        assert!(clone_url.ends_with("/clone"));
        let mut k = connect(&clone_url);
        let v: i32 = k.query_one("SELECT id FROM t", &[]).unwrap().get(0);
        assert_eq!(v, 42);
        drop(k);
        drop(c);

        assert!(root.is_dir());
        drop(cluster);
        assert!(
            !root.exists(),
            "{} should be removed on drop",
            root.display()
        );
    }

    #[test]
    fn stop_removes_directory_and_server() {
        let cluster = Cluster::start(&ClusterOptions::default()).expect("start cluster");
        let root = cluster.root.clone();
        let url = cluster.url("postgres");
        cluster.stop();
        assert!(!root.exists());
        assert!(postgres::Client::connect(&url, postgres::NoTls).is_err());
    }

    #[test]
    fn two_clusters_run_side_by_side() {
        let a = Cluster::start(&ClusterOptions::default()).expect("start a");
        let b = Cluster::start(&ClusterOptions::default()).expect("start b");
        assert_ne!(a.port(), b.port());
        assert_ne!(a.data_dir(), b.data_dir());
        for c in [&a, &b] {
            let mut client = connect(&c.url("postgres"));
            client.simple_query("SELECT 1").unwrap();
        }
    }

    #[test]
    fn explicit_bin_dir_without_binaries_is_a_clear_error() {
        let opts = ClusterOptions {
            keep: false,
            bin_dir: Some(PathBuf::from("/nonexistent/pg/bin")),
            superuser: None,
        };
        let err = Cluster::start(&opts).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/pg/bin"), "{err}");
        assert!(err.contains("apt-get install postgresql"), "{err}");
    }

    #[test]
    fn watchdog_cleans_up_after_the_watched_process() {
        // Re-run this test binary as a child that starts a cluster, watches itself and exits
        // without dropping it; the watchdog must then stop the server and remove the directory.
        if let Ok(file) = std::env::var("RA_MIGRATE_WATCHDOG_CHILD") {
            let cluster = Cluster::start(&ClusterOptions::default()).expect("start cluster");
            cluster.watch_parent();
            fs::write(
                &file,
                format!("{}\n{}", cluster.root.display(), cluster.port()),
            )
            .unwrap();
            std::process::exit(0); // no Drop
        }
        let marker = std::env::temp_dir().join(format!(
            "ra-migrate-watchdog-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "rehearsal::cluster::tests::watchdog_cleans_up_after_the_watched_process",
                "--nocapture",
            ])
            .env("RA_MIGRATE_WATCHDOG_CHILD", &marker)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let info = fs::read_to_string(&marker).expect("child wrote its cluster's directory");
        let _ = fs::remove_file(&marker);
        let mut lines = info.lines();
        let root = PathBuf::from(lines.next().unwrap());
        let port: u16 = lines.next().unwrap().parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while root.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(!root.exists(), "watchdog should remove {}", root.display());
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        assert!(postgres::Client::connect(&url, postgres::NoTls).is_err());
    }
}
