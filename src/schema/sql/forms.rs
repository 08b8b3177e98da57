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
