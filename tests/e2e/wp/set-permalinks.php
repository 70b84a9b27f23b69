<?php
// nonce-audit e2e: set the permalink structure ('' = plain permalinks).
// Usage (as www-data): E2E_HOST=127.0.0.1:8081 php set-permalinks.php '/%postname%/'
$_SERVER['HTTP_HOST']   = getenv('E2E_HOST');
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
require '/usr/share/wordpress/wp-load.php';
global $wp_rewrite;
$wp_rewrite->set_permalink_structure($argv[1] ?? '');
// Not flush_rewrite_rules() here: the taxonomies' permastructs were registered at init under
// the old structure, so rules built now would lack /category/...; an emptied option makes the
// next request build them with everything registered.
delete_option('rewrite_rules');
echo "permalink_structure='" . get_option('permalink_structure') . "'\n";
