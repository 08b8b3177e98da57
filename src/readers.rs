//! The inventory of everything that still reads the old master tables: queries seen by
//! `pg_stat_statements` (parsed with sqlparser: real table references, not substring matches),
//! views and functions of the database, and SQL files given by the operator. Phase 4 switches what
//! it finds; phase 5 refuses to start while anything is left.

use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use anyhow::{anyhow, bail, Context, Result};
use postgres::Client;
use serde::Serialize;
use sqlparser::ast::{TableFactor, Visit, Visitor};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
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
            let refs = crate::schema::sql::find_table_refs_with_lines(&text)
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
        let Ok(stmts) = crate::schema::sql::split_and_parse(&query) else {
            unparsed += 1;
            continue;
        };
        let tables: BTreeSet<String> = stmts
            .iter()
            .flat_map(crate::schema::sql::table_refs)
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

/// One table name changed in a SQL file, at its place in the original text (1-based line and
/// character column, as sqlparser counts them).
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub line: u64,
    pub column: u64,
    pub from: String,
    pub to: String,
}

/// A SQL file rewritten for the new layout: only the changed names differ from `original`.
#[derive(Debug, Serialize)]
pub struct Rewrite {
    pub file: PathBuf,
    #[serde(skip)]
    pub original: String,
    #[serde(skip)]
    pub rewritten: String,
    pub changes: Vec<Change>,
}

/// Every SQL file under `dir` that names an old master, rewritten by source position: each
/// reference the parser resolves to an old master (and a column qualifier spelling that table)
/// gets the new name in place; comments, layout, string literals and every other byte stay.
pub fn rewrite_files(dir: &Path, mapping: &Mapping) -> Result<Vec<Rewrite>> {
    let renames = mapping.renames();
    let mut out = Vec::new();
    for file in sql_files(dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let (rewritten, changes) = rewrite_text(&text, &renames)
            .with_context(|| format!("rewriting {}", file.display()))?;
        if !changes.is_empty() {
            out.push(Rewrite {
                file,
                original: text,
                rewritten,
                changes,
            });
        }
    }
    Ok(out)
}

/// Byte offsets of sqlparser's (line, character column) locations in one text.
struct Positions<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> Positions<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Positions { text, line_starts }
    }

    fn offset(&self, loc: Location) -> Result<usize> {
        let start = usize::try_from(loc.line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| self.line_starts.get(l).copied())
            .with_context(|| format!("location {loc} is outside the text"))?;
        let column = usize::try_from(loc.column).unwrap_or(usize::MAX).max(1) - 1;
        let rest = &self.text[start..];
        match rest.char_indices().nth(column) {
            Some((i, _)) => Ok(start + i),
            None if rest.chars().count() == column => Ok(self.text.len()),
            None => bail!("location {loc} is outside the text"),
        }
    }
}

/// A token that may spell an old master: an identifier, or a string literal holding a relation
/// name (`'ra_horses'::regclass`). The parser decides which of them are references.
#[derive(Debug, Clone, PartialEq)]
enum Candidate {
    Ident { name: String, quoted: bool },
    Literal { text: String, last: String },
}

impl Candidate {
    fn of(token: &Token) -> Option<Candidate> {
        match token {
            Token::Word(w) if w.quote_style.is_none() || w.quote_style == Some('"') => {
                Some(Candidate::Ident {
                    name: if w.quote_style.is_some() {
                        w.value.clone()
                    } else {
                        w.value.to_ascii_lowercase()
                    },
                    quoted: w.quote_style.is_some(),
                })
            }
            Token::SingleQuotedString(s) => {
                let last = s.rsplit('.').next().unwrap_or(s).trim();
                let last = match last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
                    Some(q) => q.replace("\"\"", "\""),
                    None => last.to_ascii_lowercase(),
                };
                Some(Candidate::Literal {
                    text: s.clone(),
                    last,
                })
            }
            _ => None,
        }
    }

    fn name(&self) -> &str {
        match self {
            Candidate::Ident { name, .. } => name,
            Candidate::Literal { last, .. } => last,
        }
    }
}

fn render_ident(name: &str, force_quotes: bool) -> String {
    if crate::schema::quote::is_plain(name) && !force_quotes {
        name.to_string()
    } else {
        crate::schema::quote::ident(name)
    }
}

/// The probe name the parser's own rename gives `old` (index `i` in the rename map): telling
/// apart, in its output, the references it renamed from same-spelled words it left alone.
fn probe(i: usize) -> String {
    format!("ra_migrate_rewrite_probe_{i}")
}

/// `text` with every reference to an old master renamed where it stands.
///
/// Which tokens are references is the parser's decision (`sql::rename_tables`, the same walker
/// that vets generated SQL: CTE names, column names and string literals are not relations): the
/// statement is renamed to probe names, and the probe-named and the unchanged candidate tokens of
/// that output are matched, in order, with the candidate tokens of the source. Any disagreement is
/// an error, never a guess; the result is re-parsed and must reference exactly the renamed tables.
pub fn rewrite_text(
    text: &str,
    renames: &BTreeMap<String, String>,
) -> Result<(String, Vec<Change>)> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, text)
        .tokenize_with_location()
        .map_err(|e| anyhow!("does not tokenize: {e}"))?;
    let positions = Positions::new(text);
    let olds: Vec<&String> = renames.keys().collect();
    let probes: BTreeMap<String, String> = olds
        .iter()
        .enumerate()
        .map(|(i, old)| ((*old).clone(), probe(i)))
        .collect();
    let from_probe: BTreeMap<String, &String> = olds
        .iter()
        .enumerate()
        .map(|(i, old)| (probe(i), *old))
        .collect();
    // (byte range, replacement, change)
    let mut edits: Vec<(std::ops::Range<usize>, String, Change)> = Vec::new();
    for statement in tokens.split(|t| t.token == Token::SemiColon) {
        let meaningful: Vec<&TokenWithSpan> = statement
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .collect();
        let (Some(first), Some(last)) = (meaningful.first(), meaningful.last()) else {
            continue;
        };
        let source: Vec<(usize, Candidate)> = meaningful
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Candidate::of(&t.token).map(|c| (i, c)))
            .filter(|(_, c)| renames.contains_key(c.name()))
            .collect();
        if source.is_empty() {
            continue;
        }
        let start = positions.offset(first.span.start)?;
        let end = positions.offset(last.span.end)?;
        let statement_text = &text[start..end];
        let line = first.span.start.line;
        let probed = crate::schema::sql::rename_tables(statement_text, &probes)
            .with_context(|| format!("statement at line {line}"))?;
        let probed_tokens = Tokenizer::new(&dialect, &probed).tokenize().map_err(|e| {
            anyhow!("statement at line {line}: renamed text does not tokenize: {e}")
        })?;
        let renamed: Vec<(bool, Candidate)> = probed_tokens
            .iter()
            .filter_map(Candidate::of)
            .filter_map(|c| {
                if let Some(old) = from_probe.get(c.name()) {
                    let c = match c {
                        Candidate::Ident { quoted, .. } => Candidate::Ident {
                            name: (*old).clone(),
                            quoted,
                        },
                        Candidate::Literal { .. } => Candidate::Literal {
                            text: String::new(),
                            last: (*old).clone(),
                        },
                    };
                    Some((true, c))
                } else if renames.contains_key(c.name()) {
                    Some((false, c))
                } else {
                    None
                }
            })
            .collect();
        let same_kind = |a: &Candidate, b: &Candidate| {
            matches!(
                (a, b),
                (Candidate::Ident { .. }, Candidate::Ident { .. })
                    | (Candidate::Literal { .. }, Candidate::Literal { .. })
            ) && a.name() == b.name()
        };
        if renamed.len() != source.len()
            || !source
                .iter()
                .zip(&renamed)
                .all(|((_, a), (_, b))| same_kind(a, b))
        {
            bail!(
                "statement at line {line}: cannot tell which names to change by position (the parser's output does not follow the text); rewrite it by hand"
            );
        }
        let sites: BTreeSet<&str> = source
            .iter()
            .zip(&renamed)
            .filter(|(_, (site, _))| *site)
            .map(|((_, c), _)| c.name())
            .collect();
        let aliases =
            aliases(statement_text).with_context(|| format!("statement at line {line}"))?;
        for ((i, candidate), (site, _)) in source.iter().zip(&renamed) {
            let token = meaningful[*i];
            let name = candidate.name();
            let new = &renames[name];
            // `ra_horses.name` next to `FROM ra_horses`: the qualifier names the table too, unless
            // an alias of that spelling is what it names.
            let qualifier = !site
                && matches!(candidate, Candidate::Ident { .. })
                && sites.contains(name)
                && !aliases.contains(name)
                && meaningful
                    .get(i + 1)
                    .is_some_and(|t| t.token == Token::Period);
            if !site && !qualifier {
                continue;
            }
            let range = positions.offset(token.span.start)?..positions.offset(token.span.end)?;
            let replacement = match candidate {
                Candidate::Ident { quoted, .. } => render_ident(new, *quoted),
                Candidate::Literal { text: lit, .. } => {
                    let prefix = lit.rfind('.').map(|d| &lit[..=d]).unwrap_or("");
                    let name = render_ident(new, false);
                    crate::schema::quote::literal(&format!("{prefix}{name}"))
                }
            };
            edits.push((
                range.clone(),
                replacement.clone(),
                Change {
                    line: token.span.start.line,
                    column: token.span.start.column,
                    from: text[range].to_string(),
                    to: replacement,
                },
            ));
        }
    }
    let mut out = text.to_string();
    for (range, replacement, _) in edits.iter().rev() {
        out.replace_range(range.clone(), replacement);
    }
    verify_rewrite(text, &out, renames)?;
    Ok((out, edits.into_iter().map(|(_, _, c)| c).collect()))
}

/// Table aliases defined anywhere in one statement.
fn aliases(statement: &str) -> Result<BTreeSet<String>> {
    struct Aliases(BTreeSet<String>);
    impl Visitor for Aliases {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            let alias = match factor {
                TableFactor::Table { alias, .. }
                | TableFactor::Derived { alias, .. }
                | TableFactor::Function { alias, .. }
                | TableFactor::UNNEST { alias, .. } => alias.as_ref(),
                _ => None,
            };
            if let Some(a) = alias {
                self.0.insert(if a.name.quote_style.is_some() {
                    a.name.value.clone()
                } else {
                    a.name.value.to_ascii_lowercase()
                });
            }
            ControlFlow::Continue(())
        }
    }
    let mut found = Aliases(BTreeSet::new());
    for s in crate::schema::sql::split_and_parse(statement)? {
        let _ = s.visit(&mut found);
    }
    Ok(found.0)
}

/// The rewritten text must reference, statement by statement, what the original referenced
/// with the renames applied.
fn verify_rewrite(before: &str, after: &str, renames: &BTreeMap<String, String>) -> Result<()> {
    let before = crate::schema::sql::split_and_parse(before)?;
    let after = crate::schema::sql::split_and_parse(after)
        .context("the rewritten text does not parse (nothing was written)")?;
    if before.len() != after.len() {
        bail!("the rewritten text has a different number of statements (nothing was written)");
    }
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        let expected: BTreeSet<String> = crate::schema::sql::table_refs(b)
            .into_iter()
            .map(|t| renames.get(&t).cloned().unwrap_or(t))
            .collect();
        let got = crate::schema::sql::table_refs(a);
        if expected != got {
            bail!(
                "statement {}: the rewrite would reference {got:?} instead of {expected:?}; rewrite it by hand",
                i + 1
            );
        }
    }
    Ok(())
}

/// A unified diff of a rewrite (3 lines of context), as `diff -u` and `git apply` read it.
pub fn diff(r: &Rewrite) -> String {
    let path = r.file.display().to_string();
    similar::TextDiff::from_lines(&r.original, &r.rewritten)
        .unified_diff()
        .context_radius(3)
        .header(&path, &path)
        .to_string()
}

/// `<file>.orig`, or an error when it exists (it may be the only copy of the operator's text).
pub fn refuse_existing_orig(r: &Rewrite) -> Result<PathBuf> {
    let mut orig = r.file.clone().into_os_string();
    orig.push(".orig");
    let orig = PathBuf::from(orig);
    if orig.exists() {
        bail!(
            "{} exists already: move it away (it may hold the text of an earlier rewrite) and run again; nothing was written",
            orig.display()
        );
    }
    Ok(orig)
}

/// Writes the rewritten file in place, keeping the original beside it as `<file>.orig` (never
/// overwriting an earlier `.orig`, which may be the only copy of the operator's text). Returns the
/// `.orig` path.
pub fn write_rewrite(r: &Rewrite) -> Result<PathBuf> {
    let orig = refuse_existing_orig(r)?;
    std::fs::copy(&r.file, &orig).with_context(|| {
        format!(
            "keeping a copy of {} as {}",
            r.file.display(),
            orig.display()
        )
    })?;
    let mut tmp = r.file.clone().into_os_string();
    tmp.push(".ra-migrate-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, &r.rewritten).with_context(|| format!("writing {}", tmp.display()))?;
    let perms = std::fs::metadata(&r.file)
        .with_context(|| format!("reading {}", r.file.display()))?
        .permissions();
    std::fs::set_permissions(&tmp, perms).ok();
    std::fs::rename(&tmp, &r.file).with_context(|| format!("replacing {}", r.file.display()))?;
    Ok(orig)
}
