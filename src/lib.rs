//! nonce-audit: find the WordPress pages whose cached copy carries a REST nonce the live site no
//! longer accepts.
//!
//! WordPress front-end scripts call the REST API with a `wp_rest` nonce printed into the page. A
//! page cache keeps that HTML; a nonce lives 12 to 24 hours. Once the cached copy outlives it,
//! every visitor's REST calls fail with `403 rest_cookie_invalid_nonce`. This library walks a
//! site's sitemaps, fetches each page as an anonymous visitor gets it, extracts its nonces, asks
//! the live REST API about each distinct nonce once, and reports a verdict per page, with the
//! cache that served it and what to change.
//!
//! ```no_run
//! use nonce_audit::{AuditConfig, Target, audit, run};
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuditConfig::new(Target::parse("https://example.com/")?);
//! let report = run(&config, audit::quiet()).await?;
//! println!("{} dead pages", report.summary.dead);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

/// Test input from `tests/fixtures/` (public fixtures, see their SOURCES.md), read at compile
/// time so tests need no file system access.
#[cfg(test)]
macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

mod advise;
pub mod audit;
pub mod baseline;
pub mod cache;
pub mod clock;
pub mod demo;
pub mod discover;
pub mod extract;
pub mod fetch;
pub mod fleet;
mod judge;
pub mod merge;
pub mod model;
mod once;
pub mod report;
pub mod robots;
pub mod sim;
pub mod util;
mod verify;

// The API most callers need, at the crate root: configure, run, read the report.
pub use audit::{AuditConfig, AuditError, run};
pub use discover::Target;
pub use model::{PageResult, Report, Verdict};
// The query parameter of every cache-busted request, so operators can recognise it in logs.
pub use verify::CACHE_BUSTER;
