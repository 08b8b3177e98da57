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
//! `RA_BENCH_RUNNERS` changes the target number of runners (e.g. 20000 for a quick look).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{Duration as Days, NaiveDate};
use postgres::{Client, NoTls};
use ra_migrate::api::{RaceBatch, Source};
use ra_migrate::cluster::Cluster;
use ra_migrate::db::LockPolicy;
use ra_migrate::fetch::batches::CourseBook;
use ra_migrate::fetch::ingest::Ingest;
use ra_migrate::fetch::tx::BatchContext;
use ra_migrate::mapping::Mapping;
use ra_migrate::phase::engine::{self, Ctx};
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::synthetic::Synthetic;
use serde_json::json;

/// Days per round; the two modes alternate which goes first each round.
const DAYS_PER_ROUND: usize = 10;

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

fn database(cluster: &Cluster, name: &str, phases: &[Phase], mapping: &Mapping) -> Result<Client> {
    let url = cluster.create_database(name, None)?;
    let mut client =
        Client::connect(&url, NoTls).with_context(|| format!("connecting to {url}"))?;
    ra_migrate::baseline::load_schema(&mut client)?;
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
        };
        let plan = engine::plan(&mut ctx, *phase, Direction::Apply)?;
        let outcome = engine::execute(&mut ctx, &plan)?;
        anyhow::ensure!(
            outcome.problems.is_empty(),
            "phase {phase}: {:?}",
            outcome.problems
        );
    }
    Ok(client)
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

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; a filter argument is ignored.
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
    let mut single_db = database(&cluster, "bench_single", &[Phase::Create], &mapping)?;
    let mut dual_db = database(
        &cluster,
        "bench_dual",
        &[Phase::Create, Phase::DualWrite],
        &mapping,
    )?;
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
    for (round, chunk) in days.chunks(DAYS_PER_ROUND).enumerate() {
        if round % 2 == 0 {
            t_single += ingest(&mut single, chunk, &book)?;
            t_dual += ingest(&mut dual, chunk, &book)?;
        } else {
            t_dual += ingest(&mut dual, chunk, &book)?;
            t_single += ingest(&mut single, chunk, &book)?;
        }
    }
    let rate = |d: Duration| runners as f64 / d.as_secs_f64();
    let (r_single, r_dual) = (rate(t_single), rate(t_dual));
    let ratio = t_dual.as_secs_f64() / t_single.as_secs_f64();

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
        "single_write": {"phase": "1 (create)", "seconds": t_single.as_secs_f64(), "runners_per_sec": r_single, "rows": written(&single)},
        "dual_write": {"phase": "2 (dual-write)", "seconds": t_dual.as_secs_f64(), "runners_per_sec": r_dual, "rows": written(&dual)},
        "dual_over_single": ratio,
        "targets": {"max_dual_over_single": 1.3, "min_runners_per_sec": 20000},
        "days_per_round": DAYS_PER_ROUND,
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/bench-ingest.json");
    std::fs::create_dir_all(path.parent().expect("reports dir"))?;
    std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;

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
    println!("written to {}", path.display());
    drop(single);
    drop(dual);
    cluster.stop();
    Ok(())
}
