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
    /// For a nested element (a runner) whose item (its race) was kept without it: the item's id.
    /// `None` for an element of the page itself.
    pub within: Option<String>,
}

/// Elements nested in every item that are salvaged one by one as well, so that one unreadable
/// runner costs only itself: the array's key in the item, and the item's id key (for naming).
#[derive(Debug, Clone, Copy)]
pub struct Children<'a> {
    pub key: &'a str,
    pub parent_id: &'a str,
}

/// Both paged endpoints of the API (racecards, results) list races holding runners.
pub const RUNNERS: Children = Children {
    key: "runners",
    parent_id: "race_id",
};

/// One page: its items, what could not be read of them, and the rest of the response (`total`,
/// `skip`, ...) with the items array taken out.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub unreadable: Vec<Unreadable>,
    pub rest: Value,
}

impl Page {
    /// Items received, readable or not (what paging counts); nested elements are not items.
    pub fn received(&self) -> usize {
        self.items.len()
            + self
                .unreadable
                .iter()
                .filter(|u| u.within.is_none())
                .count()
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

/// Reads a page whose items are the array `items_key` of the top-level object; an unreadable item
/// keeps its readable `children` when only some of them are what it cannot be read for.
pub fn read_page(
    body: &str,
    items_key: &str,
    children: Option<Children>,
) -> Result<Page, PageError> {
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
        Err(whole) => {
            salvage(body, items_key, children).ok_or_else(|| PageError::Json(whole.to_string()))
        }
    }
}

/// The page element by element, or `None` when its structure is broken.
fn salvage(body: &str, items_key: &str, children: Option<Children>) -> Option<Page> {
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
            Err(e) => match children.and_then(|c| salvage_children(raw, c)) {
                Some((item, nested)) => {
                    page.items.push(item);
                    page.unreadable.extend(nested);
                }
                None => page.unreadable.push(Unreadable {
                    raw: raw.to_string(),
                    error: e.to_string(),
                    within: None,
                }),
            },
        }
    }
    Some(page)
}

/// An unreadable item whose flaw lies only in some of its children: the item with its readable
/// children, and the others. `None` when the item itself cannot be read without them.
fn salvage_children(raw: &str, c: Children) -> Option<(Value, Vec<Unreadable>)> {
    let (array, elements) = split(raw.as_bytes(), c.key)?;
    let shell = format!("{}[]{}", &raw[..array.0], &raw[array.1..]);
    let mut item: Value = serde_json::from_str(&shell).ok()?;
    let parent = match item.get(c.parent_id) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "?".to_string(),
        Some(other) => other.to_string(),
    };
    let mut kept = Vec::new();
    let mut unreadable = Vec::new();
    for (start, end) in elements {
        let text = &raw[start..end];
        match serde_json::from_str::<Value>(text) {
            Ok(v) => kept.push(v),
            Err(e) => unreadable.push(Unreadable {
                raw: text.to_string(),
                error: e.to_string(),
                within: Some(parent.clone()),
            }),
        }
    }
    if unreadable.is_empty() {
        return None;
    }
    item.as_object_mut()?
        .insert(c.key.to_string(), Value::Array(kept));
    Some((item, unreadable))
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
        let p = read_page(
            r#"{"results":[{"a":1},{"b":2}],"total":2}"#,
            "results",
            None,
        )
        .unwrap();
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
        let p = read_page(&body, "racecards", None).unwrap();
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
        let p = read_page(body, "results", None).unwrap();
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
                matches!(
                    read_page(&body[..cut], "results", None),
                    Err(PageError::Json(_))
                ),
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
                matches!(read_page(broken, "results", None), Err(PageError::Json(_))),
                "{broken}"
            );
        }
        assert_eq!(
            read_page(r#"{"total":0}"#, "results", None),
            Err(PageError::NoItems)
        );
        assert_eq!(
            read_page(r#"{"results":"none"}"#, "results", None),
            Err(PageError::NoItems)
        );
    }

    #[test]
    fn a_race_unreadable_only_for_a_runner_is_kept_without_it() {
        let body = format!(
            r#"{{"racecards":[{{"race_id":"rac_1","runners":[{{"horse_id":"hrs_1"}},{{"horse_id":"hrs_2","x":{}}},{{"horse_id":"hrs_3","n":1e400}}]}},{{"race_id":"rac_2","x":"\ud800","runners":[]}}],"total":2}}"#,
            deep(300)
        );
        let p = read_page(&body, "racecards", Some(RUNNERS)).unwrap();
        // rac_1 kept with its readable runner; its two unreadable runners named by their race
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0]["race_id"], "rac_1");
        assert_eq!(
            p.items[0]["runners"],
            serde_json::json!([{"horse_id": "hrs_1"}])
        );
        let within: Vec<Option<&str>> = p.unreadable.iter().map(|u| u.within.as_deref()).collect();
        assert_eq!(within, [Some("rac_1"), Some("rac_1"), None]);
        assert!(p.unreadable[0].raw.starts_with(r#"{"horse_id":"hrs_2""#));
        assert_eq!(p.unreadable[1].raw, r#"{"horse_id":"hrs_3","n":1e400}"#);
        // rac_2's own field is unreadable: the whole race is; runners are not page items
        assert!(p.unreadable[2].raw.starts_with(r#"{"race_id":"rac_2""#));
        assert_eq!(p.received(), 2);
        // without children the race goes whole, as before
        let whole = read_page(&body, "racecards", None).unwrap();
        assert_eq!((whole.items.len(), whole.unreadable.len()), (0, 2));
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
        let p = read_page(body, "results", None).unwrap();
        assert_eq!(p.items, [serde_json::json!({"c": "}"})]);
        assert_eq!(p.unreadable[0].raw, r#"{"a":"]}\"[{","b":"\ud800"}"#);
    }
}
