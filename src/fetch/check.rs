//! Checks a row against a table before anything is sent, so most bad records are caught without a
//! failed statement: values too long for `varchar(n)`, whole numbers out of range, NUL bytes
//! (PostgreSQL text cannot hold them), and required columns without a value.

use super::shape::{Col, Shape};
use super::step::Row;

/// What is wrong with a row, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// NOT NULL columns without a value: fine for an existing row, whose stored value is kept; a
    /// new row gets the column's default, or cannot be written when there is none.
    Missing(Vec<String>),
    /// The row can never be written to this table.
    Bad(String),
}

/// Checks `row`; the field `skip` (a code not yet resolved to its id) is not checked.
pub fn check(shape: &Shape, row: &Row, skip: Option<usize>) -> Verdict {
    if let Some(p) = problem(shape, row, skip) {
        return Verdict::Bad(p);
    }
    let missing: Vec<String> = checked(shape, skip)
        .filter(|c| c.not_null && row.values[c.field].is_none())
        .map(|c| c.name.clone())
        .collect();
    if missing.is_empty() {
        Verdict::Ok
    } else {
        Verdict::Missing(missing)
    }
}

/// Why `row` can never be written to this table, if it cannot: [`Verdict::Bad`] alone, which is
/// all the write path's precheck asks (it runs for every row, and a missing value is settled
/// later, against the stored row).
pub fn problem(shape: &Shape, row: &Row, skip: Option<usize>) -> Option<String> {
    let problems: Vec<String> = checked(shape, skip)
        .filter_map(|col| {
            let v = row.values[col.field].as_deref()?;
            value_problem(col, v).map(|p| format!("{}.{}: {p}", shape.table, col.name))
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn checked(shape: &Shape, skip: Option<usize>) -> impl Iterator<Item = &Col> {
    shape.cols.iter().filter(move |c| Some(c.field) != skip)
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
        assert_eq!(
            check(&s, &row([Some("abcde"), Some("7")]), None),
            Verdict::Ok
        );
        assert!(
            matches!(check(&s, &row([Some("abcdéf"), None]), None), Verdict::Bad(m) if m.contains("ra_t.name") && m.contains("6 characters"))
        );
        assert!(
            matches!(check(&s, &row([Some("a"), Some("99999999999")]), None), Verdict::Bad(m) if m.contains("outside"))
        );
        assert!(
            matches!(check(&s, &row([Some("a\0b"), None]), None), Verdict::Bad(m) if m.contains("NUL"))
        );
        assert_eq!(
            check(&s, &row([None, None]), None),
            Verdict::Missing(vec!["name".into()])
        );
    }
}
