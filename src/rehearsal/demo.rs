//! `demo`: the migration rehearsed end to end on a throwaway cluster: the legacy baseline with
//! synthetic rows, an outside writer (like the legacy statistics function and manual fixes) and the
//! worker (`worker --once --now` of simulated race days, synthetic source) writing the whole time,
//! every phase applied and verified, phase 5 back and forward, then every phase rolled back; a
//! summary of durations, rows, the longest writer wait and worker slot, writer errors (must be 0)
//! and whether every race and runner the worker wrote is still there, also written as a
//! Markdown and JSON report with diagrams of the tables (every phase applied, and at the end) and
//! the timing of every phase run.
//!
//! The sequence itself ([`rehearse`]) is shared with `rehearse` (a copy of a real database) and the
//! `migrate` benchmark (writer waits per phase transition).

use crate::pg::db::{self, LockPolicy};
use crate::phase::copy::Tuning;
use crate::phase::engine::Ctx;
use crate::phase::service;
use crate::phase::{Direction, Phase};
use crate::rehearsal::cluster::{Cluster, ClusterOptions};
use crate::rehearsal::writers::{Totals, Writer};
use crate::report::overview::{self, Overview};
use crate::report::{markdown_cell, write_report_files};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use crate::{rehearsal::baseline, state};
use anyhow::{bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::fmt::Write as _;
use std::path::PathBuf;
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
    /// Where the validation before phase 4 and the rehearsal itself write their Markdown and JSON
    /// reports.
    pub report_dir: PathBuf,
    /// Where the rehearsal says how it goes, a line per step (the command prints them).
    pub say: &'a dyn Fn(&str),
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
    /// Errors of the outside writer and of the worker while the step ran.
    pub writer_errors: u64,
    /// The longest worker slot that ended during the step (one job's batches for one simulated
    /// day, its own work and its waits included).
    pub max_fetch_slot_ms: u128,
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
    /// The worker running simulated race days from the synthetic source the whole time: its
    /// slots, their write batches, the failed slots (and quarantined records).
    pub fetch_slots: u64,
    pub fetch_batches: u64,
    pub fetch_errors: u64,
    pub fetch_max_slot_ms: u128,
    pub fetch_last_error: Option<String>,
    pub fetched_races: usize,
    pub fetched_runners: usize,
    /// Of those, how many are in the old tables at the end (every phase rolled back): all of them.
    pub fetched_races_kept: i64,
    pub fetched_runners_kept: i64,
    /// The schema after rolling everything back is the schema before.
    pub restored: bool,
    pub passed: bool,
    /// The tables right after phase 5 was applied (the last time): the whole new layout in place.
    pub all_applied: Option<Overview>,
    /// The tables at the end, with the timing of every phase run of the rehearsal.
    pub at_end: Overview,
    /// The report files, once written (the JSON report is this summary without them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportFiles>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReportFiles {
    pub markdown: PathBuf,
    pub json: PathBuf,
}

/// Runs the sequence on `r.url` with an outside writer: phases forward, validation before phase 4
/// (its gate), phase 5 back and forward, everything back; one line per step on stdout as it goes.
/// A failed verification is recorded in the summary; an error (a phase that could not run) stops.
pub fn rehearse(r: &Rehearsal) -> Result<Summary> {
    let mut client = db::connect(r.url, "rehearsal")?;
    set_search_path(&mut client, r.schema)?;
    let schema_before = schema_fingerprint(&mut client, r.schema)?;
    let writer = Writer::sql(r.url.to_string(), r.schema.to_string());
    let fetcher = Writer::worker(
        r.url.to_string(),
        r.schema.to_string(),
        r.mapping.clone(),
        chrono::NaiveDate::from_ymd_opt(2031, 1, 1).expect("a date"),
        Duration::from_millis(100),
    );
    let result = run_sequence(&mut client, r, &writer, &fetcher);
    // Stop the writers on every path: they must not outlive the sequence that they measure.
    let sql = writer.stop();
    let fetched = fetcher.stop();
    let (steps, all_applied) = result?;
    let schema_after = schema_fingerprint(&mut client, r.schema)?;
    let restored = schema_before == schema_after;
    let (races_kept, runners_kept) = kept(&mut client, &fetched)?;
    let passed = restored
        && sql.errors == 0
        && fetched.errors == 0
        && races_kept == fetched.races.len() as i64
        && runners_kept == fetched.runners.len() as i64
        && steps
            .iter()
            .all(|s| s.problems.is_empty() && s.writer_errors == 0);
    let at_end = layout(&mut client, r).context("gathering the tables at the end")?;
    let mut summary = Summary {
        steps,
        writer_transactions: sql.writes,
        writer_errors: sql.errors,
        writer_max_wait_ms: sql.max_wait.as_millis(),
        writer_last_error: sql.last_error,
        fetch_slots: fetched.writes,
        fetch_batches: fetched.batches,
        fetch_errors: fetched.errors,
        fetch_max_slot_ms: fetched.max_wait.as_millis(),
        fetch_last_error: fetched.last_error.clone(),
        fetched_races: fetched.races.len(),
        fetched_runners: fetched.runners.len(),
        fetched_races_kept: races_kept,
        fetched_runners_kept: runners_kept,
        restored,
        passed,
        all_applied,
        at_end,
        report: None,
    };
    let json = serde_json::to_value(&summary).context("serialising the rehearsal report")?;
    let (markdown, json) = write_report_files(
        &r.report_dir,
        "demo",
        summary.at_end.gathered_at,
        &render_markdown(&summary),
        &json,
    )?;
    summary.report = Some(ReportFiles { markdown, json });
    Ok(summary)
}

/// How many of the races and runners the worker wrote are in the tables now.
fn kept(client: &mut postgres::Client, fetched: &Totals) -> Result<(i64, i64)> {
    let races: Vec<&String> = fetched.races.iter().collect();
    let (race_ids, horse_ids): (Vec<&String>, Vec<&String>) =
        fetched.runners.iter().map(|(r, h)| (r, h)).unzip();
    let races_kept: i64 = client
        .query_one(
            "SELECT count(*) FROM ra_races WHERE id = ANY($1::text[])",
            &[&races],
        )
        .context("counting the fetched races in ra_races")?
        .get(0);
    let runners_kept: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT DISTINCT race_id, horse_id FROM ra_runners \
              WHERE race_id = ANY($1::text[]) \
                AND (race_id, horse_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))) k",
            &[&race_ids, &horse_ids],
        )
        .context("counting the fetched runners in ra_runners")?
        .get(0);
    Ok((races_kept, runners_kept))
}

fn layout(client: &mut postgres::Client, r: &Rehearsal) -> Result<Overview> {
    let cat = Catalog::read(client, r.schema)
        .with_context(|| format!("reading the catalog of schema {}", r.schema))?;
    overview::gather(client, &cat, r.mapping)
}

/// The steps, and the tables as they were right after the last apply of phase 5.
fn run_sequence(
    client: &mut postgres::Client,
    r: &Rehearsal,
    writer: &Writer,
    fetcher: &Writer,
) -> Result<(Vec<StepRow>, Option<Overview>)> {
    // One measurement window per step, for both writers.
    let reset = || {
        writer.reset_window();
        fetcher.reset_window();
    };
    let window = || {
        let (wait, sql_errors) = writer.window();
        let (batch, fetch_errors) = fetcher.window();
        (wait, sql_errors + fetch_errors, batch)
    };
    let progress = crate::progress::for_stderr();
    let label = db::redact_url(r.url);
    let mut rows = Vec::new();
    let mut all_applied = None;
    for (phase, direction) in sequence() {
        if phase == Phase::SwitchReaders && direction == Direction::Apply {
            // Phase 4's gate: a passing validation report newer than the last phase change.
            reset();
            let t = Instant::now();
            let report = crate::report::validate::run(
                client,
                r.mapping,
                r.schema,
                &label,
                &crate::report::validate::ValidateOptions::default(),
            )
            .context("validating before phase 4")?;
            let (md, _) = crate::report::validate::write_reports(&report, &r.report_dir)?;
            crate::report::validate::record(client, &report, Some(&md.display().to_string()))?;
            (r.say)(&format!(
                "validate: {} (report {})",
                report.verdict(),
                md.display()
            ));
            let (wait, errors, batch) = window();
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
                max_fetch_slot_ms: batch.as_millis(),
                verdict: if report.passed() { "ok" } else { "FAILED" }.into(),
                problems,
            });
        }
        reset();
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
            url: Some(r.url),
        };
        let what = || format!("rehearsal: {} of phase {phase}", direction.as_str());
        let request = service::Request {
            phase,
            direction,
            dry_run: false,
            // the rehearsal's week of dual writes is simulated: no soak, and the log says so
            soak: "0s",
        };
        let (plan, outcome) = match service::run_phase(&mut ctx, &request, &mut service::Unattended)
            .with_context(what)?
        {
            service::Ran::Done { plan, outcome } => (plan, outcome),
            other => bail!(
                "rehearsal: {} of phase {phase}: {other:?}",
                direction.as_str()
            ),
        };
        let copied = copied_rows(client, phase, direction)?;
        let (wait, errors, batch) = window();
        (r.say)(&format!(
            "{} phase {phase}: {} steps, {}",
            direction.as_str(),
            plan.steps.len(),
            if outcome.problems.is_empty() {
                "verified".to_string()
            } else {
                format!("PROBLEMS: {}", outcome.problems.join("; "))
            }
        ));
        rows.push(StepRow {
            step: format!("{} {}", direction.as_str(), phase),
            phase: Some(phase),
            direction: Some(direction),
            seconds: t.elapsed().as_secs_f64(),
            rows: copied,
            max_writer_wait_ms: wait.as_millis(),
            writer_errors: errors,
            max_fetch_slot_ms: batch.as_millis(),
            verdict: if outcome.problems.is_empty() {
                "ok".into()
            } else {
                format!("{} problem(s)", outcome.problems.len())
            },
            problems: outcome.problems,
        });
        if phase == Phase::DualWrite && direction == Direction::Apply {
            rows.push(worker_week(client, r, &reset, &window)?);
        }
        // Between steps, so the writer's measurement windows do not include it.
        if phase == Phase::Archive && direction == Direction::Apply {
            all_applied =
                Some(layout(client, r).context("gathering the tables with every phase applied")?);
        }
    }
    Ok((rows, all_applied))
}

/// The week of dual writes, simulated: the worker runs a week of race days (racecards with
/// enrichment, results, a consistency check each day) while both layouts are written, then the
/// soak before phase 3 is checked with `--soak 0s` (the days are simulated, the checks are real;
/// the log records it).
fn worker_week(
    client: &mut postgres::Client,
    r: &Rehearsal,
    reset: &dyn Fn(),
    window: &dyn Fn() -> (Duration, u64, Duration),
) -> Result<StepRow> {
    const DAYS: u32 = 7;
    reset();
    let t = Instant::now();
    let first = chrono::NaiveDate::from_ymd_opt(2032, 3, 1).expect("a date");
    let slots = crate::worker::simulate_days(r.url, r.schema, r.mapping, first, DAYS)
        .context("rehearsal: the worker's simulated week of dual writes")?;
    let mut problems: Vec<String> = slots
        .iter()
        .filter(|s| s.outcome != "succeeded")
        .map(|s| {
            format!(
                "{} of {}: {}",
                s.job,
                s.slot,
                s.error.as_deref().unwrap_or(&s.outcome)
            )
        })
        .collect();
    if let Err(e) = crate::worker::soak::require(client, "0s") {
        problems.push(format!("{e:#}"));
    }
    let (wait, errors, batch) = window();
    let requests: u64 = slots.iter().map(|s| s.requests).sum();
    (r.say)(&format!(
        "worker: {DAYS} simulated days, {} slot(s), {requests} synthetic request(s), {}",
        slots.len(),
        if problems.is_empty() {
            "every slot and consistency check ok".to_string()
        } else {
            format!("PROBLEMS: {}", problems.join("; "))
        }
    ));
    Ok(StepRow {
        step: format!("worker ({DAYS} simulated days)"),
        phase: None,
        direction: None,
        seconds: t.elapsed().as_secs_f64(),
        rows: None,
        max_writer_wait_ms: wait.as_millis(),
        writer_errors: errors,
        max_fetch_slot_ms: batch.as_millis(),
        verdict: if problems.is_empty() {
            "ok".into()
        } else {
            format!("{} problem(s)", problems.len())
        },
        problems,
    })
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
        "longest worker slot (ms)",
        "writer errors",
        "verdict",
    ]);
    for r in &s.steps {
        t.add_row(vec![
            r.step.clone(),
            format!("{:.2}", r.seconds),
            r.rows.map_or("-".into(), |n| n.to_string()),
            r.max_writer_wait_ms.to_string(),
            ms_or_dash(r.max_fetch_slot_ms),
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
    out.push_str(&format!("{}\n", fetcher_line(s)));
    if let Some(e) = &s.fetch_last_error {
        out.push_str(&format!("last worker error: {e}\n"));
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
    if let Some(f) = &s.report {
        out.push_str(&format!(
            "report: {} (and {})\n",
            f.markdown.display(),
            f.json.display()
        ));
    }
    out
}

/// A slot's time, or `-` when no worker slot ended during the step.
fn ms_or_dash(ms: u128) -> String {
    if ms == 0 {
        "-".into()
    } else {
        ms.to_string()
    }
}

/// What the worker did and whether all of it is still there.
fn fetcher_line(s: &Summary) -> String {
    format!(
        "worker (simulated race days, synthetic source): {} slots, {} batches, {} errors, longest slot {} ms; \
         {} of {} fetched races and {} of {} fetched runners in the old tables at the end",
        s.fetch_slots,
        s.fetch_batches,
        s.fetch_errors,
        s.fetch_max_slot_ms,
        s.fetched_races_kept,
        s.fetched_races,
        s.fetched_runners_kept,
        s.fetched_runners
    )
}

/// The report as a Markdown document: the verdict, the summary table, the diagrams of the tables
/// with every phase applied and at the end, and the timing of every phase run.
pub fn render_markdown(s: &Summary) -> String {
    let mut out = String::from("# ra-migrate rehearsal report\n\n");
    let _ = writeln!(
        out,
        "**{}**: every phase applied and rolled back with an outside writer and the worker writing; {}.\n",
        if s.passed { "PASS" } else { "FAIL" },
        if s.restored {
            "the schema after rolling every phase back is identical to before"
        } else {
            "the schema after rolling every phase back is DIFFERENT from before"
        }
    );
    let _ = writeln!(
        out,
        "- Schema: `{}`\n- Finished: {}\n- Outside writer: {} write transactions, {} errors, longest wait {} ms\n",
        s.at_end.schema,
        s.at_end.gathered_at.format("%Y-%m-%d %H:%M:%S UTC"),
        s.writer_transactions,
        s.writer_errors,
        s.writer_max_wait_ms
    );
    let _ = writeln!(out, "- {}\n", fetcher_line(s));
    if let Some(e) = &s.writer_last_error {
        let _ = writeln!(out, "Last writer error: `{}`\n", markdown_cell(e));
    }
    if let Some(e) = &s.fetch_last_error {
        let _ = writeln!(out, "Last worker error: `{}`\n", markdown_cell(e));
    }
    out.push_str("## Steps\n\n| step | seconds | rows copied | longest writer wait (ms) | longest worker slot (ms) | writer errors | verdict |\n|---|---:|---:|---:|---:|---:|---|\n");
    for r in &s.steps {
        let _ = writeln!(
            out,
            "| {} | {:.2} | {} | {} | {} | {} | {} |",
            markdown_cell(&r.step),
            r.seconds,
            r.rows.map_or("-".into(), |n| n.to_string()),
            r.max_writer_wait_ms,
            ms_or_dash(r.max_fetch_slot_ms),
            r.writer_errors,
            markdown_cell(&r.verdict)
        );
    }
    let problems: Vec<String> = s
        .steps
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.step)))
        .collect();
    if !problems.is_empty() {
        out.push_str("\n### Problems\n\n");
        for p in &problems {
            let _ = writeln!(out, "- {}", markdown_cell(p));
        }
    }
    if let Some(o) = &s.all_applied {
        out.push_str("\n## Tables with every phase applied\n\n");
        out.push_str(&o.diagram_markdown());
    }
    out.push_str("\n## Tables at the end (every phase rolled back)\n\n");
    out.push_str(&s.at_end.diagram_markdown());
    out.push_str("\n## Phase timing\n\nFrom the operation log, oldest first.\n\n");
    out.push_str(&s.at_end.timing_markdown());
    out
}

/// The demo's database: a throwaway cluster holding the legacy baseline at `scale`, initialised.
/// Returns the cluster (dropping it stops it, unless `keep`) and the database's URL.
pub fn start(
    scale: f64,
    keep: bool,
    mapping: &Mapping,
    say: &dyn Fn(&str),
) -> Result<(Cluster, String)> {
    if !(scale > 0.0 && scale <= 2.0) {
        bail!("--scale must be in (0, 2], got {scale}");
    }
    say("starting a throwaway PostgreSQL cluster...");
    let cluster = Cluster::start(&ClusterOptions {
        keep,
        ..Default::default()
    })?;
    let url = cluster.create_database("racing", None)?;
    say(&format!(
        "cluster on port {} (data in {})",
        cluster.port(),
        cluster.data_dir().display()
    ));
    let mut client = db::connect(&url, "demo")?;
    let t = Instant::now();
    baseline::load_schema(&mut client)?;
    let counts = baseline::seed(&mut client, scale)?;
    let runners: i64 = client
        .query_one("SELECT count(*) FROM ra_runners", &[])?
        .get(0);
    say(&format!(
        "legacy baseline loaded at scale {scale}: {} horses, {} races, {runners} runners ({:.1}s)",
        counts.horses,
        counts.races,
        t.elapsed().as_secs_f64()
    ));
    state::init(&mut client, &mapping.protected)?;
    Ok((cluster, url))
}

fn set_search_path(client: &mut postgres::Client, schema: &str) -> Result<()> {
    client
        .batch_execute(&format!(
            "SET search_path TO {}",
            crate::schema::quote::ident(schema)
        ))
        .with_context(|| format!("setting search_path to schema {schema}"))
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
