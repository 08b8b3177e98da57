//! SQL safety: every generated statement is parsed with sqlparser and its table references checked.
