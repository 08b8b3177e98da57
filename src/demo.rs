//! `demo`: the migration rehearsed end to end on a throwaway cluster: the legacy baseline with
//! synthetic rows, an outside writer running the whole time (like the legacy statistics function
//! and manual fixes), every phase applied and verified, then every phase rolled back; a summary of
//! durations, rows, the longest writer wait and writer errors (must be 0).

use crate::backfill::Tuning;
use crate::cli::{DemoArgs, Global};
use crate::cluster::{Cluster, ClusterOptions};
use crate::db::{self, LockPolicy};
use crate::mapping::Mapping;
use crate::phase::engine::{self, Ctx};
use crate::phase::{Direction, Phase};
use crate::{baseline, state};
use anyhow::{bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The phases the demo runs; grows as phases land.
const PHASES: [Phase; 3] = [Phase::Create, Phase::DualWrite, Phase::Backfill];

struct Row {
    step: String,
    seconds: f64,
    rows: String,
    max_wait_ms: u128,
    writer_errors: u64,
    verdict: String,
}

pub fn run(g: &Global, args: &DemoArgs) -> Result<ExitCode> {
    if g.database_url.is_some() && std::env::var_os("DATABASE_URL").is_none() {
        bail!("demo always runs on its own throwaway cluster; it does not take --database-url");
    }
    if !(args.scale > 0.0 && args.scale <= 2.0) {
        bail!("--scale must be in (0, 2], got {}", args.scale);
    }
    let mapping = Mapping::load(g.mapping.as_deref())?;
    println!("starting a throwaway PostgreSQL cluster...");
    let cluster = Cluster::start(&ClusterOptions {
        keep: args.keep,
        ..Default::default()
    })?;
    let url = cluster.create_database("racing", None)?;
    println!(
        "cluster on port {} (data in {})",
        cluster.port(),
        cluster.data_dir().display()
    );
    let mut client = db::connect(&url, "demo")?;
    let t = Instant::now();
    baseline::load_schema(&mut client)?;
    let counts = baseline::seed(&mut client, args.scale)?;
    let runners: i64 = client
        .query_one("SELECT count(*) FROM ra_runners", &[])?
        .get(0);
    println!(
        "legacy baseline loaded at scale {}: {} horses, {} races, {runners} runners ({:.1}s)",
        args.scale,
        counts.horses,
        counts.races,
        t.elapsed().as_secs_f64()
    );
    state::init(&mut client, &mapping.protected)?;
    let schema_before = schema_fingerprint(&mut client)?;

    let writer = Writer::start(url.clone());
    let mut rows = Vec::new();
    let lock = LockPolicy::default();
    let progress = crate::progress::for_stderr();
    let mut ok = true;
    for (phase, direction) in PHASES
        .iter()
        .map(|p| (*p, Direction::Apply))
        .chain(PHASES.iter().rev().map(|p| (*p, Direction::Rollback)))
    {
        writer.reset_window();
        let t = Instant::now();
        let mut ctx = Ctx {
            client: &mut client,
            mapping: &mapping,
            schema: "public",
            lock: &lock,
            force: false,
            tuning: Tuning::default(),
            progress: progress.as_ref(),
            switch_functions: true,
        };
        engine::check_order(ctx.client, phase, direction)?;
        let plan = engine::plan(&mut ctx, phase, direction)?;
        let outcome = engine::execute(&mut ctx, &plan)
            .with_context(|| format!("demo: {} of phase {phase}", direction.as_str()))?;
        let copied = copied_rows(&mut client, phase, direction)?;
        let (wait, errors) = writer.window();
        ok &= outcome.problems.is_empty() && errors == 0;
        println!(
            "{} phase {phase}: {} steps, {}",
            direction.as_str(),
            plan.steps.len(),
            if outcome.problems.is_empty() {
                "verified".to_string()
            } else {
                format!("PROBLEMS: {}", outcome.problems.join("; "))
            }
        );
        rows.push(Row {
            step: format!("{} {}", direction.as_str(), phase),
            seconds: t.elapsed().as_secs_f64(),
            rows: copied,
            max_wait_ms: wait.as_millis(),
            writer_errors: errors,
            verdict: if outcome.problems.is_empty() {
                "ok".into()
            } else {
                format!("{} problem(s)", outcome.problems.len())
            },
        });
    }
    let (writes, errors, max_wait) = writer.stop();
    let schema_after = schema_fingerprint(&mut client)?;
    let restored = schema_before == schema_after;
    ok &= restored && errors == 0;

    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "step",
        "seconds",
        "rows copied",
        "longest writer wait (ms)",
        "writer errors",
        "verdict",
    ]);
    for r in &rows {
        t.add_row(vec![
            r.step.clone(),
            format!("{:.2}", r.seconds),
            r.rows.clone(),
            r.max_wait_ms.to_string(),
            r.writer_errors.to_string(),
            r.verdict.clone(),
        ]);
    }
    println!("\n{t}");
    println!(
        "outside writer: {writes} write transactions, {errors} errors, longest wait {} ms",
        max_wait.as_millis()
    );
    println!(
        "schema after rolling every phase back: {}",
        if restored {
            "identical to before"
        } else {
            "DIFFERENT from before"
        }
    );
    if args.keep {
        println!("cluster kept running: {url}");
    }
    println!("verdict: {}", if ok { "PASS" } else { "FAIL" });
    drop(cluster);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn copied_rows(
    client: &mut postgres::Client,
    phase: Phase,
    direction: Direction,
) -> Result<String> {
    if phase != Phase::Backfill || direction != Direction::Apply {
        return Ok("-".into());
    }
    let n: Option<i64> = client
        .query_one(
            "SELECT sum(rows_copied)::bigint FROM ra_migrate.backfill_checkpoint",
            &[],
        )?
        .get(0);
    Ok(n.unwrap_or(0).to_string())
}

/// The public schema's structure (tables, columns, constraints, indexes, triggers) as one digest.
fn schema_fingerprint(client: &mut postgres::Client) -> Result<String> {
    Ok(client
        .query_one(
            "SELECT md5(string_agg(x, E'\\n' ORDER BY x)) FROM (
               SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' ||
                      is_nullable || ' ' || coalesce(column_default, '') AS x
               FROM information_schema.columns WHERE table_schema = 'public'
               UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' ||
                      pg_get_constraintdef(oid) || convalidated::text
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace
               UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
               UNION ALL SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname
               FROM pg_trigger WHERE NOT tgisinternal
               UNION ALL SELECT 'seq ' || sequencename FROM pg_sequences WHERE schemaname = 'public'
             ) s",
            &[],
        )?
        .get(0))
}

/// An outside writer: plain SQL on the old tables, as the legacy statistics function and manual
/// fixes do, measuring how long each write transaction takes (the lock wait it suffers).
struct Writer {
    stop: Arc<AtomicBool>,
    stats: Arc<std::sync::Mutex<WriterStats>>,
    handle: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct WriterStats {
    writes: u64,
    errors: u64,
    max_wait: Duration,
    window_errors: u64,
    window_max: Duration,
    last_error: Option<String>,
}

impl Writer {
    fn start(url: String) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(std::sync::Mutex::new(WriterStats::default()));
        let (s, st) = (stop.clone(), stats.clone());
        let handle = std::thread::spawn(move || {
            let Ok(mut c) = db::connect(&url, "demo writer") else {
                st.lock().expect("stats").errors += 1;
                return;
            };
            let mut i: i64 = 0;
            while !s.load(Ordering::Relaxed) {
                i += 1;
                let t = Instant::now();
                let r = c.batch_execute(&format!(
                    "BEGIN;
                     UPDATE ra_jockeys SET total_rides = coalesce(total_rides, 0) + 1, stats_updated_at = now()
                       WHERE id = 'jky_{j}';
                     INSERT INTO ra_horses (id, name, region) VALUES ('hrs_demo_{i}', 'Demo Horse {i}', 'gb');
                     INSERT INTO ra_owners (id, name) VALUES ('own_demo_{i}', 'Demo Owner {i}');
                     DELETE FROM ra_owners WHERE id = 'own_demo_{p}';
                     COMMIT;",
                    j = 1 + i % 3,
                    p = i - 1
                ));
                let took = t.elapsed();
                let mut stats = st.lock().expect("stats");
                stats.writes += 1;
                stats.max_wait = stats.max_wait.max(took);
                stats.window_max = stats.window_max.max(took);
                if let Err(e) = r {
                    stats.errors += 1;
                    stats.window_errors += 1;
                    stats.last_error = Some(e.to_string());
                    let _ = c.batch_execute("ROLLBACK");
                }
                drop(stats);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Writer {
            stop,
            stats,
            handle: Some(handle),
        }
    }

    fn reset_window(&self) {
        let mut s = self.stats.lock().expect("stats");
        s.window_errors = 0;
        s.window_max = Duration::ZERO;
    }

    fn window(&self) -> (Duration, u64) {
        let s = self.stats.lock().expect("stats");
        (s.window_max, s.window_errors)
    }

    fn stop(mut self) -> (u64, u64, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let s = self.stats.lock().expect("stats");
        if let Some(e) = &s.last_error {
            eprintln!("last writer error: {e}");
        }
        (s.writes, s.errors, s.max_wait)
    }
}
