//! Writing steps inside one batch transaction.
//!
//! For each step: resolve codes to ids, drop duplicate keys, follow foreign keys to rows already
//! quarantined, check values against the catalog, keep stored values for required columns the
//! record leaves empty, lock the batch's races where the key has no unique constraint, then write
//! all rows in one statement. Rows that cannot be written are quarantined (or, for derived rows,
//! left out) and everything else goes on.
//!
//! In careful mode (the batch's first try failed with a data error) every statement runs inside a
//! savepoint, and a failing one is bisected down to the records that fail on their own. The fast
//! path never pays for savepoints.
//!
//! Two shortcuts keep the fast path fast without changing what is written: rows this run already
//! wrote with the same values are not sent again (`shadow`), and runners and odds of a race the
//! transaction has just inserted are inserted without looking for existing ones (the foreign key
//! to the race guarantees there are none).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{bail, Context, Result};
use postgres::types::ToSql;
use postgres::{Statement, Transaction};

use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use crate::state::Targets;

use super::check;
use super::quarantine::Quarantined;
use super::route::{Role, Route, WritePlan};
use super::shadow::{Shadow, Written};
use super::shape::{MirrorShape, Shape};
use super::statements;
use super::step::{Row, TableWrite};

/// What a batch is, for quarantine rows and error messages.
#[derive(Debug, Clone)]
pub struct BatchContext {
    /// API path below `/v1/` (`racecards/pro`).
    pub endpoint: String,
    /// The request(s) that produced the batch, without credentials.
    pub request: String,
    /// For messages: `racecards of 2025-10-13`.
    pub label: String,
}

/// A step matched against the live tables of the current phase.
pub struct Compiled {
    pub route: Route,
    pub shape: Shape,
    /// The step matched against the new master too, so its values are checked against both.
    pub mirror_shape: Option<Shape>,
    pub sql: String,
    /// For rows of races inserted in this transaction: a plain insert. Only when the table's
    /// `race_id` has a validated foreign key to the races table written, which is what
    /// guarantees that such rows cannot exist yet.
    pub insert_new_sql: Option<String>,
    /// The statements, prepared on first use (per connection: a `Prepared` belongs to one).
    write_stmt: OnceLock<Statement>,
    insert_new_stmt: OnceLock<Statement>,
}

/// Which statement a group of rows goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Write,
    InsertNew,
}

/// The catalog and routes of one phase, reused across batches until the phase changes.
pub struct Prepared {
    pub targets: Targets,
    pub plan: WritePlan,
    pub catalog: Catalog,
    /// Steps compiled so far, by name (shared with the thread checking the next race day).
    compiled: Mutex<HashMap<String, Arc<Compiled>>>,
}

impl Prepared {
    pub fn new(
        tx: &mut Transaction,
        targets: Targets,
        mapping: &Mapping,
        schema: &str,
    ) -> Result<Prepared> {
        let plan = WritePlan::new(targets, mapping)?;
        for r in plan.routes() {
            for name in std::iter::once(&r.primary).chain(&r.mirror) {
                if mapping.is_protected(name) {
                    bail!("refusing to write {name}: the mapping protects it");
                }
            }
        }
        let catalog =
            Catalog::read(tx, schema).context("reading the catalog for the write path")?;
        Ok(Prepared {
            targets,
            plan,
            catalog,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    fn compiled(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Compiled>>> {
        // the map is only ever added to: one left by a panicking thread is still sound
        self.compiled.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn compile(&self, step: &TableWrite) -> Result<Arc<Compiled>> {
        if let Some(c) = self.compiled().get(&step.name) {
            return Ok(c.clone());
        }
        let route = self.plan.route(step.table)?.clone();
        let phase = phase_text(&self.targets);
        let shape = Shape::of(&self.catalog, &route.primary, step)
            .with_context(|| format!("writing {} ({phase})", step.table))?;
        let (mirror, mirror_shape) = match &route.mirror {
            Some(new) => (
                Some(
                    MirrorShape::of(&self.catalog, &route.primary, new)
                        .with_context(|| format!("dual-writing {} ({phase})", step.table))?,
                ),
                Some(
                    Shape::of(&self.catalog, new, step)
                        .with_context(|| format!("dual-writing {} ({phase})", step.table))?,
                ),
            ),
            None => (None, None),
        };
        if !shape.skipped.is_empty() {
            tracing::debug!(table = %shape.table, skipped = ?shape.skipped, "fields without a column are not written");
        }
        let sql = statements::write(&self.catalog, &shape, mirror.as_ref(), step.report_new);
        let races = &self.plan.route("ra_races")?.primary;
        let guaranteed = shape.fks.iter().any(|fk| {
            fk.validated && shape.cols[fk.col].name == "race_id" && fk.ref_table == *races
        });
        let insert_new_sql = (step.lock_races && guaranteed && mirror.is_none())
            .then(|| statements::insert_new(&self.catalog, &shape));
        let c = Arc::new(Compiled {
            route,
            shape,
            mirror_shape,
            sql,
            insert_new_sql,
            write_stmt: OnceLock::new(),
            insert_new_stmt: OnceLock::new(),
        });
        // two threads may compile the same step: the first one kept is used by both
        Ok(self
            .compiled()
            .entry(step.name.clone())
            .or_insert(c)
            .clone())
    }
}

fn phase_text(t: &Targets) -> String {
    match t.phase {
        Some(p) => format!("phase {p} in effect"),
        None => "no phase applied".to_string(),
    }
}

/// True for errors caused by the data of a statement (bad value, constraint violation), which
/// bisecting can pin on records; anything else (connection, lock, permission) is not.
pub fn is_data_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|code| {
                let s = code.code();
                s.starts_with("22") || s.starts_with("23") || s == "21000"
            })
    })
}

/// A PostgreSQL error as one line, with its detail (which names the failing key or value).
fn db_error_text(e: &anyhow::Error) -> String {
    for c in e.chain() {
        if let Some(db) = c
            .downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.as_db_error())
        {
            return match db.detail() {
                Some(d) => format!("{} ({d})", db.message()),
                None => db.message().to_string(),
            };
        }
    }
    format!("{e:#}")
}

/// Rows refused, by (logical table, key), with the reason.
pub type Refusals = HashMap<(&'static str, String), String>;

/// The checks of one batch that need no database, and what they found: the rows refused or held
/// back, and the keys other rows may no longer refer to. They run inside the batch's transaction,
/// or for a coming race day on a thread of its own (`fetch::ahead`), while another is written.
pub struct Checks<'t> {
    pub prep: &'t Prepared,
    ctx: &'t BatchContext,
    pub quarantine: Vec<Quarantined>,
    /// Keys (per logical table) of rows quarantined in this batch.
    bad: HashMap<&'static str, HashSet<String>>,
    /// Keys of derived rows left out in this batch.
    dropped: HashMap<&'static str, HashSet<String>>,
    /// Rows a previous, careful try of this batch found the database refuses, by table and key,
    /// with why: refused up front this time, before anything is written on their behalf.
    known: &'t Refusals,
    /// Every row refused in this try, by table and key, with why.
    pub refused: Refusals,
    /// A row was refused after this try had written rows, perhaps on its behalf.
    pub refused_late: bool,
    /// A statement of this try has written rows.
    wrote: bool,
}

/// What the checks of a batch found, carried from the thread that checked it into the
/// transaction that writes it.
pub struct Found {
    quarantine: Vec<Quarantined>,
    bad: HashMap<&'static str, HashSet<String>>,
    dropped: HashMap<&'static str, HashSet<String>>,
    refused: Refusals,
}

/// One batch transaction's state.
pub struct TxCtx<'t, 'c> {
    pub tx: &'t mut Transaction<'c>,
    pub checks: Checks<'t>,
    careful: bool,
    /// Keys of rows this transaction inserted (where the step asked).
    new_keys: HashMap<&'static str, HashSet<String>>,
    shadow: &'t Shadow,
    /// Rows written, for the shadow once the transaction commits.
    pub remembered: Vec<Written>,
    pub written: BTreeMap<(String, Role), u64>,
}

impl<'t, 'c> TxCtx<'t, 'c> {
    pub fn new(
        tx: &'t mut Transaction<'c>,
        prep: &'t Prepared,
        shadow: &'t Shadow,
        careful: bool,
        ctx: &'t BatchContext,
        known: &'t Refusals,
    ) -> Self {
        TxCtx {
            tx,
            checks: Checks::new(prep, ctx, known),
            careful,
            new_keys: HashMap::new(),
            shadow,
            remembered: Vec::new(),
            written: BTreeMap::new(),
        }
    }
}

impl<'t> Checks<'t> {
    pub fn new(prep: &'t Prepared, ctx: &'t BatchContext, known: &'t Refusals) -> Self {
        Checks {
            prep,
            ctx,
            quarantine: Vec::new(),
            bad: HashMap::new(),
            dropped: HashMap::new(),
            known,
            refused: HashMap::new(),
            refused_late: false,
            wrote: false,
        }
    }

    /// What these checks found, to be taken up by the transaction that writes the batch.
    pub fn into_found(self) -> Found {
        Found {
            quarantine: self.quarantine,
            bad: self.bad,
            dropped: self.dropped,
            refused: self.refused,
        }
    }

    /// Takes up what checks of the same batch found elsewhere, before this try wrote anything.
    pub fn adopt(&mut self, found: Found) {
        self.quarantine.extend(found.quarantine);
        for (table, keys) in found.bad {
            self.bad.entry(table).or_default().extend(keys);
        }
        for (table, keys) in found.dropped {
            self.dropped.entry(table).or_default().extend(keys);
        }
        self.refused.extend(found.refused);
    }

    /// Quarantines a record that never became a row (rejected by the parser, or a parent of one).
    pub fn quarantine_raw(&mut self, q: Quarantined) {
        self.quarantine.push(q);
    }

    /// Keys of rows of `table` quarantined so far in this batch.
    pub fn bad_keys(&self, table: &str) -> HashSet<String> {
        self.bad.get(table).cloned().unwrap_or_default()
    }

    /// Removes the rows for which `why` returns a reason, quarantining them (or leaving them out,
    /// for an optional step).
    pub fn reject_where(
        &mut self,
        step: &mut TableWrite,
        mut why: impl FnMut(&Row) -> Option<String>,
    ) {
        let rows = std::mem::take(&mut step.rows);
        step.rows.reserve(rows.len());
        for row in rows {
            match why(&row) {
                Some(reason) => self.reject(step, &row, reason),
                None => step.rows.push(row),
            }
        }
    }

    fn reject(&mut self, step: &TableWrite, row: &Row, error: String) {
        let key = row.key(&step.key);
        if step.optional {
            tracing::debug!(table = step.table, %key, %error, "derived row left out");
            self.dropped.entry(step.table).or_default().insert(key);
            return;
        }
        self.bad.entry(step.table).or_default().insert(key.clone());
        self.refused_late |= self.wrote;
        self.refused.insert((step.table, key), error.clone());
        self.hold(step, row, error);
    }

    /// Quarantines `row` without marking its key unwritable: for a second copy of a key whose
    /// first copy is written (rows referencing the key must still be written with it).
    fn hold(&mut self, step: &TableWrite, row: &Row, error: String) {
        if step.optional {
            return;
        }
        let key = row.key(&step.key);
        tracing::warn!(table = step.table, %key, %error, batch = %self.ctx.label, "record quarantined");
        self.quarantine.push(Quarantined {
            endpoint: self.ctx.endpoint.clone(),
            request: self.ctx.request.clone(),
            payload: row.origin.to_json(),
            error: format!("{}: {error}", step.table),
        });
    }

    /// The checks that need no database: duplicate keys, rows whose foreign keys point at rows
    /// quarantined earlier in this batch, values that cannot fit the table. Idempotent.
    pub fn precheck(&mut self, step: &mut TableWrite) -> Result<()> {
        if step.rows.is_empty() {
            return Ok(());
        }
        let compiled = self.prep.compile(step)?;
        step.checked = true;
        self.dedupe(step);
        let (known, table, key) = (self.known, step.table, step.key.clone());
        if !known.is_empty() {
            self.reject_where(step, |row| known.get(&(table, row.key(&key))).cloned());
        }
        self.follow_fks(step, &compiled);
        let pending = step.resolve.as_ref().map(|r| r.field);
        let shapes: Vec<&Shape> = std::iter::once(&compiled.shape)
            .chain(compiled.mirror_shape.as_ref())
            .collect();
        self.reject_where(step, |row| {
            shapes.iter().find_map(|s| check::problem(s, row, pending))
        });
        Ok(())
    }

    /// Keeps the first row of each key; a later row with other values is quarantined (both
    /// cannot be stored), an identical one is dropped. Sorts by key: writers that lock rows in
    /// the same order cannot deadlock each other.
    fn dedupe(&mut self, step: &mut TableWrite) {
        let key = step.key.clone();
        let mut keyed: Vec<(String, Row)> = std::mem::take(&mut step.rows)
            .into_iter()
            .map(|r| (r.key(&key), r))
            .collect();
        // stable: the first of equal keys stays first
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        step.rows.reserve(keyed.len());
        let mut last: Option<String> = None;
        for (k, row) in keyed {
            if last.as_deref() == Some(k.as_str()) {
                let prev = step.rows.last().expect("a row per key seen");
                if prev.values != row.values {
                    let shown = k.replace('\u{1f}', ", ");
                    self.hold(step, &row, format!("a second, different record with the key ({shown}) in the same batch; the first was kept"));
                }
                continue;
            }
            last = Some(k);
            step.rows.push(row);
        }
    }

    fn follow_fks(&mut self, step: &mut TableWrite, compiled: &Compiled) {
        let mut links = Vec::new();
        for fk in &compiled.shape.fks {
            let Some(logical) = self.prep.plan.logical_of(&fk.ref_table) else {
                continue;
            };
            let field = compiled.shape.cols[fk.col].field;
            let bad = self.bad.get(logical).filter(|s| !s.is_empty());
            let dropped = self.dropped.get(logical).filter(|s| !s.is_empty());
            if bad.is_none() && dropped.is_none() {
                continue;
            }
            let (bad, dropped) = (
                bad.cloned().unwrap_or_default(),
                dropped.cloned().unwrap_or_default(),
            );
            links.push((field, logical.to_string(), bad, dropped, fk.nullable));
        }
        if links.is_empty() {
            return;
        }
        let rows = std::mem::take(&mut step.rows);
        step.rows.reserve(rows.len());
        for mut row in rows {
            let mut reason = None;
            for (field, logical, bad, dropped, nullable) in &links {
                let Some(v) = row.values[*field].as_deref() else {
                    continue;
                };
                if bad.contains(v) || (dropped.contains(v) && !nullable) {
                    reason = Some(format!(
                        "refers to {logical} {v}, which could not be written in this batch"
                    ));
                } else if dropped.contains(v) {
                    // a derived row (a sire's horse) is missing: leave the link empty, not the row out
                    row.values[*field] = None;
                }
            }
            match reason {
                Some(r) => self.reject(step, &row, r),
                None => step.rows.push(row),
            }
        }
    }
}

impl TxCtx<'_, '_> {
    /// Writes a step: everything `precheck` does, then the database-side preparation and the
    /// statement itself.
    pub fn run(&mut self, mut step: TableWrite) -> Result<()> {
        if step.rows.is_empty() {
            return Ok(());
        }
        let compiled = self.checks.prep.compile(&step)?;
        self.resolve(&mut step)?;
        if step.checked {
            // only what earlier steps quarantined is new since the step was checked
            self.checks.follow_fks(&mut step, &compiled);
        } else {
            self.checks.precheck(&mut step)?;
        }
        self.keep_stored(&mut step, &compiled)?;
        if !self.careful && !step.lock_races {
            let shadow = self.shadow;
            let rows = std::mem::take(&mut step.rows);
            let kept: Vec<Row> = rows
                .into_iter()
                .filter(|r| !shadow.unchanged(&step, r))
                .collect();
            step.rows = kept;
        }
        if step.rows.is_empty() {
            return Ok(());
        }
        let (fresh, known): (Vec<usize>, Vec<usize>) =
            match (&compiled.insert_new_sql, step.field("race_id")) {
                (Some(_), Some(f)) => {
                    let new_races = self.new_keys.get("ra_races");
                    // rows come sorted by key, race first: a race's rows follow one another, so
                    // the set is asked once per race, not once per row
                    let mut last: Option<(&str, bool)> = None;
                    (0..step.rows.len()).partition(|i| {
                        let Some(race) = step.rows[*i].values[f].as_deref() else {
                            return false;
                        };
                        match last {
                            Some((r, new)) if r == race => new,
                            _ => {
                                let new = new_races.is_some_and(|n| n.contains(race));
                                last = Some((race, new));
                                new
                            }
                        }
                    })
                }
                _ => (Vec::new(), (0..step.rows.len()).collect()),
            };
        if !known.is_empty() && step.lock_races {
            self.lock_races(&step, &known)?;
        }
        for (via, idx) in [(Via::InsertNew, fresh), (Via::Write, known)] {
            if idx.is_empty() {
                continue;
            }
            if self.careful {
                self.guarded(&step, &compiled, via, &idx)?;
            } else {
                let outcome = self.exec(&step, &compiled, via, &idx).with_context(|| {
                    format!(
                        "writing {} rows to {} ({})",
                        idx.len(),
                        compiled.shape.table,
                        self.checks.ctx.label
                    )
                })?;
                self.done(&step, &compiled, &idx, outcome);
            }
        }
        Ok(())
    }

    /// Books rows `idx` as written.
    fn done(
        &mut self,
        step: &TableWrite,
        compiled: &Compiled,
        idx: &[usize],
        (primary, mirror, new): (i64, i64, Option<Vec<String>>),
    ) {
        self.count(compiled, (primary, mirror));
        if let Some(keys) = new {
            self.new_keys.entry(step.table).or_default().extend(keys);
        }
        if !step.lock_races {
            self.remembered
                .extend(idx.iter().map(|i| Written::of(step, &step.rows[*i])));
        }
    }

    fn count(&mut self, compiled: &Compiled, (primary, mirror): (i64, i64)) {
        self.checks.wrote = true;
        let r = &compiled.route;
        *self.written.entry((r.primary.clone(), r.role)).or_insert(0) += primary as u64;
        if let Some(m) = &r.mirror {
            *self.written.entry((m.clone(), Role::New)).or_insert(0) += mirror as u64;
        }
    }

    /// Replaces codes by ids (odds name bookmakers by code); unknown codes are quarantined.
    fn resolve(&mut self, step: &mut TableWrite) -> Result<()> {
        let Some(res) = step.resolve.take() else {
            return Ok(());
        };
        let codes: Vec<String> = step
            .rows
            .iter()
            .filter_map(|r| r.values[res.field].as_deref().map(str::to_string))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let table = self.checks.prep.plan.route(res.table)?.primary.clone();
        let sql = statements::resolve(&self.checks.prep.catalog, &table, res.by, res.to);
        let found: HashMap<String, String> = self
            .tx
            .query(&sql, &[&codes])
            .with_context(|| format!("looking up {} in {table}", res.by))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let rows = std::mem::take(&mut step.rows);
        step.rows.reserve(rows.len());
        for mut row in rows {
            let code = row.values[res.field].clone();
            match code.as_deref().map(|c| found.get(c)) {
                Some(Some(id)) => {
                    row.values[res.field] = Some(id.clone().into());
                    step.rows.push(row);
                }
                _ => {
                    let why = format!(
                        "no row in {table} with {} {:?}",
                        res.by,
                        code.as_deref().unwrap_or("")
                    );
                    self.checks.reject(step, &row, why);
                }
            }
        }
        Ok(())
    }

    /// NOT NULL columns the record leaves empty keep the stored value of an existing row; a new
    /// row takes the column's default, or cannot be written without one.
    fn keep_stored(&mut self, step: &mut TableWrite, compiled: &Compiled) -> Result<()> {
        let shape = &compiled.shape;
        let lacking: Vec<usize> = step
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| check::lacks_not_null(shape, r))
            .map(|(i, _)| i)
            .collect();
        if lacking.is_empty() {
            return Ok(());
        }
        let wanted: Vec<&super::shape::Col> = shape
            .cols
            .iter()
            .filter(|c| c.not_null && !c.is_key)
            .collect();
        let sql = statements::existing(&self.checks.prep.catalog, shape, &wanted);
        let keys: Vec<Vec<Option<&str>>> = shape
            .key
            .iter()
            .map(|k| {
                let f = shape.cols[*k].field;
                lacking
                    .iter()
                    .map(|i| step.rows[*i].values[f].as_deref())
                    .collect()
            })
            .collect();
        let params: Vec<&(dyn ToSql + Sync)> =
            keys.iter().map(|k| k as &(dyn ToSql + Sync)).collect();
        let stored: HashMap<String, Vec<Option<String>>> = self
            .tx
            .query(&sql, &params)
            .with_context(|| format!("reading stored values of {}", shape.table))?
            .iter()
            .map(|r| {
                let n = shape.key.len();
                let key: Vec<String> = (0..n)
                    .map(|i| r.get::<_, Option<String>>(i).unwrap_or_default())
                    .collect();
                let vals = (0..wanted.len()).map(|i| r.get(n + i)).collect();
                (key.join("\u{1f}"), vals)
            })
            .collect();
        let step_key = step.key.clone();
        for i in &lacking {
            let row = &mut step.rows[*i];
            if let Some(vals) = stored.get(&row.key(&step_key)) {
                for (c, v) in wanted.iter().zip(vals) {
                    if row.values[c.field].is_none() {
                        row.values[c.field] = v.clone().map(Into::into);
                    }
                }
            }
        }
        let table = shape.table.clone();
        let required: Vec<(usize, String)> = shape
            .cols
            .iter()
            .filter(|c| c.required())
            .map(|c| (c.field, c.name.clone()))
            .collect();
        self.checks.reject_where(step, |row| {
            let empty: Vec<String> = required
                .iter()
                .filter(|(f, _)| row.values[*f].is_none())
                .map(|(_, n)| n.clone())
                .collect();
            (!empty.is_empty()).then(|| check::missing_text(&table, &empty))
        });
        Ok(())
    }

    fn lock_races(&mut self, step: &TableWrite, idx: &[usize]) -> Result<()> {
        let Some(f) = step.field("race_id") else {
            return Ok(());
        };
        let ids: Vec<&str> = {
            let mut v: Vec<&str> = idx
                .iter()
                .filter_map(|i| step.rows[*i].values[f].as_deref())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let races = self.checks.prep.plan.route("ra_races")?.primary.clone();
        let sql = statements::lock_races(&self.checks.prep.catalog, &races);
        self.tx.query(&sql, &[&ids]).with_context(|| {
            format!(
                "locking {} races in {races} ({})",
                ids.len(),
                self.checks.ctx.label
            )
        })?;
        Ok(())
    }

    /// Runs the step's statement for the rows `idx`: (written to primary, written to mirror,
    /// keys inserted when the step asked for them).
    fn exec(
        &mut self,
        step: &TableWrite,
        compiled: &Compiled,
        via: Via,
        idx: &[usize],
    ) -> Result<(i64, i64, Option<Vec<String>>)> {
        let sql = match via {
            Via::Write => &compiled.sql,
            Via::InsertNew => compiled
                .insert_new_sql
                .as_ref()
                .expect("insert-new rows only when compiled"),
        };
        let columns: Vec<Vec<Option<&str>>> = compiled
            .shape
            .cols
            .iter()
            .map(|c| {
                idx.iter()
                    .map(|i| step.rows[*i].values[c.field].as_deref())
                    .collect()
            })
            .collect();
        let params: Vec<&(dyn ToSql + Sync)> =
            columns.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        let cell = match via {
            Via::Write => &compiled.write_stmt,
            Via::InsertNew => &compiled.insert_new_stmt,
        };
        let stmt = match cell.get() {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .tx
                    .prepare(sql)
                    .with_context(|| format!("preparing the write of {}", compiled.shape.table))?;
                cell.get_or_init(|| s.clone());
                s
            }
        };
        let row = self.tx.query_one(&stmt, &params)?;
        Ok((row.get(0), row.get(1), row.get(2)))
    }

    /// Careful mode: the statement inside a savepoint; on a data error, halves until the records
    /// that fail alone are found and quarantined.
    fn guarded(
        &mut self,
        step: &TableWrite,
        compiled: &Compiled,
        via: Via,
        idx: &[usize],
    ) -> Result<()> {
        self.tx.batch_execute("SAVEPOINT ra_fetch_step")?;
        match self.exec(step, compiled, via, idx) {
            Ok(outcome) => {
                self.tx.batch_execute("RELEASE SAVEPOINT ra_fetch_step")?;
                self.done(step, compiled, idx, outcome);
                Ok(())
            }
            Err(e) if is_data_error(&e) => {
                self.tx.batch_execute(
                    "ROLLBACK TO SAVEPOINT ra_fetch_step; RELEASE SAVEPOINT ra_fetch_step",
                )?;
                if let [one] = idx {
                    let row = &step.rows[*one];
                    self.checks.reject(step, row, db_error_text(&e));
                    Ok(())
                } else {
                    let (a, b) = idx.split_at(idx.len() / 2);
                    self.guarded(step, compiled, via, a)?;
                    self.guarded(step, compiled, via, b)
                }
            }
            Err(e) => Err(e.context(format!(
                "writing {} ({})",
                compiled.shape.table, self.checks.ctx.label
            ))),
        }
    }
}
