//! Quoting names and values into generated SQL, in one place.
//!
//! [`ident`] always double-quotes, whatever the name, unlike
//! [`crate::schema::catalog::Catalog::quote`], which leaves plain lowercase non-keywords bare as
//! PostgreSQL's `quote_ident` does. The two literals differ on purpose: [`literal`] is the standard
//! form, where a backslash is an ordinary character as long as `standard_conforming_strings` is on
//! (PostgreSQL's default); [`escaped_literal`] is the `E'...'` form, which means the same whatever
//! that setting says.

/// `"name"`, with embedded double quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether `name` reads the same without double quotes (lowercase letters, digits, `_` and `$`,
/// not starting with a digit or `$`); a keyword still needs them.
pub fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
}

/// `'text'`, with embedded single quotes doubled.
pub fn literal(text: &str) -> String {
    format!("'{}'", in_literal(text))
}

/// The inside of a standard literal: `text` with single quotes doubled, for splicing into a
/// literal the caller writes around it.
pub fn in_literal(text: &str) -> String {
    text.replace('\'', "''")
}

/// `E'text'`, with backslashes and single quotes doubled.
pub fn escaped_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_always_double_quoted() {
        assert_eq!(ident("ra_horses"), "\"ra_horses\"");
        assert_eq!(ident("Mixed \"x\""), "\"Mixed \"\"x\"\"\"");
    }

    #[test]
    fn plain_names_are_lowercase_words() {
        assert!(is_plain("ra_horses") && is_plain("_x$1"));
        assert!(!is_plain("Horses") && !is_plain("1x") && !is_plain("") && !is_plain("a b"));
    }

    #[test]
    fn standard_literals_double_single_quotes_only() {
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(literal("a\\b"), "'a\\b'");
        assert_eq!(in_literal("it's"), "it''s");
    }

    #[test]
    fn escaped_literals_survive_quotes_and_backslashes() {
        assert_eq!(escaped_literal(r"a'b\c"), r"E'a''b\\c'");
    }
}
