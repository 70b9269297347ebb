#!/usr/bin/env python3
"""SIGTERM stops the service while its scheduler is busy.

The scheduler's round may be long: every due domain control is a DNS query, and a resolver
that never answers makes each one wait for its whole timeout (found by the benchmark: a
database with thousands of due domains kept a stopped service alive for minutes). Here the
service's resolver is a UDP socket that reads and never replies, the DNS timeout is 30 s,
and the scheduler runs every second. An order is submitted, its domains are made due now,
and once the first query reaches the silent resolver, SIGTERM. Proves: the process exits
with status 0 well before the query's timeout, instead of waiting for the round to end.
"""

import signal
import socket
import time

from common import (PrivatePg, Service, check, complete_order, log, main, psql, request,
                    seed_demo, token)

DNS_TIMEOUT = 30


def run() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    silent.settimeout(30)
    port = silent.getsockname()[1]
    pg = PrivatePg()
    seed_demo(pg.url())
    svc = Service(pg.url(), {"SCHEDULER_INTERVAL_SECONDS": "1", "DCV_RESOLVER": f"127.0.0.1:{port}",
                             "DCV_TIMEOUT_SECONDS": str(DNS_TIMEOUT), "OUTBOX_WORKER": "off"},
                  name="sigterm-busy-scheduler")
    svc.start()
    tok = token(svc.base)
    oid = complete_order(svc.base, tok)
    status, _, body = request(svc.base, "POST", f"/orders/{oid}/commander", {}, token=tok)
    check(status == 200, f"commander: {status} {body!r}")
    # the first automatic recheck is a minute away: make it due now
    psql(pg.url(), "UPDATE domain_controls SET next_check_at = now()")
    try:
        _, sender = silent.recvfrom(4096)
    except socket.timeout:
        check(False, "the scheduler never asked the resolver about the order's domains")
    log(f"a DNS query from {sender} is waiting on the silent resolver; SIGTERM")
    svc.signal(signal.SIGTERM)
    signalled = time.monotonic()
    try:
        rc = svc.wait(timeout=DNS_TIMEOUT - 5)
    except Exception:
        svc.kill()
        check(False, f"still running {DNS_TIMEOUT - 5} s after SIGTERM (the round was awaited)")
    took = time.monotonic() - signalled
    log(f"exited with {rc} after {took:.1f} s")
    check(rc == 0, f"exit status {rc}")
    check(took < 10, f"stopping took {took:.1f} s")


if __name__ == "__main__":
    main(run)
