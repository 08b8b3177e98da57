//! Named interruption points, for the crash tests. With `RA_MIGRATE_PAUSE_AT=<name>` in its
//! environment the process stops at that point: it says so on stderr and sleeps until it is
//! killed, so a test can kill it exactly there. With `RA_MIGRATE_LIST_POINTS=1` it names every
//! point it passes, so a test can list them from an uninterrupted run. Without either, a point
//! costs a look at a value read once.

use std::io::Write;
use std::sync::OnceLock;

struct Settings {
    pause_at: Option<String>,
    list: bool,
}

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| Settings {
        pause_at: std::env::var("RA_MIGRATE_PAUSE_AT")
            .ok()
            .filter(|v| !v.is_empty()),
        list: std::env::var_os("RA_MIGRATE_LIST_POINTS").is_some(),
    })
}

/// Passes the point `name` (built only when a test asks for points).
pub fn point(name: impl FnOnce() -> String) {
    let s = settings();
    if s.pause_at.is_none() && !s.list {
        return;
    }
    let name = name();
    let mut err = std::io::stderr().lock();
    if s.list {
        let _ = writeln!(err, "interruption point: {name}");
    }
    if s.pause_at.as_deref() == Some(name.as_str()) {
        let _ = writeln!(err, "interruption point reached: {name}");
        let _ = err.flush();
        drop(err);
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}
