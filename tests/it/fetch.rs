//! The fetchers end to end: `ra-migrate fetch` against a real PostgreSQL and a loopback HTTP server
//! serving the reference's example payloads (and variations), asserting on the rows written.
//!
//! Phase 5 (archive) was not built when the fetchers were: "after archive, new tables only" is
//! pinned by the unit tests of the write planner (`ra_migrate::fetch::route`), independently of
//! the archive's implementation; `the_write_path_follows_the_phases_through_archive` adds the
//! end-to-end check now that phases 3 to 5 exist.

use std::collections::{BTreeMap, VecDeque};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};

use postgres::Client;
use serde_json::{json, Value};

use crate::api::server::{Request, Response, TestServer};
use crate::common::{bin, table_fingerprint, TestDb};

const USER: &str = "fetch-user-key";
const PASS: &str = "fetch-s3cret-pass";

const RACECARDS: &str = include_str!("api/fixtures/racecards_pro.json");
const RESULTS: &str = include_str!("api/fixtures/results.json");
const HORSE_PRO: &str = include_str!("api/fixtures/horse_pro.json");
const COURSES: &str = include_str!("api/fixtures/courses.json");

/// The trimmed reference payload with `total` matching what is served.
fn payload(text: &str, key: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    v["total"] = json!(v[key].as_array().unwrap().len());
    v
}

fn racecards() -> Value {
    payload(RACECARDS, "racecards")
}

fn results() -> Value {
    payload(RESULTS, "results")
}

/// A fake Racing API: basic auth enforced, `limit`/`skip` honoured (at most `page_cap` items a
/// page), and scripted responses served first for a path (a 429, a 500, a broken body).
#[derive(Clone)]
pub(crate) struct FakeApi {
    pub(crate) racecards: Value,
    pub(crate) results: Value,
    courses: Value,
    horses: BTreeMap<String, Value>,
    page_cap: usize,
    script: Arc<Mutex<VecDeque<(String, Response)>>>,
}

impl FakeApi {
    pub(crate) fn new() -> FakeApi {
        FakeApi {
            racecards: racecards(),
            results: results(),
            courses: payload(COURSES, "courses"),
            horses: BTreeMap::new(),
            page_cap: 500,
            script: Arc::default(),
        }
    }

    /// Serves `response` to the next request of `path` (in the order scripted).
    pub(crate) fn then(self, path: &str, response: Response) -> FakeApi {
        self.script
            .lock()
            .unwrap()
            .push_back((path.to_string(), response));
        self
    }

    pub(crate) fn start(self) -> TestServer {
        TestServer::start(move |req, _| self.answer(req))
    }

    fn answer(&self, req: &Request) -> Response {
        if req.basic_auth().as_deref() != Some(&format!("{USER}:{PASS}")) {
            return Response::json(401, r#"{"detail":"Invalid credentials"}"#);
        }
        {
            let mut script = self.script.lock().unwrap();
            if let Some(i) = script.iter().position(|(p, _)| *p == req.path) {
                return script.remove(i).unwrap().1;
            }
        }
        let skip: usize = req.param("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
        let limit: usize = req
            .param("limit")
            .and_then(|s| s.parse().ok())
            .unwrap_or(50);
        let page = |v: &Value, key: &str| {
            Response::json(
                200,
                ra_migrate::api::synthetic::page(v, key, skip, limit.min(self.page_cap))
                    .to_string(),
            )
        };
        match req.path.as_str() {
            "/v1/racecards/pro" => page(&self.racecards, "racecards"),
            "/v1/results" => page(&self.results, "results"),
            "/v1/courses" => Response::json(200, self.courses.to_string()),
            p => match p
                .strip_prefix("/v1/horses/")
                .and_then(|rest| rest.strip_suffix("/pro"))
                .and_then(|id| self.horses.get(id))
            {
                Some(h) => Response::json(200, h.to_string()),
                None => Response::json(404, r#"{"detail":"Not Found"}"#),
            },
        }
    }
}

/// `ra-migrate --database-url .. <args>`, talking to `server` when given.
pub(crate) fn ra(db: &TestDb, server: Option<&TestServer>, args: &[&str]) -> Output {
    ra_with_password(db, server, PASS, args)
}

fn ra_with_password(
    db: &TestDb,
    server: Option<&TestServer>,
    password: &str,
    args: &[&str],
) -> Output {
    let mut cmd = bin();
    cmd.arg("--database-url")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null());
    for var in [
        "RACING_API_BASE_URL",
        "RACING_API_USERNAME",
        "RACING_API_PASSWORD",
        "RACING_API_RATE",
    ] {
        cmd.env_remove(var);
    }
    if let Some(s) = server {
        cmd.env("RACING_API_BASE_URL", s.base_url())
            .env("RACING_API_USERNAME", USER)
            .env("RACING_API_PASSWORD", password)
            .env("RACING_API_RATE", "1000");
    }
    cmd.output().expect("running ra-migrate")
}

pub(crate) fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(db: &TestDb, server: Option<&TestServer>, args: &[&str]) -> String {
    let out = ra(db, server, args);
    assert!(
        out.status.success(),
        "ra-migrate {args:?} failed:\n{}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Runs a fetch with `--json` and returns its summary.
fn fetch_json(db: &TestDb, server: Option<&TestServer>, args: &[&str]) -> Value {
    let mut all = vec!["--json", "fetch"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(db, server, &all)).expect("fetch --json prints JSON")
}

fn fails(db: &TestDb, server: Option<&TestServer>, args: &[&str], code: i32) -> String {
    let out = ra(db, server, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "ra-migrate {args:?}:\n{}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// A legacy database with the tool's state installed.
pub(crate) fn legacy(phases: &[&str]) -> TestDb {
    let db = TestDb::legacy();
    ok(&db, None, &["init"]);
    for p in phases {
        ok(&db, None, &["apply", p, "--yes", "--soak", "0s"]);
    }
    db
}

pub(crate) fn count(c: &mut Client, sql: &str) -> i64 {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

fn one<T: for<'a> postgres::types::FromSql<'a>>(c: &mut Client, sql: &str) -> T {
    c.query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

pub(crate) const TABLES: [&str; 16] = [
    "ra_regions",
    "ra_courses",
    "ra_bookmakers",
    "ra_horses",
    "ra_jockeys",
    "ra_trainers",
    "ra_owners",
    "ra_sires",
    "ra_dams",
    "ra_damsires",
    "ra_horse_pedigree",
    "ra_races",
    "ra_runners",
    "ra_runner_odds",
    "ra_race_results",
    "ra_odds_live",
];

const MASTERS: [&str; 10] = [
    "ra_bookmakers",
    "ra_courses",
    "ra_horses",
    "ra_jockeys",
    "ra_trainers",
    "ra_owners",
    "ra_sires",
    "ra_dams",
    "ra_damsires",
    "ra_races",
];

fn new_name(master: &str) -> String {
    master.replacen("ra_", "ra_mst_", 1)
}

/// Fingerprints of every written table, the new masters when they exist, and the quarantine.
fn fingerprints(c: &mut Client) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut tables: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    tables.push("ra_migrate.quarantine".into());
    for m in MASTERS {
        if count(
            c,
            &format!(
                "SELECT count(*) FROM pg_tables WHERE tablename = '{}'",
                new_name(m)
            ),
        ) == 1
        {
            tables.push(new_name(m));
        }
    }
    for t in tables {
        let fp = table_fingerprint(c, &t);
        out.insert(t, fp);
    }
    out
}

fn quarantined(c: &mut Client) -> Vec<(String, String, String)> {
    c.query(
        "SELECT endpoint, payload, error FROM ra_migrate.quarantine ORDER BY id",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

/// The ids the reference racecard (2025-10-13) and result (2025-10-07) carry.
const FETCHED_HORSES: [&str; 4] = [
    "hrs_47475190",
    "hrs_52021291",
    "hrs_30455194",
    "hrs_24833459",
];

fn fetch_fixture_days(db: &TestDb, server: &TestServer) -> (Value, Value) {
    let cards = fetch_json(
        db,
        Some(server),
        &["racecards", "--date", "2025-10-13", "--region", "gb"],
    );
    let results = fetch_json(
        db,
        Some(server),
        &["results", "--date", "2025-10-07", "--region", "gb"],
    );
    (cards, results)
}

fn table_rows(summary: &Value, table: &str, target: &str) -> i64 {
    summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == table && t["target"] == target)
        .map_or(0, |t| t["rows"].as_i64().unwrap())
}

#[test]
fn at_create_racecards_and_results_land_in_old_tables_only_and_a_repeat_changes_nothing() {
    let db = legacy(&["1"]);
    let server = FakeApi::new().start();
    let mut c = db.client();
    let (cards, results) = fetch_fixture_days(&db, &server);
    assert_eq!(cards["phase"], "1 (create)");
    assert_eq!(
        (cards["wrote_old"].as_bool(), cards["wrote_new"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(table_rows(&cards, "ra_runners", "fact"), 2);
    assert_eq!(table_rows(&cards, "ra_races", "old"), 1);
    assert_eq!(table_rows(&cards, "ra_runner_odds", "fact"), 4);
    assert_eq!(table_rows(&results, "ra_runners", "fact"), 2);
    assert_eq!(cards["quarantined"], 0);

    // the racecard: race, runners, odds, entities, pedigree, sires by the id rule
    assert_eq!(
        one::<String>(&mut c, "SELECT off_time::text || ' ' || off_dt::text || ' ' || course_id FROM ra_races WHERE id = 'rac_11744434'"),
        "14:12:00 2025-10-13 14:12:00 crs_624",
        "off time from off_dt, 24-hour"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        2
    );
    assert_eq!(
        one::<String>(&mut c, "SELECT jockey_id || ' ' || weight_lbs || ' ' || coalesce(ofr::text, 'null') || ' ' || spotlight FROM ra_runners WHERE horse_id = 'hrs_47475190'")
            .split(' ')
            .take(3)
            .collect::<Vec<_>>(),
        ["jky_284934", "158", "null"]
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runner_odds WHERE race_id = 'rac_11744434'"
        ),
        4
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_runner_odds o JOIN ra_bookmakers b ON b.id = o.bookmaker_id WHERE b.code IN ('bet365', 'william_hill') AND o.race_id = 'rac_11744434'"),
        4
    );
    assert_eq!(
        one::<String>(&mut c, "SELECT name FROM ra_courses WHERE id = 'crs_624'"),
        "Hereford"
    );
    assert_eq!(
        one::<String>(&mut c, "SELECT region FROM ra_courses WHERE id = 'crs_624'"),
        "Great Britain",
        "region from /courses"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT location FROM ra_trainers WHERE id = 'trn_11763'"
        ),
        "Brompton Regis, Somerset"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT horse_id FROM ra_sires WHERE id = 'sir_5384960'"
        ),
        "hrs_5384960",
        "the id rule"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT name FROM ra_horses WHERE id = 'hrs_5384960'"
        ),
        "Gemix"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT horse_id FROM ra_damsires WHERE id = 'dsi_468524'"
        ),
        "hrs_468524"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT dam_id || '/' || sire FROM ra_horse_pedigree WHERE horse_id = 'hrs_47475190'"
        ),
        "dam_5055113/Gemix"
    );
    // the result: positions, prices, times
    assert_eq!(
        one::<String>(&mut c, "SELECT position || ' ' || starting_price || ' ' || starting_price_decimal || ' ' || finishing_time || ' ' || prize_won FROM ra_runners WHERE horse_id = 'hrs_30455194'"),
        "1 9/4 3.25 1:43.25 3245.08"
    );
    assert!(one::<bool>(
        &mut c,
        "SELECT has_result FROM ra_races WHERE id = 'rac_11745682'"
    ));
    for m in MASTERS {
        assert_eq!(
            count(&mut c, &format!("SELECT count(*) FROM {}", new_name(m))),
            0,
            "{m}: nothing written to the new layout at phase 1"
        );
    }

    let before = fingerprints(&mut c);
    let (cards, results) = fetch_fixture_days(&db, &server);
    assert_eq!(
        fingerprints(&mut c),
        before,
        "fetching the same days again changes nothing"
    );
    assert!(
        cards["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["rows"] == 0),
        "{cards}"
    );
    assert!(
        results["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["rows"] == 0),
        "{results}"
    );
}

/// Every row of `new` is identical to the row of the same key in `old`, and `keys` are in both.
fn assert_same_rows(c: &mut Client, old: &str, key: &str, keys: &[&str]) {
    let new = new_name(old);
    let n = count(c, &format!("SELECT count(*) FROM {new}"));
    let same = count(
        c,
        &format!("SELECT count(*) FROM {new} n JOIN {old} o USING ({key}) WHERE row_to_json(n)::text = row_to_json(o)::text"),
    );
    assert_eq!(same, n, "{new}: every row equals its row in {old}");
    let subset =
        format!("(SELECT * FROM public.{old} WHERE {key} IN (SELECT {key} FROM public.{new}))");
    assert_eq!(
        table_fingerprint(c, &subset),
        table_fingerprint(c, &format!("public.{new}")),
        "{old} vs {new}"
    );
    for k in keys {
        for t in [old, new.as_str()] {
            assert_eq!(
                count(
                    c,
                    &format!("SELECT count(*) FROM {t} WHERE {key}::text = '{k}'")
                ),
                1,
                "{k} in {t}"
            );
        }
    }
}

#[test]
fn at_dual_write_the_same_fetch_lands_in_old_and_new_row_by_row() {
    let db = legacy(&["1", "2"]);
    let server = FakeApi::new().start();
    let mut c = db.client();
    let (cards, _) = fetch_fixture_days(&db, &server);
    assert_eq!(cards["phase"], "2 (dual-write)");
    assert_eq!(table_rows(&cards, "ra_races", "old"), 1);
    assert_eq!(table_rows(&cards, "ra_mst_races", "new"), 1);
    assert_eq!(table_rows(&cards, "ra_runners", "fact"), 2);

    assert_same_rows(&mut c, "ra_horses", "id", &FETCHED_HORSES);
    assert_same_rows(&mut c, "ra_races", "id", &["rac_11744434", "rac_11745682"]);
    assert_same_rows(&mut c, "ra_courses", "id", &["crs_624", "crs_10244"]);
    assert_same_rows(&mut c, "ra_jockeys", "id", &["jky_284934", "jky_250764"]);
    assert_same_rows(&mut c, "ra_trainers", "id", &["trn_11763"]);
    assert_same_rows(&mut c, "ra_owners", "id", &["own_654252"]);
    assert_same_rows(&mut c, "ra_sires", "id", &["sir_5384960", "sir_7013188"]);
    assert_same_rows(&mut c, "ra_dams", "id", &["dam_5055113"]);
    assert_same_rows(&mut c, "ra_damsires", "id", &["dsi_468524"]);
    assert_same_rows(&mut c, "ra_bookmakers", "code", &["bet365", "william_hill"]);
    // facts are written once and keep their names
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id IN ('rac_11744434', 'rac_11745682')"
        ),
        4
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'ra_mst_runners'"
        ),
        0
    );
    // the triggers stood aside for the tool's own writes: no row was copied twice or late
    assert_eq!(count(&mut c, "SELECT count(*) FROM ra_mst_horses"), count(&mut c, "SELECT count(*) FROM ra_horses h WHERE EXISTS (SELECT 1 FROM ra_mst_horses n WHERE n.id = h.id)"));

    let before = fingerprints(&mut c);
    fetch_fixture_days(&db, &server);
    assert_eq!(
        fingerprints(&mut c),
        before,
        "fetching the same days again changes nothing in either layout"
    );

    // an outside writer still reaches the new master through the phase-2 trigger
    c.batch_execute("UPDATE ra_horses SET breeder = 'Someone Else' WHERE id = 'hrs_47475190'")
        .unwrap();
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT breeder FROM ra_mst_horses WHERE id = 'hrs_47475190'"
        ),
        "Someone Else"
    );
}

#[test]
fn wrong_credentials_fail_with_exit_2_write_nothing_and_never_print_the_password() {
    let db = legacy(&[]);
    let server = FakeApi::new().start();
    let mut c = db.client();
    let before = fingerprints(&mut c);
    let out = ra_with_password(
        &db,
        Some(&server),
        "wrong-pass-4711",
        &["fetch", "racecards", "--date", "2025-10-13"],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("credentials") && all.contains("401"), "{all}");
    assert!(
        !all.contains("wrong-pass-4711") && !all.contains(PASS),
        "{all}"
    );
    assert_eq!(fingerprints(&mut c), before);
    // basic auth was sent on every request
    assert!(server.requests().iter().all(|r| r.basic_auth().is_some()));
    // no credentials at all: a clear message, exit 2
    let out = ra(&db, None, &["fetch", "reference"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_429_is_retried_and_a_persistent_500_fails_without_writing() {
    let db = legacy(&[]);
    let mut c = db.client();
    let server = FakeApi::new()
        .then(
            "/v1/racecards/pro",
            Response::json(429, r#"{"detail":"Too Many Requests"}"#)
                .with_header("Retry-After", "0"),
        )
        .start();
    let s = fetch_json(
        &db,
        Some(&server),
        &["racecards", "--date", "2025-10-13", "--region", "gb"],
    );
    assert!(s["retries"].as_i64().unwrap() >= 1, "{s}");
    assert!(s["requests"].as_i64().unwrap() >= 2, "{s}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        2
    );

    let mut broken = FakeApi::new();
    for _ in 0..10 {
        broken = broken.then(
            "/v1/results",
            Response::json(500, "upstream exploded").with_header("Retry-After", "0"),
        );
    }
    let server = broken.start();
    let before = fingerprints(&mut c);
    let err = fails(
        &db,
        Some(&server),
        &["fetch", "results", "--date", "2025-10-07"],
        2,
    );
    assert!(
        err.contains("results of 2025-10-07") && err.contains("attempts"),
        "{err}"
    );
    assert_eq!(
        fingerprints(&mut c),
        before,
        "a failed request is not \"no data\": nothing written"
    );
}

#[test]
fn a_body_that_is_not_json_fails_and_a_malformed_record_is_quarantined() {
    let db = legacy(&[]);
    let mut c = db.client();
    let server = FakeApi::new()
        .then(
            "/v1/racecards/pro",
            Response::json(200, "{\"racecards\": [ oops"),
        )
        .start();
    let before = fingerprints(&mut c);
    let err = fails(
        &db,
        Some(&server),
        &["fetch", "racecards", "--date", "2025-10-13"],
        2,
    );
    assert!(
        err.contains("not valid JSON") && err.contains("racecards of 2025-10-13"),
        "{err}"
    );
    assert_eq!(fingerprints(&mut c), before);

    // valid JSON, but one runner's odds is a string: that runner is quarantined whole, the race
    // and the other runner are written
    let mut api = FakeApi::new();
    api.racecards["racecards"][0]["runners"][1]["odds"] = json!("n/a");
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(s["quarantined"], 1, "{s}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        1
    );
    let q = quarantined(&mut c);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0, "racecards/pro");
    assert!(
        q[0].1.contains("hrs_52021291") && q[0].1.contains("\"odds\":\"n/a\""),
        "raw payload kept: {}",
        q[0].1
    );
    assert!(q[0].2.contains("expected an array"), "{}", q[0].2);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_horses WHERE id = 'hrs_52021291'"
        ),
        0,
        "nothing written for it"
    );
}

#[test]
fn results_are_paged_with_skip_across_a_page_boundary() {
    let db = legacy(&[]);
    let mut c = db.client();
    let mut api = FakeApi::new();
    let mut second = api.results["results"][0].clone();
    second["race_id"] = json!("rac_99000001");
    for (i, r) in second["runners"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        r["horse_id"] = json!(format!("hrs_9900000{i}"));
    }
    api.results["results"].as_array_mut().unwrap().push(second);
    api.results["total"] = json!(2);
    api.page_cap = 1;
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["results", "--date", "2025-10-07"]);
    assert_eq!(s["races"], 2, "{s}");
    let skips: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/results")
        .filter_map(|r| r.param("skip").map(str::to_string))
        .collect();
    assert_eq!(skips, ["0", "1"]);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id IN ('rac_11745682', 'rac_99000001')"
        ),
        4
    );
    // the region parameter of /results is `region`, repeated
    let req = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/results")
        .unwrap();
    assert_eq!(req.params("region"), ["gb", "ire"]);
}

#[test]
fn non_numeric_positions_are_null_and_the_code_is_kept_where_a_column_exists() {
    let mut api = FakeApi::new();
    api.results["results"][0]["runners"][1]["position"] = json!("PU");
    let server = api.start();

    // the legacy schema has no column for the code: position is NULL, nothing fails
    let db = legacy(&[]);
    let mut c = db.client();
    let s = fetch_json(&db, Some(&server), &["results", "--date", "2025-10-07"]);
    assert_eq!(s["quarantined"], 0);
    assert_eq!(
        one::<Option<i32>>(
            &mut c,
            "SELECT position FROM ra_runners WHERE horse_id = 'hrs_24833459'"
        ),
        None
    );
    assert_eq!(
        one::<Option<i32>>(
            &mut c,
            "SELECT position FROM ra_runners WHERE horse_id = 'hrs_30455194'"
        ),
        Some(1)
    );

    // schema drift: a column for the code, a dropped column, an extra NOT NULL column with a default
    let db = legacy(&[]);
    let mut c = db.client();
    c.batch_execute(
        "ALTER TABLE ra_runners ADD COLUMN position_text varchar(10);
         ALTER TABLE ra_runners DROP COLUMN finishing_time;
         ALTER TABLE ra_runners ADD COLUMN extra_flag text NOT NULL DEFAULT 'x'",
    )
    .unwrap();
    fetch_json(&db, Some(&server), &["results", "--date", "2025-10-07"]);
    assert_eq!(
        one::<String>(&mut c, "SELECT coalesce(position::text, 'null') || ' ' || position_text FROM ra_runners WHERE horse_id = 'hrs_24833459'"),
        "null PU"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT position_text FROM ra_runners WHERE horse_id = 'hrs_30455194'"
        ),
        "1"
    );
}

/// Two runners naming the same jockey differently: the jockey is written once, nothing is
/// quarantined, and both runners are written with their odds.
#[test]
fn a_jockey_named_two_ways_in_one_batch_keeps_both_runners() {
    let db = legacy(&[]);
    let mut c = db.client();
    let mut api = FakeApi::new();
    api.racecards["racecards"][0]["runners"][1]["jockey_id"] = json!("jky_284934");
    api.racecards["racecards"][0]["runners"][1]["jockey"] = json!("L. Williams");
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(s["quarantined"], 0, "{s}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434' AND jockey_id = 'jky_284934'"
        ),
        2,
        "both runners, with the jockey"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runner_odds WHERE race_id = 'rac_11744434'"
        ),
        4,
        "both runners' odds"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_jockeys WHERE id = 'jky_284934'"
        ),
        1
    );
    assert!(quarantined(&mut c).is_empty());
}

#[test]
fn a_runner_without_horse_id_is_quarantined_and_its_race_is_written() {
    let db = legacy(&[]);
    let mut c = db.client();
    let mut api = FakeApi::new();
    api.racecards["racecards"][0]["runners"][1]["horse_id"] = json!("");
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(s["quarantined"], 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE id = 'rac_11744434'"
        ),
        1
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        1
    );
    let q = quarantined(&mut c);
    assert!(
        q[0].1.contains("For Love Of Beauty") && q[0].2.contains("no horse_id"),
        "{q:?}"
    );
    // nothing of the quarantined runner reached the database (its jockey, trainer, owner, sire)
    for (table, id) in [
        ("ra_jockeys", "jky_266652"),
        ("ra_trainers", "trn_365184"),
        ("ra_owners", "own_1173416"),
        ("ra_sires", "sir_6125343"),
    ] {
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM {table} WHERE id = '{id}'")
            ),
            0,
            "{table} {id}"
        );
    }
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runner_odds WHERE race_id = 'rac_11744434'"
        ),
        2,
        "the kept runner's odds"
    );

    // the quarantine command lists it, as a table and as JSON
    let table = ok(&db, None, &["quarantine", "--limit", "5"]);
    assert!(
        table.contains("racecards/pro") && table.contains("no horse_id"),
        "{table}"
    );
    let listed: Value = serde_json::from_str(&ok(&db, None, &["--json", "quarantine"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["source"], "api");
    assert_eq!(listed[0]["times_seen"], 1);

    // fetching the day again refuses the same runner: counted on its row, not stored twice
    let again = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(again["quarantined"], 1);
    let listed: Value = serde_json::from_str(&ok(&db, None, &["--json", "quarantine"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["times_seen"], 2);
    assert!(ok(&db, None, &["quarantine"]).contains("2x"));
    assert!(
        listed[0]["request"]
            .as_str()
            .unwrap()
            .contains("date=2025-10-13"),
        "{listed}"
    );
}

#[test]
fn a_value_too_long_is_quarantined_before_writing_and_leaves_nothing_behind() {
    let db = legacy(&[]);
    let mut c = db.client();
    let mut api = FakeApi::new();
    api.racecards["racecards"][0]["runners"][1]["number"] = json!("12345678901");
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(s["quarantined"], 3, "the runner and its two odds: {s}");
    assert_eq!(
        s["careful_batches"], 0,
        "caught by the catalog check, no statement failed"
    );
    let q = quarantined(&mut c);
    assert!(
        q[0].2.contains("ra_runners.number") && q[0].2.contains("varying(10)"),
        "{q:?}"
    );
    assert!(q[0].1.contains("hrs_52021291"));
    for odds in &q[1..] {
        assert!(
            odds.2.contains("its runner (rac_11744434, hrs_52021291)")
                && odds.1.contains("bookmaker"),
            "{odds:?}"
        );
    }
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        1
    );
    for (table, id) in [
        ("ra_horses", "hrs_52021291"),
        ("ra_jockeys", "jky_266652"),
        ("ra_horse_pedigree", "hrs_52021291"),
    ] {
        let key = if table == "ra_horse_pedigree" {
            "horse_id"
        } else {
            "id"
        };
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM {table} WHERE {key} = '{id}'")
            ),
            0,
            "{table} {id}"
        );
    }
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runner_odds WHERE horse_id = 'hrs_52021291'"
        ),
        0
    );
}

#[test]
fn a_constraint_only_the_database_knows_is_bisected_to_the_one_bad_runner() {
    let db = legacy(&[]);
    let mut c = db.client();
    c.batch_execute(
        "ALTER TABLE ra_runners ADD CONSTRAINT no_cloth_13 CHECK (number IS DISTINCT FROM '13')",
    )
    .unwrap();
    let mut api = FakeApi::new();
    // a bigger day: the reference race plus copies, one runner with cloth 13
    let base = api.racecards["racecards"][0].clone();
    for i in 1..6 {
        let mut race = base.clone();
        race["race_id"] = json!(format!("rac_7700000{i}"));
        for (j, r) in race["runners"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            r["horse_id"] = json!(format!("hrs_77{i}0{j}"));
            if i == 3 && j == 1 {
                r["number"] = json!("13");
            }
        }
        api.racecards["racecards"]
            .as_array_mut()
            .unwrap()
            .push(race);
    }
    api.racecards["total"] = json!(6);
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(s["quarantined"], 3, "the runner and its two odds: {s}");
    assert_eq!(s["careful_batches"], 1);
    let q = quarantined(&mut c);
    assert!(q[0].2.contains("no_cloth_13"), "{q:?}");
    assert!(q[0].1.contains("\"horse_id\":\"hrs_77301\""), "{q:?}");
    assert!(q[1..].iter().all(|o| o.2.contains("hrs_77301")), "{q:?}");
    assert_eq!(count(&mut c, "SELECT count(*) FROM ra_runners WHERE race_id LIKE 'rac_7700000%' OR race_id = 'rac_11744434'"), 11);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE horse_id = 'hrs_77301'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runner_odds WHERE race_id = 'rac_77000003'"
        ),
        2,
        "the other runner's odds"
    );
    // and nothing was written on its behalf by the careful pass that found it
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_horses WHERE id = 'hrs_77301'"
        ),
        0
    );
}

#[test]
fn a_master_the_database_refuses_takes_its_runner_and_leaves_nothing_behind() {
    let db = legacy(&[]);
    let mut c = db.client();
    c.batch_execute(
        "ALTER TABLE ra_trainers ADD CONSTRAINT no_refused CHECK (name IS DISTINCT FROM 'Refused Trainer')",
    )
    .unwrap();
    let mut api = FakeApi::new();
    api.racecards["racecards"][0]["runners"][1]["trainer"] = json!("Refused Trainer");
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["racecards", "--date", "2025-10-13"]);
    assert_eq!(
        s["quarantined"], 4,
        "the trainer, the runner and its two odds: {s}"
    );
    let q = quarantined(&mut c);
    assert!(q.iter().any(|(_, _, e)| e.contains("no_refused")), "{q:?}");
    // the runner's horse, jockey and owner were written by the first try, before the trainer was
    // refused: the batch is written again without them
    for (table, id) in [
        ("ra_horses", "hrs_52021291"),
        ("ra_jockeys", "jky_266652"),
        ("ra_owners", "own_1173416"),
        ("ra_trainers", "trn_365184"),
    ] {
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM {table} WHERE id = '{id}'")
            ),
            0,
            "{table} {id}"
        );
    }
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id = 'rac_11744434'"
        ),
        1,
        "the other runner is written"
    );
}

#[test]
fn results_never_blank_racecard_fields_and_racecards_never_blank_results() {
    let db = legacy(&[]);
    let mut c = db.client();
    let synthetic = ["--source", "synthetic", "--seed", "7"];
    let day = ["--date", "2025-06-14"];
    let args = |what: &str| -> Vec<String> {
        let mut v = vec![what.to_string()];
        v.extend(day.iter().chain(&synthetic).map(|s| s.to_string()));
        v
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        fetch_json(&db, None, &a)
    };
    let cards = run(args("racecards"));
    let runners = cards["runners"].as_i64().unwrap();
    assert!(runners > 20, "{cards}");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM ra_runners WHERE race_id LIKE 'rac_%' AND spotlight IS NOT NULL"
        ),
        runners
    );
    run(args("results"));
    let with_both = count(
        &mut c,
        "SELECT count(*) FROM ra_runners WHERE spotlight IS NOT NULL AND starting_price IS NOT NULL",
    );
    assert!(with_both > 20 && with_both <= runners, "{with_both}");
    // Both endpoints describe the race (and may disagree, e.g. furlongs rounded on the card):
    // those shared fields follow the latest fetch. What only one endpoint knows must survive.
    let owned = |c: &mut Client| -> Vec<String> {
        c.query(
            "SELECT concat_ws('|', id, has_result, winning_time_detail, tote_win, tote_csf, tip, verdict, betting_forecast)
             FROM ra_races WHERE date = '2025-06-14' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let mut before = fingerprints(&mut c);
    before.remove("ra_races");
    let races_before = owned(&mut c);
    assert!(
        races_before.iter().all(|r| r.contains("|t|")),
        "{races_before:?}"
    );
    run(args("racecards"));
    let mut after = fingerprints(&mut c);
    after.remove("ra_races");
    assert_eq!(after, before, "a racecard after the result blanks nothing");
    assert_eq!(owned(&mut c), races_before);
    run(args("results"));
    let mut after = fingerprints(&mut c);
    after.remove("ra_races");
    assert_eq!(after, before);
    assert_eq!(owned(&mut c), races_before);
    // each endpoint on its own is idempotent, races included
    let all = fingerprints(&mut c);
    run(args("results"));
    assert_eq!(fingerprints(&mut c), all);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM (SELECT race_id, horse_id FROM ra_runners GROUP BY 1, 2 HAVING count(*) > 1) d WHERE race_id IN (SELECT id FROM ra_races WHERE date = '2025-06-14')"),
        0,
        "no duplicate runners"
    );
}

#[test]
fn entities_enrich_horses_lacking_a_profile_and_link_sires_by_the_id_rule() {
    let db = legacy(&[]);
    let mut c = db.client();
    // a horse known only by name (as from a result); every seeded horse already has a profile
    c.batch_execute("INSERT INTO ra_horses (id, name) VALUES ('hrs_6181308', 'Flaggan (IRE)'), ('hrs_404', 'Nobody')")
        .unwrap();
    let mut api = FakeApi::new();
    api.horses.insert(
        "hrs_6181308".into(),
        serde_json::from_str(HORSE_PRO).unwrap(),
    );
    let server = api.start();
    let s = fetch_json(&db, Some(&server), &["entities", "--limit", "10"]);
    assert_eq!(
        (s["profiles"].as_i64(), s["absent_profiles"].as_i64()),
        (Some(1), Some(1)),
        "{s}"
    );
    assert_eq!(
        one::<String>(&mut c, "SELECT colour_code || ' ' || sex_code || ' ' || dob || ' ' || breeder || ' ' || sire_id FROM ra_horses WHERE id = 'hrs_6181308'"),
        "B G 2011-06-19 Liam Delahunty & Dick O'Hara sir_3188248"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT sire || '/' || dam_id FROM ra_horse_pedigree WHERE horse_id = 'hrs_6181308'"
        ),
        "Stowaway (GB)/dam_3194996"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT horse_id FROM ra_sires WHERE id = 'sir_3188248'"
        ),
        "hrs_3188248"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT name || ' ' || region FROM ra_horses WHERE id = 'hrs_3188248'"
        ),
        "Stowaway (GB) GB"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT horse_id FROM ra_damsires WHERE id = 'dsi_2117444'"
        ),
        "hrs_2117444"
    );
    let asked: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        asked.contains(&"/v1/horses/hrs_6181308/pro".to_string()),
        "{asked:?}"
    );

    // the absent profile is remembered: the next run does not ask for it again (it asks for the
    // sire, dam and damsire horses the profile brought in, which the fake API does not have) ...
    let asked_for_404 = || {
        server
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/horses/hrs_404/pro")
            .count()
    };
    assert_eq!(asked_for_404(), 1);
    fetch_json(&db, Some(&server), &["entities", "--limit", "10"]);
    assert_eq!(
        asked_for_404(),
        1,
        "asked again for a horse known to be absent"
    );
    // ... until the recheck interval has passed
    c.batch_execute(
        "UPDATE ra_migrate.absent_profile SET last_checked_at = now() - interval '31 days'",
    )
    .unwrap();
    fetch_json(&db, Some(&server), &["entities", "--limit", "10"]);
    assert_eq!(asked_for_404(), 2);
    assert_eq!(
        one::<i32>(
            &mut c,
            "SELECT times_checked FROM ra_migrate.absent_profile WHERE horse_id = 'hrs_404'"
        ),
        2
    );
}

#[test]
fn reference_writes_regions_courses_and_the_bookmaker_list() {
    let db = legacy(&["1", "2"]);
    let mut c = db.client();
    let server = FakeApi::new().start();
    let s = fetch_json(&db, Some(&server), &["reference", "--region", "gb"]);
    assert_eq!(s["quarantined"], 0);
    assert_eq!(
        one::<String>(&mut c, "SELECT name FROM ra_regions WHERE code = 'gb'"),
        "Great Britain"
    );
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT name || ' ' || region_code FROM ra_mst_courses WHERE id = 'crs_832'"
        ),
        "Aintree gb"
    );
    let codes: Vec<&str> = ra_migrate::api::payload::REFERENCE_BOOKMAKERS
        .iter()
        .map(|b| b.0)
        .collect();
    for code in &codes {
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT count(*) FROM ra_bookmakers WHERE code = '{code}'")
            ),
            1,
            "{code}"
        );
    }
    assert_eq!(
        one::<String>(
            &mut c,
            "SELECT type FROM ra_mst_bookmakers WHERE code = 'betfair'"
        ),
        "exchange"
    );
    assert_same_rows(&mut c, "ra_bookmakers", "code", &["smarkets", "bet365"]);
    let req = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/courses")
        .unwrap();
    assert_eq!(req.params("region_codes"), ["gb"]);
    let before = fingerprints(&mut c);
    fetch_json(&db, Some(&server), &["reference", "--region", "gb"]);
    assert_eq!(fingerprints(&mut c), before);
}

/// Every new master holds exactly the rows of its old master with the same key.
fn assert_layouts_agree(c: &mut Client) {
    for m in MASTERS {
        let key = if m == "ra_bookmakers" { "code" } else { "id" };
        assert_same_rows(c, m, key, &[]);
    }
}

#[test]
fn a_synthetic_date_range_at_dual_write_keeps_both_layouts_identical() {
    let db = legacy(&["1", "2"]);
    let mut c = db.client();
    let range = [
        "--date",
        "2025-03-01",
        "--to",
        "2025-03-03",
        "--source",
        "synthetic",
    ];
    let mut cards = vec!["racecards"];
    cards.extend_from_slice(&range);
    let mut results = vec!["results"];
    results.extend_from_slice(&range);
    let s = fetch_json(&db, None, &cards);
    assert_eq!(s["dates"], 3);
    assert!(s["runners"].as_i64().unwrap() > 100, "{s}");
    assert_eq!(
        table_rows(&s, "ra_horses", "old"),
        table_rows(&s, "ra_mst_horses", "new")
    );
    fetch_json(&db, None, &results);
    assert_layouts_agree(&mut c);
    assert!(count(&mut c, "SELECT count(*) FROM ra_mst_races") >= 60);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM ra_mst_races WHERE has_result"),
        count(
            &mut c,
            "SELECT count(*) FROM ra_races WHERE has_result AND id IN (SELECT id FROM ra_mst_races)"
        )
    );
    let before = fingerprints(&mut c);
    fetch_json(&db, None, &cards);
    fetch_json(&db, None, &results);
    let mut after = fingerprints(&mut c);
    // racecards and results describe the race's distance differently; see the test above
    for t in ["ra_races", "ra_mst_races"] {
        assert_ne!(before.get(t), None);
        after.insert(t.to_string(), before[t].clone());
    }
    assert_eq!(after, before);
    assert_layouts_agree(&mut c);
}

#[test]
fn two_fetches_of_the_same_day_at_once_write_each_runner_once() {
    let db = legacy(&["1", "2"]);
    let mut c = db.client();
    let args = [
        "--json",
        "fetch",
        "racecards",
        "--date",
        "2025-05-10",
        "--source",
        "synthetic",
    ];
    let spawn = || {
        let mut cmd = bin();
        cmd.arg("--database-url")
            .arg(&db.url)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().expect("starting ra-migrate")
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    let day = "(SELECT id FROM ra_races WHERE date = '2025-05-10')";
    assert!(
        count(
            &mut c,
            &format!("SELECT count(*) FROM ra_runners WHERE race_id IN {day}")
        ) > 20
    );
    assert_eq!(
        count(&mut c, &format!("SELECT count(*) FROM (SELECT 1 FROM ra_runners WHERE race_id IN {day} GROUP BY race_id, horse_id HAVING count(*) > 1) d")),
        0,
        "no runner twice"
    );
    assert_eq!(
        count(&mut c, &format!("SELECT count(*) FROM (SELECT 1 FROM ra_runner_odds WHERE race_id IN {day} GROUP BY race_id, horse_id, bookmaker_id HAVING count(*) > 1) d")),
        0,
        "no price twice"
    );
    assert_layouts_agree(&mut c);
}

#[test]
fn a_fetch_without_a_database_fails_clearly() {
    let out = bin()
        .args(["fetch", "reference", "--source", "synthetic"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database given"));
    let db = TestDb::legacy();
    let err = fails(
        &db,
        None,
        &["fetch", "reference", "--source", "synthetic"],
        2,
    );
    assert!(err.contains("ra-migrate init"), "{err}");
}

/// Targets the summary reports writing to, e.g. `{"old", "new", "fact"}`.
fn targets_written(summary: &Value) -> std::collections::BTreeSet<String> {
    summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap().to_string())
        .collect()
}

/// Through backfill, switch-readers and archive (the later phases, built alongside): the same
/// write path keeps both layouts equal while both are live, then writes the new masters only.
#[test]
fn the_write_path_follows_the_phases_through_archive() {
    let db = legacy(&["1", "2", "3"]);
    let mut c = db.client();
    let synthetic = ["--source", "synthetic", "--seed", "11"];
    let fetch = |what: &str, date: &str| {
        let mut args = vec![what, "--date", date];
        args.extend_from_slice(&synthetic);
        fetch_json(&db, None, &args)
    };
    // phase 3: the facts' foreign keys point at both layouts now
    let s = fetch("racecards", "2025-04-05");
    assert_eq!(s["phase"], "3 (backfill)");
    assert!(targets_written(&s).contains("new") && targets_written(&s).contains("old"));
    assert_layouts_agree(&mut c);

    let reports = std::env::temp_dir().join(format!("ra-fetch-validate-{}", db.name));
    let dir = reports.to_string_lossy().to_string();
    ok(&db, None, &["validate", "--report-dir", &dir]);
    ok(&db, None, &["apply", "4", "--yes"]);
    let s = fetch("results", "2025-04-05");
    assert_eq!(s["phase"], "4 (switch-readers)");
    assert_layouts_agree(&mut c);

    ok(&db, None, &["validate", "--report-dir", &dir]);
    ok(&db, None, &["apply", "5", "--yes"]);
    let _ = std::fs::remove_dir_all(&reports);
    let s = fetch("racecards", "2025-04-06");
    assert_eq!(s["phase"], "5 (archive)");
    assert_eq!(
        (s["wrote_old"].as_bool(), s["wrote_new"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(!targets_written(&s).contains("old"), "{s}");
    let day = "date = '2025-04-06'";
    assert!(
        count(
            &mut c,
            &format!("SELECT count(*) FROM ra_mst_races WHERE {day}")
        ) > 10
    );
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT count(*) FROM ra_old_races WHERE {day}")
        ),
        0
    );
    assert_eq!(
        count(&mut c, &format!("SELECT count(*) FROM ra_runners WHERE race_id IN (SELECT id FROM ra_mst_races WHERE {day})")),
        s["runners"].as_i64().unwrap()
    );
    let before: BTreeMap<String, String> = [
        "ra_mst_races",
        "ra_mst_horses",
        "ra_runners",
        "ra_runner_odds",
    ]
    .iter()
    .map(|t| (t.to_string(), table_fingerprint(&mut c, t)))
    .collect();
    fetch("racecards", "2025-04-06");
    for (t, fp) in before {
        assert_eq!(table_fingerprint(&mut c, &t), fp, "{t}");
    }
}

/// A day checked ahead (`fetch::ahead`, while the day before is written) against one phase's
/// tables, then written after the phase changed, is checked again against the new tables. Here
/// the new jockeys table takes shorter names than the old one: checked again, the long names
/// are refused before anything is written; written on the stale checks, they would reach the
/// database and fail the statement, and the batch would be written again in careful mode.
#[test]
fn a_day_checked_ahead_under_an_earlier_phase_is_checked_again_when_written() {
    use ra_migrate::api::synthetic::Synthetic;
    use ra_migrate::api::Source;
    use ra_migrate::fetch::{ahead, batches::CourseBook, ingest::Ingest, tx::BatchContext};

    let db = legacy(&["1"]);
    let regions = vec!["gb".to_string()];
    let source = Synthetic::new(7);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).expect("a date");
    let batch = source
        .fetch_racecards(date, &regions)
        .expect("a synthetic day");
    assert!(!batch.runners.is_empty());
    let mut book = CourseBook::default();
    book.add(&source.fetch_courses(&regions).expect("courses").records);
    let ctx = BatchContext {
        endpoint: "racecards/pro".into(),
        request: format!("synthetic racecards {date}"),
        label: format!("racecards of {date}"),
    };
    let mapping = ra_migrate::schema::mapping::Mapping::builtin().expect("the mapping");
    let mut client = db.client();
    let mut ingest = Ingest::new(&mut client, mapping, "public", "synthetic");
    let days = vec![(&batch, ctx.clone())];
    let places = ahead::Places::new(days.len());
    let outcome = std::thread::scope(|s| {
        let prep = ingest.prepared().expect("phase 1's tables");
        let checked = ahead::spawn(s, prep, &days, &places);
        let day = checked.next();
        assert!(day.is_some(), "the day was checked ahead, at phase 1");
        ok(&db, None, &["apply", "2", "--yes", "--soak", "0s"]);
        db.client()
            .batch_execute("ALTER TABLE ra_mst_jockeys ALTER COLUMN name TYPE varchar(4)")
            .expect("narrowing the new jockeys' names");
        ingest
            .race_batch(&batch, &book, &ctx, day)
            .expect("the day is written")
    });
    assert!(
        !outcome.careful,
        "the long names reached the database: the stale checks were used ({outcome:?})"
    );
    assert!(outcome.quarantined > 0, "{outcome:?}");
    let mut c = db.client();
    let jockeys: Vec<String> = batch
        .runners
        .iter()
        .filter_map(|r| r.jockey_id.clone())
        .collect();
    let long: i64 = c
        .query_one(
            "SELECT count(*) FROM ra_jockeys WHERE length(name) > 4 AND id = ANY($1)",
            &[&jockeys],
        )
        .expect("counting the day's long-named jockeys")
        .get(0);
    assert_eq!(
        long, 0,
        "a jockey the new table cannot hold was written to the old one"
    );
    let races: Vec<String> = batch.races.iter().map(|r| r.race_id.clone()).collect();
    let day = |sql: &str| -> i64 {
        db.client()
            .query_one(sql, &[&races])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    };
    let runners = day("SELECT count(*) FROM ra_runners WHERE race_id = ANY($1)");
    let orphans = day(
        "SELECT count(*) FROM ra_runners r WHERE r.race_id = ANY($1) AND r.jockey_id IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM ra_mst_jockeys j WHERE j.id = r.jockey_id)",
    );
    assert_eq!(
        orphans, 0,
        "{runners} runners, some without their jockey in the new table"
    );
}
