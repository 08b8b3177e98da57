//! Names as PostgreSQL reads and writes them: folding unquoted identifiers, splitting qualified
//! names, and quoting only where a name needs it.

use crate::schema::quote;
use sqlparser::ast::{DataType, Expr, Ident, ObjectNamePart, Value};

/// PostgreSQL folds unquoted identifiers to lowercase (ASCII only); quoted ones keep their case.
pub(super) fn normalise(value: &str, quoted: bool) -> String {
    if quoted {
        value.to_string()
    } else {
        value.to_ascii_lowercase()
    }
}

pub(super) fn ident_name(ident: &Ident) -> String {
    normalise(&ident.value, ident.quote_style.is_some())
}

pub(super) fn part_name(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(ident) => ident_name(ident),
        other => other.to_string(),
    }
}

/// Whether `name` can be written without double quotes and keep its spelling.
pub(super) fn is_plain_identifier(name: &str) -> bool {
    crate::schema::quote::is_plain(name)
}

pub(super) fn make_ident(name: &str) -> Ident {
    if is_plain_identifier(name) {
        Ident::new(name)
    } else {
        Ident::with_quote('"', name)
    }
}

pub(super) fn render_ident(name: &str) -> String {
    if is_plain_identifier(name) {
        name.to_string()
    } else {
        quote::ident(name)
    }
}

/// Parses the text of a `'schema.name'::regclass` literal the way PostgreSQL's `regclassin`
/// does: dot-separated parts, double quotes with `""` escapes, unquoted parts folded.
/// `None` when the text is not a well-formed name.
pub(super) fn parse_ident_path(text: &str) -> Option<Vec<String>> {
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

pub(super) fn is_regclass(data_type: &DataType) -> bool {
    match data_type {
        DataType::Regclass => true,
        DataType::Custom(name, modifiers) => {
            modifiers.is_empty() && name.0.last().is_some_and(|p| part_name(p) == "regclass")
        }
        _ => false,
    }
}

pub(super) fn string_literal_mut(expr: &mut Expr) -> Option<&mut String> {
    match expr {
        Expr::Value(v) => value_string_mut(&mut v.value),
        Expr::Nested(inner) => string_literal_mut(inner),
        _ => None,
    }
}

pub(super) fn value_string_mut(value: &mut Value) -> Option<&mut String> {
    match value {
        Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s),
        Value::DollarQuotedString(d) => Some(&mut d.value),
        _ => None,
    }
}

pub(super) fn addr<T>(value: &T) -> usize {
    value as *const T as usize
}
