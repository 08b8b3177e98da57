//! Tolerant scalars: the API sends every scalar as a string, and marks "no value" with `""`, `"-"`
//! or an en dash `"–"`. Everything here turns those conventions into `Option`s, and records a
//! warning (instead of failing the record) when a value is present but unreadable.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde_json::Value;

/// A scalar field after the "no value" conventions: `None` for missing, null, `""`, `"-"`, `"–"`
/// (en dash) and `"—"` (em dash); otherwise the trimmed text. Numbers and booleans sent as JSON
/// values are accepted as their text. An array or object where a scalar belongs is a shape error
/// (the record is rejected, not guessed at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scalar(pub Option<String>);

impl Scalar {
    pub fn text(&self) -> Option<String> {
        self.0.clone()
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// True for the API's "no value" markers.
pub fn is_blank(s: &str) -> bool {
    matches!(s.trim(), "" | "-" | "–" | "—")
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Scalar(None)),
            Value::String(s) if is_blank(&s) => Ok(Scalar(None)),
            Value::String(s) => Ok(Scalar(Some(s.trim().to_string()))),
            Value::Number(n) => Ok(Scalar(Some(n.to_string()))),
            Value::Bool(b) => Ok(Scalar(Some(b.to_string()))),
            Value::Array(_) => Err(D::Error::custom("expected a scalar, found an array")),
            Value::Object(_) => Err(D::Error::custom("expected a scalar, found an object")),
        }
    }
}

/// A boolean that may arrive as `true`, `"true"`, `"1"`, `"yes"` (and their negatives); anything
/// unrecognised is `None` rather than a rejected race, since flags are never identifying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        Ok(Flag(match Value::deserialize(d)? {
            Value::Bool(b) => Some(b),
            Value::Number(n) => n.as_i64().map(|i| i != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "y" | "t" => Some(true),
                "false" | "0" | "no" | "n" | "f" => Some(false),
                _ => None,
            },
            _ => None,
        }))
    }
}

/// For array fields: `null` or missing become an empty list; each element is kept as raw JSON so
/// one bad element can be quarantined alone.
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        Value::String(s) if is_blank(&s) => Ok(Vec::new()),
        other => Err(D::Error::custom(format!(
            "expected an array, found {}",
            kind_of(&other)
        ))),
    }
}

/// `" <id>"` when `item` has a readable scalar `key`, for naming an element that failed to
/// deserialise as a whole (so the operator can tell which race or runner it was); else `""`.
pub fn named(item: &Value, key: &str) -> String {
    match Scalar::deserialize(item.get(key).unwrap_or(&Value::Null)) {
        Ok(Scalar(Some(id))) => format!(" {id}"),
        _ => String::new(),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Converts scalars for one record, collecting a warning for each present-but-unreadable value
/// (e.g. `lbs: "abc"`): the record is kept, the field is `None`, and the operator sees why.
pub struct Reader<'w> {
    pub context: String,
    pub warnings: &'w mut Vec<String>,
}

impl Reader<'_> {
    fn warn(&mut self, field: &str, raw: &str, expected: &str) {
        let w = format!(
            "{}: {field}={raw:?} is not {expected}; stored as no value",
            self.context
        );
        tracing::warn!("{w}");
        self.warnings.push(w);
    }

    /// A whole number, e.g. `"126"`; `"5.0"` is accepted as 5.
    pub fn int(&mut self, field: &str, s: &Scalar) -> Option<i32> {
        let raw = s.as_deref()?;
        let parsed = parse_int(raw);
        if parsed.is_none() {
            self.warn(field, raw, "a whole number");
        }
        parsed
    }

    /// A decimal kept as normalised text (for `numeric` columns without float rounding), e.g.
    /// `"£4,193"` → `"4193"`, `".5"` → `"0.5"`.
    pub fn decimal(&mut self, field: &str, s: &Scalar) -> Option<String> {
        let raw = s.as_deref()?;
        let parsed = parse_decimal(raw);
        if parsed.is_none() {
            self.warn(field, raw, "a decimal number");
        }
        parsed
    }

    /// Furlongs as a decimal: racecards send `"16.0"`, results `"8f"`.
    pub fn furlongs(&mut self, field: &str, s: &Scalar) -> Option<String> {
        let raw = s.as_deref()?;
        let parsed = parse_decimal(raw.trim_end_matches(['f', 'F']));
        if parsed.is_none() {
            self.warn(field, raw, "a distance in furlongs");
        }
        parsed
    }

    /// `YYYY-MM-DD`.
    pub fn date(&mut self, field: &str, s: &Scalar) -> Option<NaiveDate> {
        let raw = s.as_deref()?;
        let parsed = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.warn(field, raw, "a YYYY-MM-DD date");
        }
        parsed
    }

    /// ISO 8601 with offset, e.g. `"2025-10-13T14:12:00+01:00"`.
    pub fn datetime(&mut self, field: &str, s: &Scalar) -> Option<DateTime<FixedOffset>> {
        let raw = s.as_deref()?;
        let parsed = DateTime::parse_from_rfc3339(raw).ok();
        if parsed.is_none() {
            self.warn(field, raw, "an ISO 8601 date-time with offset");
        }
        parsed
    }

    /// The odds feed's `"2025-10-13 14:11:07"` (no offset given).
    pub fn naive_datetime(&mut self, field: &str, s: &Scalar) -> Option<NaiveDateTime> {
        let raw = s.as_deref()?;
        let parsed = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .ok();
        if parsed.is_none() {
            self.warn(field, raw, "a YYYY-MM-DD HH:MM:SS time");
        }
        parsed
    }
}

pub fn parse_int(raw: &str) -> Option<i32> {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i32>() {
        return Some(i);
    }
    let f: f64 = t.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX)).then_some(f as i32)
}

/// Validates and normalises a decimal literal; strips currency symbols, thousands separators and
/// spaces. Returns `None` for anything else (fractions like `"9/4"` are not decimals).
pub fn parse_decimal(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, '£' | '€' | '$' | ',' | ' '))
        .collect();
    let (sign, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int };
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// A finishing position: `"1"` → `(Some(1), Some("1"))`; `"PU"` → `(None, Some("PU"))`: the
/// numeric column is NULL and the code is kept.
pub fn position(s: &Scalar) -> (Option<i32>, Option<String>) {
    match s.as_deref() {
        None => (None, None),
        Some(raw) => {
            let numeric = (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_digit()))
                .then(|| raw.parse::<i32>().ok())
                .flatten()
                .filter(|p| *p > 0);
            (numeric, Some(raw.to_string()))
        }
    }
}

/// The breeding-country suffix of a horse name: `"Create (IRE)"` → `"IRE"`.
pub fn region_suffix(name: &str) -> Option<String> {
    let inner = name.trim().strip_suffix(')')?;
    let (_, code) = inner.rsplit_once('(')?;
    let ok = (2..=4).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase());
    ok.then(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(v: Value) -> Scalar {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn no_value_markers() {
        for v in ["", "-", "–", "—", "  "] {
            assert_eq!(scalar(Value::String(v.into())), Scalar(None), "{v:?}");
        }
        assert_eq!(scalar(Value::Null), Scalar(None));
        assert_eq!(scalar(serde_json::json!(126)), Scalar(Some("126".into())));
        assert_eq!(
            scalar(serde_json::json!(" 8-10 ")),
            Scalar(Some("8-10".into()))
        );
        assert!(serde_json::from_value::<Scalar>(serde_json::json!({"a": 1})).is_err());
    }

    #[test]
    fn numbers_from_strings() {
        assert_eq!(parse_int("126"), Some(126));
        assert_eq!(parse_int("5.0"), Some(5));
        assert_eq!(parse_int("5.5"), None);
        assert_eq!(parse_decimal("£4,193").as_deref(), Some("4193"));
        assert_eq!(parse_decimal(".5").as_deref(), Some("0.5"));
        assert_eq!(parse_decimal("3245.08").as_deref(), Some("3245.08"));
        assert_eq!(parse_decimal("9/4"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal("abc"), None);
    }

    #[test]
    fn reader_warns_and_keeps_going() {
        let mut warnings = Vec::new();
        let mut r = Reader {
            context: "test".into(),
            warnings: &mut warnings,
        };
        assert_eq!(r.int("lbs", &Scalar(Some("abc".into()))), None);
        assert_eq!(r.int("lbs", &Scalar(None)), None);
        assert_eq!(
            r.furlongs("dist_f", &Scalar(Some("8f".into()))).as_deref(),
            Some("8")
        );
        assert_eq!(
            r.furlongs("distance_f", &Scalar(Some("16.0".into())))
                .as_deref(),
            Some("16.0")
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("lbs=\"abc\""));
    }

    #[test]
    fn positions_keep_codes() {
        let s = |v: &str| Scalar(Some(v.into()));
        assert_eq!(position(&s("1")), (Some(1), Some("1".into())));
        assert_eq!(position(&s("PU")), (None, Some("PU".into())));
        assert_eq!(position(&s("UR")), (None, Some("UR".into())));
        assert_eq!(position(&s("0")), (None, Some("0".into())));
        assert_eq!(position(&Scalar(None)), (None, None));
    }

    #[test]
    fn region_suffixes() {
        assert_eq!(region_suffix("Create (IRE)").as_deref(), Some("IRE"));
        assert_eq!(region_suffix("Border Gem"), None);
        assert_eq!(region_suffix("Odd (name)"), None);
    }
}
