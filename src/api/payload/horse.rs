//! `/v1/horses/{id}/pro`: one horse profile with its pedigree.

use serde::Deserialize;
use serde_json::Value;

use super::records::{Endpoint, HorseRecord, PedigreeRecord, Rejected, SireKind, SireLike};
use super::scalar::{region_suffix, Reader, Scalar};

/// The profile as sent (`/standard` returns a subset of the same fields, so it parses too).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HorsePro {
    pub id: Scalar,
    pub name: Scalar,
    pub sex: Scalar,
    pub sex_code: Scalar,
    pub colour: Scalar,
    pub colour_code: Scalar,
    pub dob: Scalar,
    pub breeder: Scalar,
    pub sire: Scalar,
    pub sire_id: Scalar,
    pub dam: Scalar,
    pub dam_id: Scalar,
    pub damsire: Scalar,
    pub damsire_id: Scalar,
}

/// A parsed profile: the horse, its pedigree row, and its sire/dam/damsire.
#[derive(Debug, Clone, PartialEq)]
pub struct HorseProfile {
    pub horse: HorseRecord,
    pub pedigree: PedigreeRecord,
    pub sire_likes: Vec<SireLike>,
    pub warnings: Vec<String>,
}

/// The outcome of a horse lookup: absence (404) is an answer, not an error.
#[derive(Debug, Clone, PartialEq)]
pub enum HorseLookup {
    Found(Box<HorseProfile>),
    Absent,
    /// The API answered, but not with a usable profile; quarantine it.
    Rejected(Rejected),
}

/// Parses one profile. There is no `region` field: the name suffix (`Flaggan (IRE)`) supplies it.
pub fn parse_horse_pro(value: &Value, request: &str) -> Result<HorseProfile, Rejected> {
    let reject = |error: String| Rejected {
        endpoint: Endpoint::HorsePro.path().to_string(),
        request: request.to_string(),
        raw_json: value.to_string(),
        error,
    };
    let raw = HorsePro::deserialize(value).map_err(|e| reject(format!("horse profile: {e}")))?;
    let id = raw
        .id
        .text()
        .ok_or_else(|| reject("horse profile has no id".into()))?;
    let mut warnings = Vec::new();
    let mut r = Reader {
        context: format!("horses/{id}/pro"),
        warnings: &mut warnings,
    };
    let name = raw.name.text();
    let region = name.as_deref().and_then(region_suffix);
    let horse = HorseRecord {
        id: id.clone(),
        name,
        dob: r.date("dob", &raw.dob),
        age: None,
        sex: raw.sex.text(),
        sex_code: raw.sex_code.text(),
        colour: raw.colour.text(),
        colour_code: raw.colour_code.text(),
        breeder: raw.breeder.text(),
        region: region.clone(),
        sire_id: raw.sire_id.text(),
        dam_id: raw.dam_id.text(),
        damsire_id: raw.damsire_id.text(),
    };
    let pedigree = PedigreeRecord {
        horse_id: id,
        sire_id: raw.sire_id.text(),
        sire: raw.sire.text(),
        dam_id: raw.dam_id.text(),
        dam: raw.dam.text(),
        damsire_id: raw.damsire_id.text(),
        damsire: raw.damsire.text(),
        breeder: raw.breeder.text(),
        region,
    };
    let sire_likes = [
        (SireKind::Sire, &raw.sire_id, &raw.sire),
        (SireKind::Dam, &raw.dam_id, &raw.dam),
        (SireKind::Damsire, &raw.damsire_id, &raw.damsire),
    ]
    .into_iter()
    .filter_map(|(kind, id, name)| Some(SireLike::new(kind, id.text()?, name.text(), None)))
    .collect();
    Ok(HorseProfile {
        horse,
        pedigree,
        sire_likes,
        warnings,
    })
}
