//! Fetching as an anonymous visitor, politely, with hard caps.
//!
//! The audit is only honest if it sees the copy a cookieless visitor gets, so the client has no
//! cookie jar, never busts page caches, and sends a browser-like `Accept`. It runs unattended
//! against sites it does not control, so every request is rate-limited per host, timed out, and
//! its body read under a size cap while streaming. REST probes use a second client that never
//! follows redirects, because a redirect would carry the nonce to wherever it points.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::Rng;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::{Attempt, Policy};
use thiserror::Error;
use url::Url;

use crate::clock::parse_http_date;
use crate::robots::{Robots, parse_robots};
use crate::util::without_os_error;

/// Default `User-Agent`: names the tool and where to read about it, as polite crawlers do.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "nonce-audit/",
    env!("CARGO_PKG_VERSION"),
    " (+",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);
/// Default requests per second per host: polite to a PHP origin, and still 1,000 pages in about
/// two minutes. The CLI's `--rate` default and [`FetchConfig::default`] both read it.
pub const DEFAULT_RATE: f64 = 8.0;
/// The slowest pace a rate limit may set, one request a day per host: slower is a stall rather
/// than a pace, and the limiter cannot hold a period beyond 584 years at all (it panics), so
/// [`FetchConfig::rate_per_host`] values between 0 and this are raised to it. The CLI refuses them.
pub const MIN_RATE: f64 = 1.0 / 86_400.0;
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a page body (after decompression).
pub const DEFAULT_MAX_PAGE_BYTES: usize = 10 * 1024 * 1024;
/// Default cap on a sitemap body (after decompression), the sitemaps.org limit.
pub const DEFAULT_MAX_SITEMAP_BYTES: usize = 50 * 1024 * 1024;
/// Redirects followed for a page or sitemap (within the site only).
pub const MAX_REDIRECTS: usize = 10;
/// A REST answer larger than this is not a WordPress error body; read no further.
pub const MAX_PROBE_BYTES: usize = 256 * 1024;
/// Default number of tries per request (the first plus two retries).
pub const DEFAULT_MAX_TRIES: u32 = 3;
/// Default longest `Retry-After` honoured; a server asking for more is given up on.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// After this many failures in a row (429, 5xx, timeouts...) a host is stopped for the run.
pub const HOST_STOP_AFTER: u32 = 10;
/// The longest a host is slowed down between requests after repeated 429/503 answers.
pub const MAX_SLOWDOWN: Duration = Duration::from_secs(30);
/// robots.txt is read up to this size (RFC 9309 asks for at least 500 KiB).
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;
/// Our robots.txt user-agent token.
pub const ROBOTS_TOKEN: &str = "nonce-audit";
/// Redirects followed for robots.txt, to any host: RFC 9309 §2.3.1.2 asks for at least five, and
/// treats a longer chain as an unavailable file (everything allowed).
pub const MAX_ROBOTS_REDIRECTS: usize = 5;
/// Longest `Crawl-delay` honoured. The directive is not in RFC 9309 and a value like 3600 would
/// turn a 1,000-page audit into six weeks; past this the audit still waits, just not that long.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// The gap kept between requests for a robots.txt `Crawl-delay` of `asked` seconds: capped at
/// [`MAX_CRAWL_DELAY`]; `None` for values that mean nothing (zero, negative, not a number).
pub fn capped_crawl_delay(asked: f64) -> Option<Duration> {
    (asked.is_finite() && asked > 0.0)
        .then(|| Duration::from_secs_f64(asked.min(MAX_CRAWL_DELAY.as_secs_f64())))
}

/// Statuses worth retrying: transient server or proxy trouble (Cloudflare's 520-524 included).
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504 | 520..=524)
}

/// Why a fetch failed, in words an operator can act on.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The request timed out.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// TCP or TLS connection failed.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The server's TLS certificate was refused (self-signed, expired, wrong host).
    #[error(
        "the TLS certificate was not accepted ({0}); a self-signed staging server? --insecure skips the check"
    )]
    Tls(String),
    /// The host name does not resolve.
    #[error("the host name does not resolve ({0}); check the spelling of the URL")]
    Dns(String),
    /// The body exceeded the cap.
    #[error("body larger than the {limit}-byte cap")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The connection broke before an answer came (reset, closed early).
    #[error("the connection failed: {0}")]
    Broken(String),
    /// Anything else the HTTP client reported.
    #[error("{0}")]
    Http(String),
    /// The host failed so often in a row that the audit stopped sending it requests.
    #[error("not fetched: {0}")]
    HostStopped(String),
}

impl FetchError {
    /// Whether trying again may help (network trouble, not a cap or a refusal).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            FetchError::Timeout(_) | FetchError::Connect(_) | FetchError::Broken(_)
        )
    }
}

impl FetchError {
    fn from_reqwest(e: &reqwest::Error, timeout: Duration) -> Self {
        if e.is_timeout() {
            FetchError::Timeout(timeout)
        } else if e.is_connect() {
            let cause = root_cause(e);
            let lower = cause.to_ascii_lowercase();
            if lower.contains("certificate") || lower.contains("unknownissuer") {
                FetchError::Tls(tls_words(&cause))
            } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
                FetchError::Dns(without_os_error(&last_part(&cause)))
            } else {
                FetchError::Connect(connect_words(e).unwrap_or_else(|| without_os_error(&cause)))
            }
        } else if e.is_request() {
            FetchError::Broken(connect_words(e).unwrap_or_else(|| without_os_error(&root_cause(e))))
        } else {
            FetchError::Http(without_os_error(&root_cause(e)))
        }
    }
}

/// The innermost part of an error chain ("a: b: c" gives "c"): what an operator can act on,
/// without the HTTP client's layers around it.
fn last_part(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).trim().to_owned()
}

/// What the socket said, in words an operator acts on, when the chain holds an I/O error of a
/// known kind (the client's own chain reads "client error (Connect): tcp connect error: ...").
fn connect_words(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            let words = match io.kind() {
                K::ConnectionRefused => {
                    "connection refused: nothing answers at that address and port; is the site up?"
                }
                K::ConnectionReset => "the connection was reset by the server",
                K::ConnectionAborted => "the connection was aborted",
                K::TimedOut => "the connection timed out",
                K::HostUnreachable => "the host is unreachable from here",
                K::NetworkUnreachable => "the network is unreachable from here",
                K::AddrNotAvailable => "the address is not available",
                _ => return Some(without_os_error(&io.to_string())),
            };
            return Some(words.to_owned());
        }
        src = s.source();
    }
    None
}

/// The TLS client's verdict on a certificate, in words (`invalid peer certificate:
/// Other(OtherError(CaUsedAsEndEntity))` says "self-signed" to nobody).
fn tls_words(chain: &str) -> String {
    let known = [
        (
            "CaUsedAsEndEntity",
            "the server presents a CA certificate as its own (self-signed)",
        ),
        (
            "UnknownIssuer",
            "issued by an authority this machine does not trust (self-signed?)",
        ),
        ("Expired", "the certificate has expired"),
        (
            "NotValidYet",
            "the certificate is not valid yet (check the clocks)",
        ),
        (
            "NotValidForName",
            "the certificate is not valid for this host name",
        ),
        ("Revoked", "the certificate is revoked"),
        ("BadSignature", "the certificate's signature is invalid"),
    ];
    known
        .iter()
        .find(|(k, _)| chain.contains(k))
        .map(|(_, w)| (*w).to_owned())
        .unwrap_or_else(|| without_os_error(&last_part(chain)))
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

/// A response read to the end (or to its cap).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL that answered (after same-site redirects).
    pub url: Url,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The decompressed body.
    pub body: Bytes,
    /// The server's clock, from its `Date` header.
    pub date: Option<DateTime<Utc>>,
    /// The body was cut at its size cap (sitemaps and robots.txt keep their first bytes rather
    /// than losing the whole file); the reader must say the list is partial.
    pub truncated: bool,
}

impl Fetched {
    /// A header as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Settings for [`Fetcher`].
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// `User-Agent` header.
    pub user_agent: String,
    /// Total timeout per request.
    pub timeout: Duration,
    /// Max requests per second per host; 0 disables the limit.
    pub rate_per_host: f64,
    /// Page body cap.
    pub max_page_bytes: usize,
    /// Sitemap body cap.
    pub max_sitemap_bytes: usize,
    /// Tries per request for transient failures (1 = no retry).
    pub max_tries: u32,
    /// First retry delay; doubles each try, plus jitter.
    pub retry_base: Duration,
    /// Longest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// Extra headers (`--header`), sent only to the audited site's origin.
    pub site_headers: Vec<(String, Secret)>,
    /// Basic-auth credentials (`--basic-auth`), sent only to the audited site's origin.
    pub basic_auth: Option<(String, Secret)>,
    /// Accept invalid TLS certificates (`--insecure`, for staging servers).
    pub insecure: bool,
    /// Fetch pages even where robots.txt disallows them (`--ignore-robots`, for your own site).
    pub ignore_robots: bool,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            rate_per_host: DEFAULT_RATE,
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
            max_sitemap_bytes: DEFAULT_MAX_SITEMAP_BYTES,
            max_tries: DEFAULT_MAX_TRIES,
            retry_base: Duration::from_millis(500),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            site_headers: Vec::new(),
            basic_auth: None,
            insecure: false,
            ignore_robots: false,
        }
    }
}

/// A value that must never appear in logs, reports or `Debug` output (passwords, tokens).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// What robots.txt said, fetched once per origin.
#[derive(Debug, Clone)]
pub enum RobotsState {
    /// Parsed from a 2xx answer.
    Rules(Arc<Robots>),
    /// 4xx: RFC 9309 says everything is allowed.
    Missing(u16),
    /// 5xx or no answer: RFC 9309 says nothing is allowed.
    Unreachable(RobotsFailure),
}

/// Why robots.txt could not be read. Discovery needs to tell them apart: a server error still
/// leaves the well-known sitemap paths worth a try, no answer at all does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsFailure {
    /// The site URL has no place for a robots.txt.
    NoUrl,
    /// The server answered robots.txt with this 5xx (or other non-2xx, non-4xx) status.
    Status(u16),
    /// No answer, after retries: the reason.
    NoAnswer(String),
}

impl std::fmt::Display for RobotsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoUrl => f.write_str("no robots.txt URL"),
            Self::Status(s) => write!(f, "robots.txt answered HTTP {s}"),
            Self::NoAnswer(why) => write!(f, "robots.txt: {why}"),
        }
    }
}

#[derive(Debug, Default)]
struct HostState {
    failures_in_a_row: u32,
    slowdown: Duration,
    stopped: Option<String>,
    min_interval: Duration,
    next_at: Option<Instant>,
}

/// The HTTP side of the audit: two clients and one per-host rate limiter they share.
#[derive(Clone)]
pub struct Fetcher {
    pages: reqwest::Client,
    probes: reqwest::Client,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    config: FetchConfig,
    site: Arc<OnceLock<Url>>,
    /// Basic auth found in the userinfo of a URL list's lines for the audited site.
    site_auth: Arc<OnceLock<(String, Secret)>>,
    hosts: Arc<Mutex<HashMap<String, HostState>>>,
    robots: Arc<tokio::sync::Mutex<HashMap<String, Arc<tokio::sync::OnceCell<RobotsState>>>>>,
}

fn host_key(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn same_site(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The chain `a → b → a` as text, for the error that names a redirect loop.
fn loop_chain(previous: &[Url], next: &Url) -> String {
    let start = previous.iter().position(|u| u == next).unwrap_or(0);
    let mut chain: Vec<&str> = previous[start..].iter().map(Url::as_str).collect();
    chain.push(next.as_str());
    chain.join(" → ")
}

fn same_site_redirects(attempt: Attempt) -> reqwest::redirect::Action {
    let first = attempt.previous().first().cloned();
    if attempt.previous().contains(attempt.url()) {
        // A revisit can only repeat: stop at once instead of burning the redirect limit.
        let chain = loop_chain(attempt.previous(), attempt.url());
        attempt.error(format!("redirect loop: {chain}"))
    } else if attempt.previous().len() > MAX_REDIRECTS {
        attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
    } else if first.is_some_and(|f| same_site(&f, attempt.url())) {
        attempt.follow()
    } else {
        // Cross-site: hand the 3xx back so the row can say where it pointed.
        attempt.stop()
    }
}

impl Fetcher {
    /// Builds the clients. Fails only if the TLS backend cannot initialise.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        let base = || {
            reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .default_headers(headers.clone())
                .connect_timeout(DEFAULT_CONNECT_TIMEOUT.min(config.timeout))
                .timeout(config.timeout)
                .read_timeout(config.timeout)
                .pool_max_idle_per_host(64)
                .tls_danger_accept_invalid_certs(config.insecure)
        };
        let pages = base()
            .redirect(Policy::custom(same_site_redirects))
            .build()
            .map_err(|e| FetchError::Http(root_cause(&e)))?;
        let probes = base()
            .redirect(Policy::none())
            .build()
            .map_err(|e| FetchError::Http(root_cause(&e)))?;
        let limiter = quota(config.rate_per_host).map(|q| Arc::new(RateLimiter::keyed(q)));
        Ok(Self {
            pages,
            probes,
            limiter,
            config,
            site: Arc::new(OnceLock::new()),
            site_auth: Arc::new(OnceLock::new()),
            hosts: Arc::new(Mutex::new(HashMap::new())),
            robots: Arc::new(tokio::sync::Mutex::new(HashMap::new())),
        })
    }

    /// Declares the audited site's origin: the only place `--header` and `--basic-auth` go.
    /// The first call wins.
    pub fn set_site(&self, origin: &Url) {
        let _ = self.site.set(origin.clone());
    }

    /// Basic auth for the audited site learnt from the input (the userinfo of a URL list's
    /// lines, taken out of the URLs so that it is never printed): sent, like `--basic-auth`,
    /// with every request to the site's origin and nowhere else. `--basic-auth` wins; the
    /// first call wins.
    pub fn set_site_basic_auth(&self, user: String, pass: Secret) {
        let _ = self.site_auth.set((user, pass));
    }

    fn is_site(&self, url: &Url) -> bool {
        self.site.get().is_some_and(|s| same_site(s, url))
    }

    fn with_site_credentials(
        &self,
        url: &Url,
        mut req: reqwest::RequestBuilder,
    ) -> reqwest::RequestBuilder {
        if !self.is_site(url) {
            return req;
        }
        for (name, value) in &self.config.site_headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value.0),
            ) {
                req = req.header(n, v);
            }
        }
        if let Some((user, pass)) = self
            .config
            .basic_auth
            .as_ref()
            .or_else(|| self.site_auth.get())
        {
            req = req.basic_auth(user, Some(&pass.0));
        }
        req
    }

    /// robots.txt for the origin of `url`, fetched once per run and shared by discovery and the
    /// page fetchers. Its `Crawl-delay` for our token becomes the host's minimum interval.
    pub async fn robots(&self, url: &Url) -> RobotsState {
        let key = host_key(url);
        let cell = {
            let mut map = self.robots.lock().await;
            Arc::clone(map.entry(key.clone()).or_default())
        };
        cell.get_or_init(|| async {
            let Ok(robots_url) = url.join("/robots.txt") else {
                return RobotsState::Unreachable(RobotsFailure::NoUrl);
            };
            let r = match self.robots_following_redirects(&robots_url).await {
                Ok(r) => r,
                Err(RobotsHop::TooMany(status)) => return RobotsState::Missing(status),
                Err(RobotsHop::Failed(e)) => {
                    return RobotsState::Unreachable(RobotsFailure::NoAnswer(e));
                }
            };
            if (200..300).contains(&r.status) {
                let robots = parse_robots(&r.body, ROBOTS_TOKEN);
                // --ignore-robots (the operator's own site) ignores Crawl-delay too.
                let delay = robots
                    .crawl_delay
                    .and_then(capped_crawl_delay)
                    .filter(|_| !self.config.ignore_robots);
                if let Some(delay) = delay {
                    if let Ok(mut hosts) = self.hosts.lock() {
                        hosts.entry(key).or_default().min_interval = delay;
                    }
                }
                RobotsState::Rules(Arc::new(robots))
            } else if (400..500).contains(&r.status) {
                RobotsState::Missing(r.status)
            } else {
                RobotsState::Unreachable(RobotsFailure::Status(r.status))
            }
        })
        .await
        .clone()
    }

    /// GETs robots.txt following up to [`MAX_ROBOTS_REDIRECTS`] redirects to any host, as RFC
    /// 9309 §2.3.1.2 says: a site moving its robots.txt to a CDN host still has rules. Each hop
    /// is its own request, so `--header` and `--basic-auth` only go to hops on the audited origin.
    async fn robots_following_redirects(&self, first: &Url) -> Result<Fetched, RobotsHop> {
        let mut at = first.clone();
        let mut visited = vec![first.clone()];
        loop {
            let req = self
                .probes
                .get(at.clone())
                .header(ACCEPT, "text/plain,*/*;q=0.5");
            let req = self.with_site_credentials(&at, req);
            let r = self
                .send(&at, req, MAX_ROBOTS_BYTES, Overflow::KeepHead)
                .await
                .map_err(|e| RobotsHop::Failed(e.to_string()))?;
            if !(300..400).contains(&r.status) {
                return Ok(r);
            }
            let next = r
                .header("location")
                .and_then(|l| at.join(l.trim()).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            let Some(next) = next else {
                return Err(RobotsHop::Failed(format!(
                    "{at} answered HTTP {} without a usable Location",
                    r.status
                )));
            };
            if visited.contains(&next) {
                tracing::warn!(robots = %first, "robots.txt redirect loop: {}", loop_chain(&visited, &next));
                return Err(RobotsHop::TooMany(r.status));
            }
            if visited.len() > MAX_ROBOTS_REDIRECTS {
                tracing::warn!(robots = %first, "robots.txt redirects more than {MAX_ROBOTS_REDIRECTS} times");
                return Err(RobotsHop::TooMany(r.status));
            }
            visited.push(next.clone());
            at = next;
        }
    }

    /// Whether robots.txt lets us fetch `url`; `Err` says why not, for the page's row.
    pub async fn robots_allow(&self, url: &Url) -> Result<(), String> {
        if self.config.ignore_robots {
            return Ok(());
        }
        match self.robots(url).await {
            RobotsState::Missing(_) => Ok(()),
            RobotsState::Rules(r) => {
                let path = &url[url::Position::BeforePath..];
                if r.allowed(path) {
                    Ok(())
                } else {
                    Err(format!(
                        "disallowed by robots.txt for user-agent {ROBOTS_TOKEN} (use --ignore-robots on your own site)"
                    ))
                }
            }
            // No answer at all: the page would get none either, and --ignore-robots cannot help.
            RobotsState::Unreachable(RobotsFailure::NoAnswer(e)) => {
                Err(format!("the site does not answer: {e}"))
            }
            RobotsState::Unreachable(why) => Err(format!(
                "{why}; RFC 9309 says to crawl nothing then (use --ignore-robots on your own site)"
            )),
        }
    }

    /// The settings in use (the walk reads `ignore_robots` from them).
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    async fn wait_turn(&self, url: &Url) -> Result<(), FetchError> {
        let key = host_key(url);
        // Crawl-delay and the slow-down after 429/503 space requests out on top of the rate.
        let wait = {
            let Ok(mut hosts) = self.hosts.lock() else {
                return Ok(());
            };
            let h = hosts.entry(key.clone()).or_default();
            if let Some(why) = &h.stopped {
                return Err(FetchError::HostStopped(why.clone()));
            }
            let gap = h.min_interval.max(h.slowdown);
            let now = Instant::now();
            let at = h.next_at.map_or(now, |n| n.max(now));
            h.next_at = (!gap.is_zero()).then(|| at + gap);
            at.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_key_ready(&key).await;
        }
        Ok(())
    }

    /// Keeps the per-host failure count: 429 doubles the gap between requests (from 500 ms, up
    /// to [`MAX_SLOWDOWN`]), other server errors add 200 ms (up to 10 s), a success resets both,
    /// and [`HOST_STOP_AFTER`] failures in a row stop the host.
    fn record(&self, url: &Url, failure: Option<String>, status: Option<u16>) {
        let Ok(mut hosts) = self.hosts.lock() else {
            return;
        };
        let h = hosts.entry(host_key(url)).or_default();
        match failure {
            None => {
                h.failures_in_a_row = 0;
                h.slowdown = Duration::ZERO;
            }
            Some(why) => {
                h.failures_in_a_row += 1;
                match status {
                    Some(429) => {
                        h.slowdown = (h.slowdown * 2)
                            .max(Duration::from_millis(500))
                            .min(MAX_SLOWDOWN);
                    }
                    Some(_) => {
                        h.slowdown =
                            (h.slowdown + Duration::from_millis(200)).min(Duration::from_secs(10));
                    }
                    None => {}
                }
                if h.failures_in_a_row >= HOST_STOP_AFTER && h.stopped.is_none() {
                    let why = format!(
                        "{} stopped after {} failures in a row (last: {why})",
                        url.host_str().unwrap_or("the host"),
                        h.failures_in_a_row
                    );
                    tracing::warn!(
                        host = url.host_str().unwrap_or(""),
                        "{why}; no more requests go there"
                    );
                    h.stopped = Some(why);
                }
            }
        }
    }

    /// The gap kept between requests to the host of `url` (Crawl-delay), for tests.
    #[cfg(test)]
    fn min_interval(&self, url: &Url) -> Duration {
        self.hosts
            .lock()
            .ok()
            .and_then(|h| h.get(&host_key(url)).map(|h| h.min_interval))
            .unwrap_or_default()
    }

    /// Whether the host of `url` has been stopped for failing too often, and why.
    pub fn host_stopped(&self, url: &Url) -> Option<String> {
        self.hosts
            .lock()
            .ok()?
            .get(&host_key(url))
            .and_then(|h| h.stopped.clone())
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.retry_base;
        let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
        let jitter_ms = u64::try_from(base.as_millis() / 2).unwrap_or(0);
        let jitter = Duration::from_millis(rand::rng().random_range(0..=jitter_ms));
        exp + jitter
    }

    /// GETs a page as a browser would ask for it (no cookies, no cache-busting).
    pub async fn page(&self, url: &Url) -> Result<Fetched, FetchError> {
        let req = self.pages.get(url.clone()).header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        );
        let req = self.with_site_credentials(url, req);
        self.send(url, req, self.config.max_page_bytes, Overflow::Fail)
            .await
    }

    /// GETs a sitemap. A body over the cap is cut there, not refused: the sitemaps.org limit is
    /// what a reader must read, and the URLs before the cut are worth auditing
    /// ([`Fetched::truncated`] says so).
    pub async fn document(&self, url: &Url) -> Result<Fetched, FetchError> {
        let req = self.pages.get(url.clone()).header(
            ACCEPT,
            "application/xml,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        );
        let req = self.with_site_credentials(url, req);
        self.send(url, req, self.config.max_sitemap_bytes, Overflow::KeepHead)
            .await
    }

    /// GETs a JSON document of the audited site (the REST index), no nonce, page-sized cap.
    pub async fn json(&self, url: &Url) -> Result<Fetched, FetchError> {
        let req = self
            .probes
            .get(url.clone())
            .header(ACCEPT, "application/json, */*;q=0.1");
        let req = self.with_site_credentials(url, req);
        self.send(url, req, self.config.max_page_bytes, Overflow::Fail)
            .await
    }

    /// GETs a REST probe URL with a nonce in `X-WP-Nonce`, never following redirects.
    pub async fn probe(&self, url: &Url, nonce: &str) -> Result<Fetched, FetchError> {
        let req = self
            .probes
            .get(url.clone())
            .header(ACCEPT, "application/json, */*;q=0.1")
            .header("x-wp-nonce", nonce);
        let req = self.with_site_credentials(url, req);
        self.send(url, req, MAX_PROBE_BYTES, Overflow::Fail).await
    }

    /// Sends with retries: transient failures are tried again with exponential backoff and
    /// jitter, `Retry-After` is honoured up to a cap, and the host is slowed down or stopped
    /// when it keeps failing. The last answer is returned as is (a 503 stays a 503).
    async fn send(
        &self,
        url: &Url,
        req: reqwest::RequestBuilder,
        cap: usize,
        overflow: Overflow,
    ) -> Result<Fetched, FetchError> {
        let tries = self.config.max_tries.max(1);
        let mut attempt = 1;
        let mut req = Some(req);
        loop {
            // The last try sends the request itself; earlier ones a copy, kept for the retry.
            let this = if attempt >= tries {
                req.take()
            } else {
                req.as_ref().and_then(reqwest::RequestBuilder::try_clone)
            }
            .ok_or_else(|| FetchError::Http("request cannot be retried".to_owned()))?;
            self.wait_turn(url).await?;
            let result = self.send_once(this, cap, overflow).await;
            let last = attempt >= tries;
            match result {
                Ok(f) if retryable_status(f.status) => {
                    self.record(url, Some(format!("HTTP {}", f.status)), Some(f.status));
                    let asked = retry_after(&f);
                    if last || self.host_stopped(url).is_some() {
                        return Ok(f);
                    }
                    let wait = match asked {
                        Some(d) if d > self.config.max_retry_after => {
                            tracing::info!(
                                url = %url,
                                status = f.status,
                                retry_after_s = d.as_secs(),
                                "Retry-After is longer than the cap; not retried"
                            );
                            return Ok(f);
                        }
                        Some(d) => d.max(self.backoff(attempt)),
                        None => self.backoff(attempt),
                    };
                    tracing::info!(
                        url = %url,
                        status = f.status,
                        attempt,
                        of = tries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying after HTTP {}", f.status
                    );
                    tokio::time::sleep(wait).await;
                }
                Ok(f) => {
                    self.record(url, None, None);
                    return Ok(f);
                }
                Err(e) if e.retryable() => {
                    self.record(url, Some(e.to_string()), None);
                    if last || self.host_stopped(url).is_some() {
                        return Err(e);
                    }
                    let wait = self.backoff(attempt);
                    tracing::info!(
                        url = %url,
                        error = %e,
                        attempt,
                        of = tries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying after a transient error"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        req: reqwest::RequestBuilder,
        cap: usize,
        overflow: Overflow,
    ) -> Result<Fetched, FetchError> {
        let timeout = self.config.timeout;
        let mut resp = req
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(&e, timeout))?;
        let status = resp.status().as_u16();
        // The body is read through `resp` below; its headers are not needed there.
        let headers = std::mem::take(resp.headers_mut());
        let final_url = resp.url().clone();
        // Size the buffer once when the length is announced (never beyond the cap), instead of
        // letting it double past what the body needs.
        let announced = resp
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let mut body = BytesMut::with_capacity(announced.min(cap));
        let mut truncated = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        if overflow == Overflow::Fail {
                            return Err(FetchError::TooLarge { limit: cap });
                        }
                        // Keep the head and stop reading: an endless body ends here too.
                        let room = cap - body.len();
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(FetchError::from_reqwest(&e, timeout)),
            }
        }
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        Ok(Fetched {
            url: final_url,
            status,
            headers,
            body: body.freeze(),
            date,
            truncated,
        })
    }
}

/// What a body over its cap means: an error for pages and probes (a 10 MB HTML page is not one
/// to judge), the first bytes for sitemaps and robots.txt (their formats are read line by line
/// or entry by entry, and their standards say how much to read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Fail,
    KeepHead,
}

/// Why following robots.txt redirects ended without a file.
enum RobotsHop {
    /// More than [`MAX_ROBOTS_REDIRECTS`], or a loop: RFC 9309 treats the file as unavailable.
    TooMany(u16),
    /// A hop failed (network error after retries, or a redirect without a usable `Location`).
    Failed(String),
}

/// The delay a `Retry-After` header asks for: delta-seconds, or an HTTP-date measured against the
/// response's own `Date` (the server's clock), else the local clock.
pub fn retry_after(f: &Fetched) -> Option<Duration> {
    let v = f.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    let now = f.date.unwrap_or_else(chrono::Utc::now);
    let secs = (at - now).num_seconds().max(0);
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn quota(rate: f64) -> Option<Quota> {
    if !(rate.is_finite() && rate > 0.0) {
        return None;
    }
    let rate = rate.max(MIN_RATE);
    if rate >= 1.0 && rate.fract() == 0.0 && rate <= f64::from(u32::MAX) {
        // Whole rates: N per second with a burst of one, so requests are spread evenly.
        let period = Duration::from_secs_f64(1.0 / rate);
        return Quota::with_period(period).map(|q| q.allow_burst(NonZeroU32::MIN));
    }
    Quota::with_period(Duration::from_secs_f64(1.0 / rate))
}

/// Whether two URLs share scheme, host and port: the boundary nonces and credentials never cross.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    same_site(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_names_become_words() {
        assert_eq!(
            tls_words("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"),
            "the server presents a CA certificate as its own (self-signed)"
        );
        assert_eq!(
            tls_words("invalid peer certificate: UnknownIssuer"),
            "issued by an authority this machine does not trust (self-signed?)"
        );
        assert_eq!(tls_words("a: b: something new"), "something new");
    }

    #[test]
    fn a_refused_connection_is_said_in_words() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let words = connect_words(&io).unwrap_or_default();
        assert!(words.starts_with("connection refused"), "{words}");
        assert!(!words.contains("os error"));
    }

    #[test]
    fn tls_and_dns_failures_say_what_to_do() {
        assert_eq!(
            last_part(
                "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer"
            ),
            "UnknownIssuer"
        );
        let tls = FetchError::Tls("UnknownIssuer".to_owned()).to_string();
        assert!(tls.contains("--insecure"), "{tls}");
        assert!(!FetchError::Tls(String::new()).retryable());
        let dns = FetchError::Dns("Name or service not known".to_owned()).to_string();
        assert!(dns.contains("check the spelling"), "{dns}");
    }

    #[test]
    fn user_agent_names_tool_version_and_repository() {
        assert!(DEFAULT_USER_AGENT.starts_with("nonce-audit/"));
        assert!(DEFAULT_USER_AGENT.contains(env!("CARGO_PKG_VERSION")));
        assert!(DEFAULT_USER_AGENT.contains("(+http"));
    }

    fn fetched(headers: &[(&'static str, &str)]) -> Fetched {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        let date = h
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date);
        Fetched {
            url: Url::parse("http://x.test/").unwrap(),
            status: 503,
            headers: h,
            body: Bytes::new(),
            date,
            truncated: false,
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_on_the_server_clock() {
        assert_eq!(
            retry_after(&fetched(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        let f = fetched(&[
            ("date", "Tue, 24 Nov 2026 10:00:00 GMT"),
            ("retry-after", "Tue, 24 Nov 2026 10:00:30 GMT"),
        ]);
        assert_eq!(retry_after(&f), Some(Duration::from_secs(30)));
        let past = fetched(&[
            ("date", "Tue, 24 Nov 2026 10:00:00 GMT"),
            ("retry-after", "Tue, 24 Nov 2026 09:00:00 GMT"),
        ]);
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        assert_eq!(retry_after(&fetched(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&fetched(&[])), None);
    }

    /// A loopback server answering every request with this robots.txt.
    async fn robots_server(body: &'static str) -> Url {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(body.as_bytes()).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn crawl_delay_is_capped_and_ignore_robots_ignores_it() {
        let site = robots_server("User-agent: *\nCrawl-delay: 3600\n").await;
        let f = Fetcher::new(FetchConfig::default()).unwrap();
        assert!(matches!(f.robots(&site).await, RobotsState::Rules(_)));
        assert_eq!(f.min_interval(&site), MAX_CRAWL_DELAY);

        let f = Fetcher::new(FetchConfig {
            ignore_robots: true,
            ..FetchConfig::default()
        })
        .unwrap();
        assert!(matches!(f.robots(&site).await, RobotsState::Rules(_)));
        assert_eq!(f.min_interval(&site), Duration::ZERO);

        let polite = robots_server("User-agent: *\nCrawl-delay: 2.5\n").await;
        let f = Fetcher::new(FetchConfig::default()).unwrap();
        f.robots(&polite).await;
        assert_eq!(f.min_interval(&polite), Duration::from_millis(2500));
        assert_eq!(capped_crawl_delay(0.0), None);
        assert_eq!(capped_crawl_delay(f64::NAN), None);
    }

    #[test]
    fn retryable_statuses_are_the_transient_ones() {
        for s in [408, 425, 429, 500, 502, 503, 504, 520, 524] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [200, 301, 403, 404, 410, 501, 525] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let c = FetchConfig {
            basic_auth: Some(("user".into(), Secret("hunter2".into()))),
            site_headers: vec![("X-Token".into(), Secret("t0k3n".into()))],
            ..FetchConfig::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("t0k3n"), "{dbg}");
    }

    #[test]
    fn zero_or_invalid_rate_means_unlimited() {
        assert!(quota(0.0).is_none());
        assert!(quota(-1.0).is_none());
        assert!(quota(f64::NAN).is_none());
        assert!(quota(8.0).is_some());
        assert!(quota(0.5).is_some());
    }

    #[test]
    fn rates_too_slow_for_a_period_are_raised_not_a_panic() {
        for rate in [1e-300, f64::MIN_POSITIVE, 1e-12] {
            let q = quota(rate).expect("a limit");
            assert_eq!(q.replenish_interval(), Duration::from_secs(86_400));
        }
        assert!(quota(1e300).is_none(), "too fast to pace is no limit");
    }

    #[test]
    fn origin_comparison_includes_scheme_and_port() {
        let a = Url::parse("http://example.com/a").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("http://example.com:80/b").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://example.com/a").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://example.com:8080/a").unwrap()
        ));
        assert!(!same_origin(&a, &Url::parse("http://evil.test/a").unwrap()));
    }
}
