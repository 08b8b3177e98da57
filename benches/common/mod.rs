//! Helpers the benchmarks share (each bench is its own crate: `mod common;`).
#![allow(dead_code)] // each bench uses part of it

use anyhow::{ensure, Context, Result};
use postgres::{Client, NoTls};
use ra_migrate::pg::db::LockPolicy;
use ra_migrate::phase::copy::Tuning;
use ra_migrate::phase::engine::{self, Ctx};
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::rehearsal::cluster::Cluster;
use ra_migrate::schema::mapping::Mapping;
use serde_json::json;
use std::time::Duration;

/// The binary's allocator (`src/main.rs`), so each benchmark measures what `ra-migrate` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// nproc, memory and CPU model from /proc, and the server's version.
pub fn machine(pg_version: &str) -> serde_json::Value {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: Option<u64> = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string());
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory": mem_kb.map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0)),
        "mem_total_kb": mem_kb,
        "cpu": cpu,
        "postgresql": pg_version,
        "cluster": "throwaway (fsync=off, synchronous_commit=off, full_page_writes=off)",
    })
}

/// utime + stime of a process from its `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`), in
/// seconds (clock ticks of 1/100 s); 0 when it cannot be read.
pub fn cpu_seconds(stat_path: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(stat_path) else {
        return 0.0;
    };
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // after the command: state is field 3, utime 14, stime 15
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// An environment variable parsed as `T`, or `default` when unset or blank.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v}: {e}")),
        _ => Ok(default),
    }
}

pub fn connect(url: &str) -> Result<Client> {
    Client::connect(url, NoTls).with_context(|| format!("connecting to {url}"))
}

/// A phase context on `client` with the defaults the tool's commands use, output silenced; `url`
/// (the same database) gives it the second session the tool's commands have.
pub fn ctx<'a>(
    client: &'a mut Client,
    mapping: &'a Mapping,
    lock: &'a LockPolicy,
    url: Option<&'a str>,
) -> Ctx<'a> {
    Ctx {
        client,
        mapping,
        schema: "public",
        lock,
        force: false,
        tuning: Tuning::default(),
        progress: &ra_migrate::progress::Silent,
        switch_functions: false,
        url,
    }
}

/// Plans and runs one phase in one direction; fails unless it verifies.
pub fn run_phase(
    client: &mut Client,
    mapping: &Mapping,
    phase: Phase,
    direction: Direction,
) -> Result<()> {
    let lock = LockPolicy::default();
    let mut ctx = ctx(client, mapping, &lock, None);
    engine::check_order(ctx.client, phase, direction)?;
    let plan = engine::plan(&mut ctx, phase, direction)?;
    let outcome = engine::execute(&mut ctx, &plan)?;
    ensure!(
        outcome.problems.is_empty(),
        "{} of phase {phase}: {:?}",
        direction.as_str(),
        outcome.problems
    );
    Ok(())
}

pub fn drop_database(cluster: &Cluster, name: &str) -> Result<()> {
    let mut c = connect(&cluster.url("postgres"))?;
    c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .with_context(|| format!("dropping {name}"))
}

pub fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

/// Whether `cargo bench` runs this bench (then with the allocator set as the binary sets it);
/// otherwise (`cargo test --all-targets` runs bench binaries without `--bench`) says how to run it.
pub fn run_by_cargo_bench(name: &str, hint: &str) -> bool {
    if std::env::args().any(|a| a == "--bench") {
        ra_migrate::allocator::keep_freed_memory();
        return true;
    }
    println!("{name} benchmark skipped (not run by cargo bench): run it with `cargo bench --bench {name}`{hint}");
    false
}

/// Writes `report` to `reports/bench-NAME.json`; returns the path.
pub fn write_report(name: &str, report: &serde_json::Value) -> Result<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports")
        .join(format!("bench-{name}.json"));
    std::fs::create_dir_all(path.parent().expect("reports dir"))?;
    std::fs::write(&path, serde_json::to_string_pretty(report)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
