<?php
/**
 * Plugin Name: nonce-audit e2e: block the REST API for anonymous visitors
 */
// The common "disable REST for visitors" pattern: a rest_authentication_errors
// callback at the default priority 10 answers before core's cookie/nonce check
// (priority 100), so valid and invalid nonces get the same 401 and the nonce
// cannot be judged from outside.
add_filter( 'rest_authentication_errors', function ( $result ) {
	if ( ! empty( $result ) ) {
		return $result;
	}
	if ( ! is_user_logged_in() ) {
		return new WP_Error( 'rest_not_logged_in', 'Only authenticated users can access the REST API.', array( 'status' => 401 ) );
	}
	return $result;
}, 10 );
