//! Issue 17, dual-write side: writes on the new names before the backfill, REPEATABLE READ writers,
//! re-applying phases 2 and 3, implicit relationships reported not enforced.

use crate::common::{bin, ok, ra, wait_for, TestDb};
use postgres::error::SqlState;
use postgres::Client;

fn horse_row(c: &mut Client, table: &str, id: &str) -> Option<String> {
    c.query_opt(
        &format!(
            "SELECT ROW(id, name, sire_id, dam_id, damsire_id, dob, breeder, colour)::text FROM {table} WHERE id = $1"
        ),
        &[&id],
    )
    .unwrap()
    .map(|r| r.get(0))
}

fn code_of(e: &postgres::Error) -> Option<String> {
    e.code().map(|c| c.code().to_string())
}

/// Rows of `a` not in `b` plus rows of `b` not in `a`, compared as whole rows over `cols`.
fn differences(c: &mut Client, a: &str, b: &str, cols: &str) -> i64 {
    c.query_one(
        &format!(
            "SELECT (SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT SELECT {cols} FROM {b}) x) \
             + (SELECT count(*) FROM (SELECT {cols} FROM {b} EXCEPT SELECT {cols} FROM {a}) y)"
        ),
        &[],
    )
    .unwrap()
    .get(0)
}

fn reports_dir() -> String {
    let d = std::env::temp_dir().join(format!("ra-nothing-lost-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().to_string()
}

const HORSE_COLS: &str =
    "id, name, sire_id, dam_id, damsire_id, dob, age, sex, colour, breeder, region";

#[test]
fn a_write_on_a_new_name_before_the_backfill_is_refused_and_the_old_row_is_untouched() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    let id: String = c
        .query_one(
            "SELECT id FROM ra_horses WHERE breeder IS NOT NULL AND dob IS NOT NULL ORDER BY id LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    let before = horse_row(&mut c, "ra_horses", &id).expect("the horse exists");
    let rest_before: String = c
        .query_one(
            &format!("SELECT ROW(sire_id, dam_id, damsire_id, dob, breeder)::text FROM ra_horses WHERE id = '{id}'"),
            &[],
        )
        .unwrap()
        .get(0);
    // The twin has no copy of it yet: each of these would have destroyed or missed the old row.
    for sql in [
        format!("INSERT INTO ra_mst_horses (id, name) VALUES ('{id}', 'Early')"),
        format!("INSERT INTO ra_mst_horses (id, name) VALUES ('{id}', 'Early') ON CONFLICT DO NOTHING"),
        format!("INSERT INTO ra_mst_horses (id, name) VALUES ('{id}', 'Early') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name"),
        format!("UPDATE ra_mst_horses SET name = 'Renamed' WHERE id = '{id}'"),
        format!("DELETE FROM ra_mst_horses WHERE id = '{id}'"),
        "INSERT INTO ra_mst_horses (id, name) VALUES ('hrs_brand_new', 'New')".to_string(),
    ] {
        let err = c
            .batch_execute(&sql)
            .expect_err(&format!("{sql} must be refused before the backfill"));
        assert_eq!(code_of(&err).as_deref(), Some("55000"), "{sql}: {err:?}");
        let msg = err.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        assert!(msg.contains("ra_mst_horses") && msg.contains("phase 3"), "{msg}");
    }
    assert_eq!(
        horse_row(&mut c, "ra_horses", &id).as_deref(),
        Some(before.as_str())
    );
    // The old name keeps working, and its writes reach the twin.
    c.batch_execute(&format!(
        "UPDATE ra_horses SET colour = 'grey' WHERE id = '{id}'"
    ))
    .unwrap();
    assert_eq!(
        horse_row(&mut c, "ra_horses", &id),
        horse_row(&mut c, "ra_mst_horses", &id)
    );

    ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    // Backfilled: the new name now behaves like the whole table, and writes there reach the old one.
    let dup = c
        .batch_execute(&format!(
            "INSERT INTO ra_mst_horses (id, name) VALUES ('{id}', 'Early')"
        ))
        .expect_err("the key exists");
    assert_eq!(dup.code(), Some(&SqlState::UNIQUE_VIOLATION), "{dup:?}");
    c.batch_execute(&format!(
        "UPDATE ra_mst_horses SET name = 'Renamed' WHERE id = '{id}'"
    ))
    .unwrap();
    let old = horse_row(&mut c, "ra_horses", &id).unwrap();
    assert!(old.contains("Renamed"), "{old}");
    assert_eq!(Some(old), horse_row(&mut c, "ra_mst_horses", &id));
    // Every other column of the old row survived the write through the new name.
    let rest = |c: &mut Client| -> String {
        c.query_one(
            &format!("SELECT ROW(sire_id, dam_id, damsire_id, dob, breeder)::text FROM ra_horses WHERE id = '{id}'"),
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(rest(&mut c), rest_before);
    c.batch_execute("INSERT INTO ra_mst_horses (id, name) VALUES ('hrs_brand_new', 'New')")
        .unwrap();
    assert!(horse_row(&mut c, "ra_horses", "hrs_brand_new").is_some());
    assert_eq!(
        differences(&mut c, "ra_horses", "ra_mst_horses", HORSE_COLS),
        0
    );
}

#[test]
fn a_repeatable_read_writer_whose_snapshot_predates_the_backfill_loses_no_delete() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    // Rows only the backfill will copy (inserted before dual-write), nobody references them.
    c.batch_execute(
        "INSERT INTO ra_horses (id, name) VALUES ('hrs_rr_del', 'Gone'), ('hrs_rr_key', 'Renamed Key')",
    )
    .unwrap();
    ok(&db, &["apply", "2", "--yes"]);

    // The writer's snapshot is taken before the backfill commits.
    let mut w = db.client();
    let committed = {
        let mut tx = w
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .unwrap();
        tx.query_one("SELECT 1", &[]).unwrap();
        ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
        assert!(horse_row(&mut c, "ra_mst_horses", "hrs_rr_del").is_some());
        tx.batch_execute("DELETE FROM ra_horses WHERE id = 'hrs_rr_del'")
            .and_then(|_| {
                tx.batch_execute("UPDATE ra_horses SET id = 'hrs_rr_key2' WHERE id = 'hrs_rr_key'")
            })
            .and_then(|_| tx.commit())
    };
    // The writer's snapshot cannot see the backfilled copy, so it is told to retry (as
    // REPEATABLE READ writers must) instead of committing a delete the copy would survive.
    let e = committed.expect_err("the stale snapshot's delete must not commit silently");
    assert_eq!(
        e.code(),
        Some(&SqlState::T_R_SERIALIZATION_FAILURE),
        "{e:?}"
    );
    let mut tx = w
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .unwrap();
    tx.batch_execute(
        "DELETE FROM ra_horses WHERE id = 'hrs_rr_del'; \
         UPDATE ra_horses SET id = 'hrs_rr_key2' WHERE id = 'hrs_rr_key'",
    )
    .unwrap();
    tx.commit().unwrap();
    for table in ["ra_horses", "ra_mst_horses"] {
        assert!(
            horse_row(&mut c, table, "hrs_rr_del").is_none(),
            "{table} kept a deleted row"
        );
        assert!(
            horse_row(&mut c, table, "hrs_rr_key").is_none(),
            "{table} kept the old key"
        );
        assert!(
            horse_row(&mut c, table, "hrs_rr_key2").is_some(),
            "{table} lacks the new key"
        );
    }
    assert_eq!(
        differences(&mut c, "ra_horses", "ra_mst_horses", HORSE_COLS),
        0
    );
    let out = ok(&db, &["validate", "--report-dir", &reports_dir()]);
    assert!(out.contains("ra_mst_horses"), "{out}");
}

#[test]
fn reapplying_dual_write_and_backfill_converges_to_the_old_tables() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    c.batch_execute("INSERT INTO ra_owners (id, name) VALUES ('own_gone', 'Gone Soon')")
        .unwrap();
    ok(&db, &["rollback", "3", "--yes"]);
    ok(&db, &["rollback", "2", "--yes"]);
    // Dual-write is off: none of this reaches the new masters.
    let id: String = c
        .query_one("SELECT id FROM ra_horses ORDER BY id LIMIT 1", &[])
        .unwrap()
        .get(0);
    c.batch_execute(&format!(
        "UPDATE ra_horses SET name = 'Changed While Off', colour = NULL WHERE id = '{id}';
         DELETE FROM ra_owners WHERE id = 'own_gone';
         INSERT INTO ra_owners (id, name) VALUES ('own_new_while_off', 'New While Off');"
    ))
    .unwrap();
    ok(&db, &["apply", "2", "--yes"]);
    let out = ra(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        horse_row(&mut c, "ra_mst_horses", &id),
        horse_row(&mut c, "ra_horses", &id)
    );
    assert_eq!(
        differences(&mut c, "ra_horses", "ra_mst_horses", HORSE_COLS),
        0
    );
    assert_eq!(
        differences(&mut c, "ra_owners", "ra_mst_owners", "id, name"),
        0
    );
    let gone: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_mst_owners WHERE id = 'own_gone'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(gone, 0, "a row deleted while dual-write was off came back");
}

#[test]
fn phase_3_verification_compares_content_not_counts() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    // A stale copy with the right count: only a content comparison sees it.
    c.batch_execute(
        "SET session_replication_role = replica;
         UPDATE ra_mst_jockeys SET name = 'Stale' WHERE id = (SELECT min(id) FROM ra_mst_jockeys);
         RESET session_replication_role;",
    )
    .unwrap();
    let out = ra(&db, &["verify", "3"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("ra_mst_jockeys"), "{text}");
}

#[test]
fn relationships_the_legacy_schema_never_enforced_are_reported_not_enforced_before_the_archive() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    let plan = ok(&db, &["plan", "3"]);
    assert!(
        plan.contains("ra_horse_pedigree.sire_id -> ra_mst_sires: never enforced"),
        "{plan}"
    );
    ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    // What the old layout accepts, the migrated one still accepts until the archive.
    let horse = "hrs_pedigree_first";
    c.batch_execute(&format!(
        "INSERT INTO ra_horses (id, name) VALUES ('{horse}', 'Pedigree First')"
    ))
    .unwrap();
    c.batch_execute(&format!(
        "INSERT INTO ra_horse_pedigree (horse_id, sire_id, sire) VALUES ('{horse}', 'sir_not_fetched_yet', 'Unknown Sire')"
    ))
    .expect("a pedigree row whose sire is not fetched yet is accepted, as before");
    let sire: Option<String> = c
        .query_opt(
            "SELECT s.id FROM ra_sires s WHERE EXISTS (SELECT 1 FROM ra_horse_pedigree p WHERE p.sire_id = s.id) \
             AND NOT EXISTS (SELECT 1 FROM ra_horses h WHERE h.sire_id = s.id) ORDER BY 1 LIMIT 1",
            &[],
        )
        .unwrap()
        .map(|r| r.get(0));
    if let Some(sire) = sire {
        c.batch_execute(&format!("DELETE FROM ra_sires WHERE id = '{sire}'"))
            .expect("a sire referenced only from the pedigree can be deleted, as before");
    }
    let constraints: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'ra_horse_pedigree'::regclass \
             AND contype = 'f' AND confrelid IN ('ra_mst_sires'::regclass, 'ra_mst_dams'::regclass, 'ra_mst_damsires'::regclass)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(constraints, 0);
    // ... and the orphans are reported.
    let out = ra(&db, &["validate", "--report-dir", &reports_dir()]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("sire_id"), "{text}");
}

/// Single-row updates of a few hot jockeys, half through each name, each writer counting what it
/// committed per key: no deadlock, and both tables moved by exactly the committed increments.
#[test]
fn writers_of_the_old_and_the_new_name_at_once_do_not_deadlock() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    let hot: Vec<String> = c
        .query("SELECT id FROM ra_jockeys ORDER BY id LIMIT 4", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let wins = |c: &mut Client, table: &str| -> Vec<i64> {
        hot.iter()
            .map(|k| {
                c.query_one(
                    &format!("SELECT coalesce(total_wins, 0)::bigint FROM {table} WHERE id = $1"),
                    &[k],
                )
                .unwrap()
                .get(0)
            })
            .collect()
    };
    let before = wins(&mut c, "ra_jockeys");
    assert_eq!(before, wins(&mut c, "ra_mst_jockeys"));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = [
        "ra_jockeys",
        "ra_mst_jockeys",
        "ra_jockeys",
        "ra_mst_jockeys",
    ]
    .into_iter()
    .enumerate()
    .map(|(n, table)| {
        let (url, stop, hot) = (db.url.clone(), stop.clone(), hot.clone());
        std::thread::spawn(move || {
            let mut w = Client::connect(&url, postgres::NoTls).unwrap();
            let mut committed = vec![0i64; hot.len()];
            let mut errors = Vec::new();
            let mut i = n;
            while !stop.load(Ordering::Relaxed) {
                i = (i * 7 + 3) % 1009;
                let k = i % hot.len();
                match w.execute(
                    &format!(
                        "UPDATE {table} SET total_wins = coalesce(total_wins, 0) + 1 WHERE id = $1"
                    ),
                    &[&hot[k]],
                ) {
                    Ok(1) => committed[k] += 1,
                    Ok(n) => errors.push(format!("{table}: {n} rows")),
                    Err(e) => errors.push(format!("{table}: {:?} {e}", e.code())),
                }
            }
            (committed, errors)
        })
    })
    .collect();
    std::thread::sleep(std::time::Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    let mut total = vec![0i64; hot.len()];
    let mut errors = Vec::new();
    for t in threads {
        let (committed, e) = t.join().unwrap();
        for (i, n) in committed.iter().enumerate() {
            total[i] += n;
        }
        errors.extend(e);
    }
    assert!(
        errors.is_empty(),
        "{} errors, e.g. {:?}",
        errors.len(),
        errors.first()
    );
    assert!(
        total.iter().sum::<i64>() > 100,
        "the writers hardly wrote: {total:?}"
    );
    let expected: Vec<i64> = before.iter().zip(&total).map(|(b, t)| b + t).collect();
    assert_eq!(wins(&mut c, "ra_jockeys"), expected);
    assert_eq!(wins(&mut c, "ra_mst_jockeys"), expected);
    assert_eq!(
        differences(
            &mut c,
            "ra_jockeys",
            "ra_mst_jockeys",
            "id, name, total_wins"
        ),
        0
    );
}

/// Transactions that write two masters, one writer through the old names and one through the new
/// names, in opposite master order and on different rows: the gate must not make them wait for
/// each other in a cycle (one gate per master would).
#[test]
fn transactions_writing_several_masters_through_different_names_do_not_deadlock() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = [
        (
            "ra_jockeys",
            "ra_owners",
            "(SELECT min(id) FROM ra_jockeys)",
            "(SELECT min(id) FROM ra_owners)",
        ),
        (
            "ra_mst_owners",
            "ra_mst_jockeys",
            "(SELECT max(id) FROM ra_mst_owners)",
            "(SELECT max(id) FROM ra_mst_jockeys)",
        ),
    ]
    .into_iter()
    .map(|(a, b, ka, kb)| {
        let (url, stop) = (db.url.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut w = Client::connect(&url, postgres::NoTls).unwrap();
            let (mut done, mut errors) = (0u64, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let sql = format!(
                    "BEGIN; UPDATE {a} SET total_wins = coalesce(total_wins, 0) + 1 WHERE id = {ka}; \
                     SELECT pg_sleep(0.002); \
                     UPDATE {b} SET total_wins = coalesce(total_wins, 0) + 1 WHERE id = {kb}; COMMIT;"
                );
                match w.batch_execute(&sql) {
                    Ok(()) => done += 1,
                    Err(e) => {
                        let _ = w.batch_execute("ROLLBACK");
                        errors.push(format!("{a}/{b}: {:?} {e}", e.code()));
                    }
                }
            }
            (done, errors)
        })
    })
    .collect();
    std::thread::sleep(std::time::Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let (done, errors) = t.join().unwrap();
        assert!(
            errors.is_empty(),
            "{} errors, e.g. {:?}",
            errors.len(),
            errors.first()
        );
        assert!(done > 20, "a writer hardly wrote: {done}");
    }
}

/// The first queries after phase 4 are planned with real statistics: phase 3 analyzes every new
/// master, and a reader's query on a new master gets the plan it gets on the old table.
#[test]
fn the_new_masters_have_planner_statistics_after_phase_3() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    let unanalyzed: Vec<String> = c
        .query(
            "SELECT relname::text FROM pg_stat_user_tables WHERE relname LIKE 'ra\\_mst\\_%' AND last_analyze IS NULL ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(unanalyzed.is_empty(), "never analyzed: {unanalyzed:?}");
    c.batch_execute("ANALYZE ra_races").unwrap();
    let date: String = c
        .query_one("SELECT min(date)::text FROM ra_races", &[])
        .unwrap()
        .get(0);
    let plan = |c: &mut Client, table: &str| -> String {
        let v: serde_json::Value = c
            .query_one(
                &format!("EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE date = '{date}'"),
                &[],
            )
            .unwrap()
            .get(0);
        v[0]["Plan"]["Node Type"].as_str().unwrap().to_string()
    };
    assert_eq!(plan(&mut c, "ra_mst_races"), plan(&mut c, "ra_races"));
    let out = ok(&db, &["plan", "3"]);
    assert!(
        out.contains("ANALYZE"),
        "the preview shows the statistics step"
    );
}

/// Rolling the archive back hands the readers back to the old masters with fresh statistics.
#[test]
fn rollback_of_the_archive_analyzes_the_restored_tables() {
    let db = TestDb::legacy();
    let mut c = db.client();
    ok(&db, &["init"]);
    for p in ["1", "2", "3"] {
        ok(&db, &["apply", p, "--yes", "--soak", "0s"]);
    }
    let dir = reports_dir();
    ok(&db, &["validate", "--report-dir", &dir]);
    ok(&db, &["apply", "4", "--yes"]);
    ok(&db, &["apply", "5", "--yes"]);
    let started: String = c
        .query_one("SELECT clock_timestamp()::text", &[])
        .unwrap()
        .get(0);
    ok(&db, &["rollback", "5", "--yes"]);
    let stale: Vec<String> = c
        .query(
            "SELECT relname::text FROM pg_stat_user_tables WHERE relname IN \
             ('ra_horses', 'ra_jockeys', 'ra_races', 'ra_owners', 'ra_courses') \
             AND (last_analyze IS NULL OR last_analyze < $1::text::timestamptz) ORDER BY 1",
            &[&started],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(stale.is_empty(), "not analyzed by the rollback: {stale:?}");
}

/// A batch that found no row of the new table in its key range copies without `ON CONFLICT`; a
/// row the dual-write commits into that range before the batch inserts makes the insert fail on
/// the key, and the batch runs again the full way: the writer's row is kept, nothing is lost.
#[test]
fn a_row_the_dual_write_commits_into_a_fresh_batch_range_is_kept() {
    use std::process::Stdio;
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    let mut c = db.client();
    let id: String = c
        .query_one("SELECT min(id) FROM ra_horses", &[])
        .unwrap()
        .get(0);
    // The writer's transaction: the dual-write puts its row into the new table, not yet committed,
    // so the backfill's look at the range finds it empty, then waits for the row's lock.
    let mut w = db.client();
    let mut tx = w.transaction().unwrap();
    tx.execute(
        "UPDATE ra_horses SET name = 'written meanwhile' WHERE id = $1",
        &[&id],
    )
    .unwrap();
    let child = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(["apply", "3", "--yes", "--soak", "0s"])
        .env("RUST_LOG", "ra_migrate::phase::copy=info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the backfill to wait for the writer's row", || {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND wait_event IN ('transactionid', 'tuple') \
             AND query LIKE '%ra_mst_horses%'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
            > 0
    });
    tx.commit().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.contains("a row written into ra_mst_horses meanwhile"),
        "the batch did not take the fallback: {stderr}"
    );
    let copied = horse_row(&mut c, "ra_mst_horses", &id).expect("the row in the new table");
    assert!(copied.contains("written meanwhile"), "{copied}");
    assert_eq!(Some(copied), horse_row(&mut c, "ra_horses", &id));
    assert_eq!(
        differences(
            &mut c,
            "ra_horses",
            "ra_mst_horses",
            "id, name, sire_id, dam_id"
        ),
        0
    );
}

/// A fetcher batch that waits for another writer's row and then leaves it as it is copies it to
/// the new master as that writer left it, not as the batch's snapshot saw it: otherwise the
/// writer's change, already mirrored, is overwritten in the new master and the layouts drift
/// apart (two fetchers writing the same horse at once, or a manual fix during a fetch).
#[test]
fn a_fetch_waiting_for_another_writers_row_mirrors_that_writers_version() {
    let db = TestDb::legacy();
    let range = ["--source", "synthetic", "--date", "2031-01-01"];
    let fetch_day = [&["fetch", "racecards"][..], &range].concat();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    ok(&db, &["apply", "2", "--yes"]);
    ok(&db, &fetch_day);
    let mut c = db.client();
    let horse: String = c
        .query_one(
            "SELECT h.id FROM ra_horses h JOIN ra_runners r ON r.horse_id = h.id
             JOIN ra_races x ON x.id = r.race_id WHERE x.date = '2031-01-01' ORDER BY h.id LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    // Another writer changes the horse (its trigger mirrors the change) and holds the row.
    let mut writer = db.client();
    writer
        .batch_execute(&format!(
            "BEGIN; UPDATE ra_horses SET updated_at = '2001-02-03 04:05:06' WHERE id = '{horse}'"
        ))
        .unwrap();
    let url = db.url.clone();
    let fetch = std::thread::spawn(move || crate::common::ra_url(&url, &fetch_day));
    wait_for("the fetch to wait for the writer's row", || {
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
             AND application_name LIKE 'ra-migrate %' AND wait_event_type = 'Lock'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
            > 0
    });
    writer.batch_execute("COMMIT").unwrap();
    let out = fetch.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<String> = ["ra_horses", "ra_mst_horses"]
        .iter()
        .map(|t| {
            c.query_one(
                &format!("SELECT t::text FROM {t} t WHERE id = $1"),
                &[&horse],
            )
            .unwrap()
            .get(0)
        })
        .collect();
    assert!(rows[0].contains("2001-02-03 04:05:06"), "{}", rows[0]);
    assert_eq!(rows[0], rows[1], "old and new master differ for {horse}");
}
