#!/usr/bin/env python3
"""Four replicas started at the same moment, as in a rolling deploy or
`docker compose up --scale certorder=4` on a new release.

A private PostgreSQL; three rounds: the database missing (every replica tries to create it),
the database present but empty (every replica tries to migrate it), missing again. In each
round the four processes are launched together; all must stay up, answer /health/ready 200
and sign a user in; the migrations are applied exactly once. Last, a replica whose binary
is older than the database (a migration version it does not know) must refuse to start and
say why. Prints the time each replica took to be ready.
"""

import os
import time

from common import (PrivatePg, Service, check, log, main, psql, request, seed_demo, token)

REPLICAS = 4
ROUNDS = (("missing", "the database does not exist"),
          ("empty", "the database exists, nothing migrated"),
          ("missing", "the database does not exist"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = len([d for d in os.listdir(os.path.join(ROOT, "migrations"))
                  if os.path.isdir(os.path.join(ROOT, "migrations", d))])


def wait_ready(svc: Service, deadline: float) -> float:
    started = time.monotonic()
    while time.monotonic() < deadline:
        check(svc.proc.poll() is None,
              f"{svc.base} exited with {svc.proc.returncode}: {svc.log_text()[-800:]}")
        status, _, _ = request(svc.base, "GET", "/health/ready", timeout=2)
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    check(False, f"{svc.base} not ready in time")
    return 0.0


def run() -> None:
    pg = PrivatePg()
    figures = []
    for n, (state, what) in enumerate(ROUNDS):
        db = f"certorder_round{n}"
        url = pg.url(db)
        if state == "empty":
            psql(pg.url("postgres"), f"CREATE DATABASE {db}")
        replicas = [Service(url, name=f"replica{n}-{i}") for i in range(REPLICAS)]
        t0 = time.monotonic()
        for r in replicas:
            r.launch()
        live = []
        for r in replicas:
            r.wait_live(60)
            live.append(time.monotonic() - t0)
        deadline = time.monotonic() + 30
        for r in replicas:
            wait_ready(r, deadline)
        ready = time.monotonic() - t0
        for r in replicas:
            check(r.proc.poll() is None, f"round {n}: {r.base} exited")
        applied = int(psql(url, "SELECT count(*) FROM __diesel_schema_migrations")[0][0])
        check(applied == MIGRATIONS, f"round {n}: {applied} migrations recorded, {MIGRATIONS} known")
        seed_demo(url)
        for r in replicas:
            token(r.base)  # checks the 200
        log(f"round {n} ({what}): {REPLICAS}/{REPLICAS} up; live after "
            f"{', '.join(f'{t:.2f}' for t in live)} s; all ready after {ready:.2f} s; "
            f"a sign-in on each; {applied} migrations applied once")
        figures.append((what, max(live), ready))
        for r in replicas:
            r.kill()

    # A binary older than the database: the last round's database gets a migration this
    # binary does not know.
    url = pg.url(f"certorder_round{len(ROUNDS) - 1}")
    psql(url, "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')")
    old = Service(url, name="older-binary")
    old.launch()
    try:
        code = old.proc.wait(timeout=30)
    except Exception:  # noqa: BLE001
        code = None
    check(code not in (None, 0), f"an older binary kept running on a newer schema (exit {code})")
    text = old.log_text()
    check("older than the database" in text and "29991231000001" in text,
          f"the refusal does not say why: {text[-600:]}")
    log(f"older binary refused to start (exit {code}): "
        + next(line for line in text.splitlines() if "older than the database" in line)[-200:])
    for what, live, ready in figures:
        log(f"figures: {what}: slowest replica live after {live:.2f} s, all ready after {ready:.2f} s")


if __name__ == "__main__":
    main(run)
