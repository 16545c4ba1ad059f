# Sourced, not run: what the servers of test/support/nginx_fixture.sh,
# test/support/tls_fixture.sh and bench/run share, each function once.
#
# The sourcing script sets
#   fixture_name  the prefix of its log lines
#   dir           the absolute directory its files live in (fixture_main
#                 sets it from the command line)
# and, before start_nginx, port_low, port_span, port_count, port_attempts
# and a function write_nginx_config BASE that writes DIR/nginx.conf for the
# ports BASE .. BASE+port_count-1.
# shellcheck shell=bash disable=SC2154 # those variables are the script's

log() { printf '%s: %s\n' "$fixture_name" "$*" >&2; }
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

# show_logs FILE...: each FILE that is not empty, indented, on stderr.
show_logs() {
  local file
  for file in "$@"; do
    if [[ -s $file ]]; then
      log "--- $file:"
      sed 's/^/    /' "$file" >&2
    fi
  done
}

# find_tools [NGINX]: sets nginx to NGINX or to the one found; needs openssl.
find_tools() {
  nginx=${1:-}
  if [[ -z $nginx ]]; then
    # sbin is not on every user's PATH.
    nginx=$(PATH=$PATH:/usr/sbin:/usr/local/sbin command -v nginx) \
      || die "nginx not found: install Debian's nginx (scripts/bootstrap does)"
  fi
  [[ -x $nginx ]] || die "nginx not found at $nginx"
  command -v openssl >/dev/null || die "openssl not found: install Debian's openssl"
}

# fixture_main ARGS...: the command line of a fixture script, "start DIR
# [NGINX]" or "stop DIR": sets dir, then calls the script's fixture_start
# NGINX or fixture_stop.
fixture_main() {
  if [[ $# -lt 2 || ($1 != start && $1 != stop) ]]; then
    echo "usage: $0 start DIR [NGINX] | stop DIR" >&2
    exit 2
  fi
  mkdir -p "$2"
  dir=$(cd "$2" && pwd -P)
  case $1 in
    start) fixture_start "${3:-}" ;;
    stop) fixture_stop ;;
  esac
}

# write_fixture_env: stdin (NAME=VALUE lines) becomes DIR/fixture.env by a
# rename, so that a test never reads half a file.
write_fixture_env() {
  cat >"$dir/fixture.env.new"
  mv "$dir/fixture.env.new" "$dir/fixture.env"
}

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

# runs PID WORD...: PID is alive and its command line holds every WORD, so
# that a pid recycled by another program is left alone.
runs() {
  local pid=$1 cmdline word
  shift
  alive "$pid" || return 1
  cmdline=$(read_proc "/proc/$pid/cmdline") || return 1
  for word in "$@"; do
    [[ $cmdline == *"$word"* ]] || return 1
  done
}

# pid_in FILE WORD...: the pid that FILE holds, if that process runs WORD...
pid_in() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && runs "$pid" "${@:2}" && echo "$pid"
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

# stop_pids WHAT PID...: TERM, then KILL after 5 s; fails if one of PID...
# outlives that too.
stop_pids() {
  local what=$1 pid
  shift
  kill -TERM "$@" 2>/dev/null || true
  wait_gone 5 "$@" && return 0
  log "$what did not stop within 5 s of TERM; sending KILL"
  kill -KILL "$@" 2>/dev/null || true
  wait_gone 5 "$@" && return 0
  for pid in "$@"; do
    alive "$pid" && log "process $pid is still alive"
  done
  return 1
}

# stop_pid_file FILE WORD...: stops the process FILE names if it runs
# WORD..., then removes FILE.
stop_pid_file() {
  local pid
  if pid=$(pid_in "$@"); then
    stop_pids "$2 ($pid)" "$pid" || return 1
  fi
  rm -f "$1"
}

# nginx_masters: the pid of each nginx master started with DIR/nginx.conf.
nginx_masters() {
  local conf=$dir/nginx.conf pid cmdline
  pid_in "$dir/nginx.pid" "$conf" && return
  # No pid file (a start that failed half-way): look for the command line,
  # which names this directory's own configuration file.
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}
    pid=${pid%/cmdline}
    if [[ $(read_proc "$cmdline") == *nginx*"$conf"* ]] && alive "$pid"; then
      echo "$pid"
    fi
  done
}

# stop_nginx: stops the nginx started in DIR, master and workers, and
# removes its pid file. Safe when nothing runs.
stop_nginx() {
  local pids=()
  mapfile -t pids < <(nginx_masters)
  if ((${#pids[@]} > 0)); then
    # The workers too: a master killed by KILL leaves them behind.
    mapfile -t -O "${#pids[@]}" pids < <(children "${pids[@]}")
    log "stopping nginx (pids ${pids[*]})"
    stop_pids nginx "${pids[@]}" || return 1
  fi
  rm -f "$dir/nginx.pid"
}

# --- Certificates ------------------------------------------------------------
# These run in the PKI directory, where write_openssl_config put openssl.cnf.

# write_openssl_config: openssl.cnf with the extension sections every PKI
# here uses: authority (a CA) and client; server_extensions adds servers'.
write_openssl_config() {
  cat >openssl.cnf <<'EOF'
# The test PKI's extensions; nothing is taken from the system openssl.cnf.
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
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# server_extensions NAME SAN: appends to openssl.cnf the section NAME, a
# server certificate's extensions with the subjectAltName SAN.
server_extensions() {
  cat >>openssl.cnf <<EOF
[$1]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
}

# new_key FILE: an EC P-256 key (instant to make, unlike RSA).
new_key() {
  quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}

# new_self_signed NAME SUBJECT EXTENSIONS: NAME.key and the self-signed
# NAME.pem, with the openssl.cnf section EXTENSIONS.
new_self_signed() {
  new_key "$1.key"
  quiet openssl req -x509 -new -config openssl.cnf -extensions "$3" -key "$1.key" \
    -subj "$2" -sha256 -days 3650 -out "$1.pem"
}

# new_ca NAME SUBJECT: NAME.key and the self-signed CA certificate NAME.pem.
new_ca() {
  new_self_signed "$1" "$2" authority
}

# new_request NAME SUBJECT: NAME.key and a signing request for it, NAME.csr.
new_request() {
  new_key "$1.key"
  quiet openssl req -new -config openssl.cnf -key "$1.key" -subj "$2" -out "$1.csr"
}

# new_leaf NAME SUBJECT CA EXTENSIONS: NAME.key and NAME.pem, signed by CA
# (CA.pem, CA.key) for ten years.
new_leaf() {
  new_request "$1" "$2"
  quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
    -set_serial "0x$(openssl rand -hex 12)" -sha256 -days 3650 \
    -extfile openssl.cnf -extensions "$4" -out "$1.pem"
  rm -f "$1.csr"
}

# --- nginx -------------------------------------------------------------------

# nginx_main_context: the main-context lines of every nginx here: one
# worker, a daemon, its pid file and error log in DIR.
nginx_main_context() {
  cat <<EOF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
EOF
  # As root, nginx would run its worker as nobody, who may not read DIR:
  # keep the current user.
  if [[ $(id -u) -eq 0 ]]; then
    echo "user $(id -un) $(id -gn);"
  fi
}

# nginx_temp_paths: http-context lines that keep nginx's temporary files in
# DIR/temp rather than its compiled-in paths, which not everyone may write.
nginx_temp_paths() {
  cat <<EOF
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
EOF
}

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

# start_nginx: starts $nginx on port_count consecutive free ports and sets
# nginx_base, the first. The first guess comes from a hash of DIR, so that
# two directories differ; then the next ports while some are taken. Returns
# once nginx has written its pid file. A caller whose write_nginx_config
# also listens on [::1] when ipv6=1 gets ipv6=0 if ::1 cannot be bound.
start_nginx() {
  local attempt first args=(-p "$dir/" -c "$dir/nginx.conf") steps=250
  # The error log from the start, not the default path (not writable by all).
  if "$nginx" -h 2>&1 | grep -q -- '^ *-e '; then
    args+=(-e "$dir/error.log")
  fi
  first=$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
  for ((attempt = 0; attempt < port_attempts; ++attempt)); do
    nginx_base=$((port_low + (first + attempt) % (port_span / port_count) * port_count))
    ports_free "$nginx_base" || continue
    write_nginx_config "$nginx_base"
    : >"$dir/error.log"
    if "$nginx" "${args[@]}" </dev/null >"$dir/start.log" 2>&1; then
      # The parent returns before the daemon writes its pid file.
      until [[ -s $dir/nginx.pid ]]; do
        ((steps-- > 0)) || die "nginx wrote no pid file ($dir/nginx.pid) within 5 s"
        sleep 0.02
      done
      return 0
    fi
    # ::1 exists but cannot be bound (IPv6 disabled in a container):
    # IPv4 only, same ports.
    if [[ ${ipv6:-0} == 1 ]] && grep -q 'bind() to \[::1\].*Cannot assign requested address' \
         "$dir/start.log" "$dir/error.log" 2>/dev/null; then
      log "cannot listen on [::1]; serving on 127.0.0.1 only"
      ipv6=0
      attempt=$((attempt - 1))
      continue
    fi
    # Taken between the check and nginx's bind(): try the next ports.
    grep -q 'Address already in use' "$dir/start.log" "$dir/error.log" 2>/dev/null \
      || die "nginx did not start ($nginx ${args[*]})"
    log "ports $nginx_base-$((nginx_base + port_count - 1)) are taken; trying others"
  done
  die "found no free ports for nginx in $port_attempts attempts"
}

# --- Requests ----------------------------------------------------------------
# Their errors go to DIR/check.log, which a failed start shows.

# http_get PORT TARGET: the whole response to a GET over plain HTTP.
http_get() {
  local fd response
  # The braces keep the redirection of stderr from outliving the exec.
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>>"$dir/check.log" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&"$fd"
  response=$(timeout 5 cat <&"$fd") || true
  exec {fd}>&-
  printf '%s' "$response"
}

# https_get PORT TARGET [S_CLIENT ARGS]: the same over TLS with openssl
# s_client, which verifies only what S_CLIENT ARGS ask for.
https_get() {
  local port=$1 target=$2
  shift 2
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$target" \
    | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost \
        "$@" 2>>"$dir/check.log"
}
