//! The script-body scanner: finds 10-hex string values in JavaScript or JSON, works out what
//! they are attached to (an object key path, an assignment, a call) and asks the table.
//!
//! It exists because nonces in pages live almost only in inline scripts, in many printed shapes
//! (JSON from `wp_localize_script`, JS object literals, `sprintf`'d calls, optimiser-wrapped
//! copies). Instead of one regex per shape run over the page, it does one cheap pre-filter per
//! body and one pass over its quote characters; only the few 10-hex strings found are examined
//! further, by walking backwards from them. The same pass also reads the REST root printed by
//! core and warns when a core container holds no usable nonce.

use super::classify::{Candidate, classify};
use super::collect::{Collector, LITESPEED_VAR_SOURCE, Pos};
use super::patterns::SCRIPT_TRIGGERS;
use super::{decode, root};
use memchr::memmem;
use regex::bytes::Regex;
use std::sync::LazyLock;

/// How far back from a value the object-path walk may look.
const PATH_SCAN_LIMIT: usize = 256 * 1024;
/// Object nesting levels followed upwards.
const MAX_PATH_DEPTH: usize = 8;
/// Keyed 10-hex values examined per body (each costs a backward walk).
const MAX_KEYED_VALUES: usize = 512;
/// Bytes before a value searched for a row's container hint.
const CONTEXT_WINDOW: usize = 4096;
/// Longest object key read.
const MAX_KEY_LEN: usize = 128;
/// Longest JS string read for a REST root.
const MAX_ROOT_LEN: usize = 4096;
/// Largest decoded payload of a `decodeURIComponent( '…' )` or `data:` URI.
pub(crate) const MAX_DECODED_SCRIPT: usize = 2 * 1024 * 1024;

/// Literals that switch on the optional sub-scans of a body (beyond the 10-hex string pass).
const FEATURE_LITERALS: &[&str] = &[
    "__litespeed_var_",
    "_wpnonce=",
    "wpApiSettings",
    "Middleware",
    "decodeURIComponent(",
];

/// The table's trigger literals plus [`FEATURE_LITERALS`], as one multi-literal search
/// (compiled to a SIMD "Teddy" scan), so a body is read once to learn what it may hold.
static LITERALS: LazyLock<Regex> = LazyLock::new(|| {
    let alternation: Vec<String> = FEATURE_LITERALS
        .iter()
        .chain(SCRIPT_TRIGGERS)
        .map(|t| regex::escape(t))
        .collect();
    Regex::new(&alternation.join("|")).expect("literals form a valid regex")
});

/// What one pass of [`LITERALS`] saw in a body.
#[derive(Debug, Default, Clone, Copy)]
struct Features {
    trigger: bool,
    litespeed: bool,
    wpnonce: bool,
    wp_api_settings: bool,
    middleware: bool,
    uri_component: bool,
}

impl Features {
    fn of(body: &[u8]) -> Self {
        let mut f = Self::default();
        for m in LITERALS.find_iter(body) {
            match m.as_bytes() {
                b"__litespeed_var_" => {
                    f.litespeed = true;
                    f.trigger = true;
                }
                // Contains "once": a trigger too.
                b"_wpnonce=" => {
                    f.wpnonce = true;
                    f.trigger = true;
                }
                b"wpApiSettings" => {
                    f.wp_api_settings = true;
                    f.trigger = true;
                }
                b"Middleware" => f.middleware = true,
                // Starts before "Middleware" inside it, so it wins the leftmost match.
                b"RootURLMiddleware" => {
                    f.middleware = true;
                    f.trigger = true;
                }
                b"decodeURIComponent(" => f.uri_component = true,
                _ => f.trigger = true,
            }
        }
        f
    }
}

/// A `root` key (or `.root =` member) followed by the opening quote of its string value.
static ROOT_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"root\\?["']?\s*[:=]\s*\\?["']"#).expect("static regex"));

/// Start of a `wpApiSettings` object definition.
static WP_API_SETTINGS_DEF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"wpApiSettings\s*=\s*(?:[\w$.]+\s*\|\|\s*)?\{").expect("static regex")
});

/// The `nonce` key inside a `wpApiSettings` object and the start of its value.
static NONCE_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bnonce["']?\s*:\s*"#).expect("static regex"));

/// `createNonceMiddleware(` / `createRootURLMiddleware(` with the opening of the argument.
static MIDDLEWARE_CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"create(Nonce|RootURL)Middleware\s*\(\s*").expect("static regex"));

/// Where the bytes being scanned came from, to place findings in page order.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin {
    /// Read straight from the page; the value is the page offset of byte 0.
    Page(usize),
    /// Decoded from a payload that starts at this page offset.
    Decoded(usize),
}

impl Origin {
    fn at(self, i: usize) -> Pos {
        match self {
            Self::Page(base) => (base + i, 0),
            Self::Decoded(base) => (base, i + 1),
        }
    }
}

/// One script body (or decoded payload) and what surrounds it.
pub(crate) struct Script<'a> {
    /// The bytes to scan.
    pub body: &'a [u8],
    /// The `<script …>` start tag (container hints such as `data-js` live there).
    pub tag: &'a [u8],
    /// Where `body` sits in the page.
    pub origin: Origin,
    /// 0 for a page script; payloads decoded from it are scanned at depth 1 and not decoded again.
    pub depth: u8,
}

/// True if the body contains any trigger literal; bodies that do not are skipped entirely.
#[cfg(test)]
fn is_candidate(body: &[u8]) -> bool {
    Features::of(body).trigger
}

/// Scans one script body and records what it finds.
pub(crate) fn scan_script(script: &Script<'_>, out: &mut Collector<'_>) {
    let features = Features::of(script.body);
    if features.uri_component && script.depth == 0 {
        scan_uri_components(script, out);
    }
    if !features.trigger {
        return;
    }
    scan_hex_strings(script, out);
    if features.litespeed {
        scan_litespeed_refs(script, out);
    }
    if features.wpnonce {
        scan_url_params(script, out);
    }
    scan_core_containers(script, features, out);
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// True if `v` is exactly a WordPress nonce: 10 lowercase hex characters.
pub(crate) fn is_nonce(v: &[u8]) -> bool {
    v.len() == 10 && v.iter().all(|&b| is_lower_hex(b))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'\x0b'
}

/// Offset of the first non-space byte at or before `end` (exclusive), never below `floor`.
fn skip_space_back(body: &[u8], mut end: usize, floor: usize) -> usize {
    while end > floor && is_space(body[end - 1]) {
        end -= 1;
    }
    end
}

/// Is the quote at `k` escaped by an odd number of backslashes?
fn is_escaped(body: &[u8], k: usize, floor: usize) -> bool {
    let mut n = 0;
    let mut i = k;
    while i > floor && body[i - 1] == b'\\' {
        n += 1;
        i -= 1;
    }
    n % 2 == 1
}

/// What a value is attached to, read backwards from its opening quote.
enum Attachment<'a> {
    /// `key: "…"` — the key and the offset where the key (or its quote) starts.
    Key(&'a [u8], usize),
    /// `a.b.c = "…"` — the member chain, outer → inner.
    Assign(Vec<&'a [u8]>),
    /// `f( "…"` — the called function's last member name.
    Call(&'a [u8]),
}

/// Reads what precedes a value whose opening quote (or first byte, for a bare reference) is at
/// `start`: `key:`, `name =` or `fn(`.
fn attachment(body: &[u8], start: usize) -> Option<Attachment<'_>> {
    let floor = start.saturating_sub(PATH_SCAN_LIMIT);
    let mut j = start;
    if j > floor && body[j - 1] == b'\\' {
        j -= 1;
    }
    j = skip_space_back(body, j, floor);
    if j == floor {
        return None;
    }
    match body[j - 1] {
        b':' => read_key_back(body, j - 1, floor).map(|(k, s)| Attachment::Key(k, s)),
        b'=' => {
            // `==`, `!=`, `<=`, `+=`, `??=`, …: a comparison or compound update, not a container.
            if j >= 2 && b"=!<>+-*/%&|^?".contains(&body[j - 2]) {
                return None;
            }
            let (chain, _) = read_chain_back(body, j - 1, floor);
            (!chain.is_empty()).then_some(Attachment::Assign(chain))
        }
        b'(' => {
            let (chain, _) = read_chain_back(body, j - 1, floor);
            chain.last().map(|f| Attachment::Call(f))
        }
        _ => None,
    }
}

/// Reads an object key ending just before `colon`: `"key"`, `'key'`, `\"key\"` or a bare
/// identifier. Returns the key and where it starts (its opening quote for quoted keys).
fn read_key_back(body: &[u8], colon: usize, floor: usize) -> Option<(&[u8], usize)> {
    let mut end = skip_space_back(body, colon, floor);
    if end == floor {
        return None;
    }
    let last = body[end - 1];
    if last == b'"' || last == b'\'' {
        let q = last;
        end -= 1;
        if end > floor && body[end - 1] == b'\\' {
            end -= 1;
        }
        let lo = end.saturating_sub(MAX_KEY_LEN).max(floor);
        let open = memchr::memrchr(q, &body[lo..end])? + lo;
        let mut key_start = open + 1;
        let mut key_end = end;
        let mut start = open;
        if open > floor && body[open - 1] == b'\\' {
            start = open - 1;
        }
        // `\"key\"`: the backslash before the closing quote was already stepped over.
        if key_end > key_start && body[key_end - 1] == b'\\' {
            key_end -= 1;
        }
        key_start = key_start.min(key_end);
        return Some((&body[key_start..key_end], start));
    }
    let mut s = end;
    while s > floor && end - s < MAX_KEY_LEN && is_ident(body[s - 1]) {
        s -= 1;
    }
    (s < end).then(|| (&body[s..end], s))
}

/// Reads a member chain (`window.wpApiSettings`, `wp.apiFetch.createNonceMiddleware`) ending
/// just before `end`, outer → inner. Stops at anything that is not `ident` or `.`.
fn read_chain_back(body: &[u8], end: usize, floor: usize) -> (Vec<&[u8]>, usize) {
    let mut chain = Vec::new();
    let mut e = skip_space_back(body, end, floor);
    let mut first = e;
    loop {
        let mut s = e;
        while s > floor && e - s < MAX_KEY_LEN && is_ident(body[s - 1]) {
            s -= 1;
        }
        if s == e || chain.len() >= MAX_PATH_DEPTH {
            break;
        }
        chain.push(&body[s..e]);
        first = s;
        let mut d = s;
        if d > floor && body[d - 1] == b'.' {
            d -= 1;
            if d > floor && body[d - 1] == b'?' {
                d -= 1;
            }
            e = d;
        } else {
            break;
        }
    }
    chain.reverse();
    (chain, first)
}

/// Builds the key path of a value attached to `key` (which starts at `key_start`): the keys of
/// the enclosing objects and, at the top, the variable the object is assigned to. Outer → inner,
/// ending with `key`. Quoted strings are skipped while walking back, so braces inside them do
/// not count; comments and regex literals can still mislead it, which only costs a generic
/// classification.
///
/// `budget` is the page's remaining allowance of bytes walked; the walk stops (keeping the path
/// found so far) when it runs out, so hostile pages full of 10-hex strings stay linear.
fn key_path<'a>(
    body: &'a [u8],
    key: &'a [u8],
    key_start: usize,
    budget: &mut usize,
) -> Vec<&'a [u8]> {
    let floor = key_start
        .saturating_sub(PATH_SCAN_LIMIT)
        .max(key_start.saturating_sub(*budget));
    let mut inner_to_outer: Vec<&[u8]> = vec![key];
    let mut pos = key_start;
    // Lowest offset the walk reached, to charge the budget with what was really read.
    let mut reached = key_start;
    'levels: for _ in 0..MAX_PATH_DEPTH {
        let mut depth = 0usize;
        let mut i = pos;
        let opener = loop {
            if i <= floor {
                reached = floor;
                break 'levels;
            }
            i -= 1;
            match body[i] {
                b'}' | b']' => depth += 1,
                b'{' | b'[' => {
                    if depth == 0 {
                        break i;
                    }
                    depth -= 1;
                }
                q @ (b'"' | b'\'' | b'`') => loop {
                    let Some(o) = memchr::memrchr(q, &body[floor..i]) else {
                        reached = floor;
                        break 'levels;
                    };
                    i = floor + o;
                    if !is_escaped(body, i, floor) {
                        break;
                    }
                },
                _ => {}
            }
        };
        let j = skip_space_back(body, opener, floor);
        reached = reached.min(j);
        if j == floor {
            break;
        }
        match body[j - 1] {
            b':' => match read_key_back(body, j - 1, floor) {
                Some((k, s)) => {
                    inner_to_outer.push(k);
                    pos = s;
                }
                None => break,
            },
            b'=' => {
                let (chain, _) = read_chain_back(body, j - 1, floor);
                inner_to_outer.extend(chain.into_iter().rev());
                break;
            }
            // An element of an array: keep climbing without adding a key.
            b',' | b'[' => pos = opener,
            // `var x = x || {` : the object is assigned to the chain before `=`.
            b'|' if j >= 2 && body[j - 2] == b'|' => {
                let (fallback, chain_start) = read_chain_back(body, j - 2, floor);
                if fallback.is_empty() {
                    break;
                }
                let k = skip_space_back(body, chain_start, floor);
                if k > floor && body[k - 1] == b'=' {
                    let (chain, _) = read_chain_back(body, k - 1, floor);
                    inner_to_outer.extend(chain.into_iter().rev());
                }
                break;
            }
            _ => break,
        }
    }
    *budget = budget.saturating_sub(key_start - reached);
    inner_to_outer.reverse();
    inner_to_outer
}

/// The surroundings a row's container hint is searched in: the start tag and the bytes just
/// before the value.
fn surroundings<'a>(script: &Script<'a>, at: usize) -> [&'a [u8]; 2] {
    let lo = at.saturating_sub(CONTEXT_WINDOW);
    [script.tag, &script.body[lo..at]]
}

/// Finds every quoted 10-hex string (`"…"`, `'…'`, `\"…\"`) and classifies it.
fn scan_hex_strings(script: &Script<'_>, out: &mut Collector<'_>) {
    let body = script.body;
    let Some(last) = body.len().checked_sub(11) else {
        return;
    };
    let mut keyed = 0usize;
    let mut from = 0;
    while from < last {
        let Some(off) = memchr::memchr2(b'"', b'\'', &body[from..last]) else {
            break;
        };
        let q = from + off;
        from = q + 1;
        let close_ok = match body[q + 11] {
            b'"' | b'\'' => true,
            b'\\' => matches!(body.get(q + 12), Some(b'"' | b'\'')),
            _ => false,
        };
        let value = &body[q + 1..q + 11];
        if !(close_ok && is_nonce(value)) {
            continue;
        }
        keyed += 1;
        if keyed > MAX_KEYED_VALUES || out.is_full() {
            out.warn(format!(
                "a script holds more than {MAX_KEYED_VALUES} 10-hex strings; the rest were skipped"
            ));
            return;
        }
        classify_value(script, q, value, out);
        if out.walk_budget == 0 {
            out.warn(
                "key-path walking limit for the page reached; later values were matched on their key alone"
                    .to_string(),
            );
        }
        from = q + 11;
    }
}

/// Works out what the 10-hex string whose opening quote is at `q` is attached to, and records
/// it if the table knows it.
fn classify_value(script: &Script<'_>, q: usize, value: &[u8], out: &mut Collector<'_>) {
    let body = script.body;
    let pos = script.origin.at(q);
    let around = surroundings(script, q);
    match attachment(body, q) {
        Some(Attachment::Key(key, key_start)) => {
            let path = key_path(body, key, key_start, &mut out.walk_budget);
            if let Some(row) = classify(Candidate::Key(&path), &around) {
                record(out, pos, key, value, row);
            }
        }
        Some(Attachment::Assign(chain)) => {
            if let Some(row) = classify(Candidate::Key(&chain), &around) {
                let name = chain.last().copied().unwrap_or_default();
                record(out, pos, name, value, row);
            }
        }
        Some(Attachment::Call(func)) => {
            if let Some(row) = classify(Candidate::Call(func), &around) {
                out.nonce(pos, value, row);
            }
        }
        None => {}
    }
}

fn record(
    out: &mut Collector<'_>,
    pos: Pos,
    key: &[u8],
    value: &[u8],
    row: &'static super::NoncePattern,
) {
    if row.source == LITESPEED_VAR_SOURCE {
        out.litespeed_var(pos, key, value, row);
    } else {
        out.nonce(pos, value, row);
    }
}

/// Reads `__litespeed_var_N__` references (`"nonce":__litespeed_var_0__`,
/// `createNonceMiddleware( __litespeed_var_1__ )`): LiteSpeed moves an ESI-filled nonce into
/// such a variable when it optimises the script that printed it.
fn scan_litespeed_refs(script: &Script<'_>, out: &mut Collector<'_>) {
    const PREFIX: &[u8] = b"__litespeed_var_";
    let body = script.body;
    for at in memmem::find_iter(body, PREFIX).take(MAX_KEYED_VALUES) {
        if at > 0 && is_ident(body[at - 1]) {
            continue;
        }
        let mut end = at + PREFIX.len();
        while end < body.len() && end - at < 32 && is_ident(body[end]) {
            end += 1;
        }
        let name = &body[at..end];
        if !name.ends_with(b"__") {
            continue;
        }
        let around = surroundings(script, at);
        let candidate_row = match attachment(body, at) {
            Some(Attachment::Key(key, key_start)) => {
                let path = key_path(body, key, key_start, &mut out.walk_budget);
                classify(Candidate::Key(&path), &around)
            }
            Some(Attachment::Call(func)) => classify(Candidate::Call(func), &around),
            _ => None,
        };
        if let Some(row) = candidate_row {
            out.litespeed_ref(script.origin.at(at), name, row);
        }
    }
}

/// Reads `_wpnonce=<10 hex>` query parameters inside script strings (`?`, `&`, `&amp;` or
/// `\u0026` before it).
fn scan_url_params(script: &Script<'_>, out: &mut Collector<'_>) {
    const PARAM: &[u8] = b"_wpnonce=";
    let body = script.body;
    for at in memmem::find_iter(body, PARAM).take(MAX_KEYED_VALUES) {
        let before_ok = at > 0 && matches!(body[at - 1], b'?' | b'&' | b';')
            || body[..at].ends_with(b"\\u0026");
        let v = at + PARAM.len();
        let Some(value) = body.get(v..v + 10) else {
            continue;
        };
        let after_ok = body.get(v + 10).is_none_or(|b| !b.is_ascii_alphanumeric());
        if !(before_ok && after_ok && is_nonce(value)) {
            continue;
        }
        // The URL: back to the string's opening quote (bounded).
        let lo = at.saturating_sub(2048);
        let url_start = memchr::memrchr2(b'"', b'\'', &body[lo..at]).map_or(lo, |o| lo + o);
        let url = &body[url_start..v];
        if let Some(row) = classify(Candidate::UrlParam(b"_wpnonce"), &[url]) {
            out.nonce(script.origin.at(at), value, row);
        }
    }
}

/// Reads a quoted JS string whose opening quote is at `q`; returns its raw (still escaped) body.
/// An opening `\"` (JSON inside a string) is closed by `\"`.
fn quoted_at(body: &[u8], q: usize, max: usize) -> Option<&[u8]> {
    let escaped_open = body.get(q) == Some(&b'\\');
    let q = if escaped_open { q + 1 } else { q };
    let quote = *body.get(q)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let start = q + 1;
    let limit = body.len().min(start.saturating_add(max));
    let mut i = start;
    while i < limit {
        let at = i + memchr::memchr2(quote, b'\\', &body[i..limit])?;
        if body[at] == quote {
            return Some(&body[start..at]);
        }
        if escaped_open && body.get(at + 1) == Some(&quote) {
            return Some(&body[start..at]);
        }
        i = at + 2;
    }
    None
}

/// Core containers: REST roots from `wpApiSettings.root` and `createRootURLMiddleware`, and
/// warnings when `wpApiSettings` or `createNonceMiddleware` hold no usable nonce.
fn scan_core_containers(script: &Script<'_>, features: Features, out: &mut Collector<'_>) {
    let body = script.body;
    if features.wp_api_settings {
        for m in ROOT_KEY.find_iter(body).take(16) {
            let q = m.end() - 1;
            let path = match attachment(body, q) {
                Some(Attachment::Key(key, key_start)) => {
                    key_path(body, key, key_start, &mut out.walk_budget)
                }
                Some(Attachment::Assign(chain)) => chain,
                _ => continue,
            };
            let n = path.len();
            if n >= 2 && path[n - 1] == b"root" && path[n - 2] == b"wpApiSettings" {
                let q = if q > 0 && body[q - 1] == b'\\' {
                    q - 1
                } else {
                    q
                };
                if let Some(raw) = quoted_at(body, q, MAX_ROOT_LEN) {
                    match root::resolve_js(raw, out.page_url) {
                        Some(url) => out.root(1, url),
                        None => out.warn("wpApiSettings.root is not a usable URL".to_string()),
                    }
                }
            }
        }
        for def in WP_API_SETTINGS_DEF.find_iter(body).take(4) {
            check_wp_api_settings_nonce(&body[def.end()..], out);
        }
    }
    if features.middleware {
        for m in MIDDLEWARE_CALL.captures_iter(body).take(16) {
            let (Some(whole), Some(kind)) = (m.get(0), m.get(1)) else {
                continue;
            };
            let raw = quoted_at(body, whole.end(), MAX_ROOT_LEN);
            if kind.as_bytes() == b"RootURL" {
                if let Some(raw) = raw {
                    match root::resolve_js(raw, out.page_url) {
                        Some(url) => out.root(2, url),
                        None => out.warn(
                            "createRootURLMiddleware argument is not a usable URL".to_string(),
                        ),
                    }
                }
            } else {
                match raw {
                    Some([]) => out.core_warning(
                        "createNonceMiddleware",
                        "createNonceMiddleware found but its nonce is empty".to_string(),
                    ),
                    Some(v) if !is_nonce(v) => out.core_warning(
                        "createNonceMiddleware",
                        format!(
                            "createNonceMiddleware found but its nonce is not 10 lowercase hex: {}",
                            shorten(v)
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// Warns when the object starting at `obj` (just after `wpApiSettings = {`) has an empty, odd or
/// missing `nonce`.
fn check_wp_api_settings_nonce(obj: &[u8], out: &mut Collector<'_>) {
    let obj = &obj[..obj.len().min(8192)];
    let close = memchr::memchr(b'}', obj).unwrap_or(obj.len());
    let obj = &obj[..close];
    const SOURCE: &str = "wpApiSettings";
    let Some(m) = NONCE_KEY.find(obj) else {
        out.core_warning(
            SOURCE,
            "wpApiSettings found without a nonce key".to_string(),
        );
        return;
    };
    let rest = &obj[m.end()..];
    match quoted_at(rest, 0, 256) {
        Some([]) => {
            out.core_warning(
                SOURCE,
                "wpApiSettings found but its nonce is empty".to_string(),
            );
        }
        Some(v) if !is_nonce(v) => out.core_warning(
            SOURCE,
            format!(
                "wpApiSettings found but its nonce is not 10 lowercase hex: {}",
                shorten(v)
            ),
        ),
        Some(_) => {}
        None => out.core_warning(
            SOURCE,
            "wpApiSettings nonce is not a string literal".to_string(),
        ),
    }
}

/// A short, printable excerpt of a value for a warning.
fn shorten(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(&v[..v.len().min(40)]);
    s.chars().filter(|c| !c.is_control()).collect()
}

/// Percent-decodes `decodeURIComponent( '…' )` payloads (WooCommerce's `wcSettings` and
/// preloaded Store API responses) and scans them.
fn scan_uri_components(script: &Script<'_>, out: &mut Collector<'_>) {
    const CALL: &[u8] = b"decodeURIComponent(";
    let body = script.body;
    for at in memmem::find_iter(body, CALL).take(16) {
        let mut q = at + CALL.len();
        while q < body.len() && is_space(body[q]) {
            q += 1;
        }
        let Some(raw) = quoted_at(body, q, MAX_DECODED_SCRIPT.saturating_mul(3)) else {
            continue;
        };
        // Percent-encoding leaves key names readable, so the trigger test works on the raw text.
        if !Features::of(raw).trigger {
            continue;
        }
        let budget = out.take_decode_budget(raw.len().min(MAX_DECODED_SCRIPT));
        if budget == 0 {
            out.warn("decoding limit for the page reached; payloads skipped".to_string());
            return;
        }
        let (decoded, cut) = decode::percent(raw, budget);
        if cut {
            out.warn("a decodeURIComponent payload was cut at the decoding limit".to_string());
        }
        let inner = Script {
            body: &decoded,
            tag: script.tag,
            origin: Origin::Decoded(match script.origin {
                Origin::Page(base) => base + q,
                Origin::Decoded(base) => base,
            }),
            depth: script.depth + 1,
        };
        scan_script(&inner, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn scan(body: &str, tag: &str) -> super::super::Extraction {
        let url = Url::parse("https://ex.com/page/").unwrap_or_else(|e| panic!("{e}"));
        let mut out = Collector::new(&url);
        scan_script(
            &Script {
                body: body.as_bytes(),
                tag: tag.as_bytes(),
                origin: Origin::Page(0),
                depth: 0,
            },
            &mut out,
        );
        out.finish()
    }

    fn found(body: &str) -> Vec<(String, &'static str, &'static str)> {
        scan(body, "<script>")
            .nonces
            .into_iter()
            .map(|n| (n.value, n.source, n.action))
            .collect()
    }

    #[test]
    fn key_path_follows_nesting_and_the_assigned_variable() {
        let body = br#"var cfg = {"a":{"b":"{x}","nonces":{"save":"0123456789"}}};"#;
        let at = memmem::find(body, b"\"save\"").unwrap_or_default();
        let path = key_path(body, b"save", at, &mut usize::MAX.clone());
        assert_eq!(path, [&b"cfg"[..], b"a", b"nonces", b"save"]);
    }

    #[test]
    fn key_path_climbs_through_arrays_and_or_defaults() {
        let body = br#"window.x = window.x || {"forms":[{"id":1},{"nonce":"0123456789"}]};"#;
        let at = memmem::find(body, b"\"nonce\"").unwrap_or_default();
        assert_eq!(
            key_path(body, b"nonce", at, &mut usize::MAX.clone()),
            [&b"window"[..], b"x", b"forms", b"nonce"]
        );
    }

    #[test]
    fn hand_rolled_wp_api_settings_with_bare_keys_and_single_quotes() {
        let got =
            found("var wpApiSettings = { nonce: 'abcdef0123', root: 'https://ex.com/wp-json/' };");
        assert_eq!(
            got,
            [("abcdef0123".to_string(), "wpApiSettings", "wp_rest")]
        );
    }

    #[test]
    fn member_assignment_is_a_container() {
        let got = found(
            "window.wpApiSettings = window.wpApiSettings || {};\nwpApiSettings.nonce = \"abcdef0123\";",
        );
        assert_eq!(
            got,
            [("abcdef0123".to_string(), "wpApiSettings", "wp_rest")]
        );
    }

    #[test]
    fn comparisons_and_arrays_are_not_containers() {
        assert!(
            found(r#"if (x.nonce == "abcdef0123") {} var a = ["abcdef0123"]; f(1, "abcdef0123");"#)
                .is_empty()
        );
    }

    #[test]
    fn escaped_json_inside_a_string_is_read() {
        let got = found(r#"var d = JSON.parse("{\"nonce\":\"abcdef0123\"}");"#);
        assert_eq!(got, [("abcdef0123".to_string(), "nonce-key", "unknown")]);
    }

    #[test]
    fn url_params_in_script_strings() {
        let got = found(
            r#"var u = "https:\/\/ex.com\/wp-json\/x\/v1\/y?_wpnonce=abcdef0123"; var v = 'https://ex.com/?a=1&amp;_wpnonce=0123456789#x';"#,
        );
        assert_eq!(
            got,
            [
                ("abcdef0123".to_string(), "wpnonce-rest-link", "wp_rest"),
                ("0123456789".to_string(), "wpnonce-link", "unknown"),
            ]
        );
    }

    #[test]
    fn decode_uri_component_payloads_are_scanned() {
        let got = found(
            "wp.apiFetch.use( wp.apiFetch.createPreloadingMiddleware( JSON.parse( decodeURIComponent( '%7B%22%2Fwc%2Fstore%2Fv1%2Fcart%22%3A%7B%22body%22%3A%7B%7D%2C%22headers%22%3A%7B%22Nonce%22%3A%22abcdef0123%22%2C%22Nonce-Timestamp%22%3A%221700000000%22%7D%7D%7D' ) ) ) );",
        );
        assert_eq!(
            got,
            [(
                "abcdef0123".to_string(),
                "wc-hydration-headers",
                "wc_store_api"
            )]
        );
    }

    #[test]
    fn bodies_without_triggers_are_skipped() {
        assert!(!is_candidate(b"var a = {\"hash\":\"abcdef0123\"};"));
        assert!(is_candidate(b"var a = {\"ajaxNonce\":\"abcdef0123\"};"));
        assert!(found("var a = {\"hash\":\"abcdef0123\"};").is_empty());
    }

    #[test]
    fn quoted_at_reads_escaped_strings() {
        assert_eq!(quoted_at(br#""a\"b" x"#, 0, 100), Some(&br#"a\"b"#[..]));
        assert_eq!(quoted_at(br#"'it\'s'"#, 0, 100), Some(&br"it\'s"[..]));
        assert_eq!(quoted_at(br#"\"abc\","#, 0, 100), Some(&b"abc"[..]));
        assert_eq!(quoted_at(b"'unterminated", 0, 100), None);
    }

    #[test]
    fn many_hex_strings_are_capped() {
        let mut body = String::from("var nonces = {");
        for i in 0..(MAX_KEYED_VALUES + 10) {
            body.push_str(&format!("\"k{i}\":\"{:010x}\",", i));
        }
        body.push_str("};");
        let x = scan(&body, "<script>");
        assert_eq!(x.nonces.len(), super::super::MAX_NONCES);
        assert!(
            x.warnings.iter().any(|w| w.contains("more than 512")),
            "{:?}",
            x.warnings
        );
    }
}
