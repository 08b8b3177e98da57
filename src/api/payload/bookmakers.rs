//! Bookmakers: there is no endpoint, so the reference list is the legacy system's static 19,
//! extended by the names that appear in racecard odds.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::records::{BookmakerRecord, OddsRecord};

/// The legacy system's seed list: code, name, type.
pub const REFERENCE_BOOKMAKERS: [(&str, &str, &str); 19] = [
    ("bet365", "Bet365", "online"),
    ("william_hill", "William Hill", "online"),
    ("ladbrokes", "Ladbrokes", "online"),
    ("coral", "Coral", "online"),
    ("paddy_power", "Paddy Power", "online"),
    ("betfair", "Betfair", "exchange"),
    ("betfair_sportsbook", "Betfair Sportsbook", "online"),
    ("skybet", "Sky Bet", "online"),
    ("betvictor", "BetVictor", "online"),
    ("betfred", "Betfred", "online"),
    ("888sport", "888sport", "online"),
    ("unibet", "Unibet", "online"),
    ("betway", "Betway", "online"),
    ("boylesports", "BoyleSports", "online"),
    ("betdaq", "Betdaq", "exchange"),
    ("matchbook", "Matchbook", "exchange"),
    ("smarkets", "Smarkets", "exchange"),
    ("spreadex", "Spreadex", "spread"),
    ("sporting_index", "Sporting Index", "spread"),
];

pub fn reference_bookmakers() -> Vec<BookmakerRecord> {
    REFERENCE_BOOKMAKERS
        .iter()
        .map(|(code, name, kind)| BookmakerRecord {
            code: code.to_string(),
            name: name.to_string(),
            kind: Some(kind.to_string()),
        })
        .collect()
}

/// Letters and digits only, lower case: the odds feed writes `Bet Victor` and `Boyle Sports` for
/// the reference list's `BetVictor` and `BoyleSports`.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn reference_match(name: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    // squashed reference names, computed once: this runs for every odds entry of every runner
    static KEYS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        REFERENCE_BOOKMAKERS
            .iter()
            .map(|(code, name, _)| (squash(name), squash(code)))
            .collect()
    });
    let key = squash(name);
    keys.iter()
        .position(|(by_name, by_code)| *by_name == key || *by_code == key)
        .map(|i| &REFERENCE_BOOKMAKERS[i])
}

/// A stable code for a bookmaker name: the reference code when the name matches one (ignoring
/// case, spaces and punctuation), otherwise a slug (`10 Bet` → `10_bet`).
pub fn bookmaker_code(name: &str) -> String {
    if let Some((code, _, _)) = reference_match(name) {
        return code.to_string();
    }
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    slug.trim_matches('_').to_string()
}

/// Every distinct bookmaker in `odds`, by code: reference entries where the name matches, new
/// entries (type unknown) otherwise. Sorted by code.
pub fn bookmakers_seen(odds: &[OddsRecord]) -> Vec<BookmakerRecord> {
    let mut seen: BTreeMap<String, BookmakerRecord> = BTreeMap::new();
    for o in odds {
        let code = bookmaker_code(&o.bookmaker);
        seen.entry(code.clone())
            .or_insert_with(|| match reference_match(&o.bookmaker) {
                Some((c, n, k)) => BookmakerRecord {
                    code: c.to_string(),
                    name: n.to_string(),
                    kind: Some(k.to_string()),
                },
                None => BookmakerRecord {
                    code,
                    name: o.bookmaker.clone(),
                    kind: None,
                },
            });
    }
    seen.into_values().collect()
}

/// The reference list plus any bookmaker seen in `odds` that it lacks (reference order first).
pub fn all_bookmakers(odds: &[OddsRecord]) -> Vec<BookmakerRecord> {
    let mut all = reference_bookmakers();
    for b in bookmakers_seen(odds) {
        if !all.iter().any(|r| r.code == b.code) {
            all.push(b);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_reference_despite_spelling() {
        assert_eq!(bookmaker_code("Bet Victor"), "betvictor");
        assert_eq!(bookmaker_code("Boyle Sports"), "boylesports");
        assert_eq!(bookmaker_code("William Hill"), "william_hill");
        assert_eq!(bookmaker_code("Bet365"), "bet365");
        assert_eq!(bookmaker_code("10 Bet"), "10_bet");
        assert_eq!(bookmaker_code("BetMGM"), "betmgm");
    }

    #[test]
    fn nineteen_reference_bookmakers_with_unique_codes() {
        let list = reference_bookmakers();
        assert_eq!(list.len(), 19);
        let mut codes: Vec<_> = list.iter().map(|b| b.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 19);
    }
}
