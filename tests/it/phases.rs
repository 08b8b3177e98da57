//! Phases 1 (create) and 2 (dual-write) against a real PostgreSQL: apply, verify, rollback, dry
//! runs, phase order, the operator lock, lock timeouts, schema drift and the plan snapshots.

use crate::common::{bin, data_fingerprint, ok, pg_dump_schema, ra, TestDb};
use postgres::Client;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn fails(db: &TestDb, args: &[&str], code: i32) -> String {
    let out = ra(db, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "ra-migrate {args:?}: expected exit {code}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

fn tool_rows(c: &mut Client) -> (i64, i64) {
    (
        count(c, "SELECT count(*) FROM ra_migrate.phase_state"),
        count(c, "SELECT count(*) FROM ra_migrate.operation_log"),
    )
}

#[test]
fn apply_then_rollback_of_phase_1_leaves_schema_and_rows_as_before() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let schema_before = pg_dump_schema(&db.url);
    let mut c = db.client();
    let rows_before = data_fingerprint(&mut c);

    let out = ok(&db, &["apply", "1", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    let status: serde_json::Value = serde_json::from_str(&ok(&db, &["status", "--json"])).unwrap();
    assert_eq!(status["phase"], 1);
    assert_eq!(status["phase_name"], "create");
    assert_eq!(status["status"], "applied");
    let horses = status["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "ra_horses")
        .unwrap();
    assert_eq!(horses["new_table"], "ra_mst_horses");
    assert_eq!(horses["old_exists"], true);
    assert_eq!(horses["new_exists"], true);
    assert_eq!(horses["new_rows"], 0);
    assert!(horses["old_rows"].as_i64().unwrap() > 0);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'ra_mst_%'"
        ),
        10
    );
    // no foreign key points at a new master yet: they are deferred to phase 3
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid::regclass::text LIKE 'ra_mst_%'"
        ),
        0
    );

    ok(&db, &["rollback", "1", "--yes"]);
    assert_eq!(pg_dump_schema(&db.url), schema_before);
    assert_eq!(data_fingerprint(&mut c), rows_before);
    let log = count(
        &mut c,
        "SELECT count(*) FROM ra_migrate.operation_log WHERE outcome = 'ok' AND action <> 'init'",
    );
    assert_eq!(log, 2, "apply and rollback are both logged");
}

#[test]
fn dry_run_changes_neither_the_catalog_nor_the_tools_tables() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();
    let schema_before = pg_dump_schema(&db.url);
    let tool_before = tool_rows(&mut c);
    let out = ok(&db, &["apply", "1", "--dry-run"]);
    assert!(out.contains("CREATE TABLE public.ra_mst_horses ("), "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    assert_eq!(pg_dump_schema(&db.url), schema_before);
    assert_eq!(tool_rows(&mut c), tool_before);

    ok(&db, &["apply", "1", "--yes"]);
    let applied = pg_dump_schema(&db.url);
    let tool_applied = tool_rows(&mut c);
    let out = ok(&db, &["rollback", "1", "--dry-run"]);
    assert!(out.contains("DROP TABLE public.ra_mst_horses;"), "{out}");
    assert_eq!(pg_dump_schema(&db.url), applied);
    assert_eq!(tool_rows(&mut c), tool_applied);
}

/// `plan N` and `apply N --dry-run` are one preview: the same JSON, refusals included (a dry run
/// of a phase the order refuses shows the plan and why it would be refused, as `plan` does).
#[test]
fn plan_and_dry_run_give_the_same_json() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&ok(&db, &all)).expect("JSON output")
    };
    let same = |plan: &[&str], dry_run: &[&str]| -> serde_json::Value {
        let (a, b) = (json(plan), json(dry_run));
        assert_eq!(a, b, "{plan:?} and {dry_run:?} differ");
        assert!(a["steps"].as_array().is_some_and(|s| !s.is_empty()), "{a}");
        a
    };
    let p = same(&["plan", "1"], &["apply", "1", "--dry-run"]);
    assert!(p["refused_now"].is_null(), "{p}");
    ok(&db, &["apply", "1", "--yes"]);
    same(&["plan", "2"], &["apply", "2", "--dry-run"]);
    let p = same(
        &["plan", "1", "--rollback"],
        &["rollback", "1", "--dry-run"],
    );
    assert!(p["refused_now"].is_null(), "{p}");
    // a rollback the order refuses: both show the plan and the same refusal
    ok(&db, &["apply", "2", "--yes"]);
    let p = same(
        &["plan", "1", "--rollback"],
        &["rollback", "1", "--dry-run"],
    );
    assert!(
        p["refused_now"]
            .as_str()
            .is_some_and(|r| r.contains("phase 2")),
        "{p}"
    );
}

#[test]
fn a_plan_that_references_a_protected_table_is_refused() {
    use ra_migrate::phase::{engine, Lock, Step};
    use ra_migrate::schema::mapping::Mapping;
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mapping = Mapping::builtin().unwrap();
    let mut c = db.client();
    let cat = ra_migrate::schema::catalog::Catalog::read(&mut c, "public").unwrap();
    let mut plan = ra_migrate::phase::create::plan_apply(&cat, &mapping).unwrap();
    engine::check_plan(&mut plan, &mapping, &cat).expect("the real plan passes");
    plan.steps.push(Step::new(
        "injected",
        "INSERT INTO ra_mst_horses (id, name) SELECT horse_id, horse_name FROM public.ra_odds_live",
        Lock::RowExclusive,
    ));
    let err = format!(
        "{:#}",
        engine::check_plan(&mut plan, &mapping, &cat).unwrap_err()
    );
    assert!(err.contains("ra_odds_live"), "{err}");
    assert!(err.contains("injected"), "{err}");
}

#[test]
fn drifted_legacy_schema_migrates_with_everything_carried_over() {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(
        r#"
        ALTER TABLE ra_horses ADD COLUMN "group" text DEFAULT 'flat' NOT NULL;
        ALTER TABLE ra_horses ADD COLUMN "MixedCase" integer;
        ALTER TABLE ra_horses ADD CONSTRAINT ra_horses_age_sane CHECK (age >= 0 AND age < 40);
        CREATE INDEX idx_ra_horses_lower_name ON ra_horses (lower(name)) WHERE dob IS NOT NULL;
        ALTER TABLE ra_jockeys ADD COLUMN "select" varchar(20) COLLATE "C";
        ALTER TABLE ra_trainers ADD COLUMN seq_no bigint GENERATED BY DEFAULT AS IDENTITY;
        COMMENT ON TABLE ra_courses IS 'courses, seeded monthly';
        CREATE TABLE ra_metadata_tracking (id serial PRIMARY KEY, note text);
        "#,
    )
    .unwrap();
    ok(&db, &["init"]);
    let schema_before = pg_dump_schema(&db.url);
    let out = ok(&db, &["apply", "1", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");

    let col = |c: &mut Client, t: &str, col: &str| -> Option<(String, bool, Option<String>)> {
        c.query_opt(
            "SELECT format_type(atttypid, atttypmod), attnotnull, pg_get_expr(d.adbin, d.adrelid)
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE attrelid = $1::text::regclass AND attname = $2",
            &[&t, &col],
        )
        .unwrap()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
    };
    assert_eq!(
        col(&mut c, "ra_mst_horses", "group"),
        Some(("text".into(), true, Some("'flat'::text".into())))
    );
    assert_eq!(
        col(&mut c, "ra_mst_horses", "MixedCase").unwrap().0,
        "integer"
    );
    assert!(col(&mut c, "ra_mst_jockeys", "select").is_some());
    let check: String = c
        .query_one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ra_mst_horses'::regclass AND contype = 'c'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(check.contains("age >= 0"), "{check}");
    let idx: String = c
        .query_one(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'ra_mst_horses' AND indexdef LIKE '%lower%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(idx.contains("WHERE (dob IS NOT NULL)"), "{idx}");
    let comment: Option<String> = c
        .query_one(
            "SELECT obj_description('ra_mst_courses'::regclass, 'pg_class')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(comment.as_deref(), Some("courses, seeded monthly"));
    // sequences: the new tables own their own, started where the old ones stand
    let own: String = c
        .query_one(
            "SELECT pg_get_serial_sequence('ra_mst_bookmakers', 'id')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(own, "public.ra_mst_bookmakers_id_seq");
    let next: i64 = c
        .query_one("SELECT nextval('public.ra_mst_bookmakers_id_seq')", &[])
        .unwrap()
        .get(0);
    let max_old: i64 = c
        .query_one("SELECT max(id) FROM ra_bookmakers", &[])
        .unwrap()
        .get(0);
    assert!(
        next > max_old,
        "new sequence {next} must start past {max_old}"
    );
    assert!(pg_dump_schema(&db.url).contains("GENERATED BY DEFAULT AS IDENTITY"));
    let ident: Option<String> = c
        .query_one(
            "SELECT pg_get_serial_sequence('ra_mst_trainers', 'seq_no')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ident.is_some());
    // the table the mapping does not know is reported, not touched
    let status: serde_json::Value = serde_json::from_str(&ok(&db, &["status", "--json"])).unwrap();
    assert_eq!(
        status["unmapped"],
        serde_json::json!(["ra_metadata_tracking"])
    );

    ok(&db, &["rollback", "1", "--yes"]);
    assert_eq!(pg_dump_schema(&db.url), schema_before);
}

#[test]
fn verify_names_a_structural_difference() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    let mut c = db.client();
    c.batch_execute(
        "ALTER TABLE ra_mst_owners ALTER COLUMN name TYPE text; DROP INDEX idx_ra_mst_races_date;",
    )
    .unwrap();
    let out = ra(&db, &["verify", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ra_mst_owners: column name differs"),
        "{text}"
    );
    assert!(
        text.contains("index idx_ra_mst_races_date is missing"),
        "{text}"
    );
    // an unverified phase 1 blocks phase 2
    let err = fails(&db, &["apply", "2", "--yes"], 2);
    assert!(err.contains("verify"), "{err}");
}

#[test]
fn commands_say_when_init_has_not_run() {
    let db = TestDb::legacy();
    for args in [&["status"][..], &["plan", "1"], &["apply", "1", "--yes"]] {
        let err = fails(&db, args, 2);
        assert!(
            err.contains("run `ra-migrate init` first"),
            "{args:?}: {err}"
        );
    }
    ok(&db, &["init"]);
    ok(&db, &["init"]); // idempotent
    let mut c = db.client();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_migrate.protected_fingerprint"
        ),
        3
    );
}

#[test]
fn phase_order_is_enforced() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let err = fails(&db, &["apply", "dual-write", "--yes"], 2);
    assert!(err.contains("needs phase 1 (create) applied"), "{err}");
    // a runbook run again: nothing to do is no error (tests/it/edges.rs has the details)
    let out = ok(&db, &["rollback", "1", "--yes"]);
    assert!(out.contains("nothing to roll back"), "{out}");
    ok(&db, &["apply", "create", "--yes"]);
    let out = ok(&db, &["apply", "1", "--yes"]);
    assert!(
        out.contains("already applied") && out.contains("nothing to do"),
        "{out}"
    );
    ok(&db, &["apply", "2", "--yes"]);
    let err = fails(&db, &["rollback", "1", "--yes"], 2);
    assert!(
        err.contains("phase 2 (dual-write) is still applied"),
        "{err}"
    );
    let err = fails(&db, &["apply", "7", "--yes"], 2);
    assert!(err.contains("unknown phase 7"), "{err}");
}

#[test]
fn apply_without_yes_on_a_non_terminal_refuses() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();
    let before = tool_rows(&mut c);
    let err = fails(&db, &["apply", "1"], 2);
    assert!(err.contains("pass --yes"), "{err}");
    assert_eq!(tool_rows(&mut c), before);
    assert_eq!(before.0, 0, "no phase state");
}

#[test]
fn a_second_operator_is_refused_at_once_naming_the_holder() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut holder = postgres::Config::new();
    let mut holder = Client::connect(
        &format!("{} application_name=operator-on-laptop-7", url_kv(&db.url)),
        postgres::NoTls,
    )
    .or_else(|_| {
        holder.application_name("operator-on-laptop-7");
        Client::connect(&db.url, postgres::NoTls)
    })
    .unwrap();
    holder
        .batch_execute(
            "SET application_name = 'operator-on-laptop-7'; SELECT pg_advisory_lock(29281, 1)",
        )
        .unwrap();
    let started = Instant::now();
    let err = fails(&db, &["apply", "1", "--yes"], 2);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "refused at once, not after waiting"
    );
    assert!(
        err.contains("another ra-migrate operation is running"),
        "{err}"
    );
    assert!(err.contains("operator-on-laptop-7"), "{err}");
    // a crashed operator's lock goes with its session
    drop(holder);
    ok(&db, &["apply", "1", "--yes"]);
}

#[test]
fn two_concurrent_applies_one_proceeds_the_other_exits_2() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let spawn = || {
        bin()
            .args(["--database-url", &db.url, "apply", "1", "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = vec![a.status.code(), b.status.code()];
    codes.sort();
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    // either the second met the lock (exit 2), or it started after the winner had finished and
    // found nothing to do (exit 0); never did both apply it
    if codes == vec![Some(0), Some(2)] {
        let loser = if a.status.success() { &b } else { &a };
        let err = text(loser);
        assert!(
            err.contains("another ra-migrate operation is running"),
            "{err}"
        );
    } else {
        assert_eq!(codes, vec![Some(0), Some(0)]);
        let both = format!("{}{}", text(&a), text(&b));
        assert_eq!(both.matches("nothing to do").count(), 1, "{both}");
    }
    let mut c = db.client();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'ra_mst_%'"
        ),
        10
    );
}

fn url_kv(url: &str) -> String {
    // postgres://user@host:port/db -> key=value form, so application_name can be appended
    let rest = url.split("://").nth(1).unwrap();
    let (auth, db) = rest.split_once('/').unwrap();
    let (user, hostport) = auth.split_once('@').unwrap();
    let (host, port) = hostport.split_once(':').unwrap();
    format!("host={host} port={port} user={user} dbname={db}")
}

#[test]
fn a_lock_held_on_an_old_table_times_out_retries_and_changes_nothing() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let schema_before = pg_dump_schema(&db.url);
    let mut blocker = db.client();
    blocker
        .batch_execute("BEGIN; LOCK TABLE ra_horses IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let err = fails(
        &db,
        &[
            "apply",
            "1",
            "--yes",
            "--lock-timeout-ms",
            "150",
            "--lock-retries",
            "2",
        ],
        2,
    );
    assert!(
        err.contains("not granted within 150ms on any of 3 tries"),
        "{err}"
    );
    assert!(
        err.contains("nothing was changed") || err.contains("as it was before"),
        "{err}"
    );
    // pg_dump would queue behind the blocker too: ask the catalog directly
    let mut c = db.client();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'ra_mst_%'"
        ),
        0,
        "nothing half-applied"
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_migrate.phase_state"),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_migrate.operation_log WHERE outcome = 'failed'"
        ),
        1
    );

    // released while the tool is retrying: a later try goes through
    let url = db.url.clone();
    let child = bin()
        .args([
            "--database-url",
            &url,
            "apply",
            "1",
            "--yes",
            "--lock-timeout-ms",
            "200",
            "--lock-retries",
            "20",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    blocker.batch_execute("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("retrying"),
        "it had to wait and retry: {text}"
    );
    ok(&db, &["rollback", "1", "--yes"]);
    assert_eq!(pg_dump_schema(&db.url), schema_before);
}

#[test]
fn plan_previews_match_their_snapshots() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    snapshot("plan-1-create.sql", &ok(&db, &["plan", "1"]));
    ok(&db, &["apply", "1", "--yes"]);
    snapshot(
        "plan-1-create-rollback.sql",
        &ok(&db, &["plan", "1", "--rollback"]),
    );
    snapshot("plan-2-dual-write.sql", &ok(&db, &["plan", "2"]));
}

/// Compares with tests/snapshots/NAME; `UPDATE_SNAPSHOTS=1` rewrites it (review the SQL diff).
fn snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    // row estimates depend on autovacuum timing; they are not part of the SQL
    let actual = normalize_estimates(actual);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "plan preview changed; review and run with UPDATE_SNAPSHOTS=1 to accept.\n--- {}\n{}",
        path.display(),
        first_difference(&expected, &actual)
    );
}

fn normalize_estimates(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        match line.find("about ") {
            Some(i) => {
                let rest = &line[i + 6..];
                let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
                out.push_str(&format!("{}about N{}", &line[..i], &rest[digits..]));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n- {x}\n+ {y}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn dual_write_carries_plain_sql_writes_and_skips_the_tools_own() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    ok(&db, &["apply", "1", "--yes"]);
    let after_phase_1 = pg_dump_schema(&db.url);
    let out = ok(&db, &["apply", "2", "--yes"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    let mut c = db.client();
    c.batch_execute(
        "INSERT INTO ra_jockeys (id, name) VALUES ('jky_new', 'New Jockey');
         UPDATE ra_jockeys SET total_wins = 999 WHERE id = 'jky_new';
         INSERT INTO ra_owners (id, name) VALUES ('own_gone', 'Gone');
         DELETE FROM ra_owners WHERE id = 'own_gone';",
    )
    .unwrap();
    let wins: i32 = c
        .query_one(
            "SELECT total_wins FROM ra_mst_jockeys WHERE id = 'jky_new'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(wins, 999);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_mst_owners WHERE id = 'own_gone'"
        ),
        0
    );
    // the tool's own writers set the flag and write both layouts themselves
    let mut tx = c.transaction().unwrap();
    tx.batch_execute(
        "SET LOCAL ra_migrate.app_dual_write = 'on';
         INSERT INTO ra_jockeys (id, name) VALUES ('jky_app', 'App Jockey');",
    )
    .unwrap();
    tx.commit().unwrap();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_mst_jockeys WHERE id = 'jky_app'"
        ),
        0
    );
    let err = c.batch_execute("TRUNCATE ra_owners CASCADE").unwrap_err();
    assert!(
        format!("{err:?}").contains("refused during the migration"),
        "{err:?}"
    );

    ok(&db, &["rollback", "2", "--yes"]);
    assert_eq!(pg_dump_schema(&db.url), after_phase_1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_mst_jockeys WHERE id = 'jky_new'"
        ),
        1,
        "copies stay"
    );
}
