#!/usr/bin/env bash
# Usage: nginx_fixture.sh start DIR [NGINX]
#        nginx_fixture.sh stop DIR
#
# The nginx server of CTest's `nginx` fixture (cmake/NginxFixture.cmake):
# `start` is the fixture's setup test, `stop` its cleanup test. Everything
# lives under DIR (build/<preset>/test/nginx); nothing outside it is read
# or written, except the nginx binary and its echo and brotli modules.
#
# start
#   Stops an instance left behind by an earlier run in DIR, then makes
#     pki/    a test CA, a server certificate it signs for localhost,
#             127.0.0.1 and ::1, a client certificate it signs; a second,
#             unrelated CA ("untrusted") and a server certificate it signs
#     root/   small ("hello, httpc\n"), 64k and 16m (65536 and 16777216
#             bytes of AES-128-CTR key stream: fixed, patternless content),
#             text (`seq 1 100000`: bytes that compress)
#     nginx.conf, fixture.env
#   and starts nginx (one worker, its own prefix, logs, pid and temp paths)
#   on four loopback ports, also on [::1] when the machine has it:
#     HTTP       plain HTTP
#     HTTPS      TLS with the server certificate
#     MTLS       TLS that requires a client certificate signed by the CA
#     UNTRUSTED  TLS with the certificate of the untrusted CA
#   Each serves the locations listed in write_locations below. The ports are
#   picked at start: a first guess from a hash of DIR (so two build trees
#   differ), then the next ones while a port is taken. fixture.env records
#   them with every path, as NAME=VALUE lines (test/support/nginx.hpp reads
#   it; `set -a; . DIR/fixture.env` exports them to a shell). Returns once
#   every server answers; on failure, prints the logs, stops what it started
#   and exits non-zero.
#
# stop
#   Stops the nginx started in DIR (its pid file, or failing that the master
#   whose command line names DIR/nginx.conf) and its workers: TERM, then KILL
#   after 5 seconds. Safe to run when nothing runs, or after a failed start.
#
# What this script shares with the other fixture and bench/run (processes,
# certificates, ports, starting nginx) is in fixture_lib.sh, next to it.
set -euo pipefail

readonly fixture_name="nginx fixture"
readonly port_low=20000   # ports come from [port_low, port_low + port_span):
readonly port_span=12000  # below Linux's ephemeral range (32768 and up)
readonly port_count=4     # HTTP, HTTPS, MTLS, UNTRUSTED, consecutive
readonly port_attempts=25

# shellcheck source-path=SCRIPTDIR source=fixture_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fixture_lib.sh"

# make_pki DIR. Runs under set -e: the first failure ends the start.
make_pki() {
  mkdir -p "$1"
  (
    cd "$1"
    write_openssl_config
    server_extensions server "DNS:localhost, IP:127.0.0.1, IP:::1"
    new_ca ca "/O=httpc tests/CN=httpc test CA"
    new_leaf server "/O=httpc tests/CN=localhost" ca server
    new_leaf client "/O=httpc tests/CN=httpc test client" ca client
    new_ca untrusted-ca "/O=httpc tests/CN=httpc untrusted CA"
    new_leaf untrusted-server "/O=httpc tests/CN=localhost" untrusted-ca server
  )
}

# --- Served files ------------------------------------------------------------

# key_stream BYTES KEY: the first BYTES bytes of AES-128-CTR with KEY, IV 0.
key_stream() {
  head -c "$1" /dev/zero \
    | openssl enc -aes-128-ctr -nosalt -K "$2" -iv 00000000000000000000000000000000
}

make_root() {
  mkdir -p "$1"
  printf 'hello, httpc\n' >"$1/small"
  seq 1 100000 >"$1/text"  # 588895 bytes that compress
  key_stream 65536 000102030405060708090a0b0c0d0e0f >"$1/64k"
  key_stream 16777216 f0e0d0c0b0a090807060504030201000 >"$1/16m"
}

# --- nginx configuration -----------------------------------------------------

# brotli_location: the /br/ location, when the brotli filter loaded.
brotli_location() {
  if [[ -n $brotli_module ]]; then
    cat <<EOF
    location /br/ {
      alias $dir/root/;
      brotli on;
      brotli_types *;
      brotli_min_length 0;
    }
EOF
  fi
}

# The locations every server has. Bodies that tests compare against are
# spelled out in test/support/nginx.hpp too.
write_locations() {
  cat <<EOF
    root $dir/root;

    # Files, with Content-Length (HEAD works too).
    location = /small { default_type text/plain; }
    location = /64k { default_type application/octet-stream; }
    location = /16m { default_type application/octet-stream; }

    # Transfer-Encoding: chunked, several chunks:
    # "hello, chunked httpc\n", 4096 x "0123456789abcdef", "the end\n".
    location = /chunked {
      echo -n "hello, ";
      echo "chunked httpc";
      echo_duplicate 4096 "0123456789abcdef";
      echo "the end";
    }
    # The files' bytes, chunked.
    location ~ ^/chunked/(64k|16m)\$ { echo_location /\$1; }

    # Neither Content-Length nor chunked: the body ends when nginx closes.
    location = /until-close {
      chunked_transfer_encoding off;
      echo "hello, httpc until close";
    }
    location ~ ^/until-close/(64k|16m)\$ {
      chunked_transfer_encoding off;
      echo_location /\$1;
    }

    # The request body (Content-Length or chunked, any size), back, chunked.
    location = /echo {
      echo_read_request_body;
      echo_request_body;
    }
    # The request head as nginx received it (request line, fields, CRLF).
    location = /headers { echo -n \$echo_client_request_headers; }

    # "hello, httpc\n" with Connection: close, then nginx closes.
    location = /close {
      keepalive_timeout 0;
      default_type text/plain;
      return 200 "hello, httpc\n";
    }

    # The reference documents' examples (samples/reference_*.cpp): a page,
    # and a form handler that answers with the form it got.
    location = /index.html {
      default_type text/html;
      return 200 "<html><body>index</body></html>\n";
    }
    location = /cgi-bin/query {
      default_type text/plain;
      echo_read_request_body;
      echo -n "query: ";
      echo_request_body;
    }

    # The same files gzip-coded for a client that accepts it (nginx's gzip
    # filter, chunked), and brotli-coded when the filter module loaded.
    location /gzip/ {
      alias $dir/root/;
      gzip on;
      gzip_types *;
      gzip_min_length 0;
    }
$(brotli_location)

    location = /status/204 { return 204; }
    location = /status/404 { return 404; }
    location = /status/500 { return 500; }
EOF
}

# listen_lines PORT [PARAMETERS]
listen_lines() {
  echo "    listen 127.0.0.1:$1${2:+ $2};"
  if [[ $ipv6 == 1 ]]; then
    echo "    listen [::1]:$1${2:+ $2};"
  fi
}

# write_nginx_config BASE: the servers on BASE (HTTP), BASE+1 (HTTPS),
# BASE+2 (MTLS) and BASE+3 (UNTRUSTED).
write_nginx_config() {
  local http=$1 https=$(($1 + 1)) mtls=$(($1 + 2)) untrusted=$(($1 + 3))
  {
    echo "# Written by test/support/nginx_fixture.sh; rewritten at each start."
    [[ -n $echo_module ]] && echo "load_module $echo_module;"
    [[ -n $brotli_module ]] && echo "load_module $brotli_module;"
    nginx_main_context
    cat <<EOF

events {
  worker_connections 1024;
}

http {
  access_log $dir/access.log;
$(nginx_temp_paths)

  default_type text/plain;
  sendfile on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  client_max_body_size 0;
  # Bodies up to this size stay in memory; larger ones go to a temporary
  # file, which echo_request_body sends back all the same.
  client_body_buffer_size 4m;

  ssl_protocols TLSv1.2 TLSv1.3;
  # Sessions resume by ticket (nginx's default) and, for a client that
  # wants no ticket, by TLS 1.2 session ID from this cache.
  ssl_session_cache shared:httpc:1m;
  ssl_certificate $dir/pki/server.pem;
  ssl_certificate_key $dir/pki/server.key;

  server {
$(listen_lines "$http")
    listen unix:$dir/http.sock;
$(write_locations)
  }

  server {
$(listen_lines "$https" ssl)
    listen unix:$dir/https.sock ssl;
$(write_locations)
  }

  server {
$(listen_lines "$mtls" ssl)
    ssl_verify_client on;
    ssl_client_certificate $dir/pki/ca.pem;
    # "SUCCESS CN=httpc test client,O=httpc tests\n"
    location = /client-cert {
      return 200 "\$ssl_client_verify \$ssl_client_s_dn\n";
    }
$(write_locations)
  }

  server {
$(listen_lines "$untrusted" ssl)
    ssl_certificate $dir/pki/untrusted-server.pem;
    ssl_certificate_key $dir/pki/untrusted-server.key;
$(write_locations)
  }
}
EOF
  } >"$dir/nginx.conf"
}

# --- Start -------------------------------------------------------------------

# https_get_verified PORT TARGET CA [S_CLIENT ARGS]: https_get that verifies
# the server's certificate against CA and the name localhost.
https_get_verified() {
  https_get "$1" "$2" -verify_hostname localhost -CAfile "$3" -verify_return_error "${@:4}"
}

# expect WHAT RESPONSE PATTERN: RESPONSE matches the glob PATTERN.
expect() {
  # shellcheck disable=SC2053 # $3 is a pattern
  if [[ $2 != $3 ]]; then
    log "$1 answered unexpectedly:"
    printf '%s\n' "$2" | head -20 | sed 's/^/    /' >&2
    return 1
  fi
}

check_servers() {
  local small='HTTP/1.1 200 OK*'$'\r\n\r\n''hello, httpc'
  expect "GET /small on HTTP port $http_port" \
    "$(http_get "$http_port" /small)" "$small" || return 1
  expect "GET /small on HTTPS port $https_port" \
    "$(https_get_verified "$https_port" /small "$dir/pki/ca.pem")" "$small" || return 1
  expect "GET /client-cert on MTLS port $mtls_port" \
    "$(https_get_verified "$mtls_port" /client-cert "$dir/pki/ca.pem" \
         -cert "$dir/pki/client.pem" -key "$dir/pki/client.key")" \
    'HTTP/1.1 200 OK*'$'\r\n\r\n''SUCCESS *CN=httpc test client*' || return 1
  expect "GET /small on UNTRUSTED port $untrusted_port" \
    "$(https_get_verified "$untrusted_port" /small "$dir/pki/untrusted-ca.pem")" "$small" \
    || return 1
}

find_echo_module() {
  local version
  version=$("$nginx" -V 2>&1) || die "$nginx -V failed: $version"
  modules=/usr/lib/nginx/modules
  if [[ $version =~ --modules-path=([^ ]+) ]]; then
    modules=${BASH_REMATCH[1]}
  fi
  if [[ $version == *echo-nginx-module* ]]; then
    echo_module=""  # built in
    return
  fi
  echo_module=$modules/ngx_http_echo_module.so
  [[ -f $echo_module ]] || die "nginx's echo module is missing ($echo_module):" \
    "install Debian's libnginx-mod-http-echo (scripts/bootstrap does)"
}

# find_brotli_module: brotli_module is the brotli filter (Debian's
# libnginx-mod-http-brotli-filter) when it is there and this nginx loads it
# (a module built for another nginx does not), else empty: the /br/
# location is then left out, and the tests that need it skip.
find_brotli_module() {
  brotli_module=$modules/ngx_http_brotli_filter_module.so
  if [[ ! -f $brotli_module ]]; then
    brotli_module=""
    return
  fi
  printf 'load_module %s;\nerror_log %s/brotli-check.log;\nevents {}\nhttp { brotli on; }\n' \
    "$brotli_module" "$dir" >"$dir/brotli-check.conf"
  local args=(-t -q -p "$dir/" -c "$dir/brotli-check.conf")
  if "$nginx" -h 2>&1 | grep -q -- '^ *-e '; then
    args+=(-e "$dir/brotli-check.log")
  fi
  if ! "$nginx" "${args[@]}" </dev/null >/dev/null 2>&1; then
    log "the brotli filter module does not load into $nginx; br from nginx is not tested"
    brotli_module=""
  fi
}

fixture_start() {
  local status
  find_tools "$1"
  find_echo_module

  fixture_stop || die "could not stop the nginx left running in $dir"
  rm -rf "$dir/pki" "$dir/root" "$dir/temp"
  rm -f "$dir"/*.log "$dir/nginx.conf" "$dir"/*.sock
  mkdir -p "$dir/temp"

  make_pki "$dir/pki"
  make_root "$dir/root"
  find_brotli_module

  ipv6=0
  if grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
    ipv6=1
  fi

  # From here on, a failure stops whatever nginx started.
  trap 'status=$?; if [[ $status -ne 0 ]]; then
          show_logs "$dir/start.log" "$dir/error.log" "$dir/check.log"
          stop_nginx || true; fi' EXIT
  start_nginx
  http_port=$nginx_base https_port=$((nginx_base + 1))
  mtls_port=$((nginx_base + 2)) untrusted_port=$((nginx_base + 3))
  check_servers || die "nginx runs but does not answer as it should"

  write_fixture_env <<EOF
HTTPC_NGINX_DIR=$dir
HTTPC_NGINX_ROOT=$dir/root
HTTPC_NGINX_HTTP_PORT=$http_port
HTTPC_NGINX_HTTPS_PORT=$https_port
HTTPC_NGINX_MTLS_PORT=$mtls_port
HTTPC_NGINX_UNTRUSTED_PORT=$untrusted_port
HTTPC_NGINX_HTTP_SOCKET=$dir/http.sock
HTTPC_NGINX_HTTPS_SOCKET=$dir/https.sock
HTTPC_NGINX_IPV6=$ipv6
HTTPC_NGINX_BROTLI=$([[ -n $brotli_module ]] && echo 1 || echo 0)
HTTPC_TEST_CA=$dir/pki/ca.pem
HTTPC_TEST_UNTRUSTED_CA=$dir/pki/untrusted-ca.pem
HTTPC_TEST_CLIENT_CERT=$dir/pki/client.pem
HTTPC_TEST_CLIENT_KEY=$dir/pki/client.key
EOF
  trap - EXIT
  log "nginx $(<"$dir/nginx.pid") serves $dir/root on 127.0.0.1$([[ $ipv6 == 1 ]] && echo ' and [::1]'):" \
    "HTTP $http_port, HTTPS $https_port, MTLS $mtls_port, UNTRUSTED $untrusted_port"
}

fixture_stop() {
  stop_nginx || return 1
  rm -f "$dir/fixture.env"
}

fixture_main "$@"
