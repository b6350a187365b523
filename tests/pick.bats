#!/usr/bin/env bats
# mph-pick: the paper's three objectives on hand-checked trials, ties, failed
# trials, constraints, -k, --pareto, --all, and every bad input.
#
# paper.csv by hand (cost = 0.2 + 0.02 cpu + price(gpu_type) gpu_mem, price
# T4 0.4, M60 0.4, V100 2.6; "nocpu" drops the 0.02 cpu):
#   row  cpu mem  type  rps   cost   rps/cost  cost nocpu  rps/cost nocpu
#   1    1   0.1  T4    52    0.26   200       0.24        216.67
#   2    5   0.1  T4    61.2  0.34   180       0.24        255     <- nocpu
#   3    2   0.2  T4    70.4  0.32   220 <-    0.28        251.43
#   4    5   0.6  V100  400   1.86   215.05    1.76        227.27
#   5    status=timeout, rps 500 (would win plain RPS), dropped
#   6    status=oom, rps empty, dropped
# Plain RPS picks row 4. Printed numbers are the shortest round-trip form of
# the double arithmetic (0.34 comes out as 0.34).

setup() {
	load helper
	cd "$FIXTURES/pick"
	OBJ="$SHARE/objectives"
}

HEADER="cpu,gpu_mem,batch,gpu_type,rps,p99_ms,status,note,cost,objective"
ROW1="1,0.1,1,T4,52,120,ok,smallest,0.26"
ROW2="5,0.1,8,T4,61.2,300,ok,many cores,0.34"
ROW3="2,0.2,16,T4,70.4,250,ok,,0.32"
ROW4='5,0.6,128,V100,400,800,ok,"fast, dear",1.86'
USAGE="usage: mph-pick [--all | -n N | --pareto] [--median | --race TOP,MOST[,Z]] [-s SPACE | -k K,...]
                -O OBJECTIVE [TRIALS]"

# Runs mph-pick expecting failure with exactly this message on stderr and
# nothing on stdout.
fails_with() {
	local status="$1" msg="$2"
	shift 2
	run -"$status" --separate-stderr mph-pick "$@"
	assert_output ""
	assert_equal "$stderr" "$msg"
}

@test "rps-per-dollar picks the most RPS per dollar" {
	run -0 mph-pick -O "$OBJ/rps-per-dollar.json" paper.csv
	assert_output "$HEADER
$ROW3,220"
}

@test "rps-per-dollar-nocpu picks the many-core row once cores are free" {
	run -0 mph-pick -O "$OBJ/rps-per-dollar-nocpu.json" paper.csv
	assert_output "$HEADER
5,0.1,8,T4,61.2,300,ok,many cores,0.24,255"
}

@test "plain rps picks the fastest trial that succeeded" {
	run -0 mph-pick -O "$OBJ/rps.json" paper.csv
	assert_output "$HEADER
$ROW4,400"
}

@test "trials come from standard input by default and with -" {
	run -0 bash -c "mph-pick -O '$OBJ/rps.json' < paper.csv"
	assert_line --index 1 "$ROW4,400"
	run -0 bash -c "mph-pick --objective '$OBJ/rps.json' - < paper.csv"
	assert_line --index 1 "$ROW4,400"
}

@test "-k gives the top K best first and stops at the feasible ones" {
	run -0 mph-pick -n 3 -O "$OBJ/rps-per-dollar.json" paper.csv
	assert_output "$HEADER
$ROW3,220
$ROW4,215.053763441
$ROW1,200"
	run -0 mph-pick --top 100 -O "$OBJ/rps-per-dollar.json" paper.csv
	assert_equal "${#lines[@]}" 5   # header and the four trials that ran
}

@test "ties: higher objective, then lower cost, then earlier row" {
	# All three score rps 100; row 1 costs 0.32, rows 2 and 3 cost 0.30
	# (M60 is priced as T4), so row 2, then row 3 (later), then row 1.
	run -0 mph-pick -n 4 -O "$OBJ/rps.json" ties.csv
	assert_output "cpu,gpu_mem,gpu_type,rps,cost,objective
1,0.2,T4,100,0.3,100
1,0.2,M60,100,0.3,100
2,0.2,T4,100,0.32,100
1,0.1,T4,90,0.26,90"
}

@test "--all annotates every row in input order with rank and why it was dropped" {
	run -0 mph-pick --all -O "$OBJ/rps-per-dollar.json" paper.csv
	assert_output "$HEADER,rank,excluded
$ROW1,200,3,
$ROW2,180,4,
$ROW3,220,1,
$ROW4,215.053763441,2,
3,0.3,32,M60,500,1500,timeout,would win rps,,,,status=timeout
3,0.3,64,M60,,,oom,,,,,status=oom"
}

@test "constraints drop violating trials, named in --all" {
	# p99_ms <= 500 drops row 4, "gpu_type != 'T4' || batch >= 8" row 1.
	run -0 mph-pick -O constrained.json paper.csv
	assert_output "$HEADER
$ROW3,70.4"
	run -0 mph-pick --all -O constrained.json paper.csv
	assert_line --index 1 "$ROW1,52,,constraint: gpu_type != 'T4' || batch >= 8"
	assert_line --index 4 "$ROW4,400,,constraint: p99_ms <= 500"
}

@test "a minimised metric ranks the lowest first" {
	# p99_ms, min, with rps >= 60: row 3 (250) before row 2 (300) and 4 (800).
	run -0 mph-pick -n 3 -O latency.json paper.csv
	assert_output "$HEADER
$ROW3,250
$ROW2,300
$ROW4,800"
}

@test "--pareto gives the front of metric against cost, cheapest first" {
	# Row 2 (0.34, 61.2) is beaten by row 3 (0.32, 70.4).
	run -0 mph-pick --pareto -O "$OBJ/rps-per-dollar.json" paper.csv
	assert_output "$HEADER
$ROW1,200
$ROW3,220
$ROW4,215.053763441"
	# Minimising p99_ms: row 3 is cheapest and fastest, so alone.
	run -0 mph-pick --pareto -O latency.json paper.csv
	assert_output "$HEADER
$ROW3,250"
	# Equal points are both on the front; row 1 is beaten by row 2.
	run -0 mph-pick --pareto -O "$OBJ/rps.json" ties.csv
	assert_output "cpu,gpu_mem,gpu_type,rps,cost,objective
1,0.1,T4,90,0.26,90
1,0.2,T4,100,0.3,100
1,0.2,M60,100,0.3,100"
}

@test "columns named cost, objective, rank or excluded are replaced, not repeated" {
	run -0 bash -c "mph-pick --all -O '$OBJ/rps.json' paper.csv | mph-pick --all -O '$OBJ/rps-per-dollar.json'"
	assert_line --index 0 "$HEADER,rank,excluded"
	assert_line --index 3 "$ROW3,220,1,"
}

@test "unknown columns, quoting and the status column are optional" {
	printf 'x,rps,gpu_type,cpu,gpu_mem\n"a,b",10,V100,1,0.5\n"say ""hi""",10,T4,1,0.5\n' > "$BATS_TEST_TMPDIR/t.csv"
	run -0 mph-pick -O "$OBJ/rps-per-dollar.json" "$BATS_TEST_TMPDIR/t.csv"
	assert_output 'x,rps,gpu_type,cpu,gpu_mem,cost,objective
"say ""hi""",10,T4,1,0.5,0.42,23.8095238095'
}

@test "no feasible trial: exit 1" {
	fails_with 1 "mph-pick: header.csv: no feasible trial" -O "$OBJ/rps.json" header.csv
	grep -v ',ok,' paper.csv > "$BATS_TEST_TMPDIR/failed.csv"
	cd "$BATS_TEST_TMPDIR"
	fails_with 1 "mph-pick: failed.csv: no feasible trial" -O "$OBJ/rps.json" failed.csv
	# --all still shows why
	run -0 mph-pick --all -O "$OBJ/rps.json" failed.csv
	assert_line --index 2 "3,0.3,64,M60,,,oom,,,,,status=oom"
}

@test "bad trials: the file, line, column and value" {
	cd "$BATS_TEST_TMPDIR"
	h="cpu,gpu_mem,gpu_type,rps"
	printf '%s\n1,0.1,T4,5\n1,0.1,T4,abc\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:3: column 'rps': not a number: 'abc'" -O "$OBJ/rps.json" t.csv
	printf '%s\n1,0.1,T4,nan\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: column 'rps': not a number: 'nan'" -O "$OBJ/rps.json" t.csv
	printf '%s\n1,0.1,T4,inf\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: column 'rps': not a number: 'inf'" -O "$OBJ/rps.json" t.csv
	printf '%s\n1,0.1,T4,\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: column 'rps': not a number: ''" -O "$OBJ/rps.json" t.csv
	printf '%s\ntwo,0.1,T4,5\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: column 'cpu': not a number: 'two'" -O "$OBJ/rps.json" t.csv
	printf '%s\n1,0.1,K80,5\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: column 'gpu_type': no price for 'K80'" -O "$OBJ/rps.json" t.csv
	printf '%s\n1,0.1,T4\n' "$h" > t.csv
	fails_with 1 "mph-pick: t.csv:2: expected 4 fields, found 3" -O "$OBJ/rps.json" t.csv
	printf 'cpu,gpu_mem,gpu_type,rps,p99_ms,batch\n1,0.1,T4,5,,8\n' > t.csv
	fails_with 1 "mph-pick: t.csv:2: constraint 'p99_ms <= 500': column 'p99_ms': not a number: ''" \
		-O "$FIXTURES/pick/constrained.json" t.csv
}

@test "bad trials: missing columns, empty input, huge fields, absent file" {
	cd "$BATS_TEST_TMPDIR"
	printf 'cpu,gpu_mem,gpu_type,throughput\n1,0.1,T4,5\n' > t.csv
	fails_with 1 "mph-pick: t.csv:1: missing required column 'rps'" -O "$OBJ/rps.json" t.csv
	printf 'cpu,gpu_type,rps\n1,T4,5\n' > t.csv
	fails_with 1 "mph-pick: t.csv:1: missing required column 'gpu_mem'" -O "$OBJ/rps.json" t.csv
	printf 'cpu,gpu_mem,gpu_type,rps,batch\n1,0.1,T4,5,8\n' > t.csv
	fails_with 1 "mph-pick: t.csv:1: constraint 'p99_ms <= 500': missing column 'p99_ms'" \
		-O "$FIXTURES/pick/constrained.json" t.csv
	: > empty.csv
	fails_with 1 "mph-pick: empty.csv: empty input: a header row is required" -O "$OBJ/rps.json" empty.csv
	{ printf 'cpu,gpu_mem,gpu_type,rps\n1,0.1,T4,'; head -c 2000000 /dev/zero | tr '\0' 9; echo; } > big.csv
	fails_with 1 "mph-pick: big.csv:2: field longer than 1048576 bytes" -O "$OBJ/rps.json" big.csv
	fails_with 1 "mph-pick: nope.csv: cannot open: No such file or directory" -O "$OBJ/rps.json" nope.csv
}

@test "bad objectives: each with its message" {
	cd "$BATS_TEST_TMPDIR"
	t="$FIXTURES/pick/paper.csv"
	printf '{\n  "metric": "rps",\n  "direction" "max"\n}\n' > o.json
	fails_with 1 "mph-pick: o.json:3:19: invalid JSON: ':' expected near '\"max\"'" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "goal": 1}' > o.json
	fails_with 1 "mph-pick: o.json:1:39: unknown key 'goal'" -O o.json "$t"
	echo '{"metric": "rps", "direction": "up"}' > o.json
	fails_with 1 "mph-pick: o.json:1:32: direction: expected 'max' or 'min', got 'up'" -O o.json "$t"
	echo '{"direction": "max"}' > o.json
	fails_with 1 "mph-pick: o.json: missing key 'metric'" -O o.json "$t"
	echo '{"metric": "rps"}' > o.json
	fails_with 1 "mph-pick: o.json: missing key 'direction'" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "cost": {"terms": [{"knob": "cpu", "price": -0.02}]}}' > o.json
	fails_with 1 "mph-pick: o.json: cost.terms[0].price: expected a non-negative number, got -0.02" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "cost": {"terms": [{"knob": "gpu_mem", "price_by": "gpu_type", "prices": {"T4": "0.4"}}]}}' > o.json
	fails_with 1 "mph-pick: o.json:1:119: cost.terms[0].prices.T4: expected a non-negative number, got '0.4'" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "constraints": ["p99_ms <= (1000"]}' > o.json
	fails_with 1 "mph-pick: o.json:1:55: constraints[0] 'p99_ms <= (1000': expected ')' at column 16" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "constraints": ["p99_ms = 1000"]}' > o.json
	fails_with 1 "mph-pick: o.json:1:63: constraints[0] 'p99_ms = 1000': unexpected '=' (use '==') at column 8" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "score": "metric_per_cost"}' > o.json
	fails_with 1 "mph-pick: o.json:1:60: score 'metric_per_cost' needs a 'cost' model" -O o.json "$t"
	echo '{"metric": "rps", "direction": "max", "score": "metric_per_cost", "cost": {"terms": [{"knob": "cpu", "price": 0}]}}' > o.json
	fails_with 1 "mph-pick: $t:2: cost is not positive: 0" -O o.json "$t"
	fails_with 1 "mph-pick: nope.json: cannot open: No such file or directory" -O nope.json "$t"
}

@test "the example of mph-objective(5) works as documented" {
	sed -n '/^\.SH EXAMPLES/,/^\.fi/p' "$MPH_ROOT/man/man5/mph-objective.5" | sed '1,2d;$d' > "$BATS_TEST_TMPDIR/o.json"
	run -0 mph-pick -O "$BATS_TEST_TMPDIR/o.json" paper.csv
	assert_output "$HEADER
$ROW3,220"
}

@test "usage errors exit 2 with the usage line" {
	fails_with 2 "mph-pick: missing -O OBJECTIVE
$USAGE" paper.csv
	fails_with 2 "mph-pick: --top: illegal number: '0' (expected 1..1000000000)
$USAGE" -n 0 -O "$OBJ/rps.json" paper.csv
	fails_with 2 "mph-pick: --top: illegal number: 'x' (expected 1..1000000000)
$USAGE" -n x -O "$OBJ/rps.json" paper.csv
	fails_with 2 "mph-pick: --all, --top and --pareto exclude each other
$USAGE" --all --pareto -O "$OBJ/rps.json" paper.csv
	fails_with 2 "mph-pick: too many arguments
$USAGE" -O "$OBJ/rps.json" paper.csv ties.csv
	run -2 --separate-stderr mph-pick --bogus -O "$OBJ/rps.json" paper.csv
	assert_equal "${stderr_lines[1]}
${stderr_lines[2]}" "$USAGE"
}

@test "--help, --version" {
	run -0 mph-pick --help
	assert_equal "${lines[0]}
${lines[1]}" "$USAGE"
	assert_output --partial "-n, --top N"
	run -0 mph-pick --version
	assert_output --regexp '^mph-pick [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a full stdout is an error" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr bash -c "mph-pick -O '$OBJ/rps.json' paper.csv > /dev/full"
	assert_output ""
	[ -n "$stderr" ]
}

@test "bad trials: NaN and infinity spelt every way, in the metric and in a knob" {
	cd "$BATS_TEST_TMPDIR"
	for v in nan NaN inf -inf Infinity 1e999 -1e999; do
		printf 'cpu,gpu_mem,gpu_type,rps\n1,0.1,T4,5\n1,0.1,T4,%s\n' "$v" > t.csv
		fails_with 1 "mph-pick: t.csv:3: column 'rps': not a number: '$v'" -O "$OBJ/rps.json" t.csv
		printf 'cpu,gpu_mem,gpu_type,rps\n1,%s,T4,5\n' "$v" > t.csv
		fails_with 1 "mph-pick: t.csv:2: column 'gpu_mem': not a number: '$v'" -O "$OBJ/rps-per-dollar.json" t.csv
	done
}

@test "bad input: a directory for the trials or the objective, a ragged row" {
	cd "$BATS_TEST_TMPDIR"
	mkdir d
	fails_with 1 "mph-pick: d: read error: Is a directory" -O "$OBJ/rps.json" d
	fails_with 1 "mph-pick: d: read error: Is a directory" -O d "$FIXTURES/pick/paper.csv"
	printf 'cpu,gpu_mem,gpu_type,rps\n1,0.1,T4,5,6\n' > t.csv
	fails_with 1 "mph-pick: t.csv:2: expected 4 fields, found 5" -O "$OBJ/rps.json" t.csv
}

@test "bad objectives: a mistake in a file of many lines names its line and column" {
	cd "$BATS_TEST_TMPDIR"
	t="$FIXTURES/pick/paper.csv"
	sed 's/"M60": 0.4/"M60": "cheap"/' "$OBJ/rps-per-dollar.json" > o.json
	line=$(grep -n '"cheap"' o.json | cut -d: -f1)
	col=$(( $(grep '"cheap"' o.json | sed 's/"cheap".*//' | wc -c) ))
	fails_with 1 "mph-pick: o.json:$line:$col: cost.terms[1].prices.M60: expected a non-negative number, got 'cheap'" -O o.json "$t"
	sed 's/"direction": "max"/"direction": "maximum"/' "$OBJ/rps.json" > o.json
	fails_with 1 "mph-pick: o.json:5:16: direction: expected 'max' or 'min', got 'maximum'" -O o.json "$t"
}

@test "--help and --version to a full or closed stdout exit 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	for opt in --help --version; do
		run -1 --separate-stderr bash -c "mph-pick $opt > /dev/full"
		assert_equal "$stderr" "mph-pick: <stdout>: write error: No space left on device"
		run -1 --separate-stderr bash -c "mph-pick $opt >&-"
		assert_equal "$stderr" "mph-pick: <stdout>: write error: Bad file descriptor"
	done
	run -1 --separate-stderr bash -c "mph-pick --all -O '$OBJ/rps.json' paper.csv >&-"
	assert_equal "$stderr" "mph-pick: <stdout>: write error: Bad file descriptor"
}

@test "getopt's own messages name the tool, not the path it was run by" {
	run -2 --separate-stderr "$MPH_ROOT/bin/mph-pick" --nosuch -O "$OBJ/rps.json" paper.csv
	assert_equal "$stderr" "mph-pick: unrecognized option '--nosuch'
$USAGE"
	run -2 --separate-stderr "$MPH_ROOT/bin/mph-space" -Z x
	assert_equal "${stderr%%$'\n'*}" "mph-space: invalid option -- 'Z'"
}

# repeats.csv by hand, plain rps (score = rps; cost as in paper.csv):
#   config         rows (rps)                      valid  median  min   max   row of the median
#   A 1,0.1,1,T4   52, 54.6, timeout, 57.2 (1.0,0.10) 3    54.6    52    57.2  54.6 (p99 110)
#   B 2,0.2,16,T4  500, 150, 160                   3      160     150   500   160 (p99 255)
#   C 5,0.6,128,V100  400                          1      400     400   400
#   D 3,0.3,32,M60 oom                             0
# One row each, B's lucky 500 wins; on the median C (400) beats B (160).
MHEAD="cpu,gpu_mem,batch,gpu_type,rps,p99_ms,status,cost,objective,n,min,max"
MC="5,0.6,128,V100,400,800,ok,1.86,400,1,400,400"
MB="2,0.2,16,T4,160,255,ok,0.32,160,3,150,500"
MA="1,0.1,1,T4,54.6,110,ok,0.26,54.6,3,52,57.2"

@test "--median: a configuration measured several times is judged on its median" {
	run -0 mph-pick -O "$OBJ/rps.json" repeats.csv
	assert_output "cpu,gpu_mem,batch,gpu_type,rps,p99_ms,status,cost,objective
2,0.2,16,T4,500,250,ok,0.32,500"
	run -0 mph-pick --median -O "$OBJ/rps.json" repeats.csv
	assert_output "$MHEAD
$MC"
	run -0 mph-pick --median -n 5 -O "$OBJ/rps.json" repeats.csv
	assert_output "$MHEAD
$MC
$MB
$MA"
	# the knobs named by the space, or by -k, give the same configurations
	run -0 mph-pick --median -n 5 -s "$SHARE/spaces/morphling.json" -O "$OBJ/rps.json" repeats.csv
	assert_output "$MHEAD
$MC
$MB
$MA"
	run -0 mph-pick --median -n 5 -k cpu,gpu_mem,batch,gpu_type -O "$OBJ/rps.json" < repeats.csv
	assert_output "$MHEAD
$MC
$MB
$MA"
}

@test "--median --all: one row per configuration in order of first appearance, rank and why" {
	run -0 mph-pick --median --all -O "$OBJ/rps.json" repeats.csv
	assert_output "$MHEAD,rank,excluded
$MA,3,
$MB,2,
$MC,1,
3,0.3,32,M60,,,oom,,,0,,,,status=oom"
}

@test "--median --pareto: the front of median metric against cost, cheapest first" {
	# per dollar: A 54.6/0.26, B 160/0.32, C 400/1.86: each buys more rps
	run -0 mph-pick --median --pareto -O "$OBJ/rps-per-dollar.json" repeats.csv
	assert_line --index 0 "$MHEAD"
	assert_line --index 1 --regexp '^1,0.1,1,T4,54.6,110,ok,0.26,(209.9999[0-9]*|210),3,52,57.2$'
	assert_line --index 2 "2,0.2,16,T4,160,255,ok,0.32,500,3,150,500"
	assert_line --index 3 --regexp '^5,0.6,128,V100,400,800,ok,1.86,215.05[0-9]*,1,400,400$'
	assert_equal "${#lines[@]}" 4
}

@test "--median -k: the columns named are the configuration; an even count shows its lower middle row" {
	# T4: 52, 54.6, 57.2, 150, 160, 500: median (57.2 + 150) / 2 = 103.6,
	# the row of 57.2 (written 1.0,0.10) shown
	run -0 mph-pick --median -k gpu_type -n 2 -O "$OBJ/rps.json" repeats.csv
	assert_output "$MHEAD
$MC
1.0,0.10,1,T4,103.6,130,ok,0.26,103.6,6,52,500"
}

@test "--median: -s and -k are checked" {
	fails_with 2 "mph-pick: -s and -k go with --median or --race
$USAGE" -k cpu -O "$OBJ/rps.json" repeats.csv
	fails_with 2 "mph-pick: -s and -k exclude each other
$USAGE" --median -k cpu -s "$SHARE/spaces/morphling.json" -O "$OBJ/rps.json" repeats.csv
	fails_with 1 "mph-pick: repeats.csv:1: missing required column 'threads'" --median -k threads -O "$OBJ/rps.json" repeats.csv
	fails_with 1 "mph-pick: nope.json: cannot open: No such file or directory" --median -s nope.json -O "$OBJ/rps.json" repeats.csv
}

# race.csv by hand, plain rps (score = rps), first rows then repeats:
#   config           rows (rps)        first  valid  mean  median  sum of squares
#   A 1,0.1,1,T4     100, 96, 104      100    3      100   100     32
#   B 2,0.2,16,T4    110, 90, 91       110    3      97    91      254
#   C 4,0.4,64,T4    95, 99            95     2      97    97      8
#   D 3,0.3,32,T4    80                80     1
#   E 5,0.6,128,V100 60                60     1
#   F 6,0.1,8,T4     timeout (500)            0
# --race 3,...: the contenders are B, A, C (the best first rows; F's failed).
# The noise's sd, pooled: sqrt((32 + 254 + 8) / (2 + 2 + 1)) = 7.668; A
# leads (100); B and C trail by 3, within 2 standard errors of the
# difference (7.668 sqrt(1/3 + 1/3) = 6.26, 7.668 sqrt(1/3 + 1/2) = 7.00),
# so all three are in the race; at Z = 0.3 neither is (3 > 1.88, 3 > 2.10).
RHEAD="cpu,gpu_mem,batch,gpu_type,rps,p99_ms,status,cost,objective,n,min,max,mean,again"
RA="1,0.1,1,T4,100,120,ok,0.26,100,3,96,104,100"
RB="2,0.2,16,T4,91,252,ok,0.32,91,3,90,110,97"
RC="4,0.4,64,T4,97,400,ok,0.44,97,2,95,99,97"

@test "--race: the best first rows race on their means; again: in the race with fewer than MOST rows" {
	# MOST 3: only C has fewer
	run -0 mph-pick --race 3,3 -O "$OBJ/rps.json" race.csv
	assert_output "$RHEAD
$RA,0
$RB,0
$RC,1"
	# MOST 4: all three again
	run -0 mph-pick --race 3,4 -s "$SHARE/spaces/morphling.json" -O "$OBJ/rps.json" race.csv
	assert_output "$RHEAD
$RA,1
$RB,1
$RC,1"
	# Z 0.3: B and C are out, the race is over; -n 1 is the choice
	run -0 mph-pick --race 3,4,0.3 -k cpu,gpu_mem,batch,gpu_type -O "$OBJ/rps.json" race.csv
	assert_output "$RHEAD
$RA,0
$RB,0
$RC,0"
	run -0 mph-pick --race 3,4 -n 1 -O "$OBJ/rps.json" race.csv
	assert_output "$RHEAD
$RA,1"
	# TOP 2: B and A; before any repeat there is no noise to judge by
	run -0 mph-pick --race 2,4 -O "$OBJ/rps.json" - < <(head -6 race.csv)
	assert_output "$RHEAD
2,0.2,16,T4,110,250,ok,0.32,110,1,110,110,110,1
1,0.1,1,T4,100,120,ok,0.26,100,1,100,100,100,1"
}

@test "--race: bad values and modes are usage errors" {
	for v in 3 3,1 0,4 3,4,x 3,4,-1 3,4,2,1 a,4; do
		fails_with 2 "mph-pick: --race: expected TOP,MOST[,Z] (TOP 1 to 1000, MOST 2 to 1000, Z 0 to 100): '$v'
$USAGE" --race "$v" -O "$OBJ/rps.json" race.csv
	done
	fails_with 2 "mph-pick: --race excludes --all, --pareto and --median
$USAGE" --race 3,4 --median -O "$OBJ/rps.json" race.csv
	fails_with 2 "mph-pick: --race excludes --all, --pareto and --median
$USAGE" --race 3,4 --all -O "$OBJ/rps.json" race.csv
}
