//! The `ra-migrate` binary: everything lives in the library; this only maps errors to exit code 2.

use std::process::ExitCode;

/// The fetchers' write path builds and drops many small strings per record: in a profile of
/// gathering a day's masters, glibc's malloc and free took more than half of the time. With this
/// allocator the ingest benchmark's client CPU went from about 4.0 s to 3.0-3.3 s at 50,000
/// runners (README, "Where ingest's time goes").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ra_migrate::allocator::keep_freed_memory();
    quiet_on_closed_stdout();
    match ra_migrate::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `ra-migrate plan 3 | head`: when the reader goes away, `println!` panics on the broken pipe.
/// End quietly as a shell tool does (status 141, as if killed by SIGPIPE) instead of printing a
/// panic. SIGPIPE itself stays ignored, so a dropped database socket is still an error, not a kill.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
