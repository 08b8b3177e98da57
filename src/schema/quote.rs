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
