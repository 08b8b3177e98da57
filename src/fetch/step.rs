//! One set-based write: the rows of one logical table, as text values per field, with how each
//! value merges into an existing row. Steps are built from records (see `fields`), checked against
//! the catalog and written by `tx`; they know nothing about phases or physical tables.

use std::borrow::Cow;

use serde::Serialize;

use crate::api::Endpoint;

/// How a field's value meets the value already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A value replaces the stored one; no value keeps it ("the source did not say").
    Fill,
    /// The value replaces the stored one, even no value: the field belongs to this endpoint
    /// (a result's position, a racecard's spotlight), so a withdrawn value must disappear.
    Owned,
    /// Used only when the row is new or the stored value is missing: weaker sources (a sire's
    /// name standing in for its horse, a course seen in a race) never overwrite stronger ones.
    Initial,
}

/// A field of a record and the column(s) it may be stored in: the first that exists is used, and
/// a field with no existing column is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub columns: &'static [&'static str],
    pub mode: Mode,
}

/// How to read one field from a record of type `R`.
pub struct FieldDef<R> {
    pub columns: &'static [&'static str],
    /// Only records from this endpoint write the field (others leave the column alone).
    pub only: Option<Endpoint>,
    pub mode: Mode,
    pub get: for<'a> fn(&'a R) -> Option<Cow<'a, str>>,
}

/// Serialises a record for quarantine, only when one is actually quarantined. `Sync`: rows are
/// checked on one thread and written on another (`fetch::ahead`).
pub trait RecordJson: Sync {
    fn to_json(&self) -> String;
}

impl<T: Serialize + Sync> RecordJson for T {
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"unserialisable\":\"{e}\"}}"))
    }
}

/// One record's values, aligned with [`TableWrite::fields`].
pub struct Row<'a> {
    pub values: Vec<Option<Cow<'a, str>>>,
    pub origin: &'a dyn RecordJson,
}

impl Row<'_> {
    /// The row's key as one string (fields joined by a unit separator).
    pub fn key(&self, key_fields: &[usize]) -> String {
        let mut out = String::new();
        for (i, f) in key_fields.iter().enumerate() {
            if i > 0 {
                out.push('\u{1f}');
            }
            out.push_str(self.values[*f].as_deref().unwrap_or(""));
        }
        out
    }
}

/// Resolves a field's value through another table before writing: odds name a bookmaker by
/// code, `ra_runner_odds` stores its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    /// Field holding the code until it is replaced by the id.
    pub field: usize,
    /// Logical table looked up (`ra_bookmakers`).
    pub table: &'static str,
    pub by: &'static str,
    pub to: &'static str,
}

/// The rows of one logical table written by one statement.
pub struct TableWrite<'a> {
    /// Names the statement shape for caching and messages, e.g. `ra_runners/results`.
    pub name: String,
    /// Logical (old-layout) table name, routed by `route::WritePlan`.
    pub table: &'static str,
    pub fields: Vec<Field>,
    /// Indices into `fields` of the row key (what "the same row" means).
    pub key: Vec<usize>,
    /// Columns set to `now()` whenever the row is inserted or changed, where they exist.
    pub stamps: Vec<&'static str>,
    pub rows: Vec<Row<'a>>,
    /// Take the rows of the batch's races `FOR UPDATE` first: the key has no unique constraint,
    /// so concurrent writers of the same race must not both decide a runner is missing.
    pub lock_races: bool,
    pub resolve: Option<Resolve>,
    /// Rows that cannot be written are left out silently instead of quarantined: they are
    /// derived (a sire's horse), not received.
    pub optional: bool,
    /// Remember which keys the statement inserted (races: their runners and odds cannot exist
    /// yet, so they are inserted without looking for them).
    pub report_new: bool,
    /// `precheck` has run: only foreign keys to rows quarantined since need checking again.
    pub checked: bool,
}

impl<'a> TableWrite<'a> {
    /// Builds a step from records: one row per record, fields filtered by `endpoint`, modes
    /// replaced by `mode` when given. `key` names fields by their first column.
    pub fn build<R: Serialize + Sync + 'a>(
        table: &'static str,
        variant: &str,
        key: &[&str],
        defs: &[FieldDef<R>],
        endpoint: Option<Endpoint>,
        mode: Option<Mode>,
        records: impl IntoIterator<Item = &'a R>,
    ) -> TableWrite<'a> {
        let defs: Vec<&FieldDef<R>> = defs
            .iter()
            .filter(|d| d.only.is_none() || d.only == endpoint)
            .collect();
        let fields: Vec<Field> = defs
            .iter()
            .map(|d| Field {
                columns: d.columns,
                mode: mode.unwrap_or(d.mode),
            })
            .collect();
        let key = key
            .iter()
            .map(|k| {
                fields
                    .iter()
                    .position(|f| f.columns.first() == Some(k))
                    .unwrap_or_else(|| panic!("{table}: key field {k} is not among the fields"))
            })
            .collect();
        let rows = records
            .into_iter()
            .map(|r| Row {
                values: defs.iter().map(|d| (d.get)(r)).collect(),
                origin: r as &dyn RecordJson,
            })
            .collect();
        TableWrite {
            name: format!("{table}/{variant}"),
            table,
            fields,
            key,
            stamps: vec!["updated_at"],
            rows,
            lock_races: false,
            resolve: None,
            optional: false,
            report_new: false,
            checked: false,
        }
    }

    /// Index of the field whose first column is `column`.
    pub fn field(&self, column: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.columns.first() == Some(&column))
    }
}

/// Text of an optional string field.
pub fn text(v: &Option<String>) -> Option<Cow<'_, str>> {
    v.as_deref().map(Cow::Borrowed)
}

/// Text of an optional value that is not a string (numbers, dates, booleans).
pub fn shown<T: ToString>(v: &Option<T>) -> Option<Cow<'static, str>> {
    v.as_ref().map(|x| Cow::Owned(x.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        id: String,
        name: Option<String>,
        n: Option<i32>,
    }

    const DEFS: &[FieldDef<R>] = &[
        FieldDef {
            columns: &["id"],
            only: None,
            mode: Mode::Fill,
            get: |r| Some(Cow::Borrowed(&r.id)),
        },
        FieldDef {
            columns: &["name"],
            only: None,
            mode: Mode::Fill,
            get: |r| text(&r.name),
        },
        FieldDef {
            columns: &["n", "number"],
            only: Some(Endpoint::Results),
            mode: Mode::Owned,
            get: |r| shown(&r.n),
        },
    ];

    #[test]
    fn fields_follow_the_endpoint_and_keys_are_found_by_first_column() {
        let records = [R {
            id: "a".into(),
            name: None,
            n: Some(3),
        }];
        let s = TableWrite::build(
            "ra_x",
            "t",
            &["id"],
            DEFS,
            Some(Endpoint::Racecards),
            None,
            &records,
        );
        assert_eq!(s.fields.len(), 2, "the results-only field is left out");
        assert_eq!(s.key, [0]);
        assert_eq!(s.rows[0].values, [Some(Cow::Borrowed("a")), None]);
        let s = TableWrite::build(
            "ra_x",
            "t",
            &["id"],
            DEFS,
            Some(Endpoint::Results),
            Some(Mode::Initial),
            &records,
        );
        assert_eq!(s.fields[2].mode, Mode::Initial);
        assert_eq!(s.rows[0].values[2].as_deref(), Some("3"));
        assert_eq!(s.field("n"), Some(2));
        assert!(s.rows[0].origin.to_json().contains("\"id\":\"a\""));
    }
}
