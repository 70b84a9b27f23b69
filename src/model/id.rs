//! Ids from the crate's data tables (cache layers, nonce patterns, evidence labels).
//!
//! A fresh audit's rows borrow them from the tables, `'static` and free; rows read back from the
//! spill file or an old report own them. A `Cow` covers both without leaking memory to pretend
//! that strings read at run time live forever.

use std::borrow::Cow;

/// A table id: borrowed from the table when the audit made it, owned when it was read back.
pub type Id = Cow<'static, str>;
