//! robots.txt (interim minimal version).

/// Parsed robots.txt.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    /// Sitemap lines.
    pub sitemaps: Vec<String>,
    /// Crawl-delay.
    pub crawl_delay: Option<f64>,
}

/// Parse.
pub fn parse_robots(body: &[u8], _ua: &str) -> Robots {
    let text = String::from_utf8_lossy(body);
    let mut r = Robots::default();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("sitemap") {
                r.sitemaps.push(v.trim().to_owned());
            }
        }
    }
    r
}

impl Robots {
    /// Allowed.
    pub fn allowed(&self, _path: &str) -> bool {
        true
    }
}
