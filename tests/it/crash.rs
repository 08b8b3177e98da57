//! Crash anywhere: the process killed with SIGKILL, or its session terminated from outside, at
//! many points of every phase's apply and rollback; running the same command again converges to
//! the state an uninterrupted run reaches.

use crate::common::{bin, pg_dump_schema, TestDb};
use postgres::Client;
use std::process::Stdio;
use std::time::Duration;

fn status(c: &mut Client, phase: u8) -> Option<(String, bool)> {
    c.query_opt(
        "SELECT status, verified FROM ra_migrate.phase_state WHERE phase = $1",
        &[&i16::from(phase)],
    )
    .unwrap()
    .map(|r| (r.get(0), r.get(1)))
}

fn run(db: &TestDb, args: &[&str]) -> (Option<i32>, String) {
    crate::common::run_url(&db.url, args)
}

/// Starts `args`, waits until its database session is there, then after `delay` kills it by
/// SIGKILL or by terminating its session from the server. Returns whether it was still running.
fn interrupt(db: &TestDb, args: &[&str], delay: Duration, from_server: bool) -> bool {
    let mut child = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut c = db.client();
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                 AND application_name LIKE 'ra-migrate %' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        if n > 0 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(delay);
    let alive = child.try_wait().unwrap().is_none();
    if from_server {
        c.batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name LIKE 'ra-migrate %' AND pid <> pg_backend_pid()
               AND datname = current_database()",
        )
        .unwrap();
    } else {
        let _ = child.kill();
    }
    let _ = child.wait();
    alive
}

/// Applies (or rolls back) a phase, interrupted at the given delays, then finishes it the way an
/// operator would: run it again (or verify it, when only the verification was cut off).
fn converge(db: &TestDb, c: &mut Client, phase: u8, apply: bool, delays: &[u64]) -> usize {
    let p = phase.to_string();
    let verb = if apply { "apply" } else { "rollback" };
    let mut live = 0;
    for (n, ms) in delays.iter().enumerate() {
        live += usize::from(interrupt(
            db,
            &[verb, &p, "--yes", "--functions", "--batch-size", "50"],
            Duration::from_millis(*ms),
            n % 2 == 1,
        ));
    }
    for _ in 0..5 {
        match (apply, status(c, phase)) {
            (true, Some((s, true))) if s == "applied" => return live,
            (true, Some((s, false))) if s == "applied" => {
                let (code, text) = run(db, &["verify", &p]);
                assert_eq!(code, Some(0), "verify {phase}: {text}");
            }
            (false, Some((s, _))) if s == "rolled_back" => return live,
            _ => {
                let (code, text) = run(db, &[verb, &p, "--yes", "--functions"]);
                assert!(
                    code == Some(0) || text.contains("another ra-migrate operation"),
                    "{verb} {phase}: {text}"
                );
            }
        }
    }
    panic!("{verb} {phase} did not converge: {:?}", status(c, phase));
}

#[test]
fn killed_anywhere_every_phase_converges_forward_and_back() {
    let db = TestDb::legacy();
    let (code, _) = run(&db, &["init"]);
    assert_eq!(code, Some(0));
    let schema_before = pg_dump_schema(&db.url);
    let mut c = db.client();
    let reports = std::env::temp_dir().join(format!("ra-migrate-crash-{}", std::process::id()));
    // after the operation's session appears: at once, then later and later into its work
    let delays: &[u64] = &[0, 5, 20, 60, 150];
    let mut live = 0;
    for phase in 1..=5u8 {
        if phase == 4 {
            let (code, text) = run(
                &db,
                &["validate", "--report-dir", reports.to_str().unwrap()],
            );
            assert_eq!(code, Some(0), "{text}");
        }
        live += converge(&db, &mut c, phase, true, delays);
    }
    let (code, text) = run(
        &db,
        &["validate", "--report-dir", reports.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "green after interrupted applies: {text}");
    for phase in (1..=5u8).rev() {
        live += converge(&db, &mut c, phase, false, delays);
    }
    assert_eq!(
        pg_dump_schema(&db.url),
        schema_before,
        "back where it started"
    );
    assert!(live > 0, "operations were killed while running");
    std::fs::remove_dir_all(&reports).ok();
}

/// What the fetchers wrote, per table, without what differs between two correct runs: the time
/// a row was written, and serial ids (a killed transaction uses some up): runners' and odds' own,
/// and the bookmaker's, which odds are compared by code instead.
fn fetched_content(c: &mut Client) -> Vec<(String, String)> {
    [
        ("ra_races", ""),
        ("ra_runners", " - 'id'"),
        (
            "ra_runner_odds x JOIN ra_bookmakers b ON b.id = x.bookmaker_id",
            " - 'id' - 'bookmaker_id' || jsonb_build_object('bookmaker', b.code)",
        ),
        ("ra_horses", ""),
        ("ra_jockeys", ""),
        ("ra_trainers", ""),
        ("ra_owners", ""),
        ("ra_horse_pedigree", ""),
        ("ra_courses", ""),
        ("ra_sires", ""),
        ("ra_dams", ""),
        ("ra_damsires", ""),
        ("ra_mst_races", ""),
        ("ra_mst_horses", ""),
        ("ra_mst_jockeys", ""),
        ("ra_mst_trainers", ""),
        ("ra_mst_owners", ""),
        ("ra_mst_courses", ""),
        ("ra_mst_sires", ""),
        ("ra_mst_dams", ""),
        ("ra_mst_damsires", ""),
    ]
    .iter()
    .map(|(t, minus)| {
        // a plain table is aliased x here; a join names its own x
        let from = if t.contains(' ') {
            t.to_string()
        } else {
            format!("{t} x")
        };
        let digest: String = c
            .query_one(
                &format!(
                    "SELECT count(*) || ':' || md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM (
                       SELECT md5((to_jsonb(x) - 'created_at' - 'updated_at' - 'result_updated_at'
                                   - 'captured_at'{minus})::text) AS h
                       FROM {from}) s"
                ),
                &[],
            )
            .unwrap()
            .get(0);
        (t.split(' ').next().unwrap_or(t).to_string(), digest)
    })
    .collect()
}

#[test]
fn a_fetch_killed_mid_range_and_run_again_ends_as_an_uninterrupted_fetch() {
    let range = [
        "--source",
        "synthetic",
        "--date",
        "2031-01-01",
        "--to",
        "2031-01-08",
    ];
    let prepare = || {
        let db = TestDb::legacy();
        for args in [
            &["init"][..],
            &["apply", "1", "--yes"],
            &["apply", "2", "--yes"],
        ] {
            let (code, text) = run(&db, args);
            assert_eq!(code, Some(0), "{args:?}: {text}");
        }
        db
    };
    fn fetch<'a>(what: &'a str, range: &[&'a str]) -> Vec<&'a str> {
        [&["fetch", what][..], range].concat()
    }

    // dual-write is in effect: every batch writes old and new masters in one transaction
    let reference = prepare();
    for what in ["racecards", "results"] {
        let (code, text) = run(&reference, &fetch(what, &range));
        assert_eq!(code, Some(0), "{text}");
    }
    let expected = fetched_content(&mut reference.client());
    let fetched: i64 = reference
        .client()
        .query_one(
            "SELECT count(*) FROM ra_runners r JOIN ra_races x ON x.id = r.race_id
              WHERE x.date >= '2031-01-01' AND r.position IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        fetched > 100,
        "the range has racecards and results: {fetched}"
    );

    let crashed = prepare();
    let mut live = 0;
    for what in ["racecards", "results"] {
        for (n, ms) in [30u64, 150, 400, 900].iter().enumerate() {
            live += usize::from(interrupt(
                &crashed,
                &fetch(what, &range),
                Duration::from_millis(*ms),
                n % 2 == 1,
            ));
        }
        let (code, text) = run(&crashed, &fetch(what, &range));
        assert_eq!(code, Some(0), "{what} after the interruptions: {text}");
    }
    assert!(
        live >= 4,
        "only {live} of 8 interruptions hit a running fetch"
    );
    // old and new masters alike: dual-write batches are one transaction each
    assert_eq!(fetched_content(&mut crashed.client()), expected);
}
