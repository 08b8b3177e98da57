//! Reading one page of a list endpoint from its JSON text, so that one unreadable element cannot
//! cost the others.
//!
//! `serde_json` refuses a whole document for a flaw inside one element: nesting deeper than its
//! recursion limit (128), a lone surrogate escape (`"\ud800"`), a number beyond `f64`. For a page
//! of racecards that would fail a whole day because of one runner. When the document as a whole
//! does not parse, the page is split into its elements by a small scanner that only follows
//! strings and brackets (iteratively, so no depth can exhaust the stack) and each element is parsed
//! on its own: the readable ones are kept, the others become [`Unreadable`] with their exact text,
//! for the caller to quarantine.
//!
//! Only a page whose structure is broken (cut off, brackets that do not match, no items array)
//! stays an error: then nothing in it can be trusted, not even which elements it has.

use serde_json::Value;

/// An element of a page's items array that is not valid JSON on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The element's text exactly as received.
    pub raw: String,
    /// Why `serde_json` refused it (with line and column within the element).
    pub error: String,
}

/// One page: its items, what could not be read of them, and the rest of the response (`total`,
/// `skip`, ...) with the items array taken out.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub unreadable: Vec<Unreadable>,
    pub rest: Value,
}

impl Page {
    /// Items received, readable or not (what paging counts).
    pub fn received(&self) -> usize {
        self.items.len() + self.unreadable.len()
    }
}

/// Why a page could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// Not JSON, and not splittable into elements either: `serde_json`'s error for the whole text.
    Json(String),
    /// JSON, but without an `items_key` array.
    NoItems,
}

/// Reads a page whose items are the array `items_key` of the top-level object.
pub fn read_page(body: &str, items_key: &str) -> Result<Page, PageError> {
    match serde_json::from_str::<Value>(body) {
        Ok(mut value) => {
            let items = match value.get_mut(items_key).map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => return Err(PageError::NoItems),
            };
            if let Some(o) = value.as_object_mut() {
                o.remove(items_key);
            }
            Ok(Page {
                items,
                unreadable: Vec::new(),
                rest: value,
            })
        }
        Err(whole) => salvage(body, items_key).ok_or_else(|| PageError::Json(whole.to_string())),
    }
}

/// The page element by element, or `None` when its structure is broken.
fn salvage(body: &str, items_key: &str) -> Option<Page> {
    let (array, elements) = split(body.as_bytes(), items_key)?;
    // everything but the items must parse as it is: an empty array stands in for them
    let rest_text = format!("{}[]{}", &body[..array.0], &body[array.1..]);
    let mut rest: Value = serde_json::from_str(&rest_text).ok()?;
    rest.as_object_mut()?.remove(items_key);
    let mut page = Page {
        items: Vec::new(),
        unreadable: Vec::new(),
        rest,
    };
    for (start, end) in elements {
        let raw = &body[start..end];
        match serde_json::from_str::<Value>(raw) {
            Ok(v) => page.items.push(v),
            Err(e) => page.unreadable.push(Unreadable {
                raw: raw.to_string(),
                error: e.to_string(),
            }),
        }
    }
    Some(page)
}

/// Byte spans of the top-level object's `items_key` array and of each of its elements. `None`
/// unless the text is one object whose strings are closed and whose brackets match.
#[allow(clippy::type_complexity)]
fn split(b: &[u8], items_key: &str) -> Option<((usize, usize), Vec<(usize, usize)>)> {
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(b, i + 1);
    let mut found = None;
    if b.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        let key_end = string(b, i)?;
        let key: String = serde_json::from_slice(&b[i..key_end]).ok()?;
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        if key == items_key && b.get(i) == Some(&b'[') {
            if found.is_some() {
                // two item arrays: which one the server meant is anyone's guess
                return None;
            }
            let start = i;
            let mut elements = Vec::new();
            i = ws(b, i + 1);
            if b.get(i) != Some(&b']') {
                loop {
                    let end = value(b, i)?;
                    elements.push((i, end));
                    i = ws(b, end);
                    match b.get(i) {
                        Some(b',') => i = ws(b, i + 1),
                        Some(b']') => break,
                        _ => return None,
                    }
                }
            }
            found = Some(((start, i + 1), elements));
            i += 1;
        } else {
            i = value(b, i)?;
        }
        i = ws(b, i);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    (ws(b, i + 1) == b.len()).then_some(())?;
    found
}

/// The scalar value of the top-level `key` of an element's text, to name an element that is not
/// valid JSON (`"race_id": "rac_1"` → `rac_1`); `None` when there is none or it cannot be read.
pub fn peek_scalar(raw: &str, key: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(b, i + 1);
    loop {
        let key_end = string(b, i)?;
        let this: String = serde_json::from_slice(&b[i..key_end]).ok()?;
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        let end = value(b, i)?;
        if this == key {
            return match b[i] {
                b'"' => serde_json::from_str(&raw[i..end]).ok(),
                b'{' | b'[' => None,
                _ => Some(raw[i..end].to_string()),
            };
        }
        i = ws(b, end);
        if b.get(i) != Some(&b',') {
            return None;
        }
        i = ws(b, i + 1);
    }
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at `i`.
fn string(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
}

/// The end (exclusive) of the value starting at `i`: a string, a bracketed value (brackets must
/// match), or a bare scalar (validated later, by `serde_json`).
fn value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string(b, i),
        b'{' | b'[' => {
            let mut open: Vec<u8> = Vec::new();
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string(b, j)?;
                        continue;
                    }
                    c @ (b'{' | b'[') => open.push(*c),
                    c @ (b'}' | b']') => {
                        let expected = if *c == b'}' { b'{' } else { b'[' };
                        if open.pop()? != expected {
                            return None;
                        }
                        if open.is_empty() {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(n: usize) -> String {
        format!("{}1{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn a_valid_page_is_read_as_it_is() {
        let p = read_page(r#"{"results":[{"a":1},{"b":2}],"total":2}"#, "results").unwrap();
        assert_eq!(p.items.len(), 2);
        assert!(p.unreadable.is_empty());
        assert_eq!(p.rest, serde_json::json!({"total": 2}));
    }

    #[test]
    fn an_element_nested_too_deep_is_unreadable_and_its_neighbours_are_kept() {
        let body = format!(
            r#"{{"racecards":[{{"race_id":"a"}}, {{"race_id":"b","x":{}}} ,{{"race_id":"c"}}],"total":3}}"#,
            deep(5000)
        );
        let p = read_page(&body, "racecards").unwrap();
        assert_eq!(p.items.len(), 2);
        assert_eq!(p.items[1]["race_id"], "c");
        assert_eq!(p.unreadable.len(), 1);
        assert!(p.unreadable[0].raw.starts_with(r#"{"race_id":"b""#));
        assert!(p.unreadable[0].raw.ends_with("]}"));
        assert!(
            p.unreadable[0].error.contains("recursion"),
            "{:?}",
            p.unreadable
        );
        assert_eq!(p.rest["total"], 3);
    }

    #[test]
    fn a_lone_surrogate_or_a_number_beyond_f64_makes_only_its_element_unreadable() {
        let body = r#"{"results":[{"horse":"\ud800"},{"ok":true},{"n":1e400}],"total":3}"#;
        let p = read_page(body, "results").unwrap();
        assert_eq!(p.items, [serde_json::json!({"ok": true})]);
        assert_eq!(p.unreadable.len(), 2);
        assert_eq!(p.unreadable[0].raw, r#"{"horse":"\ud800"}"#);
        assert_eq!(p.unreadable[1].raw, r#"{"n":1e400}"#);
        assert_eq!(p.received(), 3);
    }

    #[test]
    fn a_cut_or_mismatched_body_is_an_error_not_a_guess() {
        let body = r#"{"results":[{"horse":"\ud800"},{"ok":true}],"total":2}"#;
        for cut in 0..body.len() {
            assert!(
                matches!(read_page(&body[..cut], "results"), Err(PageError::Json(_))),
                "cut at {cut}"
            );
        }
        for broken in [
            r#"{"results":[{"a":[}],"total":1}"#,
            r#"{"results":[{"a":"\ud800"}],"total":}"#,
            r#"{"results":[{"a":"\ud800"}],"results":[],"total":1}"#,
            r#"{"results":[{"a":"\ud800"}]} trailing"#,
            r#"[{"a":"\ud800"}]"#,
        ] {
            assert!(
                matches!(read_page(broken, "results"), Err(PageError::Json(_))),
                "{broken}"
            );
        }
        assert_eq!(
            read_page(r#"{"total":0}"#, "results"),
            Err(PageError::NoItems)
        );
        assert_eq!(
            read_page(r#"{"results":"none"}"#, "results"),
            Err(PageError::NoItems)
        );
    }

    #[test]
    fn an_unreadable_element_can_still_be_named() {
        let raw = r#"{"runners":[{"race_id":1}],"race_id" : "rac_7","x":"\ud800"}"#;
        assert_eq!(peek_scalar(raw, "race_id").as_deref(), Some("rac_7"));
        assert_eq!(peek_scalar(r#"{"race_id":"\ud800"}"#, "race_id"), None);
        assert_eq!(peek_scalar(r#"{"race_id""#, "race_id"), None);
        assert_eq!(
            peek_scalar(r#"{"x": [[[[1]]]], "race_id": 12345, "y": [[[["#, "race_id").as_deref(),
            Some("12345")
        );
    }

    #[test]
    fn strings_with_brackets_and_escaped_quotes_do_not_confuse_the_split() {
        let body = r#"{"results":[{"a":"]}\"[{","b":"\ud800"},{"c":"}"}],"total":2}"#;
        let p = read_page(body, "results").unwrap();
        assert_eq!(p.items, [serde_json::json!({"c": "}"})]);
        assert_eq!(p.unreadable[0].raw, r#"{"a":"]}\"[{","b":"\ud800"}"#);
    }
}
