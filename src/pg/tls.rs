//! TLS for database connections, with libpq's `sslmode` and `sslrootcert` meanings.
//!
//! Hosted PostgreSQL (Supabase among others) only accepts encrypted connections, and operators
//! write connection strings the way libpq reads them. The postgres crate's own parser knows only
//! `sslmode=disable|prefer|require` and rejects `verify-ca`, `verify-full` and `sslrootcert`, so
//! [`split_params`] takes those out of the connection string first, the postgres crate is told
//! only whether to ask for TLS, and [`connector`] builds a rustls configuration that checks the
//! server's certificate exactly as far as the mode asks:
//!
//! | sslmode | TLS | certificate checked |
//! | --- | --- | --- |
//! | `disable` | never | - |
//! | `allow`, `prefer` (default) | when the server offers it | no (chain only with `sslrootcert`) |
//! | `require` | always | no (chain only with `sslrootcert`, as libpq does) |
//! | `verify-ca` | always | chain, against `sslrootcert` or the system roots |
//! | `verify-full` | always | chain and host name |
//!
//! Crypto comes from rustls' `ring` provider, the one `ureq` already builds into this binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
pub use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    /// The spelling in a connection string.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => bail!(
                "invalid sslmode `{other}`: expected disable, allow, prefer, require, verify-ca or verify-full"
            ),
        })
    }

    /// What the postgres crate is told: it only decides whether TLS is tried or insisted on;
    /// verification is ours. `allow` (plain first, TLS if the server insists) has no equivalent
    /// there; `prefer` accepts the same servers, it merely tries TLS first.
    pub fn postgres_mode(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }
}

/// Where trusted CA certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// The operating system's store (`sslrootcert=system`, or no `sslrootcert` with verify-*).
    System,
    /// A PEM file of CA certificates.
    File(PathBuf),
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Encrypted, but any certificate is accepted (libpq's `require` and `prefer`).
    None,
    /// The chain must lead to a trusted CA; the host name is not compared.
    Chain(RootCerts),
    /// The chain must lead to a trusted CA and the certificate must name the host.
    Full(RootCerts),
}

/// The TLS parameters of one connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// `sslmode`, `prefer` when not given (libpq's and the postgres crate's default).
    pub mode: SslMode,
    /// `sslrootcert` as given.
    pub root_cert: Option<RootCerts>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            mode: SslMode::Prefer,
            root_cert: None,
        }
    }
}

impl TlsSettings {
    /// What the certificate is checked against. libpq verifies the chain in every TLS mode once
    /// a root certificate file is given, so `require` with `sslrootcert` behaves as `verify-ca`.
    pub fn verification(&self) -> Verification {
        let roots = self.root_cert.clone().unwrap_or(RootCerts::System);
        match self.mode {
            SslMode::VerifyFull => Verification::Full(roots),
            SslMode::VerifyCa => Verification::Chain(roots),
            SslMode::Disable => Verification::None,
            SslMode::Allow | SslMode::Prefer | SslMode::Require => match &self.root_cert {
                Some(RootCerts::File(_)) => Verification::Chain(roots),
                _ => Verification::None,
            },
        }
    }

    /// Where trusted roots come from, in words for error messages.
    fn roots_description(&self) -> String {
        match self.verification() {
            Verification::Chain(RootCerts::File(p)) | Verification::Full(RootCerts::File(p)) => {
                format!("the sslrootcert file {}", p.display())
            }
            _ => "the system's CA certificates".into(),
        }
    }
}

/// A connection string without the TLS parameters the postgres crate cannot parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitParams {
    /// The connection string for `postgres::Config`, `sslmode` and `sslrootcert` removed (set
    /// the crate's mode from [`SslMode::postgres_mode`]).
    pub conn: String,
    pub tls: TlsSettings,
}

/// libpq TLS parameters that need client certificates or revocation lists, which this tool does
/// not implement; named so the operator is not left with a bare "unknown option".
const UNSUPPORTED: [&str; 5] = ["sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir"];

/// Takes `sslmode` and `sslrootcert` out of a URL (`postgres://...?sslmode=...`) or key=value
/// connection string. Everything else is passed through untouched for the postgres crate. Errors
/// name parameters and TLS values only, never other parts of the string (passwords).
pub fn split_params(conn: &str) -> Result<SplitParams> {
    let (rest, params) = if conn.starts_with("postgres://") || conn.starts_with("postgresql://") {
        split_url(conn)
    } else {
        split_key_value(conn)
    };
    let mut tls = TlsSettings::default();
    for (key, value) in params? {
        match key.as_str() {
            "sslmode" => tls.mode = SslMode::parse(&value)?,
            "sslrootcert" if value == "system" => tls.root_cert = Some(RootCerts::System),
            "sslrootcert" if value.is_empty() => tls.root_cert = None,
            "sslrootcert" => tls.root_cert = Some(RootCerts::File(PathBuf::from(value))),
            _ => unreachable!("only TLS parameters are taken out"),
        }
    }
    // libpq 16 refuses this too: trusting every public CA without checking the host name would
    // accept any certificate a public CA ever issued for any name.
    if tls.root_cert == Some(RootCerts::System) && tls.mode != SslMode::VerifyFull {
        bail!(
            "sslrootcert=system needs sslmode=verify-full (got sslmode={}): with the system's \
             public CAs only the host name check makes the certificate mean anything",
            tls.mode.as_str()
        );
    }
    Ok(SplitParams { conn: rest, tls })
}

/// Is this a parameter we take out (true), refuse (error) or pass on (false)?
fn is_tls_param(key: &str) -> Result<bool> {
    if UNSUPPORTED.contains(&key) {
        bail!(
            "connection parameter {key} is not supported: ra-migrate does not use client \
             certificates or revocation lists; remove it (sslmode and sslrootcert are supported)"
        );
    }
    Ok(key == "sslmode" || key == "sslrootcert")
}

type Params = Vec<(String, String)>;

/// URL form: the parameters after the first `?` following the credentials (where the postgres
/// crate looks for them too), percent-decoded.
fn split_url(url: &str) -> (String, Result<Params>) {
    let after_creds = url.find('@').map_or(0, |at| at + 1);
    let Some(q) = url[after_creds..].find('?').map(|i| after_creds + i) else {
        return (url.to_string(), Ok(Vec::new()));
    };
    let (base, query) = (&url[..q], &url[q + 1..]);
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k);
        match is_tls_param(&key) {
            Ok(true) => taken.push((key, percent_decode(v))),
            Ok(false) => kept.push(pair),
            Err(e) => return (url.to_string(), Err(e)),
        }
    }
    let conn = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (conn, Ok(taken))
}

/// key=value form, tokenised the way the postgres crate (and libpq) does: `key = value`,
/// `key='quoted value'`, backslash escapes. Taken parameters are cut out of the string; a string
/// this cannot tokenise is passed on unchanged for the postgres crate to report.
fn split_key_value(s: &str) -> (String, Result<Params>) {
    let Some(tokens) = tokenize_key_value(s) else {
        return (s.to_string(), Ok(Vec::new()));
    };
    let mut out = String::new();
    let mut last = 0;
    let mut taken = Vec::new();
    for (key, value, span) in tokens {
        match is_tls_param(&key) {
            Ok(true) => {
                out.push_str(&s[last..span.start]);
                last = span.end;
                taken.push((key, value));
            }
            Ok(false) => {}
            Err(e) => return (s.to_string(), Err(e)),
        }
    }
    out.push_str(&s[last..]);
    (out.trim().to_string(), Ok(taken))
}

/// `(key, value, byte range of the whole parameter)` for each parameter, or `None` when the
/// string is malformed.
pub(crate) fn tokenize_key_value(s: &str) -> Option<Vec<(String, String, std::ops::Range<usize>)>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i == b.len() {
            return Some(out);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let key = s[start..i].to_string();
        i = skip_ws(i);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_ws(i + 1);
        let quoted = b.get(i) == Some(&b'\'');
        if quoted {
            i += 1;
        }
        let mut value = Vec::new();
        loop {
            match b.get(i) {
                None if quoted => return None,
                None => break,
                Some(b'\'') if quoted => {
                    i += 1;
                    break;
                }
                Some(c) if !quoted && c.is_ascii_whitespace() => break,
                Some(b'\\') => {
                    if let Some(&c) = b.get(i + 1) {
                        value.push(c);
                    }
                    i += 2;
                }
                Some(&c) => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        out.push((
            key,
            String::from_utf8_lossy(&value).into_owned(),
            start..i.min(b.len()),
        ));
    }
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls connector for these settings. Reads `sslrootcert` (or the system store) now, so a
/// missing or unreadable CA file fails here with its path rather than during the handshake.
pub fn connector(settings: &TlsSettings) -> Result<MakeRustlsConnect> {
    Ok(MakeRustlsConnect::new(client_config(settings)?))
}

fn client_config(settings: &TlsSettings) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // TLS 1.2 stays enabled: PostgreSQL's own default minimum is TLSv1.2.
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("setting up TLS protocol versions")?;
    let config = match settings.verification() {
        Verification::None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
        Verification::Chain(roots) => {
            let roots = Arc::new(load_roots(&roots)?);
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnly { roots, provider }))
        }
        Verification::Full(roots) => builder.with_root_certificates(load_roots(&roots)?),
    };
    Ok(config.with_no_client_auth())
}

fn load_roots(source: &RootCerts) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match source {
        RootCerts::File(path) => {
            for (n, cert) in read_pem_certs(path)?.into_iter().enumerate() {
                store.add(cert).map_err(|e| {
                    anyhow!(
                        "sslrootcert file {}: certificate {} is not usable as a CA: {e}",
                        path.display(),
                        n + 1
                    )
                })?;
            }
        }
        RootCerts::System => {
            // The OS store (honouring SSL_CERT_FILE / SSL_CERT_DIR, like OpenSSL and so libpq)
            // is what the operator's other tools trust. Slim containers often have none; then
            // the Mozilla list compiled into the binary stands in rather than failing outright.
            let found = rustls_native_certs::load_native_certs();
            let (added, _unparsable) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                tracing::warn!(
                    "no CA certificates found in the system store ({} error(s)); using the \
                     built-in Mozilla list. Install ca-certificates or pass sslrootcert=FILE",
                    found.errors.len()
                );
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
        }
    }
    Ok(store)
}

fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let unreadable = |e: rustls_pki_types::pem::Error| {
        anyhow!(
            "reading sslrootcert file {}: {e}; it must be a PEM file of CA certificates",
            path.display()
        )
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(unreadable)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if certs.is_empty() {
        bail!(
            "sslrootcert file {} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    Ok(certs)
}

/// The methods that check the handshake's signatures with the provider in field `$provider`, the
/// same for every verifier here: they differ only in which certificates they trust.
macro_rules! handshake_signatures {
    ($provider:tt) => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.$provider.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.$provider.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.$provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    };
}

/// Accepts any certificate but still checks the handshake signatures, so the server at least
/// holds the key of the certificate it shows: libpq's `require`.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures!(0);
}

/// Checks that the chain leads to a trusted root, and not the host name: libpq's `verify-ca`.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures!(provider);
}

/// What the operator should do about a failed connection, when it is about TLS; `None` when the
/// error is not one we can say more about. Never includes the connection string.
pub fn diagnose(err: &postgres::Error, settings: &TlsSettings) -> Option<String> {
    if server_requires_tls(err)
        && settings.mode.postgres_mode() != postgres::config::SslMode::Require
    {
        return Some(format!(
            "the server requires TLS (it refuses unencrypted connections) but sslmode={} \
             connected without it: use sslmode=require in the connection string (or \
             sslmode=verify-full with sslrootcert=FILE to also check the server's certificate); \
             Supabase requires TLS",
            settings.mode.as_str()
        ));
    }
    if error_chain_text(err).contains("server does not support TLS") {
        return Some(format!(
            "sslmode={} needs TLS but the server does not offer it: check the host and port \
             (for Supabase use the ones shown in the dashboard's Connect dialog); for a local \
             server without TLS use sslmode=prefer or sslmode=disable",
            settings.mode.as_str()
        ));
    }
    match rustls_error(err)? {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => Some(format!(
            "the server's certificate is not signed by a CA in {}: pass sslrootcert=FILE with \
             the CA certificate that signed it (Supabase: download it under Database Settings, \
             SSL Configuration), or {}",
            settings.roots_description(),
            match settings.mode {
                SslMode::VerifyCa | SslMode::VerifyFull =>
                    "use sslmode=require to encrypt without checking the certificate",
                // With a root file libpq checks the chain in every mode; so do we.
                _ => "leave sslrootcert out to encrypt without checking the certificate",
            }
        )),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => Some(
            "the server's certificate does not name the host in the connection string \
             (sslmode=verify-full checks it): connect with a host name the certificate lists, or \
             use sslmode=verify-ca to check only that a trusted CA signed it"
                .into(),
        ),
        _ => None,
    }
}

/// True when the server turned the connection away because it was not encrypted: PostgreSQL's
/// pg_hba refusal (`no encryption`, or `SSL off` before version 12) and the wording of common
/// poolers and hosted services.
fn server_requires_tls(err: &postgres::Error) -> bool {
    if let Some(db) = err.as_db_error() {
        let msg = db.message().to_ascii_lowercase();
        if *db.code() == postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            && (msg.contains("no encryption") || msg.contains("ssl off"))
        {
            return true;
        }
    }
    let text = error_chain_text(err).to_ascii_lowercase();
    [
        "ssl required",
        "ssl is required",
        "ssl connection is required",
        "requires ssl",
        "tls required",
        "requires tls",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// An error and its causes, `: `-separated. The postgres crate's `Display` says only "db error"
/// or "error performing TLS handshake"; the part an operator can act on is in the causes.
pub fn error_chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        text.push_str(": ");
        text.push_str(&e.to_string());
        next = e.source();
    }
    text
}

/// The rustls error inside a postgres error, if any. tokio-rustls wraps it in an `io::Error`,
/// whose `source()` skips the wrapped error, hence the `get_ref` step.
fn rustls_error(err: &postgres::Error) -> Option<&rustls::Error> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(r) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        next = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> SplitParams {
        split_params(s).unwrap_or_else(|e| panic!("{s}: {e:#}"))
    }

    #[test]
    fn url_params_are_taken_out_and_decoded() {
        let s = split(
            "postgres://u:p%3Fw@db.example.com:5432/d?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca%20file.crt",
        );
        assert_eq!(
            s.conn,
            "postgres://u:p%3Fw@db.example.com:5432/d?application_name=x"
        );
        assert_eq!(s.tls.mode, SslMode::VerifyFull);
        assert_eq!(
            s.tls.root_cert,
            Some(RootCerts::File("/tmp/ca file.crt".into()))
        );
        assert_eq!(
            s.tls.verification(),
            Verification::Full(RootCerts::File("/tmp/ca file.crt".into()))
        );

        let s = split("postgresql://u@h/d?sslmode=require");
        assert_eq!(s.conn, "postgresql://u@h/d");
        assert_eq!(s.tls.mode, SslMode::Require);
        assert_eq!(s.tls.verification(), Verification::None);

        // A '?' in the password must not be taken for the start of the parameters.
        let s = split("postgres://u:a?b@h/d");
        assert_eq!(s.conn, "postgres://u:a?b@h/d");
        assert_eq!(s.tls, TlsSettings::default());
    }

    #[test]
    fn key_value_params_are_taken_out() {
        let s = split(
            "host=h user=u password='se cret' sslmode = verify-ca sslrootcert='/x/my ca.pem' dbname=d",
        );
        let squeezed = s.conn.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squeezed, "host=h user=u password='se cret' dbname=d");
        let config: postgres::Config = s.conn.parse().unwrap();
        assert_eq!(config.get_password(), Some(&b"se cret"[..]));
        assert_eq!(config.get_dbname(), Some("d"));
        assert_eq!(s.tls.mode, SslMode::VerifyCa);
        assert_eq!(
            s.tls.verification(),
            Verification::Chain(RootCerts::File("/x/my ca.pem".into()))
        );
        let s = split("host=h sslmode=disable");
        assert_eq!(s.conn, "host=h");
        assert_eq!(s.tls.mode, SslMode::Disable);
        assert_eq!(
            s.tls.mode.postgres_mode(),
            postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn modes_map_like_libpq() {
        let with = |mode, root: Option<RootCerts>| TlsSettings {
            mode,
            root_cert: root,
        };
        let file = || Some(RootCerts::File("ca.crt".into()));
        assert_eq!(
            with(SslMode::VerifyFull, None).verification(),
            Verification::Full(RootCerts::System)
        );
        assert_eq!(
            with(SslMode::VerifyCa, None).verification(),
            Verification::Chain(RootCerts::System)
        );
        // libpq checks the chain in any TLS mode once a root file is given.
        assert_eq!(
            with(SslMode::Require, file()).verification(),
            Verification::Chain(RootCerts::File("ca.crt".into()))
        );
        assert_eq!(
            with(SslMode::Prefer, None).verification(),
            Verification::None
        );
        assert_eq!(
            SslMode::VerifyFull.postgres_mode(),
            postgres::config::SslMode::Require
        );
        assert_eq!(
            SslMode::Allow.postgres_mode(),
            postgres::config::SslMode::Prefer
        );
    }

    #[test]
    fn bad_values_are_refused_without_echoing_the_string() {
        let err = split_params("postgres://u:hunter2@h/d?sslmode=verify_full")
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid sslmode `verify_full`"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");

        let err = split_params("host=h password=hunter2 sslcert=/c.pem")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslcert is not supported"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");

        let err = split_params("postgres://h/d?sslrootcert=system&sslmode=require")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs sslmode=verify-full"), "{err}");
        assert!(split_params("postgres://h/d?sslrootcert=system&sslmode=verify-full").is_ok());
    }

    #[test]
    fn missing_or_empty_ca_files_are_named() {
        let settings = TlsSettings {
            mode: SslMode::VerifyFull,
            root_cert: Some(RootCerts::File("/nonexistent/ra-ca.crt".into())),
        };
        let err = format!("{:#}", connector(&settings).err().expect("must fail"));
        assert!(err.contains("/nonexistent/ra-ca.crt"), "{err}");

        let empty =
            std::env::temp_dir().join(format!("ra-migrate-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let settings = TlsSettings {
            mode: SslMode::VerifyCa,
            root_cert: Some(RootCerts::File(empty.clone())),
        };
        let err = format!("{:#}", connector(&settings).err().expect("must fail"));
        let _ = std::fs::remove_file(&empty);
        assert!(err.contains("holds no certificate"), "{err}");
    }

    #[test]
    fn system_roots_are_never_empty() {
        assert!(!load_roots(&RootCerts::System).unwrap().is_empty());
    }
}
