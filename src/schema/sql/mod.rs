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
//!
//! [`forms`] reads the statements sqlparser 0.64 lacks, [`walker`] finds and renames references in
//! the parsed tree, [`names`] spells and folds names as PostgreSQL does.

mod forms;
mod names;
mod walker;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use anyhow::{anyhow, bail, Result};
use names::{normalise, parse_ident_path};
use sqlparser::ast::{Ident, Statement, TableFactor, VisitMut, VisitorMut};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
use walker::Walker;

/// How much of a statement error messages quote: enough to recognise it, short enough for a log line.
const SNIPPET_CHARS: usize = 200;

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
    /// The constraints an `ALTER TABLE ... DROP CONSTRAINT` drops, as (table, constraint). A
    /// dropped foreign key also locks the table it references, which the statement does not name.
    pub dropped_constraints: Vec<(String, String)>,
}

/// Parses `sql` (exactly one statement), extracts its relation references and refuses it if any
/// of them is protected.
pub fn check(sql: &str, protected: &Protected) -> Result<Checked> {
    if let Some(parsed) = forms::parse(sql) {
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
            dropped_constraints: vec![],
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
    let dropped_constraints = dropped_constraints(&statement);
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
        dropped_constraints,
    })
}

/// Unqualified, normalised names of every relation `stmt` references. Names defined by a
/// `WITH` in the statement are not relations and are left out where they are in scope.
pub fn table_refs(stmt: &Statement) -> BTreeSet<String> {
    // The walker is a VisitorMut so renaming and listing share one definition of "reference".
    let mut stmt = stmt.clone();
    Walker::run(&mut stmt, None).found
}

/// The constraints `statement` drops, as (table, constraint), both unqualified and folded as
/// PostgreSQL folds them.
fn dropped_constraints(statement: &Statement) -> Vec<(String, String)> {
    let Statement::AlterTable(alter) = statement else {
        return vec![];
    };
    let Some(table) = alter.name.0.last().map(names::part_name) else {
        return vec![];
    };
    alter
        .operations
        .iter()
        .filter_map(|op| match op {
            sqlparser::ast::AlterTableOperation::DropConstraint { name, .. } => {
                Some((table.clone(), names::ident_name(name)))
            }
            _ => None,
        })
        .collect()
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
    fn dropped_constraints_are_named_with_their_table() {
        let dropped_constraints = |sql: &str| check(sql, &odds()).unwrap().dropped_constraints;
        assert_eq!(
            dropped_constraints(
                r#"ALTER TABLE public."Ra_Runners" DROP CONSTRAINT Ra_Runners_Jockey_FKey"#
            ),
            [(
                "Ra_Runners".to_string(),
                "ra_runners_jockey_fkey".to_string()
            )]
        );
        assert!(dropped_constraints("ALTER TABLE ra_runners ADD COLUMN x int").is_empty());
        assert!(dropped_constraints("DROP TABLE ra_runners").is_empty());
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
