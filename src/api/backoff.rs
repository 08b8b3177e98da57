//! How long to wait before a retry: exponential with jitter, capped, honouring `Retry-After`.

use std::time::Duration;

use super::rng::Rng;

/// The delay before retry number `attempt` (1 for the first retry).
///
/// Without a `Retry-After` hint the wait is "equal jitter": half of `base * 2^(attempt-1)` fixed and
/// half random, so a crowd of clients that failed together does not come back together, yet every
/// retry still waits a meaningful minimum. A server's `Retry-After` is obeyed as given, but never
/// beyond `cap`: a misconfigured proxy asking for an hour must not stall a daily run.
pub fn delay(
    attempt: u32,
    base: Duration,
    cap: Duration,
    retry_after: Option<Duration>,
    rng: &mut Rng,
) -> Duration {
    if let Some(hint) = retry_after {
        return hint.min(cap);
    }
    let exp = base
        .checked_mul(1u32 << attempt.saturating_sub(1).min(20))
        .unwrap_or(cap)
        .min(cap);
    let half = exp / 2;
    half + half.mul_f64(rng.next_f64())
}

/// Parses a `Retry-After` header given in seconds. The HTTP-date form is not used by this API's
/// stack; it is ignored (and the computed backoff applies) rather than guessed at.
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_cap() {
        let mut rng = Rng::new(1);
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for attempt in 1..=10 {
            let d = delay(attempt, base, cap, None, &mut rng);
            let exp = (base * (1 << (attempt - 1))).min(cap);
            assert!(
                d >= exp / 2 && d <= exp,
                "attempt {attempt}: {d:?} vs {exp:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let mut rng = Rng::new(1);
        let cap = Duration::from_secs(30);
        let base = Duration::from_millis(100);
        let hint = parse_retry_after(Some("3"));
        assert_eq!(delay(1, base, cap, hint, &mut rng), Duration::from_secs(3));
        let huge = parse_retry_after(Some("3600"));
        assert_eq!(delay(1, base, cap, huge, &mut rng), cap);
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(Some("-1")), None);
    }
}
