//! The loopback site of `bench/e2e.sh`: N WordPress-like product pages (~60 KB each, from
//! `nonce_audit::sim::corpus`), robots.txt, a sitemap index and its children, and a REST stub that
//! judges nonces like WordPress does, plus a request log kept as counters.
//!
//! ```sh
//! cargo run --release --example bench_server -- --pages 10000 --port-file /tmp/port --urls /tmp/urls.txt
//! curl -s http://127.0.0.1:$(cat /tmp/port)/__stats   # what was requested, and how often
//! curl -s http://127.0.0.1:$(cat /tmp/port)/__reset   # zero the counters before the next run
//! ```
//!
//! Pages: `/product/p<i>/` for `i` in `0..N`, in sitemap order. Their bodies are built once at
//! start-up: `--variants` distinct pages (default 64), page `i` served variant `i % variants`, so
//! the server spends its CPU on HTTP, not on generating HTML (it shares the cores with the client
//! being measured). Variant `v` carries REST nonce `v % nonces`; the first `--dead` nonces are
//! rejected, the others accepted.
//!
//! REST stub (`GET /wp-json/nonce-audit/v1/probe?nonce_audit_cb=…`, what `verify.rs` sends):
//! an accepted nonce gets 404 `{"code":"rest_no_route",…}` with `X-WP-Nonce: <the same nonce>`
//! (current tick), a dead or unknown one 403 `{"code":"rest_cookie_invalid_nonce",…}`. An unknown
//! nonce is the control probe.
//!
//! `--sites N` (default 1) serves N such sites from one process, each on its own port (one
//! origin each, as a fleet of separate WordPress sites): `--port-file` then lists the N ports,
//! one per line (`bench/fleet.sh`).
//!
//! `/__stats` and `/__reset` are not counted. `connections` counts accepted TCP connections (keep-alive
//! shows as far fewer connections than requests).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use nonce_audit::sim::corpus::{self, PageSpec};

struct Args {
    pages: usize,
    nonces: usize,
    dead: usize,
    page_kb: usize,
    per_sitemap: usize,
    variants: usize,
    port: u16,
    port_file: Option<String>,
    urls: Option<String>,
    threads: usize,
    sites: usize,
}

fn args() -> Args {
    let mut a = Args {
        pages: 1000,
        nonces: 6,
        dead: 2,
        page_kb: 60,
        per_sitemap: 2000,
        variants: 64,
        port: 0,
        port_file: None,
        urls: None,
        threads: 2,
        sites: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| die(&format!("{flag} needs a value")))
        };
        let num = |v: String| {
            v.parse::<usize>()
                .unwrap_or_else(|_| die(&format!("bad {v}")))
        };
        match flag.as_str() {
            "--pages" => a.pages = num(value()),
            "--nonces" => a.nonces = num(value()).max(1),
            "--dead" => a.dead = num(value()),
            "--page-kb" => a.page_kb = num(value()),
            "--per-sitemap" => a.per_sitemap = num(value()).max(1),
            "--variants" => a.variants = num(value()).max(1),
            "--port" => a.port = u16::try_from(num(value())).unwrap_or(0),
            "--port-file" => a.port_file = Some(value()),
            "--urls" => a.urls = Some(value()),
            "--threads" => a.threads = num(value()).max(1),
            "--sites" => a.sites = num(value()).max(1),
            _ => die(&format!("unknown option {flag}")),
        }
    }
    a.dead = a.dead.min(a.nonces);
    a
}

fn die(msg: &str) -> ! {
    eprintln!("bench_server: {msg}");
    std::process::exit(2)
}

#[derive(Default)]
struct Counters {
    pages: AtomicU64,
    sitemaps: AtomicU64,
    robots: AtomicU64,
    probes: AtomicU64,
    control_probes: AtomicU64,
    probes_without_nonce: AtomicU64,
    other: AtomicU64,
    bytes: AtomicU64,
    connections: AtomicU64,
}

struct Site {
    robots: Bytes,
    index: Bytes,
    children: Vec<Bytes>,
    variants: Vec<Bytes>,
    nonces: Vec<String>,
    dead: usize,
    nonces_in_pages: usize,
    pages_dead: usize,
    origin: String,
    counters: Counters,
    page_hits: Vec<AtomicU8>,
    sitemap_hits: Vec<AtomicU32>,
    nonce_hits: Vec<AtomicU32>,
}

const NO_ROUTE: &str = r#"{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}"#;
const INVALID: &str =
    r#"{"code":"rest_cookie_invalid_nonce","message":"Cookie check failed","data":{"status":403}}"#;

impl Site {
    fn build(a: &Args, port: u16) -> Self {
        let origin = format!("http://127.0.0.1:{port}");
        let nonces: Vec<String> = (0..a.nonces as u64)
            .map(|i| corpus::nonce(1000 + i))
            .collect();
        let variants = (0..a.variants)
            .map(|v| {
                // Sizes spread ±15 % around the target, as real product pages vary.
                let kb = a.page_kb * (85 + (v * 37) % 31) / 100;
                Bytes::from(corpus::wordpress_page(&PageSpec {
                    origin: &origin,
                    path: &format!("/product/p{v}/"),
                    rest_nonce: &nonces[v % nonces.len()],
                    target_bytes: kb * 1024,
                    seed: v as u64,
                }))
            })
            .collect();
        let files = a.pages.div_ceil(a.per_sitemap).max(1);
        let children: Vec<Bytes> = (0..files)
            .map(|f| {
                let urls: Vec<String> = (f * a.per_sitemap..((f + 1) * a.per_sitemap).min(a.pages))
                    .map(|i| format!("{origin}/product/p{i}/"))
                    .collect();
                Bytes::from(corpus::urlset(urls.iter().map(String::as_str)))
            })
            .collect();
        let child_urls: Vec<String> = (1..=files)
            .map(|f| format!("{origin}/product-sitemap{f}.xml"))
            .collect();
        let index = Bytes::from(corpus::sitemap_index(child_urls.iter().map(String::as_str)));
        let robots = Bytes::from(format!(
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {origin}/sitemap_index.xml\n"
        ));
        // What a correct audit must find: the nonces the pages carry, and the pages that are dead.
        let mut used = vec![false; nonces.len()];
        let mut pages_dead = 0;
        for i in 0..a.pages {
            let k = (i % a.variants) % nonces.len();
            used[k] = true;
            pages_dead += usize::from(k < a.dead);
        }
        Self {
            nonces_in_pages: used.iter().filter(|u| **u).count(),
            pages_dead,
            robots,
            index,
            page_hits: (0..a.pages).map(|_| AtomicU8::new(0)).collect(),
            sitemap_hits: (0..=files).map(|_| AtomicU32::new(0)).collect(),
            nonce_hits: (0..nonces.len()).map(|_| AtomicU32::new(0)).collect(),
            children,
            variants,
            nonces,
            dead: a.dead,
            origin,
            counters: Counters::default(),
        }
    }

    fn reset(&self) {
        let c = &self.counters;
        for x in [
            &c.pages,
            &c.sitemaps,
            &c.robots,
            &c.probes,
            &c.control_probes,
            &c.probes_without_nonce,
            &c.other,
            &c.bytes,
            &c.connections,
        ] {
            x.store(0, Ordering::Relaxed);
        }
        self.page_hits
            .iter()
            .for_each(|h| h.store(0, Ordering::Relaxed));
        self.sitemap_hits
            .iter()
            .for_each(|h| h.store(0, Ordering::Relaxed));
        self.nonce_hits
            .iter()
            .for_each(|h| h.store(0, Ordering::Relaxed));
    }

    fn stats(&self) -> String {
        let c = &self.counters;
        let get = |x: &AtomicU64| x.load(Ordering::Relaxed);
        let pages_distinct = self
            .page_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 0)
            .count();
        let pages_repeated = self
            .page_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 1)
            .count();
        let sitemaps_distinct = self
            .sitemap_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 0)
            .count();
        let sitemaps_repeated = self
            .sitemap_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 1)
            .count();
        let nonces_probed = self
            .nonce_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 0)
            .count();
        let nonces_repeated = self
            .nonce_hits
            .iter()
            .filter(|h| h.load(Ordering::Relaxed) > 1)
            .count();
        let total = get(&c.pages)
            + get(&c.sitemaps)
            + get(&c.robots)
            + get(&c.probes)
            + get(&c.control_probes)
            + get(&c.probes_without_nonce)
            + get(&c.other);
        format!(
            concat!(
                "{{\"total\":{},\"pages\":{},\"pages_distinct\":{},\"pages_repeated\":{},",
                "\"page_urls\":{},\"sitemaps\":{},\"sitemaps_distinct\":{},\"sitemaps_repeated\":{},",
                "\"sitemap_files\":{},\"robots\":{},\"probes\":{},\"nonces_probed\":{},",
                "\"nonces_repeated\":{},\"nonces\":{},\"nonces_in_pages\":{},\"pages_dead\":{},",
                "\"control_probes\":{},",
                "\"probes_without_nonce\":{},\"other\":{},\"bytes\":{},\"connections\":{}}}\n"
            ),
            total,
            get(&c.pages),
            pages_distinct,
            pages_repeated,
            self.page_hits.len(),
            get(&c.sitemaps),
            sitemaps_distinct,
            sitemaps_repeated,
            self.sitemap_hits.len(),
            get(&c.robots),
            get(&c.probes),
            nonces_probed,
            nonces_repeated,
            self.nonces.len(),
            self.nonces_in_pages,
            self.pages_dead,
            get(&c.control_probes),
            get(&c.probes_without_nonce),
            get(&c.other),
            get(&c.bytes),
            get(&c.connections),
        )
    }

    fn answer(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path();
        let c = &self.counters;
        let ok = |ctype: &'static str, body: Bytes| {
            c.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            Response::builder()
                .header("content-type", ctype)
                .body(Full::new(body))
                .unwrap_or_default()
        };
        if let Some(rest) = path.strip_prefix("/product/p") {
            let i = rest.strip_suffix('/').and_then(|n| n.parse::<usize>().ok());
            if let Some(i) = i.filter(|i| *i < self.page_hits.len()) {
                c.pages.fetch_add(1, Ordering::Relaxed);
                let h = &self.page_hits[i];
                let _ = h.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_add(1));
                let body = self.variants[i % self.variants.len()].clone();
                c.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                return Response::builder()
                    .header("content-type", "text/html; charset=UTF-8")
                    .header(
                        "link",
                        format!("<{}/wp-json/>; rel=\"https://api.w.org/\"", self.origin),
                    )
                    .header("cache-control", "max-age=3600, public")
                    .header("age", "1800")
                    .header("x-cache", "HIT")
                    .header("server", "nginx")
                    .body(Full::new(body))
                    .unwrap_or_default();
            }
        }
        if path == "/robots.txt" {
            c.robots.fetch_add(1, Ordering::Relaxed);
            return ok("text/plain; charset=utf-8", self.robots.clone());
        }
        if path == "/sitemap_index.xml" {
            c.sitemaps.fetch_add(1, Ordering::Relaxed);
            self.sitemap_hits[0].fetch_add(1, Ordering::Relaxed);
            return ok("application/xml; charset=UTF-8", self.index.clone());
        }
        if let Some(f) = path
            .strip_prefix("/product-sitemap")
            .and_then(|r| r.strip_suffix(".xml"))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|f| (1..=self.children.len()).contains(f))
        {
            c.sitemaps.fetch_add(1, Ordering::Relaxed);
            self.sitemap_hits[f].fetch_add(1, Ordering::Relaxed);
            return ok(
                "application/xml; charset=UTF-8",
                self.children[f - 1].clone(),
            );
        }
        if path == "/wp-json/nonce-audit/v1/probe" {
            let nonce = req
                .headers()
                .get("x-wp-nonce")
                .and_then(|v| v.to_str().ok());
            let Some(nonce) = nonce else {
                c.probes_without_nonce.fetch_add(1, Ordering::Relaxed);
                return json(StatusCode::OK, r#"{"code":"rest_no_route"}"#, None);
            };
            return match self.nonces.iter().position(|n| n == nonce) {
                Some(k) => {
                    c.probes.fetch_add(1, Ordering::Relaxed);
                    self.nonce_hits[k].fetch_add(1, Ordering::Relaxed);
                    if k < self.dead {
                        json(StatusCode::FORBIDDEN, INVALID, None)
                    } else {
                        json(StatusCode::NOT_FOUND, NO_ROUTE, Some(nonce))
                    }
                }
                None => {
                    c.control_probes.fetch_add(1, Ordering::Relaxed);
                    json(StatusCode::FORBIDDEN, INVALID, None)
                }
            };
        }
        if path == "/__stats" {
            return Response::new(Full::new(Bytes::from(self.stats())));
        }
        if path == "/__reset" {
            self.reset();
            return Response::new(Full::new(Bytes::from_static(b"reset\n")));
        }
        c.other.fetch_add(1, Ordering::Relaxed);
        let mut r = Response::new(Full::new(Bytes::from_static(b"not found")));
        *r.status_mut() = StatusCode::NOT_FOUND;
        r
    }
}

fn json(status: StatusCode, body: &'static str, nonce: Option<&str>) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=UTF-8");
    if let Some(n) = nonce {
        b = b.header("x-wp-nonce", n);
    }
    b.body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap_or_default()
}

fn main() {
    let a = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(a.threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    runtime.block_on(serve(a));
}

async fn serve(a: Args) {
    let mut ports = String::new();
    let mut first = None;
    for _ in 0..a.sites {
        let listener = TcpListener::bind(("127.0.0.1", if a.sites == 1 { a.port } else { 0 }))
            .await
            .unwrap_or_else(|e| die(&format!("cannot bind: {e}")));
        let port = listener.local_addr().map(|x| x.port()).unwrap_or(0);
        ports.push_str(&format!("{port}\n"));
        let site = Arc::new(Site::build(&a, port));
        if first.is_none() {
            first = Some(Arc::clone(&site));
        }
        tokio::spawn(accept(listener, site));
    }
    let Some(site) = first else { return };
    if let Some(path) = &a.urls {
        let mut list = String::with_capacity(a.pages * 40);
        for i in 0..a.pages {
            list.push_str(&site.origin);
            list.push_str(&format!("/product/p{i}/\n"));
        }
        std::fs::write(path, list).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    }
    if let Some(path) = &a.port_file {
        std::fs::write(path, &ports).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    }
    let avg: usize = site.variants.iter().map(Bytes::len).sum::<usize>() / site.variants.len();
    eprintln!(
        "bench_server: {} site(s) from {}: {} pages each (avg {} KB over {} variants), {} sitemap file(s), {} nonces ({} dead)",
        a.sites,
        site.origin,
        a.pages,
        avg / 1024,
        site.variants.len(),
        site.children.len(),
        site.nonces.len(),
        site.dead
    );
    std::future::pending::<()>().await;
}

async fn accept(listener: TcpListener, site: Arc<Site>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        site.counters.connections.fetch_add(1, Ordering::Relaxed);
        let site = Arc::clone(&site);
        tokio::spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let site = Arc::clone(&site);
                async move { Ok::<_, Infallible>(site.answer(&req)) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
