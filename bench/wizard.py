#!/usr/bin/env python3
"""The whole wizard, end to end: POST /orders, PATCH the steps, PATCH the CSR, commander.

Usage: wizard.py BASE_URL PAIRS_FILE CSR_PEM_FILE SECONDS CONNECTIONS
Each of CONNECTIONS threads keeps one HTTP/1.1 connection and submits orders one after the
other with a token from PAIRS_FILE. Prints one RESULT line: orders/s, p50/p99 of one whole
order (4 requests), and how many requests did not answer as expected.
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

base, pairs_file, csr_file, seconds, connections = sys.argv[1:6]
seconds, connections = float(seconds), int(connections)
url = urlparse(base)
tokens = sorted({line.split()[0] for line in open(pairs_file) if line.strip()})
csr_pem = open(csr_file).read()
STEPS = json.dumps({
    "authority": "certigna-ssl", "partner": {"type": "none"}, "duration_months": 12,
    "holder": {"type": "self"}, "payment": {"method": "bank_transfer"},
    "terms": {"version": "CGU-2026-09"},
})
CSR = json.dumps({"generation_method": "csr", "csr_pem": csr_pem})

lock = threading.Lock()
latencies, failures = [], [0]
deadline = time.monotonic() + seconds


def worker(i):
    token = tokens[i % len(tokens)]
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def call(method, path, body, expected):
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        if res.status != expected:
            raise RuntimeError(f"{method} {path}: {res.status} {data[:200]!r}")
        return data

    mine, bad = [], 0
    while time.monotonic() < deadline:
        start = time.monotonic()
        try:
            order = json.loads(call("POST", "/orders", "", 201))
            path = "/orders/" + order["id"]
            call("PATCH", path, STEPS, 200)
            call("PATCH", path, CSR, 200)
            done = json.loads(call("POST", path + "/commander", "{}", 200))
            if done.get("status") != "submitted":
                raise RuntimeError("not submitted: " + str(done.get("status")))
            mine.append(time.monotonic() - start)
        except Exception as e:  # noqa: BLE001 - counted and reported
            bad += 1
            if bad <= 2:
                print("wizard error:", e, file=sys.stderr)
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    with lock:
        latencies.extend(mine)
        failures[0] += bad


start = time.monotonic()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
latencies.sort()


def pct(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0


print(f"RESULT requests={len(latencies)} rps={len(latencies) / elapsed:.1f} "
      f"p50_ms={pct(0.50):.2f} p99_ms={pct(0.99):.2f} non2xx={failures[0]} socket_errors=0")
