//! The settings `init` records (schema, mapping hash) and every later command must agree with.

use crate::cli::Global;
use crate::pg::db;
use crate::schema::mapping::Mapping;
use crate::state;
use anyhow::{bail, Context, Result};

/// What every later command must agree with: the schema holding the tables and the mapping, as
/// `init` recorded them (an operation-log entry of action `init`).
struct Settings {
    schema: String,
    mapping_md5: String,
    mapping_source: String,
}

fn settings_now(client: &mut postgres::Client, g: &Global, mapping: &Mapping) -> Result<Settings> {
    let canonical = serde_json::to_string(mapping).context("serialising the mapping")?;
    let mapping_md5: String = client
        .query_one("SELECT md5($1)", &[&canonical])
        .context("hashing the mapping")?
        .get(0);
    Ok(Settings {
        schema: g.schema.clone(),
        mapping_md5,
        mapping_source: g
            .mapping
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the built-in phases/mapping.toml".into()),
    })
}

fn settings_recorded(client: &mut postgres::Client) -> Result<Option<Settings>> {
    let row = client
        .query_opt(
            "SELECT options->>'schema', options->>'mapping_md5', coalesce(options->>'mapping_source', '?')
             FROM ra_migrate.operation_log
             WHERE action = 'init' AND options ? 'mapping_md5' ORDER BY id DESC LIMIT 1",
            &[],
        )
        .context("reading the settings init recorded")?;
    Ok(row.map(|r| Settings {
        schema: r.get(0),
        mapping_md5: r.get(1),
        mapping_source: r.get(2),
    }))
}

/// The differences between the recorded settings and this run's, each saying which.
fn settings_differences(recorded: &Settings, now: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.schema != now.schema {
        out.push(format!(
            "--schema is `{}` but this database was initialised with `{}`",
            now.schema, recorded.schema
        ));
    }
    if recorded.mapping_md5 != now.mapping_md5 {
        out.push(format!(
            "the mapping ({}, md5 {}) differs from the one this database was initialised with ({}, md5 {})",
            now.mapping_source, now.mapping_md5, recorded.mapping_source, recorded.mapping_md5
        ));
    }
    out
}

/// `init` records this run's schema and mapping the first time (or with `--reconfigure`); a
/// later init with different ones is refused like any other command. Returns what stands now.
pub(super) fn record(
    client: &mut postgres::Client,
    g: &Global,
    mapping: &Mapping,
    reconfigure: bool,
) -> Result<String> {
    let now = settings_now(client, g, mapping)?;
    if let Some(recorded) = settings_recorded(client)? {
        let diff = settings_differences(&recorded, &now);
        if diff.is_empty() {
            return Ok(format!(
                "settings: schema `{}`, mapping md5 {} (as recorded)",
                now.schema, now.mapping_md5
            ));
        }
        if !reconfigure {
            bail!(
                "{}: pass the recorded settings, or run `ra-migrate init --reconfigure` if the change is intended",
                diff.join("; ")
            );
        }
    }
    client
        .execute(
            "INSERT INTO ra_migrate.operation_log (action, operator, outcome, finished_at, options)
             VALUES ('init', $1, 'ok', now(), $2)",
            &[
                &db::operator(),
                &serde_json::json!({
                    "schema": now.schema,
                    "mapping_md5": now.mapping_md5,
                    "mapping_source": now.mapping_source,
                }),
            ],
        )
        .context("recording the schema and mapping")?;
    Ok(format!(
        "settings recorded: schema `{}`, mapping md5 {} ({}); later commands refuse others",
        now.schema, now.mapping_md5, now.mapping_source
    ))
}

/// `state::require_init`, and the schema and mapping this run uses are the ones `init` recorded.
pub(crate) fn require_init(
    client: &mut postgres::Client,
    g: &Global,
    mapping: &Mapping,
) -> Result<()> {
    state::require_init(client)?;
    // a database initialised before settings were recorded has none to compare with
    if let Some(recorded) = settings_recorded(client)? {
        let now = settings_now(client, g, mapping)?;
        let diff = settings_differences(&recorded, &now);
        if !diff.is_empty() {
            bail!(
                "{}: pass the settings it was initialised with (command line, RA_MIGRATE_* or ra-migrate.toml), or run `ra-migrate init --reconfigure` if the change is intended",
                diff.join("; ")
            );
        }
    }
    Ok(())
}
