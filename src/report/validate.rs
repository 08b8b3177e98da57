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

use crate::phase::{create, Phase};
use crate::report::markdown_cell;
use crate::schema::catalog::{mentioned_tables, Catalog, Table};
use crate::schema::mapping::{Kind, Mapping, TableMap};
use crate::state;
use anyhow::{ensure, Context, Result};
use chrono::{DateTime, Utc};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table as TextTable};
use postgres::{Client, GenericClient, IsolationLevel};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Clears the sign bit so `% buckets` of a 64-bit hash is never negative.
const NON_NEGATIVE: &str = "9223372036854775807";
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
pub struct TableResult {
    /// The master's name in the mapping.
    pub table: String,
    /// The old table compared: the mapped name, or its archive once phase 5 renamed it.
    pub old_table: Option<String>,
    pub new_table: String,
    pub old_rows: Option<i64>,
    pub new_rows: Option<i64>,
    /// The old table's primary key, which matches rows across the two sides.
    pub key: Vec<String>,
    /// Columns both tables have, in the old table's order: what the content comparison covers.
    pub columns_compared: Vec<String>,
    /// Data the new table cannot hold: a failure.
    pub only_in_old: Vec<String>,
    /// Columns the new layout added: not compared, a warning.
    pub only_in_new: Vec<String>,
    pub outcome: Comparison,
    pub differing_buckets: u32,
    pub missing_in_new: i64,
    pub missing_in_old: i64,
    pub different: i64,
    /// Up to `sample_keys` differing keys, in key order.
    pub samples: Vec<KeyDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Comparison {
    Equal,
    Different,
    /// The new table does not exist: phase 1 is not applied (or was rolled back).
    NewMissing,
    /// Neither the old table nor its archive exists, but the new one does.
    OldMissing,
    /// The master exists on neither side: it is not part of this database.
    Absent,
    NotComparable {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    MissingInNew,
    MissingInOld,
    Different,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyDiff {
    /// The key as text (`(a,b)` for a composite key).
    pub key: String,
    pub kind: DiffKind,
    /// For `different`: the compared columns whose values differ.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FkResult {
    /// The referencing table in the new layout.
    pub table: String,
    pub columns: Vec<String>,
    /// The referenced table in the new layout (a new master).
    pub references: String,
    pub ref_columns: Vec<String>,
    /// Where the relationship comes from: an old constraint deferred by phase 1, or the mapping.
    pub origin: String,
    /// The constraint as it exists now, if it does (phase 3 adds it).
    pub constraint: Option<String>,
    /// `convalidated` of that constraint: NOT VALID fails the report.
    pub validated: Option<bool>,
    /// The constraint is validated and its triggers are enabled: PostgreSQL checked every row
    /// when it was validated and checks every write since, so no orphan can exist and the
    /// relationship was not scanned again (unless `deep`).
    pub enforced: bool,
    /// `None` when the relationship was not scanned (`enforced`, or see `not_checked`).
    pub orphans: Option<i64>,
    /// Up to `sample_keys` orphans.
    pub samples: Vec<Orphan>,
    pub not_checked: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Orphan {
    /// The referencing row's primary key (its `ctid` when it has none).
    pub key: String,
    /// The value that has no referenced row.
    pub value: String,
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

impl TableResult {
    pub fn differing_keys(&self) -> i64 {
        self.missing_in_new + self.missing_in_old + self.different
    }

    pub fn passed(&self) -> bool {
        self.problem().is_none()
    }

    /// Why this table fails the report, in one line.
    pub fn problem(&self) -> Option<String> {
        let old = self.old_table.as_deref().unwrap_or(&self.table);
        let content = match &self.outcome {
            Comparison::Equal | Comparison::Absent => None,
            Comparison::NewMissing => Some(format!(
                "{}: missing, so {old} has no copy (phase 1 is not applied)",
                self.new_table
            )),
            Comparison::OldMissing => Some(format!(
                "{}: neither {} nor its archive {} exists, so the copy cannot be checked",
                self.new_table,
                self.table,
                crate::schema::mapping::archived_name(&self.table)
            )),
            Comparison::NotComparable { reason } => Some(format!(
                "{}: content not comparable with {old}: {reason}",
                self.new_table
            )),
            // Only a key that matches several rows (a copy without its primary key) makes the
            // ranges differ while no single key does.
            Comparison::Different if self.differing_keys() == 0 => Some(format!(
                "{}: {} key range(s) differ from {old} ({} rows there, {} here) but no single key does: look for duplicate keys",
                self.new_table,
                self.differing_buckets,
                count_text(self.old_rows),
                count_text(self.new_rows)
            )),
            Comparison::Different => Some(format!(
                "{}: {} differing key(s) against {old} ({} rows there, {} here){}",
                self.new_table,
                self.differing_keys(),
                count_text(self.old_rows),
                count_text(self.new_rows),
                match self.samples.first() {
                    Some(s) => format!(", e.g. {}", s.describe()),
                    None => String::new(),
                }
            )),
        };
        let columns = (!self.only_in_old.is_empty()).then(|| {
            format!(
                "{}: lacks column(s) {} of {old}, whose values would be lost",
                self.new_table,
                self.only_in_old.join(", ")
            )
        });
        match (content, columns) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        }
    }

    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.only_in_new.is_empty() {
            out.push(format!(
                "{}: column(s) {} exist only in the new table and are not compared",
                self.new_table,
                self.only_in_new.join(", ")
            ));
        }
        if self.outcome == Comparison::Absent {
            out.push(format!(
                "{}: mapped as a master but exists neither as {} nor as {}: nothing to compare",
                self.table,
                self.new_table,
                crate::schema::mapping::archived_name(&self.table)
            ));
        }
        out
    }

    fn content_text(&self) -> String {
        let mut s = match &self.outcome {
            Comparison::Equal => "ok".to_string(),
            Comparison::Different => {
                let mut parts = Vec::new();
                for (n, what) in [
                    (self.missing_in_new, "missing in new"),
                    (self.missing_in_old, "missing in old"),
                    (self.different, "different"),
                ] {
                    if n > 0 {
                        parts.push(format!("{n} {what}"));
                    }
                }
                format!(
                    "{} differing key(s){}",
                    self.differing_keys(),
                    if parts.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", parts.join(", "))
                    }
                )
            }
            Comparison::NewMissing => "new table missing (phase 1 not applied)".into(),
            Comparison::OldMissing => "old table missing".into(),
            Comparison::Absent => "absent on both sides".into(),
            Comparison::NotComparable { reason } => format!("not comparable: {reason}"),
        };
        if !self.only_in_old.is_empty() {
            s.push_str(&format!("; only in old: {}", self.only_in_old.join(", ")));
        }
        if !self.only_in_new.is_empty() {
            s.push_str(&format!("; only in new: {}", self.only_in_new.join(", ")));
        }
        s
    }
}

impl KeyDiff {
    fn describe(&self) -> String {
        match self.kind {
            DiffKind::MissingInNew => format!("{} missing in new", self.key),
            DiffKind::MissingInOld => format!("{} missing in old", self.key),
            DiffKind::Different if self.columns.is_empty() => format!("{} differs", self.key),
            DiffKind::Different => format!("{} differs in {}", self.key, self.columns.join(", ")),
        }
    }
}

impl FkResult {
    pub fn passed(&self) -> bool {
        self.problem().is_none()
    }

    fn relationship(&self) -> String {
        format!(
            "{}({}) -> {}({})",
            self.table,
            self.columns.join(", "),
            self.references,
            self.ref_columns.join(", ")
        )
    }

    pub fn problem(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(why) = &self.not_checked {
            parts.push(format!("not checked: {why}"));
        }
        if let Some(n) = self.orphans.filter(|n| *n > 0) {
            let samples: Vec<String> = self
                .samples
                .iter()
                .map(|o| format!("{} -> {}", o.key, o.value))
                .collect();
            parts.push(format!(
                "{n} orphan(s){} (`ra-migrate orphans` lists and resolves them)",
                if samples.is_empty() {
                    String::new()
                } else {
                    format!(" (e.g. {})", samples.join(", "))
                }
            ));
        }
        if self.validated == Some(false) {
            parts.push(format!(
                "constraint {} is NOT VALID",
                self.constraint.as_deref().unwrap_or("?")
            ));
        }
        (!parts.is_empty()).then(|| format!("{}: {}", self.relationship(), parts.join("; ")))
    }
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
    let phase = PhaseInfo {
        number: current.as_ref().map(|r| r.phase.number()).unwrap_or(0),
        name: current
            .as_ref()
            .map(|r| r.phase.name().to_string())
            .unwrap_or_else(|| "none".into()),
        status: current
            .as_ref()
            .map(|r| r.status.as_str().to_string())
            .unwrap_or_else(|| "not started".into()),
    };
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

// ---- content comparison ----

pub(crate) fn compare_table(
    c: &mut impl GenericClient,
    cat: &Catalog,
    m: &TableMap,
    archived_first: bool,
    opts: &ValidateOptions,
) -> Result<TableResult> {
    let new_name = m.new_name.clone().expect("a master has a new name");
    let archived = m.archived_name();
    // After phase 5 the archive is the old table; before it, a stray table under the archive name
    // must not be mistaken for it.
    let candidates = if archived_first {
        [archived.as_str(), m.name.as_str()]
    } else {
        [m.name.as_str(), archived.as_str()]
    };
    let old = candidates.iter().find_map(|n| cat.table(n));
    let new = cat.table(&new_name);
    let mut r = TableResult {
        table: m.name.clone(),
        old_table: old.map(|t| t.name.clone()),
        new_table: new_name,
        old_rows: None,
        new_rows: None,
        key: Vec::new(),
        columns_compared: Vec::new(),
        only_in_old: Vec::new(),
        only_in_new: Vec::new(),
        outcome: Comparison::Absent,
        differing_buckets: 0,
        missing_in_new: 0,
        missing_in_old: 0,
        different: 0,
        samples: Vec::new(),
    };
    let (old, new) = match (old, new) {
        (None, None) => return Ok(r),
        (None, Some(n)) => {
            r.new_rows = Some(count(c, cat, n)?);
            r.outcome = Comparison::OldMissing;
            return Ok(r);
        }
        (Some(o), None) => {
            r.old_rows = Some(count(c, cat, o)?);
            r.outcome = Comparison::NewMissing;
            return Ok(r);
        }
        (Some(o), Some(n)) => (o, n),
    };
    let new_cols: BTreeSet<&str> = new.columns.iter().map(|c| c.name.as_str()).collect();
    let old_cols: BTreeSet<&str> = old.columns.iter().map(|c| c.name.as_str()).collect();
    r.columns_compared = old
        .columns
        .iter()
        .filter(|c| new_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    r.only_in_old = old
        .columns
        .iter()
        .filter(|c| !new_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    r.only_in_new = new
        .columns
        .iter()
        .filter(|c| !old_cols.contains(c.name.as_str()))
        .map(|c| c.name.clone())
        .collect();
    let Some(key) = primary_key(old) else {
        let (o, n) = count_both(c, cat, old, new)?;
        (r.old_rows, r.new_rows) = (Some(o), Some(n));
        r.outcome = Comparison::NotComparable {
            reason: format!("{} has no primary key, so rows cannot be matched", old.name),
        };
        return Ok(r);
    };
    r.key = key;
    if let Some(k) = r.key.iter().find(|k| !new_cols.contains(k.as_str())) {
        let (o, n) = count_both(c, cat, old, new)?;
        (r.old_rows, r.new_rows) = (Some(o), Some(n));
        r.outcome = Comparison::NotComparable {
            reason: format!("key column {k} of {} is missing", old.name),
        };
        return Ok(r);
    }

    let sql = Exprs::new(cat, &r.key, &r.columns_compared, opts.buckets);
    let started = std::time::Instant::now();
    // With a group estimated per row the planner sorts every row, all columns wide, by bucket; a
    // hash aggregate of `buckets` groups needs no sort at all.
    c.batch_execute("SET LOCAL enable_sort = off")
        .context("preparing the per-range aggregate")?;
    let buckets = c
        .query(
            &sql.aggregate(&cat.qualified(&old.name), &cat.qualified(&new.name)),
            &[],
        )
        .with_context(|| format!("hashing {} and {} per key range", old.name, new.name))?;
    c.batch_execute("RESET enable_sort")
        .context("restoring enable_sort after the per-range aggregate")?;
    tracing::info!(
        "validate: hashed {} and {} in {:?}",
        old.name,
        new.name,
        started.elapsed()
    );
    let (mut old_rows, mut new_rows) = (0i64, 0i64);
    let mut differing: Vec<i32> = Vec::new();
    for b in &buckets {
        let (o, n, same): (i64, i64, bool) = (b.get(1), b.get(2), b.get(3));
        old_rows += o;
        new_rows += n;
        if o != n || !same {
            differing.push(b.get(0));
        }
    }
    (r.old_rows, r.new_rows) = (Some(old_rows), Some(new_rows));
    r.differing_buckets = differing.len() as u32;
    if differing.is_empty() {
        r.outcome = Comparison::Equal;
        return Ok(r);
    }
    r.outcome = Comparison::Different;
    // At least one row even when no sample is wanted: the counts travel on every row.
    let limit = opts.sample_keys.max(1) as i64;
    let rows = c
        .query(
            &sql.drill_down(&cat.qualified(&old.name), &cat.qualified(&new.name)),
            &[&differing, &limit],
        )
        .with_context(|| {
            format!(
                "listing the differing keys of {} and {} in {} key range(s)",
                old.name,
                new.name,
                differing.len()
            )
        })?;
    if let Some(first) = rows.first() {
        r.missing_in_new = first.get(3);
        r.missing_in_old = first.get(4);
        r.different = first.get(5);
    }
    r.samples = rows
        .iter()
        .take(opts.sample_keys)
        .map(|row| {
            let kind = match row.get::<_, i32>(1) {
                0 => DiffKind::MissingInNew,
                1 => DiffKind::MissingInOld,
                _ => DiffKind::Different,
            };
            let differs: Vec<bool> = row.get(2);
            KeyDiff {
                key: row.get(0),
                kind,
                columns: if kind == DiffKind::Different {
                    r.columns_compared
                        .iter()
                        .zip(differs)
                        .filter(|(_, d)| *d)
                        .map(|(c, _)| c.clone())
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    Ok(r)
}

/// The SQL expressions of one table comparison, over alias `t`.
struct Exprs {
    /// The key as text: rows are matched on it, and it picks the key range.
    key: String,
    /// The compared columns as one text: a row's content.
    row: String,
    /// Key range of a row, 0..buckets.
    bucket: String,
    /// `t.col AS c1, ...` for the per-column comparison.
    columns: Vec<String>,
}

impl Exprs {
    fn new(cat: &Catalog, key: &[String], columns: &[String], buckets: u32) -> Exprs {
        let col = |c: &String| format!("t.{}", cat.quote(c));
        // Text keeps the comparison type-agnostic (varchar(50) vs text, int vs bigint) and equal to
        // what the hash sees; a record's text form tells NULL from '' and quotes separators.
        let key_expr = match key {
            [one] => format!("{}::text", col(one)),
            many => format!(
                "ROW({})::text",
                many.iter().map(col).collect::<Vec<_>>().join(", ")
            ),
        };
        let row = format!(
            "ROW({})::text",
            columns.iter().map(col).collect::<Vec<_>>().join(", ")
        );
        let bucket =
            format!("((hashtextextended({key_expr}, 0) & {NON_NEGATIVE}) % {buckets})::int");
        Exprs {
            key: key_expr,
            row,
            bucket,
            columns: columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{} AS c{i}", col(c)))
                .collect(),
        }
    }

    /// One statement, one scan per side: (bucket, old rows, new rows, equal sums). `sum(bigint)` is
    /// numeric, so the sum of 64-bit row hashes cannot overflow; order does not matter to a sum.
    fn aggregate(&self, old: &str, new: &str) -> String {
        let side = |table: &str| {
            format!(
                "SELECT {b} AS b, count(*) AS n, sum(hashtextextended({r}, 1)) AS s FROM {table} AS t GROUP BY 1",
                b = self.bucket,
                r = self.row
            )
        };
        format!(
            "WITH o AS ({}), n AS ({})
             SELECT coalesce(o.b, n.b), coalesce(o.n, 0), coalesce(n.n, 0), o.s IS NOT DISTINCT FROM n.s
             FROM o FULL JOIN n ON o.b = n.b",
            side(old),
            side(new)
        )
    }

    /// The differing keys of the key ranges in `$1`, at most `$2` of them in key order, each with its
    /// kind (0 missing in new, 1 missing in old, 2 different), a per-column "differs" array, and the
    /// total count of each kind.
    fn drill_down(&self, old: &str, new: &str) -> String {
        let side = |table: &str| {
            format!(
                "SELECT {k} AS k, {r} AS r, {cols} FROM {table} AS t WHERE {b} = ANY($1)",
                k = self.key,
                r = self.row,
                cols = self.columns.join(", "),
                b = self.bucket
            )
        };
        // Per column as text, like the hash: json has no equality operator, and numeric 1.0 vs 1.00
        // must count as different here exactly when it did in the hash.
        let differs: Vec<String> = (0..self.columns.len())
            .map(|i| format!("o.c{i}::text IS DISTINCT FROM n.c{i}::text"))
            .collect();
        format!(
            "WITH o AS ({}), n AS ({}),
             d AS (SELECT coalesce(o.k, n.k) AS k,
                          CASE WHEN n.k IS NULL THEN 0 WHEN o.k IS NULL THEN 1 ELSE 2 END AS kind,
                          ARRAY[{}] AS differs
                   FROM o FULL JOIN n ON o.k = n.k
                   WHERE o.k IS NULL OR n.k IS NULL OR o.r IS DISTINCT FROM n.r)
             SELECT k, kind, differs,
                    count(*) FILTER (WHERE kind = 0) OVER (),
                    count(*) FILTER (WHERE kind = 1) OVER (),
                    count(*) FILTER (WHERE kind = 2) OVER ()
             FROM d ORDER BY k LIMIT $2",
            side(old),
            side(new),
            differs.join(", ")
        )
    }
}

fn primary_key(t: &Table) -> Option<Vec<String>> {
    t.constraints
        .iter()
        .find(|c| c.kind == "p")
        .map(|c| c.columns.clone())
}

fn count(c: &mut impl GenericClient, cat: &Catalog, t: &Table) -> Result<i64> {
    Ok(c.query_one(
        &format!("SELECT count(*) FROM {}", cat.qualified(&t.name)),
        &[],
    )
    .with_context(|| format!("counting rows of {}", t.name))?
    .get(0))
}

fn count_both(
    c: &mut impl GenericClient,
    cat: &Catalog,
    old: &Table,
    new: &Table,
) -> Result<(i64, i64)> {
    let row = c
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})",
                cat.qualified(&old.name),
                cat.qualified(&new.name)
            ),
            &[],
        )
        .with_context(|| format!("counting rows of {} and {}", old.name, new.name))?;
    Ok((row.get(0), row.get(1)))
}

// ---- repointed relationships ----

/// A relationship of the new layout to check for orphans.
struct Relationship {
    table: String,
    columns: Vec<String>,
    references: String,
    ref_columns: Vec<String>,
    origin: String,
    /// The constraint name phase 3 gives it, when known.
    constraint: Option<String>,
}

/// The deferred foreign keys of phase 1, then the mapping's implicit relationships (repointed to
/// the new masters), without duplicates.
fn relationships(
    cat: &Catalog,
    mapping: &Mapping,
    deferred: &[crate::phase::DeferredFk],
) -> Vec<Relationship> {
    let mut out: Vec<Relationship> = deferred
        .iter()
        .map(|d| Relationship {
            table: d.table.clone(),
            columns: d.columns.clone(),
            references: d.references.clone(),
            ref_columns: d.ref_columns.clone(),
            origin: format!("{}.{}", d.from_table, d.from_constraint),
            constraint: Some(d.constraint.clone()),
        })
        .collect();
    for t in &mapping.tables {
        // The relationship is checked where it will live: a master's rows are in its new table.
        let table = match t.kind {
            Kind::Master => t.new_name.clone().expect("a master has a new name"),
            Kind::Fact => t.name.clone(),
            Kind::Deprecated => continue,
        };
        for i in &t.implicit {
            let Some(references) = mapping.new_name_of(&i.references) else {
                continue;
            };
            let columns = vec![i.column.clone()];
            let duplicate = out
                .iter()
                .any(|r| r.table == table && r.columns == columns && r.references == references);
            if duplicate {
                continue;
            }
            // The implicit reference is to the master's key, as the new table (or else the old) has it.
            let ref_columns = cat
                .table(references)
                .or_else(|| cat.table(&i.references))
                .and_then(primary_key)
                .unwrap_or_default();
            out.push(Relationship {
                table: table.clone(),
                columns,
                references: references.to_string(),
                ref_columns,
                origin: format!("implicit in the mapping ({}.{})", t.name, i.column),
                constraint: None,
            });
        }
    }
    out
}

/// `(table, constraint)` of the foreign keys in `schema` that PostgreSQL enforces: validated, and
/// none of their triggers disabled (`ALTER TABLE ... DISABLE TRIGGER ALL` lets orphans in
/// while the constraint still reads as valid).
fn enforced_constraints(
    c: &mut impl GenericClient,
    schema: &str,
) -> Result<BTreeSet<(String, String)>> {
    let rows = c
        .query(
            "SELECT cl.relname::text, con.conname::text \
               FROM pg_constraint con \
               JOIN pg_class cl ON cl.oid = con.conrelid \
               JOIN pg_namespace n ON n.oid = cl.relnamespace \
              WHERE n.nspname = $1 AND con.contype = 'f' AND con.convalidated \
                AND NOT EXISTS (SELECT 1 FROM pg_trigger t \
                                 WHERE t.tgconstraint = con.oid AND t.tgenabled = 'D')",
            &[&schema],
        )
        .context("reading which foreign keys PostgreSQL enforces")?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

fn check_relationships(
    c: &mut impl GenericClient,
    cat: &Catalog,
    schema: &str,
    rels: Vec<Relationship>,
    opts: &ValidateOptions,
) -> Result<Vec<FkResult>> {
    let sample_keys = opts.sample_keys;
    let enforced = enforced_constraints(c, schema)?;
    let mut results: Vec<FkResult> = rels
        .iter()
        .map(|r| {
            let found = cat.table(&r.table).and_then(|t| {
                t.constraints
                    .iter()
                    .filter(|k| k.kind == "f")
                    .find(|k| Some(&k.name) == r.constraint.as_ref())
                    .or_else(|| {
                        t.constraints.iter().find(|k| {
                            k.kind == "f"
                                && k.columns == r.columns
                                && k.ref_table.as_deref() == Some(r.references.as_str())
                        })
                    })
            });
            let not_checked = if cat.table(&r.table).is_none() {
                Some(format!("{} does not exist", r.table))
            } else if cat.table(&r.references).is_none() {
                Some(format!("{} does not exist", r.references))
            } else if r.ref_columns.is_empty() || r.ref_columns.len() != r.columns.len() {
                Some(format!(
                    "no key of {} to match {} against",
                    r.references,
                    r.columns.join(", ")
                ))
            } else {
                None
            };
            FkResult {
                table: r.table.clone(),
                columns: r.columns.clone(),
                references: r.references.clone(),
                ref_columns: r.ref_columns.clone(),
                origin: r.origin.clone(),
                enforced: found
                    .is_some_and(|k| enforced.contains(&(r.table.clone(), k.name.clone()))),
                constraint: found.map(|k| k.name.clone()),
                validated: found.map(|k| k.validated),
                orphans: None,
                samples: Vec::new(),
                not_checked,
            }
        })
        .collect();
    // One scan per referencing table for all its relationships: ra_runners has eight of them.
    // Enforced ones are not scanned: their VALIDATE in phase 3 was that scan.
    let mut by_table: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in results.iter().enumerate() {
        if r.not_checked.is_none() && (opts.deep || !r.enforced) {
            by_table.entry(r.table.clone()).or_default().push(i);
        }
    }
    for (table, idx) in by_table {
        let child = cat.table(&table).expect("checked to exist");
        let joins: Vec<OrphanSql> = idx
            .iter()
            .enumerate()
            .map(|(j, i)| OrphanSql::new(cat, child, &results[*i], j))
            .collect();
        let started = std::time::Instant::now();
        let counts = c
            .query_one(&OrphanSql::count_all(cat, child, &joins), &[])
            .with_context(|| format!("counting orphans of the relationships of {table}"))?;
        tracing::info!(
            "validate: checked {} relationship(s) of {table} in {:?}",
            joins.len(),
            started.elapsed()
        );
        let mut with_orphans = Vec::new();
        for (j, i) in idx.iter().enumerate() {
            let n: i64 = counts.get(j);
            results[*i].orphans = Some(n);
            if n > 0 && sample_keys > 0 {
                with_orphans.push(j);
            }
        }
        if with_orphans.is_empty() {
            continue;
        }
        let sql = OrphanSql::samples(cat, child, &joins, &with_orphans, sample_keys);
        let rows = c
            .query(&sql, &[])
            .with_context(|| format!("sampling orphans of the relationships of {table}"))?;
        for row in rows {
            let j: i32 = row.get(0);
            results[idx[j as usize]].samples.push(Orphan {
                key: row.get(1),
                value: row.get(2),
            });
        }
    }
    Ok(results)
}

/// SQL pieces of one relationship of a referencing table aliased `t`.
struct OrphanSql {
    /// `LEFT JOIN <ref> AS rN ON ...`
    join: String,
    /// True for a row whose (non-null) value has no referenced row.
    orphan: String,
    /// NOT EXISTS form of the same test, for the sampling query that can stop early.
    orphan_exists: String,
    value: String,
}

impl OrphanSql {
    fn new(cat: &Catalog, child: &Table, r: &FkResult, j: usize) -> OrphanSql {
        let parent = cat.table(&r.references).expect("checked to exist");
        let alias = format!("r{j}");
        let base = |t: &Table, c: &str| {
            t.columns
                .iter()
                .find(|x| x.name == c)
                .map(|x| x.type_sql.split('(').next().unwrap_or("").to_string())
        };
        // Implicit relationships were never enforced, so their types may not match: compare as
        // text then, rather than fail on a missing operator.
        let on = |p: &str| -> String {
            r.columns
                .iter()
                .zip(&r.ref_columns)
                .map(|(c, rc)| {
                    let (l, rr) = (
                        format!("t.{}", cat.quote(c)),
                        format!("{p}.{}", cat.quote(rc)),
                    );
                    if base(child, c) == base(parent, rc) {
                        format!("{rr} = {l}")
                    } else {
                        format!("{rr}::text = {l}::text")
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let not_null: Vec<String> = r
            .columns
            .iter()
            .map(|c| format!("t.{} IS NOT NULL", cat.quote(c)))
            .collect();
        // A join to a non-unique key would multiply the referencing rows and inflate the counts.
        let unique = parent.constraints.iter().any(|k| {
            (k.kind == "p" || k.kind == "u")
                && k.columns.iter().collect::<BTreeSet<_>>()
                    == r.ref_columns.iter().collect::<BTreeSet<_>>()
        });
        let parent_sql = if unique {
            cat.qualified(&parent.name)
        } else {
            format!(
                "(SELECT DISTINCT {} FROM {})",
                r.ref_columns
                    .iter()
                    .map(|c| cat.quote(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                cat.qualified(&parent.name)
            )
        };
        let value = match r.columns.as_slice() {
            [one] => format!("t.{}::text", cat.quote(one)),
            many => format!(
                "ROW({})::text",
                many.iter()
                    .map(|c| format!("t.{}", cat.quote(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        OrphanSql {
            join: format!("LEFT JOIN {parent_sql} AS {alias} ON {}", on(&alias)),
            orphan: format!(
                "{} AND {alias}.{} IS NULL",
                not_null.join(" AND "),
                cat.quote(&r.ref_columns[0])
            ),
            orphan_exists: format!(
                "{} AND NOT EXISTS (SELECT 1 FROM {parent_sql} AS p WHERE {})",
                not_null.join(" AND "),
                on("p")
            ),
            value,
        }
    }

    fn count_all(cat: &Catalog, child: &Table, rels: &[OrphanSql]) -> String {
        format!(
            "SELECT {} FROM {} AS t {}",
            rels.iter()
                .map(|r| format!("count(*) FILTER (WHERE {})", r.orphan))
                .collect::<Vec<_>>()
                .join(", "),
            cat.qualified(&child.name),
            rels.iter()
                .map(|r| r.join.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
    }

    /// Up to `limit` orphans of each relationship in `which`; unordered, so each part can stop at
    /// its limit instead of sorting every orphan.
    fn samples(
        cat: &Catalog,
        child: &Table,
        rels: &[OrphanSql],
        which: &[usize],
        limit: usize,
    ) -> String {
        let key = match primary_key(child).as_deref() {
            Some([one]) => format!("t.{}::text", cat.quote(one)),
            Some(many) if !many.is_empty() => format!(
                "ROW({})::text",
                many.iter()
                    .map(|c| format!("t.{}", cat.quote(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "t.ctid::text".to_string(),
        };
        which
            .iter()
            .map(|j| {
                format!(
                    "(SELECT {j}::int, {key}, {} FROM {} AS t WHERE {} LIMIT {limit})",
                    rels[*j].value,
                    cat.qualified(&child.name),
                    rels[*j].orphan_exists
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    }
}

// ---- what the mapping does not cover ----

fn unknown_tables(cat: &Catalog, mapping: &Mapping) -> Vec<String> {
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

/// The newest passing run that began after the last phase change, as (id, finished_at): a run
/// whose snapshot predates the change vouches for nothing after it, even if it finished later.
pub fn latest_passing_since_last_change(
    client: &mut impl GenericClient,
) -> Result<Option<(i64, String)>> {
    let since = state::last_phase_change(client).context("reading the last phase change")?;
    Ok(client
        .query_opt(
            "SELECT id, finished_at::text FROM ra_migrate.validation_run
             WHERE passed AND finished_at IS NOT NULL
               AND ($1::text IS NULL OR started_at > $1::text::timestamptz)
             ORDER BY finished_at DESC, id DESC LIMIT 1",
            &[&since],
        )
        .context("reading the validation runs")?
        .map(|r| (r.get(0), r.get(1))))
}

// ---- rendering ----

fn count_text(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

fn samples_text(t: &TableResult) -> String {
    if t.samples.is_empty() {
        return "-".into();
    }
    let mut s: Vec<String> = t
        .samples
        .iter()
        .map(|k| match k.kind {
            DiffKind::MissingInNew => format!("{} (missing in new)", k.key),
            DiffKind::MissingInOld => format!("{} (missing in old)", k.key),
            DiffKind::Different => format!("{} ({})", k.key, k.columns.join(", ")),
        })
        .collect();
    if (t.differing_keys() as usize) > t.samples.len() {
        s.push("...".into());
    }
    s.join(", ")
}

fn orphans_text(f: &FkResult) -> String {
    match (&f.not_checked, f.orphans) {
        (Some(why), _) => format!("not checked: {why}"),
        (None, Some(n)) => n.to_string(),
        (None, None) if f.enforced => "0 (enforced by the constraint)".into(),
        (None, None) => "-".into(),
    }
}

fn orphan_samples_text(f: &FkResult) -> String {
    if f.samples.is_empty() {
        return "-".into();
    }
    f.samples
        .iter()
        .map(|o| format!("{} -> {}", o.key, o.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn constraint_text(f: &FkResult) -> String {
    match (&f.constraint, f.validated) {
        (Some(n), Some(false)) => format!("{n} (NOT VALID)"),
        (Some(n), _) => n.clone(),
        (None, _) => "not yet created".into(),
    }
}

fn header(r: &ValidationReport) -> String {
    format!(
        "phase {} ({}, {})",
        r.phase.number, r.phase.name, r.phase.status
    )
}

/// The report for a terminal: tables, relationships, protected tables, warnings, problems; the
/// verdict is the last line.
pub fn render_terminal(r: &ValidationReport) -> String {
    let mut out = format!(
        "validation of {} (schema {}), {}, {}\n",
        r.database,
        r.schema,
        header(r),
        r.finished_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let mut t = TextTable::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "table",
        "old rows",
        "new rows",
        "content",
        "sample keys",
    ]);
    for x in &r.tables {
        t.add_row(vec![
            format!(
                "{} -> {}",
                x.old_table.as_deref().unwrap_or(&x.table),
                x.new_table
            ),
            count_text(x.old_rows),
            count_text(x.new_rows),
            x.content_text(),
            samples_text(x),
        ]);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    if !r.foreign_keys.is_empty() {
        let mut t = TextTable::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "relationship",
            "constraint",
            "orphans",
            "sample orphans",
        ]);
        for f in &r.foreign_keys {
            t.add_row(vec![
                f.relationship(),
                constraint_text(f),
                orphans_text(f),
                orphan_samples_text(f),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if !r.protected.is_empty() {
        let list: Vec<String> = r
            .protected
            .iter()
            .map(|p| format!("{} {}", p.table, protected_text(p.status)))
            .collect();
        out.push_str(&format!("protected tables: {}\n", list.join(", ")));
    }
    let warnings = r.warnings();
    if !warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in &warnings {
            out.push_str(&format!("  - {w}\n"));
        }
    }
    let problems = r.problems();
    if !problems.is_empty() {
        out.push_str("problems:\n");
        for p in &problems {
            out.push_str(&format!("  - {p}\n"));
        }
    }
    out.push_str(&r.verdict());
    out.push('\n');
    out
}

fn protected_text(s: ProtectedStatus) -> &'static str {
    match s {
        ProtectedStatus::Unchanged => "unchanged",
        ProtectedStatus::Changed => "CHANGED",
        ProtectedStatus::Missing => "MISSING",
        ProtectedStatus::Added => "ADDED since init",
    }
}

/// The report as a Markdown document, verdict near the top.
pub fn render_markdown(r: &ValidationReport) -> String {
    let mut out = String::from("# ra-migrate validation report\n\n");
    out.push_str(&format!("**{}**\n\n", markdown_cell(&r.verdict())));
    out.push_str(&format!(
        "- Started: {}\n- Finished: {}\n- Database: `{}` (schema `{}`)\n- Phase: {}\n- Key ranges per table: {}; sample keys: {}\n\n",
        r.started_at.to_rfc3339(),
        r.finished_at.to_rfc3339(),
        r.database,
        r.schema,
        header(r),
        r.options.buckets,
        r.options.sample_keys
    ));
    out.push_str("## Masters\n\n| old table | new table | old rows | new rows | content | sample keys |\n|---|---|---:|---:|---|---|\n");
    for x in &r.tables {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            markdown_cell(x.old_table.as_deref().unwrap_or(&x.table)),
            markdown_cell(&x.new_table),
            count_text(x.old_rows),
            count_text(x.new_rows),
            markdown_cell(&x.content_text()),
            markdown_cell(&samples_text(x))
        ));
    }
    out.push_str("\n## Relationships\n\n");
    if r.foreign_keys.is_empty() {
        out.push_str("None to check (phase 1 has recorded no deferred foreign keys).\n");
    } else {
        out.push_str("| relationship | origin | constraint | orphans | sample orphans |\n|---|---|---|---:|---|\n");
        for f in &r.foreign_keys {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                markdown_cell(&f.relationship()),
                markdown_cell(&f.origin),
                markdown_cell(&constraint_text(f)),
                markdown_cell(&orphans_text(f)),
                markdown_cell(&orphan_samples_text(f))
            ));
        }
    }
    out.push_str("\n## Protected tables\n\n");
    if r.protected.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| table | status | rows at init | rows now |\n|---|---|---:|---:|\n");
        for p in &r.protected {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown_cell(&p.table),
                protected_text(p.status),
                count_text(p.recorded_rows),
                count_text(p.current_rows)
            ));
        }
    }
    for (title, items) in [("Problems", r.problems()), ("Warnings", r.warnings())] {
        if !items.is_empty() {
            out.push_str(&format!("\n## {title}\n\n"));
            for i in items {
                out.push_str(&format!("- {}\n", markdown_cell(&i)));
            }
        }
    }
    out.push_str("\n## Tables and foreign keys\n\n");
    out.push_str(&r.overview.diagram_markdown());
    out.push_str("\n## Phase timing\n\n");
    out.push_str(&r.overview.timing_markdown());
    out
}

/// Writes `validate-<UTC timestamp>.md` and `.json` into `dir` (created if needed).
pub fn write_reports(r: &ValidationReport, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    crate::report::write_report_files(
        dir,
        "validate",
        r.finished_at,
        &render_markdown(r),
        &r.to_json()?,
    )
}
