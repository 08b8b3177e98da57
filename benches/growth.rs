//! Growth benchmark: does the cost per row stay flat, and the tool's memory stay put, as the
//! database grows?
//!
//! `cargo bench --bench growth` starts a throwaway cluster and, for the plan's row counts times
//! `RA_BENCH_SCALE` (default 1.0) and times `RA_BENCH_GROWTH` (default 4) that, in the same run:
//! loads the legacy baseline, applies phases 1 and 2, then measures phase 3 (plan, backfill,
//! foreign keys, verification, through the phase engine) and `validate`, each with the peak
//! resident set of this process reset before it (`/proc/self/clear_refs`, read back as `VmHWM`).
//! The tool runs in this process, so its peak is this process's.
//!
//! Reports time per master row (old masters' rows) at each size and the ratios larger/smaller;
//! targets: time per row within 1.2x, peak memory within 1.5x. Writes
//! `reports/bench-growth.json`.
//!
//! `cargo test --all-targets` runs bench binaries without `--bench`: then this prints how to run
//! it and exits.

mod common;

use anyhow::{ensure, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use common::{connect, ctx, drop_database, env_or, machine, run_phase, secs};
use postgres::Client;
use ra_migrate::pg::db::LockPolicy;
use ra_migrate::phase::engine;
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::rehearsal::cluster::Cluster;
use ra_migrate::schema::mapping::Mapping;
use serde_json::json;
use std::time::{Duration, Instant};

const TARGET_TIME_PER_ROW_RATIO: f64 = 1.2;
const TARGET_PEAK_MEMORY_RATIO: f64 = 1.5;

/// One size's measurements.
struct Size {
    scale: f64,
    master_rows: i64,
    runners: i64,
    phase3: Duration,
    phase3_peak_kb: u64,
    validate: Duration,
    validate_peak_kb: u64,
}

fn main() -> Result<()> {
    if !common::run_by_cargo_bench("growth", " (RA_BENCH_SCALE=0.05 for a quick look)") {
        return Ok(());
    }
    let base: f64 = env_or("RA_BENCH_SCALE", 1.0)?;
    let growth: f64 = env_or("RA_BENCH_GROWTH", 4.0)?;
    ensure!(
        base > 0.0 && base <= 2.0,
        "RA_BENCH_SCALE must be in (0, 2], got {base}"
    );
    ensure!(
        growth > 1.0 && growth <= 8.0,
        "RA_BENCH_GROWTH must be in (1, 8], got {growth}"
    );
    ensure!(
        peak_kb().is_some() && reset_peak(),
        "this benchmark needs Linux's /proc/self/status VmHWM and /proc/self/clear_refs"
    );
    let mapping = Mapping::builtin()?;
    let started = Instant::now();
    let cluster =
        Cluster::start(&Default::default()).context("starting a throwaway PostgreSQL cluster")?;
    let mut sizes = Vec::new();
    let mut pg_version = String::new();
    for (k, scale) in [base, base * growth].into_iter().enumerate() {
        let name = format!("growth_{k}");
        eprintln!("scale {scale}: seeding the legacy baseline, phases 1 and 2 ...");
        let url = cluster.create_database(&name, None)?;
        let mut c = connect(&url)?;
        ra_migrate::rehearsal::baseline::load_schema(&mut c)?;
        ra_migrate::rehearsal::baseline::seed(&mut c, scale)?;
        ra_migrate::state::init(&mut c, &mapping.protected)?;
        for phase in [Phase::Create, Phase::DualWrite] {
            run_phase(&mut c, &mapping, phase, Direction::Apply)?;
        }
        c.batch_execute("VACUUM (FREEZE, ANALYZE)")?;
        pg_version = c.query_one("SHOW server_version", &[])?.get(0);
        let (master_rows, runners) = rows(&mut c, &mapping)?;

        eprintln!("scale {scale}: phase 3 ...");
        reset_peak();
        let t = Instant::now();
        {
            let lock = LockPolicy::default();
            let mut ctx = ctx(&mut c, &mapping, &lock, Some(&url));
            engine::check_order(ctx.client, Phase::Backfill, Direction::Apply)?;
            let plan = engine::plan(&mut ctx, Phase::Backfill, Direction::Apply)?;
            let outcome = engine::execute(&mut ctx, &plan)?;
            ensure!(
                outcome.problems.is_empty(),
                "phase 3 did not verify at scale {scale}: {:?}",
                outcome.problems
            );
        }
        let phase3 = t.elapsed();
        let phase3_peak_kb = peak_kb().context("reading VmHWM")?;

        eprintln!("scale {scale}: validate ...");
        reset_peak();
        let t = Instant::now();
        let report = ra_migrate::report::validate::run(
            &mut c,
            &mapping,
            "public",
            &ra_migrate::pg::db::redact_url(&url),
            &Default::default(),
        )?;
        let validate = t.elapsed();
        let validate_peak_kb = peak_kb().context("reading VmHWM")?;
        ensure!(
            report.passed(),
            "validate failed at scale {scale}: {:?}",
            report.problems()
        );
        drop(c);
        drop_database(&cluster, &name)?;
        sizes.push(Size {
            scale,
            master_rows,
            runners,
            phase3,
            phase3_peak_kb,
            validate,
            validate_peak_kb,
        });
    }

    let per_row = |d: Duration, rows: i64| d.as_secs_f64() * 1e6 / rows.max(1) as f64;
    let (small, large) = (&sizes[0], &sizes[1]);
    let ratio = |f: &dyn Fn(&Size) -> f64| f(large) / f(small);
    let phase3_ratio = ratio(&|s| per_row(s.phase3, s.master_rows));
    let validate_ratio = ratio(&|s| per_row(s.validate, s.master_rows));
    let phase3_mem_ratio = ratio(&|s| s.phase3_peak_kb as f64);
    let validate_mem_ratio = ratio(&|s| s.validate_peak_kb as f64);
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "scale",
        "master rows",
        "runners",
        "phase 3",
        "µs per master row",
        "peak RSS",
        "validate",
        "µs per master row",
        "peak RSS",
    ]);
    for s in &sizes {
        table.add_row(vec![
            format!("{}", s.scale),
            s.master_rows.to_string(),
            s.runners.to_string(),
            secs(s.phase3),
            format!("{:.2}", per_row(s.phase3, s.master_rows)),
            mib(s.phase3_peak_kb),
            secs(s.validate),
            format!("{:.2}", per_row(s.validate, s.master_rows)),
            mib(s.validate_peak_kb),
        ]);
    }
    let mut ratios = Table::new();
    ratios.load_preset(UTF8_FULL_CONDENSED);
    ratios.set_header(vec!["larger / smaller", "ratio", "target", ""]);
    for (what, r, target) in [
        (
            "phase 3 time per row",
            phase3_ratio,
            TARGET_TIME_PER_ROW_RATIO,
        ),
        (
            "validate time per row",
            validate_ratio,
            TARGET_TIME_PER_ROW_RATIO,
        ),
        (
            "phase 3 peak memory",
            phase3_mem_ratio,
            TARGET_PEAK_MEMORY_RATIO,
        ),
        (
            "validate peak memory",
            validate_mem_ratio,
            TARGET_PEAK_MEMORY_RATIO,
        ),
    ] {
        ratios.add_row(vec![
            what.to_string(),
            format!("{r:.2}x"),
            format!("≤ {target}x"),
            verdict(r <= target).to_string(),
        ]);
    }

    let machine = machine(&pg_version);
    let report = json!({
        "command": "cargo bench --bench growth",
        "date": chrono::Utc::now().to_rfc3339(),
        "machine": machine,
        "sizes": sizes.iter().map(|s| json!({
            "scale": s.scale,
            "master_rows": s.master_rows,
            "runners": s.runners,
            "phase3_seconds": s.phase3.as_secs_f64(),
            "phase3_us_per_master_row": per_row(s.phase3, s.master_rows),
            "phase3_peak_rss_kb": s.phase3_peak_kb,
            "validate_seconds": s.validate.as_secs_f64(),
            "validate_us_per_master_row": per_row(s.validate, s.master_rows),
            "validate_peak_rss_kb": s.validate_peak_kb,
        })).collect::<Vec<_>>(),
        "ratios": {
            "phase3_time_per_row": phase3_ratio,
            "validate_time_per_row": validate_ratio,
            "phase3_peak_memory": phase3_mem_ratio,
            "validate_peak_memory": validate_mem_ratio,
            "target_time_per_row": TARGET_TIME_PER_ROW_RATIO,
            "target_peak_memory": TARGET_PEAK_MEMORY_RATIO,
        },
        "total_seconds": started.elapsed().as_secs_f64(),
    });
    let path = common::write_report("growth", &report)?;
    println!(
        "growth benchmark, scales {} and {} on {} ({} CPUs), PostgreSQL {pg_version}",
        small.scale,
        large.scale,
        machine["cpu"].as_str().unwrap_or("?"),
        machine["nproc"],
    );
    println!("{table}");
    println!("{ratios}");
    println!(
        "written to {} ({:.0}s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    cluster.stop();
    Ok(())
}

/// Rows of the old masters, and runners.
fn rows(c: &mut Client, mapping: &Mapping) -> Result<(i64, i64)> {
    let mut masters = 0;
    for m in mapping.masters() {
        let exists: bool = c
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&m.name])?
            .get(0);
        if exists {
            masters += c
                .query_one(&format!("SELECT count(*) FROM public.{}", m.name), &[])?
                .get::<_, i64>(0);
        }
    }
    let runners = c
        .query_one("SELECT count(*) FROM public.ra_runners", &[])?
        .get(0);
    Ok((masters, runners))
}

/// Resets this process's peak resident set (Linux: writing 5 to `clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident set since the last reset, in KiB.
fn peak_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}
