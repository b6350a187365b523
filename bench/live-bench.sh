#!/bin/sh
# bench-live: figures for mph-probe's live mode (not timed tests).
#  1. Rate of the built-in open-loop generator from one core on loopback
#     against a trivial server, beside wrk in the same run.
#  2. The guided rate search against Morphling's doubling-then-bisecting on
#     test servers of known capacity (N workers x fixed service time).
# Everything binds 127.0.0.1. PIN=1 pins (taskset, 2 cores); PARTS=1 or 2
# runs one part; REPS=N medians of N runs.
set -u
B=build/live
SERVER=$B/mph-testserver
LOAD=$B/mph-loadtest
REPS=${REPS:-3}
PARTS=${PARTS:-12}  # which parts to run: 1, 2 or 12
pin_gen="" pin_srv=""
# PIN=1: generator on cpu 0, server on cpu 1. Off by default: on a machine
# shared with other jobs, pinning ties each to a core someone else may hold.
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	pin_gen="taskset -c 0" pin_srv="taskset -c 1"
	echo "# generator on cpu 0, server on cpu 1 ($(nproc) cpus; medians of $REPS)"
else
	echo "# unpinned ($(nproc) cpus; medians of $REPS); the generator is one thread: cores = its CPU time / wall time"
fi
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM
start_server() { # port args...: starts and waits for it
	port=$1; shift
	$pin_srv $SERVER -p "$port" "$@" & pids="$pids $!"
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$port/health"; do
		i=$((i + 1)); [ $i -gt 50 ] && { echo "server did not start" >&2; exit 1; }
		sleep 0.1
	done
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
get() { awk -F= -v k="$1" '$1 == k { print $2 }'; }

case $PARTS in *1*)
echo
echo "## 1. generator rate, one core, loopback, trivial server, 16 connections, 3 s windows"
P=$($SERVER -F); start_server "$P" -w 0
U="http://127.0.0.1:$P/"
printf '%-28s %12s %12s %10s %10s %6s\n' tool offered_rps achieved_rps p99_ms errors cores
W=$(for i in $(seq "$REPS"); do $pin_gen wrk -t1 -c16 -d3s "$U" | awk '/^Requests\/sec:/ { print $2 }'; done | median)
printf '%-28s %12s %12s %10s %10s\n' "wrk -t1 -c16 (closed loop)" - "$W" - -
best=0
for rate in 20000 30000 40000 50000; do
	out=$(for i in $(seq "$REPS"); do
		/usr/bin/time -f 'cores=%U %S %e' $pin_gen $LOAD -c 16 -w 0.5 -m 3 -r $rate "$U" 2>&1 |
			awk '/^cores=/ { sub(/^cores=/, ""); printf "cores=%.2f\n", ($1 + $2) / $3; next } { print }'
		echo
	done)
	cores=$(printf '%s\n' "$out" | get cores | median)
	ach=$(printf '%s\n' "$out" | get rps | median)
	p99=$(printf '%s\n' "$out" | get p99_ms | median)
	er=$(printf '%s\n' "$out" | get error_rate | median)
	printf '%-28s %12s %12s %10s %10s %6s\n' "mph (open loop, libcurl)" "$rate" "$ach" "$p99" "$er" "$cores"
	ok=$(awk -v a="$ach" -v r="$rate" -v p="$p99" 'BEGIN { print (a >= 0.99 * r && p < 10) ? 1 : 0 }')
	[ "$ok" = 1 ] && best=$rate
done
echo "generator sustains: $best req/s (achieved >= 99 % of offered, p99 < 10 ms); target >= 20000"
cleanup; pids=""
;; esac

case $PARTS in *2*)
echo
echo "## 2. peak-rate search vs Morphling's doubling-then-bisecting (tolerance 5 %)"
echo "# p99 <= 100 ms (guided) and mean <= 100 ms (doubling); steps of 0.5 s warm-up + 2 s"
printf '%-22s %9s | %9s %7s %6s %8s | %9s %7s %6s %8s\n' server capacity \
	guided err_% steps secs doubling err_% steps secs
tg=0 td=0 sg=0 sd=0
for spec in "3 10" "7 20" "5 4" "2 1.5"; do
	set -- $spec
	cap=$(awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / (s / 1000) }')
	P=$($SERVER -F); start_server "$P" -w "$1" -s "$2"
	U="http://127.0.0.1:$P/"
	g=$($pin_gen $LOAD -s -l 100 -S 50 -w 0.5 -m 2 -t 2 "$U")
	d=$($pin_gen $LOAD -s -D -l 100 -S 50 -w 0.5 -m 2 -t 2 "$U")
	cleanup; pids=""
	gp=$(echo "$g" | get peak) gs=$(echo "$g" | get steps) gt=$(echo "$g" | get search_s)
	dp=$(echo "$d" | get peak) ds=$(echo "$d" | get steps) dt=$(echo "$d" | get search_s)
	ge=$(awk -v p="$gp" -v c="$cap" 'BEGIN { printf "%+.1f", 100 * (p - c) / c }')
	de=$(awk -v p="$dp" -v c="$cap" 'BEGIN { printf "%+.1f", 100 * (p - c) / c }')
	printf '%-22s %9s | %9s %7s %6s %8s | %9s %7s %6s %8s\n' "$1 workers x $2 ms" "$cap" \
		"$gp" "$ge" "$gs" "$gt" "$dp" "$de" "$ds" "$dt"
	tg=$((tg + gs)) td=$((td + ds))
	sg=$(awk -v a="$sg" -v b="$gt" 'BEGIN { print a + b }')
	sd=$(awk -v a="$sd" -v b="$dt" 'BEGIN { print a + b }')
done
echo "total steps: guided $tg, doubling $td; total seconds: guided $sg, doubling $sd"
;; esac
