//! `validate`: the evidence that the new layout holds what the old one holds, gathered before
//! readers are switched (phase 4's gate reads the newest passing run).
//!
//! For every master it compares the old table (or its `ra_old_*` archive) with its `ra_mst_*` copy:
//! row counts, and content through an order-independent hash per key range, drilling down to keys
//! and columns only where a range differs. It checks every repointed relationship for orphans, proves
//! the protected tables are as `init` fingerprinted them, and lists what the mapping does not know
//! and the readers still on old names.
//!
//! Masters, relationships and readers are read in one read-only REPEATABLE READ transaction: both
//! sides of a table, the drill-down and the foreign-key checks see the same snapshot, so a write
//! that lands meanwhile (dual-write keeps both sides in step inside one transaction) cannot read as
//! a difference. The protected tables are fingerprinted afterwards, one statement each, so their
//! owners' DDL never waits for the whole run. Every check is set-based: a fixed number of
//! statements per table, never one per row.
//!
//! Domain code never prints; `render_terminal`, `render_markdown` and `write_reports` format the
//! returned [`ValidationReport`].
//!
//! [`comparison`] compares the masters, [`relationships`] checks the repointed foreign keys,
//! [`render`] formats the report; this module runs them in one snapshot and judges the result.

mod comparison;
mod relationships;
mod render;

pub(crate) use comparison::compare_table;
pub use comparison::{Comparison, DiffKind, KeyDiff, TableResult};
pub use relationships::{FkResult, Orphan};
pub use render::{render_markdown, render_terminal, write_reports};

use crate::phase::{create, Phase};
use crate::schema::catalog::{mentioned_tables, Catalog};
use crate::schema::mapping::Mapping;
use crate::state;
use anyhow::{ensure, Context, Result};
use chrono::{DateTime, Utc};
use postgres::{Client, GenericClient, IsolationLevel};
use relationships::{check_relationships, relationships};
use render::count_text;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How many problems the one-line verdict names before "and N more".
const VERDICT_PROBLEMS: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct ValidateOptions {
    /// Differing keys (per table) and orphans (per relationship) named in the report.
    pub sample_keys: usize,
    /// Key ranges per table: a difference costs a drill-down into its ranges only.
    pub buckets: u32,
    /// Also count orphans of relationships a valid, enforced constraint already guarantees.
    pub deep: bool,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        ValidateOptions {
            sample_keys: 5,
            buckets: 64,
            deep: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// Database clock, start of the snapshot every check read.
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The database, without its password.
    pub database: String,
    pub schema: String,
    pub phase: PhaseInfo,
    pub options: ValidateOptions,
    /// One per master of the mapping, in dependency order.
    pub tables: Vec<TableResult>,
    pub foreign_keys: Vec<FkResult>,
    /// `ra_*` tables the mapping does not know (reported, not guessed at).
    pub unknown_tables: Vec<String>,
    /// Views and functions that still name an old master (or its archive).
    pub stale_readers: Vec<StaleReader>,
    /// Phase 4 or later is in effect: a stale reader is a failure, not a to-do.
    pub readers_must_be_switched: bool,
    pub protected: Vec<ProtectedResult>,
    /// Publications that do not follow the migration: a new master missing from a publication
    /// its old table is in (subscribers would stop receiving its changes at the archive), or an
    /// archived table still published.
    pub publications: Vec<String>,
    /// The tables, their foreign keys and states, and the timing of every phase run.
    pub overview: crate::report::overview::Overview,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseInfo {
    /// Highest phase in effect; 0 when none.
    pub number: i16,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaleReader {
    /// `view`, `materialized view` or `function`.
    pub kind: String,
    pub name: String,
    /// The old names it reads or mentions.
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtectedResult {
    pub table: String,
    pub status: ProtectedStatus,
    pub recorded_rows: Option<i64>,
    pub current_rows: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectedStatus {
    Unchanged,
    Changed,
    /// Fingerprinted at init, gone now.
    Missing,
    /// Matches a protected pattern, but was not there at init.
    Added,
}

impl StaleReader {
    fn describe(&self) -> String {
        format!(
            "{} {} still names {}",
            self.kind,
            self.name,
            self.references.join(", ")
        )
    }
}

impl ProtectedResult {
    fn problem(&self) -> Option<String> {
        let rows = |n: Option<i64>| count_text(n);
        match self.status {
            ProtectedStatus::Unchanged => None,
            ProtectedStatus::Changed => Some(format!(
                "protected table {} changed since init (rows then {}, now {})",
                self.table,
                rows(self.recorded_rows),
                rows(self.current_rows)
            )),
            ProtectedStatus::Missing => Some(format!(
                "protected table {} was fingerprinted at init and no longer exists",
                self.table
            )),
            ProtectedStatus::Added => Some(format!(
                "protected table {} appeared after init (no fingerprint to prove it untouched)",
                self.table
            )),
        }
    }
}

impl PhaseInfo {
    /// The highest phase in effect (`current`), or phase 0 `none`, `not started`.
    pub fn of(current: Option<&state::PhaseRow>) -> PhaseInfo {
        PhaseInfo {
            number: current.map(|r| r.phase.number()).unwrap_or(0),
            name: current
                .map(|r| r.phase.name().to_string())
                .unwrap_or_else(|| "none".into()),
            status: current
                .map(|r| r.status.as_str().to_string())
                .unwrap_or_else(|| "not started".into()),
        }
    }
}

impl ValidationReport {
    pub fn passed(&self) -> bool {
        self.problems().is_empty()
    }

    /// Everything that fails the report, one line each.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tables
            .iter()
            .filter_map(TableResult::problem)
            .collect();
        out.extend(self.foreign_keys.iter().filter_map(FkResult::problem));
        if self.readers_must_be_switched {
            out.extend(self.stale_readers.iter().map(|r| {
                format!(
                    "{} although phase {} is in effect",
                    r.describe(),
                    self.phase.number
                )
            }));
        }
        out.extend(self.protected.iter().filter_map(ProtectedResult::problem));
        out.extend(self.publications.iter().cloned());
        out
    }

    /// What an operator should know but that does not fail the report.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.tables.iter().flat_map(TableResult::warnings).collect();
        if !self.unknown_tables.is_empty() {
            out.push(format!(
                "tables the mapping does not know (left alone): {}",
                self.unknown_tables.join(", ")
            ));
        }
        if !self.readers_must_be_switched {
            out.extend(
                self.stale_readers
                    .iter()
                    .map(|r| format!("{}: to switch in phase 4", r.describe())),
            );
        }
        out
    }

    /// One line: PASSED or FAILED, and why.
    pub fn verdict(&self) -> String {
        let problems = self.problems();
        if problems.is_empty() {
            let warnings = self.warnings().len();
            let compared = self
                .tables
                .iter()
                .filter(|t| t.outcome == Comparison::Equal)
                .count();
            let scanned = self
                .foreign_keys
                .iter()
                .filter(|f| f.orphans.is_some())
                .count();
            let enforced = self
                .foreign_keys
                .iter()
                .filter(|f| f.orphans.is_none() && f.enforced)
                .count();
            return format!(
                "PASSED: {compared} of {} masters identical, {} relationships intact ({enforced} enforced by a valid constraint, {scanned} scanned: no orphans), {} protected table(s) unchanged{}",
                self.tables.len(),
                self.foreign_keys.len(),
                self.protected.len(),
                if warnings > 0 {
                    format!(" ({warnings} warning(s))")
                } else {
                    String::new()
                }
            );
        }
        let shown: Vec<&str> = problems
            .iter()
            .take(VERDICT_PROBLEMS)
            .map(String::as_str)
            .collect();
        format!(
            "FAILED: {} problem(s): {}{}",
            problems.len(),
            shown.join("; "),
            if problems.len() > VERDICT_PROBLEMS {
                format!("; and {} more", problems.len() - VERDICT_PROBLEMS)
            } else {
                String::new()
            }
        )
    }

    /// The report as JSON, with the computed `passed`, `verdict`, `problems` and `warnings`, so
    /// automation need not recompute them.
    pub fn to_json(&self) -> Result<serde_json::Value> {
        let mut v = serde_json::to_value(self).context("serialising the validation report")?;
        if let Some(o) = v.as_object_mut() {
            o.insert("passed".into(), self.passed().into());
            o.insert("verdict".into(), self.verdict().into());
            o.insert("problems".into(), self.problems().into());
            o.insert("warnings".into(), self.warnings().into());
        }
        Ok(v)
    }
}

/// Validates the database against `mapping`; see the module documentation for what is checked.
pub fn run(
    client: &mut Client,
    mapping: &Mapping,
    schema: &str,
    database_label: &str,
    opts: &ValidateOptions,
) -> Result<ValidationReport> {
    ensure!(
        opts.buckets > 0,
        "validate needs at least one key range (buckets = 0)"
    );
    state::require_init(client)?;
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .context("starting the read-only snapshot validate reads everything from")?;
    // The planner cannot know that `hash % buckets` has only `buckets` values: it estimates a
    // group per row, which makes JIT compile (about 0.3 s a statement, more than the statement
    // itself takes here) and steers the aggregate to a sort of whole rows (see `compare_table`).
    tx.batch_execute("SET LOCAL jit = off")
        .context("turning JIT off for the validation")?;
    let started_at: DateTime<Utc> = tx
        .query_one("SELECT now()", &[])
        .context("reading the database clock")?
        .get(0);
    let current = state::current(&mut tx)?;
    let phase = PhaseInfo::of(current.as_ref());
    let cat = Catalog::read(&mut tx, schema)
        .with_context(|| format!("reading the catalog of schema {schema}"))?;

    let archived_first = phase.number >= Phase::Archive.number();
    let mut tables = Vec::new();
    for m in mapping.masters() {
        let r = compare_table(&mut tx, &cat, m, archived_first, opts)
            .with_context(|| format!("comparing master {} with its copy", m.name))?;
        tables.push(r);
    }
    // A wrong --schema or database would otherwise "pass" with every master absent.
    ensure!(
        tables.iter().any(|t| t.outcome != Comparison::Absent),
        "none of the mapping's masters exists in schema {schema}, under its old, new or archived name: is this the right database and schema?"
    );

    let deferred = match state::phase_row(&mut tx, Phase::Create)? {
        Some(r) if r.status.is_in_effect() => r.record::<create::Record>()?.deferred.clone(),
        _ => Vec::new(),
    };
    let relationships = relationships(&cat, mapping, &deferred);
    let foreign_keys = check_relationships(&mut tx, &cat, schema, relationships, opts)?;

    let unknown_tables = unknown_tables(&cat, mapping);
    let publications = publication_problems(&cat, mapping);
    let stale_readers = stale_readers(&mut tx, &cat, mapping)?;
    let overview = crate::report::overview::gather(&mut tx, &cat, mapping)
        .context("gathering the tables, foreign keys and phase timing")?;
    tx.commit().context("ending the validation snapshot")?;

    // Outside the snapshot, one statement per table: a transaction holds its locks to the end, and
    // the odds workers' own DDL should wait for one table's scan at most, not for the whole run.
    let protected = check_protected(client, mapping)?;
    let finished_at: DateTime<Utc> = client
        .query_one("SELECT clock_timestamp()", &[])
        .context("reading the database clock")?
        .get(0);
    Ok(ValidationReport {
        started_at,
        finished_at,
        database: database_label.to_string(),
        schema: schema.to_string(),
        readers_must_be_switched: phase.number >= Phase::SwitchReaders.number(),
        phase,
        options: opts.clone(),
        tables,
        foreign_keys,
        unknown_tables,
        stale_readers,
        protected,
        publications,
        overview,
    })
}

fn publication_problems(cat: &Catalog, mapping: &Mapping) -> Vec<String> {
    let mut out = Vec::new();
    for m in mapping.masters() {
        let Some(new_name) = m.new_name.as_deref() else {
            continue;
        };
        let new = cat.table(new_name);
        if let (Some(old), Some(new)) = (cat.table(&m.name), new) {
            for p in &old.publications {
                match new.publications.iter().find(|n| n.name == p.name) {
                    None => out.push(format!(
                        "{} is in publication {} but {new_name} is not: its subscribers would stop receiving changes at the archive",
                        m.name, p.name
                    )),
                    Some(n) if n.columns != p.columns => out.push(format!(
                        "publication {} lists other columns of {new_name} than of {}",
                        p.name, m.name
                    )),
                    Some(_) => {}
                }
            }
        }
        if let Some(archived) = cat.table(&m.archived_name()) {
            for p in &archived.publications {
                out.push(format!(
                    "{} (archived) is still in publication {}: its subscribers receive nothing from {new_name}",
                    archived.name, p.name
                ));
            }
        }
    }
    out
}
// ---- what the mapping does not cover ----

/// The `ra_*` tables of the schema that the mapping does not know (neither old, new, archived nor
/// protected).
pub(crate) fn unknown_tables(cat: &Catalog, mapping: &Mapping) -> Vec<String> {
    let mut known = BTreeSet::new();
    for t in &mapping.tables {
        known.insert(t.name.clone());
        known.insert(t.archived_name());
        known.extend(t.new_name.clone());
    }
    cat.tables
        .keys()
        .filter(|n| n.starts_with("ra_") && !known.contains(*n) && !mapping.is_protected(n))
        .cloned()
        .collect()
}

/// Views reading an old master (or, after phase 5, its archive: a view follows the renamed table),
/// and functions naming one in their body.
fn stale_readers(
    c: &mut impl GenericClient,
    cat: &Catalog,
    mapping: &Mapping,
) -> Result<Vec<StaleReader>> {
    let old: BTreeSet<String> = mapping
        .masters()
        .flat_map(|m| [m.name.clone(), m.archived_name()])
        .collect();
    let mut out: Vec<StaleReader> = cat
        .views_reading(&old)
        .map(|v| StaleReader {
            kind: if v.relkind == "m" {
                "materialized view".into()
            } else {
                "view".into()
            },
            name: format!("{}.{}", v.schema, v.name),
            references: v.reads.intersection(&old).cloned().collect(),
        })
        .collect();
    // The catalog only matches bodies against tables that exist; after phase 5 renamed the old
    // masters, a body still naming `ra_horses` is exactly the reader that breaks, so match here
    // against the old names themselves. Same filter as the catalog: the tool's own functions
    // (dual-write) and extension functions are not readers to switch.
    let rows = c
        .query(
            "SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                    p.prosrc
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'ra_migrate')
               AND n.nspname NOT LIKE 'pg_toast%' AND p.prokind IN ('f', 'p')
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                               AND d.objid = p.oid AND d.deptype = 'e')
             ORDER BY 1",
            &[],
        )
        .context("reading function bodies")?;
    for row in rows {
        let body: Option<String> = row.get(1);
        let named = mentioned_tables(body.as_deref().unwrap_or(""), &old);
        if !named.is_empty() {
            out.push(StaleReader {
                kind: "function".into(),
                name: row.get(0),
                references: named.into_iter().collect(),
            });
        }
    }
    Ok(out)
}

fn check_protected(c: &mut impl GenericClient, mapping: &Mapping) -> Result<Vec<ProtectedResult>> {
    let now: BTreeMap<String, (i64, String)> = state::protected_fingerprints(c, &mapping.protected)
        .context("fingerprinting the protected tables")?
        .into_iter()
        .map(|(t, n, fp)| (t, (n, fp)))
        .collect();
    let recorded: BTreeMap<String, (i64, String)> = c
        .query(
            "SELECT table_name, row_count, fingerprint FROM ra_migrate.protected_fingerprint",
            &[],
        )
        .context("reading the protected tables' fingerprints recorded at init")?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    let names: BTreeSet<&String> = now.keys().chain(recorded.keys()).collect();
    Ok(names
        .into_iter()
        .map(|t| {
            let (then, cur) = (recorded.get(t), now.get(t));
            let status = match (then, cur) {
                (Some(a), Some(b)) if a == b => ProtectedStatus::Unchanged,
                (Some(_), Some(_)) => ProtectedStatus::Changed,
                (Some(_), None) => ProtectedStatus::Missing,
                (None, _) => ProtectedStatus::Added,
            };
            ProtectedResult {
                table: t.clone(),
                status,
                recorded_rows: then.map(|x| x.0),
                current_rows: cur.map(|x| x.0),
            }
        })
        .collect())
}

// ---- the record phase 4's gate reads ----

/// Records a finished validation in `ra_migrate.validation_run`; returns its id.
pub fn record(
    client: &mut impl GenericClient,
    report: &ValidationReport,
    report_path: Option<&str>,
) -> Result<i64> {
    Ok(client
        .query_one(
            "INSERT INTO ra_migrate.validation_run
                 (started_at, finished_at, phase, passed, summary, report_path)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[
                &report.started_at,
                &report.finished_at,
                &report.phase.number,
                &report.passed(),
                &report.to_json()?,
                &report_path,
            ],
        )
        .context("recording the validation run in ra_migrate.validation_run")?
        .get(0))
}
