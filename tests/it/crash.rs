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

/// Starts `args`, kills it after `delay`, by SIGKILL or by terminating its database session.
fn interrupt(db: &TestDb, args: &[&str], delay: Duration, from_server: bool) {
    let mut child = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    if from_server {
        let mut c = db.client();
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
}

/// Applies (or rolls back) a phase, interrupted at the given delays, then finishes it the way an
/// operator would: run it again (or verify it, when only the verification was cut off).
fn converge(db: &TestDb, c: &mut Client, phase: u8, apply: bool, delays: &[u64]) {
    let p = phase.to_string();
    let verb = if apply { "apply" } else { "rollback" };
    for (n, ms) in delays.iter().enumerate() {
        interrupt(
            db,
            &[verb, &p, "--yes", "--functions", "--batch-size", "50"],
            Duration::from_millis(*ms),
            n % 2 == 1,
        );
    }
    for _ in 0..5 {
        match (apply, status(c, phase)) {
            (true, Some((s, true))) if s == "applied" => return,
            (true, Some((s, false))) if s == "applied" => {
                let (code, text) = run(db, &["verify", &p]);
                assert_eq!(code, Some(0), "verify {phase}: {text}");
            }
            (false, Some((s, _))) if s == "rolled_back" => return,
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
    let delays: &[u64] = &[5, 40, 90, 160, 260];
    for phase in 1..=5u8 {
        if phase == 4 {
            let (code, text) = run(
                &db,
                &["validate", "--report-dir", reports.to_str().unwrap()],
            );
            assert_eq!(code, Some(0), "{text}");
        }
        converge(&db, &mut c, phase, true, delays);
    }
    let (code, text) = run(
        &db,
        &["validate", "--report-dir", reports.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "green after interrupted applies: {text}");
    for phase in (1..=5u8).rev() {
        converge(&db, &mut c, phase, false, delays);
    }
    assert_eq!(
        pg_dump_schema(&db.url),
        schema_before,
        "back where it started"
    );
    let failed: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_migrate.operation_log WHERE outcome <> 'ok'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(failed > 0, "the interruptions are in the log");
    std::fs::remove_dir_all(&reports).ok();
}
