#!/usr/bin/env bash
# The certorder benchmark (SPEC §7): the service against pgbench running the same SQL, in one run.
#
#   bench/run.sh                 # 15 s per scenario, 64 connections
#   BENCH_SECONDS=20 bench/run.sh
#
# It builds the release binary, recreates the database certorder_bench, seeds accounts and
# draft orders with SQL, starts the service on a free loopback port, loads it with wrk (and a
# small Python driver for the whole wizard), runs pgbench with the service's own statements,
# and prints requests/s, p50, p99, the service's peak memory and the ratio service/pgbench.
# Everything it starts is stopped on exit, failure included. Needs: cargo, psql, pgbench,
# wrk, python3, curl, and PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
#
# Settings (environment): BENCH_SECONDS (15), BENCH_CONNECTIONS (64), BENCH_ACCOUNTS (1000),
# BENCH_ORDERS (100000), BENCH_TOKENS (64 signed-in accounts), BENCH_WIZARD_SECONDS (10),
# BENCH_RUST_LOG (the service's RUST_LOG, default info as in production), PGHOST/PGPORT.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=$ROOT/bench
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
ACCOUNTS=${BENCH_ACCOUNTS:-1000}
ORDERS=${BENCH_ORDERS:-100000}
TOKENS=${BENCH_TOKENS:-64}
WIZARD_SECONDS=${BENCH_WIZARD_SECONDS:-10}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DB=certorder_bench
DB_URL=postgres://postgres@$PGHOST:$PGPORT/$DB
PASSWORD=bench-password-not-secret
PER_ACCOUNT=$((ORDERS / ACCOUNTS))
export PGHOST PGPORT PGUSER=postgres

WORK=$(mktemp -d /tmp/certorder-bench.XXXXXX)
SERVICE_PID=
SAMPLER_PID=
RECEIVER_PID=
EXTRA_ENV=()

cleanup() {
    local status=$?
    if [[ -n $SAMPLER_PID ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
    if [[ -n $RECEIVER_PID ]]; then kill "$RECEIVER_PID" 2>/dev/null || true; fi
    if [[ -n $SERVICE_PID ]]; then
        kill "$SERVICE_PID" 2>/dev/null || true
        wait "$SERVICE_PID" 2>/dev/null || true
    fi
    psql -qAt -d postgres -c "ALTER DATABASE $DB RESET log_min_duration_statement" >/dev/null 2>&1 || true
    if [[ $status -ne 0 ]]; then
        echo "bench failed (exit $status); service log: $WORK/service.log" >&2
        tail -n 20 "$WORK/service.log" >&2 2>/dev/null || true
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '\n== %s\n' "$*" >&2; }
sql() { psql -qAt -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
order_uuid() { printf '00000000-0000-7000-8000-%012x' "$1"; }
# The same ids in SQL (seeding, pgbench): account k and order n.
ACCOUNT_ID_SQL="('00000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid"
ORDER_ID_SQL="('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid"

log "build (release)"
(cd "$ROOT" && cargo build --release --quiet)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/certorder

log "fresh database $DB"
psql -qAt -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

# One account through the CLI (creates the database and its schema, hashes the password with
# argon2id); the others are copies of it in SQL, with deterministic ids.
DATABASE_URL=$DB_URL CERTORDER_PASSWORD=$PASSWORD RUST_LOG=warn "$BIN" create-account \
    --username bench0001 --email bench0001@example.fr --full-name "Banc Essai" \
    --organization "Banc d'Essai SARL" --address "1 rue du Banc" --postal-code 75001 \
    --city Paris >/dev/null
sql -c "UPDATE accounts SET id = $(echo "$ACCOUNT_ID_SQL" | sed 's/\bk\b/1/g') WHERE username = 'bench0001'"
sql -c "INSERT INTO accounts (id, username, password_hash, role, email, full_name,
            organization_name, organization_kind, address, postal_code, city, country)
        SELECT $ACCOUNT_ID_SQL, 'bench' || lpad(k::text, 4, '0'), a.password_hash, 'customer',
               'bench' || k || '@example.fr', a.full_name, a.organization_name,
               a.organization_kind, a.address, a.postal_code, a.city, a.country
        FROM accounts a, generate_series(2, $ACCOUNTS) AS k WHERE a.username = 'bench0001'"

start_service() {
    # The benchmark measures throughput from one address: the rate limits are off (0).
    # (EXTRA_ENV last: env's later assignments win)
    env DATABASE_URL=$DB_URL BIND_ADDRESS=127.0.0.1:$PORT PUBLIC_BASE_URL=$BASE \
        RATE_LIMIT_SIGN_IN_PER_ADDRESS=0 RATE_LIMIT_KEYGEN_PER_ADDRESS=0 RATE_LIMIT_KEYGEN_PER_ACCOUNT=0 \
        RATE_LIMIT_PDF_PER_ADDRESS=0 RATE_LIMIT_PDF_PER_ACCOUNT=0 \
        RATE_LIMIT_CHECKS_PER_ADDRESS=0 RATE_LIMIT_CHECKS_PER_ACCOUNT=0 \
        OUTBOX_WORKER=off SCHEDULER_INTERVAL_SECONDS=0 TOKEN_TTL_SECONDS=7200 \
        RUST_LOG=${BENCH_RUST_LOG:-info} "${EXTRA_ENV[@]}" \
        "$BIN" >>"$WORK/service.log" 2>&1 &
    SERVICE_PID=$!
    for _ in $(seq 100); do
        curl -fs "$BASE/health/live" >/dev/null 2>&1 && return 0
        kill -0 "$SERVICE_PID" 2>/dev/null || { echo "service exited" >&2; return 1; }
        sleep 0.1
    done
    echo "service did not start" >&2
    return 1
}

stop_service() {
    kill "$SERVICE_PID"
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=
}

token_of() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" "$BASE/auth/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# A first, short-lived instance, with every statement logged: one complete order through the
# API (the template of the seeded ones), one GET and one PATCH, to show the SQL that pgbench
# must run. Logging is off again for the measured instance.
log "the service's own SQL"
psql -qAt -d postgres -c "ALTER DATABASE $DB SET log_min_duration_statement = 0"
start_service
TOKEN=$(token_of bench0001)
python3 -c 'import json, sys; print(json.dumps({
    "authority": "certigna-ssl", "partner": {"type": "none"}, "duration_months": 12,
    "generation_method": "csr", "csr_pem": open(sys.argv[1]).read(),
    "additional_domains": ["certigna.fr"], "holder": {"type": "self"},
    "payment": {"method": "bank_transfer"}, "terms": {"version": "CGU-2026-09"}}))' \
    "$ROOT/tests/fixtures/csr/rsa2048_ok.pem" >"$WORK/template.json"
TEMPLATE=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d @"$WORK/template.json" "$BASE/orders" | python3 -c 'import json, sys; o = json.load(sys.stdin); print(o["id"]); print("template order, missing:", o["missing"], file=sys.stderr)')
PG_LOG=/var/log/postgresql/postgresql-15-main.log
LOG_START=$( [[ -r $PG_LOG ]] && wc -c <"$PG_LOG" || echo 0)
curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/orders/$TEMPLATE"
curl -fs -o /dev/null -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"duration_months": 24}' "$BASE/orders/$TEMPLATE"
stop_service
psql -qAt -d postgres -c "ALTER DATABASE $DB RESET log_min_duration_statement"
if [[ -r $PG_LOG ]]; then
    tail -c +"$((LOG_START + 1))" "$PG_LOG" | grep -E 'statement:|execute|parse' |
        grep -v 'SELECT 1' | sed 's/^.*\(statement\|execute [^:]*\|parse [^:]*\): /  /' | uniq |
        tee "$WORK/service.sql" >&2
else
    echo "  ($PG_LOG not readable: statements not shown)" >&2
fi

log "seed $ORDERS draft orders over $ACCOUNTS accounts"
sql -c "INSERT INTO orders (id, number, account_id, status, version, authority, partner_choice,
            partner_code, partner_fixed, duration_months, generation_method, csr, fqdn,
            additional_domains, holder, payment, terms, created_at, updated_at)
        SELECT $ORDER_ID_SQL, 'BENCH-' || lpad(n::text, 7, '0'),
               $(echo "$ACCOUNT_ID_SQL" | sed 's/\bk\b/((n - 1) % '"$ACCOUNTS"' + 1)/g'),
               'draft', 1, t.authority, t.partner_choice, t.partner_code, t.partner_fixed,
               t.duration_months, t.generation_method, t.csr, t.fqdn, t.additional_domains,
               t.holder, t.payment, t.terms, t.created_at, t.updated_at
        FROM orders t, generate_series(1, $ORDERS) AS n WHERE t.id = '$TEMPLATE'"
sql -c "VACUUM ANALYZE accounts" -c "VACUUM ANALYZE orders"

log "start the service on $BASE"
start_service

log "sign in $TOKENS accounts"
: >"$WORK/pairs"
for k in $(seq 1 "$TOKENS"); do
    token=$(token_of "$(printf 'bench%04d' "$k")")
    for j in $(seq 0 $((PER_ACCOUNT - 1))); do
        echo "$token $(order_uuid $((k + ACCOUNTS * j)))"
    done >>"$WORK/pairs"
done
python3 -c 'import json, sys; print(json.dumps({"csr_pem": open(sys.argv[1]).read()}))' \
    "$ROOT/tests/fixtures/csr/rsa2048_ok.pem" >"$WORK/csr.json"

# The measurements, interleaved: each pair runs the service's scenario, then pgbench's same
# SQL, for the same duration and concurrency, back to back, BENCH_PAIRS times (the service
# stays up and idle while pgbench runs). A neighbour's load then weighs on both halves of a
# pair alike, and the median of the pair ratios, with its range, is the figure reported.
# Beside each, the CPU time per request of the service process and of PostgreSQL's
# processes (from /proc, utime + stime), and pgbench's per transaction: what noise moves least.
TICKS=$(getconf CLK_TCK)
cpu_ticks() { # pids…: their utime + stime, in clock ticks
    local total=0 pid
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
    done
    echo "$total"
}
postgres_pids() { pgrep -x postgres || true; }
# PostgreSQL's CPU: its live processes, plus what its exited backends used (the postmaster's
# cutime + cstime: pgbench's connections end with the run, and their time lands there).
pg_cpu_ticks() {
    local postmaster
    postmaster=$(pgrep -o -x postgres || true)
    echo $(($(cpu_ticks $(postgres_pids)) + $(awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$postmaster/stat")))
}
per_request_ms() { # ticks, requests
    python3 -c "print(f'{$1 / $TICKS * 1000 / max($2, 1):.3f}')"
}

# The service's resident memory, sampled every 100 ms; the peak is read per scenario.
sample_memory() {
    while kill -0 "$SERVICE_PID" 2>/dev/null; do
        awk '/VmRSS/ { print $2 }' "/proc/$SERVICE_PID/status" >>"$WORK/rss" 2>/dev/null || true
        sleep 0.1
    done
}
peak_rss_mb() {
    sort -n "$WORK/rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'
    : >"$WORK/rss"
}

# One measurement: "rps p50 p99 bad requests own_cpu_ms pg_cpu_ms peak_rss" on stdout.
run_wrk() { # lua script
    run_wrk_on "$WORK/pairs" "$1"
}

run_wrk_on() { # pairs file, lua script
    : >"$WORK/rss"
    local out own0 pg0 own1 pg1 line requests
    own0=$(cpu_ticks "$SERVICE_PID")
    pg0=$(pg_cpu_ticks)
    out=$(BENCH_DIR=$BENCH_DIR BENCH_PAIRS=$1 BENCH_CSR_BODY=$WORK/csr.json \
        BENCH_UPLOAD_BODY=${BENCH_UPLOAD_BODY:-} \
        wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --timeout 10s -s "$BENCH_DIR/$2" "$BASE")
    own1=$(cpu_ticks "$SERVICE_PID")
    pg1=$(pg_cpu_ticks)
    line=$(grep '^RESULT' <<<"$out")
    requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
    printf '%s %s %s %s %s %s %s %s\n' \
        "$(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$line")" \
        "$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$line")" "$requests" \
        "$(per_request_ms $((own1 - own0)) "$requests")" \
        "$(per_request_ms $((pg1 - pg0)) "$requests")" "$(peak_rss_mb)"
}

run_pgbench() { # sql script; same fields as run_wrk ("own" = pgbench's own CPU)
    rm -rf "$WORK/pglog" && mkdir "$WORK/pglog"
    local out pg0 pg1 tx p50 p99 rusage
    pg0=$(pg_cpu_ticks)
    out=$(cd "$WORK/pglog" && /usr/bin/env time -f 'RUSAGE %U %S' pgbench -n -M prepared \
        -c "$CONNECTIONS" -j 2 -T "$SECONDS_PER_RUN" -l -D tokens="$TOKENS" \
        -D accounts="$ACCOUNTS" -D per_account="$PER_ACCOUNT" -f "$BENCH_DIR/$1" "$DB" 2>&1) ||
        { grep -m 3 error <<<"$out" >&2; return 1; }
    pg1=$(pg_cpu_ticks)
    tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    read -r p50 p99 < <(cat "$WORK"/pglog/pgbench_log.* | awk '{ print $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000 }')
    rusage=$(sed -n 's/^RUSAGE \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' <<<"$out")
    printf '%s %s %s %s %s %s %s -\n' \
        "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | xargs printf '%.1f')" "$p50" "$p99" \
        "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")" "$tx" \
        "$(python3 -c "u, s = map(float, '$rusage'.split()); print(f'{(u + s) * 1000 / max($tx, 1):.3f}')")" \
        "$(per_request_ms $((pg1 - pg0)) "$tx")"
}

PAIRS=${BENCH_PAIRS:-5}
command -v time >/dev/null || [[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
: >"$WORK/rss"
sample_memory &
SAMPLER_PID=$!
: >"$WORK/results"
for pair in $(seq 1 "$PAIRS"); do
    for scenario in "get get.lua pgbench_read.sql" "patch patch.lua pgbench_update.sql" "csr_decode csr.lua -"; do
        read -r name lua sql <<<"$scenario"
        log "pair $pair/$PAIRS: $name (service, then pgbench; $CONNECTIONS connections, ${SECONDS_PER_RUN}s each)"
        echo "$name service $(run_wrk "$lua")" | tee -a "$WORK/results" >&2
        if [[ $sql != - ]]; then
            echo "$name pgbench $(run_pgbench "$sql")" | tee -a "$WORK/results" >&2
        fi
    done
done

log "service: the whole wizard to commander (python driver, $CONNECTIONS connections, ${WIZARD_SECONDS}s)"
: >"$WORK/rss"
out=$(python3 "$BENCH_DIR/wizard.py" "$BASE" "$WORK/pairs" "$ROOT/tests/fixtures/csr/rsa2048_ok.pem" \
    "$WIZARD_SECONDS" "$CONNECTIONS")
echo "$out" >&2
WIZARD=$(grep '^RESULT' <<<"$out")
WIZARD_MEM=$(peak_rss_mb)
HWM=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVICE_PID/status")

echo
echo "certorder bench: $(nproc) cores, $CONNECTIONS connections, $PAIRS interleaved pairs of ${SECONDS_PER_RUN}s, $ORDERS orders, $(git -C "$ROOT" rev-parse --short HEAD), $(date -u +%FT%TZ)"
python3 "$BENCH_DIR/report.py" "$WORK/results"
echo "| wizard to commander (python driver) | $(sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$WIZARD") orders/s | p99 $(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$WIZARD") ms | peak $WIZARD_MEM MB |"
echo
echo "service VmHWM (peak resident memory over the whole run): $HWM MB   (target < 100 MB)"

# The cost as the data grows, and the new paths (bench/grow.sh; BENCH_SCALE="" and
# BENCH_PATHS=off skip them).
source "$BENCH_DIR/grow.sh"
