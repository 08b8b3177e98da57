//! The overview for people: a Mermaid diagram of the tables and their foreign keys with a legend,
//! and a Markdown table of the phase runs' timing.

use super::{Overview, RelKind, TableNode, TableState};
use crate::report::markdown_cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
    use super::super::{PhaseRun, Relationship};
    use super::*;
    use chrono::{DateTime, Utc};

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
