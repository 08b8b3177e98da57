//! Phase 4, switch readers: the views (and, when the operator asks, the functions) that read the
//! old masters are redefined over the new ones; the built-in fetchers' own reads follow the phase.
//! Each new definition is shown in the plan; the previous definitions are recorded so the
//! rollback restores them exactly.

use super::{Direction, Facts, Lock, Phase, Plan, Step};
use crate::readers;
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use anyhow::{Context, Result};
use postgres::Client;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub views: Vec<Switched>,
    pub functions: Vec<Switched>,
}

/// One object: its name and its definition before and after the switch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Switched {
    pub name: String,
    pub before: String,
    pub after: String,
}

/// Replaces whole-word occurrences of old master names in a function definition (function bodies
/// are opaque to the parser; a whole-word match never touches `ra_horses_id_seq` or `ra_horses2`).
pub fn replace_words(text: &str, renames: &BTreeMap<String, String>) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match renames.get(&word.to_lowercase()) {
            Some(n) => out.push_str(n),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if is_word(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Phase 4's plan in `direction`, from the facts alone.
pub fn plan(facts: &Facts, mapping: &Mapping, direction: Direction) -> Result<Plan> {
    match direction {
        Direction::Apply => plan_apply(&facts.catalog, mapping, facts.switch_functions),
        Direction::Rollback => plan_rollback(&facts.record::<Record>()?),
    }
}

/// Checks phase 4's result (or its rollback's) against the catalog in `facts`, read after it ran.
pub fn verify(
    _client: &mut Client,
    facts: &Facts,
    mapping: &Mapping,
    direction: Direction,
) -> Result<Vec<String>> {
    match direction {
        Direction::Apply => Ok(verify_apply(
            &facts.catalog,
            mapping,
            &facts.record::<Record>()?,
        )),
        Direction::Rollback => Ok(verify_rollback(
            &facts.catalog,
            mapping,
            &facts.record::<Record>()?,
        )),
    }
}

pub fn plan_apply(cat: &Catalog, mapping: &Mapping, switch_functions: bool) -> Result<Plan> {
    let renames = mapping.renames();
    let old = readers::old_names(mapping);
    let mut steps = Vec::new();
    let mut notes = vec![
        "the built-in fetchers read existing ids and enrichment candidates from the new masters from now on".to_string(),
    ];
    let mut record = Record::default();
    // Only masters have new tables to read; a reader of a deprecated table alone is the
    // operator's to change (it blocks phase 5, which archives that table).
    let deprecated_only =
        |tables: &BTreeSet<String>| !tables.iter().any(|t| renames.contains_key(t));
    for v in cat.views_reading(&old) {
        let name = format!("{}.{}", cat.quote(&v.schema), cat.quote(&v.name));
        if deprecated_only(&v.reads) {
            notes.push(format!(
                "view {name} reads only deprecated {}: it has no new table to switch to; change it by hand before phase 5 archives that",
                v.reads.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        if v.relkind == "m" {
            notes.push(format!(
                "materialized view {name} reads old tables: recreate it over the new tables by hand (it blocks phase 5 until then)"
            ));
            continue;
        }
        let select = v.definition.trim().trim_end_matches(';');
        let rewritten = crate::schema::sql::rename_tables_keeping_qualifiers(select, &renames)
            .with_context(|| format!("rewriting view {name}"))?;
        let after = format!("CREATE OR REPLACE VIEW {name} AS {rewritten}");
        let before = format!("CREATE OR REPLACE VIEW {name} AS {select}");
        let mut step = Step::new(
            format!("switch view {name} to the new tables"),
            after.clone(),
            Lock::AccessExclusive,
        );
        step.locks_only = Some([name.clone()].into());
        steps.push(step);
        record.views.push(Switched {
            name,
            before,
            after,
        });
    }
    for f in cat.functions_mentioning(&old) {
        if f.schema == crate::state::SCHEMA {
            continue;
        }
        if deprecated_only(&f.mentions) {
            notes.push(format!(
                "function {} names only deprecated {}: change it by hand before phase 5 archives that",
                f.signature,
                f.mentions.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        if !switch_functions {
            notes.push(format!(
                "function {} names {} in its body: pass --functions to switch it too, or change it yourself before phase 5",
                f.signature,
                f.mentions.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        let before = f.definition.trim_end().to_string();
        let after = replace_words(&before, &renames);
        notes.push(format!(
            "function {} will write and read the new tables only: the old tables stop receiving its changes (they are archived in phase 5)",
            f.signature
        ));
        steps.push(Step::new(
            format!("switch function {} to the new tables", f.signature),
            after.clone(),
            Lock::None,
        ));
        record.functions.push(Switched {
            name: f.signature.clone(),
            before,
            after,
        });
    }
    if steps.is_empty() {
        notes
            .push("no view or function reads the old tables: only the fetchers' reads move".into());
    }
    Ok(Plan {
        phase: Phase::SwitchReaders,
        direction: Direction::Apply,
        steps,
        notes,
        deferred: vec![],
        record: record.into(),
    })
}

pub fn plan_rollback(record: &Record) -> Result<Plan> {
    let mut steps = Vec::new();
    for v in record.views.iter().rev() {
        let mut step = Step::new(
            format!("restore view {} exactly as it was", v.name),
            v.before.clone(),
            Lock::AccessExclusive,
        );
        step.locks_only = Some([v.name.clone()].into());
        steps.push(step);
    }
    for f in record.functions.iter().rev() {
        steps.push(Step::new(
            format!("restore function {} exactly as it was", f.name),
            f.before.clone(),
            Lock::None,
        ));
    }
    Ok(Plan {
        phase: Phase::SwitchReaders,
        direction: Direction::Rollback,
        steps,
        notes: vec!["the built-in fetchers read the old masters again".into()],
        deferred: vec![],
        record: record.clone().into(),
    })
}

/// The switched views read no old table any more; switched functions no longer name one.
pub fn verify_apply(cat: &Catalog, mapping: &Mapping, record: &Record) -> Vec<String> {
    // what phase 4 switches: the masters (a deprecated table has nothing to switch to)
    let old: BTreeSet<String> = mapping.renames().into_keys().collect();
    let mut problems = Vec::new();
    for v in cat.views_reading(&old) {
        let name = format!("{}.{}", cat.quote(&v.schema), cat.quote(&v.name));
        if record.views.iter().any(|s| s.name == name) {
            problems.push(format!("view {name} still reads {:?}", v.reads));
        }
    }
    for f in cat.functions_mentioning(&old) {
        if record.functions.iter().any(|s| s.name == f.signature) {
            problems.push(format!(
                "function {} still names {:?}",
                f.signature, f.mentions
            ));
        }
    }
    problems
}

/// After rollback every switched view reads the old tables again.
pub fn verify_rollback(cat: &Catalog, mapping: &Mapping, record: &Record) -> Vec<String> {
    let old = readers::old_names(mapping);
    let reading: Vec<String> = cat
        .views_reading(&old)
        .map(|v| format!("{}.{}", cat.quote(&v.schema), cat.quote(&v.name)))
        .collect();
    record
        .views
        .iter()
        .filter(|v| !reading.contains(&v.name))
        .map(|v| {
            format!(
                "view {} does not read the old tables after the rollback",
                v.name
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let r = BTreeMap::from([("ra_jockeys".to_string(), "ra_mst_jockeys".to_string())]);
        assert_eq!(
            replace_words(
                "UPDATE ra_jockeys SET x = 1 FROM ra_jockeys_stats, RA_JOCKEYS j",
                &r
            ),
            "UPDATE ra_mst_jockeys SET x = 1 FROM ra_jockeys_stats, ra_mst_jockeys j"
        );
    }
}
