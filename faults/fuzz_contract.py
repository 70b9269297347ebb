#!/usr/bin/env python3
"""Contract fuzzing with schemathesis.

A private PostgreSQL with the demo accounts, the service against it, and schemathesis
(`st run`, installed from PyPI into a virtualenv under the target directory when missing)
driving every operation of the committed `openapi/openapi.json` with a demo customer's token:
positive and negative data, every check (no 5xx, statuses, content types, headers and bodies
conforming to the contract, invalid data rejected, valid data accepted). Proves the service
and its contract agree. Bounded: `--max-examples` per operation and `--max-time`.
Environment: FUZZ_MAX_EXAMPLES (default 40), FUZZ_MAX_TIME seconds (default 240).
"""

import os
import subprocess
import glob
import shutil
import sys

from common import ROOT, PrivatePg, Service, check, log, main, seed_demo, token

SCHEMATHESIS = "schemathesis==4.32.5"


def venv_python() -> str:
    """A Python newer than 3.11 for schemathesis's venv when the machine has one: hypothesis
    (from 6.140) describes a filter's lambda by `ast.parse`-ing its whole module deep inside
    its own recursion, which CPython 3.11.7 answers with "SystemError: AST constructor
    recursion depth mismatch" on a random operation. Older hypothesis releases avoid it but
    break schemathesis's stateful phase."""
    candidates = [os.path.join(v, "bin", "python3") for v in
                  sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[23]*")), reverse=True)]
    candidates += [c for c in (shutil.which("python3.13"), shutil.which("python3.12")) if c]
    for candidate in candidates:
        ok = subprocess.run([candidate, "-c", "import venv, ensurepip"],
                            capture_output=True).returncode == 0
        if ok:
            return candidate
    return sys.executable


def st_binary() -> str:
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    venv = os.environ.get("FAULTS_VENV", os.path.join(target, "faults-venv"))
    st = os.path.join(venv, "bin", "st")
    if not os.path.exists(st):
        python = venv_python()
        log(f"installing {SCHEMATHESIS} into {venv} ({python})")
        subprocess.run([python, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", SCHEMATHESIS],
                       check=True)
    return st


def run() -> None:
    st = st_binary()
    pg = PrivatePg()
    seed_demo(pg.url())
    # a high sign-in failure limit: the fuzzer's wrong passwords must not lock anyone out;
    # high quotas on the expensive routes: the fuzzer checks the contract's answers, and a
    # 429 (tested in tests/api/throttle.rs) would stand in for the answer it checks, e.g.
    # the 401 of a request without credentials once two keygen routes share one quota
    quotas = {f"RATE_LIMIT_{c}_PER_{d}": "100000"
              for c in ("KEYGEN", "PDF", "CHECKS") for d in ("ADDRESS", "ACCOUNT")}
    quotas["RATE_LIMIT_SIGN_IN_PER_ADDRESS"] = "100000"
    svc = Service(pg.url(), {"LOGIN_MAX_FAILURES": "100000", "TOKEN_TTL_SECONDS": "3600",
                             **quotas}, name="fuzz-contract")
    svc.start()
    tok = token(svc.base)
    report = os.path.join(os.path.dirname(svc.logpath), f"schemathesis-{svc.port}")
    config = os.path.join(ROOT, "faults", "schemathesis.toml")
    args = [st, "--config-file", config, "run", os.path.join(ROOT, "openapi", "openapi.json"),
            "--url", svc.base,
            "-H", f"Authorization: Bearer {tok}", "--checks", "all",
            # Excluded, by design: positive_data_acceptance expects a 2xx for any
            # schema-valid body, but business rules the schema cannot say refuse some (a stale
            # If-Match is 412, an unknown authority or an incomplete order 422, a foreign
            # cursor 400); use_after_free expects 404 after DELETE, but DELETE cancels an order
            # and the cancelled order stays readable.
            "--exclude-checks", "positive_data_acceptance,use_after_free",
            "--max-examples", os.environ.get("FUZZ_MAX_EXAMPLES", "40"),
            "--max-time", os.environ.get("FUZZ_MAX_TIME", "240"),
            "--workers", "2", "--seed", os.environ.get("FUZZ_SEED", "6"),
            "--request-timeout", "20", "--suppress-health-check", "all",
            "--report", "junit", "--report-dir", report,
            "--exclude-path", "/metrics"]
    log(" ".join(a for a in args[1:] if not a.startswith("Authorization")))
    os.makedirs(report, exist_ok=True)  # schemathesis keeps its cache in the working directory
    rc = subprocess.run(args, cwd=report, env=dict(os.environ, NO_COLOR="1")).returncode
    check(svc.proc.poll() is None, "the service died under fuzzing")
    if rc != 0:
        print_failures(report)
    check(rc == 0, f"schemathesis found problems (exit {rc}); service log: {svc.logpath}")


def print_failures(report: str) -> None:
    """The failures of the JUnit report (each with its curl reproduction), printed last: CI
    shows only the end of the output, where schemathesis puts its summary."""
    import xml.etree.ElementTree as ET
    for path in sorted(glob.glob(os.path.join(report, "*.xml"))):
        for case in ET.parse(path).getroot().iter("testcase"):
            for failure in list(case.iter("failure")) + list(case.iter("error")):
                text = (failure.get("message") or "") + "\n" + (failure.text or "")
                log(f"FAILURE in {case.get('name')}:\n{text.strip()[:3000]}")


if __name__ == "__main__":
    main(run)
