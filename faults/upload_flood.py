#!/usr/bin/env python3
"""Uploads under load: resident memory stays below 100 MB (SPEC §7) while clients send
justificatifs of the largest size allowed (10 MiB) at once, and files over the limit.

A private PostgreSQL, certorder with a local storage directory, submitted orders of the demo
customer; then 8 client threads upload a 10 MiB PDF to every justificatif of every order (each
answered 201 with the SHA-256 of what was sent) and 11 MiB ones (413, nothing kept), while the
peak RSS (VmHWM) of the service is read. The service holds at most UPLOAD_CONCURRENCY (1 by
default; each costs about 11 MB) files in memory; the others wait unread.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import check, log  # noqa: E402

RSS_LIMIT_MB = 100
MIB = 1024 * 1024
ORDERS = int(os.environ.get("UPLOAD_ORDERS", "6"))
THREADS = 8
BOUNDARY = "upload-flood-boundary-3f9a"


def pdf(size: int, tag: str) -> bytes:
    head = f"%PDF-1.4\n% {tag}\n".encode()
    return head + b" " * (size - len(head) - 6) + b"\n%%EOF"


def form(data: bytes, name: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def run() -> None:
    pg = common.PrivatePg()
    url = pg.url()
    storage = tempfile.mkdtemp(prefix="certorder-uploads-")
    common.on_exit(lambda: __import__("shutil").rmtree(storage, ignore_errors=True))
    svc = common.Service(url, env={"STORAGE_URL": storage, "UPLOAD_CONCURRENCY": os.environ.get("UPLOAD_CONCURRENCY", "1")})
    svc.start()
    common.seed_demo(url)
    tok = common.token(svc.base)
    slots = []
    for _ in range(ORDERS):
        oid = common.complete_order(svc.base, tok)
        status, _, body = common.request(svc.base, "POST", f"/orders/{oid}/commander", {}, token=tok)
        check(status == 200, f"commander: {status} {body!r}")
        status, _, docs = common.request(svc.base, "GET", f"/orders/{oid}/documents", token=tok)
        check(status == 200, f"documents: {status}")
        slots += [(oid, d["code"]) for d in docs["documents"]]
    idle_kb = svc.status_kb("VmRSS")
    log(f"{len(slots)} justificatifs to upload; idle RSS {idle_kb / 1024:.1f} MB "
        f"(anonymous {svc.status_kb('RssAnon') / 1024:.1f} MB, peak so far {svc.status_kb('VmHWM') / 1024:.1f} MB)")

    peak = {"kb": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["kb"] = max(peak["kb"], svc.status_kb("VmRSS"))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    results: list[str] = []
    lock = threading.Lock()
    todo = list(slots)

    def client(n: int):
        while True:
            with lock:
                if not todo:
                    return
                oid, code = todo.pop()
            # one over the limit first (413, nothing kept), then the largest size allowed
            big = form(pdf(11 * MIB, f"{code} too big"), f"{code}.pdf")
            status, _, body = common.request(svc.base, "POST", f"/orders/{oid}/documents/{code}", big,
                                             token=tok, headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
                                             timeout=120)
            ok_big = status == 413 and isinstance(body, dict) and body.get("code") == "file_too_large"
            data = pdf(10 * MIB, f"{code} {n}")
            status, _, body = common.request(svc.base, "POST", f"/orders/{oid}/documents/{code}", form(data, f"{code}.pdf"),
                                             token=tok, headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
                                             timeout=120)
            ok = status == 201 and isinstance(body, dict) and body.get("sha256") == hashlib.sha256(data).hexdigest()
            with lock:
                results.append("ok" if ok and ok_big else f"{code}: 413? {ok_big}, 201: {status} {str(body)[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    sampler.join()
    hwm_kb = svc.status_kb("VmHWM")
    failures = [r for r in results if r != "ok"]
    stored = sum(len(files) for _, _, files in os.walk(storage))
    log(f"{len(results) - len(failures)}/{len(results)} uploads of 10 MiB answered 201 (and their 11 MiB twins 413); "
        f"{stored} files stored")
    log(f"memory: peak RSS (VmHWM) {hwm_kb / 1024:.1f} MB, sampled peak {peak['kb'] / 1024:.1f} MB, idle before {idle_kb / 1024:.1f} MB")
    check(not failures, f"failed uploads: {failures[:3]}")
    check(stored == len(slots), f"{stored} files stored for {len(slots)} uploads")
    check(hwm_kb / 1024 < RSS_LIMIT_MB, f"peak RSS {hwm_kb / 1024:.1f} MB (bar {RSS_LIMIT_MB} MB)")


if __name__ == "__main__":
    common.main(run)
