#!/usr/bin/env bats
# mph-probe's live modes (--exec, --url, --start) against servers these tests
# start on 127.0.0.1 and stop themselves (build/live/mph-testserver: N
# workers, a fixed service time, so a known capacity of N / time).

load helper

SERVER="$MPH_ROOT/build/live/mph-testserver"
# Short steps keep each search to seconds; the capacity check allows for it.
FAST=(--warmup 0.2 --measure 0.6 --request-timeout 1 --max-probe-s 30)

setup() {
	[ -x "$SERVER" ] || skip "build/live/mph-testserver not built (make check builds it)"
	cd "$BATS_TEST_TMPDIR"
	PORT=$("$SERVER" -F)
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}

# Starts a server the test owns, and waits until it listens.
serve() {
	"$SERVER" -p "$PORT" "$@" &
	PIDS+=($!)
	local i
	for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && return 0; sleep 0.1; done
	return 1
}

col() { # col NAME: the field of column NAME in $output's second line
	printf '%s\n' "$output" | awk -F, -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i } NR == 2 { print $k }'
}

@test "probe-live: a normal probe finds the capacity of a started service" {
	printf 'workers\n2\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" \
		--start "'$SERVER' -p $PORT -w \"\$MPH_WORKERS\" -s 10" --ready "$PORT" \
		--slo 60 --start-rate 40 "${FAST[@]}" configs.csv
	assert_success
	assert_line --index 0 'workers,rps,p50_ms,p90_ms,p99_ms,p999_ms,error_rate,status,probe_s'
	[ "$(col status)" = ok ]
	[ "$(col error_rate)" = 0 ]
	# 2 workers x 10 ms = 200 req/s: the 5 % tolerance, plus the noise of
	# 0.6 s windows on a shared machine
	awk -v r="$(col rps)" 'BEGIN { exit !(r >= 170 && r <= 215) }'
	# the service is gone afterwards
	run curl -s "http://127.0.0.1:$PORT/health"
	assert_failure
}

@test "probe-live: --url against a running server, knobs as rows, output streams" {
	serve -w 4 -s 5
	printf 'k\na\nb\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" --rate 100 --slo 50 "${FAST[@]}" configs.csv
	assert_success
	assert_equal "${#lines[@]}" 3
	[ "$(col status)" = ok ]
	awk -v r="$(col rps)" 'BEGIN { exit !(r >= 95 && r <= 105) }'
}

@test "probe-live: Poisson arrivals, a POST body and headers" {
	serve -w 4 -s 2
	head -c 5000 /dev/zero | tr '\0' x > body.txt
	printf 'k\na\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" --rate 200 --poisson --seed 3 \
		--method PUT --body body.txt --header 'X-Mph: 1' --header 'Content-Type: text/plain' "${FAST[@]}" configs.csv
	assert_success
	[ "$(col status)" = ok ]
	# a Poisson process of 200/s over 0.6 s: 120 expected, well within 25 %
	awk -v r="$(col rps)" 'BEGIN { exit !(r >= 150 && r <= 250) }'
}

@test "probe-live: a service that crashes mid-test is status=crash and the run goes on" {
	printf 'crash_after\n100\n0\n' > configs.csv
	# crash_after 0 means never: the second trial must still be measured
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" \
		--start "exec '$SERVER' -p $PORT -w 4 -s 2 -x \"\$MPH_CRASH_AFTER\"" --ready "http://127.0.0.1:$PORT/health" \
		--slo 50 --start-rate 200 "${FAST[@]}" configs.csv
	assert_success
	assert_line --index 1 --regexp '^100,,,,,,,crash,[0-9.]+$'
	assert_line --index 2 --regexp '^0,[0-9.]+,.*,ok,[0-9.]+$'
	[[ "$stderr" == *"mph-probe: warning: trial 1: crash: the service died during the load test (exit status 3)"* ]]
}

@test "probe-live: a service that never becomes ready is status=not-ready and is killed" {
	printf 'x\n1\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" \
		--start "sleep 31.25" --ready "$PORT" --ready-timeout 1 --grace 1 configs.csv
	# every trial failed: exit 1, the rows written all the same
	assert_failure 1
	assert_line --index 1 --regexp '^1,,,,,,,not-ready,[0-9.]+$'
	assert_equal "$stderr" "mph-probe: warning: trial 1: not-ready: $PORT did not answer within 1 s
mph-probe: every trial failed: 1 of 1 (the first: not-ready)"
	run pgrep -f "sleep 31.25"
	assert_failure
}

@test "probe-live: a port already taken is status=port-in-use; the service is not started" {
	serve
	printf 'x\n1\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" \
		--start "touch started; '$SERVER' -p $PORT" --ready "$PORT" configs.csv
	# every trial failed: exit 1, the rows written all the same
	assert_failure 1
	assert_line --index 1 --regexp '^1,,,,,,,port-in-use,[0-9.]+$'
	assert_equal "$stderr" "mph-probe: warning: trial 1: port-in-use: something already answers at $PORT
mph-probe: every trial failed: 1 of 1 (the first: port-in-use)"
	[ ! -e started ]
}

@test "probe-live: a URL that refuses connections is status=error with every request failed" {
	printf 'x\n1\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" --start-rate 20 "${FAST[@]}" configs.csv
	# every trial failed: exit 1, the rows written all the same
	assert_failure 1
	assert_line --index 1 --regexp '^1,0,,,,,1,error,[0-9.]+$'
	assert_equal "$stderr" "mph-probe: warning: trial 1: error: no request succeeded at 20 req/s: Couldn't connect to server
mph-probe: every trial failed: 1 of 1 (the first: error)"
}

@test "probe-live: 5xx answers count as errors" {
	serve -c 503
	printf 'x\n1\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" --start-rate 50 "${FAST[@]}" configs.csv
	# every trial failed: exit 1, the rows written all the same
	assert_failure 1
	assert_line --index 1 --regexp '^1,0,,,,,1,error,[0-9.]+$'
	assert_equal "$stderr" "mph-probe: warning: trial 1: error: no request succeeded at 50 req/s: HTTP status 503
mph-probe: every trial failed: 1 of 1 (the first: error)"
}

@test "probe-live: responses slower than the SLO give rps 0 and status=slo" {
	serve -w 8 -s 120
	printf 'x\n1\n' > configs.csv
	run --separate-stderr mph-probe --url "http://127.0.0.1:$PORT/" --slo 50 --start-rate 20 "${FAST[@]}" configs.csv
	# every trial failed: exit 1, the rows written all the same
	assert_failure 1
	assert_line --index 1 --regexp '^1,0,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,0,slo,[0-9.]+$'
	awk -v p="$(col p50_ms)" 'BEGIN { exit !(p >= 120 && p < 200) }'
	[[ "$stderr" == "mph-probe: warning: trial 1: slo: even 20 req/s misses the SLO"* ]]
}

@test "probe-live: a knob value of '1; touch pwned' executes nothing" {
	printf 'threads,note\n"1; touch pwned","$(touch pwned2)"\n' > configs.csv
	run --separate-stderr mph-probe --exec 'echo rps=7; printf "%s|%s" "$MPH_THREADS" "$MPH_CONFIG" > seen' configs.csv
	assert_success
	assert_line --index 1 '1; touch pwned,$(touch pwned2),7,,,,,,ok,'"$(col probe_s)"
	[ ! -e pwned ] && [ ! -e pwned2 ]
	assert_equal "$(cat seen)" '1; touch pwned|1; touch pwned,$(touch pwned2)'
	# nor through --start
	run --separate-stderr mph-probe --exec 'echo rps=1' --start 'echo "$MPH_THREADS" > started; sleep 30' \
		--ready 1 --ready-timeout 0.3 --grace 0.2 configs.csv
	assert_failure 1 # not-ready, the only trial
	[ ! -e pwned ] && [ ! -e pwned2 ]
	assert_equal "$(cat started)" '1; touch pwned'
}

@test "probe-live: a command that hangs is killed at the timeout, with its children" {
	printf 'x\n1\n2\n' > configs.csv
	SECONDS=0
	run --separate-stderr mph-probe --exec 'if [ "$MPH_X" = 1 ]; then sleep 32.5; fi; echo rps=$MPH_X' \
		--timeout 1 configs.csv
	assert_success
	[ "$SECONDS" -lt 8 ]
	assert_line --index 1 --regexp '^1,,,,,,,timeout,[0-9.]+$'
	assert_line --index 2 --regexp '^2,2,,,,,,ok,[0-9.]+$'
	assert_equal "$stderr" "mph-probe: warning: trial 1: timeout: killed after 1 s"
	run pgrep -f "sleep 32.5"
	assert_failure
}

@test "probe-live: --exec reads name=value or JSON, records failures with a log, rows as trials finish under -j" {
	printf 'n\n1\n2\n3\n' > configs.csv
	cat > cmd.sh <<'SH'
case $MPH_N in
1) sleep 0.5; echo 'rps=10'; echo 'p99_ms=5'; echo 'extra=1' ;;
2) echo '{"rps": 20, "error_rate": 0.5, "status": "oom"}' ;;
3) echo 'half done' >&2; echo 'it broke' >&2; exit 4 ;;
esac
SH
	run --separate-stderr mph-probe --exec 'sh cmd.sh' -j 3 --retries 1 --log-dir logs --columns extra configs.csv
	assert_success
	assert_line --index 0 'n,rps,p50_ms,p90_ms,p99_ms,p999_ms,error_rate,status,probe_s,extra'
	# rows as trials finish: trial 1, the slowest, last
	assert_line --index 3 --regexp '^1,10,,,5,,,ok,[0-9.]+,1$'
	assert_line --regexp '^2,20,,,,,0.5,oom,[0-9.]+,$'
	assert_line --regexp '^3,,,,,,,error,[0-9.]+,$'
	assert_equal "$stderr" "mph-probe: warning: trial 3: error: exit status 4: it broke; log logs/trial-3.log"
	assert_equal "$(grep -c '^# trial 3, attempt' logs/trial-3.log)" 2
	grep -q '^half done$' logs/trial-3.log
}

@test "probe-live: usage errors" {
	run --separate-stderr mph-probe --url http://127.0.0.1:1/ --start true
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "mph-probe: --start needs --ready"
	run --separate-stderr mph-probe --exec true --rate 10
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "mph-probe: load generator options go with --url"
	run --separate-stderr mph-probe --url http://127.0.0.1:1/ --search fastest
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "mph-probe: --search: expected guided or doubling: 'fastest'"
}

@test "probe-live: the wrk, hey and ab adapters report through --exec" {
	serve -w 4 -s 1
	printf 'tool\nwrk\nhey\nab\n' > configs.csv
	for t in wrk hey ab; do command -v $t >/dev/null || skip "$t is not installed"; done
	cat > run.sh <<SH
case \$MPH_TOOL in
wrk) exec "$SHARE/adapters/wrk" -t1 -c4 -d1s http://127.0.0.1:$PORT/ ;;
hey) exec "$SHARE/adapters/hey" -n 400 -c 4 http://127.0.0.1:$PORT/ ;;
ab) exec "$SHARE/adapters/ab" -k -n 400 -c 4 http://127.0.0.1:$PORT/ ;;
esac
SH
	run --separate-stderr mph-probe --exec 'sh run.sh' --timeout 20 configs.csv
	assert_success
	assert_equal "$stderr" ""
	# 4 workers x 1 ms: at most 4000 answers a second, all of them 200
	for i in 1 2 3; do
		assert_regex "${lines[$i]}" '^(wrk|hey|ab),[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,,0,ok,[0-9.]+$'
		printf '%s\n' "${lines[$i]}" | awk -F, '{ exit !($2 > 100 && $2 <= 4100 && $3 >= 1) }'
	done
}

@test "probe-live: adapters turn 5xx answers into error_rate 1" {
	serve -c 500
	command -v wrk >/dev/null || skip "wrk is not installed"
	run "$SHARE/adapters/wrk" -t1 -c2 -d1s "http://127.0.0.1:$PORT/"
	assert_success
	assert_line 'rps=0'
	assert_line 'error_rate=1'	# ab: an error rate above --max-error [0.01] is status=error, found
	# through $MPH_SHARE from any folder
	command -v ab >/dev/null || skip "ab is not installed"
	printf 'n\n1\n' > c.csv
	mkdir elsewhere && cd elsewhere
	run -1 --separate-stderr mph-probe --exec "\"\$MPH_SHARE\"/adapters/ab -n 50 -c 2 http://127.0.0.1:$PORT/" ../c.csv
	assert_line --index 1 --regexp '^1,0,[0-9.]*,[0-9.]*,[0-9.]*,,1,error,[0-9.]+$'
}

@test "probe-live: configuration columns that would reach the command as one variable are refused" {
	cd "$BATS_TEST_TMPDIR"
	printf 'a-b,a_b\n1,2\n' > c.csv
	run -1 --separate-stderr mph-probe --exec 'echo rps=1' c.csv
	assert_output ""
	assert_equal "$stderr" "mph-probe: c.csv:1: knobs 'a-b' and 'a_b' both reach commands as MPH_A_B"
	printf 'config\n1\n' > c.csv
	run -1 --separate-stderr mph-probe --exec 'echo rps=1' c.csv
	assert_equal "$stderr" "mph-probe: c.csv:1: knob 'config' would reach commands as MPH_CONFIG, which mph sets itself"
}

@test "probe-live: a measured value that is not a number, or a status that is not a word, fails the trial" {
	printf 'n\n1\n2\n3\n4\n' > configs.csv
	cat > cmd.sh <<'SH'
case $MPH_N in
1) echo "rps==cmd|' /C calc'!A0" ;;
2) echo '{"rps": 3, "status": "=1+1"}' ;;
3) echo '{"p99_ms": [1], "rps": 2}' ;;
4) echo 'rps=-5'; echo 'note=@SUM(A1)' ;;
esac
SH
	run --separate-stderr mph-probe --exec 'sh cmd.sh' --log-dir logs configs.csv
	assert_success
	assert_line --index 1 --regexp '^1,,,,,,,error,[0-9.]+$'
	assert_line --index 2 --regexp '^2,,,,,,,error,[0-9.]+$'
	assert_line --index 3 --regexp '^3,,,,,,,error,[0-9.]+$'
	# a number may start with '-'; a name that is no column is dropped, not checked
	assert_line --index 4 --regexp '^4,-5,,,,,,ok,[0-9.]+$'
	assert_equal "${stderr_lines[0]}" "mph-probe: warning: trial 1: error: column 'rps': not a number: '=cmd|' /C calc'!A0'; log logs/trial-1.log"
	assert_equal "${stderr_lines[1]}" "mph-probe: warning: trial 2: error: status: not a word (a letter, then letters, digits, - or _; at most 31): '=1+1'; log logs/trial-2.log"
	assert_equal "${stderr_lines[2]}" "mph-probe: warning: trial 3: error: column 'p99_ms': not a number: '[1]'; log logs/trial-3.log"
	assert_equal "${stderr_lines[3]}" "mph-probe: warning: trial 4: 'note' is not a column (see --columns); dropped"
	grep -qxF "## status error: column 'rps': not a number: '=cmd|' /C calc'!A0' (0.000 s)" <(sed 's/([0-9.]* s)$/(0.000 s)/' logs/trial-1.log)
	# no field of the file starts a formula
	run grep -E '(^|,)[=+@]' <(printf '%s\n' "$output")
	assert_failure
}

@test "probe-live: --body, --header and --columns are freed (valgrind finds no leak)" {
	need_plain_build "valgrind"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	printf 'n\n1\n' > configs.csv
	echo body > body.txt
	VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
	run --separate-stderr "${VG[@]}" mph-probe --url http://127.0.0.1:1/ --rate 5 --warmup 0 --measure 0.1 \
		--max-probe-s 1 --header 'X-A: 1' --header 'X-B: 2' --body body.txt --body body.txt configs.csv
	assert_failure 1 # every trial failed (nothing listens): no leak either
	run --separate-stderr "${VG[@]}" mph-probe --exec 'echo rps=1' --columns a,b --columns c configs.csv
	assert_success
	assert_equal "$stderr" ""
}

@test "probe-live: -j 3 -t measures 3 services side by side, each row in the trials file as it finishes, numbered on" {
	# three test servers of different speeds, one a trial, on ports of their own
	P1=$("$SERVER" -F); P2=$("$SERVER" -F); P3=$("$SERVER" -F)
	[ "$P1" != "$P2" ] && [ "$P2" != "$P3" ] && [ "$P1" != "$P3" ] || skip "no three free ports"
	printf 'port,service_ms\n%s,20\n%s,5\n%s,10\n' "$P1" "$P2" "$P3" > configs.csv
	cat > trial.sh <<SH
'$SERVER' -p "\$MPH_PORT" -w 2 -s "\$MPH_SERVICE_MS" & s=\$!
for i in \$(seq 50); do curl -s -o /dev/null "http://127.0.0.1:\$MPH_PORT/health" && break; sleep 0.1; done
date +%s.%N > start-\$MPH_PORT
'$MPH_ROOT/build/live/mph-loadtest' -r 50 -w 0.2 -m 1 "http://127.0.0.1:\$MPH_PORT/" | grep -E '^(rps|p99_ms|error_rate)='
date +%s.%N > end-\$MPH_PORT
kill \$s
SH
	command -v curl >/dev/null || skip "curl is not installed"
	printf 'port,service_ms,rps,status,trial\n1,1,5,ok,7\n' > trials.csv
	run -0 --separate-stderr mph-probe --exec 'sh trial.sh' -j 3 --timeout 30 -t trials.csv configs.csv
	# numbered on from the file's largest trial
	run -0 bash -c "tail -n +3 trials.csv | cut -d, -f1,5 | sort -t, -k2n"
	assert_output "$P1,8
$P2,9
$P3,10"
	# side by side: every trial started before any ended
	first_end=$(cat end-* | sort -n | head -1)
	last_start=$(cat start-* | sort -n | tail -1)
	awk -v s="$last_start" -v e="$first_end" 'BEGIN { exit !(s < e) }'
	# each measured its server at 50 req/s, which all three sustain
	run -0 awk -F, 'NR > 2 && $4 == "ok" && $3 > 40 && $3 < 60 { print $1 }' trials.csv
	[ "${#lines[@]}" -eq 3 ]
}
