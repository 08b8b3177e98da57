//! Background writers for the rehearsal and the benchmarks, each in a thread of its own, timing
//! every write transaction so a phase step can report what it cost the people writing meanwhile:
//! - [`Writer::sql`]: plain SQL on the old tables (updates, inserts, deletes), as the legacy
//!   statistics function and manual fixes do; its transactions are tiny, so their duration is the
//!   lock wait they suffer;
//! - [`Writer::worker`]: `ra-migrate worker` over simulated race days with the synthetic source
//!   (racecards, then results, a new day per round), through the fetchers' phase-aware write path,
//!   writing old, both or new tables as the phase says.

use crate::api::synthetic::Synthetic;
use crate::api::Source;
use crate::fetch::source::CountedSynthetic;
use crate::pg::db;
use crate::schema::mapping::Mapping;
use crate::worker::schedule::{Kind, Schedule};
use crate::worker::SlotReport;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A writer running in the background until [`Writer::stop`].
pub struct Writer {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<Stats>>,
    handle: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Stats {
    writes: u64,
    errors: u64,
    max_wait: Duration,
    window_errors: u64,
    window_max: Duration,
    last_error: Option<String>,
    /// Worker only: write transactions of its slots, and the races and runners (race id, horse
    /// id) it wrote.
    batches: u64,
    races: BTreeSet<String>,
    runners: BTreeSet<(String, String)>,
}

/// What a writer did, once stopped.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Write transactions (the worker: slots, each a job's batches for one day).
    pub writes: u64,
    /// The worker: the batches (write transactions) of its slots.
    pub batches: u64,
    pub errors: u64,
    pub max_wait: Duration,
    pub last_error: Option<String>,
    pub races: BTreeSet<String>,
    pub runners: BTreeSet<(String, String)>,
}

/// Handed to a writer's loop: whether to go on, and where its transactions are counted.
struct Recorder {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<Stats>>,
}

impl Recorder {
    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    fn record(&self, took: Duration, result: &Result<()>) {
        let mut s = self.stats.lock().expect("writer stats");
        s.writes += 1;
        s.max_wait = s.max_wait.max(took);
        s.window_max = s.window_max.max(took);
        if let Err(e) = result {
            s.errors += 1;
            s.window_errors += 1;
            s.last_error = Some(format!("{e:#}"));
        }
    }

    fn batches(&self, n: u64) {
        self.stats.lock().expect("writer stats").batches += n;
    }

    fn wrote(&self, races: impl IntoIterator<Item = String>, runners: Vec<(String, String)>) {
        let mut s = self.stats.lock().expect("writer stats");
        s.races.extend(races);
        s.runners.extend(runners);
    }
}

impl Writer {
    fn spawn(body: impl FnOnce(&Recorder) + Send + 'static) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(Stats::default()));
        let recorder = Recorder {
            stop: stop.clone(),
            stats: stats.clone(),
        };
        let handle = std::thread::spawn(move || body(&recorder));
        Writer {
            stop,
            stats,
            handle: Some(handle),
        }
    }

    /// Plain SQL on the old masters (the new ones once phase 5 archived the old): a small write
    /// transaction every 20 ms.
    pub fn sql(url: String, schema: String) -> Writer {
        Writer::spawn(move |rec| {
            let mut c = match connect(&url, &schema, "outside writer") {
                Ok(c) => c,
                Err(e) => return rec.record(Duration::ZERO, &Err(e)),
            };
            let mut i: i64 = 0;
            while rec.running() {
                i += 1;
                let t = Instant::now();
                // Its own work stays cheap so its duration is the wait it suffers: it deletes
                // horses, not owners (an owner's delete checks ra_runners.owner_id, which has no
                // index: a scan of every runner, 0.3 s at production size, migration or not).
                let mut r = Ok(());
                for infix in ["", "mst_"] {
                    r = c.batch_execute(&format!(
                        "BEGIN;
                         UPDATE ra_{infix}jockeys SET total_rides = coalesce(total_rides, 0) + 1, stats_updated_at = now()
                           WHERE id = 'jky_{j}';
                         INSERT INTO ra_{infix}horses (id, name, region) VALUES ('hrs_demo_{i}', 'Demo Horse {i}', 'gb');
                         DELETE FROM ra_{infix}horses WHERE id = 'hrs_demo_{p}';
                         INSERT INTO ra_{infix}owners (id, name) VALUES ('own_demo_{i}', 'Demo Owner {i}');
                         UPDATE ra_{infix}owners SET name = 'Demo Owner {p} (renamed)' WHERE id = 'own_demo_{p}';
                         COMMIT;",
                        j = 1 + i % 3,
                        p = i - 1
                    ));
                    match &r {
                        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => {
                            let _ = c.batch_execute("ROLLBACK");
                        }
                        _ => break,
                    }
                }
                let took = t.elapsed();
                let r = r.map_err(|e| anyhow::Error::from(e).context("outside write transaction"));
                if r.is_err() {
                    let _ = c.batch_execute("ROLLBACK");
                }
                rec.record(took, &r);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    }

    /// The worker (`ra-migrate worker --once --now "DAY 23:30"`, through its Rust API) with the
    /// synthetic source, one simulated race day after another from `first_day`: the day's
    /// racecards, then its results, through the fetchers' phase-aware write path, writing old, both
    /// or new tables as the phase says; a pause of `pause` between days. Each slot is one record
    /// (its duration: the batches of one job for one day, waits for the phase lock included); a
    /// slot that fails or quarantines a synthetic record is an error. The races and runners of
    /// the slots that succeeded are what the worker wrote, regenerated from the same seed.
    pub fn worker(
        url: String,
        schema: String,
        mapping: Mapping,
        first_day: NaiveDate,
        pause: Duration,
    ) -> Writer {
        Writer::spawn(move |rec| {
            const SEED: u64 = 7;
            let schedule = match Schedule::parse(FETCH_DAYS, "the demo fetcher's schedule") {
                Ok(s) => s,
                Err(e) => return rec.record(Duration::ZERO, &Err(e)),
            };
            let source = CountedSynthetic::new(SEED);
            let mut w = match crate::worker::simulated(
                &url,
                &schema,
                &mapping,
                &schedule,
                &source,
                "demo fetcher",
            ) {
                Ok(w) => w,
                Err(e) => return rec.record(Duration::ZERO, &Err(e)),
            };
            let oracle = Synthetic::new(SEED);
            let mut date = first_day;
            while rec.running() {
                let t = Instant::now();
                match w
                    .simulated_day(date)
                    .with_context(|| format!("the worker's simulated day {date}"))
                {
                    Ok(slots) => {
                        for slot in &slots {
                            let r = wrote_by(slot, &schedule, &oracle, &w.regions);
                            if let Ok((races, runners)) = &r {
                                rec.wrote(races.clone(), runners.clone());
                            }
                            rec.batches(slot.counts["batches"].as_u64().unwrap_or(0));
                            rec.record(Duration::from_secs_f64(slot.seconds), &r.map(|_| ()));
                        }
                    }
                    Err(e) => rec.record(t.elapsed(), &Err(e)),
                }
                std::thread::sleep(pause);
                date = date.succ_opt().unwrap_or(date);
            }
            if let Err(e) = w.finish() {
                rec.record(Duration::ZERO, &Err(e));
            }
        })
    }

    /// Starts a new measurement window.
    pub fn reset_window(&self) {
        let mut s = self.stats.lock().expect("writer stats");
        s.window_errors = 0;
        s.window_max = Duration::ZERO;
    }

    /// The longest write transaction and the errors since the window started.
    pub fn window(&self) -> (Duration, u64) {
        let s = self.stats.lock().expect("writer stats");
        (s.window_max, s.window_errors)
    }

    /// Stops writing and says what was done.
    pub fn stop(mut self) -> Totals {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let mut s = self.stats.lock().expect("writer stats");
        Totals {
            writes: s.writes,
            batches: s.batches,
            errors: s.errors,
            max_wait: s.max_wait,
            last_error: s.last_error.clone(),
            races: std::mem::take(&mut s.races),
            runners: std::mem::take(&mut s.runners),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The demo fetcher's day: racecards in the morning, results after racing (no enrichment and no
/// consistency check: the simulated week of dual writes runs those).
const FETCH_DAYS: &str = r#"
timezone = "Europe/London"
catch_up_days = 1
[[job]]
name = "racecards"
kind = "racecards"
every = "day"
at = "07:00"
[[job]]
name = "results"
kind = "results"
every = "day"
at = "22:30"
"#;

type Written = (Vec<String>, Vec<(String, String)>);

/// The races and runners a succeeded slot wrote: its dates' batches from the same synthetic
/// world. A failed slot, or one that quarantined a record, is an error (a synthetic record is
/// always valid).
fn wrote_by(
    slot: &SlotReport,
    schedule: &Schedule,
    oracle: &Synthetic,
    regions: &[String],
) -> Result<Written> {
    if slot.outcome != "succeeded" {
        anyhow::bail!(
            "{} of {}: {}",
            slot.job,
            slot.slot,
            slot.error.as_deref().unwrap_or(&slot.outcome)
        );
    }
    if slot.quarantined > 0 {
        anyhow::bail!(
            "{} of {}: {} synthetic record(s) quarantined",
            slot.job,
            slot.slot,
            slot.quarantined
        );
    }
    let kind = schedule.job(&slot.job).map(|j| j.kind);
    let mut out: Written = Default::default();
    for d in slot.counts["dates"].as_array().into_iter().flatten() {
        let date: NaiveDate = d
            .as_str()
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("reading the dates of slot {}", slot.job))?;
        let batch = match kind {
            Some(Kind::Racecards) => oracle.fetch_racecards(date, regions)?,
            Some(Kind::Results) => oracle.fetch_results(date, regions)?,
            _ => continue,
        };
        out.0.extend(batch.races.iter().map(|r| r.race_id.clone()));
        out.1.extend(
            batch
                .runners
                .iter()
                .map(|r| (r.race_id.clone(), r.horse_id.clone())),
        );
    }
    Ok(out)
}

fn connect(url: &str, schema: &str, who: &str) -> Result<postgres::Client> {
    let mut c = db::connect(url, who)?;
    c.batch_execute(&format!(
        "SET search_path TO {}",
        crate::schema::quote::ident(schema)
    ))
    .with_context(|| format!("setting search_path to schema {schema}"))?;
    Ok(c)
}
