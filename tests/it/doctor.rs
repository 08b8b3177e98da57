//! `ra-migrate doctor` and the refusal of a transaction pooler, with a real PgBouncer in front of
//! the test cluster (transaction mode, as Supabase's pooler on port 6543, and session mode).

use crate::common::{ok, ra, ra_url, TestDb};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A PgBouncer process in front of the test database's server, stopped when dropped.
struct Bouncer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pgbouncer_binary() -> PathBuf {
    for p in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"] {
        if std::path::Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)");
}

fn start_bouncer(db: &TestDb, mode: &str) -> Bouncer {
    start_bouncer_with(db, mode, "default_pool_size = 4\n")
}

/// A PgBouncer in `mode` with `pool` (its pool settings, one per line) in front of `db`.
fn start_bouncer_with(db: &TestDb, mode: &str, pool: &str) -> Bouncer {
    let config = postgres::Config::from_str(&db.url).unwrap();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".to_string(),
    };
    let server_port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres").to_string();
    let password = config
        .get_password()
        .map(|p| format!(" password={}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("ra-pgbouncer-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("users.txt"), format!("\"{user}\" \"\"\n")).unwrap();
    std::fs::write(
        dir.join("pgbouncer.ini"),
        format!(
            "[databases]\n* = host={host} port={server_port} user={user}{password}\n\n\
             [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {users}\npool_mode = {mode}\n\
             {pool}max_client_conn = 50\n\
             ignore_startup_parameters = extra_float_digits,options\n",
            users = dir.join("users.txt").display()
        ),
    )
    .unwrap();
    // PgBouncer will not run as root: as root, it is told to switch to nobody.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["", "users.txt", "pgbouncer.ini"] {
            let _ = std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o755));
        }
    }
    let mut cmd = Command::new(pgbouncer_binary());
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        cmd.args(["-u", "nobody"]);
    }
    let child = cmd
        .arg(dir.join("pgbouncer.ini"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting pgbouncer");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "pgbouncer did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Bouncer { child, port, dir }
}

fn url_via(db: &TestDb, port: u16) -> String {
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (auth, after) = rest.split_once('@').unwrap();
    let path = after.split_once('/').map(|(_, p)| p).unwrap();
    format!("{scheme}://{auth}@127.0.0.1:{port}/{path}")
}

fn twins(db: &TestDb) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'ra\\_mst\\_%' AND relkind = 'r'",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_transaction_pooler_is_found_by_doctor_and_refused_by_apply_with_nothing_changed() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let bouncer = start_bouncer(&db, "transaction");
    let url = url_via(&db, bouncer.port);

    let out = ra_url(&url, &["doctor"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("transaction pooler"), "{t}");
    // The checks that need prepared statements are left for a session connection, and it says so.
    assert!(
        t.contains("other checks") && t.contains("session connection"),
        "{t}"
    );

    let out = ra_url(&url, &["apply", "1", "--yes"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("transaction pooler") && t.contains("5432") && t.contains("nothing was changed"),
        "{t}"
    );
    assert_eq!(
        twins(&db),
        0,
        "apply through the pooler changed the database"
    );
    // Every other command says so too, before it reads anything (its prepared statements would
    // fail there in confusing ways).
    let out = ra_url(&url, &["status"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("transaction pooler"), "{t}");
    let out = ra_url(&url, &["purge", "--yes"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("transaction pooler"), "{t}");
}

#[test]
fn a_session_pooler_is_accepted_by_doctor_and_apply() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let bouncer = start_bouncer(&db, "session");
    let url = url_via(&db, bouncer.port);
    let out = ra_url(&url, &["doctor", "--json"]);
    let t = text(&out);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {t}"));
    let pooling = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "connection pooling")
        .unwrap_or_else(|| panic!("{t}"));
    assert_eq!(pooling["level"], "ok", "{t}");
    let out = ra_url(&url, &["apply", "1", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(twins(&db) > 0);
}

#[test]
fn doctor_reports_every_check_with_what_to_do() {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE ra_ace_results (id int PRIMARY KEY);
         DO $$ BEGIN CREATE ROLE anon NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon;
         CREATE PUBLICATION ra_doctor_pub FOR TABLE ra_horses;
         INSERT INTO ra_horse_pedigree (horse_id, sire_id) SELECT id, 'sir_never_fetched' FROM ra_horses
           WHERE id NOT IN (SELECT horse_id FROM ra_horse_pedigree) LIMIT 1;
         UPDATE ra_horse_pedigree SET sire_id = 'sir_never_fetched' WHERE horse_id = (SELECT min(horse_id) FROM ra_horse_pedigree);",
    )
    .unwrap();
    let out = ra(&db, &["doctor", "--json"]);
    let t = text(&out);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {t}"));
    let find = |check: &str| -> serde_json::Value {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check)
            .cloned()
            .unwrap_or_else(|| panic!("no {check} finding: {t}"))
    };
    for check in [
        "server version",
        "connection pooling",
        "tls",
        "session settings",
        "privileges",
        "pg_stat_statements",
        "space",
        "writers now",
    ] {
        find(check);
    }
    assert!(
        find("unknown tables")["detail"]
            .as_str()
            .unwrap()
            .contains("ra_ace_results"),
        "{t}"
    );
    assert!(
        find("publications")["detail"]
            .as_str()
            .unwrap()
            .contains("ra_horses in ra_doctor_pub"),
        "{t}"
    );
    assert!(
        find("default privileges")["detail"]
            .as_str()
            .unwrap()
            .contains("anon"),
        "{t}"
    );
    let orphans = find("orphans");
    assert!(
        orphans["detail"]
            .as_str()
            .unwrap()
            .contains("ra_horse_pedigree.sire_id"),
        "{t}"
    );
    assert!(!orphans["action"].as_str().unwrap().is_empty(), "{t}");
    // No problem on a direct, local, superuser connection: exit 0.
    assert_eq!(out.status.code(), Some(0), "{t}");
    c.batch_execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon; DROP PUBLICATION ra_doctor_pub")
        .unwrap();
}

#[test]
fn a_lock_timeout_of_zero_is_refused() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let out = ra(&db, &["--lock-timeout-ms", "0", "apply", "1", "--yes"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("lock-timeout-ms"), "{t}");
    assert_eq!(twins(&db), 0);
}

/// A session pooler with one server connection to spare for the tool (Supabase's session pooler
/// caps its pool): it accepts phase 3's second connection and then holds its first query until a
/// server connection frees up, here never. Phase 3 gives up on the second session after a few
/// seconds, runs every step on its one session, and the log says why.
#[test]
fn phase_3_through_a_session_pooler_with_a_full_pool_runs_on_one_session() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let bouncer = start_bouncer_with(
        &db,
        "session",
        "default_pool_size = 1\nreserve_pool_size = 0\nquery_wait_timeout = 0\n",
    );
    let url = url_via(&db, bouncer.port);
    for args in [&["apply", "1", "--yes"][..], &["apply", "2", "--yes"]] {
        let out = ra_url(&url, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    // Without giving up, the run would wait for ever: kill it after two minutes.
    let mut child = crate::common::bin()
        .args([
            "--database-url",
            &url,
            "apply",
            "3",
            "--yes",
            "--soak",
            "0s",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "apply 3 through a full session pool was still running after 2 minutes:\n{}",
                text(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log: String = db
        .client()
        .query_one(
            "SELECT statements::text FROM ra_migrate.operation_log WHERE phase = 3 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(log.contains("-- no second session ("), "{log}");
    assert!(!log.contains("(second session)"), "{log}");
}
