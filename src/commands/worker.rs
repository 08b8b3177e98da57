//! `ra-migrate worker`: the plan's fetch schedule, unattended.

use super::{connect, found, open, print_json, Session};
use crate::cli::{Global, WorkerArgs};
use crate::worker::{self, schedule, schedule::Schedule};
use anyhow::Result;
use std::process::ExitCode;

pub(super) fn exec(g: &Global, args: &WorkerArgs) -> Result<ExitCode> {
    let schedule = Schedule::load(args.schedule.as_deref())?;
    let now = match &args.now {
        Some(s) => Some(schedule::parse_now(s, schedule.tz)?),
        None => None,
    };
    let source = crate::fetch::source::open_kind(args.source, args.seed)?;
    let Session {
        mapping,
        client: control,
    } = open(g, "worker")?;
    let data = connect(g, "worker fetch")?;
    let heartbeat = connect(g, "worker heartbeat")?;
    let options = worker::Options {
        schema: &g.schema,
        mapping,
        schedule: &schedule,
        source: &*source,
        now,
        once: args.once,
        regions: args
            .regions
            .iter()
            .map(|r| r.trim().to_lowercase())
            .collect(),
        catch_up_days: args.catch_up_days,
        on_failure: g.on_failure.clone(),
    };
    let mut print = |r: &worker::SlotReport| {
        if !g.json {
            println!("{}", worker::render(r, &schedule));
        }
    };
    let served = worker::serve(control, data, heartbeat, options, &mut print)?;
    if g.json {
        print_json(&served.slots)?;
    } else if served.slots.is_empty() {
        println!(
            "nothing due at {}",
            served
                .at
                .with_timezone(&schedule.tz)
                .format("%Y-%m-%d %H:%M %Z")
        );
    }
    if served.stopped {
        eprintln!(
            "stopped by a signal: the batch in hand was finished; the slot runs again next time"
        );
        return Ok(ExitCode::SUCCESS);
    }
    Ok(found(served.slots.iter().any(|r| r.outcome == "failed")))
}
