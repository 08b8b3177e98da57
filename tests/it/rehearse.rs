//! `rehearse` against a real source database: the whole sequence runs on a throwaway copy, and the
//! source is left exactly as it was (schema and every row).

use crate::common::{bin, data_fingerprint, pg_dump_schema, TestDb};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

fn rehearse(args: &[&str]) -> Output {
    // The validation before phase 4 writes its reports under ./reports: not into the repository.
    static RUN: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ra-rehearse-test-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    let out = bin()
        .arg("rehearse")
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("running ra-migrate rehearse");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn rehearse_with_a_sample_passes_and_leaves_the_source_untouched() {
    let source = TestDb::legacy();
    let mut client = source.client();
    let data_before = data_fingerprint(&mut client);
    let schema_before = pg_dump_schema(&source.url);

    let out = rehearse(&["--from", &source.url, "--sample", "50"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "rehearse failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("connected read-only"), "{stdout}");
    assert!(stdout.contains("longest writer wait (ms)"), "{stdout}");
    for step in ["apply 3 (backfill)", "validate", "rollback 1 (create)"] {
        assert!(stdout.contains(step), "summary lacks {step}:\n{stdout}");
    }
    assert!(stdout.contains("verdict: PASS"), "{stdout}");
    // The sample holds races with their runners, and the masters they reference.
    for table in ["ra_races", "ra_runners", "ra_horses", "ra_sires"] {
        assert!(
            stdout.lines().any(|l| l.contains(table)),
            "sample lacks {table}:\n{stdout}"
        );
    }

    assert_eq!(
        pg_dump_schema(&source.url),
        schema_before,
        "the source's schema changed"
    );
    assert_eq!(
        data_fingerprint(&mut client),
        data_before,
        "the source's data changed"
    );
    let tool_schema: bool = client
        .query_one("SELECT to_regnamespace('ra_migrate') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(!tool_schema, "rehearse installed ra_migrate in the source");
}

#[test]
fn rehearse_refuses_a_source_that_has_started_the_migration() {
    let source = TestDb::legacy();
    let out = bin()
        .args(["--database-url", &source.url, "init"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = bin()
        .args(["--database-url", &source.url, "apply", "1", "--yes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let schema_before = pg_dump_schema(&source.url);

    let out = rehearse(&["--from", &source.url]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already started the migration"), "{stderr}");
    assert_eq!(pg_dump_schema(&source.url), schema_before);
}
