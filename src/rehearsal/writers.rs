//! Background writers for the rehearsal and the benchmarks, each in a thread of its own, timing
//! every write transaction so a phase step can report what it cost the people writing meanwhile:
//! - [`Writer::sql`]: plain SQL on the old tables (updates, inserts, deletes), as the legacy
//!   statistics function and manual fixes do; its transactions are tiny, so their duration is the
//!   lock wait they suffer;
//! - [`Writer::fetcher`]: the built-in fetchers' write path with the synthetic source, a new race
//!   day per round (racecards, then results), writing old, both or new tables as the phase says.

use crate::api::synthetic::Synthetic;
use crate::api::Source;
use crate::fetch::batches::CourseBook;
use crate::fetch::ingest::Ingest;
use crate::fetch::tx::BatchContext;
use crate::pg::db;
use crate::schema::mapping::Mapping;
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
    /// Fetcher only: races and runners (race id, horse id) it wrote.
    races: BTreeSet<String>,
    runners: BTreeSet<(String, String)>,
}

/// What a writer did, once stopped.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub writes: u64,
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

    /// The built-in fetchers' write path from the synthetic source: racecards then results of a
    /// new race day per round, starting at `first_day`, one transaction per batch, a pause of
    /// `pause` between batches. Each batch's duration is recorded (its own work included).
    pub fn fetcher(
        url: String,
        schema: String,
        mapping: Mapping,
        first_day: NaiveDate,
        pause: Duration,
    ) -> Writer {
        Writer::spawn(move |rec| {
            let mut c = match connect(&url, &schema, "demo fetcher") {
                Ok(c) => c,
                Err(e) => return rec.record(Duration::ZERO, &Err(e)),
            };
            let source = Synthetic::new(7);
            let regions = vec!["gb".to_string(), "ire".to_string()];
            let mut book = CourseBook::default();
            match source.fetch_courses(&regions) {
                Ok(courses) => book.add(&courses.records),
                Err(e) => return rec.record(Duration::ZERO, &Err(e)),
            }
            let mut ingest = Ingest::new(&mut c, mapping, &schema, "synthetic");
            let mut date = first_day;
            while rec.running() {
                for endpoint in ["racecards/pro", "results"] {
                    if !rec.running() {
                        break;
                    }
                    let batch = if endpoint == "results" {
                        source.fetch_results(date, &regions)
                    } else {
                        source.fetch_racecards(date, &regions)
                    };
                    let batch = match batch.with_context(|| format!("{endpoint} of {date}")) {
                        Ok(b) => b,
                        Err(e) => {
                            rec.record(Duration::ZERO, &Err(e));
                            continue;
                        }
                    };
                    let ctx = BatchContext {
                        endpoint: endpoint.to_string(),
                        request: format!("synthetic {endpoint} {date}"),
                        label: format!("{endpoint} of {date}"),
                    };
                    let t = Instant::now();
                    let r = ingest
                        .race_batch(&batch, &book, &ctx)
                        .with_context(|| format!("writing {endpoint} of {date}"));
                    let took = t.elapsed();
                    let r = match r {
                        Ok(o) if o.quarantined > 0 => Err(anyhow::anyhow!(
                            "{endpoint} of {date}: {} synthetic record(s) quarantined",
                            o.quarantined
                        )),
                        Ok(_) => {
                            rec.wrote(
                                batch.races.iter().map(|r| r.race_id.clone()),
                                batch
                                    .runners
                                    .iter()
                                    .map(|r| (r.race_id.clone(), r.horse_id.clone()))
                                    .collect(),
                            );
                            Ok(())
                        }
                        Err(e) => Err(e),
                    };
                    rec.record(took, &r);
                    std::thread::sleep(pause);
                }
                date = date.succ_opt().unwrap_or(date);
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

fn connect(url: &str, schema: &str, who: &str) -> Result<postgres::Client> {
    let mut c = db::connect(url, who)?;
    c.batch_execute(&format!(
        "SET search_path TO {}",
        crate::schema::quote::ident(schema)
    ))
    .with_context(|| format!("setting search_path to schema {schema}"))?;
    Ok(c)
}
