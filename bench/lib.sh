# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared plumbing for the bench scripts that start their own loopback peers
# (latency-floor.sh, busy-poll-cost.sh). Source it after setting `name` and `root`:
#
#   name=latency-floor; source "$root/bench/lib.sh"
#
# It makes $work (removed on exit), kills every pid pushed onto `pids` on exit,
# and offers free_port, wait_http, start_origin and start_meshgate.
: "${name:?set name before sourcing bench/lib.sh}"
: "${root:?set root (the repository) before sourcing bench/lib.sh}"
work=$(mktemp -d "/tmp/$name.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http PORT: bounded wait until the port answers
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
    # A bounded poll of readiness, not a sleep standing in for it.
    sleep 0.05
  done
  echo "$name: port $1 never answered" >&2
  exit 1
}

# start_origin WORKERS: an nginx origin answering every request with 64 bytes
# over keep-alive; sets origin_port.
start_origin() {
  origin_port=$(free_port)
  local body
  body=$(head -c 64 </dev/zero | tr '\0' x)
  cat >"$work/nginx.conf" <<CONF
worker_processes $1;
daemon off;
error_log $work/nginx.err;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$origin_port; location / { return 200 "$body"; } }
}
CONF
  nginx -c "$work/nginx.conf" -p "$work" &
  pids+=($!)
}

# start_meshgate TAG [ARGS...]: meshgate (the release build, $bin) in front of the
# origin with bench/meshgate-bench-config.sh, CORES workers and ARGS added to
# `run`; logs to $work/TAG.log. Sets mg_port and mg_pid.
start_meshgate() {
  : "${bin:?start_meshgate needs bin, the meshgate binary}"
  local tag=$1
  shift
  mg_port=$(free_port)
  PORT=$mg_port UPSTREAM_HOST=127.0.0.1 UPSTREAM_PORT=$origin_port \
    bin="$bin" "$root/bench/meshgate-bench-config.sh" "$work/$tag.yaml"
  "$bin" run -c "$work/$tag.yaml" --concurrency "$CORES" --no-watch --log-level warn "$@" \
    >"$work/$tag.log" 2>&1 &
  mg_pid=$!
  pids+=("$mg_pid")
}
