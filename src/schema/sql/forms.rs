//! The statement forms the tool generates that sqlparser 0.64 cannot parse, read with sqlparser's
//! own pieces so they are held to the same checks as every other statement.

use super::names::part_name;
use anyhow::{bail, Context, Result};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::collections::BTreeSet;

/// The relations `sql` references when it is one of the forms below; `None` when it is none of
/// them (sqlparser's own parser reads it).
pub(super) fn parse(sql: &str) -> Option<Result<BTreeSet<String>>> {
    parse_alter_publication(sql)
        .or_else(|| parse_comment_on_constraint(sql))
        .or_else(|| parse_column_attribute(sql))
        .or_else(|| parse_create_statistics(sql))
        .or_else(|| parse_alter_statistics(sql))
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

#[cfg(test)]
mod tests {
    use super::super::{check, Protected};
    use std::collections::BTreeSet;

    /// The relations `sql` references, with nothing protected.
    fn tables(sql: &str) -> BTreeSet<String> {
        check(sql, &Protected::new(Vec::<String>::new()))
            .unwrap()
            .tables
    }

    /// Why `sql` is refused with nothing protected.
    fn unparsed(sql: &str) -> String {
        check(sql, &Protected::new(Vec::<String>::new()))
            .unwrap_err()
            .to_string()
    }

    /// Why `sql` is refused with the odds tables protected.
    fn refused(sql: &str) -> String {
        check(sql, &Protected::new(["ra_odds_*"]))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn column_attribute_and_statistics_statements_are_checked_like_any_other() {
        for sql in [
            "ALTER TABLE public.ra_mst_horses ALTER COLUMN name SET STATISTICS 500",
            "ALTER TABLE public.ra_mst_horses ALTER COLUMN breeder SET STORAGE MAIN",
            "ALTER TABLE public.ra_mst_horses ALTER COLUMN sire_id SET (n_distinct=-0.5, n_distinct_inherited=10)",
            "CREATE STATISTICS public.ra_mst_horses_parents (ndistinct, dependencies) ON sire_id, dam_id FROM public.ra_mst_horses",
            "CREATE STATISTICS public.s ON lower((name)::text), dob FROM public.ra_mst_horses",
        ] {
            assert_eq!(
                tables(sql),
                BTreeSet::from(["ra_mst_horses".to_string()]),
                "{sql}"
            );
        }
        for sql in [
            "ALTER TABLE ra_odds_live ALTER COLUMN x SET STATISTICS 10",
            "CREATE STATISTICS s ON a, b FROM ra_odds_live",
        ] {
            let err = refused(sql);
            assert!(err.contains("protected table ra_odds_live"), "{err}");
        }
        for sql in [
            "ALTER STATISTICS public.ra_mst_horses_parents SET STATISTICS 250",
            "ALTER STATISTICS s SET STATISTICS -1",
        ] {
            assert_eq!(tables(sql), BTreeSet::new(), "{sql}");
        }
        for sql in [
            "ALTER STATISTICS s SET STATISTICS 10; DROP TABLE t",
            "ALTER STATISTICS s SET STATISTICS many",
            "ALTER TABLE t ALTER COLUMN c SET STORAGE SIDEWAYS",
            "ALTER TABLE t ALTER COLUMN c SET (n_distinct = (SELECT 1 FROM ra_odds_live))",
            "ALTER TABLE t ALTER COLUMN c SET STATISTICS 10; DROP TABLE t",
            "CREATE STATISTICS s ON a FROM t junk",
        ] {
            let err = unparsed(sql);
            assert!(err.contains("does not parse"), "{sql}: {err}");
        }
    }

    #[test]
    fn publication_and_constraint_comment_statements_are_checked_like_any_other() {
        for (sql, table) in [
            (
                "ALTER PUBLICATION supabase_realtime ADD TABLE public.ra_mst_horses (id, name) WHERE ((region)::text = 'GB'::text)",
                "ra_mst_horses",
            ),
            ("ALTER PUBLICATION \"Realtime\" DROP TABLE public.ra_horses", "ra_horses"),
            (
                "COMMENT ON CONSTRAINT ra_mst_horses_pkey ON public.ra_mst_horses IS 'the id'",
                "ra_mst_horses",
            ),
        ] {
            assert_eq!(tables(sql), BTreeSet::from([table.to_string()]), "{sql}");
        }
        for sql in [
            "ALTER PUBLICATION p ADD TABLE public.ra_odds_live",
            "COMMENT ON CONSTRAINT c ON ra_odds_live IS 'x'",
        ] {
            let err = refused(sql);
            assert!(err.contains("protected table ra_odds_live"), "{err}");
        }
        for sql in [
            "ALTER PUBLICATION p ADD TABLE t junk",
            "ALTER PUBLICATION p RENAME TABLE t",
            "ALTER PUBLICATION p ADD TABLE t WHERE (",
            "COMMENT ON CONSTRAINT c ON t IS 'x'; DROP TABLE t",
        ] {
            let err = unparsed(sql);
            assert!(err.contains("does not parse"), "{sql}: {err}");
        }
    }
}
