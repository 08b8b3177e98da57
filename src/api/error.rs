//! The ways a request to the API can fail, each with a message an operator can act on.
//!
//! These are the root causes inside the `anyhow::Error`s the client returns; callers that need to
//! tell "stop everything" (401) from "skip this item" can `downcast_ref::<ApiError>()`. No variant
//! ever holds credentials: bodies are scrubbed before they get here.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: fatal for the whole run; retrying cannot help.
    Unauthorized {
        request: String,
        credentials_set: bool,
    },
    /// 422: the API rejected the parameters (FastAPI validation detail).
    Validation { request: String, detail: String },
    /// Any other non-retryable HTTP status.
    Status {
        request: String,
        status: u16,
        body_excerpt: String,
    },
    /// 404 on an endpoint where "absent" is not a meaningful answer (a list endpoint).
    EndpointNotFound { request: String },
    /// Retryable failures (429, 5xx, timeouts, connection errors) that outlasted the retry budget.
    RetriesExhausted {
        request: String,
        attempts: u32,
        last: String,
    },
    /// A failure that retrying cannot fix (bad URL, TLS setup, ...).
    Transport { request: String, message: String },
    /// The body was not the JSON the endpoint promises.
    InvalidJson {
        request: String,
        error: String,
        body_excerpt: String,
    },
    /// The response was JSON but not the expected shape (no items array, a pager that stalls, ...).
    Shape { request: String, problem: String },
}

impl ApiError {
    /// True when continuing the run is pointless (every later request would fail the same way).
    pub fn is_fatal(&self) -> bool {
        matches!(self, ApiError::Unauthorized { .. })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized {
                request,
                credentials_set,
            } => {
                write!(f, "401 Unauthorized for {request}: ")?;
                if *credentials_set {
                    write!(
                        f,
                        "the API rejected the credentials (RACING_API_USERNAME / RACING_API_PASSWORD), the \
                         account is inactive, or the subscription plan does not include this endpoint \
                         (racecards/pro and horses/{{id}}/pro need Pro, results needs Standard)"
                    )
                } else {
                    write!(
                        f,
                        "no credentials were configured; set RACING_API_USERNAME and RACING_API_PASSWORD \
                         (and check that the plan includes this endpoint)"
                    )
                }
            }
            ApiError::Validation { request, detail } => {
                write!(f, "422 the API rejected the request {request}: {detail}")
            }
            ApiError::Status {
                request,
                status,
                body_excerpt,
            } => write!(f, "HTTP {status} for {request}: {body_excerpt}"),
            ApiError::EndpointNotFound { request } => write!(
                f,
                "404 for {request}: the endpoint does not exist at this base URL (check RACING_API_BASE_URL)"
            ),
            ApiError::RetriesExhausted {
                request,
                attempts,
                last,
            } => write!(
                f,
                "{request} failed after {attempts} attempts (last: {last}); the API may be down or \
                 rate limiting, retry later or lower RACING_API_RATE"
            ),
            ApiError::Transport { request, message } => {
                write!(f, "{request} could not be sent: {message}")
            }
            ApiError::InvalidJson {
                request,
                error,
                body_excerpt,
            } => write!(
                f,
                "{request} returned a body that is not valid JSON ({error}); body starts: {body_excerpt}"
            ),
            ApiError::Shape { request, problem } => {
                write!(f, "{request} returned an unexpected response: {problem}")
            }
        }
    }
}

impl std::error::Error for ApiError {}
