//! The commands, one file per verb, each `exec(globals, args) -> Result<ExitCode>`: it opens what
//! the command needs, calls the domain modules (which return data), renders the result and picks
//! the exit code (0 done, 1 a check found a problem, 2 error). Only this module and `main.rs`
//! print or pick exit codes.

mod apply;
mod completions;
mod demo;
mod doctor;
mod fetch;
mod init;
mod log;
mod man;
mod orphans;
mod plan;
mod purge;
mod quarantine;
mod readers;
mod rehearse;
mod rollback;
mod settings;
mod status;
mod validate;
mod verify;
mod worker;

pub(crate) use settings::require_init;

use crate::cli::{Cli, Command, Global};
use crate::pg::db::{self, LockPolicy};
use crate::phase::engine::{Ctx, Refused};
use crate::schema::mapping::Mapping;
use anyhow::{Context, Result};
use std::io::IsTerminal;
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
        Command::Init(args) => init::exec(g, args),
        Command::Doctor => doctor::exec(g),
        Command::Orphans(args) => orphans::exec(g, args),
        Command::Status(args) => status::exec(g, args),
        Command::Plan(args) => plan::exec(g, args),
        Command::Apply(args) => apply::exec(g, args),
        Command::Rollback(args) => rollback::exec(g, args),
        Command::Verify(args) => verify::exec(g, args),
        Command::Validate(args) => validate::exec(g, args),
        Command::Readers(args) => readers::exec(g, args),
        Command::Purge(args) => purge::exec(g, args),
        Command::Log(args) => log::exec(g, args),
        Command::Fetch(args) => fetch::exec(g, args),
        Command::Quarantine(args) => quarantine::exec(g, args),
        Command::Demo(args) => demo::exec(g, args),
        Command::Rehearse(args) => rehearse::exec(g, args),
        Command::Completions(args) => completions::exec(args),
        Command::Man => man::exec(),
        Command::Worker(args) => worker::exec(g, args),
    }
}

/// What most commands start with: the mapping, a checked connection, and the database initialised
/// with the same schema and mapping.
struct Session {
    mapping: Mapping,
    client: postgres::Client,
}

fn open(g: &Global, purpose: &str) -> Result<Session> {
    let mapping = Mapping::load(g.mapping.as_deref())?;
    let mut client = connect(g, purpose)?;
    require_init(&mut client, g, &mapping)?;
    Ok(Session { mapping, client })
}

/// Exit 0 when a check found nothing, 1 when it found a problem.
fn found(problems: bool) -> ExitCode {
    if problems {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints `value` as pretty JSON.
fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn url(g: &Global) -> Result<&str> {
    g.database_url
        .as_deref()
        .context("no database given: pass --database-url or set DATABASE_URL")
}

/// The database of `--database-url` / `DATABASE_URL`, or an error saying how to give one.
pub(crate) fn connect(g: &Global, purpose: &str) -> Result<postgres::Client> {
    crate::pg::connect(url(g)?, purpose)
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
        url: g.database_url.as_deref(),
    }
}
