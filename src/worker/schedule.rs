//! The worker's schedule as data (`phases/schedule.toml`): which jobs run when, in UK wall-clock
//! time, and the slots (job, instant) a moment makes due.

use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::Deserialize;

const BUILT_IN: &str = include_str!("../../phases/schedule.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    timezone: String,
    #[serde(default = "default_catch_up")]
    catch_up_days: u32,
    #[serde(default)]
    retry: Retry,
    #[serde(rename = "job")]
    jobs: Vec<Job>,
}

fn default_catch_up() -> u32 {
    7
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub first_secs: u64,
    pub max_secs: u64,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            first_secs: 300,
            max_secs: 3600,
        }
    }
}

impl Retry {
    /// The wait before attempt `attempts + 1`, after `attempts` failed ones.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.clamp(1, 20) - 1;
        let secs = self
            .first_secs
            .saturating_mul(1u64 << doublings)
            .min(self.max_secs.max(self.first_secs));
        Duration::seconds(secs as i64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Racecards,
    Results,
    Enrichment,
    /// The weekly pass: horses whose profile is missing, stale or was absent, and people.
    Profiles,
    Reference,
    Consistency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Hour,
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub name: String,
    pub kind: Kind,
    /// Timed jobs: how often. A job without it runs `after` another, in the same slot.
    pub every: Option<Every>,
    /// `HH:MM` (day, week, month) or `:MM` (hour), in the schedule's time zone.
    pub at: Option<String>,
    pub weekday: Option<String>,
    pub day: Option<u32>,
    pub after: Option<String>,
    #[serde(default)]
    pub days_ahead: u32,
    #[serde(default)]
    pub days_back: u32,
    pub limit: Option<usize>,
    pub recheck_absent_days: Option<u32>,
}

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub tz: Tz,
    pub catch_up_days: u32,
    pub retry: Retry,
    pub jobs: Vec<Job>,
}

/// One run of a job: its slot is the scheduled instant (a follower shares its leader's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub at: DateTime<Utc>,
    pub job: String,
}

impl Schedule {
    pub fn built_in() -> Result<Schedule> {
        Schedule::parse(BUILT_IN, "the built-in phases/schedule.toml")
    }

    pub fn load(path: Option<&Path>) -> Result<Schedule> {
        match path {
            None => Schedule::built_in(),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading the schedule {}", p.display()))?;
                Schedule::parse(&text, &p.display().to_string())
            }
        }
    }

    pub fn parse(text: &str, origin: &str) -> Result<Schedule> {
        let f: File = toml::from_str(text).with_context(|| format!("reading {origin}"))?;
        let tz: Tz = f.timezone.parse().map_err(|e| {
            anyhow::anyhow!(
                "{origin}: timezone {:?} is not an IANA zone: {e}",
                f.timezone
            )
        })?;
        for (i, j) in f.jobs.iter().enumerate() {
            let what = format!("{origin}: job {:?}", j.name);
            if f.jobs[..i].iter().any(|o| o.name == j.name) {
                bail!("{what} is defined twice");
            }
            match (&j.every, &j.after) {
                (Some(_), Some(_)) => bail!("{what} has both `every` and `after`; give one"),
                (None, None) => bail!("{what} has neither `every` nor `after`"),
                (None, Some(leader)) => {
                    let l = f.jobs.iter().find(|o| &o.name == leader);
                    if l.is_none_or(|l| l.every.is_none()) {
                        bail!("{what} runs after {leader:?}, which is not a timed job of this schedule");
                    }
                }
                (Some(every), None) => {
                    at_time(j, *every).with_context(|| what.clone())?;
                    if *every == Every::Week {
                        weekday(j).with_context(|| what.clone())?;
                    }
                    if *every == Every::Month && !matches!(j.day, Some(1..=28)) {
                        bail!("{what}: a monthly job needs `day` between 1 and 28");
                    }
                }
            }
        }
        Ok(Schedule {
            tz,
            catch_up_days: f.catch_up_days,
            retry: f.retry,
            jobs: f.jobs,
        })
    }

    pub fn job(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.name == name)
    }

    /// Jobs that run right after `leader`, in file order.
    pub fn followers(&self, leader: &str) -> Vec<&Job> {
        self.jobs
            .iter()
            .filter(|j| j.after.as_deref() == Some(leader))
            .collect()
    }

    /// The UK calendar date of an instant.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Every slot of the timed jobs in `(since, until]`, oldest first.
    pub fn slots(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Vec<Slot> {
        let mut out = Vec::new();
        for j in &self.jobs {
            let Some(every) = j.every else { continue };
            let first = self.local_date(since) - Duration::days(1);
            let last = self.local_date(until);
            for day in first.iter_days().take_while(|d| *d <= last) {
                for at in self.instants(j, every, day) {
                    if at > since && at <= until {
                        out.push(Slot {
                            at,
                            job: j.name.clone(),
                        });
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// The slots due at `now`: every one of the last `catch_up`, and each job's latest one however
    /// far back (so `--catch-up-days 0` still runs what is due now).
    pub fn due(&self, now: DateTime<Utc>, catch_up: Duration) -> Vec<Slot> {
        let mut out = self.slots(now - catch_up, now);
        let month = self.slots(now - Duration::days(32), now);
        for j in self.jobs.iter().filter(|j| j.every.is_some()) {
            if let Some(last) = month.iter().rev().find(|s| s.job == j.name) {
                if !out.contains(last) {
                    out.push(last.clone());
                }
            }
        }
        out.sort();
        out
    }

    /// The next slot of each timed job after `now`.
    pub fn next(&self, now: DateTime<Utc>) -> Vec<Slot> {
        let mut out: Vec<Slot> = Vec::new();
        for j in self.jobs.iter().filter(|j| j.every.is_some()) {
            let horizon = now + Duration::days(32);
            if let Some(s) = self
                .slots(now, horizon)
                .into_iter()
                .find(|s| s.job == j.name)
            {
                out.push(s);
            }
        }
        out.sort();
        out
    }

    /// The instants of `job` on local date `day`.
    fn instants(&self, job: &Job, every: Every, day: NaiveDate) -> Vec<DateTime<Utc>> {
        let Ok(t) = at_time(job, every) else {
            return Vec::new();
        };
        let on = match every {
            Every::Hour | Every::Day => true,
            Every::Week => weekday(job).is_ok_and(|w| day.weekday() == w),
            Every::Month => job.day == Some(day.day()),
        };
        if !on {
            return Vec::new();
        }
        let times: Vec<NaiveTime> = if every == Every::Hour {
            (0..24)
                .filter_map(|h| NaiveTime::from_hms_opt(h, t.minute(), 0))
                .collect()
        } else {
            vec![t]
        };
        let mut out: Vec<DateTime<Utc>> = times
            .into_iter()
            .filter_map(|t| self.resolve(day.and_time(t)))
            .collect();
        // the autumn clock change repeats an hour: an hourly job still runs once per wall-clock hour
        out.dedup();
        out
    }

    /// A wall-clock time as an instant: the earlier of a repeated hour, and a time the spring
    /// clock change skips runs an hour later (06:30 never happens, 07:30 does).
    fn resolve(&self, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                self.tz
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|d| d.with_timezone(&Utc))
    }
}

fn at_time(job: &Job, every: Every) -> Result<NaiveTime> {
    let at = job
        .at
        .as_deref()
        .unwrap_or(if every == Every::Hour { ":00" } else { "00:00" });
    let parsed = if every == Every::Hour {
        at.strip_prefix(':')
            .and_then(|m| m.parse::<u32>().ok())
            .and_then(|m| NaiveTime::from_hms_opt(0, m, 0))
    } else {
        NaiveTime::parse_from_str(at, "%H:%M").ok()
    };
    parsed.with_context(|| {
        format!(
            "`at = {at:?}` is not a time: use {}",
            if every == Every::Hour {
                "\":MM\" for an hourly job"
            } else {
                "\"HH:MM\""
            }
        )
    })
}

fn weekday(job: &Job) -> Result<Weekday> {
    let w = job.weekday.as_deref().unwrap_or("");
    w.parse::<Weekday>()
        .map_err(|_| anyhow::anyhow!("a weekly job needs `weekday` (mon..sun), got {w:?}"))
}

/// `--now`: an RFC 3339 instant, or `YYYY-MM-DD HH:MM[:SS]` read as wall-clock time in `tz`.
pub fn parse_now(s: &str, tz: Tz) -> Result<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s.trim(), f) {
            return tz
                .from_local_datetime(&n)
                .earliest()
                .map(|d| d.with_timezone(&Utc))
                .with_context(|| format!("--now {s:?} does not exist in {tz} (clock change)"));
        }
    }
    bail!("--now {s:?} is not a time: use RFC 3339 (2025-10-13T07:00:00Z) or \"2025-10-13 07:00\" (UK time)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uk(s: &str) -> DateTime<Utc> {
        parse_now(s, chrono_tz::Europe::London).unwrap()
    }

    #[test]
    fn the_built_in_schedule_is_valid_and_in_uk_time() {
        let s = Schedule::built_in().unwrap();
        assert_eq!(s.tz, chrono_tz::Europe::London);
        // 07:00 UK in summer is 06:00 UTC, in winter 07:00 UTC
        let summer = s.slots(uk("2025-07-01 06:59"), uk("2025-07-01 07:00"));
        assert_eq!(summer.len(), 1, "{summer:?}");
        assert_eq!(summer[0].at.to_rfc3339(), "2025-07-01T06:00:00+00:00");
        let winter = s.slots(uk("2025-12-01 06:59"), uk("2025-12-01 07:00"));
        assert_eq!(winter[0].at.to_rfc3339(), "2025-12-01T07:00:00+00:00");
        assert_eq!(s.followers("racecards")[0].name, "enrichment");
    }

    #[test]
    fn a_week_has_seven_racecard_and_result_slots_one_weekly_and_the_month_start() {
        let s = Schedule::built_in().unwrap();
        let slots = s.slots(uk("2025-09-28 23:59"), uk("2025-10-05 23:59"));
        let n = |job: &str| slots.iter().filter(|x| x.job == job).count();
        assert_eq!((n("racecards"), n("results")), (7, 7));
        assert_eq!(n("stale-profiles"), 1);
        assert_eq!(n("reference"), 1, "1 October");
        assert_eq!(n("consistency"), 7 * 24);
        assert_eq!(n("enrichment"), 0, "followers have no slots of their own");
    }

    #[test]
    fn clock_changes_neither_skip_nor_repeat_a_daily_slot() {
        let s = Schedule::built_in().unwrap();
        // 26 October 2025: 01:00-02:00 happens twice; 30 March 2025: 01:00-02:00 never happens
        // (an hourly job has 47 wall-clock hours over the spring change: 01:15 does not exist)
        for (a, b, hourly) in [
            ("2025-10-25 12:00", "2025-10-27 12:00", 48),
            ("2025-03-29 12:00", "2025-03-31 12:00", 47),
        ] {
            let slots = s.slots(uk(a), uk(b));
            assert_eq!(slots.iter().filter(|x| x.job == "racecards").count(), 2);
            assert_eq!(
                slots.iter().filter(|x| x.job == "consistency").count(),
                hourly
            );
        }
    }

    #[test]
    fn a_bad_schedule_says_which_job_and_why() {
        let e = format!(
            "{:#}",
            Schedule::parse(
                "timezone = \"Europe/London\"\n[[job]]\nname = \"x\"\nkind = \"results\"\nevery = \"day\"\nat = \"25:00\"\n",
                "f.toml"
            )
            .unwrap_err()
        );
        assert!(e.contains("\"x\"") && e.contains("HH:MM"), "{e}");
        let e = format!(
            "{:#}",
            Schedule::parse("timezone = \"Mars/Olympus\"\njob = []\n", "f.toml").unwrap_err()
        );
        assert!(e.contains("Mars/Olympus"), "{e}");
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let r = Retry {
            first_secs: 60,
            max_secs: 300,
        };
        let secs: Vec<i64> = (1..=5).map(|a| r.backoff(a).num_seconds()).collect();
        assert_eq!(secs, [60, 120, 240, 300, 300]);
    }
}
