"""The benchmark's table (bench/run.sh): medians of interleaved pairs, with their ranges.

Input: one line per run, "scenario kind rps p50 p99 non2xx requests own_cpu_ms pg_cpu_ms rss"
(kind: service or pgbench, a service run followed by its pgbench run, pair after pair).
"""

import statistics
import sys
from collections import defaultdict

runs = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 10:
        continue
    scenario, kind = f[0], f[1]
    runs[scenario][kind].append(
        {
            "rps": float(f[2]),
            "p50": float(f[3]),
            "p99": float(f[4]),
            "bad": int(f[5] or 0),
            "cpu": float(f[7]),
            "pg_cpu": float(f[8]),
            "rss": None if f[9] == "-" else float(f[9]),
        }
    )


def spread(values, fmt="{:.2f}"):
    """median [min–max]"""
    return (
        fmt.format(statistics.median(values))
        + " ["
        + fmt.format(min(values))
        + "–"
        + fmt.format(max(values))
        + "]"
    )


LABELS = {
    "get": ("GET /orders/{id}", "the same SELECT"),
    "patch": ("PATCH /orders/{id}", "the same transaction"),
    "csr_decode": ("POST /csr/decode (RSA-2048)", None),
}
TARGETS = {"get": 0.6, "patch": 0.75}

print(
    "| scenario | req/s | p99 ms | CPU ms/req (own + PostgreSQL) | peak RSS | non-2xx |"
)
print("|---|---:|---:|---:|---:|---:|")
verdicts = []
for scenario in ("get", "patch", "csr_decode"):
    if scenario not in runs:
        continue
    label, pg_label = LABELS[scenario]
    s = runs[scenario]["service"]
    cpu = [r["cpu"] for r in s]
    pg_cpu = [r["pg_cpu"] for r in s]
    print(
        f"| {label} | {spread([r['rps'] for r in s], '{:,.0f}')} "
        f"| {spread([r['p99'] for r in s])} "
        f"| {statistics.median(cpu):.3f} + {statistics.median(pg_cpu):.3f} "
        f"| {max(r['rss'] for r in s):.1f} MB | {sum(r['bad'] for r in s)} |"
    )
    p = runs[scenario].get("pgbench", [])
    if p:
        print(
            f"| pgbench, {pg_label} | {spread([r['rps'] for r in p], '{:,.0f}')} "
            f"| {spread([r['p99'] for r in p])} "
            f"| {statistics.median(r['cpu'] for r in p):.3f} + "
            f"{statistics.median(r['pg_cpu'] for r in p):.3f} | – | {sum(r['bad'] for r in p)} |"
        )
        n = min(len(s), len(p))
        ratios = [s[i]["rps"] / p[i]["rps"] for i in range(n)]
        p99_ratios = [s[i]["p99"] / p[i]["p99"] for i in range(n)]
        target = TARGETS[scenario]
        med = statistics.median(ratios)
        verdicts.append(
            f"{label}: service/pgbench req/s = {spread(ratios)} over {n} pairs "
            f"(target >= {target}: {'met' if med >= target else 'NOT met'}); "
            f"p99 service/pgbench = {spread(p99_ratios)}"
        )
    if scenario == "get":
        med = statistics.median(r["p99"] for r in s)
        verdicts.append(
            f"GET p99 at this concurrency: median {med:.2f} ms (target < 20: {'met' if med < 20 else 'NOT met'})"
        )
    if scenario == "patch" and p:
        n = min(len(s), len(p))
        med = statistics.median(s[i]["p99"] / p[i]["p99"] for i in range(n))
        verdicts.append(
            f"PATCH p99 / pgbench p99: median {med:.2f} (target <= 1.5: {'met' if med <= 1.5 else 'NOT met'})"
        )
    if scenario == "csr_decode":
        med = statistics.median(r["rps"] for r in s)
        verdicts.append(
            f"csr/decode: median {med:,.0f}/s (target >= 5,000: {'met' if med >= 5000 else 'NOT met'})"
        )
print()
for v in verdicts:
    print(v)
