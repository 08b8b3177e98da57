//! `/v1/courses`: `{courses:[{id, course, region_code, region}], total}`.

use serde::Deserialize;
use serde_json::Value;

use super::records::{CourseRecord, Endpoint, Rejected};
use super::scalar::Scalar;
use super::Parsed;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawCourse {
    pub id: Scalar,
    pub course: Scalar,
    pub region_code: Scalar,
    pub region: Scalar,
}

/// Converts the `courses` array; entries without an id are rejected.
pub fn parse_courses(items: &[Value], request: &str) -> Parsed<CourseRecord> {
    let mut parsed = Parsed::default();
    for item in items {
        let reject = |error: String| Rejected {
            endpoint: Endpoint::Courses.path().to_string(),
            request: request.to_string(),
            raw_json: item.to_string(),
            error,
        };
        match RawCourse::deserialize(item) {
            Err(e) => parsed.rejected.push(reject(format!("course: {e}"))),
            Ok(raw) => match raw.id.text() {
                None => parsed.rejected.push(reject("course has no id".into())),
                Some(id) => parsed.records.push(CourseRecord {
                    id,
                    name: raw.course.text(),
                    region_code: raw.region_code.text().map(|c| c.to_lowercase()),
                    region: raw.region.text(),
                }),
            },
        }
    }
    parsed
}
