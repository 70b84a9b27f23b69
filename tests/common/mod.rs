//! A raw loopback HTTP server for tests: every path answers as told, including the ways a
//! production site misbehaves. Shared by the fault, sitemap and CLI tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fault server does for one path.
#[derive(Clone)]
pub enum Fault {
    /// A normal answer with this status, headers and body.
    Ok(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Accept, read the request, never answer.
    Hang,
    /// Send headers and then one byte every 200 ms, forever.
    Drip,
    /// Close the connection without a word (the client sees a reset / empty reply).
    Reset,
    /// Announce a long body and stop halfway.
    Truncated,
    /// A body of this many bytes, streamed.
    Huge(usize),
    /// Redirect to this path (loops when it points back).
    Redirect(String),
    /// A sitemap index listing this many child indexes under the requested path, each of which
    /// (routed with a `*` prefix route) does the same: a fan-out without end.
    Fanout(usize),
    /// `200` with this Content-Type, this head, then the unit repeated until the client hangs up.
    Endless(&'static str, Vec<u8>, Vec<u8>),
}

pub type Routes = Arc<Mutex<HashMap<String, Fault>>>;

pub struct FaultServer {
    pub base: String,
    pub routes: Routes,
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
    /// Every request head received, in order.
    pub heads: Arc<Mutex<Vec<String>>>,
}

impl FaultServer {
    pub fn route(&self, path: &str, fault: Fault) {
        self.routes.lock().unwrap().insert(path.to_owned(), fault);
    }

    /// Requests whose path starts with `prefix`.
    pub fn hits_under(&self, prefix: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    /// All requests received.
    pub fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.split('?').next() == Some(path))
            .map(|(_, n)| n)
            .sum()
    }
}

pub async fn serve() -> FaultServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(Mutex::new(HashMap::new()));
    let routes: Routes = Arc::new(Mutex::new(HashMap::new()));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&routes);
    let counter = Arc::clone(&hits);
    let log = Arc::clone(&heads);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let routes = Arc::clone(&shared);
            let counter = Arc::clone(&counter);
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let _ = handle(stream, &routes, &counter, &log).await;
            });
        }
    });
    FaultServer {
        base,
        routes,
        hits,
        heads,
    }
}

async fn handle(
    mut s: TcpStream,
    routes: &Mutex<HashMap<String, Fault>>,
    hits: &Mutex<HashMap<String, usize>>,
    heads: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    heads.lock().unwrap().push(head.to_string());
    let host = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("host").then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    let route = path.split('?').next().unwrap_or("/").to_owned();
    let fault = {
        let routes = routes.lock().unwrap();
        routes
            .get(&path)
            .or_else(|| routes.get(&route))
            .or_else(|| {
                // `/prefix/*` routes answer every path under the prefix.
                routes
                    .iter()
                    .filter(|(k, _)| {
                        k.strip_suffix('*')
                            .is_some_and(|prefix| route.starts_with(prefix))
                    })
                    .max_by_key(|(k, _)| k.len())
                    .map(|(_, f)| f)
            })
            .cloned()
            .unwrap_or(Fault::Ok(404, vec![], b"<title>Not found</title>".to_vec()))
    };
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    match fault {
        Fault::Ok(status, headers, body) => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nDate: {date}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            s.write_all(out.as_bytes()).await?;
            s.write_all(&body).await?;
        }
        Fault::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
        Fault::Drip => {
            s.write_all(
                format!("HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
            for _ in 0..10_000 {
                s.write_all(b"<").await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Fault::Reset => drop(s),
        Fault::Truncated => {
            s.write_all(
                format!("HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: text/html\r\nContent-Length: 50000\r\n\r\n<html><head><title>cut")
                    .as_bytes(),
            )
            .await?;
            s.shutdown().await?;
        }
        Fault::Huge(n) => {
            s.write_all(
                format!("HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: text/html\r\nContent-Length: {n}\r\n\r\n").as_bytes(),
            )
            .await?;
            let block = vec![b'a'; 64 * 1024];
            let mut sent = 0;
            while sent < n {
                let k = block.len().min(n - sent);
                s.write_all(&block[..k]).await?;
                sent += k;
            }
        }
        Fault::Fanout(n) => {
            let stem = route.trim_end_matches(".xml");
            let mut body = String::from("<?xml version=\"1.0\"?><sitemapindex>");
            for i in 0..n {
                body.push_str(&format!(
                    "<sitemap><loc>http://{host}{stem}-{i}.xml</loc></sitemap>"
                ));
            }
            body.push_str("</sitemapindex>");
            s.write_all(
                format!("HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).as_bytes(),
            )
            .await?;
            s.write_all(body.as_bytes()).await?;
        }
        Fault::Endless(content_type, head, unit) => {
            s.write_all(
                format!("HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: {content_type}\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await?;
            s.write_all(&head).await?;
            let block = unit.repeat((64 * 1024 / unit.len().max(1)).max(1));
            // Ends when the client stops reading; the cap keeps the test bounded.
            for _ in 0..100_000 {
                s.write_all(&block).await?;
            }
        }
        Fault::Redirect(to) => {
            s.write_all(
                format!("HTTP/1.1 301 Moved\r\nDate: {date}\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await?;
        }
    }
    Ok(())
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The built binary as a scheduler starts it: no colour, no inherited `RUST_LOG` or
/// `NONCE_AUDIT_BASIC_AUTH`, nothing on standard input.
pub fn scheduled() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_nonce-audit"));
    c.env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("NONCE_AUDIT_BASIC_AUTH")
        .stdin(std::process::Stdio::null());
    c
}

/// Runs the built binary with `args` as a scheduler would (see [`scheduled`]).
pub async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || scheduled().args(&args).output().expect("run nonce-audit"))
        .await
        .expect("the test's blocking task")
}
