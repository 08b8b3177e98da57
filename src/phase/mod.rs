//! The five phases and the plan they produce. A plan is data: ordered steps, each with its SQL, the
//! lock it takes, the tables it touches (read from the parsed statement, not declared) and whether
//! it runs inside the phase's transaction. `plan` prints it, `apply`/`rollback` run exactly it.

pub mod archive;
pub mod backfill;
pub mod beside;
pub mod copy;
pub mod create;
pub mod dual_write;
pub mod engine;
#[cfg(test)]
mod previews;
pub mod service;
pub mod switch_readers;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Create,
    DualWrite,
    Backfill,
    SwitchReaders,
    Archive,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Create,
        Phase::DualWrite,
        Phase::Backfill,
        Phase::SwitchReaders,
        Phase::Archive,
    ];

    pub fn number(self) -> i16 {
        match self {
            Phase::Create => 1,
            Phase::DualWrite => 2,
            Phase::Backfill => 3,
            Phase::SwitchReaders => 4,
            Phase::Archive => 5,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Create => "create",
            Phase::DualWrite => "dual-write",
            Phase::Backfill => "backfill",
            Phase::SwitchReaders => "switch-readers",
            Phase::Archive => "archive",
        }
    }

    pub fn from_number(n: i16) -> Result<Phase> {
        match Phase::ALL.iter().find(|p| p.number() == n) {
            Some(p) => Ok(*p),
            None => bail!("unknown phase {n} (phases are 1 to 5)"),
        }
    }

    pub fn previous(self) -> Option<Phase> {
        Phase::from_number(self.number() - 1).ok()
    }

    pub fn later(self) -> impl Iterator<Item = Phase> {
        Phase::ALL.into_iter().filter(move |p| *p > self)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.number(), self.name())
    }
}

impl std::str::FromStr for Phase {
    type Err = anyhow::Error;

    /// A number or a name: `1`/`create`, ..., `5`/`archive`.
    fn from_str(s: &str) -> Result<Phase> {
        if let Ok(n) = s.parse::<i16>() {
            return Phase::from_number(n);
        }
        match Phase::ALL.iter().find(|p| p.name() == s) {
            Some(p) => Ok(*p),
            None => bail!(
                "unknown phase '{s}': use 1/create, 2/dual-write, 3/backfill, 4/switch-readers or 5/archive"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Apply,
    Rollback,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Apply => "apply",
            Direction::Rollback => "rollback",
        }
    }
}

/// The strongest table lock a step takes, in PostgreSQL's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Lock {
    None,
    AccessShare,
    RowExclusive,
    ShareUpdateExclusive,
    ShareRowExclusive,
    AccessExclusive,
}

impl Lock {
    pub fn as_str(self) -> &'static str {
        match self {
            Lock::None => "none",
            Lock::AccessShare => "ACCESS SHARE",
            Lock::RowExclusive => "ROW EXCLUSIVE",
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Whether ordinary writers (INSERT/UPDATE/DELETE) wait while it is held.
    pub fn blocks_writers(self) -> bool {
        self >= Lock::ShareRowExclusive
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub title: String,
    pub sql: String,
    pub lock: Lock,
    /// Tables and sequences the statement references, as sqlparser found them.
    pub tables: BTreeSet<String>,
    /// Existing tables whose writers wait while the step holds its lock (empty for steps on tables
    /// the plan itself creates).
    pub waits: BTreeSet<String>,
    /// Which transaction it runs in: see [`transactions`].
    pub tx: Tx,
    /// The statements inside a generated function body: sqlparser keeps bodies opaque, so they are
    /// checked one by one.
    pub body: Vec<String>,
    /// A batched copy run by `copy::run` instead of `sql` (which shows its batch statement).
    pub copy: Option<crate::phase::copy::BatchedCopy>,
    /// A foreign-key violation (orphans) leaves the constraint NOT VALID and is reported, instead
    /// of stopping the phase.
    pub tolerate_fk_violation: bool,
    /// The relations `lock` is taken on, when not every table the statement names: a view's
    /// definition only reads the tables it names (ACCESS SHARE), the view itself is what
    /// `CREATE OR REPLACE VIEW` locks exclusively.
    pub locks_only: Option<BTreeSet<String>>,
    /// Run instead of this step on every other try (the second, fourth, ...): the same up-front
    /// locks in the reverse order, for writers that take the tables the other way round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate: Option<Box<Step>>,
    /// One of the `LOCK TABLE` statements a transaction begins with: each try first asks for them
    /// with `NOWAIT` for a while, so writers do not queue behind a waiting request.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub up_front: bool,
    /// Runs on a second session (see [`beside`]), beside the steps after it: a copy, or a long
    /// read writers never wait for (`ANALYZE`); never a step under the phase lock. Without a second
    /// session it runs in turn like any other.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub beside: bool,
    /// Waits for the second session to finish what it was given before it starts: the first step
    /// that needs the copies done.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub joins: bool,
}

impl Step {
    pub fn new(title: impl Into<String>, sql: impl Into<String>, lock: Lock) -> Step {
        Step {
            title: title.into(),
            sql: sql.into(),
            lock,
            tables: BTreeSet::new(),
            waits: BTreeSet::new(),
            tx: Tx::Phase,
            body: Vec::new(),
            copy: None,
            tolerate_fk_violation: false,
            locks_only: None,
            alternate: None,
            up_front: false,
            beside: false,
            joins: false,
        }
    }

    /// The step to run on try `attempt` (counted from 0).
    pub fn for_try(&self, attempt: u32) -> &Step {
        match &self.alternate {
            Some(alt) if attempt % 2 == 1 => alt,
            _ => self,
        }
    }
}

/// Which transaction a step runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tx {
    /// The phase's: consecutive such steps run together, under the exclusive phase lock (no
    /// writer is mid-transaction), with their table locks taken up front.
    Phase,
    /// Its own: a long `VALIDATE` or `ANALYZE` writers need not wait for runs without the phase
    /// lock; a short step that makes writers wait (`ADD FOREIGN KEY ... NOT VALID`) takes it, so
    /// the fetchers' batches drain before it asks for its table locks (see
    /// [`Transaction::phase_lock`]).
    Own,
    /// One per keyset batch, each checkpointed: a copy.
    Batched,
}

/// One transaction of a plan (or, for a copy, its run of batches): the steps it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub tx: Tx,
    pub steps: std::ops::Range<usize>,
}

impl Transaction {
    /// Whether it runs under the exclusive phase lock: the phase's own transactions, and any other
    /// one that makes writers wait. A try that asks for such table locks while a fetcher's batch
    /// holds them waits out its `lock_timeout` with every writer of those tables queued behind it;
    /// the phase lock closes the fetchers' gate and waits for their batches first, which writers
    /// do not queue behind.
    pub fn phase_lock(&self, steps: &[Step]) -> bool {
        match self.tx {
            Tx::Phase => true,
            Tx::Own => steps[self.steps.clone()]
                .iter()
                .any(|s| s.lock.blocks_writers()),
            Tx::Batched => false,
        }
    }

    /// Whether it waits for the second session first: one of its steps does (the up-front locks
    /// the engine puts before a step stay in its transaction).
    pub fn joins(&self, steps: &[Step]) -> bool {
        steps[self.steps.clone()].iter().any(|s| s.joins)
    }
}

/// How `steps` run, transaction by transaction: the one derivation the executor, the up-front
/// locks and the preview share.
pub fn transactions(steps: &[Step]) -> Vec<Transaction> {
    let mut out: Vec<Transaction> = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        match out.last_mut() {
            Some(t) if t.tx == Tx::Phase && s.tx == Tx::Phase => t.steps.end = i + 1,
            _ => out.push(Transaction {
                tx: s.tx,
                steps: i..i + 1,
            }),
        }
    }
    out
}

/// A foreign key that phase 1 does not create and phase 3 adds.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct DeferredFk {
    /// The table that will carry the constraint (a new master, or a fact table).
    pub table: String,
    pub constraint: String,
    pub columns: Vec<String>,
    pub references: String,
    pub ref_columns: Vec<String>,
    /// Where it comes from: the old table and constraint.
    pub from_table: String,
    pub from_constraint: String,
    /// Full `FOREIGN KEY ... REFERENCES ...` clause for the new layout.
    pub def: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub phase: Phase,
    pub direction: Direction,
    pub steps: Vec<Step>,
    /// What an operator must know before running it (deferred work, what stays behind).
    pub notes: Vec<String>,
    pub deferred: Vec<DeferredFk>,
    /// Recorded with the phase's state when the plan has run, so rollback undoes exactly it.
    pub record: Record,
}

/// A phase's own record type: what it created, so its rollback and verification know exactly that.
pub trait PhaseRecord: Sized + Default + Clone {
    const PHASE: Phase;
    fn of(record: &Record) -> Option<&Self>;
    fn of_mut(record: &mut Record) -> Option<&mut Self>;
}

macro_rules! records {
    ($($variant:ident => $module:ident),* $(,)?) => {
        /// What a phase recorded, typed by phase. Stored as the phase's own record alone (no tag:
        /// the phase's row says whose it is), exactly as releases before this type wrote it.
        #[derive(Debug, Clone, Serialize)]
        #[serde(untagged)]
        pub enum Record {
            $($variant($module::Record),)*
        }

        impl Record {
            pub fn phase(&self) -> Phase {
                match self {
                    $(Record::$variant(_) => Phase::$variant,)*
                }
            }

            /// The record of a phase that has created nothing.
            pub fn empty(phase: Phase) -> Record {
                match phase {
                    $(Phase::$variant => Record::$variant(Default::default()),)*
                }
            }

            /// Reads `value` as `phase`'s record; the error says which field failed to decode.
            pub fn decode(phase: Phase, value: serde_json::Value) -> serde_json::Result<Record> {
                Ok(match phase {
                    $(Phase::$variant => Record::$variant(serde_json::from_value(value)?),)*
                })
            }
        }

        $(
            impl PhaseRecord for $module::Record {
                const PHASE: Phase = Phase::$variant;

                fn of(record: &Record) -> Option<&Self> {
                    match record {
                        Record::$variant(r) => Some(r),
                        _ => None,
                    }
                }

                fn of_mut(record: &mut Record) -> Option<&mut Self> {
                    match record {
                        Record::$variant(r) => Some(r),
                        _ => None,
                    }
                }
            }

            impl From<$module::Record> for Record {
                fn from(r: $module::Record) -> Record {
                    Record::$variant(r)
                }
            }
        )*
    };
}

records! {
    Create => create,
    DualWrite => dual_write,
    Backfill => backfill,
    SwitchReaders => switch_readers,
    Archive => archive,
}

impl Record {
    /// This record as phase `R`'s: an error (naming both phases) when it is another phase's.
    pub fn get<R: PhaseRecord>(&self) -> Result<&R> {
        match R::of(self) {
            Some(r) => Ok(r),
            None => bail!(
                "expected the record of phase {}, found the record of phase {}",
                R::PHASE,
                self.phase()
            ),
        }
    }
}

/// Everything a planner knows, read from the database before planning (`Facts::gather`): planning
/// itself reads nothing, so a plan is a function of these facts and the mapping, and runs from a
/// fixture as well as from a live database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    pub catalog: crate::schema::catalog::Catalog,
    /// Every phase's row, with its typed record.
    pub phases: Vec<crate::state::PhaseRow>,
    /// Phase 3: the orphans each relationship it adds, validates or reports will meet, by
    /// `table.constraint` (see `backfill::orphan_facts`).
    #[serde(default)]
    pub orphans: std::collections::BTreeMap<String, i64>,
    /// Phase 5's rollback: the changes recorded since the archive, by new master.
    #[serde(default)]
    pub changes: std::collections::BTreeMap<String, i64>,
    /// Phase 4: switch functions as well as views (the operator's choice, carried with the facts).
    #[serde(default)]
    pub switch_functions: bool,
}

impl Facts {
    /// Reads the catalog and the phases' state, and what planning `wanted` (phase, direction)
    /// needs besides.
    pub fn gather(
        client: &mut postgres::Client,
        schema: &str,
        mapping: &crate::schema::mapping::Mapping,
        wanted: &[(Phase, Direction)],
        switch_functions: bool,
    ) -> Result<Facts> {
        let mut facts = Facts {
            catalog: crate::schema::catalog::Catalog::read(client, schema)?,
            phases: crate::state::phases(client)?,
            orphans: Default::default(),
            changes: Default::default(),
            switch_functions,
        };
        for want in wanted {
            match want {
                (Phase::Backfill, Direction::Apply) => {
                    facts.orphans = backfill::orphan_facts(
                        client,
                        &facts.catalog,
                        mapping,
                        &facts.record::<create::Record>()?,
                    )?;
                }
                (Phase::Archive, Direction::Rollback) => {
                    facts.changes = archive::change_facts(client)?;
                }
                _ => {}
            }
        }
        Ok(facts)
    }

    pub fn row(&self, phase: Phase) -> Option<&crate::state::PhaseRow> {
        self.phases.iter().find(|r| r.phase == phase)
    }

    /// Phase `R`'s record (the empty record when the phase has no row: nothing to undo).
    pub fn record<R: PhaseRecord>(&self) -> Result<R> {
        crate::state::record_of(&self.phases)
    }
}
