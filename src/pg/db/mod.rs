//! Connections, the operator lock, `lock_timeout` and the narrow retry on lock timeouts.
//!
//! One module owns these so every command gets the same behaviour: a recognisable
//! `application_name`, TLS as libpq's `sslmode` asks ([`crate::pg::tls`]), passwords never shown, at
//! most one phase operation at a time, and DDL that gives up quickly instead of queueing in front
//! of the writers.
//!
//! [`locks`] owns the advisory locks and the lock-timeout retry, [`redact`] keeps passwords out of
//! what the tool shows; this module opens the connections.

mod locks;
mod redact;

pub use locks::{
    acquire_operator_lock, blockers, cancel_autovacuums_in_the_way, exclusive_phase_lock_sql,
    is_lock_timeout, lock_without_queueing, modes_conflict, open_phase_gate, operator_lock_holder,
    set_local_lock_timeout, set_session_lock_timeout, with_lock_retry, with_lock_retry_on, Blocker,
    LockPolicy, Need, LOCK_CLASS, OPERATOR_LOCK, PHASE_INTENT, PHASE_LOCK,
};
use redact::redact_text_plain;
pub use redact::{redact_text, redact_url};

use crate::pg::tls::{SslMode, TlsSettings};
use anyhow::{anyhow, Context, Result};
use postgres::{Client, Config, NoTls};
use std::str::FromStr;
use std::time::Duration;

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
/// the connection string's libpq-style `sslmode` / `sslrootcert` ask (see [`crate::pg::tls`]).
pub fn connect(url: &str, purpose: &str) -> Result<Client> {
    let (mut config, tls) = parse_config(url)?;
    if config.get_password().is_none() {
        if let Some(password) = password_from_environment(&config)? {
            config.password(password);
        }
    }
    let app = format!("ra-migrate {purpose} ({})", operator());
    config.application_name(&app);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let connected = if tls.mode == SslMode::Disable {
        config.connect(NoTls)
    } else {
        let connector = crate::pg::tls::connector(&tls)
            .with_context(|| format!("setting up TLS for {}", redact_url(url)))?;
        config.connect(connector)
    };
    connected
        .map_err(|e| {
            let mut text = redact_text(&crate::pg::tls::error_chain_text(&e), url);
            if unencoded_userinfo(url) {
                text.push_str(PERCENT_HINT);
            }
            match crate::pg::tls::diagnose(&e, &tls) {
                Some(hint) => anyhow!("{hint}: {text}"),
                None => anyhow!("{text}"),
            }
        })
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

/// A password for a connection string without one, as libpq finds it: `PGPASSWORD`, else the
/// first matching line of the password file (`PGPASSFILE`, else `~/.pgpass`;
/// `host:port:database:user:password`, `*` matching anything, `\` escaping `:` and `\`). Like
/// libpq, a password file that others may read is ignored, with a warning.
fn password_from_environment(config: &Config) -> Result<Option<String>> {
    if let Some(p) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
        return Ok(Some(p));
    }
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => std::path::PathBuf::from(f),
        None => match std::env::var_os("HOME") {
            Some(home) => std::path::Path::new(&home).join(".pgpass"),
            None => return Ok(None),
        },
    };
    let Ok(meta) = std::fs::metadata(&file) else {
        return Ok(None);
    };
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "password file {} has group or world access and is ignored; permissions should be u=rw (0600) or less",
                file.display()
            );
            return Ok(None);
        }
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading the password file {}", file.display()))?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default().to_string();
    let dbname = config
        .get_dbname()
        .map(str::to_string)
        .unwrap_or_else(|| user.clone());
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => field.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        fields.push(field);
        if fields.len() != 5 {
            continue;
        }
        let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        if matches(&fields[0], &host)
            && matches(&fields[1], &port)
            && matches(&fields[2], &dbname)
            && matches(&fields[3], &user)
        {
            return Ok(Some(fields.pop().unwrap_or_default()));
        }
    }
    Ok(None)
}

const PERCENT_HINT: &str = " (in a URL, special characters in the user name or password must be percent-encoded: @ as %40, : as %3A, / as %2F, # as %23, ? as %3F, % as %25, a space as %20; or use the key=value form, password='...')";

/// Whether a URL's user information holds characters that end it early when not
/// percent-encoded: the URL then means another host, port or database than intended.
fn unencoded_userinfo(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return false;
    };
    match rest.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.contains(['@', '/', '?', '#', ' ']),
        None => false,
    }
}

/// The postgres crate's configuration and our TLS settings for a connection string; the crate
/// never sees `verify-ca`, `verify-full` or `sslrootcert`, which its parser rejects.
pub(super) fn parse_config(url: &str) -> Result<(Config, TlsSettings)> {
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let invalid = |e: &dyn std::fmt::Display| {
        let hint = if is_url { PERCENT_HINT } else { "" };
        anyhow!(
            "invalid database URL {}: {}{hint}",
            redact_url(url),
            redact_text_plain(&e.to_string(), url)
        )
    };
    let split = crate::pg::tls::split_params(url).map_err(|e| invalid(&format!("{e:#}")))?;
    let mut config = Config::from_str(&split.conn)
        .map_err(|e| invalid(&crate::pg::tls::error_chain_text(&e)))?;
    config.ssl_mode(split.tls.mode.postgres_mode());
    Ok((config, split.tls))
}

#[cfg(test)]
mod tests {
    use super::*;

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
