//! Deadlock benchmark (issue 17, item 11): writers of the two names of one master during the
//! migration, measured in one run.
//!
//! `cargo bench --bench deadlock` starts a throwaway cluster, loads the legacy baseline seeded at
//! `RA_BENCH_SCALE` (default 0.01), runs `state::init` and applies phases 1 to 3 through the phase
//! engine (both names live, dual-write triggers in place, backfill done) into a template database.
//! Each variant then runs on its own clone of that template: `RA_BENCH_WRITERS` writer threads
//! (default 4, each its own connection) run single-row autocommit updates
//! (`total_wins = total_wins + 1`) of a hot set of `RA_BENCH_HOT` jockeys (default 20) for
//! `RA_BENCH_SECONDS` (default 20), and count committed transactions, deadlocks (SQLSTATE 40P01)
//! and other errors. Every writer keeps its own oracle (commits per key), so at the end the bench
//! checks that `total_wins` of every hot key moved by exactly the committed increments on both
//! sides, and that `ra_jockeys` and `ra_mst_jockeys` agree on every row (all shared columns).
//!
//! Variants:
//! - `mixed`: half the writers through `ra_jockeys`, half through `ra_mst_jockeys`, phase 2 as the
//!   tool installs it, with its write gate (statement triggers that make writers of the two names
//!   take turns per master pair);
//! - `mixed-without-gate`: the same with the gate's triggers dropped: the copy triggers alone, the
//!   design of issue 17 item 11, whose writers deadlock;
//! - `mixed-no-triggers`: every phase 2 trigger of the pair dropped: same data, indexes and foreign
//!   keys. The tables then drift apart (that is what the triggers are for): the baseline for
//!   deadlocks and speed, not for agreement;
//! - `all-old` / `all-old-without-gate`: every writer through `ra_jockeys` (the documented way
//!   until phase 4), with and without the gate: what the gate costs writers of one name;
//! - `all-new`: every writer through `ra_mst_jockeys`.
//!
//! With `RA_BENCH_PROPOSALS` unset or 1 it also measures two row-level alternatives to the gate,
//! on top of `mixed-without-gate`, installed by hand on the clone (neither is in the tool; both
//! keep deadlocking, which is why the gate is a statement trigger):
//! - `mixed+before-row-lock`: a BEFORE ROW trigger on the new master that locks the old row first;
//! - `mixed+advisory-row`: BEFORE ROW triggers on both tables taking a transaction advisory lock
//!   on a hash of the key.
//!
//! It also probes, with two sessions and no sleeps, whether the target row of an UPDATE is already
//! locked while a BEFORE ROW trigger runs (it is: `GetTupleForTrigger` locks it first), which is
//! why no row-level trigger can put the two tables' row locks in one order.
//!
//! Besides transactions per second, every variant reports the CPU its writers' server backends
//! spent per committed transaction (from `/proc`), which the neighbours on a shared machine
//! disturb far less.
//!
//! Prints a table and writes `reports/bench-deadlock.json`. `cargo test --all-targets` builds and
//! runs bench binaries without `--bench`: then this prints how to run it and exits at once.

mod common;

use common::{connect, cpu_seconds, env_or, machine};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use postgres::error::SqlState;
use postgres::Client;
use ra_migrate::pg::db::LockPolicy;
use ra_migrate::phase::dual_write::{self, REPLICATING, REVERSE_TRIGGER, TRIGGER};
use ra_migrate::phase::engine::{self, Ctx};
use ra_migrate::phase::{Direction, Phase};
use ra_migrate::rehearsal::cluster::Cluster;
use ra_migrate::schema::catalog::Catalog;
use ra_migrate::schema::mapping::Mapping;
use serde_json::json;

const OLD: &str = "ra_jockeys";
const NEW: &str = "ra_mst_jockeys";

#[derive(Clone, Copy, PartialEq)]
enum Split {
    Mixed,
    AllOld,
    AllNew,
}

impl Split {
    fn table(self, writer: usize) -> &'static str {
        match self {
            Split::Mixed if writer.is_multiple_of(2) => OLD,
            Split::Mixed | Split::AllNew => NEW,
            Split::AllOld => OLD,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Design {
    /// Phase 2's triggers as the tool installs them, write gate included.
    Shipped,
    /// Phase 2's copy triggers without the write gate (the design before it).
    NoGate,
    /// Every phase 2 trigger of the jockey pair dropped.
    NoTriggers,
    /// Rejected alternatives, each on top of `NoGate`.
    BeforeRowLock,
    AdvisoryRow,
}

struct Variant {
    name: &'static str,
    split: Split,
    design: Design,
    what: &'static str,
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "mixed",
        split: Split::Mixed,
        design: Design::Shipped,
        what: "half old name, half new name, phase 2 as shipped (with the write gate)",
    },
    Variant {
        name: "mixed-without-gate",
        split: Split::Mixed,
        design: Design::NoGate,
        what: "half old, half new, phase 2's copy triggers without the write gate (the design of the issue)",
    },
    Variant {
        name: "mixed-no-triggers",
        split: Split::Mixed,
        design: Design::NoTriggers,
        what: "half old, half new, every phase 2 trigger of the pair dropped",
    },
    Variant {
        name: "all-old",
        split: Split::AllOld,
        design: Design::Shipped,
        what: "all on the old name, phase 2 as shipped (documented way)",
    },
    Variant {
        name: "all-old-without-gate",
        split: Split::AllOld,
        design: Design::NoGate,
        what: "all on the old name, without the write gate (what the gate costs)",
    },
    Variant {
        name: "all-new",
        split: Split::AllNew,
        design: Design::Shipped,
        what: "all on the new name, phase 2 as shipped",
    },
    Variant {
        name: "mixed+before-row-lock",
        split: Split::Mixed,
        design: Design::BeforeRowLock,
        what: "rejected alternative to the gate: BEFORE ROW trigger on the new master locks the old row first",
    },
    Variant {
        name: "mixed+advisory-row",
        split: Split::Mixed,
        design: Design::AdvisoryRow,
        what: "rejected alternative to the gate: BEFORE ROW advisory xact lock on hash(key), both tables",
    },
];

/// What one writer thread saw.
#[derive(Default)]
struct Tally {
    committed: u64,
    deadlocks: u64,
    other_errors: u64,
    last_other: Option<String>,
    /// Commits per hot key: the writer's own oracle.
    per_key: Vec<u64>,
    latencies_us: Vec<u64>,
    /// CPU seconds of the writer's server backend (its statements and their triggers): on a
    /// shared machine a steadier measure of what a design costs than transactions per second.
    server_cpu: f64,
}

struct Outcome {
    tallies: Vec<(&'static str, Tally)>,
    seconds: f64,
    rows: i64,
    rows_agreeing: i64,
    hot_rows_agreeing: usize,
    oracle_mismatches: Vec<String>,
}

fn main() -> Result<()> {
    if !common::run_by_cargo_bench("deadlock", " (RA_BENCH_SECONDS=5 for a quick look)") {
        return Ok(());
    }
    let scale: f64 = env_or("RA_BENCH_SCALE", 0.01)?;
    ensure!(
        scale > 0.0 && scale <= 2.0,
        "RA_BENCH_SCALE must be in (0, 2], got {scale}"
    );
    let writers: usize = env_or("RA_BENCH_WRITERS", 4)?;
    ensure!(
        writers >= 2,
        "RA_BENCH_WRITERS must be at least 2 (half on each name)"
    );
    let seconds: u64 = env_or("RA_BENCH_SECONDS", 20)?;
    ensure!(seconds >= 1, "RA_BENCH_SECONDS must be at least 1");
    let hot: usize = env_or("RA_BENCH_HOT", 20)?;
    ensure!(hot >= 1, "RA_BENCH_HOT must be at least 1");
    let proposals: u8 = env_or("RA_BENCH_PROPOSALS", 1)?;
    let mapping = Mapping::builtin()?;
    let started = Instant::now();

    let cluster =
        Cluster::start(&Default::default()).context("starting a throwaway PostgreSQL cluster")?;
    eprintln!("seeding the legacy baseline at scale {scale} and applying phases 1-3 ...");
    let seed_url = cluster.create_database("dl_seed", None)?;
    let (pg_version, deadlock_timeout, keys, columns) = {
        let mut c = connect(&seed_url)?;
        ra_migrate::rehearsal::baseline::load_schema(&mut c)?;
        ra_migrate::rehearsal::baseline::seed(&mut c, scale)?;
        ra_migrate::state::init(&mut c, &mapping.protected)?;
        for phase in [Phase::Create, Phase::DualWrite, Phase::Backfill] {
            run_phase(&mut c, &mapping, phase)?;
        }
        c.batch_execute("VACUUM (FREEZE, ANALYZE)")?;
        let version: String = c.query_one("SHOW server_version", &[])?.get(0);
        let timeout: String = c.query_one("SHOW deadlock_timeout", &[])?.get(0);
        let keys: Vec<String> = c
            .query(
                &format!("SELECT id FROM public.{OLD} ORDER BY id LIMIT $1"),
                &[&(hot as i64)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        ensure!(
            keys.len() == hot,
            "only {} jockeys at scale {scale}, RA_BENCH_HOT is {hot}",
            keys.len()
        );
        let cat = Catalog::read(&mut c, "public")?;
        let pair = dual_write::pairs(&cat, &mapping)?
            .into_iter()
            .find(|p| p.old.name == OLD && p.new_name == NEW)
            .context("phases 1-3 left no ra_jockeys / ra_mst_jockeys pair")?;
        let columns: Vec<String> = pair.columns.iter().map(|c| cat.quote(c)).collect();
        (version, timeout, keys, columns)
    };

    eprintln!("probe: is an UPDATE's target row locked while its BEFORE ROW trigger runs ...");
    let probe_url = cluster.create_database("dl_probe", Some("dl_seed"))?;
    let locked_before_trigger = probe_before_row_lock(&probe_url, &keys[0])?;
    drop_database(&cluster, "dl_probe")?;

    let mut results = Vec::new();
    for (i, v) in VARIANTS.iter().enumerate() {
        if proposals == 0 && matches!(v.design, Design::BeforeRowLock | Design::AdvisoryRow) {
            continue;
        }
        eprintln!("{}: {} for {seconds}s ...", v.name, v.what);
        let name = format!("dl_{i}");
        let url = cluster.create_database(&name, Some("dl_seed"))?;
        let outcome = run_variant(&url, v, writers, seconds, &keys, &columns)
            .with_context(|| format!("variant {}", v.name))?;
        drop_database(&cluster, &name)?;
        results.push((v, outcome));
    }

    // ---- report ----
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "variant",
        "old/new writers",
        "committed",
        "tx/s",
        "deadlocks",
        "deadlock rate",
        "other errors",
        "p99 / max ms",
        "server CPU µs/tx",
        "rows agreeing",
        "oracle",
    ]);
    let mut json_variants = Vec::new();
    for (v, o) in &results {
        let committed: u64 = o.tallies.iter().map(|(_, t)| t.committed).sum();
        let deadlocks: u64 = o.tallies.iter().map(|(_, t)| t.deadlocks).sum();
        let other: u64 = o.tallies.iter().map(|(_, t)| t.other_errors).sum();
        let attempts = committed + deadlocks + other;
        let rate = if attempts == 0 {
            0.0
        } else {
            deadlocks as f64 / attempts as f64
        };
        let mut lat: Vec<u64> = o
            .tallies
            .iter()
            .flat_map(|(_, t)| t.latencies_us.iter().copied())
            .collect();
        lat.sort_unstable();
        let pct = |p: f64| -> f64 {
            if lat.is_empty() {
                0.0
            } else {
                lat[((lat.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0
            }
        };
        let on = |t: &str| o.tallies.iter().filter(|(n, _)| *n == t).count();
        let last_other = o.tallies.iter().find_map(|(_, t)| t.last_other.clone());
        let cpu: f64 = o.tallies.iter().map(|(_, t)| t.server_cpu).sum();
        let cpu_per_tx = if committed == 0 {
            0.0
        } else {
            cpu * 1e6 / committed as f64
        };
        table.add_row(vec![
            v.name.to_string(),
            format!("{}/{}", on(OLD), on(NEW)),
            committed.to_string(),
            format!("{:.0}", committed as f64 / o.seconds),
            deadlocks.to_string(),
            format!("{:.2}%", rate * 100.0),
            other.to_string(),
            format!("{:.1} / {:.0}", pct(0.99), pct(1.0)),
            format!("{cpu_per_tx:.0}"),
            format!(
                "{}/{} (hot {}/{})",
                o.rows_agreeing,
                o.rows,
                o.hot_rows_agreeing,
                keys.len()
            ),
            if o.oracle_mismatches.is_empty() {
                "ok".into()
            } else {
                format!("{} off", o.oracle_mismatches.len())
            },
        ]);
        json_variants.push(json!({
            "name": v.name,
            "what": v.what,
            "writers_old_name": on(OLD),
            "writers_new_name": on(NEW),
            "seconds": o.seconds,
            "committed": committed,
            "deadlocks": deadlocks,
            "other_errors": other,
            "last_other_error": last_other,
            "attempts": attempts,
            "deadlock_rate": rate,
            "deadlocks_per_1000_committed": if committed == 0 { 0.0 } else { deadlocks as f64 * 1000.0 / committed as f64 },
            "tx_per_second": committed as f64 / o.seconds,
            "latency_ms": { "p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0) },
            "server_cpu_seconds": cpu,
            "server_cpu_us_per_committed": cpu_per_tx,
            "rows": o.rows,
            "rows_agreeing": o.rows_agreeing,
            "hot_rows_agreeing": o.hot_rows_agreeing,
            "oracle_mismatches": o.oracle_mismatches,
            "per_writer": o.tallies.iter().map(|(t, w)| json!({
                "table": t, "committed": w.committed, "deadlocks": w.deadlocks, "other_errors": w.other_errors,
            })).collect::<Vec<_>>(),
        }));
    }

    let command = "cargo bench --bench deadlock";
    let report = json!({
        "command": command,
        "date": chrono::Utc::now().to_rfc3339(),
        "machine": machine(&pg_version),
        "scale": scale,
        "writers": writers,
        "seconds_per_variant": seconds,
        "hot_keys": keys.len(),
        "workload": format!("autocommit UPDATE <table> SET total_wins = total_wins + 1, updated_at = clock_timestamp() WHERE id = <random hot key>; old table {OLD}, new table {NEW}"),
        "deadlock_timeout": deadlock_timeout,
        "deadlock_rate": "deadlocks / (committed + deadlocks + other errors)",
        "rows_agreeing": format!("rows of {OLD} FULL JOIN {NEW} on id whose shared columns are all equal, over all rows"),
        "oracle": "per hot key: total_wins moved by exactly the committed increments (both sides with triggers; each side by its own writers without)",
        "probe_update_target_locked_before_before_row_trigger": locked_before_trigger,
        "variants": json_variants,
        "total_seconds": started.elapsed().as_secs_f64(),
    });
    let path = common::write_report("deadlock", &report)?;

    println!(
        "deadlock benchmark: {writers} writers, {seconds}s per variant, {} hot jockeys, scale {scale}, PostgreSQL {pg_version}, deadlock_timeout {deadlock_timeout}",
        keys.len()
    );
    println!("{table}");
    println!(
        "probe: an UPDATE's target row is {} when its BEFORE ROW trigger runs",
        if locked_before_trigger {
            "already locked"
        } else {
            "NOT yet locked"
        }
    );
    for (v, o) in &results {
        for m in o.oracle_mismatches.iter().take(3) {
            println!("{}: {m}", v.name);
        }
    }
    println!(
        "written to {} ({:.0}s in all)",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    cluster.stop();
    Ok(())
}

fn run_variant(
    url: &str,
    v: &Variant,
    writers: usize,
    seconds: u64,
    keys: &[String],
    columns: &[String],
) -> Result<Outcome> {
    let mut c = connect(url)?;
    install(&mut c, v.design)?;
    let before = |c: &mut Client, table: &str| -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for k in keys {
            let n: Option<i32> = c
                .query_one(
                    &format!("SELECT total_wins FROM public.{table} WHERE id = $1"),
                    &[k],
                )
                .with_context(|| format!("reading {table} {k}"))?
                .get(0);
            out.push(n.unwrap_or(0) as i64);
        }
        Ok(out)
    };
    let (old0, new0) = (before(&mut c, OLD)?, before(&mut c, NEW)?);

    let barrier = Arc::new(Barrier::new(writers + 1));
    let mut elapsed = Duration::ZERO;
    let tallies: Vec<(&'static str, Tally)> = std::thread::scope(|s| -> Result<_> {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let table = v.split.table(w);
                let barrier = barrier.clone();
                let url = url.to_string();
                s.spawn(move || {
                    writer(
                        &url,
                        table,
                        keys,
                        seconds,
                        0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1),
                        &barrier,
                    )
                    .map(|t| (table, t))
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        let out = handles
            .into_iter()
            .map(|h| h.join().expect("a writer thread panicked"))
            .collect::<Result<Vec<_>>>()?;
        elapsed = t.elapsed();
        Ok(out)
    })?;

    // The oracle: what every writer committed per key, against what each side holds now.
    let (old1, new1) = (before(&mut c, OLD)?, before(&mut c, NEW)?);
    let mut mismatches = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let by = |t: &str| -> i64 {
            tallies
                .iter()
                .filter(|(n, _)| *n == t)
                .map(|(_, w)| w.per_key[i] as i64)
                .sum()
        };
        let all = by(OLD) + by(NEW);
        let (want_old, want_new) = if v.design == Design::NoTriggers {
            (old0[i] + by(OLD), new0[i] + by(NEW))
        } else {
            (old0[i] + all, new0[i] + all)
        };
        if old1[i] != want_old || new1[i] != want_new {
            mismatches.push(format!(
                "{k}: total_wins old {} (expected {want_old}), new {} (expected {want_new})",
                old1[i], new1[i]
            ));
        }
    }
    let agree = columns
        .iter()
        .map(|col| format!("o.{col} IS NOT DISTINCT FROM n.{col}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let row = c.query_one(
        &format!(
            "SELECT count(*), count(*) FILTER (WHERE {agree}), \
                    count(*) FILTER (WHERE {agree} AND coalesce(o.id, n.id) = ANY($1)) \
             FROM public.{OLD} o FULL JOIN public.{NEW} n ON n.id = o.id"
        ),
        &[&keys],
    )?;
    Ok(Outcome {
        tallies,
        seconds: elapsed.as_secs_f64(),
        rows: row.get(0),
        rows_agreeing: row.get(1),
        hot_rows_agreeing: row.get::<_, i64>(2) as usize,
        oracle_mismatches: mismatches,
    })
}

/// One writer: single-row autocommit updates of random hot keys through `table` until the time
/// is up; every statement either commits (and is counted per key) or is rolled back.
fn writer(
    url: &str,
    table: &str,
    keys: &[String],
    seconds: u64,
    seed: u64,
    barrier: &Barrier,
) -> Result<Tally> {
    let mut c = connect(url)?;
    let stmt = c.prepare(&format!(
        "UPDATE public.{table} SET total_wins = coalesce(total_wins, 0) + 1, updated_at = clock_timestamp() WHERE id = $1"
    ))?;
    let mut tally = Tally {
        per_key: vec![0; keys.len()],
        ..Default::default()
    };
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[])?.get(0);
    let mut rng = seed;
    barrier.wait();
    let cpu0 = cpu_seconds(&format!("/proc/{pid}/stat"));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        // xorshift64: the key sequence is reproducible per writer
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let i = (rng % keys.len() as u64) as usize;
        let t = Instant::now();
        match c.execute(&stmt, &[&keys[i]]) {
            Ok(1) => {
                tally.committed += 1;
                tally.per_key[i] += 1;
            }
            Ok(n) => {
                tally.other_errors += 1;
                tally.last_other = Some(format!("{table} {}: updated {n} rows", keys[i]));
            }
            Err(e) if e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED) => tally.deadlocks += 1,
            Err(e) => {
                tally.other_errors += 1;
                tally.last_other = Some(format!("{table} {}: {e}", keys[i]));
                if c.is_closed() {
                    bail!("writer on {table} lost its connection: {e}");
                }
            }
        }
        tally.latencies_us.push(t.elapsed().as_micros() as u64);
    }
    tally.server_cpu = cpu_seconds(&format!("/proc/{pid}/stat")) - cpu0;
    Ok(tally)
}

/// The write gate of the jockey pair, dropped (the design before it).
fn drop_gate() -> String {
    let gate = dual_write::WRITE_GATE;
    format!("DROP TRIGGER {gate} ON public.{OLD}; DROP TRIGGER {gate} ON public.{NEW};")
}

/// Puts the jockey pair's triggers in the state a variant measures. Proposals are plain SQL
/// installed on the clone only: none of it is in the tool.
fn install(c: &mut Client, design: Design) -> Result<()> {
    let sql = match design {
        Design::Shipped => return Ok(()),
        Design::NoGate => drop_gate(),
        Design::NoTriggers => format!(
            "{} DROP TRIGGER {TRIGGER} ON public.{OLD}; DROP TRIGGER {REVERSE_TRIGGER} ON public.{NEW};",
            drop_gate()
        ),
        Design::BeforeRowLock => format!(
            "{} CREATE FUNCTION ra_migrate.lock_old_first_{OLD}() RETURNS trigger LANGUAGE plpgsql AS $f$
             BEGIN
               IF current_setting('{REPLICATING}', true) = 'on' THEN RETURN NEW; END IF;
               PERFORM 1 FROM public.{OLD} WHERE id = (CASE WHEN TG_OP = 'INSERT' THEN NEW.id ELSE OLD.id END) FOR UPDATE;
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
               RETURN NEW;
             END $f$;
             CREATE TRIGGER ra_migrate_lock_old_first BEFORE INSERT OR UPDATE OR DELETE ON public.{NEW}
               FOR EACH ROW EXECUTE FUNCTION ra_migrate.lock_old_first_{OLD}();",
            drop_gate()
        ),
        Design::AdvisoryRow => format!(
            "{} CREATE FUNCTION ra_migrate.key_lock_{OLD}() RETURNS trigger LANGUAGE plpgsql AS $f$
             BEGIN
               IF current_setting('{REPLICATING}', true) = 'on' THEN
                 IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                 RETURN NEW;
               END IF;
               PERFORM pg_advisory_xact_lock(hashtext('{OLD}'), hashtext(CASE WHEN TG_OP = 'INSERT' THEN NEW.id ELSE OLD.id END));
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
               RETURN NEW;
             END $f$;
             CREATE TRIGGER ra_migrate_key_lock BEFORE INSERT OR UPDATE OR DELETE ON public.{OLD}
               FOR EACH ROW EXECUTE FUNCTION ra_migrate.key_lock_{OLD}();
             CREATE TRIGGER ra_migrate_key_lock BEFORE INSERT OR UPDATE OR DELETE ON public.{NEW}
               FOR EACH ROW EXECUTE FUNCTION ra_migrate.key_lock_{OLD}();",
            drop_gate()
        ),
    };
    c.batch_execute(&sql)
        .with_context(|| format!("installing the variant's triggers: {sql}"))
}

/// Two sessions: A updates a row of the new master whose BEFORE ROW trigger waits on an advisory
/// lock B holds; once A is seen waiting there, B asks for the same row with NOWAIT. True when
/// that fails for the row lock, i.e. the row was locked before the trigger ran.
fn probe_before_row_lock(url: &str, key: &str) -> Result<bool> {
    let mut b = connect(url)?;
    b.batch_execute(&format!(
        "CREATE FUNCTION ra_migrate.probe_wait() RETURNS trigger LANGUAGE plpgsql AS $f$
         BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $f$;
         CREATE TRIGGER ra_migrate_probe BEFORE UPDATE ON public.{NEW}
           FOR EACH ROW EXECUTE FUNCTION ra_migrate.probe_wait();
         SELECT pg_advisory_lock(4242);"
    ))?;
    let a_url = url.to_string();
    let key_a = key.to_string();
    let a = std::thread::spawn(move || -> Result<u64> {
        let mut a = connect(&a_url)?;
        Ok(a.execute(
            &format!("UPDATE public.{NEW} SET updated_at = clock_timestamp() WHERE id = $1"),
            &[&key_a],
        )?)
    });
    // Wait (bounded) until A's trigger is blocked on the advisory lock.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: bool = b
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted)",
                &[],
            )?
            .get(0);
        if waiting {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the probe's UPDATE never reached its BEFORE ROW trigger"
        );
        std::thread::yield_now();
    }
    let locked = match b.query(
        &format!("SELECT 1 FROM public.{NEW} WHERE id = $1 FOR UPDATE NOWAIT"),
        &[&key],
    ) {
        Ok(_) => false,
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => true,
        Err(e) => return Err(e).context("probing the row lock"),
    };
    b.batch_execute("SELECT pg_advisory_unlock(4242)")?;
    let updated = a.join().expect("probe thread panicked")?;
    ensure!(updated == 1, "the probe's UPDATE updated {updated} rows");
    Ok(locked)
}

fn run_phase(client: &mut Client, mapping: &Mapping, phase: Phase) -> Result<()> {
    let lock = LockPolicy::default();
    let mut ctx = Ctx {
        client,
        mapping,
        schema: "public",
        lock: &lock,
        force: false,
        tuning: Default::default(),
        progress: &ra_migrate::progress::Silent,
        switch_functions: false,
        url: None,
    };
    engine::check_order(ctx.client, phase, Direction::Apply)?;
    let plan = engine::plan(&mut ctx, phase, Direction::Apply)?;
    let outcome = engine::execute(&mut ctx, &plan)?;
    ensure!(
        outcome.problems.is_empty(),
        "apply of phase {phase}: {:?}",
        outcome.problems
    );
    Ok(())
}

fn drop_database(cluster: &Cluster, name: &str) -> Result<()> {
    let mut c = connect(&cluster.url("postgres"))?;
    c.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .with_context(|| format!("dropping {name}"))
}
