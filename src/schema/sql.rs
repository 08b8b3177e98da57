//! SQL safety: every generated statement is parsed with sqlparser and its table references checked.
//!
//! This module owns the parse-before-run invariant. Anything the tool is about to execute goes
//! through [`check`] (or [`split_and_parse`] / [`check_function_body`] for scripts and PL/pgSQL
//! bodies): the statement must parse with the PostgreSQL dialect, the relations it names are
//! extracted, and a statement naming a protected relation (`ra_odds_*` or whatever the mapping
//! marks protected) is refused. A statement sqlparser cannot parse is an error, never skipped.
//!
//! It also owns AST-based table renaming ([`rename_tables`]) and reference listing for SQL files
//! ([`find_table_refs_with_lines`]), so that every consumer agrees on what counts as a reference.
//!
//! Names are compared the way PostgreSQL resolves them: unqualified, unquoted identifiers folded
//! to lowercase, quoted identifiers kept verbatim. Relation names include sequences, views and
//! indexes, not only tables: touching any of them can affect a protected table.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;

use anyhow::{anyhow, bail, Context, Result};
use sqlparser::ast::{
    visit_relations, AlterIndexOperation, AlterTableOperation, AlterViewOperation, ColumnOption,
    CommentObject, CopySource, CreateFunctionBody, CreateTableLikeKind, DataType, Expr, FromTable,
    FunctionArg, FunctionArgExpr, FunctionArguments, GrantObjects, Ident, ObjectName,
    ObjectNamePart, ObjectType, Query, RenameTableNameKind, SequenceOptions, Statement,
    TableConstraint, TableFactor, TableObject, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// How much of a statement error messages quote: enough to recognise it, short enough for a log line.
const SNIPPET_CHARS: usize = 200;

/// Functions whose first argument PostgreSQL resolves as a relation name (`regclass` or text
/// parsed the same way), so a string literal there is a relation reference.
const RELATION_ARG_FUNCTIONS: &[&str] = &[
    "nextval",
    "currval",
    "setval",
    "to_regclass",
    "pg_get_serial_sequence",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_table_size",
    "pg_indexes_size",
];

/// Relation names (or `name*` prefix globs) that no generated statement may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protected {
    patterns: Vec<String>,
}

impl Protected {
    /// Patterns are catalog spellings (case-sensitive), optionally ending in `*` for a prefix
    /// match. A schema qualifier is dropped: protection is by relation name in every schema.
    pub fn new(patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let patterns = patterns
            .into_iter()
            .map(Into::into)
            .map(|p| match p.rsplit_once('.') {
                Some((_, name)) => name.to_string(),
                None => p,
            })
            .filter(|p| !p.is_empty())
            .collect();
        Protected { patterns }
    }

    /// `table` is written as in SQL text (`RA_ODDS_LIVE`, `public.ra_odds_live`,
    /// `"ra_odds_live"`): it is normalised before comparison.
    pub fn matches(&self, table: &str) -> bool {
        match parse_ident_path(table) {
            Some(parts) => parts.last().is_some_and(|name| self.matches_name(name)),
            None => self.matches_name(table),
        }
    }

    /// `name` is already normalised (catalog spelling, unqualified), as in [`Checked::tables`].
    pub fn matches_name(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == p,
        })
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

/// A statement that parsed and touches no protected relation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checked {
    pub sql: String,
    /// Unqualified, normalised names of every relation the statement references.
    pub tables: BTreeSet<String>,
}

/// Parses `sql` (exactly one statement), extracts its relation references and refuses it if any
/// of them is protected.
pub fn check(sql: &str, protected: &Protected) -> Result<Checked> {
    if let Some(parsed) = parse_alter_publication(sql)
        .or_else(|| parse_comment_on_constraint(sql))
        .or_else(|| parse_column_attribute(sql))
        .or_else(|| parse_create_statistics(sql))
        .or_else(|| parse_alter_statistics(sql))
    {
        let tables =
            parsed.map_err(|e| anyhow!("statement does not parse: {e}: {}", snippet(sql)))?;
        if let Some(table) = tables.iter().find(|t| protected.matches_name(t)) {
            bail!(
                "refused: statement references protected table {table}: {}",
                snippet(sql)
            );
        }
        return Ok(Checked {
            sql: sql.to_string(),
            tables,
        });
    }
    let mut statements = parse_located(sql)?;
    if statements.len() != 1 {
        bail!(
            "expected exactly one statement, found {}: {}",
            statements.len(),
            snippet(sql)
        );
    }
    let (_, mut statement) = statements.remove(0);
    let walk = Walker::run(&mut statement, None);
    if let Some(table) = walk.found.iter().find(|t| protected.matches_name(t)) {
        bail!(
            "refused: statement references protected table {table}: {}",
            snippet(sql)
        );
    }
    // sqlparser keeps function bodies as strings, so references inside cannot be extracted;
    // any protected name appearing in one is still enough to refuse.
    for body in &walk.opaque_bodies {
        if let Some(table) = protected_word_in(body, protected)? {
            bail!(
                "refused: function body mentions protected table {table}: {}",
                snippet(sql)
            );
        }
    }
    Ok(Checked {
        sql: sql.to_string(),
        tables: walk.found,
    })
}

static DIALECT: PostgreSqlDialect = PostgreSqlDialect {};

fn word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Word(x) if x.value.eq_ignore_ascii_case(w))
}

/// A parser past the words `words` when `sql` starts with them (the forms sqlparser 0.64 lacks,
/// read below with its own pieces); `None` otherwise.
fn lead(sql: &str, words: &[&str]) -> Option<Parser<'static>> {
    let mut p = Parser::new(&DIALECT).try_with_sql(sql).ok()?;
    if !words
        .iter()
        .enumerate()
        .all(|(k, w)| word(&p.peek_nth_token(k).token, w))
    {
        return None;
    }
    for _ in words {
        p.next_token();
    }
    Some(p)
}

/// Nothing but semicolons may follow: one statement only.
fn expect_end(p: &mut Parser) -> Result<()> {
    while p.consume_token(&Token::SemiColon) {}
    let rest = p.peek_token();
    if rest.token != Token::EOF {
        bail!("expected end of statement, found {}", rest.token);
    }
    Ok(())
}

/// sqlparser 0.64 has no `ALTER PUBLICATION`. The form the tool generates, `ALTER PUBLICATION
/// name ADD|DROP TABLE [ONLY] relation [(column, ...)] [WHERE (expression)]`, is read here with
/// sqlparser's own pieces, so it is held to the same checks; `None` when `sql` is not one.
fn parse_alter_publication(sql: &str) -> Option<Result<BTreeSet<String>>> {
    let mut p = lead(sql, &["ALTER", "PUBLICATION"])?;
    let mut parse = || -> Result<BTreeSet<String>> {
        p.parse_identifier()?;
        let action = p.next_token();
        if !(word(&action.token, "ADD") || word(&action.token, "DROP")) {
            bail!("expected ADD or DROP, found {}", action.token);
        }
        p.expect_keyword(sqlparser::keywords::Keyword::TABLE)?;
        let _ = p.parse_keyword(sqlparser::keywords::Keyword::ONLY);
        let name = p.parse_object_name(false)?;
        if p.consume_token(&Token::LParen) {
            p.parse_comma_separated(Parser::parse_identifier)?;
            p.expect_token(&Token::RParen)?;
        }
        // A row filter may not contain a subquery: it names no other relation.
        if p.parse_keyword(sqlparser::keywords::Keyword::WHERE) {
            p.parse_expr()?;
        }
        expect_end(&mut p)?;
        let table = name.0.last().map(part_name).context("no relation")?;
        Ok(BTreeSet::from([table]))
    };
    Some(parse())
}

/// sqlparser 0.64 has no `COMMENT ON CONSTRAINT name ON relation IS 'text'`, read here like
/// `ALTER PUBLICATION`; `None` when `sql` is not one.
fn parse_comment_on_constraint(sql: &str) -> Option<Result<BTreeSet<String>>> {
    let mut p = lead(sql, &["COMMENT", "ON", "CONSTRAINT"])?;
    let mut parse = || -> Result<BTreeSet<String>> {
        p.parse_identifier()?;
        p.expect_keyword(sqlparser::keywords::Keyword::ON)?;
        let name = p.parse_object_name(false)?;
        p.expect_keyword(sqlparser::keywords::Keyword::IS)?;
        if !p.parse_keyword(sqlparser::keywords::Keyword::NULL) {
            p.parse_literal_string()?;
        }
        expect_end(&mut p)?;
        let table = name.0.last().map(part_name).context("no relation")?;
        Ok(BTreeSet::from([table]))
    };
    Some(parse())
}

/// sqlparser 0.64 has no `ALTER TABLE relation ALTER COLUMN column SET STATISTICS n | SET STORAGE
/// kind | SET (option = value, ...)`, read here like `ALTER PUBLICATION`; `None` when `sql` is not
/// one of those.
fn parse_column_attribute(sql: &str) -> Option<Result<BTreeSet<String>>> {
    let mut p = Parser::new(&DIALECT).try_with_sql(sql).ok()?;
    if !(word(&p.peek_nth_token(0).token, "ALTER") && word(&p.peek_nth_token(1).token, "TABLE")) {
        return None;
    }
    // Only the forms above; every other ALTER TABLE goes to sqlparser's own parser.
    let mut k = 2;
    while !matches!(p.peek_nth_token(k).token, Token::EOF)
        && !word(&p.peek_nth_token(k).token, "ALTER")
    {
        k += 1;
    }
    let set_at = k + 3;
    let (attr, set) = (
        &p.peek_nth_token(set_at + 1).token,
        &p.peek_nth_token(set_at).token,
    );
    let column_kw = word(&p.peek_nth_token(k + 1).token, "COLUMN");
    if !column_kw
        || !word(set, "SET")
        || !(word(attr, "STATISTICS") || word(attr, "STORAGE") || *attr == Token::LParen)
    {
        return None;
    }
    let mut parse = || -> Result<BTreeSet<String>> {
        p.next_token();
        p.next_token();
        let _ = p.parse_keyword(sqlparser::keywords::Keyword::ONLY);
        let name = p.parse_object_name(false)?;
        p.expect_keyword(sqlparser::keywords::Keyword::ALTER)?;
        p.expect_keyword(sqlparser::keywords::Keyword::COLUMN)?;
        p.parse_identifier()?;
        p.expect_keyword(sqlparser::keywords::Keyword::SET)?;
        if p.parse_keyword(sqlparser::keywords::Keyword::STATISTICS) {
            p.parse_literal_uint()?;
        } else if p.parse_keyword(sqlparser::keywords::Keyword::STORAGE) {
            let kind = p.parse_identifier()?;
            if !["PLAIN", "EXTERNAL", "EXTENDED", "MAIN"]
                .iter()
                .any(|k| kind.value.eq_ignore_ascii_case(k))
            {
                bail!("unknown storage {kind}");
            }
        } else {
            p.expect_token(&Token::LParen)?;
            p.parse_comma_separated(|p| {
                p.parse_identifier()?;
                p.expect_token(&Token::Eq)?;
                // A number, signed or not: nothing that could name a relation.
                let _ = p.consume_token(&Token::Minus);
                p.parse_number_value()
            })?;
            p.expect_token(&Token::RParen)?;
        }
        expect_end(&mut p)?;
        let table = name.0.last().map(part_name).context("no relation")?;
        Ok(BTreeSet::from([table]))
    };
    Some(parse())
}

/// sqlparser 0.64 has no `CREATE STATISTICS name [(kind, ...)] ON column, ... FROM relation`
/// (the form `pg_get_statisticsobjdef` gives, columns or expressions), read here like `ALTER
/// PUBLICATION`; `None` when `sql` is not one.
fn parse_create_statistics(sql: &str) -> Option<Result<BTreeSet<String>>> {
    let mut p = lead(sql, &["CREATE", "STATISTICS"])?;
    let mut parse = || -> Result<BTreeSet<String>> {
        p.parse_object_name(false)?;
        if p.consume_token(&Token::LParen) {
            p.parse_comma_separated(Parser::parse_identifier)?;
            p.expect_token(&Token::RParen)?;
        }
        p.expect_keyword(sqlparser::keywords::Keyword::ON)?;
        // Expressions may not contain a subquery: they name no other relation.
        p.parse_comma_separated(Parser::parse_expr)?;
        p.expect_keyword(sqlparser::keywords::Keyword::FROM)?;
        let name = p.parse_object_name(false)?;
        expect_end(&mut p)?;
        let table = name.0.last().map(part_name).context("no relation")?;
        Ok(BTreeSet::from([table]))
    };
    Some(parse())
}

/// sqlparser 0.64 has no `ALTER STATISTICS`. The form the tool generates, `ALTER STATISTICS name
/// SET STATISTICS n`, names a statistics object and no relation; `None` when `sql` is not one.
fn parse_alter_statistics(sql: &str) -> Option<Result<BTreeSet<String>>> {
    let mut p = lead(sql, &["ALTER", "STATISTICS"])?;
    let mut parse = || -> Result<BTreeSet<String>> {
        p.parse_object_name(false)?;
        p.expect_keyword(sqlparser::keywords::Keyword::SET)?;
        p.expect_keyword(sqlparser::keywords::Keyword::STATISTICS)?;
        let minus = p.consume_token(&Token::Minus);
        match p.next_token().token {
            Token::Number(n, _) if n.parse::<i32>().is_ok() && (!minus || n == "1") => {}
            t => bail!("expected a statistics target, found {t}"),
        }
        expect_end(&mut p)?;
        Ok(BTreeSet::new())
    };
    Some(parse())
}

/// Unqualified, normalised names of every relation `stmt` references. Names defined by a
/// `WITH` in the statement are not relations and are left out where they are in scope.
pub fn table_refs(stmt: &Statement) -> BTreeSet<String> {
    // The walker is a VisitorMut so renaming and listing share one definition of "reference".
    let mut stmt = stmt.clone();
    Walker::run(&mut stmt, None).found
}

/// Parses a script of any number of statements; any parse failure is an error.
pub fn split_and_parse(sql: &str) -> Result<Vec<Statement>> {
    Ok(parse_located(sql)?.into_iter().map(|(_, s)| s).collect())
}

/// Checks the statements a generated PL/pgSQL body will contain, each on its own, before they
/// are wrapped in the opaque `$$ ... $$` body. Returns every relation they reference.
pub fn check_function_body(
    body_statements: &[&str],
    protected: &Protected,
) -> Result<BTreeSet<String>> {
    let mut tables = BTreeSet::new();
    for (i, statement) in body_statements.iter().enumerate() {
        let checked = check(statement, protected)
            .map_err(|e| anyhow!("function body statement {}: {e}", i + 1))?;
        tables.extend(checked.tables);
    }
    Ok(tables)
}

/// Replaces every relation reference whose unqualified name is a key of `renames` with the
/// value (keeping any schema qualifier) and re-renders the statements, joined by `;\n`.
pub fn rename_tables(sql: &str, renames: &BTreeMap<String, String>) -> Result<String> {
    let mut rendered = Vec::new();
    for (line, mut statement) in parse_located(sql)? {
        let walk = Walker::run(&mut statement, Some(renames));
        // A rename that silently misses a function body would leave the old name behind.
        for body in &walk.opaque_bodies {
            let keys = Protected::new(renames.keys().cloned());
            if let Some(table) = protected_word_in(body, &keys)? {
                bail!("cannot rename {table} inside the opaque function body of the statement at line {line}");
            }
        }
        rendered.push(statement.to_string());
    }
    Ok(rendered.join(";\n"))
}

/// For a SQL file: every relation reference, with the 1-based line where its statement starts.
pub fn find_table_refs_with_lines(sql: &str) -> Result<Vec<(usize, String)>> {
    Ok(parse_located(sql)?
        .into_iter()
        .flat_map(|(line, statement)| {
            table_refs(&statement)
                .into_iter()
                .map(move |table| (line, table))
        })
        .collect())
}

/// Same statement splitting as `Parser::parse_statements`, but remembering where each statement
/// starts. Splitting on the parser's own tokens means `;` inside strings, quoted identifiers,
/// dollar quotes and comments never splits a statement.
fn parse_located(sql: &str) -> Result<Vec<(usize, Statement)>> {
    let dialect = PostgreSqlDialect {};
    let does_not_parse =
        |e: &dyn std::fmt::Display| anyhow!("statement does not parse: {e}: {}", snippet(sql));
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| does_not_parse(&e))?;
    let mut statements = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        let next = parser.peek_token();
        if next.token == Token::EOF {
            break;
        }
        let line = usize::try_from(next.span.start.line).unwrap_or(usize::MAX);
        let statement = parser.parse_statement().map_err(|e| does_not_parse(&e))?;
        statements.push((line, statement));
        let after = parser.peek_token();
        if !matches!(after.token, Token::SemiColon | Token::EOF) {
            return Err(does_not_parse(&format!(
                "expected end of statement, found {} at {}",
                after.token, after.span.start
            )));
        }
    }
    Ok(statements)
}

fn snippet(sql: &str) -> String {
    sql.trim_start().chars().take(SNIPPET_CHARS).collect()
}

/// The first word (or string literal read as a relation name) in an opaque body that matches
/// `protected`. Untokenizable bodies are errors: they cannot be vetted.
fn protected_word_in(body: &str, protected: &Protected) -> Result<Option<String>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, body)
        .tokenize()
        .map_err(|e| anyhow!("function body does not tokenize: {e}: {}", snippet(body)))?;
    for token in tokens {
        let name = match token {
            Token::Word(w) => normalise(&w.value, w.quote_style.is_some()),
            Token::SingleQuotedString(s) => {
                match parse_ident_path(&s).and_then(|p| p.last().cloned()) {
                    Some(name) => name,
                    None => continue,
                }
            }
            _ => continue,
        };
        if protected.matches_name(&name) {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

/// PostgreSQL folds unquoted identifiers to lowercase (ASCII only); quoted ones keep their case.
fn normalise(value: &str, quoted: bool) -> String {
    if quoted {
        value.to_string()
    } else {
        value.to_ascii_lowercase()
    }
}

fn ident_name(ident: &Ident) -> String {
    normalise(&ident.value, ident.quote_style.is_some())
}

fn part_name(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(ident) => ident_name(ident),
        other => other.to_string(),
    }
}

/// Whether `name` can be written without double quotes and keep its spelling.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
}

fn make_ident(name: &str) -> Ident {
    if is_plain_identifier(name) {
        Ident::new(name)
    } else {
        Ident::with_quote('"', name)
    }
}

fn render_ident(name: &str) -> String {
    if is_plain_identifier(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Parses the text of a `'schema.name'::regclass` literal the way PostgreSQL's `regclassin`
/// does: dot-separated parts, double quotes with `""` escapes, unquoted parts folded.
/// `None` when the text is not a well-formed name.
fn parse_ident_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let part = if chars.next_if_eq(&'"').is_some() {
            let mut part = String::new();
            loop {
                match chars.next()? {
                    '"' if chars.next_if_eq(&'"').is_some() => part.push('"'),
                    '"' => break,
                    c => part.push(c),
                }
            }
            part
        } else {
            let mut part = String::new();
            while let Some(c) = chars.next_if(|c| *c != '.' && *c != '"' && !c.is_whitespace()) {
                part.push(c);
            }
            if part.is_empty() {
                return None;
            }
            normalise(&part, false)
        };
        parts.push(part);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

fn is_regclass(data_type: &DataType) -> bool {
    match data_type {
        DataType::Regclass => true,
        DataType::Custom(name, modifiers) => {
            modifiers.is_empty() && name.0.last().is_some_and(|p| part_name(p) == "regclass")
        }
        _ => false,
    }
}

fn string_literal_mut(expr: &mut Expr) -> Option<&mut String> {
    match expr {
        Expr::Value(v) => value_string_mut(&mut v.value),
        Expr::Nested(inner) => string_literal_mut(inner),
        _ => None,
    }
}

fn value_string_mut(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
        Value::DollarQuotedString(d) => Some(&mut d.value),
        _ => None,
    }
}

fn addr<T>(value: &T) -> usize {
    value as *const T as usize
}

/// CTE names introduced by one `WITH`. A non-recursive CTE's body cannot see itself or later
/// CTEs, so a same-named reference there is the real table: `hidden` records, per relation
/// site (by address) inside such a body, the names that do not shadow it.
#[derive(Default)]
struct CteScope {
    names: HashSet<String>,
    hidden: HashMap<usize, HashSet<String>>,
}

/// Finds (and optionally renames) every relation reference in one statement.
///
/// sqlparser's `visit_relations` is the base; it misses several PostgreSQL forms (FK targets,
/// `RENAME TO`, `DROP`, sequences, triggers, `COMMENT`, `GRANT`, regclass literals) and treats
/// CTE names and table functions as relations, which the hooks below correct. Sites are
/// de-duplicated by address so a name is never renamed twice.
struct Walker<'r> {
    renames: Option<&'r BTreeMap<String, String>>,
    found: BTreeSet<String>,
    opaque_bodies: Vec<String>,
    seen: HashSet<usize>,
    table_functions: HashSet<usize>,
    scopes: Vec<CteScope>,
}

impl<'r> Walker<'r> {
    fn run(statement: &mut Statement, renames: Option<&'r BTreeMap<String, String>>) -> Self {
        let mut walker = Walker {
            renames,
            found: BTreeSet::new(),
            opaque_bodies: Vec::new(),
            seen: HashSet::new(),
            table_functions: HashSet::new(),
            scopes: Vec::new(),
        };
        let _ = VisitMut::visit(statement, &mut walker);
        walker
    }

    /// `cte_ok`: whether the site may name a CTE. DDL names and DML targets always name real
    /// relations, even when a CTE of the same name is in scope.
    fn object(&mut self, name: &mut ObjectName, cte_ok: bool) {
        let site = addr(name);
        if !self.seen.insert(site) || self.table_functions.contains(&site) {
            return;
        }
        self.relation(&mut name.0, cte_ok.then_some(site));
    }

    /// `table.column` forms (`OWNED BY`, `COMMENT ON COLUMN`): the relation is the prefix.
    fn column_owner(&mut self, name: &mut ObjectName) {
        let len = name.0.len();
        if len >= 2 {
            self.relation(&mut name.0[..len - 1], None);
        }
    }

    fn relation(&mut self, parts: &mut [ObjectNamePart], cte_site: Option<usize>) {
        let qualified = parts.len() > 1;
        let Some(last) = parts.last_mut() else {
            return;
        };
        let name = part_name(last);
        if let Some(site) = cte_site {
            if !qualified && self.is_cte(site, &name) {
                return;
            }
        }
        if let Some(new) = self.renames.and_then(|r| r.get(&name)) {
            *last = ObjectNamePart::Identifier(make_ident(new));
        }
        self.found.insert(name);
    }

    fn literal(&mut self, text: &mut String) {
        if !self.seen.insert(addr(text)) {
            return;
        }
        let Some(mut parts) = parse_ident_path(text) else {
            // PostgreSQL would reject it too; still report it so it cannot hide a reference.
            self.found.insert(text.trim().to_string());
            return;
        };
        let Some(name) = parts.last().cloned() else {
            return;
        };
        if let Some(new) = self.renames.and_then(|r| r.get(&name)) {
            *parts.last_mut().expect("non-empty") = new.clone();
            *text = parts
                .iter()
                .map(|p| render_ident(p))
                .collect::<Vec<_>>()
                .join(".");
        }
        self.found.insert(name);
    }

    fn is_cte(&self, site: usize, name: &str) -> bool {
        self.scopes.iter().rev().any(|scope| {
            scope.names.contains(name)
                && !scope
                    .hidden
                    .get(&site)
                    .is_some_and(|hidden| hidden.contains(name))
        })
    }

    fn target_factor(&mut self, factor: &mut TableFactor) {
        if let TableFactor::Table { name, .. } = factor {
            self.object(name, false);
        }
    }

    fn column_option(&mut self, option: &mut ColumnOption) {
        if let ColumnOption::ForeignKey(fk) = option {
            self.object(&mut fk.foreign_table, false);
        }
    }

    fn constraint(&mut self, constraint: &mut TableConstraint) {
        if let TableConstraint::ForeignKey(fk) = constraint {
            self.object(&mut fk.foreign_table, false);
        }
    }

    fn grant_objects(&mut self, objects: &mut Option<GrantObjects>) {
        if let Some(
            GrantObjects::Tables(names)
            | GrantObjects::Sequences(names)
            | GrantObjects::Views(names),
        ) = objects
        {
            for name in names {
                self.object(name, false);
            }
        }
    }

    fn alter_table_operation(&mut self, op: &mut AlterTableOperation) {
        match op {
            AlterTableOperation::AddConstraint { constraint, .. } => self.constraint(constraint),
            AlterTableOperation::AddColumn { column_def, .. } => {
                for option in &mut column_def.options {
                    self.column_option(&mut option.option);
                }
            }
            AlterTableOperation::ChangeColumn { options, .. }
            | AlterTableOperation::ModifyColumn { options, .. } => {
                for option in options {
                    self.column_option(option);
                }
            }
            AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::To(name) | RenameTableNameKind::As(name),
            }
            | AlterTableOperation::AttachPartitionOf {
                partition: name, ..
            }
            | AlterTableOperation::DetachPartitionOf {
                partition: name, ..
            }
            | AlterTableOperation::SwapWith { table_name: name }
            | AlterTableOperation::Inherit { parent: name }
            | AlterTableOperation::NoInherit { parent: name } => self.object(name, false),
            _ => {}
        }
    }

    fn statement(&mut self, statement: &mut Statement) {
        match statement {
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &mut insert.table {
                    self.object(name, false);
                }
            }
            Statement::Update(update) => self.target_factor(&mut update.table.relation),
            Statement::Delete(delete) => {
                for name in &mut delete.tables {
                    self.object(name, false);
                }
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &mut delete.from;
                for table in from {
                    self.target_factor(&mut table.relation);
                }
            }
            Statement::Merge(merge) => self.target_factor(&mut merge.table),
            Statement::CreateTable(create) => {
                self.object(&mut create.name, false);
                for name in create.inherits.iter_mut().flatten() {
                    self.object(name, false);
                }
                if let Some(name) = &mut create.clone {
                    self.object(name, false);
                }
                if let Some(
                    CreateTableLikeKind::Parenthesized(like) | CreateTableLikeKind::Plain(like),
                ) = &mut create.like
                {
                    self.object(&mut like.name, false);
                }
                for column in &mut create.columns {
                    for option in &mut column.options {
                        self.column_option(&mut option.option);
                    }
                }
                for constraint in &mut create.constraints {
                    self.constraint(constraint);
                }
            }
            Statement::CreateView(view) => self.object(&mut view.name, false),
            Statement::AlterView(view) => {
                self.object(&mut view.name, false);
                if let AlterViewOperation::RenameTo { new_name } = &mut view.operation {
                    self.object(new_name, false);
                }
            }
            Statement::AlterTable(alter) => {
                self.object(&mut alter.name, false);
                for op in &mut alter.operations {
                    self.alter_table_operation(op);
                }
            }
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => {
                self.object(name, false);
                self.object(index_name, false);
            }
            Statement::Drop {
                object_type:
                    ObjectType::Table
                    | ObjectType::View
                    | ObjectType::MaterializedView
                    | ObjectType::Index
                    | ObjectType::Sequence
                    | ObjectType::ForeignTable,
                names,
                table,
                ..
            } => {
                for name in names.iter_mut().chain(table.iter_mut()) {
                    self.object(name, false);
                }
            }
            Statement::CreateIndex(index) => {
                if let Some(name) = &mut index.name {
                    self.object(name, false);
                }
                self.object(&mut index.table_name, false);
            }
            Statement::CreateSequence {
                name,
                sequence_options,
                ..
            } => {
                self.object(name, false);
                for option in sequence_options {
                    if let SequenceOptions::OwnedBy(Some(owner)) = option {
                        self.column_owner(owner);
                    }
                }
            }
            Statement::CreateTrigger(trigger) => {
                self.object(&mut trigger.table_name, false);
                if let Some(name) = &mut trigger.referenced_table_name {
                    self.object(name, false);
                }
            }
            Statement::DropTrigger(trigger) => {
                if let Some(name) = &mut trigger.table_name {
                    self.object(name, false);
                }
            }
            Statement::Comment {
                object_type,
                object_name,
                ..
            } => match object_type {
                CommentObject::Table
                | CommentObject::View
                | CommentObject::MaterializedView
                | CommentObject::Index
                | CommentObject::Sequence
                | CommentObject::ForeignTable => self.object(object_name, false),
                CommentObject::Column => self.column_owner(object_name),
                _ => {}
            },
            Statement::Grant(grant) => self.grant_objects(&mut grant.objects),
            Statement::Revoke(revoke) => self.grant_objects(&mut revoke.objects),
            Statement::Copy {
                source: CopySource::Table { table_name, .. },
                ..
            } => self.object(table_name, false),
            Statement::RenameTable(renames) => {
                for rename in renames {
                    self.object(&mut rename.old_name, false);
                    self.object(&mut rename.new_name, false);
                }
            }
            Statement::Vacuum(vacuum) => {
                if let Some(name) = &mut vacuum.table_name {
                    self.object(name, false);
                }
            }
            Statement::CreateFunction(function) => {
                if let Some(
                    CreateFunctionBody::AsBeforeOptions { body, .. }
                    | CreateFunctionBody::AsAfterOptions(body),
                ) = &mut function.function_body
                {
                    if let Some(text) = string_literal_mut(body) {
                        self.opaque_bodies.push(text.clone());
                    }
                }
            }
            _ => {}
        }
    }

    fn expr(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } if is_regclass(data_type) => {
                if let Some(text) = string_literal_mut(inner) {
                    self.literal(text);
                }
            }
            Expr::TypedString(typed) if is_regclass(&typed.data_type) => {
                if let Some(text) = value_string_mut(&mut typed.value.value) {
                    self.literal(text);
                }
            }
            Expr::Function(function) => {
                let takes_relation = function
                    .name
                    .0
                    .last()
                    .is_some_and(|p| RELATION_ARG_FUNCTIONS.contains(&part_name(p).as_str()));
                if !takes_relation {
                    return;
                }
                if let FunctionArguments::List(list) = &mut function.args {
                    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first))) =
                        list.args.first_mut()
                    {
                        if let Some(text) = string_literal_mut(first) {
                            self.literal(text);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

impl VisitorMut for Walker<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &mut Statement) -> ControlFlow<()> {
        self.statement(statement);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let mut scope = CteScope::default();
        if let Some(with) = &query.with {
            let names: Vec<String> = with
                .cte_tables
                .iter()
                .map(|cte| ident_name(&cte.alias.name))
                .collect();
            if !with.recursive {
                for (i, cte) in with.cte_tables.iter().enumerate() {
                    let _ = visit_relations(&*cte.query, |relation| {
                        scope
                            .hidden
                            .entry(addr(relation))
                            .or_default()
                            .extend(names[i..].iter().cloned());
                        ControlFlow::<()>::Continue(())
                    });
                }
            }
            scope.names = names.into_iter().collect();
        }
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        // `FROM generate_series(1, 3)` is a function call, not a relation.
        if let TableFactor::Table {
            name,
            args: Some(_),
            ..
        } = factor
        {
            self.table_functions.insert(addr(name));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.object(relation, true);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.expr(expr);
        ControlFlow::Continue(())
    }
}

/// Like [`rename_tables`], for a query whose columns may be qualified by the table's own name
/// (`SELECT ra_horses.name FROM ra_horses`, as `pg_get_viewdef` writes them): a renamed table
/// without an alias gets its old name as alias, so every qualifier still resolves.
pub fn rename_tables_keeping_qualifiers(
    sql: &str,
    renames: &BTreeMap<String, String>,
) -> Result<String> {
    struct Aliaser<'r>(&'r BTreeMap<String, String>);
    impl VisitorMut for Aliaser<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<Self::Break> {
            if let TableFactor::Table { name, alias, .. } = factor {
                let last = name.0.last().and_then(|p| p.as_ident()).map(|i| {
                    if i.quote_style.is_some() {
                        i.value.clone()
                    } else {
                        i.value.to_lowercase()
                    }
                });
                if let (Some(last), None) = (last, alias.as_ref()) {
                    if self.0.contains_key(&last) {
                        *alias = Some(sqlparser::ast::TableAlias {
                            explicit: false,
                            name: Ident::new(last),
                            columns: vec![],
                            at: None,
                        });
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut aliased = Vec::new();
    for (_, mut statement) in parse_located(sql)? {
        let _ = VisitMut::visit(&mut statement, &mut Aliaser(renames));
        aliased.push(statement.to_string());
    }
    rename_tables(&aliased.join(";\n"), renames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(sql: &str) -> Vec<String> {
        let statements = split_and_parse(sql).unwrap();
        assert_eq!(statements.len(), 1, "{sql}");
        table_refs(&statements[0]).into_iter().collect()
    }

    fn odds() -> Protected {
        Protected::new(["ra_odds_*"])
    }

    fn refused(sql: &str) -> String {
        match check(sql, &odds()) {
            Ok(c) => panic!("not refused: {sql} (tables {:?})", c.tables),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn select_from_join_and_subqueries() {
        assert_eq!(
            refs(
                "SELECT a.x FROM ra_a a JOIN public.ra_b b ON a.id = b.id \
                  WHERE a.id IN (SELECT id FROM ra_c) AND EXISTS (SELECT 1 FROM ra_d) \
                  AND a.y = (SELECT max(y) FROM (SELECT y FROM ra_e) s)"
            ),
            ["ra_a", "ra_b", "ra_c", "ra_d", "ra_e"]
        );
    }

    #[test]
    fn cte_names_are_not_tables() {
        assert_eq!(
            refs(
                "WITH c AS (SELECT * FROM ra_e), d AS (SELECT * FROM c) \
                  SELECT * FROM d JOIN ra_f ON true"
            ),
            ["ra_e", "ra_f"]
        );
        // A non-recursive CTE body cannot see its own name: there it is the real table.
        assert_eq!(
            refs("WITH ra_x AS (SELECT * FROM ra_x) SELECT * FROM ra_x"),
            ["ra_x"]
        );
        assert_eq!(
            refs(
                "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) \
                  SELECT * FROM t"
            ),
            Vec::<String>::new()
        );
        // A qualified name never resolves to a CTE.
        assert_eq!(
            refs("WITH ra_y AS (SELECT 1) SELECT * FROM public.ra_y"),
            ["ra_y"]
        );
    }

    #[test]
    fn table_functions_are_not_tables() {
        assert_eq!(
            refs("SELECT * FROM generate_series(1, 3) g"),
            Vec::<String>::new()
        );
        assert_eq!(
            refs("INSERT INTO ra_dst SELECT * FROM unnest($1::text[], $2::int[])"),
            ["ra_dst"]
        );
    }

    #[test]
    fn insert_select_on_conflict() {
        assert_eq!(
            refs(
                "INSERT INTO ra_dst (id) SELECT id FROM ra_src ON CONFLICT (id) \
                  DO UPDATE SET x = (SELECT max(x) FROM ra_other)"
            ),
            ["ra_dst", "ra_other", "ra_src"]
        );
        assert_eq!(
            refs(
                "WITH b AS (SELECT * FROM ra_src FOR SHARE) INSERT INTO ra_dst (id) \
                  SELECT id FROM b ON CONFLICT (id) DO NOTHING"
            ),
            ["ra_dst", "ra_src"]
        );
    }

    #[test]
    fn update_from() {
        assert_eq!(
            refs("UPDATE ra_u SET x = s.x FROM ra_s s WHERE s.id = ra_u.id"),
            ["ra_s", "ra_u"]
        );
    }

    #[test]
    fn delete_using() {
        assert_eq!(
            refs("DELETE FROM ra_del d USING ra_us u WHERE d.id = u.id AND d.id = ANY($1)"),
            ["ra_del", "ra_us"]
        );
    }

    #[test]
    fn create_table() {
        assert_eq!(
            refs("CREATE TABLE ra_mst_horses (id bigint GENERATED ALWAYS AS IDENTITY, \
                  name varchar(50) COLLATE \"C\" NOT NULL, CONSTRAINT ra_mst_horses_pkey PRIMARY KEY (id))"),
            ["ra_mst_horses"]
        );
    }

    #[test]
    fn create_table_references_in_column_and_table_constraint() {
        assert_eq!(
            refs(
                "CREATE TABLE ra_new (id int REFERENCES ra_par(id), b int, \
                  CONSTRAINT fk FOREIGN KEY (b) REFERENCES public.ra_par2 (id))"
            ),
            ["ra_new", "ra_par", "ra_par2"]
        );
    }

    #[test]
    fn alter_table_add_foreign_key_not_valid() {
        assert_eq!(
            refs(
                "ALTER TABLE ra_t ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES ra_par (id) \
                  ON DELETE CASCADE NOT VALID"
            ),
            ["ra_par", "ra_t"]
        );
        assert_eq!(
            refs("ALTER TABLE ra_t ADD COLUMN c int REFERENCES ra_par4(id)"),
            ["ra_par4", "ra_t"]
        );
    }

    #[test]
    fn alter_table_validate_constraint() {
        assert_eq!(refs("ALTER TABLE ra_t VALIDATE CONSTRAINT fk"), ["ra_t"]);
    }

    #[test]
    fn alter_table_rename_to_counts_both_names() {
        assert_eq!(
            refs("ALTER TABLE ra_t RENAME TO ra_t_old"),
            ["ra_t", "ra_t_old"]
        );
    }

    #[test]
    fn alter_column_set_default_nextval() {
        assert_eq!(
            refs("ALTER TABLE ONLY ra_t ALTER COLUMN id SET DEFAULT nextval('ra_t_id_seq'::regclass)"),
            ["ra_t", "ra_t_id_seq"]
        );
    }

    #[test]
    fn drop_table() {
        assert_eq!(
            refs("DROP TABLE IF EXISTS ra_x, public.ra_y CASCADE"),
            ["ra_x", "ra_y"]
        );
        assert_eq!(refs("DROP SCHEMA ra_z"), Vec::<String>::new());
    }

    #[test]
    fn create_index() {
        assert_eq!(
            refs("CREATE UNIQUE INDEX CONCURRENTLY ra_i_idx ON ra_i USING btree (lower(a))"),
            ["ra_i", "ra_i_idx"]
        );
        assert_eq!(refs("CREATE INDEX ON ra_j (a)"), ["ra_j"]);
    }

    #[test]
    fn create_sequence_owned_by() {
        assert_eq!(
            refs("CREATE SEQUENCE ra_seq AS bigint START WITH 1 OWNED BY public.ra_owner.id"),
            ["ra_owner", "ra_seq"]
        );
    }

    #[test]
    fn regclass_literals_are_relations() {
        assert_eq!(
            refs("SELECT setval('public.ra_seq2', (SELECT max(id) FROM ra_m))"),
            ["ra_m", "ra_seq2"]
        );
        assert_eq!(
            refs(
                "SELECT nextval('ra_seq3'), 'ra_rc'::regclass, CAST('\"RA_Rc2\"' AS regclass), \
                  'x.ra_rc3'::pg_catalog.regclass"
            ),
            ["RA_Rc2", "ra_rc", "ra_rc3", "ra_seq3"]
        );
    }

    #[test]
    fn create_and_drop_trigger() {
        assert_eq!(
            refs(
                "CREATE TRIGGER trg AFTER INSERT OR UPDATE OR DELETE ON ra_trg \
                  FOR EACH ROW EXECUTE FUNCTION ra_sync()"
            ),
            ["ra_trg"]
        );
        assert_eq!(refs("DROP TRIGGER IF EXISTS trg ON ra_trg2"), ["ra_trg2"]);
    }

    #[test]
    fn alter_view_and_index_rename_count_both_names() {
        assert_eq!(refs("ALTER VIEW ra_v RENAME TO ra_v2"), ["ra_v", "ra_v2"]);
        assert_eq!(refs("ALTER INDEX ra_i RENAME TO ra_j"), ["ra_i", "ra_j"]);
    }

    #[test]
    fn copy_inherits_and_explain() {
        assert_eq!(refs("COPY ra_cp (a) FROM STDIN"), ["ra_cp"]);
        assert_eq!(
            refs("CREATE TABLE ra_c2 (a int) INHERITS (ra_parent)"),
            ["ra_c2", "ra_parent"]
        );
        assert_eq!(refs("EXPLAIN SELECT * FROM ra_ex"), ["ra_ex"]);
    }

    #[test]
    fn create_or_replace_view() {
        assert_eq!(
            refs("CREATE OR REPLACE VIEW ra_v AS SELECT h.* FROM ra_src h JOIN ra_o o ON o.id = h.id"),
            ["ra_o", "ra_src", "ra_v"]
        );
    }

    #[test]
    fn comment_on_table() {
        assert_eq!(refs("COMMENT ON TABLE ra_com IS 'x'"), ["ra_com"]);
        assert_eq!(refs("COMMENT ON COLUMN ra_cc.col IS 'x'"), ["ra_cc"]);
    }

    #[test]
    fn lock_table() {
        assert_eq!(
            refs("LOCK TABLE ra_l1, ra_l2 IN ACCESS EXCLUSIVE MODE"),
            ["ra_l1", "ra_l2"]
        );
    }

    #[test]
    fn grant_on_table() {
        assert_eq!(refs("GRANT SELECT ON TABLE ra_gr TO bob"), ["ra_gr"]);
        assert_eq!(refs("REVOKE ALL ON ra_rv FROM bob"), ["ra_rv"]);
    }

    #[test]
    fn truncate() {
        assert_eq!(refs("TRUNCATE ra_tr1, ra_tr2"), ["ra_tr1", "ra_tr2"]);
    }

    #[test]
    fn statements_without_tables() {
        for sql in [
            "SET LOCAL lock_timeout = '2s'",
            "SELECT pg_advisory_xact_lock(1, 2)",
            "BEGIN",
            "COMMIT",
        ] {
            assert_eq!(refs(sql), Vec::<String>::new(), "{sql}");
        }
    }

    #[test]
    fn protected_references_are_refused() {
        for sql in [
            "SELECT * FROM ra_odds_live",
            "SELECT * FROM public.ra_odds_live",
            "SELECT * FROM \"ra_odds_live\"",
            "SELECT * FROM RA_ODDS_LIVE",
            "WITH c AS (SELECT * FROM ra_odds_live) SELECT * FROM c",
            "SELECT * FROM ra_a WHERE id IN (SELECT id FROM ra_odds_live)",
            "ALTER TABLE ra_a ADD CONSTRAINT fk FOREIGN KEY (o) REFERENCES ra_odds_live (id) NOT VALID",
            "SELECT 'ra_odds_live'::regclass",
            "SELECT setval('public.ra_odds_live_id_seq', 1)",
            // A CTE cannot be a DML target: these write the real table.
            "WITH ra_odds_live AS (SELECT 1) INSERT INTO ra_odds_live SELECT * FROM ra_odds_live",
            "WITH ra_odds_live AS (SELECT 1) UPDATE ra_odds_live SET x = 1",
            "WITH ra_odds_live AS (SELECT 1) DELETE FROM ra_odds_live",
            "WITH d AS (DELETE FROM ra_odds_live RETURNING *) SELECT * FROM d",
            "SELECT ('ra_odds_live')::regclass::oid",
            "SELECT regclass 'ra_odds_live'",
            "SELECT pg_catalog.nextval('ra_odds_live_id_seq')",
        ] {
            let message = refused(sql);
            assert!(message.contains("ra_odds_live"), "{message}");
            assert!(message.contains(&snippet(sql)), "{message}");
        }
    }

    #[test]
    fn near_miss_names_are_not_refused() {
        let checked = check("SELECT * FROM ra_oddsx JOIN ra_runners USING (id)", &odds()).unwrap();
        assert_eq!(
            checked.tables.into_iter().collect::<Vec<_>>(),
            ["ra_oddsx", "ra_runners"]
        );
    }

    #[test]
    fn quoted_mixed_case_is_a_different_table() {
        check("SELECT * FROM \"RA_ODDS_live\"", &odds()).unwrap();
        refused("SELECT * FROM RA_ODDS_LIVE");
        let p = odds();
        assert!(p.matches("RA_ODDS_LIVE"));
        assert!(p.matches("public.ra_odds_live"));
        assert!(!p.matches("\"RA_ODDS_live\""));
        assert!(!p.matches_name("RA_ODDS_live"));
        let exact = Protected::new(["public.ra_results"]);
        assert!(exact.matches_name("ra_results"));
        assert!(!exact.matches_name("ra_results_x"));
    }

    #[test]
    fn garbage_does_not_parse() {
        let message = check("SELEC * FORM ra_horses", &odds())
            .unwrap_err()
            .to_string();
        assert!(message.contains("does not parse"), "{message}");
        assert!(message.contains("SELEC * FORM ra_horses"), "{message}");
        let message = split_and_parse("SELECT 1; CREATE TABLE ra_t (LIKE ra_s INCLUDING ALL)")
            .unwrap_err()
            .to_string();
        assert!(message.contains("does not parse"), "{message}");
        assert!(check("ALTER SEQUENCE s RESTART", &odds()).is_err());
    }

    #[test]
    fn check_wants_exactly_one_statement() {
        assert!(check("SELECT 1; SELECT 2", &odds()).is_err());
        assert!(check("  ", &odds()).is_err());
        let checked = check("SELECT 1 FROM ra_a;", &odds()).unwrap();
        assert_eq!(checked.sql, "SELECT 1 FROM ra_a;");
    }

    #[test]
    fn opaque_function_bodies_are_vetted() {
        let sql = "CREATE OR REPLACE FUNCTION ra_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
                   BEGIN INSERT INTO ra_odds_live VALUES (NEW.id); RETURN NEW; END $$";
        assert!(refused(sql).contains("function body"));
        let ok = "CREATE OR REPLACE FUNCTION ra_sync() RETURNS trigger LANGUAGE plpgsql AS $$ \
                  BEGIN INSERT INTO ra_mst_horses VALUES (NEW.id); RETURN NEW; END $$";
        check(ok, &odds()).unwrap();
    }

    #[test]
    fn function_body_statements_checked_one_by_one() {
        let tables = check_function_body(
            &[
                "INSERT INTO ra_mst_horses (id, name) VALUES (NEW.id, NEW.name) \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
                "DELETE FROM ra_mst_horses WHERE id = OLD.id",
            ],
            &odds(),
        )
        .unwrap();
        assert_eq!(tables.into_iter().collect::<Vec<_>>(), ["ra_mst_horses"]);
        let err = check_function_body(&["SELECT 1", "DELETE FROM ra_odds_live"], &odds())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("statement 2") && err.contains("ra_odds_live"),
            "{err}"
        );
        let err = check_function_body(&["PERFORM 1"], &odds())
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not parse"), "{err}");
    }

    #[test]
    fn split_and_parse_respects_quoting() {
        let statements = split_and_parse(
            "SET LOCAL lock_timeout = '2s';\n\
             -- a comment; with a semicolon\n\
             SELECT ';' AS \"a;b\" FROM ra_a;;\n\
             CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;",
        )
        .unwrap();
        assert_eq!(statements.len(), 3);
    }

    #[test]
    fn rename_keeps_aliases_and_other_tables() {
        let renames = BTreeMap::from([("ra_horses".to_string(), "ra_mst_horses".to_string())]);
        let out = rename_tables(
            "SELECT h.name FROM ra_horses h JOIN ra_runners r ON r.horse_id = h.id",
            &renames,
        )
        .unwrap();
        assert_eq!(
            out,
            "SELECT h.name FROM ra_mst_horses h JOIN ra_runners r ON r.horse_id = h.id"
        );
        assert_eq!(refs(&out), ["ra_mst_horses", "ra_runners"]);
    }

    #[test]
    fn rename_covers_qualified_names_fk_targets_and_literals() {
        let renames = BTreeMap::from([
            ("ra_horses".to_string(), "ra_mst_horses".to_string()),
            (
                "ra_horses_id_seq".to_string(),
                "ra_mst_horses_id_seq".to_string(),
            ),
        ]);
        let out = rename_tables(
            "ALTER TABLE public.ra_runners ADD CONSTRAINT fk FOREIGN KEY (horse_id) \
             REFERENCES public.ra_horses (id) NOT VALID;\n\
             SELECT setval('public.ra_horses_id_seq', (SELECT max(id) FROM \"ra_horses\"));\n\
             WITH ra_horses AS (SELECT 1) SELECT * FROM ra_horses",
            &renames,
        )
        .unwrap();
        let statements = split_and_parse(&out).unwrap();
        assert_eq!(
            table_refs(&statements[0]).into_iter().collect::<Vec<_>>(),
            ["ra_mst_horses", "ra_runners"]
        );
        assert!(out.contains("REFERENCES public.ra_mst_horses"), "{out}");
        assert!(out.contains("'public.ra_mst_horses_id_seq'"), "{out}");
        assert!(out.contains("FROM ra_mst_horses)"), "{out}");
        // The CTE shadows the table, so it is not a reference and stays.
        assert!(
            out.ends_with("WITH ra_horses AS (SELECT 1) SELECT * FROM ra_horses"),
            "{out}"
        );
    }

    #[test]
    fn rename_refuses_opaque_bodies_it_cannot_rewrite() {
        let renames = BTreeMap::from([("ra_horses".to_string(), "ra_mst_horses".to_string())]);
        let err = rename_tables(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT count(*) FROM ra_horses'",
            &renames,
        )
        .unwrap_err();
        assert!(err.to_string().contains("ra_horses"));
    }

    #[test]
    fn refs_with_statement_start_lines() {
        let sql = "-- header\n\
                   SELECT 1;\n\
                   \n\
                   INSERT INTO ra_b\n  SELECT * FROM ra_a;\n\
                   /* multi\n line */ LOCK TABLE ra_c IN SHARE MODE;\n";
        assert_eq!(
            find_table_refs_with_lines(sql).unwrap(),
            [
                (4, "ra_a".to_string()),
                (4, "ra_b".to_string()),
                (7, "ra_c".to_string())
            ]
        );
        let err = find_table_refs_with_lines("SELECT 1;\nSELEC 2;").unwrap_err();
        assert!(err.to_string().contains("Line: 2"), "{err}");
    }
}
