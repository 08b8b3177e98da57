//! `demo`: the migration rehearsed end to end on a throwaway cluster: the legacy baseline with
//! synthetic rows, an outside writer running the whole time (like the legacy statistics function
//! and manual fixes), every phase applied and verified, then every phase rolled back; a summary of
//! durations, rows, the longest writer wait and writer errors (must be 0).
//!
//! The sequence itself ([`rehearse`]) is shared with `rehearse` (a copy of a real database) and the
//! `migrate` benchmark (writer waits per phase transition).

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
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The demo's sequence: every phase forward, phase 5 back and forward again (lossless), then
/// every phase back, so the end proves the database is exactly as it was.
pub fn sequence() -> Vec<(Phase, Direction)> {
    let mut s: Vec<(Phase, Direction)> =
        Phase::ALL.iter().map(|p| (*p, Direction::Apply)).collect();
    s.push((Phase::Archive, Direction::Rollback));
    s.push((Phase::Archive, Direction::Apply));
    s.extend(Phase::ALL.iter().rev().map(|p| (*p, Direction::Rollback)));
    s
}

/// A database ready for the rehearsal: the legacy layout, `state::init` done, no phase applied.
pub struct Rehearsal<'a> {
    /// The database the phases run on (never a production database: a throwaway cluster's).
    pub url: &'a str,
    pub mapping: &'a Mapping,
    pub schema: &'a str,
    pub lock: LockPolicy,
    pub tuning: Tuning,
    /// Where the validation before phase 4 writes its Markdown and JSON reports.
    pub report_dir: PathBuf,
}

/// One line of the summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepRow {
    /// `apply 1 (create)`, `rollback 5 (archive)`, `validate`.
    pub step: String,
    /// `None` for the validation.
    pub phase: Option<Phase>,
    pub direction: Option<Direction>,
    pub seconds: f64,
    /// Rows copied (phase 3 apply only).
    pub rows: Option<i64>,
    /// The longest outside write transaction while the step ran.
    pub max_writer_wait_ms: u128,
    pub writer_errors: u64,
    /// `ok`, `FAILED`, `N problem(s)`.
    pub verdict: String,
    /// What verification or validation found.
    pub problems: Vec<String>,
}

/// What the whole rehearsal showed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub steps: Vec<StepRow>,
    pub writer_transactions: u64,
    pub writer_errors: u64,
    pub writer_max_wait_ms: u128,
    pub writer_last_error: Option<String>,
    /// The schema after rolling everything back is the schema before.
    pub restored: bool,
    pub passed: bool,
}

/// Runs the sequence on `r.url` with an outside writer: phases forward, validation before phase 4
/// (its gate), phase 5 back and forward, everything back; one line per step on stdout as it goes.
/// A failed verification is recorded in the summary; an error (a phase that could not run) stops.
pub fn rehearse(r: &Rehearsal) -> Result<Summary> {
    let mut client = db::connect(r.url, "rehearsal")?;
    set_search_path(&mut client, r.schema)?;
    let schema_before = schema_fingerprint(&mut client, r.schema)?;
    let writer = Writer::start(r.url.to_string(), r.schema.to_string());
    let result = run_sequence(&mut client, r, &writer);
    // Stop the writer on every path: it must not outlive the sequence that it measures.
    let (writes, errors, max_wait, last_error) = writer.stop();
    let steps = result?;
    let schema_after = schema_fingerprint(&mut client, r.schema)?;
    let restored = schema_before == schema_after;
    let passed = restored
        && errors == 0
        && steps
            .iter()
            .all(|s| s.problems.is_empty() && s.writer_errors == 0);
    Ok(Summary {
        steps,
        writer_transactions: writes,
        writer_errors: errors,
        writer_max_wait_ms: max_wait.as_millis(),
        writer_last_error: last_error,
        restored,
        passed,
    })
}

fn run_sequence(
    client: &mut postgres::Client,
    r: &Rehearsal,
    writer: &Writer,
) -> Result<Vec<StepRow>> {
    let progress = crate::progress::for_stderr();
    let label = db::redact_url(r.url);
    let mut rows = Vec::new();
    for (phase, direction) in sequence() {
        if phase == Phase::SwitchReaders && direction == Direction::Apply {
            // Phase 4's gate: a passing validation report newer than the last phase change.
            writer.reset_window();
            let t = Instant::now();
            let report = crate::validate::run(
                client,
                r.mapping,
                r.schema,
                &label,
                &crate::validate::ValidateOptions::default(),
            )
            .context("validating before phase 4")?;
            let (md, _) = crate::validate::write_reports(&report, &r.report_dir)?;
            crate::validate::record(client, &report, Some(&md.display().to_string()))?;
            println!("validate: {} (report {})", report.verdict(), md.display());
            let (wait, errors) = writer.window();
            let mut problems = report.problems();
            if !report.passed() && problems.is_empty() {
                problems.push(report.verdict());
            }
            rows.push(StepRow {
                step: "validate".into(),
                phase: None,
                direction: None,
                seconds: t.elapsed().as_secs_f64(),
                rows: None,
                max_writer_wait_ms: wait.as_millis(),
                writer_errors: errors,
                verdict: if report.passed() { "ok" } else { "FAILED" }.into(),
                problems,
            });
        }
        writer.reset_window();
        let t = Instant::now();
        let mut ctx = Ctx {
            client: &mut *client,
            mapping: r.mapping,
            schema: r.schema,
            lock: &r.lock,
            force: false,
            tuning: r.tuning.clone(),
            progress: progress.as_ref(),
            switch_functions: true,
        };
        let what = || format!("rehearsal: {} of phase {phase}", direction.as_str());
        engine::check_order(ctx.client, phase, direction).with_context(what)?;
        let plan = engine::plan(&mut ctx, phase, direction).with_context(what)?;
        let outcome = engine::execute(&mut ctx, &plan).with_context(what)?;
        let copied = copied_rows(client, phase, direction)?;
        let (wait, errors) = writer.window();
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
        rows.push(StepRow {
            step: format!("{} {}", direction.as_str(), phase),
            phase: Some(phase),
            direction: Some(direction),
            seconds: t.elapsed().as_secs_f64(),
            rows: copied,
            max_writer_wait_ms: wait.as_millis(),
            writer_errors: errors,
            verdict: if outcome.problems.is_empty() {
                "ok".into()
            } else {
                format!("{} problem(s)", outcome.problems.len())
            },
            problems: outcome.problems,
        });
    }
    Ok(rows)
}

/// The summary table, the writer's totals, whether the schema came back, and the verdict line.
pub fn render_summary(s: &Summary) -> String {
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
    for r in &s.steps {
        t.add_row(vec![
            r.step.clone(),
            format!("{:.2}", r.seconds),
            r.rows.map_or("-".into(), |n| n.to_string()),
            r.max_writer_wait_ms.to_string(),
            r.writer_errors.to_string(),
            r.verdict.clone(),
        ]);
    }
    let mut out = format!("\n{t}\n");
    out.push_str(&format!(
        "outside writer: {} write transactions, {} errors, longest wait {} ms\n",
        s.writer_transactions, s.writer_errors, s.writer_max_wait_ms
    ));
    if let Some(e) = &s.writer_last_error {
        out.push_str(&format!("last writer error: {e}\n"));
    }
    out.push_str(&format!(
        "schema after rolling every phase back: {}\n",
        if s.restored {
            "identical to before"
        } else {
            "DIFFERENT from before"
        }
    ));
    out.push_str(&format!(
        "verdict: {}\n",
        if s.passed { "PASS" } else { "FAIL" }
    ));
    out
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
    drop(client);

    let summary = rehearse(&Rehearsal {
        url: &url,
        mapping: &mapping,
        schema: "public",
        lock: LockPolicy::default(),
        tuning: Tuning::default(),
        report_dir: PathBuf::from("reports"),
    })?;
    print!("{}", render_summary(&summary));
    if args.keep {
        println!("cluster kept running: {url}");
    }
    drop(cluster);
    Ok(if summary.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn set_search_path(client: &mut postgres::Client, schema: &str) -> Result<()> {
    client
        .batch_execute(&format!("SET search_path TO {}", quote_ident(schema)))
        .with_context(|| format!("setting search_path to schema {schema}"))
}

fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn copied_rows(
    client: &mut postgres::Client,
    phase: Phase,
    direction: Direction,
) -> Result<Option<i64>> {
    if phase != Phase::Backfill || direction != Direction::Apply {
        return Ok(None);
    }
    let n: Option<i64> = client
        .query_one(
            "SELECT sum(rows_copied)::bigint FROM ra_migrate.backfill_checkpoint",
            &[],
        )
        .context("reading the backfill checkpoints")?
        .get(0);
    Ok(Some(n.unwrap_or(0)))
}

/// The schema's structure (tables, columns, constraints, indexes, triggers, sequences) as one
/// digest.
fn schema_fingerprint(client: &mut postgres::Client, schema: &str) -> Result<String> {
    let digest: Option<String> = client
        .query_one(
            "SELECT md5(string_agg(x, E'\\n' ORDER BY x)) FROM (
               SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' ||
                      is_nullable || ' ' || coalesce(column_default, '') AS x
               FROM information_schema.columns WHERE table_schema = $1
               UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' ||
                      pg_get_constraintdef(oid) || convalidated::text
               FROM pg_constraint WHERE connamespace = $1::regnamespace
               UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = $1
               UNION ALL SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE NOT t.tgisinternal AND c.relnamespace = $1::regnamespace
               UNION ALL SELECT 'seq ' || sequencename FROM pg_sequences WHERE schemaname = $1
             ) s",
            &[&schema],
        )
        .with_context(|| format!("fingerprinting the structure of schema {schema}"))?
        .get(0);
    Ok(digest.unwrap_or_default())
}

/// An outside writer: plain SQL on the old tables, as the legacy statistics function and manual
/// fixes do, measuring how long each write transaction takes (the lock wait it suffers).
pub struct Writer {
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
    /// Starts writing in a thread of its own: a small write transaction every 20 ms.
    pub fn start(url: String, schema: String) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(std::sync::Mutex::new(WriterStats::default()));
        let (s, st) = (stop.clone(), stats.clone());
        let handle = std::thread::spawn(move || {
            let connected = db::connect(&url, "demo writer")
                .and_then(|mut c| set_search_path(&mut c, &schema).map(|_| c));
            let mut c = match connected {
                Ok(c) => c,
                Err(e) => {
                    let mut stats = st.lock().expect("stats");
                    stats.errors += 1;
                    stats.window_errors += 1;
                    stats.last_error = Some(format!("{e:#}"));
                    return;
                }
            };
            let mut i: i64 = 0;
            while !s.load(Ordering::Relaxed) {
                i += 1;
                let t = Instant::now();
                // The old names until phase 5 archives them, then the layout in charge. Its own
                // work stays cheap so its duration is the wait it suffers: it deletes horses, not
                // owners (an owner's delete checks ra_runners.owner_id, which has no index: a scan
                // of every runner, 0.3 s at production size, migration or not).
                let mut r = Ok(());
                for infix in ["", "mst_"] {
                    r = c.batch_execute(&format!(
                        "BEGIN;
                         UPDATE ra_{infix}jockeys SET total_rides = coalesce(total_rides, 0) + 1, stats_updated_at = now()
                           WHERE id = 'jky_{j}';
                         INSERT INTO ra_{infix}horses (id, name, region) VALUES ('hrs_demo_{i}', 'Demo Horse {i}', 'gb');
                         DELETE FROM ra_{infix}horses WHERE id = 'hrs_demo_{p}';
                         INSERT INTO ra_{infix}owners (id, name) VALUES ('own_demo_{i}', 'Demo Owner {i}');
                         UPDATE ra_{infix}owners SET name = 'Demo Owner {p} (renamed)' WHERE id = 'own_demo_{p}';
                         COMMIT;",
                        j = 1 + i % 3,
                        p = i - 1
                    ));
                    match &r {
                        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => {
                            let _ = c.batch_execute("ROLLBACK");
                        }
                        _ => break,
                    }
                }
                let took = t.elapsed();
                let mut stats = st.lock().expect("stats");
                stats.writes += 1;
                stats.max_wait = stats.max_wait.max(took);
                stats.window_max = stats.window_max.max(took);
                if let Err(e) = r {
                    stats.errors += 1;
                    stats.window_errors += 1;
                    stats.last_error = Some(format!("{e:?}"));
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

    /// Starts a new measurement window.
    pub fn reset_window(&self) {
        let mut s = self.stats.lock().expect("stats");
        s.window_errors = 0;
        s.window_max = Duration::ZERO;
    }

    /// The longest write transaction and the errors since the window started.
    pub fn window(&self) -> (Duration, u64) {
        let s = self.stats.lock().expect("stats");
        (s.window_max, s.window_errors)
    }

    /// Stops writing: (transactions, errors, longest transaction, last error).
    pub fn stop(mut self) -> (u64, u64, Duration, Option<String>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let s = self.stats.lock().expect("stats");
        (s.writes, s.errors, s.max_wait, s.last_error.clone())
    }
}
