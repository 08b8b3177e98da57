//! One rate limiter per client: every request, retries included, waits for its slot.
//!
//! The vendor's limits are per account, not per endpoint family in practice (2 req/s on every plan in
//! the older docs), so one shared gap between request starts is the safe reading.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces request starts at least `1 / requests_per_sec` apart across all threads.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_allowed: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `requests_per_sec` must be positive and finite (checked by `ApiConfig::validate`).
    pub fn new(requests_per_sec: f64) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / requests_per_sec),
            next_allowed: Mutex::new(None),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Blocks until this caller may start a request. The slot is reserved under the lock and the
    /// sleep happens outside it, so concurrent callers queue in order instead of bunching up.
    pub fn acquire(&self) {
        let wait = {
            // a poisoned lock only means another thread panicked mid-update; the Instant is still valid
            let mut next = self.next_allowed.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = match *next {
                Some(t) if t > now => t,
                _ => now,
            };
            *next = Some(slot + self.interval);
            slot.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests_by_the_interval() {
        let limiter = RateLimiter::new(50.0); // 20 ms
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire();
        }
        // the first slot is immediate, the next five wait 20 ms each
        assert!(
            start.elapsed() >= Duration::from_millis(95),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn shared_across_threads() {
        let limiter = std::sync::Arc::new(RateLimiter::new(100.0)); // 10 ms
        let start = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let l = limiter.clone();
                std::thread::spawn(move || {
                    for _ in 0..3 {
                        l.acquire();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // 12 slots, the first free: at least 11 gaps of 10 ms
        assert!(
            start.elapsed() >= Duration::from_millis(105),
            "{:?}",
            start.elapsed()
        );
    }
}
