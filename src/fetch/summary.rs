//! The report at the end of a fetch: rows written per table and layout, quarantined records,
//! requests and retries. Data here; rendering as a table or JSON is the caller's choice.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use serde::Serialize;

use super::ingest::Totals;
use super::route::Role;
use super::source::Meter;
use super::Tally;

#[derive(Debug, Clone, Serialize)]
pub struct TableRows {
    pub table: String,
    /// `old` master, `new` master, or `fact` table (written once).
    pub target: Role,
    /// Rows inserted or changed (unchanged rows are not rewritten).
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// e.g. `racecards 2025-10-13..2025-10-14`.
    pub command: String,
    pub source: String,
    /// The phase the writes followed (of the last batch), e.g. `2 (dual-write)`.
    pub phase: Option<String>,
    pub wrote_old: bool,
    pub wrote_new: bool,
    pub tables: Vec<TableRows>,
    pub quarantined: u64,
    pub requests: u64,
    pub retries: u64,
    #[serde(flatten)]
    pub tally: Tally,
    /// Batches whose first try failed on a data error and were written record-safe.
    pub careful_batches: u64,
    pub elapsed_secs: f64,
    /// True when the run stopped on an error (what is listed was committed before it).
    pub incomplete: bool,
}

impl Summary {
    pub fn new(
        command: String,
        source: &str,
        totals: &Totals,
        meter: Meter,
        tally: &Tally,
        elapsed_secs: f64,
    ) -> Summary {
        Summary {
            command,
            source: source.to_string(),
            phase: totals.targets.and_then(|t| t.phase).map(|p| p.to_string()),
            wrote_old: totals.targets.is_some_and(|t| t.old),
            wrote_new: totals.targets.is_some_and(|t| t.new),
            tables: totals
                .written
                .iter()
                .map(|((table, target), rows)| TableRows {
                    table: table.clone(),
                    target: *target,
                    rows: *rows,
                })
                .collect(),
            quarantined: totals.quarantined,
            requests: meter.requests,
            retries: meter.retries,
            tally: tally.clone(),
            careful_batches: totals.careful_batches,
            elapsed_secs,
            incomplete: false,
        }
    }

    pub fn render(&self) -> String {
        let mut out = format!(
            "fetch {} from {}: {}{}\n",
            self.command,
            self.source,
            match &self.phase {
                Some(p) => format!("phase {p} in effect"),
                None => "no phase applied".to_string(),
            },
            match (self.wrote_old, self.wrote_new) {
                (true, true) => ", masters written to old and new tables",
                (true, false) => ", masters written to old tables",
                (false, true) => ", masters written to new tables",
                (false, false) => "",
            }
        );
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(["table", "target", "rows written"]);
        for r in &self.tables {
            t.add_row(vec![
                Cell::new(&r.table),
                Cell::new(r.target.as_str()),
                Cell::new(r.rows).set_alignment(CellAlignment::Right),
            ]);
        }
        let a = &self.tally;
        let counts = [
            ("quarantined records", self.quarantined),
            ("requests", self.requests),
            ("retries", self.retries),
            ("dates", a.dates),
            ("races received", a.races),
            ("runners received", a.runners),
            ("odds received", a.odds),
            ("horse profiles", a.profiles),
            ("horses without a profile (404)", a.absent_profiles),
            ("values stored as no value (warnings)", a.warnings),
            (
                "batches written record-safe after a data error",
                self.careful_batches,
            ),
        ];
        for (name, n) in counts {
            t.add_row(vec![
                Cell::new(name),
                Cell::new(""),
                Cell::new(n).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!("{t}\n"));
        out.push_str(&format!("took {:.1}s", self.elapsed_secs));
        if self.quarantined > 0 {
            out.push_str(&format!(
                "; {} record(s) quarantined: see `ra-migrate quarantine`",
                self.quarantined
            ));
        }
        if self.incomplete {
            out.push_str("; stopped early on an error (below): the rows above were committed");
        }
        out.push('\n');
        out
    }
}
