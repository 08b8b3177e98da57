//! What this run already wrote, so a row that would change nothing is not sent again: the same
//! jockeys, trainers, sires and horses come back day after day in a date range, and an upsert that
//! finds nothing to change still costs an index probe and a row lock per row.
//!
//! Only values this run wrote (and saw committed) are known; anything else counts as unknown and
//! the row is written. The cache is per phase (cleared when the targets change) and is bypassed
//! in careful mode, so a row somebody deleted in the meantime is written again rather than
//! assumed.

use std::collections::HashMap;

use super::step::{Mode, Row, TableWrite};

/// Stop remembering beyond this many rows (memory stays bounded on very long ranges).
const MAX_ROWS: usize = 1_000_000;

/// What is known about a stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Known {
    /// Exactly this (`None`: no value).
    Value(Option<String>),
    /// Some value, not known which (an `Initial` write met a row that existed).
    Present,
    /// Nothing known: a place kept so the row's columns stay in the order of the step that
    /// remembered it first (a column it left empty would otherwise shift the rest).
    Unknown,
}

/// Known column values per logical table and key. A row's columns are a short list searched in
/// order, not a map: a master has at most a few dozen columns, and hashing each name for every
/// row checked cost more than the lookups it saved.
#[derive(Debug, Default)]
pub struct Shadow {
    tables: HashMap<&'static str, HashMap<String, Columns>>,
    rows: usize,
}

/// What is known about each column of one row.
type Columns = Vec<(&'static str, Known)>;

/// The column's entry; `at` is where it usually is (rows of a table are mostly remembered from
/// steps with the same fields in the same order), so the search rarely scans.
fn find<'k>(known: &'k [(&'static str, Known)], at: usize, column: &str) -> Option<&'k Known> {
    match known.get(at) {
        Some((c, k)) if same(c, column) => Some(k),
        _ => known.iter().find(|(c, _)| same(c, column)).map(|(_, k)| k),
    }
}

/// Column names come from the same static field lists, so the pointers mostly match and the
/// bytes are compared only when they do not.
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The column's entry, added as `Unknown` when missing; `at` as in [`find`].
fn slot<'k>(known: &'k mut Columns, at: usize, column: &'static str) -> &'k mut Known {
    let i = match known.get(at) {
        Some((c, _)) if same(c, column) => at,
        _ => match known.iter().position(|(c, _)| same(c, column)) {
            Some(i) => i,
            None => {
                known.push((column, Known::Unknown));
                known.len() - 1
            }
        },
    };
    &mut known[i].1
}

/// A row as written, to be remembered once its transaction commits.
#[derive(Debug, Clone)]
pub struct Written {
    table: &'static str,
    key: String,
    fields: Vec<(&'static str, Mode, Option<String>)>,
}

impl Written {
    pub fn of(step: &TableWrite, row: &Row) -> Written {
        Written {
            table: step.table,
            key: row.key(&step.key),
            fields: step
                .fields
                .iter()
                .zip(&row.values)
                .map(|(f, v)| (f.columns[0], f.mode, v.as_deref().map(str::to_string)))
                .collect(),
        }
    }
}

impl Shadow {
    pub fn clear(&mut self) {
        self.tables.clear();
        self.rows = 0;
    }

    /// True when every value of `row` is already stored, as far as this run knows.
    pub fn unchanged(&self, step: &TableWrite, row: &Row) -> bool {
        let Some(table) = self.tables.get(step.table) else {
            return false;
        };
        // a one-field key is the value itself: no key string to build
        let found = match step.key.as_slice() {
            [k] => table.get(row.values[*k].as_deref().unwrap_or("")),
            _ => table.get(&row.key(&step.key)),
        };
        let Some(known) = found else {
            return false;
        };
        step.fields
            .iter()
            .zip(&row.values)
            .enumerate()
            .all(|(i, (f, v))| {
                let stored = find(known, i, f.columns[0]);
                let exactly =
                    |v: Option<&str>| matches!(stored, Some(Known::Value(s)) if s.as_deref() == v);
                match (f.mode, v.as_deref()) {
                    (Mode::Fill | Mode::Initial, None) => true,
                    (Mode::Fill, Some(v)) => exactly(Some(v)),
                    (Mode::Initial, Some(_)) => {
                        matches!(stored, Some(Known::Present | Known::Value(Some(_))))
                    }
                    (Mode::Owned, v) => exactly(v),
                }
            })
    }

    /// Remembers the state a committed write left behind.
    pub fn record(&mut self, w: Written) {
        let table = self.tables.entry(w.table).or_default();
        if !table.contains_key(&w.key) {
            if self.rows >= MAX_ROWS {
                return;
            }
            self.rows += 1;
        }
        let known = table.entry(w.key).or_default();
        if known.is_empty() {
            known.extend(w.fields.iter().map(|(c, _, _)| (*c, Known::Unknown)));
        }
        for (at, (column, mode, value)) in w.fields.into_iter().enumerate() {
            match (mode, value) {
                (Mode::Fill | Mode::Initial, None) => {}
                (Mode::Fill | Mode::Owned, v) => {
                    *slot(known, at, column) = Known::Value(v);
                }
                // the stored value wins: afterwards the column holds a value, `v` or an older one
                // (a column first seen here counts as present, not known)
                (Mode::Initial, Some(v)) => {
                    let slot = slot(known, at, column);
                    match slot {
                        Known::Value(None) => *slot = Known::Value(Some(v)),
                        // an Initial write keeps what was stored, whatever it was
                        Known::Unknown => *slot = Known::Present,
                        _ => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::fetch::step::Field;

    fn step(mode: Mode, rows: Vec<Vec<Option<&'static str>>>) -> TableWrite<'static> {
        TableWrite {
            name: "ra_x/t".into(),
            table: "ra_x",
            fields: vec![
                Field {
                    columns: &["id"],
                    mode: Mode::Fill,
                },
                Field {
                    columns: &["name"],
                    mode,
                },
            ],
            key: vec![0],
            stamps: vec![],
            rows: rows
                .into_iter()
                .map(|v| Row {
                    values: v.into_iter().map(|x| x.map(Cow::Borrowed)).collect(),
                    origin: &"x",
                })
                .collect(),
            lock_races: false,
            resolve: None,
            optional: false,
            report_new: false,
            checked: false,
        }
    }

    #[test]
    fn only_what_this_run_wrote_counts_as_known() {
        let mut s = Shadow::default();
        let st = step(
            Mode::Fill,
            vec![
                vec![Some("a"), Some("Ann")],
                vec![Some("a"), None],
                vec![Some("a"), Some("Bob")],
            ],
        );
        assert!(!s.unchanged(&st, &st.rows[0]), "nothing known yet");
        s.record(Written::of(&st, &st.rows[0]));
        assert!(s.unchanged(&st, &st.rows[0]));
        assert!(
            s.unchanged(&st, &st.rows[1]),
            "no value keeps the stored one"
        );
        assert!(!s.unchanged(&st, &st.rows[2]));
        let owned = step(Mode::Owned, vec![vec![Some("a"), None]]);
        assert!(
            !s.unchanged(&owned, &owned.rows[0]),
            "an owned field may be cleared"
        );
        let initial = step(Mode::Initial, vec![vec![Some("b"), Some("Cid")]]);
        assert!(!s.unchanged(&initial, &initial.rows[0]));
        s.record(Written::of(&initial, &initial.rows[0]));
        assert!(
            s.unchanged(&initial, &initial.rows[0]),
            "a stored value exists now"
        );
        let fill_b = step(Mode::Fill, vec![vec![Some("b"), Some("Cid")]]);
        assert!(
            !s.unchanged(&fill_b, &fill_b.rows[0]),
            "but which one is unknown"
        );
        s.clear();
        assert!(!s.unchanged(&st, &st.rows[0]));
    }

    /// Two steps write one table with their fields in another order (horses that ran, and horses
    /// known only as a parent): a column is found wherever the other step left it.
    #[test]
    fn a_column_is_found_whatever_the_order_it_was_remembered_in() {
        let mut s = Shadow::default();
        let first = step(Mode::Fill, vec![vec![Some("a"), Some("Ann")]]);
        s.record(Written::of(&first, &first.rows[0]));
        let mut reordered = step(Mode::Fill, vec![vec![Some("Ann"), Some("a")]]);
        reordered.fields.reverse();
        reordered.key = vec![1];
        assert!(s.unchanged(&reordered, &reordered.rows[0]));
        let changed = {
            let mut st = step(Mode::Fill, vec![vec![Some("Bob"), Some("a")]]);
            st.fields.reverse();
            st.key = vec![1];
            st
        };
        assert!(!s.unchanged(&changed, &changed.rows[0]));
        s.record(Written::of(&changed, &changed.rows[0]));
        assert!(!s.unchanged(&first, &first.rows[0]), "the name is Bob now");
        let bob = step(Mode::Fill, vec![vec![Some("a"), Some("Bob")]]);
        assert!(s.unchanged(&bob, &bob.rows[0]));
    }

    /// A row remembered with a column left empty keeps a place for it: the column stays unknown
    /// (a value for it is written), and an `Initial` write there knows only that some value is
    /// stored.
    #[test]
    fn a_column_left_empty_when_remembered_stays_unknown() {
        let mut s = Shadow::default();
        let empty = step(Mode::Fill, vec![vec![Some("a"), None]]);
        s.record(Written::of(&empty, &empty.rows[0]));
        assert!(s.unchanged(&empty, &empty.rows[0]));
        let named = step(Mode::Fill, vec![vec![Some("a"), Some("Ann")]]);
        assert!(
            !s.unchanged(&named, &named.rows[0]),
            "the name was never written"
        );
        let initial = step(Mode::Initial, vec![vec![Some("a"), Some("Ann")]]);
        assert!(!s.unchanged(&initial, &initial.rows[0]));
        s.record(Written::of(&initial, &initial.rows[0]));
        assert!(
            s.unchanged(&initial, &initial.rows[0]),
            "some name is stored now"
        );
        assert!(
            !s.unchanged(&named, &named.rows[0]),
            "but not known to be Ann"
        );
    }
}
