#!/usr/bin/env bash
# Usage: nginx_fixture.sh start DIR [NGINX]
#        nginx_fixture.sh stop DIR
#
# The nginx server of CTest's `nginx` fixture (cmake/NginxFixture.cmake):
# `start` is the fixture's setup test, `stop` its cleanup test. Everything
# lives under DIR (build/<preset>/test/nginx); nothing outside it is read
# or written, except the nginx binary and its echo module.
#
# start
#   Stops an instance left behind by an earlier run in DIR, then makes
#     pki/    a test CA, a server certificate it signs for localhost,
#             127.0.0.1 and ::1, a client certificate it signs; a second,
#             unrelated CA ("untrusted") and a server certificate it signs
#     root/   small ("hello, httpc\n"), 64k and 16m (65536 and 16777216
#             bytes of AES-128-CTR key stream: fixed, patternless content)
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
set -euo pipefail

readonly port_low=20000   # ports come from [port_low, port_low + port_span):
readonly port_span=12000  # below Linux's ephemeral range (32768 and up)
readonly port_count=4     # HTTP, HTTPS, MTLS, UNTRUSTED, consecutive
readonly port_attempts=25

log() { printf 'nginx fixture: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- Processes ---------------------------------------------------------------

# read_proc FILE: the contents of a /proc file, NULs as spaces; fails when
# the process has gone.
read_proc() {
  local parts
  { mapfile -d '' parts <"$1"; } 2>/dev/null || return 1
  printf '%s ' "${parts[@]}"
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
  local stat
  if [[ -d /proc/$1 ]]; then
    stat=$(read_proc "/proc/$1/stat") || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
  else
    kill -0 "$1" 2>/dev/null
  fi
}

# masters DIR: the pid of each nginx master started with DIR/nginx.conf.
masters() {
  local conf=$1/nginx.conf pid cmdline
  if [[ -s $1/nginx.pid ]]; then
    pid=$(<"$1/nginx.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" \
       && [[ $(read_proc "/proc/$pid/cmdline") == *"$conf"* ]]; then
      echo "$pid"
      return
    fi
  fi
  # No pid file (a start that failed half-way): look for the command line,
  # which names this fixture's own configuration file.
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}
    pid=${pid%/cmdline}
    if [[ $(read_proc "$cmdline") == *nginx*"$conf"* ]] && alive "$pid"; then
      echo "$pid"
    fi
  done
}

# children PID...: the processes whose parent is one of PID...
children() {
  local stat pid parent wanted
  for stat in /proc/[0-9]*/stat; do
    stat=$(read_proc "$stat") || continue
    pid=${stat%% *}
    parent=${stat##*) }
    parent=${parent#* }
    parent=${parent%% *}
    for wanted in "$@"; do
      [[ $parent == "$wanted" ]] && echo "$pid"
    done
  done
}

# wait_gone SECONDS PID...: true once none of PID... is alive.
wait_gone() {
  local steps=$(($1 * 50)) pid any
  shift
  while ((steps-- > 0)); do
    any=false
    for pid in "$@"; do
      alive "$pid" && any=true
    done
    [[ $any == false ]] && return 0
    sleep 0.02
  done
  return 1
}

stop_nginx() {
  local dir=$1 pids=() pid
  mapfile -t pids < <(masters "$dir")
  if ((${#pids[@]} > 0)); then
    mapfile -t -O "${#pids[@]}" pids < <(children "${pids[@]}")
    log "stopping nginx (pids ${pids[*]})"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    if ! wait_gone 5 "${pids[@]}"; then
      log "nginx did not stop within 5 s of TERM; sending KILL"
      kill -KILL "${pids[@]}" 2>/dev/null || true
      if ! wait_gone 5 "${pids[@]}"; then
        for pid in "${pids[@]}"; do
          alive "$pid" && log "process $pid is still alive"
        done
        return 1
      fi
    fi
  fi
  rm -f "$dir/nginx.pid" "$dir/fixture.env"
}

# --- Certificates ------------------------------------------------------------

write_openssl_config() {
  cat >"$1" <<'EOF'
# The test PKI's extensions; nothing is taken from the system openssl.cnf.
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# quiet COMMAND...: runs COMMAND, showing its output only when it fails.
quiet() {
  local output
  if ! output=$("$@" 2>&1); then
    log "failed: $*"
    printf '%s\n' "$output" | sed 's/^/    /' >&2
    return 1
  fi
}

# new_key FILE: an EC P-256 key (instant to make, unlike RSA).
new_key() {
  quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

# new_ca NAME SUBJECT: NAME.key and the self-signed NAME.pem.
new_ca() {
  new_key "$1.key"
  quiet openssl req -x509 -new -config openssl.cnf -extensions ca -key "$1.key" \
    -subj "$2" -sha256 -days 3650 -out "$1.pem"
}

# new_leaf NAME SUBJECT CA EXTENSIONS: NAME.key and NAME.pem, signed by CA.
new_leaf() {
  new_key "$1.key"
  quiet openssl req -new -config openssl.cnf -key "$1.key" -subj "$2" -out "$1.csr"
  quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
    -set_serial "0x$(openssl rand -hex 12)" -sha256 -days 3650 \
    -extfile openssl.cnf -extensions "$4" -out "$1.pem"
  rm -f "$1.csr"
}

# make_pki DIR. Runs under set -e: the first failure ends the start.
make_pki() {
  mkdir -p "$1"
  (
    cd "$1"
    write_openssl_config openssl.cnf
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
  key_stream 65536 000102030405060708090a0b0c0d0e0f >"$1/64k"
  key_stream 16777216 f0e0d0c0b0a090807060504030201000 >"$1/16m"
}

# --- nginx configuration -----------------------------------------------------

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

write_nginx_config() {
  local http=$1 https=$2 mtls=$3 untrusted=$4
  {
    echo "# Written by test/support/nginx_fixture.sh; rewritten at each start."
    [[ -n $echo_module ]] && echo "load_module $echo_module;"
    cat <<EOF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
EOF
    # As root, nginx would run its worker as nobody, who may not read the
    # build tree: keep the current user.
    if [[ $(id -u) -eq 0 ]]; then
      echo "user $(id -un) $(id -gn);"
    fi
    cat <<EOF

events {
  worker_connections 1024;
}

http {
  access_log $dir/access.log;
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;

  default_type text/plain;
  sendfile on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  client_max_body_size 0;
  # Bodies up to this size stay in memory; larger ones go to a temporary
  # file, which echo_request_body sends back all the same.
  client_body_buffer_size 4m;

  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_certificate $dir/pki/server.pem;
  ssl_certificate_key $dir/pki/server.key;

  server {
$(listen_lines "$http")
$(write_locations)
  }

  server {
$(listen_lines "$https" ssl)
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

# listening_ports: every TCP port something listens on, one a line.
listening_ports() {
  command -v ss >/dev/null || return 0
  ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }'
}

# ports_free BASE: none of BASE .. BASE+port_count-1 is listened on.
ports_free() {
  local taken port
  taken=$(listening_ports)
  for ((port = $1; port < $1 + port_count; ++port)); do
    grep -qx "$port" <<<"$taken" && return 1
  done
  return 0
}

show_logs() {
  local file
  for file in "$dir/start.log" "$dir/error.log" "$dir/check.log"; do
    if [[ -s $file ]]; then
      log "--- $file:"
      sed 's/^/    /' "$file" >&2
    fi
  done
}

# http_get PORT TARGET: the whole response to a GET over plain HTTP.
http_get() {
  local fd response
  exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&"$fd"
  response=$(timeout 5 cat <&"$fd") || true
  exec {fd}>&-
  printf '%s' "$response"
}

# https_get PORT TARGET CA [OPENSSL ARGS]: the same over TLS, verifying the
# server's certificate against CA and the name localhost.
https_get() {
  local port=$1 target=$2 ca=$3
  shift 3
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$target" \
    | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$port" \
        -servername localhost -verify_hostname localhost -CAfile "$ca" \
        -verify_return_error "$@" 2>>"$dir/check.log"
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
    "$(https_get "$https_port" /small "$dir/pki/ca.pem")" "$small" || return 1
  expect "GET /client-cert on MTLS port $mtls_port" \
    "$(https_get "$mtls_port" /client-cert "$dir/pki/ca.pem" \
         -cert "$dir/pki/client.pem" -key "$dir/pki/client.key")" \
    'HTTP/1.1 200 OK*'$'\r\n\r\n''SUCCESS *CN=httpc test client*' || return 1
  expect "GET /small on UNTRUSTED port $untrusted_port" \
    "$(https_get "$untrusted_port" /small "$dir/pki/untrusted-ca.pem")" "$small" || return 1
}

write_fixture_env() {
  cat >"$dir/fixture.env.new" <<EOF
HTTPC_NGINX_DIR=$dir
HTTPC_NGINX_ROOT=$dir/root
HTTPC_NGINX_HTTP_PORT=$http_port
HTTPC_NGINX_HTTPS_PORT=$https_port
HTTPC_NGINX_MTLS_PORT=$mtls_port
HTTPC_NGINX_UNTRUSTED_PORT=$untrusted_port
HTTPC_NGINX_IPV6=$ipv6
HTTPC_TEST_CA=$dir/pki/ca.pem
HTTPC_TEST_UNTRUSTED_CA=$dir/pki/untrusted-ca.pem
HTTPC_TEST_CLIENT_CERT=$dir/pki/client.pem
HTTPC_TEST_CLIENT_KEY=$dir/pki/client.key
EOF
  mv "$dir/fixture.env.new" "$dir/fixture.env"
}

find_echo_module() {
  local version modules
  version=$("$nginx" -V 2>&1) || die "$nginx -V failed: $version"
  if [[ $version == *echo-nginx-module* ]]; then
    echo_module=""  # built in
    return
  fi
  modules=/usr/lib/nginx/modules
  if [[ $version =~ --modules-path=([^ ]+) ]]; then
    modules=${BASH_REMATCH[1]}
  fi
  echo_module=$modules/ngx_http_echo_module.so
  [[ -f $echo_module ]] || die "nginx's echo module is missing ($echo_module):" \
    "install Debian's libnginx-mod-http-echo (scripts/bootstrap does)"
}

start() {
  local started=false attempt base first status
  nginx=${1:-}
  if [[ -z $nginx ]]; then
    nginx=$(PATH=$PATH:/usr/sbin:/usr/local/sbin command -v nginx) \
      || die "nginx not found: install Debian's nginx (scripts/bootstrap does)"
  fi
  [[ -x $nginx ]] || die "nginx not found at $nginx"
  command -v openssl >/dev/null || die "openssl not found: install Debian's openssl"
  find_echo_module

  stop_nginx "$dir" || die "could not stop the nginx left running in $dir"
  rm -rf "$dir/pki" "$dir/root" "$dir/temp"
  rm -f "$dir"/*.log "$dir/nginx.conf"
  mkdir -p "$dir/temp"

  make_pki "$dir/pki"
  make_root "$dir/root"

  ipv6=0
  if grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
    ipv6=1
  fi

  # From here on, a failure stops whatever nginx started.
  trap 'status=$?; if [[ $status -ne 0 ]]; then show_logs; stop_nginx "$dir" || true; fi' EXIT

  local nginx_args=(-p "$dir/" -c "$dir/nginx.conf")
  if "$nginx" -h 2>&1 | grep -q -- '^ *-e '; then
    nginx_args+=(-e "$dir/error.log")
  fi
  first=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
  for ((attempt = 0; attempt < port_attempts; ++attempt)); do
    base=$((port_low + (first + attempt) % (port_span / port_count) * port_count))
    ports_free "$base" || continue
    http_port=$base https_port=$((base + 1))
    mtls_port=$((base + 2)) untrusted_port=$((base + 3))
    write_nginx_config "$http_port" "$https_port" "$mtls_port" "$untrusted_port"
    : >"$dir/error.log"
    if "$nginx" "${nginx_args[@]}" </dev/null >"$dir/start.log" 2>&1; then
      started=true
      break
    fi
    # ::1 exists but cannot be bound (IPv6 disabled in a container):
    # IPv4 only, same ports.
    if [[ $ipv6 == 1 ]] && grep -q 'bind() to \[::1\].*Cannot assign requested address' \
         "$dir/start.log" "$dir/error.log" 2>/dev/null; then
      log "cannot listen on [::1]; serving on 127.0.0.1 only"
      ipv6=0
      attempt=$((attempt - 1))
      continue
    fi
    # Taken between the check and nginx's bind(): try the next ports.
    if ! grep -q 'Address already in use' "$dir/start.log" "$dir/error.log" 2>/dev/null; then
      die "nginx did not start (${nginx} ${nginx_args[*]})"
    fi
    log "ports $base-$((base + port_count - 1)) are taken; trying others"
  done
  [[ $started == true ]] || die "found no free ports in $port_attempts attempts"

  # The parent returns before the daemon writes its pid file.
  local steps=250
  until [[ -s $dir/nginx.pid ]]; do
    ((steps-- > 0)) || die "nginx wrote no pid file ($dir/nginx.pid) within 5 s"
    sleep 0.02
  done
  check_servers || die "nginx runs but does not answer as it should"

  write_fixture_env
  trap - EXIT
  log "nginx $(<"$dir/nginx.pid") serves $dir/root on 127.0.0.1$([[ $ipv6 == 1 ]] && echo ' and [::1]'):" \
    "HTTP $http_port, HTTPS $https_port, MTLS $mtls_port, UNTRUSTED $untrusted_port"
}

# --- Main --------------------------------------------------------------------

if [[ $# -lt 2 || ($1 != start && $1 != stop) ]]; then
  echo "usage: $0 start DIR [NGINX] | stop DIR" >&2
  exit 2
fi
mkdir -p "$2"
dir=$(cd "$2" && pwd -P)
case $1 in
  start) start "${3:-}" ;;
  stop) stop_nginx "$dir" ;;
esac
