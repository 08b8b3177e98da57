//! Cross-cutting promises: secrets never leak, dry runs are dry, awkward names are quoted.

use crate::common::{bin, data_fingerprint, pg_dump_schema, table_fingerprint, TestDb};
use std::process::Stdio;

use crate::common::run_url as run;

/// `postgres://user@host:port/db` -> the same with a password (the test cluster trusts anyway).
fn with_password(url: &str, password: &str) -> String {
    url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{password}@"),
        1,
    )
}

#[test]
fn the_database_password_appears_in_no_output_report_log_or_table() {
    let db = TestDb::legacy();
    let secret = "Zq7-s3cret-Pw";
    let url = with_password(&db.url, secret);
    assert_ne!(url, db.url, "the URL carries a password");
    let reports = std::env::temp_dir().join(format!("ra-migrate-secret-{}", std::process::id()));
    let mut seen = String::new();
    for args in [
        vec!["init"],
        vec!["status"],
        vec!["--json", "status"],
        vec!["apply", "1", "--yes"],
        vec!["plan", "2"],
        vec!["validate", "--report-dir", reports.to_str().unwrap()],
        vec!["log", "--sql"],
        vec!["apply", "3", "--yes"], // refused: phase order; the error must not echo the URL's secret
    ] {
        let (_, text) = run(&url, &args);
        seen.push_str(&text);
    }
    // a connection error names the database but not the password
    let bad = with_password(&db.url.replace(&db.name, "no_such_db"), secret);
    let (code, text) = run(&bad, &["status"]);
    assert_eq!(code, Some(2));
    assert!(text.contains("***"), "the URL is shown redacted: {text}");
    seen.push_str(&text);
    assert!(
        !seen.contains(secret),
        "the password leaked into output:\n{seen}"
    );
    for entry in std::fs::read_dir(&reports).unwrap() {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!body.contains(secret), "the password leaked into a report");
    }
    let mut c = db.client();
    let dump: String = c
        .query_one(
            "SELECT string_agg(t::text, ' ') FROM (
               SELECT row_to_json(x)::text AS t FROM ra_migrate.operation_log x
               UNION ALL SELECT row_to_json(x)::text FROM ra_migrate.phase_state x
               UNION ALL SELECT row_to_json(x)::text FROM ra_migrate.validation_run x) s",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        !dump.contains(secret),
        "the password leaked into the tool's tables"
    );
    std::fs::remove_dir_all(&reports).ok();
}

#[test]
fn every_dry_run_at_every_phase_leaves_catalog_and_data_untouched() {
    let db = TestDb::legacy();
    let (code, _) = run(&db.url, &["init"]);
    assert_eq!(code, Some(0));
    let reports = std::env::temp_dir().join(format!("ra-migrate-dry-{}", std::process::id()));
    let mut c = db.client();
    // every table of the tool's schema, found from the catalog: a new one is covered unasked
    let tool_tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'ra_migrate' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in [
        "phase_state",
        "operation_log",
        "backfill_checkpoint",
        "validation_run",
        "quarantine",
        "protected_fingerprint",
        "archive_changes",
        "absent_profile",
        "orphan_fix",
    ] {
        assert!(tool_tables.iter().any(|x| x == t), "{t} in {tool_tables:?}");
    }
    let fingerprint = |c: &mut postgres::Client| {
        let mut fp = data_fingerprint(c);
        for t in &tool_tables {
            fp.insert(
                format!("ra_migrate.{t}"),
                table_fingerprint(c, &format!("ra_migrate.{t}")),
            );
        }
        (pg_dump_schema(&db.url), fp)
    };
    for phase in 1..=5u8 {
        let p = phase.to_string();
        let before = fingerprint(&mut c);
        let (code, text) = run(&db.url, &["apply", &p, "--dry-run", "--functions"]);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("dry run: nothing was changed"), "{text}");
        assert!(
            before == fingerprint(&mut c),
            "apply {phase} --dry-run changed something"
        );
        if phase == 4 {
            let (code, text) = run(
                &db.url,
                &["validate", "--report-dir", reports.to_str().unwrap()],
            );
            assert_eq!(code, Some(0), "{text}");
        }
        let (code, text) = run(
            &db.url,
            &["apply", &p, "--yes", "--soak", "0s", "--functions"],
        );
        assert_eq!(code, Some(0), "{text}");
        let before = fingerprint(&mut c);
        let (code, text) = run(&db.url, &["rollback", &p, "--dry-run"]);
        assert_eq!(code, Some(0), "{text}");
        assert!(
            before == fingerprint(&mut c),
            "rollback {phase} --dry-run changed something"
        );
    }
    std::fs::remove_dir_all(&reports).ok();
}

#[test]
fn awkward_names_are_quoted_everywhere() {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(
        r#"ALTER TABLE ra_horses ADD COLUMN "Order" text;
           ALTER TABLE ra_horses ADD COLUMN "user" integer DEFAULT 1;
           ALTER TABLE ra_horses ADD COLUMN "it's" text;
           CREATE INDEX "Idx Horses ""Mixed""" ON ra_horses ("Order");
           ALTER TABLE ra_jockeys ADD CONSTRAINT "Check ""Me""" CHECK (total_wins >= 0);
           UPDATE ra_horses SET "Order" = 'o''k', "it's" = 'yes' WHERE id = 'hrs_1';"#,
    )
    .unwrap();
    let reports = std::env::temp_dir().join(format!("ra-migrate-quote-{}", std::process::id()));
    for args in [
        vec!["init"],
        vec!["apply", "1", "--yes"],
        vec!["apply", "2", "--yes"],
        vec!["apply", "3", "--yes", "--soak", "0s"],
        vec!["validate", "--report-dir", reports.to_str().unwrap()],
    ] {
        let (code, text) = run(&db.url, &args);
        assert_eq!(code, Some(0), "{args:?}: {text}");
    }
    let v: String = c
        .query_one(
            r#"SELECT "Order" FROM ra_mst_horses WHERE id = 'hrs_1'"#,
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(v, "o'k");
    std::fs::remove_dir_all(&reports).ok();
}

#[test]
fn state_tables_older_than_the_binary_are_refused_until_init_upgrades_them() {
    let db = TestDb::legacy();
    let (code, out) = run(&db.url, &["init"]);
    assert_eq!(code, Some(0), "{out}");
    // as if installed by an earlier release, before the quarantine counted repeats
    db.client()
        .batch_execute(
            "DELETE FROM ra_migrate.refinery_schema_history WHERE version >= 3;
             DROP TABLE ra_migrate.absent_profile;
             DROP TABLE ra_migrate.orphan_fix;
             DROP INDEX ra_migrate.quarantine_unresolved_once;
             ALTER TABLE ra_migrate.quarantine DROP COLUMN times_seen, DROP COLUMN last_seen_at;",
        )
        .unwrap();
    let (code, out) = run(&db.url, &["status"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("version 2") && out.contains("run `ra-migrate init`"),
        "{out}"
    );
    let (code, out) = run(&db.url, &["init"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&db.url, &["status"]);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_instead_of_panicking() {
    let db = TestDb::legacy();
    let (code, out) = run(&db.url, &["init"]);
    assert_eq!(code, Some(0), "{out}");
    // `ra-migrate plan 1 | true`: the reader is gone before the plan is printed
    let mut child = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args(["plan", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
