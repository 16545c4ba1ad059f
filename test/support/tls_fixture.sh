#!/usr/bin/env bash
# Usage: tls_fixture.sh start DIR [NGINX]
#        tls_fixture.sh stop DIR
#
# The servers of CTest's `tls_matrix` fixture (test/CMakeLists.txt), which
# test/integration/tls_matrix_test.cpp finds through test/support/tls_fixture.hpp.
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
#
# What this script shares with the other fixture and bench/run (processes,
# certificates, ports, starting nginx) is in fixture_lib.sh, next to it.
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
readonly fixture_name="tls fixture"
readonly port_low=10000   # nginx's ports come from [port_low, port_low + port_span),
readonly port_span=10000  # away from the nginx fixture's and the ephemeral range
readonly port_count=${#cases[@]}
readonly port_attempts=25
readonly s_servers=(tls11 mtls mtls13)
declare -A s_server_ports

# shellcheck source-path=SCRIPTDIR source=fixture_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/fixture_lib.sh"

fixture_stop() {
  local status=0 name
  rm -f "$dir/fixture.env"
  stop_nginx || status=1
  for name in "${s_servers[@]}"; do
    stop_pid_file "$dir/$name.pid" s_server "$dir" || status=1
  done
  return "$status"
}

# --- Certificates ------------------------------------------------------------

# write_matrix_config: openssl.cnf with, besides write_openssl_config's
# sections, the CA database of `openssl ca` and one server section per SAN.
write_matrix_config() {
  write_openssl_config
  cat >>openssl.cnf <<'EOF'
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
EOF
  # "127.0.1" resolves to 127.0.0.1 (inet_aton's short form) yet is no
  # address literal, so it is checked as a DNS name: it matches "1*.0.1"
  # only as a partial wildcard, "*.0.1" as a whole-label one.
  server_extensions server "DNS:localhost, IP:127.0.0.1, IP:::1"
  server_extensions wrong_name "DNS:wrong.test"
  server_extensions partial_star "DNS:1*.0.1"
  server_extensions full_star "DNS:*.0.1"
  server_extensions dns_only "DNS:localhost"
  server_extensions ip_only "IP:127.0.0.1, IP:::1"
}

# matrix_leaf NAME ISSUER EXTENSIONS VALIDITY: NAME.key and NAME.pem. ISSUER
# "self" signs with the leaf's own key; VALIDITY is now, past or future.
matrix_leaf() {
  local subject="/O=httpc tests/CN=httpc matrix $1" dates=(-days 3650)
  if [[ $2 == self ]]; then
    new_self_signed "$1" "$subject" "$3"
    return
  fi
  case $4 in
    past) dates=(-startdate 20200101000000Z -enddate 20200201000000Z) ;;
    future) dates=(-startdate 20900101000000Z -enddate 20910101000000Z) ;;
  esac
  new_request "$1" "$subject"
  # `openssl ca`, not `x509 -req`: OpenSSL 3.0's x509 cannot set the dates.
  quiet openssl ca -batch -notext -config openssl.cnf -cert "$2.pem" -keyfile "$2.key" \
    -extfile openssl.cnf -extensions "$3" "${dates[@]}" -in "$1.csr" -out "$1.pem"
  rm -f "$1.csr"
}

make_pki() {
  mkdir -p "$1"
  (
    cd "$1"
    write_matrix_config
    mkdir -p issued
    : >index.txt
    openssl rand -hex 8 >serial
    new_ca ca "/O=httpc tests/CN=httpc matrix ca"
    new_ca other-ca "/O=httpc tests/CN=httpc matrix other-ca"
    matrix_leaf client ca client now
    local line
    for line in "${cases[@]}"; do
      # shellcheck disable=SC2086 # the fields are words
      set -- $line
      matrix_leaf "$1" "$2" "$3" "$4"
    done
  )
}

# --- nginx -------------------------------------------------------------------

# write_nginx_config BASE: one server per case, from BASE on.
write_nginx_config() {
  local port=$1 line
  {
    echo "# Written by test/support/tls_fixture.sh; rewritten at each start."
    nginx_main_context
    cat <<EOF
events { worker_connections 256; }
http {
  access_log $dir/access.log;
$(nginx_temp_paths)
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

# --- openssl s_server --------------------------------------------------------

# start_s_server NAME ARGS...: s_server on a port the kernel picks, which it
# prints ("ACCEPT 127.0.0.1:PORT"), into s_server_ports[NAME].
start_s_server() {
  local name=$1 steps=250 port
  shift
  setsid openssl s_server -accept 127.0.0.1:0 -www -cert "$dir/pki/valid.pem" \
    -key "$dir/pki/valid.key" "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
  until grep -q '^ACCEPT ' "$dir/$name.log" 2>/dev/null; do
    # Alive, not `runs`: until the child has exec'd openssl, its command
    # line is still this script's.
    alive "$(<"$dir/$name.pid")" || die "s_server $name exited"
    ((steps-- > 0)) || die "s_server $name did not listen within 5 s"
    sleep 0.02
  done
  port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$dir/$name.log")
  [[ $port =~ ^[0-9]+$ ]] || die "s_server $name: no port in its output"
  s_server_ports[$name]=$port
}

# --- Checks ------------------------------------------------------------------

# answers PORT ARGS...: an HTTPS GET with openssl s_client answers 200. It
# verifies nothing: the matrix's failures are the test's to see.
answers() {
  [[ $(https_get "$1" / "${@:2}") == HTTP/1.[01]\ 200* ]]
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

fixture_env() {
  local line port=$nginx_base name
  for line in "${cases[@]}"; do
    name=${line%% *}
    name=${name//-/_}
    echo "HTTPC_TLS_${name^^}_PORT=$port"
    port=$((port + 1))
  done
  for name in "${s_servers[@]}"; do echo "HTTPC_TLS_${name^^}_PORT=${s_server_ports[$name]}"; done
  echo "HTTPC_TLS_PKI=$dir/pki"
}

fixture_start() {
  local status
  find_tools "$1"
  fixture_stop || die "could not stop the servers left running in $dir"
  rm -rf "$dir/pki" "$dir/temp"
  rm -f "$dir"/*.log "$dir/nginx.conf"
  mkdir -p "$dir/temp"
  make_pki "$dir/pki"

  trap 'status=$?; if [[ $status -ne 0 ]]; then
          show_logs "$dir"/*.log; fixture_stop || true; fi' EXIT
  start_nginx
  # TLS 1.1 needs security level 0 in OpenSSL 3.0 (its signatures use SHA-1).
  start_s_server tls11 -tls1_1 -cipher DEFAULT@SECLEVEL=0
  # A client certificate signed by ca required. Without one, TLS 1.2 fails
  # the handshake itself; TLS 1.3 tells the client only after its side of
  # the handshake has finished, with an alert.
  start_s_server mtls -tls1_2 -Verify 1 -verify_return_error -CAfile "$dir/pki/ca.pem"
  start_s_server mtls13 -tls1_3 -Verify 1 -verify_return_error -CAfile "$dir/pki/ca.pem"
  check_servers
  fixture_env | write_fixture_env
  trap - EXIT
  log "nginx on 127.0.0.1:$nginx_base-$((nginx_base + port_count - 1))," \
    "s_server tls11 ${s_server_ports[tls11]}, mtls ${s_server_ports[mtls]}," \
    "mtls13 ${s_server_ports[mtls13]}"
}

fixture_main "$@"
