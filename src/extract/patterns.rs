//! The one table of nonce shapes: where core and plugins print a nonce, which action it was made
//! for, whether guests' requests check it, and how bad a stale copy is.
//!
//! Everything here changes with the world (a plugin renames a key, a version stops printing a
//! nonce), so it lives in data, not in code: the scanners find candidate values and their
//! surroundings generically, and this table alone decides what a candidate is. Another module
//! reads [`NONCE_PATTERNS`] to report severity. Core rows follow WordPress core's
//! `wp-includes/script-loader.php` (`wp_default_scripts`, `wp_default_packages_inline_scripts`);
//! plugin rows follow each plugin's own source at the version named in the row.
//!
//! Rows are tried in order and the first match wins, so specific rows come before the generic
//! fall-backs at the end.

use serde::Serialize;

pub use crate::model::{GuestCheck, Severity};

/// Where and how a row's nonce is printed. The scanners turn page content into candidates
/// (a 10-hex string with its key path, a call argument, an input, an attribute, a URL parameter)
/// and ask each row's matcher whether the candidate is its nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "key")]
pub enum Matcher {
    /// A string property inside a script: a dotted key path matched against the end of the
    /// candidate's path, e.g. `wpApiSettings.nonce` or `BP_Nouveau.nonces.*` (`*` = any one key).
    /// The path is built from enclosing object keys and the `var NAME =` (or `a.b.c =`) the
    /// object is assigned to.
    Key(&'static str),
    /// A script property or variable whose own name starts with this prefix.
    KeyPrefix(&'static str),
    /// A script property whose own name contains this text (ASCII case-insensitive).
    KeyContains(&'static str),
    /// The first argument of a call to this function (last member name), e.g.
    /// `wp.apiFetch.createNonceMiddleware( "…" )`.
    Call(&'static str),
    /// An `<input>` whose `name` is exactly this.
    Input(&'static str),
    /// An `<input>` whose `name` starts with this.
    InputPrefix(&'static str),
    /// An `<input>` whose `name` contains this (ASCII case-insensitive).
    InputContains(&'static str),
    /// An attribute with exactly this name on any tag other than `<script>`/`<input>`.
    Attr(&'static str),
    /// An attribute whose name contains this (ASCII case-insensitive), except the CSP `nonce`
    /// attribute itself.
    AttrContains(&'static str),
    /// A query parameter with this name in a URL, in an attribute (`href`, `action`, …) or in a
    /// script string.
    UrlParam(&'static str),
}

/// One known place a nonce is printed. See the module docs for how rows are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoncePattern {
    /// Short stable id, reported as [`super::FoundNonce::source`]. Unique in the table.
    pub source: &'static str,
    /// The nonce action, or `"unknown"`. `{…}` marks a part that varies (a form ID, …).
    pub action: &'static str,
    /// How the nonce is found.
    pub matcher: Matcher,
    /// Container hint: when not empty, one of these texts must appear in the candidate's
    /// surroundings (the script's start tag or the bytes just before the value; the URL itself
    /// for [`Matcher::UrlParam`]; the markup just before an input). Used to tell a plugin's
    /// generic key name (`token`, `rest_nonce`) from anybody else's.
    pub context: &'static [&'static str],
    /// Who prints it.
    pub plugin: &'static str,
    /// Whether guests' requests verify it.
    pub checked_for_guests: GuestCheck,
    /// How bad a stale copy is.
    pub severity: Severity,
    /// The nonce life in seconds when the plugin changes it for this action (the `nonce_life`
    /// value, so the nonce lives between half of it and all of it); `None` = core default.
    pub custom_life_s: Option<u64>,
    /// One line for reports: what happens when the copy is stale, caveats.
    pub note: &'static str,
}

/// Action reported when a nonce's action cannot be known from where it sits.
pub const UNKNOWN_ACTION: &str = "unknown";

/// Core's REST cookie-authentication action.
pub const WP_REST: &str = "wp_rest";

/// Literal texts that mark a script body worth scanning. A body that contains none of them holds
/// none of the shapes below (cheap pre-filter; `once` covers `nonce`, `Nonce`, `_wpnonce`).
pub const SCRIPT_TRIGGERS: &[&str] = &[
    "once",
    "ONCE",
    "tvn1",
    "tvn2",
    "__litespeed_var_",
    "wpApiSettings",
    "RootURLMiddleware",
];

/// Parts of a key name (ASCII case-insensitive) that mark a value as *not* a nonce even though
/// the key mentions one: Unix timestamps are 10 decimal digits, which are also valid hex.
pub const NOT_NONCE_KEY_PARTS: &[&str] = &["time", "_ts", "expir", "life", "ttl"];

const REST_URL: &[&str] = &["/wp-json/", "wp-json\\/", "rest_route="];

/// The table. Core rows first, then plugins, then generic fall-backs.
pub static NONCE_PATTERNS: &[NoncePattern] = &[
    // ---- Core (wp-includes/script-loader.php) ----------------------------------------------
    NoncePattern {
        source: "wpApiSettings",
        action: WP_REST,
        matcher: Matcher::Key("wpApiSettings.nonce"),
        context: &[],
        plugin: "WordPress core (wp-api-request / wp-api)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "stale nonce gives 403 rest_cookie_invalid_nonce on every REST call, public routes too",
    },
    NoncePattern {
        source: "createNonceMiddleware",
        action: WP_REST,
        matcher: Matcher::Call("createNonceMiddleware"),
        context: &[],
        plugin: "WordPress core (wp-api-fetch)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "api-fetch sends X-WP-Nonce on every request; the refresh endpoint is logged-in only",
    },
    NoncePattern {
        source: "wpnonce-rest-link",
        action: WP_REST,
        matcher: Matcher::UrlParam("_wpnonce"),
        context: REST_URL,
        plugin: "WordPress core (REST URL carrying _wpnonce)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "core reads _wpnonce on a REST request as a wp_rest nonce",
    },
    // ---- WooCommerce (rows 3–6) -------------------------------------------------------------
    NoncePattern {
        source: "wcBlocksMiddlewareConfig",
        action: "wc_store_api",
        matcher: Matcher::Key("wcBlocksMiddlewareConfig.storeApiNonce"),
        context: &[],
        plugin: "WooCommerce Blocks / Store API",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "cart/checkout POSTs fail with 403 woocommerce_rest_invalid_nonce; localStorage keeps newer nonces",
    },
    NoncePattern {
        source: "wc-interactivity-state",
        action: "wc_store_api",
        matcher: Matcher::Key("state.woocommerce.nonce"),
        context: &[],
        plugin: "WooCommerce Interactivity-API blocks",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "\"Nonce is invalid\" on cart actions; WooCommerce PR #62892 stopped printing it",
    },
    NoncePattern {
        source: "wc-hydration-headers",
        action: "wc_store_api",
        matcher: Matcher::Key("headers.Nonce"),
        context: &[],
        plugin: "WooCommerce Blocks hydration (preloaded Store API response)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "URL-encoded inside wcSettings / createPreloadingMiddleware",
    },
    NoncePattern {
        source: "wc-checkout-update-order-review",
        action: "update-order-review",
        matcher: Matcher::Key("wc_checkout_params.update_order_review_nonce"),
        context: &[],
        plugin: "WooCommerce classic checkout",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "checkout and cart pages are normally excluded from page caches",
    },
    NoncePattern {
        source: "wc-checkout-apply-coupon",
        action: "apply-coupon",
        matcher: Matcher::Key("wc_checkout_params.apply_coupon_nonce"),
        context: &[],
        plugin: "WooCommerce classic checkout",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "checkout and cart pages are normally excluded from page caches",
    },
    NoncePattern {
        source: "wc-checkout-remove-coupon",
        action: "remove-coupon",
        matcher: Matcher::Key("wc_checkout_params.remove_coupon_nonce"),
        context: &[],
        plugin: "WooCommerce classic checkout",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "checkout and cart pages are normally excluded from page caches",
    },
    // ---- Elementor (rows 8–9) ---------------------------------------------------------------
    NoncePattern {
        source: "elementor-atomic-forms",
        action: "elementor_pro_atomic_forms_send_form",
        matcher: Matcher::Key("elementorFrontendConfig.nonces.atomicFormsSendForm"),
        context: &[],
        plugin: "Elementor 4.x atomic forms (checked by Elementor Pro)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "\"Your submission failed because the form is invalid.\" (elementor#37331)",
    },
    NoncePattern {
        source: "elementor-click-tracking",
        action: "elementor-conversion-center-click",
        matcher: Matcher::Key("elementorFrontendConfig.nonces.floatingButtonsClickTracking"),
        context: &[],
        plugin: "Elementor floating buttons",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "only click statistics are lost",
    },
    NoncePattern {
        source: "elementor-nonces",
        action: UNKNOWN_ACTION,
        matcher: Matcher::Key("elementorFrontendConfig.nonces.*"),
        context: &[],
        plugin: "Elementor",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "a nonce under elementorFrontendConfig.nonces not known to this table",
    },
    NoncePattern {
        source: "elementor-pro-frontend",
        action: "elementor-pro-frontend",
        matcher: Matcher::Key("ElementorProFrontendConfig.nonce"),
        context: &[],
        plugin: "Elementor Pro",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "which Pro features verify it for guests is not established",
    },
    // ---- Forms (rows 10–14) -----------------------------------------------------------------
    NoncePattern {
        source: "wpforms-settings",
        action: "wpforms",
        matcher: Matcher::Key("wpforms_settings.nonce"),
        context: &[],
        plugin: "WPForms",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Low,
        custom_life_s: None,
        note: "analytics AJAX only; the 32-hex data-token is not a WordPress nonce",
    },
    NoncePattern {
        source: "wpforms-form-input",
        action: "wpforms::form_{id}",
        matcher: Matcher::Input("wpforms[nonce]"),
        context: &[],
        plugin: "WPForms",
        checked_for_guests: GuestCheck::No,
        severity: Severity::Low,
        custom_life_s: None,
        note: "printed only for logged-in users: a cached copy means a logged-in render was cached",
    },
    NoncePattern {
        source: "gform-ajax-submission",
        action: "gform_ajax_submission",
        matcher: Matcher::Key("gform_theme_config.common.form.ajax.ajax_submission_nonce"),
        context: &[],
        plugin: "Gravity Forms ≥ 2.9",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: Some(3 * 86_400),
        note: "Gravity Forms raises this action's nonce_life to 3 days",
    },
    NoncePattern {
        source: "gform-submit-input",
        action: UNKNOWN_ACTION,
        matcher: Matcher::InputPrefix("_gform_submit_nonce_"),
        context: &[],
        plugin: "Gravity Forms (forms that require login)",
        checked_for_guests: GuestCheck::No,
        severity: Severity::Low,
        custom_life_s: None,
        note: "printed only when the form requires login",
    },
    NoncePattern {
        source: "ninja-forms",
        action: "ninja_forms_display_nonce",
        matcher: Matcher::Key("nfFrontEnd.ajaxNonce"),
        context: &[],
        plugin: "Ninja Forms",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "self-healing: the server returns new_nonce and the form resubmits",
    },
    NoncePattern {
        source: "formidable-js",
        action: "frm_ajax",
        matcher: Matcher::Key("frm_js.nonce"),
        context: &[],
        plugin: "Formidable Forms",
        checked_for_guests: GuestCheck::No,
        severity: Severity::Low,
        custom_life_s: None,
        note: "Lite's AJAX create does not check it; Pro not established",
    },
    NoncePattern {
        source: "formidable-input",
        action: "frm_submit_entry_nonce",
        matcher: Matcher::InputPrefix("frm_submit_entry_"),
        context: &[],
        plugin: "Formidable Forms",
        checked_for_guests: GuestCheck::No,
        severity: Severity::Low,
        custom_life_s: None,
        note: "Lite verifies it only for logged-in admins",
    },
    NoncePattern {
        source: "forminator-input",
        action: "forminator_submit_form{id}",
        matcher: Matcher::Input("forminator_nonce"),
        context: &[],
        plugin: "Forminator",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "self-healing: forminator_get_nonce refreshes it on load unless AJAX load is on",
    },
    // ---- Community, donations, events, newsletters, jobs (rows 15–21) ------------------------
    NoncePattern {
        source: "bp-nouveau",
        action: "bp_nouveau_{component}",
        matcher: Matcher::Key("BP_Nouveau.nonces.*"),
        context: &[],
        plugin: "BuddyPress (Nouveau)",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "guest directory filtering and pagination fail with a generic error",
    },
    NoncePattern {
        source: "bp-dynamic-members",
        action: WP_REST,
        matcher: Matcher::Key("bpDynamicMembersSettings.nonce"),
        context: &[],
        plugin: "BuddyPress blocks",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "the block calls the BuddyPress REST API",
    },
    NoncePattern {
        source: "bp-dynamic-groups",
        action: WP_REST,
        matcher: Matcher::Key("bpDynamicGroupsSettings.nonce"),
        context: &[],
        plugin: "BuddyPress blocks",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "the block calls the BuddyPress REST API",
    },
    NoncePattern {
        source: "bp-friends",
        action: WP_REST,
        matcher: Matcher::Key("bpFriendsSettings.nonce"),
        context: &[],
        plugin: "BuddyPress blocks",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "the block calls the BuddyPress REST API",
    },
    NoncePattern {
        source: "bbpress-reply-link",
        action: "respond_id_{reply}",
        matcher: Matcher::UrlParam("_wpnonce"),
        context: &["bbp_reply_to="],
        plugin: "bbPress",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "printed for guests only with anonymous posting on",
    },
    NoncePattern {
        source: "give-form-hash",
        action: "give_donation_form_nonce_{form_id}",
        matcher: Matcher::Input("give-form-hash"),
        context: &[],
        plugin: "GiveWP",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "self-healing: give_donation_form_nonce refreshes it",
    },
    NoncePattern {
        source: "give-checkout",
        action: "give_checkout_nonce",
        matcher: Matcher::Key("give_global_vars.checkout_nonce"),
        context: &[],
        plugin: "GiveWP",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "marked deprecated in GiveWP's code",
    },
    NoncePattern {
        source: "tec-tvn1",
        action: "_view_rest",
        matcher: Matcher::Key("tvn1"),
        context: &[],
        plugin: "The Events Calendar ≥ 6.11.1",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "either of tvn1/tvn2 passes; tvn2 is a guest nonce",
    },
    NoncePattern {
        source: "tec-tvn2",
        action: "_view_rest",
        matcher: Matcher::Key("tvn2"),
        context: &[],
        plugin: "The Events Calendar ≥ 6.11.1",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "guest nonce; may legitimately be empty",
    },
    NoncePattern {
        source: "tec-view-nonce-primary",
        action: "_view_rest",
        matcher: Matcher::Key("_tec_view_rest_nonce_primary"),
        context: &[],
        plugin: "The Events Calendar 6.1.4 – 6.11.0",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "either of primary/secondary passes",
    },
    NoncePattern {
        source: "tec-view-nonce-secondary",
        action: "_view_rest",
        matcher: Matcher::Key("_tec_view_rest_nonce_secondary"),
        context: &[],
        plugin: "The Events Calendar 6.1.4 – 6.11.0",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "guest nonce",
    },
    NoncePattern {
        source: "tec-view-data-rest-nonce",
        action: WP_REST,
        matcher: Matcher::Key("rest_nonce"),
        context: &["tribe-events-view-data"],
        plugin: "The Events Calendar < 6.1.4",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "views navigation gets 403 from /wp-json/tribe/views/v2/html",
    },
    NoncePattern {
        source: "tec-view-rest-nonce-attr",
        action: WP_REST,
        matcher: Matcher::Attr("data-view-rest-nonce"),
        context: &[],
        plugin: "The Events Calendar < 6.1.4",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "views navigation gets 403 from /wp-json/tribe/views/v2/html",
    },
    NoncePattern {
        source: "mailpoet-token",
        action: "mailpoet_token",
        matcher: Matcher::Input("token"),
        context: &["mailpoet"],
        plugin: "MailPoet",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::WillBreak,
        custom_life_s: None,
        note: "not checked when the form's CAPTCHA is on",
    },
    NoncePattern {
        source: "wp-job-manager-stats",
        action: "ajax-nonce",
        matcher: Matcher::Key("job_manager_stats.ajaxNonce"),
        context: &[],
        plugin: "WP Job Manager",
        checked_for_guests: GuestCheck::Yes,
        severity: Severity::Low,
        custom_life_s: None,
        note: "only view statistics are lost",
    },
    // ---- Printed only in logged-in contexts (row 23) -------------------------------------------
    NoncePattern {
        source: "rank-math-api",
        action: WP_REST,
        matcher: Matcher::Key("rankMath.api.nonce"),
        context: &[],
        plugin: "Rank Math (Divi builder context)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "not printed for guests: a cached copy means a logged-in render was cached",
    },
    NoncePattern {
        source: "rank-math-rest",
        action: WP_REST,
        matcher: Matcher::Key("rankMath.restNonce"),
        context: &[],
        plugin: "Rank Math (Divi builder context)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "not printed for guests: a cached copy means a logged-in render was cached",
    },
    NoncePattern {
        source: "rank-math-security",
        action: "rank-math-ajax-nonce",
        matcher: Matcher::Key("rankMath.security"),
        context: &[],
        plugin: "Rank Math (Divi builder context)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "not printed for guests: a cached copy means a logged-in render was cached",
    },
    // ---- Named only by optimiser lists (source UNVERIFIED) ---------------------------------
    NoncePattern {
        source: "wpbakery-public-nonce",
        action: "_vcnonce",
        matcher: Matcher::Attr("data-vc-public-nonce"),
        context: &[],
        plugin: "WPBakery (named in LiteSpeed's ESI list; not verified in source)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "",
    },
    NoncePattern {
        source: "litespeed-esi-var",
        action: UNKNOWN_ACTION,
        matcher: Matcher::KeyPrefix("__litespeed_var_"),
        context: &[],
        plugin: "LiteSpeed Cache ESI nonce moved by JS optimisation",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "an ESI-filled nonce that no known container refers to",
    },
    NoncePattern {
        source: "cf7-wpnonce-input",
        action: UNKNOWN_ACTION,
        matcher: Matcher::Input("_wpnonce"),
        context: &["wpcf7"],
        plugin: "Contact Form 7 (or an add-on such as hCaptcha) inside a CF7 form",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "CF7 prints it only for logged-in users (action wp_rest); add-ons may add one for guests; the form posts to CF7's REST route, where core checks any _wpnonce as wp_rest",
    },
    // ---- Generic fall-backs: a nonce of unknown action ------------------------------------------
    NoncePattern {
        source: "wpnonce-input",
        action: UNKNOWN_ACTION,
        matcher: Matcher::Input("_wpnonce"),
        context: &[],
        plugin: "wp_nonce_field (any plugin or theme)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "core reads _wpnonce as a wp_rest nonce if the form is sent to the REST API",
    },
    NoncePattern {
        source: "wpnonce-link",
        action: UNKNOWN_ACTION,
        matcher: Matcher::UrlParam("_wpnonce"),
        context: &[],
        plugin: "wp_nonce_url (any plugin or theme)",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "core reads _wpnonce as a wp_rest nonce if the link is sent to the REST API",
    },
    NoncePattern {
        source: "nonce-input",
        action: UNKNOWN_ACTION,
        matcher: Matcher::InputContains("nonce"),
        context: &[],
        plugin: "unknown",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "",
    },
    NoncePattern {
        source: "nonce-attr",
        action: UNKNOWN_ACTION,
        matcher: Matcher::AttrContains("nonce"),
        context: &[],
        plugin: "unknown",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "",
    },
    NoncePattern {
        source: "nonce-key",
        action: UNKNOWN_ACTION,
        matcher: Matcher::KeyContains("nonce"),
        context: &[],
        plugin: "unknown",
        checked_for_guests: GuestCheck::Unknown,
        severity: Severity::Unknown,
        custom_life_s: None,
        note: "the key name alone never tells the action",
    },
];

/// The table row with this `source` id, e.g. to report the severity of a [`super::FoundNonce`].
#[must_use]
pub fn pattern_for(source: &str) -> Option<&'static NoncePattern> {
    NONCE_PATTERNS.iter().find(|p| p.source == source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn sources_are_unique() {
        let mut seen = HashSet::new();
        for p in NONCE_PATTERNS {
            assert!(seen.insert(p.source), "duplicate source {}", p.source);
        }
    }

    #[test]
    fn only_core_containers_and_plugin_rows_claim_wp_rest() {
        let wp_rest: Vec<_> = NONCE_PATTERNS
            .iter()
            .filter(|p| p.action == WP_REST)
            .map(|p| p.source)
            .collect();
        assert_eq!(
            wp_rest,
            [
                "wpApiSettings",
                "createNonceMiddleware",
                "wpnonce-rest-link",
                "bp-dynamic-members",
                "bp-dynamic-groups",
                "bp-friends",
                "tec-view-data-rest-nonce",
                "tec-view-rest-nonce-attr",
                "rank-math-api",
                "rank-math-rest",
            ]
        );
        for p in NONCE_PATTERNS {
            if matches!(
                p.matcher,
                Matcher::KeyContains(_) | Matcher::InputContains(_) | Matcher::AttrContains(_)
            ) {
                assert_eq!(
                    p.action, UNKNOWN_ACTION,
                    "{} infers from a key name",
                    p.source
                );
            }
        }
    }

    #[test]
    fn pattern_for_finds_rows_by_source() {
        let row = pattern_for("gform-ajax-submission");
        assert_eq!(row.map(|p| p.custom_life_s), Some(Some(259_200)));
        assert_eq!(
            pattern_for("wpApiSettings").map(|p| p.severity.as_str()),
            Some("will-break")
        );
        assert!(pattern_for("nope").is_none());
    }

    #[test]
    fn the_table_serialises_for_reports() {
        let json = serde_json::to_string(&NONCE_PATTERNS[0]).unwrap_or_default();
        assert!(
            json.contains(r#""matcher":{"kind":"key","key":"wpApiSettings.nonce"}"#),
            "{json}"
        );
        assert!(json.contains(r#""severity":"will-break""#), "{json}");
        assert!(json.contains(r#""checked_for_guests":"yes""#), "{json}");
    }
}
