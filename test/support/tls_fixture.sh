#!/usr/bin/env bash
# Usage: tls_fixture.sh start DIR [NGINX]
#        tls_fixture.sh stop DIR
#
# The servers of CTest's `tls_matrix` fixture (test/CMakeLists.txt), which
# test/tls_matrix_test.cpp finds through test/support/tls_fixture.hpp.
# Everything lives under DIR; nothing outside it is written.
#
# start
#   Stops what an earlier run left in DIR, then makes pki/ with the openssl
#   command: a test CA ("ca") and an unrelated one ("other-ca"), a client
#   certificate signed by ca, and one server certificate per case below (all
#   P-256). Then starts, on 127.0.0.1 only:
#     nginx, one port per server certificate (see `cases`); each port answers
#       any request with "hello, tls\n" (Content-Length) and keeps alive;
#     openssl s_server -www with `valid`, on ports the kernel picks: TLS 1.1
#       only (tls11); TLS 1.2 (mtls) and TLS 1.3 (mtls13) that require a
#       client certificate signed by ca.
#   Writes DIR/fixture.env (NAME=VALUE lines: every port and file) last, and
#   returns once every server answers. On failure: prints the logs, stops
#   what it started, exits non-zero.
#
# stop
#   Stops the servers started in DIR: TERM, then KILL after 5 s. Safe when
#   nothing runs.
set -euo pipefail

# name  issuer  extension section (of openssl.cnf)  validity
# Each subject CN is "httpc matrix NAME", which no test connects with: names
# are matched in the SAN, and OpenSSL falls back to the CN only when the SAN
# holds no DNS entry.
readonly cases=(
  "valid            ca        server        now"
  "expired          ca        server        past"
  "not-yet-valid    ca        server        future"
  "self-signed      self      server        now"
  "untrusted        other-ca  server        now"
  "wrong-name       ca        wrong_name    now"
  "partial-wildcard ca        partial_star  now"
  "wildcard         ca        full_star     now"
  "dns-only         ca        dns_only      now"
  "ip-only          ca        ip_only       now"
)
readonly port_low=10000   # nginx's ports come from [port_low, port_low + port_span),
readonly port_span=10000  # away from the nginx fixture's and the ephemeral range
readonly port_count=${#cases[@]}
readonly port_attempts=25
readonly s_servers=(tls11 mtls mtls13)
declare -A s_server_ports

log() { printf 'tls fixture: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# quiet COMMAND...: runs COMMAND, showing its output only when it fails.
quiet() {
  local output
  if ! output=$("$@" 2>&1); then
    log "failed: $*"
    printf '%s\n' "$output" | sed 's/^/    /' >&2
    return 1
  fi
}

# --- Processes ---------------------------------------------------------------

# alive PID COMMAND: PID runs and its command line holds COMMAND and DIR (a
# recycled pid is left alone).
alive() {
  local cmdline
  [[ -r /proc/$1/cmdline ]] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$2"* && $cmdline == *"$dir"* ]]
}

# stop_pid FILE COMMAND: stops the process whose pid FILE holds, if it is COMMAND.
stop_pid() {
  local pid steps=250
  [[ -s $1 ]] || return 0
  pid=$(<"$1")
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" "$2"; then
    kill -TERM "$pid" 2>/dev/null || true
    while alive "$pid" "$2" && ((steps-- > 0)); do sleep 0.02; done
    if alive "$pid" "$2"; then
      log "$2 ($pid) ignored TERM for 5 s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}

stop_all() {
  rm -f "$dir/fixture.env"
  # nginx's master stops its worker itself.
  stop_pid "$dir/nginx.pid" nginx
  local name
  for name in "${s_servers[@]}"; do stop_pid "$dir/$name.pid" s_server; done
}

# --- Certificates ------------------------------------------------------------

write_openssl_config() {
  cat >openssl.cnf <<'EOF'
# The matrix's CA database and extensions; nothing from the system openssl.cnf.
[ca]
default_ca = matrix
[matrix]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
[authority]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
  # The server certificates' sections: the same extensions, each its own SAN.
  # "127.0.1" resolves to 127.0.0.1 (inet_aton's short form) yet is no
  # address literal, so it is checked as a DNS name: it matches "1*.0.1"
  # only as a partial wildcard, "*.0.1" as a whole-label one.
  local section
  for section in "server DNS:localhost, IP:127.0.0.1, IP:::1" "wrong_name DNS:wrong.test" \
                 "partial_star DNS:1*.0.1" "full_star DNS:*.0.1" "dns_only DNS:localhost" \
                 "ip_only IP:127.0.0.1, IP:::1"; do
    cat >>openssl.cnf <<EOF
[${section%% *}]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = ${section#* }
EOF
  done
}

new_key() {
  quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

# new_ca NAME: NAME.key and the self-signed NAME.pem.
new_ca() {
  new_key "$1"
  quiet openssl req -x509 -new -config openssl.cnf -extensions authority -key "$1.key" \
    -subj "/O=httpc tests/CN=httpc matrix $1" -sha256 -days 3650 -out "$1.pem"
}

# new_leaf NAME ISSUER EXTENSIONS VALIDITY: NAME.key and NAME.pem. ISSUER
# "self" signs with the leaf's own key; VALIDITY is now, past or future.
new_leaf() {
  local dates=(-days 3650)
  new_key "$1"
  if [[ $2 == self ]]; then
    quiet openssl req -x509 -new -config openssl.cnf -extensions "$3" -key "$1.key" \
      -subj "/O=httpc tests/CN=httpc matrix $1" -sha256 -days 3650 -out "$1.pem"
    return
  fi
  case $4 in
    past) dates=(-startdate 20200101000000Z -enddate 20200201000000Z) ;;
    future) dates=(-startdate 20900101000000Z -enddate 20910101000000Z) ;;
  esac
  quiet openssl req -new -config openssl.cnf -key "$1.key" \
    -subj "/O=httpc tests/CN=httpc matrix $1" -out "$1.csr"
  # `openssl ca`, not `x509 -req`: OpenSSL 3.0's x509 cannot set the dates.
  quiet openssl ca -batch -notext -config openssl.cnf -cert "$2.pem" -keyfile "$2.key" \
    -extfile openssl.cnf -extensions "$3" "${dates[@]}" -in "$1.csr" -out "$1.pem"
  rm -f "$1.csr"
}

make_pki() {
  mkdir -p "$1"
  (
    cd "$1"
    write_openssl_config
    mkdir -p issued
    : >index.txt
    openssl rand -hex 8 >serial
    new_ca ca
    new_ca other-ca
    new_leaf client ca client now
    local line
    for line in "${cases[@]}"; do
      # shellcheck disable=SC2086 # the fields are words
      set -- $line
      new_leaf "$1" "$2" "$3" "$4"
    done
  )
}

# --- nginx -------------------------------------------------------------------

write_nginx_config() {
  local port=$1 line
  {
    echo "# Written by test/support/tls_fixture.sh; rewritten at each start."
    cat <<EOF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
EOF
    # As root, nginx would run its worker as nobody.
    [[ $(id -u) -eq 0 ]] && echo "user $(id -un) $(id -gn);"
    cat <<EOF
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  ssl_protocols TLSv1.2 TLSv1.3;
  default_type text/plain;
EOF
    for line in "${cases[@]}"; do
      cat <<EOF
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $dir/pki/${line%% *}.pem;
    ssl_certificate_key $dir/pki/${line%% *}.key;
    location / { return 200 "hello, tls\n"; }
  }
EOF
      port=$((port + 1))
    done
    echo "}"
  } >"$dir/nginx.conf"
}

# ports_free BASE: none of BASE .. BASE+port_count-1 is listened on.
ports_free() {
  local taken port
  command -v ss >/dev/null || return 0
  taken=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
  for ((port = $1; port < $1 + port_count; ++port)); do
    grep -qx "$port" <<<"$taken" && return 1
  done
  return 0
}

# start_nginx NGINX: sets nginx_base, the first of its consecutive ports.
start_nginx() {
  local attempt first args=(-p "$dir/" -c "$dir/nginx.conf")
  # The error log from the start, not the default path (not writable by all).
  "$1" -h 2>&1 | grep -q -- '^ *-e ' && args+=(-e "$dir/error.log")
  first=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
  for ((attempt = 0; attempt < port_attempts; ++attempt)); do
    nginx_base=$((port_low + (first + attempt) % (port_span / port_count) * port_count))
    ports_free "$nginx_base" || continue
    write_nginx_config "$nginx_base"
    : >"$dir/error.log"
    if "$1" "${args[@]}" </dev/null >"$dir/start.log" 2>&1; then
      return 0
    fi
    # Taken between the check and nginx's bind(): try the next ports.
    grep -q 'Address already in use' "$dir/start.log" "$dir/error.log" 2>/dev/null \
      || die "nginx did not start ($1 ${args[*]})"
  done
  die "found no free ports for nginx in $port_attempts attempts"
}

# --- openssl s_server --------------------------------------------------------

# start_s_server NAME ARGS...: s_server on a port the kernel picks, which it
# prints ("ACCEPT 127.0.0.1:PORT"), into s_server_ports[NAME].
start_s_server() {
  local name=$1 steps=250 port
  shift
  setsid openssl s_server -accept 127.0.0.1:0 -www -cert "$dir/pki/valid.pem" \
    -key "$dir/pki/valid.key" "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  until grep -q '^ACCEPT ' "$dir/$name.log"; do
    alive "$(<"$dir/$name.pid")" s_server || die "s_server $name exited"
    ((steps-- > 0)) || die "s_server $name did not listen within 5 s"
    sleep 0.02
  done
  port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$dir/$name.log")
  [[ $port =~ ^[0-9]+$ ]] || die "s_server $name: no port in its output"
  s_server_ports[$name]=$port
}

# --- Checks ------------------------------------------------------------------

# answers PORT ARGS...: an HTTPS GET with openssl s_client answers 200.
answers() {
  local port=$1
  shift
  printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' \
    | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost \
        "$@" 2>>"$dir/check.log" | grep -q '^HTTP/1.[01] 200'
}

check_servers() {
  local line port=$nginx_base name
  for line in "${cases[@]}"; do
    answers "$port" || die "nginx's ${line%% *} port $port does not answer"
    port=$((port + 1))
  done
  answers "${s_server_ports[tls11]}" -tls1_1 -cipher DEFAULT@SECLEVEL=0 \
    || die "s_server tls11 does not answer"
  for name in mtls mtls13; do
    answers "${s_server_ports[$name]}" -cert "$dir/pki/client.pem" -key "$dir/pki/client.key" \
      || die "s_server $name port ${s_server_ports[$name]} does not answer"
  done
}

write_fixture_env() {
  local line port=$nginx_base name
  {
    for line in "${cases[@]}"; do
      name=${line%% *}
      name=${name//-/_}
      echo "HTTPC_TLS_${name^^}_PORT=$port"
      port=$((port + 1))
    done
    for name in "${s_servers[@]}"; do echo "HTTPC_TLS_${name^^}_PORT=${s_server_ports[$name]}"; done
    echo "HTTPC_TLS_PKI=$dir/pki"
  } >"$dir/fixture.env.new"
  mv "$dir/fixture.env.new" "$dir/fixture.env"
}

start() {
  local nginx=${1:-} status
  if [[ -z $nginx ]]; then
    nginx=$(PATH=$PATH:/usr/sbin:/usr/local/sbin command -v nginx) \
      || die "nginx not found: install Debian's nginx (scripts/bootstrap does)"
  fi
  command -v openssl >/dev/null || die "openssl not found: install Debian's openssl"
  stop_all
  rm -rf "$dir/pki" "$dir/temp"
  rm -f "$dir"/*.log "$dir/nginx.conf"
  mkdir -p "$dir/temp"
  make_pki "$dir/pki"

  trap 'status=$?; if [[ $status -ne 0 ]]; then
          for f in "$dir"/*.log; do log "--- $f:"; sed "s/^/    /" "$f" >&2; done
          stop_all; fi' EXIT
  start_nginx "$nginx"
  # TLS 1.1 needs security level 0 in OpenSSL 3.0 (its signatures use SHA-1).
  start_s_server tls11 -tls1_1 -cipher DEFAULT@SECLEVEL=0
  # A client certificate signed by ca required. Without one, TLS 1.2 fails
  # the handshake itself; TLS 1.3 tells the client only after its side of
  # the handshake has finished, with an alert.
  start_s_server mtls -tls1_2 -Verify 1 -verify_return_error -CAfile "$dir/pki/ca.pem"
  start_s_server mtls13 -tls1_3 -Verify 1 -verify_return_error -CAfile "$dir/pki/ca.pem"
  local steps=250
  until [[ -s $dir/nginx.pid ]]; do
    ((steps-- > 0)) || die "nginx wrote no pid file within 5 s"
    sleep 0.02
  done
  check_servers
  write_fixture_env
  trap - EXIT
  log "nginx on 127.0.0.1:$nginx_base-$((nginx_base + port_count - 1))," \
    "s_server tls11 ${s_server_ports[tls11]}, mtls ${s_server_ports[mtls]}," \
    "mtls13 ${s_server_ports[mtls13]}"
}

if [[ $# -lt 2 || ($1 != start && $1 != stop) ]]; then
  echo "usage: $0 start DIR [NGINX] | stop DIR" >&2
  exit 2
fi
mkdir -p "$2"
dir=$(cd "$2" && pwd -P)
case $1 in
  start) start "${3:-}" ;;
  stop) stop_all ;;
esac
