#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The filter-chain benchmark (issue 3): meshgate's throughput with the full chain
# (JWT RS256 verification + AuthorizationPolicy + RateLimitPolicy) as a ratio of
# its plain proxying, in one run, against the same nginx origin.
#
# One meshgate process has two listeners: "plain" (routing only) and "chain"
# (RequestAuthentication + ALLOW/DENY AuthorizationPolicy + a rate limit that is
# evaluated on every request but never trips). Every target gets the same
# request bytes (a Host header choosing the listener's VirtualService and an
# Authorization header), so only the chain differs. Three targets per round,
# interleaved over R rounds:
#   plain     routing only
#   chain-1   the chain; every request carries the same token (the verification
#             cache answers after the first; Envoy's jwt_cache_config default)
#   chain-N   the chain; TOKENS distinct tokens in rotation, more than the
#             cache holds (100), so every request verifies an RS256 signature
#
#   bench/chain.sh                     # R=3, DURATION=10
#   R=5 TOKENS=1000 bench/chain.sh
set -euo pipefail
R=${R:-3}
DURATION=${DURATION:-10}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-64}
TOKENS=${TOKENS:-1000}
CORES=${CORES:-$(nproc)}
# TARGETS: a subset of "plain chain-1 chain-N" (the ratio needs plain).

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in wrk nginx openssl python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
./scripts/build.sh release meshgate >/dev/null
bin="$root/build/release/src/cli/meshgate"

work=$(mktemp -d /tmp/meshgate-chain.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {  # wait_http URL: bounded (10 s)
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; return 1
}

# ------------------------------------------------------------- keys and tokens
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/key.pem" 2>/dev/null
python3 - "$work" "$TOKENS" <<'PY'
import base64, json, subprocess, sys, time
work, count = sys.argv[1], int(sys.argv[2])
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
mod = subprocess.run(["openssl", "rsa", "-in", f"{work}/key.pem", "-noout", "-modulus"],
                     capture_output=True, text=True, check=True).stdout.strip().split("=", 1)[1]
jwks = {"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
                  "n": b64(bytes.fromhex(mod)), "e": "AQAB"}]}
open(f"{work}/jwks.json", "w").write(json.dumps(jwks))
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "bench"}).encode())
exp = int(time.time()) + 86400
with open(f"{work}/tokens.txt", "w") as out:
    for i in range(max(count, 1)):
        payload = b64(json.dumps({"iss": "https://issuer.bench", "sub": f"user-{i}",
                                  "aud": "bench", "exp": exp, "roles": ["reader"]}).encode())
        signing_input = f"{header}.{payload}".encode()
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{work}/key.pem"],
                             input=signing_input, capture_output=True, check=True).stdout
        out.write(f"{header}.{payload}.{b64(sig)}\n")
PY
head -n 1 "$work/tokens.txt" >"$work/token1.txt"

# ------------------------------------------------------------------ the origin
origin_port=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes $CORES;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$origin_port reuseport;
    location / { default_type text/plain; return 200 "$(printf '%064d' 0)"; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_http "http://127.0.0.1:$origin_port/"

# -------------------------------------------------------------------- meshgate
plain_port=$(free_port)
chain_port=$(free_port)
admin_port=$(free_port)
jwks=$(cat "$work/jwks.json")
cat >"$work/meshgate.yaml" <<YAML
apiVersion: meshgate.io/v1
kind: Admin
metadata: {name: admin}
spec: {address: 127.0.0.1, port: $admin_port}
---
apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: plain}
spec:
  address: 127.0.0.1
  port: $plain_port
  hosts: [plain.bench]
  workload: {labels: {app: plain}}
  accessLog: {path: "off"}
---
apiVersion: meshgate.io/v1
kind: Listener
metadata: {name: chain}
spec:
  address: 127.0.0.1
  port: $chain_port
  hosts: [chain.bench]
  workload: {labels: {app: chain}}
  accessLog: {path: "off"}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: origin}
spec:
  hosts: [origin.bench]
  ports: [{number: $origin_port, name: http}]
  resolution: STATIC
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: plain}
spec:
  hosts: [plain.bench]
  http:
  - route: [{destination: {host: origin.bench}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: chain}
spec:
  hosts: [chain.bench]
  http:
  - route: [{destination: {host: origin.bench}}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt}
spec:
  selector: {matchLabels: {app: chain}}
  jwtRules:
  - issuer: https://issuer.bench
    audiences: [bench]
    jwks: '$jwks'
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-admin}
spec:
  selector: {matchLabels: {app: chain}}
  action: DENY
  rules:
  - to: [{operation: {paths: ["/admin", "/admin/*"]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: readers}
spec:
  selector: {matchLabels: {app: chain}}
  action: ALLOW
  rules:
  - from: [{source: {requestPrincipals: ["https://issuer.bench/*"]}}]
    to: [{operation: {methods: [GET, HEAD], paths: ["/api/*"]}}]
    when: [{key: "request.auth.claims[roles]", values: [reader, writer]}]
---
apiVersion: meshgate.io/v1
kind: RateLimitPolicy
metadata: {name: chain-total}
spec:
  targets: [{virtualService: chain}]
  limit: {requestsPerUnit: 100000000, unit: SECOND}
YAML
"$bin" validate "$work/meshgate.yaml" >/dev/null
"$bin" run -c "$work/meshgate.yaml" --concurrency "$CORES" --no-watch --log-level warn &
mg_pid=$!
pids+=("$mg_pid")
wait_http "http://127.0.0.1:$admin_port/ready"

cat >"$work/req.lua" <<'LUA'
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local host = os.getenv("BENCH_HOST")
local i = 0
function init(args)
  i = math.random(#tokens) - 1
end
function request()
  i = i % #tokens + 1
  return wrk.format("GET", "/api/items", {["Host"] = host, ["Authorization"] = "Bearer " .. tokens[i]})
end
LUA

# Sanity: each target answers 200 (and the chain denies what it should).
check() {  # check HOST TOKENFILE PATH EXPECTED
  local port=$plain_port; [[ $1 == chain.bench ]] && port=$chain_port
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $1" \
        -H "Authorization: Bearer $(head -n 1 "$2")" "http://127.0.0.1:$port$3")
  [[ $got == "$4" ]] || { echo "sanity: $1$3 answered $got, expected $4" >&2; exit 1; }
}
check plain.bench "$work/token1.txt" /api/items 200
check chain.bench "$work/token1.txt" /api/items 200
check chain.bench "$work/token1.txt" /admin/x 403
echo "garbage" >"$work/bad.txt"
check chain.bench "$work/bad.txt" /api/items 401

cpu_ticks() { awk '{print $14 + $15}' "/proc/$mg_pid/stat"; }
run() {  # run TARGET -> "rps cpu_us_per_request"
  local host=plain.bench port=$plain_port tokens=$work/token1.txt
  case $1 in
    chain-1) host=chain.bench port=$chain_port ;;
    chain-N) host=chain.bench port=$chain_port tokens=$work/tokens.txt ;;
  esac
  local t0 out rps reqs t1 non2xx
  t0=$(cpu_ticks)
  out=$(BENCH_HOST=$host BENCH_TOKENS=$tokens timeout $((DURATION + 30)) \
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$DURATION"s --timeout 5s -s "$work/req.lua" \
        "http://127.0.0.1:$port/")
  t1=$(cpu_ticks)
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [[ -z $non2xx ]] || { echo "$1: $non2xx non-2xx responses" >&2; exit 1; }
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  awk -v r="$rps" -v n="$reqs" -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "%s %.1f\n", r, d / hz * 1e6 / n}'
}

read -r -a targets <<<"${TARGETS:-plain chain-1 chain-N}"
for t in "${targets[@]}"; do run "$t" >/dev/null; done  # warm-up
declare -A results
for round in $(seq "$R"); do
  for t in "${targets[@]}"; do
    read -r rps cpu < <(run "$t")
    results[$t]+="$rps $cpu,"
    printf '[round %d] %-8s %10.0f req/s  %6.1f us CPU/req\n' "$round" "$t" "$rps" "$cpu" >&2
  done
done

median() { tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo
echo "== meshgate filter chain, medians over R=$R rounds (wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s, $CORES workers, $TOKENS tokens for chain-N)"
printf '%-8s %12s %10s %14s\n' target req/s "vs plain" "CPU us/req"
plain_rps=$(tr ',' '\n' <<<"${results[plain]}" | awk 'NF {print $1}' | median)
for t in "${targets[@]}"; do
  rps=$(tr ',' '\n' <<<"${results[$t]}" | awk 'NF {print $1}' | median)
  cpu=$(tr ',' '\n' <<<"${results[$t]}" | awk 'NF {print $2}' | median)
  awk -v t="$t" -v r="$rps" -v p="$plain_rps" -v c="$cpu" \
    'BEGIN {printf "%-8s %12.0f %9.1f%% %14.1f\n", t, r, 100 * r / p, c}'
done
curl -s "http://127.0.0.1:$admin_port/metrics" |
  grep -E '^meshgate_(jwt_authn_jwt_cache_(hits|misses)_total|authz_[a-z_]*total|ratelimit_[a-z_]*total)' |
  sed 's/^/  /' || true
