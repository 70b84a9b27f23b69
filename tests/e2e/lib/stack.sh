# shellcheck shell=bash
# nonce-audit e2e: a real WordPress (Debian package) behind real page caches,
# all private daemons on 127.0.0.1 with their own pid files.  Sourced by run.sh.
#
#   127.0.0.1:$PORT_ORIGIN   nginx -> php-fpm -> WordPress            (no cache)
#   127.0.0.1:$PORT_CACHE    nginx fastcgi_cache (7 d) -> php-fpm     (X-FastCGI-Cache)
#   127.0.0.1:$PORT_VARNISH  Varnish (ttl 7 d) -> :$PORT_ORIGIN       (Age, X-Varnish-Cache)
#   127.0.0.1:$PORT_LEAKY    nginx fastcgi_cache whose bypass misses the login cookie and which
#                            ignores Cache-Control: it stores logged-in renders for everyone
#   MariaDB: private datadir, unix socket only (--skip-networking)
#
# Everything at runtime lives under $E2E_DIR.  Written outside it (and removed
# again by e2e_stop): /etc/wordpress/config-127.0.0.1.php, the config-localhost.php
# symlink, and our files in /var/lib/wordpress/wp-content/mu-plugins/.

E2E_DIR=${E2E_DIR:-/tmp/nonce-audit-e2e}
PORT_CACHE=${PORT_CACHE:-8080}
PORT_ORIGIN=${PORT_ORIGIN:-8081}
PORT_VARNISH=${PORT_VARNISH:-6081}
PORT_LEAKY=${PORT_LEAKY:-8082}
NONCE_LIFE=${NONCE_LIFE:-20}
PHPV=8.2

RUN=$E2E_DIR/run
LOG=$E2E_DIR/log
ETC=$E2E_DIR/etc
MARKER=$E2E_DIR/.nonce-audit-e2e
WP_CONF=/etc/wordpress/config-127.0.0.1.php
WP_CONF_LINK=/etc/wordpress/config-localhost.php
MU_DIR=/var/lib/wordpress/wp-content/mu-plugins
MU_FIXTURE=$MU_DIR/nonce-audit-e2e-fixture.php
MU_REST_BLOCK=$MU_DIR/nonce-audit-e2e-rest-block.php
MU_WRONG_ACTION=$MU_DIR/nonce-audit-e2e-wrong-action.php
CONF_TAG='nonce-audit-e2e'   # written into files we own, so we only ever remove our own

E2E_PKGS=(mariadb-server nginx "php$PHPV-fpm" "php$PHPV-cli" "php$PHPV-mysql" "php$PHPV-xml"
          "php$PHPV-mbstring" "php$PHPV-curl" "php$PHPV-gd" wordpress
          wordpress-theme-twentytwentythree varnish curl iproute2 procps)   # ss, pgrep

_t0=$(date +%s%N)
say() { local ms=$(( ($(date +%s%N) - _t0) / 1000000 )); printf '[%3d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"; }
die() { echo "e2e: $*" >&2; exit 1; }

wait_for() {  # wait_for <seconds> <command...>
  local n=$(( $1 * 10 )); shift
  until "$@" >/dev/null 2>&1; do
    n=$((n - 1)); [ "$n" -gt 0 ] || { echo "timeout waiting for: $*" >&2; return 1; }
    sleep 0.1
  done
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# ---------------------------------------------------------------- packages
E2E_ADDED_POLICY=0
remove_policy() {
  if [ "$E2E_ADDED_POLICY" = 1 ]; then rm -f /usr/sbin/policy-rc.d; E2E_ADDED_POLICY=0; fi
}

e2e_install_packages() {
  local missing=() p
  for p in "${E2E_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then say "packages already installed"; return 0; fi
  [ "$(id -u)" = 0 ] || die "need root to apt-get install: ${missing[*]}"
  say "apt-get install (${#missing[@]} missing: ${missing[*]})"
  # Without a policy-rc.d that denies, postinst would start the *system* services
  # (nginx on 0.0.0.0:80, varnish on *:6081, mariadb on :3306, php-fpm).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# %s (temporary)\nexit 101\n' "$CONF_TAG" > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    E2E_ADDED_POLICY=1                        # run.sh's exit trap removes it too
  fi
  export DEBIAN_FRONTEND=noninteractive
  local rc=0 fresh_lists
  fresh_lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -1)
  # The trailing '-' entries stop apt from satisfying wordpress's
  # "libapache2-mod-php | php" with mod_php + apache2-bin.
  { [ -n "$fresh_lists" ] || apt-get -o DPkg::Lock::Timeout=300 update -qq; } &&
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${E2E_PKGS[@]}" \
      "libapache2-mod-php$PHPV-" apache2-bin- >/dev/null || rc=$?
  remove_policy
  [ "$rc" = 0 ] || die "apt-get failed ($rc)"
  say "packages installed"
}

# ---------------------------------------------------------------- configs
render() {  # render SRC DST: replace @NAME@ with the value of $NAME
  python3 - "$1" "$2" <<'PY'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
def sub(m):
    name = m.group(1)
    if name not in os.environ:
        sys.exit(f"render: {src}: ${name} is not set")
    return os.environ[name]
open(dst, "w").write(re.sub(r"@([A-Z][A-Z0-9_]*)@", sub, text))
PY
}

rand_alnum() { head -c 96 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }

write_configs() {
  local here=$1
  mkdir -p "$RUN" "$LOG" "$ETC" "$E2E_DIR/nginx/cache" "$E2E_DIR/nginx/tmp" "$E2E_DIR/reports"
  chmod 755 "$E2E_DIR" "$LOG" "$ETC"
  chown mysql:mysql "$RUN"; chmod 1777 "$RUN"   # mariadbd, php-fpm (root) and nginx write here
  # daemons that dropped privileges must be able to open their logs
  touch "$LOG/mariadb.err" "$LOG/php-error.log"
  chown mysql:mysql "$LOG/mariadb.err"; chown www-data:www-data "$LOG/php-error.log"

  local i
  export E2E_DIR RUN LOG ETC PORT_CACHE PORT_ORIGIN PORT_VARNISH PORT_LEAKY NONCE_LIFE
  DB_PASS=$(rand_alnum 24); export DB_PASS
  for i in 1 2 3 4 5 6 7 8; do export "SALT_$i=$(rand_alnum 64)"; done   # new salts every run
  echo "$DB_PASS" > "$ETC/db-pass"; chmod 600 "$ETC/db-pass"

  render "$here/conf/nginx.conf.in"     "$ETC/nginx.conf"
  render "$here/conf/wp-common.conf.in" "$ETC/wp-common.conf"
  render "$here/conf/wp-php.conf.in"    "$ETC/wp-php.conf"
  render "$here/conf/php-fpm.conf.in"   "$ETC/php-fpm.conf"
  render "$here/conf/varnish.vcl.in"    "$ETC/e2e.vcl"

  # WordPress site config (Debian picks /etc/wordpress/config-<Host>.php).  Keep a
  # copy of a foreign file we would overwrite; e2e_stop puts it back.
  if [ -e "$WP_CONF" ] && ! grep -q "$CONF_TAG" "$WP_CONF"; then
    cp -p "$WP_CONF" "$E2E_DIR/config-127.0.0.1.php.orig"
  fi
  if [ -e "$WP_CONF_LINK" ] && [ ! -L "$WP_CONF_LINK" ]; then
    cp -p "$WP_CONF_LINK" "$E2E_DIR/config-localhost.php.orig"
  fi
  render "$here/conf/wp-config.php.in" "$WP_CONF.tmp"
  chown root:www-data "$WP_CONF.tmp"; chmod 640 "$WP_CONF.tmp"; mv -f "$WP_CONF.tmp" "$WP_CONF"
  ln -sfn "$WP_CONF" "$WP_CONF_LINK"
  for i in 1 2 3 4 5 6 7 8; do unset "SALT_$i"; done
  unset DB_PASS

  mkdir -p "$MU_DIR"
  install -m 644 -o www-data -g www-data "$here/wp/mu-fixture.php" "$MU_FIXTURE"
  rm -f "$MU_REST_BLOCK" "$MU_WRONG_ACTION"
  install -m 644 "$here/wp/install.php" "$here/wp/set-permalinks.php" "$ETC/"
}

# ---------------------------------------------------------------- daemons
start_mariadb() {
  local dd=$E2E_DIR/mysql
  mkdir -p "$dd"; chown mysql:mysql "$dd"
  mariadb-install-db --no-defaults --user=mysql --datadir="$dd" \
    --auth-root-authentication-method=socket --skip-test-db >"$LOG/mariadb-install-db.log" 2>&1
  # --no-defaults: ignore /etc/mysql; --skip-networking: unix socket only.  setsid so
  # it is nobody's job; it is stopped through its pid file like the others.
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dd" \
    --socket="$RUN/mysqld.sock" --pid-file="$RUN/mysqld.pid" --skip-networking \
    --log-error="$LOG/mariadb.err" --character-set-server=utf8mb4 \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --skip-log-bin \
    </dev/null >/dev/null 2>&1 &
  wait_for 30 mariadb-admin --no-defaults -S "$RUN/mysqld.sock" -uroot ping \
    || { tail -20 "$LOG/mariadb.err" >&2; return 1; }
  wait_for 5 test -s "$RUN/mysqld.pid"
  mariadb --no-defaults -S "$RUN/mysqld.sock" -uroot <<SQL
CREATE DATABASE wordpress CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'wordpress'@'localhost';
ALTER USER 'wordpress'@'localhost' IDENTIFIED BY '$(cat "$ETC/db-pass")';
GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'localhost';
FLUSH PRIVILEGES;
SQL
}

wp_php() {  # wp_php SCRIPT [ARGS]: run a PHP CLI script as www-data against the site
  E2E_HOST="127.0.0.1:$PORT_ORIGIN" E2E_ADMIN_PASS="${E2E_ADMIN_PASS:-e2e-admin-pass}" \
    runuser -u www-data --preserve-environment -- php -d display_errors=stderr "$@"
}

start_phpfpm() {
  "/usr/sbin/php-fpm$PHPV" --fpm-config "$ETC/php-fpm.conf" -t 2>"$LOG/php-fpm-test.log" \
    || { cat "$LOG/php-fpm-test.log" >&2; return 1; }
  "/usr/sbin/php-fpm$PHPV" --fpm-config "$ETC/php-fpm.conf"       # daemonizes, writes its pid
  wait_for 10 test -S "$RUN/php-fpm.sock"
}

start_nginx() {
  nginx -e "$LOG/nginx-error.log" -c "$ETC/nginx.conf" -t -q
  nginx -e "$LOG/nginx-error.log" -c "$ETC/nginx.conf"             # daemonizes, writes its pid
}

start_varnish() {
  # -T none: no management port; -n: private work dir; -P: manager pid
  varnishd -a "127.0.0.1:$PORT_VARNISH" -T none -f "$ETC/e2e.vcl" -n "$E2E_DIR/varnish" \
    -P "$RUN/varnishd.pid" -s malloc,32m -p thread_pool_min=5 -p thread_pool_max=50 \
    >"$LOG/varnishd.log" 2>&1 || { cat "$LOG/varnishd.log" >&2; return 1; }
  # Client-side request log with the Age header each client really got.
  # (-w truncates: a restart names another file in VARNISH_LOG.)
  varnishncsa -n "$E2E_DIR/varnish" -D -P "$RUN/varnishncsa.pid" -w "${VARNISH_LOG:-$LOG/varnish-access.log}" \
    -F '%{%s}t "%m %U%q" %s age=%{Age}o hitmiss=%{Varnish:hitmiss}x nonce=%{X-WP-Nonce}i'
  wait_for 10 test -s "$RUN/varnishncsa.pid"
}

http_200() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; }

e2e_start() {
  local here=$1 p
  # A previous run that was killed before its trap ran may have left daemons up.
  e2e_stop
  for p in "$PORT_CACHE" "$PORT_ORIGIN" "$PORT_VARNISH" "$PORT_LEAKY"; do
    port_free "$p" || die "127.0.0.1:$p is busy (not by us): $(ss -Hltnp "sport = :$p" | head -1)"
  done
  if [ -e "$E2E_DIR" ]; then
    [ -e "$MARKER" ] || die "$E2E_DIR exists and is not ours (no $MARKER); remove it or set E2E_DIR"
    rm -rf "${E2E_DIR:?}"
  fi
  mkdir -p "$E2E_DIR"; touch "$MARKER"
  say "configs under $E2E_DIR"; write_configs "$here"
  say "mariadb";                start_mariadb
  say "wordpress install";      wp_php "$ETC/install.php"
  say "php-fpm";                start_phpfpm
  say "nginx";                  start_nginx
  say "varnish";                start_varnish
  # Readiness through every front on a URL no cache stores (keeps the page caches cold).
  wait_for 20 http_200 "http://127.0.0.1:$PORT_ORIGIN/wp-json/"
  wait_for 20 http_200 "http://127.0.0.1:$PORT_CACHE/wp-json/"
  wait_for 20 http_200 "http://127.0.0.1:$PORT_VARNISH/wp-json/"
  wait_for 20 http_200 "http://127.0.0.1:$PORT_LEAKY/wp-json/"
  say "serving: origin :$PORT_ORIGIN  nginx-cache :$PORT_CACHE  varnish :$PORT_VARNISH  leaky nginx-cache :$PORT_LEAKY"
}

# ---------------------------------------------------------------- stop
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }

# stop_pidfile NAME COMM: stop the process in $RUN/NAME.pid if it is still the
# program we started (comm check guards against a recycled pid), wait for it and
# its children, KILL after ~5 s.
stop_pidfile() {
  local f=$RUN/$1.pid comm=$2 pid kids k up
  [ -s "$f" ] || { rm -f "$f"; return 0; }
  pid=$(tr -dc '0-9' < "$f")
  if [ -n "$pid" ] && alive "$pid" && grep -q "$comm" "/proc/$pid/comm" 2>/dev/null; then
    kids=$(pgrep -P "$pid" || true)
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      up=0
      for k in $pid $kids; do alive "$k" && up=1; done
      [ "$up" = 0 ] && break
      sleep 0.05
    done
    if alive "$pid"; then echo "e2e: $1 ($pid) did not stop, sending KILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

e2e_stop() {
  if [ -d "$RUN" ]; then
    stop_pidfile varnishncsa varnishncsa
    stop_pidfile varnishd    varnishd
    stop_pidfile nginx       nginx
    stop_pidfile php-fpm     php-fpm
    stop_pidfile mysqld      mariadbd
    rm -f "$RUN/mysqld.sock" "$RUN/php-fpm.sock"
  fi
  # Bulky state goes; logs and reports stay for inspection (the next run wipes all).
  if [ -e "$MARKER" ]; then rm -rf "${E2E_DIR:?}/mysql" "$E2E_DIR/nginx" "$E2E_DIR/varnish"; fi
  # Files outside $E2E_DIR: remove ours, put back what we displaced.
  rm -f "$MU_FIXTURE" "$MU_REST_BLOCK" "$MU_WRONG_ACTION"
  if [ -f "$WP_CONF" ] && grep -q "$CONF_TAG" "$WP_CONF"; then rm -f "$WP_CONF"; fi
  if [ -L "$WP_CONF_LINK" ] && [ "$(readlink "$WP_CONF_LINK")" = "$WP_CONF" ]; then rm -f "$WP_CONF_LINK"; fi
  if [ -e "$E2E_DIR/config-127.0.0.1.php.orig" ]; then mv -f "$E2E_DIR/config-127.0.0.1.php.orig" "$WP_CONF"; fi
  if [ -e "$E2E_DIR/config-localhost.php.orig" ]; then mv -f "$E2E_DIR/config-localhost.php.orig" "$WP_CONF_LINK"; fi
  return 0
}
