//! The blocking HTTP client for The Racing API: auth, one shared rate limit, retries, paging.
//!
//! Every failure comes back as an error (never as "no data"): the legacy fetchers could not tell an
//! empty day from a failed request, and silently lost batches because of it. The only "absent"
//! answer is a 404 from `get_json`, which single-item endpoints (`horses/{id}/pro`) turn into `None`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use serde_json::Value;

use super::auth::Credentials;
use super::backoff;
use super::error::ApiError;
use super::limiter::RateLimiter;
use super::payload::page::{read_page, PageError, Unreadable, RUNNERS};
use super::rng::Rng;

/// The vendor's documented base URL (paths below it start with `/v1`).
pub const DEFAULT_BASE_URL: &str = "https://api.theracingapi.com";
/// The vendor's recommendation: one global limit of 2 requests/second.
pub const DEFAULT_REQUESTS_PER_SEC: f64 = 2.0;
/// `/results` accepts at most 50 per page in the older spec (100 in v1.4.3): 50 works on both.
pub const RESULTS_PAGE_SIZE: u32 = 50;
/// `/racecards/pro` accepts 1..=500.
pub const RACECARDS_PAGE_SIZE: u32 = 500;
/// Bodies larger than this are refused rather than buffered (a day of racecards is a few MB).
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;
/// A pager that needs more pages than this is not converging.
const MAX_PAGES: u32 = 10_000;
/// How much of an error body goes into a message.
const EXCERPT_CHARS: usize = 300;

/// Connection and retry settings. `Debug` redacts the credentials.
#[derive(Clone)]
pub struct ApiConfig {
    /// Scheme and host, e.g. `https://api.theracingapi.com` (a trailing `/v1` is tolerated).
    pub base_url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Global request rate across all threads using one client.
    pub requests_per_sec: f64,
    /// Whole-request timeout (connect + send + read).
    pub timeout: Duration,
    /// Retries after the first attempt, for 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            username: None,
            password: None,
            requests_per_sec: DEFAULT_REQUESTS_PER_SEC,
            timeout: Duration::from_secs(30),
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

impl ApiConfig {
    /// Reads `RACING_API_BASE_URL`, `RACING_API_USERNAME`, `RACING_API_PASSWORD` and
    /// `RACING_API_RATE` (requests/second); anything unset keeps its default.
    pub fn from_env() -> Result<ApiConfig> {
        ApiConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ApiConfig::from_env`] over any variable lookup (blank values count as unset).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<ApiConfig> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut config = ApiConfig::default();
        if let Some(url) = var("RACING_API_BASE_URL") {
            config.base_url = url;
        }
        config.username = var("RACING_API_USERNAME");
        config.password = var("RACING_API_PASSWORD");
        if let Some(rate) = var("RACING_API_RATE") {
            config.requests_per_sec = rate.parse().with_context(|| {
                format!(
                    "RACING_API_RATE={rate:?} is not a number of requests per second (e.g. 2 or 0.5)"
                )
            })?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks the settings before any request is made, so a typo fails fast with a clear message.
    pub fn validate(&self) -> Result<()> {
        if !(self.requests_per_sec.is_finite() && self.requests_per_sec > 0.0) {
            bail!(
                "the request rate must be a positive number of requests per second, got {} (RACING_API_RATE)",
                self.requests_per_sec
            );
        }
        let url = self.base_url.trim();
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        else {
            bail!("RACING_API_BASE_URL must start with https:// or http:// (got {url:?})");
        };
        // userinfo in the URL would end up in error messages; the URL itself is not echoed here
        if rest.split('/').next().unwrap_or("").contains('@') {
            bail!("RACING_API_BASE_URL must not contain credentials; use RACING_API_USERNAME and RACING_API_PASSWORD");
        }
        match (&self.username, &self.password) {
            (Some(_), None) | (None, Some(_)) => bail!(
                "set both RACING_API_USERNAME and RACING_API_PASSWORD, or neither (only one is set)"
            ),
            _ => Ok(()),
        }
    }

    /// The base URL without a trailing slash or `/v1`, so paths can always start with `/v1/`.
    fn normalized_base(&self) -> String {
        let trimmed = self.base_url.trim().trim_end_matches('/');
        trimmed.strip_suffix("/v1").unwrap_or(trimmed).to_string()
    }
}

impl fmt::Debug for ApiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<String>| if v.is_some() { "<redacted>" } else { "<unset>" };
        f.debug_struct("ApiConfig")
            .field("base_url", &self.base_url)
            .field("username", &shown(&self.username))
            .field("password", &shown(&self.password))
            .field("requests_per_sec", &self.requests_per_sec)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .finish()
    }
}

/// What the client has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiStats {
    /// HTTP attempts sent (first tries and retries).
    pub requests: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// Attempts that got no HTTP status (timeouts, refused connections, broken bodies).
    pub transport_errors: u64,
    /// Responses by HTTP status.
    pub by_status: BTreeMap<u16, u64>,
}

/// All items of a paged list endpoint, collected across pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged {
    /// The request without `limit`/`skip`, for logs and quarantine rows, e.g.
    /// `GET /v1/results?start_date=2025-10-07&end_date=2025-10-07&region=gb`.
    pub request: String,
    pub items: Vec<Value>,
    /// Elements that were not valid JSON on their own (the rest of their page was kept).
    pub unreadable: Vec<Unreadable>,
    /// The `total` the server reported on the last page.
    pub total: u64,
    pub pages: u32,
}

/// A blocking client; cheap to share by reference across threads (`Send + Sync`).
pub struct ApiClient {
    base: String,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
    limiter: RateLimiter,
    max_retries: u32,
    backoff_base: Duration,
    backoff_cap: Duration,
    jitter: Mutex<Rng>,
    requests: AtomicU64,
    retries: AtomicU64,
    transport_errors: AtomicU64,
    by_status: Mutex<BTreeMap<u16, u64>>,
    /// Set once `/horses/{id}/pro` was refused for the plan: profiles come from `/standard`.
    pro_refused: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .field("interval", &self.limiter.interval())
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed in a way worth retrying.
struct Retryable {
    reason: String,
    retry_after: Option<Duration>,
}

enum Attempt {
    Body(String),
    Absent,
    Retry(Retryable),
}

impl ApiClient {
    pub fn new(config: ApiConfig) -> Result<ApiClient> {
        config
            .validate()
            .context("invalid Racing API client settings")?;
        let credentials = match (&config.username, &config.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u, p)),
            _ => None,
        };
        let agent = ureq::AgentBuilder::new()
            .timeout(config.timeout)
            .user_agent(concat!("ra-migrate/", env!("CARGO_PKG_VERSION")))
            .build();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ (std::process::id() as u64).rotate_left(32);
        Ok(ApiClient {
            base: config.normalized_base(),
            credentials,
            agent,
            limiter: RateLimiter::new(config.requests_per_sec),
            max_retries: config.max_retries,
            backoff_base: config.backoff_base,
            backoff_cap: config.backoff_cap,
            jitter: Mutex::new(Rng::new(seed)),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
            by_status: Mutex::new(BTreeMap::new()),
            pro_refused: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// A client configured from the environment (see [`ApiConfig::from_env`]).
    pub fn from_env() -> Result<ApiClient> {
        ApiClient::new(ApiConfig::from_env()?)
    }

    pub fn stats(&self) -> ApiStats {
        ApiStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            transport_errors: self.transport_errors.load(Ordering::Relaxed),
            by_status: self
                .by_status
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// GETs `path` (starting with `/v1/`) and parses the JSON body. Array parameters are repeated
    /// keys: pass `("region_codes", "gb")` and `("region_codes", "ire")`.
    ///
    /// `Ok(None)` means the API answered 404 (unknown id or path); every other failure is an `Err`
    /// whose root cause is an [`ApiError`].
    pub fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<Option<Value>> {
        let request = describe(path, query);
        let Some(body) = self.execute(path, query, &request)? else {
            return Ok(None);
        };
        let value = serde_json::from_str(&body).map_err(|e| ApiError::InvalidJson {
            request: request.clone(),
            error: e.to_string(),
            body_excerpt: self.excerpt(&body),
        })?;
        Ok(Some(value))
    }

    /// Follows `limit`/`skip` until the reported `total` is reached, collecting the `items_key`
    /// array of every page. `skip` advances by what the server actually returned, so a server that
    /// caps `limit` below `page_size` is still paged correctly. A server that stops advancing (an
    /// empty page before `total`, the same page again, or an echoed `skip` that is not the one asked
    /// for) is an error, not an early end.
    ///
    /// An element that is not valid JSON on its own (nested too deep, a lone surrogate) does not
    /// cost its page: it is returned in [`Paged::unreadable`] and counts as received. A race
    /// unreadable only for some of its runners is kept without them (they are returned instead).
    pub fn get_paged(
        &self,
        path: &str,
        query: &[(&str, String)],
        items_key: &str,
        page_size: u32,
    ) -> Result<Paged> {
        let request = describe(path, query);
        let shape = |problem: String| ApiError::Shape {
            request: request.clone(),
            problem,
        };
        let mut items: Vec<Value> = Vec::new();
        let mut unreadable: Vec<Unreadable> = Vec::new();
        let mut pages = 0u32;
        let mut previous_first: Option<(Option<Value>, Option<Unreadable>)> = None;
        // page elements received so far, readable or not (a race's runners are not elements)
        let mut collected = 0u64;
        loop {
            let skip = collected;
            let mut page_query = query.to_vec();
            page_query.push(("limit", page_size.to_string()));
            page_query.push(("skip", skip.to_string()));
            let page_request = describe(path, &page_query);
            let body = self
                .execute(path, &page_query, &page_request)?
                .ok_or_else(|| ApiError::EndpointNotFound {
                    request: page_request.clone(),
                })?;
            pages += 1;
            let read = match read_page(&body, items_key, Some(RUNNERS)) {
                Ok(read) => read,
                Err(PageError::Json(error)) => {
                    return Err(ApiError::InvalidJson {
                        request: page_request,
                        error,
                        body_excerpt: self.excerpt(&body),
                    }
                    .into())
                }
                Err(PageError::NoItems) => {
                    return Err(
                        shape(format!("no `{items_key}` array on the page at skip={skip}")).into(),
                    )
                }
            };
            drop(body);
            let received = read.received() as u64;
            let first = (
                read.items.first().cloned(),
                read.unreadable.first().cloned(),
            );
            let page = read.rest;
            if let Some(echoed) = page.get("skip").and_then(as_u64) {
                if echoed != skip {
                    return Err(shape(format!(
                        "asked for skip={skip} but the page says skip={echoed}; the server is not paging"
                    ))
                    .into());
                }
            }
            let total = match page.get("total").and_then(as_u64) {
                Some(t) => t,
                // no total: a short page is the last one
                None if received < u64::from(page_size) => skip + received,
                None => {
                    return Err(shape(format!("no `total` on a full page at skip={skip}")).into())
                }
            };
            if received == 0 && skip < total {
                return Err(shape(format!(
                    "empty page at skip={skip} although total={total}; the server stopped advancing"
                ))
                .into());
            }
            if skip > 0 && previous_first.as_ref() == Some(&first) {
                return Err(shape(format!(
                    "the page at skip={skip} repeats the previous page; the server ignores skip"
                ))
                .into());
            }
            previous_first = Some(first);
            items.extend(read.items);
            unreadable.extend(read.unreadable);
            collected += received;
            tracing::debug!(%request, pages, collected, total, "page received");
            if collected >= total {
                return Ok(Paged {
                    request,
                    items,
                    unreadable,
                    total,
                    pages,
                });
            }
            if pages >= MAX_PAGES {
                return Err(shape(format!("more than {MAX_PAGES} pages; giving up")).into());
            }
        }
    }

    /// `GET /v1/courses?region_codes=..`: one response, `{courses:[...], total}`. An empty
    /// `regions` asks for every region.
    pub fn courses(&self, regions: &[String]) -> Result<Value> {
        let query = repeated("region_codes", regions);
        let request = describe("/v1/courses", &query);
        self.get_json("/v1/courses", &query)
            .with_context(|| format!("fetching courses ({request})"))?
            .ok_or_else(|| ApiError::EndpointNotFound { request }.into())
    }

    /// `GET /v1/racecards/pro` for one date (Pro plan), all pages.
    pub fn racecards_pro(&self, date: NaiveDate, regions: &[String]) -> Result<Paged> {
        let mut query = vec![("date", date.format("%Y-%m-%d").to_string())];
        query.extend(repeated("region_codes", regions));
        self.get_paged(
            "/v1/racecards/pro",
            &query,
            "racecards",
            RACECARDS_PAGE_SIZE,
        )
        .with_context(|| format!("fetching racecards for {date}"))
    }

    /// `GET /v1/results` for each date in `date_from..=date_to` (Standard plan): one date per
    /// request, as the vendor advises, each paged by 50. The region parameter is `region` here,
    /// not `region_codes`.
    pub fn results(
        &self,
        date_from: NaiveDate,
        date_to: NaiveDate,
        regions: &[String],
    ) -> Result<Vec<Paged>> {
        if date_to < date_from {
            bail!("results range is backwards: {date_from} .. {date_to}");
        }
        date_from
            .iter_days()
            .take_while(|d| *d <= date_to)
            .map(|date| self.results_for(date, regions))
            .collect()
    }

    fn results_for(&self, date: NaiveDate, regions: &[String]) -> Result<Paged> {
        let day = date.format("%Y-%m-%d").to_string();
        let mut query = vec![("start_date", day.clone()), ("end_date", day)];
        query.extend(repeated("region", regions));
        self.get_paged("/v1/results", &query, "results", RESULTS_PAGE_SIZE)
            .with_context(|| format!("fetching results for {date}"))
    }

    /// `GET /v1/horses/{id}/pro` (Pro plan). `None` when the API has no such horse (404).
    pub fn horse_pro(&self, horse_id: &str) -> Result<Option<Value>> {
        // the id goes into the path: refuse anything that could change the path's meaning
        if horse_id.is_empty()
            || !horse_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            bail!("refusing to look up horse id {horse_id:?}: ids look like hrs_12345");
        }
        self.get_json(&format!("/v1/horses/{horse_id}/pro"), &[])
            .with_context(|| format!("fetching the horse profile {horse_id}"))
    }

    /// A horse profile: `/pro`, or `/standard` (fewer fields: no colour, breeder, dob, sex) once
    /// the plan refused `/pro`; the fallback is said once per run. The path that answered is
    /// returned with the profile.
    pub fn horse_profile(&self, horse_id: &str) -> Result<(Option<Value>, &'static str)> {
        if !self.pro_refused.load(Ordering::Relaxed) {
            match self.horse_pro(horse_id) {
                Err(e)
                    if matches!(
                        e.downcast_ref::<ApiError>(),
                        Some(ApiError::Unauthorized {
                            credentials_set: true,
                            ..
                        })
                    ) =>
                {
                    // a plan without Pro answers 401 on /pro; if /standard is refused as well the
                    // credentials themselves are wrong, and that first error is the one to show
                    match self.get_json(&format!("/v1/horses/{horse_id}/standard"), &[]) {
                        Ok(v) => {
                            self.pro_refused.store(true, Ordering::Relaxed);
                            tracing::warn!("the plan does not include /v1/horses/{{id}}/pro: horse profiles come from /v1/horses/{{id}}/standard (sire, dam and damsire only) for the rest of this run");
                            return Ok((v, "standard"));
                        }
                        Err(_) => return Err(e),
                    }
                }
                other => return other.map(|v| (v, "pro")),
            }
        }
        self.get_json(&format!("/v1/horses/{horse_id}/standard"), &[])
            .with_context(|| format!("fetching the standard horse profile {horse_id}"))
            .map(|v| (v, "standard"))
    }

    /// Sends one request with retries; `Ok(None)` for 404.
    fn execute(
        &self,
        path: &str,
        query: &[(&str, String)],
        request: &str,
    ) -> Result<Option<String>> {
        let url = format!("{}{}", self.base, path);
        let mut attempt: u32 = 0;
        loop {
            self.limiter.acquire();
            self.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let failure = match self.attempt(&url, query, request)? {
                Attempt::Body(body) => {
                    tracing::debug!(%request, elapsed_ms = started.elapsed().as_millis() as u64, "ok");
                    return Ok(Some(body));
                }
                Attempt::Absent => {
                    tracing::debug!(%request, "404: absent");
                    return Ok(None);
                }
                Attempt::Retry(r) => r,
            };
            if attempt >= self.max_retries {
                return Err(ApiError::RetriesExhausted {
                    request: request.to_string(),
                    attempts: attempt + 1,
                    last: failure.reason,
                }
                .into());
            }
            attempt += 1;
            self.retries.fetch_add(1, Ordering::Relaxed);
            let wait = {
                let mut rng = self.jitter.lock().unwrap_or_else(|p| p.into_inner());
                backoff::delay(
                    attempt,
                    self.backoff_base,
                    self.backoff_cap,
                    failure.retry_after,
                    &mut rng,
                )
            };
            tracing::warn!(
                %request,
                reason = %failure.reason,
                attempt,
                max_retries = self.max_retries,
                wait_ms = wait.as_millis() as u64,
                "retrying"
            );
            std::thread::sleep(wait);
        }
    }

    /// One HTTP exchange, classified. Non-retryable failures are returned as `Err`.
    fn attempt(&self, url: &str, query: &[(&str, String)], request: &str) -> Result<Attempt> {
        let mut req = self.agent.get(url).set("Accept", "application/json");
        if let Some(c) = &self.credentials {
            req = req.set("Authorization", &c.basic_header());
        }
        for (k, v) in query {
            req = req.query(k, v);
        }
        match req.call() {
            Ok(response) => {
                self.count_status(response.status());
                match read_body(response) {
                    Ok(body) => Ok(Attempt::Body(body)),
                    // the connection broke mid-body: as transient as a refused connection
                    Err(e) => {
                        self.transport_errors.fetch_add(1, Ordering::Relaxed);
                        Ok(Attempt::Retry(Retryable {
                            reason: format!("reading the body failed: {e}"),
                            retry_after: None,
                        }))
                    }
                }
            }
            Err(ureq::Error::Status(status, response)) => {
                self.count_status(status);
                self.classify_status(status, response, request)
            }
            Err(ureq::Error::Transport(t)) => {
                self.transport_errors.fetch_add(1, Ordering::Relaxed);
                use ureq::ErrorKind as K;
                let message = t.to_string();
                match t.kind() {
                    K::Dns
                    | K::ConnectionFailed
                    | K::Io
                    | K::ProxyConnect
                    | K::BadStatus
                    | K::BadHeader => Ok(Attempt::Retry(Retryable {
                        reason: message,
                        retry_after: None,
                    })),
                    _ => Err(ApiError::Transport {
                        request: request.to_string(),
                        message,
                    }
                    .into()),
                }
            }
        }
    }

    fn classify_status(
        &self,
        status: u16,
        response: ureq::Response,
        request: &str,
    ) -> Result<Attempt> {
        let retry_after = backoff::parse_retry_after(response.header("Retry-After"));
        let body = read_body(response).unwrap_or_default();
        let request = request.to_string();
        match status {
            404 => Ok(Attempt::Absent),
            401 => Err(ApiError::Unauthorized {
                request,
                credentials_set: self.credentials.is_some(),
            }
            .into()),
            422 => Err(ApiError::Validation {
                request,
                detail: self.scrub(&validation_detail(&body)),
            }
            .into()),
            408 | 429 | 500..=599 => Ok(Attempt::Retry(Retryable {
                reason: format!("HTTP {status}: {}", self.excerpt(&body)),
                retry_after,
            })),
            _ => Err(ApiError::Status {
                request,
                status,
                body_excerpt: self.excerpt(&body),
            }
            .into()),
        }
    }

    fn count_status(&self, status: u16) {
        let mut map = self.by_status.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(status).or_insert(0) += 1;
    }

    fn scrub(&self, text: &str) -> String {
        match &self.credentials {
            Some(c) => c.scrub(text),
            None => text.to_string(),
        }
    }

    /// The start of a body, one line, scrubbed of credentials.
    fn excerpt(&self, body: &str) -> String {
        let flat: String = body
            .chars()
            .take(EXCERPT_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut out = self.scrub(flat.trim());
        if body.chars().count() > EXCERPT_CHARS {
            out.push('…');
        }
        if out.is_empty() {
            out.push_str("(empty body)");
        }
        out
    }
}

fn read_body(response: ureq::Response) -> std::io::Result<String> {
    let mut body = String::new();
    let read = response
        .into_reader()
        .take(MAX_BODY_BYTES + 1)
        .read_to_string(&mut body)?;
    if read as u64 > MAX_BODY_BYTES {
        return Err(std::io::Error::other(format!(
            "body larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    Ok(body)
}

/// FastAPI's 422 body: `{"detail":[{"loc":["query","name"],"msg":"field required",...}]}` becomes
/// `query.name: field required`; anything else is shown as received.
fn validation_detail(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    match parsed.as_ref().and_then(|v| v.get("detail")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let loc = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .map(|parts| {
                        parts
                            .iter()
                            .map(|p| {
                                p.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| p.to_string())
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_default();
                let msg = item.get("msg").and_then(Value::as_str).unwrap_or("invalid");
                if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{loc}: {msg}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None if body.trim().is_empty() => "(no detail in the response)".to_string(),
        None => body.chars().take(EXCERPT_CHARS).collect(),
    }
}

/// `GET path?k=v&...` for messages, logs and quarantine rows; never includes credentials.
pub fn describe(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return format!("GET {path}");
    }
    let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("GET {path}?{}", q.join("&"))
}

fn repeated<'a>(key: &'a str, values: &[String]) -> Vec<(&'a str, String)> {
    values
        .iter()
        .map(|v| (key, v.trim().to_lowercase()))
        .collect()
}

/// `total`/`skip` as a number or, per this API's habits, a numeric string.
fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials() {
        let config = ApiConfig {
            username: Some("user-key-123".into()),
            password: Some("pass-key-456".into()),
            ..ApiConfig::default()
        };
        let text = format!("{config:?}");
        assert!(
            !text.contains("user-key-123") && !text.contains("pass-key-456"),
            "{text}"
        );
        let client = ApiClient::new(config).unwrap();
        let text = format!("{client:?}");
        assert!(
            !text.contains("user-key-123") && !text.contains("pass-key-456"),
            "{text}"
        );
    }

    #[test]
    fn validation_rejects_bad_settings() {
        let bad_rate = ApiConfig {
            requests_per_sec: 0.0,
            ..ApiConfig::default()
        };
        assert!(bad_rate.validate().is_err());
        let userinfo = ApiConfig {
            base_url: "https://u:secretpw@api.example".into(),
            ..ApiConfig::default()
        };
        let err = userinfo.validate().unwrap_err().to_string();
        assert!(!err.contains("secretpw"), "{err}");
        let half = ApiConfig {
            username: Some("u".into()),
            ..ApiConfig::default()
        };
        assert!(half.validate().is_err());
    }

    #[test]
    fn config_from_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let defaults = ApiConfig::from_vars(vars(&[])).unwrap();
        assert_eq!(defaults.base_url, DEFAULT_BASE_URL);
        assert_eq!(defaults.requests_per_sec, 2.0);
        assert_eq!((defaults.username, defaults.password), (None, None));
        let set = ApiConfig::from_vars(vars(&[
            ("RACING_API_BASE_URL", "http://localhost:8080/v1"),
            ("RACING_API_USERNAME", "u"),
            ("RACING_API_PASSWORD", "p"),
            ("RACING_API_RATE", "0.5"),
        ]))
        .unwrap();
        assert_eq!(set.requests_per_sec, 0.5);
        assert_eq!(set.normalized_base(), "http://localhost:8080");
        assert_eq!(set.username.as_deref(), Some("u"));
        let err = ApiConfig::from_vars(vars(&[("RACING_API_RATE", "fast")])).unwrap_err();
        assert!(format!("{err:#}").contains("RACING_API_RATE"));
        assert!(ApiConfig::from_vars(vars(&[("RACING_API_RATE", "-1")])).is_err());
        assert!(ApiConfig::from_vars(vars(&[("RACING_API_PASSWORD", "p")])).is_err());
    }

    #[test]
    fn base_url_normalisation() {
        for url in ["https://h", "https://h/", "https://h/v1", "https://h/v1/"] {
            let c = ApiConfig {
                base_url: url.into(),
                ..ApiConfig::default()
            };
            assert_eq!(c.normalized_base(), "https://h", "{url}");
        }
    }

    #[test]
    fn fastapi_detail_is_readable() {
        let body = r#"{"detail":[{"loc":["query","name"],"msg":"field required","type":"value_error.missing"}]}"#;
        assert_eq!(validation_detail(body), "query.name: field required");
        assert_eq!(validation_detail(r#"{"detail":"bad date"}"#), "bad date");
    }

    #[test]
    fn describe_repeats_array_keys() {
        let q = vec![("date", "2025-10-13".to_string())]
            .into_iter()
            .chain(repeated("region_codes", &["GB".into(), "ire".into()]))
            .collect::<Vec<_>>();
        assert_eq!(
            describe("/v1/racecards/pro", &q),
            "GET /v1/racecards/pro?date=2025-10-13&region_codes=gb&region_codes=ire"
        );
    }
}
