//! robots.txt as RFC 9309 reads it: the group for our product token (else `*`), longest-match
//! `Allow` / `Disallow` with `*` and `$`, plus the two things the RFC leaves out that we need:
//! `Sitemap:` lines (discovery) and `Crawl-delay` (politeness).
//!
//! Parsing never fails: a robots.txt that makes no sense yields no rules, i.e. everything allowed,
//! which is what RFC 9309 says for an unusable file. What the fetcher does on 4xx / 5xx is
//! [`Robots::allow_all`] / [`Robots::disallow_all`].

/// RFC 9309 §2.5: crawlers must parse at least the first 500 KiB; we read exactly that much.
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// The rules that apply to one crawler, and the file-wide `Sitemap:` lines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Robots {
    /// `Sitemap:` / `Site-map:` values in file order, duplicates removed, as written (the caller
    /// resolves and filters them): they apply to every crawler wherever they stand in the file.
    pub sitemaps: Vec<String>,
    /// `Crawl-delay` of the selected group in seconds (the largest, if several groups merged);
    /// not in RFC 9309, but Bing and Yandex honour it and a polite auditor should too.
    pub crawl_delay: Option<f64>,
    /// Which `User-agent` the rules came from: our product token, `*`, or `None` when no group
    /// applies (everything allowed). Reports show it so "blocked by robots.txt" can be traced.
    pub matched_agent: Option<String>,
    /// Problems with the file itself (oversized, HTML, malformed values), for the report.
    pub warnings: Vec<String>,
    rules: Vec<Rule>,
}

/// One `Allow` / `Disallow` line, its pattern normalized for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// No rules: for a robots.txt that answers 4xx (RFC 9309 §2.3.1.3: the crawler may access
    /// anything).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Everything disallowed: for a robots.txt that answers 5xx or cannot be reached (RFC 9309
    /// §2.3.1.4: assume complete disallow).
    pub fn disallow_all() -> Robots {
        Robots {
            rules: vec![Rule {
                allow: false,
                pattern: "/".to_owned(),
            }],
            ..Robots::default()
        }
    }

    /// Whether the selected group lets us fetch `path_and_query` (e.g. `/shop/?p=3`, as
    /// `Url::path` plus `?` and `Url::query` give it).
    ///
    /// The longest matching pattern wins, `Allow` on a tie (RFC 9309 §2.2.2); `/robots.txt` is
    /// always allowed. Both sides are compared with the same percent-encoding normalization.
    pub fn allowed(&self, path_and_query: &str) -> bool {
        let path = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        if path == "/robots.txt" || self.rules.is_empty() {
            return true;
        }
        let path = normalize(path);
        let mut best: Option<(usize, bool)> = None;
        for rule in &self.rules {
            if !matches(&rule.pattern, &path) {
                continue;
            }
            let len = rule.pattern.len();
            let better = match best {
                None => true,
                Some((best_len, best_allow)) => {
                    len > best_len || (len == best_len && rule.allow && !best_allow)
                }
            };
            if better {
                best = Some((len, rule.allow));
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// The field names we act on, with the spellings and typos major crawlers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    UserAgent,
    Allow,
    Disallow,
    CrawlDelay,
    Sitemap,
    Other,
}

impl Key {
    fn of(name: &str) -> Key {
        let name = name.trim();
        let any = |names: &[&str]| names.iter().any(|n| name.eq_ignore_ascii_case(n));
        if any(&["user-agent", "useragent", "user agent"]) {
            Key::UserAgent
        } else if any(&["allow"]) {
            Key::Allow
        } else if any(&[
            "disallow",
            "dissallow",
            "dissalow",
            "disalow",
            "diasllow",
            "disallaw",
        ]) {
            Key::Disallow
        } else if any(&["crawl-delay", "crawldelay", "crawl delay"]) {
            Key::CrawlDelay
        } else if any(&["sitemap", "site-map", "site map"]) {
            Key::Sitemap
        } else {
            Key::Other
        }
    }
}

/// Rules and delay collected for one side (our token, or `*`) across all its groups.
#[derive(Debug, Default)]
struct Side {
    found: bool,
    rules: Vec<Rule>,
    delay: Option<f64>,
}

impl Side {
    fn add_delay(&mut self, delay: f64) {
        self.delay = Some(self.delay.map_or(delay, |d| d.max(delay)));
    }
}

/// Parses robots.txt and keeps the group that applies to `user_agent`.
///
/// `user_agent` may be a full User-Agent header (`nonce-audit/0.1 (+https://…)`); its product
/// token (`nonce-audit`) is what groups are matched against, case-insensitively. Only the first
/// [`MAX_ROBOTS_BYTES`] are read; a UTF-8 BOM, CR / LF / CRLF line ends, comments, stray spaces,
/// `Site-map` and mixed-case keys are all accepted.
pub fn parse_robots(body: &[u8], user_agent: &str) -> Robots {
    let mut warnings = Vec::new();
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let body = if body.len() > MAX_ROBOTS_BYTES {
        let head = &body[..MAX_ROBOTS_BYTES];
        let cut = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        warnings.push(format!(
            "robots.txt is {} bytes; only the first {MAX_ROBOTS_BYTES} (500 KiB, RFC 9309) were read",
            body.len()
        ));
        &body[..cut]
    } else {
        body
    };
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('<') {
        warnings.push("robots.txt looks like an HTML page, not a robots.txt file".to_owned());
    }

    let token = product_token(user_agent);
    let mut ours = Side::default();
    let mut star = Side::default();
    let mut sitemaps: Vec<String> = Vec::new();
    // Whether the current group's user-agent lines name us / `*`.
    let (mut for_us, mut for_star) = (false, false);
    // The previous field was a user-agent line, so another one joins the same group.
    let mut in_agent_lines = false;
    let mut seen_agent = false;
    let mut orphan_rules = 0u64;

    for line in text.split(['\n', '\r']) {
        let line = line.split('#').next().unwrap_or_default();
        let Some((name, value)) = split_field(line) else {
            continue;
        };
        match Key::of(name) {
            Key::UserAgent => {
                if !in_agent_lines {
                    (for_us, for_star) = (false, false);
                }
                in_agent_lines = true;
                seen_agent = true;
                if value == "*" {
                    for_star = true;
                    star.found = true;
                } else if !token.is_empty() && product_token(value) == token {
                    for_us = true;
                    ours.found = true;
                }
            }
            key @ (Key::Allow | Key::Disallow) => {
                in_agent_lines = false;
                if !seen_agent {
                    orphan_rules += 1;
                    continue;
                }
                if value.is_empty() {
                    // `Disallow:` with no path allows everything; it adds no rule.
                    continue;
                }
                let rule = Rule {
                    allow: key == Key::Allow,
                    pattern: normalize(value),
                };
                if for_us {
                    ours.rules.push(rule.clone());
                }
                if for_star {
                    star.rules.push(rule);
                }
            }
            Key::CrawlDelay => {
                in_agent_lines = false;
                match value.parse::<f64>() {
                    Ok(d) if d.is_finite() && d >= 0.0 => {
                        if for_us {
                            ours.add_delay(d);
                        }
                        if for_star {
                            star.add_delay(d);
                        }
                    }
                    _ => warnings.push(format!(
                        "Crawl-delay \"{}\" is not a number of seconds; ignored",
                        value.chars().take(50).collect::<String>()
                    )),
                }
            }
            Key::Sitemap => {
                if !value.is_empty() && !sitemaps.iter().any(|s| s == value) {
                    sitemaps.push(value.to_owned());
                }
            }
            Key::Other => {}
        }
    }
    if orphan_rules > 0 {
        warnings.push(format!(
            "{orphan_rules} Allow/Disallow line(s) before the first User-agent line were ignored (RFC 9309 rules belong to a group)"
        ));
    }

    let (side, matched_agent) = if ours.found {
        (ours, Some(token))
    } else if star.found {
        (star, Some("*".to_owned()))
    } else {
        (Side::default(), None)
    };
    Robots {
        sitemaps,
        crawl_delay: side.delay,
        matched_agent,
        warnings,
        rules: side.rules,
    }
}

/// `name: value`, trimmed. A line without a colon still counts when it is exactly two words
/// (`Disallow /tmp`), as Google reads it.
fn split_field(line: &str) -> Option<(&str, &str)> {
    if let Some((name, value)) = line.split_once(':') {
        return Some((name.trim(), value.trim()));
    }
    let mut words = line.split_whitespace();
    let (name, value) = (words.next()?, words.next()?);
    words.next().is_none().then_some((name, value))
}

/// The product token of a User-Agent (`nonce-audit/0.1 (…)` ⇒ `nonce-audit`), lower-cased:
/// RFC 9309 allows only letters, `-` and `_` in it.
fn product_token(user_agent: &str) -> String {
    user_agent
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// One spelling for equal paths: non-ASCII and control bytes percent-encoded, `%xx` of unreserved
/// characters decoded, other `%xx` upper-cased (RFC 9309 §2.2.2). `*` and `$` pass through.
fn normalize(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex_value(h).zip(hex_value(l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        if let Some(v) = escaped {
            if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(v));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(v >> 4)]));
                out.push(char::from(HEX[usize::from(v & 15)]));
            }
            i += 3;
        } else if b <= b' ' || b >= 0x7f {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
            i += 1;
        } else {
            out.push(char::from(b));
            i += 1;
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Whether a normalized pattern matches a normalized path: anchored at the start, `*` for any run
/// of characters, a final `$` for the end. Leftmost matching of each `*`-separated piece is exact
/// for this pattern language and linear in the number of pieces.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let mut pieces = pieces.peekable();
    if pieces.peek().is_none() {
        return !anchored || rest.is_empty();
    }
    while let Some(piece) = pieces.next() {
        if pieces.peek().is_none() && anchored {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = rest.get(at + piece.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str = "nonce-audit/0.1 (+https://github.com/nonce-audit/nonce-audit)";

    fn robots(text: &str) -> Robots {
        parse_robots(text.as_bytes(), UA)
    }

    #[test]
    fn sitemap_lines_in_any_spelling() {
        let r = parse_robots(fixture!("usp/robots.txt"), UA);
        assert_eq!(
            r.sitemaps,
            [
                "https://example.org/sitemap.xml",
                "https://example.org/weirdly-named-sitemap.xml",
                "https://example.org/another-sitemap.xml",
                "https://example.org/and-another-sitemap.xml",
            ]
        );
    }

    #[test]
    fn usp_fixture_applies_star_group_to_us() {
        let r = parse_robots(fixture!("usp/robots.txt"), UA);
        assert_eq!(r.matched_agent.as_deref(), Some("*"));
        assert!(!r.allowed("/admin/users"));
        assert!(r.allowed("/blog/"));
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let r = parse_robots(fixture!("usp/edge-bom-robots.txt"), UA);
        assert_eq!(
            r.sitemaps,
            ["http://test_ultimate-sitemap-parser.com/sitemap.xml"]
        );
        assert!(!r.allowed("/whatever"));
    }

    #[test]
    fn weird_spacing_is_accepted() {
        let r = parse_robots(fixture!("usp/edge-robots-weird-spacing.txt"), UA);
        assert_eq!(
            r.sitemaps,
            ["http://test_ultimate-sitemap-parser.com/sitemap.xml"]
        );
    }

    #[test]
    fn sitemap_lines_anywhere_do_not_split_groups() {
        let r = robots(
            "User-agent: other\nSitemap: https://example.com/a.xml\nUser-agent: nonce-audit\nDisallow: /private/\n\
             Sitemap: https://example.com/b.xml\nDisallow: /tmp/\n",
        );
        assert_eq!(
            r.sitemaps,
            ["https://example.com/a.xml", "https://example.com/b.xml"]
        );
        assert!(!r.allowed("/private/x"));
        assert!(!r.allowed("/tmp/x"));
    }

    #[test]
    fn duplicate_sitemaps_are_listed_once() {
        let r = robots("Sitemap: https://example.com/s.xml\nsitemap: https://example.com/s.xml\n");
        assert_eq!(r.sitemaps, ["https://example.com/s.xml"]);
    }

    #[test]
    fn our_group_beats_star() {
        let r =
            robots("User-agent: *\nDisallow: /\n\nUser-agent: Nonce-Audit\nDisallow: /wp-admin/\n");
        assert_eq!(r.matched_agent.as_deref(), Some("nonce-audit"));
        assert!(r.allowed("/shop/"));
        assert!(!r.allowed("/wp-admin/"));
    }

    #[test]
    fn agent_line_with_version_matches_token() {
        let r = robots("User-agent: nonce-audit/2.0\nDisallow: /x\n");
        assert_eq!(r.matched_agent.as_deref(), Some("nonce-audit"));
        assert!(!r.allowed("/x"));
    }

    #[test]
    fn longer_token_is_another_crawler() {
        let r = robots("User-agent: nonce-audit-beta\nDisallow: /\n");
        assert_eq!(r.matched_agent, None);
        assert!(r.allowed("/anything"));
    }

    #[test]
    fn consecutive_agent_lines_share_a_group() {
        let r = robots("User-agent: googlebot\nUser-agent: nonce-audit\nDisallow: /a\n");
        assert!(!r.allowed("/a"));
    }

    #[test]
    fn groups_for_the_same_agent_are_merged() {
        let r = robots(
            "User-agent: nonce-audit\nDisallow: /a\n\nUser-agent: other\nDisallow: /b\n\nUser-agent: nonce-audit\nDisallow: /c\n",
        );
        assert!(!r.allowed("/a"));
        assert!(r.allowed("/b"));
        assert!(!r.allowed("/c"));
    }

    #[test]
    fn no_matching_group_allows_everything() {
        let r = robots("User-agent: googlebot\nDisallow: /\n");
        assert_eq!(r.matched_agent, None);
        assert!(r.allowed("/"));
    }

    #[test]
    fn longest_match_wins() {
        let r = robots("User-agent: *\nDisallow: /shop/\nAllow: /shop/public/\n");
        assert!(!r.allowed("/shop/cart"));
        assert!(r.allowed("/shop/public/item"));
    }

    #[test]
    fn allow_wins_a_tie() {
        let r = robots("User-agent: *\nDisallow: /page\nAllow: /page\n");
        assert!(r.allowed("/page"));
    }

    #[test]
    fn wildcard_matches_any_run() {
        let r = robots("User-agent: *\nDisallow: /*.php\n");
        assert!(!r.allowed("/wp-login.php"));
        assert!(!r.allowed("/a/b/index.php?x=1"));
        assert!(r.allowed("/about/"));
    }

    #[test]
    fn dollar_anchors_the_end() {
        let r = robots("User-agent: *\nDisallow: /*.pdf$\nDisallow: /exact$\n");
        assert!(!r.allowed("/files/a.pdf"));
        assert!(r.allowed("/files/a.pdf?download=1"));
        assert!(!r.allowed("/exact"));
        assert!(r.allowed("/exact/more"));
    }

    #[test]
    fn wildcard_in_the_middle_with_anchor() {
        let r = robots("User-agent: *\nDisallow: /a*b*c$\n");
        assert!(!r.allowed("/a-b-c"));
        assert!(!r.allowed("/abcbc"));
        assert!(r.allowed("/a-b-c-d"));
        assert!(r.allowed("/a-c"));
    }

    #[test]
    fn query_strings_are_matched() {
        let r = robots("User-agent: *\nDisallow: /*?s=\nDisallow: /*&replytocom=\n");
        assert!(!r.allowed("/?s=nonce"));
        assert!(!r.allowed("/post/?a=1&replytocom=5"));
        assert!(r.allowed("/post/"));
    }

    #[test]
    fn empty_disallow_allows_all() {
        let r = robots("User-agent: *\nDisallow:\n");
        assert!(r.allowed("/"));
    }

    #[test]
    fn robots_txt_itself_is_always_allowed() {
        let r = robots("User-agent: *\nDisallow: /\n");
        assert!(r.allowed("/robots.txt"));
        assert!(!r.allowed("/"));
    }

    #[test]
    fn empty_path_means_root() {
        let r = robots("User-agent: *\nDisallow: /$\n");
        assert!(!r.allowed(""));
    }

    #[test]
    fn percent_encoding_is_normalized_both_ways() {
        let r = robots("User-agent: *\nDisallow: /café/\nDisallow: /%7ejoe/\n");
        assert!(!r.allowed("/caf%C3%A9/menu"));
        assert!(!r.allowed("/caf%c3%a9/menu"));
        assert!(!r.allowed("/~joe/"));
    }

    #[test]
    fn crlf_comments_and_case() {
        let r = robots(
            "# hello\r\nUSER-AGENT: *   # everyone\r\nDISALLOW: /wp-admin/ # admin\r\nAllow: /wp-admin/admin-ajax.php\r\n",
        );
        assert!(!r.allowed("/wp-admin/"));
        assert!(r.allowed("/wp-admin/admin-ajax.php"));
    }

    #[test]
    fn lone_cr_line_ends() {
        let r = robots("User-agent: *\rDisallow: /x\r");
        assert!(!r.allowed("/x"));
    }

    #[test]
    fn missing_colon_is_tolerated() {
        let r = robots("User-agent *\nDisallow /tmp\n");
        assert!(!r.allowed("/tmp/a"));
    }

    #[test]
    fn common_typos_are_accepted() {
        let r = robots("useragent: *\ndissallow: /a\n");
        assert!(!r.allowed("/a"));
    }

    #[test]
    fn crawl_delay_of_the_selected_group() {
        let r = robots(
            "User-agent: *\nCrawl-delay: 10\n\nUser-agent: nonce-audit\nCrawl-delay: 2.5\nDisallow:\n",
        );
        assert_eq!(r.crawl_delay, Some(2.5));
    }

    #[test]
    fn crawl_delay_of_star_when_not_named() {
        let r = robots("User-agent: *\nCrawl-delay: 10\n");
        assert_eq!(r.crawl_delay, Some(10.0));
    }

    #[test]
    fn bad_crawl_delay_is_a_warning() {
        let r = robots("User-agent: *\nCrawl-delay: soon\n");
        assert_eq!(r.crawl_delay, None);
        assert_eq!(
            r.warnings,
            ["Crawl-delay \"soon\" is not a number of seconds; ignored"]
        );
    }

    #[test]
    fn rules_before_any_group_are_ignored() {
        let r = robots("Disallow: /\nUser-agent: *\nDisallow: /x\n");
        assert!(r.allowed("/"));
        assert!(!r.allowed("/x"));
        assert_eq!(
            r.warnings,
            [
                "1 Allow/Disallow line(s) before the first User-agent line were ignored (RFC 9309 rules belong to a group)"
            ]
        );
    }

    #[test]
    fn only_first_500_kib_are_read() {
        let mut text = String::from("User-agent: *\n");
        while text.len() < MAX_ROBOTS_BYTES - 10 {
            text.push_str("# padding padding padding\n");
        }
        text.push_str("Disallow: /late/\nSitemap: https://example.com/late.xml\n");
        let r = robots(&text);
        assert!(r.allowed("/late/"));
        assert!(r.sitemaps.is_empty());
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].starts_with("robots.txt is "),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn html_instead_of_robots_is_flagged() {
        let r = robots("<!DOCTYPE html><html><head><title>Not found</title></head></html>");
        assert_eq!(r.rules, []);
        assert_eq!(
            r.warnings,
            ["robots.txt looks like an HTML page, not a robots.txt file"]
        );
    }

    #[test]
    fn invalid_utf8_does_not_panic() {
        let r = parse_robots(b"User-agent: *\nDisallow: /\xff\xfe/\n", UA);
        assert!(!r.allowed("/%EF%BF%BD%EF%BF%BD/"));
    }

    #[test]
    fn allow_all_and_disallow_all() {
        assert!(Robots::allow_all().allowed("/x"));
        assert!(!Robots::disallow_all().allowed("/x"));
        assert!(Robots::disallow_all().allowed("/robots.txt"));
    }
}
