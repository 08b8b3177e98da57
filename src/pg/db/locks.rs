//! The tool's advisory locks (operator, phase, the fetchers' gate) and how DDL waits for table
//! locks: `lock_timeout`, the narrow retry on lock timeouts, and who is in the way.

use anyhow::{bail, Context, Result};
use postgres::Client;
use std::time::Duration;

/// The advisory lock namespace of the tool (`ra` in ASCII).
pub const LOCK_CLASS: i32 = 0x7261;
/// Session lock held by the one running apply/rollback/purge.
pub const OPERATOR_LOCK: i32 = 1;
/// Transaction lock: writers take it shared while they read the phase; phase transitions take it
/// exclusively, so no write straddles a phase change.
pub const PHASE_LOCK: i32 = 2;
/// Session lock a phase transition holds while it waits for [`PHASE_LOCK`]: the built-in
/// fetchers pass it (shared, released at once) before they take the phase lock, so while a
/// transition waits no new batch starts and the ones in flight drain; without it, fetchers
/// writing batch after batch keep the phase lock taken and a transition never gets in.
pub const PHASE_INTENT: i32 = 3;

/// The statements that take the phase lock exclusively in a transition's transaction: close the
/// gate to new fetcher batches (a session lock, taken once however many tries), wait for the
/// batches in flight, open the gate again. A try that times out keeps the gate closed through
/// its backoff, so the next try finds the batches drained; [`open_phase_gate`] opens it when
/// the tries are over.
pub fn exclusive_phase_lock_sql() -> String {
    format!(
        "SELECT pg_advisory_lock({LOCK_CLASS}, {PHASE_INTENT}) WHERE NOT EXISTS (
             SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
             AND classid = {LOCK_CLASS} AND objid = {PHASE_INTENT} AND objsubid = 2
             AND mode = 'ExclusiveLock');
         SELECT pg_advisory_xact_lock({LOCK_CLASS}, {PHASE_LOCK});
         SELECT pg_advisory_unlock({LOCK_CLASS}, {PHASE_INTENT});"
    )
}

/// Takes a transaction's up-front locks without queueing for them, when it can: the `LOCK TABLE`
/// statements run with `NOWAIT` inside a savepoint; on a conflict the savepoint gives back what
/// they got and they run again a few milliseconds later, for up to `policy.poll`. A queued lock
/// request makes every later writer of the table queue behind it, for as long as it waits (up
/// to `lock_timeout`), and a writer that holds one of the tables while it waits for another
/// (one writing masters in another order than the tool locks them) waits out the whole
/// `lock_timeout`. A request that never queues costs writers nothing. Returns the statements
/// sent and whether the locks were taken; when not, the caller queues for them as before.
pub fn lock_without_queueing(
    tx: &mut impl postgres::GenericClient,
    statements: &[String],
    policy: &LockPolicy,
) -> Result<(Vec<String>, bool)> {
    if statements.is_empty() || policy.poll.is_zero() {
        return Ok((vec![], false));
    }
    let nowait: Vec<String> = statements
        .iter()
        .map(|s| format!("{} NOWAIT", s.trim_end().trim_end_matches(';')))
        .collect();
    for s in &nowait {
        // Every statement the tool runs is parsed first.
        crate::schema::sql::split_and_parse(s)?;
    }
    let script = format!("SAVEPOINT ra_migrate_locks; {}", nowait.join("; "));
    let deadline = std::time::Instant::now() + policy.poll;
    let mut polls = 0u32;
    loop {
        polls += 1;
        match tx.batch_execute(&script) {
            Ok(()) => {
                tx.batch_execute("RELEASE SAVEPOINT ra_migrate_locks")?;
                let mut sent = vec![format!(
                    "-- the up-front locks, with NOWAIT: taken on poll {polls}"
                )];
                sent.extend(nowait);
                return Ok((sent, true));
            }
            Err(e) if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                tx.batch_execute("ROLLBACK TO SAVEPOINT ra_migrate_locks")?;
                if std::time::Instant::now() >= deadline {
                    return Ok((
                        vec![format!(
                            "-- the up-front locks, with NOWAIT: not free on any of {polls} polls in {:?}; queueing for them",
                            policy.poll
                        )],
                        false,
                    ));
                }
                std::thread::sleep(jitter(Duration::from_millis(10)));
            }
            Err(e) => return Err(e).context("taking the up-front locks with NOWAIT"),
        }
    }
}

/// Opens the gate [`exclusive_phase_lock_sql`] closed, if a failed try left it closed.
pub fn open_phase_gate(client: &mut Client) {
    let sql = format!(
        "SELECT pg_advisory_unlock({LOCK_CLASS}, {PHASE_INTENT}) FROM pg_locks
         WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = {LOCK_CLASS}
           AND objid = {PHASE_INTENT} AND objsubid = 2 AND mode = 'ExclusiveLock'"
    );
    if let Err(e) = client.batch_execute(&sql) {
        // The session ends with the command, and the lock with it.
        tracing::warn!("reopening the fetchers' gate: {e}");
    }
}

/// How DDL waits for locks.
#[derive(Debug, Clone)]
pub struct LockPolicy {
    /// `lock_timeout` for each try.
    pub timeout: Duration,
    /// Tries after the first one.
    pub retries: u32,
    /// First pause between tries; doubles, with jitter, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long to wait, without using up tries, for an anti-wraparound autovacuum in the way.
    pub wraparound_wait: Duration,
    /// How long each try first asks for its up-front locks with `NOWAIT`, again and again, before
    /// it queues for them (see [`lock_without_queueing`]).
    pub poll: Duration,
}

impl Default for LockPolicy {
    fn default() -> Self {
        LockPolicy {
            // Below PostgreSQL's default deadlock_timeout (1 s): in a lock conflict with a writer,
            // the migration gives up and retries, the writer never becomes the victim.
            timeout: Duration::from_millis(200),
            retries: 10,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(3),
            // Generous: such a vacuum of a big table takes hours, and cancelling it only restarts it.
            wraparound_wait: Duration::from_secs(6 * 3600),
            // Long enough for the short write transactions of ordinary writers to leave gaps;
            // the fetchers wait at the phase lock meanwhile, which they are built for.
            poll: Duration::from_secs(1),
        }
    }
}

/// Takes the operator lock on this session or fails at once naming the holder.
pub fn acquire_operator_lock(client: &mut Client) -> Result<()> {
    // A just-finished operation's backend may still be exiting with the lock: a second's grace
    // tells it from one that is running.
    let grace = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let got: bool = client
            .query_one(
                "SELECT pg_try_advisory_lock($1, $2)",
                &[&LOCK_CLASS, &OPERATOR_LOCK],
            )
            .context("taking the operator lock")?
            .get(0);
        if got {
            return Ok(());
        }
        if std::time::Instant::now() >= grace {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    match operator_lock_holder(client)? {
        Some(h) => bail!(
            "another ra-migrate operation is running: held by {h}; wait for it to finish, or end that session if it is stuck"
        ),
        None => bail!("another ra-migrate operation is running (the operator lock is taken)"),
    }
}

/// Who holds the operator lock of this database, as an operator would name them.
pub fn operator_lock_holder(client: &mut Client) -> Result<Option<String>> {
    let holder = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
                    coalesce(host(a.client_addr), 'local'), a.backend_start::text
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.classid = $1::int::oid AND l.objid = $2::int::oid
               AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             LIMIT 1",
            &[&LOCK_CLASS, &OPERATOR_LOCK],
        )
        .context("looking up the holder of the operator lock")?;
    Ok(holder.map(|r| {
        format!(
            "backend pid {} ('{}', database user {}, from {}, connected since {})",
            r.get::<_, i32>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2),
            r.get::<_, String>(3),
            r.get::<_, String>(4)
        )
    }))
}

/// True when the error chain holds PostgreSQL's `lock_not_available` (55P03), the error
/// `lock_timeout` raises.
pub fn is_lock_timeout(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<postgres::Error>()
            .and_then(|pe| pe.code())
            .is_some_and(|c| *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE)
    })
}

/// Runs `attempt` until it succeeds, retrying only on lock timeouts, with doubling jittered pauses.
/// Any other error returns at once; the last lock timeout becomes a clear error.
pub fn with_lock_retry<T>(
    policy: &LockPolicy,
    what: &str,
    mut attempt: impl FnMut(u32) -> Result<T>,
) -> Result<T> {
    let mut pause = policy.backoff;
    for n in 0..=policy.retries {
        match attempt(n) {
            Ok(v) => return Ok(v),
            Err(e) if is_lock_timeout(&e) && n < policy.retries => {
                let sleep = jitter(pause);
                tracing::warn!(
                    "{what}: lock not granted within {:?} (try {} of {}); retrying in {:?}",
                    policy.timeout,
                    n + 1,
                    policy.retries + 1,
                    sleep
                );
                std::thread::sleep(sleep);
                pause = (pause * 2).min(policy.max_backoff);
            }
            Err(e) if is_lock_timeout(&e) => {
                return Err(e.context(format!(
                    "{what}: a lock was not granted within {:?} on any of {} tries; another session holds a conflicting lock (see pg_locks / pg_stat_activity); nothing was changed",
                    policy.timeout,
                    policy.retries + 1
                )))
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its last try")
}

/// A relation a try locks, and the mode it asks for in `pg_locks` spelling (`ShareRowExclusiveLock`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub schema: String,
    pub table: String,
    pub mode: &'static str,
}

/// A session holding a lock that conflicts with one a try needed, as `pg_stat_activity` shows it.
#[derive(Debug, Clone)]
pub struct Blocker {
    pub pid: i32,
    pub backend_type: String,
    pub application_name: String,
    pub state: String,
    pub query_start: String,
    pub query: String,
    pub table: String,
    pub mode: String,
    /// An autovacuum run to prevent transaction id wraparound: PostgreSQL never cancels those.
    pub wraparound: bool,
}

impl Blocker {
    pub fn is_autovacuum(&self) -> bool {
        self.backend_type == "autovacuum worker"
    }
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query: String = self
            .query
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(80)
            .collect();
        write!(
            f,
            "pid {} ({}, application '{}', {}, query started {}, holding {} on {}: {})",
            self.pid,
            self.backend_type,
            self.application_name,
            if self.state.is_empty() {
                "state unknown"
            } else {
                &self.state
            },
            if self.query_start.is_empty() {
                "?"
            } else {
                &self.query_start
            },
            self.mode,
            self.table,
            query
        )
    }
}

/// PostgreSQL's table lock modes, weakest first, and which of them each one conflicts with
/// (the table in the documentation's "Explicit Locking" chapter).
const MODES: [&str; 8] = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];
const CONFLICTS: [u8; 8] = [
    0b1000_0000,
    0b1100_0000,
    0b1111_0000,
    0b1111_1000,
    0b1110_1100,
    0b1111_1100,
    0b1111_1110,
    0b1111_1111,
];

/// Whether a lock held in mode `held` makes a request for `wanted` wait.
pub fn modes_conflict(held: &str, wanted: &str) -> bool {
    let (Some(h), Some(w)) = (
        MODES.iter().position(|m| *m == held),
        MODES.iter().position(|m| *m == wanted),
    ) else {
        return false;
    };
    CONFLICTS[w] & (1 << h) != 0
}

/// The other sessions holding, right now, a lock that conflicts with one of `needs`. A lock
/// timeout has already ended the wait, so `pg_blocking_pids` has nothing to say; the holders are
/// what is left to look at.
pub fn blockers(client: &mut Client, needs: &[Need]) -> Result<Vec<Blocker>> {
    if needs.is_empty() {
        return Ok(vec![]);
    }
    let schemas: Vec<&str> = needs.iter().map(|n| n.schema.as_str()).collect();
    let tables: Vec<&str> = needs.iter().map(|n| n.table.as_str()).collect();
    let rows = client
        .query(
            "SELECT a.pid, coalesce(a.backend_type, ''), coalesce(a.application_name, ''),
                    coalesce(a.state, ''), coalesce(a.query_start::text, ''),
                    coalesce(a.query, ''), n.nspname::text, c.relname::text, l.mode
             FROM pg_locks l
             JOIN pg_class c ON c.oid = l.relation
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_stat_activity a ON a.pid = l.pid
             JOIN unnest($1::text[], $2::text[]) AS w(schema_name, table_name)
               ON w.schema_name = n.nspname AND w.table_name = c.relname
             WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY a.pid",
            &[&schemas, &tables],
        )
        .context(
            "looking up the sessions holding conflicting locks (pg_locks, pg_stat_activity)",
        )?;
    let mut out: Vec<Blocker> = Vec::new();
    for r in rows {
        let (schema, table, mode): (String, String, String) = (r.get(6), r.get(7), r.get(8));
        let conflicts = needs
            .iter()
            .any(|n| n.schema == schema && n.table == table && modes_conflict(&mode, n.mode));
        let pid: i32 = r.get(0);
        if !conflicts || out.iter().any(|b| b.pid == pid) {
            continue;
        }
        let query: String = r.get(5);
        out.push(Blocker {
            pid,
            backend_type: r.get(1),
            application_name: r.get(2),
            state: r.get(3),
            query_start: r.get(4),
            wraparound: query.contains("(to prevent wraparound)"),
            query,
            table: format!("{schema}.{table}"),
            mode,
        });
    }
    Ok(out)
}

/// Before a try whose locks would make writers wait: cancels every ordinary autovacuum holding a
/// lock it needs. Found only after a timed-out try, a vacuum costs a whole `lock_timeout` during
/// which writers queue behind the waiting try; cancelled first, the try waits only for writers.
/// An anti-wraparound vacuum is left alone (the try then waits for it as before).
pub fn cancel_autovacuums_in_the_way(client: &mut Client, what: &str, needs: &[Need]) {
    match blockers(client, needs) {
        Ok(found) => {
            for b in found.iter().filter(|b| b.is_autovacuum() && !b.wraparound) {
                cancel_autovacuum(client, what, b);
            }
        }
        Err(e) => tracing::warn!("{what}: {e:#}"),
    }
}

/// Cancels an ordinary autovacuum in the way, as PostgreSQL itself does for a lock request that
/// waits on one for `deadlock_timeout`; the tool's `lock_timeout` is shorter, so PostgreSQL never
/// gets to. Needs the right to signal it (a superuser; a managed service's role may lack it):
/// without it, says so and lets the retries carry on.
fn cancel_autovacuum(client: &mut Client, what: &str, b: &Blocker) -> bool {
    match client.query_one("SELECT pg_cancel_backend($1)", &[&b.pid]) {
        Ok(r) if r.get::<_, bool>(0) => {
            tracing::warn!(
                "{what}: cancelled the autovacuum (pid {}) of {} that held {} (PostgreSQL cancels an autovacuum blocking a lock request after deadlock_timeout, longer than this tool's lock_timeout; it will vacuum the table again later)",
                b.pid,
                b.table,
                b.mode
            );
            true
        }
        Ok(_) => {
            tracing::warn!(
                "{what}: the autovacuum (pid {}) of {} holds {} and could not be cancelled (pg_cancel_backend returned false); retrying",
                b.pid,
                b.table,
                b.mode
            );
            false
        }
        Err(e) => {
            tracing::warn!(
                "{what}: the autovacuum (pid {}) of {} holds {} and could not be cancelled ({}): this role may not signal it (superuser needed); retrying",
                b.pid,
                b.table,
                b.mode,
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            );
            false
        }
    }
}

/// Waits for an anti-wraparound autovacuum in the way to finish, saying how far it has got; these
/// are never cancelled (PostgreSQL would only start another).
fn wait_for_wraparound_vacuum(
    client: &mut Client,
    policy: &LockPolicy,
    what: &str,
    b: &Blocker,
    waited: &mut Duration,
) -> Result<()> {
    let poll = Duration::from_secs(5);
    loop {
        let progress = client
            .query_opt(
                "SELECT p.phase, p.heap_blks_scanned, p.heap_blks_total,
                        EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = p.pid AND l.granted
                                  AND l.relation = p.relid)
                 FROM pg_stat_progress_vacuum p WHERE p.pid = $1",
                &[&b.pid],
            )
            .context("watching the anti-wraparound autovacuum (pg_stat_progress_vacuum)")?;
        let Some(p) = progress else { return Ok(()) };
        if !p.get::<_, bool>(3) {
            return Ok(());
        }
        if *waited >= policy.wraparound_wait {
            bail!(
                "{what}: an anti-wraparound autovacuum (pid {}) of {} has held {} for longer than the {:?} this tool waits; PostgreSQL must finish it to protect the database from transaction id wraparound: run the command again once it is done (see pg_stat_progress_vacuum)",
                b.pid,
                b.table,
                b.mode,
                policy.wraparound_wait
            );
        }
        // The details are null for a role that may not see them.
        let (phase, scanned, total): (Option<String>, Option<i64>, Option<i64>) =
            (p.get(0), p.get(1), p.get(2));
        let n = |v: Option<i64>| v.map_or("?".to_string(), |v| v.to_string());
        tracing::warn!(
            "{what}: waiting for an anti-wraparound autovacuum (pid {}) of {} to finish ({}, {} of {} heap blocks scanned, waited {:?}); it is not cancelled and the wait does not use up a try",
            b.pid,
            b.table,
            phase.as_deref().unwrap_or("phase unknown"),
            n(scanned),
            n(total),
            *waited
        );
        std::thread::sleep(poll);
        *waited += poll;
    }
}

/// [`with_lock_retry`] for a try on `client` that needs the locks `needs` lists (read after a
/// failed try, so it can name the statement that was waiting). After a lock timeout it looks at
/// who holds a conflicting lock: an ordinary autovacuum is cancelled (as PostgreSQL would, see
/// [`cancel_autovacuum`]), an anti-wraparound one is waited for without using up a try, and any
/// other holder is named in the error when the tries run out.
pub fn with_lock_retry_on<T>(
    client: &mut Client,
    policy: &LockPolicy,
    what: &str,
    needs: &dyn Fn() -> Vec<Need>,
    mut attempt: impl FnMut(&mut Client, u32) -> Result<T>,
) -> Result<T> {
    let mut pause = policy.backoff;
    let mut waited = Duration::ZERO;
    let mut extra_taken = false;
    let mut n = 0;
    loop {
        let e = match attempt(client, n) {
            Ok(v) => return Ok(v),
            Err(e) if is_lock_timeout(&e) => e,
            Err(e) => return Err(e),
        };
        let found = match blockers(client, &needs()) {
            Ok(b) => b,
            Err(look) => {
                tracing::warn!("{what}: {look:#}");
                vec![]
            }
        };
        if let Some(b) = found.iter().find(|b| b.is_autovacuum() && b.wraparound) {
            if let Err(w) = wait_for_wraparound_vacuum(client, policy, what, b, &mut waited) {
                return Err(e.context(format!("{w:#}")));
            }
            // The try itself counts towards the limit, so the wait is bounded even when the
            // vacuum keeps coming back between polls.
            waited += policy.timeout;
            continue;
        }
        let mut cancelled = false;
        let mut others: Vec<String> = Vec::new();
        for b in &found {
            if b.is_autovacuum() && cancel_autovacuum(client, what, b) {
                cancelled = true;
            } else {
                others.push(b.to_string());
            }
        }
        // A last try lost to an autovacuum just cancelled gets one more.
        let extra = cancelled && others.is_empty() && !extra_taken;
        if n >= policy.retries && extra {
            extra_taken = true;
            std::thread::sleep(jitter(policy.backoff));
            continue;
        }
        if n >= policy.retries {
            let held = if others.is_empty() {
                "another session holds a conflicting lock (see pg_locks / pg_stat_activity)"
                    .to_string()
            } else {
                format!("held by {}", others.join("; "))
            };
            return Err(e.context(format!(
                "{what}: a lock was not granted within {:?} on any of {} tries; {held}; the transaction of each try was rolled back",
                policy.timeout,
                policy.retries + 1
            )));
        }
        let sleep = jitter(pause);
        tracing::warn!(
            "{what}: lock not granted within {:?} (try {} of {}){}; retrying in {:?}",
            policy.timeout,
            n + 1,
            policy.retries + 1,
            if others.is_empty() {
                String::new()
            } else {
                format!(", held by {}", others.join("; "))
            },
            sleep
        );
        std::thread::sleep(sleep);
        pause = (pause * 2).min(policy.max_backoff);
        n += 1;
    }
}

/// Between half and the whole of `d`, so operators retrying together spread out.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let frac = 0.5 + f64::from(nanos % 1000) / 2000.0;
    d.mul_f64(frac)
}

/// Applies the policy's `lock_timeout` to the whole session: even reading the catalog takes
/// ACCESS SHARE locks (`pg_get_expr` opens the table), and must not queue forever behind DDL.
pub fn set_session_lock_timeout(client: &mut Client, policy: &LockPolicy) -> Result<()> {
    client
        .batch_execute(&format!(
            "SET lock_timeout = '{}ms'",
            policy.timeout.as_millis()
        ))
        .context("setting lock_timeout")
}

/// `SET LOCAL lock_timeout` text for a policy.
pub fn set_local_lock_timeout(policy: &LockPolicy) -> String {
    format!(
        "SET LOCAL lock_timeout = '{}ms'",
        policy.timeout.as_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_modes_conflict_as_postgresql_documents() {
        // an autovacuum holds SHARE UPDATE EXCLUSIVE: it stops ADD FOREIGN KEY, not writers
        assert!(modes_conflict(
            "ShareUpdateExclusiveLock",
            "ShareRowExclusiveLock"
        ));
        assert!(!modes_conflict(
            "ShareUpdateExclusiveLock",
            "RowExclusiveLock"
        ));
        assert!(modes_conflict("RowExclusiveLock", "ShareLock"));
        assert!(!modes_conflict("RowExclusiveLock", "RowExclusiveLock"));
        assert!(modes_conflict("AccessShareLock", "AccessExclusiveLock"));
        assert!(!modes_conflict("AccessShareLock", "ExclusiveLock"));
        for a in MODES {
            for b in MODES {
                assert_eq!(modes_conflict(a, b), modes_conflict(b, a), "{a} / {b}");
            }
        }
    }
}
