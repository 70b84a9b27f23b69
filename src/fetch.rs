//! Fetching as an anonymous visitor, politely, with hard caps.
//!
//! The audit is only honest if it sees the copy a cookieless visitor gets, so the client has no
//! cookie jar, never busts page caches, and sends a browser-like `Accept`. It runs unattended
//! against sites it does not control, so every request is rate-limited per host, timed out, and
//! its body read under a size cap while streaming. REST probes use a second client that never
//! follows redirects, because a redirect would carry the nonce to wherever it points.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, HeaderMap, HeaderValue};
use reqwest::redirect::{Attempt, Policy};
use thiserror::Error;
use url::Url;

use crate::clock::parse_http_date;

/// Default `User-Agent`: names the tool and where to read about it, as polite crawlers do.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "nonce-audit/",
    env!("CARGO_PKG_VERSION"),
    " (+",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);
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

/// Why a fetch failed, in words an operator can act on.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The request timed out.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// TCP or TLS connection failed.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The body exceeded the cap.
    #[error("body larger than the {limit}-byte cap")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Anything else the HTTP client reported.
    #[error("{0}")]
    Http(String),
}

impl FetchError {
    fn from_reqwest(e: &reqwest::Error, timeout: Duration) -> Self {
        if e.is_timeout() {
            FetchError::Timeout(timeout)
        } else if e.is_connect() {
            FetchError::Connect(root_cause(e))
        } else {
            FetchError::Http(root_cause(e))
        }
    }
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
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            rate_per_host: 8.0,
            max_page_bytes: DEFAULT_MAX_PAGE_BYTES,
            max_sitemap_bytes: DEFAULT_MAX_SITEMAP_BYTES,
        }
    }
}

/// The HTTP side of the audit: two clients and one per-host rate limiter they share.
#[derive(Clone)]
pub struct Fetcher {
    pages: reqwest::Client,
    probes: reqwest::Client,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    config: FetchConfig,
}

fn same_site(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn same_site_redirects(attempt: Attempt) -> reqwest::redirect::Action {
    let first = attempt.previous().first().cloned();
    if attempt.previous().len() > MAX_REDIRECTS {
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
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    async fn wait_turn(&self, url: &Url) {
        if let Some(limiter) = &self.limiter {
            let key = format!(
                "{}:{}",
                url.host_str().unwrap_or(""),
                url.port_or_known_default().unwrap_or(0)
            );
            limiter.until_key_ready(&key).await;
        }
    }

    /// GETs a page as a browser would ask for it (no cookies, no cache-busting).
    pub async fn page(&self, url: &Url) -> Result<Fetched, FetchError> {
        let req = self.pages.get(url.clone()).header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        );
        self.send(url, req, self.config.max_page_bytes).await
    }

    /// GETs a sitemap or robots.txt.
    pub async fn document(&self, url: &Url) -> Result<Fetched, FetchError> {
        let req = self.pages.get(url.clone()).header(
            ACCEPT,
            "application/xml,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        );
        self.send(url, req, self.config.max_sitemap_bytes).await
    }

    /// GETs a REST probe URL with a nonce in `X-WP-Nonce`, never following redirects.
    pub async fn probe(&self, url: &Url, nonce: &str) -> Result<Fetched, FetchError> {
        let req = self
            .probes
            .get(url.clone())
            .header(ACCEPT, "application/json, */*;q=0.1")
            .header("x-wp-nonce", nonce);
        self.send(url, req, MAX_PROBE_BYTES).await
    }

    async fn send(
        &self,
        url: &Url,
        req: reqwest::RequestBuilder,
        cap: usize,
    ) -> Result<Fetched, FetchError> {
        self.wait_turn(url).await;
        let timeout = self.config.timeout;
        let mut resp = req
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(&e, timeout))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut body = BytesMut::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > cap {
                        return Err(FetchError::TooLarge { limit: cap });
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
        })
    }
}

fn quota(rate: f64) -> Option<Quota> {
    if !(rate.is_finite() && rate > 0.0) {
        return None;
    }
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
    fn user_agent_names_tool_version_and_repository() {
        assert!(DEFAULT_USER_AGENT.starts_with("nonce-audit/"));
        assert!(DEFAULT_USER_AGENT.contains(env!("CARGO_PKG_VERSION")));
        assert!(DEFAULT_USER_AGENT.contains("(+http"));
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
