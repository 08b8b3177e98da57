//! Typed payloads of the endpoints the fetchers use, and their normalised records.
//!
//! The API's conventions are absorbed here and nowhere else: scalars arrive as strings, `""`, `"-"`
//! and `"–"` mean no value, positions may be codes (`PU`), the off time comes from `off_dt`, and
//! racecards and results name the same things differently (two field maps, one record type).
//!
//! Parsing never fails a batch because of one bad element: a race without `race_id`, a runner
//! without `horse_id`, a malformed odds entry each become a [`Rejected`] carrying the raw JSON, for
//! the caller to quarantine; everything else in the batch is kept. Only a response without the
//! expected top-level array is an error (the whole response is unusable). An element that is not
//! even valid JSON on its own is split off its page by [`page::read_page`] and rejected here too.

/// Implements [`RaceHead`] for a race type by its fields of those names.
macro_rules! race_head {
    ($t:ty) => {
        impl super::RaceHead for $t {
            fn race_id(&self) -> &Scalar {
                &self.race_id
            }
            fn course_id(&self) -> &Scalar {
                &self.course_id
            }
            fn off_dt(&self) -> &Scalar {
                &self.off_dt
            }
            fn date(&self) -> &Scalar {
                &self.date
            }
        }
    };
}

mod bookmakers;
mod course;
mod horse;
pub mod page;
mod racecard;
mod records;
mod result;
pub mod scalar;

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::Deserialize;
use serde_json::Value;

use super::error::ApiError;
use scalar::{named, Reader};

pub use bookmakers::{
    all_bookmakers, bookmaker_code, bookmakers_seen, reference_bookmakers, REFERENCE_BOOKMAKERS,
};
pub use course::{parse_courses, RawCourse};
pub use horse::{parse_horse_pro, HorseLookup, HorsePro, HorseProfile};
pub use racecard::{parse_racecards, RacecardRace, RacecardRunner, RawOdds};
pub use records::{
    horse_id_for, BookmakerRecord, CourseRecord, Endpoint, HorseRecord, OddsRecord, PedigreeRecord,
    PersonKind, PersonRecord, RaceRecord, Rejected, RunnerRecord, SireKind, SireLike,
};
pub use result::{parse_results, ResultRace, ResultRunner};

/// Good records plus what could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    pub rejected: Vec<Rejected>,
    /// Present-but-unreadable values that were stored as no value (record kept).
    pub warnings: Vec<String>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            records: Vec::new(),
            rejected: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// Races, runners and odds from racecards or results (one endpoint per batch).
#[derive(Debug, Clone, PartialEq)]
pub struct RaceBatch {
    pub endpoint: Endpoint,
    pub races: Vec<RaceRecord>,
    pub runners: Vec<RunnerRecord>,
    /// Racecards only.
    pub odds: Vec<OddsRecord>,
    pub rejected: Vec<Rejected>,
    pub warnings: Vec<String>,
}

impl RaceBatch {
    pub fn new(endpoint: Endpoint) -> RaceBatch {
        RaceBatch {
            endpoint,
            races: Vec::new(),
            runners: Vec::new(),
            odds: Vec::new(),
            rejected: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn reject(&mut self, request: &str, item: &Value, error: String) {
        tracing::warn!(endpoint = self.endpoint.path(), %request, %error, "record rejected");
        self.rejected.push(Rejected {
            endpoint: self.endpoint.path().to_string(),
            request: request.to_string(),
            raw_json: item.to_string(),
            error,
        });
    }

    /// Rejects elements of the pages of `request` that were not valid JSON on their own, keeping
    /// their text exactly as received.
    pub fn reject_unreadable(&mut self, request: &str, unreadable: &[page::Unreadable]) {
        for u in unreadable {
            let error = match &u.within {
                None => {
                    let name = page::peek_scalar(&u.raw, "race_id")
                        .map(|id| format!(" (race_id {id})"))
                        .unwrap_or_default();
                    format!(
                        "{} element{name} is not valid JSON on its own: {}",
                        self.endpoint.path(),
                        u.error
                    )
                }
                Some(race_id) => {
                    let name = page::peek_scalar(&u.raw, "horse_id")
                        .map(|id| format!(" (horse_id {id})"))
                        .unwrap_or_default();
                    format!(
                        "{} runner{name} in race_id {race_id} is not valid JSON on its own (the race is kept without it): {}",
                        self.endpoint.path(),
                        u.error
                    )
                }
            };
            tracing::warn!(endpoint = self.endpoint.path(), %request, %error, "record rejected");
            self.rejected.push(Rejected {
                endpoint: self.endpoint.path().to_string(),
                request: request.to_string(),
                raw_json: u.raw.clone(),
                error,
            });
        }
    }

    /// Adds another batch of the same endpoint (e.g. the next date).
    pub fn append(&mut self, other: RaceBatch) {
        self.races.extend(other.races);
        self.runners.extend(other.runners);
        self.odds.extend(other.odds);
        self.rejected.extend(other.rejected);
        self.warnings.extend(other.warnings);
    }

    /// Bookmakers named in this batch's odds.
    pub fn bookmakers_seen(&self) -> Vec<BookmakerRecord> {
        bookmakers_seen(&self.odds)
    }

    /// The masters this batch references, de-duplicated by id and sorted, to be written before the
    /// races and runners that point at them.
    pub fn entities(&self) -> Entities {
        Entities::from_batch(self)
    }
}

/// The first element seen with each key (a race id in a response, a horse id in a race), so a
/// second copy is settled here, where its raw JSON is at hand: an identical copy is ignored, a
/// different one rejected. Left to the write path, the copy's key would also mark the kept record
/// as unwritable (its odds and masters with it).
#[derive(Default)]
struct FirstSeen<'a>(HashMap<String, &'a Value>);

impl<'a> FirstSeen<'a> {
    /// True when no element with `key` was kept yet; otherwise deals with the copy.
    fn is_first(
        &self,
        key: &str,
        item: &Value,
        what: &str,
        batch: &mut RaceBatch,
        request: &str,
    ) -> bool {
        match self.0.get(key) {
            None => true,
            Some(first) if *first == item => {
                batch.warnings.push(format!(
                    "{what} is listed twice with the same values; the copy was ignored"
                ));
                false
            }
            Some(_) => {
                let error = format!(
                    "{what} is listed twice with different values; the first was kept, this one is not"
                );
                batch.reject(request, item, error);
                false
            }
        }
    }

    fn keep(&mut self, key: String, item: &'a Value) {
        self.0.insert(key, item);
    }
}

/// The fields every race of a racecard or a result has, whatever else its endpoint sends.
trait RaceHead {
    fn race_id(&self) -> &scalar::Scalar;
    fn course_id(&self) -> &scalar::Scalar;
    fn off_dt(&self) -> &scalar::Scalar;
    fn date(&self) -> &scalar::Scalar;
}

/// Where a race starts: its ids, when it is off and on which day, and a reader for the rest of
/// its values.
struct RaceStart<'w, T> {
    race: T,
    race_id: String,
    course_id: String,
    off_dt: Option<chrono::DateTime<chrono::FixedOffset>>,
    date: chrono::NaiveDate,
    reader: Reader<'w>,
}

/// The opening racecard and result races share: the race read as `T`, its id and course id, its
/// start and its day (`date`, else the start's), and a reader whose warnings name
/// `{context} {race_id}`. `None` when the race was rejected here (of the wrong shape, or without a
/// race id, a course id or a usable day); `noun` names the race in the rejection.
fn race_prologue<'a, 'w, T: Deserialize<'a> + RaceHead>(
    item: &'a Value,
    request: &str,
    noun: &str,
    context: &str,
    batch: &'w mut RaceBatch,
) -> Option<RaceStart<'w, T>> {
    let race = match T::deserialize(item) {
        Ok(r) => r,
        Err(e) => {
            batch.reject(
                request,
                item,
                format!("{noun}{}: {e}", named(item, "race_id")),
            );
            return None;
        }
    };
    let Some(race_id) = race.race_id().text() else {
        batch.reject(request, item, format!("{noun} has no race_id"));
        return None;
    };
    let Some(course_id) = race.course_id().text() else {
        batch.reject(request, item, format!("{noun} {race_id} has no course_id"));
        return None;
    };
    let mut reader = Reader {
        context: format!("{context} {race_id}"),
        warnings: &mut batch.warnings,
    };
    let off_dt = reader.datetime("off_dt", race.off_dt());
    let Some(date) = reader
        .date("date", race.date())
        .or(off_dt.map(|d| d.date_naive()))
    else {
        batch.reject(
            request,
            item,
            format!("{noun} {race_id} has no usable date or off_dt"),
        );
        return None;
    };
    let reader = Reader {
        context: format!("{context} {race_id}"),
        warnings: &mut batch.warnings,
    };
    Some(RaceStart {
        race,
        race_id,
        course_id,
        off_dt,
        date,
        reader,
    })
}

/// The opening racecard and result runners share: the runner read as `T`, its horse id, and a
/// reader for its values whose warnings name `{endpoint} {race_id} {horse_id}`. `None` when the
/// runner was dealt with here: rejected (of the wrong shape, without a horse id, or a differing
/// copy) or an identical copy ignored.
fn runner_prologue<'a, 'w, T: Deserialize<'a>>(
    item: &'a Value,
    race_id: &str,
    request: &str,
    endpoint: &str,
    batch: &'w mut RaceBatch,
    seen: &mut FirstSeen<'a>,
    horse_id: impl FnOnce(&T) -> Option<String>,
) -> Option<(T, String, Reader<'w>)> {
    let runner = match T::deserialize(item) {
        Ok(r) => r,
        Err(e) => {
            let horse = named(item, "horse_id");
            batch.reject(request, item, format!("runner{horse} in {race_id}: {e}"));
            return None;
        }
    };
    let Some(horse_id) = horse_id(&runner) else {
        batch.reject(
            request,
            item,
            format!("runner in {race_id} has no horse_id"),
        );
        return None;
    };
    let what = format!("runner {horse_id} in {race_id}");
    if !seen.is_first(&horse_id, item, &what, batch, request) {
        return None;
    }
    seen.keep(horse_id.clone(), item);
    let reader = Reader {
        context: format!("{endpoint} {race_id} {horse_id}"),
        warnings: &mut batch.warnings,
    };
    Some((runner, horse_id, reader))
}

/// Master entities discovered in races and runners.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// From races: id, name and region code (no region name: only `/courses` has it).
    pub courses: Vec<CourseRecord>,
    /// Horses that ran.
    pub horses: Vec<HorseRecord>,
    /// Horses known only as a sire, dam or damsire (`hrs_N` from `sir_N`/`dam_N`/`dsi_N`, name
    /// only), so `sires.horse_id` and friends can point at an existing row.
    pub parent_horses: Vec<HorseRecord>,
    pub pedigrees: Vec<PedigreeRecord>,
    pub people: Vec<PersonRecord>,
    pub sire_likes: Vec<SireLike>,
}

/// Keeps the first value seen; later sightings only fill gaps.
fn fill<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}

impl Entities {
    fn from_batch(batch: &RaceBatch) -> Entities {
        let mut courses: BTreeMap<String, CourseRecord> = BTreeMap::new();
        for race in &batch.races {
            let c = courses
                .entry(race.course_id.clone())
                .or_insert_with(|| CourseRecord {
                    id: race.course_id.clone(),
                    name: None,
                    region_code: None,
                    region: None,
                });
            fill(&mut c.name, &race.course_name);
            fill(
                &mut c.region_code,
                &race.region.as_ref().map(|r| r.to_lowercase()),
            );
        }

        let mut horses: BTreeMap<String, HorseRecord> = BTreeMap::new();
        let mut pedigrees: BTreeMap<String, PedigreeRecord> = BTreeMap::new();
        let mut people: BTreeMap<(PersonKind, String), PersonRecord> = BTreeMap::new();
        let mut sires: BTreeMap<(SireKind, String), SireLike> = BTreeMap::new();
        for r in &batch.runners {
            let region = r
                .horse_region
                .clone()
                .or_else(|| r.horse_name.as_deref().and_then(scalar::region_suffix));
            let h = horses
                .entry(r.horse_id.clone())
                .or_insert_with(|| HorseRecord {
                    id: r.horse_id.clone(),
                    ..HorseRecord::default()
                });
            fill(&mut h.name, &r.horse_name);
            fill(&mut h.dob, &r.dob);
            fill(&mut h.age, &r.age);
            fill(&mut h.sex, &r.sex);
            fill(&mut h.sex_code, &r.sex_code);
            fill(&mut h.colour, &r.colour);
            fill(&mut h.breeder, &r.breeder);
            fill(&mut h.region, &region);
            fill(&mut h.sire_id, &r.sire_id);
            fill(&mut h.dam_id, &r.dam_id);
            fill(&mut h.damsire_id, &r.damsire_id);

            if r.sire_id.is_some() || r.dam_id.is_some() || r.damsire_id.is_some() {
                let p = pedigrees
                    .entry(r.horse_id.clone())
                    .or_insert_with(|| PedigreeRecord {
                        horse_id: r.horse_id.clone(),
                        ..PedigreeRecord::default()
                    });
                fill(&mut p.sire_id, &r.sire_id);
                fill(&mut p.sire, &r.sire_name);
                fill(&mut p.dam_id, &r.dam_id);
                fill(&mut p.dam, &r.dam_name);
                fill(&mut p.damsire_id, &r.damsire_id);
                fill(&mut p.damsire, &r.damsire_name);
                fill(&mut p.breeder, &r.breeder);
                fill(&mut p.region, &region);
            }

            for (kind, id, name, location) in [
                (PersonKind::Jockey, &r.jockey_id, &r.jockey_name, &None),
                (
                    PersonKind::Trainer,
                    &r.trainer_id,
                    &r.trainer_name,
                    &r.trainer_location,
                ),
                (PersonKind::Owner, &r.owner_id, &r.owner_name, &None),
            ] {
                let Some(id) = id else { continue };
                let p = people
                    .entry((kind, id.clone()))
                    .or_insert_with(|| PersonRecord {
                        kind,
                        id: id.clone(),
                        name: None,
                        location: None,
                    });
                fill(&mut p.name, name);
                fill(&mut p.location, location);
            }

            for (kind, id, name, region) in [
                (SireKind::Sire, &r.sire_id, &r.sire_name, &r.sire_region),
                (SireKind::Dam, &r.dam_id, &r.dam_name, &r.dam_region),
                (
                    SireKind::Damsire,
                    &r.damsire_id,
                    &r.damsire_name,
                    &r.damsire_region,
                ),
            ] {
                let Some(id) = id else { continue };
                let s = sires
                    .entry((kind, id.clone()))
                    .or_insert_with(|| SireLike::new(kind, id.clone(), None, None));
                fill(&mut s.name, name);
                fill(&mut s.region, region);
            }
        }

        let mut parent_horses: BTreeMap<String, HorseRecord> = BTreeMap::new();
        for s in sires.values() {
            let Some(horse_id) = &s.horse_id else {
                continue;
            };
            if horses.contains_key(horse_id) {
                continue;
            }
            let h = parent_horses
                .entry(horse_id.clone())
                .or_insert_with(|| HorseRecord {
                    id: horse_id.clone(),
                    ..HorseRecord::default()
                });
            fill(&mut h.name, &s.name);
            let region = s
                .region
                .clone()
                .or_else(|| s.name.as_deref().and_then(scalar::region_suffix));
            fill(&mut h.region, &region);
        }

        Entities {
            courses: courses.into_values().collect(),
            horses: horses.into_values().collect(),
            parent_horses: parent_horses.into_values().collect(),
            pedigrees: pedigrees.into_values().collect(),
            people: people.into_values().collect(),
            sire_likes: sires.into_values().collect(),
        }
    }
}

/// The top-level array `key` of a response, or a shape error naming the request.
pub fn items<'a>(value: &'a Value, key: &str, request: &str) -> Result<&'a [Value]> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| {
            ApiError::Shape {
                request: request.to_string(),
                problem: format!("no `{key}` array in the response"),
            }
            .into()
        })
}

/// A whole `/racecards/pro` response (`{racecards:[...], total, ...}`).
pub fn parse_racecards_response(value: &Value, request: &str) -> Result<RaceBatch> {
    Ok(parse_racecards(
        items(value, "racecards", request)?,
        request,
    ))
}

/// A whole `/results` response (`{results:[...], total, ...}`).
pub fn parse_results_response(value: &Value, request: &str) -> Result<RaceBatch> {
    Ok(parse_results(items(value, "results", request)?, request))
}

/// A whole `/courses` response (`{courses:[...], total}`).
pub fn parse_courses_response(value: &Value, request: &str) -> Result<Parsed<CourseRecord>> {
    Ok(parse_courses(items(value, "courses", request)?, request))
}
