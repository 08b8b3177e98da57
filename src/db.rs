//! Connections, the operator lock, `lock_timeout` and the narrow retry on lock timeouts.
//!
//! One module owns these so every command gets the same behaviour: a recognisable
//! `application_name`, TLS as libpq's `sslmode` asks ([`crate::tls`]), passwords never shown, at
//! most one phase operation at a time, and DDL that gives up quickly instead of queueing in front
//! of the writers.

use crate::tls::{SslMode, TlsSettings};
use anyhow::{anyhow, bail, Context, Result};
use postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock namespace of the tool (`ra` in ASCII).
pub const LOCK_CLASS: i32 = 0x7261;
/// Session lock held by the one running apply/rollback/purge.
pub const OPERATOR_LOCK: i32 = 1;
/// Transaction lock: writers take it shared while they read the phase; phase transitions take it
/// exclusively, so no write straddles a phase change.
pub const PHASE_LOCK: i32 = 2;

/// How DDL waits for locks.
#[derive(Debug, Clone)]
pub struct LockPolicy {
    /// `lock_timeout` for each try.
    pub timeout: Duration,
    /// Tries after the first one.
    pub retries: u32,
    /// First pause between tries; doubles, with jitter, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for LockPolicy {
    fn default() -> Self {
        LockPolicy {
            // Below PostgreSQL's default deadlock_timeout (1 s): in a lock conflict with a writer,
            // the migration gives up and retries, the writer never becomes the victim.
            timeout: Duration::from_millis(200),
            retries: 10,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(3),
        }
    }
}

/// Who is operating: OS user, host and process, recorded in the log and shown to a blocked operator.
pub fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .or_else(user_from_passwd)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".into());
    format!("{user}@{host} pid {}", std::process::id())
}

/// The login name of this process's uid, from /proc and /etc/passwd (no libc binding needed).
fn user_from_passwd() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map(|f| f[0].to_string())
}

/// Connects with `application_name` set so other sessions can see who holds what, over TLS as
/// the connection string's libpq-style `sslmode` / `sslrootcert` ask (see [`crate::tls`]).
pub fn connect(url: &str, purpose: &str) -> Result<Client> {
    let (mut config, tls) = parse_config(url)?;
    let app = format!("ra-migrate {purpose} ({})", operator());
    config.application_name(&app);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let connected = if tls.mode == SslMode::Disable {
        config.connect(NoTls)
    } else {
        let connector = crate::tls::connector(&tls)
            .with_context(|| format!("setting up TLS for {}", redact_url(url)))?;
        config.connect(connector)
    };
    connected
        .map_err(|e| {
            let text = redact_text(&crate::tls::error_chain_text(&e), url);
            match crate::tls::diagnose(&e, &tls) {
                Some(hint) => anyhow!("{hint}: {text}"),
                None => anyhow!("{text}"),
            }
        })
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

/// The postgres crate's configuration and our TLS settings for a connection string; the crate
/// never sees `verify-ca`, `verify-full` or `sslrootcert`, which its parser rejects.
fn parse_config(url: &str) -> Result<(Config, TlsSettings)> {
    let invalid =
        |e: &dyn std::fmt::Display| anyhow!("invalid database URL {}: {e}", redact_url(url));
    let split = crate::tls::split_params(url).map_err(|e| invalid(&format!("{e:#}")))?;
    let mut config =
        Config::from_str(&split.conn).map_err(|e| invalid(&crate::tls::error_chain_text(&e)))?;
    config.ssl_mode(split.tls.mode.postgres_mode());
    Ok((config, split.tls))
}

/// The URL with its password replaced by `***` (both URL and key=value forms).
pub fn redact_url(url: &str) -> String {
    if let Some(rest) = url
        .strip_prefix("postgres://")
        .map(|r| ("postgres://", r))
        .or_else(|| {
            url.strip_prefix("postgresql://")
                .map(|r| ("postgresql://", r))
        })
    {
        let (scheme, rest) = rest;
        if let Some(at) = rest.rfind('@') {
            let (userinfo, host) = rest.split_at(at);
            if let Some(colon) = userinfo.find(':') {
                let user = &userinfo[..colon];
                return redact_query(&format!("{scheme}{user}:***{host}"));
            }
        }
        return redact_query(url);
    }
    // key=value form: password=secret or password='se cret'
    let mut out = Vec::new();
    let mut in_password = false;
    for word in url.split(' ') {
        if let Some(v) = word.strip_prefix("password=") {
            in_password = v.starts_with('\'') && !(v.len() > 1 && v.ends_with('\''));
            out.push("password=***".to_string());
        } else if in_password {
            in_password = !word.ends_with('\'');
        } else {
            out.push(word.to_string());
        }
    }
    out.join(" ")
}

fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_string(),
        Some((base, q)) => {
            let q: Vec<String> = q
                .split('&')
                .map(|kv| {
                    if kv.starts_with("password=") {
                        "password=***".into()
                    } else {
                        kv.to_string()
                    }
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
    }
}

/// Removes the URL's password from a message that might echo it.
pub fn redact_text(text: &str, url: &str) -> String {
    match parse_config(url)
        .ok()
        .and_then(|(c, _)| c.get_password().map(|p| p.to_vec()))
    {
        Some(p) if !p.is_empty() => {
            let p = String::from_utf8_lossy(&p).to_string();
            text.replace(&p, "***")
        }
        _ => text.to_string(),
    }
}

/// Takes the operator lock on this session or fails at once naming the holder.
pub fn acquire_operator_lock(client: &mut Client) -> Result<()> {
    let got: bool = client
        .query_one(
            "SELECT pg_try_advisory_lock($1, $2)",
            &[&LOCK_CLASS, &OPERATOR_LOCK],
        )
        .context("taking the operator lock")?
        .get(0);
    if got {
        return Ok(());
    }
    let holder = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
                    coalesce(host(a.client_addr), 'local'), a.backend_start::text
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = $2::int::oid
               AND l.granted
             LIMIT 1",
            &[&LOCK_CLASS, &OPERATOR_LOCK],
        )
        .context("looking up the holder of the operator lock")?;
    match holder {
        Some(r) => bail!(
            "another ra-migrate operation is running: held by backend pid {} ('{}', database user {}, from {}, connected since {}); wait for it to finish, or end that session if it is stuck",
            r.get::<_, i32>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2),
            r.get::<_, String>(3),
            r.get::<_, String>(4)
        ),
        None => bail!("another ra-migrate operation is running (the operator lock is taken)"),
    }
}

/// True when the error chain holds PostgreSQL's `lock_not_available` (55P03), the error
/// `lock_timeout` raises.
pub fn is_lock_timeout(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|c| *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE)
    })
}

/// Runs `attempt` until it succeeds, retrying only on lock timeouts, with doubling jittered pauses.
/// Any other error returns at once; the last lock timeout becomes a clear error.
pub fn with_lock_retry<T>(
    policy: &LockPolicy,
    what: &str,
    mut attempt: impl FnMut(u32) -> Result<T>,
) -> Result<T> {
    let mut pause = policy.backoff;
    for n in 0..=policy.retries {
        match attempt(n) {
            Ok(v) => return Ok(v),
            Err(e) if is_lock_timeout(&e) && n < policy.retries => {
                let sleep = jitter(pause);
                tracing::warn!(
                    "{what}: lock not granted within {:?} (try {} of {}); retrying in {:?}",
                    policy.timeout,
                    n + 1,
                    policy.retries + 1,
                    sleep
                );
                std::thread::sleep(sleep);
                pause = (pause * 2).min(policy.max_backoff);
            }
            Err(e) if is_lock_timeout(&e) => {
                return Err(e.context(format!(
                    "{what}: a lock was not granted within {:?} on any of {} tries; another session holds a conflicting lock (see pg_locks / pg_stat_activity); nothing was changed",
                    policy.timeout,
                    policy.retries + 1
                )))
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its last try")
}

/// Between half and the whole of `d`, so operators retrying together spread out.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let frac = 0.5 + f64::from(nanos % 1000) / 2000.0;
    d.mul_f64(frac)
}

/// Applies the policy's `lock_timeout` to the whole session: even reading the catalog takes
/// ACCESS SHARE locks (`pg_get_expr` opens the table), and must not queue forever behind DDL.
pub fn set_session_lock_timeout(client: &mut Client, policy: &LockPolicy) -> Result<()> {
    client
        .batch_execute(&format!(
            "SET lock_timeout = '{}ms'",
            policy.timeout.as_millis()
        ))
        .context("setting lock_timeout")
}

/// `SET LOCAL lock_timeout` text for a policy.
pub fn set_local_lock_timeout(policy: &LockPolicy) -> String {
    format!(
        "SET LOCAL lock_timeout = '{}ms'",
        policy.timeout.as_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_url_and_keyword_passwords() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example.com:5432/postgres?sslmode=require"),
            "postgres://app:***@db.example.com:5432/postgres?sslmode=require"
        );
        assert_eq!(
            redact_url("postgresql://u@h/d?password=s3cret&sslmode=require"),
            "postgresql://u@h/d?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("host=h user=u password=s3cret dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        assert!(!redact_url("host=h password='a b' dbname=d").contains("a b"));
    }

    #[test]
    fn redacts_text_for_tls_parameters_the_postgres_crate_cannot_parse() {
        let url =
            "postgres://app:s3cret@db.example.com/postgres?sslmode=verify-full&sslrootcert=/ca.pem";
        assert_eq!(redact_text("echoed s3cret here", url), "echoed *** here");
        let kv = "host=h user=u password=s3cret sslmode=verify-ca sslrootcert=/ca.pem";
        assert_eq!(redact_text("echoed s3cret here", kv), "echoed *** here");
    }

    #[test]
    fn invalid_sslmode_is_named_without_the_password() {
        let err = connect("postgres://app:s3cret@127.0.0.1:1/d?sslmode=verify", "test")
            .err()
            .expect("must fail");
        let err = format!("{err:#}");
        assert!(err.contains("invalid sslmode `verify`"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}
