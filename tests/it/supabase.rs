//! Issue 13 on a database set up the way Supabase sets projects up: writers with their own narrow
//! roles (insert-only, row-level security with policies, `service_role`) keep writing through
//! every phase, and the tool's copy functions cannot be borrowed to write anything else.

use crate::common::{ok, TestDb};
use postgres::Client;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `url` with its user replaced (the harness's cluster trusts loopback; a password is set anyway
/// for a `DATABASE_URL` server that asks for one).
fn url_as(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let after_at = rest.split_once('@').map(|(_, r)| r).unwrap_or(rest);
    format!("{scheme}://{user}:pw_{user}@{after_at}")
}

/// Supabase's API roles; cluster-wide, so created once and shared by every test.
fn supabase_roles(c: &mut Client) {
    for role in ["anon", "authenticated", "service_role"] {
        let extra = if role == "service_role" {
            " BYPASSRLS"
        } else {
            ""
        };
        c.batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE {role} NOLOGIN{extra}; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .unwrap();
    }
}

struct Writer {
    name: &'static str,
    stop: Arc<AtomicBool>,
    /// Keys this writer committed, in order.
    committed: Arc<Mutex<Vec<String>>>,
    errors: Arc<Mutex<Vec<String>>>,
    handle: std::thread::JoinHandle<()>,
}

/// Inserts one new row per transaction through `url`, under the old name until it no longer
/// exists (phase 5), then under the new one; remembers what committed.
fn start_writer(
    name: &'static str,
    url: String,
    sql: impl Fn(&str, u64) -> (String, String) + Send + 'static,
) -> Writer {
    let stop = Arc::new(AtomicBool::new(false));
    let committed = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let (s, k, e) = (stop.clone(), committed.clone(), errors.clone());
    let handle = std::thread::spawn(move || {
        let mut c = Client::connect(&url, postgres::NoTls).unwrap();
        let mut infix = "";
        let mut i = 0u64;
        while !s.load(Ordering::Relaxed) {
            i += 1;
            let (key, stmt) = sql(infix, i);
            let result = c.batch_execute(&stmt);
            if result.is_err() {
                // a failed BEGIN ... COMMIT batch leaves its transaction open and aborted
                let _ = c.batch_execute("ROLLBACK");
            }
            match result {
                Ok(()) => k.lock().unwrap().push(key),
                Err(err)
                    if infix.is_empty()
                        && err.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) =>
                {
                    infix = "mst_";
                }
                Err(err) => e.lock().unwrap().push(format!("{name} #{i}: {err:?}")),
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    Writer {
        name,
        stop,
        committed,
        errors,
        handle,
    }
}

fn missing(c: &mut Client, table: &str, keys: &[String]) -> Vec<String> {
    let present: Vec<String> = c
        .query(
            &format!("SELECT id::text FROM {table} WHERE id::text = ANY($1)"),
            &[&keys],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    keys.iter()
        .filter(|k| !present.contains(k))
        .cloned()
        .collect()
}

#[test]
fn writers_with_narrow_roles_and_row_level_security_keep_writing_through_every_phase() {
    let db = TestDb::legacy();
    let mut c = db.client();
    supabase_roles(&mut c);
    let tag = db.name.rsplit('_').next().unwrap().to_string();
    let (ingest, racer) = (format!("ingest_{tag}"), format!("racer_{tag}"));
    let course: String = c
        .query_one("SELECT id FROM ra_courses ORDER BY id LIMIT 1", &[])
        .unwrap()
        .get(0);
    c.batch_execute(&format!(
        "CREATE ROLE {ingest} LOGIN PASSWORD 'pw_{ingest}';
         CREATE ROLE {racer} LOGIN PASSWORD 'pw_{racer}';
         GRANT CONNECT ON DATABASE \"{db}\" TO {ingest}, {racer};
         -- a typical ingestion role: it may only add horses
         GRANT INSERT ON ra_horses TO {ingest};
         -- a role confined by policies to British and Irish races
         GRANT SELECT, INSERT, UPDATE ON ra_races TO {racer};
         ALTER TABLE ra_races ENABLE ROW LEVEL SECURITY;
         ALTER TABLE ra_races FORCE ROW LEVEL SECURITY;
         CREATE POLICY races_read ON ra_races FOR SELECT TO {racer} USING (true);
         CREATE POLICY races_gb_ire ON ra_races FOR INSERT TO {racer} WITH CHECK (region = 'GB' OR region = 'IRE');
         CREATE POLICY races_everyone ON ra_races FOR ALL TO postgres USING (true) WITH CHECK (true);
         ALTER ROLE service_role LOGIN PASSWORD 'pw_service_role';
         GRANT CONNECT ON DATABASE \"{db}\" TO service_role;
         GRANT ALL ON ra_owners TO service_role;",
        db = db.name
    ))
    .unwrap();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);

    let writers = vec![
        start_writer("insert-only", url_as(&db.url, &ingest), |infix, i| {
            let id = format!("hrs_ingest_{i}");
            let sql =
                format!("INSERT INTO ra_{infix}horses (id, name) VALUES ('{id}', 'Ingested {i}')");
            (id, sql)
        }),
        start_writer(
            "row-level security",
            url_as(&db.url, &racer),
            move |infix, i| {
                let id = format!("rac_rls_{i}");
                let sql = format!(
                "INSERT INTO ra_{infix}races (id, course_id, date, region) VALUES ('{id}', '{course}', '2026-11-29', 'GB')"
            );
                (id, sql)
            },
        ),
        start_writer(
            "service_role",
            url_as(&db.url, "service_role"),
            |infix, i| {
                let id = format!("own_service_{i}");
                let sql = format!(
                "BEGIN; INSERT INTO ra_{infix}owners (id, name) VALUES ('{id}', 'Service {i}'); \
                 UPDATE ra_{infix}owners SET name = 'Service {i}!' WHERE id = '{id}'; COMMIT;"
            );
                (id, sql)
            },
        ),
    ];
    let pairs = [
        ("ra_horses", "ra_mst_horses"),
        ("ra_races", "ra_mst_races"),
        ("ra_owners", "ra_mst_owners"),
    ];
    let snapshot = |w: &Writer| w.committed.lock().unwrap().clone();
    std::thread::sleep(Duration::from_millis(300));
    for phase in ["2", "3", "4", "5"] {
        if phase == "4" {
            ok(
                &db,
                &[
                    "validate",
                    "--report-dir",
                    &std::env::temp_dir().to_string_lossy(),
                ],
            );
        }
        ok(&db, &["apply", phase, "--yes", "--soak", "0s"]);
        std::thread::sleep(Duration::from_millis(300));
        if phase != "5" {
            // Both layouts exist: every committed row is in both.
            for (w, (old, new)) in writers.iter().zip(pairs) {
                let keys = snapshot(w);
                assert!(!keys.is_empty(), "{} committed nothing", w.name);
                assert_eq!(
                    missing(&mut c, old, &keys),
                    Vec::<String>::new(),
                    "{} in {old}",
                    w.name
                );
                if phase != "2" {
                    assert_eq!(
                        missing(&mut c, new, &keys),
                        Vec::<String>::new(),
                        "{} in {new}",
                        w.name
                    );
                }
            }
        }
    }
    let before_stop: Vec<usize> = writers.iter().map(|w| snapshot(w).len()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut all = Vec::new();
    for w in writers {
        w.stop.store(true, Ordering::Relaxed);
        w.handle.join().unwrap();
        let errors = w.errors.lock().unwrap().clone();
        assert!(errors.is_empty(), "{}: {errors:#?}", w.name);
        all.push((w.name, w.committed.lock().unwrap().clone()));
    }
    for ((name, keys), n) in all.iter().zip(before_stop) {
        assert!(keys.len() > n, "{name} stopped writing after the archive");
    }
    // After the archive every committed row is in the new masters...
    for ((name, keys), (_, new)) in all.iter().zip(pairs) {
        assert_eq!(
            missing(&mut c, new, keys),
            Vec::<String>::new(),
            "{name} in {new}"
        );
    }
    // ... and after rolling everything back, in the old tables.
    for phase in ["5", "4", "3", "2"] {
        ok(&db, &["rollback", phase, "--yes"]);
    }
    for ((name, keys), (old, _)) in all.iter().zip(pairs) {
        assert_eq!(
            missing(&mut c, old, keys),
            Vec::<String>::new(),
            "{name} in {old}"
        );
    }
}

#[test]
fn the_copy_functions_cannot_be_borrowed_to_write_another_table() {
    let db = TestDb::legacy();
    let mut c = db.client();
    let tag = db.name.rsplit('_').next().unwrap().to_string();
    let role = format!("borrower_{tag}");
    c.batch_execute(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'pw_{role}';
         GRANT CONNECT ON DATABASE \"{db}\" TO {role};
         CREATE SCHEMA {role} AUTHORIZATION {role};
         GRANT SELECT ON ra_horses TO {role};",
        db = db.name
    ))
    .unwrap();
    ok(&db, &["init"]);
    c.batch_execute(&format!("GRANT USAGE ON SCHEMA ra_migrate TO {role}"))
        .unwrap();
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    let mut b = Client::connect(&url_as(&db.url, &role), postgres::NoTls).unwrap();
    b.batch_execute(&format!("CREATE TABLE {role}.mine (LIKE public.ra_horses)"))
        .unwrap();
    for func in [
        "ra_migrate.dual_write_ra_horses",
        "ra_migrate.reverse_write_ra_horses",
    ] {
        let err = b
            .batch_execute(&format!(
                "CREATE TRIGGER borrowed AFTER INSERT ON {role}.mine FOR EACH ROW EXECUTE FUNCTION {func}()"
            ))
            .expect_err("attaching the tool's function to another table must be refused");
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{err:?}"
        );
    }
    // Even attached by someone allowed to, a copy function refuses any table but its own.
    c.batch_execute(&format!(
        "CREATE TRIGGER borrowed AFTER INSERT ON {role}.mine FOR EACH ROW EXECUTE FUNCTION ra_migrate.dual_write_ra_horses()"
    ))
    .unwrap();
    let err = b
        .batch_execute(&format!(
            "INSERT INTO {role}.mine (id, name) VALUES ('hrs_smuggled', 'Smuggled')"
        ))
        .expect_err("the function must refuse a table that is not its own");
    assert!(
        format!("{err:?}").contains("dual-write trigger of"),
        "{err:?}"
    );
    let smuggled: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_mst_horses WHERE id = 'hrs_smuggled'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(smuggled, 0);
}
