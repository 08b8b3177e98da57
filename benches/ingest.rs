//! Ingest benchmark: how fast the fetchers' write path stores racecards and results, with the
//! phase at create (masters written once) and at dual-write (masters written to old and new
//! tables in the same statement), in the same run.
//!
//! `cargo bench --bench ingest` starts a throwaway cluster, loads the legacy schema (no seed) into
//! two databases, applies phase 1 to one and phases 1 and 2 to the other through the phase engine,
//! generates parsed synthetic days until they hold at least 100K runners, then ingests the same
//! days into both, alternating which goes first per round so neither profits from the other's
//! warm caches. Prints runners/s for each and the ratio, and writes `reports/bench-ingest.json`.
//!
//! A second measurement runs the same days with two writers per mode (two connections, days
//! split between them), as concurrent fetchers would: the aggregate capacity of the write path on
//! this machine rather than the speed of one fetch.
//!
//! `RA_BENCH_RUNNERS` changes the target number of runners (e.g. 20000 for a quick look).

mod common;

use common::cpu_seconds;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{Duration as Days, NaiveDate};
use postgres::{Client, NoTls};
use ra_migrate::api::synthetic::Synthetic;
use ra_migrate::api::{RaceBatch, Source};
use ra_migrate::fetch::batches::CourseBook;
use ra_migrate::fetch::ingest::Ingest;
use ra_migrate::fetch::tx::BatchContext;
use ra_migrate::pg::db::LockPolicy;
use ra_migrate::phase::engine::{self, Ctx};
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::rehearsal::cluster::Cluster;
use ra_migrate::schema::mapping::Mapping;
use serde_json::json;

/// Days per round; the two modes alternate which goes first each round.
const DAYS_PER_ROUND: usize = 10;
/// Writers of the concurrent measurement.
const WRITERS: usize = 2;

struct Day {
    date: NaiveDate,
    cards: RaceBatch,
    results: RaceBatch,
}

fn days(target_runners: usize) -> Result<(Vec<Day>, usize, usize)> {
    let source = Synthetic::new(42);
    let regions = vec!["gb".to_string(), "ire".to_string()];
    let mut out = Vec::new();
    let (mut card_runners, mut result_runners) = (0, 0);
    let mut date = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    while card_runners < target_runners {
        let cards = source.fetch_racecards(date, &regions)?;
        let results = source.fetch_results(date, &regions)?;
        card_runners += cards.runners.len();
        result_runners += results.runners.len();
        out.push(Day {
            date,
            cards,
            results,
        });
        date += Days::days(1);
    }
    Ok((out, card_runners, result_runners))
}

/// A database with the legacy schema, the tool's state and `phases` applied; returns its URL.
fn database(cluster: &Cluster, name: &str, phases: &[Phase], mapping: &Mapping) -> Result<String> {
    let url = cluster.create_database(name, None)?;
    let mut client = connect(&url)?;
    ra_migrate::rehearsal::baseline::load_schema(&mut client)?;
    ra_migrate::state::init(&mut client, &mapping.protected)?;
    let lock = LockPolicy::default();
    for phase in phases {
        engine::check_order(&mut client, *phase, Direction::Apply)?;
        let mut ctx = Ctx {
            client: &mut client,
            mapping,
            schema: "public",
            lock: &lock,
            force: false,
            tuning: Default::default(),
            progress: &ra_migrate::progress::Silent,
            switch_functions: false,
            url: None,
        };
        let plan = engine::plan(&mut ctx, *phase, Direction::Apply)?;
        let outcome = engine::execute(&mut ctx, &plan)?;
        anyhow::ensure!(
            outcome.problems.is_empty(),
            "phase {phase}: {:?}",
            outcome.problems
        );
    }
    Ok(url)
}

/// CPU seconds of this thread plus the server process behind `backend_pid`.
fn cpu_now(backend_pid: i32) -> f64 {
    cpu_seconds("/proc/thread-self/stat") + cpu_seconds(&format!("/proc/{backend_pid}/stat"))
}

fn backend_pid(client: &mut Client) -> Result<i32> {
    Ok(client.query_one("SELECT pg_backend_pid()", &[])?.get(0))
}

fn connect(url: &str) -> Result<Client> {
    Client::connect(url, NoTls).with_context(|| format!("connecting to {url}"))
}

/// Ingests `days` with one writer per `ingests` element, days dealt round-robin; wall time.
fn ingest_concurrently(
    ingests: &mut [Ingest],
    days: &[Day],
    book: &CourseBook,
) -> Result<Duration> {
    let started = Instant::now();
    let n = ingests.len();
    std::thread::scope(|s| {
        let handles: Vec<_> = ingests
            .iter_mut()
            .enumerate()
            .map(|(w, ing)| {
                s.spawn(move || -> Result<()> {
                    for d in days.iter().skip(w).step_by(n) {
                        ingest(ing, std::slice::from_ref(d), book)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("writer thread panicked"))
    })?;
    Ok(started.elapsed())
}

fn context(what: &str, date: NaiveDate) -> BatchContext {
    BatchContext {
        endpoint: what.to_string(),
        request: format!("bench {what} {date}"),
        label: format!("{what} of {date}"),
    }
}

/// Ingests `days` (racecards then results of each day); returns the time taken.
fn ingest(ingest: &mut Ingest, days: &[Day], book: &CourseBook) -> Result<Duration> {
    let started = Instant::now();
    for d in days {
        let o = ingest.race_batch(&d.cards, book, &context("racecards/pro", d.date))?;
        anyhow::ensure!(
            o.quarantined == 0 && !o.careful,
            "racecards of {}: {o:?}",
            d.date
        );
        let o = ingest.race_batch(&d.results, book, &context("results", d.date))?;
        anyhow::ensure!(
            o.quarantined == 0 && !o.careful,
            "results of {}: {o:?}",
            d.date
        );
    }
    Ok(started.elapsed())
}

/// One statement's share of the server's execution time.
struct StatementTime {
    text: String,
    calls: i64,
    total_ms: f64,
    share: f64,
}

/// The statements that took the most server time in the observed database.
fn top_statements(c: &mut Client) -> Result<Vec<StatementTime>> {
    let rows = c.query(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 110), calls, total_exec_time, \
                total_exec_time / nullif(sum(total_exec_time) OVER (), 0) \
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
          ORDER BY total_exec_time DESC LIMIT 8",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|r| StatementTime {
            text: r.get(0),
            calls: r.get(1),
            total_ms: r.get(2),
            share: r.get::<_, Option<f64>>(3).unwrap_or(0.0),
        })
        .collect())
}

struct Ceiling {
    runners: i64,
    odds: i64,
    runners_seconds: f64,
    seconds: f64,
}

/// What this schema takes at best on this machine: the runners and odds rows an ingest produced,
/// inserted again in one statement per table with every foreign key checked, no parsing, no
/// conflict handling. Rolled back, so the database is left as it was.
fn insert_ceiling(c: &mut Client) -> Result<Ceiling> {
    let mut tx = c.transaction()?;
    tx.batch_execute(
        "CREATE TEMP TABLE ceiling_runners AS SELECT * FROM ra_runners; \
         CREATE TEMP TABLE ceiling_odds AS SELECT * FROM ra_runner_odds; \
         DELETE FROM ra_runner_odds; DELETE FROM ra_runners;",
    )?;
    let started = Instant::now();
    let runners = tx.execute("INSERT INTO ra_runners SELECT * FROM ceiling_runners", &[])? as i64;
    let runners_seconds = started.elapsed().as_secs_f64();
    let odds = tx.execute("INSERT INTO ra_runner_odds SELECT * FROM ceiling_odds", &[])? as i64;
    let seconds = started.elapsed().as_secs_f64();
    tx.rollback()?;
    Ok(Ceiling {
        runners,
        odds,
        runners_seconds,
        seconds,
    })
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it.
    if !common::run_by_cargo_bench("ingest", "") {
        return Ok(());
    }
    let target: usize = std::env::var("RA_BENCH_RUNNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mapping = Mapping::builtin()?;
    eprintln!("generating synthetic days until racecards hold {target} runners ...");
    let (days, card_runners, result_runners) = days(target)?;
    let runners = card_runners + result_runners;
    eprintln!(
        "{} days: {card_runners} racecard runners + {result_runners} result runners",
        days.len()
    );

    let cluster =
        Cluster::start(&Default::default()).context("starting a throwaway PostgreSQL cluster")?;
    const SINGLE: &[Phase] = &[Phase::Create];
    const DUAL: &[Phase] = &[Phase::Create, Phase::DualWrite];
    let url_single_db = database(&cluster, "bench_single", SINGLE, &mapping)?;
    let mut single_db = connect(&url_single_db)?;
    let mut observer = connect(&url_single_db)?;
    let statements = observer
        .batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()",
        )
        .is_ok();
    let mut dual_db = connect(&database(&cluster, "bench_dual", DUAL, &mapping)?)?;
    let (pid_single, pid_dual) = (backend_pid(&mut single_db)?, backend_pid(&mut dual_db)?);
    let mut single = Ingest::new(&mut single_db, mapping.clone(), "public", "synthetic");
    let mut dual = Ingest::new(&mut dual_db, mapping.clone(), "public", "synthetic");
    // what the racecards fetch looks up in /courses the first time it meets an unknown course
    let mut book = CourseBook::default();
    book.add(
        &Synthetic::new(42)
            .fetch_courses(&["gb".to_string(), "ire".to_string()])?
            .records,
    );

    let (mut t_single, mut t_dual) = (Duration::ZERO, Duration::ZERO);
    let (mut cpu_single, mut cpu_dual) = (0.0, 0.0);
    let timed = |ing: &mut Ingest, pid: i32, chunk: &[Day], cpu: &mut f64| -> Result<Duration> {
        let before = cpu_now(pid);
        let wall = ingest(ing, chunk, &book)?;
        *cpu += cpu_now(pid) - before;
        Ok(wall)
    };
    for (round, chunk) in days.chunks(DAYS_PER_ROUND).enumerate() {
        if round % 2 == 0 {
            t_single += timed(&mut single, pid_single, chunk, &mut cpu_single)?;
            t_dual += timed(&mut dual, pid_dual, chunk, &mut cpu_dual)?;
        } else {
            t_dual += timed(&mut dual, pid_dual, chunk, &mut cpu_dual)?;
            t_single += timed(&mut single, pid_single, chunk, &mut cpu_single)?;
        }
    }
    let rate = |d: Duration| runners as f64 / d.as_secs_f64();
    let (r_single, r_dual) = (rate(t_single), rate(t_dual));
    let ratio = t_dual.as_secs_f64() / t_single.as_secs_f64();
    let server_time = if statements {
        top_statements(&mut observer)?
    } else {
        Vec::new()
    };
    let ceiling = insert_ceiling(&mut observer)?;
    let ceiling_rate = runners as f64 / ceiling.seconds;

    eprintln!("single-writer measurement done; now {WRITERS} concurrent writers per mode ...");
    let url_single = database(&cluster, "bench_single_concurrent", SINGLE, &mapping)?;
    let url_dual = database(&cluster, "bench_dual_concurrent", DUAL, &mapping)?;
    let mut clients_single = (0..WRITERS)
        .map(|_| connect(&url_single))
        .collect::<Result<Vec<_>>>()?;
    let mut clients_dual = (0..WRITERS)
        .map(|_| connect(&url_dual))
        .collect::<Result<Vec<_>>>()?;
    let mut c_single: Vec<Ingest> = clients_single
        .iter_mut()
        .map(|c| Ingest::new(c, mapping.clone(), "public", "synthetic"))
        .collect();
    let mut c_dual: Vec<Ingest> = clients_dual
        .iter_mut()
        .map(|c| Ingest::new(c, mapping.clone(), "public", "synthetic"))
        .collect();
    let (mut tc_single, mut tc_dual) = (Duration::ZERO, Duration::ZERO);
    for (round, chunk) in days.chunks(DAYS_PER_ROUND * WRITERS).enumerate() {
        if round % 2 == 0 {
            tc_single += ingest_concurrently(&mut c_single, chunk, &book)?;
            tc_dual += ingest_concurrently(&mut c_dual, chunk, &book)?;
        } else {
            tc_dual += ingest_concurrently(&mut c_dual, chunk, &book)?;
            tc_single += ingest_concurrently(&mut c_single, chunk, &book)?;
        }
    }
    let (rc_single, rc_dual) = (rate(tc_single), rate(tc_dual));
    let conflicts: u64 = c_single
        .iter()
        .chain(&c_dual)
        .map(|i| i.totals().careful_batches)
        .sum();
    anyhow::ensure!(conflicts == 0, "{conflicts} batches needed careful mode");

    let written = |i: &Ingest| -> Vec<serde_json::Value> {
        i.totals()
            .written
            .iter()
            .map(|((t, role), n)| json!({"table": t, "target": role, "rows": n}))
            .collect()
    };
    let report = json!({
        "command": "cargo bench --bench ingest",
        "days": days.len(),
        "racecard_runners": card_runners,
        "result_runners": result_runners,
        "runner_records": runners,
        "odds_records": days.iter().map(|d| d.cards.odds.len()).sum::<usize>(),
        "single_write": {
            "phase": "1 (create)", "seconds": t_single.as_secs_f64(), "runners_per_sec": r_single,
            "cpu_seconds": cpu_single, "runners_per_cpu_sec": runners as f64 / cpu_single,
            "rows": written(&single),
        },
        "dual_write": {
            "phase": "2 (dual-write)", "seconds": t_dual.as_secs_f64(), "runners_per_sec": r_dual,
            "cpu_seconds": cpu_dual, "runners_per_cpu_sec": runners as f64 / cpu_dual,
            "rows": written(&dual),
        },
        "dual_over_single_cpu": cpu_dual / cpu_single,
        "schema_ceiling": {
            "what": "the rows the single-write ingest ended with, inserted again server-side with one INSERT ... SELECT per table (FK checks included), in a rolled-back transaction",
            "runners_rows": ceiling.runners, "odds_rows": ceiling.odds,
            "runners_seconds": ceiling.runners_seconds, "odds_seconds": ceiling.seconds - ceiling.runners_seconds,
            "seconds": ceiling.seconds,
            "runner_records_per_sec": ceiling_rate,
            "single_write_over_ceiling": t_single.as_secs_f64() / ceiling.seconds,
        },
        "server_time_single_write": server_time.iter().map(|s| json!({
            "statement": s.text, "calls": s.calls, "total_ms": s.total_ms, "share": s.share,
        })).collect::<Vec<_>>(),
        "dual_over_single": ratio,
        "concurrent": {
            "writers": WRITERS,
            "single_write": {"seconds": tc_single.as_secs_f64(), "runners_per_sec": rc_single},
            "dual_write": {"seconds": tc_dual.as_secs_f64(), "runners_per_sec": rc_dual},
            "dual_over_single": tc_dual.as_secs_f64() / tc_single.as_secs_f64(),
        },
        "load_average_at_end": std::fs::read_to_string("/proc/loadavg").ok().map(|l| l.trim().to_string()),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "targets": {"max_dual_over_single": 1.3, "min_runners_per_sec": 20000},
        "days_per_round": DAYS_PER_ROUND,
    });
    let path = common::write_report("ingest", &report)?;

    println!("ingest of {runners} runner records ({card_runners} from racecards, {result_runners} from results) over {} days", days.len());
    println!(
        "  single write (phase 1): {:>8.0} runners/s  ({:.2}s)",
        r_single,
        t_single.as_secs_f64()
    );
    println!(
        "  dual write   (phase 2): {:>8.0} runners/s  ({:.2}s)",
        r_dual,
        t_dual.as_secs_f64()
    );
    println!("  dual / single time:     {ratio:.2}x");
    println!(
        "  schema ceiling: {} runners ({:.2}s) + {} odds ({:.2}s) by INSERT ... SELECT with their foreign keys = {ceiling_rate:.0} runner records/s; single write takes {:.2}x that",
        ceiling.runners,
        ceiling.runners_seconds,
        ceiling.odds,
        ceiling.seconds - ceiling.runners_seconds,
        t_single.as_secs_f64() / ceiling.seconds
    );
    for s in &server_time {
        println!(
            "  server {:>5.1}% {:>8.0} ms {:>6} calls  {}",
            s.share * 100.0,
            s.total_ms,
            s.calls,
            s.text
        );
    }
    println!(
        "  CPU (client thread + server process): single {cpu_single:.2}s = {:.0} runners/CPU-s, dual {cpu_dual:.2}s = {:.0} runners/CPU-s ({:.2}x)",
        runners as f64 / cpu_single,
        runners as f64 / cpu_dual,
        cpu_dual / cpu_single
    );
    println!(
        "with {WRITERS} concurrent writers: single {rc_single:.0} runners/s, dual {rc_dual:.0} runners/s ({:.2}x)",
        tc_dual.as_secs_f64() / tc_single.as_secs_f64()
    );
    println!("written to {}", path.display());
    drop(single);
    drop(dual);
    drop(c_single);
    drop(c_dual);
    cluster.stop();
    Ok(())
}
