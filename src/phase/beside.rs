//! The second session: the steps a plan marks [`Step::beside`] run on a session of their own while
//! the phase's session goes on with the steps after them. Phase 3 gives it half of its copies
//! (by estimated size), then its `ANALYZE`s and verification's content comparison while the
//! phase's session validates the foreign keys: a server with a spare core does both at once.
//! A step marked [`Step::joins`], and the phase's record, wait for it; a failure there fails
//! the run like any step's.

use super::engine::{begin, needs};
use super::{backfill, copy, Plan, Step};
use crate::pg::db::{self, LockPolicy};
use crate::schema::catalog::Catalog;
use crate::schema::mapping::Mapping;
use anyhow::{anyhow, bail, Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

/// How long the second session may take to answer its first query. A session pooler whose pool
/// is full accepts the client and then holds its first query until a server connection frees up:
/// possibly never, as the first session keeps its own.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// Opens the second session on `url` and has its first query answered, or says why not: an
/// error, or no answer within [`CONNECT_WAIT`] (the attempt is left to end on its own).
pub fn connect(url: &str, purpose: &str) -> Result<postgres::Client> {
    let (send, answer) = channel();
    let (url, purpose) = (url.to_string(), purpose.to_string());
    std::thread::spawn(move || {
        let connected = db::connect(&url, &purpose).and_then(|mut client| {
            // Off the critical path (the phase's session validating the foreign keys): one
            // core, not a parallel query's workers taken from that session and the writers.
            client
                .batch_execute("SET max_parallel_workers_per_gather = 0")
                .context("the first query of the second session")?;
            Ok(client)
        });
        let _ = send.send(connected);
    });
    match answer.recv_timeout(CONNECT_WAIT) {
        Ok(connected) => connected,
        Err(_) => bail!(
            "no answer within {} s (a session pooler with no server connection to spare holds new clients)",
            CONNECT_WAIT.as_secs()
        ),
    }
}

/// What the second session did.
#[derive(Debug, Default)]
pub struct Done {
    /// What it sent, for the log.
    pub statements: Vec<String>,
    /// The content comparison's problems (empty: every master equals its new table), when it ran.
    pub compared: Option<Vec<String>>,
    /// Whether a copy committed a batch.
    pub advanced: bool,
    /// What stopped it; the steps queued after it did not run.
    pub error: Option<anyhow::Error>,
}

/// Everything the second session needs, borrowed from the run.
pub struct Work<'e> {
    pub plan: &'e Plan,
    pub schema: &'e str,
    pub mapping: &'e Mapping,
    pub lock: LockPolicy,
    pub tuning: &'e copy::Tuning,
    pub progress: &'e dyn copy::CopyProgress,
    /// Compare every master with its new table before the first step: the copies are done.
    pub compare: bool,
}

/// The running second session: steps are queued to it by index and run in order. Dropped
/// without [`Session::finish`] (the phase's session failed), it stops after the step it is on.
pub struct Session<'s> {
    send: Option<Sender<usize>>,
    handle: Option<ScopedJoinHandle<'s, Done>>,
    abandoned: Arc<AtomicBool>,
}

impl<'s> Session<'s> {
    /// Runs the session on `client`, on a thread of `scope`; it makes the comparison (if asked)
    /// at once.
    pub fn start<'e>(
        scope: &'s Scope<'s, 'e>,
        mut client: postgres::Client,
        work: Work<'e>,
    ) -> Session<'s> {
        let (send, steps) = channel::<usize>();
        let abandoned = Arc::new(AtomicBool::new(false));
        let stop = abandoned.clone();
        let handle = scope.spawn(move || {
            let what = format!(
                "the second session of {} phase {}",
                work.plan.direction.as_str(),
                work.plan.phase
            );
            let mut done = Done::default();
            let result = (|| -> Result<()> {
                if work.compare {
                    done.statements.push(
                        "-- (second session) compare every master with its new table: row count and content hash of both sides, in one snapshot taken after the last copy".into(),
                    );
                    let cat = Catalog::read(&mut client, work.schema)?;
                    done.compared = Some(
                        backfill::compare_masters(&mut client, &cat, work.mapping)
                            .with_context(|| format!("comparing the masters on {what}"))?,
                    );
                }
                // Ends when the phase's session drops its end: it has queued every step.
                for i in steps {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    run_step(&mut client, &work, i, &mut done)
                        .with_context(|| format!("on {what}"))?;
                }
                Ok(())
            })();
            done.error = result.err();
            done
        });
        Session {
            send: Some(send),
            handle: Some(handle),
            abandoned,
        }
    }

    /// Queues step `i`. A session that stopped on an error reports it from [`Session::finish`].
    pub fn queue(&self, i: usize) {
        if let Some(send) = &self.send {
            let _ = send.send(i);
        }
    }

    /// Stops it after the step it is on, and waits for that.
    pub fn abandon(self) -> Done {
        self.abandoned.store(true, Ordering::Relaxed);
        self.finish()
    }

    /// Waits until every queued step has run (or one failed).
    pub fn finish(mut self) -> Done {
        self.send = None;
        let panicked = || Done {
            error: Some(anyhow!("the second session panicked")),
            ..Done::default()
        };
        match self.handle.take() {
            Some(h) => h.join().unwrap_or_else(|_| panicked()),
            None => panicked(),
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.abandoned.store(true, Ordering::Relaxed);
        }
    }
}

/// One step: a copy's batches, or its own transaction under the same lock timeout and retry as
/// the phase's.
fn run_step(client: &mut postgres::Client, work: &Work, i: usize, done: &mut Done) -> Result<()> {
    let step: &Step = &work.plan.steps[i];
    let what = format!("step {} ({})", i + 1, step.title);
    if let Some(c) = &step.copy {
        done.statements.push(format!(
            "-- (second session) backfill {} -> {}: {}",
            c.old, c.new, c.statements[3]
        ));
        let watched = copy::Watched::new(work.progress);
        let result = copy::run(client, c, work.tuning, &work.lock, &watched);
        done.advanced |= watched.advanced();
        return result.map(|_| ()).with_context(|| what.clone());
    }
    let statements = &mut done.statements;
    let wanted = || needs(step, work.schema);
    let mut sent = Vec::new();
    let result = db::with_lock_retry_on(client, &work.lock, &what, &wanted, |client, attempt| {
        let step = step.for_try(attempt);
        if step.lock.blocks_writers() {
            db::cancel_autovacuums_in_the_way(client, &what, &needs(step, work.schema));
        }
        sent.clear();
        let mut tx = begin(client, &work.lock, false, &mut sent)?;
        sent.push(step.sql.clone());
        tx.batch_execute(&step.sql).with_context(|| what.clone())?;
        tx.commit()?;
        Ok(())
    });
    statements.push(format!("-- (second session) {what}"));
    statements.extend(sent);
    result
}
