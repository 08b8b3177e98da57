//! The migration at a glance, for reports: every table of the mapping (and the protected and unknown
//! `ra_*` tables beside them) with its state and estimated rows, every foreign key among them as
//! the live catalog has it, the mapping's implicit relationships not yet enforced, and the timing
//! of every phase run from the operation log. Rendered as a Mermaid diagram and a Markdown table;
//! serialised as is for automation.
//!
//! Gathering is cheap on a production database: row counts are the planner's estimates
//! (`pg_class.reltuples`), and the only statements on the tables themselves are `EXISTS` probes of
//! the new masters, which stop at the first row.

use crate::phase::Phase;
use crate::report::markdown_cell;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::{archived_name, Kind, Mapping};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use postgres::GenericClient;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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

    fn class(self) -> &'static str {
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

    fn style(self) -> &'static str {
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

impl Overview {
    /// A Mermaid flowchart: one node per table coloured by state, an arrow from each referencing
    /// table to the table it references (labelled by column), NOT VALID foreign keys dotted red,
    /// implicit relationships dashed grey, and a legend.
    pub fn mermaid(&self) -> String {
        // Table names are arbitrary identifiers: ids are generated, names only ever appear in
        // escaped, quoted labels.
        let ids: BTreeMap<&str, String> = self
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), format!("t{i}")))
            .collect();
        let mut out = String::from("flowchart LR\n");
        for t in &self.tables {
            let _ = writeln!(
                out,
                "  {}[\"{}<br/>{}\"]:::{}",
                ids[t.name.as_str()],
                mermaid_text(&t.name),
                rows_text(t),
                t.state.class()
            );
        }
        let (mut not_valid, mut implicit) = (Vec::new(), Vec::new());
        let edges = self
            .relationships
            .iter()
            .filter_map(|r| Some((ids.get(r.child.as_str())?, ids.get(r.parent.as_str())?, r)));
        for (index, (child, parent, r)) in edges.enumerate() {
            let columns = mermaid_text(&r.columns.join(", "));
            let (arrow, label) = match r.kind {
                RelKind::ForeignKey => ("-->", columns),
                RelKind::NotValid => {
                    not_valid.push(index.to_string());
                    ("-.->", format!("{columns} (NOT VALID)"))
                }
                RelKind::Implicit => {
                    implicit.push(index.to_string());
                    ("-.->", format!("{columns} (implicit)"))
                }
            };
            let _ = writeln!(out, "  {child} {arrow}|\"{label}\"| {parent}");
        }
        if !not_valid.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:#dc2626,stroke-width:2px,stroke-dasharray:2 3",
                not_valid.join(",")
            );
        }
        if !implicit.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:#6b7280,stroke-dasharray:8 4",
                implicit.join(",")
            );
        }
        let present: BTreeSet<TableState> = self.tables.iter().map(|t| t.state).collect();
        out.push_str("  subgraph lg[\"Legend\"]\n    direction TB\n");
        for (i, s) in TableState::ALL
            .iter()
            .filter(|s| present.contains(s))
            .enumerate()
        {
            let _ = writeln!(out, "    l{i}[\"{}\"]:::{}", s.label(), s.class());
        }
        out.push_str(
            "    lk[\"solid arrow: foreign key, referencing → referenced, labelled by column<br/>\
             dotted red: NOT VALID (existing rows not proven)<br/>\
             dashed grey: implicit in the mapping, not enforced yet\"]:::legendText\n  end\n",
        );
        for s in TableState::ALL {
            let _ = writeln!(out, "  classDef {} {}", s.class(), s.style());
        }
        out.push_str("  classDef legendText fill:#ffffff,stroke:#d1d5db,color:#000\n");
        out
    }

    /// The diagram as a fenced Markdown block (rendered by common code hosts), with the mapped
    /// tables that exist under no name listed below it.
    pub fn diagram_markdown(&self) -> String {
        let mut out = format!("```mermaid\n{}```\n", self.mermaid());
        let not_valid = self
            .relationships
            .iter()
            .filter(|r| r.kind == RelKind::NotValid)
            .count();
        let _ = writeln!(
            out,
            "\n{} tables, {} foreign keys ({not_valid} NOT VALID), {} implicit relationships not enforced; rows are the planner's estimates.",
            self.tables.len(),
            self.relationships
                .iter()
                .filter(|r| r.kind != RelKind::Implicit)
                .count(),
            self.relationships
                .iter()
                .filter(|r| r.kind == RelKind::Implicit)
                .count(),
        );
        if !self.missing.is_empty() {
            let _ = writeln!(
                out,
                "\nMapped tables found under none of their names: {}.",
                self.missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out
    }

    /// Every phase run, oldest first, and the total time spent in finished runs.
    pub fn timing_markdown(&self) -> String {
        if self.phase_runs.is_empty() {
            return "No phase has been applied or rolled back yet.\n".into();
        }
        let mut out = String::from(
            "| phase | direction | started | duration | outcome |\n|---|---|---|---:|---|\n",
        );
        for r in &self.phase_runs {
            let _ = writeln!(
                out,
                "| {} ({}) | {} | {} | {} | {} |",
                r.phase,
                markdown_cell(&r.phase_name),
                markdown_cell(&r.action),
                r.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                r.seconds.map_or("unfinished".into(), duration_text),
                markdown_cell(&r.outcome)
            );
        }
        let finished: Vec<f64> = self.phase_runs.iter().filter_map(|r| r.seconds).collect();
        let unfinished = self.phase_runs.len() - finished.len();
        let _ = writeln!(
            out,
            "| **total** | | | **{}** | {} run(s){} |",
            duration_text(finished.iter().sum()),
            self.phase_runs.len(),
            if unfinished > 0 {
                format!(", {unfinished} unfinished (not counted)")
            } else {
                String::new()
            }
        );
        out
    }
}

/// Text for a Mermaid quoted label: `"` would end the label, `#` starts an entity code, and
/// `<`, `>`, `&`, `|` and backticks have meanings of their own in labels.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn rows_text(t: &TableNode) -> String {
    match (t.state, t.estimated_rows) {
        (TableState::NewMasterEmpty, _) => "empty".into(),
        (TableState::NewMasterPopulated, None | Some(0)) => "rows not yet estimated".into(),
        (_, Some(1)) => "~1 row".into(),
        (_, Some(n)) => format!("~{} rows", thousands(n)),
        (_, None) => "rows not estimated".into(),
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn duration_text(seconds: f64) -> String {
    if seconds < 60.0 {
        return format!("{seconds:.2} s");
    }
    // Whole seconds first, so that 119.6 s reads "2 min 0 s", not "1 min 60 s".
    let s = seconds.round() as u64;
    if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, state: TableState, rows: Option<i64>) -> TableNode {
        TableNode {
            name: name.into(),
            state,
            mapped_as: None,
            estimated_rows: rows,
        }
    }

    fn rel(child: &str, column: &str, parent: &str, kind: RelKind) -> Relationship {
        Relationship {
            child: child.into(),
            columns: vec![column.into()],
            parent: parent.into(),
            ref_columns: vec!["id".into()],
            constraint: (kind != RelKind::Implicit).then(|| format!("{child}_{column}_fkey")),
            kind,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sample() -> Overview {
        Overview {
            schema: "public".into(),
            gathered_at: at("2025-01-01T00:00:00Z"),
            tables: vec![
                node("ra_horses", TableState::OldMaster, Some(111_234)),
                node("ra_mst_horses", TableState::NewMasterEmpty, None),
                node("ra_runners", TableState::Fact, Some(1_200_000)),
                node(
                    "ra_\"quoted\" Mixed Case|#1 <x>",
                    TableState::Unmapped,
                    None,
                ),
                node("ra_odds_live", TableState::Protected, Some(5)),
            ],
            relationships: vec![
                rel("ra_runners", "horse_id", "ra_horses", RelKind::ForeignKey),
                rel("ra_runners", "horse_id", "ra_mst_horses", RelKind::NotValid),
                rel(
                    "ra_\"quoted\" Mixed Case|#1 <x>",
                    "we\"ird",
                    "ra_horses",
                    RelKind::Implicit,
                ),
            ],
            missing: vec!["ra_sires".into()],
            phase_runs: vec![
                PhaseRun {
                    log_id: 1,
                    phase: 1,
                    phase_name: "create".into(),
                    action: "apply".into(),
                    started_at: at("2025-01-01T10:00:00Z"),
                    finished_at: Some(at("2025-01-01T10:00:01.5Z")),
                    seconds: Some(1.5),
                    outcome: "ok".into(),
                },
                PhaseRun {
                    log_id: 2,
                    phase: 3,
                    phase_name: "backfill".into(),
                    action: "apply".into(),
                    started_at: at("2025-01-01T10:01:00Z"),
                    finished_at: Some(at("2025-01-01T10:03:05Z")),
                    seconds: Some(125.0),
                    outcome: "verify_failed".into(),
                },
                PhaseRun {
                    log_id: 3,
                    phase: 3,
                    phase_name: "backfill".into(),
                    action: "rollback".into(),
                    started_at: at("2025-01-01T10:05:00Z"),
                    finished_at: None,
                    seconds: None,
                    outcome: "running".into(),
                },
            ],
        }
    }

    #[test]
    fn awkward_names_are_escaped_inside_generated_ids() {
        let m = sample().mermaid();
        assert!(m.starts_with("flowchart LR\n"), "{m}");
        assert!(
            m.contains("  t3[\"ra_#quot;quoted#quot; Mixed Case#124;#35;1 #lt;x#gt;<br/>rows not estimated\"]:::unmapped\n"),
            "{m}"
        );
        assert!(m.contains("t3 -.->|\"we#quot;ird (implicit)\"| t0"), "{m}");
        // Every quote left is a label delimiter: an even number on each line, none in a name.
        for line in m.lines() {
            assert_eq!(line.matches('"').count() % 2, 0, "{line}");
            assert!(!line.contains("quoted\""), "{line}");
        }
        assert!(m.contains("  t0[\"ra_horses<br/>~111,234 rows\"]:::oldMaster"));
        assert!(m.contains("  t1[\"ra_mst_horses<br/>empty\"]:::newEmpty"));
    }

    #[test]
    fn not_valid_and_implicit_edges_differ_from_foreign_keys() {
        let m = sample().mermaid();
        assert!(m.contains("  t2 -->|\"horse_id\"| t0\n"), "{m}");
        assert!(
            m.contains("  t2 -.->|\"horse_id (NOT VALID)\"| t1\n"),
            "{m}"
        );
        // Edge indices count from 0 in order of definition.
        assert!(m.contains("  linkStyle 1 stroke:#dc2626"), "{m}");
        assert!(m.contains("  linkStyle 2 stroke:#6b7280"), "{m}");
    }

    #[test]
    fn legend_shows_the_states_present_and_the_edge_kinds() {
        let m = sample().mermaid();
        let legend = &m[m.find("subgraph lg[").expect("a legend")..];
        for s in [
            TableState::OldMaster,
            TableState::NewMasterEmpty,
            TableState::Fact,
            TableState::Unmapped,
            TableState::Protected,
        ] {
            assert!(
                legend.contains(&format!("[\"{}\"]:::{}", s.label(), s.class())),
                "{s:?}: {m}"
            );
        }
        assert!(!legend.contains(TableState::Archived.label()), "{m}");
        assert!(
            legend.contains("NOT VALID") && legend.contains("implicit"),
            "{m}"
        );
        for s in TableState::ALL {
            assert!(m.contains(&format!("classDef {} fill:", s.class())), "{m}");
        }
    }

    #[test]
    fn diagram_markdown_is_fenced_and_names_missing_tables() {
        let d = sample().diagram_markdown();
        assert!(d.starts_with("```mermaid\nflowchart LR\n"), "{d}");
        assert!(d.contains("\n```\n"), "{d}");
        assert!(
            d.contains("2 foreign keys (1 NOT VALID), 1 implicit"),
            "{d}"
        );
        assert!(d.contains("`ra_sires`"), "{d}");
    }

    #[test]
    fn timing_lists_runs_oldest_first_with_a_total_of_finished_runs() {
        let t = sample().timing_markdown();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "| phase | direction | started | duration | outcome |"
        );
        assert_eq!(
            lines[2],
            "| 1 (create) | apply | 2025-01-01 10:00:00 UTC | 1.50 s | ok |"
        );
        assert_eq!(
            lines[3],
            "| 3 (backfill) | apply | 2025-01-01 10:01:00 UTC | 2 min 5 s | verify_failed |"
        );
        assert_eq!(
            lines[4],
            "| 3 (backfill) | rollback | 2025-01-01 10:05:00 UTC | unfinished | running |"
        );
        assert_eq!(
            lines[5],
            "| **total** | | | **2 min 7 s** | 3 run(s), 1 unfinished (not counted) |"
        );
        let mut empty = sample();
        empty.phase_runs.clear();
        assert!(empty.timing_markdown().contains("No phase"));
    }
}

// ---- where things stand (`status`) ----
//
// What an operator asks first: what is running, how far the backfill is, whether the last
// validation passed, what is quarantined, which readers are left, when purge may run, and what
// to run next. Row counts are estimates here too; nothing scans a table.

/// Where the migration stands now, for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    /// Operations the log has as running, with whether their process still holds the operator
    /// lock (otherwise the process died and the phase state says where it stood).
    pub running: Vec<RunningOperation>,
    /// Who holds the operator lock now, if anyone.
    pub operator_lock_holder: Option<String>,
    /// Phase 3's progress from its checkpoints, once it has any.
    pub backfill: Option<BackfillProgress>,
    pub last_validation: Option<LastValidation>,
    /// Unresolved records in the quarantine.
    pub quarantined: i64,
    /// Readers of the old tables (queries, views, functions) left before phase 5; `None` once
    /// phase 5 is in effect.
    pub readers_left: Option<usize>,
    /// When `purge` (default retention, 30 days) may drop the archive, once phase 5 is applied.
    pub purge_possible_from: Option<String>,
    pub purged: bool,
    /// The command to run next, and why.
    pub next: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunningOperation {
    pub id: i64,
    pub action: String,
    pub phase: Option<i16>,
    pub operator: String,
    pub started_at: String,
    pub alive: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackfillProgress {
    pub rows_copied: i64,
    /// The old masters' estimated rows (planner statistics).
    pub rows_estimated: i64,
    pub tables_done: usize,
    pub tables: usize,
    /// Rows per second since the phase 3 run began, while it is running.
    pub rate_rows_per_sec: Option<f64>,
    pub eta_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastValidation {
    pub finished_at: String,
    pub passed: bool,
    /// Whether it counts for phase 4's gate (passed, and newer than the last phase change).
    pub current: bool,
}

/// The default `purge --retention` the purge date is computed with.
const DEFAULT_RETENTION_DAYS: i32 = 30;

pub fn standing(
    client: &mut postgres::Client,
    mapping: &Mapping,
    schema: &str,
) -> Result<Standing> {
    let operator_lock_holder = crate::pg::db::operator_lock_holder(client)?;
    let running = client
        .query(
            "SELECT id, action, phase, operator, started_at::text FROM ra_migrate.operation_log
             WHERE outcome = 'running' ORDER BY id",
            &[],
        )
        .context("reading running operations")?
        .iter()
        .map(|r| RunningOperation {
            id: r.get(0),
            action: r.get(1),
            phase: r.get(2),
            operator: r.get(3),
            started_at: r.get(4),
            alive: operator_lock_holder.is_some(),
        })
        .collect();
    let phases = crate::state::phases(client)?;
    let current = phases
        .iter()
        .filter(|r| r.status.is_in_effect())
        .max_by_key(|r| r.phase)
        .cloned();
    let row = |p: Phase| phases.iter().find(|r| r.phase == p);
    let backfill = backfill_progress(client, mapping, schema, row(Phase::Backfill))?;
    let last_validation = client
        .query_opt(
            "SELECT finished_at::text, passed FROM ra_migrate.validation_run
             WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
            &[],
        )
        .context("reading the last validation")?
        .map(|r| (r.get::<_, String>(0), r.get::<_, Option<bool>>(1)));
    let gate_ok = crate::report::validate::latest_passing_since_last_change(client)?.is_some();
    let last_validation = last_validation.map(|(finished_at, passed)| LastValidation {
        finished_at,
        passed: passed.unwrap_or(false),
        current: gate_ok && passed.unwrap_or(false),
    });
    let quarantined: i64 = client
        .query_one(
            "SELECT count(*) FROM ra_migrate.quarantine WHERE resolved_at IS NULL",
            &[],
        )
        .context("counting the quarantine")?
        .get(0);
    let archive = row(Phase::Archive).filter(|r| r.status == crate::state::Status::Applied);
    let readers_left = if archive.is_some() {
        None
    } else {
        let cat = Catalog::read(client, schema)?;
        Some(crate::readers::inventory(client, &cat, mapping, None)?.count())
    };
    let purged = match archive {
        Some(r) => r
            .record::<crate::phase::archive::Record>()?
            .purged_at
            .is_some(),
        None => false,
    };
    let purge_possible_from = match archive.and_then(|r| r.applied_at.clone()) {
        Some(at) if !purged => Some(
            client
                .query_one(
                    "SELECT ($1::text::timestamptz + make_interval(days => $2))::text",
                    &[&at, &DEFAULT_RETENTION_DAYS],
                )?
                .get(0),
        ),
        _ => None,
    };
    let mut s = Standing {
        running,
        operator_lock_holder,
        backfill,
        last_validation,
        quarantined,
        readers_left,
        purge_possible_from,
        purged,
        next: String::new(),
    };
    s.next = next_command(&s, current.as_ref(), gate_ok);
    Ok(s)
}

fn backfill_progress(
    client: &mut postgres::Client,
    mapping: &Mapping,
    schema: &str,
    phase3: Option<&crate::state::PhaseRow>,
) -> Result<Option<BackfillProgress>> {
    let rows = client
        .query(
            "SELECT rows_copied, done FROM ra_migrate.backfill_checkpoint",
            &[],
        )
        .context("reading the backfill checkpoints")?;
    if rows.is_empty() {
        return Ok(None);
    }
    let rows_copied: i64 = rows.iter().map(|r| r.get::<_, i64>(0)).sum();
    let tables_done = rows.iter().filter(|r| r.get::<_, bool>(1)).count();
    let olds: Vec<String> = mapping.masters().map(|t| t.name.clone()).collect();
    let rows_estimated: i64 = client
        .query_one(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND c.relname = ANY($2)",
            &[&schema, &olds],
        )
        .context("estimating the masters' rows")?
        .get(0);
    let running = phase3.is_some_and(|r| r.status == crate::state::Status::Applying);
    let (mut rate, mut eta) = (None, None);
    if running {
        // since the latest apply 3 began: a resumed run's earlier rows are in its checkpoints too
        let elapsed: Option<f64> = client
            .query_one(
                "SELECT extract(epoch FROM now() - max(started_at))::float8
                 FROM ra_migrate.operation_log WHERE phase = 3 AND action = 'apply'",
                &[],
            )?
            .get(0);
        if let Some(secs) = elapsed.filter(|s| *s > 0.0) {
            let r = rows_copied as f64 / secs;
            rate = Some(r);
            if r > 0.0 {
                eta = Some(((rows_estimated - rows_copied).max(0)) as f64 / r);
            }
        }
    }
    Ok(Some(BackfillProgress {
        rows_copied,
        rows_estimated,
        tables_done,
        tables: mapping.masters().count(),
        rate_rows_per_sec: rate,
        eta_seconds: eta,
    }))
}

fn next_command(s: &Standing, current: Option<&crate::state::PhaseRow>, gate_ok: bool) -> String {
    use crate::state::Status;
    if let Some(op) = s.running.iter().find(|o| o.alive) {
        return format!(
            "wait: {} {} is running (log entry {}, {})",
            op.action,
            op.phase.map(|p| p.to_string()).unwrap_or_default(),
            op.id,
            op.operator
        );
    }
    let Some(r) = current else {
        return "ra-migrate doctor, then ra-migrate apply 1 --dry-run and ra-migrate apply 1 --yes"
            .into();
    };
    let n = r.phase.number();
    match r.status {
        Status::Applying => {
            format!("ra-migrate apply {n} --yes (it resumes or retries what stopped)")
        }
        Status::RollingBack => format!("ra-migrate rollback {n} --yes (it finishes the rollback)"),
        Status::Applied if !r.verified => format!("ra-migrate verify {n}"),
        Status::Applied => match r.phase {
            Phase::Backfill if !gate_ok => {
                "ra-migrate validate (phase 4 needs a passing report newer than the last phase change)".into()
            }
            Phase::Backfill => "ra-migrate apply 4 --yes --functions".into(),
            Phase::SwitchReaders if s.readers_left.unwrap_or(0) > 0 => format!(
                "ra-migrate readers: {} reader(s) of the old tables left to switch before phase 5",
                s.readers_left.unwrap_or(0)
            ),
            Phase::SwitchReaders => "ra-migrate apply 5 --yes".into(),
            Phase::Archive if s.purged => "nothing: the migration is complete".into(),
            Phase::Archive => format!(
                "ra-migrate purge --dump DIR --yes once the retention has passed (from {})",
                s.purge_possible_from.as_deref().unwrap_or("?")
            ),
            _ => format!("ra-migrate apply {} --yes", n + 1),
        },
        Status::RolledBack => format!("ra-migrate apply {n} --yes"),
    }
}

impl Standing {
    /// The lines `status` prints under its table.
    pub fn text(&self) -> String {
        let mut out = String::new();
        match &self.operator_lock_holder {
            Some(h) => {
                let _ = writeln!(out, "operator lock: held by {h}");
            }
            None => out.push_str("operator lock: free\n"),
        }
        for op in &self.running {
            let _ = writeln!(
                out,
                "{} log entry {}: {} phase {} by {} since {}",
                if op.alive { "running" } else { "interrupted" },
                op.id,
                op.action,
                op.phase
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "-".into()),
                op.operator,
                op.started_at
            );
        }
        if let Some(b) = &self.backfill {
            let _ = write!(
                out,
                "backfill: {} of ~{} rows copied, {}/{} tables done",
                b.rows_copied, b.rows_estimated, b.tables_done, b.tables
            );
            if let (Some(rate), Some(eta)) = (b.rate_rows_per_sec, b.eta_seconds) {
                let _ = write!(out, ", {rate:.0} rows/s, about {eta:.0} s left");
            }
            out.push('\n');
        }
        match &self.last_validation {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "last validation: {} at {}{}",
                    if v.passed { "passed" } else { "FAILED" },
                    v.finished_at,
                    if v.passed && !v.current {
                        " (older than the last phase change)"
                    } else {
                        ""
                    }
                );
            }
            None => out.push_str("last validation: none\n"),
        }
        let _ = writeln!(out, "quarantine: {} unresolved record(s)", self.quarantined);
        if let Some(n) = self.readers_left {
            let _ = writeln!(out, "readers of the old tables left: {n}");
        }
        if self.purged {
            out.push_str("archive: purged\n");
        } else if let Some(at) = &self.purge_possible_from {
            let _ = writeln!(out, "purge possible from: {at} (30-day retention)");
        }
        let _ = writeln!(out, "next: {}", self.next);
        out
    }
}
