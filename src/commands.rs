//! The one command dispatch: parses the command line, opens what the command needs, calls the
//! domain module, renders the result and picks the exit code (0 done, 1 a check found a problem,
//! 2 error).

use crate::cli::{Cli, Command, Global, RunArgs};
use crate::db::{self, LockPolicy};
use crate::mapping::Mapping;
use crate::phase::engine::{self, Ctx, Refused};
use crate::phase::{Direction, Phase};
use crate::{report, state, status};
use anyhow::{bail, Context, Result};
use clap::Parser;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

/// Parses the process's arguments and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    init_tracing(&cli.global.log);
    match dispatch(cli) {
        Err(e) if e.downcast_ref::<Refused>().is_some() => {
            eprintln!("refused: {e:#}");
            Ok(ExitCode::from(1))
        }
        other => other,
    }
}

fn init_tracing(filter: &str) {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| filter.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .try_init();
}

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Demo(args) => crate::demo::run(g, args),
        Command::Fetch(args) => crate::fetch::run(g, args),
        Command::Quarantine(args) => crate::fetch::quarantine::list(g, args),
        Command::Init => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = connect(g, "init")?;
            let r = state::init(&mut client, &mapping.protected)?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
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
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let mut client = connect(g, "status")?;
            state::require_init(&mut client)?;
            let s = status::gather(&mut client, &mapping, &g.schema, &db::redact_url(url(g)?))?;
            if g.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                print!("{}", report::status_table(&s));
            }
            Ok(ExitCode::SUCCESS)
        }
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
            state::require_init(&mut client)?;
            let refusal = engine::check_order(&mut client, phase, direction).err();
            let mut ctx = ctx(&mut client, &mapping, g, &lock, false);
            let plan = engine::plan(&mut ctx, phase, direction)?;
            if g.json {
                let mut v = serde_json::to_value(&plan)?;
                v["refused_now"] = serde_json::json!(refusal.map(|e| format!("{e:#}")));
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                if let Some(e) = refusal {
                    println!("-- note: {} would be refused now: {e:#}", direction.as_str());
                }
                print!("{}", report::plan_sql(&plan, &lock));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply(args) => run_phase(g, args, Direction::Apply),
        Command::Rollback(args) => run_phase(g, args, Direction::Rollback),
        Command::Verify(args) => {
            let phase: Phase = args.phase.parse()?;
            let mapping = Mapping::load(g.mapping.as_deref())?;
            let lock = lock_policy(g);
            let mut client = connect(g, "verify")?;
            state::require_init(&mut client)?;
            match state::phase_row(&mut client, phase)? {
                Some(r) if r.status == state::Status::Applied => {}
                _ => bail!("phase {phase} is not applied: nothing to verify"),
            }
            let mut ctx = ctx(&mut client, &mapping, g, &lock, false);
            let problems = engine::verify(&mut ctx, phase, Direction::Apply)?;
            state::set_verified(&mut client, phase, problems.is_empty())?;
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
        Command::Log(args) => {
            let mut client = connect(g, "log")?;
            state::require_init(&mut client)?;
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

fn run_phase(g: &Global, args: &RunArgs, direction: Direction) -> Result<ExitCode> {
    let phase: Phase = args.phase.parse()?;
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let lock = lock_policy(g);
    let mut client = connect(g, direction.as_str())?;
    state::require_init(&mut client)?;
    // A dry run takes no lock and writes nothing, so a preview is possible at any time.
    if !args.dry_run {
        db::acquire_operator_lock(&mut client)?;
    }
    engine::check_order(&mut client, phase, direction)?;
    let progress = crate::progress::for_stderr();
    let mut ctx = ctx(&mut client, &mapping, g, &lock, args.force);
    ctx.tuning = crate::backfill::Tuning {
        batch_size: args.batch_size,
        target: Duration::from_millis(args.batch_ms),
        max_rows_per_sec: args.max_rows_per_sec,
    };
    ctx.progress = progress.as_ref();
    let plan = engine::plan(&mut ctx, phase, direction)?;
    if args.dry_run {
        if g.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
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

fn url(g: &Global) -> Result<&str> {
    g.database_url
        .as_deref()
        .context("no database given: pass --database-url or set DATABASE_URL")
}

fn connect(g: &Global, purpose: &str) -> Result<postgres::Client> {
    db::connect(url(g)?, purpose)
}

fn lock_policy(g: &Global) -> LockPolicy {
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
    }
}
