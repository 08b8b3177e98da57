//! The soak before backfill: `apply 3` requires dual-write to have been in effect for the soak
//! period (the plan's "run for 1 week to validate") with every consistency check since clean.
//! Checked in the command layer, before the phase engine; the decision is written to the log.

use anyhow::{bail, Context, Result};
use postgres::Client;

use crate::phase::engine::Refused;
use crate::phase::Phase;
use crate::state;

/// `7d`, `36h`, `90m`, `0s` as seconds.
pub fn parse(s: &str) -> Result<i64> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len());
    let n: i64 = num.parse().with_context(|| {
        format!("--soak {s:?}: expected a whole number and a unit, e.g. 7d or 0s")
    })?;
    let per = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => bail!("--soak {s:?}: the unit must be d, h, m or s"),
    };
    if n < 0 {
        bail!("--soak must not be negative");
    }
    Ok(n * per)
}

fn human(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Passes, or fails with [`Refused`] (exit 1) saying how long is left and which checks failed.
/// Either way the decision is a log entry (`soak`), so `--soak 0s` stays on the record.
pub fn require(client: &mut Client, soak: &str) -> Result<()> {
    let needed = parse(soak)?;
    let row = state::applied_since(client, Phase::DualWrite)
        .context("reading when dual-write was applied")?;
    let Some((elapsed, since)) = row else {
        // the engine's own order check says what is missing
        return Ok(());
    };
    let failed: Vec<String> = client
        .query(
            "SELECT '#' || c.id || ' at ' || c.checked_at::text || ': ' || c.differences::text
             FROM ra_migrate.consistency_check c
             WHERE NOT c.clean AND c.checked_at >= $1::text::timestamptz
             ORDER BY c.id",
            &[&since],
        )
        .context("reading the consistency checks since dual-write")?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let checks: i64 = client
        .query_one(
            "SELECT count(*) FROM ra_migrate.consistency_check c
             WHERE c.checked_at >= $1::text::timestamptz",
            &[&since],
        )?
        .get(0);
    let mut refusals = Vec::new();
    if elapsed < needed {
        refusals.push(format!(
            "the soak is not over: dual-write has been in effect for {} (since {since}) of the --soak {soak}; {} left (pass --soak 0s to skip it, recorded in the log)",
            human(elapsed),
            human(needed - elapsed)
        ));
    }
    if !failed.is_empty() {
        refusals.push(format!(
            "{} consistency check(s) since dual-write found differences between old and new masters: {}",
            failed.len(),
            failed.join("; ")
        ));
    }
    let detail = serde_json::json!({
        "soak": soak, "soak_secs": needed, "dual_write_secs": elapsed,
        "checks": checks, "failed_checks": failed,
    });
    let id = state::log_start(client, Some(Phase::Backfill), "soak", false, &detail)?;
    if refusals.is_empty() {
        state::log_finish(client, id, "ok", &[], None)?;
        if needed == 0 {
            tracing::warn!("soak skipped (--soak {soak}), recorded in log entry {id}");
        }
        return Ok(());
    }
    let text = refusals.join("; ");
    state::log_finish(client, id, "failed", &[], Some(&text))?;
    Err(Refused(format!("apply 3 refused: {text}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soak_durations() {
        assert_eq!(parse("7d").unwrap(), 604_800);
        assert_eq!(parse("0s").unwrap(), 0);
        assert_eq!(parse("36h").unwrap(), 129_600);
        assert!(parse("7").is_err());
        assert!(parse("1w").is_err());
        assert_eq!(human(6 * 86_400 + 23 * 3_600 + 59 * 60), "6d 23h");
        assert_eq!(human(59 * 60), "59m");
    }
}
