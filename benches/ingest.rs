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
//! The ceiling is what the schema takes at best: the rows the ingest ended with, inserted again
//! server-side with their foreign keys checked (fastest of 3 runs). Beside it, the same-records
//! ceiling adds a second write of every runner a result was applied to, as the ingest receives
//! each runner twice (racecard, then result). CPU is split into the client thread and the server
//! process, and `pg_stat_statements` (planning included) breaks the server's time down.
//!
//! A second measurement runs the same days with two writers per mode (two connections, days
//! split between them), as concurrent fetchers would: the aggregate capacity of the write path on
//! this machine rather than the speed of one fetch.
//!
//! `RA_BENCH_RUNNERS` changes the target number of runners (e.g. 20000 for a quick look);
//! `RA_BENCH_NO_AHEAD=1` writes each day without checking the next ones ahead (`fetch::ahead`).

mod common;

use common::cpu_seconds;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{Duration as Days, NaiveDate};
use postgres::{Client, NoTls};
use ra_migrate::api::synthetic::Synthetic;
use ra_migrate::api::{RaceBatch, Source};
use ra_migrate::fetch::ahead;
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
/// Runs of the ceiling; the fastest is reported (single runs moved by a quarter on this machine).
const CEILING_RUNS: usize = 3;
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

/// CPU seconds of this thread and of the server process behind `backend_pid`.
fn cpu_now(backend_pid: i32) -> (f64, f64) {
    (
        cpu_seconds("/proc/thread-self/stat"),
        cpu_seconds(&format!("/proc/{backend_pid}/stat")),
    )
}

fn backend_pid(client: &mut Client) -> Result<i32> {
    Ok(client.query_one("SELECT pg_backend_pid()", &[])?.get(0))
}

fn connect(url: &str) -> Result<Client> {
    Client::connect(url, NoTls).with_context(|| format!("connecting to {url}"))
}

/// Ingests `days` with one writer per `ingests` element, days dealt round-robin, each writer
/// writing its share as one range (as a fetch of a date range does); wall time.
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
                    ingest(ing, days.iter().skip(w).step_by(n), book).map(drop)
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

/// Whether days are checked ahead, as `fetch` does: `RA_BENCH_NO_AHEAD=1` turns it off, to
/// measure what it brings.
fn ahead_on() -> bool {
    std::env::var_os("RA_BENCH_NO_AHEAD").is_none()
}

/// Ingests `days` (racecards then results of each day); returns the time taken.
fn ingest<'d>(
    ingest: &mut Ingest,
    days: impl IntoIterator<Item = &'d Day>,
    book: &CourseBook,
) -> Result<Duration> {
    let batches: Vec<(&RaceBatch, BatchContext)> = days
        .into_iter()
        .flat_map(|d| {
            [
                (&d.cards, context("racecards/pro", d.date)),
                (&d.results, context("results", d.date)),
            ]
        })
        .collect();
    let started = Instant::now();
    // as `fetch racecards` writes a round of days: each checked ahead while the one before is
    // written
    let places = ahead::Places::new(batches.len());
    let prep = ingest.prepared()?;
    std::thread::scope(|scope| -> Result<()> {
        let checked = ahead_on().then(|| ahead::spawn(scope, prep, &batches, &places));
        for (batch, ctx) in &batches {
            let ahead = checked.as_ref().and_then(ahead::Ahead::next);
            let o = ingest.race_batch(batch, book, ctx, ahead)?;
            anyhow::ensure!(o.quarantined == 0 && !o.careful, "{}: {o:?}", ctx.label);
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

/// One statement's share of the server's execution time.
struct StatementTime {
    text: String,
    calls: i64,
    total_ms: f64,
    share: f64,
    plan_ms: f64,
    /// The first table the statement inserts into or updates.
    table: String,
}

/// The statements that took the most server time in the observed database.
fn top_statements(c: &mut Client) -> Result<Vec<StatementTime>> {
    let rows = c.query(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 110), calls, total_exec_time, \
                total_exec_time / nullif(sum(total_exec_time) OVER (), 0), total_plan_time, \
                coalesce(substring(query from '(?:INSERT INTO|UPDATE) ([^ (]+)'), '?') \
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
            plan_ms: r.get(4),
            table: r.get(5),
        })
        .collect())
}

struct Ceiling {
    runners: i64,
    odds: i64,
    runners_seconds: f64,
    seconds: f64,
    /// Result runners applied again as one `UPDATE ... FROM` by race and horse.
    results: i64,
    results_seconds: f64,
}

/// What this schema takes at best on this machine: the runners and odds rows an ingest produced,
/// inserted again in one statement per table with every foreign key checked, no parsing, no
/// conflict handling. Then, timed apart, what the same ceiling adds for the records the ingest
/// received rather than the rows it ended with: each runner a result was applied to, written a
/// second time (one `UPDATE ... FROM` joined by race and horse, as a result record names its
/// runner). The update runs on the rows as the ingest committed them, in a transaction of its
/// own: in the transaction that inserted a row, PostgreSQL checks its foreign keys again on an
/// update even when they keep their values, which a result arriving later does not pay. Both are
/// rolled back, so the database is left as it was.
fn insert_ceiling(c: &mut Client) -> Result<Ceiling> {
    // Each part starts from a vacuumed table: the ingest's updates, and the parts and runs before
    // it rolled back, leave dead rows and index entries that would slow the ceiling down.
    const VACUUM: &str = "VACUUM (ANALYZE) ra_runners, ra_runner_odds";
    c.batch_execute(VACUUM)?;
    let mut tx = c.transaction()?;
    tx.batch_execute(
        "CREATE TEMP TABLE ceiling_runners ON COMMIT DROP AS SELECT * FROM ra_runners; \
         CREATE TEMP TABLE ceiling_odds ON COMMIT DROP AS SELECT * FROM ra_runner_odds; \
         DELETE FROM ra_runner_odds; DELETE FROM ra_runners;",
    )?;
    let started = Instant::now();
    let runners = tx.execute("INSERT INTO ra_runners SELECT * FROM ceiling_runners", &[])? as i64;
    let runners_seconds = started.elapsed().as_secs_f64();
    let odds = tx.execute("INSERT INTO ra_runner_odds SELECT * FROM ceiling_odds", &[])? as i64;
    let seconds = started.elapsed().as_secs_f64();
    tx.rollback()?;

    c.batch_execute(VACUUM)?;
    let mut tx = c.transaction()?;
    tx.batch_execute(
        "CREATE TEMP TABLE ceiling_results ON COMMIT DROP AS \
           SELECT * FROM ra_runners WHERE result_updated_at IS NOT NULL; \
         ANALYZE ceiling_results",
    )?;
    let sets: Vec<String> = tx
        .query(
            "SELECT format('%1$I = c.%1$I', attname) FROM pg_attribute \
              WHERE attrelid = 'ra_runners'::regclass AND attnum > 0 AND NOT attisdropped \
                AND attname NOT IN ('id', 'race_id', 'horse_id', 'created_at') ORDER BY attnum",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let started = Instant::now();
    let results = tx.execute(
        &format!(
            "UPDATE ra_runners r SET {} FROM ceiling_results c \
              WHERE r.race_id = c.race_id AND r.horse_id = c.horse_id",
            sets.join(", ")
        ),
        &[],
    )? as i64;
    let results_seconds = started.elapsed().as_secs_f64();
    tx.rollback()?;
    Ok(Ceiling {
        runners,
        odds,
        runners_seconds,
        seconds,
        results,
        results_seconds,
    })
}

/// The ceiling measured `n` times: the run with the fastest inserts, with the fastest of the
/// result updates (the two parts are timed apart). The fastest, not the median: a ceiling is the
/// best the schema does, and every run after the first meets what the runs before it left behind
/// (free space where their rolled-back rows were), which can only slow it down.
fn fastest_ceiling(c: &mut Client, n: usize) -> Result<Ceiling> {
    let runs = (0..n)
        .map(|_| insert_ceiling(c))
        .collect::<Result<Vec<_>>>()?;
    for (i, r) in runs.iter().enumerate() {
        eprintln!(
            "ceiling run {}: inserts {:.2}s (runners {:.2}s), result updates {:.2}s",
            i + 1,
            r.seconds,
            r.runners_seconds,
            r.results_seconds
        );
    }
    let update = runs
        .iter()
        .map(|r| r.results_seconds)
        .fold(f64::INFINITY, f64::min);
    let mut fastest = runs
        .into_iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .context("no ceiling run")?;
    fastest.results_seconds = update;
    Ok(fastest)
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
    // planning is counted too (`track_planning`): the breakdown shows whether statements are
    // planned again on every call
    let statements = [
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
        "ALTER SYSTEM SET pg_stat_statements.track_planning = on",
        "SELECT pg_reload_conf()",
        "SELECT pg_stat_statements_reset()",
    ]
    .iter()
    .all(|sql| observer.batch_execute(sql).is_ok());
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
    let (mut cpu_single, mut cpu_dual) = ((0.0, 0.0), (0.0, 0.0));
    let timed =
        |ing: &mut Ingest, pid: i32, chunk: &[Day], cpu: &mut (f64, f64)| -> Result<Duration> {
            let before = cpu_now(pid);
            let wall = ingest(ing, chunk, &book)?;
            let after = cpu_now(pid);
            cpu.0 += after.0 - before.0;
            cpu.1 += after.1 - before.1;
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
    let total = |c: (f64, f64)| c.0 + c.1;
    let rate = |d: Duration| runners as f64 / d.as_secs_f64();
    let (r_single, r_dual) = (rate(t_single), rate(t_dual));
    let ratio = t_dual.as_secs_f64() / t_single.as_secs_f64();
    let server_time = if statements {
        top_statements(&mut observer)?
    } else {
        Vec::new()
    };
    let server_sums: Option<(f64, f64, i64)> = if statements {
        let r = observer.query_one(
            "SELECT coalesce(sum(total_exec_time), 0), coalesce(sum(total_plan_time), 0), \
                    coalesce(sum(calls), 0)::bigint \
               FROM pg_stat_statements \
              WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )?;
        Some((r.get(0), r.get(1), r.get(2)))
    } else {
        None
    };
    let ceiling = fastest_ceiling(&mut observer, CEILING_RUNS)?;
    let ceiling_rate = runners as f64 / ceiling.seconds;
    let same_records = ceiling.seconds + ceiling.results_seconds;

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
        "checked_ahead": ahead_on(),
        "days": days.len(),
        "racecard_runners": card_runners,
        "result_runners": result_runners,
        "runner_records": runners,
        "odds_records": days.iter().map(|d| d.cards.odds.len()).sum::<usize>(),
        "single_write": {
            "phase": "1 (create)", "seconds": t_single.as_secs_f64(), "runners_per_sec": r_single,
            "cpu_seconds": total(cpu_single), "client_cpu_seconds": cpu_single.0, "server_cpu_seconds": cpu_single.1,
            "runners_per_cpu_sec": runners as f64 / total(cpu_single),
            "rows": written(&single),
        },
        "dual_write": {
            "phase": "2 (dual-write)", "seconds": t_dual.as_secs_f64(), "runners_per_sec": r_dual,
            "cpu_seconds": total(cpu_dual), "client_cpu_seconds": cpu_dual.0, "server_cpu_seconds": cpu_dual.1,
            "runners_per_cpu_sec": runners as f64 / total(cpu_dual),
            "rows": written(&dual),
        },
        "dual_over_single_cpu": total(cpu_dual) / total(cpu_single),
        "schema_ceiling": {
            "what": "the rows the single-write ingest ended with, inserted again server-side with one INSERT ... SELECT per table (FK checks included), in a rolled-back transaction",
            "runners_rows": ceiling.runners, "odds_rows": ceiling.odds,
            "runners_seconds": ceiling.runners_seconds, "odds_seconds": ceiling.seconds - ceiling.runners_seconds,
            "seconds": ceiling.seconds,
            "runner_records_per_sec": ceiling_rate,
            "single_write_over_ceiling": t_single.as_secs_f64() / ceiling.seconds,
            "runs": CEILING_RUNS,
        },
        "same_records_ceiling": {
            "what": "the schema ceiling plus the result runners written a second time (one UPDATE ... FROM by race and horse): the records the ingest received, not only the rows it ended with",
            "results_rows": ceiling.results, "results_seconds": ceiling.results_seconds,
            "seconds": same_records,
            "single_write_over_same_records_ceiling": t_single.as_secs_f64() / same_records,
            "server_execution_over_same_records_ceiling": server_sums.map(|(exec, _, _)| exec / 1000.0 / same_records),
        },
        "server_time_single_write": server_time.iter().map(|s| json!({
            "statement": s.text, "table": s.table, "calls": s.calls, "total_ms": s.total_ms, "share": s.share, "plan_ms": s.plan_ms,
        })).collect::<Vec<_>>(),
        "server_totals_single_write": server_sums.map(|(exec, plan, calls)| json!({
            "exec_ms": exec, "plan_ms": plan, "calls": calls,
        })),
        "dual_over_single": ratio,
        "concurrent": {
            "writers": WRITERS,
            "single_write": {"seconds": tc_single.as_secs_f64(), "runners_per_sec": rc_single},
            "dual_write": {"seconds": tc_dual.as_secs_f64(), "runners_per_sec": rc_dual},
            "dual_over_single": tc_dual.as_secs_f64() / tc_single.as_secs_f64(),
        },
        "load_average_at_end": std::fs::read_to_string("/proc/loadavg").ok().map(|l| l.trim().to_string()),
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "targets": {
            "max_dual_over_single": 1.3,
            "max_single_write_over_ceiling": 1.5,
            "proposed": {"max_server_execution_over_same_records_ceiling": 1.5, "max_single_write_over_same_records_ceiling": 2.0},
        },
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
        "  schema ceiling: {} runners ({:.2}s) + {} odds ({:.2}s) by INSERT ... SELECT with their foreign keys (fastest of {CEILING_RUNS} runs) = {ceiling_rate:.0} runner records/s; single write takes {:.2}x that",
        ceiling.runners,
        ceiling.runners_seconds,
        ceiling.odds,
        ceiling.seconds - ceiling.runners_seconds,
        t_single.as_secs_f64() / ceiling.seconds
    );
    println!(
        "  same-records ceiling: + {} result runners written again ({:.2}s) = {:.2}s; single write takes {:.2}x that",
        ceiling.results,
        ceiling.results_seconds,
        same_records,
        t_single.as_secs_f64() / same_records
    );
    for s in &server_time {
        println!(
            "  server {:>5.1}% {:>8.0} ms (+{:>5.0} ms planning) {:>6} calls  {}: {}",
            s.share * 100.0,
            s.total_ms,
            s.plan_ms,
            s.calls,
            s.table,
            s.text
        );
    }
    if let Some((exec, plan, calls)) = server_sums {
        println!(
            "  server, every statement of the single writer: {calls} calls, {:.2}s executing, {:.2}s planning",
            exec / 1000.0,
            plan / 1000.0
        );
    }
    println!(
        "  CPU (client thread + server process): single {:.2}s + {:.2}s = {:.0} runners/CPU-s, dual {:.2}s + {:.2}s = {:.0} runners/CPU-s ({:.2}x)",
        cpu_single.0,
        cpu_single.1,
        runners as f64 / total(cpu_single),
        cpu_dual.0,
        cpu_dual.1,
        runners as f64 / total(cpu_dual),
        total(cpu_dual) / total(cpu_single)
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
