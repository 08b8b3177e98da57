//! The one command dispatch: parses the command line, opens what the command needs, calls the
//! domain module, renders the result and picks the exit code (0 done, 1 a check found a problem,
//! 2 error).

use crate::cli::{Cli, Command, Global, RunArgs};
use crate::pg::db::{self, LockPolicy};
use crate::phase::engine::{self, Ctx, Refused};
use crate::phase::{Direction, Phase};
use crate::schema::mapping::Mapping;
use crate::{report, report::status, state};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Parses the process's arguments and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = parse_cli()?;
    init_tracing(&cli.global);
    let url = cli.global.database_url.clone().unwrap_or_default();
    // The last line of defence: whatever an error quotes, the password is not shown.
    let scrub = |e: &anyhow::Error| db::redact_text(&format!("{e:#}"), &url);
    match dispatch(cli) {
        Err(e) if e.downcast_ref::<Refused>().is_some() => {
            eprintln!("refused: {}", scrub(&e));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(anyhow::anyhow!(scrub(&e))),
        ok => ok,
    }
}

/// The command line, with the environment's and the settings file's values where it has none.
fn parse_cli() -> Result<Cli> {
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cmd = crate::cli::command(&args).map_err(anyhow::Error::msg)?;
    let matches = cmd.try_get_matches_from(&args).unwrap_or_else(|e| e.exit());
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let from_command_line =
        matches.value_source("database_url") == Some(clap::parser::ValueSource::CommandLine);
    if let Command::Demo(_) = cli.command {
        // the demo runs on its own throwaway cluster; only an explicit --database-url is a mistake
        if !from_command_line {
            cli.global.database_url = None;
        }
    } else if matches.value_source("database_url") != Some(clap::parser::ValueSource::CommandLine)
        && matches.value_source("database_url") != Some(clap::parser::ValueSource::EnvVariable)
    {
        // the widespread DATABASE_URL ranks below RA_MIGRATE_DATABASE_URL, above the file
        if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            cli.global.database_url = Some(url);
        }
    }
    Ok(cli)
}

/// The progress modules' targets: off a terminal their lines are the progress an operator sees
/// (a terminal gets bars instead), so they come out at the default level unless `--quiet`.
const PROGRESS_TARGETS: [&str; 3] = [
    "ra_migrate::progress",
    "ra_migrate::fetch::progress",
    "ra_migrate::report::validate",
];

fn log_filter(g: &Global, terminal: bool) -> String {
    if let Ok(f) = std::env::var("RUST_LOG") {
        return f;
    }
    if g.quiet || g.log != "warn" || terminal {
        return g.log.clone();
    }
    let mut f = g.log.clone();
    for t in PROGRESS_TARGETS {
        f.push_str(&format!(",{t}=info"));
    }
    f
}

fn init_tracing(g: &Global) {
    let terminal = std::io::stderr().is_terminal();
    let filter = tracing_subscriber::EnvFilter::new(log_filter(g, terminal));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match g.log_format {
        crate::cli::LogFormat::Json => builder.json().try_init(),
        crate::cli::LogFormat::Text => builder
            .with_ansi(terminal && std::env::var_os("NO_COLOR").is_none())
            .try_init(),
    };
}

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Demo(args) => crate::rehearsal::demo::run(g, args),
        Command::Rehearse(args) => crate::rehearsal::rehearse::run(g, args),
        Command::Fetch(args) => crate::fetch::run(g, args),
        Command::Worker(args) => crate::worker::run(g, args),
        Command::Quarantine(args) => crate::fetch::quarantine::list(g, args),
        Command::Init(args) => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = connect(g, "init")?;
            let r = state::init(&mut client, &mapping.protected)?;
            let settings = record_settings(&mut client, g, &mapping, args.reconfigure)?;
            if g.json {
                let mut v = serde_json::to_value(&r)?;
                v["settings"] = serde_json::json!(settings);
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!(
                    "ra_migrate schema ready ({} migration(s) applied now); protected tables fingerprinted now: {}",
                    r.migrations_applied.len(),
                    if r.fingerprints_recorded.is_empty() {
                        "none (kept the first fingerprints)".into()
                    } else {
                        r.fingerprints_recorded.join(", ")
                    }
                );
                println!("{settings}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = db::connect(url(g)?, "doctor")?;
            let r = crate::doctor::run(&mut client, url(g)?, &mapping, &g.schema)?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", report::doctor_text(&r));
            }
            Ok(if r.problems() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Orphans(args) => orphans(g, args),
        Command::Status(args) => status_command(g, args),
        Command::Plan(args) => {
            let phase: Phase = args.phase.parse()?;
            let direction = if args.rollback {
                Direction::Rollback
            } else {
                Direction::Apply
            };
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let lock = lock_policy(g);
            let mut client = connect(g, "plan")?;
            db::set_session_lock_timeout(&mut client, &lock)?;
            require_init(&mut client, g, &mapping)?;
            let refusal = engine::check_order(&mut client, phase, direction).err();
            let mut ctx = ctx(&mut client, &mapping, g, &lock, false);
            ctx.switch_functions = args.functions;
            let plan = engine::plan(&mut ctx, phase, direction)?;
            if g.json {
                let mut v = serde_json::to_value(&plan)?;
                v["refused_now"] = serde_json::json!(refusal.map(|e| format!("{e:#}")));
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                if let Some(e) = refusal {
                    println!(
                        "-- note: {} would be refused now: {e:#}",
                        direction.as_str()
                    );
                }
                print!("{}", report::plan_sql(&plan, &lock));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply(args) => phase_with_hook(g, args, Direction::Apply),
        Command::Rollback(args) => phase_with_hook(g, args, Direction::Rollback),
        Command::Verify(args) => {
            let phase: Phase = args.phase.parse()?;
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let lock = lock_policy(g);
            let mut client = connect(g, "verify")?;
            db::set_session_lock_timeout(&mut client, &lock)?;
            require_init(&mut client, g, &mapping)?;
            match state::phase_row(&mut client, phase)? {
                Some(r) if r.status == state::Status::Applied => {}
                _ => bail!("phase {phase} is not applied: nothing to verify"),
            }
            verify_phase(g, &mut client, &mapping, &lock, phase)
        }
        Command::Validate(args) => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = connect(g, "validate")?;
            require_init(&mut client, g, &mapping)?;
            let label = db::redact_url(url(g)?);
            let opts = crate::report::validate::ValidateOptions {
                sample_keys: args.sample,
                buckets: args.buckets,
                deep: args.deep,
            };
            // Validation reads the archived tables itself; that is not a reader purge must wait for.
            let report = crate::purge::excluding_own_reads(&mut client, |c| {
                crate::report::validate::run(c, &mapping, &g.schema, &label, &opts)
            })?;
            let (md, json) = crate::report::validate::write_reports(&report, &args.report_dir)?;
            crate::report::validate::record(&mut client, &report, Some(&md.display().to_string()))?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&report.to_json()?)?);
            } else {
                print!("{}", crate::report::validate::render_terminal(&report));
                println!("reports: {} and {}", md.display(), json.display());
            }
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Readers(args) => readers(g, args),
        Command::Completions(args) => {
            let mut cmd = crate::cli::command(&[]).map_err(anyhow::Error::msg)?;
            clap_complete::generate(args.shell, &mut cmd, "ra-migrate", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = crate::cli::command(&[]).map_err(anyhow::Error::msg)?;
            clap_mangen::Man::new(cmd)
                .render(&mut std::io::stdout())
                .context("writing the manual page")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge(args) => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let retention = args.retention;
            let mut client = connect(g, "purge")?;
            require_init(&mut client, g, &mapping)?;
            db::acquire_operator_lock(&mut client)?;
            if args.accept_activity {
                crate::purge::record_baseline(&mut client)?;
                println!(
                    "activity so far accepted: the archived tables' counters are the new baseline"
                );
            }
            let plan = crate::purge::plan(&mut client, &mapping, &g.schema, retention)?;
            for (t, size) in &plan.tables {
                println!(
                    "would drop {t} ({size} bytes), archived at {}",
                    plan.archived_at
                );
            }
            if !plan.refusals.is_empty() {
                return Err(Refused(format!("purge refused: {}", plan.refusals.join("; "))).into());
            }
            if !args.yes {
                println!("{};\nnothing dropped: pass --yes to drop these tables (phase 5 can no longer be rolled back after that)", plan.statement);
                return Ok(ExitCode::SUCCESS);
            }
            let log = crate::purge::execute(
                &mut client,
                url(g)?,
                &g.schema,
                &plan,
                args.dump.as_deref(),
            )?;
            println!("dropped {} archived table(s) (log entry {log}); phase 5 can no longer be rolled back", plan.tables.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Log(args) => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = connect(g, "log")?;
            require_init(&mut client, g, &mapping)?;
            let entries = state::log_entries(&mut client, args.limit)?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                for e in entries {
                    println!(
                        "#{} {} phase {} by {} at {}: {}{}",
                        e.id,
                        e.action,
                        e.phase.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                        e.operator,
                        e.started_at,
                        e.outcome,
                        if e.forced { " (FORCED)" } else { "" }
                    );
                    if let Some(err) = &e.error {
                        println!("    error: {err}");
                    }
                    if args.sql {
                        for s in e.statements.as_array().into_iter().flatten() {
                            println!("    {}", s.as_str().unwrap_or_default());
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `status`, once or (`--watch`) every `--interval` until interrupted.
fn status_command(g: &Global, args: &crate::cli::StatusArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let mut client = connect(g, "status")?;
    require_init(&mut client, g, &mapping)?;
    let label = db::redact_url(url(g)?);
    let clear = args.watch && std::io::stdout().is_terminal();
    loop {
        let s = status::gather(&mut client, &mapping, &g.schema, &label, args.exact)?;
        let standing = crate::report::overview::standing(&mut client, &mapping, &g.schema)?;
        let worker = crate::worker::overview(&mut client)?;
        let mut out = String::new();
        if clear {
            out.push_str("\x1b[2J\x1b[H");
        }
        if g.json {
            let mut v = serde_json::to_value(&s)?;
            v["rows"] = serde_json::json!(if args.exact { "exact" } else { "estimated" });
            v["standing"] = serde_json::to_value(&standing)?;
            v["worker"] = serde_json::to_value(&worker)?;
            // one line per refresh when watching, so a reader can take them one by one
            out.push_str(&if args.watch {
                serde_json::to_string(&v)?
            } else {
                serde_json::to_string_pretty(&v)?
            });
            out.push('\n');
        } else {
            out.push_str(&report::status_table(&s));
            if !args.exact {
                out.push_str("rows: planner estimates (--exact counts them)\n");
            }
            out.push_str(&standing.text());
            out.push_str(&worker.render());
        }
        if args.watch && !g.json {
            out.push_str(&format!(
                "-- refreshed every {} (Ctrl-C to stop)\n",
                humantime::format_duration(args.interval)
            ));
        }
        print!("{out}");
        std::io::stdout().flush()?;
        if !args.watch {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(args.interval);
    }
}

/// What every later command must agree with: the schema holding the tables and the mapping, as
/// `init` recorded them (an operation-log entry of action `init`).
struct Settings {
    schema: String,
    mapping_md5: String,
    mapping_source: String,
}

fn settings_now(client: &mut postgres::Client, g: &Global, mapping: &Mapping) -> Result<Settings> {
    let canonical = serde_json::to_string(mapping).context("serialising the mapping")?;
    let mapping_md5: String = client
        .query_one("SELECT md5($1)", &[&canonical])
        .context("hashing the mapping")?
        .get(0);
    Ok(Settings {
        schema: g.schema.clone(),
        mapping_md5,
        mapping_source: g
            .mapping
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the built-in phases/mapping.toml".into()),
    })
}

fn settings_recorded(client: &mut postgres::Client) -> Result<Option<Settings>> {
    let row = client
        .query_opt(
            "SELECT options->>'schema', options->>'mapping_md5', coalesce(options->>'mapping_source', '?')
             FROM ra_migrate.operation_log
             WHERE action = 'init' AND options ? 'mapping_md5' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .context("reading the settings init recorded")?;
    Ok(row.map(|r| Settings {
        schema: r.get(0),
        mapping_md5: r.get(1),
        mapping_source: r.get(2),
    }))
}

/// The differences between the recorded settings and this run's, each saying which.
fn settings_differences(recorded: &Settings, now: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.schema != now.schema {
        out.push(format!(
            "--schema is `{}` but this database was initialised with `{}`",
            now.schema, recorded.schema
        ));
    }
    if recorded.mapping_md5 != now.mapping_md5 {
        out.push(format!(
            "the mapping ({}, md5 {}) differs from the one this database was initialised with ({}, md5 {})",
            now.mapping_source, now.mapping_md5, recorded.mapping_source, recorded.mapping_md5
        ));
    }
    out
}

/// `init` records this run's schema and mapping the first time (or with `--reconfigure`); a
/// later init with different ones is refused like any other command. Returns what stands now.
fn record_settings(
    client: &mut postgres::Client,
    g: &Global,
    mapping: &Mapping,
    reconfigure: bool,
) -> Result<String> {
    let now = settings_now(client, g, mapping)?;
    if let Some(recorded) = settings_recorded(client)? {
        let diff = settings_differences(&recorded, &now);
        if diff.is_empty() {
            return Ok(format!(
                "settings: schema `{}`, mapping md5 {} (as recorded)",
                now.schema, now.mapping_md5
            ));
        }
        if !reconfigure {
            bail!(
                "{}: pass the recorded settings, or run `ra-migrate init --reconfigure` if the change is intended",
                diff.join("; ")
            );
        }
    }
    client
        .execute(
            "INSERT INTO ra_migrate.operation_log (action, operator, outcome, finished_at, options)
             VALUES ('init', $1, 'ok', now(), $2)",
            &[
                &db::operator(),
                &serde_json::json!({
                    "schema": now.schema,
                    "mapping_md5": now.mapping_md5,
                    "mapping_source": now.mapping_source,
                }),
            ],
        )
        .context("recording the schema and mapping")?;
    Ok(format!(
        "settings recorded: schema `{}`, mapping md5 {} ({}); later commands refuse others",
        now.schema, now.mapping_md5, now.mapping_source
    ))
}

/// `state::require_init`, and the schema and mapping this run uses are the ones `init` recorded.
pub(crate) fn require_init(
    client: &mut postgres::Client,
    g: &Global,
    mapping: &Mapping,
) -> Result<()> {
    state::require_init(client)?;
    // a database initialised before settings were recorded has none to compare with
    if let Some(recorded) = settings_recorded(client)? {
        let now = settings_now(client, g, mapping)?;
        let diff = settings_differences(&recorded, &now);
        if !diff.is_empty() {
            bail!(
                "{}: pass the settings it was initialised with (command line, RA_MIGRATE_* or ra-migrate.toml), or run `ra-migrate init --reconfigure` if the change is intended",
                diff.join("; ")
            );
        }
    }
    Ok(())
}

/// Verifies an applied phase, records the result and reports it (exit 1 when problems are found).
fn verify_phase(
    g: &Global,
    client: &mut postgres::Client,
    mapping: &Mapping,
    lock: &LockPolicy,
    phase: Phase,
) -> Result<ExitCode> {
    let mut ctx = ctx(client, mapping, g, lock, false);
    let problems = engine::verify(&mut ctx, phase, Direction::Apply)?;
    state::set_verified(client, phase, problems.is_empty())?;
    if g.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"phase": phase.number(), "problems": problems})
            )?
        );
    } else if problems.is_empty() {
        println!("phase {phase}: verified, no problems found");
    } else {
        println!("phase {phase}: {} problem(s):", problems.len());
        for p in &problems {
            println!("  - {p}");
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A runbook can be run again: `apply N` of a phase applied and verified, or `rollback N` of a
/// phase not in effect, has nothing to do (exit 0); `apply N` of a phase applied but not verified
/// verifies it. `None`: there is work, go on.
fn nothing_to_do(
    g: &Global,
    client: &mut postgres::Client,
    mapping: &Mapping,
    lock: &LockPolicy,
    phase: Phase,
    direction: Direction,
    dry_run: bool,
) -> Result<Option<ExitCode>> {
    let row = state::phase_row(client, phase)?;
    let say = |text: String| -> Result<Option<ExitCode>> {
        if g.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "phase": phase.number(),
                    "direction": direction.as_str(),
                    "nothing_to_do": true,
                    "message": text,
                }))?
            );
        } else {
            println!("{text}");
        }
        Ok(Some(ExitCode::SUCCESS))
    };
    match (direction, row) {
        (Direction::Apply, Some(r)) if r.status == state::Status::Applied && r.verified => {
            say(format!(
                "phase {phase} is already applied (since {}) and verified: nothing to do",
                r.applied_at.as_deref().unwrap_or("?")
            ))
        }
        (Direction::Apply, Some(r)) if r.status == state::Status::Applied => {
            if dry_run {
                return say(format!(
                    "phase {phase} is applied but not verified: `ra-migrate apply {}` would verify it (nothing else to apply)",
                    phase.number()
                ));
            }
            eprintln!("phase {phase} is already applied but not verified: verifying it");
            verify_phase(g, client, mapping, lock, phase).map(Some)
        }
        (Direction::Rollback, None) => say(format!(
            "phase {phase} was never applied: nothing to roll back"
        )),
        (Direction::Rollback, Some(r)) if !r.status.is_in_effect() => say(format!(
            "phase {phase} is not in effect (rolled back at {}): nothing to roll back",
            r.rolled_back_at.as_deref().unwrap_or("?")
        )),
        _ => Ok(None),
    }
}

/// [`run_phase`], running the failure hook when the phase fails (an error or problems found;
/// a dry run or a refusal by a gate or the soak is no failure of the phase).
fn phase_with_hook(g: &Global, args: &RunArgs, direction: Direction) -> Result<ExitCode> {
    let result = run_phase(g, args, direction);
    let failure = match &result {
        Err(e) if e.downcast_ref::<Refused>().is_none() => Some(format!("{e:#}")),
        Ok(code) if *code != ExitCode::SUCCESS => Some("verification found problems".into()),
        _ => None,
    };
    if let (Some(error), false) = (failure, args.dry_run) {
        crate::worker::hook::fire(
            g.on_failure.as_deref(),
            serde_json::json!({
                "event": "phase_failed", "phase": args.phase,
                "direction": direction.as_str(), "error": error,
            }),
        );
    }
    result
}

fn run_phase(g: &Global, args: &RunArgs, direction: Direction) -> Result<ExitCode> {
    let phase: Phase = args.phase.parse()?;
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let lock = lock_policy(g);
    let mut client = connect(g, direction.as_str())?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    require_init(&mut client, g, &mapping)?;
    // A dry run takes no lock and writes nothing, so a preview is possible at any time.
    if !args.dry_run {
        db::acquire_operator_lock(&mut client)?;
    }
    if let Some(code) = nothing_to_do(
        g,
        &mut client,
        &mapping,
        &lock,
        phase,
        direction,
        args.dry_run,
    )? {
        return Ok(code);
    }
    engine::check_order(&mut client, phase, direction)?;
    if phase == Phase::Backfill && direction == Direction::Apply && !args.dry_run {
        crate::worker::soak::require(&mut client, &args.soak)?;
    }
    let progress = crate::progress::for_stderr();
    let mut ctx = ctx(&mut client, &mapping, g, &lock, args.force);
    ctx.tuning = crate::phase::copy::Tuning {
        batch_size: args.batch_size,
        target: Duration::from_millis(args.batch_ms),
        max_rows_per_sec: args.max_rows_per_sec,
    };
    ctx.progress = progress.as_ref();
    ctx.switch_functions = args.functions;
    // A preview is always possible; it says when the gate would refuse the real run.
    let gate = engine::gate(&mut ctx, phase, direction);
    let gate_note = match gate {
        Err(e) if args.dry_run && e.downcast_ref::<Refused>().is_some() => Some(format!("{e:#}")),
        Err(e) => return Err(e),
        Ok(Some(reason)) => {
            eprintln!(
                "WARNING: --force: passing a failing gate, and recording that you did: {reason}"
            );
            None
        }
        Ok(None) => None,
    };
    let plan = match db::with_lock_retry(&lock, "reading the catalog to plan", |_| {
        engine::plan(&mut ctx, phase, direction)
    }) {
        Ok(p) => p,
        Err(e) if args.dry_run => return Err(e),
        Err(e) => {
            // An attempt that never got to run SQL is still an attempt: the log says why it stopped.
            let id = state::log_start(
                ctx.client,
                Some(phase),
                direction.as_str(),
                args.force,
                &serde_json::json!({}),
            )?;
            state::log_finish(ctx.client, id, "failed", &[], Some(&format!("{e:#}")))?;
            return Err(e.context(format!(
                "planning phase {phase} failed; nothing was changed (log entry {id})"
            )));
        }
    };
    if args.dry_run {
        if g.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            if let Some(note) = &gate_note {
                println!("-- gate: apply would be refused now: {note}");
            }
            print!("{}", report::plan_sql(&plan, &lock));
            println!("\n-- dry run: nothing was changed");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "refusing to {} phase {phase} without confirmation: stdin is not a terminal; pass --yes (preview with --dry-run)",
                direction.as_str()
            );
        }
        print!("{}", report::plan_sql(&plan, &lock));
        print!(
            "\n{} phase {phase} on {}? Type 'yes' to go on: ",
            direction.as_str(),
            db::redact_url(url(g)?)
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            bail!("not confirmed: nothing was changed");
        }
    }
    let outcome = engine::execute(&mut ctx, &plan)?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", report::outcome_text(&outcome));
    }
    Ok(if outcome.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn orphans(g: &Global, args: &crate::cli::OrphansArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let lock = lock_policy(g);
    let mut client = connect(g, "orphans")?;
    db::set_session_lock_timeout(&mut client, &lock)?;
    require_init(&mut client, g, &mapping)?;
    let cat = crate::schema::catalog::Catalog::read(&mut client, &g.schema)?;
    if (args.fix.is_some() || args.undo) && args.yes {
        db::acquire_operator_lock(&mut client)?;
    }
    if args.undo {
        if !args.yes {
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM ra_migrate.orphan_fix WHERE undone_at IS NULL",
                    &[],
                )?
                .get(0);
            println!("{n} fixed row(s) would be undone: pass --yes to undo them");
            return Ok(ExitCode::SUCCESS);
        }
        let r = crate::orphans::undo(&mut client, &cat, &lock)?;
        if g.json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            println!(
                "undone (log entry {}): {} placeholder row(s) removed, {} value(s) restored; kept because they changed since: {} placeholder(s), {} value(s)",
                r.log_id, r.placeholders_removed, r.values_restored, r.placeholders_kept, r.values_kept
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let found = crate::orphans::list(&mut client, &cat, &mapping, args.sample)?;
    if let (Some(fix), true) = (args.fix, args.yes) {
        let r = crate::orphans::fix(&mut client, &cat, &mapping, fix, &lock)?;
        if g.json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            for (rel, n) in &r.changed {
                println!(
                    "{rel}: {n} row(s) {}",
                    if fix == crate::orphans::Fix::Placeholder {
                        "added"
                    } else {
                        "set to NULL"
                    }
                );
            }
            for v in &r.validated {
                println!("validated {v}");
            }
            for v in &r.still_not_valid {
                println!("still NOT VALID: {v}");
            }
            println!("recorded in log entry {}; `ra-migrate orphans --undo --yes` reverses it; run `ra-migrate verify N` for a phase whose verification reported these orphans", r.log_id);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if g.json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        print!("{}", report::orphans_text(&found));
        if args.fix.is_some() {
            println!("nothing changed: pass --yes to fix these");
        }
    }
    Ok(if found.iter().all(|o| o.rows == 0) || args.fix.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn readers(g: &Global, args: &crate::cli::ReadersArgs) -> Result<ExitCode> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    if args.rewrite {
        let dir = args.sql.as_deref().context("--rewrite needs --sql DIR")?;
        let files = crate::readers::rewrite_files(dir, &mapping)?;
        let mut written = Vec::new();
        if args.write {
            // all or nothing: a refusal must not come after some files were already rewritten
            for r in &files {
                crate::readers::refuse_existing_orig(r)?;
            }
        }
        for r in &files {
            if args.write {
                let orig = crate::readers::write_rewrite(r)?;
                if !g.json {
                    println!(
                        "rewrote {} ({} name(s) changed; the original is kept as {})",
                        r.file.display(),
                        r.changes.len(),
                        orig.display()
                    );
                }
                written.push(orig);
            } else if !g.json {
                print!("{}", crate::readers::diff(r));
            }
        }
        if g.json {
            let out: Vec<serde_json::Value> = files
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    serde_json::json!({
                        "file": r.file,
                        "changes": r.changes,
                        "diff": crate::readers::diff(r),
                        "original_kept_as": written.get(i),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"written": args.write, "files": out})
                )?
            );
        } else if files.is_empty() {
            println!("no file under {} names an old table", dir.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut client = connect(g, "readers")?;
    let cat = crate::schema::catalog::Catalog::read(&mut client, &g.schema)?;
    let inv = crate::readers::inventory(&mut client, &cat, &mapping, args.sql.as_deref())?;
    if g.json {
        println!("{}", serde_json::to_string_pretty(&inv)?);
    } else {
        print!("{}", report::readers_text(&inv));
    }
    Ok(if inv.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn url(g: &Global) -> Result<&str> {
    g.database_url
        .as_deref()
        .context("no database given: pass --database-url or set DATABASE_URL")
}

/// The database of `--database-url` / `DATABASE_URL`, or an error saying how to give one.
pub(crate) fn connect(g: &Global, purpose: &str) -> Result<postgres::Client> {
    let mut client = db::connect(url(g)?, purpose)?;
    crate::doctor::check_server_version(&mut client)?;
    crate::doctor::refuse_transaction_pooler(&mut client, url(g)?, purpose)?;
    Ok(client)
}

/// `--lock-timeout-ms` and `--lock-retries` as the policy every DDL transaction follows.
pub(crate) fn lock_policy(g: &Global) -> LockPolicy {
    LockPolicy {
        timeout: Duration::from_millis(g.lock_timeout_ms),
        retries: g.lock_retries,
        ..LockPolicy::default()
    }
}

fn ctx<'a>(
    client: &'a mut postgres::Client,
    mapping: &'a Mapping,
    g: &'a Global,
    lock: &'a LockPolicy,
    force: bool,
) -> Ctx<'a> {
    Ctx {
        client,
        mapping,
        schema: &g.schema,
        lock,
        force,
        tuning: Default::default(),
        progress: &crate::progress::Silent,
        switch_functions: false,
    }
}
