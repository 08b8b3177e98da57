//! Issue 17, archive side: one id space for both layouts, TRUNCATE after the archive, rollback 5 that always completes (killed mid-validation, reused unique values).

use crate::common::{apply, bin, ok, ra, wait_for, TestDb};
use postgres::Client;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn status(c: &mut Client, phase: i16) -> String {
    c.query_opt(
        "SELECT status FROM ra_migrate.phase_state WHERE phase = $1",
        &[&phase],
    )
    .unwrap()
    .map(|r| r.get(0))
    .unwrap_or_default()
}

/// Every row of a table as text, in key order: what an operator compares.
fn rows(c: &mut Client, table: &str) -> Vec<String> {
    c.query(&format!("SELECT t::text FROM {table} t ORDER BY id"), &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// What one writer committed: (code, id) per insert, and the errors it met.
#[derive(Default)]
struct Committed {
    rows: Vec<(String, i64)>,
    /// Inserts refused because the name does not exist (the old name while phase 5 is in effect).
    absent: usize,
    /// Inserts on the new name refused until the backfill has copied the table (documented).
    refused_early: usize,
    errors: Vec<String>,
}

/// Inserts bookmakers through one name, taking ids from the table's default, until stopped, and
/// 20 more times after that (so every stage sees the names as they are once its change is done).
struct Writer {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Committed>,
}

impl Writer {
    fn start(url: &str, table: &'static str, tag: &'static str) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let (s, url) = (stop.clone(), url.to_string());
        let handle = std::thread::spawn(move || {
            let mut c = Client::connect(&url, postgres::NoTls).unwrap();
            let mut out = Committed::default();
            let (mut n, mut after_stop) = (0, 0);
            while after_stop < 20 {
                n += 1;
                if s.load(Ordering::Relaxed) {
                    after_stop += 1;
                }
                let code = format!("{tag}_{n}");
                let sql = format!("INSERT INTO {table} (name, code) VALUES ($1, $1) RETURNING id");
                match c.query_one(&sql, &[&code]) {
                    Ok(r) => out.rows.push((code, r.get(0))),
                    Err(e) if e.code().map(|c| c.code()) == Some("55000") => {
                        out.refused_early += 1;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => {
                        out.absent += 1;
                        // nothing to write through this name; do not spin on the server
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => out.errors.push(format!(
                        "{code} into {table}: {}",
                        e.as_db_error()
                            .map_or(e.to_string(), |d| d.message().to_string())
                    )),
                }
            }
            out
        });
        Writer { stop, handle }
    }

    fn stop(self) -> Committed {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Writers through both names at once while `during` runs (a phase change, or nothing).
fn write_both(db: &TestDb, stage: &'static str, during: impl FnOnce()) -> Vec<Committed> {
    let tags: [&'static str; 2] = match stage {
        "2" => ["p2_old", "p2_new"],
        "3" => ["p3_old", "p3_new"],
        "4" => ["p4_old", "p4_new"],
        "5" => ["p5_old", "p5_new"],
        _ => ["rb5_old", "rb5_new"],
    };
    let writers = [
        Writer::start(&db.url, "ra_bookmakers", tags[0]),
        Writer::start(&db.url, "ra_mst_bookmakers", tags[1]),
    ];
    during();
    let out: Vec<Committed> = writers.into_iter().map(Writer::stop).collect();
    for w in &out {
        assert!(w.errors.is_empty(), "stage {stage}: {:?}", w.errors);
    }
    out
}

/// Every committed row is in `table` under the id its insert returned, and ids are unique.
fn assert_in(c: &mut Client, table: &str, committed: &[(String, i64)]) {
    for (code, id) in committed {
        let got: Vec<i64> = c
            .query(&format!("SELECT id FROM {table} WHERE code = $1"), &[code])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(got, vec![*id], "{code} in {table}");
    }
    let dup: i64 = c
        .query_one(
            &format!("SELECT count(*) - count(DISTINCT id) FROM {table}"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(dup, 0, "{table}: duplicate ids");
}

#[test]
fn inserts_through_both_names_never_collide_in_any_phase_nor_after_rollback_and_purge() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    let mut c = db.client();
    let mut all: Vec<(String, i64)> = Vec::new();
    let take = |ws: Vec<Committed>, all: &mut Vec<(String, i64)>| {
        for w in ws {
            all.extend(w.rows);
        }
    };
    apply(&db, 2);
    let p2 = write_both(&db, "2", || {});
    // before the backfill the new name refuses writers (nothing committed there to collide)
    assert!(p2[1].rows.is_empty() && p2[1].refused_early > 0);
    take(p2, &mut all);
    // the backfill and the archive (and its rollback) run while both writers insert
    let p3 = write_both(&db, "3", || apply(&db, 3));
    assert!(
        !p3[1].rows.is_empty(),
        "the new name accepts writes once backfilled"
    );
    take(p3, &mut all);
    assert_in(&mut c, "ra_bookmakers", &all);
    assert_in(&mut c, "ra_mst_bookmakers", &all);
    apply(&db, 4);
    let p4 = write_both(&db, "4", || {});
    assert!(p4
        .iter()
        .all(|w| !w.rows.is_empty() && w.refused_early == 0));
    take(p4, &mut all);
    assert_in(&mut c, "ra_bookmakers", &all);
    assert_in(&mut c, "ra_mst_bookmakers", &all);
    let p5 = write_both(&db, "5", || apply(&db, 5));
    assert!(p5[0].absent > 0, "the old name was archived while it wrote");
    take(p5, &mut all);
    assert_in(&mut c, "ra_mst_bookmakers", &all);
    take(
        write_both(&db, "rb5", || {
            ok(&db, &["rollback", "5", "--yes"]);
        }),
        &mut all,
    );
    assert_in(&mut c, "ra_bookmakers", &all);
    assert_in(&mut c, "ra_mst_bookmakers", &all);
    assert_eq!(
        rows(&mut c, "ra_bookmakers"),
        rows(&mut c, "ra_mst_bookmakers")
    );
    // after the purge, the new table's default hands out ids no committed row has
    apply(&db, 5);
    ok(&db, &["purge", "--retention", "0s", "--yes"]);
    let id: i64 = c
        .query_one(
            "INSERT INTO ra_mst_bookmakers (name, code) VALUES ('After Purge', 'after_purge') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(all.iter().all(|(_, i)| *i < id), "{id}");
}

#[test]
fn a_descending_sequence_is_handed_over_downwards() {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(
        "ALTER SEQUENCE ra_bookmakers_id_seq INCREMENT BY -1 MINVALUE -1000000 MAXVALUE 1000000 RESTART WITH -1",
    )
    .unwrap();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    c.batch_execute(
        "INSERT INTO ra_bookmakers (name, code) SELECT 'Down ' || g, 'down_' || g FROM generate_series(1, 5) g",
    )
    .unwrap();
    for p in 3..=5 {
        apply(&db, p);
    }
    let id: i64 = c
        .query_one(
            "INSERT INTO ra_mst_bookmakers (name, code) VALUES ('After', 'after') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(id, -6, "below every id the old sequence handed out");
    ok(&db, &["rollback", "5", "--yes"]);
    let id: i64 = c
        .query_one(
            "INSERT INTO ra_bookmakers (name, code) VALUES ('Back', 'back') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(id, -7);
    assert_eq!(
        rows(&mut c, "ra_bookmakers"),
        rows(&mut c, "ra_mst_bookmakers")
    );
}

#[test]
fn truncate_of_a_new_master_after_the_archive_is_carried_back() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let mut c = db.client();
    c.batch_execute(
        "TRUNCATE ra_mst_bookmakers CASCADE;
         INSERT INTO ra_mst_bookmakers (name, code) VALUES ('Only One', 'only_one');",
    )
    .unwrap();
    ok(&db, &["rollback", "5", "--yes"]);
    let old = rows(&mut c, "ra_bookmakers");
    assert_eq!(old.len(), 1, "{old:?}");
    assert_eq!(old, rows(&mut c, "ra_mst_bookmakers"));
}

#[test]
fn rollback_carries_back_a_reused_and_a_swapped_unique_value() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let mut c = db.client();
    // Masters that reference each other: a horse an unchanged sire points at is updated, and a
    // sire is moved to a new horse before its old horse is deleted.
    c.batch_execute(
        "UPDATE ra_mst_horses SET name = name || ' (renamed)'
           WHERE id = (SELECT min(horse_id) FROM ra_mst_sires WHERE horse_id IS NOT NULL);
         INSERT INTO ra_mst_horses (id, name) VALUES ('hrs_gone', 'Gone'), ('hrs_kept', 'Kept');
         UPDATE ra_mst_sires SET horse_id = 'hrs_gone' WHERE id = (SELECT max(id) FROM ra_mst_sires);",
    )
    .unwrap();
    ok(&db, &["rollback", "5", "--yes"]);
    apply(&db, 5);
    c.batch_execute(
        "UPDATE ra_mst_sires SET horse_id = 'hrs_kept' WHERE horse_id = 'hrs_gone';
         DELETE FROM ra_mst_horses WHERE id = 'hrs_gone';",
    )
    .unwrap();
    let new_horses = rows(&mut c, "ra_mst_horses");
    let new_sires = rows(&mut c, "ra_mst_sires");
    c.batch_execute(
        "DELETE FROM ra_runner_odds WHERE bookmaker_id = (SELECT id FROM ra_mst_bookmakers WHERE code = 'coral');
         DELETE FROM ra_mst_bookmakers WHERE code = 'coral';
         INSERT INTO ra_mst_bookmakers (name, code) VALUES ('Coral Reborn', 'coral');
         UPDATE ra_mst_bookmakers SET code = 'swap' WHERE code = 'bet365';
         UPDATE ra_mst_bookmakers SET code = 'bet365' WHERE code = 'betfair';
         UPDATE ra_mst_bookmakers SET code = 'betfair' WHERE code = 'swap';",
    )
    .unwrap();
    let new = rows(&mut c, "ra_mst_bookmakers");
    ok(&db, &["rollback", "5", "--yes"]);
    assert_eq!(status(&mut c, 5), "rolled_back");
    assert_eq!(rows(&mut c, "ra_bookmakers"), new);
    assert_eq!(rows(&mut c, "ra_mst_bookmakers"), new);
    assert_eq!(rows(&mut c, "ra_horses"), new_horses);
    assert_eq!(rows(&mut c, "ra_sires"), new_sires);
}

#[test]
fn phase_1_accepts_the_shared_sequence_and_still_catches_another_default() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    let mut c = db.client();
    c.batch_execute(
        "CREATE SEQUENCE ra_other_seq;
         ALTER TABLE ra_mst_bookmakers ALTER COLUMN id SET DEFAULT nextval('ra_other_seq');",
    )
    .unwrap();
    let out = ra(&db, &["verify", "1"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ra_other_seq"), "{text}");
}

/// Backends of the `ra-migrate` process running `query_like`, waiting for a lock.
fn waiting(c: &mut Client, query_like: &str) -> Vec<i32> {
    c.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()
         AND application_name LIKE 'ra-migrate %' AND wait_event_type = 'Lock' AND query LIKE $1",
        &[&query_like],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

fn not_valid_fks(c: &mut Client) -> Vec<String> {
    c.query(
        "SELECT conname::text FROM pg_constraint WHERE contype = 'f' AND NOT convalidated
         AND connamespace = 'public'::regnamespace ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn rollback_killed_while_validating_restored_foreign_keys_resumes_to_the_end() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let mut c = db.client();
    c.batch_execute("INSERT INTO ra_mst_bookmakers (name, code) VALUES ('Late', 'late')")
        .unwrap();
    // Hold the rollback's transaction at its last statement (it forgets the recorded changes),
    // so a lock on ra_runners can queue behind it and be granted the moment it commits.
    let mut rows_lock = db.client();
    rows_lock
        .batch_execute("BEGIN; SELECT * FROM ra_migrate.archive_changes FOR UPDATE")
        .unwrap();
    let mut child = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(["--lock-timeout-ms", "600000", "rollback", "5", "--yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the rollback's transaction to reach its end", || {
        !waiting(&mut c, "DELETE FROM ra_migrate.archive_changes%").is_empty()
    });
    let url = db.url.clone();
    let (tx, rx) = std::sync::mpsc::channel::<i32>();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let blocker = std::thread::spawn(move || {
        let mut b = Client::connect(&url, postgres::NoTls).unwrap();
        let pid: i32 = b.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
        tx.send(pid).unwrap();
        b.batch_execute("BEGIN; LOCK TABLE ra_runners IN SHARE UPDATE EXCLUSIVE MODE")
            .unwrap();
        release_rx.recv().unwrap();
        b.batch_execute("ROLLBACK").unwrap();
    });
    let blocker_pid = rx.recv().unwrap();
    wait_for("the lock on ra_runners to queue", || {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
            &[&blocker_pid],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 1
    });
    rows_lock.batch_execute("COMMIT").unwrap();
    let mut validating = Vec::new();
    wait_for(
        "the rollback to validate a foreign key of ra_runners",
        || {
            validating = waiting(&mut c, "%VALIDATE CONSTRAINT%");
            !validating.is_empty()
        },
    );
    assert!(
        !not_valid_fks(&mut c).is_empty(),
        "killed while restored foreign keys are NOT VALID"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    release_tx.send(()).unwrap();
    blocker.join().unwrap();
    wait_for("the killed rollback's session to end", || {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
            &[&validating],
        )
        .unwrap()
        .get::<_, i64>(0)
            == 0
    });
    assert_eq!(status(&mut c, 5), "rolling_back");
    assert!(!not_valid_fks(&mut c).is_empty());
    ok(&db, &["rollback", "5", "--yes"]);
    assert_eq!(status(&mut c, 5), "rolled_back");
    assert_eq!(not_valid_fks(&mut c), Vec::<String>::new());
    assert_eq!(
        rows(&mut c, "ra_bookmakers"),
        rows(&mut c, "ra_mst_bookmakers")
    );
}

fn implicit_fks(c: &mut Client) -> Vec<(String, bool)> {
    c.query(
        "SELECT conname::text, convalidated FROM pg_constraint WHERE contype = 'f'
         AND conrelid = 'ra_horse_pedigree'::regclass
         AND confrelid IN ('ra_mst_sires'::regclass, 'ra_mst_dams'::regclass, 'ra_mst_damsires'::regclass)
         ORDER BY 1",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

#[test]
fn the_archive_enforces_the_implicit_pedigree_relationships_and_rollback_drops_them() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=4 {
        apply(&db, p);
    }
    let mut c = db.client();
    // Where phase 3 leaves them once it only reports them (this phase 3 may still add them).
    for col in ["sire_id", "dam_id", "damsire_id"] {
        c.batch_execute(&format!(
            "ALTER TABLE ra_horse_pedigree DROP CONSTRAINT IF EXISTS ra_horse_pedigree_{col}_mst_fkey"
        ))
        .unwrap();
    }
    // The old layout accepts an orphan sire: it must stay, and keep its constraint NOT VALID.
    c.batch_execute(
        "INSERT INTO ra_horses (id, name) VALUES ('hrs_orphan', 'Orphan');
         INSERT INTO ra_horse_pedigree (horse_id, sire_id) VALUES ('hrs_orphan', 'sir_nobody');",
    )
    .unwrap();
    let out = ra(&db, &["apply", "5", "--yes", "--functions"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("ra_horse_pedigree_sire_id_mst_fkey"),
        "{text}"
    );
    assert_eq!(status(&mut c, 5), "applied", "{text}");
    assert_eq!(
        implicit_fks(&mut c),
        vec![
            ("ra_horse_pedigree_dam_id_mst_fkey".to_string(), true),
            ("ra_horse_pedigree_damsire_id_mst_fkey".to_string(), true),
            ("ra_horse_pedigree_sire_id_mst_fkey".to_string(), false),
        ]
    );
    let orphan: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_horse_pedigree WHERE sire_id = 'sir_nobody'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orphan, 1, "never deleted");
    let err = c
        .batch_execute(
            "INSERT INTO ra_mst_horses (id, name) VALUES ('hrs_new', 'New');
             INSERT INTO ra_horse_pedigree (horse_id, dam_id) VALUES ('hrs_new', 'dam_nobody');",
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION),
        "{err}"
    );
    // An archive stopped while validating (its transaction committed, the phase still
    // `applying`): applying again validates what is left, now that the orphan is fixed.
    c.batch_execute(
        "UPDATE ra_horse_pedigree SET sire_id = NULL WHERE sire_id = 'sir_nobody';
         UPDATE ra_migrate.phase_state SET status = 'applying' WHERE phase = 5;",
    )
    .unwrap();
    let out = ok(&db, &["apply", "5", "--yes", "--functions"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    assert_eq!(status(&mut c, 5), "applied");
    assert!(
        implicit_fks(&mut c).iter().all(|(_, valid)| *valid),
        "{:?}",
        implicit_fks(&mut c)
    );
    ok(&db, &["rollback", "5", "--yes"]);
    assert_eq!(implicit_fks(&mut c), vec![]);
    c.batch_execute(
        "INSERT INTO ra_horses (id, name) VALUES ('hrs_new', 'New');
         INSERT INTO ra_horse_pedigree (horse_id, dam_id) VALUES ('hrs_new', 'dam_nobody');",
    )
    .unwrap();
}

/// While a rollback of the archive is under way (the old names are back, rows are being carried
/// back), the built-in fetchers write both layouts as in phase 4, on the same side of the write
/// gate as writers of the old names. Writing only the new names, as in phase 5, each of their
/// batches would wait for every open transaction on an old name, and hold up every later one.
#[test]
fn during_a_rollback_of_the_archive_the_fetchers_write_both_layouts_without_waiting_for_old_name_writers(
) {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let point = "rollback 5: recording";
    let args = ["rollback", "5", "--yes"].map(String::from);
    let mut child = crate::common::paused_at(&db.url, &args, point)
        .unwrap_or_else(|seen| panic!("never reached {point}:\n{}", seen.join("\n")));
    let mut c = db.client();
    assert_eq!(status(&mut c, 5), "rolling_back");
    // An outside writer of an old name, mid-transaction.
    let mut outside = db.client();
    outside
        .batch_execute(
            "BEGIN; UPDATE ra_jockeys SET name = name WHERE id = (SELECT min(id) FROM ra_jockeys)",
        )
        .unwrap();
    // A fetcher's batch, through the write path's own reading of the phase.
    let mut fetcher = db.client();
    let mut tx = fetcher.transaction().unwrap();
    tx.batch_execute("SET LOCAL statement_timeout = '3s'")
        .unwrap();
    let targets = ra_migrate::state::write_targets(&mut tx).unwrap();
    assert!(targets.old && targets.new, "{targets:?}");
    let t = Instant::now();
    tx.batch_execute(
        "INSERT INTO ra_jockeys (id, name) VALUES ('jky_rollback_5', 'During rollback 5');
         INSERT INTO ra_mst_jockeys (id, name) VALUES ('jky_rollback_5', 'During rollback 5')",
    )
    .unwrap_or_else(|e| panic!("the fetcher's batch waited for the outside writer: {e}"));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    tx.commit().unwrap();
    outside.batch_execute("COMMIT").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    ok(&db, &["rollback", "5", "--yes"]);
    assert_eq!(status(&mut c, 5), "rolled_back");
    for table in ["ra_jockeys", "ra_mst_jockeys"] {
        let n: i64 = c
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE id = 'jky_rollback_5'"),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(n, 1, "{table}");
    }
}
