#!/usr/bin/env python3
"""The typed-client test: a strict TypeScript client generated from the committed contract
walks the wizard against the service, and the contract's examples are validated.

In `clients/typescript/`: `npm ci` (from the committed package-lock.json), types generated
from `openapi/openapi.json` by openapi-typescript, `tsc --strict --noEmit`, then
`examples` (every example of the contract validates against its schema, JSON Schema 2020-12,
Ajv) and `walk` (openapi-fetch drives both cases of the wizard to `submitted` against the
service on a private PostgreSQL with the demo accounts; every response's status, headers
and body are checked against the contract). Fails when the contract and the service
disagree, or when the client no longer type-checks against the contract.
"""

import os
import subprocess

from common import ROOT, PrivatePg, Service, check, log, main, seed_demo

CLIENT = os.path.join(ROOT, "clients", "typescript")
SPEC = os.path.join(ROOT, "openapi", "openapi.json")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "csr")


def npm(*args: str) -> None:
    log("npm " + " ".join(args))
    rc = subprocess.run(["npm", *args], cwd=CLIENT).returncode
    check(rc == 0, f"npm {' '.join(args)} failed (exit {rc})")


def run() -> None:
    lock = os.path.join(CLIENT, "package-lock.json")
    stamp = os.path.join(CLIENT, "node_modules", ".package-lock.json")
    if not os.path.exists(stamp) or os.path.getmtime(stamp) < os.path.getmtime(lock):
        npm("ci", "--no-audit", "--no-fund")
    npm("run", "generate")
    npm("run", "typecheck")
    npm("run", "build")
    npm("run", "examples")
    pg = PrivatePg()
    seed_demo(pg.url())
    svc = Service(pg.url(), name="typed-client")
    svc.start()
    log(f"walking the wizard against {svc.base}")
    rc = subprocess.run(["node", "dist/walk.js", svc.base, SPEC, FIXTURES], cwd=CLIENT).returncode
    check(svc.proc.poll() is None, "the service died during the walk")
    check(rc == 0, f"the typed client failed (exit {rc}); service log: {svc.logpath}")


if __name__ == "__main__":
    main(run)
