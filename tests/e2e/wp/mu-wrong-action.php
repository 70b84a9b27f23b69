<?php
/**
 * Plugin Name: nonce-audit e2e: a theme that prints its own wpApiSettings with the wrong action
 */
// A common mistake: the nonce is made for the theme's own action instead of core's
// 'wp_rest', so WordPress rejects it in every request, however fresh the page is
// (rest_cookie_check_errors() verifies X-WP-Nonce as 'wp_rest'). Only the page "shop".
add_action( 'wp_enqueue_scripts', function () {
	if ( is_page( 'shop' ) ) {
		wp_dequeue_script( 'wp-api' );
	}
}, 20 );
add_action( 'wp_footer', function () {
	if ( ! is_page( 'shop' ) ) {
		return;
	}
	$settings = array(
		'root'  => esc_url_raw( rest_url() ),
		'nonce' => wp_create_nonce( 'wp_api' ),
	);
	printf( "<script id=\"e2e-theme-js-extra\">\nvar wpApiSettings = %s;\n</script>\n", wp_json_encode( $settings ) );
} );
