//! A step's fields matched against a live table: which column each field lands in (the first that
//! exists; none means the field is skipped), the column's type, nullability, default and length,
//! and whether the key is backed by a unique constraint (upsert) or not (update + insert).

use anyhow::{bail, Result};

use crate::schema::catalog::{Catalog, Table};

use super::step::{Mode, TableWrite};

/// A field that has a column in the table.
#[derive(Debug, Clone)]
pub struct Col {
    /// Index into the step's fields (and every row's values).
    pub field: usize,
    pub name: String,
    /// The type without its modifier (`character varying`, `numeric`): values are cast to it, and
    /// the column's own modifier then applies as an assignment (too long is an error, never a
    /// silent truncation as an explicit `::varchar(n)` would be).
    pub base_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `varchar(n)` / `char(n)`.
    pub max_chars: Option<usize>,
    /// Whole-number columns.
    pub int_range: Option<(i64, i64)>,
    pub mode: Mode,
    pub is_key: bool,
}

impl Col {
    /// The value must be present for a new row (no default fills it).
    pub fn required(&self) -> bool {
        self.not_null && self.default.is_none()
    }

    /// How a stored value of this column is compared: `json` has no equality operator.
    pub fn comparable(&self, expr: &str) -> String {
        if self.base_type == "json" {
            format!("{expr}::text")
        } else {
            expr.to_string()
        }
    }
}

/// A foreign key from one written column to another table.
#[derive(Debug, Clone)]
pub struct Fk {
    /// Index into [`Shape::cols`].
    pub col: usize,
    pub ref_table: String,
    pub nullable: bool,
    /// Validated: no existing row violates it (a `NOT VALID` key only guards new rows).
    pub validated: bool,
}

#[derive(Debug, Clone)]
pub struct Shape {
    /// Physical table name.
    pub table: String,
    pub cols: Vec<Col>,
    /// Indices into `cols`, in the step's key order.
    pub key: Vec<usize>,
    /// Existing stamp columns that are not fields.
    pub stamps: Vec<String>,
    /// The key is a primary key or unique constraint: `INSERT ... ON CONFLICT` works.
    pub unique_key: bool,
    pub fks: Vec<Fk>,
    /// Fields with no column here (schema drift, or a name this schema never had).
    pub skipped: Vec<&'static str>,
}

/// Strips a type modifier: `character varying(50)` -> `character varying`,
/// `timestamp(3) without time zone` -> `timestamp without time zone`.
pub fn base_type(type_sql: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in type_sql.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn max_chars(type_sql: &str) -> Option<usize> {
    let rest = type_sql
        .strip_prefix("character varying(")
        .or_else(|| type_sql.strip_prefix("character("))?;
    rest.strip_suffix(')')?.parse().ok()
}

fn int_range(base: &str) -> Option<(i64, i64)> {
    match base {
        "smallint" => Some((i16::MIN.into(), i16::MAX.into())),
        "integer" => Some((i32::MIN.into(), i32::MAX.into())),
        "bigint" => Some((i64::MIN, i64::MAX)),
        _ => None,
    }
}

impl Shape {
    /// Matches `step` against `table` of `cat`.
    pub fn of(cat: &Catalog, table_name: &str, step: &TableWrite) -> Result<Shape> {
        let Some(table) = cat.table(table_name) else {
            bail!("table {table_name} does not exist in schema {}", cat.schema);
        };
        let mut cols = Vec::new();
        let mut skipped = Vec::new();
        for (i, f) in step.fields.iter().enumerate() {
            let found = f
                .columns
                .iter()
                .find_map(|name| table.columns.iter().find(|c| c.name == *name));
            let Some(c) = found else {
                skipped.push(f.columns[0]);
                continue;
            };
            if c.generated.is_some() || c.identity.as_deref() == Some("a") {
                skipped.push(f.columns[0]);
                continue;
            }
            // the same column named by two fields (aliases): the first field wins
            if cols.iter().any(|x: &Col| x.name == c.name) {
                continue;
            }
            let base = base_type(&c.type_sql);
            cols.push(Col {
                field: i,
                name: c.name.clone(),
                int_range: int_range(&base),
                base_type: base,
                not_null: c.not_null,
                default: c.default.clone(),
                max_chars: max_chars(&c.type_sql),
                // a column that cannot hold "no value" keeps what it has instead
                mode: if c.not_null && f.mode == Mode::Owned {
                    Mode::Fill
                } else {
                    f.mode
                },
                is_key: step.key.contains(&i),
            });
        }
        let mut key = Vec::new();
        for k in &step.key {
            match cols.iter().position(|c| c.field == *k) {
                Some(p) => key.push(p),
                None => bail!(
                    "{table_name} has no column {} (the key of {}): the fetchers cannot match rows",
                    step.fields[*k].columns[0],
                    step.name
                ),
            }
        }
        let stamps = step
            .stamps
            .iter()
            .filter(|s| table.columns.iter().any(|c| c.name == **s))
            .filter(|s| !cols.iter().any(|c| c.name == **s))
            .map(|s| s.to_string())
            .collect();
        let key_names: Vec<&str> = key.iter().map(|k| cols[*k].name.as_str()).collect();
        let unique_key = has_unique(table, &key_names);
        let fks = table
            .constraints
            .iter()
            .filter(|c| c.kind == "f" && c.columns.len() == 1)
            .filter_map(|c| {
                let col = cols.iter().position(|x| x.name == c.columns[0])?;
                Some(Fk {
                    col,
                    ref_table: c.ref_table.clone()?,
                    nullable: !cols[col].not_null,
                    validated: c.validated,
                })
            })
            .collect();
        Ok(Shape {
            table: table_name.to_string(),
            cols,
            key,
            stamps,
            unique_key,
            fks,
            skipped,
        })
    }

    pub fn key_names(&self) -> Vec<&str> {
        self.key
            .iter()
            .map(|k| self.cols[*k].name.as_str())
            .collect()
    }
}

/// A primary key or unique constraint on exactly `key` (any order).
fn has_unique(table: &Table, key: &[&str]) -> bool {
    table.constraints.iter().any(|c| {
        (c.kind == "p" || c.kind == "u")
            && c.columns.len() == key.len()
            && c.columns.iter().all(|col| key.contains(&col.as_str()))
    })
}

/// The columns a mirror copies from an old master to its new master: those both have (not
/// generated), with the new master's primary key as the conflict target.
#[derive(Debug, Clone)]
pub struct MirrorShape {
    pub old: String,
    pub new: String,
    pub columns: Vec<String>,
    pub new_key: Vec<String>,
    /// `OVERRIDING SYSTEM VALUE` when the new master has an ALWAYS identity among `columns`.
    pub overriding: &'static str,
    /// Columns of type `json`, compared as text (the type has no equality operator).
    pub json: Vec<String>,
}

impl MirrorShape {
    pub fn of(cat: &Catalog, old: &str, new: &str) -> Result<MirrorShape> {
        let (Some(o), Some(n)) = (cat.table(old), cat.table(new)) else {
            bail!(
                "dual-write needs both {old} and {new}, but {} is missing: was phase 1 rolled back by hand?",
                if cat.table(old).is_none() { old } else { new }
            );
        };
        let Some(new_key) = crate::phase::dual_write::primary_key(n) else {
            bail!("{new} has no primary key: rows written to {old} cannot be matched in it");
        };
        let columns: Vec<String> = o
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .filter(|c| {
                n.columns
                    .iter()
                    .any(|x| x.name == c.name && x.generated.is_none())
            })
            .map(|c| c.name.clone())
            .collect();
        if let Some(k) = new_key.iter().find(|k| !columns.contains(k)) {
            bail!("{old} has no column {k}, the primary key of {new}");
        }
        let overriding = crate::phase::dual_write::overriding(n, &columns);
        let json = n
            .columns
            .iter()
            .filter(|c| c.type_sql == "json" && columns.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        Ok(MirrorShape {
            json,
            old: old.to_string(),
            new: new.to_string(),
            columns,
            new_key,
            overriding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_are_stripped_and_lengths_read() {
        assert_eq!(base_type("character varying(50)"), "character varying");
        assert_eq!(base_type("numeric(5,2)"), "numeric");
        assert_eq!(
            base_type("timestamp(3) without time zone"),
            "timestamp without time zone"
        );
        assert_eq!(base_type("integer"), "integer");
        assert_eq!(max_chars("character varying(10)"), Some(10));
        assert_eq!(max_chars("character(2)"), Some(2));
        assert_eq!(max_chars("character varying"), None);
        assert_eq!(int_range("smallint"), Some((-32768, 32767)));
    }
}
