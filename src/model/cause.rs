//! Why a dead page is dead, as proven (or not) by re-rendering it past the cache.
//!
//! A rejected nonce alone does not say what to fix: a copy that outlived its nonce needs a
//! shorter lifespan, a page that prints a wrong nonce even fresh needs code, a copy made before
//! the keys changed needs a purge, a logged-in render in the cache needs the cache to stop
//! storing those. The advice is only as good as this cause, so an unproven cause is named as
//! such instead of guessed.

use serde::{Deserialize, Serialize};

/// The cause of a dead page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The copy is a logged-in user's render: its nonces are that user's, never a guest's.
    LoggedInCopy,
    /// A fresh render's nonce is rejected too: the page prints a nonce the REST check never
    /// accepts (another action, another user), so no cache setting can help.
    RejectedWhenFresh,
    /// A fresh render's nonce is accepted but the copy is younger than a nonce's shortest life:
    /// it was made before the site's keys/salts changed (or for another session).
    CopyPredatesKeyChange,
    /// A fresh render's nonce is accepted and the copy is old enough to have outlived its nonce.
    StaleCopy,
    /// The re-render could not be made, did not miss the cache, or did not settle the question.
    Unproven,
}

impl Cause {
    /// Every cause, in the order reports list them (the most urgent first).
    pub const ALL: [Cause; 5] = [
        Cause::LoggedInCopy,
        Cause::RejectedWhenFresh,
        Cause::CopyPredatesKeyChange,
        Cause::StaleCopy,
        Cause::Unproven,
    ];

    /// The schema's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::LoggedInCopy => "logged-in-copy",
            Cause::RejectedWhenFresh => "rejected-when-fresh",
            Cause::CopyPredatesKeyChange => "copy-predates-key-change",
            Cause::StaleCopy => "stale-copy",
            Cause::Unproven => "unproven",
        }
    }

    /// The cause in words, for the human formats: what happened, in one line.
    pub fn words(self) -> &'static str {
        match self {
            Cause::LoggedInCopy => {
                "a logged-in user's render is cached and served to guests (private copy)"
            }
            Cause::RejectedWhenFresh => {
                "the nonce is rejected even in a fresh render: the page's code prints a wrong nonce; no cache setting fixes it"
            }
            Cause::CopyPredatesKeyChange => {
                "the copy is too young to have outlived its nonce: it was made before the site's keys/salts changed (or for another session); purge the cache"
            }
            Cause::StaleCopy => {
                "the cached copy outlived its nonce (a fresh render's nonce is accepted)"
            }
            Cause::Unproven => {
                "not proven: the page could not be re-rendered past the cache, so only its age speaks"
            }
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
