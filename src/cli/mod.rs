//! Command-line types (clap). The `///` comments are the `--help` text.

use clap::builder::{RangedI64ValueParser, RangedU64ValueParser};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

// Every numeric option is bounded where it is parsed: an absurd value is a usage error (exit 2,
// naming the option), never an overflow or a panic deep inside a command.

fn u64_in(range: std::ops::RangeInclusive<u64>) -> RangedU64ValueParser<u64> {
    RangedU64ValueParser::new().range(range)
}

fn usize_in(range: std::ops::RangeInclusive<u64>) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(range)
}

fn u32_in(range: std::ops::RangeInclusive<u64>) -> RangedU64ValueParser<u32> {
    RangedU64ValueParser::new().range(range)
}

fn i64_in(range: std::ops::RangeInclusive<i64>) -> RangedI64ValueParser<i64> {
    RangedI64ValueParser::new().range(range)
}

/// `--scale`: a finite number in (0, 2].
fn scale(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number (e.g. 0.01)"))?;
    if v.is_finite() && v > 0.0 && v <= 2.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not in (0, 2]"))
    }
}

/// The longest duration any option takes (a century): beyond it a typo is likelier than intent.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 365 * 86_400);

/// A duration as humantime reads it: `30d`, `2w`, `36h`, `90m`, `1h 30m`, `0s`.
pub fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e}: expected a number and a unit, e.g. 30d, 2w, 36h, 90m or 0s"))?;
    if d > MAX_DURATION {
        return Err(format!(
            "{s} is longer than {}",
            humantime::format_duration(MAX_DURATION)
        ));
    }
    Ok(d)
}

/// Phased, reversible reorganization of a live Racing API database (ra_* -> ra_mst_*).
///
/// Phases: 1 create, 2 dual-write, 3 backfill, 4 switch-readers, 5 archive. Each has a plan
/// (preview), apply, verify and rollback, recorded in the database's ra_migrate schema.
///
/// Settings: every global option also comes from the environment, RA_MIGRATE_<OPTION> (e.g.
/// RA_MIGRATE_DATABASE_URL, RA_MIGRATE_SCHEMA, RA_MIGRATE_LOCK_TIMEOUT_MS), or from a TOML file,
/// ./ra-migrate.toml or --config FILE, keyed by option (schema = "public"); the command line wins
/// over the environment, which wins over the file.
///
/// Exit codes: 0 done; 1 a verification or gate found a problem (the output says what); 2 error.
#[derive(Debug, Parser)]
#[command(
    name = "ra-migrate",
    version,
    after_help = "Example:\n  ra-migrate --database-url postgres://postgres@localhost/racing status"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Every global option can also come from the environment, `RA_MIGRATE_<OPTION>` (e.g.
/// `RA_MIGRATE_LOCK_TIMEOUT_MS`), or from a settings file: `--config FILE`, else `ra-migrate.toml`
/// in the current directory when there is one (keys as the options: `schema = "racing"`,
/// `lock_timeout_ms = 300`). The command line wins over the environment, which wins over the file.
#[derive(Debug, Args)]
pub struct Global {
    /// PostgreSQL connection string (URL or key=value); the password is never printed. Without a
    /// password in it, PGPASSWORD or ~/.pgpass (PGPASSFILE) supply it, as for psql. Also from
    /// RA_MIGRATE_DATABASE_URL, then DATABASE_URL.
    #[arg(long, global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Settings file (TOML); default: ./ra-migrate.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub json: bool,
    /// Table mapping file (TOML) instead of the built-in phases/mapping.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// Schema holding the ra_* tables.
    #[arg(long, global = true, default_value = "public")]
    pub schema: String,
    /// lock_timeout for each try of a DDL transaction, in milliseconds (below deadlock_timeout, so
    /// a conflict with a writer costs the migration a retry, never the writer an error).
    /// 0 is refused: PostgreSQL reads it as "wait forever".
    #[arg(long, global = true, default_value_t = 200, value_name = "MS",
          value_parser = u64_in(1..=3_600_000))]
    pub lock_timeout_ms: u64,
    /// How many times to retry a DDL transaction that hit the lock timeout.
    #[arg(long, global = true, default_value_t = 10, value_name = "N",
          value_parser = u32_in(0..=1000))]
    pub lock_retries: u32,
    /// Log filter (tracing), e.g. `info` or `ra_migrate=debug`; RUST_LOG also works.
    #[arg(long, global = true, default_value = "warn")]
    pub log: String,
    /// Run CMD (through sh -c) with a JSON description on its standard input when a scheduled
    /// job, a consistency check or a phase fails.
    #[arg(long, global = true, value_name = "CMD", env = "RA_MIGRATE_ON_FAILURE")]
    pub on_failure: Option<String>,
    /// No progress lines (off a terminal they come at the default level; warnings still do).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Log lines as plain text or as JSON objects (one per line).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install or upgrade the tool's state schema (ra_migrate) and fingerprint the protected tables.
    ///
    /// Idempotent: running it again changes nothing.
    #[command(
        after_help = "Example:\n  ra-migrate --database-url postgres://postgres@localhost/racing init"
    )]
    Init(InitArgs),
    /// Check the server, the connection, the role and the legacy schema before phase 1 (and any
    /// time after): version, transaction pooler, TLS, timeouts, privileges, pg_stat_statements,
    /// publications, default privileges, space, orphans, unknown tables, current writers. Each
    /// finding says what to do. Exit 1 when a problem is found. Read-only.
    #[command(after_help = "Examples:\n  ra-migrate doctor\n  ra-migrate doctor --json")]
    Doctor,
    /// List values that name no master row, in the relationships the legacy schema never enforced
    /// (and foreign keys left NOT VALID); fix them with a placeholder master row per missing key or
    /// by setting the reference to NULL (every original value saved), or undo the fixes. Exit 1
    /// when orphans are listed. Fact rows are never deleted.
    #[command(
        after_help = "Examples:\n  ra-migrate orphans --sample 10\n  ra-migrate orphans --fix placeholder --yes\n  ra-migrate orphans --fix null --yes\n  ra-migrate orphans --undo --yes"
    )]
    Orphans(OrphansArgs),
    /// Where things stand: the current phase and its status, every mapped table's old/new
    /// existence and rows (planner estimates unless --exact), the running operation and the holder
    /// of the operator lock, phase 3's progress, the last validation, the quarantine, the readers
    /// left before phase 5, when purge becomes possible, and the next command to run.
    #[command(
        after_help = "Examples:\n  ra-migrate status\n  ra-migrate status --exact --json\n  ra-migrate status --watch --interval 5s"
    )]
    Status(StatusArgs),
    /// Print the plan of a phase (the exact SQL apply would run) without changing anything.
    #[command(after_help = "Examples:\n  ra-migrate plan 1\n  ra-migrate plan create --rollback")]
    Plan(PlanArgs),
    /// Apply a phase: run its plan, record it, verify it.
    #[command(
        after_help = "Examples:\n  ra-migrate apply 1 --dry-run\n  ra-migrate apply create --yes"
    )]
    Apply(RunArgs),
    /// Roll a phase back (refused while a later phase is applied).
    #[command(
        after_help = "Examples:\n  ra-migrate rollback 1 --dry-run\n  ra-migrate rollback 1 --yes"
    )]
    Rollback(RunArgs),
    /// Verify an applied phase again (exit 1 when it finds a problem).
    #[command(after_help = "Example:\n  ra-migrate verify 1")]
    Verify(PhaseArg),
    /// Compare old and new layouts: row counts, content per key range (drilling down to keys and
    /// columns), foreign keys, unknown tables, stale readers, protected tables. Exit 1 on any difference.
    #[command(
        after_help = "Examples:\n  ra-migrate validate --report-dir reports\n  ra-migrate validate --deep --sample 10"
    )]
    Validate(ValidateArgs),
    /// Everything that still reads the old tables: pg_stat_statements, views, functions, SQL files.
    #[command(
        after_help = "Examples:\n  ra-migrate readers\n  ra-migrate readers --sql ./queries --rewrite\n  ra-migrate readers --sql ./queries --rewrite --write"
    )]
    Readers(ReadersArgs),
    /// Drop the ra_old_* tables of phase 5 after the retention, if nothing read or wrote them since.
    #[command(
        after_help = "Examples:\n  ra-migrate purge\n  ra-migrate purge --accept-activity\n  ra-migrate purge --dump ./backups --yes"
    )]
    Purge(PurgeArgs),
    /// Show the operation log: every apply, rollback and verify, newest first.
    #[command(after_help = "Example:\n  ra-migrate log --limit 5 --sql")]
    Log(LogArgs),
    /// Fetch from The Racing API (or the synthetic source) and write through the phase-aware path.
    #[command(
        after_help = "Examples:\n  ra-migrate fetch reference\n  ra-migrate fetch racecards --date 2025-10-13 --to 2025-10-14 --source synthetic\n  ra-migrate fetch results --date 2025-10-13 --region gb\n  ra-migrate fetch entities --limit 100"
    )]
    Fetch(FetchArgs),
    /// List records the fetchers could not use, kept whole in ra_migrate.quarantine.
    #[command(after_help = "Example:\n  ra-migrate quarantine --limit 20")]
    Quarantine(QuarantineArgs),
    /// Rehearse the migration end to end on a throwaway PostgreSQL cluster with synthetic data.
    #[command(after_help = "Examples:\n  ra-migrate demo\n  ra-migrate demo --scale 0.05 --keep")]
    Demo(DemoArgs),
    /// Rehearse the migration on a throwaway copy of a real database (schema, and with --sample a
    /// sample of rows that keeps foreign keys intact): the demo's sequence with your own plan, locks
    /// and timings. The source is only read (a read-only session); nothing is written to it.
    #[command(
        after_help = "Examples:\n  ra-migrate rehearse --from postgres://postgres@db.example.com/racing --sample 500\n  ra-migrate rehearse --from \"$DATABASE_URL\" --keep"
    )]
    Rehearse(RehearseArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(
        after_help = "Examples:\n  ra-migrate completions bash > /etc/bash_completion.d/ra-migrate\n  ra-migrate completions zsh > \"${fpath[1]}/_ra-migrate\"\n  ra-migrate completions fish > ~/.config/fish/completions/ra-migrate.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout.
    #[command(
        after_help = "Example:\n  ra-migrate man > /usr/local/share/man/man1/ra-migrate.1 && man ra-migrate"
    )]
    Man,
    /// Run the plan's fetch schedule (phases/schedule.toml, UK time) through the phase-aware write
    /// path: racecards daily with new horses' enrichment right after, results after racing, a
    /// weekly pass over stale profiles, reference data monthly. Each slot runs exactly once
    /// (recorded in ra_migrate.worker_slot); missed slots are caught up, failed ones retried with
    /// backoff. SIGTERM or Ctrl-C finishes the batch in hand and exits 0. Exit 1 when a slot failed.
    #[command(
        after_help = "Examples:\n  ra-migrate worker --source api\n  ra-migrate worker --once\n  ra-migrate worker --once --now '2025-10-13 07:00' --source synthetic\n  ra-migrate worker --schedule ./schedule.toml --catch-up-days 3"
    )]
    Worker(WorkerArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Count rows exactly (scans every mapped table) instead of the planner's estimates.
    #[arg(long)]
    pub exact: bool,
    /// Refresh until interrupted (Ctrl-C).
    #[arg(long)]
    pub watch: bool,
    /// With --watch: time between refreshes (e.g. 2s, 1m).
    #[arg(long, default_value = "2s", value_parser = duration, requires = "watch")]
    pub interval: Duration,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Record this run's --schema and mapping as the ones every later command must use, replacing
    /// what an earlier init recorded (without it, init refuses a different schema or mapping).
    #[arg(long)]
    pub reconfigure: bool,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Run every slot due now (missed and failed ones included) and exit: for cron and tests.
    #[arg(long)]
    pub once: bool,
    /// With --once: the moment to run at instead of the clock (RFC 3339, or "YYYY-MM-DD HH:MM"
    /// read as UK time).
    #[arg(long, value_name = "TIMESTAMP", requires = "once")]
    pub now: Option<String>,
    /// Schedule file (TOML) instead of the built-in phases/schedule.toml.
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<PathBuf>,
    /// Catch up missed slots up to this many days back (default: the schedule's, 7; at most 366).
    #[arg(long, value_name = "DAYS", value_parser = u32_in(0..=366))]
    pub catch_up_days: Option<u32>,
    /// Where the data comes from (see `fetch --source`).
    #[arg(long, value_enum, default_value_t = SourceKind::Api)]
    pub source: SourceKind,
    /// Region codes to fetch (repeat the flag).
    #[arg(long = "region", default_values_t = ["gb".to_string(), "ire".to_string()])]
    pub regions: Vec<String>,
    /// Seed of the synthetic source.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct OrphansArgs {
    /// Missing keys shown per relationship.
    #[arg(long, default_value_t = 5, value_name = "N", value_parser = usize_in(0..=10_000))]
    pub sample: usize,
    /// Resolve every orphan: `placeholder` adds a minimal master row per missing key (into the old
    /// master while it is the table of record, so dual-write carries it); `null` sets the dangling
    /// reference to NULL. One transaction, recorded in the log.
    #[arg(long, value_enum, conflicts_with = "undo")]
    pub fix: Option<crate::orphans::Fix>,
    /// Undo every fix: placeholders still as inserted are removed, NULLed references get their value back.
    #[arg(long)]
    pub undo: bool,
    /// Without it, --fix and --undo only say what they would do.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct PhaseArg {
    /// Phase number or name: 1/create, 2/dual-write, 3/backfill, 4/switch-readers, 5/archive.
    pub phase: String,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Phase number or name: 1/create, 2/dual-write, 3/backfill, 4/switch-readers, 5/archive.
    pub phase: String,
    /// Show the rollback plan instead.
    #[arg(long)]
    pub rollback: bool,
    /// Switch readers (phase 4): also redefine the functions that name old tables.
    #[arg(long)]
    pub functions: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Phase number or name: 1/create, 2/dual-write, 3/backfill, 4/switch-readers, 5/archive.
    pub phase: String,
    /// Print the plan and change nothing, not even the tool's own tables.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Pass a failing gate anyway; recorded in the log.
    #[arg(long)]
    pub force: bool,
    /// Backfill (phase 3): rows per batch to start with; adapts to --batch-ms.
    #[arg(long, default_value_t = 5000, value_parser = i64_in(1..=10_000_000))]
    pub batch_size: i64,
    /// Backfill (phase 3): target duration of one batch transaction, in milliseconds.
    #[arg(long, default_value_t = 500, value_parser = u64_in(1..=600_000))]
    pub batch_ms: u64,
    /// Backfill (phase 3): at most this many rows per second (0 = no limit).
    #[arg(long, default_value_t = 0, value_parser = u64_in(0..=1_000_000_000))]
    pub max_rows_per_sec: u64,
    /// Switch readers (phase 4): also redefine the functions that name old tables.
    #[arg(long)]
    pub functions: bool,
    /// Backfill (phase 3): how long dual-write must have been in effect, every consistency check
    /// since clean: 7d, 36h, 0s (0s skips the wait; the log records it).
    #[arg(
        long,
        default_value = "7d",
        value_name = "DURATION",
        env = "RA_MIGRATE_SOAK"
    )]
    pub soak: String,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many entries.
    #[arg(long, default_value_t = 20, value_parser = i64_in(1..=1_000_000))]
    pub limit: i64,
    /// Include the SQL each operation ran.
    #[arg(long)]
    pub sql: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Data size relative to production (1.0 = about 1.2M runners, 143K races, 111K horses).
    #[arg(long, default_value_t = 0.01, value_parser = scale)]
    pub scale: f64,
    /// Leave the throwaway cluster running and print its connection string.
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(subcommand)]
    pub what: FetchWhat,
    /// Where the data comes from: the real API (credentials in RACING_API_USERNAME /
    /// RACING_API_PASSWORD) or the built-in deterministic synthetic source.
    #[arg(long, value_enum, default_value_t = SourceKind::Api, global = true)]
    pub source: SourceKind,
    /// Region codes to fetch (repeat the flag).
    #[arg(long = "region", default_values_t = ["gb".to_string(), "ire".to_string()], global = true)]
    pub regions: Vec<String>,
    /// Seed of the synthetic source.
    #[arg(long, default_value_t = 42, global = true)]
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    Api,
    Synthetic,
}

#[derive(Debug, Subcommand)]
pub enum FetchWhat {
    /// Courses (API), bookmakers (the static list plus any seen in racecard odds), regions.
    #[command(after_help = "Example:\n  ra-migrate fetch reference --region gb --region ire")]
    Reference,
    /// Enrich horses that lack a profile through /horses/{id}/pro (pedigree, sire/dam ids).
    #[command(
        after_help = "Examples:\n  ra-migrate fetch entities --limit 100\n  ra-migrate fetch entities --limit 1000 --recheck-absent-days 7"
    )]
    Entities {
        /// At most this many horses.
        #[arg(long, default_value_t = 500, value_parser = usize_in(1..=10_000_000))]
        limit: usize,
        /// Ask again for a horse whose profile was absent (404) only after this many days.
        #[arg(long, default_value_t = 30, value_name = "DAYS", value_parser = u32_in(0..=36_500))]
        recheck_absent_days: u32,
    },
    /// Racecards (races and runners, entities first) for a date or a date range.
    #[command(
        after_help = "Examples:\n  ra-migrate fetch racecards --date 2025-10-13\n  ra-migrate fetch racecards --date 2025-10-13 --to 2025-10-19 --source synthetic"
    )]
    Racecards(DateRange),
    /// Results for a date or a date range: update runners (positions, prices, times).
    #[command(
        after_help = "Examples:\n  ra-migrate fetch results --date 2025-10-13\n  ra-migrate fetch results --date 2025-10-01 --to 2025-10-07 --region gb"
    )]
    Results(DateRange),
}

#[derive(Debug, Args)]
pub struct DateRange {
    /// First date (YYYY-MM-DD); today in the UK when not given.
    #[arg(long)]
    pub date: Option<String>,
    /// Last date (YYYY-MM-DD), inclusive; defaults to --date.
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct QuarantineArgs {
    /// How many records, newest first.
    #[arg(long, default_value_t = 50, value_parser = i64_in(1..=1_000_000))]
    pub limit: i64,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Where the Markdown and JSON reports go.
    #[arg(long, default_value = "reports")]
    pub report_dir: PathBuf,
    /// Differing keys shown per table.
    #[arg(long, default_value_t = 5, value_parser = usize_in(0..=10_000))]
    pub sample: usize,
    /// Key ranges per table for the content hash.
    #[arg(long, default_value_t = 64, value_parser = u32_in(1..=65_536))]
    pub buckets: u32,
    /// Also count orphans of relationships whose foreign key is validated and enforced (by
    /// default PostgreSQL's own guarantee is reported instead of scanning again).
    #[arg(long)]
    pub deep: bool,
}

#[derive(Debug, Args)]
pub struct ReadersArgs {
    /// Also scan the .sql files under this directory (each reference with file and line).
    #[arg(long, value_name = "DIR")]
    pub sql: Option<PathBuf>,
    /// Print the files rewritten for the new layout, as a diff.
    #[arg(long, requires = "sql")]
    pub rewrite: bool,
    /// With --rewrite: write the rewritten files in place.
    #[arg(long, requires = "rewrite")]
    pub write: bool,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// How long after the archive the tables are kept: 30d, 2w, 36h, 90m, 0s (at most a century).
    #[arg(long, default_value = "30d", value_parser = duration)]
    pub retention: Duration,
    /// Write each table with pg_dump (custom format) into this directory before dropping it.
    #[arg(long, value_name = "DIR")]
    pub dump: Option<PathBuf>,
    /// Really drop them (otherwise only shows what would be dropped).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Take the reads and writes of the archived tables so far as known (their reader was found
    /// and switched): their counters become the new baseline, then purge checks as usual.
    #[arg(long)]
    pub accept_activity: bool,
}

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// The database to copy (URL or key=value); only read, through a read-only session.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// Also copy up to N races with their runners and every row they reference (foreign keys
    /// intact), and up to N rows of every other table; without it the copy is schema-only.
    #[arg(long, value_name = "N", value_parser = u64_in(0..=100_000_000))]
    pub sample: Option<u64>,
    /// Leave the throwaway cluster running and print its connection string.
    #[arg(long)]
    pub keep: bool,
}

/// The environment variable a global option reads: `RA_MIGRATE_` and its long name.
pub fn env_name(long: &str) -> String {
    format!("RA_MIGRATE_{}", long.replace('-', "_").to_ascii_uppercase())
}

/// Where the settings come from: `--config FILE` (or `RA_MIGRATE_CONFIG`), else
/// `./ra-migrate.toml` when it exists. Read before clap parses, so the file's values become the
/// options' defaults and clap validates them like any other value.
fn settings_file(args: &[std::ffi::OsString]) -> Option<(PathBuf, bool)> {
    let mut explicit = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--config" {
            explicit = it.next().map(PathBuf::from);
        } else if let Some(v) = a.strip_prefix("--config=") {
            explicit = Some(PathBuf::from(v));
        }
    }
    if let Some(p) = explicit.or_else(|| std::env::var_os(env_name("config")).map(PathBuf::from)) {
        return Some((p, true));
    }
    let default = PathBuf::from("ra-migrate.toml");
    default.is_file().then_some((default, false))
}

/// A `'static` string for clap's builder (this runs once per process).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The command line with every global option's environment variable and the settings file's
/// values as defaults; `Err` is a message for exit 2.
pub fn command(args: &[std::ffi::OsString]) -> Result<clap::Command, String> {
    use clap::CommandFactory;
    let mut cmd = Cli::command().mut_args(|a| {
        if a.is_global_set() && a.get_env().is_none() {
            if let Some(long) = a.get_long() {
                let name = leak(env_name(long));
                return a.env(name);
            }
        }
        a
    });
    let Some((path, explicit)) = settings_file(args) else {
        return Ok(cmd);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(cmd),
        Err(e) => return Err(format!("reading the settings file {}: {e}", path.display())),
    };
    let table: toml::Table = text.parse().map_err(|e| {
        format!(
            "the settings file {} is not valid TOML: {e}",
            path.display()
        )
    })?;
    // (key as the file writes it, the argument's id)
    let globals: Vec<(String, String)> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set() && a.get_id() != "config")
        .filter_map(|a| {
            a.get_long()
                .map(|l| (l.replace('-', "_"), a.get_id().to_string()))
        })
        .collect();
    for (key, value) in table {
        let Some((_, id)) = globals.iter().find(|(k, _)| *k == key.replace('-', "_")) else {
            let known: Vec<&str> = globals.iter().map(|(k, _)| k.as_str()).collect();
            return Err(format!(
                "the settings file {} has an unknown key `{key}`: it takes {}",
                path.display(),
                known.join(", ")
            ));
        };
        let id = id.clone();
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "the settings file {}: `{key}` must be a string, number or boolean, not {}",
                    path.display(),
                    other.type_str()
                ))
            }
        };
        let value = leak(value);
        cmd = cmd.mut_arg(id.as_str(), |a| a.default_value(value));
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command an operator can run shows an example in its `--help`.
    #[test]
    fn every_command_has_an_example_in_its_help() {
        fn walk(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name()).trim().to_string();
            let leaf = !cmd.has_subcommands();
            let help = cmd.render_long_help().to_string();
            if leaf && !help.contains("Example") {
                missing.push(path.clone());
            }
            for sub in cmd.get_subcommands_mut() {
                if sub.get_name() != "help" {
                    walk(sub, &path, missing);
                }
            }
        }
        let mut missing = Vec::new();
        walk(&mut Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no example in --help: {missing:?}");
    }
}
