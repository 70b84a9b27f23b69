<?php
/**
 * Plugin Name: nonce-audit e2e fixture (short nonce life + wpApiSettings on the front end)
 */
// (a) Short nonce life: a nonce is accepted in its own tick and the next one;
//     one tick = nonce_life / 2 seconds (E2E_NONCE_LIFE comes from the site config).
add_filter( 'nonce_life', function () {
	return defined( 'E2E_NONCE_LIFE' ) ? (int) E2E_NONCE_LIFE : 20;
} );
// (b) Every front-end page embeds wpApiSettings = {root, nonce, versionString}
//     (core localizes it onto 'wp-api-request', a dependency of 'wp-api') --
//     except the page "no-nonce", which must come out as no_nonce.
add_action( 'wp_enqueue_scripts', function () {
	if ( is_page( 'no-nonce' ) ) {
		return;
	}
	wp_enqueue_script( 'wp-api' );
} );
// (c) When PHP really rendered the page (survives in cached copies). A debugging
//     aid for the e2e only; nonce-audit must not rely on it.
add_action( 'send_headers', function () {
	header( 'X-E2E-Generated: ' . gmdate( 'D, d M Y H:i:s' ) . ' GMT' );
} );
