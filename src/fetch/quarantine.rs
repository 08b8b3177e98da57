//! Records the fetchers could not use, kept whole in `ra_migrate.quarantine`: written in the same
//! transaction as the rest of their batch, once per distinct record and error while unresolved
//! (a re-fetch counts it again on the same row), and listed by `ra-migrate quarantine`.

use std::borrow::Cow;

use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use postgres::GenericClient;
use serde::Serialize;

use crate::api::Rejected;

use super::statements;

/// A record on its way to quarantine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarantined {
    pub endpoint: String,
    pub request: String,
    /// The raw JSON as received, or the normalised record when it was refused at write time.
    pub payload: String,
    pub error: String,
}

impl From<&Rejected> for Quarantined {
    fn from(r: &Rejected) -> Quarantined {
        Quarantined {
            endpoint: r.endpoint.clone(),
            request: r.request.clone(),
            payload: r.raw_json.clone(),
            error: r.error.clone(),
        }
    }
}

/// `text` with every NUL written as the JSON escape `\u0000`: the one character PostgreSQL text
/// cannot hold arrives in ids and values (`"\u0000"` is valid JSON), and then in the error naming
/// them or in a payload kept as received. Refusing the quarantine row would fail the whole batch.
pub fn storable(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\\u0000"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Stores `items` (one statement); `source` is `api` or `synthetic`.
pub fn store(client: &mut impl GenericClient, source: &str, items: &[Quarantined]) -> Result<u64> {
    if items.is_empty() {
        return Ok(0);
    }
    let fields: [fn(&Quarantined) -> &str; 4] = [
        |q| &q.endpoint,
        |q| &q.request,
        |q| &q.payload,
        |q| &q.error,
    ];
    let cols: Vec<Vec<Cow<str>>> = fields
        .iter()
        .map(|f| items.iter().map(|q| storable(f(q))).collect())
        .collect();
    let col = |i: usize| -> Vec<&str> { cols[i].iter().map(|s| s.as_ref()).collect() };
    let sources: Vec<&str> = items.iter().map(|_| source).collect();
    client
        .execute(
            statements::QUARANTINE,
            &[&sources, &col(0), &col(1), &col(2), &col(3)],
        )
        .context("storing quarantined records in ra_migrate.quarantine")
}

/// One quarantined record as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub created_at: String,
    pub source: String,
    pub endpoint: String,
    pub request: Option<String>,
    pub error: String,
    pub payload: String,
    pub resolved_at: Option<String>,
    /// How many fetches refused it while it was unresolved (a re-fetch of the same day counts).
    pub times_seen: i32,
    pub last_seen_at: String,
}

/// The `limit` quarantined records seen most recently, newest first.
pub fn entries(client: &mut impl GenericClient, limit: i64) -> Result<Vec<Entry>> {
    Ok(client
        .query(
            "SELECT id, created_at::text, source, endpoint, request, error, payload, resolved_at::text,
                    times_seen, last_seen_at::text
             FROM ra_migrate.quarantine ORDER BY last_seen_at DESC, id DESC LIMIT $1",
            &[&limit],
        )
        .context("reading ra_migrate.quarantine")?
        .iter()
        .map(|r| Entry {
            id: r.get(0),
            created_at: r.get(1),
            source: r.get(2),
            endpoint: r.get(3),
            request: r.get(4),
            error: r.get(5),
            payload: r.get(6),
            resolved_at: r.get(7),
            times_seen: r.get(8),
            last_seen_at: r.get(9),
        })
        .collect())
}

/// The start of a payload on one line.
pub fn excerpt(text: &str, chars: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(chars)
        .collect();
    if text.chars().count() > chars {
        format!("{flat}…")
    } else {
        flat
    }
}

/// The quarantine as a table.
pub fn render(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "no quarantined records\n".to_string();
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["id", "last seen", "seen", "endpoint", "error", "payload"]);
    for e in entries {
        t.add_row([
            e.id.to_string(),
            e.last_seen_at.chars().take(19).collect(),
            format!("{}x", e.times_seen),
            e.endpoint.clone(),
            excerpt(&e.error, 160),
            excerpt(&e.payload, 80),
        ]);
    }
    format!("{t}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_a_quarantined_record_is_stored_as_its_json_escape() {
        assert_eq!(storable("rac_1\0x"), "rac_1\\u0000x");
        assert!(matches!(storable("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn excerpts_are_one_line_and_marked_when_cut() {
        assert_eq!(excerpt("a\nb", 10), "a b");
        assert_eq!(excerpt("abcdef", 3), "abc…");
    }
}
