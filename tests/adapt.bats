#!/usr/bin/env bats
# mph-adapt: adaptation, --predict, --init random, model checks, bad input.

setup() {
	load helper
	FIX="$MPH_ROOT/tests/fixtures/meta"
	META="$BATS_TEST_TMPDIR/meta.json"
	mph-metatrain -q -s "$FIX/space.json" --iters 150 --hidden 32,32 --shots 8 --query 16 \
		--seed 3 -o "$META" "$FIX/trace.csv"
}

@test "-h and --version" {
	run mph-adapt -h
	assert_success
	assert_line --partial "usage: mph-adapt"
	assert_line --regexp '^ +--init INIT '
	run mph-adapt --version
	assert_output --regexp '^mph-adapt [0-9.]+$'
}

@test "usage errors exit 2" {
	run -2 --separate-stderr mph-adapt
	assert_equal "${stderr_lines[0]}" "mph-adapt: missing MODEL"
	run -2 --separate-stderr mph-adapt --init bogus "$META"
	assert_equal "${stderr_lines[0]}" "mph-adapt: --init: expected meta or random: 'bogus'"
	run -2 --separate-stderr mph-adapt --steps x "$META"
	assert_equal "${stderr_lines[0]}" "mph-adapt: --steps: illegal number: 'x' (expected 0..10000000)"
	run -2 --separate-stderr mph-adapt - -
	assert_equal "${stderr_lines[0]}" "mph-adapt: MODEL and TRIALS cannot both be standard input"
}

@test "writes an adapted model: normalisation fitted on the trials, provenance kept" {
	run mph-adapt -o "$BATS_TEST_TMPDIR/a.json" "$META" "$FIX/trials.csv"
	assert_success
	# zscore over the 8 trials, the oom one at 0: mean 260, sample sd 263.83...
	run jq -r '[.normalisation.adapted, .normalisation.shift, .normalisation.scale, .provenance.tool,
	            .provenance.adaptation.tool, .provenance.adaptation.trials,
	            .provenance.adaptation.failed, .provenance.adaptation.init] | join(" ")' "$BATS_TEST_TMPDIR/a.json"
	assert_output "true 260 263.8316562832119 mph-metatrain mph-adapt 8 1 meta"
	# Trials from standard input give the same model.
	mph-adapt "$META" < "$FIX/trials.csv" > "$BATS_TEST_TMPDIR/b.json"
	run bash -c "diff <(jq -S 'del(.provenance.adaptation.args)' '$BATS_TEST_TMPDIR/a.json') <(jq -S 'del(.provenance.adaptation.args)' '$BATS_TEST_TMPDIR/b.json')"
	assert_success
}

@test "the adapted weights differ from the meta-weights; --steps 0 keeps them" {
	mph-adapt -o "$BATS_TEST_TMPDIR/a.json" "$META" "$FIX/trials.csv"
	mph-adapt --steps 0 -o "$BATS_TEST_TMPDIR/z.json" "$META" "$FIX/trials.csv"
	run bash -c "diff <(jq .network '$META') <(jq .network '$BATS_TEST_TMPDIR/a.json') > /dev/null"
	assert_failure
	run bash -c "diff <(jq .network '$META') <(jq .network '$BATS_TEST_TMPDIR/z.json')"
	assert_success
}

@test "--predict writes each configuration with its prediction, in metric units" {
	mph-space "$FIX/space.json" > "$BATS_TEST_TMPDIR/all.csv"
	run mph-adapt --predict "$BATS_TEST_TMPDIR/all.csv" "$META" "$FIX/trials.csv"
	assert_success
	assert_equal "${#lines[@]}" 33
	assert_line --index 0 "cpu,batch,gpu,pred_metric"
	[[ "${lines[1]}" == 1,1,a,* ]]
	# The model learnt the shape: the largest batch on the most cores on gpu b is best.
	run bash -c "tail -n +2 <<< '$output' | sort -t, -k4 -g | tail -1 | cut -d, -f1-3"
	assert_output "4,8,b"
	# Extra columns pass through; an old prediction column is replaced.
	printf 'id,gpu,batch,cpu,pred_metric\nx,b,8,4,1\n' > "$BATS_TEST_TMPDIR/c.csv"
	run mph-adapt --predict "$BATS_TEST_TMPDIR/c.csv" "$META" "$FIX/trials.csv"
	assert_line --index 0 "id,gpu,batch,cpu,pred_metric"
	assert_line --index 1 --regexp '^x,b,8,4,[0-9.e+]+$'
	run bash -c "cut -d, -f5 <<< '${lines[1]}' | awk '{ exit !(\$1 > 300) }'"
	assert_success
}

@test "--init random trains from scratch, reproducibly by seed" {
	mph-adapt --init random --seed 5 -o "$BATS_TEST_TMPDIR/r1.json" "$META" "$FIX/trials.csv"
	mph-adapt --init random --seed 5 -o "$BATS_TEST_TMPDIR/r2.json" "$META" "$FIX/trials.csv"
	cmp "$BATS_TEST_TMPDIR/r1.json" "$BATS_TEST_TMPDIR/r2.json"
	mph-adapt --init random --seed 6 -o "$BATS_TEST_TMPDIR/r3.json" "$META" "$FIX/trials.csv"
	run cmp -s "$BATS_TEST_TMPDIR/r1.json" "$BATS_TEST_TMPDIR/r3.json"
	assert_failure
	run jq -r '.provenance.adaptation | [.init, .optimizer, .steps] | join(" ")' "$BATS_TEST_TMPDIR/r1.json"
	assert_output "random adam 200"
}

@test "an ensemble model: every network adapts, the prediction is their mean" {
	E="$BATS_TEST_TMPDIR/ens.json"
	mph-metatrain -q -s "$FIX/space.json" --iters 150 --hidden 32,32 --shots 8 --query 16 \
		--seed 3 --ensemble 3 -o "$E" "$FIX/trace.csv"
	mph-adapt -o "$BATS_TEST_TMPDIR/a.json" "$E" "$FIX/trials.csv"
	run jq -r '[(.network | length), .normalisation.adapted] | join(" ")' "$BATS_TEST_TMPDIR/a.json"
	assert_output "3 true"
	for k in 0 1 2; do
		run bash -c "diff <(jq '.network[$k]' '$E') <(jq '.network[$k]' '$BATS_TEST_TMPDIR/a.json') > /dev/null"
		assert_failure
	done
	# the mean of the networks' predictions: each network alone, through a
	# model file that holds only it, predicts in the same units
	mph-space "$FIX/space.json" > "$BATS_TEST_TMPDIR/all.csv"
	mph-adapt --predict "$BATS_TEST_TMPDIR/all.csv" "$E" "$FIX/trials.csv" | cut -d, -f4 > "$BATS_TEST_TMPDIR/mean.txt"
	for k in 0 1 2; do
		jq ".network = .network[$k]" "$BATS_TEST_TMPDIR/a.json" > "$BATS_TEST_TMPDIR/m$k.json"
		mph-adapt --steps 0 --predict "$BATS_TEST_TMPDIR/all.csv" "$BATS_TEST_TMPDIR/m$k.json" "$FIX/trials.csv" |
			cut -d, -f4 > "$BATS_TEST_TMPDIR/p$k.txt"
	done
	run bash -c "paste -d' ' '$BATS_TEST_TMPDIR/mean.txt' '$BATS_TEST_TMPDIR/p0.txt' '$BATS_TEST_TMPDIR/p1.txt' '$BATS_TEST_TMPDIR/p2.txt' |
		tail -n +2 | awk '{ d = \$1 - (\$2 + \$3 + \$4) / 3; if (d < 0) d = -d; if (d > 1e-6 * (1 + (\$1 < 0 ? -\$1 : \$1))) bad++ } END { print NR, bad + 0 }'"
	assert_output "32 0"
	# and the members do disagree
	run cmp -s "$BATS_TEST_TMPDIR/p0.txt" "$BATS_TEST_TMPDIR/p1.txt"
	assert_failure
}

@test "a model from another space is rejected" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr mph-adapt -s "$FIX/other-space.json" -o "$BATS_TEST_TMPDIR/out/a.json" "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $META: space differs from the model's: knob 'cpu' has 5 values, the model's has 4"
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output ""
	run mph-adapt -s "$FIX/space.json" -o "$BATS_TEST_TMPDIR/out/a.json" "$META" "$FIX/trials.csv"
	assert_success
	# Trials outside the model's space.
	printf 'cpu,batch,gpu,rps\n5,1,a,10\n' > "$BATS_TEST_TMPDIR/t.csv"
	run -1 --separate-stderr mph-adapt "$META" "$BATS_TEST_TMPDIR/t.csv"
	assert_equal "$stderr" "mph-adapt: $BATS_TEST_TMPDIR/t.csv:2: column 'cpu': '5' is not a value of the space"
}

@test "a truncated model file: clear error, exit 1, no output file" {
	mkdir "$BATS_TEST_TMPDIR/out"
	head -c 2000 "$META" > "$BATS_TEST_TMPDIR/t.json"
	run -1 --separate-stderr mph-adapt -o "$BATS_TEST_TMPDIR/out/a.json" "$BATS_TEST_TMPDIR/t.json" "$FIX/trials.csv"
	[[ "$stderr" == "mph-adapt: $BATS_TEST_TMPDIR/t.json:"*": invalid JSON: "* ]]
	run ls -A "$BATS_TEST_TMPDIR/out"
	assert_output ""
}

@test "NaN or infinite weights, wrong shapes, wrong format: clear errors, exit 1" {
	m="$BATS_TEST_TMPDIR/m.json"
	sed '0,/"b": \[/s/"b": \[/"b": [1e999, /' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	[[ "$stderr" == "mph-adapt: $m:"*"invalid JSON: real number overflow"* ]]
	sed '0,/"b": \[/s/"b": \[/"b": [NaN, /' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	[[ "$stderr" == "mph-adapt: $m:"*"invalid JSON"* ]]
	# the default model is an ensemble of three: the message names the network
	jq '.network[2].layers[2].b = [1, 2]' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: network[2]: layers[2].b: expected an array of 1 numbers"
	jq '.network[0].layers[0].W[0][0] = "x"' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: network[0]: layers[0].W[0][0]: not a number"
	jq '.network = .network[1]' "$META" > "$m"
	run -0 mph-adapt "$m" "$FIX/trials.csv"
	jq '.network = (.network[1] | .layers[0].W[0][0] = "x")' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: network: layers[0].W[0][0]: not a number"
	jq '.network[1].hidden = [32, 16]' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: network[1]: layers[1].W must have 16 rows"
	jq '.network = []' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: 'network' must be an object or a non-empty array of them"
	jq '.version = 2' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: unsupported model version 2 (this is version 1)"
	jq '.format = "svm"' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: not a model file: 'format' is not \"mph-model\""
	jq '.network[1].inputs = 5' "$META" > "$m"
	run -1 --separate-stderr mph-adapt "$m" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $m: network[1]: 5 inputs, but its space encodes 4 features"
}

@test "trials: missing metric, empty file, failed rows kept" {
	run -1 --separate-stderr mph-adapt -M p99_ms "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: $FIX/trials.csv:1: missing required column 'p99_ms'"
	head -1 "$FIX/trials.csv" > "$BATS_TEST_TMPDIR/e.csv"
	run -1 --separate-stderr mph-adapt "$META" "$BATS_TEST_TMPDIR/e.csv"
	assert_equal "$stderr" "mph-adapt: $BATS_TEST_TMPDIR/e.csv: no trials to adapt on"
	run --separate-stderr mph-adapt -v "$META" "$FIX/trials.csv"
	assert_success
	[[ "$stderr" == "mph-adapt: adapted on 8 trials, rms error "* ]]
}

@test "falcon-sources: adapt a held-out model and predict its 1440 configurations" {
	need_shared_data
	f="$SHARED_DATA/falcon-sources/falcon-sources.csv"
	mph-metatrain -q -M rps_per_budget_norm --iters 50 --exclude vgg-19 -o "$BATS_TEST_TMPDIR/f.json" "$f"
	grep -E '^(task|vgg-19),' "$f" | cut -d, -f2- > "$BATS_TEST_TMPDIR/all.csv"
	head -17 "$BATS_TEST_TMPDIR/all.csv" > "$BATS_TEST_TMPDIR/trials.csv"
	run mph-adapt --predict "$BATS_TEST_TMPDIR/all.csv" "$BATS_TEST_TMPDIR/f.json" "$BATS_TEST_TMPDIR/trials.csv"
	assert_success
	assert_equal "${#lines[@]}" 1441
	assert_line --index 0 "batch,cpu,gpu_mem_gb,gpu_power_pct,gpu_type,rps_per_budget_norm,pred_metric"
}

@test "bad trials: NaN and infinity, ragged rows, a directory, no output file" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out d
	for v in nan inf -inf 1e999; do
		sed "3s/^\(1,8,a\),280,/\1,$v,/" "$FIX/trials.csv" > t.csv
		run -1 --separate-stderr mph-adapt -o out/a.json "$META" t.csv
		assert_equal "$stderr" "mph-adapt: t.csv:3: column 'rps': not a number: '$v'"
		sed "3s/^1,8,a,/$v,8,a,/" "$FIX/trials.csv" > t.csv
		run -1 --separate-stderr mph-adapt -o out/a.json "$META" t.csv
		assert_equal "$stderr" "mph-adapt: t.csv:3: column 'cpu': not a number: '$v'"
	done
	sed '4s/,ok$//' "$FIX/trials.csv" > t.csv
	run -1 --separate-stderr mph-adapt -o out/a.json "$META" t.csv
	assert_equal "$stderr" "mph-adapt: t.csv:4: expected 5 fields, found 4"
	: > t.csv
	run -1 --separate-stderr mph-adapt -o out/a.json "$META" t.csv
	assert_equal "$stderr" "mph-adapt: t.csv: empty input: a header row is required"
	run -1 --separate-stderr mph-adapt -o out/a.json "$META" d
	assert_equal "$stderr" "mph-adapt: d: read error: Is a directory"
	run ls -A out
	assert_output ""
}

@test "bad models: a directory, an empty file, broken JSON, an unknown key" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out d
	run -1 --separate-stderr mph-adapt -o out/a.json d "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: d: read error: Is a directory"
	: > m.json
	run -1 --separate-stderr mph-adapt -o out/a.json m.json "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: m.json:1: invalid JSON: '[' or '{' expected near end of file"
	printf '{"format": "mph-model",\n "version": 1,\n' > m.json
	run -1 --separate-stderr mph-adapt -o out/a.json m.json "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: m.json:3: invalid JSON: string or '}' expected near end of file"
	jq '.extra = 1' "$META" > m.json
	run -1 --separate-stderr mph-adapt -o out/a.json m.json "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: m.json: unknown key 'extra'"
	run -1 --separate-stderr mph-adapt -s d -o out/a.json "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: d: read error: Is a directory"
	run ls -A out
	assert_output ""
}

@test "--predict: bad configurations give no output file" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out d
	mph-space "$FIX/space.json" > all.csv
	sed '3s/^1,1,b/nan,1,b/' all.csv > c.csv
	run -1 --separate-stderr mph-adapt --predict c.csv -o out/p.csv "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: c.csv:3: column 'cpu': not a number: 'nan'"
	sed '3s/^1,1,b/1,1/' all.csv > c.csv
	run -1 --separate-stderr mph-adapt --predict c.csv -o out/p.csv "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: c.csv:3: expected 3 fields, found 2"
	cut -d, -f1,2 all.csv > c.csv
	run -1 --separate-stderr mph-adapt --predict c.csv -o out/p.csv "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: c.csv:1: missing required column 'gpu'"
	: > c.csv
	run -1 --separate-stderr mph-adapt --predict c.csv -o out/p.csv "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: c.csv: empty input: a header row is required"
	run -1 --separate-stderr mph-adapt --predict d -o out/p.csv "$META" "$FIX/trials.csv"
	assert_equal "$stderr" "mph-adapt: d: read error: Is a directory"
	run ls -A out
	assert_output ""
}

@test "a full or closed stdout is an error: the model, --predict, --help" {
	[ -w /dev/full ] || skip "no /dev/full"
	mph-space "$FIX/space.json" > "$BATS_TEST_TMPDIR/all.csv"
	for args in "" "--predict $BATS_TEST_TMPDIR/all.csv"; do
		run -1 --separate-stderr bash -c "mph-adapt $args '$META' '$FIX/trials.csv' > /dev/full"
		assert_equal "$stderr" "mph-adapt: <stdout>: write error: No space left on device"
		run -1 --separate-stderr bash -c "mph-adapt $args '$META' '$FIX/trials.csv' >&-"
		assert_equal "$stderr" "mph-adapt: <stdout>: write error: Bad file descriptor"
	done
	for opt in --help --version; do
		run -1 --separate-stderr bash -c "mph-adapt $opt > /dev/full"
		assert_equal "$stderr" "mph-adapt: <stdout>: write error: No space left on device"
	done
}
