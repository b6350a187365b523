#!/usr/bin/env bats
# mph-metatrain: options, determinism, modes, provenance, bad input.

setup() { load helper; }

FIX=tests/fixtures/meta
FAST="--iters 30 --hidden 16,16 --shots 8 --query 16"

@test "-h prints every hyper-parameter with its default" {
	run mph-metatrain -h
	assert_success
	assert_line --partial "usage: mph-metatrain"
	assert_line --regexp '^ +--hidden N,\.\.\. +hidden layer sizes \[128,128\]$'
	assert_line --regexp '^ +--iters N .*\[[0-9]+\]$'
	assert_line --regexp '^ +--inner-lr A .*\[[0-9.e-]+\]$'
	assert_line --regexp '^ +--norm RULE .*\[zscore\]$'
	assert_line --regexp '^ +-M, --metric NAME .*\[rps\]$'
}

@test "--version" {
	run mph-metatrain --version
	assert_success
	assert_output --regexp '^mph-metatrain [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "usage errors exit 2 with the usage line" {
	run -2 --separate-stderr mph-metatrain --bogus x
	assert_equal "${stderr_lines[0]}" "mph-metatrain: unrecognized option '--bogus'"
	[[ "${stderr_lines[1]}" == "usage: mph-metatrain "* ]]
	run -2 --separate-stderr mph-metatrain --iters -3 "$MPH_ROOT/$FIX/trace.csv"
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --iters: illegal number: '-3' (expected 0..100000000)"
	run -2 --separate-stderr mph-metatrain --mode bogus "$MPH_ROOT/$FIX/trace.csv"
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --mode: expected maml or pretrain: 'bogus'"
	run -2 --separate-stderr mph-metatrain
	assert_equal "${stderr_lines[0]}" "mph-metatrain: missing TRACE"
	run -2 --separate-stderr mph-metatrain --mode pretrain --first-order "$MPH_ROOT/$FIX/trace.csv"
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --first-order goes with --mode maml"
	run -2 --separate-stderr mph-metatrain -
	assert_equal "${stderr_lines[0]}" "mph-metatrain: reading the trace from standard input needs -s SPACE"
}

@test "writes a model file with format, space, normalisation and provenance" {
	cd "$MPH_ROOT"
	run mph-metatrain -q -s $FIX/space.json $FAST -o "$BATS_TEST_TMPDIR/m.json" $FIX/trace.csv
	assert_success
	assert_output ""
	m="$BATS_TEST_TMPDIR/m.json"
	# by default an ensemble of three networks
	run jq -r '[.format, .version, .metric, .normalisation.rule, .normalisation.adapted, (.network | length),
	            .network[0].inputs, (.network[0].hidden | join(",")), .provenance.tool, .provenance.mode,
	            .provenance.training.ensemble, .provenance.data.rows, (.provenance.data.tasks | join(" ")),
	            (.space.knobs | length)] | join(" ")' "$m"
	assert_output "mph-model 1 rps zscore false 3 4 16,16 mph-metatrain maml 3 128 alpha beta gamma delta 3"
	run jq -r '.provenance.data.digest | test("^[0-9a-f]{16}$")' "$m"
	assert_output true
	run jq -r '.network[2].layers[0].W | length' "$m"
	assert_output 16
}

@test "same inputs and seed give byte-identical model files; another seed does not" {
	cd "$MPH_ROOT"
	d="$BATS_TEST_TMPDIR"
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 -o "$d/a.json" $FIX/trace.csv
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 -o "$d/b.json" $FIX/trace.csv
	cmp "$d/a.json" "$d/b.json"
	mph-metatrain -q -s $FIX/space.json $FAST --seed 8 -o "$d/c.json" $FIX/trace.csv
	run cmp -s "$d/a.json" "$d/c.json"
	assert_failure
	# The output's name is not part of the model: stdout gives the same bytes.
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 $FIX/trace.csv > "$d/e.json"
	cmp "$d/a.json" "$d/e.json"
	# From standard input, the same model (the arguments aside).
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 - < $FIX/trace.csv > "$d/f.json"
	run bash -c "diff <(jq -S 'del(.provenance.args)' '$d/a.json') <(jq -S 'del(.provenance.args)' '$d/f.json')"
	assert_success
}

@test "--ensemble N: N networks from their own seeds, the first the lone network of the seed" {
	cd "$MPH_ROOT"
	d="$BATS_TEST_TMPDIR"
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 --ensemble 1 -o "$d/one.json" $FIX/trace.csv
	run jq -r '[.network.inputs, .provenance.training.ensemble] | join(" ")' "$d/one.json"
	assert_output "4 " # one network is an object, and the provenance says nothing of an ensemble
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 -o "$d/e3.json" $FIX/trace.csv
	run jq -r '[(.network | length), .provenance.training.ensemble, (.network[2].hidden | join(","))] | join(" ")' "$d/e3.json"
	assert_output "3 3 16,16"
	# member 0 is the lone network; the others differ from it and each other
	run bash -c "diff <(jq -c .network '$d/one.json') <(jq -c '.network[0]' '$d/e3.json')"
	assert_success
	mph-metatrain -q -s $FIX/space.json $FAST --seed 7 --ensemble 3 -o "$d/e3b.json" $FIX/trace.csv
	run bash -c "diff <(jq -S 'del(.provenance.args)' '$d/e3.json') <(jq -S 'del(.provenance.args)' '$d/e3b.json')"
	assert_success
	run jq -r '[.network[0].layers[0].b, .network[1].layers[0].b, .network[2].layers[0].b] | unique | length' "$d/e3.json"
	assert_output 3
	# seeds 7 and 8 share no member
	mph-metatrain -q -s $FIX/space.json $FAST --seed 8 -o "$d/f3.json" $FIX/trace.csv
	run bash -c "jq -c '.network[]' '$d/e3.json' '$d/f3.json' | sort | uniq -d | wc -l"
	assert_output 0
	# -v names the network training
	run --separate-stderr mph-metatrain -v -s $FIX/space.json $FAST --ensemble 2 $FIX/trace.csv
	assert_equal "${stderr_lines[0]}" "mph-metatrain: 4 tasks, 128 rows, 4 features, 369 parameters, 2 networks"
	[[ "$stderr" == *"network 2/2, iteration 30/30 loss "* ]]
	run -2 --separate-stderr mph-metatrain --ensemble 0 $FIX/trace.csv
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --ensemble: illegal number: '0' (expected 1..1000)"
}

@test "--threads N: the same model whatever N, for MAML, first order and pretraining" {
	cd "$MPH_ROOT"
	d="$BATS_TEST_TMPDIR"
	# the weights and everything else but the recorded command line
	body() { jq -S 'del(.provenance.args)' "$1"; }
	for mode in "" "--first-order" "--mode pretrain"; do
		mph-metatrain -q -s $FIX/space.json $FAST $mode --ensemble 3 --threads 1 -o "$d/t1.json" $FIX/trace.csv
		body "$d/t1.json" > "$d/b1.json"
		for n in 2 3 7; do
			mph-metatrain -q -s $FIX/space.json $FAST $mode --ensemble 3 --threads $n -o "$d/t$n.json" $FIX/trace.csv
			body "$d/t$n.json" > "$d/b$n.json"
			cmp "$d/b1.json" "$d/b$n.json"
		done
		# and without the option (the cores available)
		mph-metatrain -q -s $FIX/space.json $FAST $mode --ensemble 3 -o "$d/t0.json" $FIX/trace.csv
		body "$d/t0.json" > "$d/b0.json"
		cmp "$d/b1.json" "$d/b0.json"
	done
	# an ensemble's first member is the lone network of its seed, trained alone
	mph-metatrain -q -s $FIX/space.json $FAST --ensemble 3 -o "$d/three.json" $FIX/trace.csv
	mph-metatrain -q -s $FIX/space.json $FAST --threads 2 --ensemble 1 -o "$d/one.json" $FIX/trace.csv
	jq -c '.network' "$d/one.json" > "$d/n1.json"
	jq -c '.network[0]' "$d/three.json" > "$d/n3.json"
	cmp "$d/n1.json" "$d/n3.json"
	run -2 --separate-stderr mph-metatrain --threads 0 $FIX/trace.csv
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --threads: illegal number: '0' (expected 1..1024)"
	run mph-metatrain -h
	[[ "$output" == *"--threads N        threads that train at once"* ]]
}

@test "pretrain and first-order modes, and the space derived from the trace" {
	cd "$MPH_ROOT"
	d="$BATS_TEST_TMPDIR"
	run mph-metatrain -q --mode pretrain $FAST -o "$d/p.json" $FIX/trace.csv
	assert_success
	run jq -r '.provenance.mode + " " + (.space.knobs | map(.name) | join(","))' "$d/p.json"
	assert_output "pretrain cpu,batch,gpu"
	run mph-metatrain -q --first-order -s $FIX/space.json $FAST -o "$d/f.json" $FIX/trace.csv
	assert_success
	run jq -r .provenance.mode "$d/f.json"
	assert_output fomaml
}

@test "--tasks and --exclude choose the training tasks" {
	cd "$MPH_ROOT"
	d="$BATS_TEST_TMPDIR"
	mph-metatrain -q -s $FIX/space.json $FAST --exclude beta,delta -o "$d/x.json" $FIX/trace.csv
	run jq -r '.provenance.data.tasks | join(",")' "$d/x.json"
	assert_output "alpha,gamma"
	mph-metatrain -q -s $FIX/space.json $FAST --tasks delta -o "$d/y.json" $FIX/trace.csv
	run jq -r '.provenance.data.tasks | join(",")' "$d/y.json"
	assert_output "delta"
	run -1 --separate-stderr mph-metatrain -q -s $FIX/space.json $FAST --exclude nope $FIX/trace.csv
	assert_equal "$stderr" "mph-metatrain: $FIX/trace.csv: --exclude: no task 'nope' in the trace"
}

@test "-v reports progress on stderr, stdout carries only the model" {
	cd "$MPH_ROOT"
	run --separate-stderr mph-metatrain -v -s $FIX/space.json $FAST $FIX/trace.csv
	assert_success
	assert_equal "${stderr_lines[0]}" "mph-metatrain: 4 tasks, 128 rows, 4 features, 369 parameters, 3 networks"
	[[ "$stderr" == *"network 3/3, iteration 30/30 loss "* ]]
	run jq -r .format <<< "$output"
	assert_output mph-model
}

@test "a trace missing the metric: clear error, exit 1, no output file" {
	cd "$MPH_ROOT"
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr mph-metatrain -s $FIX/space.json -M p99_ms -o "$BATS_TEST_TMPDIR/out/m.json" $FIX/trace.csv
	assert_equal "$stderr" "mph-metatrain: $FIX/trace.csv:1: missing required column 'p99_ms'"
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output ""
}

@test "a task with too few rows for K shots: clear error, exit 1, no output file" {
	cd "$MPH_ROOT"
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr mph-metatrain -s $FIX/space.json --shots 32 -o "$BATS_TEST_TMPDIR/out/m.json" $FIX/trace.csv
	assert_equal "$stderr" "mph-metatrain: $FIX/trace.csv: task 'alpha' has 32 rows, fewer than 33 (32 shots + 1 query)"
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output ""
}

@test "a bad metric value names the line; a failed trial needs none" {
	cd "$MPH_ROOT"
	t="$BATS_TEST_TMPDIR/t.csv"
	sed '5s/,ok$/,crash/; 5s/,[0-9.]*,crash$/,,crash/' $FIX/trace.csv > "$t"
	run mph-metatrain -q -s $FIX/space.json $FAST "$t"
	assert_success
	sed '7s/,[0-9.]*,ok$/,fast,ok/' $FIX/trace.csv > "$t"
	run -1 --separate-stderr mph-metatrain -q -s $FIX/space.json $FAST "$t"
	assert_equal "$stderr" "mph-metatrain: $t:7: column 'rps': not a number: 'fast'"
	sed '9s/^alpha,1,/alpha,9,/' $FIX/trace.csv > "$t"
	run -1 --separate-stderr mph-metatrain -q -s $FIX/space.json $FAST "$t"
	assert_equal "$stderr" "mph-metatrain: $t:9: column 'cpu': '9' is not a value of the space"
}

@test "falcon-sources: trains on the real trace, holding out a model" {
	need_shared_data
	cd "$MPH_ROOT"
	run mph-metatrain -q -M rps_per_budget_norm --iters 20 --exclude bert-base \
		-o "$BATS_TEST_TMPDIR/f.json" "$SHARED_DATA/falcon-sources/falcon-sources.csv"
	assert_success
	run jq -r '[.network[0].inputs, .provenance.data.rows, (.provenance.data.tasks | length)] | join(" ")' "$BATS_TEST_TMPDIR/f.json"
	assert_output "8 24480 17"
}

@test "bad traces: NaN and infinity in the metric or a knob, each with line and value, no output file" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out
	for v in nan inf -inf 1e999 Infinity; do
		sed "3s/^\(alpha,1,1,b\),[0-9.]*,ok/\1,$v,ok/" "$MPH_ROOT/$FIX/trace.csv" > t.csv
		run -1 --separate-stderr mph-metatrain -s "$MPH_ROOT/$FIX/space.json" $FAST -o out/m.json t.csv
		assert_equal "$stderr" "mph-metatrain: t.csv:3: column 'rps': not a number: '$v'"
		sed "3s/^alpha,1,1,b,/alpha,$v,1,b,/" "$MPH_ROOT/$FIX/trace.csv" > t.csv
		run -1 --separate-stderr mph-metatrain -s "$MPH_ROOT/$FIX/space.json" $FAST -o out/m.json t.csv
		assert_equal "$stderr" "mph-metatrain: t.csv:3: column 'cpu': not a number: '$v'"
		# the space derived from the trace refuses it too
		run -1 --separate-stderr mph-metatrain $FAST -o out/m.json t.csv
		assert_equal "$stderr" "mph-metatrain: t.csv:3: column 'cpu': not a finite number: '$v'"
	done
	run ls -A out
	assert_output ""
}

@test "bad traces: ragged, empty, header only, no task column, a directory, a field of megabytes" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out d
	S="$MPH_ROOT/$FIX/space.json"
	sed '4s/,ok$//' "$MPH_ROOT/$FIX/trace.csv" > t.csv
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv:4: expected 6 fields, found 5"
	: > t.csv
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv: empty input: a header row is required"
	run -1 --separate-stderr mph-metatrain -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv: empty input: a header row is required"
	head -1 "$MPH_ROOT/$FIX/trace.csv" > t.csv
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv: no rows after the header"
	cut -d, -f2- "$MPH_ROOT/$FIX/trace.csv" > t.csv
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv:1: missing required column 'task'"
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json d
	assert_equal "$stderr" "mph-metatrain: d: read error: Is a directory"
	run -1 --separate-stderr mph-metatrain -s d -o out/m.json "$MPH_ROOT/$FIX/trace.csv"
	assert_equal "$stderr" "mph-metatrain: d: read error: Is a directory"
	{ head -2 "$MPH_ROOT/$FIX/trace.csv"; printf 'alpha,1,2,a,'; head -c 2000000 /dev/zero | tr '\0' 7; echo ',ok'; } > t.csv
	run -1 --separate-stderr mph-metatrain -s "$S" -o out/m.json t.csv
	assert_equal "$stderr" "mph-metatrain: t.csv:3: field longer than 1048576 bytes"
	run ls -A out
	assert_output ""
}

@test "a full or closed stdout is an error, for the model and for --help" {
	[ -w /dev/full ] || skip "no /dev/full"
	cd "$MPH_ROOT"
	run -1 --separate-stderr bash -c "mph-metatrain -q -s $FIX/space.json $FAST $FIX/trace.csv > /dev/full"
	assert_equal "$stderr" "mph-metatrain: <stdout>: write error: No space left on device"
	run -1 --separate-stderr bash -c "mph-metatrain -q -s $FIX/space.json --iters 1 --hidden 2 $FIX/trace.csv > /dev/full"
	assert_equal "$stderr" "mph-metatrain: <stdout>: write error: No space left on device"
	run -1 --separate-stderr bash -c "mph-metatrain -q -s $FIX/space.json $FAST $FIX/trace.csv >&-"
	assert_equal "$stderr" "mph-metatrain: <stdout>: write error: Bad file descriptor"
	for opt in --help --version; do
		run -1 --separate-stderr bash -c "mph-metatrain $opt > /dev/full"
		assert_equal "$stderr" "mph-metatrain: <stdout>: write error: No space left on device"
	done
}

@test "the same bytes whatever OpenBLAS's thread count or the CPUs allowed" {
	need_shared_data
	# 8 features and 1024-row batches: shapes where threaded OpenBLAS dgemm
	# sums in another order.
	f="$SHARED_DATA/falcon-sources/falcon-sources.csv"
	d="$BATS_TEST_TMPDIR"
	args="-q -M rps_per_budget_norm --mode pretrain --iters 2 --query 1024 --seed 4"
	mph-metatrain $args "$f" > "$d/a.json"
	OPENBLAS_NUM_THREADS=2 mph-metatrain $args "$f" > "$d/b.json"
	cmp "$d/a.json" "$d/b.json"
	if command -v taskset > /dev/null; then
		taskset -c 0 mph-metatrain $args "$f" > "$d/c.json"
		cmp "$d/a.json" "$d/c.json"
	fi
	OPENBLAS_NUM_THREADS=2 mph-metatrain -q -s "$MPH_ROOT/$FIX/space.json" $FAST "$MPH_ROOT/$FIX/trace.csv" > "$d/e.json"
	mph-metatrain -q -s "$MPH_ROOT/$FIX/space.json" $FAST "$MPH_ROOT/$FIX/trace.csv" > "$d/f.json"
	cmp "$d/e.json" "$d/f.json"
}

@test "-O OBJECTIVE: rows that break its constraints are learnt as failed ones; --fail-worst as the worst that served" {
	EV="$MPH_ROOT/tests/fixtures/eval"
	cd "$BATS_TEST_TMPDIR"
	# the fixture's larger batches break a p99 of 200 ms
	printf '{"metric": "rps", "direction": "max", "constraints": ["p99_ms <= 200"]}\n' > slo.json
	printf '{"metric": "rps", "direction": "max"}\n' > plain.json
	train() { mph-metatrain -q -s "$EV/space.json" $FAST --exclude t5 "$@" "$EV/trace.csv"; }
	train -o none.json
	train -O plain.json -o plain-model.json
	train -O slo.json -o slo-model.json
	train -O slo.json --fail-worst -o worst-model.json
	net() { jq -c .network "$1"; }
	# no constraint: the same network (-O names the metric: rps, as -M's default)
	assert_equal "$(net plain-model.json)" "$(net none.json)"
	[ "$(net slo-model.json)" != "$(net none.json)" ]
	[ "$(net worst-model.json)" != "$(net slo-model.json)" ]
	run jq -r '.metric, (.provenance.args | join(" "))' slo-model.json
	assert_line --index 0 rps
	assert_line --index 1 --partial "-O slo.json"
	# mph-eval trains as mph-metatrain -O with its own objective
	mph-eval -q -O slo.json -s "$EV/space.json" -a morphling $FAST --test-tasks t5 --seed 2 --cap 12 "$EV/trace.csv" |
		cut -d, -f1,2,4- > inproc.csv
	mph-eval -q -O slo.json -s "$EV/space.json" -a morphling -m slo-model.json --test-tasks t5 --seed 2 --cap 12 \
		"$EV/trace.csv" | cut -d, -f1,2,4- > given.csv
	cmp inproc.csv given.csv
	mph-eval -q -O slo.json -s "$EV/space.json" -a morphling -m none.json --test-tasks t5 --seed 2 --cap 12 \
		"$EV/trace.csv" | cut -d, -f1,2,4- > unconstrained.csv
	! cmp -s inproc.csv unconstrained.csv
	# errors: --fail-worst needs a direction; the objective judges the metric learnt
	run -2 --separate-stderr train --fail-worst -o x.json
	assert_equal "${stderr_lines[0]}" "mph-metatrain: --fail-worst needs -O OBJECTIVE (which way is worst)"
	run -1 --separate-stderr train -M p99_ms -O slo.json -o x.json
	assert_equal "$stderr" "mph-metatrain: slo.json: metric 'rps' is not the one learnt ('p99_ms')"
	printf '{"metric": "rps", "direction": "max", "constraints": ["p50_ms <= 10"]}\n' > gone.json
	run -1 --separate-stderr train -O gone.json -o x.json
	assert_equal "$stderr" "mph-metatrain: $EV/trace.csv:1: constraint 'p50_ms <= 10': missing column 'p50_ms'"
	[ ! -e x.json ]
}
