//! HTTP Basic credentials, kept out of every log line, error and `Debug` output.
//!
//! The Racing API issues a "Username" key and a "Password" key per subscription; both are secrets,
//! so both are redacted.

use std::fmt;

/// A username/password pair. `Debug` never shows either value.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `Authorization` header value: `Basic base64(user:pass)`.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            base64_encode(format!("{}:{}", self.username, self.password).as_bytes())
        )
    }

    /// Replaces any occurrence of the secrets (raw or as the encoded header) in `text`, for text that
    /// came from elsewhere (a server's error body could echo what it was sent).
    pub fn scrub(&self, text: &str) -> String {
        let header = self.basic_header();
        let encoded = header.trim_start_matches("Basic ");
        let mut out = text.to_string();
        for secret in [encoded, self.password.as_str(), self.username.as_str()] {
            // a one-character secret would shred the text; such keys are not issued anyway
            if secret.len() >= 3 {
                out = out.replace(secret, "***");
            }
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 section 4).
pub fn base64_encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn basic_header_and_redaction() {
        let c = Credentials::new("Aladdin", "open sesame");
        assert_eq!(c.basic_header(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let debug = format!("{c:?}");
        assert!(!debug.contains("Aladdin") && !debug.contains("sesame"));
        let scrubbed = c.scrub("you sent QWxhZGRpbjpvcGVuIHNlc2FtZQ== / open sesame");
        assert!(!scrubbed.contains("sesame") && !scrubbed.contains("QWxhZGRp"));
    }
}
