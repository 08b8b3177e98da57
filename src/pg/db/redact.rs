//! Passwords kept out of what the tool shows: URLs, key=value connection strings, and error text
//! that quotes either.

use super::parse_config;

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

/// Removes the URL's password from a message that might echo it, where it stands: inside a
/// connection string (the URL itself, `user:password@`, `password=...`) or as an exact value (a
/// whole word of the message). A short password inside a longer word (`s` in `Connection
/// refused`) is not it, and a password that is also the user, database or host name is not
/// hidden where that name is meant (anyone reading the name knows it anyway).
pub fn redact_text(text: &str, url: &str) -> String {
    redact_with(text, url, true)
}

/// [`redact_text`] without parsing the connection string (for the parser's own errors).
pub(super) fn redact_text_plain(text: &str, url: &str) -> String {
    redact_with(text, url, false)
}

fn redact_with(text: &str, url: &str, parse: bool) -> String {
    let mut out = if url.trim().is_empty() {
        text.to_string()
    } else {
        text.replace(url, &redact_url(url))
    };
    out = redact_connection_strings(&out);
    let (secrets, public) = secrets_of(url, parse);
    for secret in secrets {
        if !secret.is_empty() && !public.contains(&secret) {
            out = replace_whole_word(&out, &secret, "***");
        }
    }
    out
}

/// The password of a connection string in the forms a message may carry it (as given and
/// percent-decoded), and the names that are no secret (user, database, hosts).
fn secrets_of(url: &str, parse: bool) -> (Vec<String>, Vec<String>) {
    let mut secrets = Vec::new();
    let mut public = Vec::new();
    if let Some((c, _)) = parse.then(|| parse_config(url).ok()).flatten() {
        if let Some(p) = c.get_password() {
            secrets.push(String::from_utf8_lossy(p).to_string());
        }
        public.extend(c.get_user().map(str::to_string));
        public.extend(c.get_dbname().map(str::to_string));
        for h in c.get_hosts() {
            if let postgres::config::Host::Tcp(h) = h {
                public.push(h.clone());
            }
        }
    }
    // the raw text too: it may not parse at all, or carry the password percent-encoded
    if let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    {
        if let Some((userinfo, _)) = rest.rsplit_once('@') {
            if let Some((user, password)) = userinfo.split_once(':') {
                secrets.push(password.to_string());
                public.push(user.to_string());
            }
            if let Some(host) = rest[userinfo.len() + 1..].split(['/', '?', ':']).next() {
                public.push(host.to_string());
            }
        }
    }
    for (key, value) in key_values(url) {
        if key == "password" {
            secrets.push(value);
        }
    }
    secrets.extend(std::env::var("PGPASSWORD").ok());
    secrets.sort();
    secrets.dedup();
    (secrets, public)
}

/// `key=value` pairs of a connection string in key=value form (values may be single-quoted).
fn key_values(conn: &str) -> Vec<(String, String)> {
    if conn.contains("://") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut chars = conn.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        if key.is_empty() {
            return out;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_none() {
            return out;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        out.push((key, value));
    }
}

/// Connection strings quoted inside a message: URLs get their password hidden, and so does every
/// `password=` value (key=value form and URL query alike).
fn redact_connection_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = ["postgres://", "postgresql://", "password="]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
    {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(value) = rest.strip_prefix("password=") {
            out.push_str("password=***");
            let end = if let Some(quoted) = value.strip_prefix('\'') {
                quoted.find('\'').map(|j| j + 2).unwrap_or(value.len())
            } else {
                value
                    .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | ')' | ','))
                    .unwrap_or(value.len())
            };
            rest = &value[end..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ','))
                .unwrap_or(rest.len());
            out.push_str(&redact_url(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// `text` with every occurrence of `word` that is not part of a longer word replaced.
fn replace_whole_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back().or(prev);
        let after = rest[i + word.len()..].chars().next();
        let whole = !before.is_some_and(is_word) && !after.is_some_and(is_word);
        out.push_str(&rest[..i]);
        if whole {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        prev = word.chars().next_back();
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
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
    fn scrubs_the_password_where_it_stands_and_keeps_messages_readable() {
        let short = "postgres://app:s@db.example.com/racing";
        assert_eq!(
            redact_text(
                "error connecting to server: Connection refused (os error 111)",
                short
            ),
            "error connecting to server: Connection refused (os error 111)"
        );
        assert_eq!(
            redact_text(
                "pg_dump: connection to postgres://app:s@db.example.com/racing failed",
                short
            ),
            "pg_dump: connection to postgres://app:***@db.example.com/racing failed"
        );
        assert_eq!(
            redact_text("the password is s", short),
            "the password is ***"
        );
        let same = "postgres://postgres:postgres@db.example.com/racing";
        assert_eq!(
            redact_text("password authentication failed for user \"postgres\"", same),
            "password authentication failed for user \"postgres\""
        );
        let kv = "host=h user=u password='p w;d' dbname=d";
        assert_eq!(
            redact_text(
                "could not connect with host=h password='p w;d' dbname=d",
                kv
            ),
            "could not connect with host=h password=*** dbname=d"
        );
        let encoded = "postgres://u:p%40ss@h/d";
        assert_eq!(
            redact_text("got p@ss and p%40ss", encoded),
            "got *** and ***"
        );
    }
}
