//! Asking the live site whether a nonce is still accepted.
//!
//! WordPress runs its REST cookie check before route matching, so a GET to a route that does not
//! exist, carrying the nonce in `X-WP-Nonce`, answers 404 `rest_no_route` plus a refreshed
//! `X-WP-Nonce` when the nonce is accepted and 403 `rest_cookie_invalid_nonce` when it is not.
//! One control probe per REST root, with a well-formed wrong nonce, proves the check can be
//! observed at all; when it cannot (REST blocked, a WAF page...), nothing on that root is called
//! fresh or dead. Each distinct nonce is probed once, however many pages carry it.

use std::sync::atomic::{AtomicU64, Ordering};

use url::Url;

use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::once::OnceMap;
use crate::util::{origin_of, random_hex};

/// The route probed: a namespace no plugin registers, so the answer is always `rest_no_route`.
pub const PROBE_ROUTE: &str = "/nonce-audit/v1/probe";
/// The query parameter that keeps caches and CDNs from answering a probe.
pub const CACHE_BUSTER: &str = "nonce_audit_cb";

pub use crate::model::ProbeOutcome;

/// Reads the JSON `code` of a WordPress REST error body; `None` for anything that is not one.
pub fn json_code(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("code")?.as_str().map(str::to_owned)
}

fn describe(resp: &Fetched) -> String {
    let ct = resp.header("content-type").unwrap_or("no content type");
    if let Some(code) = json_code(&resp.body) {
        return format!("HTTP {} with REST error code `{code}`", resp.status);
    }
    if (300..400).contains(&resp.status) {
        let to = resp.header("location").unwrap_or("nowhere");
        return format!("HTTP {} redirect to {to} (not followed)", resp.status);
    }
    let is_html = ct.contains("html") || resp.body.trim_ascii_start().starts_with(b"<");
    if is_html {
        let title = crate::util::html_title(&resp.body);
        return match title {
            Some(t) => format!(
                "HTTP {} HTML page \"{t}\" instead of a REST answer",
                resp.status
            ),
            None => format!("HTTP {} HTML page instead of a REST answer", resp.status),
        };
    }
    format!(
        "HTTP {} ({ct}) that is not a WordPress REST answer",
        resp.status
    )
}

/// Classifies a nonce probe's answer. Only the JSON `code` and the `X-WP-Nonce` header count;
/// messages are translated and WAF pages imitate statuses.
pub fn classify(resp: &Fetched) -> ProbeOutcome {
    let server_time = resp.date;
    let code = json_code(&resp.body);
    if code.as_deref() == Some("rest_cookie_invalid_nonce") {
        return ProbeOutcome::Rejected { server_time };
    }
    let refreshed = resp
        .header("x-wp-nonce")
        .map(str::trim)
        .filter(|v| is_nonce(v))
        .map(str::to_owned);
    if refreshed.is_some() {
        return ProbeOutcome::Accepted {
            refreshed,
            server_time,
        };
    }
    if resp.status == 404 && code.as_deref() == Some("rest_no_route") {
        // WordPress 4.4-4.5 sends no refreshed header; the nonce passed the cookie check.
        return ProbeOutcome::Accepted {
            refreshed: None,
            server_time,
        };
    }
    ProbeOutcome::Inconclusive {
        reason: describe(resp),
        server_time,
    }
}

/// What the control probe (a well-formed wrong nonce) showed about a REST root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlOutcome {
    /// 403 `rest_cookie_invalid_nonce`: the cookie check is observable; nonces can be judged.
    Observable,
    /// WordPress's REST API answered, but something decides before the cookie check (a plugin
    /// blocking anonymous REST, a callback returning `true`...): nonces cannot be judged here.
    Blocked(String),
    /// The answer was not WordPress's REST API at all (HTML, a redirect, no answer): probably the
    /// wrong root, a login wall or a WAF.
    NotRest(String),
}

impl ControlOutcome {
    /// Why nonces on this root cannot be judged, if they cannot.
    pub fn problem(&self) -> Option<&str> {
        match self {
            ControlOutcome::Observable => None,
            ControlOutcome::Blocked(r) | ControlOutcome::NotRest(r) => Some(r),
        }
    }
}

/// Classifies the control probe's answer.
pub fn classify_control(resp: &Fetched) -> ControlOutcome {
    match classify(resp) {
        ProbeOutcome::Rejected { .. } => ControlOutcome::Observable,
        ProbeOutcome::Accepted { .. } => ControlOutcome::Blocked(format!(
            "the REST API accepted a made-up nonce (HTTP {}): something answers before WordPress's cookie check",
            resp.status
        )),
        ProbeOutcome::Inconclusive { reason, .. } => {
            let text =
                format!("a made-up nonce did not get 403 rest_cookie_invalid_nonce but {reason}");
            if json_code(&resp.body).is_some() {
                ControlOutcome::Blocked(text)
            } else {
                ControlOutcome::NotRest(text)
            }
        }
    }
}

/// Whether `s` looks like a WordPress nonce (10 lowercase hex characters).
pub fn is_nonce(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The probe URL for a REST root: the probe route plus a random cache-buster. Works for both root
/// forms, `…/wp-json/` and `…?rest_route=/`.
pub fn probe_url(root: &Url, buster: &str) -> Url {
    let mut url = root.clone();
    let rest_route = url
        .query_pairs()
        .find(|(k, _)| k == "rest_route")
        .map(|(_, v)| v.into_owned());
    if let Some(route) = rest_route {
        let route = format!("{}{}", route.trim_end_matches('/'), PROBE_ROUTE);
        let others: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "rest_route")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut q = url.query_pairs_mut();
        q.clear();
        q.append_pair("rest_route", &route);
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        q.append_pair(CACHE_BUSTER, buster);
    } else {
        let path = format!("{}{}", url.path().trim_end_matches('/'), PROBE_ROUTE);
        url.set_path(&path);
        url.query_pairs_mut().append_pair(CACHE_BUSTER, buster);
    }
    url
}

/// Probes nonces once each and REST roots once each, however many pages ask concurrently.
pub struct Verifier {
    fetcher: Fetcher,
    probes: OnceMap<(String, String), ProbeOutcome>,
    controls: OnceMap<String, ControlOutcome>,
    fallback_roots: OnceMap<String, Result<Url, String>>,
    sent: AtomicU64,
}

impl Verifier {
    /// A verifier sending its probes through `fetcher`.
    pub fn new(fetcher: Fetcher) -> Self {
        Self {
            fetcher,
            probes: OnceMap::default(),
            controls: OnceMap::default(),
            fallback_roots: OnceMap::default(),
            sent: AtomicU64::new(0),
        }
    }

    /// REST requests sent so far.
    pub fn probes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    async fn send(&self, root: &Url, nonce: &str) -> Result<Fetched, FetchError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let url = probe_url(root, &random_hex(12));
        tracing::debug!(probe = %url, nonce, "REST probe sent");
        let answer = self.fetcher.probe(&url, nonce).await;
        match &answer {
            Ok(r) => tracing::debug!(probe = %url, nonce, status = r.status, "REST probe answered"),
            Err(e) => tracing::debug!(probe = %url, nonce, error = %e, "REST probe failed"),
        }
        answer
    }

    /// The control probe for `root`, sent once: a random well-formed nonce must be rejected.
    pub async fn control(&self, root: &Url) -> ControlOutcome {
        self.controls
            .get_or_init(root.to_string(), || async {
                match self.send(root, &random_hex(10)).await {
                    Ok(resp) => classify_control(&resp),
                    Err(e) => ControlOutcome::NotRest(format!("the REST root did not answer: {e}")),
                }
            })
            .await
    }

    /// The probe for one nonce on `root`, sent once.
    pub async fn probe(&self, root: &Url, nonce: &str) -> ProbeOutcome {
        self.probes
            .get_or_init((root.to_string(), nonce.to_owned()), || async {
                match self.send(root, nonce).await {
                    Ok(resp) => classify(&resp),
                    Err(e) => ProbeOutcome::Inconclusive {
                        reason: format!("the REST probe failed: {e}"),
                        server_time: None,
                    },
                }
            })
            .await
    }

    /// The REST root of a page that advertises none: the first of `/wp-json/` and
    /// `/?rest_route=/` on its origin whose control probe shows a REST API, found once per
    /// origin. The error says what the last candidate answered.
    pub async fn fallback_root(&self, page: &Url) -> Result<Url, String> {
        let origin = origin_of(page).ok_or_else(|| "the page URL has no origin".to_owned())?;
        self.fallback_roots
            .get_or_init(origin.to_string(), || async {
                let mut last = String::from("no REST root candidate");
                for candidate in ["/wp-json/", "/?rest_route=/"] {
                    let Ok(root) = origin.join(candidate) else {
                        continue;
                    };
                    match self.control(&root).await {
                        ControlOutcome::NotRest(reason) => last = format!("{root}: {reason}"),
                        _ => return Ok(root),
                    }
                }
                Err(format!(
                    "the page advertises no REST root and none of the usual ones answers ({last})"
                ))
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> Fetched {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Fetched {
            url: Url::parse("http://x.test/wp-json/").unwrap(),
            status,
            headers: h,
            body: Bytes::from(body.to_owned()),
            date: None,
            truncated: false,
        }
    }

    const NO_ROUTE: &str = r#"{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}"#;
    const INVALID: &str = r#"{"code":"rest_cookie_invalid_nonce","message":"Cookie check failed","data":{"status":403}}"#;

    #[test]
    fn accepted_with_refreshed_header() {
        let r = resp(404, &[("x-wp-nonce", "65e7cb2052")], NO_ROUTE);
        assert_eq!(
            classify(&r),
            ProbeOutcome::Accepted {
                refreshed: Some("65e7cb2052".into()),
                server_time: None
            }
        );
    }

    #[test]
    fn rejected_by_code_not_message() {
        let translated = INVALID.replace("Cookie check failed", "Échec de la vérification");
        assert!(matches!(
            classify(&resp(403, &[], &translated)),
            ProbeOutcome::Rejected { .. }
        ));
    }

    #[test]
    fn rest_blocked_is_inconclusive_and_names_the_code() {
        let body = r#"{"code":"rest_not_logged_in","message":"Only authenticated users can access the REST API.","data":{"status":401}}"#;
        match classify(&resp(401, &[], body)) {
            ProbeOutcome::Inconclusive { reason, .. } => {
                assert!(reason.contains("rest_not_logged_in"), "{reason}");
                assert!(reason.contains("401"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn waf_html_page_is_inconclusive_with_its_title() {
        let r = resp(
            403,
            &[("content-type", "text/html")],
            "<html><head><title>Attention Required!</title></head></html>",
        );
        match classify(&r) {
            ProbeOutcome::Inconclusive { reason, .. } => {
                assert!(reason.contains("Attention Required!"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_refreshed_header_is_not_acceptance() {
        let r = resp(200, &[("x-wp-nonce", "<script>")], "{}");
        assert!(matches!(classify(&r), ProbeOutcome::Inconclusive { .. }));
    }

    #[test]
    fn control_probe_must_be_rejected() {
        assert_eq!(
            classify_control(&resp(403, &[], INVALID)),
            ControlOutcome::Observable
        );
        let c = classify_control(&resp(200, &[("x-wp-nonce", "0123456789")], "{}"));
        assert!(matches!(&c, ControlOutcome::Blocked(r) if r.contains("accepted a made-up nonce")));
        let blocked = r#"{"code":"rest_not_logged_in","data":{"status":401}}"#;
        assert!(matches!(
            classify_control(&resp(401, &[], blocked)),
            ControlOutcome::Blocked(_)
        ));
        assert!(matches!(
            classify_control(&resp(404, &[("content-type", "text/html")], "<html>")),
            ControlOutcome::NotRest(_)
        ));
    }

    #[test]
    fn probe_url_for_pretty_and_plain_roots() {
        let u = probe_url(&Url::parse("http://s.test/wp-json/").unwrap(), "abc");
        assert_eq!(
            u.as_str(),
            "http://s.test/wp-json/nonce-audit/v1/probe?nonce_audit_cb=abc"
        );
        let u = probe_url(
            &Url::parse("http://s.test/index.php?rest_route=/").unwrap(),
            "abc",
        );
        assert_eq!(
            u.as_str(),
            "http://s.test/index.php?rest_route=%2Fnonce-audit%2Fv1%2Fprobe&nonce_audit_cb=abc"
        );
        let u = probe_url(&Url::parse("http://s.test/blog/wp-json").unwrap(), "x");
        assert_eq!(
            u.as_str(),
            "http://s.test/blog/wp-json/nonce-audit/v1/probe?nonce_audit_cb=x"
        );
    }

    #[test]
    fn nonce_shape() {
        assert!(is_nonce("0123abcdef"));
        assert!(!is_nonce("0123ABCDEF"));
        assert!(!is_nonce("0123abcde"));
        assert!(!is_nonce("0123abcdefg"));
    }
}
