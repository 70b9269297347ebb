#!/usr/bin/env python3
"""The scheduler stays fair and stoppable behind a resolver that never answers.

A round of the scheduler may be long: every due domain control is a DNS query, and a resolver
that never answers makes each one wait for its whole timeout (found by the benchmark: a
database with thousands of due domains kept a stopped service alive for minutes, and the jobs
due meanwhile never ran). Here the service's resolver is a UDP socket that reads and never
replies, each query waits 3 s, and the scheduler runs every second; six orders are submitted
and their 18 domains made due now: one pass over them takes about a minute.

Proves, once the first query reaches the silent resolver: a job made due then runs within
15 s (the rechecks share the scheduler instead of holding it to the end of their backlog);
then SIGTERM stops the process with status 0 within 10 s (the round in progress is not
awaited).
"""

import signal
import socket
import time

from common import (PrivatePg, Service, check, complete_order, log, main, psql, request,
                    seed_demo, token)

DNS_TIMEOUT = 3
ORDERS = 6


def run() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    silent.settimeout(30)
    port = silent.getsockname()[1]
    pg = PrivatePg()
    seed_demo(pg.url())
    svc = Service(pg.url(), {"SCHEDULER_INTERVAL_SECONDS": "1", "DCV_RESOLVER": f"127.0.0.1:{port}",
                             "DCV_TIMEOUT_SECONDS": str(DNS_TIMEOUT), "OUTBOX_WORKER": "off"},
                  name="busy-scheduler")
    svc.start()
    tok = token(svc.base)
    orders = []
    for _ in range(ORDERS):
        oid = complete_order(svc.base, tok)
        status, _, body = request(svc.base, "POST", f"/orders/{oid}/commander", {}, token=tok)
        check(status == 200, f"commander: {status} {body!r}")
        orders.append(oid)
    due = psql(pg.url(), "SELECT count(*) FROM domain_controls")[0][0]
    check(int(due) == 3 * ORDERS, f"{due} domain controls")
    # the first automatic recheck is a minute away: make them all due now
    psql(pg.url(), "UPDATE domain_controls SET next_check_at = now()")
    try:
        _, sender = silent.recvfrom(4096)
    except socket.timeout:
        check(False, "the scheduler never asked the resolver about the orders' domains")
    log(f"a DNS query from {sender} waits on the silent resolver; a job is made due")
    psql(pg.url(), f"INSERT INTO scheduled_jobs (id, kind, order_id, due_at) VALUES "
                   f"(gen_random_uuid(), 'acceptance_reminder', '{orders[0]}', now())")
    made_due = time.monotonic()
    while True:
        ran = psql(pg.url(), "SELECT count(*) FROM scheduled_jobs WHERE kind = 'acceptance_reminder' "
                             "AND (attempts > 0 OR status <> 'pending')")[0][0]
        if int(ran) == 1:
            break
        check(time.monotonic() - made_due < 15,
              "the job did not run within 15 s: the rechecks held the scheduler")
        time.sleep(0.2)
    log(f"the job ran {time.monotonic() - made_due:.1f} s after it was due; SIGTERM")
    svc.signal(signal.SIGTERM)
    signalled = time.monotonic()
    try:
        rc = svc.wait(timeout=25)
    except Exception:
        svc.kill()
        check(False, "still running 25 s after SIGTERM (the scheduler's round was awaited)")
    took = time.monotonic() - signalled
    log(f"exited with {rc} after {took:.1f} s")
    check(rc == 0, f"exit status {rc}")
    check(took < 10, f"stopping took {took:.1f} s")


if __name__ == "__main__":
    main(run)
