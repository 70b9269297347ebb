#!/usr/bin/env python3
"""SIGTERM drains in-flight requests.

Three RSA-4096 `generate-csr` calls (about a second each, more on a busy machine) and a burst
of quick reads are sent at once.
SIGTERM arrives while they run. Proves: every request in flight when the signal came
completes with a 2xx (the keys are delivered); a new connection made after the signal is
refused; the process exits with status 0 once the last one is done.
"""

import http.client
import json
import signal
import socket
import threading
import time

from common import (PrivatePg, Service, STEPS, check, log, main, request, seed_demo, token)

# Three slow calls on two generation threads: the drain is bounded by the server's shutdown
# timeout (20 s), and an RSA-4096 generation on a busy 2-core machine can take several seconds.
SLOW = 3


def run() -> None:
    pg = PrivatePg()
    seed_demo(pg.url())
    # Two generation threads for three calls: the third waits for a slot, so at least one
    # generation is still running well after the signal, whatever the machine's speed.
    svc = Service(pg.url(), {"KEYGEN_THREADS": "2", "KEYGEN_QUEUE": str(SLOW)},
                  name="sigterm-drain")
    svc.start()
    tok = token(svc.base)
    orders = []
    for _ in range(SLOW):
        s, _, o = request(svc.base, "POST", "/orders", token=tok)
        check(s == 201, f"create: {s}")
        for patch in (STEPS, {"generation_method": "generate", "fqdn": "www.certigna.fr"}):
            s, _, b = request(svc.base, "PATCH", f"/orders/{o['id']}", patch, token=tok)
            check(s == 200, f"patch: {s} {b!r}")
        orders.append(o["id"])

    results: list = []
    lock = threading.Lock()
    sent = threading.Semaphore(0)

    def call(path: str, body) -> None:
        # connect and send first, then say so: the request is in flight from here on
        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=60)
        payload = json.dumps(body).encode() if body is not None else None
        method = "POST" if body is not None else "GET"
        headers = {"authorization": f"Bearer {tok}", "content-type": "application/json"}
        try:
            conn.request(method, path, body=payload, headers=headers)
            sent.release()
            res = conn.getresponse()
            data = res.read()
            outcome = (res.status, data)
        except OSError as e:
            outcome = (None, repr(e).encode())
        finally:
            conn.close()
        with lock:
            results.append((path, outcome))

    threads = [threading.Thread(target=call, args=(f"/orders/{oid}/generate-csr",
                                                   {"key_type": "rsa-4096"}))
               for oid in orders]
    threads += [threading.Thread(target=call, args=("/orders?limit=5", None)) for _ in range(16)]
    for t in threads:
        t.start()
    for _ in threads:
        check(sent.acquire(timeout=10), "a request could not be sent")
    # Signal at once: an RSA-4096 generation can take well under a second on an idle machine.
    time.sleep(0.05)
    with lock:
        done_before = sum(1 for p, _ in results if "generate-csr" in p)
    svc.signal(signal.SIGTERM)
    signalled = time.monotonic()
    check(done_before < SLOW, "the slow requests finished before the signal: nothing to drain")
    log(f"SIGTERM sent with {SLOW - done_before} RSA-4096 generations in flight")
    time.sleep(0.5)
    try:
        with socket.create_connection(("127.0.0.1", svc.port), timeout=2) as sock:
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = sock.recv(100)
            check(not answer, f"a new connection after SIGTERM was served: {answer!r}")
    except (ConnectionRefusedError, ConnectionResetError):
        pass

    for t in threads:
        t.join(timeout=60)
    bad = [(p, o[0], o[1][:200]) for p, o in results if o[0] is None or not 200 <= o[0] < 300]
    check(len(results) == len(threads), f"{len(results)} answers for {len(threads)} requests")
    check(not bad, f"in-flight requests not completed with a 2xx: {bad[:3]}")
    keys = sum(1 for p, o in results
               if "generate-csr" in p and b"BEGIN PRIVATE KEY" in o[1])
    check(keys == SLOW, f"{keys} private keys delivered of {SLOW}")
    rc = svc.wait(30)
    check(rc == 0, f"exit status {rc} after SIGTERM")
    log(f"{len(results)} in-flight requests completed, exit 0 "
        f"{time.monotonic() - signalled:.1f} s after SIGTERM")


if __name__ == "__main__":
    main(run)
