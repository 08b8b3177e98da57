//! The table mapping of the plan, loaded from data (`phases/mapping.toml` or `--mapping FILE`) and
//! validated once at start. Everything that needs to know "what becomes what" asks this module.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The built-in mapping, compiled into the binary so the tool works from any directory.
pub const BUILTIN: &str = include_str!("../../phases/mapping.toml");

/// PostgreSQL truncates identifiers longer than this many bytes.
pub const MAX_IDENT: usize = 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Renamed to `ra_mst_*`: created in phase 1, dual-written, backfilled, archived.
    Master,
    /// Keeps its name; its foreign keys to masters are repointed in phase 3.
    Fact,
    /// Not carried over; archived as `ra_old_*` in phase 5.
    Deprecated,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Implicit {
    pub column: String,
    pub references: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableMap {
    pub name: String,
    pub kind: Kind,
    /// The new name of a master; `None` for every other kind.
    pub new_name: Option<String>,
    pub depends_on: Vec<String>,
    pub implicit: Vec<Implicit>,
}

impl TableMap {
    /// The name the table has once phase 5 has archived it.
    pub fn archived_name(&self) -> String {
        archived_name(&self.name)
    }
}

/// `ra_horses` -> `ra_old_horses`.
pub fn archived_name(name: &str) -> String {
    match name.strip_prefix("ra_") {
        Some(rest) => format!("ra_old_{rest}"),
        None => format!("old_{name}"),
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Mapping {
    /// Every mapped table; masters come first, in dependency order (a master after what it depends on).
    pub tables: Vec<TableMap>,
    /// Table name patterns (trailing `*` = prefix) that no generated statement may reference.
    pub protected: Vec<String>,
    /// Where the mapping came from, for messages.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    protected: RawProtected,
    #[serde(default)]
    table: Vec<RawTable>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProtected {
    #[serde(default)]
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    kind: String,
    new_name: Option<String>,
    #[serde(default)]
    depends_on: Vec<String>,
    #[serde(default)]
    implicit: Vec<RawImplicit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImplicit {
    column: String,
    references: String,
}

impl Mapping {
    pub fn builtin() -> Result<Mapping> {
        Mapping::parse(BUILTIN, "built-in mapping (phases/mapping.toml)")
    }

    /// The mapping in `path`, or the built-in one when `path` is `None`.
    pub fn load(path: Option<&Path>) -> Result<Mapping> {
        match path {
            None => Mapping::builtin(),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading mapping file {}", p.display()))?;
                Mapping::parse(&text, &p.display().to_string())
            }
        }
    }

    pub fn parse(text: &str, source: &str) -> Result<Mapping> {
        let raw: RawMapping =
            toml::from_str(text).with_context(|| format!("mapping {source} is not valid"))?;
        Mapping::validate(raw, source).with_context(|| format!("mapping {source} is not valid"))
    }

    fn validate(raw: RawMapping, source: &str) -> Result<Mapping> {
        let protected = raw.protected.patterns;
        let is_protected = |name: &str| pattern_matches(&protected, name);
        let mut tables = Vec::new();
        let mut names = BTreeSet::new();
        for (i, t) in raw.table.into_iter().enumerate() {
            let at = || format!("entry '{}' (table #{})", t.name, i + 1);
            check_ident(&t.name).with_context(at)?;
            let kind = match t.kind.as_str() {
                "master" => Kind::Master,
                "fact" => Kind::Fact,
                "deprecated" => Kind::Deprecated,
                other => bail!(
                    "{}: unknown kind '{other}' (expected master, fact or deprecated)",
                    at()
                ),
            };
            if !names.insert(t.name.clone()) {
                bail!("{}: the table is mapped twice", at());
            }
            if is_protected(&t.name) {
                bail!("{}: the table is protected and may not be mapped", at());
            }
            let new_name = match (kind, t.new_name) {
                (Kind::Master, Some(n)) => Some(n),
                (Kind::Master, None) => match t.name.strip_prefix("ra_") {
                    Some(rest) => Some(format!("ra_mst_{rest}")),
                    None => bail!("{}: a master without the ra_ prefix needs new_name", at()),
                },
                (_, Some(_)) => bail!("{}: only a master gets a new_name", at()),
                (_, None) => None,
            };
            if let Some(n) = &new_name {
                check_ident(n).with_context(at)?;
                if is_protected(n) {
                    bail!("{}: new name '{n}' is protected", at());
                }
            }
            if kind != Kind::Master && !t.depends_on.is_empty() {
                bail!("{}: only a master has depends_on", at());
            }
            tables.push(TableMap {
                name: t.name,
                kind,
                new_name,
                depends_on: t.depends_on,
                implicit: t
                    .implicit
                    .into_iter()
                    .map(|r| Implicit {
                        column: r.column,
                        references: r.references,
                    })
                    .collect(),
            });
        }
        // Every name the new layout uses must be unique: two targets, or a target equal to a table
        // that keeps its name, would make two tables collapse into one.
        let mut targets: BTreeMap<String, String> = BTreeMap::new();
        for t in &tables {
            let target = t.new_name.clone().unwrap_or_else(|| t.name.clone());
            if let Some(other) = targets.insert(target.clone(), t.name.clone()) {
                bail!(
                    "entry '{}': target '{target}' is also the target of '{other}'",
                    t.name
                );
            }
            if t.kind != Kind::Fact {
                let archived = t.archived_name();
                if names.contains(&archived) {
                    bail!(
                        "entry '{}': its archive name '{archived}' is a mapped table",
                        t.name
                    );
                }
            }
        }
        let kind_of: BTreeMap<&str, Kind> =
            tables.iter().map(|t| (t.name.as_str(), t.kind)).collect();
        for t in &tables {
            for d in &t.depends_on {
                match kind_of.get(d.as_str()) {
                    Some(Kind::Master) => {}
                    Some(_) => bail!(
                        "entry '{}': depends on '{d}', which is not a master",
                        t.name
                    ),
                    None => bail!("entry '{}': depends on unknown table '{d}'", t.name),
                }
            }
            for r in &t.implicit {
                if kind_of.get(r.references.as_str()) != Some(&Kind::Master) {
                    bail!(
                        "entry '{}': implicit relationship {}.{} references '{}', which is not a mapped master",
                        t.name, t.name, r.column, r.references
                    );
                }
            }
        }
        let order = topo_order(&tables)?;
        let mut by_name: BTreeMap<String, TableMap> =
            tables.into_iter().map(|t| (t.name.clone(), t)).collect();
        let tables = order
            .into_iter()
            .map(|n| by_name.remove(&n).expect("ordered name is mapped"))
            .collect();
        Ok(Mapping {
            tables,
            protected,
            source: source.to_string(),
        })
    }

    pub fn get(&self, name: &str) -> Option<&TableMap> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Masters in dependency order.
    pub fn masters(&self) -> impl Iterator<Item = &TableMap> {
        self.tables.iter().filter(|t| t.kind == Kind::Master)
    }

    /// Tables archived by phase 5: masters and deprecated tables.
    pub fn archived(&self) -> impl Iterator<Item = &TableMap> {
        self.tables.iter().filter(|t| t.kind != Kind::Fact)
    }

    /// old master name -> new master name.
    pub fn renames(&self) -> BTreeMap<String, String> {
        self.masters()
            .map(|t| {
                (
                    t.name.clone(),
                    t.new_name.clone().expect("master has new name"),
                )
            })
            .collect()
    }

    /// The new name of a master, if `name` is one.
    pub fn new_name_of(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|t| t.new_name.as_deref())
    }

    pub fn is_protected(&self, name: &str) -> bool {
        pattern_matches(&self.protected, name)
    }
}

fn pattern_matches(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == p,
    })
}

fn check_ident(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_IDENT {
        bail!("table name '{name}' must be 1 to {MAX_IDENT} bytes");
    }
    let ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !ok {
        bail!("table name '{name}' must be a lowercase unquoted identifier (a-z, 0-9, _)");
    }
    Ok(())
}

/// Masters first in dependency order (stable: file order among equals), then the rest in file
/// order. A cycle is an error naming it.
fn topo_order(tables: &[TableMap]) -> Result<Vec<String>> {
    let masters: Vec<&TableMap> = tables.iter().filter(|t| t.kind == Kind::Master).collect();
    let mut done: Vec<String> = Vec::new();
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = visiting, 2 = done
    fn visit<'a>(
        t: &'a TableMap,
        all: &[&'a TableMap],
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        done: &mut Vec<String>,
    ) -> Result<()> {
        match state.get(t.name.as_str()) {
            Some(2) => return Ok(()),
            Some(1) => {
                let start = path.iter().position(|n| *n == t.name).unwrap_or(0);
                let mut cycle: Vec<&str> = path[start..].to_vec();
                cycle.push(&t.name);
                bail!("dependency cycle: {}", cycle.join(" -> "));
            }
            _ => {}
        }
        state.insert(&t.name, 1);
        path.push(&t.name);
        for d in &t.depends_on {
            let dep = all
                .iter()
                .find(|m| &m.name == d)
                .expect("dependency checked to be a master");
            visit(dep, all, state, path, done)?;
        }
        path.pop();
        state.insert(&t.name, 2);
        done.push(t.name.clone());
        Ok(())
    }
    for t in &masters {
        visit(t, &masters, &mut state, &mut Vec::new(), &mut done)?;
    }
    done.extend(
        tables
            .iter()
            .filter(|t| t.kind != Kind::Master)
            .map(|t| t.name.clone()),
    );
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        format!("{:#}", Mapping::parse(text, "test").unwrap_err())
    }

    #[test]
    fn builtin_mapping_has_plan_tables_in_dependency_order() {
        let m = Mapping::builtin().unwrap();
        let masters: Vec<&str> = m.masters().map(|t| t.name.as_str()).collect();
        assert_eq!(masters.len(), 10);
        let pos = |n: &str| masters.iter().position(|m| *m == n).unwrap();
        assert!(pos("ra_horses") < pos("ra_sires"));
        assert!(pos("ra_horses") < pos("ra_damsires"));
        assert!(pos("ra_courses") < pos("ra_races"));
        assert_eq!(m.new_name_of("ra_horses"), Some("ra_mst_horses"));
        assert_eq!(m.new_name_of("ra_runners"), None);
        assert_eq!(m.get("ra_race_results").unwrap().kind, Kind::Deprecated);
        assert_eq!(
            m.get("ra_race_results").unwrap().archived_name(),
            "ra_old_race_results"
        );
        assert!(m.is_protected("ra_odds_live"));
        assert!(!m.is_protected("ra_runner_odds"));
    }

    #[test]
    fn unknown_kind_names_the_entry() {
        let e = err("[[table]]\nname = \"ra_a\"\nkind = \"mastr\"\n");
        assert!(
            e.contains("'ra_a'") && e.contains("unknown kind 'mastr'"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_target_names_both_entries() {
        let e = err(
            "[[table]]\nname = \"ra_a\"\nkind = \"master\"\nnew_name = \"ra_x\"\n\
                     [[table]]\nname = \"ra_b\"\nkind = \"master\"\nnew_name = \"ra_x\"\n",
        );
        assert!(
            e.contains("ra_b") && e.contains("ra_a") && e.contains("ra_x"),
            "{e}"
        );
    }

    #[test]
    fn dependency_cycle_is_named() {
        let e = err(
            "[[table]]\nname = \"ra_a\"\nkind = \"master\"\ndepends_on = [\"ra_b\"]\n\
                     [[table]]\nname = \"ra_b\"\nkind = \"master\"\ndepends_on = [\"ra_a\"]\n",
        );
        assert!(e.contains("dependency cycle: ra_a -> ra_b -> ra_a"), "{e}");
    }

    #[test]
    fn protected_table_cannot_be_mapped() {
        let e = err("[protected]\npatterns = [\"ra_odds_*\"]\n[[table]]\nname = \"ra_odds_live\"\nkind = \"master\"\n");
        assert!(e.contains("protected"), "{e}");
    }

    #[test]
    fn unknown_field_and_unknown_dependency_are_errors() {
        let e = err("[[table]]\nname = \"ra_a\"\nkind = \"master\"\ndepend_on = []\n");
        assert!(e.contains("depend_on"), "{e}");
        let e = err("[[table]]\nname = \"ra_a\"\nkind = \"master\"\ndepends_on = [\"ra_zz\"]\n");
        assert!(e.contains("unknown table 'ra_zz'"), "{e}");
    }
}
