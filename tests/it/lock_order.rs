//! Issue 17, locks: a refused rollback leaves the state as it was, locks taken in the order writers take them, autovacuum named and cancelled.

use crate::common::{apply, ok, ra, TestDb};
use postgres::{Client, NoTls};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn status(c: &mut Client, phase: i16) -> Option<String> {
    c.query_opt(
        "SELECT status FROM ra_migrate.phase_state WHERE phase = $1",
        &[&phase],
    )
    .unwrap()
    .map(|r| r.get(0))
}

/// Exit code and stdout followed by stderr.
fn run(db: &TestDb, args: &[&str]) -> (Option<i32>, String) {
    let out = ra(db, args);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A session of its own, named `app`, holding `lock` in an open transaction until dropped.
fn hold(db: &TestDb, app: &str, lock: &str) -> Client {
    let mut cfg: postgres::Config = db.url.parse().unwrap();
    let mut c = cfg
        .application_name(app)
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("connecting as {app}: {e}"));
    c.batch_execute(&format!("BEGIN; {lock}")).unwrap();
    c
}

#[test]
fn a_rollback_of_phase_5_refused_by_a_lock_leaves_phase_5_applied() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let mut c = db.client();
    let blocker = hold(
        &db,
        "lock_order_reader",
        "LOCK TABLE ra_old_horses IN ACCESS SHARE MODE",
    );
    let (code, out) = run(&db, &["rollback", "5", "--yes", "--lock-retries", "1"]);
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(status(&mut c, 5).as_deref(), Some("applied"), "{out}");
    assert!(!out.contains("part-way"), "{out}");
    assert!(out.contains("the database is as it was before"), "{out}");
    drop(blocker);
    let out = ok(&db, &["rollback", "5", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    assert_eq!(status(&mut c, 5).as_deref(), Some("rolled_back"));
}

#[test]
fn an_apply_of_phase_3_refused_by_a_lock_leaves_phase_3_unapplied() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    let mut c = db.client();
    let twins: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'ra\\_mst\\_%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!twins.is_empty());
    // SHARE lets the planner read but stops the first backfill batch from inserting
    let blocker = hold(
        &db,
        "lock_order_reader",
        &format!("LOCK TABLE {} IN SHARE MODE", twins.join(", ")),
    );
    let (code, out) = run(
        &db,
        &["apply", "3", "--yes", "--soak", "0s", "--lock-retries", "1"],
    );
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(status(&mut c, 3), None, "{out}");
    assert!(!out.contains("part-way"), "{out}");
    assert!(out.contains("the database is as it was before"), "{out}");
    drop(blocker);
    apply(&db, 3);
    assert_eq!(status(&mut c, 3).as_deref(), Some("applied"));

    // Refused again after a rollback: the row is put back exactly as it was.
    let out = ok(&db, &["rollback", "3", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    let row = |c: &mut Client| -> String {
        c.query_one(
            "SELECT to_jsonb(p)::text FROM ra_migrate.phase_state p WHERE phase = 3",
            &[],
        )
        .unwrap()
        .get(0)
    };
    let before = row(&mut c);
    let blocker = hold(
        &db,
        "lock_order_reader",
        &format!("LOCK TABLE {} IN SHARE MODE", twins.join(", ")),
    );
    let (code, out) = run(
        &db,
        &["apply", "3", "--yes", "--soak", "0s", "--lock-retries", "1"],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("the database is as it was before"), "{out}");
    assert_eq!(row(&mut c), before, "{out}");
    drop(blocker);
    apply(&db, 3);
}

/// Writers, each on its own connection, committing one-row transactions on `table` as fast as
/// they can; each keeps the ids it saw committed and the errors it got.
struct Writers {
    stop: Arc<AtomicBool>,
    handles: Vec<std::thread::JoinHandle<(Vec<String>, Vec<String>)>>,
}

impl Writers {
    fn start(db: &TestDb, n: usize, table: &str, prefix: &str) -> Writers {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..n)
            .map(|w| {
                let (stop, url, table) = (stop.clone(), db.url.clone(), table.to_string());
                let prefix = format!("{prefix}_{w}");
                std::thread::spawn(move || {
                    let mut c = Client::connect(&url, NoTls).unwrap();
                    let (mut committed, mut errors) = (Vec::new(), Vec::new());
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let id = format!("{prefix}_{i}");
                        let result = c.transaction().and_then(|mut tx| {
                            tx.execute(
                                &format!("INSERT INTO {table} (id, name) VALUES ($1, $2)"),
                                &[&id, &format!("writer {id}")],
                            )?;
                            tx.execute(
                                &format!("UPDATE {table} SET name = name || '.' WHERE id = $1"),
                                &[&id],
                            )?;
                            tx.commit()
                        });
                        match result {
                            Ok(()) => committed.push(id),
                            Err(e) => errors.push(format!("{id}: {e}")),
                        }
                    }
                    (committed, errors)
                })
            })
            .collect();
        Writers { stop, handles }
    }

    fn stop(self) -> (BTreeSet<String>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let (mut committed, mut errors) = (BTreeSet::new(), Vec::new());
        for h in self.handles {
            let (c, e) = h.join().unwrap();
            committed.extend(c);
            errors.extend(e);
        }
        (committed, errors)
    }
}

fn ids(c: &mut Client, table: &str, prefix: &str) -> BTreeSet<String> {
    c.query(
        &format!("SELECT id FROM {table} WHERE id LIKE $1"),
        &[&format!("{prefix}%")],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Lets the writers get going, so the phase meets them mid-stream.
fn wait_for_writes(c: &mut Client, table: &str, prefix: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while ids(c, table, prefix).len() < 20 {
        assert!(Instant::now() < deadline, "the writers did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn rollback_of_phase_2_gets_its_locks_under_writers_of_an_old_master() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    let mut c = db.client();
    let writers = Writers::start(&db, 4, "ra_owners", "own_lo");
    wait_for_writes(&mut c, "ra_owners", "own_lo");
    let (code, out) = run(&db, &["rollback", "2", "--yes"]);
    let (committed, errors) = writers.stop();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verified: no problems found"), "{out}");
    assert!(errors.is_empty(), "writer errors: {errors:?}");
    assert!(committed.len() > 20, "{} commits", committed.len());
    let found = ids(&mut c, "ra_owners", "own_lo");
    let lost: Vec<_> = committed.difference(&found).collect();
    assert!(lost.is_empty(), "committed but missing: {lost:?}");
}

#[test]
fn apply_of_phase_5_gets_its_locks_under_writers_of_a_new_master() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=4 {
        apply(&db, p);
    }
    let mut c = db.client();
    let writers = Writers::start(&db, 4, "ra_mst_horses", "hrs_lo");
    wait_for_writes(&mut c, "ra_mst_horses", "hrs_lo");
    let (code, out) = run(&db, &["apply", "5", "--yes"]);
    let (committed, errors) = writers.stop();
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verified: no problems found"), "{out}");
    assert!(errors.is_empty(), "writer errors: {errors:?}");
    assert!(committed.len() > 20, "{} commits", committed.len());
    let found = ids(&mut c, "ra_mst_horses", "hrs_lo");
    let lost: Vec<_> = committed.difference(&found).collect();
    assert!(lost.is_empty(), "committed but missing: {lost:?}");
}

/// The pid of an autovacuum worker busy with `table`, once one is.
fn autovacuum_on(c: &mut Client, table: &str) -> Option<i32> {
    c.query_opt(
        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'
           AND datname = current_database() AND query LIKE '%' || $1 || '%'",
        &[&table],
    )
    .unwrap()
    .map(|r| r.get(0))
}

/// Restores the cluster-wide naptime even when the test fails half-way.
struct Naptime<'a>(&'a mut Client);

impl Drop for Naptime<'_> {
    fn drop(&mut self) {
        // ALTER SYSTEM cannot share an implicit transaction with the reload
        let _ = self
            .0
            .batch_execute("ALTER SYSTEM RESET autovacuum_naptime");
        let _ = self.0.batch_execute("SELECT pg_reload_conf()");
    }
}

#[test]
fn an_autovacuum_in_the_way_is_cancelled_and_a_session_in_the_way_is_named() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    let mut c = db.client();
    // A vacuum of ra_runners that is due at once and crawls: it holds SHARE UPDATE EXCLUSIVE on
    // the table phase 3 adds foreign keys to for many seconds.
    c.batch_execute(
        "ALTER TABLE ra_runners SET (autovacuum_vacuum_threshold = 0,
             autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 2000000000,
             autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
         UPDATE ra_runners SET draw = draw;
         SELECT pg_stat_force_next_flush();",
    )
    .unwrap();
    let pid = {
        // The launcher visits each database once per naptime (a minute by default); the cluster is
        // shared with other tests, so the shorter naptime lasts only until the worker has started.
        let mut admin = db.client();
        admin
            .batch_execute("ALTER SYSTEM SET autovacuum_naptime = 1")
            .unwrap();
        admin.batch_execute("SELECT pg_reload_conf()").unwrap();
        let _restore = Naptime(&mut admin);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Some(pid) = autovacuum_on(&mut c, "ra_runners") {
                break pid;
            }
            assert!(
                Instant::now() < deadline,
                "no autovacuum of ra_runners started"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let (code, out) = run(
        &db,
        &["apply", "3", "--yes", "--soak", "0s", "--lock-retries", "3"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verified: no problems found"), "{out}");
    assert!(
        out.contains(&format!("cancelled the autovacuum (pid {pid})"))
            && out.contains("ra_runners"),
        "{out}"
    );
    assert!(autovacuum_on(&mut c, "ra_runners") != Some(pid));
    // Cancelled before the try that needed the lock, not after it timed out behind it (writers
    // of ra_runners would have queued behind that try for the whole lock_timeout).
    assert!(!out.contains("lock not granted"), "{out}");
    c.batch_execute(
        "ALTER TABLE ra_runners RESET (autovacuum_vacuum_threshold, autovacuum_vacuum_scale_factor,
             autovacuum_analyze_threshold, autovacuum_vacuum_cost_delay, autovacuum_vacuum_cost_limit)",
    )
    .unwrap();

    // A plain session in the way is not cancelled: it is named, for the operator to deal with.
    let blocker = hold(
        &db,
        "lock_order_blocker",
        "LOCK TABLE ra_runners IN ROW EXCLUSIVE MODE",
    );
    let blocker_pid: i32 = c
        .query_one(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'lock_order_blocker'",
            &[],
        )
        .unwrap()
        .get(0);
    let (code, out) = run(&db, &["rollback", "3", "--yes", "--lock-retries", "1"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains(&format!("pid {blocker_pid}"))
            && out.contains("lock_order_blocker")
            && out.contains("idle in transaction")
            && out.contains("LOCK TABLE ra_runners IN ROW EXCLUSIVE MODE"),
        "{out}"
    );
    assert_eq!(status(&mut c, 3).as_deref(), Some("applied"));
    drop(blocker);
    let out = ok(&db, &["rollback", "3", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
}

/// Built-in fetcher batches back to back, each ten times a try's lock timeout, overlapping so
/// one always has most of its time to run: every batch goes through the phase-aware write path's
/// own lock (`state::write_targets`) and writes a row, kept in its oracle once committed.
/// Without the gate the phase lock is never free for a whole try, and the phase gives up.
#[test]
fn a_phase_gets_in_between_fetcher_batches_that_never_pause() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let stop = Arc::new(AtomicBool::new(false));
    let batches: Vec<_> = (0..2)
        .map(|w| {
            let (stop, url) = (stop.clone(), db.url.clone());
            std::thread::spawn(move || -> (BTreeSet<String>, Vec<String>) {
                // the second starts halfway through the first's batch
                std::thread::sleep(Duration::from_millis(1000 * w));
                let mut c = Client::connect(&url, NoTls).unwrap();
                let (mut written, mut errors) = (BTreeSet::new(), Vec::new());
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let id = format!("crs_batch_{w}_{i}");
                    let result = (|| -> anyhow::Result<()> {
                        let mut tx = c.transaction()?;
                        let targets = ra_migrate::state::write_targets(&mut tx)?;
                        std::thread::sleep(Duration::from_millis(2000));
                        let table = if targets.old { "ra_courses" } else { "ra_mst_courses" };
                        tx.execute(
                            &format!("INSERT INTO {table} (id, name, region_code, region) VALUES ($1, 'Batch', 'gb', 'GB')"),
                            &[&id],
                        )?;
                        tx.commit()?;
                        Ok(())
                    })();
                    match result {
                        Ok(()) => {
                            written.insert(id);
                        }
                        Err(e) => errors.push(format!("{e:#}")),
                    }
                }
                (written, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    for phase in 1..=2u8 {
        let (code, text) = run(
            &db,
            &[
                "apply",
                &phase.to_string(),
                "--yes",
                "--lock-timeout-ms",
                "200",
            ],
        );
        assert_eq!(code, Some(0), "apply {phase}: {text}");
    }
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut written = BTreeSet::new();
    for b in batches {
        let (w, errors) = b.join().unwrap();
        assert!(errors.is_empty(), "a batch failed: {errors:?}");
        written.extend(w);
    }
    assert!(written.len() >= 2, "the batches ran: {written:?}");
    let mut c = db.client();
    assert_eq!(ids(&mut c, "ra_courses", "crs_batch_"), written);
    eprintln!("phases 1 and 2 got in between the batches in {took:?}");
}

/// Each try asks for its up-front locks with NOWAIT, again and again, before it queues for them:
/// while a long writer transaction keeps a phase out, other writers of the same table go straight
/// through instead of queueing behind the phase's waiting lock request.
#[test]
fn writers_do_not_queue_behind_a_phase_waiting_for_its_locks() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    let mut c = db.client();
    let ids: Vec<String> = c
        .query("SELECT id FROM ra_jockeys ORDER BY id LIMIT 2", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let long = hold(
        &db,
        "lock_order_long_writer",
        &format!("UPDATE ra_jockeys SET name = name WHERE id = '{}'", ids[0]),
    );
    let mut other = db.client();
    let (waited, (code, out)) = std::thread::scope(|s| {
        // A lock_timeout longer than the long transaction: a request that queued at once would
        // stay queued until it ends, with every later writer of ra_jockeys behind it.
        let rollback = s.spawn(|| {
            run(
                &db,
                &["rollback", "2", "--yes", "--lock-timeout-ms", "5000"],
            )
        });
        std::thread::sleep(Duration::from_millis(700));
        let t = Instant::now();
        other
            .execute(
                "UPDATE ra_jockeys SET name = name WHERE id = $1",
                &[&ids[1]],
            )
            .unwrap();
        let waited = t.elapsed();
        std::thread::sleep(Duration::from_millis(800));
        drop(long);
        (waited, rollback.join().unwrap())
    });
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("verified: no problems found"), "{out}");
    assert!(
        waited < Duration::from_millis(500),
        "a writer of ra_jockeys waited {waited:?} behind the phase's lock request"
    );
}

/// Dropping a foreign key locks the table it references as well (ACCESS EXCLUSIVE), which the
/// `DROP CONSTRAINT` statement does not name: rollback 3 takes those tables up front with the
/// others, instead of queueing for them halfway through, every writer of the tables it already
/// holds queued behind it.
#[test]
fn rollback_of_phase_3_locks_the_tables_its_dropped_foreign_keys_reference_up_front() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    apply(&db, 3);
    let out = ok(&db, &["plan", "3", "--rollback", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps = plan["steps"].as_array().unwrap();
    let locked: String = steps
        .iter()
        .filter(|s| s["up_front"].as_bool() == Some(true))
        .map(|s| s["sql"].as_str().unwrap().to_string())
        .collect();
    for referenced in [
        "ra_mst_jockeys",
        "ra_mst_trainers",
        "ra_mst_owners",
        "ra_mst_horses",
    ] {
        assert!(
            locked.contains(&format!("public.{referenced}")),
            "{referenced} is not locked up front: {locked}"
        );
    }
    let out = ok(&db, &["rollback", "3", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
}
