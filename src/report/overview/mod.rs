//! The migration at a glance, for reports: every table of the mapping (and the protected and unknown
//! `ra_*` tables beside them) with its state and estimated rows, every foreign key among them as
//! the live catalog has it, the mapping's implicit relationships not yet enforced, and the timing
//! of every phase run from the operation log. Rendered as a Mermaid diagram and a Markdown table;
//! serialised as is for automation.
//!
//! Gathering is cheap on a production database: row counts are the planner's estimates
//! (`pg_class.reltuples`), and the only statements on the tables themselves are `EXISTS` probes of
//! the new masters, which stop at the first row.
//!
//! [`diagram`] renders the overview; [`standing`] answers `status`: where the migration stands now.

mod diagram;
mod standing;

pub use standing::{standing, BackfillProgress, LastValidation, RunningOperation, Standing};

use crate::phase::Phase;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{archived_name, Kind, Mapping};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub schema: String,
    /// Database clock when the overview was gathered.
    pub gathered_at: DateTime<Utc>,
    /// Mapping order (each master's old table, then its archive and new table), then the protected
    /// tables, then the `ra_*` tables the mapping does not know.
    pub tables: Vec<TableNode>,
    pub relationships: Vec<Relationship>,
    /// Mapped tables that exist under none of their names (old, new or archived).
    pub missing: Vec<String>,
    /// Every phase run the operation log recorded, oldest first.
    pub phase_runs: Vec<PhaseRun>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableNode {
    pub name: String,
    pub state: TableState,
    /// The mapping entry the table belongs to (the old master's name for a new master or an
    /// archive); `None` for protected and unknown tables.
    pub mapped_as: Option<String>,
    /// `pg_class.reltuples`, or where the table was never vacuumed or analyzed (a table the
    /// migration just created and filled) the statistics system's count of live rows; `None` when
    /// neither knows.
    pub estimated_rows: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableState {
    /// An old master under its own name: writers still use it.
    OldMaster,
    /// A master or deprecated table renamed `ra_old_*` by phase 5.
    Archived,
    /// A new master (`ra_mst_*`) without a row.
    NewMasterEmpty,
    /// A new master holding rows.
    NewMasterPopulated,
    /// A fact table: keeps its name, its foreign keys are repointed.
    Fact,
    /// A table the mapping protects (the odds tables): never touched.
    Protected,
    /// A deprecated table not yet archived.
    Deprecated,
    /// An `ra_*` table the mapping does not mention.
    Unmapped,
}

impl TableState {
    const ALL: [TableState; 8] = [
        TableState::OldMaster,
        TableState::Archived,
        TableState::NewMasterEmpty,
        TableState::NewMasterPopulated,
        TableState::Fact,
        TableState::Protected,
        TableState::Deprecated,
        TableState::Unmapped,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TableState::OldMaster => "old master (live)",
            TableState::Archived => "archived (ra_old_*)",
            TableState::NewMasterEmpty => "new master, empty",
            TableState::NewMasterPopulated => "new master, populated",
            TableState::Fact => "fact table",
            TableState::Protected => "protected (never touched)",
            TableState::Deprecated => "deprecated",
            TableState::Unmapped => "unknown to the mapping",
        }
    }

    pub(super) fn class(self) -> &'static str {
        match self {
            TableState::OldMaster => "oldMaster",
            TableState::Archived => "archived",
            TableState::NewMasterEmpty => "newEmpty",
            TableState::NewMasterPopulated => "newPopulated",
            TableState::Fact => "fact",
            TableState::Protected => "protected",
            TableState::Deprecated => "deprecated",
            TableState::Unmapped => "unmapped",
        }
    }

    pub(super) fn style(self) -> &'static str {
        match self {
            TableState::OldMaster => "fill:#fde68a,stroke:#b45309,color:#000",
            TableState::Archived => {
                "fill:#e5e7eb,stroke:#6b7280,color:#374151,stroke-dasharray:5 3"
            }
            TableState::NewMasterEmpty => "fill:#dbeafe,stroke:#2563eb,color:#000",
            TableState::NewMasterPopulated => "fill:#bbf7d0,stroke:#15803d,color:#000",
            TableState::Fact => "fill:#ffffff,stroke:#374151,color:#000",
            TableState::Protected => "fill:#fecaca,stroke:#b91c1c,color:#000,stroke-width:2px",
            TableState::Deprecated => "fill:#e9d5ff,stroke:#7e22ce,color:#000",
            TableState::Unmapped => "fill:#ffffff,stroke:#b91c1c,color:#000,stroke-dasharray:2 2",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    /// The referencing table.
    pub child: String,
    pub columns: Vec<String>,
    /// The referenced table.
    pub parent: String,
    pub ref_columns: Vec<String>,
    /// The constraint's name; `None` for an implicit relationship.
    pub constraint: Option<String>,
    pub kind: RelKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelKind {
    /// A validated foreign key.
    ForeignKey,
    /// A foreign key created NOT VALID: rows older than it are not proven.
    NotValid,
    /// A relationship of the mapping that no constraint enforces yet (phase 3 adds it).
    Implicit,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseRun {
    /// The operation log entry.
    pub log_id: i64,
    pub phase: i16,
    pub phase_name: String,
    /// `apply`, `rollback` or `purge`.
    pub action: String,
    pub started_at: DateTime<Utc>,
    /// `None` while it runs (or when its process died before the log was closed).
    pub finished_at: Option<DateTime<Utc>>,
    pub seconds: Option<f64>,
    /// `ok`, `failed`, `verify_failed` or `running`.
    pub outcome: String,
}

/// Gathers the overview of `cat` (the live catalog, read by the caller so that a report can take
/// it from its own snapshot) against `mapping`.
pub fn gather(
    client: &mut impl GenericClient,
    cat: &Catalog,
    mapping: &Mapping,
) -> Result<Overview> {
    let gathered_at: DateTime<Utc> = client
        .query_one("SELECT clock_timestamp()", &[])
        .context("reading the database clock")?
        .get(0);
    let estimates = row_estimates(client, &cat.schema)?;
    let mut tables = Vec::new();
    let mut missing = Vec::new();
    let mut push = |name: &str, state, mapped_as: Option<&str>| {
        tables.push(TableNode {
            name: name.to_string(),
            state,
            mapped_as: mapped_as.map(str::to_string),
            estimated_rows: estimates.get(name).copied().flatten(),
        })
    };
    for m in &mapping.tables {
        let entry = m.name.as_str();
        let mut found = false;
        if cat.table(&m.name).is_some() {
            let state = match m.kind {
                Kind::Master => TableState::OldMaster,
                Kind::Fact => TableState::Fact,
                Kind::Deprecated => TableState::Deprecated,
            };
            push(&m.name, state, Some(entry));
            found = true;
        }
        // A fact table is never archived: an `ra_old_` table of its name is not its archive.
        if m.kind != Kind::Fact && cat.table(&m.archived_name()).is_some() {
            push(&m.archived_name(), TableState::Archived, Some(entry));
            found = true;
        }
        if let Some(new) = m.new_name.as_deref().filter(|n| cat.table(n).is_some()) {
            // Statistics lag behind a fill (reltuples until the table is analyzed, the live-row
            // count until the filling session reports): whether it holds a row is asked of the
            // table itself.
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", cat.qualified(new));
            let populated: bool = client
                .query_one(&sql, &[])
                .with_context(|| format!("checking whether {new} holds rows"))?
                .get(0);
            let state = if populated {
                TableState::NewMasterPopulated
            } else {
                TableState::NewMasterEmpty
            };
            push(new, state, Some(entry));
            found = true;
        }
        if !found {
            missing.push(m.name.clone());
        }
    }
    let mut known = BTreeSet::new();
    for t in &mapping.tables {
        known.insert(t.name.clone());
        known.insert(t.archived_name());
        known.extend(t.new_name.clone());
    }
    for name in cat.tables.keys().filter(|n| mapping.is_protected(n)) {
        push(name, TableState::Protected, None);
    }
    for name in cat
        .tables
        .keys()
        .filter(|n| n.starts_with("ra_") && !known.contains(*n) && !mapping.is_protected(n))
    {
        push(name, TableState::Unmapped, None);
    }
    let relationships = relationships(cat, mapping, &tables);
    let phase_runs = phase_runs(client).context("reading phase timing from the operation log")?;
    Ok(Overview {
        schema: cat.schema.clone(),
        gathered_at,
        tables,
        relationships,
        missing,
        phase_runs,
    })
}

/// The row estimate of every table of `schema` (see [`TableNode::estimated_rows`]): both numbers
/// are kept up to date by the server, neither reads the table.
fn row_estimates(
    client: &mut impl GenericClient,
    schema: &str,
) -> Result<BTreeMap<String, Option<i64>>> {
    Ok(client
        .query(
            "SELECT c.relname::text,
                    CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint ELSE s.n_live_tup END
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
            &[&schema],
        )
        .with_context(|| format!("reading row estimates of schema {schema}"))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Every foreign key among `nodes`, then the mapping's implicit relationships that no foreign key
/// covers yet, drawn between the tables that hold the rows now.
fn relationships(cat: &Catalog, mapping: &Mapping, nodes: &[TableNode]) -> Vec<Relationship> {
    let shown: BTreeSet<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let mut out = Vec::new();
    for node in nodes {
        let Some(t) = cat.table(&node.name) else {
            continue;
        };
        for c in t.constraints.iter().filter(|c| c.kind == "f") {
            let Some(parent) = c.ref_table.as_deref() else {
                continue;
            };
            if c.ref_schema.as_deref() != Some(cat.schema.as_str()) || !shown.contains(parent) {
                continue;
            }
            out.push(Relationship {
                child: t.name.clone(),
                columns: c.columns.clone(),
                parent: parent.to_string(),
                ref_columns: c.ref_columns.clone(),
                constraint: Some(c.name.clone()),
                kind: if c.validated {
                    RelKind::ForeignKey
                } else {
                    RelKind::NotValid
                },
            });
        }
    }
    // The names a mapped table goes by, in the order that says which one holds its rows now.
    let names_of = |name: &str| -> Vec<String> {
        let mut names = vec![name.to_string()];
        if let Some(m) = mapping.get(name) {
            names.extend(m.new_name.clone());
            if m.kind != Kind::Fact {
                names.push(archived_name(name));
            }
        }
        names
    };
    let current = |names: &[String]| names.iter().find(|n| shown.contains(n.as_str())).cloned();
    for m in &mapping.tables {
        for i in &m.implicit {
            let children = names_of(&m.name);
            let parents = names_of(&i.references);
            let enforced = out.iter().any(|r| {
                r.kind != RelKind::Implicit
                    && children.contains(&r.child)
                    && parents.contains(&r.parent)
                    && r.columns == [i.column.clone()]
            });
            if enforced {
                continue;
            }
            let (Some(child), Some(parent)) = (current(&children), current(&parents)) else {
                continue;
            };
            let ref_columns = cat
                .table(&parent)
                .and_then(|t| t.constraints.iter().find(|c| c.kind == "p"))
                .map(|c| c.columns.clone())
                .unwrap_or_default();
            out.push(Relationship {
                child,
                columns: vec![i.column.clone()],
                parent,
                ref_columns,
                constraint: None,
                kind: RelKind::Implicit,
            });
        }
    }
    out
}

fn phase_runs(client: &mut impl GenericClient) -> Result<Vec<PhaseRun>> {
    let installed: bool = client
        .query_one(
            "SELECT to_regclass('ra_migrate.operation_log') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !installed {
        return Ok(Vec::new());
    }
    client
        .query(
            "SELECT id, phase, action, started_at, finished_at,
                    extract(epoch FROM finished_at - started_at)::float8, outcome
             FROM ra_migrate.operation_log WHERE phase IS NOT NULL ORDER BY started_at, id",
            &[],
        )?
        .iter()
        .map(|r| {
            let phase = Phase::from_number(r.get(1))
                .with_context(|| format!("operation log entry {}", r.get::<_, i64>(0)))?;
            Ok(PhaseRun {
                log_id: r.get(0),
                phase: phase.number(),
                phase_name: phase.name().to_string(),
                action: r.get(2),
                started_at: r.get(3),
                finished_at: r.get(4),
                seconds: r.get(5),
                outcome: r.get(6),
            })
        })
        .collect()
}
