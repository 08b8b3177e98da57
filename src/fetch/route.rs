//! Where each table is written and read under the phase in effect: the one place that turns
//! [`Targets`] into table names, so the phase rules can be tested without a database.
//!
//! A master is written to its old table while the old layout is live, and its written rows are
//! copied to the new master in the same statement from dual-write on (phases 2-4). After the
//! archive (phase 5) only the new master is written. Fact tables keep their name and are written
//! once. Reads (existing ids, enrichment candidates) follow `Targets::read_new`.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::schema::mapping::{Kind, Mapping};
use crate::state::Targets;

/// Which layout a physical table belongs to, for the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An old master (`ra_horses`).
    Old,
    /// A new master (`ra_mst_horses`).
    New,
    /// A table that keeps its name (`ra_runners`), written once.
    Fact,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Old => "old",
            Role::New => "new",
            Role::Fact => "fact",
        }
    }
}

/// The physical tables behind one logical (old-layout) table name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The table's name in the old layout, which the fetchers use to name it (`ra_horses`).
    pub logical: String,
    /// The table written by the statement's main INSERT/UPDATE.
    pub primary: String,
    pub role: Role,
    /// The new master that receives a copy of every row written to `primary` (phases 2-4).
    pub mirror: Option<String>,
    /// The table existing ids and enrichment candidates are read from.
    pub read: String,
}

/// Routes of every table the fetchers write, for one [`Targets`].
#[derive(Debug, Clone, Serialize)]
pub struct WritePlan {
    pub targets: Targets,
    routes: BTreeMap<String, Route>,
}

/// Tables the fetchers write; any the mapping does not mention is treated as a fact table.
pub const WRITTEN: [&str; 14] = [
    "ra_regions",
    "ra_courses",
    "ra_bookmakers",
    "ra_horses",
    "ra_jockeys",
    "ra_trainers",
    "ra_owners",
    "ra_sires",
    "ra_dams",
    "ra_damsires",
    "ra_horse_pedigree",
    "ra_races",
    "ra_runners",
    "ra_runner_odds",
];

impl WritePlan {
    pub fn new(targets: Targets, mapping: &Mapping) -> Result<WritePlan> {
        if !targets.old && !targets.new {
            bail!("the recorded phase leaves no table to write (neither old nor new masters)");
        }
        let mut routes = BTreeMap::new();
        for name in WRITTEN {
            let route = match mapping.get(name) {
                Some(t) if t.kind == Kind::Master => {
                    let new = t
                        .new_name
                        .clone()
                        .expect("the mapping gives every master a new name");
                    let (primary, role, mirror) = if targets.old {
                        (name.to_string(), Role::Old, targets.new.then(|| new.clone()))
                    } else {
                        (new.clone(), Role::New, None)
                    };
                    let read = if targets.read_new {
                        new
                    } else {
                        name.to_string()
                    };
                    Route {
                        logical: name.to_string(),
                        primary,
                        role,
                        mirror,
                        read,
                    }
                }
                Some(t) if t.kind == Kind::Deprecated => bail!(
                    "the mapping marks {name} as deprecated, but the fetchers write it; fix the mapping ({})",
                    mapping.source
                ),
                _ => Route {
                    logical: name.to_string(),
                    primary: name.to_string(),
                    role: Role::Fact,
                    mirror: None,
                    read: name.to_string(),
                },
            };
            routes.insert(name.to_string(), route);
        }
        Ok(WritePlan { targets, routes })
    }

    /// The route of a logical table (one of [`WRITTEN`]).
    pub fn route(&self, logical: &str) -> Result<&Route> {
        match self.routes.get(logical) {
            Some(r) => Ok(r),
            None => bail!("{logical} is not a table the fetchers write"),
        }
    }

    /// The logical name of a physical table (old or new master, or fact table), e.g. to follow a
    /// foreign key that points at `ra_mst_races` back to `ra_races`.
    pub fn logical_of(&self, physical: &str) -> Option<&str> {
        self.routes
            .values()
            .find(|r| {
                r.logical == physical
                    || r.primary == physical
                    || r.mirror.as_deref() == Some(physical)
                    || r.read == physical
            })
            .map(|r| r.logical.as_str())
    }

    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phase::Phase;

    fn plan(phase: Option<Phase>) -> WritePlan {
        WritePlan::new(Targets::for_phase(phase), &Mapping::builtin().unwrap()).unwrap()
    }

    #[test]
    fn before_dual_write_only_old_tables_are_written_and_read() {
        for phase in [None, Some(Phase::Create)] {
            let p = plan(phase);
            let horses = p.route("ra_horses").unwrap();
            assert_eq!(horses.primary, "ra_horses");
            assert_eq!(horses.role, Role::Old);
            assert_eq!(horses.mirror, None, "{phase:?}");
            assert_eq!(horses.read, "ra_horses");
        }
    }

    #[test]
    fn dual_write_phases_write_both_and_switch_reads_at_phase_4() {
        for phase in [Phase::DualWrite, Phase::Backfill, Phase::SwitchReaders] {
            let p = plan(Some(phase));
            let races = p.route("ra_races").unwrap();
            assert_eq!(races.primary, "ra_races");
            assert_eq!(races.mirror.as_deref(), Some("ra_mst_races"), "{phase:?}");
            let read_new = phase == Phase::SwitchReaders;
            assert_eq!(
                races.read,
                if read_new { "ra_mst_races" } else { "ra_races" }
            );
        }
    }

    /// Phase 5 (archive) was not built when the write path was: this pins the rule without a
    /// database, whatever the archive does. The old masters are `ra_old_*` by then and must
    /// never be written again.
    #[test]
    fn after_archive_only_new_masters_are_written() {
        let p = plan(Some(Phase::Archive));
        assert!(!p.targets.old && p.targets.new && p.targets.read_new);
        for r in p.routes() {
            assert!(r.mirror.is_none(), "{r:?}");
            if r.role == Role::Fact {
                assert_eq!(r.primary, r.logical);
            } else {
                assert_eq!(r.role, Role::New);
                assert!(r.primary.starts_with("ra_mst_"), "{r:?}");
                assert_eq!(r.read, r.primary);
            }
        }
        assert_eq!(
            p.route("ra_bookmakers").unwrap().primary,
            "ra_mst_bookmakers"
        );
    }

    #[test]
    fn fact_tables_are_written_once_in_every_phase() {
        for phase in [
            None,
            Some(Phase::Create),
            Some(Phase::DualWrite),
            Some(Phase::Archive),
        ] {
            let p = plan(phase);
            for fact in [
                "ra_runners",
                "ra_horse_pedigree",
                "ra_runner_odds",
                "ra_regions",
            ] {
                let r = p.route(fact).unwrap();
                assert_eq!(
                    (r.primary.as_str(), r.role, r.mirror.as_deref()),
                    (fact, Role::Fact, None)
                );
            }
        }
    }

    #[test]
    fn foreign_keys_to_either_layout_map_back_to_the_logical_table() {
        let p = plan(Some(Phase::DualWrite));
        assert_eq!(p.logical_of("ra_mst_races"), Some("ra_races"));
        assert_eq!(p.logical_of("ra_races"), Some("ra_races"));
        assert_eq!(p.logical_of("ra_runners"), Some("ra_runners"));
        assert_eq!(p.logical_of("ra_odds_live"), None);
    }
}
