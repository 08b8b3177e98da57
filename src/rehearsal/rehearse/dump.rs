//! Moving the schema: `pg_dump` of the source and `psql` into the copy, with the password kept off
//! the command line, and the sequences set where the source's stand.

use crate::pg::db;
use crate::rehearsal::cluster::Cluster;
use anyhow::{bail, Context, Result};
use postgres::Client;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cluster's own client binary when it has one (same version as the copy), else `PATH`'s.
pub(super) fn tool(cluster: &Cluster, name: &str) -> PathBuf {
    let own = cluster.bin_dir().join(name);
    if own.is_file() {
        own
    } else {
        PathBuf::from(name)
    }
}

/// `pg_dump --schema-only` of one section of `schema`, owners and privileges included. The password
/// goes through `PGPASSWORD`, never the command line (which other users of the machine can see).
pub(super) fn dump_schema(
    pg_dump: &Path,
    url: &str,
    schema: &str,
    section: &str,
) -> Result<String> {
    let (conninfo, password) = without_password(url);
    let mut cmd = Command::new(pg_dump);
    cmd.args([
        "--schema-only",
        // Reads of the catalog must not queue in front of production DDL.
        "--lock-wait-timeout=5000",
        &format!("--section={section}"),
        &format!("--schema={schema}"),
        "--dbname",
        &conninfo,
    ])
    .stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = cmd.output().with_context(|| {
        format!(
            "running {} (install the PostgreSQL client, e.g. `apt-get install postgresql-client-15`)",
            pg_dump.display()
        )
    })?;
    if !out.status.success() {
        let err = db::redact_text(&String::from_utf8_lossy(&out.stderr), url);
        let hint = if err.contains("version mismatch") {
            "; the source's server is newer than this pg_dump: install the matching postgresql-client and put it first on PATH"
        } else {
            ""
        };
        bail!(
            "{} --section={section} of {} failed ({}): {}{hint}",
            pg_dump.display(),
            db::redact_url(url),
            out.status,
            err.trim()
        );
    }
    let dump =
        String::from_utf8(out.stdout).context("pg_dump wrote something that is not UTF-8")?;
    // A dump limited to a schema creates it, and the copy already has `public` (and the schemas
    // of the extensions created beforehand).
    Ok(dump
        .lines()
        .map(|l| match l.strip_prefix("CREATE SCHEMA ") {
            Some(rest) if !rest.starts_with("IF NOT EXISTS") => {
                format!("CREATE SCHEMA IF NOT EXISTS {rest}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect())
}

/// Runs a plain-format dump with psql (it understands the dump's meta-commands), stopping at the
/// first error.
pub(super) fn load_sql(psql: &Path, url: &str, sql: &str, what: &str) -> Result<()> {
    let mut child = Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", psql.display()))?;
    let mut stdin = child.stdin.take().context("psql's stdin")?;
    let written = stdin.write_all(sql.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().context("waiting for psql")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "loading {what} into the copy failed: {} (the line numbers count lines of `pg_dump --schema-only`; the usual causes are an extension or a role this machine lacks)",
            err.trim()
        );
    }
    written.context("feeding the dump to psql")
}

/// The connection string without its password, and the password (for `PGPASSWORD`, so it never
/// appears on a command line). Parsed the way the connection itself is (`tls`).
pub(super) fn without_password(url: &str) -> (String, Option<String>) {
    use crate::pg::tls::{percent_decode, tokenize_key_value};
    for scheme in ["postgres://", "postgresql://"] {
        let Some(rest) = url.strip_prefix(scheme) else {
            continue;
        };
        // the query starts at the first `?` after the credentials: a password may hold one
        let after_creds = rest.find('@').map_or(0, |at| at + 1);
        let (main, query) = match rest[after_creds..].find('?') {
            Some(i) => (&rest[..after_creds + i], Some(&rest[after_creds + i + 1..])),
            None => (rest, None),
        };
        let mut password = None;
        let main = match main.rfind('@') {
            Some(at) => {
                let (userinfo, host) = main.split_at(at);
                match userinfo.split_once(':') {
                    Some((user, pw)) => {
                        password = Some(percent_decode(pw));
                        format!("{user}{host}")
                    }
                    None => main.to_string(),
                }
            }
            None => main.to_string(),
        };
        let query: Vec<&str> = query
            .map(|q| q.split('&').collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|kv| match kv.strip_prefix("password=") {
                Some(pw) => {
                    password = Some(percent_decode(pw));
                    false
                }
                None => true,
            })
            .collect();
        let mut out = format!("{scheme}{main}");
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query.join("&"));
        }
        return (out, password);
    }
    // key=value form; a string that does not tokenise is passed on for pg_dump to report
    let Some(pairs) = tokenize_key_value(url) else {
        return (url.to_string(), None);
    };
    let password = pairs
        .iter()
        .find(|(k, _, _)| k == "password")
        .map(|(_, v, _)| v.clone());
    let rest: Vec<String> = pairs
        .iter()
        .filter(|(k, _, _)| k != "password")
        .map(|(k, v, _)| format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect();
    (rest.join(" "), password)
}

/// Every sequence of the schema continues where the source's stands (phase 1 starts the new
/// masters' sequences from there).
pub(super) fn copy_sequences(source: &mut Client, target: &mut Client, schema: &str) -> Result<()> {
    // last_value is NULL for a sequence never used, or one this user may not read: left at start.
    let rows = source
        .query(
            "SELECT sequencename::text, last_value FROM pg_sequences
             WHERE schemaname = $1 AND last_value IS NOT NULL",
            &[&schema],
        )
        .context("reading the source's sequence positions")?;
    for r in rows {
        let (name, last): (String, i64) = (r.get(0), r.get(1));
        target
            .query_one(
                "SELECT setval(format('%I.%I', $1::text, $2::text)::regclass, $3)",
                &[&schema, &name, &last],
            )
            .with_context(|| format!("setting sequence {name} of the copy to {last}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_leaves_url_forms() {
        assert_eq!(
            without_password("postgres://u:p%40ss@h:5432/db?sslmode=require&password=x"),
            (
                "postgres://u@h:5432/db?sslmode=require".to_string(),
                Some("x".to_string())
            )
        );
        assert_eq!(
            without_password("postgresql://u:p%40ss@h/db"),
            ("postgresql://u@h/db".to_string(), Some("p@ss".to_string()))
        );
        assert_eq!(
            without_password("postgres://u@h/db"),
            ("postgres://u@h/db".to_string(), None)
        );
        // a `?` in the password is not the start of the query: it never reaches pg_dump's argv
        assert_eq!(
            without_password("postgres://u:pa?ss@h/db?sslmode=require"),
            (
                "postgres://u@h/db?sslmode=require".to_string(),
                Some("pa?ss".to_string())
            )
        );
    }

    #[test]
    fn password_leaves_key_value_form() {
        let (conn, pw) = without_password("host=h user=u password='se cr\\'et' dbname=d");
        assert_eq!(conn, "host='h' user='u' dbname='d'");
        assert_eq!(pw.as_deref(), Some("se cr'et"));
    }
}
