//! TLS connections against a real PostgreSQL that, like Supabase, refuses unencrypted ones.
//!
//! One throwaway cluster for this file (not the shared harness server, which must stay plain for
//! the other tests): a CA and a server certificate for `localhost` / 127.0.0.1 made with the
//! `openssl` CLI, `ssl = on`, and a pg_hba.conf that accepts TCP only over TLS
//! (`hostssl ... trust`, `hostnossl ... reject`). A second CA that signed nothing stands for
//! "the wrong CA file".

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use postgres::{Client, NoTls};
use ra_migrate::pg::db;
use ra_migrate::rehearsal::cluster::{Cluster, ClusterOptions};

use crate::common::LEGACY_SCALE;

/// The `openssl` command line tool.
const OPENSSL: &str = "/usr/bin/openssl";
/// A host name that resolves nowhere: with `hostaddr` it tests the certificate's name check.
const WRONG_HOST: &str = "ra-migrate-tls-test.invalid";
/// A password for URLs in failure tests (the server trusts, so any password connects).
const PASSWORD: &str = "s3cret-Pw-9";

struct TlsServer {
    cluster: Cluster,
    /// The CA that signed the server's certificate.
    ca: PathBuf,
    /// A CA that signed nothing the server shows.
    other_ca: PathBuf,
}

impl TlsServer {
    fn port(&self) -> u16 {
        self.cluster.port()
    }

    /// `postgres://postgres@HOST:PORT/DB?PARAMS`.
    fn url(&self, host: &str, db: &str, params: &str) -> String {
        format!("postgres://postgres@{host}:{}/{db}?{params}", self.port())
    }
}

fn server() -> &'static TlsServer {
    static SERVER: OnceLock<Result<TlsServer, String>> = OnceLock::new();
    match SERVER.get_or_init(|| start().map_err(|e| format!("{e:#}"))) {
        Ok(s) => s,
        Err(e) => panic!("starting the TLS test server: {e}"),
    }
}

fn start() -> Result<TlsServer> {
    let cluster = Cluster::start(&ClusterOptions::default())?;
    // Held in a static, so never dropped: the watchdog removes it when the test process ends.
    cluster.watch_parent();
    let dir = cluster.data_dir().to_path_buf();
    let (ca, server_crt, server_key) = make_certificates(&dir)?;
    let other_ca = make_ca(&dir, "other_ca", "ra-migrate unrelated CA")?;

    // The server (the `postgres` user when we are root) must own its key, readable by no one
    // else, or it refuses to load it.
    let owner = std::fs::metadata(&dir)?;
    for f in [&server_crt, &server_key] {
        std::os::unix::fs::chown(f, Some(owner.uid()), Some(owner.gid()))
            .with_context(|| format!("chown {} to the server's user", f.display()))?;
    }
    std::fs::set_permissions(&server_key, std::fs::Permissions::from_mode(0o600))?;

    let mut admin = Client::connect(&cluster.url("postgres"), NoTls)
        .context("connecting to the fresh cluster before enabling TLS")?;
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = {}", literal(&server_crt)),
        format!("ALTER SYSTEM SET ssl_key_file = {}", literal(&server_key)),
        "ALTER SYSTEM SET ssl = on".to_string(),
    ] {
        // One statement per call: ALTER SYSTEM refuses to run inside a (implicit) transaction.
        admin.batch_execute(&sql).with_context(|| sql.clone())?;
    }
    // pg_hba.conf's hostssl lines only validate once the server runs with ssl on.
    admin.batch_execute("SELECT pg_reload_conf()")?;
    wait_until(
        "the server to load its certificate and enable ssl",
        &cluster,
        || {
            let mut c = Client::connect(&cluster.url("postgres"), NoTls)?;
            let on: String = c.query_one("SHOW ssl", &[])?.get(0);
            Ok(on == "on")
        },
    )?;
    // Unix sockets stay open for trust (the harness's admin path); TCP is TLS or nothing.
    std::fs::write(
        dir.join("pg_hba.conf"),
        "local     all all               trust\n\
         hostssl   all all 127.0.0.1/32  trust\n\
         hostnossl all all 127.0.0.1/32  reject\n",
    )?;
    let bad_rules: Vec<String> = admin
        .query(
            "SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !bad_rules.is_empty() {
        bail!("the pg_hba.conf written for the TLS test is invalid: {bad_rules:?}");
    }
    admin.batch_execute("SELECT pg_reload_conf()")?;
    drop(admin);

    let server = TlsServer {
        cluster,
        ca,
        other_ca,
    };
    wait_for_tls_only(&server)?;
    Ok(server)
}

/// The reload is asynchronous: wait until new connections see TLS on and plain text refused.
fn wait_for_tls_only(server: &TlsServer) -> Result<()> {
    let tls_url = server.url("127.0.0.1", "postgres", "sslmode=require");
    let plain_url = server.url("127.0.0.1", "postgres", "sslmode=disable");
    wait_until(
        "plain-text TCP connections to be refused",
        &server.cluster,
        || {
            db::connect(&tls_url, "tls test setup")?;
            Ok(Client::connect(&plain_url, NoTls).is_err())
        },
    )
}

/// Polls `ready` for up to 30 s; the last error and the server log tail explain a timeout.
fn wait_until(
    what: &str,
    cluster: &Cluster,
    mut ready: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let last = match ready() {
            Ok(true) => return Ok(()),
            Ok(false) => "not yet".to_string(),
            Err(e) => format!("{e:#}"),
        };
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(cluster.log_file()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            bail!(
                "waited 30s for {what} (last: {last}); server log tail:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Writes a CA and a server certificate for `localhost` and 127.0.0.1 signed by it; returns
/// (CA certificate, server certificate, server key).
fn make_certificates(dir: &Path) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let ca = make_ca(dir, "ra_test_ca", "ra-migrate test CA")?;
    let key = dir.join("ra_test_server.key");
    let csr = dir.join("ra_test_server.csr");
    let crt = dir.join("ra_test_server.crt");
    let ext = dir.join("ra_test_server.ext");
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        path(&key),
        "-out",
        path(&csr),
        "-subj",
        "/CN=localhost",
    ])?;
    // webpki (rustls) reads names from subjectAltName only, never from the CN.
    std::fs::write(
        &ext,
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n\
         basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\n",
    )?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        path(&csr),
        "-CA",
        path(&ca),
        "-CAkey",
        path(&ca.with_extension("key")),
        "-set_serial",
        "2",
        "-days",
        "3",
        "-extfile",
        path(&ext),
        "-out",
        path(&crt),
    ])?;
    Ok((ca, crt, key))
}

/// A self-signed CA `<dir>/<name>.crt` (key beside it as `<name>.key`).
fn make_ca(dir: &Path, name: &str, cn: &str) -> Result<PathBuf> {
    let crt = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        path(&key),
        "-out",
        path(&crt),
        "-days",
        "3",
        "-subj",
        &format!("/CN={cn}"),
        "-addext",
        "basicConstraints = critical, CA:TRUE",
        "-addext",
        "keyUsage = critical, keyCertSign, cRLSign",
    ])?;
    Ok(crt)
}

fn openssl(args: &[&str]) -> Result<()> {
    let out = Command::new(OPENSSL)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| {
            format!("running {OPENSSL} (install the `openssl` package to run the TLS tests)")
        })?;
    if !out.status.success() {
        bail!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// A SQL string literal.
fn literal(p: &Path) -> String {
    format!("'{}'", path(p).replace('\'', "''"))
}

/// Whether this connection is encrypted, as the server sees it.
fn server_says_ssl(client: &mut Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("reading pg_stat_ssl")
        .get(0)
}

fn connect_ok(url: &str) -> Client {
    db::connect(url, "tls test").unwrap_or_else(|e| panic!("connecting to {url}: {e:#}"))
}

fn connect_err(url: &str) -> String {
    match db::connect(url, "tls test") {
        Ok(_) => panic!("connecting to {url} should have failed"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn require_encrypts_without_checking_the_certificate() {
    let s = server();
    let mut c = connect_ok(&s.url("127.0.0.1", "postgres", "sslmode=require"));
    assert!(server_says_ssl(&mut c));
    // No sslmode means libpq's `prefer`: TLS whenever the server offers it.
    let mut c = connect_ok(&s.cluster.url("postgres"));
    assert!(server_says_ssl(&mut c));
}

#[test]
fn verify_full_with_the_ca_connects_by_host_name() {
    let s = server();
    let ca = path(&s.ca);
    let mut c = connect_ok(&s.url(
        "localhost",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert!(server_says_ssl(&mut c));
    // The certificate names the address too, and the key=value form works the same way.
    let mut c = connect_ok(&format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{ca}'",
        s.port()
    ));
    assert!(server_says_ssl(&mut c));
}

#[test]
fn verify_full_without_the_ca_fails_unknown_issuer() {
    let s = server();
    let url = format!(
        "postgres://postgres:{PASSWORD}@localhost:{}/postgres?sslmode=verify-full",
        s.port()
    );
    let err = connect_err(&url);
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert!(
        err.contains("not signed by a CA in the system's CA certificates"),
        "{err}"
    );
    assert!(err.contains("pass sslrootcert=FILE"), "{err}");
    assert!(!err.contains(PASSWORD), "password leaked: {err}");
    assert!(err.contains("postgres:***@localhost"), "{err}");

    // The wrong CA file: same failure, naming the file.
    let other = path(&s.other_ca);
    let err = connect_err(&s.url(
        "localhost",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={other}"),
    ));
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert!(err.contains(other), "{err}");
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let s = server();
    let ca = path(&s.ca);
    // hostaddr dials 127.0.0.1 while the certificate is checked against `host`.
    let kv = |mode: &str| {
        format!(
            "host={WRONG_HOST} hostaddr=127.0.0.1 port={} user=postgres dbname=postgres \
             sslmode={mode} sslrootcert={ca}",
            s.port()
        )
    };
    let err = connect_err(&kv("verify-full"));
    assert!(err.contains("does not name the host"), "{err}");
    assert!(err.contains("sslmode=verify-ca"), "{err}");

    let mut c = connect_ok(&kv("verify-ca"));
    assert!(server_says_ssl(&mut c));
}

#[test]
fn require_with_sslrootcert_checks_the_chain_like_libpq() {
    let s = server();
    let err = connect_err(&s.url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=require&sslrootcert={}", path(&s.other_ca)),
    ));
    assert!(err.contains("UnknownIssuer"), "{err}");
    let mut c = connect_ok(&s.url(
        "127.0.0.1",
        "postgres",
        &format!("sslmode=require&sslrootcert={}", path(&s.ca)),
    ));
    assert!(server_says_ssl(&mut c));
}

#[test]
fn plain_text_is_refused_with_a_tls_hint() {
    let s = server();
    let url = format!(
        "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres?sslmode=disable",
        s.port()
    );
    let err = connect_err(&url);
    assert!(err.contains("the server requires TLS"), "{err}");
    assert!(err.contains("use sslmode=require"), "{err}");
    assert!(err.contains("Supabase requires TLS"), "{err}");
    // PostgreSQL's own words stay in the message for whoever reads the server log.
    assert!(err.contains("no encryption"), "{err}");
    assert!(!err.contains(PASSWORD), "password leaked: {err}");
}

#[test]
fn require_names_a_server_without_tls() {
    let s = server();
    // PostgreSQL never offers TLS on its unix socket, which stands in for a server without TLS.
    let sock = path(s.cluster.socket_dir());
    let kv = |mode: &str| {
        format!(
            "host={sock} port={} user=postgres dbname=postgres sslmode={mode}",
            s.port()
        )
    };
    let err = connect_err(&kv("require"));
    assert!(
        err.contains("sslmode=require needs TLS but the server does not offer it"),
        "{err}"
    );
    // `prefer` takes plain text when that is all there is.
    let mut c = connect_ok(&kv("prefer"));
    assert!(!server_says_ssl(&mut c));
}

#[test]
fn cli_init_and_status_over_sslmode_require() {
    let s = server();
    let name = format!("ra_tls_cli_{}", std::process::id());
    connect_ok(&s.url("127.0.0.1", "postgres", "sslmode=require"))
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("creating the CLI test database");
    let url = s.url("127.0.0.1", &name, "sslmode=require");
    {
        let mut c = connect_ok(&url);
        ra_migrate::rehearsal::baseline::load_schema(&mut c).expect("loading the legacy schema");
        ra_migrate::rehearsal::baseline::seed(&mut c, LEGACY_SCALE).expect("seeding");
    }
    for args in [&["init"][..], &["status"][..]] {
        let out = crate::common::ra_url(&url, args);
        assert!(
            out.status.success(),
            "ra-migrate {args:?} over sslmode=require failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
