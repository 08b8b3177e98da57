//! The `ra-migrate` binary: everything lives in the library; this only maps errors to exit code 2.

use std::process::ExitCode;

fn main() -> ExitCode {
    match ra_migrate::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
