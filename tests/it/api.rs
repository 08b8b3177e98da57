//! API client tests against a real loopback HTTP server.
//!
//! The server serves trimmed real payloads from `shared/reference/racing-api.md` (in
//! `api/fixtures/`) and variations of them; every test uses tiny backoffs so it stays fast.

pub(crate) mod server;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ra_migrate::api::synthetic::{self, Synthetic};
use ra_migrate::api::{
    ApiClient, ApiConfig, ApiError, Endpoint, HorseLookup, PersonKind, SireKind, Source,
};
use serde_json::{json, Value};
use server::{Request, Response, TestServer};

const USER: &str = "test-user-key";
const PASS: &str = "s3cret-pass-key";

const RACECARDS: &str = include_str!("api/fixtures/racecards_pro.json");
const RESULTS: &str = include_str!("api/fixtures/results.json");
const HORSE_PRO: &str = include_str!("api/fixtures/horse_pro.json");
const COURSES: &str = include_str!("api/fixtures/courses.json");

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is valid JSON")
}

/// The reference payloads are trimmed (1 race of `total` 31): make `total` match what is served.
fn trimmed(text: &str, key: &str) -> Value {
    let mut v = fixture(text);
    v["total"] = json!(v[key].as_array().unwrap().len());
    v
}

fn config(server: &TestServer) -> ApiConfig {
    ApiConfig {
        base_url: server.base_url(),
        username: Some(USER.into()),
        password: Some(PASS.into()),
        requests_per_sec: 1000.0,
        timeout: Duration::from_secs(2),
        max_retries: 2,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(20),
    }
}

fn client(server: &TestServer) -> ApiClient {
    ApiClient::new(config(server)).unwrap()
}

fn authorized(req: &Request) -> bool {
    req.basic_auth().as_deref() == Some(&format!("{USER}:{PASS}"))
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn gb() -> Vec<String> {
    vec!["gb".into()]
}

/// The root cause of a client error.
fn api_error(e: &anyhow::Error) -> &ApiError {
    e.downcast_ref::<ApiError>()
        .unwrap_or_else(|| panic!("not an ApiError: {e:#}"))
}

/// Serves `racecards` and `results` like the API: `limit`/`skip` honoured, at most `cap` per page.
fn paging_server(payload: Value, key: &'static str, cap: usize) -> TestServer {
    TestServer::start(move |req, _| {
        let skip: usize = req.param("skip").and_then(|s| s.parse().ok()).unwrap_or(0);
        let limit: usize = req
            .param("limit")
            .and_then(|s| s.parse().ok())
            .unwrap_or(50);
        Response::json(
            200,
            synthetic::page(&payload, key, skip, limit.min(cap)).to_string(),
        )
    })
}

#[test]
fn racecards_fixture_with_basic_auth() {
    let server = TestServer::start(|req, _| {
        if !authorized(req) {
            return Response::json(401, r#"{"detail":"Not authenticated"}"#);
        }
        match req.path.as_str() {
            "/v1/racecards/pro" => Response::json(200, trimmed(RACECARDS, "racecards").to_string()),
            _ => Response::json(404, r#"{"detail":"Not Found"}"#),
        }
    });
    let c = client(&server);
    let batch = c
        .fetch_racecards(date("2025-10-13"), &["gb".into(), "IRE".into()])
        .unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert_eq!(batch.races.len(), 1);
    assert_eq!(batch.runners.len(), 2);
    assert_eq!(batch.odds.len(), 4);

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.param("date"), Some("2025-10-13"));
    assert_eq!(
        req.params("region_codes"),
        ["gb", "ire"],
        "array params are repeated keys"
    );
    assert_eq!(req.param("skip"), Some("0"));
    assert!(req.param("limit").is_some());

    let race = &batch.races[0];
    assert_eq!(race.race_id, "rac_11744434");
    assert_eq!(race.course_id, "crs_624");
    // off_time "2:12" is a 12-hour clock; the record uses off_dt
    assert_eq!(race.off_time.unwrap().to_string(), "14:12:00");
    assert_eq!(
        race.off_dt.unwrap().to_rfc3339(),
        "2025-10-13T14:12:00+01:00"
    );
    assert_eq!(race.prize.as_deref(), Some("4193"));
    assert_eq!(race.distance_f.as_deref(), Some("16.0"));
    assert_eq!(race.field_size, Some(8));
    assert_eq!(race.race_class.as_deref(), Some("Class 4"));
    assert_eq!(race.is_big_race, Some(false));
    assert_eq!(race.pattern, None, "\"\" is no value");

    let first = &batch.runners[0];
    assert_eq!(first.horse_id, "hrs_47475190");
    assert_eq!(first.weight_lbs, Some(158), "racecards send lbs");
    assert_eq!(
        (first.ofr, first.rpr, first.ts),
        (None, None, None),
        "\"-\" is no value"
    );
    assert_eq!(first.sex.as_deref(), Some("mare"));
    assert_eq!(first.sex_code.as_deref(), Some("M"));
    assert_eq!(first.position, None);
    let second = &batch.runners[1];
    assert_eq!((second.rpr, second.ts), (Some(67), Some(29)));

    let odds = &batch.odds[0];
    assert_eq!(odds.bookmaker_code, "bet365");
    assert_eq!(odds.decimal.as_deref(), Some("23"));
    assert_eq!(odds.ew_places, Some(3));
    let seen: Vec<String> = batch
        .bookmakers_seen()
        .into_iter()
        .map(|b| b.code)
        .collect();
    assert_eq!(seen, ["bet365", "william_hill"]);

    let e = batch.entities();
    assert_eq!(e.courses.len(), 1);
    assert_eq!(e.courses[0].region_code.as_deref(), Some("gb"));
    assert_eq!(e.horses.len(), 2);
    assert_eq!(e.horses[0].region.as_deref(), Some("GB"));
    assert_eq!(
        e.people
            .iter()
            .filter(|p| p.kind == PersonKind::Jockey)
            .count(),
        2
    );
    let trainer = e.people.iter().find(|p| p.id == "trn_11763").unwrap();
    assert_eq!(
        trainer.location.as_deref(),
        Some("Brompton Regis, Somerset")
    );
    let sire = e.sire_likes.iter().find(|s| s.id == "sir_5384960").unwrap();
    assert_eq!(sire.kind, SireKind::Sire);
    assert_eq!(sire.horse_id.as_deref(), Some("hrs_5384960"), "the id rule");
    assert_eq!(sire.region.as_deref(), Some("FR"));
    assert_eq!(e.parent_horses.len(), 6, "2 runners x sire, dam, damsire");
    assert_eq!(e.pedigrees.len(), 2);
}

#[test]
fn wrong_credentials_are_fatal_and_never_echo_the_secret() {
    let server = TestServer::start(|req, _| {
        if authorized(req) {
            Response::json(200, COURSES)
        } else {
            Response::json(401, r#"{"detail":"Invalid credentials"}"#)
        }
    });
    let mut cfg = config(&server);
    cfg.password = Some("wrong-password-xyz".into());
    let c = ApiClient::new(cfg).unwrap();
    let err = c.fetch_courses(&gb()).unwrap_err();
    let text = format!("{err:#} {err:?}");
    assert!(
        text.contains("credentials") && text.contains("plan"),
        "{text}"
    );
    assert!(
        !text.contains("wrong-password-xyz") && !text.contains(USER),
        "{text}"
    );
    let root = api_error(&err);
    assert!(root.is_fatal());
    assert!(matches!(
        root,
        ApiError::Unauthorized {
            credentials_set: true,
            ..
        }
    ));
    assert_eq!(c.stats().requests, 1, "401 is not retried");
    assert_eq!(c.stats().retries, 0);
    assert_eq!(c.stats().by_status.get(&401), Some(&1));

    // and with the right credentials the same server answers
    let ok = client(&server).fetch_courses(&gb()).unwrap();
    assert_eq!(ok.records.len(), 3);
    assert_eq!(ok.records[0].region.as_deref(), Some("Great Britain"));
}

#[test]
fn rate_limited_429_then_200_is_retried_and_counted() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Response::json(429, r#"{"detail":"Too Many Requests"}"#).with_header("Retry-After", "0")
        } else {
            Response::json(200, HORSE_PRO)
        }
    });
    let c = client(&server);
    let HorseLookup::Found(profile) = c.fetch_horse("hrs_6181308").unwrap() else {
        panic!("expected a profile");
    };
    assert_eq!(profile.horse.name.as_deref(), Some("Flaggan (IRE)"));
    let stats = c.stats();
    assert_eq!((stats.requests, stats.retries), (2, 1));
    assert_eq!(stats.by_status.get(&429), Some(&1));
    assert_eq!(stats.by_status.get(&200), Some(&1));
}

#[test]
fn retry_after_is_honoured_up_to_the_cap() {
    let server = TestServer::start(|_, n| {
        if n == 0 {
            Response::json(429, "{}").with_header("Retry-After", "5")
        } else {
            Response::json(200, HORSE_PRO)
        }
    });
    let mut cfg = config(&server);
    cfg.backoff_cap = Duration::from_millis(250);
    let c = ApiClient::new(cfg).unwrap();
    let start = Instant::now();
    assert!(c.horse_pro("hrs_6181308").unwrap().is_some());
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(250), "waited {waited:?}");
    assert!(
        waited < Duration::from_secs(3),
        "Retry-After 5 must be capped: {waited:?}"
    );
}

#[test]
fn server_error_500_beyond_the_retry_cap_is_an_error_not_empty_data() {
    let server = TestServer::start(|_, _| Response::json(500, "upstream exploded"));
    let c = client(&server);
    let err = c.fetch_racecards(date("2025-10-13"), &gb()).unwrap_err();
    match api_error(&err) {
        ApiError::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 3);
            assert!(
                last.contains("500") && last.contains("upstream exploded"),
                "{last}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        format!("{err:#}").contains("racecards for 2025-10-13"),
        "{err:#}"
    );
    let stats = c.stats();
    assert_eq!((stats.requests, stats.retries), (3, 2));
    assert_eq!(stats.by_status.get(&500), Some(&3));
}

#[test]
fn timeout_is_retried() {
    let server = TestServer::start(|_, n| {
        let r = Response::json(200, HORSE_PRO);
        if n == 0 {
            r.delayed(Duration::from_millis(600))
        } else {
            r
        }
    });
    let mut cfg = config(&server);
    cfg.timeout = Duration::from_millis(150);
    let c = ApiClient::new(cfg).unwrap();
    assert!(c.horse_pro("hrs_6181308").unwrap().is_some());
    let stats = c.stats();
    assert_eq!(
        (stats.requests, stats.retries, stats.transport_errors),
        (2, 1, 1)
    );
}

#[test]
fn connection_refused_is_an_error_after_retries() {
    // bind and drop: nothing listens on this port any more
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = ApiClient::new(ApiConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        ..config_without_server()
    })
    .unwrap();
    let err = c.horse_pro("hrs_1").unwrap_err();
    assert!(
        matches!(
            api_error(&err),
            ApiError::RetriesExhausted { attempts: 3, .. }
        ),
        "{err:#}"
    );
}

fn config_without_server() -> ApiConfig {
    ApiConfig {
        base_url: "http://127.0.0.1:9".into(),
        username: Some(USER.into()),
        password: Some(PASS.into()),
        requests_per_sec: 1000.0,
        timeout: Duration::from_secs(2),
        max_retries: 2,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(20),
    }
}

#[test]
fn malformed_json_names_the_endpoint() {
    let server = TestServer::start(|_, _| Response::json(200, r#"{"racecards": [ {"race_id": "#));
    let c = client(&server);
    let err = c.fetch_racecards(date("2025-10-13"), &gb()).unwrap_err();
    assert!(matches!(api_error(&err), ApiError::InvalidJson { .. }));
    let text = format!("{err:#}");
    assert!(text.contains("/v1/racecards/pro"), "{text}");
    assert_eq!(c.stats().retries, 0, "a bad body is not transient");
}

#[test]
fn results_are_paged_with_skip_until_total() {
    // 5 races served at most 2 per page: pages at skip 0, 2, 4
    let mut payload = fixture(RESULTS);
    let race = payload["results"][0].clone();
    let races: Vec<Value> = (0..5)
        .map(|i| {
            let mut r = race.clone();
            r["race_id"] = json!(format!("rac_{}", 100 + i));
            r
        })
        .collect();
    payload["results"] = json!(races);
    payload["total"] = json!(5);
    let server = paging_server(payload, "results", 2);
    let c = client(&server);
    let paged = c
        .results(
            date("2025-10-07"),
            date("2025-10-07"),
            &["gb".into(), "ire".into()],
        )
        .unwrap();
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0].items.len(), 5);
    assert_eq!((paged[0].total, paged[0].pages), (5, 3));

    let reqs = server.requests();
    let skips: Vec<&str> = reqs.iter().map(|r| r.param("skip").unwrap()).collect();
    assert_eq!(skips, ["0", "2", "4"]);
    for r in &reqs {
        assert_eq!(r.path, "/v1/results");
        assert_eq!(
            r.params("region"),
            ["gb", "ire"],
            "results take `region`, not `region_codes`"
        );
        assert!(r.params("region_codes").is_empty());
        assert_eq!(r.param("start_date"), Some("2025-10-07"));
        assert_eq!(
            r.param("end_date"),
            Some("2025-10-07"),
            "one date per request"
        );
        assert_eq!(r.param("limit"), Some("50"));
    }

    let batch = c.fetch_results(date("2025-10-07"), &gb()).unwrap();
    assert_eq!(batch.races.len(), 5);
    assert_eq!(batch.runners.len(), 10);
}

#[test]
fn results_range_is_one_request_per_date() {
    let server = TestServer::start(|req, _| {
        let mut v = trimmed(RESULTS, "results");
        v["results"][0]["date"] = json!(req.param("start_date").unwrap());
        Response::json(200, v.to_string())
    });
    let c = client(&server);
    let paged = c
        .results(date("2025-10-06"), date("2025-10-08"), &gb())
        .unwrap();
    assert_eq!(paged.len(), 3);
    let dates: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            format!(
                "{}..{}",
                r.param("start_date").unwrap(),
                r.param("end_date").unwrap()
            )
        })
        .collect();
    assert_eq!(
        dates,
        [
            "2025-10-06..2025-10-06",
            "2025-10-07..2025-10-07",
            "2025-10-08..2025-10-08"
        ]
    );
    assert!(c
        .results(date("2025-10-08"), date("2025-10-06"), &gb())
        .is_err());
}

#[test]
fn pager_that_never_advances_is_an_error() {
    // the untrimmed fixture says total 36 but serves the same single race whatever skip is
    let server = TestServer::start(|_, _| Response::json(200, RESULTS));
    let err = client(&server)
        .fetch_results(date("2025-10-07"), &gb())
        .unwrap_err();
    assert!(matches!(api_error(&err), ApiError::Shape { .. }), "{err:#}");
    assert!(format!("{err:#}").contains("skip"), "{err:#}");
    assert!(server.requests().len() <= 3, "stops instead of looping");

    // an empty page before total is reached
    let server = TestServer::start(|req, _| {
        let skip = req.param("skip").unwrap_or("0");
        let mut v = fixture(RESULTS);
        if skip != "0" {
            v["results"] = json!([]);
        }
        v["skip"] = json!(skip.parse::<u64>().unwrap());
        Response::json(200, v.to_string())
    });
    let err = client(&server)
        .fetch_results(date("2025-10-07"), &gb())
        .unwrap_err();
    assert!(format!("{err:#}").contains("stopped advancing"), "{err:#}");
}

#[test]
fn results_keep_non_numeric_positions() {
    let mut payload = trimmed(RESULTS, "results");
    let runners = payload["results"][0]["runners"].as_array_mut().unwrap();
    let template = runners[1].clone();
    for (i, code) in ["PU", "F", "UR"].iter().enumerate() {
        let mut r = template.clone();
        r["horse_id"] = json!(format!("hrs_9{i}"));
        r["position"] = json!(code);
        r["btn"] = json!("");
        r["ovr_btn"] = json!("-");
        r["time"] = json!("–");
        r["or"] = json!("–");
        runners.push(r);
    }
    let server = TestServer::start(move |_, _| Response::json(200, payload.to_string()));
    let batch = client(&server)
        .fetch_results(date("2025-10-07"), &gb())
        .unwrap();
    assert!(
        batch.rejected.is_empty() && batch.warnings.is_empty(),
        "{:?} {:?}",
        batch.rejected,
        batch.warnings
    );
    let race = &batch.races[0];
    assert_eq!(
        race.off_time.unwrap().to_string(),
        "20:30:00",
        "\"off\": \"8:30\" is 20:30"
    );
    assert!(race.has_result);
    assert_eq!(race.distance_f.as_deref(), Some("8"));
    assert_eq!(race.distance_yards, Some(1773));
    assert_eq!(race.race_class.as_deref(), Some("Class 6"));
    assert_eq!(race.sex_restriction, None);

    let positions: Vec<(Option<i32>, Option<&str>)> = batch
        .runners
        .iter()
        .map(|r| (r.position, r.position_text.as_deref()))
        .collect();
    assert_eq!(
        positions,
        [
            (Some(1), Some("1")),
            (Some(2), Some("2")),
            (None, Some("PU")),
            (None, Some("F")),
            (None, Some("UR"))
        ]
    );
    let winner = &batch.runners[0];
    assert_eq!(winner.starting_price.as_deref(), Some("9/4"));
    assert_eq!(winner.starting_price_decimal.as_deref(), Some("3.25"));
    assert_eq!(winner.prize_won.as_deref(), Some("3245.08"));
    assert_eq!(winner.finishing_time.as_deref(), Some("1:43.25"));
    assert_eq!(winner.weight_lbs, Some(122), "results send weight_lbs");
    assert_eq!(winner.weight_st_lbs.as_deref(), Some("8-10"));
    assert_eq!(
        (winner.ofr, winner.rpr, winner.ts),
        (Some(47), Some(57), Some(2))
    );
    assert_eq!(
        winner.sex_code.as_deref(),
        Some("M"),
        "results send the sex as a code"
    );
    assert_eq!(winner.sex, None);
    assert_eq!(
        batch.runners[1].overall_beaten_distance.as_deref(),
        Some("0.5")
    );
    let pu = &batch.runners[2];
    assert_eq!(
        (
            pu.ofr,
            pu.overall_beaten_distance.as_deref(),
            pu.finishing_time.as_deref()
        ),
        (None, None, None)
    );
    let e = batch.entities();
    let create = e.horses.iter().find(|h| h.id == "hrs_30455194").unwrap();
    assert_eq!(
        create.region.as_deref(),
        Some("IRE"),
        "from the name suffix"
    );
}

#[test]
fn runner_without_horse_id_is_rejected_and_the_rest_kept() {
    let mut payload = trimmed(RESULTS, "results");
    payload["results"][0]["runners"][0]["horse_id"] = json!("");
    // and a second race with no race_id at all
    let mut broken = payload["results"][0].clone();
    broken.as_object_mut().unwrap().remove("race_id");
    payload["results"].as_array_mut().unwrap().push(broken);
    payload["total"] = json!(2);
    let server = TestServer::start(move |_, _| Response::json(200, payload.to_string()));
    let batch = client(&server)
        .fetch_results(date("2025-10-07"), &gb())
        .unwrap();
    assert_eq!(batch.races.len(), 1);
    assert_eq!(batch.runners.len(), 1);
    assert_eq!(batch.runners[0].horse_id, "hrs_24833459");
    assert_eq!(batch.rejected.len(), 2);
    let runner = &batch.rejected[0];
    assert_eq!(runner.endpoint, Endpoint::Results.path());
    assert!(
        runner.error.contains("horse_id") && runner.error.contains("rac_11745682"),
        "{}",
        runner.error
    );
    assert!(
        runner.raw_json.contains("Create (IRE)"),
        "the raw runner is kept"
    );
    assert!(
        runner.request.contains("/v1/results") && runner.request.contains("start_date=2025-10-07")
    );
    assert!(!runner.request.contains(PASS));
    let race = &batch.rejected[1];
    assert!(race.error.contains("race_id"));
    let raw: Value = serde_json::from_str(&race.raw_json).unwrap();
    assert_eq!(
        raw["runners"].as_array().unwrap().len(),
        2,
        "runners of a rejected race stay in its raw JSON"
    );
}

#[test]
fn horse_pro_404_is_absent() {
    let server = TestServer::start(|req, _| match req.path.as_str() {
        "/v1/horses/hrs_6181308/pro" => Response::json(200, HORSE_PRO),
        _ => Response::json(404, r#"{"detail":"Not Found"}"#),
    });
    let c = client(&server);
    assert_eq!(c.horse_pro("hrs_404").unwrap(), None);
    assert_eq!(c.fetch_horse("hrs_404").unwrap(), HorseLookup::Absent);
    let HorseLookup::Found(p) = c.fetch_horse("hrs_6181308").unwrap() else {
        panic!("expected a profile");
    };
    assert_eq!(p.horse.region.as_deref(), Some("IRE"));
    assert_eq!(p.horse.colour_code.as_deref(), Some("B"));
    assert_eq!(p.pedigree.sire_id.as_deref(), Some("sir_3188248"));
    let horse_ids: Vec<_> = p
        .sire_likes
        .iter()
        .map(|s| s.horse_id.clone().unwrap())
        .collect();
    assert_eq!(horse_ids, ["hrs_3188248", "hrs_3194996", "hrs_2117444"]);
    assert!(
        c.horse_pro("../courses").is_err(),
        "ids cannot change the path"
    );
    assert_eq!(c.stats().by_status.get(&404), Some(&2));
}

#[test]
fn not_found_404_on_a_list_endpoint_is_an_error_not_empty() {
    let server = TestServer::start(|_, _| Response::json(404, r#"{"detail":"Not Found"}"#));
    let err = client(&server)
        .fetch_racecards(date("2025-10-13"), &gb())
        .unwrap_err();
    assert!(
        matches!(api_error(&err), ApiError::EndpointNotFound { .. }),
        "{err:#}"
    );
}

#[test]
fn validation_422_shows_the_detail() {
    let server = TestServer::start(|_, _| {
        Response::json(
            422,
            r#"{"detail":[{"loc":["query","date"],"msg":"invalid date format","type":"value_error.date"}]}"#,
        )
    });
    let c = client(&server);
    let err = c.fetch_racecards(date("2025-10-13"), &gb()).unwrap_err();
    match api_error(&err) {
        ApiError::Validation { detail, .. } => {
            assert_eq!(detail, "query.date: invalid date format")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(format!("{err:#}").contains("query.date: invalid date format"));
    assert_eq!(c.stats().retries, 0);
}

#[test]
fn other_4xx_shows_status_and_body() {
    let server = TestServer::start(|_, _| Response::json(403, "forbidden by upstream proxy"));
    let err = client(&server).courses(&gb()).unwrap_err();
    match api_error(&err) {
        ApiError::Status {
            status,
            body_excerpt,
            ..
        } => {
            assert_eq!(*status, 403);
            assert!(body_excerpt.contains("forbidden by upstream proxy"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn error_bodies_are_scrubbed_of_credentials() {
    // a misbehaving proxy that echoes the request headers back
    let server = TestServer::start(|req, _| {
        Response::json(
            400,
            format!(
                "bad request; you sent {:?} and {PASS}",
                req.header("Authorization")
            ),
        )
    });
    let err = client(&server).courses(&gb()).unwrap_err();
    let text = format!("{err:#} {err:?}");
    assert!(!text.contains(PASS), "{text}");
    let header = format!("{USER}:{PASS}");
    assert!(
        !text.contains(&ra_migrate::api::base64_encode(header.as_bytes())),
        "{text}"
    );
}

#[test]
fn synthetic_data_round_trips_through_http_paging() {
    let s = Synthetic::new(11);
    let day = date("2025-06-14");
    let regions: Vec<String> = vec!["gb".into(), "ire".into()];
    let payload = s.racecards(day, &regions);
    let total = payload["total"].as_u64().unwrap();
    assert!(total > 7, "enough races to need pages");
    let server = paging_server(payload, "racecards", 7);
    let over_http = client(&server).fetch_racecards(day, &regions).unwrap();
    let direct = s.fetch_racecards(day, &regions).unwrap();
    assert!(over_http.rejected.is_empty());
    assert_eq!(over_http.races, direct.races);
    assert_eq!(over_http.runners, direct.runners);
    assert_eq!(over_http.odds, direct.odds);
    assert_eq!(server.requests().len() as u64, total.div_ceil(7));
}

#[test]
fn rate_limit_spaces_requests() {
    let server = TestServer::start(|_, _| Response::json(200, HORSE_PRO));
    let mut cfg = config(&server);
    cfg.requests_per_sec = 20.0; // 50 ms apart
    let c = ApiClient::new(cfg).unwrap();
    let start = Instant::now();
    for _ in 0..4 {
        c.horse_pro("hrs_6181308").unwrap();
    }
    assert!(
        start.elapsed() >= Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(c.stats().requests, 4);
}
