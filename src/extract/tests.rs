//! Behaviour of [`extract`] on whole pages: one test per printed shape, per WordPress version
//! (the script tag's shape changed in 6.1's `class-wp-scripts.php`), per optimiser rewrite, per
//! plugin row and per false positive.
//! Inputs are inline snippets shaped like the real pages; every test asserts exact values.

use super::*;

const PAGE: &str = "https://ex.com/hello-world/";

fn run(html: &str) -> Extraction {
    let url = Url::parse(PAGE).unwrap_or_else(|e| panic!("{e}"));
    extract(html, &url)
}

/// `(value, source, action)` of every nonce found.
fn nonces(html: &str) -> Vec<(String, &'static str, &'static str)> {
    run(html)
        .nonces
        .into_iter()
        .map(|n| (n.value, n.source, n.action))
        .collect()
}

fn one(
    value: &str,
    source: &'static str,
    action: &'static str,
) -> Vec<(String, &'static str, &'static str)> {
    vec![(value.to_string(), source, action)]
}

fn wp_rest(value: &str, source: &'static str) -> Vec<(String, &'static str, &'static str)> {
    one(value, source, "wp_rest")
}

// ---- Core wpApiSettings / createNonceMiddleware by version ---------------------------------

#[test]
fn wp_4_7_wp_api_localize_with_cdata_and_no_id() {
    let html = r#"<link rel='https://api.w.org/' href='https://ex.com/wp-json/' />
<script type='text/javascript'>
/* <![CDATA[ */
var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"0123abcdef","versionString":"wp\/v2\/"};
/* ]]> */
</script>
<script type='text/javascript' src='https://ex.com/wp-includes/js/wp-api.min.js?ver=4.7'></script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("0123abcdef", "wpApiSettings"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
    assert_eq!(x.rest_root_source, Some("link-tag"));
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

#[test]
fn wp_4_8_plain_permalinks_root_from_wp_api_settings() {
    let html = r#"<script type='text/javascript'>
/* <![CDATA[ */
var wpApiSettings = {"root":"https:\/\/ex.com\/?rest_route=\/","nonce":"9f8e7d6c5b","versionString":"wp\/v2\/"};
/* ]]> */
</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("9f8e7d6c5b", "wpApiSettings"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/?rest_route=/"));
    assert_eq!(x.rest_root_source, Some("wpApiSettings.root"));
}

#[test]
fn wp_5_0_api_fetch_use_lines() {
    let html = r#"<script type='text/javascript'>
wp.apiFetch.use( wp.apiFetch.createNonceMiddleware( "a1b2c3d4e5" ) );
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "https://ex.com/wp-json/" ) );
</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("a1b2c3d4e5", "createNonceMiddleware"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
    assert_eq!(x.rest_root_source, Some("apiFetch-root"));
}

#[test]
fn wp_5_2_api_fetch_iife_with_heartbeat_refresh() {
    let html = r#"<script type='text/javascript'>
( function() {
	var nonceMiddleware = wp.apiFetch.createNonceMiddleware( "b2c3d4e5f6" );
	wp.apiFetch.use( nonceMiddleware );
	wp.hooks.addAction(
		"heartbeat.tick",
		"core/api-fetch/create-nonce-middleware",
		function( response ) {
			if ( response[ "rest_nonce" ] ) {
				nonceMiddleware.nonce = response[ "rest_nonce" ];
			}
		}
	)
} )();
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "https://ex.com/wp-json/" ) );
</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("b2c3d4e5f6", "createNonceMiddleware"));
    assert_eq!(x.rest_root_source, Some("apiFetch-root"));
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

#[test]
fn wp_5_5_to_6_2_single_quoted_ids_and_the_five_line_api_fetch() {
    let html = r#"<link rel="https://api.w.org/" href="https://ex.com/wp-json/" /><link rel="alternate" type="application/json" href="https://ex.com/wp-json/wp/v2/posts/1" />
<script type='text/javascript' id='wp-api-request-js-extra'>
/* <![CDATA[ */
var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"c3d4e5f6a7","versionString":"wp\/v2\/"};
/* ]]> */
</script>
<script type='text/javascript' id='wp-api-fetch-js-after'>
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "https://ex.com/wp-json/" ) );
wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "c3d4e5f6a7" );
wp.apiFetch.use( wp.apiFetch.nonceMiddleware );
wp.apiFetch.use( wp.apiFetch.mediaUploadMiddleware );
wp.apiFetch.nonceEndpoint = "https://ex.com/wp-admin/admin-ajax.php?action=rest-nonce";
</script>"#;
    // Same value, same action: one pair, reported from its first place in the page.
    assert_eq!(nonces(html), wp_rest("c3d4e5f6a7", "wpApiSettings"));
}

#[test]
fn wp_6_1_9_observed_shape() {
    let html = r#"<script id='wp-api-request-js-extra'>
var wpApiSettings = {"root":"http:\/\/127.0.0.1:8081\/wp-json\/","nonce":"65e7cb2052","versionString":"wp\/v2\/"};
</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("65e7cb2052", "wpApiSettings"));
    assert_eq!(
        x.rest_root.as_deref(),
        Some("http://127.0.0.1:8081/wp-json/")
    );
}

#[test]
fn wp_6_3_double_quotes_type_after_id() {
    let html = r#"<script id="wp-api-fetch-js-after" type="text/javascript">
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "https://ex.com/wp-json/" ) );
wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "d4e5f6a7b8" );
wp.apiFetch.use( wp.apiFetch.nonceMiddleware );
</script>"#;
    assert_eq!(nonces(html), wp_rest("d4e5f6a7b8", "createNonceMiddleware"));
}

#[test]
fn wp_6_4_to_6_8_type_first_with_cdata() {
    let html = r#"<script type="text/javascript" id="wp-api-request-js-extra">
/* <![CDATA[ */
var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"e5f6a7b8c9","versionString":"wp\/v2\/"};
/* ]]> */
</script>"#;
    assert_eq!(nonces(html), wp_rest("e5f6a7b8c9", "wpApiSettings"));
}

#[test]
fn wp_6_9_unescaped_slashes_hex_tags_and_source_url() {
    let html = r#"<script id="wp-api-request-js-extra">
var wpApiSettings = {"root":"https://ex.com/wp-json/","nonce":"f6a7b8c9d0","versionString":"wp/v2/","note":"\u003Cb\u003E"};
//# sourceURL=wp-api-request-js-extra
</script>
<script id="wp-api-fetch-js-after">
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "https://ex.com/wp-json/" ) );
wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "f6a7b8c9d0" );
//# sourceURL=wp-api-fetch-js-after
</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("f6a7b8c9d0", "wpApiSettings"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
    assert_eq!(x.rest_root_source, Some("wpApiSettings.root"));
}

#[test]
fn wp_7_0_no_type_no_cdata() {
    let html = "<script id=\"wp-api-request-js-extra\">\nvar wpApiSettings = {\"root\":\"https://ex.com/wp-json/\",\"nonce\":\"0a1b2c3d4e\",\"versionString\":\"wp/v2/\"};\n//# sourceURL=wp-api-request-js-extra\n</script>";
    assert_eq!(nonces(html), wp_rest("0a1b2c3d4e", "wpApiSettings"));
}

#[test]
fn minified_one_line_page_keeps_page_order() {
    let html = r#"<html><head><script>var wpApiSettings={"nonce":"1111111111","root":"https:\/\/ex.com\/wp-json\/"};</script><script>wp.apiFetch.use(wp.apiFetch.createRootURLMiddleware("https://ex.com/wp-json/"));wp.apiFetch.nonceMiddleware=wp.apiFetch.createNonceMiddleware("2222222222");</script></head></html>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("1111111111".to_string(), "wpApiSettings", "wp_rest"),
            ("2222222222".to_string(), "createNonceMiddleware", "wp_rest"),
        ]
    );
}

#[test]
fn hand_rolled_theme_object_with_other_key_order() {
    let html = "<script>\n  window.wpApiSettings = {\n    versionString: 'wp/v2/',\n    nonce: 'abc1230def',\n    root: '/wp-json/'\n  };\n</script>";
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("abc1230def", "wpApiSettings"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
}

#[test]
fn uppercase_script_tags_are_read() {
    let html =
        r#"<SCRIPT TYPE="text/javascript">var wpApiSettings = {"nonce":"abcabcabc1"};</SCRIPT>"#;
    assert_eq!(nonces(html), wp_rest("abcabcabc1", "wpApiSettings"));
}

// ---- Core warnings ----------------------------------------------------------------------

#[test]
fn empty_wp_api_settings_nonce_is_a_warning_not_a_nonce() {
    let x = run(
        r#"<script id="wp-api-request-js-extra">var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"","versionString":"wp\/v2\/"};</script>"#,
    );
    assert!(x.nonces.is_empty());
    assert_eq!(x.warnings, ["wpApiSettings found but its nonce is empty"]);
    assert_eq!(x.rest_root_source, Some("wpApiSettings.root"));
}

#[test]
fn odd_wp_api_settings_nonce_is_reported_as_such() {
    let x = run(r#"<script>var wpApiSettings = {"nonce":"NOT-A-NONCE"};</script>"#);
    assert!(x.nonces.is_empty());
    assert_eq!(
        x.warnings,
        ["wpApiSettings found but its nonce is not 10 lowercase hex: NOT-A-NONCE"]
    );
}

#[test]
fn empty_create_nonce_middleware_during_install() {
    let x = run(
        r#"<script>wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "" );</script>"#,
    );
    assert!(x.nonces.is_empty());
    assert_eq!(
        x.warnings,
        ["createNonceMiddleware found but its nonce is empty"]
    );
}

#[test]
fn a_script_merely_reading_wp_api_settings_warns_nothing() {
    let x = run(
        "<script>if ( window.wpApiSettings ) { fetch( wpApiSettings.root + 'wp/v2/posts', { headers: { 'X-WP-Nonce': wpApiSettings.nonce } } ); }</script>",
    );
    assert!(x.nonces.is_empty());
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

// ---- REST root ----------------------------------------------------------------------------

#[test]
fn link_tag_wins_over_script_roots_and_is_entity_decoded() {
    let html = r#"<link href="http://ex.com/index.php?rest_route=/&#038;lang=fr" rel="https://api.w.org/" />
<script>var wpApiSettings = {"root":"https:\/\/other.example\/wp-json\/","nonce":"0123456789"};</script>"#;
    let x = run(html);
    assert_eq!(
        x.rest_root.as_deref(),
        Some("http://ex.com/index.php?rest_route=/&lang=fr")
    );
    assert_eq!(x.rest_root_source, Some("link-tag"));
}

#[test]
fn link_tag_amp_entity_and_relative_href() {
    let x = run(r#"<link rel='https://api.w.org/' href='/?rest_route=/&amp;x=1' />"#);
    assert_eq!(
        x.rest_root.as_deref(),
        Some("https://ex.com/?rest_route=/&x=1")
    );
}

#[test]
fn other_link_relations_are_not_the_root() {
    let x = run(
        r#"<link rel="alternate" type="application/json" href="https://ex.com/wp-json/wp/v2/pages/2" /><link rel="EditURI" href="https://ex.com/xmlrpc.php?rsd" />"#,
    );
    assert_eq!(x.rest_root, None);
    assert_eq!(x.rest_root_source, None);
}

// ---- Optimiser rewrites ----------------------------------------------------------------

#[test]
fn wp_rocket_delayed_script_is_scanned_whatever_the_attribute_order() {
    let html = r#"<script type="rocketlazyloadscript" data-rocket-type="text/javascript" id="wp-api-fetch-js-after">
wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "1a2b3c4d5e" );
</script>
<script id="wc-blocks-middleware-js-before" data-rocket-type="text/javascript" type="rocketlazyloadscript">
var wcBlocksMiddlewareConfig = {
	storeApiNonce: '6f7a8b9c0d',
	wcStoreApiNonceTimestamp: '1716543210'
};
</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("1a2b3c4d5e".to_string(), "createNonceMiddleware", "wp_rest"),
            (
                "6f7a8b9c0d".to_string(),
                "wcBlocksMiddlewareConfig",
                "wc_store_api"
            ),
        ]
    );
}

#[test]
fn litespeed_delayed_script_is_scanned() {
    let html = r#"<script data-optimized="1" type="litespeed/javascript">var wpApiSettings={"root":"https:\/\/ex.com\/wp-json\/","nonce":"2b3c4d5e6f","versionString":"wp\/v2\/"}</script>"#;
    assert_eq!(nonces(html), wp_rest("2b3c4d5e6f", "wpApiSettings"));
}

#[test]
fn litespeed_deferred_base64_data_uri_is_decoded() {
    let html = r#"<script src="data:text/javascript;base64,dmFyIHdwQXBpU2V0dGluZ3MgPSB7InJvb3QiOiJodHRwczpcL1wvZXguY29tXC93cC1qc29uXC8iLCJub25jZSI6IjVlMWYwYzJhOWIiLCJ2ZXJzaW9uU3RyaW5nIjoid3BcL3YyXC8ifTs=" defer></script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("5e1f0c2a9b", "wpApiSettings"));
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
}

#[test]
fn autoptimize_deferred_inline_keeps_the_id_and_is_decoded() {
    let html = r#"<script defer id="wp-api-fetch-js-after" src="data:text/javascript;base64,d3AuYXBpRmV0Y2gudXNlKCB3cC5hcGlGZXRjaC5jcmVhdGVSb290VVJMTWlkZGxld2FyZSggImh0dHBzOi8vZXguY29tL3dwLWpzb24vIiApICk7CndwLmFwaUZldGNoLm5vbmNlTWlkZGxld2FyZSA9IHdwLmFwaUZldGNoLmNyZWF0ZU5vbmNlTWlkZGxld2FyZSggIjc3YWEwMWJjM2QiICk7CndwLmFwaUZldGNoLnVzZSggd3AuYXBpRmV0Y2gubm9uY2VNaWRkbGV3YXJlICk7"></script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("77aa01bc3d", "createNonceMiddleware"));
    assert_eq!(x.rest_root_source, Some("apiFetch-root"));
}

#[test]
fn percent_encoded_data_uri_is_decoded() {
    let html = r#"<script src="data:text/javascript,var%20wpApiSettings%20%3D%20%7B%22nonce%22%3A%2200ff00ff00%22%7D%3B"></script>"#;
    assert_eq!(nonces(html), wp_rest("00ff00ff00", "wpApiSettings"));
}

#[test]
fn broken_base64_is_a_warning() {
    let x = run(r#"<script src="data:text/javascript;base64,@@@@"></script>"#);
    assert!(x.nonces.is_empty());
    assert_eq!(x.warnings, ["a data: script is not valid base64"]);
}

#[test]
fn other_delayer_types_are_scanned() {
    for tag in [
        r#"<script type="pmdelayedscript" data-cfasync="false" data-no-optimize="1" data-no-defer="1" data-no-minify="1">"#,
        r#"<script type="javascript/blocked" data-wpmeteor-type="text/javascript">"#,
        r#"<script type="4f2a9e0c1b7d3e5a8c6f0b2d-text/javascript">"#,
        r#"<script type="text/template">"#,
    ] {
        let html = format!(r#"{tag}var wpApiSettings = {{"nonce":"3c4d5e6f7a"}};</script>"#);
        assert_eq!(
            nonces(&html),
            wp_rest("3c4d5e6f7a", "wpApiSettings"),
            "{tag}"
        );
    }
}

#[test]
fn ld_json_is_never_scanned() {
    let html = r#"<script type="application/ld+json">{"@context":"https://schema.org","nonce":"4d5e6f7a8b"}</script>"#;
    assert!(nonces(html).is_empty());
}

#[test]
fn litespeed_esi_variable_resolves_to_its_container() {
    let html = r#"<head><script>var __litespeed_var_0__ = "5e6f7a8b9c";</script>
<script type="litespeed/javascript">var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":__litespeed_var_0__,"versionString":"wp\/v2\/"};</script>"#;
    let x = run(html);
    assert_eq!(nonces(html), wp_rest("5e6f7a8b9c", "wpApiSettings"));
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

#[test]
fn litespeed_esi_variable_passed_to_create_nonce_middleware() {
    let html = r#"<script>var __litespeed_var_1__='0f1e2d3c4b';</script><script type="litespeed/javascript">wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( __litespeed_var_1__ );</script>"#;
    assert_eq!(nonces(html), wp_rest("0f1e2d3c4b", "createNonceMiddleware"));
}

#[test]
fn unreferenced_litespeed_esi_variable_is_an_unknown_nonce() {
    let html = r#"<script>var __litespeed_var_3__="6f7a8b9c0d";</script>"#;
    assert_eq!(
        nonces(html),
        one("6f7a8b9c0d", "litespeed-esi-var", "unknown")
    );
}

#[test]
fn unprocessed_esi_include_is_a_warning() {
    let x = run(
        r#"<script>var wpApiSettings = {"nonce":"<esi:include src='/?lsesi=nonce&_control=private' cache-control='private,no-vary' />"};</script>"#,
    );
    assert!(x.nonces.is_empty());
    assert_eq!(x.warnings.len(), 2, "{:?}", x.warnings);
    assert!(
        x.warnings
            .iter()
            .any(|w| w.starts_with("wpApiSettings found but its nonce is not 10 lowercase hex"))
    );
    assert!(x.warnings.iter().any(|w| w.contains("<esi:include>")));
}

#[test]
fn litespeed_combined_scripts_are_listed_for_fetching() {
    let html = r#"<script data-optimized="1" src="/wp-content/litespeed/js/0f1e2d3c.js?ver=1a2b3" defer></script>
<script data-optimized="1" type="litespeed/javascript" data-src="https://ex.com/wp-content/litespeed/js/aa.js?ver=2"></script>
<script src="https://cdn.other.example/wp-content/litespeed/js/bb.js"></script>
<script src="https://ex.com/wp-includes/js/jquery/jquery.min.js"></script>"#;
    assert_eq!(
        run(html).combined_scripts,
        [
            "https://ex.com/wp-content/litespeed/js/0f1e2d3c.js?ver=1a2b3",
            "https://ex.com/wp-content/litespeed/js/aa.js?ver=2"
        ]
    );
}

#[test]
fn extract_script_reads_a_combined_file() {
    let url = Url::parse("https://ex.com/wp-content/litespeed/js/0f1e2d3c.js")
        .unwrap_or_else(|e| panic!("{e}"));
    let x = extract_script(
        r#"!function(){"use strict"}();var wpApiSettings={"root":"https:\/\/ex.com\/wp-json\/","nonce":"7a8b9c0d1e","versionString":"wp\/v2\/"};;wp.apiFetch.use(wp.apiFetch.createRootURLMiddleware("https://ex.com/wp-json/"));"#,
        &url,
    );
    assert_eq!(
        x.nonces,
        [FoundNonce {
            value: "7a8b9c0d1e".into(),
            source: "wpApiSettings",
            action: "wp_rest"
        }]
    );
    assert_eq!(x.rest_root_source, Some("wpApiSettings.root"));
}

// ---- False positives -------------------------------------------------------------------

#[test]
fn csp_nonce_attributes_are_ignored_even_when_hex() {
    let html = r#"<script nonce="r4nd0mB4se64Value==" id="x-js-after">var a = 1;</script>
<style nonce="abcdef0123">body{}</style>
<link rel="preload" as="script" nonce="abcdef0123" href="/a.js">
<script nonce='0123456789'>console.log('nonce');</script>"#;
    let x = run(html);
    assert!(x.nonces.is_empty(), "{:?}", x.nonces);
    assert!(x.warnings.is_empty());
}

#[test]
fn csp_page_still_yields_the_wp_rest_nonce() {
    let html = r#"<script nonce="Zm9vYmFyYmF6cXV4" id="wp-api-request-js-extra">var wpApiSettings = {"root":"https:\/\/ex.com\/wp-json\/","nonce":"8b9c0d1e2f","versionString":"wp\/v2\/"};</script>"#;
    assert_eq!(nonces(html), wp_rest("8b9c0d1e2f", "wpApiSettings"));
}

#[test]
fn wpforms_32_hex_token_is_not_a_nonce() {
    let html = r#"<form id="wpforms-form-12" class="wpforms-validate wpforms-form" data-formid="12" method="post" data-token="0cc175b9c0f1b6a831c399e269772661" data-token-time="1716543210">
<input type="hidden" name="wpforms[id]" value="12"></form>
<script type='text/javascript'>
/* <![CDATA[ */
var wpforms_settings = {"val_required":"This field is required.","token_cache_time":"86400","hash":"0cc175b9c0f1b6a831c399e269772661"}
/* ]]> */
</script>"#;
    assert!(nonces(html).is_empty());
}

#[test]
fn nonce_keys_without_a_10_hex_value_are_ignored() {
    let html = r#"<script>var a = {"nonce":"abc","ajax_nonce":"ABCDEF0123","x_nonce":"abcdef01234","y_nonce":"abcdef012","z_nonce":12345678901,"nonce_life":"1234567890","nonceTimestamp":"1716543210"};</script>"#;
    assert!(nonces(html).is_empty());
}

#[test]
fn text_and_comments_that_mention_nonces_are_ignored() {
    let html = r#"<p>Our nonce is 0123abcdef; try ?_wpnonce=0123abcdef or "nonce":"0123abcdef".</p>
<!-- <script>var wpApiSettings = {"nonce":"0123abcdef"};</script> <input name="_wpnonce" value="0123abcdef"> -->
<pre>&lt;input name="_wpnonce" value="0123abcdef"&gt;</pre>
<textarea><input type="hidden" name="_wpnonce" value="0123abcdef"></textarea>"#;
    assert!(nonces(html).is_empty());
}

#[test]
fn html5_comment_edge_cases_end_where_a_browser_ends_them() {
    let script =
        r#"<script>var wpApiSettings={"root":"http://x/wp-json/","nonce":"0123abcdef"}</script>"#;
    // Abruptly closed empty comments, a `--!>` close, dashes inside and a four-dash comment.
    for comment in [
        "<!-->",
        "<!--->",
        "<!---->",
        "<!-- a -- b -->",
        "<!-- a --!>",
        "<!-- a --->",
        "<!-- <!-- -->",
    ] {
        let html = format!("{comment}{script}");
        assert_eq!(
            nonces(&html),
            wp_rest("0123abcdef", "wpApiSettings"),
            "{comment}"
        );
    }
    // Not closers: `-- >`, `-!>`, `--!x>`; the comment swallows the script.
    for comment in ["<!-- a -- >", "<!-- a -!>", "<!-- a --!x>", "<!--x>"] {
        let html = format!("{comment}{script}");
        assert!(nonces(&html).is_empty(), "{comment}");
    }
}

#[test]
fn markup_is_tokenized_the_html5_way() {
    let script =
        r#"<script>var wpApiSettings={"root":"http://x/wp-json/","nonce":"0123abcdef"}</script>"#;
    // Not markup in HTML5: a quoted attribute value, raw-text elements (`<noscript>` in a browser
    // that runs scripts), a bogus comment (`<?`, `<!x`, `</ x`) up to the first `>`.
    for wrap in [
        "<div title=\"{}\">",
        "<iframe>{}</iframe>",
        "<noscript>{}</noscript>",
        "<noembed>{}</noembed>",
        "<noframes>{}</noframes>",
        "<plaintext></plaintext>{}",
        "<? {} ?>",
        "<!x {}",
        "</ x {}",
        "</div title='{}'>",
    ] {
        let html = wrap.replace("{}", script);
        assert!(nonces(&html).is_empty(), "{html}");
    }
    // A `<script>` inside an escaped (`<!--`) part of a script does not end at its `</script>`.
    let html = r#"<script><!-- document.write("<script></script>"); --> var wpApiSettings={"nonce":"0123abcdef"};</script>"#;
    assert_eq!(nonces(html), wp_rest("0123abcdef", "wpApiSettings"));
    // A repeated attribute keeps its first value; a tag cut by the end of the page is dropped.
    assert!(nonces(r#"<div data-nonce="x" data-nonce="0123456789">"#).is_empty());
    assert!(nonces(r#"<div data-nonce="0123456789""#).is_empty());
    // The start tag of a raw-text element is markup.
    assert_eq!(
        nonces(r#"<textarea data-nonce="0123456789"></textarea>"#),
        one("0123456789", "nonce-attr", "unknown")
    );
}

#[test]
fn generic_nonce_keys_never_claim_wp_rest() {
    let html = r#"<script id="ppcp-smart-buttons-js-extra">var PayPalCommerceGateway = {"ajax":{"create_order":{"endpoint":"https:\/\/ex.com\/?wc-ajax=ppc-create-order","nonce":"9c0d1e2f3a"}},"wp_rest_nonce":"0d1e2f3a4b","restNonce":"1e2f3a4b5c"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("9c0d1e2f3a".to_string(), "nonce-key", "unknown"),
            ("0d1e2f3a4b".to_string(), "nonce-key", "unknown"),
            ("1e2f3a4b5c".to_string(), "nonce-key", "unknown"),
        ]
    );
}

// ---- HTML-level shapes -------------------------------------------------------------------

#[test]
fn hidden_wpnonce_inputs_are_unknown_action_and_deduplicated() {
    let html = r#"<form method="post"><input type="hidden" id="_wpnonce" name="_wpnonce" value="2f3a4b5c6d" /><input type="hidden" name="_wp_http_referer" value="/hello-world/" /></form>
<form method="post"><input type="hidden" id="_wpnonce" name="_wpnonce" value="2f3a4b5c6d" /></form>"#;
    assert_eq!(nonces(html), one("2f3a4b5c6d", "wpnonce-input", "unknown"));
}

#[test]
fn wpnonce_links_are_entity_decoded_and_unknown_action() {
    let html = r#"<a href="https://ex.com/?action=vote&amp;id=3&amp;_wpnonce=3a4b5c6d7e" class="vote">Vote</a>
<a href='https://ex.com/?_wpnonce=4b5c6d7e8f'>first param</a>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("3a4b5c6d7e".to_string(), "wpnonce-link", "unknown"),
            ("4b5c6d7e8f".to_string(), "wpnonce-link", "unknown"),
        ]
    );
}

#[test]
fn wpnonce_on_a_rest_url_is_wp_rest() {
    let html = r#"<a href="https://ex.com/wp-json/myplugin/v1/like?id=3&#038;_wpnonce=5c6d7e8f9a">Like</a>
<form action="https://ex.com/index.php?rest_route=/myplugin/v1/send&amp;_wpnonce=6d7e8f9a0b" method="post"></form>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("5c6d7e8f9a".to_string(), "wpnonce-rest-link", "wp_rest"),
            ("6d7e8f9a0b".to_string(), "wpnonce-rest-link", "wp_rest"),
        ]
    );
}

#[test]
fn same_value_with_different_actions_is_kept_twice() {
    let html = r#"<input type="hidden" name="_wpnonce" value="7e8f9a0b1c" />
<script>var wpApiSettings = {"nonce":"7e8f9a0b1c"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("7e8f9a0b1c".to_string(), "wpnonce-input", "unknown"),
            ("7e8f9a0b1c".to_string(), "wpApiSettings", "wp_rest"),
        ]
    );
}

#[test]
fn generic_data_nonce_attribute_and_json_settings_attribute() {
    let html = r#"<button class="like" data-nonce="8f9a0b1c2d" data-id="4">Like</button>
<div class="elementor-widget" data-settings="{&quot;ajax_nonce&quot;:&quot;9a0b1c2d3e&quot;,&quot;id&quot;:4}"></div>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("8f9a0b1c2d".to_string(), "nonce-attr", "unknown"),
            ("9a0b1c2d3e".to_string(), "nonce-key", "unknown"),
        ]
    );
}

// ---- Plugin rows -----------------------------------------------------------------------

#[test]
fn woocommerce_store_api_single_quoted_literal() {
    let html = "<script id=\"wc-blocks-middleware-js-before\">\nvar wcBlocksMiddlewareConfig = {\n\t\t\tstoreApiNonce: 'a0b1c2d3e4',\n\t\t\twcStoreApiNonceTimestamp: '1716543210'\n\t\t};\n\t\t\n//# sourceURL=wc-blocks-middleware-js-before\n</script>";
    assert_eq!(
        nonces(html),
        one("a0b1c2d3e4", "wcBlocksMiddlewareConfig", "wc_store_api")
    );
}

#[test]
fn woocommerce_interactivity_state_json() {
    let html = r#"<script type="application/json" id="wp-script-module-data-@wordpress/interactivity">{"config":{"woocommerce":{"currency":{"code":"EUR"}}},"state":{"woocommerce":{"cart":{"items":[]},"nonce":"b1c2d3e4f5","restUrl":"https:\/\/ex.com\/wp-json\/"}}}</script>"#;
    assert_eq!(
        nonces(html),
        one("b1c2d3e4f5", "wc-interactivity-state", "wc_store_api")
    );
}

#[test]
fn woocommerce_classic_checkout_params() {
    let html = r#"<script id="wc-checkout-js-extra">var wc_checkout_params = {"ajax_url":"\/wp-admin\/admin-ajax.php","update_order_review_nonce":"c2d3e4f5a6","apply_coupon_nonce":"d3e4f5a6b7","remove_coupon_nonce":"e4f5a6b7c8","option_guest_checkout":"yes"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            (
                "c2d3e4f5a6".to_string(),
                "wc-checkout-update-order-review",
                "update-order-review"
            ),
            (
                "d3e4f5a6b7".to_string(),
                "wc-checkout-apply-coupon",
                "apply-coupon"
            ),
            (
                "e4f5a6b7c8".to_string(),
                "wc-checkout-remove-coupon",
                "remove-coupon"
            ),
        ]
    );
}

#[test]
fn elementor_frontend_config_nonces() {
    let html = r#"<script id="elementor-frontend-js-before">
var elementorFrontendConfig = {"environmentMode":{"edit":false},"i18n":{"shareOnFacebook":"Share on {network}"},"nonces":{"floatingButtonsClickTracking":"f5a6b7c8d9","atomicFormsSendForm":"a6b7c8d9e0"},"urls":{"assets":"https:\/\/ex.com\/wp-content\/plugins\/elementor\/assets\/"}};
//# sourceURL=elementor-frontend-js-before
</script>
<script id="elementor-pro-frontend-js-before">var ElementorProFrontendConfig = {"ajaxurl":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","nonce":"b7c8d9e0f1","urls":{"rest":"https:\/\/ex.com\/wp-json\/"}};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            (
                "f5a6b7c8d9".to_string(),
                "elementor-click-tracking",
                "elementor-conversion-center-click"
            ),
            (
                "a6b7c8d9e0".to_string(),
                "elementor-atomic-forms",
                "elementor_pro_atomic_forms_send_form"
            ),
            (
                "b7c8d9e0f1".to_string(),
                "elementor-pro-frontend",
                "elementor-pro-frontend"
            ),
        ]
    );
}

#[test]
fn gravity_forms_theme_config() {
    let html = r#"<script id="gform_gravityforms_theme-js-extra">var gform_theme_config = {"common":{"form":{"honeypot":{"version_hash":"0cc175b9c0f1b6a831c399e269772661"},"ajax":{"ajaxurl":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","ajax_submission_nonce":"c8d9e0f1a2","i18n":{"step_announcement":"Step %1$s of %2$s"}}}}};</script>"#;
    let x = run(html);
    assert_eq!(
        nonces(html),
        one(
            "c8d9e0f1a2",
            "gform-ajax-submission",
            "gform_ajax_submission"
        )
    );
    assert_eq!(
        pattern_for(x.nonces[0].source).and_then(|p| p.custom_life_s),
        Some(259_200)
    );
}

#[test]
fn ninja_formidable_forminator_give_and_job_manager() {
    let html = r#"<script id="nf-front-end-js-extra">var nfFrontEnd = {"adminAjax":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","ajaxNonce":"d9e0f1a2b3","requireBaseUrl":"x"};</script>
<script id="formidable-js-extra">var frm_js = {"ajax_url":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","nonce":"e0f1a2b3c4"};</script>
<form class="frm-show-form"><input type="hidden" id="frm_submit_entry_7" name="frm_submit_entry_7" value="f1a2b3c4d5" /><input type="hidden" name="_wp_http_referer" value="/contact/" /></form>
<form class="forminator-custom-form"><input type="hidden" id="forminator_nonce" name="forminator_nonce" value="a2b3c4d5e6"></form>
<form class="give-form"><input type="hidden" name="give-form-hash" value="b3c4d5e6f7"/></form>
<script id="give-js-extra">var give_global_vars = {"ajaxurl":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","checkout_nonce":"c4d5e6f7a8"};</script>
<script id="wp-job-manager-stats-js-extra">var job_manager_stats = {"ajaxUrl":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","ajaxNonce":"d5e6f7a8b9","postId":42};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            (
                "d9e0f1a2b3".to_string(),
                "ninja-forms",
                "ninja_forms_display_nonce"
            ),
            ("e0f1a2b3c4".to_string(), "formidable-js", "frm_ajax"),
            (
                "f1a2b3c4d5".to_string(),
                "formidable-input",
                "frm_submit_entry_nonce"
            ),
            (
                "a2b3c4d5e6".to_string(),
                "forminator-input",
                "forminator_submit_form{id}"
            ),
            (
                "b3c4d5e6f7".to_string(),
                "give-form-hash",
                "give_donation_form_nonce_{form_id}"
            ),
            (
                "c4d5e6f7a8".to_string(),
                "give-checkout",
                "give_checkout_nonce"
            ),
            (
                "d5e6f7a8b9".to_string(),
                "wp-job-manager-stats",
                "ajax-nonce"
            ),
        ]
    );
}

#[test]
fn events_calendar_current_and_old_shapes() {
    let html = r#"<script data-js='tribe-events-view-nonce-data' type='application/json'>{"tvn1":"e6f7a8b9c0","tvn2":""}</script>
<div class="tribe-events-view" data-view-rest-nonce="f7a8b9c0d1" data-view-rest-url="https://ex.com/wp-json/tribe/views/v2/html">
<script data-js="tribe-events-view-data" type="application/json">{"slug":"month","rest_url":"https:\/\/ex.com\/wp-json\/tribe\/views\/v2\/html","rest_nonce":"f7a8b9c0d1"}</script></div>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("e6f7a8b9c0".to_string(), "tec-tvn1", "_view_rest"),
            (
                "f7a8b9c0d1".to_string(),
                "tec-view-rest-nonce-attr",
                "wp_rest"
            ),
        ]
    );
}

#[test]
fn events_calendar_rest_nonce_needs_its_container() {
    let html = r#"<script data-js="tribe-events-view-data" type="application/json">{"rest_nonce":"a8b9c0d1e2"}</script><script>var other = {"rest_nonce":"b9c0d1e2f3"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            (
                "a8b9c0d1e2".to_string(),
                "tec-view-data-rest-nonce",
                "wp_rest"
            ),
            ("b9c0d1e2f3".to_string(), "nonce-key", "unknown"),
        ]
    );
}

#[test]
fn mailpoet_token_only_inside_a_mailpoet_form() {
    let html = r#"<form class="mailpoet_form mailpoet_form_form" method="post" action="https://ex.com/wp-admin/admin-post.php?action=mailpoet_subscription_form"><input type="hidden" name="data[form_id]" value="1" /><input type="hidden" name="token" value="c0d1e2f3a4" /><input type="hidden" name="api_version" value="v1" /></form>
<form class="search"><input type="hidden" name="token" value="d1e2f3a4b5"></form>"#;
    assert_eq!(
        nonces(html),
        one("c0d1e2f3a4", "mailpoet-token", "mailpoet_token")
    );
}

#[test]
fn buddypress_nouveau_and_blocks() {
    let html = r#"<script id="bp-nouveau-js-extra">var BP_Nouveau = {"ajaxurl":"https:\/\/ex.com\/wp-admin\/admin-ajax.php","nonces":{"activity":"e2f3a4b5c6","members":"f3a4b5c6d7"}};</script>
<script id="bp-dynamic-members-script-js-extra">var bpDynamicMembersSettings = {"path":"buddypress\/v1\/members","root":"https:\/\/ex.com\/wp-json\/","nonce":"a4b5c6d7e8"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            (
                "e2f3a4b5c6".to_string(),
                "bp-nouveau",
                "bp_nouveau_{component}"
            ),
            (
                "f3a4b5c6d7".to_string(),
                "bp-nouveau",
                "bp_nouveau_{component}"
            ),
            ("a4b5c6d7e8".to_string(), "bp-dynamic-members", "wp_rest"),
        ]
    );
}

#[test]
fn bbpress_reply_link() {
    let html = r#"<a class="bbp-reply-to-link" href="https://ex.com/forums/topic/hi/?bbp_reply_to=12&#038;_wpnonce=b5c6d7e8f9#new-post">Reply</a>"#;
    assert_eq!(
        nonces(html),
        one("b5c6d7e8f9", "bbpress-reply-link", "respond_id_{reply}")
    );
}

#[test]
fn contact_form_7_wpnonce_is_told_apart_but_not_claimed_as_wp_rest() {
    let html = r#"<div class="wpcf7 no-js" id="wpcf7-f5-p2-o1" lang="en-US" dir="ltr"><form action="/contact/#wpcf7-f5-p2-o1" method="post" class="wpcf7-form init" novalidate="novalidate" data-status="init">
<div style="display: none;"><input type="hidden" name="_wpcf7" value="5" /><input type="hidden" name="_wpcf7_unit_tag" value="wpcf7-f5-p2-o1" /><input type="hidden" name="_wpnonce" value="e9f0a1b2c3" /></div></form></div>
<form class="comment-form"><input type="hidden" name="_wpnonce" value="f0a1b2c3d4" /></form>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("e9f0a1b2c3".to_string(), "cf7-wpnonce-input", "unknown"),
            ("f0a1b2c3d4".to_string(), "wpnonce-input", "unknown"),
        ]
    );
}

#[test]
fn rank_math_logged_in_context() {
    let html = r#"<script>var rankMath = {"api":{"root":"https:\/\/ex.com\/wp-json\/","nonce":"c6d7e8f9a0"},"restNonce":"c6d7e8f9a0","security":"d7e8f9a0b1"};</script>"#;
    assert_eq!(
        nonces(html),
        vec![
            ("c6d7e8f9a0".to_string(), "rank-math-api", "wp_rest"),
            (
                "d7e8f9a0b1".to_string(),
                "rank-math-security",
                "rank-math-ajax-nonce"
            ),
        ]
    );
}

// ---- Hostile input ---------------------------------------------------------------------

#[test]
fn unclosed_script_runs_to_the_end_of_the_page() {
    let html = r#"<p>x</p><script>var wpApiSettings = {"nonce":"e8f9a0b1c2"};"#;
    assert_eq!(nonces(html), wp_rest("e8f9a0b1c2", "wpApiSettings"));
}

#[test]
fn truncated_markup_does_not_panic() {
    for html in [
        "<",
        "<script",
        "<script ",
        "<script type=\"",
        "<script>",
        "<script></scr",
        "<!--",
        "<link rel=",
        "<input name=\"_wpnonce\" value=\"0123",
        "<a href='?_wpnonce=",
        "<script src=\"data:",
        "<script src=\"data:,",
        "<script>decodeURIComponent( '",
        "<script>var __litespeed_var_",
        "<script>wpApiSettings = {",
        "\0<\0script\0>",
        "<script>'0123456789",
        "<script>\"nonce\":\"0123456789\\",
        "<style>nonce",
        "<textarea",
    ] {
        let x = run(html);
        assert!(x.nonces.iter().all(|n| n.value.len() == 10), "{html}");
    }
}

#[test]
fn nul_bytes_and_invalid_entities_do_not_break_extraction() {
    let html = "<a href=\"/?_wpnonce=&#xZZ;&#99999999;\0\">\0</a><input name=\"_wpnonce\" value=\"&#x30;123456789\"><script>\0var wpApiSettings = {\"nonce\":\"f9a0b1c2d3\"};\0</script>";
    assert_eq!(
        nonces(html),
        vec![
            ("0123456789".to_string(), "wpnonce-input", "unknown"),
            ("f9a0b1c2d3".to_string(), "wpApiSettings", "wp_rest"),
        ]
    );
}

#[test]
fn nonces_are_capped_with_a_warning() {
    let html: String = (0..100)
        .map(|i| format!("<input type=\"hidden\" name=\"_wpnonce\" value=\"{i:010x}\">"))
        .collect();
    let x = run(&html);
    assert_eq!(x.nonces.len(), MAX_NONCES);
    assert_eq!(x.nonces[0].value, "0000000000");
    assert_eq!(
        x.warnings,
        ["more than 64 distinct nonces; only the first 64 are reported"]
    );
}

#[test]
fn oversized_data_uri_is_cut_with_a_warning() {
    let payload = "QUFB".repeat(MAX_DECODED_SCRIPT_BYTES / 3 + 10);
    let x = run(&format!(
        "<script src=\"data:text/javascript;base64,{payload}\"></script>"
    ));
    assert!(x.nonces.is_empty());
    assert_eq!(x.warnings, ["a data: script was cut at the decoding limit"]);
}

#[test]
fn random_token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "<script>",
        "</script>",
        "<script type=\"litespeed/javascript\">",
        "<!--",
        "-->",
        "<input name=\"_wpnonce\" value=\"",
        "0123456789",
        "abcdef0123",
        "\"",
        "'",
        "\\",
        "{",
        "}",
        "[",
        "]",
        ":",
        "=",
        "(",
        ")",
        ",",
        "nonce",
        "\"nonce\":",
        "wpApiSettings",
        "createNonceMiddleware(",
        "__litespeed_var_1__",
        "decodeURIComponent( '",
        "%22",
        "&amp;",
        "_wpnonce=",
        "<a href=\"",
        ">",
        "<",
        "\0",
        "é",
        "data:text/javascript;base64,",
        "<script src=\"",
        " ",
        "\n",
        "<link rel=\"https://api.w.org/\" href=\"",
        "||",
        "window.",
        ".",
        "<style>",
        "<textarea>",
        "</",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        let mut html = String::new();
        for _ in 0..60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            html.push_str(TOKENS[(seed % TOKENS.len() as u64) as usize]);
        }
        let x = run(&html);
        assert!(x.nonces.len() <= MAX_NONCES);
        assert!(
            x.nonces
                .iter()
                .all(|n| n.value.len() == 10 && n.value.bytes().all(|b| b.is_ascii_hexdigit())),
            "{html}"
        );
    }
}

#[test]
fn adversarial_script_work_stays_bounded() {
    // 400 keyed 10-hex values 20 KB apart: walking back from each to its object's start would
    // read ~1.6 GB; the per-page walking budget keeps it to tens of MB.
    let filler = format!("\"pad\":\"{}\",", "x".repeat(20_000));
    let mut html = String::from("<script>var o = {");
    for i in 0..400 {
        html.push_str(&filler);
        html.push_str(&format!("\"k{i}\":\"{i:010x}\","));
    }
    html.push_str("\"nonce\":\"ffffffffff\"};</script>");
    let start = std::time::Instant::now();
    let x = run(&html);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(
        x.nonces,
        [FoundNonce {
            value: "ffffffffff".into(),
            source: "nonce-key",
            action: "unknown"
        }]
    );
    assert!(
        x.warnings
            .iter()
            .any(|w| w.starts_with("key-path walking limit")),
        "{:?}",
        x.warnings
    );
}

#[test]
fn wp_rest_nonces_lists_only_probe_worthy_values() {
    let html = r#"<input name="_wpnonce" value="0000000001"><script>var wpApiSettings = {"nonce":"0000000002"};</script>"#;
    let x = run(html);
    let values: Vec<&str> = x.wp_rest_nonces().map(|n| n.value.as_str()).collect();
    assert_eq!(values, ["0000000002"]);
}

// ---- Throughput (run with: cargo test --release -- --ignored --nocapture throughput) ------

/// A realistic ~150 KB WordPress page: a head full of links, styles and localized scripts (one
/// wpApiSettings, WooCommerce and Elementor configs, JSON-LD, a CSP nonce), then a body of
/// nested markup, images, links and inline scripts.
fn realistic_page(target: usize) -> String {
    let mut p = String::with_capacity(target + 20_000);
    p.push_str("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"UTF-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Hello world! &#8211; Example</title>\n");
    for i in 0..25 {
        p.push_str(&format!("<link rel='stylesheet' id='style-{i}-css' href='https://ex.com/wp-content/plugins/plugin-{i}/assets/css/style.min.css?ver=6.{i}.1' media='all' />\n"));
    }
    p.push_str("<link rel=\"https://api.w.org/\" href=\"https://ex.com/wp-json/\" /><link rel=\"alternate\" title=\"JSON\" type=\"application/json\" href=\"https://ex.com/wp-json/wp/v2/posts/1\" />\n");
    p.push_str("<style id='global-styles-inline-css'>:root{--wp--preset--color--black: #000000;--wp--preset--color--white: #ffffff;}body{margin:0}.has-black-color{color: var(--wp--preset--color--black) !important;}</style>\n");
    for i in 0..30 {
        p.push_str(&format!("<script src=\"https://ex.com/wp-content/plugins/plugin-{i}/assets/js/frontend.min.js?ver=3.{i}.0\" id=\"plugin-{i}-js\"></script>\n"));
    }
    p.push_str("<script id=\"wp-api-request-js-extra\">\nvar wpApiSettings = {\"root\":\"https://ex.com/wp-json/\",\"nonce\":\"0a9b8c7d6e\",\"versionString\":\"wp/v2/\"};\n//# sourceURL=wp-api-request-js-extra\n</script>\n");
    p.push_str("<script id=\"wc-add-to-cart-js-extra\">\nvar wc_add_to_cart_params = {\"ajax_url\":\"/wp-admin/admin-ajax.php\",\"wc_ajax_url\":\"/?wc-ajax=%%endpoint%%\",\"i18n_view_cart\":\"View cart\",\"cart_url\":\"https://ex.com/cart/\",\"is_cart\":\"\",\"cart_redirect_after_add\":\"no\"};\n</script>\n");
    p.push_str("<script nonce=\"Zm9vYmFyYmF6cXV4\" id=\"analytics-js-after\">window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-XXXXXXX');</script>\n");
    p.push_str("<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":\"Article\",\"headline\":\"Hello world!\",\"datePublished\":\"2024-05-01T09:30:00+00:00\"}</script>\n</head>\n<body class=\"home blog wp-embed-responsive\">\n");
    let mut n = 0;
    while p.len() < target {
        n += 1;
        p.push_str(&format!(
            "<article id=\"post-{n}\" class=\"post-{n} post type-post status-publish format-standard has-post-thumbnail hentry category-news\">\n\
<header class=\"entry-header\"><h2 class=\"entry-title\"><a href=\"https://ex.com/{n}/hello-world-{n}/\" rel=\"bookmark\">Hello world number {n}</a></h2></header>\n\
<div class=\"entry-content\"><figure class=\"wp-block-image size-large\"><img decoding=\"async\" loading=\"lazy\" width=\"1024\" height=\"683\" src=\"https://ex.com/wp-content/uploads/2024/05/image-{n}-1024x683.jpg\" alt=\"\" class=\"wp-image-{n}\" srcset=\"https://ex.com/wp-content/uploads/2024/05/image-{n}-1024x683.jpg 1024w, https://ex.com/wp-content/uploads/2024/05/image-{n}-300x200.jpg 300w\" sizes=\"(max-width: 1024px) 100vw, 1024px\" /></figure>\n\
<p>Welcome to WordPress. This is your first post. Edit or delete it, then start writing! Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua &amp; more.</p>\n\
<ul class=\"wp-block-list\"><li><a href=\"https://ex.com/category/news/\">News</a></li><li><a href=\"https://ex.com/tag/t{n}/\">Tag {n}</a></li></ul></div>\n\
<footer class=\"entry-footer\"><span class=\"posted-on\"><time class=\"entry-date published\" datetime=\"2024-05-01T09:30:00+00:00\">May 1, 2024</time></span></footer></article>\n"
        ));
        if n % 10 == 0 {
            p.push_str(&format!("<script id=\"inline-{n}-js-after\">document.querySelectorAll('.post-{n} img').forEach(function(el){{el.classList.add('loaded');}});</script>\n"));
        }
    }
    p.push_str("<script id=\"elementor-frontend-js-before\">\nvar elementorFrontendConfig = {\"environmentMode\":{\"edit\":false,\"wpPreview\":false},\"i18n\":{\"shareOnFacebook\":\"Share on Facebook\"},\"nonces\":{\"floatingButtonsClickTracking\":\"1b2c3d4e5f\"},\"urls\":{\"assets\":\"https://ex.com/wp-content/plugins/elementor/assets/\"}};\n//# sourceURL=elementor-frontend-js-before\n</script>\n</body>\n</html>\n");
    p
}

#[test]
fn realistic_page_is_extracted_exactly() {
    let page = realistic_page(150 * 1024);
    let x = run(&page);
    assert_eq!(
        x.nonces,
        [
            FoundNonce {
                value: "0a9b8c7d6e".into(),
                source: "wpApiSettings",
                action: "wp_rest"
            },
            FoundNonce {
                value: "1b2c3d4e5f".into(),
                source: "elementor-click-tracking",
                action: "elementor-conversion-center-click"
            },
        ]
    );
    assert_eq!(x.rest_root.as_deref(), Some("https://ex.com/wp-json/"));
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
}

/// A script-heavy page (WooCommerce + Elementor style): about half of it is inline scripts that
/// mention nonces (so every one passes the pre-filter), including a large URL-encoded
/// `wcSettings` payload, then the same markup as [`realistic_page`].
fn script_heavy_page(target: usize) -> String {
    let mut p = String::from("<!DOCTYPE html><html><head>\n");
    for i in 0..40 {
        p.push_str(&format!("<script id=\"plugin-{i}-js-extra\">\nvar plugin{i}Params = {{\"ajax_url\":\"https:\\/\\/ex.com\\/wp-admin\\/admin-ajax.php\",\"ajax_nonce\":\"{i:010x}\",\"i18n\":{{"));
        for k in 0..40 {
            p.push_str(&format!(
                "\"label_{k}\":\"Some translated label number {k} for plugin {i}\","
            ));
        }
        p.push_str("\"done\":\"1\"}};\n</script>\n");
    }
    let mut json = String::from("{\"currency\":{\"code\":\"EUR\"},\"products\":[");
    for k in 0..300 {
        json.push_str(&format!("{{\"id\":{k},\"name\":\"Product {k}\",\"price\":\"{k}.00\",\"permalink\":\"https://ex.com/product/p{k}/\"}},"));
    }
    json.push_str("{}],\"headers\":{\"Nonce\":\"abcdefabcd\"}}");
    let encoded: String = json
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    p.push_str(&format!("<script id=\"wc-settings-js-before\">var wcSettings = wcSettings || JSON.parse( decodeURIComponent( '{encoded}' ) );</script>\n</head><body>\n"));
    let markup = realistic_page(target.saturating_sub(p.len()));
    let body_start = markup.find("<body").unwrap_or(0);
    p.push_str(&markup[body_start..]);
    p
}

/// CPU time this thread has run, in seconds, from Linux's `/proc/thread-self/schedstat`
/// (first field, nanoseconds); `None` elsewhere. On a shared machine it measures the work
/// itself, where wall-clock time also counts the waits for a core.
fn thread_cpu_secs() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Runs `extract` on `page` in 11 batches of 1000 (long enough for the CPU-time clock) and prints the median and best batch throughput,
/// by thread CPU time when the platform reports it, else by wall-clock time.
fn measure(name: &str, page: &str) {
    let url = Url::parse(PAGE).unwrap_or_else(|e| panic!("{e}"));
    let per_batch: u32 = 1000;
    for _ in 0..20 {
        std::hint::black_box(extract(std::hint::black_box(page), &url));
    }
    let clock = if thread_cpu_secs().is_some() {
        "thread CPU time"
    } else {
        "wall clock"
    };
    let now = || {
        thread_cpu_secs().unwrap_or_else(|| {
            std::time::UNIX_EPOCH
                .elapsed()
                .map_or(0.0, |d| d.as_secs_f64())
        })
    };
    let mut rates: Vec<f64> = (0..11)
        .map(|_| {
            let start = now();
            for _ in 0..per_batch {
                std::hint::black_box(extract(std::hint::black_box(page), &url));
            }
            page.len() as f64 * f64::from(per_batch) / 1e6 / (now() - start).max(1e-9)
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "{name}: page {} bytes, {:.1} µs/page, median {median:.0} MB/s, best {:.0} MB/s ({clock})",
        page.len(),
        page.len() as f64 / median,
        rates[rates.len() - 1]
    );
}

#[test]
#[ignore = "throughput measurement; run in --release"]
fn throughput() {
    let heavy = script_heavy_page(150 * 1024);
    assert_eq!(run(&heavy).nonces.len(), 42);
    measure("markup-heavy", &realistic_page(150 * 1024));
    measure("script-heavy", &heavy);
}

#[test]
#[ignore = "fixed work for instruction-count profiling (valgrind --tool=callgrind)"]
fn throughput_profile() {
    let url = Url::parse(PAGE).unwrap_or_else(|e| panic!("{e}"));
    let markup = realistic_page(150 * 1024);
    let heavy = script_heavy_page(150 * 1024);
    let which = std::env::var("PROFILE_PAGE").unwrap_or_default();
    for _ in 0..20 {
        if which != "heavy" {
            std::hint::black_box(extract(std::hint::black_box(&markup), &url));
        }
        if which != "markup" {
            std::hint::black_box(extract(std::hint::black_box(&heavy), &url));
        }
    }
}
