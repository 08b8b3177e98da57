//! What one batch transaction writes, in order: the masters a record refers to before the record
//! (courses, horses, people, sires before races and runners), and the facts checked first so that
//! nothing is written on behalf of a record that ends up in quarantine.

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;

use crate::api::payload::scalar::region_suffix;
use crate::api::{
    BookmakerRecord, CourseRecord, Endpoint, Entities, HorseProfile, HorseRecord, Parsed,
    PersonKind, RaceBatch, Rejected, SireKind, SireLike,
};

use super::fields::{self, RegionRecord};
use super::quarantine::Quarantined;
use super::step::TableWrite;
use super::tx::{Checks, TxCtx};

/// What is known about courses beyond a race's course id and name: full `/courses` records
/// (fetched when a batch names a course the database lacks) and region names by code.
#[derive(Debug, Clone, Default)]
pub struct CourseBook {
    pub courses: BTreeMap<String, CourseRecord>,
    pub region_names: BTreeMap<String, String>,
}

impl CourseBook {
    pub fn add(&mut self, records: &[CourseRecord]) {
        for c in records {
            if let (Some(code), Some(name)) = (&c.region_code, &c.region) {
                self.region_names.insert(code.to_lowercase(), name.clone());
            }
            self.courses.insert(c.id.clone(), c.clone());
        }
    }
}

const PEOPLE: [PersonKind; 3] = [PersonKind::Jockey, PersonKind::Trainer, PersonKind::Owner];
const SIRE_KINDS: [SireKind; 3] = [SireKind::Sire, SireKind::Dam, SireKind::Damsire];

/// The steps of a day's masters that its races and runners refer to: horses, then the people,
/// then the sire-likes (the order they are written in).
fn master_steps(e: &Entities) -> Vec<TableWrite<'_>> {
    let mut steps = vec![fields::horses(&e.horses)];
    steps.extend(PEOPLE.map(|kind| fields::people(kind, &e.people)));
    steps.extend(SIRE_KINDS.map(|kind| fields::sire_likes(kind, &e.sire_likes)));
    steps
}

/// What a day's records refer to, gathered from them before any check: the masters (de-duplicated
/// by id) and the bookmakers named in its odds.
pub struct Gathered {
    pub entities: Entities,
    pub bookmakers: Vec<BookmakerRecord>,
}

impl Gathered {
    pub fn of(batch: &RaceBatch) -> Gathered {
        Gathered {
            entities: batch.entities(),
            bookmakers: batch.bookmakers_seen(),
        }
    }
}

/// A day's steps after the checks that need no database, with the keys of the races and runners
/// they refused.
pub struct Checked<'a> {
    masters: Vec<TableWrite<'a>>,
    parents: TableWrite<'a>,
    races: TableWrite<'a>,
    runners: TableWrite<'a>,
    odds: TableWrite<'a>,
    bad_races: HashSet<String>,
    bad_runners: HashSet<String>,
}

/// A day of racecards or results: entities first, then races, runners, bookmakers and odds.
pub fn race_batch(cx: &mut TxCtx, batch: &RaceBatch, book: &CourseBook) -> Result<()> {
    let gathered = Gathered::of(batch);
    let checked = check_race_batch(&mut cx.checks, batch, &gathered)?;
    write_race_batch(cx, batch, book, &gathered, checked)
}

/// The checks of a day that need no database. The masters the facts refer to go through them
/// first, so a runner whose sire (say) cannot be stored is refused before its horse or jockey is
/// written on its behalf; then the facts, so what cannot be stored leaves no horse, jockey or
/// course behind.
pub fn check_race_batch<'a>(
    cx: &mut Checks,
    batch: &'a RaceBatch,
    gathered: &'a Gathered,
) -> Result<Checked<'a>> {
    for r in &batch.rejected {
        cx.quarantine_raw(r.into());
    }
    let endpoint = batch.endpoint;
    let mut races = fields::races(endpoint, &batch.races);
    let mut runners = fields::runners(endpoint, &batch.runners);
    let mut odds = fields::odds(&batch.odds);

    let mut masters = master_steps(&gathered.entities);
    for step in &mut masters {
        cx.precheck(step)?;
    }
    // derived rows, left out rather than quarantined: checked again whatever happens next.
    // What they refer to is known only once the masters are written: looked at again then.
    let mut parents = fields::parent_horses(&gathered.entities.parent_horses);
    cx.precheck(&mut parents)?;
    cx.precheck(&mut races)?;
    let bad_races = cx.bad_keys("ra_races");
    let race_field = runners.field("race_id").expect("runners have race_id");
    cx.reject_where(&mut runners, |row| {
        let race = row.values[race_field].as_deref().unwrap_or("");
        bad_races
            .contains(race)
            .then(|| format!("its race {race} could not be written"))
    });
    cx.precheck(&mut runners)?;
    let bad_runners = cx.bad_keys("ra_runners");
    cx.reject_where(&mut odds, |row| {
        let runner = format!(
            "{}\u{1f}{}",
            row.values[0].as_deref().unwrap_or(""),
            row.values[1].as_deref().unwrap_or("")
        );
        (bad_runners.contains(&runner)
            || bad_races.contains(row.values[0].as_deref().unwrap_or("")))
        .then(|| {
            format!(
                "its runner ({}) could not be written",
                runner.replace('\u{1f}', ", ")
            )
        })
    });
    cx.precheck(&mut odds)?;
    Ok(Checked {
        masters,
        parents,
        races,
        runners,
        odds,
        bad_races,
        bad_runners,
    })
}

/// Writes a checked day; `cx` holds what its checks found.
pub fn write_race_batch(
    cx: &mut TxCtx,
    batch: &RaceBatch,
    book: &CourseBook,
    gathered: &Gathered,
    checked: Checked,
) -> Result<()> {
    let endpoint = batch.endpoint;
    let Checked {
        mut masters,
        mut parents,
        races,
        runners,
        mut odds,
        bad_races,
        bad_runners,
    } = checked;
    // the masters of the races and runners kept: all of them, already checked, unless some were
    // refused
    let none_refused = bad_races.is_empty() && bad_runners.is_empty();
    let kept;
    let entities = if none_refused {
        &gathered.entities
    } else {
        drop(masters);
        kept = RaceBatch {
            races: batch
                .races
                .iter()
                .filter(|r| !bad_races.contains(&r.race_id))
                .cloned()
                .collect(),
            runners: batch
                .runners
                .iter()
                .filter(|r| {
                    !bad_races.contains(&r.race_id)
                        && !bad_runners.contains(&format!("{}\u{1f}{}", r.race_id, r.horse_id))
                })
                .cloned()
                .collect(),
            ..RaceBatch::new(endpoint)
        }
        .entities();
        masters = master_steps(&kept);
        parents = fields::parent_horses(&kept.parent_horses);
        &kept
    };

    let (known, seen): (Vec<&CourseRecord>, Vec<&CourseRecord>) = entities
        .courses
        .iter()
        .partition(|c| book.courses.contains_key(&c.id));
    let known: Vec<&CourseRecord> = known.iter().map(|c| &book.courses[&c.id]).collect();
    let seen: Vec<CourseRecord> = seen
        .into_iter()
        .map(|c| {
            let mut c = c.clone();
            if c.region.is_none() {
                c.region = c
                    .region_code
                    .as_ref()
                    .and_then(|code| book.region_names.get(code))
                    .cloned();
            }
            c
        })
        .collect();
    cx.run(fields::courses(false, known))?;
    cx.run(fields::courses(true, &seen))?;
    // `masters` is in the order it was built in: horses, then the people, then the sire-likes
    let mut masters = masters.into_iter();
    cx.run(masters.next().expect("the horses' step comes first"))?;
    cx.run(parents)?;
    for step in masters {
        cx.run(step)?;
    }
    // checked here, once: a pedigree refused for its own values is quarantined once, whichever
    // masters were rebuilt above
    cx.run(fields::pedigrees(&entities.pedigrees))?;
    cx.run(races)?;
    cx.run(runners)?;
    if endpoint == Endpoint::Racecards {
        cx.run(fields::bookmakers(&gathered.bookmakers))?;
    }
    // runners refused by the database itself (found by bisecting) take their odds with them
    let bad_runners = cx.checks.bad_keys("ra_runners");
    if !bad_runners.is_empty() {
        cx.checks.reject_where(&mut odds, |row| {
            let runner = format!(
                "{}\u{1f}{}",
                row.values[0].as_deref().unwrap_or(""),
                row.values[1].as_deref().unwrap_or("")
            );
            bad_runners.contains(&runner).then(|| {
                format!(
                    "its runner ({}) could not be written",
                    runner.replace('\u{1f}', ", ")
                )
            })
        });
    }
    cx.run(odds)
}

/// Regions and courses from `/courses`, and the bookmakers (there is no endpoint for them).
pub fn reference(
    cx: &mut TxCtx,
    courses: &Parsed<CourseRecord>,
    bookmakers: &[BookmakerRecord],
) -> Result<()> {
    for r in &courses.rejected {
        cx.checks.quarantine_raw(r.into());
    }
    let regions: BTreeMap<String, RegionRecord> = courses
        .records
        .iter()
        .filter_map(|c| {
            let code = c.region_code.clone()?;
            Some((
                code.clone(),
                RegionRecord {
                    code,
                    name: c.region.clone()?,
                },
            ))
        })
        .collect();
    cx.run(fields::regions(regions.values()))?;
    cx.run(fields::courses(false, &courses.records))?;
    cx.run(fields::bookmakers(bookmakers))
}

/// Horse profiles: the horses, the parents they name (created by the id rule when missing), their
/// sires, dams and damsires, and their pedigree rows.
pub fn profiles(cx: &mut TxCtx, profiles: &[HorseProfile], rejected: &[Rejected]) -> Result<()> {
    for r in rejected {
        cx.checks.quarantine_raw(Quarantined::from(r));
    }
    let own: HashSet<&str> = profiles.iter().map(|p| p.horse.id.as_str()).collect();
    let mut sire_likes: BTreeMap<(SireKind, String), SireLike> = BTreeMap::new();
    for s in profiles.iter().flat_map(|p| &p.sire_likes) {
        sire_likes
            .entry((s.kind, s.id.clone()))
            .or_insert_with(|| s.clone());
    }
    let parents = parent_horses(sire_likes.values(), &own);
    cx.run(fields::horses(profiles.iter().map(|p| &p.horse)))?;
    cx.run(fields::parent_horses(&parents))?;
    for kind in SIRE_KINDS {
        cx.run(fields::sire_likes(kind, sire_likes.values()))?;
    }
    cx.run(fields::pedigrees(
        profiles
            .iter()
            .map(|p| &p.pedigree)
            .filter(|p| p.sire_id.is_some() || p.dam_id.is_some() || p.damsire_id.is_some()),
    ))
}

/// The horse of each sire, dam or damsire by the id rule (`sir_N` is `hrs_N`), named after it,
/// except horses in `except`.
fn parent_horses<'a>(
    sire_likes: impl Iterator<Item = &'a SireLike>,
    except: &HashSet<&str>,
) -> Vec<HorseRecord> {
    let mut out: BTreeMap<String, HorseRecord> = BTreeMap::new();
    for s in sire_likes {
        let Some(id) = &s.horse_id else { continue };
        if except.contains(id.as_str()) {
            continue;
        }
        let h = out.entry(id.clone()).or_insert_with(|| HorseRecord {
            id: id.clone(),
            ..HorseRecord::default()
        });
        if h.name.is_none() {
            h.name.clone_from(&s.name);
        }
        if h.region.is_none() {
            h.region = s
                .region
                .clone()
                .or_else(|| s.name.as_deref().and_then(region_suffix));
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_the_id_rule_and_skip_known_horses() {
        let likes = [
            SireLike::new(
                SireKind::Sire,
                "sir_7".into(),
                Some("Harry Angel (IRE)".into()),
                None,
            ),
            SireLike::new(SireKind::Dam, "dam_8".into(), None, Some("GB".into())),
            SireLike::new(
                SireKind::Damsire,
                "dsi_9".into(),
                Some("Pivotal".into()),
                None,
            ),
        ];
        let except: HashSet<&str> = ["hrs_9"].into_iter().collect();
        let p = parent_horses(likes.iter(), &except);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "hrs_7");
        assert_eq!(p[0].region.as_deref(), Some("IRE"));
        assert_eq!(
            (
                p[1].id.as_str(),
                p[1].name.as_deref(),
                p[1].region.as_deref()
            ),
            ("hrs_8", None, Some("GB"))
        );
    }
}
