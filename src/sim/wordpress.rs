//! WordPress core's nonce and REST cookie check, reimplemented for the simulated site.
//!
//! The simulated site is only worth testing against if it computes nonces the way core does and
//! answers REST requests the way `rest_cookie_check_errors()` does; these functions are the
//! reference the integration tests and the demo rely on (`wp-includes/pluggable.php`,
//! `wp-includes/rest-api.php`).

use hmac::{Hmac, Mac};
use md5::Md5;

use crate::clock::NonceClock;

/// `wp_create_nonce()` for a cookieless visitor: uid 0, empty session token.
///
/// `substr(hash_hmac('md5', "$tick|$action|0|", NONCE_KEY . NONCE_SALT), -12, 10)`: characters
/// 20 to 29 of the 32-character hex digest.
pub fn create_nonce(salt: &str, tick: i64, action: &str) -> String {
    create_nonce_for(salt, tick, action, 0, "")
}

/// `wp_create_nonce()` for user `uid` with session `token`: what a logged-in render prints,
/// which a cookieless request can never verify.
pub fn create_nonce_for(salt: &str, tick: i64, action: &str, uid: u64, token: &str) -> String {
    let message = format!("{tick}|{action}|{uid}|{token}");
    let Ok(mut mac) = Hmac::<Md5>::new_from_slice(salt.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(message.as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    digest.get(20..30).unwrap_or_default().to_owned()
}

/// What `wp_verify_nonce()` returns: 1 for the current tick, 2 for the previous, `None` otherwise.
pub fn verify_nonce(
    salt: &str,
    clock: &NonceClock,
    now: i64,
    nonce: &str,
    action: &str,
) -> Option<u8> {
    if nonce.is_empty() {
        return None;
    }
    let i = clock.tick_at(now);
    if create_nonce(salt, i, action) == nonce {
        Some(1)
    } else if create_nonce(salt, i - 1, action) == nonce {
        Some(2)
    } else {
        None
    }
}

/// The result of core's REST cookie check for a request without cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestAuth {
    /// No nonce was sent: the request goes on as anonymous, with no `X-WP-Nonce` back.
    Anonymous,
    /// The nonce verified: the request goes on and `X-WP-Nonce` carries the current nonce.
    Valid {
        /// `wp_create_nonce('wp_rest')` for the current tick.
        refreshed: String,
    },
    /// 403 `rest_cookie_invalid_nonce`.
    Invalid,
}

/// `rest_cookie_check_errors()` for a cookieless request: `_wpnonce` from the query wins over the
/// `X-WP-Nonce` header, exactly as core reads `$_REQUEST` first.
pub fn rest_cookie_check(
    salt: &str,
    clock: &NonceClock,
    now: i64,
    query_wpnonce: Option<&str>,
    header_nonce: Option<&str>,
) -> RestAuth {
    let Some(nonce) = query_wpnonce.or(header_nonce) else {
        return RestAuth::Anonymous;
    };
    match verify_nonce(salt, clock, now, nonce, "wp_rest") {
        Some(_) => RestAuth::Valid {
            refreshed: create_nonce(salt, clock.tick_at(now), "wp_rest"),
        },
        None => RestAuth::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_ten_hex_characters_from_the_hmac_md5_digest() {
        // Reference computed independently:
        // php -r 'echo substr(hash_hmac("md5","39689|wp_rest|0|","keysalt"),-12,10);'
        // equals python3 hmac.new(b"keysalt", b"39689|wp_rest|0|", "md5").hexdigest()[20:30]
        let n = create_nonce("keysalt", 39689, "wp_rest");
        assert_eq!(n.len(), 10);
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(n, "9e70350f91");
    }

    #[test]
    fn verify_accepts_current_and_previous_tick_only() {
        let clock = NonceClock::new(20);
        let made = create_nonce("s", clock.tick_at(101), "wp_rest");
        assert_eq!(verify_nonce("s", &clock, 101, &made, "wp_rest"), Some(1));
        assert_eq!(verify_nonce("s", &clock, 120, &made, "wp_rest"), Some(2));
        assert_eq!(verify_nonce("s", &clock, 121, &made, "wp_rest"), None);
        assert_eq!(verify_nonce("s", &clock, 101, &made, "other"), None);
        assert_eq!(verify_nonce("s", &clock, 101, "", "wp_rest"), None);
    }

    #[test]
    fn query_nonce_wins_over_header() {
        let clock = NonceClock::new(20);
        let good = create_nonce("s", clock.tick_at(50), "wp_rest");
        assert_eq!(
            rest_cookie_check("s", &clock, 50, Some("garbage"), Some(&good)),
            RestAuth::Invalid
        );
        assert!(matches!(
            rest_cookie_check("s", &clock, 50, Some(&good), Some("garbage")),
            RestAuth::Valid { .. }
        ));
        assert_eq!(
            rest_cookie_check("s", &clock, 50, None, None),
            RestAuth::Anonymous
        );
    }
}
