#!/usr/bin/env bats
# share/mph/tune.mk: the tuning loop as make rules, with the replay probe.
# Until mph-pick has --median and mph-suggest --stop (the search branch),
# tests/tune/fake-pick stands in for the first (it hands over to the real
# one once it has --median) and the stopping rule is left off (STOP=).

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	# not the -j or the level of a make that runs the tests
	unset MAKEFLAGS MFLAGS MAKELEVEL
	export KNOBS=cpu,gpu_mem,batch,gpu_type
	PICK="$MPH_ROOT/tests/tune/fake-pick"
	# the stopping rule is mph-suggest's (tested there); here the budget ends
	# the search, but in the README's example (and the fake's exit codes)
	STOPARG="STOP="
	cat > Makefile <<EOF
SPACE := $SHARE/spaces/morphling.json
OBJECTIVE := $SHARE/objectives/rps-per-dollar.json
PROBE := --replay $SHARE/zoo/trace.csv --task densenet169 --noise 0.05 --seed 7
BUDGET := 14
RACE :=
CONFIRM := 2
REPEATS := 2
MPH_PICK := $PICK
include $SHARE/tune.mk
EOF
}

# The configurations of a trials file, one a line.
configs() { tail -n +2 "$1" | cut -d, -f1-4; }

@test "tune: initial design, the budget, repeats of the best, the choice; a rerun measures nothing" {
	run -0 --separate-stderr make -s tune $STOPARG
	# 14 distinct configurations, the 8 corners first
	assert_equal "$(configs tune/trials.csv | head -8)" "$(mph-space -i "$SHARE/spaces/morphling.json" | tail -n +2)"
	assert_equal "$(configs tune/trials.csv | head -14 | sort -u | wc -l)" 14
	# then repeats: the 2 best have 2 trials each, no other more than 1
	run -0 bash -c "configs() { tail -n +2 tune/trials.csv | cut -d, -f1-4; }; configs | sort | uniq -c | awk '\$1 > 1' | wc -l"
	[ "$output" -ge 2 ]
	run -0 bash -c "tail -n +2 tune/trials.csv | cut -d, -f1-4 | sort | uniq -c | awk '\$1 > 2'"
	assert_output ""
	# trials numbered 1..N in order
	assert_equal "$(tail -n +2 tune/trials.csv | awk -F, '{ print $NF }' | paste -sd, -)" \
		"$(seq "$(($(wc -l < tune/trials.csv) - 1))" | paste -sd, -)"
	assert_equal "$(cat tune/stop.txt)" "budget: 14 of 14 trials spent"
	assert_equal "$(head -1 tune/chosen.csv | cut -d, -f1-4)" "cpu,gpu_mem,batch,gpu_type"
	printf '%s\n' "${stderr_lines[@]}" | grep -qx "tune: the search stopped: budget: 14 of 14 trials spent"
	# the choice is the best median of the confirmed ones, and has 2 trials
	chosen=$(sed -n 2p tune/chosen.csv | cut -d, -f1-4)
	assert_equal "$(configs tune/trials.csv | grep -cx "$chosen")" 2
	# progress: one line per trial, k of the budget while searching
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c '^mph-probe: trial [0-9]* of 14: ')" 14
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c '^mph-probe: trial [0-9]*: ')" \
		"$(($(wc -l < tune/trials.csv) - 15))"
	cp tune/trials.csv before.csv
	run -0 --separate-stderr make -s tune $STOPARG
	cmp before.csv tune/trials.csv
	run -0 make -s best
	assert_output "$(cat tune/chosen.csv)"
	run -0 make -s status
	assert_line "trials: 14 of the budget 14, $(($(wc -l < tune/trials.csv) - 15)) repeats"
	assert_line "stopped: budget: 14 of 14 trials spent"
	run -0 make -s report
	grep -q '<b>budget</b>: 14 of 14 trials spent' tune/report.html
	run -0 make -s clean-tune
	[ ! -e tune ]
}

@test "tune: by default a race before the choice (RACE 8,8): its leader is chosen once the race is over" {
	sed -i '/^RACE :=$/d; /^CONFIRM :=/d; /^REPEATS :=/d' Makefile
	run -0 --separate-stderr make -s tune $STOPARG QUIET=1
	# the search's 14 distinct configurations, then repeats
	assert_equal "$(configs tune/trials.csv | head -14 | sort -u | wc -l)" 14
	[ "$(configs tune/trials.csv | wc -l)" -gt 14 ]
	# what the race is and what it took, said on stderr
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep '^tune: ')" "tune: the search stopped: budget: 14 of 14 trials spent
tune: before the choice the best configurations race (RACE=8,8 and mph-pick --race): those within reach of the leader are measured again
tune: the race is over: $(($(configs tune/trials.csv | wc -l) - 14)) more trials in this run"
	# the race on the final trials: over (none to measure again), its
	# leader the choice
	run -0 mph-pick --race 8,8 -s "$SHARE/spaces/morphling.json" -O "$SHARE/objectives/rps-per-dollar.json" tune/trials.csv
	race=$output
	run -0 awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "again") a = i; next } $a != 0' <<< "$race"
	assert_output ""
	assert_equal "$(cat tune/chosen.csv)" "$(head -2 <<< "$race")"
	# only contenders were measured again, none more than 8 times, the
	# choice at least twice
	tail -n +2 <<< "$race" | cut -d, -f1-4 | sort > contenders.txt
	configs tune/trials.csv | tail -n +15 | sort -u > repeated.txt
	[ -s repeated.txt ]
	assert_equal "$(comm -23 repeated.txt contenders.txt)" ""
	assert_equal "$(configs tune/trials.csv | sort | uniq -c | awk '$1 > 8')" ""
	[ "$(configs tune/trials.csv | grep -cx "$(sed -n 2p tune/chosen.csv | cut -d, -f1-4)")" -ge 2 ]
	# the report's choice is the race's leader too
	run -0 make -s report
	assert_equal "$(sed -n '/<table id="choice">/,/<\/table>/p' tune/report.html | grep '<tr class="chosen">' |
		sed 's/<[^>]*>/ /g' | tr -s ' ' | cut -d' ' -f2-5 | tr ' ' ,)" "$(sed -n 2p tune/chosen.csv | cut -d, -f1-4)"
	# a rerun measures nothing
	cp tune/trials.csv before.csv
	run -0 --separate-stderr make -s tune $STOPARG QUIET=1
	cmp before.csv tune/trials.csv
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep '^tune: the race')" "tune: the race is over: 0 more trials in this run"
}

@test "tune: SIGKILL of make's whole process group at 20+ random moments; resumed, the trials file is byte-identical" {
	command -v setsid >/dev/null || skip "setsid is not installed"
	# a cycle ends only when a resumed run finishes within a kill's delay
	# (under 0.3 s); sanitized tools start too slowly for that to happen
	need_plain_build "kills within 0.3 s"
	make -s tune $STOPARG QUIET=1 TUNE_DIR=ref 2>/dev/null
	RANDOM=13
	kills=0 cycles=0
	while [ "$kills" -lt 20 ]; do
		rm -rf tune
		cycles=$((cycles + 1))
		# one cycle: kill until a run gets to the end, then compare
		while :; do
			setsid make -s tune $STOPARG QUIET=1 > /dev/null 2>&1 &
			pid=$!
			sleep "0.$(printf '%03d' $((RANDOM % 300)))"
			kill -9 -- "-$pid" 2>/dev/null || true
			rc=0
			wait "$pid" || rc=$?
			[ "$rc" -eq 0 ] && break
			[ "$rc" -eq 137 ] || fail "make tune ended with $rc"
			kills=$((kills + 1))
			# every line complete
			[ ! -s tune/trials.csv ] || [ "$(tail -c 1 tune/trials.csv | od -An -c | tr -d ' ')" = '\n' ]
		done
		cmp ref/trials.csv tune/trials.csv
		cmp ref/chosen.csv tune/chosen.csv
		cmp ref/stop.txt tune/stop.txt
	done
	echo "# $kills kills in $cycles cycles" >&3
	[ "$kills" -ge 20 ]
}

@test "tune: PROFILES passes a trace of other services to mph-suggest --profiles" {
	grep -v '^densenet169,' "$SHARE/zoo/trace.csv" > others.csv
	run -0 --separate-stderr make -s tune $STOPARG PROFILES=others.csv
	cp tune/trials.csv with.csv
	# each search step is mph-suggest --profiles on the trials before it
	for n in 9 12; do
		head -$((n + 1)) with.csv > before.csv
		mph-space "$SHARE/spaces/morphling.json" |
			mph-suggest -s "$SHARE/spaces/morphling.json" -O "$SHARE/objectives/rps-per-dollar.json" \
				--seed 1 --profiles others.csv -t before.csv 2> /dev/null | sed -n 2p | cut -d, -f1-4 > next.txt
		assert_equal "$(configs with.csv | sed -n $((n + 1))p)" "$(cat next.txt)"
	done
	# and without them the search goes otherwise
	run -0 make -s clean-tune
	run -0 --separate-stderr make -s tune $STOPARG
	! cmp -s <(configs with.csv | head -14) <(configs tune/trials.csv | head -14)
}

@test "tune: make -j4 measures 4 distinct configurations a round" {
	# a probe that logs how many configurations each call gets, then measures
	cat > logprobe <<EOF
#!/bin/sh
cat > in.\$\$.csv
echo "\$((\$(wc -l < in.\$\$.csv) - 1)) \$(tail -n +2 in.\$\$.csv | sort -u | wc -l) \$*" >> rounds.log
exec mph-probe "\$@" < in.\$\$.csv
EOF
	chmod +x logprobe
	run -0 --separate-stderr make -s -j4 tune $STOPARG BUDGET=20 MPH_PROBE=./logprobe
	# the initial design, then rounds of 4 distinct configurations, -j 4 each
	run -0 awk '{ print $1, $2 }' rounds.log
	assert_equal "${lines[0]}" "8 8"
	assert_equal "${lines[1]}" "4 4"
	assert_equal "${lines[2]}" "4 4"
	assert_equal "${lines[3]}" "4 4"
	grep -q -- ' -j 4 ' rounds.log
	assert_equal "$(configs tune/trials.csv | head -20 | sort -u | wc -l)" 20
	# the confirmation re-measures the best 2 side by side
	assert_equal "${lines[4]}" "2 2"
}

@test "tune: mph-suggest's stop (exit 3) and exhaustion (exit 4) end the search and say why" {
	cat > suggest <<'EOF'
#!/bin/sh
echo cpu,gpu_mem,batch,gpu_type,pred_metric,pred_objective,uncertainty,acquisition
echo "mph-suggest: $WHY" >&2
exit $CODE
EOF
	chmod +x suggest
	run -0 --separate-stderr env WHY="stop: no expected improvement above 1 % for 5 steps" CODE=3 \
		make -s tune MPH_SUGGEST=./suggest STOP=--stop
	assert_equal "$(cat tune/stop.txt)" "rule: no expected improvement above 1 % for 5 steps"
	assert_equal "$(($(wc -l < tune/trials.csv) - 1))" "$((8 + 2))"
	run -0 --separate-stderr env WHY="exhausted: no candidate left" CODE=4 make -s tune MPH_SUGGEST=./suggest
	assert_equal "$(cat tune/stop.txt)" "exhausted: no candidate left"
	run -0 make -s status
	assert_line "stopped: exhausted: no candidate left"
	# any other failure stops make, with mph-suggest's message
	run -2 --separate-stderr env WHY="bad" CODE=1 make -s tune MPH_SUGGEST=./suggest
	[[ "$stderr" == *"mph-suggest: bad"* ]]
}

@test "tune: a warning when the choice lies within SLO_MARGIN % of a limit; a missing setting is named" {
	make -s tune $STOPARG QUIET=1 2>/dev/null
	max=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "max") c = i } NR == 2 { print $c }' tune/chosen.csv)
	[ -n "$max" ] || skip "mph-pick --median writes no column max"
	lim=$(awk -v m="$max" 'BEGIN { printf "%.6g", m * 1.02 }')
	run -0 --separate-stderr make -s tune $STOPARG SLO="max <= $lim"
	assert_equal "$stderr" "tune: the search stopped: budget: 14 of 14 trials spent
tune: warning: the chosen configuration's max $max lies within 5 % of its limit $lim"
	lim=$(awk -v m="$max" 'BEGIN { printf "%.6g", m * 1.2 }')
	run -0 --separate-stderr make -s tune $STOPARG SLO="max <= $lim"
	assert_equal "$stderr" "tune: the search stopped: budget: 14 of 14 trials spent"
	run -2 --separate-stderr make -s tune PROBE=
	assert_equal "$stderr" "tune.mk: set PROBE (mph-probe's mode and options)
make: *** [$SHARE/tune.mk:$(grep -n 'set PROBE' "$SHARE/tune.mk" | cut -d: -f1): tune-check] Error 2"
}

# The body of the first ```LANG block after the README heading $1.
readme_block() {
	awk -v h="$1" -v lang="$2" '$0 == h { on = 1; next } on && $0 == "```" lang { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
		"$MPH_ROOT/README.md"
}

@test "tune: the README's Makefile is examples/tune's, and its commands run (under a minute)" {
	assert_equal "$(readme_block "## Tuning with make" make)" "$(grep -v '^#' "$MPH_ROOT/examples/tune/Makefile")"
	readme_block "## Tuning with make" sh > commands.sh
	[ "$(wc -l < commands.sh)" -eq 5 ]
	mkdir -p examples/tune
	sed "s|^ROOT := ../..|ROOT := $MPH_ROOT|" "$MPH_ROOT/examples/tune/Makefile" > examples/tune/Makefile
	mph-suggest -h | grep -q -- '--stop' || export STOP=
	export MPH_PICK="$PICK"
	SECONDS=0
	run -0 --separate-stderr bash -e commands.sh
	[ "$SECONDS" -lt 60 ]
	# tune, best, status, report, clean-tune: the choice printed twice (tune, best)
	assert_line --regexp '^trials: [0-9]+ of the budget 20, [0-9]+ repeats$'
	assert_line --regexp '^stopped: (budget: 20 of 20 trials spent|rule: .*)$'
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^cpu,gpu_mem,batch,gpu_type,')" -ge 3 ]
	[ ! -e examples/tune/tune ]
}

@test "tune: Ctrl-C (SIGINT to make's process group) and resume: the same trials file" {
	command -v python3 >/dev/null || skip "python3 is not installed"
	make -s tune $STOPARG QUIET=1 TUNE_DIR=ref 2>/dev/null
	# SIGINT at its default in a session of its own, as a terminal's Ctrl-C
	# reaches make and all it runs (a background job of a script ignores it)
	cat > ctrlc.py <<'PY'
import os, signal, subprocess, sys
p = subprocess.Popen(sys.argv[2:], start_new_session=True, stdout=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
try:
    p.wait(timeout=float(sys.argv[1]))
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGINT)
    p.wait()
print(p.returncode)
PY
	interrupted=0
	# a whole run takes about 0.3 s (mph-suggest, a process a step, ~10 ms):
	# the first SIGINT comes well before its end
	for d in 0.1 0.2 0.15 0.25 0.1 0.3; do
		rc=$(python3 ctrlc.py "$d" make -s tune $STOPARG QUIET=1 2>/dev/null)
		[ "$rc" = 0 ] && break
		# make dies of the SIGINT, or exits 2 when its recipe's end reached it first
		[ "$rc" = -2 ] || [ "$rc" = 2 ] || fail "make tune ended with $rc after SIGINT"
		interrupted=$((interrupted + 1))
	done
	[ "$interrupted" -ge 1 ]
	make -s tune $STOPARG QUIET=1 2>/dev/null >/dev/null
	cmp ref/trials.csv tune/trials.csv
	# nothing left running
	run pgrep -f "mph-probe --replay $SHARE/zoo/trace.csv --task densenet169"
	assert_failure
}
