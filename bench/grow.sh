# Sourced by bench/run.sh after its interleaved pairs (it uses run.sh's functions and
# variables): the cost as the data grows, then the new paths.
#
# Scale (BENCH_SCALE, default "10000 100000 1000000"; empty: skipped): the seeded draft orders
# are cut or grown to each size in turn (over the same BENCH_ACCOUNTS accounts), with one
# event per order for the feed; at each size GET /orders/{id}, PATCH, GET /orders at its
# deepest page and GET /events deep in an account's history run BENCH_SCALE_RUNS times
# (median) for BENCH_SCALE_SECONDS each; at the largest, EXPLAIN (ANALYZE, BUFFERS) of each
# statement. Paths (BENCH_PATHS=on): a 1 MiB PDF uploaded to submitted orders, the webhook
# dispatcher delivering to a local receiver, the scheduler under 100,000 due jobs.

SCALE=${BENCH_SCALE-10000 100000 1000000}
SCALE_SECONDS=${BENCH_SCALE_SECONDS:-8}
SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
EVENT_ID_SQL="('00000000-0000-7000-9000-' || lpad(to_hex(n), 12, '0'))::uuid"
event_uuid() { printf '00000000-0000-7000-9000-%012x' "$1"; }
SEEDED_ORDER="id::text LIKE '00000000-0000-7000-8000-%'"
SEEDED_EVENT="id::text LIKE '00000000-0000-7000-9000-%'"

# Grows or cuts the seeded orders (and their events) to $1.
seed_to() {
    local size=$1 have
    have=$(sql -c "SELECT count(*) FROM orders WHERE $SEEDED_ORDER")
    if ((have > size)); then
        sql -c "DELETE FROM events WHERE $SEEDED_EVENT AND order_id IN (SELECT id FROM orders WHERE $SEEDED_ORDER AND ('x' || right(id::text, 12))::bit(48)::bigint > $size)"
        sql -c "DELETE FROM orders WHERE $SEEDED_ORDER AND ('x' || right(id::text, 12))::bit(48)::bigint > $size"
    elif ((have < size)); then
        sql -c "INSERT INTO orders (id, number, account_id, status, version, authority, partner_choice,
                    partner_code, partner_fixed, duration_months, generation_method, csr, fqdn,
                    additional_domains, holder, payment, terms, created_at, updated_at)
                SELECT $ORDER_ID_SQL, 'BENCH-' || lpad(n::text, 7, '0'),
                       $(echo "$ACCOUNT_ID_SQL" | sed 's/\bk\b/((n - 1) % '"$ACCOUNTS"' + 1)/g'),
                       'draft', 1, t.authority, t.partner_choice, t.partner_code, t.partner_fixed,
                       t.duration_months, t.generation_method, t.csr, t.fqdn, t.additional_domains,
                       t.holder, t.payment, t.terms, t.created_at, t.updated_at
                FROM orders t, generate_series($((have + 1)), $size) AS n WHERE t.id = '$TEMPLATE'"
    fi
    local events
    events=$(sql -c "SELECT count(*) FROM events WHERE $SEEDED_EVENT")
    if ((events < size)); then
        sql -c "INSERT INTO events (id, event_type, order_id, account_id, partner_code, occurred_at, payload)
                SELECT $EVENT_ID_SQL, 'order.created', $ORDER_ID_SQL,
                       $(echo "$ACCOUNT_ID_SQL" | sed 's/\bk\b/((n - 1) % '"$ACCOUNTS"' + 1)/g'),
                       NULL, now(),
                       jsonb_build_object('type', 'order.created', 'timestamp', now(),
                           'data', jsonb_build_object('order_id', $ORDER_ID_SQL,
                               'number', 'BENCH-' || lpad(n::text, 7, '0'), 'status', 'draft'))
                FROM generate_series($((events + 1)), $size) AS n"
    fi
    sql -c "VACUUM ANALYZE orders" -c "VACUUM ANALYZE events"
}

# The pairs files of a size: (token, order) for GET/PATCH; (token, a cursor 5 from the end of
# the account's list) for the list; (token, an event 6 from the end of its feed) for events.
pairs_for() {
    local per=$(($1 / ACCOUNTS)) k j token
    : >"$WORK/pairs"
    : >"$WORK/list_pairs"
    : >"$WORK/event_pairs"
    for k in $(seq 1 "$TOKENS"); do
        token=$(sed -n "${k}p" "$WORK/tokens")
        for j in $(seq 0 $((per - 1))); do
            echo "$token $(order_uuid $((k + ACCOUNTS * j)))"
        done >>"$WORK/pairs"
        echo "$token $(order_uuid $((k + ACCOUNTS * 5)))" >>"$WORK/list_pairs"
        echo "$token $(event_uuid $((k + ACCOUNTS * (per - 6))))" >>"$WORK/event_pairs"
    done
}

median_of() { # field number, lines on stdin: the median of that field
    awk -v f="$1" '{ print $f }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

if [[ -n $SCALE ]]; then
    # the tokens of the signed-in accounts, in order (from the pairs run.sh made)
    awk '{ print $1 }' "$WORK/pairs" | uniq >"$WORK/tokens"
    : >"$WORK/scale"
    for size in $SCALE; do
        log "scale: $size orders (and as many events)"
        seed_to "$size"
        pairs_for "$size"
        for scenario in "get get.lua pairs" "patch patch.lua pairs" "list_deep list.lua list_pairs" "events_deep events.lua event_pairs"; do
            read -r name lua file <<<"$scenario"
            : >"$WORK/runs"
            for _ in $(seq 1 "$SCALE_RUNS"); do
                cp "$WORK/$file" "$WORK/current_pairs"
                SECONDS_PER_RUN=$SCALE_SECONDS run_wrk_on "$WORK/current_pairs" "$lua" >>"$WORK/runs"
            done
            echo "$size $name $(median_of 1 <"$WORK/runs") $(median_of 3 <"$WORK/runs") $(median_of 4 <"$WORK/runs") $(median_of 8 <"$WORK/runs")" |
                tee -a "$WORK/scale" >&2
        done
    done
    last=${SCALE##* }
    k=1
    {
        echo "EXPLAIN at $last orders (and events):"
        for q in \
            "GET /orders/{id}|SELECT * FROM orders WHERE id = '$(order_uuid $((k + ACCOUNTS * 3)))' AND account_id = $(echo "$ACCOUNT_ID_SQL" | sed "s/\bk\b/$k/g") LIMIT 1" \
            "PATCH /orders/{id} (the UPDATE)|UPDATE orders SET duration_months = duration_months, version = version + 1 WHERE id = '$(order_uuid $((k + ACCOUNTS * 3)))' AND version = version AND status = 'draft' RETURNING id" \
            "GET /orders deepest page|SELECT * FROM orders WHERE account_id = $(echo "$ACCOUNT_ID_SQL" | sed "s/\bk\b/$k/g") AND id < '$(order_uuid $((k + ACCOUNTS * 5)))' ORDER BY id DESC LIMIT 6" \
            "GET /events deep|SELECT id, payload FROM events WHERE occurred_at > now() - interval '30 days' AND account_id = $(echo "$ACCOUNT_ID_SQL" | sed "s/\bk\b/$k/g") AND id > '$(event_uuid $((k + ACCOUNTS * (last / ACCOUNTS - 6))))' ORDER BY id LIMIT 6"; do
            echo "-- ${q%%|*}"
            sql -c "BEGIN" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${q#*|}" -c "ROLLBACK" | sed 's/^/    /'
        done
    } | tee "$WORK/explain" >&2
fi

if [[ ${BENCH_PATHS:-on} == on ]]; then
    # Fresh service settings for the paths: files under $WORK, private webhook targets
    # allowed (the receiver is on loopback), the scheduler every second.
    stop_service
    EXTRA_ENV=(STORAGE_URL="file://$WORK/uploads" WEBHOOK_ALLOW_PRIVATE_TARGETS=true WEBHOOK_POLL_MS=100
        SCHEDULER_INTERVAL_SECONDS=1 DCV_RESOLVER=127.0.0.1:9)
    kill "$SAMPLER_PID" 2>/dev/null || true
    start_service
    sample_memory &
    SAMPLER_PID=$!

    log "paths: upload of a 1 MiB PDF to submitted orders"
    token=$(token_of bench0001)
    # one order through commander, then copies of it (and of its justificatifs' slots)
    SUBMITTED=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d @"$WORK/template.json" "$BASE/orders" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    curl -fs -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{}' "$BASE/orders/$SUBMITTED/commander"
    UPLOADS=${BENCH_UPLOAD_ORDERS:-3000}
    sql -c "INSERT INTO orders (id, number, account_id, status, version, authority, partner_choice,
                partner_code, partner_fixed, duration_months, generation_method, csr, fqdn,
                additional_domains, holder, payment, terms, submitted, created_at, updated_at,
                submitted_at, life)
            SELECT ('00000000-0000-7000-a000-' || lpad(to_hex(n), 12, '0'))::uuid, 'UPLOAD-' || n,
                   t.account_id, t.status, t.version, t.authority, t.partner_choice, t.partner_code,
                   t.partner_fixed, t.duration_months, t.generation_method, t.csr, t.fqdn,
                   t.additional_domains, t.holder, t.payment, t.terms, t.submitted, t.created_at,
                   t.updated_at, t.submitted_at, t.life
            FROM orders t, generate_series(1, $UPLOADS) AS n WHERE t.id = '$SUBMITTED'" \
        -c "INSERT INTO order_documents (order_id, code, position, status, created_at, updated_at)
            SELECT ('00000000-0000-7000-a000-' || lpad(to_hex(n), 12, '0'))::uuid, d.code, d.position,
                   d.status, d.created_at, d.updated_at
            FROM order_documents d, generate_series(1, $UPLOADS) AS n WHERE d.order_id = '$SUBMITTED'"
    for n in $(seq 1 "$UPLOADS"); do printf '%s 00000000-0000-7000-a000-%012x\n' "$token" "$n"; done >"$WORK/upload_pairs"
    python3 - "$WORK/upload.body" <<'PY'
import sys
pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" + b"%" + b"x" * (1024 * 1024 - 40) + b"\n%%EOF\n"
b = b"certorder-bench-boundary"
body = (b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="formulaire.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--" + b + b"--\r\n")
open(sys.argv[1], "wb").write(body)
PY
    : >"$WORK/runs"
    UPLOAD=$(BENCH_UPLOAD_BODY=$WORK/upload.body SECONDS_PER_RUN=$SCALE_SECONDS CONNECTIONS=16 \
        run_wrk_on "$WORK/upload_pairs" upload.lua)
    echo "upload $UPLOAD" >&2
    STORED=$(find "$WORK/uploads" -type f | wc -l)

    log "paths: the webhook dispatcher, to a receiver on loopback"
    RPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 - "$RPORT" <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    RECEIVER_PID=$!
    sleep 0.5
    ENDPOINT=$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"url\": \"http://127.0.0.1:$RPORT/hook\"}" "$BASE/webhook-endpoints" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    HOOKS=${BENCH_WEBHOOKS:-5000}
    sql -c "INSERT INTO event_deliveries (id, event_id, subscriber, recipient, endpoint_id, status, next_attempt_at)
            SELECT gen_random_uuid(), e.id, 'webhook', '', '$ENDPOINT', 'pending', now()
            FROM (SELECT id FROM events ORDER BY id LIMIT $HOOKS) e"
    start_ns=$(date +%s%N)
    left=$HOOKS
    while ((left > 0)) && (($(date +%s%N) - start_ns < 120000000000)); do
        sleep 0.5
        left=$(sql -c "SELECT count(*) FROM event_deliveries WHERE endpoint_id = '$ENDPOINT' AND status = 'pending'")
    done
    HOOK_SECONDS=$(python3 -c "print(f'{($(date +%s%N) - $start_ns) / 1e9:.1f}')")
    HOOK_DONE=$((HOOKS - left))
    kill "$RECEIVER_PID" 2>/dev/null || true

    log "paths: the scheduler under 100,000 due jobs"
    JOBS=${BENCH_JOBS:-100000}
    sql -c "INSERT INTO scheduled_jobs (id, kind, order_id, due_at)
            SELECT gen_random_uuid(), 'acceptance_reminder', $ORDER_ID_SQL, now() - interval '1 hour'
            FROM generate_series(1, $JOBS) AS n" -c "VACUUM ANALYZE scheduled_jobs"
    {
        echo "-- the scheduler's claim, $JOBS due"
        sql -c "BEGIN" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id, kind, order_id, due_at, attempts FROM scheduled_jobs WHERE status = 'pending' AND due_at <= now() AND (NULL::text IS NULL OR kind = NULL) AND (NULL::uuid IS NULL OR order_id = NULL) ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED" -c "ROLLBACK" | sed 's/^/    /'
    } | tee -a "$WORK/explain" >&2
    sleep 20
    JOBS_DONE=$(sql -c "SELECT count(*) FROM scheduled_jobs WHERE attempts > 0 OR status <> 'pending'")
    # GET while the scheduler drains
    cp "$WORK/pairs" "$WORK/current_pairs"
    GET_DURING=$(SECONDS_PER_RUN=$SCALE_SECONDS run_wrk_on "$WORK/current_pairs" get.lua)
    JOBS_DONE2=$(sql -c "SELECT count(*) FROM scheduled_jobs WHERE attempts > 0 OR status <> 'pending'")
fi

if [[ -n $SCALE ]]; then
    echo
    echo "Cost as the data grows (median of $SCALE_RUNS runs of ${SCALE_SECONDS}s, $CONNECTIONS connections; one event per order):"
    echo
    python3 - "$WORK/scale" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
sizes = sorted({int(r[0]) for r in rows})
names = list(dict.fromkeys(r[1] for r in rows))
by = {(int(r[0]), r[1]): r for r in rows}
print("| scenario | " + " | ".join(f"{s:,} req/s · p99 ms" for s in sizes) + " | largest / smallest (req/s, p99) | peak RSS |")
print("|---|" + "---:|" * len(sizes) + "---|---:|")
for n in names:
    cells, first, last = [], by[(sizes[0], n)], by[(sizes[-1], n)]
    for s in sizes:
        r = by[(s, n)]
        cells.append(f"{float(r[2]):,.0f} · {float(r[3]):.1f}" + (f" ({r[4]} non-2xx)" if r[4] != "0" else ""))
    rps = float(last[2]) / max(float(first[2]), 1e-9)
    p99 = float(last[3]) / max(float(first[3]), 1e-9)
    verdict = "within 10 %" if abs(rps - 1) <= 0.10 and p99 <= 1.10 else "**beyond 10 %**"
    peak = max(float(by[(s, n)][5]) for s in sizes)
    print(f"| {n} | " + " | ".join(cells) + f" | {rps:.2f} × · {p99:.2f} × — {verdict} | {peak:.1f} MB |")
PY
    echo
    cat "$WORK/explain"
fi

if [[ ${BENCH_PATHS:-on} == on ]]; then
    read -r up_rps _ up_p99 up_bad up_n _ _ up_rss <<<"$UPLOAD"
    read -r g_rps _ g_p99 _ _ _ _ _ <<<"$GET_DURING"
    echo
    echo "New paths:"
    echo
    echo "| path | figure | peak RSS |"
    echo "|---|---|---:|"
    echo "| upload of a 1 MiB PDF (16 connections, ${SCALE_SECONDS}s, UPLOAD_CONCURRENCY default) | $up_rps uploads/s, p99 $up_p99 ms, $up_bad non-2xx of $up_n; $STORED files stored | $up_rss MB |"
    echo "| webhook dispatcher to a loopback receiver | $HOOK_DONE of $HOOKS delivered in $HOOK_SECONDS s ($(python3 -c "print(f'{$HOOK_DONE / max($HOOK_SECONDS, 0.1):.0f}')")/s) | |"
    echo "| scheduler, $JOBS due jobs | $JOBS_DONE run in its first 20 s, $JOBS_DONE2 by the end of the GET run below | |"
    echo "| GET /orders/{id} while the scheduler drains | $g_rps req/s, p99 $g_p99 ms | |"
fi
