//! Progress of a long fetch: a live bar on a terminal (indicatif), plain `tracing` lines
//! otherwise (cron, CI, a pipe), one per batch.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::source::Meter;
use super::Tally;

/// The state after one batch (or one request, for profiles).
pub struct Tick<'a> {
    /// What was just done, e.g. `racecards of 2025-10-13`.
    pub label: &'a str,
    pub meter: Meter,
    pub tally: &'a Tally,
    pub quarantined: u64,
}

pub trait Progress {
    fn begin(&mut self, what: &str, steps: u64);
    fn step(&mut self, tick: &Tick);
    fn end(&mut self);
}

/// No output (library callers, tests, the benchmark).
pub struct Silent;

impl Progress for Silent {
    fn begin(&mut self, _: &str, _: u64) {}
    fn step(&mut self, _: &Tick) {}
    fn end(&mut self) {}
}

fn rate(n: u64, since: Instant) -> f64 {
    let secs = since.elapsed().as_secs_f64();
    if secs > 0.0 {
        n as f64 / secs
    } else {
        0.0
    }
}

fn line(t: &Tick, since: Instant) -> String {
    format!(
        "requests {} (retries {}) · races {} · runners {} · {:.0} runners/s · quarantined {}",
        t.meter.requests,
        t.meter.retries,
        t.tally.races,
        t.tally.runners,
        rate(t.tally.runners, since),
        t.quarantined
    )
}

/// `tracing::info!` per step.
pub struct LogProgress {
    what: String,
    started: Instant,
    /// When the last step line was written.
    last: Option<Instant>,
}

impl Progress for LogProgress {
    fn begin(&mut self, what: &str, steps: u64) {
        self.what = what.to_string();
        self.started = Instant::now();
        self.last = None;
        tracing::info!("fetching {what}: {steps} step(s)");
    }

    fn step(&mut self, t: &Tick) {
        // a line per batch would flood a log at thousands of batches: one every few seconds
        if self
            .last
            .is_some_and(|l| l.elapsed() < Duration::from_secs(3))
        {
            return;
        }
        self.last = Some(Instant::now());
        tracing::info!("{}: {}", t.label, line(t, self.started));
    }

    fn end(&mut self) {
        // `run` ends the progress again after an error: say it once
        if !self.what.is_empty() {
            tracing::info!(
                "{} done in {:.1}s",
                self.what,
                self.started.elapsed().as_secs_f64()
            );
            self.what.clear();
        }
    }
}

/// A bar on stderr.
pub struct BarProgress {
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Progress for BarProgress {
    fn begin(&mut self, what: &str, steps: u64) {
        let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{spinner} {prefix} [{bar:25}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        self.started = Instant::now();
        self.bar = Some(bar);
    }

    fn step(&mut self, t: &Tick) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{} · {}", t.label, line(t, self.started)));
        }
    }

    fn end(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A bar when stderr is a terminal, log lines otherwise.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(BarProgress {
            bar: None,
            started: Instant::now(),
        })
    } else {
        Box::new(LogProgress {
            what: String::new(),
            started: Instant::now(),
            last: None,
        })
    }
}
