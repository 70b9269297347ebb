"""A webhook receiver for tests/api/webhooks.rs: verifies every delivery with the PyPI
`standardwebhooks` package (an implementation independent of the service's), records it, and
answers with the status the test sets.

Prints its port on the first line of stdout. Control (JSON):
- POST /_config {"secrets": [...], "status": 200, "retry_after": null, "offset_seconds": 0}
  `offset_seconds`: how far the test moved the service's clock, so that the library's
  5-minute timestamp tolerance is checked against the same time.
- GET /_log: every request received, in order: {"id", "timestamp", "verified": [one bool per
  secret: whether that secret alone verifies it], "answered": status, "body"}.
"""

import json
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks.webhooks as sw

STATE = {"secrets": [], "status": 200, "retry_after": None, "offset_seconds": 0}
LOG = []
LOCK = threading.Lock()


class ShiftedDatetime(datetime):
    """The library's clock, moved by the test's offset."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(seconds=STATE["offset_seconds"])


sw.datetime = ShiftedDatetime


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                body = json.dumps(LOG).encode()
            self.reply(200, body, [("content-type", "application/json")])
        else:
            self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        data = self.rfile.read(length)
        if self.path == "/_config":
            with LOCK:
                STATE.update(json.loads(data))
            self.reply(204)
            return
        headers = {k: v for k, v in self.headers.items()}
        verified = []
        for secret in STATE["secrets"]:
            try:
                sw.Webhook(secret).verify(data, headers)
                verified.append(True)
            except Exception:
                verified.append(False)
        with LOCK:
            status = STATE["status"]
            retry_after = STATE["retry_after"]
            LOG.append(
                {
                    "id": headers.get("webhook-id"),
                    "timestamp": headers.get("webhook-timestamp"),
                    "signature": headers.get("webhook-signature"),
                    "verified": verified,
                    "answered": status,
                    "body": data.decode(),
                }
            )
        extra = [("retry-after", str(retry_after))] if retry_after is not None else []
        self.reply(status, b"", extra)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
