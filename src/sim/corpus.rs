//! Realistic WordPress pages and sitemaps of any size, for the benchmarks (`benches/`,
//! `examples/bench_server.rs`, `bench/e2e.sh`).
//!
//! A benchmark is only worth its number if its input looks like what the tool meets: a cached
//! WooCommerce product page on a page-builder theme is 50 to 300 KB of head links, inline CSS,
//! JSON-LD, menus, product cards and footer scripts, with the REST nonce in `wpApiSettings` and
//! `createNonceMiddleware` near the end, plugin nonces (Store API, Elementor) beside it and a
//! percent-encoded `wcSettings` blob. Everything is deterministic from a seed, so two runs measure
//! the same bytes.

use std::fmt::Write;

/// What one generated page carries.
#[derive(Debug, Clone)]
pub struct PageSpec<'a> {
    /// `scheme://host:port` without a trailing slash; the REST root is `{origin}/wp-json/`.
    pub origin: &'a str,
    /// The page's path (`/product/widget-1/`).
    pub path: &'a str,
    /// The `wp_rest` nonce printed in `wpApiSettings` and `createNonceMiddleware`.
    pub rest_nonce: &'a str,
    /// Approximate size of the page in bytes (the result is within a few KB of it).
    pub target_bytes: usize,
    /// Varies names, prices, menu lengths and text.
    pub seed: u64,
}

/// A small deterministic generator (SplitMix64), so the corpus needs no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

/// A WordPress-shaped nonce (10 lowercase hex characters) derived from `seed`.
pub fn nonce(seed: u64) -> String {
    format!("{:010x}", Rng::new(seed).next_u64() >> 24)
}

const WORDS: &[&str] = &[
    "organic",
    "cotton",
    "classic",
    "widget",
    "premium",
    "hoodie",
    "ceramic",
    "mug",
    "leather",
    "wallet",
    "vintage",
    "poster",
    "wireless",
    "speaker",
    "bamboo",
    "toothbrush",
    "merino",
    "scarf",
    "linen",
    "shirt",
    "recycled",
    "backpack",
    "stainless",
    "bottle",
    "handmade",
    "candle",
    "walnut",
    "board",
    "canvas",
    "tote",
    "alpine",
    "jacket",
    "studio",
    "lamp",
    "velvet",
    "cushion",
];

const LOREM: &[&str] = &[
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
    "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip.",
    "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat.",
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt.",
    "Made from responsibly sourced materials and finished by hand in our workshop.",
    "Free shipping on orders over $50 and free returns within 30 days.",
    "Each piece is unique: small variations in colour and texture are part of its charm.",
];

const STYLES: &[&str] = &[
    "wp-block-library",
    "classic-theme-styles",
    "woocommerce-layout",
    "woocommerce-smallscreen",
    "woocommerce-general",
    "wc-blocks-style",
    "elementor-icons",
    "elementor-frontend",
    "elementor-post-7",
    "swiper",
    "e-swiper",
    "elementor-pro",
    "font-awesome-5-all",
    "astra-theme-css",
    "astra-addon-css",
    "yith-wcwl-main",
    "photoswipe",
    "photoswipe-default-skin",
    "contact-form-7",
    "wpforms-full",
];

const SCRIPTS: &[&str] = &[
    "wp-includes/js/dist/hooks.min.js",
    "wp-includes/js/dist/i18n.min.js",
    "wp-includes/js/dist/url.min.js",
    "wp-includes/js/dist/api-fetch.min.js",
    "wp-content/plugins/woocommerce/assets/js/frontend/add-to-cart.min.js",
    "wp-content/plugins/woocommerce/assets/js/zoom/jquery.zoom.min.js",
    "wp-content/plugins/woocommerce/assets/js/flexslider/jquery.flexslider.min.js",
    "wp-content/plugins/woocommerce/assets/js/photoswipe/photoswipe.min.js",
    "wp-content/plugins/woocommerce/assets/js/frontend/single-product.min.js",
    "wp-content/plugins/woocommerce/assets/js/js-cookie/js.cookie.min.js",
    "wp-content/plugins/woocommerce/assets/js/frontend/woocommerce.min.js",
    "wp-content/plugins/elementor/assets/js/webpack.runtime.min.js",
    "wp-content/plugins/elementor/assets/js/frontend-modules.min.js",
    "wp-content/plugins/elementor/assets/js/frontend.min.js",
    "wp-content/themes/astra/assets/js/minified/frontend.min.js",
];

fn title(rng: &mut Rng) -> String {
    let a = rng.pick(WORDS);
    let b = rng.pick(WORDS);
    let c = rng.pick(WORDS);
    let mut t = format!("{a} {b} {c}");
    if let Some(first) = t.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    t
}

fn slug(t: &str) -> String {
    t.to_ascii_lowercase().replace(' ', "-")
}

/// Percent-encodes like JavaScript's `encodeURIComponent` (what WooCommerce prints for
/// `wcSettings`).
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn head(s: &mut String, spec: &PageSpec<'_>, rng: &mut Rng, name: &str, id: u64) {
    let o = spec.origin;
    let host = o.split("//").nth(1).unwrap_or(o);
    let _ = write!(
        s,
        r##"<!DOCTYPE html>
<html lang="en-US" prefix="og: https://ogp.me/ns#">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
	<style>img:is([sizes="auto" i], [sizes^="auto," i]) {{ contain-intrinsic-size: 3000px 1500px }}</style>
	<!-- This site is optimized with the Yoast SEO plugin v22.6 - https://yoast.com/wordpress/plugins/seo/ -->
	<title>{name} - Demo Store</title>
	<meta name="description" content="{name}: {l0}" />
	<link rel="canonical" href="{o}{path}" />
	<meta property="og:locale" content="en_US" />
	<meta property="og:type" content="article" />
	<meta property="og:title" content="{name} - Demo Store" />
	<meta property="og:url" content="{o}{path}" />
	<meta property="og:site_name" content="Demo Store" />
	<meta property="article:modified_time" content="2026-11-0{d}T10:1{d}:00+00:00" />
	<meta property="og:image" content="{o}/wp-content/uploads/2026/10/{sl}-1.jpg" />
	<meta name="twitter:card" content="summary_large_image" />
	<script type="application/ld+json" class="yoast-schema-graph">{{"@context":"https://schema.org","@graph":[{{"@type":["WebPage","ItemPage"],"@id":"{o}{path}","url":"{o}{path}","name":"{name} - Demo Store","isPartOf":{{"@id":"{o}/#website"}},"primaryImageOfPage":{{"@id":"{o}{path}#primaryimage"}},"image":{{"@id":"{o}{path}#primaryimage"}},"thumbnailUrl":"{o}/wp-content/uploads/2026/10/{sl}-1.jpg","datePublished":"2026-01-12T09:21:44+00:00","dateModified":"2026-11-02T10:11:00+00:00","breadcrumb":{{"@id":"{o}{path}#breadcrumb"}},"inLanguage":"en-US","potentialAction":[{{"@type":"ReadAction","target":["{o}{path}"]}}]}},{{"@type":"ImageObject","inLanguage":"en-US","@id":"{o}{path}#primaryimage","url":"{o}/wp-content/uploads/2026/10/{sl}-1.jpg","contentUrl":"{o}/wp-content/uploads/2026/10/{sl}-1.jpg","width":1200,"height":1200}},{{"@type":"BreadcrumbList","@id":"{o}{path}#breadcrumb","itemListElement":[{{"@type":"ListItem","position":1,"name":"Home","item":"{o}/"}},{{"@type":"ListItem","position":2,"name":"Shop","item":"{o}/shop/"}},{{"@type":"ListItem","position":3,"name":"{name}"}}]}},{{"@type":"WebSite","@id":"{o}/#website","url":"{o}/","name":"Demo Store","description":"Just another WordPress site","potentialAction":[{{"@type":"SearchAction","target":{{"@type":"EntryPoint","urlTemplate":"{o}/?s={{search_term_string}}"}},"query-input":{{"@type":"PropertyValueSpecification","valueRequired":true,"valueName":"search_term_string"}}}}],"inLanguage":"en-US"}}]}}</script>
	<!-- / Yoast SEO plugin. -->
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="Demo Store &raquo; Feed" href="{o}/feed/" />
<link rel="alternate" type="application/rss+xml" title="Demo Store &raquo; Comments Feed" href="{o}/comments/feed/" />
<script>
window._wpemojiSettings = {{"baseUrl":"https:\/\/s.w.org\/images\/core\/emoji\/15.0.3\/72x72\/","ext":".png","svgUrl":"https:\/\/s.w.org\/images\/core\/emoji\/15.0.3\/svg\/","svgExt":".svg","source":{{"concatemoji":"{oj}\/wp-includes\/js\/wp-emoji-release.min.js?ver=6.5.2"}}}};
/*! This file is auto-generated */
!function(i,n){{var o,s,e;function c(e){{try{{var t={{supportTests:e,timestamp:(new Date).valueOf()}};sessionStorage.setItem(o,JSON.stringify(t))}}catch(e){{}}}}function p(e,t,n){{e.clearRect(0,0,e.canvas.width,e.canvas.height),e.fillText(t,0,0);var t=new Uint32Array(e.getImageData(0,0,e.canvas.width,e.canvas.height).data),r=(e.clearRect(0,0,e.canvas.width,e.canvas.height),e.fillText(n,0,0),new Uint32Array(e.getImageData(0,0,e.canvas.width,e.canvas.height).data));return t.every(function(e,t){{return e===r[t]}})}}function u(e,t,n){{switch(t){{case"flag":return n(e,"\ud83c\udff3\ufe0f\u200d\u26a7\ufe0f","\ud83c\udff3\ufe0f\u200b\u26a7\ufe0f")?!1:!n(e,"\ud83c\uddfa\ud83c\uddf3","\ud83c\uddfa\u200b\ud83c\uddf3")&&!n(e,"\ud83c\udff4\udb40\udc67\udb40\udc62\udb40\udc65\udb40\udc6e\udb40\udc67\udb40\udc7f","\ud83c\udff4\u200b\udb40\udc67\u200b\udb40\udc62\u200b\udb40\udc65\u200b\udb40\udc6e\u200b\udb40\udc67\u200b\udb40\udc7f");case"emoji":return!n(e,"\ud83d\udc26\u200d\u2b1b","\ud83d\udc26\u200b\u2b1b")}}return!1}}}}(window,document,window._wpemojiSettings);
</script>
<style id='wp-emoji-styles-inline-css'>
	img.wp-smiley, img.emoji {{ display: inline !important; border: none !important; box-shadow: none !important; height: 1em !important; width: 1em !important; margin: 0 0.07em !important; vertical-align: -0.1em !important; background: none !important; padding: 0 !important; }}
</style>
"##,
        path = spec.path,
        l0 = LOREM[usize::try_from(id % LOREM.len() as u64).unwrap_or(0)],
        d = 1 + id % 9,
        sl = slug(name),
        oj = o.replace('/', "\\/"),
    );
    for (i, style) in STYLES.iter().enumerate() {
        let _ = writeln!(
            s,
            "<link rel='stylesheet' id='{style}-css' href='{o}/wp-content/plugins/{style}/assets/css/{style}.min.css?ver={}.{}.{}' media='all' />",
            3 + i % 5,
            rng.below(20),
            rng.below(10)
        );
    }
    s.push_str("<style id='global-styles-inline-css'>\n:root{");
    for (i, c) in [
        "black",
        "cyan-bluish-gray",
        "white",
        "pale-pink",
        "vivid-red",
        "luminous-vivid-orange",
        "luminous-vivid-amber",
        "light-green-cyan",
        "vivid-green-cyan",
        "pale-cyan-blue",
        "vivid-cyan-blue",
        "vivid-purple",
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(
            s,
            "--wp--preset--color--{c}: #{:06x};--wp--preset--gradient--{c}-to-white: linear-gradient(135deg,rgba(6,147,227,1) 0%,rgb(155,81,224) 100%);--wp--preset--font-size--{c}: {}px;--wp--preset--spacing--{i}0: {}rem;--wp--preset--shadow--{c}: 6px 6px 9px rgba(0, 0, 0, 0.2);",
            rng.below(0xff_ffff),
            12 + i * 2,
            i + 1
        );
    }
    s.push_str("}:where(.is-layout-flex){gap: 0.5em;}:where(.is-layout-grid){gap: 0.5em;}body .is-layout-flex{display: flex;}.is-layout-flex{flex-wrap: wrap;align-items: center;}.has-black-color{color: var(--wp--preset--color--black) !important;}.has-white-background-color{background-color: var(--wp--preset--color--white) !important;}\n</style>\n");
    let _ = write!(
        s,
        r##"<script src="{o}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script src="{o}/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1" id="jquery-migrate-js"></script>
<script id="wc-add-to-cart-js-extra">
var wc_add_to_cart_params = {{"ajax_url":"\/wp-admin\/admin-ajax.php","wc_ajax_url":"\/?wc-ajax=%%endpoint%%","i18n_view_cart":"View cart","cart_url":"{oj}\/cart\/","is_cart":"","cart_redirect_after_add":"no"}};
</script>
<link rel="https://api.w.org/" href="{o}/wp-json/" /><link rel="alternate" title="JSON" type="application/json" href="{o}/wp-json/wp/v2/product/{id}" /><link rel="EditURI" type="application/rsd+xml" title="RSD" href="{o}/xmlrpc.php?rsd" />
<meta name="generator" content="WordPress 6.5.2" />
<meta name="generator" content="WooCommerce 8.8.2" />
<link rel='shortlink' href='{o}/?p={id}' />
<link rel="alternate" title="oEmbed (JSON)" type="application/json+oembed" href="{o}/wp-json/oembed/1.0/embed?url={enc}" />
	<noscript><style>.woocommerce-product-gallery{{ opacity: 1 !important; }}</style></noscript>
	<meta name="generator" content="Elementor 3.21.4; features: e_optimized_assets_loading, additional_custom_breakpoints; settings: css_print_method-external, google_font-enabled, font_display-swap">
<link rel="icon" href="{o}/wp-content/uploads/2026/01/cropped-icon-32x32.png" sizes="32x32" />
</head>
"##,
        oj = o.replace('/', "\\/"),
        enc = encode_uri_component(&format!("{o}{}", spec.path)),
    );
    let _ = host;
}

fn header(s: &mut String, spec: &PageSpec<'_>, rng: &mut Rng, name: &str, id: u64) {
    let o = spec.origin;
    let _ = write!(
        s,
        r##"<body itemtype='https://schema.org/Blog' itemscope='itemscope' class="product-template-default single single-product postid-{id} wp-custom-logo theme-astra woocommerce woocommerce-page woocommerce-no-js ast-desktop ast-plain-container ast-no-sidebar astra-4.6.12 ast-header-custom-item-inside elementor-default elementor-kit-7">
<a class="skip-link screen-reader-text" href="#content" title="Skip to content">Skip to content</a>
<div class="hfeed site" id="page">
<header class="site-header header-main-layout-1 ast-primary-menu-enabled ast-logo-title-inline ast-hide-custom-menu-mobile ast-builder-menu-toggle-icon ast-mobile-header-inline" id="masthead" itemtype="https://schema.org/WPHeader" itemscope="itemscope" itemid="#masthead">
<div id="ast-desktop-header" data-toggle-type="dropdown"><div class="ast-main-header-wrap main-header-bar-wrap"><div class="ast-primary-header-bar ast-primary-header main-header-bar site-header-focus-item" data-section="section-primary-header-builder">
<div class="site-primary-header-wrap ast-builder-grid-row-container site-header-focus-item ast-container" data-section="section-primary-header-builder">
<span class="site-logo-img"><a href="{o}/" class="custom-logo-link" rel="home"><img width="160" height="40" src="{o}/wp-content/uploads/2026/01/logo.png" class="custom-logo" alt="Demo Store" decoding="async" /></a></span>
<nav class="site-navigation ast-flex-grow-1 navigation-accessibility site-header-focus-item" id="primary-site-navigation-desktop" aria-label="Site Navigation" itemtype="https://schema.org/SiteNavigationElement" itemscope="itemscope">
<ul id="ast-hf-menu-1" class="main-header-menu ast-menu-shadow ast-nav-menu ast-flex submenu-with-border stack-on-mobile">
"##
    );
    let items = 30 + rng.below(30);
    for i in 0..items {
        let cat = title(rng);
        let _ = writeln!(
            s,
            r##"<li id="menu-item-{m}" class="menu-item menu-item-type-taxonomy menu-item-object-product_cat menu-item-{m}"><a href="{o}/product-category/{sl}/" class="menu-link">{cat}</a></li>"##,
            m = 100 + i,
            sl = slug(&cat),
        );
    }
    let _ = write!(
        s,
        r##"</ul></nav></div></div></div></div></header>
<div id="content" class="site-content"><div class="ast-container"><div id="primary" class="content-area primary">
<nav class="woocommerce-breadcrumb" aria-label="Breadcrumb"><a href="{o}">Home</a>&nbsp;&#47;&nbsp;<a href="{o}/shop/">Shop</a>&nbsp;&#47;&nbsp;{name}</nav>
<div class="woocommerce-notices-wrapper"></div><div id="product-{id}" class="ast-article-single ast-woo-product-no-review product type-product post-{id} status-publish first instock product_cat-accessories has-post-thumbnail shipping-taxable purchasable product-type-simple">
<div class="woocommerce-product-gallery woocommerce-product-gallery--with-images woocommerce-product-gallery--columns-4 images" data-columns="4" style="opacity: 0; transition: opacity .25s ease-in-out;">
<div class="woocommerce-product-gallery__wrapper">
"##
    );
    let sl = slug(name);
    for g in 1..=4 {
        let _ = writeln!(
            s,
            r##"<div data-thumb="{o}/wp-content/uploads/2026/10/{sl}-{g}-100x100.jpg" data-thumb-alt="" class="woocommerce-product-gallery__image"><a href="{o}/wp-content/uploads/2026/10/{sl}-{g}.jpg"><img width="600" height="600" src="{o}/wp-content/uploads/2026/10/{sl}-{g}-600x600.jpg" class="wp-post-image" alt="" title="{sl}-{g}" data-caption="" data-src="{o}/wp-content/uploads/2026/10/{sl}-{g}.jpg" data-large_image="{o}/wp-content/uploads/2026/10/{sl}-{g}.jpg" data-large_image_width="1200" data-large_image_height="1200" decoding="async" fetchpriority="high" srcset="{o}/wp-content/uploads/2026/10/{sl}-{g}-600x600.jpg 600w, {o}/wp-content/uploads/2026/10/{sl}-{g}-300x300.jpg 300w, {o}/wp-content/uploads/2026/10/{sl}-{g}-150x150.jpg 150w, {o}/wp-content/uploads/2026/10/{sl}-{g}-768x768.jpg 768w, {o}/wp-content/uploads/2026/10/{sl}-{g}-100x100.jpg 100w, {o}/wp-content/uploads/2026/10/{sl}-{g}.jpg 1200w" sizes="(max-width: 600px) 100vw, 600px" /></a></div>"##
        );
    }
    let price = 9 + rng.below(240);
    let _ = write!(
        s,
        r##"</div></div>
<div class="summary entry-summary">
<h1 class="product_title entry-title">{name}</h1><p class="price"><span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">&#36;</span>{price}.00</bdi></span></p>
<div class="woocommerce-product-details__short-description"><p>{l1} {l2}</p></div>
<form class="cart" action="{o}{path}" method="post" enctype='multipart/form-data'>
<div class="quantity"><label class="screen-reader-text" for="quantity_{id}">{name} quantity</label><input type="number" id="quantity_{id}" class="input-text qty text" name="quantity" value="1" aria-label="Product quantity" size="4" min="1" max="" step="1" placeholder="" inputmode="numeric" autocomplete="off" /></div>
<button type="submit" name="add-to-cart" value="{id}" class="single_add_to_cart_button button alt">Add to cart</button>
</form>
<div class="product_meta"><span class="sku_wrapper">SKU: <span class="sku">SKU-{id}</span></span><span class="posted_in">Category: <a href="{o}/product-category/accessories/" rel="tag">Accessories</a></span></div>
</div>
"##,
        path = spec.path,
        l1 = LOREM[usize::try_from(rng.below(LOREM.len() as u64)).unwrap_or(0)],
        l2 = LOREM[usize::try_from(rng.below(LOREM.len() as u64)).unwrap_or(0)],
    );
}

/// One related-product card (about 1.5 KB), repeated to reach the page size.
fn product_card(s: &mut String, o: &str, rng: &mut Rng) {
    let name = title(rng);
    let sl = slug(&name);
    let id = 1000 + rng.below(200_000);
    let price = 9 + rng.below(240);
    let _ = writeln!(
        s,
        r##"<li class="ast-grid-common-col ast-full-width ast-article-post desktop-align-left tablet-align-left mobile-align-left product type-product post-{id} status-publish instock product_cat-accessories has-post-thumbnail shipping-taxable purchasable product-type-simple">
<div class="astra-shop-thumbnail-wrap"><a href="{o}/product/{sl}/" class="woocommerce-LoopProduct-link woocommerce-loop-product__link"><img width="300" height="300" src="{o}/wp-content/uploads/2026/10/{sl}-300x300.jpg" class="attachment-woocommerce_thumbnail size-woocommerce_thumbnail" alt="" decoding="async" loading="lazy" srcset="{o}/wp-content/uploads/2026/10/{sl}-300x300.jpg 300w, {o}/wp-content/uploads/2026/10/{sl}-150x150.jpg 150w, {o}/wp-content/uploads/2026/10/{sl}-100x100.jpg 100w" sizes="(max-width: 300px) 100vw, 300px" /></a></div>
<div class="astra-shop-summary-wrap"><span class="ast-woo-product-category">Accessories</span><a href="{o}/product/{sl}/" class="ast-loop-product__link"><h2 class="woocommerce-loop-product__title">{name}</h2></a>
<span class="price"><span class="woocommerce-Price-amount amount"><bdi><span class="woocommerce-Price-currencySymbol">&#36;</span>{price}.00</bdi></span></span>
<a href="?add-to-cart={id}" data-quantity="1" class="button product_type_simple add_to_cart_button ajax_add_to_cart" data-product_id="{id}" data-product_sku="SKU-{id}" aria-label="Add to cart: &ldquo;{name}&rdquo;" aria-describedby="" rel="nofollow">Add to cart</a></div>
</li>"##
    );
}

fn description(s: &mut String, rng: &mut Rng) {
    s.push_str("<div class=\"elementor-widget-container\"><p>");
    for _ in 0..(4 + rng.below(6)) {
        s.push_str(rng.pick(LOREM));
        s.push(' ');
    }
    s.push_str("</p></div>\n");
}

fn footer(s: &mut String, spec: &PageSpec<'_>, rng: &mut Rng) {
    let o = spec.origin;
    let oj = o.replace('/', "\\/");
    let n = spec.rest_nonce;
    // Plugin nonces (other actions) made in the same tick as the REST nonce: derived from it.
    let seed = u64::from_str_radix(n.get(..10).unwrap_or("0"), 16).unwrap_or(0);
    let store = nonce(seed ^ 1);
    let elementor = nonce(seed ^ 2);
    let cart_hash = nonce(seed ^ 3);
    let wc_settings = format!(
        r##"{{"shippingCostRequiresAddress":false,"adminUrl":"{o}/wp-admin/","countries":{{"AF":"Afghanistan","AX":"Åland Islands","AL":"Albania","DZ":"Algeria","AS":"American Samoa","AD":"Andorra","AO":"Angola","AI":"Anguilla","AQ":"Antarctica","AG":"Antigua and Barbuda","AR":"Argentina","AM":"Armenia","AW":"Aruba","AU":"Australia","AT":"Austria","AZ":"Azerbaijan","BS":"Bahamas","BH":"Bahrain","BD":"Bangladesh","BB":"Barbados"}},"currency":{{"code":"USD","precision":2,"symbol":"$","symbolPosition":"left","decimalSeparator":".","priceFormat":"%1$s%2$s","thousandSeparator":","}},"currentUserId":0,"currentUserIsAdmin":false,"homeUrl":"{o}/","locale":{{"siteLocale":"en_US","userLocale":"en_US","weekdaysShort":["Sun","Mon","Tue","Wed","Thu","Fri","Sat"]}},"dashboardUrl":"{o}/my-account/","orderStatuses":{{"pending":"Pending payment","processing":"Processing","on-hold":"On hold","completed":"Completed","cancelled":"Cancelled","refunded":"Refunded","failed":"Failed"}},"placeholderImgSrc":"{o}/wp-content/uploads/woocommerce-placeholder-300x300.png","siteTitle":"Demo Store","storePages":{{"myaccount":{{"id":9,"title":"My account","permalink":"{o}/my-account/"}},"shop":{{"id":6,"title":"Shop","permalink":"{o}/shop/"}},"cart":{{"id":7,"title":"Cart","permalink":"{o}/cart/"}},"checkout":{{"id":8,"title":"Checkout","permalink":"{o}/checkout/"}}}},"wcAssetUrl":"{o}/wp-content/plugins/woocommerce/assets/","wcVersion":"8.8.2","wpLoginUrl":"{o}/wp-login.php","wpVersion":"6.5.2"}}"##
    );
    let _ = write!(
        s,
        r##"</ul></section></div></div></div></div>
<footer class="site-footer" id="colophon" itemtype="https://schema.org/WPFooter" itemscope="itemscope" itemid="#colophon">
<div class="site-below-footer-wrap ast-builder-grid-row-container site-footer-focus-item ast-builder-grid-row-full ast-builder-grid-row-tablet-full ast-builder-grid-row-mobile-full ast-footer-row-stack ast-footer-row-tablet-stack ast-footer-row-mobile-stack" data-section="section-below-footer-builder">
<div class="ast-builder-grid-row-container-inner"><div class="site-footer-below-section-1 site-footer-section site-footer-section-1"><div class="ast-footer-copyright"><p>Copyright &copy; 2026 Demo Store | Powered by <a href="https://wpastra.com" rel="nofollow noopener" target="_blank">Astra WordPress Theme</a></p></div></div></div></div>
</footer></div>
<script type="speculationrules">
{{"prefetch":[{{"source":"document","where":{{"and":[{{"href_matches":"\/*"}},{{"not":{{"href_matches":["\/wp-*.php","\/wp-admin\/*","\/wp-content\/uploads\/*","\/wp-content\/*","\/wp-content\/plugins\/*","\/wp-content\/themes\/astra\/*","\/*\\?(.+)"]}}}},{{"not":{{"selector_matches":"a[rel~=\"nofollow\"]"}}}},{{"not":{{"selector_matches":".no-prefetch, .no-prefetch a"}}}}]}},"eagerness":"conservative"}}]}}
</script>
<div id="ast-scroll-top" tabindex="0" class="ast-scroll-top-icon ast-scroll-to-top-right" data-on-devices="both"><span class="screen-reader-text">Scroll to Top</span></div>
<script type="application/ld+json">{{"@context":"https:\/\/schema.org\/","@type":"Product","@id":"{oj}{pj}#product","name":"Product","url":"{oj}{pj}","description":"{l0}","sku":"SKU","offers":[{{"@type":"Offer","price":"19.00","priceValidUntil":"2027-12-31","priceSpecification":{{"price":"19.00","priceCurrency":"USD","valueAddedTaxIncluded":"false"}},"availability":"http:\/\/schema.org\/InStock","seller":{{"@type":"Organization","name":"Demo Store","url":"{oj}"}}}}]}}</script>
<div class="pswp" tabindex="-1" role="dialog" aria-hidden="true"><div class="pswp__bg"></div><div class="pswp__scroll-wrap"><div class="pswp__container"><div class="pswp__item"></div><div class="pswp__item"></div><div class="pswp__item"></div></div><div class="pswp__ui pswp__ui--hidden"><div class="pswp__top-bar"><div class="pswp__counter"></div><button class="pswp__button pswp__button--close" aria-label="Close (Esc)"></button><button class="pswp__button pswp__button--zoom" aria-label="Zoom in/out"></button><div class="pswp__preloader"><div class="pswp__preloader__icn"><div class="pswp__preloader__cut"><div class="pswp__preloader__donut"></div></div></div></div></div></div></div></div>
<script id="wc-settings-js-before">
var wcSettings = wcSettings || JSON.parse( decodeURIComponent( '{wc_enc}' ) );
</script>
<script id="wc-blocks-middleware-js-before">
var wcBlocksMiddlewareConfig = {{"storeApiNonce":"{store}","wcStoreApiNonceTimestamp":"1779000000"}};
</script>
"##,
        pj = spec.path.replace('/', "\\/"),
        l0 = rng.pick(LOREM),
        wc_enc = encode_uri_component(&wc_settings),
    );
    for (i, src) in SCRIPTS.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<script src="{o}/{src}?ver={}.{}.{}" id="script-{i}-js"></script>"##,
            1 + i % 4,
            rng.below(30),
            rng.below(10)
        );
        if i == 3 {
            let _ = write!(
                s,
                r##"<script id="wp-api-fetch-js-after">
wp.apiFetch.use( wp.apiFetch.createRootURLMiddleware( "{o}/wp-json/" ) );
wp.apiFetch.nonceMiddleware = wp.apiFetch.createNonceMiddleware( "{n}" );
wp.apiFetch.use( wp.apiFetch.nonceMiddleware );
wp.apiFetch.use( wp.apiFetch.mediaUploadMiddleware );
wp.apiFetch.nonceEndpoint = "{o}/wp-admin/admin-ajax.php?action=rest-nonce";
</script>
<script id="wp-api-request-js-extra">
var wpApiSettings = {{"root":"{oj}\/wp-json\/","nonce":"{n}","versionString":"wp\/v2\/"}};
</script>
<script src="{o}/wp-includes/js/api-request.min.js?ver=6.5.2" id="wp-api-request-js"></script>
"##
            );
        }
        if i == 6 {
            let _ = write!(
                s,
                r##"<script id="wc-single-product-js-extra">
var wc_single_product_params = {{"i18n_required_rating_text":"Please select a rating","review_rating_required":"yes","flexslider":{{"rtl":false,"animation":"slide","smoothHeight":true,"directionNav":false,"controlNav":"thumbnails","slideshow":false,"animationSpeed":500,"animationLoop":false,"allowOneSlide":false}},"zoom_enabled":"1","zoom_options":[],"photoswipe_enabled":"1","photoswipe_options":{{"shareEl":false,"closeOnScroll":false,"history":false,"hideAnimationDuration":0,"showAnimationDuration":0}},"flexslider_enabled":"1"}};
</script>
<script id="woocommerce-js-extra">
var woocommerce_params = {{"ajax_url":"\/wp-admin\/admin-ajax.php","wc_ajax_url":"\/?wc-ajax=%%endpoint%%"}};
</script>
<script id="wc-cart-fragments-js-extra">
var wc_cart_fragments_params = {{"ajax_url":"\/wp-admin\/admin-ajax.php","wc_ajax_url":"\/?wc-ajax=%%endpoint%%","cart_hash_key":"wc_cart_hash_{cart_hash}","fragment_name":"wc_fragments_{cart_hash}","request_timeout":"5000"}};
</script>
"##
            );
        }
    }
    let _ = write!(
        s,
        r##"<script id="elementor-frontend-js-before">
var elementorFrontendConfig = {{"environmentMode":{{"edit":false,"wpPreview":false,"isScriptDebug":false}},"i18n":{{"shareOnFacebook":"Share on Facebook","shareOnTwitter":"Share on Twitter","pinIt":"Pin it","download":"Download","downloadImage":"Download image","fullscreen":"Fullscreen","zoom":"Zoom","share":"Share","playVideo":"Play Video","previous":"Previous","next":"Next","close":"Close","a11yCarouselWrapperAriaLabel":"Carousel | Horizontal scrolling: Arrow Left & Right","a11yCarouselPrevSlideMessage":"Previous slide","a11yCarouselNextSlideMessage":"Next slide"}},"is_rtl":false,"breakpoints":{{"xs":0,"sm":480,"md":768,"lg":1025,"xl":1440,"xxl":1600}},"responsive":{{"breakpoints":{{"mobile":{{"label":"Mobile Portrait","value":767,"default_value":767,"direction":"max","is_enabled":true}},"mobile_extra":{{"label":"Mobile Landscape","value":880,"default_value":880,"direction":"max","is_enabled":false}},"tablet":{{"label":"Tablet Portrait","value":1024,"default_value":1024,"direction":"max","is_enabled":true}},"laptop":{{"label":"Laptop","value":1366,"default_value":1366,"direction":"max","is_enabled":false}}}}}},"version":"3.21.4","is_static":false,"experimentalFeatures":{{"e_optimized_assets_loading":true,"additional_custom_breakpoints":true,"e_swiper_latest":true,"theme_builder_v2":true,"block_editor_assets_optimize":true,"ai-layout":true,"landing-pages":true,"e_image_loading_optimization":true,"nested-elements":true}},"urls":{{"assets":"{oj}\/wp-content\/plugins\/elementor\/assets\/"}},"nonces":{{"floatingButtonsClickTracking":"{elementor}"}},"swiperClass":"swiper","settings":{{"page":[],"editorPreferences":[]}},"kit":{{"active_breakpoints":["viewport_mobile","viewport_tablet"],"global_image_lightbox":"yes","lightbox_enable_counter":"yes","lightbox_enable_fullscreen":"yes","lightbox_enable_zoom":"yes"}},"post":{{"id":{pid},"title":"Product","excerpt":"","featuredImage":false}}}};
</script>
<script src="{o}/wp-content/plugins/elementor/assets/js/frontend.min.js?ver=3.21.4" id="elementor-frontend-js"></script>
<script type="text/template" id="tmpl-variation-template">
	<div class="woocommerce-variation-description">{{{{{{ data.variation.variation_description }}}}}}</div>
	<div class="woocommerce-variation-price">{{{{{{ data.variation.price_html }}}}}}</div>
	<div class="woocommerce-variation-availability">{{{{{{ data.variation.availability_html }}}}}}</div>
</script>
</body>
</html>
"##,
        pid = rng.below(200_000),
    );
}

/// A cached WooCommerce product page on an Elementor/Astra site, close to `target_bytes` long.
pub fn wordpress_page(spec: &PageSpec<'_>) -> String {
    let mut rng = Rng::new(spec.seed);
    let name = title(&mut rng);
    let id = 100 + rng.below(200_000);
    let mut s = String::with_capacity(spec.target_bytes + 16 * 1024);
    head(&mut s, spec, &mut rng, &name, id);
    header(&mut s, spec, &mut rng, &name, id);
    s.push_str("<div class=\"woocommerce-tabs wc-tabs-wrapper\"><div class=\"woocommerce-Tabs-panel woocommerce-Tabs-panel--description panel entry-content wc-tab\" id=\"tab-description\" role=\"tabpanel\">\n");
    description(&mut s, &mut rng);
    s.push_str("</div></div>\n<section class=\"related products\"><h2>Related products</h2>\n<ul class=\"products columns-4\">\n");
    let mut tail = String::with_capacity(16 * 1024);
    footer(&mut tail, spec, &mut rng);
    // Fill up to the target with product cards and text.
    while s.len() + tail.len() < spec.target_bytes {
        product_card(&mut s, spec.origin, &mut rng);
        if rng.below(4) == 0 {
            description(&mut s, &mut rng);
        }
    }
    s.push_str(&tail);
    s
}

/// A `<urlset>` sitemap (Yoast style: `lastmod` and one `image:image` per URL).
pub fn urlset<'a>(urls: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><?xml-stylesheet type=\"text/xsl\" href=\"//example.com/main-sitemap.xsl\"?>\n<urlset xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\" xsi:schemaLocation=\"http://www.sitemaps.org/schemas/sitemap/0.9 http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd http://www.google.com/schemas/sitemap-image/1.1 http://www.google.com/schemas/sitemap-image/1.1/sitemap-image.xsd\" xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, u) in urls.into_iter().enumerate() {
        let _ = writeln!(
            s,
            "\t<url>\n\t\t<loc>{u}</loc>\n\t\t<lastmod>2026-11-0{}T10:{:02}:00+00:00</lastmod>\n\t\t<image:image>\n\t\t\t<image:loc>{u}image-{i}.jpg</image:loc>\n\t\t</image:image>\n\t</url>",
            1 + i % 9,
            i % 60
        );
    }
    s.push_str("</urlset>\n<!-- XML Sitemap generated by Yoast SEO -->");
    s
}

/// A `<sitemapindex>` listing `children`.
pub fn sitemap_index<'a>(children: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for c in children {
        let _ = writeln!(
            s,
            "\t<sitemap>\n\t\t<loc>{c}</loc>\n\t\t<lastmod>2026-11-24T10:00:00+00:00</lastmod>\n\t</sitemap>"
        );
    }
    s.push_str("</sitemapindex>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_reach_their_size_and_carry_their_nonces() {
        for (kb, seed) in [(50, 1), (60, 2), (150, 3), (300, 4)] {
            let origin = "http://127.0.0.1:8080";
            let n = nonce(seed);
            let html = wordpress_page(&PageSpec {
                origin,
                path: "/product/widget-1/",
                rest_nonce: &n,
                target_bytes: kb * 1024,
                seed,
            });
            let len = html.len();
            assert!(
                len >= kb * 1024 && len < kb * 1024 + 8 * 1024,
                "{kb} KB: {len}"
            );
            let page = url::Url::parse(&format!("{origin}/product/widget-1/")).unwrap();
            let found = crate::extract::extract(&html, &page);
            let rest: Vec<_> = found.wp_rest_nonces().map(|f| f.value.as_str()).collect();
            assert_eq!(rest, [n.as_str()], "{found:?}");
            assert!(
                found.nonces.iter().any(|f| f.action == "wc_store_api"),
                "{found:?}"
            );
            assert_eq!(
                found.rest_root.as_deref(),
                Some("http://127.0.0.1:8080/wp-json/")
            );
        }
    }

    #[test]
    fn nonces_look_like_wordpress_ones() {
        for s in 0..100 {
            assert!(crate::verify::is_nonce(&nonce(s)), "{}", nonce(s));
        }
    }
}
