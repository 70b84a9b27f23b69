//! A simulated WordPress site served over real loopback HTTP, for the tests and for `demo`.
//!
//! It exists so that nonce-audit can be proved end to end without a PHP stack: robots.txt, a core
//! style sitemap index, pages that embed `wpApiSettings` with nonces computed by core's real
//! algorithm, a page cache with a configurable lifespan in front of them, and a REST root that
//! behaves like `rest_cookie_check_errors()`. Its clock is controllable and its `Date` header
//! follows that clock, so tests can place pages in any tick without waiting.

pub mod corpus;
pub mod wordpress;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::clock::NonceClock;
use wordpress::{RestAuth, create_nonce, rest_cookie_check};

/// How a simulated page prints (or does not print) its REST nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Core's `wp-api-request` localize block (`var wpApiSettings = {...};`, WordPress 6.1 style).
    WpApiSettings,
    /// Core's `wp-api-fetch` inline script (`createNonceMiddleware( "..." )`, 5.3+ style).
    ApiFetch,
    /// A page with no REST nonce at all.
    NoNonce,
    /// The page answers this HTTP status with a short HTML error body.
    Status(u16),
    /// Raw HTML; `{{nonce}}` and `{{root}}` are replaced by the page's nonce and REST root.
    Template(String),
    /// A 302 redirect to this URL.
    Redirect(String),
    /// Answers 503 with `Retry-After: 1` this many times, then like [`Shape::WpApiSettings`].
    Flaky(u32),
    /// Like [`Shape::WpApiSettings`], but the nonce is filled in at delivery with the current
    /// tick's value whatever the copy's age (what LiteSpeed ESI nonces do).
    EsiNonce,
}

/// What the simulated page cache looks like from outside: the headers it adds on a hit and on a
/// miss, whether it sends `Age`, and the comment it writes into the HTML. In header values and
/// the marker, `{{unix}}`, `{{gmt}}` (HTTP-date) and `{{local}}` (`Y-m-d H:i:s` in the site's
/// time zone) are the copy's generation time, so the simulated site can wear any cache layer's
/// fingerprint from the facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheFace {
    /// Headers on a cache hit.
    pub hit_headers: Vec<(String, String)>,
    /// Headers on a miss.
    pub miss_headers: Vec<(String, String)>,
    /// Whether an `Age` header is sent (on hits and misses).
    pub age: bool,
    /// A comment appended to the HTML of cached copies (hits only, unless `stamp_on_miss`).
    pub marker: Option<String>,
    /// Whether the marker is printed on misses too, stamped with the render time (LiteSpeed
    /// prints its comment on every render; WP Rocket's `cached@` is only in the stored file).
    pub stamp_on_miss: bool,
}

impl CacheFace {
    /// Varnish: `Age`, `Via`, and `X-Varnish` with two ids on a hit.
    pub fn varnish() -> Self {
        let h = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        Self {
            hit_headers: h(&[
                ("via", "1.1 varnish (Varnish/7.1)"),
                ("x-varnish", "32770 3"),
                ("x-varnish-cache", "HIT"),
            ]),
            miss_headers: h(&[
                ("via", "1.1 varnish (Varnish/7.1)"),
                ("x-varnish", "32770"),
                ("x-varnish-cache", "MISS"),
            ]),
            age: true,
            marker: None,
            stamp_on_miss: false,
        }
    }

    /// A face from header pairs and an optional marker.
    pub fn new(
        hit: &[(&str, &str)],
        miss: &[(&str, &str)],
        age: bool,
        marker: Option<&str>,
    ) -> Self {
        let h = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        Self {
            hit_headers: h(hit),
            miss_headers: h(miss),
            age,
            marker: marker.map(str::to_owned),
            stamp_on_miss: false,
        }
    }

    /// The same face, printing its marker (stamped with the render time) on misses too.
    pub fn stamping_misses(mut self) -> Self {
        self.stamp_on_miss = true;
        self
    }
}

/// One page of the simulated site.
#[derive(Debug, Clone)]
pub struct SimPage {
    /// Path and query, starting with `/`.
    pub path: String,
    /// What the page prints.
    pub shape: Shape,
    /// Unix time at which the cache stored this page's copy; `None` means not cached yet.
    pub cached_at: Option<i64>,
    /// The action the page's REST nonce is made for (`wp_rest` unless a plugin gets it wrong).
    pub action: String,
    /// The `NONCE_KEY . NONCE_SALT` the stored copy (`cached_at`) was made with, when the site's
    /// keys changed since; `None`: the site's current keys.
    pub copy_salt: Option<String>,
    /// Whether the stored copy (`cached_at`) is a logged-in user's render (user 1): the admin
    /// bar, the `logged-in` body class, `userSettings`, a logout link and that user's nonce.
    pub logged_in_copy: bool,
}

impl SimPage {
    /// A page with the given shape and no cached copy.
    pub fn new(path: impl Into<String>, shape: Shape) -> Self {
        Self {
            path: path.into(),
            shape,
            cached_at: None,
            action: "wp_rest".to_owned(),
            copy_salt: None,
            logged_in_copy: false,
        }
    }

    /// The same page, printing a nonce made for `action` instead of `wp_rest` (a plugin bug
    /// no cache setting can fix).
    pub fn with_action(mut self, action: &str) -> Self {
        self.action = action.to_owned();
        self
    }

    /// The same page, its stored copy made with other keys/salts (the site's keys changed since).
    pub fn copy_made_with_salt(mut self, salt: &str) -> Self {
        self.copy_salt = Some(salt.to_owned());
        self
    }

    /// The same page, its stored copy a logged-in user's render.
    pub fn logged_in_copy(mut self) -> Self {
        self.logged_in_copy = true;
        self
    }

    /// The same page with a cached copy generated at Unix time `t`.
    pub fn cached_at(mut self, t: i64) -> Self {
        self.cached_at = Some(t);
        self
    }
}

/// How the simulated REST API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestMode {
    /// Like core: 404 `rest_no_route` + `X-WP-Nonce` for valid nonces, 403 for invalid ones.
    Core,
    /// A plugin rejects anonymous REST requests first: 401 `rest_not_logged_in` for everyone.
    BlockedAnonymous,
    /// A WAF answers every REST request with an HTML 403 page.
    WafHtml,
    /// The REST root never answers (the connection stays open).
    Hang,
}

/// Which permalink structure the simulated site uses (it changes the REST root and sitemap URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permalinks {
    /// `/%postname%/`: REST at `/wp-json/`, sitemaps at `/wp-sitemap.xml`.
    Pretty,
    /// Empty structure: REST at `/index.php?rest_route=/`, sitemaps at `/?sitemap=index`.
    Plain,
}

/// Configuration of a simulated site.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The site's `nonce_life` in seconds.
    pub nonce_life_s: u64,
    /// `NONCE_KEY . NONCE_SALT`.
    pub salt: String,
    /// The pages, in sitemap order.
    pub pages: Vec<SimPage>,
    /// Page-cache lifespan in seconds; `None` means no page cache (every view is fresh).
    pub cache_ttl_s: Option<u64>,
    /// How REST answers.
    pub rest: RestMode,
    /// Permalink structure.
    pub permalinks: Permalinks,
    /// Pages per sitemap file (core uses 2,000).
    pub per_sitemap: usize,
    /// The initial (frozen) Unix time of the simulated clock.
    pub now: i64,
    /// Real time every page answer takes (slow origins, interruption tests).
    pub page_delay: Duration,
    /// Extra robots.txt lines (rules for tests of robots handling).
    pub robots_extra: String,
    /// What the page cache looks like from outside.
    pub face: CacheFace,
    /// The site's UTC offset in seconds (its `gmt_offset` option), for local-time markers and the
    /// REST index.
    pub gmt_offset_s: i32,
    /// Whether the page cache ignores query strings (serves the stored copy for `/a/?x=1`), so a
    /// cache-busting query gets the stale copy; otherwise a URL with the auditor's cache-buster
    /// is rendered fresh and not stored.
    pub cache_ignores_query: bool,
    /// Whether the REST index (`GET /wp-json/`) is closed (401), as "hide the REST index"
    /// plugins do; other routes still answer.
    pub index_blocked: bool,
    /// Whether the sitemaps print `<lastmod>` (core's `DATE_W3C` in the site's zone: the copy's
    /// generation time, or the clock's start for uncached pages).
    pub sitemap_lastmod: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            nonce_life_s: crate::clock::DEFAULT_NONCE_LIFE_S,
            salt: "nonce-audit-sim-key.nonce-audit-sim-salt".to_owned(),
            pages: Vec::new(),
            cache_ttl_s: Some(7 * 86_400),
            rest: RestMode::Core,
            permalinks: Permalinks::Pretty,
            per_sitemap: 2_000,
            now: 1_779_000_000,
            page_delay: Duration::ZERO,
            robots_extra: String::new(),
            face: CacheFace::varnish(),
            gmt_offset_s: 0,
            cache_ignores_query: false,
            index_blocked: false,
            sitemap_lastmod: false,
        }
    }
}

/// One request the simulated site received, for assertions on what the auditor sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// HTTP method.
    pub method: String,
    /// Path and query as sent.
    pub path_and_query: String,
    /// The `X-WP-Nonce` request header, if any.
    pub x_wp_nonce: Option<String>,
    /// Whether a `Cookie` header was sent (it never should be).
    pub had_cookie: bool,
    /// The `User-Agent` request header.
    pub user_agent: Option<String>,
    /// The `Authorization` request header (credentials must only reach the audited site).
    pub authorization: Option<String>,
}

impl Logged {
    /// Whether this request went to the REST API.
    pub fn is_rest(&self) -> bool {
        self.path_and_query.starts_with("/wp-json") || self.path_and_query.contains("rest_route=")
    }
}

struct State {
    config: SimConfig,
    clock: NonceClock,
    now: AtomicI64,
    cache: Mutex<HashMap<String, i64>>,
    failures: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<Logged>>,
    base: String,
}

/// A running simulated site. Dropping it stops the server.
pub struct SimSite {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl Drop for SimSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SimSite {
    /// Binds `127.0.0.1:0` and starts serving `config`.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut cache = HashMap::new();
        for page in &config.pages {
            if let Some(t) = page.cached_at {
                cache.insert(page.path.clone(), t);
            }
        }
        let state = Arc::new(State {
            clock: NonceClock::new(config.nonce_life_s),
            now: AtomicI64::new(config.now),
            cache: Mutex::new(cache),
            failures: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            base: format!("http://{addr}"),
            config,
        });
        let accept_state = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = Arc::clone(&accept_state);
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(handle(&state, req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, state, task })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        self.state.base.clone()
    }

    /// The socket address the site listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The REST root the site advertises.
    pub fn rest_root(&self) -> String {
        rest_root(&self.state)
    }

    /// The simulated clock's current Unix time.
    pub fn now(&self) -> i64 {
        self.state.now.load(Ordering::SeqCst)
    }

    /// Sets the simulated clock.
    pub fn set_now(&self, t: i64) {
        self.state.now.store(t, Ordering::SeqCst);
    }

    /// Moves the simulated clock forward.
    pub fn advance(&self, seconds: i64) {
        self.state.now.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The nonce core would print right now for an anonymous visitor.
    pub fn current_nonce(&self) -> String {
        let s = &self.state;
        create_nonce(&s.config.salt, s.clock.tick_at(self.now()), "wp_rest")
    }

    /// The nonce core printed at Unix time `t`.
    pub fn nonce_at(&self, t: i64) -> String {
        let s = &self.state;
        create_nonce(&s.config.salt, s.clock.tick_at(t), "wp_rest")
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn rest_root(state: &State) -> String {
    match state.config.permalinks {
        Permalinks::Pretty => format!("{}/wp-json/", state.base),
        Permalinks::Plain => format!("{}/index.php?rest_route=/", state.base),
    }
}

type Resp = Response<Full<Bytes>>;

fn header_str<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn handle(state: &State, req: Request<Incoming>) -> Resp {
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let logged = Logged {
        method: req.method().to_string(),
        path_and_query: path_and_query.clone(),
        x_wp_nonce: header_str(&req, "x-wp-nonce").map(str::to_owned),
        had_cookie: req.headers().contains_key("cookie"),
        user_agent: header_str(&req, "user-agent").map(str::to_owned),
        authorization: header_str(&req, "authorization").map(str::to_owned),
    };
    let is_rest = logged.is_rest();
    if let Ok(mut log) = state.log.lock() {
        log.push(logged.clone());
    }
    let now = state.now.load(Ordering::SeqCst);
    let query = req.uri().query().unwrap_or("");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());

    let route = if req.uri().path().starts_with("/wp-json") {
        req.uri().path().trim_start_matches("/wp-json").to_owned()
    } else {
        param("rest_route").unwrap_or("").to_owned()
    };
    let index = route.trim_matches('/').is_empty();
    let mut resp = if is_rest {
        rest(
            state,
            now,
            param("_wpnonce"),
            logged.x_wp_nonce.as_deref(),
            index,
        )
        .await
    } else if req.uri().path() == "/robots.txt" {
        text(200, "text/plain", robots(state))
    } else if let Some(body) = sitemap(state, req.uri().path(), param("sitemap"), param("paged")) {
        text(200, "application/xml; charset=UTF-8", body)
    } else {
        if !state.config.page_delay.is_zero() {
            tokio::time::sleep(state.config.page_delay).await;
        }
        page(state, &path_and_query, now)
    };
    if let Ok(v) = httpdate::fmt_http_date(system_time(now)).parse() {
        resp.headers_mut().insert("date", v);
    }
    resp
}

fn system_time(t: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(t).unwrap_or(0))
}

fn text(status: u16, content_type: &str, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert("content-type", v);
    }
    r
}

fn set(r: &mut Resp, name: &'static str, value: &str) {
    if let Ok(v) = value.parse() {
        r.headers_mut().insert(name, v);
    }
}

async fn rest(
    state: &State,
    now: i64,
    query_nonce: Option<&str>,
    header: Option<&str>,
    index: bool,
) -> Resp {
    let json = "application/json; charset=UTF-8";
    let mut r = match state.config.rest {
        RestMode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            text(504, "text/plain", String::new())
        }
        RestMode::WafHtml => text(
            403,
            "text/html",
            "<html><head><title>Access denied</title></head><body>Blocked by WAF</body></html>"
                .to_owned(),
        ),
        RestMode::BlockedAnonymous => text(
            401,
            json,
            r#"{"code":"rest_not_logged_in","message":"Only authenticated users can access the REST API.","data":{"status":401}}"#
                .to_owned(),
        ),
        RestMode::Core if index && state.config.index_blocked => text(
            401,
            json,
            r#"{"code":"rest_cannot_access","message":"The REST API index is disabled.","data":{"status":401}}"#
                .to_owned(),
        ),
        RestMode::Core => {
            match rest_cookie_check(&state.config.salt, &state.clock, now, query_nonce, header) {
                RestAuth::Invalid => {
                    let mut r = text(
                        403,
                        json,
                        r#"{"code":"rest_cookie_invalid_nonce","message":"Cookie check failed","data":{"status":403}}"#
                            .to_owned(),
                    );
                    set(&mut r, "expires", "Wed, 11 Jan 1984 05:00:00 GMT");
                    set(&mut r, "cache-control", "no-cache, must-revalidate, max-age=0");
                    r
                }
                auth => {
                    let mut r = if index {
                        text(
                            200,
                            json,
                            format!(
                                r#"{{"name":"Simulated WordPress","url":"{}","gmt_offset":{},"timezone_string":"","namespaces":["wp/v2"],"routes":{{}}}}"#,
                                state.base,
                                f64::from(state.config.gmt_offset_s) / 3600.0
                            ),
                        )
                    } else {
                        text(
                            404,
                            json,
                            r#"{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}"#
                                .to_owned(),
                        )
                    };
                    if let RestAuth::Valid { refreshed } = auth {
                        set(&mut r, "x-wp-nonce", &refreshed);
                    }
                    r
                }
            }
        }
    };
    let link = format!("<{}>; rel=\"https://api.w.org/\"", rest_root(state));
    set(&mut r, "link", &link);
    set(&mut r, "x-robots-tag", "noindex");
    r
}

/// Scripts answer like pages but, as on real sites, are not listed in sitemaps.
fn is_asset(path: &str) -> bool {
    path.split('?').next().is_some_and(|p| p.ends_with(".js"))
}

fn robots(state: &State) -> String {
    let map = match state.config.permalinks {
        Permalinks::Pretty => format!("{}/wp-sitemap.xml", state.base),
        Permalinks::Plain => format!("{}/?sitemap=index", state.base),
    };
    format!(
        "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n{}\nSitemap: {map}\n",
        state.config.robots_extra
    )
}

fn sitemap_url(state: &State, n: usize) -> String {
    match state.config.permalinks {
        Permalinks::Pretty => format!("{}/wp-sitemap-posts-page-{n}.xml", state.base),
        Permalinks::Plain => format!(
            "{}/?sitemap=posts&amp;sitemap-subtype=page&amp;paged={n}",
            state.base
        ),
    }
}

fn sitemap(
    state: &State,
    path: &str,
    sitemap_param: Option<&str>,
    paged: Option<&str>,
) -> Option<String> {
    let per = state.config.per_sitemap.max(1);
    let listed = state
        .config
        .pages
        .iter()
        .filter(|p| !is_asset(&p.path))
        .count();
    let files = listed.div_ceil(per).max(1);
    let index = match state.config.permalinks {
        Permalinks::Pretty => path == "/wp-sitemap.xml",
        Permalinks::Plain => path == "/" && sitemap_param == Some("index"),
    };
    if index {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"/wp-sitemap-index.xsl\" ?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
        );
        for n in 1..=files {
            s.push_str(&format!(
                "<sitemap><loc>{}</loc></sitemap>",
                sitemap_url(state, n)
            ));
        }
        s.push_str("</sitemapindex>\n");
        return Some(s);
    }
    let n: usize = match state.config.permalinks {
        Permalinks::Pretty => path
            .strip_prefix("/wp-sitemap-posts-page-")?
            .strip_suffix(".xml")?
            .parse()
            .ok()?,
        Permalinks::Plain if path == "/" && sitemap_param == Some("posts") => {
            paged.unwrap_or("1").parse().ok()?
        }
        Permalinks::Plain => return None,
    };
    if n == 0 || n > files {
        return None;
    }
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    // Scripts and other assets answer like pages but are not listed, as in real sitemaps.
    let listed = state.config.pages.iter().filter(|p| !is_asset(&p.path));
    for p in listed.skip((n - 1) * per).take(per) {
        let loc = format!("{}{}", state.base, p.path).replace('&', "&amp;");
        if state.config.sitemap_lastmod {
            let t = p.cached_at.unwrap_or(state.config.now);
            s.push_str(&format!(
                "<url><loc>{loc}</loc><lastmod>{}</lastmod></url>",
                w3c_local(t, state.config.gmt_offset_s)
            ));
        } else {
            s.push_str(&format!("<url><loc>{loc}</loc></url>"));
        }
    }
    s.push_str("</urlset>\n");
    Some(s)
}

fn page(state: &State, path_and_query: &str, now: i64) -> Resp {
    let (path_and_query, busted) = without_buster(path_and_query);
    // A cache-busted URL is a different cache key: rendered fresh and not stored, unless the
    // cache ignores query strings.
    let bypass = busted && !state.config.cache_ignores_query;
    let Some(p) = state.config.pages.iter().find(|p| p.path == path_and_query) else {
        return text(
            404,
            "text/html; charset=UTF-8",
            "<!doctype html><title>Page not found</title><p>Nothing here.</p>".to_owned(),
        );
    };
    if let Shape::Redirect(to) = &p.shape {
        let mut r = text(302, "text/html", String::new());
        set(&mut r, "location", to);
        return r;
    }
    if let Shape::Flaky(times) = p.shape {
        let Ok(mut failures) = state.failures.lock() else {
            return text(500, "text/plain", "lock poisoned".to_owned());
        };
        let n = failures.entry(p.path.clone()).or_default();
        if *n < times {
            *n += 1;
            let mut r = text(
                503,
                "text/html",
                "<title>Service Unavailable</title>".to_owned(),
            );
            set(&mut r, "retry-after", "1");
            return r;
        }
    }
    if let Shape::Status(code) = p.shape {
        return text(
            code,
            "text/html; charset=UTF-8",
            format!("<!doctype html><title>Error {code}</title><p>The site failed.</p>"),
        );
    }
    // The page cache: a copy younger than the TTL is served as is; otherwise the page is
    // rendered now and stored (cache MISS).
    let (generated, hit) = match state.config.cache_ttl_s {
        None => (now, None),
        Some(_) if bypass => (now, Some(false)),
        Some(ttl) => {
            let ttl = i64::try_from(ttl).unwrap_or(i64::MAX);
            let Ok(mut cache) = state.cache.lock() else {
                return text(500, "text/plain", "cache lock poisoned".to_owned());
            };
            match cache.get(&p.path) {
                Some(&t) if now.saturating_sub(t) < ttl && t <= now => (t, Some(true)),
                _ => {
                    cache.insert(p.path.clone(), now);
                    (now, Some(false))
                }
            }
        }
    };
    let render_tick = if p.shape == Shape::EsiNonce {
        state.clock.tick_at(now)
    } else {
        state.clock.tick_at(generated)
    };
    // The stored copy keeps what it was made with: older keys, a logged-in user.
    let preloaded = hit == Some(true) && p.cached_at == Some(generated);
    let salt = match &p.copy_salt {
        Some(old) if preloaded => old.as_str(),
        _ => state.config.salt.as_str(),
    };
    let logged_in = preloaded && p.logged_in_copy;
    let nonce = if logged_in {
        wordpress::create_nonce_for(salt, render_tick, &p.action, 1, "sessiontoken")
    } else {
        create_nonce(salt, render_tick, &p.action)
    };
    let root = rest_root(state);
    let mut html = render(&p.shape, &root, &nonce, &p.path);
    if logged_in {
        html = html
            .replacen(
                "<body class=\"page\">",
                "<body class=\"page logged-in admin-bar\">",
                1,
            )
            .replacen(
                "</body>",
                &format!("{}</body>", logged_in_parts(&state.base)),
                1,
            );
    }
    // Other actions' nonces: `{{nonce:ACTION}}`, made at generation time.
    while let Some(start) = html.find("{{nonce:") {
        let Some(len) = html[start..].find("}}") else {
            break;
        };
        let action = html[start + 8..start + len].to_owned();
        let value = create_nonce(&state.config.salt, state.clock.tick_at(generated), &action);
        html.replace_range(start..start + len + 2, &value);
    }
    let face = &state.config.face;
    let fill = |t: &str| fill_times(t, generated, state.config.gmt_offset_s);
    if hit == Some(true) || (hit == Some(false) && face.stamp_on_miss) {
        if let Some(marker) = &face.marker {
            html.push_str(&fill(marker));
        }
    }
    let mut r = text(200, "text/html; charset=UTF-8", html);
    set(
        &mut r,
        "link",
        &format!("<{root}>; rel=\"https://api.w.org/\""),
    );
    if let Some(hit) = hit {
        if face.age {
            set(&mut r, "age", &now.saturating_sub(generated).to_string());
        }
        let headers = if hit {
            &face.hit_headers
        } else {
            &face.miss_headers
        };
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                hyper::header::HeaderName::from_bytes(name.as_bytes()),
                hyper::header::HeaderValue::from_str(&fill(value)),
            ) {
                r.headers_mut().insert(n, v);
            }
        }
    }
    r
}

/// `DATE_W3C` in the site's zone, as core's sitemaps print `<lastmod>`.
fn w3c_local(t: i64, offset_s: i32) -> String {
    let local = crate::clock::utc(t + i64::from(offset_s)).format("%Y-%m-%dT%H:%M:%S");
    let sign = if offset_s < 0 { '-' } else { '+' };
    let a = offset_s.unsigned_abs();
    format!("{local}{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// The path and query without the auditor's cache-buster, and whether it was there.
fn without_buster(path_and_query: &str) -> (String, bool) {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return (path_and_query.to_owned(), false);
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| kv.split('=').next() != Some(crate::verify::CACHE_BUSTER))
        .collect();
    let busted = kept.len() != query.split('&').count();
    if kept.is_empty() {
        (path.to_owned(), busted)
    } else {
        (format!("{path}?{}", kept.join("&")), busted)
    }
}

/// The extra HTML of a logged-in render: core's toolbar, user settings, logout link and
/// session check.
fn logged_in_parts(base: &str) -> String {
    format!(
        "<script id=\"utils-js-extra\">\nvar userSettings = {{\"url\":\"\\/\",\"uid\":\"1\",\"time\":\"1779000000\",\"secure\":\"\"}};\n</script>\n<div id=\"wpadminbar\" class=\"nojq\"><a href=\"{base}/wp-login.php?action=logout&amp;_wpnonce=0a1b2c3d4e\">Log Out</a></div>\n<div id=\"wp-auth-check-wrap\" class=\"hidden\"></div>\n"
    )
}

fn fill_times(template: &str, t: i64, offset_s: i32) -> String {
    let gmt = httpdate::fmt_http_date(system_time(t));
    let local = crate::clock::utc(t + i64::from(offset_s))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    template
        .replace("{{unix}}", &t.to_string())
        .replace("{{gmt}}", &gmt)
        .replace("{{local}}", &local)
}

fn json_escape_slashes(s: &str) -> String {
    s.replace('/', "\\/")
}

/// The HTML the simulated site serves for a page of this shape (before `{{nonce:ACTION}}`
/// placeholders and the cache marker are filled in).
pub(crate) fn render(shape: &Shape, root: &str, nonce: &str, path: &str) -> String {
    let head = format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"UTF-8\" />\n<title>{path} &#8211; Simulated WordPress</title>\n<link rel=\"https://api.w.org/\" href=\"{}\" />\n<script nonce=\"r4nd0mCSPn0nce+/=\">window.csp = true;</script>\n",
        root.replace('&', "&#038;")
    );
    let body = match shape {
        Shape::WpApiSettings | Shape::Flaky(_) | Shape::EsiNonce => format!(
            "<script id='wp-api-request-js-extra'>\nvar wpApiSettings = {{\"root\":\"{}\",\"nonce\":\"{nonce}\",\"versionString\":\"wp\\/v2\\/\"}};\n</script>\n<script src='/wp-includes/js/api-request.min.js?ver=6.1.9' id='wp-api-request-js'></script>\n",
            json_escape_slashes(root)
        ),
        Shape::ApiFetch => format!(
            "<script id=\"wp-api-fetch-js-after\">\nwp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( \"{root}\" ) );\nwp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( \"{nonce}\" );\nwp.apiFetch.use( wp.apiFetch.nonceMiddleware );\nwp.apiFetch.use( wp.apiFetch.mediaUploadMiddleware );\n</script>\n"
        ),
        Shape::NoNonce | Shape::Status(_) | Shape::Redirect(_) => String::new(),
        Shape::Template(t) => {
            return t.replace("{{nonce}}", nonce).replace("{{root}}", root);
        }
    };
    format!(
        "{head}{body}</head>\n<body class=\"page\">\n<main><h1>{path}</h1><p>Lorem ipsum dolor sit amet.</p></main>\n</body>\n</html>\n"
    )
}
