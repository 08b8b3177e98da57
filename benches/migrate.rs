//! Migration benchmark: what the safe way costs against the naive way, measured in one run.
//!
//! `cargo bench --bench migrate` starts a throwaway cluster, loads the legacy baseline seeded at
//! `RA_BENCH_SCALE` (default 1.0 = production sizes: about 1.2M runners), runs `state::init`, and
//! measures:
//!
//! a. phase 3 (`apply 3` through the phase engine: plan with its orphan counts, keyset batches under
//!    `FOR SHARE` with checkpoints, foreign keys `NOT VALID` then `VALIDATE`, verification) against
//!    one `INSERT INTO ra_mst_x SELECT ... FROM ra_x` per master plus a plain validating
//!    `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` for the same constraints. Both run on their own
//!    database cloned from one template with phases 1 and 2 applied, so both start from the same
//!    state; `RA_BENCH_PHASE3_RUNS` (default 3) runs each on fresh clones, alternating which goes
//!    first, the ratio of the medians reported with the plain way's parts (copy, each foreign key);
//!    target at most 1.2x.
//! b. `validate::run` on the migrated database against a plain hash scan of both sides of every
//!    master (`SELECT sum(hashtext(t::text)::bigint) FROM ra_x t`); best of `RA_BENCH_ROUNDS`
//!    (default 2) alternating runs each; target at most 2x.
//! c. the longest write transaction of an outside writer during every phase transition (the
//!    `demo` sequence: apply 1..5, phase 5 back and forward, rollback 5..1), on a third clone taken
//!    before any phase; target under 200 ms.
//!
//! `RA_BENCH_PHASE3_ONLY=1` measures (a) alone (no report file is written); `RA_BENCH_PROFILE=1`
//! also breaks the tool's phase 3 down on the server (`pg_stat_statements` with `track = all` and
//! `track_functions = all`, summed over the runs): its top statements and trigger functions;
//! `RA_BENCH_KEEP=1` leaves the cluster running (its URL is printed) for a closer look.
//! `RA_BENCH_LOG=1` logs every statement with its duration and backend pid to the cluster's
//! `server.log`: with `RA_BENCH_KEEP=1`, each session's timeline can be read from it.
//!
//! Prints a table and writes `reports/bench-migrate.json` (date, machine, scale, row counts, every
//! measurement with its ratio and target).
//!
//! `cargo test --all-targets` builds and runs bench binaries without `--bench`: then this prints how
//! to run it and exits at once.

mod common;

use common::{connect, ctx, drop_database, env_or, machine, run_phase, secs};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use postgres::Client;
use ra_migrate::pg::db::LockPolicy;
use ra_migrate::phase::copy::Tuning;
use ra_migrate::phase::engine;
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::rehearsal::cluster::Cluster;
use ra_migrate::rehearsal::demo::{self, Rehearsal};
use ra_migrate::schema::catalog::Catalog;
use ra_migrate::schema::mapping::Mapping;
use serde_json::json;

const TARGET_PHASE3_RATIO: f64 = 1.2;
const TARGET_VALIDATE_RATIO: f64 = 2.0;
const TARGET_WRITER_WAIT_MS: u128 = 200;

fn main() -> Result<()> {
    if !common::run_by_cargo_bench("migrate", " (RA_BENCH_SCALE=0.1 for a quick look)") {
        return Ok(());
    }
    let scale: f64 = env_or("RA_BENCH_SCALE", 1.0)?;
    ensure!(
        scale > 0.0 && scale <= 2.0,
        "RA_BENCH_SCALE must be in (0, 2], got {scale}"
    );
    let rounds: u32 = env_or("RA_BENCH_ROUNDS", 2)?;
    ensure!(rounds >= 1, "RA_BENCH_ROUNDS must be at least 1");
    let mapping = Mapping::builtin()?;
    let started = Instant::now();

    let phase3_only: bool = env_or("RA_BENCH_PHASE3_ONLY", 0u8)? == 1;
    let profile: bool = env_or("RA_BENCH_PROFILE", 0u8)? == 1;
    let keep: bool = env_or("RA_BENCH_KEEP", 0u8)? == 1;
    let cluster = Cluster::start(&ra_migrate::rehearsal::cluster::ClusterOptions {
        keep,
        ..Default::default()
    })
    .context("starting a throwaway PostgreSQL cluster")?;
    if env_or("RA_BENCH_LOG", 0u8)? == 1 {
        let mut c = connect(&cluster.url("postgres"))?;
        for sql in [
            "ALTER SYSTEM SET log_min_duration_statement = 0",
            "ALTER SYSTEM SET log_line_prefix = '%m [%p] %d '",
            "SELECT pg_reload_conf()",
        ] {
            c.batch_execute(sql)?;
        }
    }
    // The server-side breakdown reads pg_stat_statements from the maintenance database, so the
    // measured ones hold no extension object the tool would see.
    let mut stats_client = if profile && cluster.has_pg_stat_statements() {
        let mut c = connect(&cluster.url("postgres"))?;
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")?;
        Some(c)
    } else {
        None
    };
    eprintln!("seeding the legacy baseline at scale {scale} ...");
    let seed_url = cluster.create_database("bench_seed", None)?;
    let mut last_record: Option<ra_migrate::phase::backfill::Record> = None;
    let (counts, pg_version) = {
        let mut c = connect(&seed_url)?;
        ra_migrate::rehearsal::baseline::load_schema(&mut c)?;
        ra_migrate::rehearsal::baseline::seed(&mut c, scale)?;
        ra_migrate::state::init(&mut c, &mapping.protected)?;
        // Hint bits and the visibility map set once here, not by whichever clone scans first.
        c.batch_execute("VACUUM (FREEZE, ANALYZE)")?;
        let version: String = c.query_one("SHOW server_version", &[])?.get(0);
        (row_counts(&mut c, &mapping)?, version)
    };
    // The clone for (c) is taken before any phase: it runs the whole sequence itself.
    let locks_url = cluster.create_database("bench_locks", Some("bench_seed"))?;
    {
        let mut c = connect(&seed_url)?;
        for phase in [Phase::Create, Phase::DualWrite] {
            run_phase(&mut c, &mapping, phase, Direction::Apply)?;
        }
        c.batch_execute("VACUUM (FREEZE, ANALYZE)")?;
    }

    // (a) phase 3 against INSERT ... SELECT plus plain ADD FOREIGN KEY, on fresh clones of one
    // template each run, alternating which goes first; medians of `runs`.
    let runs: usize = env_or("RA_BENCH_PHASE3_RUNS", 3)?;
    ensure!(runs >= 1, "RA_BENCH_PHASE3_RUNS must be at least 1");
    eprintln!("(a) phase 3 against the plain copy, {runs} runs each ...");
    let phase3_url = cluster.url("bench_phase3");
    let mut phase3_runs: Vec<(Duration, Duration)> = Vec::new();
    let mut plain_runs: Vec<PlainRun> = Vec::new();
    let mut outcome_steps = 0;
    for run in 0..runs {
        if run > 0 {
            drop_database(&cluster, "bench_phase3")?;
        }
        cluster.create_database("bench_phase3", Some("bench_seed"))?;
        let plain_url = cluster.create_database("bench_plain", Some("bench_seed"))?;
        let mut measure_phase3 = || -> Result<()> {
            // The breakdown is the last run's: each run's clone is a new database.
            if let Some(c) = stats_client.as_mut() {
                c.batch_execute("SELECT pg_stat_statements_reset()")?;
            }
            let mut migrated = connect(&phase3_url)?;
            if stats_client.is_some() {
                migrated.batch_execute(
                    "SET pg_stat_statements.track = 'all'; SET track_functions = 'all'",
                )?;
            }
            let lock = LockPolicy::default();
            let mut ctx = ctx(&mut migrated, &mapping, &lock, Some(&phase3_url));
            let t = Instant::now();
            engine::check_order(ctx.client, Phase::Backfill, Direction::Apply)?;
            let plan = engine::plan(&mut ctx, Phase::Backfill, Direction::Apply)?;
            let plan_time = t.elapsed();
            let outcome = engine::execute(&mut ctx, &plan)?;
            ensure!(
                outcome.problems.is_empty(),
                "phase 3 did not verify: {:?}",
                outcome.problems
            );
            phase3_runs.push((t.elapsed(), plan_time));
            outcome_steps = plan.steps.len();
            Ok(())
        };
        if run % 2 == 0 {
            measure_phase3()?;
        }
        // The constraints phase 3 adds, from the first run's record (that run measures the tool
        // first); every run adds the same ones.
        let record = match &last_record {
            Some(r) => r.clone(),
            None => {
                let mut c = connect(&phase3_url)?;
                ra_migrate::state::phase_row(&mut c, Phase::Backfill)?
                    .context("phase 3 left no state row")?
                    .record::<ra_migrate::phase::backfill::Record>()?
                    .clone()
            }
        };
        last_record = Some(record.clone());
        plain_runs.push(plain_phase3(&plain_url, &mapping, &record)?);
        drop_database(&cluster, "bench_plain")?;
        if run % 2 == 1 {
            measure_phase3()?;
        }
    }
    let record = last_record.clone().context("no phase 3 record")?;
    if let Some(c) = stats_client.as_mut() {
        print_profile(c, &phase3_url)?;
    }
    let mut migrated = connect(&phase3_url)?;
    // The verification alone, run again: how much of the phase it is.
    let t = Instant::now();
    {
        let lock = LockPolicy::default();
        let mut ctx = ctx(&mut migrated, &mapping, &lock, None);
        engine::verify(&mut ctx, Phase::Backfill, Direction::Apply)?;
    }
    let t_verify = t.elapsed();
    let rows_copied: i64 = migrated
        .query_one(
            "SELECT coalesce(sum(rows_copied), 0)::bigint FROM ra_migrate.backfill_checkpoint",
            &[],
        )?
        .get(0);
    let t_phase3 = median(phase3_runs.iter().map(|r| r.0).collect());
    let plan_time = median(phase3_runs.iter().map(|r| r.1).collect());
    let t_plain_copy = median(plain_runs.iter().map(|r| r.0).collect());
    let fk_names: Vec<String> = plain_runs[0].1.iter().map(|(n, _)| n.clone()).collect();
    let fk_medians: Vec<(String, Duration)> = fk_names
        .iter()
        .enumerate()
        .map(|(k, n)| {
            (
                n.clone(),
                median(plain_runs.iter().map(|r| r.1[k].1).collect()),
            )
        })
        .collect();
    let t_plain_fk = median(
        plain_runs
            .iter()
            .map(|r| r.1.iter().map(|(_, d)| *d).sum())
            .collect(),
    );
    let t_plain = median(
        plain_runs
            .iter()
            .map(|r| r.0 + r.1.iter().map(|(_, d)| *d).sum::<Duration>())
            .collect(),
    );
    let t_plain_analyze = median(plain_runs.iter().map(|r| r.2).collect());
    let t_plain_hash = median(plain_runs.iter().map(|r| r.3).collect());
    // The ceiling with the checks phase 3 guarantees besides the end state (statistics, content).
    let t_plain_checked = median(
        plain_runs
            .iter()
            .map(|r| r.0 + r.1.iter().map(|(_, d)| *d).sum::<Duration>() + r.2 + r.3)
            .collect(),
    );
    let checked_ratio = t_phase3.as_secs_f64() / t_plain_checked.as_secs_f64();

    if phase3_only {
        let ratio = t_phase3.as_secs_f64() / t_plain.as_secs_f64();
        println!(
            "phase 3 (median of {runs}): {} against {} = {ratio:.2}x; each run: {:?} against {:?}",
            secs(t_phase3),
            secs(t_plain),
            phase3_runs.iter().map(|r| secs(r.0)).collect::<Vec<_>>(),
            plain_runs
                .iter()
                .map(|r| secs(r.0 + r.1.iter().map(|(_, d)| *d).sum::<Duration>()))
                .collect::<Vec<_>>()
        );
        println!(
            "phase 3 breakdown: plan {} (orphan counts), execute + verify {} (verify alone {}); plain: copy {}, foreign keys {}; with ANALYZE {} and a hash of both sides {}: {} = {checked_ratio:.2}x",
            secs(plan_time),
            secs(t_phase3 - plan_time),
            secs(t_verify),
            secs(t_plain_copy),
            secs(t_plain_fk),
            secs(t_plain_analyze),
            secs(t_plain_hash),
            secs(t_plain_checked)
        );
        if keep {
            println!("cluster kept: {}", cluster.url("postgres"));
        } else {
            cluster.stop();
        }
        return Ok(());
    }

    // (b) validate against a plain hash scan of the same tables, alternating, best of `rounds`.
    eprintln!("(b) validate against a plain hash scan ...");
    let (mut t_validate, mut t_hash) = (Duration::MAX, Duration::MAX);
    let label = ra_migrate::pg::db::redact_url(&phase3_url);
    for round in 0..rounds {
        let mut measure_validate = |c: &mut Client| -> Result<()> {
            let t = Instant::now();
            let report = ra_migrate::report::validate::run(
                c,
                &mapping,
                "public",
                &label,
                &Default::default(),
            )?;
            t_validate = t_validate.min(t.elapsed());
            ensure!(report.passed(), "validate failed: {:?}", report.problems());
            Ok(())
        };
        if round % 2 == 0 {
            measure_validate(&mut migrated)?;
            t_hash = t_hash.min(hash_scan(&mut migrated, &mapping)?);
        } else {
            t_hash = t_hash.min(hash_scan(&mut migrated, &mapping)?);
            measure_validate(&mut migrated)?;
        }
    }
    // What validate does beyond the hash scan: one orphan count per relationship it checks.
    let t_orphans = orphan_counts(&mut migrated, &mapping)?;

    // How long the writer's transactions take when nothing holds a lock it needs: idle, and while
    // the server is busy with plain reads (on 2 noisy cores this is not zero).
    let writer = ra_migrate::rehearsal::writers::Writer::sql(phase3_url.clone(), "public".into());
    std::thread::sleep(Duration::from_secs(3));
    let (idle_wait, _) = writer.window();
    writer.reset_window();
    hash_scan(&mut migrated, &mapping)?;
    ra_migrate::report::validate::run(
        &mut migrated,
        &mapping,
        "public",
        &label,
        &Default::default(),
    )?;
    let (busy_wait, _) = writer.window();
    let reference = writer.stop();
    ensure!(
        reference.errors == 0,
        "the reference writer failed: {:?}",
        reference.last_error
    );
    drop(migrated);
    drop_database(&cluster, "bench_phase3")?;

    // (c) writer waits through every phase transition, on the clone without any phase.
    eprintln!("(c) every phase forward and back with an outside writer ...");
    let report_dir = std::env::temp_dir().join(format!("ra-bench-migrate-{}", std::process::id()));
    let summary = demo::rehearse(&Rehearsal {
        url: &locks_url,
        mapping: &mapping,
        schema: "public",
        lock: LockPolicy::default(),
        tuning: Tuning::default(),
        report_dir: report_dir.clone(),
        say: &|line| eprintln!("{line}"),
    })?;
    let _ = std::fs::remove_dir_all(&report_dir);
    let transitions: Vec<&demo::StepRow> =
        summary.steps.iter().filter(|s| s.phase.is_some()).collect();
    let worst = transitions
        .iter()
        .map(|s| s.max_writer_wait_ms)
        .max()
        .unwrap_or(0);

    // ---- report ----
    let phase3_ratio = t_phase3.as_secs_f64() / t_plain.as_secs_f64();
    let validate_ratio = t_validate.as_secs_f64() / t_hash.as_secs_f64();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "measurement",
        "ra-migrate",
        "baseline",
        "ratio",
        "target",
        "",
    ]);
    table.add_row(vec![
        format!("(a) phase 3 backfill + repoint FKs (median of {runs})"),
        secs(t_phase3),
        format!("{} (INSERT…SELECT + ADD FK)", secs(t_plain)),
        format!("{phase3_ratio:.2}x"),
        format!("≤ {TARGET_PHASE3_RATIO}x"),
        verdict(phase3_ratio <= TARGET_PHASE3_RATIO).into(),
    ]);
    table.add_row(vec![
        format!("(a') phase 3 against the same plus ANALYZE and a hash of both sides (median of {runs})"),
        secs(t_phase3),
        format!(
            "{} (+ ANALYZE {}, hash {})",
            secs(t_plain_checked),
            secs(t_plain_analyze),
            secs(t_plain_hash)
        ),
        format!("{checked_ratio:.2}x"),
        format!("≤ {TARGET_PHASE3_RATIO}x (proposed)"),
        verdict(checked_ratio <= TARGET_PHASE3_RATIO).into(),
    ]);
    table.add_row(vec![
        "(b) validate (all masters + FKs)".to_string(),
        secs(t_validate),
        format!("{} (hash scan)", secs(t_hash)),
        format!("{validate_ratio:.2}x"),
        format!("≤ {TARGET_VALIDATE_RATIO}x"),
        verdict(validate_ratio <= TARGET_VALIDATE_RATIO).into(),
    ]);
    table.add_row(vec![
        "(b') validate against hash scan + orphan counts".to_string(),
        secs(t_validate),
        format!(
            "{} (hash + {} orphans)",
            secs(t_hash + t_orphans),
            secs(t_orphans)
        ),
        format!(
            "{:.2}x",
            t_validate.as_secs_f64() / (t_hash + t_orphans).as_secs_f64()
        ),
        "info".into(),
        String::new(),
    ]);
    table.add_row(vec![
        "(c) reference: writer, no migration running".to_string(),
        format!("{} ms idle", idle_wait.as_millis()),
        format!("{} ms during reads", busy_wait.as_millis()),
        "-".into(),
        "info".into(),
        String::new(),
    ]);
    for s in &transitions {
        table.add_row(vec![
            format!("(c) writer wait: {}", s.step),
            format!("{} ms", s.max_writer_wait_ms),
            format!("({})", secs(Duration::from_secs_f64(s.seconds))),
            "-".into(),
            format!("< {TARGET_WRITER_WAIT_MS} ms"),
            verdict(s.max_writer_wait_ms < TARGET_WRITER_WAIT_MS).into(),
        ]);
    }

    let machine = machine(&pg_version);
    let report = json!({
        "command": "cargo bench --bench migrate",
        "date": chrono::Utc::now().to_rfc3339(),
        "machine": machine,
        "scale": scale,
        "rounds": rounds,
        "row_counts": counts.iter().map(|(t, n)| (t.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "phase3": {
            "ra_migrate_seconds": t_phase3.as_secs_f64(),
            "ra_migrate_breakdown": {
                "plan_seconds_incl_orphan_counts": plan_time.as_secs_f64(),
                "execute_and_verify_seconds": (t_phase3 - plan_time).as_secs_f64(),
                "verify_alone_seconds": t_verify.as_secs_f64(),
                "steps": outcome_steps,
                "rows_copied": rows_copied,
                "constraints": record.constraints.len(),
            },
            "baseline": "INSERT INTO ra_mst_x SELECT ... FROM ra_x per master + ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (validating) for the same constraints",
            "baseline_seconds": t_plain.as_secs_f64(),
            "baseline_copy_seconds": t_plain_copy.as_secs_f64(),
            "baseline_fk_seconds": t_plain_fk.as_secs_f64(),
            "baseline_fk_seconds_each": fk_medians.iter().map(|(n, d)| (n.clone(), json!(d.as_secs_f64()))).collect::<serde_json::Map<_, _>>(),
            "runs": runs,
            "ra_migrate_seconds_each_run": phase3_runs.iter().map(|r| r.0.as_secs_f64()).collect::<Vec<_>>(),
            "baseline_seconds_each_run": plain_runs.iter().map(|r| (r.0 + r.1.iter().map(|(_, d)| *d).sum::<Duration>()).as_secs_f64()).collect::<Vec<_>>(),
            "statistic": "median of runs",
            "ratio": phase3_ratio,
            "target_max_ratio": TARGET_PHASE3_RATIO,
            "met": phase3_ratio <= TARGET_PHASE3_RATIO,
            "baseline_analyze_seconds": t_plain_analyze.as_secs_f64(),
            "baseline_hash_both_sides_seconds": t_plain_hash.as_secs_f64(),
            "baseline_with_checks_seconds": t_plain_checked.as_secs_f64(),
            "ratio_against_baseline_with_checks": checked_ratio,
            "met_against_baseline_with_checks": checked_ratio <= TARGET_PHASE3_RATIO,
        },
        "validate": {
            "ra_migrate_seconds": t_validate.as_secs_f64(),
            "baseline": "SELECT sum(hashtext(t::text)::bigint) FROM <table> t, old and new side of every master",
            "baseline_seconds": t_hash.as_secs_f64(),
            "best_of": rounds,
            "orphan_counts_seconds": t_orphans.as_secs_f64(),
            "ratio_against_hash_plus_orphan_counts": t_validate.as_secs_f64() / (t_hash + t_orphans).as_secs_f64(),
            "ratio": validate_ratio,
            "target_max_ratio": TARGET_VALIDATE_RATIO,
            "met": validate_ratio <= TARGET_VALIDATE_RATIO,
        },
        "writer_waits": {
            "transitions": transitions.iter().map(|s| json!({
                "step": s.step,
                "seconds": s.seconds,
                "max_writer_wait_ms": s.max_writer_wait_ms,
                "writer_errors": s.writer_errors,
                "verdict": s.verdict,
            })).collect::<Vec<_>>(),
            "validate_step_max_writer_wait_ms": summary.steps.iter().filter(|s| s.phase.is_none()).map(|s| s.max_writer_wait_ms).max(),
            "writer_transactions": summary.writer_transactions,
            "writer_errors": summary.writer_errors,
            "longest_ms": worst,
            "reference_idle_max_ms": idle_wait.as_millis(),
            "reference_during_plain_reads_max_ms": busy_wait.as_millis(),
            "target_max_ms_exclusive": TARGET_WRITER_WAIT_MS,
            "met": worst < TARGET_WRITER_WAIT_MS && summary.writer_errors == 0,
            "sequence_passed": summary.passed,
        },
        "total_seconds": started.elapsed().as_secs_f64(),
    });
    let path = common::write_report("migrate", &report)?;

    println!(
        "migrate benchmark at scale {scale} on {} ({} CPUs, {} memory), PostgreSQL {pg_version}",
        machine["cpu"].as_str().unwrap_or("?"),
        machine["nproc"],
        machine["memory"].as_str().unwrap_or("?"),
    );
    println!(
        "rows: {}",
        counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("{table}");
    println!(
        "phase 3 breakdown: plan {} (orphan counts), execute + verify {} (verify alone {}); plain: copy {}, foreign keys {}",
        secs(plan_time),
        secs(t_phase3 - plan_time),
        secs(t_verify),
        secs(t_plain_copy),
        secs(t_plain_fk)
    );
    println!(
        "plain foreign keys (medians): {}",
        fk_medians
            .iter()
            .map(|(n, d)| format!("{n} {}", secs(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "outside writer: {} transactions, {} errors; rehearsal verdict {}",
        summary.writer_transactions,
        summary.writer_errors,
        if summary.passed { "PASS" } else { "FAIL" }
    );
    println!(
        "written to {} ({:.0}s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    if keep {
        println!("cluster kept: {}", cluster.url("postgres"));
    } else {
        cluster.stop();
    }
    Ok(())
}

/// The server's view of the tool's last phase 3 run, in `url`'s database: its top statements and
/// the trigger functions they fired.
fn print_profile(c: &mut Client, url: &str) -> Result<()> {
    let db = url
        .rsplit('/')
        .next()
        .and_then(|d| d.split('?').next())
        .unwrap_or_default()
        .to_string();
    let rows = c.query(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 150), calls, total_exec_time, rows, \
                shared_blks_dirtied, wal_bytes::bigint \
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) \
          ORDER BY total_exec_time DESC LIMIT 25",
        &[&db],
    )?;
    println!("server time of the last phase 3 run in {db} (pg_stat_statements, track = all):");
    for r in &rows {
        let (q, calls, ms, n, dirtied, wal): (String, i64, f64, i64, i64, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        println!(
            "  {ms:>9.0} ms {:>7} calls {:>9} rows {:>8} dirtied {:>6} MB WAL  {q}",
            calls,
            n,
            dirtied,
            wal / 1_048_576
        );
    }
    // The function statistics live in the measured database (the last run's clone).
    let mut m = connect(url)?;
    let rows = m.query(
        "SELECT schemaname || '.' || funcname, calls, total_time, self_time FROM pg_stat_user_functions ORDER BY total_time DESC LIMIT 10",
        &[],
    )?;
    println!("functions of that run (track_functions = all):");
    for r in &rows {
        let (f, calls, total, own): (String, i64, f64, f64) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        println!("  {total:>9.0} ms ({own:.0} ms own) {calls:>8} calls  {f}");
    }
    Ok(())
}

/// The naive phase 3: one INSERT ... SELECT per master, then each constraint added and validated
/// in one statement. Returns the copy's time and each constraint's.
fn plain_phase3(
    url: &str,
    mapping: &Mapping,
    record: &ra_migrate::phase::backfill::Record,
) -> Result<PlainRun> {
    let mut c = connect(url)?;
    let cat = Catalog::read(&mut c, "public")?;
    // As the backfill does: history copied into a new master is not mirrored back by its reverse
    // trigger (which still fires, and returns at once, on both sides).
    c.batch_execute(&format!(
        "SET {} = 'on'",
        ra_migrate::phase::dual_write::REPLICATING
    ))?;
    let t = Instant::now();
    for m in mapping.masters() {
        let new_name = m.new_name.as_deref().context("a master has a new name")?;
        let (Some(old), Some(new)) = (cat.table(&m.name), cat.table(new_name)) else {
            continue;
        };
        let cols: Vec<String> = old
            .columns
            .iter()
            .filter(|o| o.generated.is_none())
            .filter(|o| new.columns.iter().any(|n| n.name == o.name))
            .map(|o| cat.quote(&o.name))
            .collect();
        let cols = cols.join(", ");
        c.batch_execute(&format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            cat.qualified(new_name),
            cat.qualified(&m.name)
        ))
        .with_context(|| format!("copying {} into {new_name}", m.name))?;
    }
    let t_copy = t.elapsed();
    let mut fks = Vec::new();
    for fk in &record.constraints {
        let t = Instant::now();
        c.batch_execute(&format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {}",
            cat.qualified(&fk.table),
            cat.quote(&fk.constraint),
            fk.def
        ))
        .with_context(|| format!("adding {} on {}", fk.constraint, fk.table))?;
        fks.push((format!("{}.{}", fk.table, fk.constraint), t.elapsed()));
    }
    // What phase 3 also guarantees, done the cheapest way: statistics on every new master, and
    // one plain hash of every row of both sides (the least a content check can read).
    let t = Instant::now();
    for m in mapping.masters() {
        if let Some(new_name) = m.new_name.as_deref() {
            c.batch_execute(&format!("ANALYZE {}", cat.qualified(new_name)))?;
        }
    }
    let t_analyze = t.elapsed();
    let t_hash = hash_scan(&mut c, mapping)?;
    Ok((t_copy, fks, t_analyze, t_hash))
}

/// The plain phase 3's parts: copy, each foreign key, then `ANALYZE` and a hash of both sides.
type PlainRun = (Duration, Vec<(String, Duration)>, Duration, Duration);

/// The median (the upper one of an even count).
fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A plain hash of every row of both sides of every master.
fn hash_scan(c: &mut Client, mapping: &Mapping) -> Result<Duration> {
    let t = Instant::now();
    for m in mapping.masters() {
        for name in [Some(m.name.as_str()), m.new_name.as_deref()]
            .into_iter()
            .flatten()
        {
            c.query_one(
                &format!("SELECT sum(hashtext(t::text)::bigint) FROM public.{name} t"),
                &[],
            )
            .with_context(|| format!("hashing {name}"))?;
        }
    }
    Ok(t.elapsed())
}

/// One plain orphan count per relationship phase 3 repointed (the foreign-key half of validate).
fn orphan_counts(c: &mut Client, mapping: &Mapping) -> Result<Duration> {
    let cat = Catalog::read(c, "public")?;
    let phase1: ra_migrate::phase::create::Record = ra_migrate::state::phase_row(c, Phase::Create)?
        .context("phase 1 left no state row")?
        .record::<ra_migrate::phase::create::Record>()?
        .clone();
    let t = Instant::now();
    for fk in ra_migrate::phase::backfill::relationships(&cat, mapping, &phase1) {
        if cat.table(&fk.table).is_some() && cat.table(&fk.references).is_some() {
            ra_migrate::phase::backfill::orphans(c, &cat, &fk)?;
        }
    }
    Ok(t.elapsed())
}

fn row_counts(c: &mut Client, mapping: &Mapping) -> Result<Vec<(String, i64)>> {
    let mut names: Vec<String> = mapping.masters().map(|m| m.name.clone()).collect();
    names.push("ra_runners".into());
    let mut out = Vec::new();
    for name in names {
        let n: i64 = c
            .query_one(&format!("SELECT count(*) FROM public.{name}"), &[])?
            .get(0);
        out.push((name, n));
    }
    Ok(out)
}
