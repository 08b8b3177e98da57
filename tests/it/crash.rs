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
    let soak: &[&str] = if apply && phase == 3 {
        &["--soak", "0s"]
    } else {
        &[]
    };
    let mut live = 0;
    for (n, ms) in delays.iter().enumerate() {
        live += usize::from(interrupt(
            db,
            &[
                &[verb, &p, "--yes", "--functions", "--batch-size", "50"],
                soak,
            ]
            .concat(),
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
                let (code, text) = run(db, &[&[verb, &p, "--yes", "--functions"], soak].concat());
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

/// The phase commands of the whole sequence, forward and back, with the arguments the crash
/// tests use.
fn sequence() -> Vec<(String, Vec<String>)> {
    let args = |verb: &str, p: u8| -> Vec<String> {
        let mut v: Vec<String> = [
            verb,
            &p.to_string(),
            "--yes",
            "--functions",
            "--batch-size",
            "50",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if verb == "apply" && p == 3 {
            v.extend(["--soak".to_string(), "0s".to_string()]);
        }
        v
    };
    let mut out = Vec::new();
    for p in 1..=5u8 {
        out.push((format!("apply {p}"), args("apply", p)));
    }
    for p in (1..=5u8).rev() {
        out.push((format!("rollback {p}"), args("rollback", p)));
    }
    out
}

fn validate(db: &TestDb, reports: &std::path::Path) {
    let (code, text) = run(db, &["validate", "--report-dir", reports.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{text}");
}

/// Runs `args` stopped at `point` and kills it (SIGKILL) there. Panics when the point is never
/// reached. A run refused because the previous one's session is still going is started again.
fn kill_at(db: &TestDb, args: &[String], point: &str) {
    for _ in 0..50 {
        let seen = match crate::common::paused_at(&db.url, args, point) {
            Ok(mut child) => {
                // SIGKILL of the binary itself, stopped at the point.
                let _ = child.kill();
                let _ = child.wait();
                return;
            }
            Err(seen) => seen,
        };
        if seen
            .iter()
            .any(|l| l.contains("another ra-migrate operation"))
        {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        panic!("{args:?} never reached {point}:\n{}", seen.join("\n"));
    }
    panic!("{args:?}: the previous run's session did not go away");
}

/// Brings the command `name` to its end the operator's way: the same command again (or, when
/// only the verification was cut off, the verification).
fn finish(db: &TestDb, c: &mut Client, name: &str, args: &[String]) {
    let (verb, phase) = name.split_once(' ').unwrap();
    let phase: u8 = phase.parse().unwrap();
    let apply = verb == "apply";
    for _ in 0..10 {
        match (apply, status(c, phase)) {
            (true, Some((s, true))) if s == "applied" => return,
            (false, Some((s, _))) if s == "rolled_back" => return,
            (true, Some((s, false))) if s == "applied" => {
                let (code, text) = run(db, &["verify", &phase.to_string()]);
                assert_eq!(code, Some(0), "verify {phase}: {text}");
            }
            _ => {
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let (code, text) = run(db, &refs);
                assert!(
                    code == Some(0) || text.contains("another ra-migrate operation"),
                    "{name}: {text}"
                );
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{name} did not converge: {:?}", status(c, phase));
}

/// The points to kill at: every named point of the command, but of the points before each step
/// and of those after each step (a long phase has hundreds) the first, the last and three
/// between.
fn chosen(points: &[String]) -> Vec<String> {
    let kind = |p: &str| {
        if p.contains(": after step ") {
            Some(1)
        } else if p.contains(": step ") {
            Some(0)
        } else {
            None
        }
    };
    let mut keep = std::collections::BTreeSet::new();
    for k in [0, 1] {
        let of_kind: Vec<usize> = (0..points.len())
            .filter(|&i| kind(&points[i]) == Some(k))
            .collect();
        let n = of_kind.len();
        let picks: Vec<usize> = if n <= 5 {
            (0..n).collect()
        } else {
            vec![0, n / 4, n / 2, 3 * n / 4, n - 1]
        };
        keep.extend(picks.into_iter().map(|j| of_kind[j]));
    }
    (0..points.len())
        .filter(|&i| kind(&points[i]).is_none() || keep.contains(&i))
        .map(|i| points[i].clone())
        .collect()
}

#[test]
fn killed_at_every_named_point_of_every_phase_the_command_run_again_converges() {
    let reports = std::env::temp_dir().join(format!("ra-migrate-points-{}", std::process::id()));
    // The points of each command, from an uninterrupted run on a twin database.
    let list = TestDb::legacy();
    assert_eq!(run(&list, &["init"]).0, Some(0));
    let mut points: Vec<Vec<String>> = Vec::new();
    for (name, args) in sequence() {
        if name == "apply 4" {
            validate(&list, &reports);
        }
        let out = bin()
            .arg("--database-url")
            .arg(&list.url)
            .args(&args)
            .env("RA_MIGRATE_LIST_POINTS", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let listed: Vec<String> = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("interruption point: "))
            .map(str::to_string)
            .collect();
        assert!(
            listed.contains(&format!("{name}: start"))
                && listed.contains(&format!("{name}: before verify")),
            "{name}: {listed:?}"
        );
        points.push(listed);
    }
    drop(list);

    let db = TestDb::legacy();
    assert_eq!(run(&db, &["init"]).0, Some(0));
    let schema_before = pg_dump_schema(&db.url);
    let mut c = db.client();
    let mut killed = 0;
    let all = sequence();
    for ((name, args), listed) in all.iter().zip(&points) {
        if name == "apply 4" {
            validate(&db, &reports);
        }
        let chosen = chosen(listed);
        // A resumable run (one that commits step by step) resumes with other steps: after each
        // kill it is finished and undone, so the next kill meets the same run again.
        let resumable = listed
            .iter()
            .any(|p| p.contains(": after step ") || p.starts_with("backfill "));
        for (k, point) in chosen.iter().enumerate() {
            kill_at(&db, args, point);
            killed += 1;
            if resumable && k + 1 < chosen.len() {
                finish(&db, &mut c, name, args);
                let (verb, phase) = name.split_once(' ').unwrap();
                let inverse = if verb == "apply" { "rollback" } else { "apply" };
                let (iname, iargs) = all
                    .iter()
                    .find(|(n, _)| *n == format!("{inverse} {phase}"))
                    .unwrap();
                if iname == "apply 4" {
                    validate(&db, &reports);
                }
                finish(&db, &mut c, iname, iargs);
                if name == "apply 4" {
                    validate(&db, &reports);
                }
            }
        }
        finish(&db, &mut c, name, args);
        eprintln!(
            "{name}: killed at {} of {} points: {chosen:?}",
            chosen.len(),
            listed.len()
        );
        if name == "apply 5" {
            validate(&db, &reports);
        }
    }
    assert_eq!(
        pg_dump_schema(&db.url),
        schema_before,
        "back where it started"
    );
    eprintln!("killed at {killed} named points in all");
    assert!(killed >= 80, "only {killed} points");
    std::fs::remove_dir_all(&reports).ok();
}

/// Phase 3 gathers the new masters' statistics and compares their content on a second session,
/// beside the foreign keys' validation on its own. A step there that cannot get its lock stops the
/// run part-way, naming the step and the session; once the lock is free, the same command
/// finishes, and the log shows the second session's work.
#[test]
fn a_step_on_phase_3s_second_session_that_cannot_get_its_lock_stops_the_run_and_a_rerun_finishes() {
    let db = TestDb::legacy();
    crate::common::ok(&db, &["init"]);
    crate::common::apply(&db, 1);
    crate::common::apply(&db, 2);
    let plan: serde_json::Value =
        serde_json::from_str(&crate::common::ok(&db, &["plan", "3", "--json"])).unwrap();
    let first_analyze = plan["plan"]["steps"]
        .as_array()
        .or_else(|| plan["steps"].as_array())
        .expect("the plan's steps")
        .iter()
        .position(|s| {
            s["title"]
                .as_str()
                .unwrap()
                .starts_with("gather planner statistics of ra_mst_jockeys")
        })
        .expect("a step gathering ra_mst_jockeys' statistics")
        + 1;
    // Stop just before that step: every copy and every NOT VALID constraint is in place.
    let args: Vec<String> = ["apply", "3", "--yes", "--soak", "0s"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    kill_at(&db, &args, &format!("apply 3: step {first_analyze}"));
    let mut c = db.client();
    assert_eq!(status(&mut c, 3), Some(("applying".into(), false)));

    // SHARE UPDATE EXCLUSIVE on the new master: ANALYZE cannot start, its writers still can.
    let mut blocker = db.client();
    blocker
        .batch_execute("BEGIN; LOCK TABLE ra_mst_jockeys IN SHARE UPDATE EXCLUSIVE MODE")
        .unwrap();
    let (code, out) = run(
        &db,
        &[
            "apply",
            "3",
            "--yes",
            "--soak",
            "0s",
            "--lock-timeout-ms",
            "200",
            "--lock-retries",
            "1",
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("second session"), "{out}");
    assert!(
        out.contains("gather planner statistics of ra_mst_jockeys"),
        "{out}"
    );
    assert!(out.contains("stopped part-way"), "{out}");
    assert_eq!(status(&mut c, 3), Some(("applying".into(), false)));
    // The writers of that master were not held up meanwhile.
    c.batch_execute("SET lock_timeout = '1s'; UPDATE ra_jockeys SET name = name WHERE id IN (SELECT id FROM ra_jockeys LIMIT 1); RESET lock_timeout")
        .unwrap();

    blocker.batch_execute("ROLLBACK").unwrap();
    let (code, out) = run(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(status(&mut c, 3), Some(("applied".into(), true)));
    let analyzed: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'ra_mst_jockeys' AND last_analyze IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(analyzed, 1);
    let log: String = c
        .query_one(
            "SELECT statements::text FROM ra_migrate.operation_log WHERE phase = 3 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        log.contains("(second session) compare every master"),
        "{log}"
    );
    assert!(
        log.contains("(second session) step") && log.contains("ANALYZE public.ra_mst_jockeys"),
        "{log}"
    );
}
