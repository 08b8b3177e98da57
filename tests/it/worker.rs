//! `ra-migrate worker` end to end: a simulated week with `worker --once --now ...` against a
//! loopback HTTP server speaking the API, asserting on request counts, slot records and rows.

use std::collections::BTreeMap;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use postgres::Client;
use serde_json::{json, Value};

use crate::api::server::{Request, Response, TestServer};
use crate::common::{bin, TestDb};
use crate::fetch::{count, legacy, text};

const USER: &str = "worker-user-key";
const PASS: &str = "worker-s3cret-pass";

const RACECARDS: &str = include_str!("api/fixtures/racecards_pro.json");
const RESULTS: &str = include_str!("api/fixtures/results.json");
const HORSE_PRO: &str = include_str!("api/fixtures/horse_pro.json");
const COURSES: &str = include_str!("api/fixtures/courses.json");

/// Daily racecards (today only) with enrichment after them, and results of yesterday and today.
const WEEK: &str = r#"
timezone = "Europe/London"
catch_up_days = 7
[retry]
first_secs = 600
max_secs = 3600
[[job]]
name = "racecards"
kind = "racecards"
every = "day"
at = "07:00"
[[job]]
name = "enrichment"
kind = "enrichment"
after = "racecards"
limit = 10
[[job]]
name = "results"
kind = "results"
every = "day"
at = "22:30"
days_back = 1
"#;

/// The reference payloads, one race a date with a race id of its own (`rac_w1YYYYMMDD` for a
/// racecard, `rac_w2YYYYMMDD` for a result), so every day writes rows of its own.
fn day_payload(text: &str, key: &str, date: &str, prefix: char) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let digits = date.replace('-', "");
    for race in v[key].as_array_mut().unwrap() {
        race["race_id"] = json!(format!("rac_w{prefix}{digits}"));
        race["date"] = json!(date);
        let off = race["off_dt"].as_str().unwrap().to_string();
        race["off_dt"] = json!(format!("{date}{}", &off[10..]));
    }
    v["total"] = json!(v[key].as_array().unwrap().len());
    v
}

/// A fake API serving a race a day; `broken_results` answers /v1/results with 500s, and
/// `delay` slows racecards down (for the tests that need a job in progress).
#[derive(Clone, Default)]
struct WeekApi {
    broken_results: Arc<AtomicBool>,
    delay: Option<Duration>,
}

impl WeekApi {
    fn start(&self) -> TestServer {
        let api = self.clone();
        TestServer::start(move |req, _| api.answer(req))
    }

    fn answer(&self, req: &Request) -> Response {
        if req.basic_auth().as_deref() != Some(&format!("{USER}:{PASS}")) {
            return Response::json(401, r#"{"detail":"Invalid credentials"}"#);
        }
        let skip: usize = req.param("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
        let page = |v: Value, key: &str| {
            Response::json(
                200,
                ra_migrate::api::synthetic::page(&v, key, skip, 50).to_string(),
            )
        };
        match req.path.as_str() {
            "/v1/racecards/pro" => {
                let date = req.param("date").unwrap_or("2025-10-13");
                let r = page(day_payload(RACECARDS, "racecards", date, '1'), "racecards");
                match self.delay {
                    Some(d) => r.delayed(d),
                    None => r,
                }
            }
            "/v1/results" if self.broken_results.load(Ordering::SeqCst) => {
                Response::json(500, "upstream exploded").with_header("Retry-After", "0")
            }
            "/v1/results" => {
                let date = req.param("start_date").unwrap_or("2025-10-07");
                page(day_payload(RESULTS, "results", date, '2'), "results")
            }
            "/v1/courses" => Response::json(200, COURSES),
            p => match p
                .strip_prefix("/v1/horses/")
                .and_then(|r| r.strip_suffix("/pro"))
            {
                Some(id) => {
                    let mut h: Value = serde_json::from_str(HORSE_PRO).unwrap();
                    h["id"] = json!(id);
                    Response::json(200, h.to_string())
                }
                None => Response::json(404, r#"{"detail":"Not Found"}"#),
            },
        }
    }
}

struct Setup {
    db: TestDb,
    server: TestServer,
    schedule: tempfile_path::Path,
}

/// A tiny stand-in for a temp file: the schedule written next to the test's database name.
mod tempfile_path {
    pub struct Path(pub std::path::PathBuf);
    impl Drop for Path {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn setup(api: &WeekApi, phases: &[&str], schedule: &str) -> Setup {
    let db = legacy(phases);
    let path = std::env::temp_dir().join(format!(
        "ra-worker-schedule-{}-{}.toml",
        std::process::id(),
        db.url.len() as u64 * 1_000_003 + rand_suffix()
    ));
    std::fs::write(&path, schedule).unwrap();
    Setup {
        db,
        server: api.start(),
        schedule: tempfile_path::Path(path),
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::AtomicU64;
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// A file of this test's own for the failure hook to write, and the `--on-failure` command that
/// writes its standard input there.
fn hook_file(name: &str) -> (std::path::PathBuf, String) {
    let file = std::env::temp_dir().join(format!(
        "ra-{name}-{}-{}.json",
        std::process::id(),
        rand_suffix()
    ));
    let hook = format!("cat > '{}'", file.display());
    (file, hook)
}

impl Setup {
    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = bin();
        cmd.arg("--database-url")
            .arg(&self.db.url)
            .args(args)
            .stdin(Stdio::null())
            .env("RACING_API_BASE_URL", self.server.base_url())
            .env("RACING_API_USERNAME", USER)
            .env("RACING_API_PASSWORD", PASS)
            .env("RACING_API_RATE", "1000")
            .env_remove("RA_MIGRATE_ON_FAILURE");
        cmd
    }

    fn worker_command(&self, now: &str, extra: &[&str]) -> std::process::Command {
        let mut args = vec![
            "worker",
            "--once",
            "--now",
            now,
            "--region",
            "gb",
            "--schedule",
            self.schedule.0.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.command(&args)
    }

    fn worker(&self, now: &str, extra: &[&str]) -> Output {
        self.worker_command(now, extra).output().unwrap()
    }

    fn worker_ok(&self, now: &str) -> String {
        let out = self.worker(now, &[]);
        assert!(out.status.success(), "worker at {now}:\n{}", text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Requests per endpoint and date so far.
    fn requests(&self) -> BTreeMap<(String, String), usize> {
        let mut out = BTreeMap::new();
        for r in self.server.requests() {
            let date = r
                .param("date")
                .or(r.param("start_date"))
                .unwrap_or("")
                .to_string();
            *out.entry((r.path.clone(), date)).or_default() += 1;
        }
        out
    }

    fn racecard_requests(&self) -> BTreeMap<String, usize> {
        self.requests()
            .into_iter()
            .filter(|((p, _), _)| p == "/v1/racecards/pro")
            .map(|((_, d), n)| (d, n))
            .collect()
    }
}

/// (job, slot in UTC, status, attempts) of every recorded slot.
fn slots(c: &mut Client) -> Vec<(String, String, String, i32)> {
    c.query(
        "SELECT job, to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), status, attempts
         FROM ra_migrate.worker_slot ORDER BY slot, job",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

fn days(from: u32, to: u32) -> Vec<String> {
    (from..=to).map(|d| format!("2025-10-{d:02}")).collect()
}

#[test]
fn a_simulated_week_fetches_each_day_once_and_a_repeat_at_the_same_moment_makes_no_request() {
    let s = setup(&WeekApi::default(), &["1", "2"], WEEK);
    let mut c = s.db.client();
    for day in days(13, 19) {
        s.worker_ok(&format!("{day} 07:30"));
        s.worker_ok(&format!("{day} 23:00"));
    }
    // the first run caught up the week before (catch_up_days = 7): count from the 13th on
    let cards = s.racecard_requests();
    for day in days(13, 19) {
        assert_eq!(cards.get(&day), Some(&1), "racecards of {day}: {cards:?}");
    }
    let done = slots(&mut c);
    assert!(
        done.iter()
            .all(|(_, _, status, attempts)| status == "succeeded" && *attempts == 1),
        "{done:?}"
    );
    for job in ["racecards", "enrichment", "results"] {
        let week = done
            .iter()
            .filter(|(j, slot, _, _)| j == job && slot.as_str() >= "2025-10-13")
            .count();
        assert_eq!(week, 7, "{job}: {done:?}");
    }
    // a race a day arrived in both layouts (dual-write is on), with its two runners
    for day in days(13, 19) {
        let id = format!("rac_w1{}", day.replace('-', ""));
        for t in ["ra_races", "ra_mst_races"] {
            assert_eq!(
                count(
                    &mut c,
                    &format!("SELECT count(*) FROM {t} WHERE id = '{id}'")
                ),
                1,
                "{t} {id}"
            );
        }
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM ra_runners WHERE race_id = '{id}'")
            ),
            2
        );
    }
    // the horses the racecards brought in were enriched right after (one request each, once)
    let profiles = s
        .requests()
        .iter()
        .filter(|((p, _), _)| p.starts_with("/v1/horses/"))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>();
    assert!(
        !profiles.is_empty() && profiles.iter().all(|n| *n == 1),
        "{profiles:?}"
    );

    let before = s.server.requests().len();
    let out = s.worker_ok("2025-10-19 23:00");
    assert_eq!(s.server.requests().len(), before, "a repeat asks nothing");
    assert!(out.contains("nothing due"), "{out}");
    assert_eq!(slots(&mut c), done, "and records nothing new");
}

#[test]
fn a_gap_of_days_is_caught_up_once() {
    let s = setup(&WeekApi::default(), &["1"], WEEK);
    let mut c = s.db.client();
    s.worker_ok("2025-10-13 07:30");
    // down from the 13th in the morning to the 17th at night
    s.worker_ok("2025-10-17 23:00");
    let cards = s.racecard_requests();
    for day in days(14, 17) {
        assert_eq!(cards.get(&day), Some(&1), "{day}: {cards:?}");
    }
    let results: Vec<(String, String, String, i32)> = slots(&mut c)
        .into_iter()
        .filter(|(j, slot, _, _)| j == "results" && slot.as_str() >= "2025-10-13")
        .collect();
    assert_eq!(results.len(), 5, "13th to 17th: {results:?}");
    // a catch-up window of 1 day does not reach back a week
    let s2 = setup(&WeekApi::default(), &["1"], WEEK);
    let out = s2.worker("2025-10-17 23:00", &["--catch-up-days", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        s2.racecard_requests().keys().cloned().collect::<Vec<_>>(),
        ["2025-10-17"]
    );
}

#[test]
fn two_workers_at_once_never_run_a_slot_twice() {
    let api = WeekApi {
        delay: Some(Duration::from_millis(150)),
        ..WeekApi::default()
    };
    let s = setup(&api, &["1", "2"], WEEK);
    let mut c = s.db.client();
    let a = s
        .worker_command("2025-10-17 23:00", &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b = s
        .worker_command("2025-10-17 23:00", &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    // a week of catch-up: each racecard date asked for exactly once between the two of them
    let cards = s.racecard_requests();
    assert_eq!(cards.len(), 7, "11th to 17th: {cards:?}");
    assert!(cards.values().all(|n| *n == 1), "{cards:?}");
    let all = slots(&mut c);
    assert!(
        all.iter().all(|(_, _, st, n)| st == "succeeded" && *n == 1),
        "{all:?}"
    );
    assert_eq!(all.len(), 7 * 3, "{all:?}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE id LIKE 'rac_w1%'"
        ),
        7
    );
    let ran = |o: &Output| {
        String::from_utf8_lossy(&o.stdout)
            .matches(": succeeded")
            .count()
    };
    assert_eq!(ran(&a) + ran(&b), 7 * 3, "each slot reported by one worker");
}

#[test]
fn a_failing_endpoint_leaves_a_failed_slot_that_a_later_run_completes() {
    let api = WeekApi::default();
    let s = setup(&api, &["1"], WEEK);
    let mut c = s.db.client();
    s.worker_ok("2025-10-13 07:30");
    api.broken_results.store(true, Ordering::SeqCst);
    let out = s.worker("2025-10-13 23:00", &["--catch-up-days", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("results @ 2025-10-13 22:30 BST: failed"),
        "{}",
        text(&out)
    );
    let failed = |c: &mut Client| -> (String, i32) {
        let r = c
            .query_one(
                "SELECT status, attempts FROM ra_migrate.worker_slot
                 WHERE job = 'results' AND slot = '2025-10-13 21:30+00'",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(failed(&mut c), ("failed".into(), 1));
    let status = crate::common::ok(&s.db, &["status"]);
    assert!(
        status.contains("results@") && status.contains("FAILED"),
        "{status}"
    );

    // within the backoff (600 s) nothing is asked again, and it stays failed
    api.broken_results.store(false, Ordering::SeqCst);
    let before = s.server.requests().len();
    let out = s.worker("2025-10-13 23:05", &["--catch-up-days", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.server.requests().len(), before);
    assert_eq!(failed(&mut c), ("failed".into(), 1));

    // later (past the catch-up window even) it is retried and completes
    let out = s.worker("2025-10-15 06:00", &["--catch-up-days", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(failed(&mut c), ("succeeded".into(), 2));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE id = 'rac_w220251013'"
        ),
        1
    );
}

#[test]
fn sigterm_mid_job_finishes_the_batch_in_hand_exits_0_and_leaves_no_partial_batch() {
    let api = WeekApi {
        delay: Some(Duration::from_millis(700)),
        ..WeekApi::default()
    };
    let schedule = WEEK.replace("at = \"07:00\"", "at = \"07:00\"\ndays_ahead = 5");
    let s = setup(&api, &["1", "2"], &schedule);
    let mut c = s.db.client();
    let child = s
        .worker_command("2025-10-13 07:30", &["--catch-up-days", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait for the first racecard request to be in flight, then stop the worker
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while s.racecard_requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never asked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let asked = s.racecard_requests().len();
    assert!(asked < 6, "stopped before the last of the 6 dates: {asked}");
    // every race written is whole, in both layouts; the slot will run again
    let races = count(
        &mut c,
        "SELECT count(*) FROM ra_races WHERE id LIKE 'rac_w1%'",
    );
    assert!(races >= 1 && races as usize <= asked, "{races} of {asked}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id LIKE 'rac_w1%'"
        ),
        races * 2
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_mst_races WHERE id LIKE 'rac_w1%'"
        ),
        races
    );
    let st: String = c
        .query_one(
            "SELECT status FROM ra_migrate.worker_slot WHERE job = 'racecards'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(st, "interrupted");
    let beat: Option<String> = c
        .query_one(
            "SELECT stopped_at::text FROM ra_migrate.worker_heartbeat",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(beat.is_some(), "a clean stop is not a dead worker");
    let out = s.worker("2025-10-13 07:30", &["--catch-up-days", "0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE id LIKE 'rac_w1%'"
        ),
        6,
        "the next run completes the slot"
    );
}

#[test]
fn apply_3_right_after_apply_2_is_refused_naming_the_soak_and_soak_0s_runs_and_is_logged() {
    let db = legacy(&["1", "2"]);
    let run = |args: &[&str]| {
        bin()
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["apply", "3", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("soak") && err.contains("left") && err.contains("--soak 7d"),
        "{err}"
    );
    let mut c = db.client();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_migrate.phase_state WHERE phase = 3"
        ),
        0,
        "nothing of phase 3 ran"
    );
    let out = run(&["apply", "3", "--yes", "--soak", "0s"]);
    assert!(out.status.success(), "{}", text(&out));
    let log = String::from_utf8_lossy(&run(&["log", "--limit", "10"]).stdout).to_string();
    assert!(
        log.contains("soak phase 3") && log.contains(": ok"),
        "{log}"
    );
    let soak: Value = c
        .query_one(
            "SELECT options FROM ra_migrate.operation_log WHERE action = 'soak' AND outcome = 'ok'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(soak["soak"], "0s", "{soak}");
}

#[test]
fn a_row_changed_behind_the_tools_back_fails_the_next_consistency_check_wakes_the_hook_and_blocks_apply_3(
) {
    let schedule = format!(
        "{WEEK}\n[[job]]\nname = \"consistency\"\nkind = \"consistency\"\nevery = \"hour\"\nat = \":15\"\n"
    );
    let s = setup(&WeekApi::default(), &["1", "2"], &schedule);
    let mut c = s.db.client();
    let out = s.worker("2025-10-13 07:30", &["--catch-up-days", "0"]);
    assert!(out.status.success(), "{}", text(&out));
    let checks = |c: &mut Client| -> Vec<(bool, Value, Value)> {
        c.query(
            "SELECT clean, compared, differences FROM ra_migrate.consistency_check ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
    };
    let first = checks(&mut c);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].0, "dual-write keeps the layouts equal: {first:?}");
    assert!(first[0].1["ra_horses"].as_i64().unwrap() > 0, "{first:?}");

    // an outside writer changes a horse with the triggers off: the new master never hears of it
    c.batch_execute(
        "SET session_replication_role = replica;
         UPDATE ra_horses SET breeder = 'Behind Your Back' WHERE id = 'hrs_47475190';
         RESET session_replication_role;",
    )
    .unwrap();
    let (hook_file, hook) = hook_file("worker-hook");
    let out = s.worker(
        "2025-10-13 08:30",
        &["--catch-up-days", "0", "--on-failure", &hook],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = checks(&mut c);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(!all[1].0, "{all:?}");
    assert!(all[1].2.to_string().contains("hrs_47475190"), "{all:?}");
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&hook_file).expect("the hook ran")).unwrap();
    let _ = std::fs::remove_file(&hook_file);
    assert_eq!(event["event"], "consistency_check_failed", "{event}");
    assert!(
        event["error"].as_str().unwrap().contains("hrs_47475190"),
        "{event}"
    );

    let status = crate::common::ok(&s.db, &["status"]);
    assert!(
        status.contains("last consistency check") && status.contains("DIFFERENCES"),
        "{status}"
    );
    // a later check (and the failed slot's retry) finds it again: a difference never ages out
    let out = s.worker("2025-10-13 09:30", &["--catch-up-days", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let again = checks(&mut c);
    assert!(again.len() > 2, "{again:?}");
    assert!(
        again[2..]
            .iter()
            .all(|(clean, _, d)| !clean && d.to_string().contains("hrs_47475190")),
        "{again:?}"
    );
    // the soak does not pass, whatever its length
    let out = s
        .command(&["apply", "3", "--yes", "--soak", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("consistency check") && err.contains("hrs_47475190"),
        "{err}"
    );
}

#[test]
fn a_row_changed_behind_the_tools_back_before_any_check_is_found_by_the_first_one() {
    let schedule = "timezone = \"Europe/London\"\n[[job]]\nname = \"consistency\"\nkind = \"consistency\"\nevery = \"hour\"\nat = \":15\"\n";
    let s = setup(&WeekApi::default(), &["1", "2"], schedule);
    let mut c = s.db.client();
    // dual-write is on and no check has run: an outside writer changes a horse the new master
    // has never seen, with the triggers off
    let horse: String = c
        .query_one("SELECT min(id) FROM ra_horses", &[])
        .unwrap()
        .get(0);
    c.batch_execute(&format!(
        "SET session_replication_role = replica;
         UPDATE ra_horses SET breeder = 'Before Any Check' WHERE id = '{horse}';
         RESET session_replication_role;"
    ))
    .unwrap();
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_migrate.consistency_check"),
        0
    );
    let (hook_file, hook) = hook_file("worker-first-hook");
    let out = s.worker(
        "2025-10-13 08:30",
        &["--catch-up-days", "0", "--on-failure", &hook],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (clean, differences): (bool, Value) = {
        let r = c
            .query_one(
                "SELECT clean, differences FROM ra_migrate.consistency_check ORDER BY id LIMIT 1",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(!clean, "{differences}");
    assert!(
        differences.to_string().contains(&horse)
            && differences.to_string().contains("missing in ra_mst_horses"),
        "{differences}"
    );
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&hook_file).expect("the hook ran")).unwrap();
    let _ = std::fs::remove_file(&hook_file);
    assert_eq!(event["event"], "consistency_check_failed", "{event}");
    assert!(event["error"].as_str().unwrap().contains(&horse), "{event}");
    let out = s
        .command(&["apply", "3", "--yes", "--soak", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("consistency check") && err.contains(&horse),
        "{err}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_migrate.phase_state WHERE phase = 3"
        ),
        0,
        "nothing of phase 3 ran"
    );
}

#[test]
fn redirected_to_a_file_apply_3_validate_and_fetch_show_progress_and_quiet_silences_it() {
    let db = legacy(&["1", "2"]);
    let dir = std::env::temp_dir().join(format!(
        "ra-worker-out-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // stdout and stderr into one file, as `>> log 2>&1` under cron does
    let run = |name: &str, args: &[&str]| -> String {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        let status = bin()
            .env_remove("RUST_LOG")
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .status()
            .unwrap();
        let out = std::fs::read_to_string(&path).unwrap();
        assert!(status.success(), "{args:?}: {out}");
        out
    };
    let fetched = run(
        "fetch.log",
        &[
            "fetch",
            "racecards",
            "--date",
            "2025-10-13",
            "--to",
            "2025-10-14",
            "--source",
            "synthetic",
        ],
    );
    assert!(
        fetched.contains("fetching racecards: 2 step(s)") && fetched.contains("racecards done"),
        "{fetched}"
    );
    let applied = run("apply.log", &["apply", "3", "--yes", "--soak", "0s"]);
    assert!(
        applied.contains("backfill started") && applied.contains("backfill done"),
        "{applied}"
    );
    let report_dir = dir.join("reports");
    let validated = run(
        "validate.log",
        &["validate", "--report-dir", report_dir.to_str().unwrap()],
    );
    assert!(validated.contains("validate: hashed"), "{validated}");
    let quiet = run(
        "quiet.log",
        &[
            "--quiet",
            "fetch",
            "racecards",
            "--date",
            "2025-10-15",
            "--source",
            "synthetic",
        ],
    );
    assert!(!quiet.contains("fetching racecards"), "{quiet}");
    let json = run(
        "json.log",
        &[
            "--log-format",
            "json",
            "fetch",
            "results",
            "--date",
            "2025-10-15",
            "--source",
            "synthetic",
        ],
    );
    let line = json
        .lines()
        .find(|l| l.contains("fetching results"))
        .unwrap_or_else(|| panic!("{json}"));
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["level"], "INFO", "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_pro_access_enrichment_falls_back_to_standard_says_so_once_and_a_repeat_asks_nothing() {
    let db = legacy(&[]);
    let mut c = db.client();
    let server = TestServer::start(|req, _| {
        if req.basic_auth().as_deref() != Some(&format!("{USER}:{PASS}")) {
            return Response::json(401, r#"{"detail":"Invalid credentials"}"#);
        }
        let path = req.path.as_str();
        match path.strip_prefix("/v1/horses/") {
            // a Standard plan: /pro is refused as the API refuses an endpoint of a higher plan
            Some(rest) if rest.ends_with("/pro") => {
                Response::json(401, r#"{"detail":"Not authorised for this endpoint"}"#)
            }
            Some(rest) => {
                let id = rest.trim_end_matches("/standard");
                Response::json(
                    200,
                    json!({"id": id, "name": "Standard Only", "sire": "Some Sire (IRE)",
                           "sire_id": "sir_777001", "dam": "Some Dam (GB)", "dam_id": "dam_777002",
                           "damsire": "Some Damsire (FR)", "damsire_id": "dsi_777003"})
                    .to_string(),
                )
            }
            None => Response::json(404, r#"{"detail":"Not Found"}"#),
        }
    });
    // horses known by name only (as from a result); every seeded horse already has a profile
    c.batch_execute(
        "INSERT INTO ra_horses (id, name) VALUES ('hrs_777101', 'One'), ('hrs_777102', 'Two'), ('hrs_777103', 'Three')",
    )
    .unwrap();
    let enrich = || {
        bin()
            .arg("--database-url")
            .arg(&db.url)
            .args(["fetch", "entities", "--limit", "10"])
            .stdin(Stdio::null())
            .env("RACING_API_BASE_URL", server.base_url())
            .env("RACING_API_USERNAME", USER)
            .env("RACING_API_PASSWORD", PASS)
            .env("RACING_API_RATE", "1000")
            .output()
            .unwrap()
    };
    let out = enrich();
    assert!(out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("/v1/horses/{id}/standard").count(),
        1,
        "said once: {err}"
    );
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths.iter().filter(|p| p.ends_with("/pro")).count(),
        1,
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| p.ends_with("/standard")).count(),
        3,
        "{paths:?}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_horse_pedigree WHERE sire_id = 'sir_777001'"
        ),
        3
    );
    // still without dob and colour (/standard has neither), yet enriched: a repeat asks nothing
    // for them (only for the sires, dams and damsires their profiles brought in, hrs_7770xx)
    let out = enrich();
    assert!(out.status.success(), "{}", text(&out));
    let again: Vec<String> = server.requests()[paths.len()..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        again.iter().filter(|p| p.contains("hrs_7771")).count(),
        0,
        "{again:?}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_migrate.partial_profile WHERE horse_id LIKE 'hrs_7771%'"
        ),
        3
    );
}

#[test]
fn the_weekly_pass_refetches_stale_and_absent_horses_and_says_once_that_people_have_no_profile_endpoint(
) {
    let schedule = r#"
timezone = "Europe/London"
[[job]]
name = "stale-profiles"
kind = "profiles"
every = "week"
weekday = "mon"
at = "03:00"
limit = 100
recheck_absent_days = 7
"#;
    let s = setup(&WeekApi::default(), &["1", "2"], schedule);
    let mut c = s.db.client();
    // two horses known by name only, one the API had no profile for 8 days ago (due again) and
    // one it had none for yesterday (not due)
    c.batch_execute(
        "INSERT INTO ra_horses (id, name) VALUES ('hrs_888101', 'One'), ('hrs_888102', 'Two'),
             ('hrs_888103', 'Absent Long Ago'), ('hrs_888104', 'Absent Yesterday');
         INSERT INTO ra_migrate.absent_profile (horse_id, first_checked_at, last_checked_at)
         VALUES ('hrs_888103', now() - interval '8 days', now() - interval '8 days'),
                ('hrs_888104', now() - interval '1 day', now() - interval '1 day');",
    )
    .unwrap();
    // Monday 13 October 2025, after the pass's 03:00 slot
    let out = s.worker("2025-10-13 03:30", &["--catch-up-days", "0"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        err.matches("no profile endpoint for jockeys, trainers or owners")
            .count(),
        1,
        "said once: {err}"
    );
    let paths: Vec<String> = s.server.requests().iter().map(|r| r.path.clone()).collect();
    let mut horses: Vec<&str> = paths
        .iter()
        .filter_map(|p| p.strip_prefix("/v1/horses/"))
        .collect();
    horses.sort();
    assert_eq!(
        horses,
        ["hrs_888101/pro", "hrs_888102/pro", "hrs_888103/pro"],
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/v1/jockeys")
            || p.starts_with("/v1/trainers")
            || p.starts_with("/v1/owners")),
        "{paths:?}"
    );
    let counts: Value = c
        .query_one(
            "SELECT counts FROM ra_migrate.worker_slot WHERE job = 'stale-profiles' AND status = 'succeeded'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(counts["profiles"], 3, "{counts}");
    assert_eq!(counts["people"]["requests"], 0, "{counts}");
    assert!(
        counts["people"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("no profile endpoint")),
        "{counts}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_horses WHERE id IN ('hrs_888101', 'hrs_888102', 'hrs_888103') AND dob IS NOT NULL"
        ),
        3
    );
}

#[test]
fn a_killed_worker_shows_as_dead_and_the_next_one_runs_its_slot_again() {
    let api = WeekApi {
        delay: Some(Duration::from_millis(700)),
        ..WeekApi::default()
    };
    let schedule = WEEK.replace("at = \"07:00\"", "at = \"07:00\"\ndays_ahead = 5");
    let s = setup(&api, &["1", "2"], &schedule);
    let mut c = s.db.client();
    let mut child = s
        .worker_command("2025-10-13 07:30", &["--catch-up-days", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while s.racecard_requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never asked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no handler, no clean stop
    child.wait().unwrap();
    // stand in for the clock: its last beat is now older than the 2 minutes a live worker beats in
    c.batch_execute(
        "UPDATE ra_migrate.worker_heartbeat SET last_beat = last_beat - interval '5 minutes'",
    )
    .unwrap();
    let status = crate::common::ok(&s.db, &["status"]);
    assert!(
        status.contains("DEAD") && status.contains("running racecards@"),
        "{status}"
    );
    let st: String = c
        .query_one(
            "SELECT status FROM ra_migrate.worker_slot WHERE job = 'racecards'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(st, "running", "the dead worker's slot");
    let out = s.worker("2025-10-13 07:30", &["--catch-up-days", "0"]);
    assert!(out.status.success(), "{}", text(&out));
    let (st, attempts): (String, i32) = {
        let r = c
            .query_one(
                "SELECT status, attempts FROM ra_migrate.worker_slot WHERE job = 'racecards'",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((st.as_str(), attempts), ("succeeded", 2));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE id LIKE 'rac_w1%'"
        ),
        6
    );
}

#[test]
fn a_phase_that_fails_runs_the_failure_hook_with_its_error() {
    let db = legacy(&[]);
    // a long transaction holding the legacy master: phase 1 cannot take its locks
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE ra_horses IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let (hook_file, hook) = hook_file("phase-hook");
    let out = bin()
        .arg("--database-url")
        .arg(&db.url)
        .args([
            "apply",
            "1",
            "--yes",
            "--lock-retries",
            "1",
            "--lock-timeout-ms",
            "50",
        ])
        .env("RA_MIGRATE_ON_FAILURE", hook)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    tx.rollback().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(&hook_file).expect("the hook ran")).unwrap();
    let _ = std::fs::remove_file(&hook_file);
    assert_eq!(event["event"], "phase_failed", "{event}");
    assert_eq!(event["phase"], "1", "{event}");
    assert!(event["error"].as_str().unwrap().contains("lock"), "{event}");
}

#[test]
fn the_demo_fetcher_is_the_worker_over_simulated_days_and_all_it_wrote_is_there() {
    let db = legacy(&["1", "2"]);
    let mut c = db.client();
    let mapping = ra_migrate::schema::mapping::Mapping::load(None).unwrap();
    let fetcher = ra_migrate::rehearsal::writers::Writer::worker(
        db.url.clone(),
        "public".into(),
        mapping,
        chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap(),
        Duration::from_millis(10),
    );
    // a few simulated days done (each day's results come after its racecards)
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while count(
        &mut c,
        "SELECT count(*) FROM ra_migrate.worker_slot WHERE job = 'results' AND status = 'succeeded'",
    ) < 3
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the demo fetcher ran no day"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let done = fetcher.stop();
    assert_eq!(done.errors, 0, "{:?}", done.last_error);
    // every fetch went through the worker: one recorded slot per racecards or results run, of
    // consecutive simulated days, each once
    let recorded: Vec<(String, String, String, i32)> = slots(&mut c);
    assert_eq!(done.writes as usize, recorded.len(), "{recorded:?}");
    assert!(
        recorded.iter().all(
            |(job, _, st, attempts)| (job == "racecards" || job == "results")
                && st == "succeeded"
                && *attempts == 1
        ),
        "{recorded:?}"
    );
    let days: std::collections::BTreeSet<&str> =
        recorded.iter().map(|(_, at, _, _)| &at[..10]).collect();
    assert_eq!(days.first().copied(), Some("2031-01-01"), "{days:?}");
    assert!(done.batches >= done.writes, "{} batches", done.batches);
    // what it says it wrote is in the tables, old and new (dual-write is in effect)
    assert!(!done.races.is_empty() && !done.runners.is_empty());
    let races: Vec<&String> = done.races.iter().collect();
    for table in ["ra_races", "ra_mst_races"] {
        let exists: bool = c
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("public.{table}")],
            )
            .unwrap()
            .get(0);
        if !exists {
            continue;
        }
        let n: i64 = c
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE id = ANY($1::text[])"),
                &[&races],
            )
            .unwrap()
            .get(0);
        assert_eq!(n, races.len() as i64, "{table}");
    }
    let (race_ids, horse_ids): (Vec<&String>, Vec<&String>) =
        done.runners.iter().map(|(r, h)| (r, h)).unzip();
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT DISTINCT race_id, horse_id FROM ra_runners
              WHERE (race_id, horse_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))) k",
            &[&race_ids, &horse_ids],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, done.runners.len() as i64);
}
