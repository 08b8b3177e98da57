//! Checks a row against a table before anything is sent, so most bad records are caught without a
//! failed statement: values too long for `varchar(n)`, whole numbers out of range, NUL bytes
//! (PostgreSQL text cannot hold them), and required columns without a value.

use super::shape::{Col, Shape};
use super::step::Row;

/// Why `row` can never be written to this table, if it cannot; the field `skip` (a code not yet
/// resolved to its id) is not checked. A NOT NULL column without a value is not a problem here:
/// an existing row keeps its stored value, a new one takes the column's default
/// ([`lacks_not_null`], then the write path's `keep_stored`).
pub fn problem(shape: &Shape, row: &Row, skip: Option<usize>) -> Option<String> {
    let problems: Vec<String> = shape
        .cols
        .iter()
        .filter(|c| Some(c.field) != skip)
        .filter_map(|col| {
            let v = row.values[col.field].as_deref()?;
            value_problem(col, v).map(|p| format!("{}.{}: {p}", shape.table, col.name))
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn value_problem(col: &Col, v: &str) -> Option<String> {
    if v.contains('\0') {
        return Some("the value contains a NUL byte, which PostgreSQL text cannot store".into());
    }
    // a string never has more characters than bytes: count only when it might not fit
    if let Some(max) = col.max_chars.filter(|max| v.len() > *max) {
        let n = v.chars().count();
        if n > max {
            let head: String = v.chars().take(40).collect();
            return Some(format!(
                "{n} characters ({head:?}...) do not fit {}({max})",
                col.base_type
            ));
        }
    }
    if let Some((lo, hi)) = col.int_range {
        match v.trim().parse::<i64>() {
            Ok(n) if n < lo || n > hi => {
                return Some(format!("{n} is outside the range of {}", col.base_type))
            }
            Ok(_) => {}
            Err(_) => return Some(format!("{v:?} is not a whole number ({})", col.base_type)),
        }
    }
    None
}

/// True when a NOT NULL column of `shape` has no value in `row`.
pub fn lacks_not_null(shape: &Shape, row: &Row) -> bool {
    shape
        .cols
        .iter()
        .any(|c| c.not_null && row.values[c.field].is_none())
}

/// Text of a required-but-missing verdict, for quarantine.
pub fn missing_text(table: &str, columns: &[String]) -> String {
    format!(
        "{table}: no value for {} (NOT NULL without a default) and no existing row to keep it from",
        columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::fetch::step::Mode;

    fn col(field: usize, name: &str, base: &str, not_null: bool, max: Option<usize>) -> Col {
        Col {
            field,
            name: name.into(),
            base_type: base.into(),
            not_null,
            default: None,
            max_chars: max,
            int_range: (base == "integer").then_some((i32::MIN.into(), i32::MAX.into())),
            mode: Mode::Fill,
            is_key: false,
        }
    }

    fn shape() -> Shape {
        Shape {
            table: "ra_t".into(),
            cols: vec![
                col(0, "name", "character varying", true, Some(5)),
                col(1, "n", "integer", false, None),
            ],
            key: vec![],
            stamps: vec![],
            unique_key: true,
            fks: vec![],
            skipped: vec![],
        }
    }

    fn row(values: [Option<&'static str>; 2]) -> Row<'static> {
        Row {
            values: values.iter().map(|v| v.map(Cow::Borrowed)).collect(),
            origin: &"x",
        }
    }

    #[test]
    fn lengths_ranges_nul_and_missing_values() {
        let s = shape();
        assert_eq!(problem(&s, &row([Some("abcde"), Some("7")]), None), None);
        assert!(
            matches!(problem(&s, &row([Some("abcdéf"), None]), None), Some(m) if m.contains("ra_t.name") && m.contains("6 characters"))
        );
        assert!(
            matches!(problem(&s, &row([Some("a"), Some("99999999999")]), None), Some(m) if m.contains("outside"))
        );
        assert!(
            matches!(problem(&s, &row([Some("a\0b"), None]), None), Some(m) if m.contains("NUL"))
        );
        assert_eq!(
            problem(&s, &row([Some("a"), Some("x")]), Some(1)),
            None,
            "a field still to be resolved is not checked"
        );
        let missing = row([None, None]);
        assert_eq!(
            problem(&s, &missing, None),
            None,
            "a missing value is not a problem"
        );
        assert!(lacks_not_null(&s, &missing));
        assert!(!lacks_not_null(&s, &row([Some("a"), None])));
    }
}
