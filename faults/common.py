"""Shared helpers of the fault scripts (Python 3.11 standard library only).

A private PostgreSQL cluster (initdb into a temporary directory, on a free port), the
certorder binary started as a child process, a tiny HTTP client, the wizard steps that
make an order complete, and a minimal SMTP sink that records every message it accepts.
Everything started here is stopped by `Cleanup` (atexit and on SIGTERM/SIGINT).
"""

from __future__ import annotations

import atexit
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT = ("demo.client", "demo-client-password")
PARTNER = ("demo.partenaire", "demo-partner-password")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Failure(Exception):
    pass


# Checks made so far; `main` ends every script with "N passed, N failed".
_counts = {"passed": 0, "failed": 0}


def check(cond: bool, msg: str) -> None:
    if not cond:
        _counts["failed"] += 1
        raise Failure(msg)
    _counts["passed"] += 1


def _summary() -> None:
    print(f"{_counts['passed']} passed, {_counts['failed']} failed", flush=True)


# --- cleanup -----------------------------------------------------------------------------

_cleanups: list = []


def on_exit(fn) -> None:
    _cleanups.append(fn)


def _run_cleanups() -> None:
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - cleanup must go on
            print(f"cleanup: {e}", file=sys.stderr)


atexit.register(_run_cleanups)


def _on_signal(signum, _frame):
    _run_cleanups()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def main(fn) -> None:
    """Runs a script's body: exit 0 on success, 1 with a message on failure."""
    name = os.path.basename(sys.argv[0])
    started = time.monotonic()
    try:
        fn()
    except Failure as e:
        _counts["failed"] = max(_counts["failed"], 1)
        print(f"FAIL {name}: {e}", flush=True)
        _run_cleanups()
        _summary()
        sys.exit(1)
    except Exception:
        import traceback

        traceback.print_exc()
        print(f"FAIL {name}: unexpected error", flush=True)
        _counts["failed"] += 1
        _run_cleanups()
        _summary()
        sys.exit(1)
    _run_cleanups()
    print(f"OK {name} ({time.monotonic() - started:.0f} s)", flush=True)
    _summary()


# --- ports, binary -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary() -> str:
    """`$CERTORDER_BIN`, else the release or debug build under `$CARGO_TARGET_DIR`; builds the
    debug binary when neither exists."""
    if os.environ.get("CERTORDER_BIN"):
        return os.environ["CERTORDER_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile, "certorder")
        if os.path.exists(path):
            return path
    log("building the certorder binary")
    subprocess.run(["cargo", "build", "--locked", "--bin", "certorder"], cwd=ROOT, check=True)
    return os.path.join(target, "debug", "certorder")


# --- a private PostgreSQL ------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if not found:
        raise Failure(f"{name} not found (install postgresql)")
    return found


def _as_postgres(args: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, **kw)


class PrivatePg:
    """A PostgreSQL cluster of its own: initdb in a temporary directory, trust on loopback."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="certorder-pg-")
        self.data = os.path.join(self.dir, "data")
        self.logfile = os.path.join(self.dir, "pg.log")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        on_exit(self.destroy)
        _as_postgres([_pg_bin("initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                      "--no-sync", "-E", "UTF8", "--locale=C"],
                     check=True, stdout=subprocess.DEVNULL)
        self.start()

    def _ctl(self, *args: str, check_rc: bool = True) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        _as_postgres([_pg_bin("pg_ctl"), "-D", self.data, "-l", self.logfile, "-w", "-t", "30",
                      "-o", opts, *args], check=check_rc, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def destroy(self) -> None:
        self._ctl("stop", "-m", "immediate", check_rc=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, db: str = "certorder") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"


def psql(url: str, sql: str) -> list[list[str]]:
    """Rows of a query, as lists of strings."""
    out = subprocess.run(["psql", url, "-XAtq", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


# --- the service ---------------------------------------------------------------------------


class Service:
    """certorder serving on a free port, as a child process, logs in a file."""

    def __init__(self, database_url: str, env: dict | None = None, name: str = "certorder"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logpath = os.path.join(tempfile.gettempdir(), f"{name}-{self.port}.log")
        self.env = dict(os.environ)
        self.env.update({
            "DATABASE_URL": database_url,
            "BIND_ADDRESS": f"127.0.0.1:{self.port}",
            "PUBLIC_BASE_URL": self.base,
            "CERTORDER_ENV": "development",
            "OUTBOX_WORKER": "off",
            "RUST_LOG": "info",
            "HTTP_WORKERS": "2",
            "DATABASE_POOL_SIZE": "8",
        })
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        on_exit(self.kill)

    def start(self, wait: float = 60) -> None:
        self.launch()
        self.wait_live(wait)

    def launch(self) -> None:
        """Starts the process without waiting for it (replicas started at the same moment)."""
        logf = open(self.logpath, "ab")
        self.proc = subprocess.Popen([binary()], env=self.env, stdout=logf, stderr=logf,
                                     stdin=subprocess.DEVNULL)

    def wait_live(self, wait: float = 60) -> None:
        assert self.proc
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"certorder exited with {self.proc.returncode}; see {self.logpath}")
            status, _, _ = request(self.base, "GET", "/health/live", timeout=1)
            if status == 200:
                return
            time.sleep(0.2)
        raise Failure(f"certorder did not start within {wait} s; see {self.logpath}")

    def signal(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.proc
        return self.proc.wait(timeout=timeout)

    def status_kb(self, field: str) -> int:
        """A memory figure of /proc/PID/status in kB (`VmHWM`: peak resident, `VmRSS`: now)."""
        assert self.proc
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise Failure(f"{field} not in /proc/{self.proc.pid}/status")

    def log_text(self) -> str:
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def seed_demo(database_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, CERTORDER_ENV="development")
    subprocess.run([binary(), "seed-demo"], env=env, check=True, stdout=subprocess.DEVNULL)


# --- HTTP ----------------------------------------------------------------------------------


def request(base: str, method: str, path: str, body=None, token: str | None = None,
            headers: dict | None = None, timeout: float = 30):
    """(status, headers, body) — body parsed as JSON when it is JSON; status None when the
    connection failed."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        hdrs.setdefault("content-type", "application/json")
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=data, headers=hdrs)
        res = conn.getresponse()
        raw = res.read()
        rh = {k.lower(): v for k, v in res.getheaders()}
    except (OSError, http.client.HTTPException):
        return None, {}, None
    finally:
        conn.close()
    parsed = raw
    if "json" in rh.get("content-type", ""):
        try:
            parsed = json.loads(raw)
        except ValueError:
            pass
    return res.status, rh, parsed


def token(base: str, account=CLIENT) -> str:
    status, _, body = request(base, "POST", "/auth/token",
                              {"username": account[0], "password": account[1]})
    check(status == 200, f"sign-in of {account[0]}: {status} {body!r}")
    return body["access_token"]


def fixture(name: str) -> str:
    with open(os.path.join(ROOT, "tests", "fixtures", "csr", name)) as f:
        return f.read()


STEPS = {"authority": "certigna-ssl", "partner": {"type": "none"}, "duration_months": 12,
         "holder": {"type": "self"}, "payment": {"method": "bank_transfer"},
         "terms": {"version": "CGU-2026-09"}}


def complete_order(base: str, tok: str) -> str:
    """Creates a draft and answers every step (case 1: a pasted CSR); returns its id."""
    status, _, order = request(base, "POST", "/orders", token=tok)
    check(status == 201, f"create: {status} {order!r}")
    oid = order["id"]
    for patch in (STEPS, {"generation_method": "csr", "csr_pem": fixture("multi_san_ok.pem")}):
        status, _, body = request(base, "PATCH", f"/orders/{oid}", patch, token=tok)
        check(status == 200, f"patch {oid}: {status} {body!r}")
    check(body.get("ready") is True, f"order {oid} not ready: {body.get('missing')}")
    return oid


# --- a minimal SMTP sink -------------------------------------------------------------------


class SmtpSink:
    """Accepts every message (no auth, no TLS) and keeps them in `messages` (raw bytes)."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    elif verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        data = bytearray()
                        while True:
                            chunk = self.rfile.readline()
                            if not chunk or chunk == b".\r\n":
                                break
                            data += chunk
                        with sink.lock:
                            sink.messages.append(bytes(data))
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # HELO, MAIL, RCPT, RSET, NOOP
                        self.wfile.write(b"250 ok\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        on_exit(self.server.shutdown)

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def new_uuid() -> str:
    return str(uuid.uuid4())
