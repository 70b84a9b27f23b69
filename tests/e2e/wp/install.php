<?php
// nonce-audit e2e: non-interactive WordPress install (Debian has no wp-cli).
// Run as www-data with php-cli; E2E_HOST selects /etc/wordpress/config-<host>.php.
$_SERVER['HTTP_HOST']   = getenv('E2E_HOST');
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
define('WP_INSTALLING', true);
function wp_new_blog_notification() {}   // pluggable: no "new site" mail (no MTA)
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (is_blog_installed()) { fwrite(STDERR, "already installed\n"); exit(1); }
// blog_public = true: robots.txt then carries the core "Sitemap:" line.
$r = wp_install('E2E Blog', 'admin', 'admin@example.invalid', true, '', getenv('E2E_ADMIN_PASS'));
update_option('permalink_structure', '/%postname%/');
flush_rewrite_rules(false);               // rules live in the DB; nginx needs no .htaccess
wp_set_current_user($r['user_id']);
for ($i = 1; $i <= 5; $i++) {
    wp_insert_post(array('post_title' => "CI post $i", 'post_name' => "ci-post-$i",
        'post_content' => "<!-- wp:paragraph --><p>Body of CI post $i.</p><!-- /wp:paragraph -->",
        'post_status' => 'publish', 'post_type' => 'post'));
}
foreach (array('About' => 'about', 'Contact' => 'contact', 'Shop' => 'shop', 'No nonce' => 'no-nonce') as $t => $slug) {
    wp_insert_post(array('post_title' => $t, 'post_name' => $slug,
        'post_content' => "<!-- wp:paragraph --><p>The $t page.</p><!-- /wp:paragraph -->",
        'post_status' => 'publish', 'post_type' => 'page'));
}
// Not published: must never show up in the sitemaps (nor in the audit).
wp_insert_post(array('post_title' => 'Draft', 'post_name' => 'draft-post', 'post_content' => 'x',
    'post_status' => 'draft', 'post_type' => 'post'));
echo "installed: url=" . home_url('/') . " theme=" . get_stylesheet() . "\n";
