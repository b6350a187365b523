#!/usr/bin/env bats
# SIGKILL of mph-probe in the middle of --exec trials and of --start services:
# nothing it started may be left running (shells, their children and
# grandchildren, the service), and the trials file holds its header and
# complete lines only.

load helper

SERVER="$MPH_ROOT/build/live/mph-testserver"

setup() {
	cd "$BATS_TEST_TMPDIR"
	# in every command line of the run, so that pgrep finds whatever is left of it
	MARK="kill-bats-$$-$BATS_TEST_NUMBER"
	PROBE=
}

teardown() {
	[ -z "$PROBE" ] || kill -9 "$PROBE" 2>/dev/null || true
	local p
	for p in $(cat pids 2>/dev/null) $(pgrep -f "$MARK"); do kill -9 "$p" 2>/dev/null || true; done
}

# Running and not a zombie (a zombie waits for init, which is no leftover).
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ "$s" != Z* ]]
}

# Waits until file $1 has $2 lines (the processes wrote their pids).
wait_lines() {
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "only $(wc -l < "$1" 2>/dev/null) of $2 lines in $1" >&2
	return 1
}

# After the SIGKILL: within 10 s, no pid of ./pids and no process of the
# run (the mark) is left; prints what is when some are.
assert_all_gone() {
	local i p left
	for i in $(seq 100); do
		left=
		for p in $(cat pids); do alive "$p" && left="$left $p"; done
		pgrep -f "$MARK" >/dev/null && left="$left $(pgrep -f "$MARK" | tr '\n' ' ')"
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	ps -o pid,pgid,stat,args -p "$(echo $left | tr ' ' ',')" >&2 || true
	fail "left running after mph-probe was killed:$left"
}

# The header first, then lines of as many fields (no comma is quoted here),
# the last one ended.
assert_trials_intact() {
	assert_equal "$(head -n 1 "$1")" "$2"
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || fail "$1 does not end with a line end"
	run awk -F, 'NR == 1 { n = NF } NF != n { print FILENAME ":" NR ": " NF " fields, not " n }' "$1"
	assert_output ""
}

HDR='n,rps,p50_ms,p90_ms,p99_ms,p999_ms,error_rate,status,probe_s'

@test "kill: SIGKILL during --exec trials leaves no shell, child or grandchild, and an intact trials file" {
	printf '%s\n1,5,,,,,,ok,0.1\n' "$HDR" > trials.csv
	printf 'n\n2\n3\n4\n' > configs.csv
	# trial 2 ends at once; 3 and 4 run side by side, each with a child
	# shell, its child, and a child of the trial's shell
	cat > trial.sh <<'SH'
[ "$MPH_N" = 2 ] && { echo rps=2; exit 0; }
sh -c 'sleep 1000 & echo $! >> pids; wait' &
sleep 1000 &
echo $! >> pids
echo $$ >> pids
wait
SH
	mph-probe -j 2 --exec "sh trial.sh # $MARK" -t trials.csv configs.csv 2> err &
	PROBE=$!
	wait_lines pids 6
	kill -9 "$PROBE"
	wait "$PROBE" || true
	assert_all_gone
	assert_trials_intact trials.csv "$HDR"
}

@test "kill: SIGKILL while --start waits for readiness stops the service and what it forked" {
	printf 'n\n1\n' > configs.csv
	port=$("$SERVER" -F 2>/dev/null) || port=59999
	mph-probe --start "sleep 1000 & echo \$! >> pids; echo \$\$ >> pids; wait # $MARK" \
		--ready "$port" --ready-timeout 600 --exec 'echo rps=1' -t trials.csv configs.csv 2> err &
	PROBE=$!
	wait_lines pids 2
	kill -9 "$PROBE"
	wait "$PROBE" || true
	assert_all_gone
	# the file is created with its header before the first trial, or not at all
	[ ! -e trials.csv ] || assert_trials_intact trials.csv "$HDR,trial"
}

@test "kill: SIGKILL during an --exec trial of a started service stops both" {
	[ -x "$SERVER" ] || skip "build/live/mph-testserver not built (make check builds it)"
	printf 'n\n1\n' > configs.csv
	PORT=$("$SERVER" -F)
	mph-probe --start "echo \$\$ >> pids; exec '$SERVER' -p $PORT -w 1 -s 1 # $MARK" --ready "$PORT" \
		--exec "sleep 1000 & echo \$! >> pids; echo \$\$ >> pids; wait # $MARK" configs.csv > out.csv 2> err &
	PROBE=$!
	wait_lines pids 3
	curl -s -o /dev/null "http://127.0.0.1:$PORT/health"
	kill -9 "$PROBE"
	wait "$PROBE" || true
	assert_all_gone
	run curl -s -o /dev/null "http://127.0.0.1:$PORT/health"
	assert_failure
}

@test "kill: SIGKILL of mph-probe's whole process group (as timeout or a service manager sends it) still cleans up" {
	command -v setsid >/dev/null || skip "setsid is not installed"
	printf 'n\n1\n' > configs.csv
	# setsid: mph-probe leads a group of its own, which the kill below empties
	setsid mph-probe --exec "sleep 1000 & echo \$! >> pids; echo \$\$ >> pids; wait # $MARK" configs.csv > out.csv 2> err &
	PROBE=$!
	wait_lines pids 2
	assert_equal "$(ps -o pgid= -p "$PROBE" | tr -d ' ')" "$PROBE"
	kill -9 -- "-$PROBE"
	wait "$PROBE" || true
	assert_all_gone
}

@test "kill: SIGKILL mid-run keeps every finished trial in the file; the rerun measures only the rest, numbered on" {
	printf 'n\n1\n2\n3\n4\n' > configs.csv
	# trials 1 and 2 end at once, 3 hangs (4 never starts)
	cat > trial.sh <<'SH'
[ "$MPH_N" -le 2 ] && { echo "rps=$MPH_N"; exit 0; }
echo $$ >> pids
exec sleep 1000
SH
	mph-probe --exec "sh trial.sh # $MARK" -t trials.csv configs.csv 2> err &
	PROBE=$!
	wait_lines pids 1
	kill -9 "$PROBE"
	wait "$PROBE" || true
	assert_all_gone
	assert_trials_intact trials.csv "$HDR,trial"
	assert_equal "$(cut -d, -f1,2,8,10 trials.csv)" "n,rps,status,trial
1,1,ok,1
2,2,ok,2"
	# the rerun measures 3 and 4 only (3 now answers at once)
	printf 'echo "rps=$MPH_N"\n' > trial.sh
	run -0 --separate-stderr mph-probe --exec "sh trial.sh # $MARK" -t trials.csv configs.csv
	assert_equal "$(cut -d, -f1,2,8,10 trials.csv)" "n,rps,status,trial
1,1,ok,1
2,2,ok,2
3,3,ok,3
4,4,ok,4"
}

@test "kill: under -j a trial that finished is in the file while an earlier one still runs; logs are numbered on" {
	printf 'n\n1\n2\n' > configs.csv
	cat > trial.sh <<'SH'
[ "$MPH_N" = 2 ] && { echo rps=2; exit 0; }
echo $$ >> pids
exec sleep 1000
SH
	printf '%s,trial\n9,9,,,,,,ok,0.1,5\n' "$HDR" > trials.csv
	mph-probe -j 2 --exec "sh trial.sh # $MARK" --log-dir logs -t trials.csv configs.csv 2> err &
	PROBE=$!
	wait_lines pids 1
	# trial 7 (n=2) ends at once and is written though trial 6 (n=1) runs on
	for i in $(seq 50); do [ "$(wc -l < trials.csv)" -ge 3 ] && break; sleep 0.1; done
	kill -9 "$PROBE"
	wait "$PROBE" || true
	assert_all_gone
	assert_equal "$(tail -n 1 trials.csv | cut -d, -f1,2,10)" "2,2,7"
	[ -e logs/trial-6.log ] && [ -e logs/trial-7.log ] && [ ! -e logs/trial-1.log ]
}
