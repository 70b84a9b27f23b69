//! Gathers what the scanners find on one page and turns it into an [`Extraction`]: orders the
//! nonces by page position, keeps distinct `(value, action)` pairs, resolves LiteSpeed's
//! `__litespeed_var_N__` indirections, picks the REST root by priority and caps everything.
//!
//! It exists so the scanners stay simple pushers and every limit on hostile input lives in one
//! place.

use super::patterns::NoncePattern;
use super::{Extraction, FoundNonce, MAX_NONCES};
use url::Url;

/// Raw candidates kept before de-duplication; beyond this the page is hostile or absurd.
const MAX_RAW_HITS: usize = 1024;
/// Warnings kept per page.
const MAX_WARNINGS: usize = 32;
/// Total bytes decoded from `data:` URIs and `decodeURIComponent` payloads per page.
const MAX_DECODED_PER_PAGE: usize = 8 * 1024 * 1024;
/// Bytes the backward key-path walk may cover per page, summed over all values.
const MAX_WALK_PER_PAGE: usize = 32 * 1024 * 1024;
/// Source id of the LiteSpeed ESI variable row (see `patterns.rs`).
pub(crate) const LITESPEED_VAR_SOURCE: &str = "litespeed-esi-var";

/// Position of a finding, for page order: the byte offset in the page, then the offset inside a
/// decoded payload (0 for text read straight from the page).
pub(crate) type Pos = (usize, usize);

/// The REST root sources in priority order (index = priority).
pub(crate) const ROOT_SOURCES: [&str; 3] = ["link-tag", "wpApiSettings.root", "apiFetch-root"];

struct Hit {
    pos: Pos,
    value: String,
    row: &'static NoncePattern,
    /// For a LiteSpeed ESI variable declaration: the variable name.
    litespeed_var: Option<String>,
}

struct LitespeedRef {
    pos: Pos,
    name: String,
    row: &'static NoncePattern,
}

/// Accumulates findings for one page. See the module docs.
pub(crate) struct Collector<'u> {
    pub page_url: &'u Url,
    hits: Vec<Hit>,
    refs: Vec<LitespeedRef>,
    warnings: Vec<String>,
    /// Warnings about a core container, dropped if that container's nonce is found elsewhere.
    pending: Vec<(&'static str, String)>,
    roots: [Option<String>; 3],
    combined_scripts: Vec<String>,
    decoded_left: usize,
    hits_full: bool,
    /// Bytes the key-path walk may still step over on this page (see `scan::key_path`).
    pub walk_budget: usize,
}

impl<'u> Collector<'u> {
    /// An empty collector for a page at `page_url`.
    pub fn new(page_url: &'u Url) -> Self {
        Self {
            page_url,
            hits: Vec::new(),
            refs: Vec::new(),
            warnings: Vec::new(),
            pending: Vec::new(),
            roots: [None, None, None],
            combined_scripts: Vec::new(),
            decoded_left: MAX_DECODED_PER_PAGE,
            hits_full: false,
            walk_budget: MAX_WALK_PER_PAGE,
        }
    }

    /// Records a nonce. `value` must already be 10 lowercase hex characters.
    pub fn nonce(&mut self, pos: Pos, value: &[u8], row: &'static NoncePattern) {
        self.push(pos, value, row, None);
    }

    /// Records a LiteSpeed ESI variable declaration `__litespeed_var_N__ = "<nonce>"`.
    pub fn litespeed_var(
        &mut self,
        pos: Pos,
        name: &[u8],
        value: &[u8],
        row: &'static NoncePattern,
    ) {
        self.push(
            pos,
            value,
            row,
            Some(String::from_utf8_lossy(name).into_owned()),
        );
    }

    fn push(&mut self, pos: Pos, value: &[u8], row: &'static NoncePattern, var: Option<String>) {
        if self.hits.len() >= MAX_RAW_HITS {
            if !self.hits_full {
                self.hits_full = true;
                self.warn(format!(
                    "more than {MAX_RAW_HITS} nonce candidates; the rest of the page was not collected"
                ));
            }
            return;
        }
        self.hits.push(Hit {
            pos,
            value: String::from_utf8_lossy(value).into_owned(),
            row,
            litespeed_var: var,
        });
    }

    /// Records that a known container refers to `__litespeed_var_N__` instead of a literal.
    pub fn litespeed_ref(&mut self, pos: Pos, name: &[u8], row: &'static NoncePattern) {
        if self.refs.len() < MAX_RAW_HITS {
            self.refs.push(LitespeedRef {
                pos,
                name: String::from_utf8_lossy(name).into_owned(),
                row,
            });
        }
    }

    /// True once the raw-candidate cap is hit, so scanners can stop early.
    pub fn is_full(&self) -> bool {
        self.hits_full
    }

    /// Records a warning once (identical warnings are merged).
    pub fn warn(&mut self, text: String) {
        if self.warnings.len() < MAX_WARNINGS && !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    /// Records a warning about the container whose row has `source`; it is reported only if no
    /// nonce from that row is found anywhere on the page (a theme may fill the object later).
    pub fn core_warning(&mut self, source: &'static str, text: String) {
        if self.pending.len() < MAX_WARNINGS {
            self.pending.push((source, text));
        }
    }

    /// Offers a REST root found by source `priority` (index into [`ROOT_SOURCES`]); the first
    /// one of each source is kept.
    pub fn root(&mut self, priority: usize, url: String) {
        if let Some(slot) = self.roots.get_mut(priority) {
            if slot.is_none() {
                *slot = Some(url);
            }
        }
    }

    /// Records a LiteSpeed combined script that may hold the page's inline nonces.
    pub fn combined_script(&mut self, url: String) {
        if self.combined_scripts.len() < MAX_NONCES && !self.combined_scripts.contains(&url) {
            self.combined_scripts.push(url);
        }
    }

    /// Takes up to `want` bytes from the page's decoding budget; returns what may be decoded.
    pub fn take_decode_budget(&mut self, want: usize) -> usize {
        let granted = want.min(self.decoded_left);
        self.decoded_left -= granted;
        granted
    }

    /// Builds the result.
    pub fn finish(mut self) -> Extraction {
        self.resolve_litespeed();
        for (source, text) in std::mem::take(&mut self.pending) {
            if !self.hits.iter().any(|h| h.row.source == source) {
                self.warn(text);
            }
        }
        self.hits.sort_by_key(|h| h.pos);
        let mut nonces: Vec<FoundNonce> = Vec::new();
        let mut capped = false;
        for hit in &self.hits {
            if nonces
                .iter()
                .any(|n| n.value == hit.value && n.action == hit.row.action)
            {
                continue;
            }
            if nonces.len() >= MAX_NONCES {
                capped = true;
                break;
            }
            nonces.push(FoundNonce {
                value: hit.value.clone(),
                source: hit.row.source,
                action: hit.row.action,
            });
        }
        if capped {
            self.warn(format!(
                "more than {MAX_NONCES} distinct nonces; only the first {MAX_NONCES} are reported"
            ));
        }
        let mut rest_root = None;
        let mut rest_root_source = None;
        for (slot, source) in self.roots.iter_mut().zip(ROOT_SOURCES) {
            if let Some(url) = slot.take() {
                rest_root = Some(url);
                rest_root_source = Some(source);
                break;
            }
        }
        Extraction {
            nonces,
            rest_root,
            rest_root_source,
            warnings: self.warnings,
            combined_scripts: self.combined_scripts,
        }
    }

    /// Replaces each LiteSpeed variable that a known container refers to by a hit of that
    /// container's row (at the reference's position). Variables nobody refers to stay as
    /// `litespeed-esi-var` hits; references to undeclared variables become warnings.
    fn resolve_litespeed(&mut self) {
        let refs = std::mem::take(&mut self.refs);
        let mut used = vec![false; self.hits.len()];
        let mut resolved = Vec::new();
        for r in refs {
            let found = self
                .hits
                .iter()
                .position(|h| h.litespeed_var.as_deref() == Some(r.name.as_str()));
            match found {
                Some(idx) => {
                    if let Some(flag) = used.get_mut(idx) {
                        *flag = true;
                    }
                    resolved.push(Hit {
                        pos: r.pos,
                        value: self.hits[idx].value.clone(),
                        row: r.row,
                        litespeed_var: None,
                    });
                }
                None => self.warn(format!(
                    "{} refers to {} but the page does not define it as a 10-hex nonce",
                    r.row.source, r.name
                )),
            }
        }
        let mut idx = 0;
        self.hits.retain(|_| {
            let keep = !used.get(idx).copied().unwrap_or(false);
            idx += 1;
            keep
        });
        self.hits.extend(resolved);
    }
}
