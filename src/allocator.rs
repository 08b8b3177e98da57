//! The binary's allocator (mimalloc, set in `main.rs` and in the benchmarks) and its one setting.

use libmimalloc_sys::{mi_option_set, mi_option_t, mi_option_use_numa_nodes};

/// `mi_option_purge_delay`, which the bindings do not name: in mimalloc's option enum (v2 and
/// v3 alike) it comes right before `mi_option_use_numa_nodes`.
const PURGE_DELAY: mi_option_t = mi_option_use_numa_nodes - 1;
const _: () = assert!(
    PURGE_DELAY == 15,
    "mimalloc's option enum moved: check PURGE_DELAY"
);

/// How long freed memory stays with the process before it is given back to the system.
const KEEP_FREED_MS: std::ffi::c_long = 1000;

/// Keeps freed memory for a second instead of mimalloc's 10 ms. A race day's write allocates and
/// frees the same few megabytes every few milliseconds; given back after 10 ms, every day paid
/// again for the kernel zeroing fresh pages (a sixth of the write path's client time in a `perf`
/// profile). A fetch that stops or idles still returns its memory a second later.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores an integer in mimalloc's option table.
    unsafe { mi_option_set(PURGE_DELAY, KEEP_FREED_MS) }
}
