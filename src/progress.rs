//! Progress of long work: bars per table and overall (rows, rows/s, ETA) on a terminal, plain log
//! lines elsewhere (CI, cron, pipes), at most one line per table every few seconds.

use crate::phase::copy::CopyProgress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Picks bars or log lines depending on whether stderr is a terminal.
pub fn for_stderr() -> Box<dyn CopyProgress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Lines::default())
    }
}

pub struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(style());
        overall.set_prefix("all tables");
        Bars {
            multi,
            overall,
            bars: Mutex::new(BTreeMap::new()),
        }
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>22} [{bar:30}] {pos}/{len} rows  {per_sec}  eta {eta}")
        .expect("valid template")
        .progress_chars("=> ")
}

impl CopyProgress for Bars {
    fn start(&self, table: &str, total: u64, done: u64) {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(style());
        bar.set_prefix(table.to_string());
        bar.set_position(done.min(total));
        self.overall.inc_length(total);
        self.overall.inc(done.min(total));
        self.bars
            .lock()
            .expect("progress lock")
            .insert(table.into(), bar);
    }

    fn advance(&self, table: &str, rows: u64) {
        if let Some(b) = self.bars.lock().expect("progress lock").get(table) {
            let room = b.length().unwrap_or(0).saturating_sub(b.position());
            b.inc(rows.min(room));
            self.overall.inc(rows.min(room));
        }
    }

    fn finish(&self, table: &str) {
        if let Some(b) = self.bars.lock().expect("progress lock").get(table) {
            let room = b.length().unwrap_or(0).saturating_sub(b.position());
            self.overall.inc(room);
            b.finish();
        }
    }
}

#[derive(Default)]
pub struct Lines {
    tables: Mutex<BTreeMap<String, (u64, u64, Instant, Instant)>>, // total, done, started, last line
}

impl CopyProgress for Lines {
    fn start(&self, table: &str, total: u64, done: u64) {
        tracing::info!(table, total, done, "backfill started");
        let now = Instant::now();
        self.tables
            .lock()
            .expect("progress lock")
            .insert(table.into(), (total, done, now, now));
    }

    fn advance(&self, table: &str, rows: u64) {
        let mut tables = self.tables.lock().expect("progress lock");
        if let Some((total, done, started, last)) = tables.get_mut(table) {
            *done = (*done + rows).min(*total);
            if last.elapsed() >= Duration::from_secs(5) {
                *last = Instant::now();
                let rate = *done as f64 / started.elapsed().as_secs_f64().max(0.001);
                tracing::info!(
                    table,
                    done = *done,
                    total = *total,
                    rows_per_sec = rate as u64,
                    "backfill progress"
                );
            }
        }
    }

    fn finish(&self, table: &str) {
        let tables = self.tables.lock().expect("progress lock");
        if let Some((total, _, started, _)) = tables.get(table) {
            tracing::info!(
                table,
                total = *total,
                seconds = started.elapsed().as_secs_f64(),
                "backfill done"
            );
        }
    }
}

/// Swallows progress (tests, library callers that report on their own).
pub struct Silent;

impl CopyProgress for Silent {
    fn start(&self, _: &str, _: u64, _: u64) {}
    fn advance(&self, _: &str, _: u64) {}
    fn finish(&self, _: &str) {}
}
