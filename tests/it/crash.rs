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
    let out = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
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
