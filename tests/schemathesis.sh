#!/bin/sh
# Fuzz the live API from its own OpenAPI document with every schemathesis check on (see
# schemathesis.toml): starts `posko serve` on free ports in a throwaway data directory, runs
# `schemathesis run <url>/api/openapi.json --checks all`, stops the server, exits with
# schemathesis' status. Usage: tests/schemathesis.sh [extra schemathesis options]
set -u
BIN=${BIN:-.venv/bin}
DATA=$(mktemp -d)
PORTS=$($BIN/python -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
HTTP=${PORTS% *}
WS=${PORTS#* }
KEY=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(32))')
POSKO_DATA_DIR=$DATA POSKO_HTTP_PORT=$HTTP POSKO_WS_PORT=$WS POSKO_API_KEY=$KEY \
    $BIN/python -m posko serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
$BIN/python - "$HTTP" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 60
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("posko serve did not start")
        time.sleep(0.2)
PY
$BIN/schemathesis run "http://127.0.0.1:$HTTP/api/openapi.json" --checks all \
    -H "Authorization: Bearer $KEY" "$@"
