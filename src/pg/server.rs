//! The checks every command runs on a new connection before anything else: the server's version
//! and whether the connection goes through a transaction pooler (which breaks session state).

use anyhow::{anyhow, bail, Context, Result};
use postgres::Client;
use std::str::FromStr;
use std::time::Duration;

/// The oldest server the tool runs against (trigger syntax, `pg_publication_tables`, generated
/// columns); the tests run on 15.
pub const MIN_SERVER_VERSION: i32 = 130000;

/// The port Supabase's transaction pooler listens on.
pub const SUPABASE_TRANSACTION_POOLER_PORT: u16 = 6543;

/// The server's version number, refused when older than [`MIN_SERVER_VERSION`].
/// By the simple query protocol: it runs before the pooler probe, and named prepared statements
/// fail through a transaction pooler.
pub fn check_server_version(client: &mut Client) -> Result<i32> {
    let (num, text) = server_version(client)?;
    supported(&num, &text)
}

pub(crate) fn server_version(client: &mut Client) -> Result<(String, String)> {
    let rows = client
        .simple_query(
            "SELECT current_setting('server_version_num'), current_setting('server_version')",
        )
        .context("reading the server version")?;
    for m in rows {
        if let postgres::SimpleQueryMessage::Row(r) = m {
            return Ok((
                r.get(0).unwrap_or_default().to_string(),
                r.get(1).unwrap_or_default().to_string(),
            ));
        }
    }
    bail!("reading the server version: no row")
}

/// `server_version_num` as a number, or the refusal of a server older than 13.
fn supported(num: &str, text: &str) -> Result<i32> {
    let num: i32 = num
        .parse()
        .map_err(|e| anyhow!("unreadable server_version_num {num:?}: {e}"))?;
    if num < MIN_SERVER_VERSION {
        bail!(
            "PostgreSQL {text} is not supported: ra-migrate needs PostgreSQL 13 or newer (it is tested on 15)"
        );
    }
    Ok(num)
}

/// Host and port of a connection string (the first of each), for the checks that depend on them.
pub(crate) fn endpoint(url: &str) -> Result<(String, u16)> {
    let split = crate::pg::tls::split_params(url)?;
    let config = postgres::Config::from_str(&split.conn)
        .map_err(|e| anyhow!("invalid database URL: {e}"))?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    Ok((host, port))
}

pub(crate) fn is_local(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1" || host.starts_with('/')
}

/// Whether the connection goes through a pooler in transaction mode: one client session that is
/// not one server session. A second client is opened while the first is idle between
/// transactions; a pooler in transaction mode hands it the first client's server session (the
/// same backend pid, with the first client's session setting in it), or moves the first client to
/// another backend while the second holds one. Direct connections and session pooling never do.
pub fn transaction_pooler(client: &mut Client, url: &str) -> Result<Option<String>> {
    let (_, port) = endpoint(url)?;
    let token = format!("probe_{}", std::process::id());
    // One message: the setting and the pid come from the same server session even through a pooler.
    let (first_pid, _) = probe_row(
        client,
        &format!("SET ra_migrate.pooler_probe = '{token}'; {PROBE}"),
    )
    .context("probing for a transaction pooler")?;
    // A second client, in a thread: with session pooling and a full pool it waits for a server
    // connection, and that wait is itself the answer "not a transaction pooler". It takes and
    // releases a server session on command, so this client is probed both while the other holds
    // one and right after the other released one (whatever order the pooler hands them out in).
    let url2 = url.to_string();
    let (cmd_tx, cmd_rx) = std::sync::mpsc::channel::<bool>();
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Result<(i32, Option<String>)>>();
    std::thread::spawn(move || {
        let mut c = match crate::pg::db::connect(&url2, "pooler probe") {
            Ok(c) => c,
            Err(e) => {
                let _ = res_tx.send(Err(e));
                return;
            }
        };
        // true: begin and report; false: end the transaction and report nothing.
        while let Ok(begin) = cmd_rx.recv_timeout(Duration::from_secs(10)) {
            let r = if begin {
                probe_row(&mut c, &format!("BEGIN; {PROBE}"))
            } else {
                c.batch_execute("ROLLBACK")
                    .map(|_| (0, None))
                    .map_err(Into::into)
            };
            if res_tx.send(r).is_err() {
                break;
            }
        }
    });
    let mut verdict = None;
    let moved = |client: &mut Client| -> Result<Option<String>> {
        let (pid, setting) = probe_row(client, PROBE)?;
        Ok((pid != first_pid || setting.as_deref() != Some(token.as_str())).then(|| {
            format!(
                "this connection moved from backend pid {first_pid} to {pid} between two transactions"
            )
        }))
    };
    for _ in 0..3 {
        if cmd_tx.send(true).is_err() {
            break;
        }
        let Ok(Ok((pid, setting))) = res_rx.recv_timeout(Duration::from_secs(5)) else {
            break;
        };
        if pid == first_pid || setting.as_deref() == Some(token.as_str()) {
            verdict = Some(format!(
                "a second connection was given this connection's server session (backend pid {pid})"
            ));
            break;
        }
        verdict = moved(client)?;
        if verdict.is_some() {
            break;
        }
        if cmd_tx.send(false).is_err()
            || !matches!(res_rx.recv_timeout(Duration::from_secs(5)), Ok(Ok(_)))
        {
            break;
        }
        verdict = moved(client)?;
        if verdict.is_some() {
            break;
        }
    }
    drop(cmd_tx);
    client.batch_execute("RESET ra_migrate.pooler_probe")?;
    if verdict.is_none() && port == SUPABASE_TRANSACTION_POOLER_PORT {
        verdict = Some(format!(
            "port {port} is the port of Supabase's transaction pooler"
        ));
    }
    Ok(verdict)
}

const PROBE: &str =
    "SELECT pg_backend_pid()::text, current_setting('ra_migrate.pooler_probe', true)";

/// This session's backend pid and probe setting, by the simple query protocol: a transaction
/// pooler breaks named prepared statements, and the probe must work through one.
fn probe_row(c: &mut Client, sql: &str) -> Result<(i32, Option<String>)> {
    let rows = c.simple_query(sql)?;
    for m in rows {
        if let postgres::SimpleQueryMessage::Row(r) = m {
            let pid: i32 = r.get(0).unwrap_or("0").parse().unwrap_or(0);
            return Ok((pid, r.get(1).filter(|s| !s.is_empty()).map(str::to_string)));
        }
    }
    bail!("the pooler probe returned no row")
}

/// The refusal every command but `doctor` gives, before reading or changing anything, through a
/// transaction pooler.
pub fn refuse_transaction_pooler(client: &mut Client, url: &str, what: &str) -> Result<()> {
    if let Some(why) = transaction_pooler(client, url)? {
        bail!(
            "refusing to run {what} through a transaction pooler ({why}): the operator lock, lock_timeout, session settings and prepared statements do not hold from one transaction to the next; connect directly (db.<project-ref>.supabase.co:5432) or through the session pooler on port 5432 (`ra-migrate doctor` checks the connection); nothing was changed"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_older_than_13_are_refused_with_the_version_named() {
        assert_eq!(supported("150018", "15.18").unwrap(), 150018);
        assert_eq!(supported("130000", "13.0").unwrap(), 130000);
        let e = supported("120022", "12.22").unwrap_err().to_string();
        assert!(e.contains("12.22") && e.contains("13 or newer"), "{e}");
        assert!(supported("x", "?").is_err());
    }

    #[test]
    fn endpoints_of_both_connection_string_forms() {
        assert_eq!(
            endpoint("postgresql://u:p@aws-0-eu.pooler.supabase.com:6543/postgres?sslmode=require")
                .unwrap(),
            ("aws-0-eu.pooler.supabase.com".to_string(), 6543)
        );
        assert_eq!(
            endpoint("host=db.example.com user=u dbname=d").unwrap(),
            ("db.example.com".to_string(), 5432)
        );
        assert!(is_local("127.0.0.1") && is_local("localhost") && !is_local("db.example.com"));
    }
}
