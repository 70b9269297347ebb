#!/usr/bin/env python3
"""PostgreSQL restarts under load.

A private PostgreSQL, the service against it, four clients creating, patching and
`commander`-ing orders in a loop. PostgreSQL is restarted (`pg_ctl restart -m fast`), then
stopped for a few seconds and started again. Proves: during the outage the service answers
503 problem+json with Retry-After, never a 500; it recovers by itself (same process); every
order acknowledged with a 2xx before or during the faults is still there, and every order
whose `commander` answered 200 is submitted.
"""

import threading
import time

from common import (PrivatePg, Service, check, complete_order, log, main, request, seed_demo,
                    token, STEPS, fixture)


class Load:
    def __init__(self, base: str, tok: str):
        self.base, self.tok = base, tok
        self.created: set[str] = set()
        self.submitted: set[str] = set()
        self.statuses: dict[int | None, int] = {}
        self.bad: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def note(self, what: str, status, headers, body) -> bool:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status is not None and status >= 500:
                ok = (status == 503 and headers.get("content-type") == "application/problem+json"
                      and headers.get("retry-after", "").isdigit())
                if not ok:
                    self.bad.append(f"{what}: {status} {headers.get('content-type')} {body!r}"[:300])
        return status is not None and 200 <= status < 300

    def client(self) -> None:
        while not self.stop.is_set():
            s, h, order = request(self.base, "POST", "/orders", token=self.tok, timeout=15)
            if not self.note("create", s, h, order):
                time.sleep(0.1)
                continue
            oid = order["id"]
            with self.lock:
                self.created.add(oid)
            steps_ok = True
            for patch in (STEPS, {"generation_method": "csr",
                                  "csr_pem": fixture("multi_san_ok.pem")}):
                s, h, b = request(self.base, "PATCH", f"/orders/{oid}", patch, token=self.tok,
                                  timeout=15)
                steps_ok = self.note("patch", s, h, b) and steps_ok
            if not steps_ok:
                continue
            s, h, b = request(self.base, "POST", f"/orders/{oid}/commander", {}, token=self.tok,
                              timeout=15)
            if self.note("commander", s, h, b):
                with self.lock:
                    self.submitted.add(oid)


def wait_until_healthy(base: str, tok: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        s, _, _ = request(base, "GET", "/orders?limit=1", token=tok, timeout=5)
        if s == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError("unreachable")


def run() -> None:
    pg = PrivatePg()
    seed_demo(pg.url())
    svc = Service(pg.url(), name="pg-restart")
    svc.start()
    tok = token(svc.base)
    complete_order(svc.base, tok)  # warm-up: the service works before any fault

    load = Load(svc.base, tok)
    threads = [threading.Thread(target=load.client, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    log(f"restart -m fast under load ({len(load.created)} orders so far)")
    pg.restart()
    time.sleep(3)

    log("stopping PostgreSQL for 4 s")
    pg.stop()
    time.sleep(1)
    probes = [request(svc.base, "GET", "/orders?limit=1", token=tok, timeout=10),
              request(svc.base, "POST", "/orders", token=tok, timeout=10),
              request(svc.base, "GET", "/health/ready", timeout=10)]
    for s, h, b in probes:
        check(s == 503, f"during the outage: {s} {b!r}")
        check(h.get("content-type") == "application/problem+json", f"outage content-type {h}")
        check(h.get("retry-after", "").isdigit(), f"outage without Retry-After: {h}")
    time.sleep(3)
    check(svc.proc.poll() is None, "the service died during the outage")
    pg.start()
    log("PostgreSQL back")

    s, _, _ = request(svc.base, "GET", "/orders?limit=1", token=tok)
    took = wait_until_healthy(svc.base, tok, 20) if s != 200 else 0.0
    time.sleep(3)  # more load after the recovery
    load.stop.set()
    for t in threads:
        t.join(timeout=30)
    check(svc.proc.poll() is None, "the service exited")
    log(f"recovered within {took:.1f} s; statuses seen: {dict(sorted(load.statuses.items(), key=str))}")
    check(not load.bad, "5xx other than a 503 problem: " + "; ".join(load.bad[:5]))

    # The same process still works end to end.
    after = complete_order(svc.base, tok)
    s, _, b = request(svc.base, "POST", f"/orders/{after}/commander", {}, token=tok)
    check(s == 200, f"commander after recovery: {s} {b!r}")

    # Nothing acknowledged was lost.
    missing, not_submitted = [], []
    for oid in sorted(load.created):
        s, _, b = request(svc.base, "GET", f"/orders/{oid}", token=tok)
        if s != 200:
            missing.append(f"{oid}: {s}")
        elif oid in load.submitted and b["status"] != "submitted":
            not_submitted.append(f"{oid}: {b['status']}")
    check(not missing, f"orders acknowledged then lost: {missing[:5]}")
    check(not not_submitted, f"commander answered 200 but: {not_submitted[:5]}")
    check(len(load.submitted) > 0, "no order was submitted under load")
    log(f"{len(load.created)} orders created, {len(load.submitted)} submitted: all present")


if __name__ == "__main__":
    main(run)
