#!/usr/bin/env python3
"""Two replicas race on the same orders.

Two service processes on one (private) PostgreSQL, each running the e-mail worker against a
local SMTP sink. N complete orders; for each, `commander` is called four times at once: twice
through each replica. Proves: every call answers 200 or 409 (never a 5xx), each order is
submitted exactly once (one order number, one e-mail delivery) and exactly one e-mail per order
reaches the SMTP server, even after the workers have had time to send duplicates.
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import (PrivatePg, Service, SmtpSink, check, complete_order, log, main, psql,
                    request, seed_demo, token)

N = 20


def run() -> None:
    pg = PrivatePg()
    seed_demo(pg.url())
    sink = SmtpSink()
    env = {"OUTBOX_WORKER": "on", "OUTBOX_POLL_MS": "100", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(sink.port)}
    a = Service(pg.url(), env, name="replica-a")
    b = Service(pg.url(), env, name="replica-b")
    a.start()
    b.start()
    tok = token(a.base)
    orders = [complete_order(a.base if i % 2 else b.base, tok) for i in range(N)]
    log(f"{N} complete orders; commander x4 each, through both replicas at once")

    barrier = threading.Barrier(4)
    results: dict[str, list] = {oid: [] for oid in orders}

    def race(oid: str, base: str) -> None:
        barrier.wait(timeout=30)
        s, _, body = request(base, "POST", f"/orders/{oid}/commander", {}, token=tok)
        results[oid].append((s, body))

    with ThreadPoolExecutor(max_workers=4) as pool:
        for oid in orders:
            futures = [pool.submit(race, oid, base) for base in (a.base, b.base, a.base, b.base)]
            for f in futures:
                f.result(timeout=60)

    numbers = set()
    for oid, answers in results.items():
        statuses = sorted(s for s, _ in answers)
        check(all(s in (200, 409) for s in statuses), f"{oid}: commander answered {answers}")
        check(200 in statuses, f"{oid}: no commander succeeded: {statuses}")
        for s, body in answers:
            if s == 200:
                numbers.add((oid, body["order_number"] if "order_number" in body else None))
    rows = psql(pg.url(), "SELECT o.id, o.status, count(d.id) FROM orders o "
                          "LEFT JOIN events e ON e.order_id = o.id AND e.event_type = 'order.submitted' "
                          "LEFT JOIN event_deliveries d ON d.event_id = e.id AND d.subscriber = 'mail' "
                          "GROUP BY o.id, o.status")
    by_id = {r[0]: (r[1], int(r[2])) for r in rows}
    for oid in orders:
        check(by_id.get(oid) == ("submitted", 1), f"{oid}: {by_id.get(oid)} (want submitted, 1 row)")
    per_order = {}
    for oid, number in numbers:
        per_order.setdefault(oid, set()).add(number)
    check(all(len(v) == 1 for v in per_order.values()), f"order numbers differ: {per_order}")

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = psql(pg.url(), "SELECT count(*) FROM event_deliveries WHERE status <> 'sent'")[0][0]
        if pending == "0" and sink.count() >= N:
            break
        time.sleep(0.3)
    time.sleep(2)  # give a duplicate the time to show up
    ids = [m.group(1) for m in (re.search(rb"(?im)^message-id:\s*(\S+)", msg)
                                for msg in sink.messages) if m]
    check(len(ids) == len(sink.messages), "a message without Message-ID")
    check(sink.count() == N, f"{sink.count()} e-mails for {N} orders")
    check(len(set(ids)) == N, f"duplicate Message-IDs: {len(ids) - len(set(ids))}")
    log(f"{N} orders submitted once each, {sink.count()} e-mails, all distinct")


if __name__ == "__main__":
    main(run)
