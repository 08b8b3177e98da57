//! The failure hook (`--on-failure CMD`, `RA_MIGRATE_ON_FAILURE`): when a scheduled job, a
//! consistency check or a phase fails, CMD runs through `sh -c` with a JSON description on its
//! standard input, so an operator is woken up. A hook that fails is reported, never fatal.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Runs `cmd` with `event` (plus the host and the time) on stdin and waits for it.
pub fn fire(cmd: Option<&str>, mut event: Value) {
    let Some(cmd) = cmd.filter(|c| !c.trim().is_empty()) else {
        return;
    };
    event["host"] = super::host().into();
    event["at"] = chrono::Utc::now().to_rfc3339().into();
    let body = event.to_string();
    let child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("the failure hook {cmd:?} could not be started: {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(body.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    match child.wait() {
        Ok(s) if s.success() => {}
        Ok(s) => tracing::warn!("the failure hook {cmd:?} exited with {s}"),
        Err(e) => tracing::warn!("the failure hook {cmd:?}: {e}"),
    }
}
