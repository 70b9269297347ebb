#!/usr/bin/env python3
"""A sign-in flood: 256 connections of wrong passwords (wrk), read from outside.

Two phases against one service process (`$CERTORDER_BIN`, else the release or debug build):
1. "spread" (FLOOD_SECONDS, default 20 s): every request from a random client address and
   for a random username — what a botnet does, and what no per-address or per-username limit
   stops — so that all of them reach the password-verification pool;
2. "one address" (half as long): the same flood from one address and one username, which the
   rate limit and the lock-out answer with 429.
During both, a prober outside the flood calls /health/live and GET /orders/{id} every 50 ms on
fresh connections. Read from outside: the peak resident memory (VmHWM of /proc/PID/status)
and the probes' latencies. Bars (SPEC §7 and issue 14): peak RSS < 100 MB, probe p99 < 1 s,
no probe failing, the service alive and signing the right user in afterwards.
"""

import os
import re
import shutil
import subprocess
import threading
import time

from common import (PrivatePg, Service, check, log, main, request, seed_demo, token)

CONNECTIONS = 256
SECONDS = int(os.environ.get("FLOOD_SECONDS", "20"))
RSS_LIMIT_MB = 100
P99_LIMIT_S = 1.0
HERE = os.path.dirname(os.path.abspath(__file__))


class Prober(threading.Thread):
    """Calls `path` every 50 ms on a fresh connection; keeps latencies and failures."""

    def __init__(self, base: str, path: str, tok: str | None = None):
        super().__init__(daemon=True)
        self.base, self.path, self.tok = base, path, tok
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.monotonic()
            status, _, _ = request(self.base, "GET", self.path, token=self.tok, timeout=10)
            took = time.monotonic() - t
            self.latencies.append(took)
            if status != 200:
                self.failures.append(f"{status} after {took:.2f} s")
            self.stop.wait(0.05)

    def summary(self) -> tuple[float, float, float]:
        xs = sorted(self.latencies) or [0.0]
        return (xs[len(xs) // 2], xs[min(len(xs) - 1, int(len(xs) * 0.99))], xs[-1])


class RssSampler(threading.Thread):
    def __init__(self, svc: Service):
        super().__init__(daemon=True)
        self.svc, self.peak_rss_kb = svc, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.peak_rss_kb = max(self.peak_rss_kb, self.svc.status_kb("VmRSS"))
            except (OSError, Exception):  # noqa: BLE001 - the process may be gone
                return
            self.stop.wait(0.1)


def flood(base: str, seconds: int, spread: bool) -> dict:
    wrk = shutil.which("wrk")
    check(wrk is not None, "wrk is not installed (apt-get install wrk; .ci/run does it)")
    env = dict(os.environ, FLOOD_SPREAD="1" if spread else "0")
    out = subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
                          "-s", os.path.join(HERE, "signin_flood.lua"), base],
                         env=env, capture_output=True, text=True, timeout=seconds + 60)
    out = out.stdout + out.stderr
    m = re.search(r"^RESULT (.*)$", out, re.M)
    check(m is not None, f"wrk printed no RESULT line: {out[-500:]}")
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def run() -> None:
    pg = PrivatePg()
    url = pg.url()
    seed_demo(url)
    svc = Service(url, {"TRUST_X_FORWARDED_FOR": "on", "DATABASE_POOL_SIZE": "16",
                        "RUST_LOG": "info"}, name="signin-flood")
    svc.start()
    tok = token(svc.base)
    s, _, order = request(svc.base, "POST", "/orders", token=tok)
    check(s == 201, f"create an order: {s}")
    idle_kb = svc.status_kb("VmRSS")
    log(f"binary {os.path.basename(os.path.dirname(svc.proc.args[0]))}: idle RSS {idle_kb / 1024:.1f} MB")

    rss = RssSampler(svc)
    rss.start()
    results = {}
    for name, seconds, spread in (("spread", SECONDS, True), ("one address", max(5, SECONDS // 2), False)):
        probes = [Prober(svc.base, "/health/live"), Prober(svc.base, f"/orders/{order['id']}", tok)]
        for p in probes:
            p.start()
        w = flood(svc.base, seconds, spread)
        for p in probes:
            p.stop.set()
            p.join(timeout=15)
        results[name] = (w, probes)
        live, get = (p.summary() for p in probes)
        log(f"{name}: {w['requests']:.0f} sign-ins ({w['rps']:.0f}/s, p99 {w['p99_ms']:.0f} ms): "
            f"401 {w['s401']:.0f}, 429 {w['s429']:.0f}, 503 {w['s503']:.0f}, other {w['other']:.0f}, "
            f"socket errors {w['socket_errors']:.0f}")
        log(f"{name}: /health/live p50 {live[0] * 1000:.1f} ms, p99 {live[1] * 1000:.1f} ms, "
            f"max {live[2] * 1000:.1f} ms ({len(probes[0].latencies)} probes); GET /orders/{{id}} "
            f"p50 {get[0] * 1000:.1f} ms, p99 {get[1] * 1000:.1f} ms, max {get[2] * 1000:.1f} ms "
            f"({len(probes[1].latencies)} probes)")
    rss.stop.set()
    check(svc.proc.poll() is None, "the service exited during the flood")
    hwm_kb = svc.status_kb("VmHWM")
    after_kb = svc.status_kb("VmRSS")
    log(f"memory: peak RSS (VmHWM) {hwm_kb / 1024:.1f} MB, sampled peak {rss.peak_rss_kb / 1024:.1f} MB, "
        f"after {after_kb / 1024:.1f} MB, idle before {idle_kb / 1024:.1f} MB")

    spread_w, _ = results["spread"]
    one_w, _ = results["one address"]
    check(spread_w["s401"] > 0, "no wrong password was verified during the spread flood")
    check(spread_w["s503"] > 0, "the password pool never refused: was the flood applied?")
    check(spread_w["other"] == 0 and one_w["other"] == 0,
          f"unexpected statuses: {spread_w['other']:.0f} + {one_w['other']:.0f}")
    check(one_w["s429"] > 0.9 * one_w["requests"],
          f"one address: only {one_w['s429']:.0f} of {one_w['requests']:.0f} refused with 429")
    for name, (_, probes) in results.items():
        for p in probes:
            check(not p.failures, f"{name}: {p.path} failed: {p.failures[:5]}")
            check(p.summary()[1] < P99_LIMIT_S,
                  f"{name}: {p.path} p99 {p.summary()[1]:.2f} s (bar {P99_LIMIT_S} s)")
    check(hwm_kb / 1024 < RSS_LIMIT_MB, f"peak RSS {hwm_kb / 1024:.1f} MB (bar {RSS_LIMIT_MB} MB)")
    token(svc.base)  # the right password still signs in


if __name__ == "__main__":
    main(run)
