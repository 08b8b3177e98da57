//! Race days checked ahead: while one day is written (its statements executing on the server),
//! a second thread gathers the next days' masters and makes the checks that need no database, so
//! the client's share of that work no longer adds to the time of a fetch.
//!
//! Nothing here writes or reads the database. A day checked ahead is used only if the write's
//! transaction finds the catalog and phase the checks were made against (`Ingest::race_batch`),
//! and only on its first try; otherwise the day is checked again inside the transaction, as
//! without this module.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, OnceLock};
use std::thread::Scope;

use crate::api::RaceBatch;

use super::batches::{check_race_batch, Checked, Gathered};
use super::tx::{BatchContext, Checks, Found, Prepared, Refusals};

/// One day as checked ahead, against the tables of `prep`'s phase.
pub struct CheckedDay<'d> {
    prep: Arc<Prepared>,
    found: Found,
    gathered: &'d Gathered,
    checked: Checked<'d>,
}

impl<'d> CheckedDay<'d> {
    /// True when the checks were made against `prep` (the same catalog and compiled steps).
    pub fn made_for(&self, prep: &Prepared) -> bool {
        std::ptr::eq(Arc::as_ptr(&self.prep), prep)
    }

    pub fn into_parts(self) -> (Found, &'d Gathered, Checked<'d>) {
        (self.found, self.gathered, self.checked)
    }
}

/// Where the days' gathered masters live while their checked steps, which borrow them, are
/// passed from the checking thread to the writing one: one place per day, filled once.
pub struct Places(Vec<OnceLock<Gathered>>);

impl Places {
    pub fn new(days: usize) -> Places {
        Places((0..days).map(|_| OnceLock::new()).collect())
    }
}

/// The days checked ahead, in order.
pub struct Ahead<'d> {
    days: Receiver<Option<CheckedDay<'d>>>,
}

impl<'d> Ahead<'d> {
    /// The next day's checks; `None` when they could not be made ahead (the write makes them).
    pub fn next(&self) -> Option<CheckedDay<'d>> {
        self.days.recv().ok().flatten()
    }
}

/// Starts checking `days` in order on a thread of `scope`, at most two days ahead of the one
/// taken last. The thread ends when every day is checked or the `Ahead` is dropped.
pub fn spawn<'scope, 'd: 'scope>(
    scope: &'scope Scope<'scope, '_>,
    prep: Arc<Prepared>,
    days: &'d [(&'d RaceBatch, BatchContext)],
    places: &'d Places,
) -> Ahead<'d> {
    let (send, receive) = sync_channel(1);
    scope.spawn(move || {
        let none = Refusals::new();
        for ((batch, ctx), place) in days.iter().zip(&places.0) {
            let gathered = place.get_or_init(|| Gathered::of(batch));
            let mut checks = Checks::new(&prep, ctx, &none);
            // a check that fails (a table the phase lacks, say) fails again in the write, with
            // the write's context: nothing to report from here
            let day = check_race_batch(&mut checks, batch, gathered)
                .ok()
                .map(|checked| CheckedDay {
                    prep: prep.clone(),
                    found: checks.into_found(),
                    gathered,
                    checked,
                });
            if send.send(day).is_err() {
                break;
            }
        }
    });
    Ahead { days: receive }
}
