//! The inventory of everything that still reads the old master tables: queries seen by
//! `pg_stat_statements` (parsed with sqlparser: real table references, not substring matches),
//! views and functions of the database, and SQL files given by the operator. Phase 4 switches what
//! it finds; phase 5 refuses to start while anything is left.

use crate::catalog::Catalog;
use crate::mapping::Mapping;
use anyhow::{Context, Result};
use postgres::Client;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Serialize)]
pub struct Inventory {
    /// `None` when pg_stat_statements is not available (the reason says why).
    pub statements_available: bool,
    pub statements_note: Option<String>,
    pub statements: Vec<StatementReader>,
    pub views: Vec<ObjectReader>,
    pub functions: Vec<ObjectReader>,
    pub files: Vec<FileReader>,
}

#[derive(Debug, Serialize)]
pub struct StatementReader {
    pub query: String,
    pub calls: i64,
    pub tables: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ObjectReader {
    pub name: String,
    pub tables: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FileReader {
    pub file: PathBuf,
    pub line: usize,
    pub table: String,
}

impl Inventory {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
            && self.views.is_empty()
            && self.functions.is_empty()
            && self.files.is_empty()
    }

    pub fn count(&self) -> usize {
        self.statements.len() + self.views.len() + self.functions.len() + self.files.len()
    }
}

/// Old master names (and the deprecated tables): what readers must stop naming.
pub fn old_names(mapping: &Mapping) -> BTreeSet<String> {
    mapping.archived().map(|t| t.name.clone()).collect()
}

pub fn inventory(
    client: &mut Client,
    cat: &Catalog,
    mapping: &Mapping,
    sql_dir: Option<&Path>,
) -> Result<Inventory> {
    let old = old_names(mapping);
    let mut inv = Inventory::default();
    for v in cat.views_reading(&old) {
        inv.views.push(ObjectReader {
            name: format!("{}.{}", v.schema, v.name),
            tables: v.reads.intersection(&old).cloned().collect(),
        });
    }
    for f in cat.functions_mentioning(&old) {
        // The tool's own trigger functions name old tables by design and go with their phase.
        if f.schema == crate::state::SCHEMA {
            continue;
        }
        inv.functions.push(ObjectReader {
            name: f.signature.clone(),
            tables: f.mentions.intersection(&old).cloned().collect(),
        });
    }
    statements(client, &old, &mut inv)?;
    if let Some(dir) = sql_dir {
        for file in sql_files(dir)? {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let refs = crate::sql::find_table_refs_with_lines(&text)
                .with_context(|| format!("parsing {}", file.display()))?;
            for (line, table) in refs {
                if old.contains(&table) {
                    inv.files.push(FileReader {
                        file: file.clone(),
                        line,
                        table,
                    });
                }
            }
        }
    }
    Ok(inv)
}

fn statements(client: &mut Client, old: &BTreeSet<String>, inv: &mut Inventory) -> Result<()> {
    let available: bool = client
        .query_one("SELECT to_regclass('pg_stat_statements') IS NOT NULL", &[])?
        .get(0);
    if !available {
        inv.statements_note = Some(
            "pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements; it needs shared_preload_libraries): queries run by applications were not inspected".into(),
        );
        return Ok(());
    }
    let rows = match client.query(
        "SELECT query, calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        &[],
    ) {
        Ok(r) => r,
        Err(e) => {
            inv.statements_note = Some(format!("pg_stat_statements could not be read: {e}"));
            return Ok(());
        }
    };
    inv.statements_available = true;
    let mut unparsed = 0;
    for r in rows {
        let query: String = r.get(0);
        // The tool's own statements (copies, comparisons, triggers) name the new tables or its
        // schema as well; a reader that only knows the old layout does not.
        let lower = query.to_lowercase();
        if lower.contains("ra_mst_")
            || lower.contains("ra_migrate.")
            || lower.contains("pg_stat_statements")
        {
            continue;
        }
        let Ok(stmts) = crate::sql::split_and_parse(&query) else {
            unparsed += 1;
            continue;
        };
        let tables: BTreeSet<String> = stmts
            .iter()
            .flat_map(crate::sql::table_refs)
            .filter(|t| old.contains(t))
            .collect();
        if !tables.is_empty() {
            inv.statements.push(StatementReader {
                query,
                calls: r.get(1),
                tables: tables.into_iter().collect(),
            });
        }
    }
    if unparsed > 0 {
        inv.statements_note = Some(format!(
            "{unparsed} statement(s) in pg_stat_statements could not be parsed and were not inspected"
        ));
    }
    Ok(())
}

fn sql_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.is_file() {
            out.push(d);
            continue;
        }
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "sql") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// For each SQL file under `dir` that names an old table: its rewritten text (old names replaced in
/// the parsed statements, everything else re-rendered by the parser).
pub fn rewrite_files(dir: &Path, mapping: &Mapping) -> Result<BTreeMap<PathBuf, (String, String)>> {
    let renames = mapping.renames();
    let old = old_names(mapping);
    let mut out = BTreeMap::new();
    for file in sql_files(dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let refs = crate::sql::find_table_refs_with_lines(&text)
            .with_context(|| format!("parsing {}", file.display()))?;
        if !refs
            .iter()
            .any(|(_, t)| old.contains(t) && renames.contains_key(t))
        {
            continue;
        }
        let mut new = crate::sql::rename_tables_keeping_qualifiers(&text, &renames)
            .with_context(|| format!("rewriting {}", file.display()))?;
        new.push_str(";\n");
        out.insert(file, (text, new));
    }
    Ok(out)
}

/// A minimal line diff (old lines `-`, new lines `+`) for review.
pub fn diff(path: &Path, old: &str, new: &str) -> String {
    let mut out = format!("--- {0}\n+++ {0} (rewritten)\n", path.display());
    for l in old.lines() {
        out.push_str(&format!("-{l}\n"));
    }
    for l in new.lines() {
        out.push_str(&format!("+{l}\n"));
    }
    out
}
