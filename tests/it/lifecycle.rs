//! Phases 3 to 5 and the whole lifecycle against a real PostgreSQL: for each k, phases 1..k
//! applied and rolled back while an outside writer keeps inserting, updating and deleting; kill -9
//! during the backfill; readers switched and restored; archive, lossless rollback and purge.

use crate::common::{apply, bin, ok, pg_dump_schema, ra, report_dir, table_fingerprint, TestDb};
use postgres::Client;
use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// What the outside writer has produced, to compare with the old tables at the end.
#[derive(Default)]
struct Model {
    last_wins: i32,
    /// The longest write transaction, lock waits included.
    longest: Duration,
    owners: BTreeSet<String>,
    horses: BTreeSet<String>,
    errors: Vec<String>,
}

/// Plain SQL on the masters by their current names (the old ones, or the new ones while phase 5
/// has the old ones archived), like the legacy statistics function and manual fixes.
struct Writer {
    stop: Arc<AtomicBool>,
    model: Arc<Mutex<Model>>,
    handle: std::thread::JoinHandle<()>,
}

impl Writer {
    fn start(url: &str) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let model = Arc::new(Mutex::new(Model::default()));
        let (s, m, url) = (stop.clone(), model.clone(), url.to_string());
        let handle = std::thread::spawn(move || {
            let mut c = Client::connect(&url, postgres::NoTls).unwrap();
            let mut i = 0;
            while !s.load(Ordering::Relaxed) {
                i += 1;
                let result = ["", "mst_"].iter().find_map(|infix| {
                    let sql = format!(
                        "BEGIN;
                         UPDATE ra_{infix}jockeys SET total_wins = {i} WHERE id = 'jky_1';
                         INSERT INTO ra_{infix}owners (id, name) VALUES ('own_w_{i}', 'Writer {i}');
                         DELETE FROM ra_{infix}owners WHERE id = 'own_w_{}';
                         INSERT INTO ra_{infix}horses (id, name) VALUES ('hrs_w_{i}', 'Writer Horse {i}');
                         COMMIT;",
                        i - 2
                    );
                    let t = std::time::Instant::now();
                    let done = c.batch_execute(&sql);
                    let took = t.elapsed();
                    let mut model = m.lock().unwrap();
                    model.longest = model.longest.max(took);
                    drop(model);
                    match done {
                        Ok(()) => Some(Ok(())),
                        Err(e) => {
                            let _ = c.batch_execute("ROLLBACK");
                            // the old names are archived: write the layout in charge
                            if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) {
                                None
                            } else {
                                Some(Err(format!("{e:?}")))
                            }
                        }
                    }
                });
                let mut model = m.lock().unwrap();
                match result {
                    Some(Ok(())) => {
                        model.last_wins = i;
                        model.owners.insert(format!("own_w_{i}"));
                        model.owners.remove(&format!("own_w_{}", i - 2));
                        model.horses.insert(format!("hrs_w_{i}"));
                    }
                    Some(Err(e)) => model.errors.push(e),
                    None => model.errors.push("neither layout's tables exist".into()),
                }
                drop(model);
                std::thread::sleep(Duration::from_millis(15));
            }
        });
        Writer {
            stop,
            model,
            handle,
        }
    }

    fn stop(self) -> Model {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap();
        Arc::try_unwrap(self.model)
            .ok()
            .unwrap()
            .into_inner()
            .unwrap()
    }
}

/// The built-in fetchers writing from the synthetic source, a new race day per round (racecards
/// then results), through whatever the phase says: old, both, or new tables.
struct Fetcher {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(Vec<String>, Vec<String>)>,
}

impl Fetcher {
    fn start(url: &str) -> Fetcher {
        let stop = Arc::new(AtomicBool::new(false));
        let (s, url) = (stop.clone(), url.to_string());
        let handle = std::thread::spawn(move || {
            let (mut dates, mut errors) = (Vec::new(), Vec::new());
            let mut day = 0;
            while !s.load(Ordering::Relaxed) {
                let date = format!("2026-01-{:02}", 1 + day % 28);
                day += 1;
                for what in ["racecards", "results"] {
                    let out = bin()
                        .args([
                            "--database-url",
                            &url,
                            "fetch",
                            what,
                            "--source",
                            "synthetic",
                            "--date",
                            &date,
                        ])
                        .stdin(Stdio::null())
                        .output()
                        .unwrap();
                    if !out.status.success() {
                        errors.push(format!(
                            "fetch {what} {date}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        ));
                    }
                }
                dates.push(date);
            }
            (dates, errors)
        });
        Fetcher { stop, handle }
    }

    fn stop(self) -> (Vec<String>, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// `pg_restore` of every table dump `purge --dump` wrote into `dir`, in three passes (tables and
/// rows; indexes and keys; foreign keys, which name each other's keys), each required to succeed.
fn restore_dumps(db: &TestDb, dir: &std::path::Path, tables: &BTreeSet<String>) {
    let files: Vec<std::path::PathBuf> = tables
        .iter()
        .map(|t| dir.join(format!("{t}.dump")))
        .collect();
    let pg_restore = |args: &[&str], f: &std::path::Path| {
        let out = std::process::Command::new("pg_restore")
            .args(args)
            .arg(f)
            .output()
            .expect("running pg_restore");
        assert!(
            out.status.success(),
            "pg_restore {args:?} {}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let restore = ["--no-owner", "--exit-on-error", "--dbname", &db.url];
    let mut lists = Vec::new();
    for f in &files {
        assert!(f.is_file(), "purge --dump wrote {}", f.display());
        let mut args = restore.to_vec();
        args.extend(["--section=pre-data", "--section=data"]);
        pg_restore(&args, f);
        let toc = pg_restore(&["--list"], f);
        let (fk, rest): (Vec<&str>, Vec<&str>) = toc
            .lines()
            .filter(|l| !l.starts_with(';'))
            .partition(|l| l.contains(" FK CONSTRAINT "));
        let (fk_list, rest_list) = (f.with_extension("fk.list"), f.with_extension("rest.list"));
        std::fs::write(&fk_list, fk.join("\n")).unwrap();
        std::fs::write(&rest_list, rest.join("\n")).unwrap();
        lists.push((f, rest_list, fk_list));
    }
    for pass in 0..2 {
        for (f, rest_list, fk_list) in &lists {
            let list = if pass == 0 { rest_list } else { fk_list };
            let mut args = restore.to_vec();
            args.extend(["--section=post-data", "--use-list", list.to_str().unwrap()]);
            pg_restore(&args, f);
        }
    }
}

/// Every table the built-in fetchers write (`src/fetch`): the masters, the facts and the runners'
/// odds. The protected `ra_odds_*` tables are compared separately: nobody may write them.
const FETCHER_TABLES: &[&str] = &[
    "ra_bookmakers",
    "ra_courses",
    "ra_dams",
    "ra_damsires",
    "ra_horse_pedigree",
    "ra_horses",
    "ra_jockeys",
    "ra_owners",
    "ra_races",
    "ra_regions",
    "ra_runner_odds",
    "ra_runners",
    "ra_sires",
    "ra_trainers",
];

/// The longest an outside writer's transaction may take while phases are applied and rolled back.
const WRITER_WAIT_BOUND: Duration = Duration::from_secs(1);

fn matrix(k: u8) {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let schema_before = pg_dump_schema(&db.url);
    let mut c = db.client();
    let odds_before: Vec<String> = ["ra_odds_historical", "ra_odds_live", "ra_odds_statistics"]
        .iter()
        .map(|t| table_fingerprint(&mut c, t))
        .collect();
    let writer = Writer::start(&db.url);
    let fetcher = Fetcher::start(&db.url);
    for p in 1..=k {
        apply(&db, p);
        std::thread::sleep(Duration::from_millis(100));
    }
    for p in (1..=k).rev() {
        let out = ok(&db, &["rollback", &p.to_string(), "--yes"]);
        assert!(out.contains("verified: no problems found"), "{out}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let model = writer.stop();
    let (dates, fetch_errors) = fetcher.stop();
    assert!(fetch_errors.is_empty(), "fetcher errors: {fetch_errors:?}");
    assert!(!dates.is_empty(), "the fetchers ran");
    assert!(model.errors.is_empty(), "writer errors: {:?}", model.errors);
    assert!(model.last_wins > 0, "the writer ran");
    // No transition makes a writer wait long: a generous bound that holds on a loaded machine
    // (the migrate benchmark measures the real figure on a quiet one).
    eprintln!(
        "phases 1..{k}: longest writer transaction {:?}",
        model.longest
    );
    assert!(
        model.longest < WRITER_WAIT_BOUND,
        "a writer waited {:?} (bound {WRITER_WAIT_BOUND:?}) in phases 1..{k} forward and back",
        model.longest
    );
    assert_eq!(
        pg_dump_schema(&db.url),
        schema_before,
        "schema after rolling back 1..{k}"
    );
    // every row the writer produced, including while the new layout was in charge, is in the old tables
    let wins: i32 = c
        .query_one("SELECT total_wins FROM ra_jockeys WHERE id = 'jky_1'", &[])
        .unwrap()
        .get(0);
    assert_eq!(wins, model.last_wins);
    let owners: BTreeSet<String> = c
        .query("SELECT id FROM ra_owners WHERE id LIKE 'own_w_%'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(owners, model.owners);
    let horses: BTreeSet<String> = c
        .query("SELECT id FROM ra_horses WHERE id LIKE 'hrs_w_%'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(horses, model.horses);
    let odds_after: Vec<String> = ["ra_odds_historical", "ra_odds_live", "ra_odds_statistics"]
        .iter()
        .map(|t| table_fingerprint(&mut c, t))
        .collect();
    assert_eq!(odds_after, odds_before, "odds tables untouched");
    // everything the fetchers wrote, whichever layout was in charge, is in the old tables:
    // fetching the same days again changes nothing
    // every table the built-in fetchers write, masters and odds alike, and any other table the
    // statistics say was written during the run (the writer's too)
    let mut written: BTreeSet<String> = FETCHER_TABLES.iter().map(|t| t.to_string()).collect();
    c.batch_execute("SELECT pg_stat_force_next_flush()").ok();
    for r in c
        .query(
            "SELECT relname::text FROM pg_stat_user_tables
             WHERE schemaname = 'public' AND n_tup_ins + n_tup_upd + n_tup_del > 0
               AND relname NOT LIKE 'ra\\_mst\\_%' AND relname NOT LIKE 'ra\\_old\\_%'
               AND relname NOT LIKE 'ra\\_odds\\_%'",
            &[],
        )
        .unwrap()
    {
        written.insert(r.get(0));
    }
    let facts = |c: &mut Client| -> Vec<(String, String)> {
        // content only: a re-fetch legitimately stamps updated_at
        written
            .iter()
            .map(|t| {
                let h: String = c
                    .query_one(
                        &format!(
                            "SELECT md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM (
                           SELECT md5((to_jsonb(x) - 'updated_at' - 'result_updated_at')::text) AS h
                           FROM {t} x) s"
                        ),
                        &[],
                    )
                    .unwrap()
                    .get(0);
                (t.clone(), h)
            })
            .collect()
    };
    let after_migration = facts(&mut c);
    let races: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_races WHERE date >= '2026-01-01'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(races > 0, "fetched races are in the old table");
    let odds: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_runner_odds o JOIN ra_races r ON r.id = o.race_id WHERE r.date >= '2026-01-01'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(odds > 0, "fetched odds are in the old table");
    let mut seen = BTreeSet::new();
    for date in dates.iter().rev().filter(|d| seen.insert((*d).clone())) {
        for what in ["racecards", "results"] {
            ok(
                &db,
                &["fetch", what, "--source", "synthetic", "--date", date],
            );
        }
    }
    assert_eq!(
        facts(&mut c),
        after_migration,
        "re-fetching changed nothing: nothing was lost"
    );
}

#[test]
fn matrix_phase_1_forward_and_back_with_a_writer() {
    matrix(1);
}

#[test]
fn matrix_phase_2_forward_and_back_with_a_writer() {
    matrix(2);
}

#[test]
fn matrix_phase_3_forward_and_back_with_a_writer() {
    matrix(3);
}

#[test]
fn matrix_phase_4_forward_and_back_with_a_writer() {
    matrix(4);
}

#[test]
fn matrix_phase_5_forward_and_back_with_a_writer() {
    matrix(5);
}

#[test]
fn backfill_killed_at_several_points_resumes_to_a_green_report() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    apply(&db, 1);
    apply(&db, 2);
    let slow = |db: &TestDb| {
        bin()
            .args([
                "--database-url",
                &db.url,
                "apply",
                "3",
                "--yes",
                "--soak",
                "0s",
                "--batch-size",
                "50",
                "--batch-ms",
                "50",
                "--max-rows-per-sec",
                "200",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut c = db.client();
    let copied = |c: &mut Client| {
        count(
            c,
            "SELECT coalesce(sum(rows_copied), 0)::bigint FROM ra_migrate.backfill_checkpoint",
        )
    };
    // kill -9 at several points: each run resumes from the checkpoints of the one before
    let mut progress = vec![];
    for extra_batches in [2, 1, 1] {
        let mut child = slow(&db);
        // Kill once this run has checkpointed batches of its own (not after a fixed delay: on a
        // loaded machine a run may not have reached its first batch by then).
        let before = copied(&mut c);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while copied(&mut c) < before + 50 * extra_batches {
            assert!(std::time::Instant::now() < deadline, "no progress in 60 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "still copying after {extra_batches} batch(es)"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        progress.push(copied(&mut c));
        let status: String = c
            .query_one(
                "SELECT status FROM ra_migrate.phase_state WHERE phase = 3",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(status, "applying", "the state says it stopped part-way");
    }
    assert!(progress[0] > 0, "progress was checkpointed: {progress:?}");
    assert!(
        progress[2] > progress[0],
        "later runs continued: {progress:?}"
    );
    let out = ok(&db, &["apply", "3", "--yes", "--soak", "0s"]);
    assert!(out.contains("verified: no problems found"), "{out}");
    let out = ok(&db, &["validate", "--report-dir", &report_dir()]);
    assert!(out.contains("PASSED"), "{out}");
    for (old, new) in [
        ("ra_horses", "ra_mst_horses"),
        ("ra_races", "ra_mst_races"),
        ("ra_owners", "ra_mst_owners"),
    ] {
        assert_eq!(
            count(&mut c, &format!("SELECT count(*) FROM {old}")),
            count(&mut c, &format!("SELECT count(*) FROM {new}")),
            "{new} has every row of {old}, once"
        );
    }
}

#[test]
fn a_view_of_the_deprecated_table_alone_is_left_to_the_operator_and_phase_4_verifies() {
    let db = TestDb::legacy();
    db.client()
        .batch_execute(
            "CREATE VIEW recent_results AS SELECT race_id, horse_id FROM ra_race_results",
        )
        .unwrap();
    ok(&db, &["init"]);
    for p in 1..=3 {
        apply(&db, p);
    }
    let plan = ok(&db, &["plan", "4"]);
    assert!(
        plan.contains("recent_results") && plan.contains("deprecated"),
        "{plan}"
    );
    assert!(!plan.contains("CREATE OR REPLACE VIEW"), "{plan}");
    // applied and verified: nothing was planned for it, so nothing can fail to switch
    apply(&db, 4);
}

#[test]
fn readers_are_found_switched_by_phase_4_and_restored_by_its_rollback() {
    let db = TestDb::legacy();
    let mut c = db.client();
    c.batch_execute(
        "CREATE VIEW horse_runs AS
           SELECT ra_horses.id, ra_horses.name, count(r.id) AS runs
           FROM ra_horses LEFT JOIN ra_runners r ON r.horse_id = ra_horses.id
           GROUP BY ra_horses.id, ra_horses.name;
         CREATE FUNCTION update_entity_statistics() RETURNS void LANGUAGE plpgsql AS $$
         BEGIN
           UPDATE ra_jockeys j SET total_rides = (SELECT count(*) FROM ra_runners r WHERE r.jockey_id = j.id);
         END $$;",
    )
    .unwrap();
    ok(&db, &["init"]);
    let defs = |c: &mut Client| -> (String, String) {
        (
            c.query_one("SELECT pg_get_viewdef('horse_runs'::regclass)", &[])
                .unwrap()
                .get(0),
            c.query_one(
                "SELECT pg_get_functiondef('update_entity_statistics'::regproc)",
                &[],
            )
            .unwrap()
            .get(0),
        )
    };
    let before = defs(&mut c);
    let out = ra(&db, &["readers"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("public.horse_runs") && text.contains("update_entity_statistics"),
        "{text}"
    );
    for p in 1..=3 {
        apply(&db, p);
    }
    // a view is replaced under its own lock: the tables it reads are only read, never locked
    // exclusively (writers of ra_runners must not wait for phase 4)
    let plan = ok(&db, &["plan", "4", "--functions"]);
    assert!(plan.contains("CREATE OR REPLACE VIEW"), "{plan}");
    assert!(!plan.contains("LOCK TABLE"), "{plan}");
    // the gate: no passing validation since the last phase change
    let out = ra(&db, &["apply", "4", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    apply(&db, 4);
    let (view, func) = defs(&mut c);
    assert!(
        view.contains("ra_mst_horses") && !view.contains("FROM ra_horses"),
        "{view}"
    );
    assert!(
        func.contains("ra_mst_jockeys") && !func.contains("UPDATE ra_jockeys"),
        "{func}"
    );
    c.batch_execute("SELECT update_entity_statistics()")
        .unwrap();
    let runs: i64 = c
        .query_one("SELECT sum(runs)::bigint FROM horse_runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, count(&mut c, "SELECT count(*) FROM ra_runners"));
    assert!(
        ra(&db, &["readers"]).status.success(),
        "inventory empty after phase 4"
    );
    ok(&db, &["rollback", "4", "--yes"]);
    assert_eq!(defs(&mut c), before, "exact previous definitions");
}

#[test]
fn purge_waits_for_retention_and_silence_then_drops_exactly_the_archive() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    for p in 1..=5 {
        apply(&db, p);
    }
    let mut c = db.client();
    let tables = |c: &mut Client| -> BTreeSet<String> {
        c.query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let out = ra(&db, &["purge", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "refused before the retention");
    assert!(String::from_utf8_lossy(&out.stderr).contains("retention"));
    c.batch_execute("SELECT count(*) FROM ra_old_horses; SELECT pg_stat_force_next_flush();")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let out = ra(&db, &["purge", "--retention", "0s", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "refused after a read");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ra_old_horses was read or written"), "{err}");
    // validate reads the archive itself: its own reads do not count, and the outside read stays
    ok(&db, &["validate", "--report-dir", &report_dir()]);
    let out = ra(&db, &["purge", "--retention", "0s"]);
    assert_eq!(out.status.code(), Some(1), "still refused after validate");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ra_old_horses was read or written"));
    // the operator found that reader and accepts its reads
    let accepted = ok(&db, &["purge", "--retention", "0s", "--accept-activity"]);
    assert!(accepted.contains("activity so far accepted"), "{accepted}");
    let before = tables(&mut c);
    let preview = ok(&db, &["purge", "--retention", "0s"]);
    assert!(preview.contains("nothing dropped"), "{preview}");
    assert_eq!(tables(&mut c), before);
    let archive_before: Vec<(String, String)> = before
        .iter()
        .filter(|t| t.starts_with("ra_old_"))
        .map(|t| (t.clone(), table_fingerprint(&mut c, t)))
        .collect();
    let dumps = std::env::temp_dir().join(format!("ra-migrate-purge-dump-{}", db.name));
    let _ = std::fs::remove_dir_all(&dumps);
    ok(
        &db,
        &[
            "purge",
            "--retention",
            "0s",
            "--yes",
            "--dump",
            dumps.to_str().unwrap(),
        ],
    );
    let after = tables(&mut c);
    let dropped: BTreeSet<String> = before.difference(&after).cloned().collect();
    let archived: BTreeSet<String> = before
        .iter()
        .filter(|t| t.starts_with("ra_old_"))
        .cloned()
        .collect();
    assert_eq!(dropped, archived);
    assert_eq!(archived.len(), 11);
    // the dumps restore: tables and rows first, then indexes and constraints (their foreign keys
    // name each other), each table exactly as it was archived
    restore_dumps(&db, &dumps, &archived);
    for (t, fingerprint) in &archive_before {
        assert_eq!(
            &table_fingerprint(&mut c, t),
            fingerprint,
            "{t} restored from its dump"
        );
    }
    c.batch_execute(&format!(
        "DROP TABLE {}",
        archived.iter().cloned().collect::<Vec<_>>().join(", ")
    ))
    .unwrap();
    std::fs::remove_dir_all(&dumps).ok();
    // ids generated by every new table's own sequence do not collide
    let id: i64 = c
        .query_one("INSERT INTO ra_mst_bookmakers (name, code) VALUES ('After Purge', 'after_purge') RETURNING id", &[])
        .unwrap()
        .get(0);
    assert!(id > 19);
    c.batch_execute("INSERT INTO ra_runners (race_id, horse_id) SELECT race_id, horse_id FROM ra_runners LIMIT 1")
        .unwrap();
    let out = ra(&db, &["rollback", "5", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("can no longer be rolled back"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn readers_reports_parsed_queries_and_sql_files_and_rewrites_them() {
    let db = TestDb::legacy();
    ok(&db, &["init"]);
    let mut c = db.client();
    // the harness cluster preloads pg_stat_statements when the machine has it
    let preloaded: bool = c
        .query_one(
            "SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'",
            &[],
        )
        .unwrap()
        .get(0);
    // CI's cluster must load it: there, a missing extension fails the test instead of skipping
    // the part that matters
    assert!(
        preloaded || std::env::var("CI").as_deref() != Ok("true"),
        "pg_stat_statements is not preloaded by the harness's cluster (install the PostgreSQL contrib package)"
    );
    if preloaded {
        c.batch_execute("CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset();")
            .unwrap();
        c.batch_execute(
            "SELECT h.name FROM ra_horses h JOIN ra_runners r ON r.horse_id = h.id WHERE r.race_id = 'rac_1';
             SELECT 'ra_jockeys is only a string here';",
        )
        .unwrap();
    }
    let dir = std::env::temp_dir().join(format!("ra-migrate-sql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.sql");
    std::fs::write(
        &file,
        "-- daily report\nSELECT count(*) FROM ra_runners;\n\nSELECT ra_courses.name\nFROM ra_courses\nWHERE ra_courses.region = 'gb';\n",
    )
    .unwrap();
    let out = ra(&db, &["--json", "readers", "--sql", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "readers found: exit 1");
    let inv: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = inv["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{inv}");
    assert_eq!(files[0]["table"], "ra_courses");
    assert_eq!(files[0]["line"], 4, "the line where the statement starts");
    if preloaded {
        let statements = inv["statements"].as_array().unwrap();
        assert!(
            statements
                .iter()
                .any(|s| s["tables"] == serde_json::json!(["ra_horses"])),
            "{inv}"
        );
        assert!(
            !statements
                .iter()
                .any(|s| s["tables"].to_string().contains("ra_jockeys")),
            "a name inside a string literal is no reference: {inv}"
        );
    } else {
        assert!(inv["statements_note"]
            .as_str()
            .unwrap()
            .contains("pg_stat_statements"));
    }
    let diff = ok(
        &db,
        &["readers", "--sql", dir.to_str().unwrap(), "--rewrite"],
    );
    assert!(
        diff.contains("+SELECT ra_mst_courses.name\n+FROM ra_mst_courses\n+WHERE ra_mst_courses.region = 'gb';"),
        "the names change where they stand, qualifiers too: {diff}"
    );
    ok(
        &db,
        &[
            "readers",
            "--sql",
            dir.to_str().unwrap(),
            "--rewrite",
            "--write",
        ],
    );
    let rewritten = std::fs::read_to_string(&file).unwrap();
    assert!(
        rewritten.contains("ra_mst_courses") && rewritten.contains("FROM ra_runners"),
        "{rewritten}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
