#!/usr/bin/env python3
"""SIGKILL while `commander` calls are in flight.

A private PostgreSQL and the service; complete orders are `commander`-ed by eight clients at
once and the process is killed with SIGKILL mid-way, three times over (restarting it in
between). Proves, from the database itself: every order is either still `draft` with no
e-mail delivery, or `submitted` with exactly one (never half); every `commander` that
answered 200 is submitted; after the last restart the drafts can still be submitted and a
second `commander` on a submitted order does not queue a second e-mail.
"""

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import (PrivatePg, Service, check, complete_order, log, main, psql, request,
                    seed_demo, token)

ROUNDS = 3
PER_ROUND = 60


def invariant(url: str) -> dict[str, str]:
    rows = psql(url, "SELECT o.id, o.status, count(d.id), (o.submitted IS NOT NULL) "
                     "FROM orders o LEFT JOIN events e ON e.order_id = o.id AND e.event_type = 'order.submitted' "
                     "LEFT JOIN event_deliveries d ON d.event_id = e.id AND d.subscriber = 'mail' "
                     "GROUP BY o.id, o.status, o.submitted")
    broken = [r for r in rows
              if not ((r[1] == "draft" and r[2] == "0" and r[3] == "f")
                      or (r[1] == "submitted" and r[2] == "1" and r[3] == "t"))]
    check(not broken, f"half-done orders: {broken[:5]}")
    return {r[0]: r[1] for r in rows}


def run() -> None:
    pg = PrivatePg()
    seed_demo(pg.url())
    svc = Service(pg.url(), name="kill-mid-commander")
    acknowledged: set[str] = set()
    lost_answers = 0
    all_orders: list[str] = []
    for round_no in range(1, ROUNDS + 1):
        svc.start()
        tok = token(svc.base)
        orders = [complete_order(svc.base, tok) for _ in range(PER_ROUND)]
        all_orders += orders
        lock = threading.Lock()
        answers: list = []

        def commander(oid: str) -> None:
            s, _, _ = request(svc.base, "POST", f"/orders/{oid}/commander", {}, token=tok,
                              timeout=10)
            with lock:
                answers.append((oid, s))

        pool = ThreadPoolExecutor(max_workers=8)
        for oid in orders:
            pool.submit(commander, oid)
        # kill once some answers are back, so that others are in flight
        deadline = time.monotonic() + 10
        while len(answers) < PER_ROUND // 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        svc.signal(signal.SIGKILL)
        svc.wait(10)
        pool.shutdown(wait=True)
        ok = {oid for oid, s in answers if s == 200}
        cut = sum(1 for _, s in answers if s is None)
        lost_answers += cut
        check(all(s in (200, None) for _, s in answers), f"unexpected answers: {answers[:5]}")
        acknowledged |= ok
        log(f"round {round_no}: killed after {len(ok)} answers, {cut} calls cut off")
        states = invariant(pg.url())
        wrong = [oid for oid in acknowledged if states.get(oid) != "submitted"]
        check(not wrong, f"commander answered 200 but the order is not submitted: {wrong[:5]}")

    check(lost_answers > 0, "the kill never landed while calls were in flight")
    svc.start()
    tok = token(svc.base)
    states = invariant(pg.url())
    drafts = [oid for oid in all_orders if states[oid] == "draft"]
    for oid in all_orders:
        s, _, b = request(svc.base, "POST", f"/orders/{oid}/commander", {}, token=tok)
        check(s in (200, 409), f"commander after restart on {oid}: {s} {b!r}")
    states = invariant(pg.url())
    check(all(states[oid] == "submitted" for oid in all_orders), "an order could not be submitted")
    log(f"{len(all_orders)} orders, {len(drafts)} left as clean drafts by the kills, "
        "all submitted once afterwards")


if __name__ == "__main__":
    main(run)
