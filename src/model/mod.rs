//! The result model every report is rendered from, at the bottom of the crate.
//!
//! These types import nothing of the crate above them (only std, serde, chrono and url), so
//! every stage can depend on them and none of them on each other: the extractor makes nonce
//! rows, the cache table fills cache observations, the judge writes verdicts, the reports read
//! them all. One model, many views (as hyperfine does it): a field added here reaches every
//! format, and the JSON schema (`nonce-audit/1`) only ever grows. Closed sets are enums that
//! serialise to the schema's strings.

mod baseline;
mod cache;
mod cause;
mod duration;
mod id;
mod multi;
mod nonce;
mod page;
mod report;
pub mod rows;
mod verdict;

pub use baseline::{BaselineDiff, Change, LayerChange};
pub use cache::{AgeSource, CacheInfo, LayerObservation};
pub use cause::Cause;
pub use duration::human_duration;
pub use id::Id;
pub use multi::{MULTI_SCHEMA, MultiReport, MultiSummary, Shard, SiteFailure, SiteOutcome};
pub use nonce::{GuestCheck, NonceRow, NonceState, ProbeOutcome, Severity};
pub use page::PageResult;
pub use report::{
    Forecast, FoundVia, OffsetSource, Recommendation, RecommendationKind, Report, SCHEMA,
    SitemapRow, Summary,
};
pub use rows::{FleetRows, RowSink, Rows};
pub use verdict::{FailOn, Threshold, Verdict};
