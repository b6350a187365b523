#!/usr/bin/env bats
# mph-suggest on a hand-made space of 48 configurations (fixtures/suggest):
# x 1..6, y 1..4, kind a|b. The test service's perf is
#   20 - (x - 4)^2 - (y - 3)^2 + 3 [kind = b],
# so the optimum is x=4 y=3 kind=b (23); x=6 y=4 does not fit (status oom).
# trace.csv holds 8 profiled services with similar surfaces (other scales,
# optimum shifted by one step or not) for the meta-model.

setup_file() {
	cd "$BATS_TEST_DIRNAME/fixtures/suggest"
	export MODELS="$BATS_FILE_TMPDIR"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH"
	mph-metatrain -q -s space.json -M perf --hidden 32,32 --iters 300 --shots 8 --query 16 \
		-o "$MODELS/meta.json" trace.csv
	mph-metatrain -q --mode pretrain -s space.json -M perf --hidden 32,32 --iters 300 \
		--shots 8 --query 16 -o "$MODELS/pretrain.json" trace.csv
	mph-metatrain -q -s space.json -M perf --hidden 32,32 --iters 300 --shots 8 --query 16 \
		--ensemble 1 -o "$MODELS/single.json" trace.csv
}

setup() {
	load helper
	cd "$FIXTURES/suggest"
	mph-space space.json > "$BATS_TEST_TMPDIR/all.csv"
	ALL="$BATS_TEST_TMPDIR/all.csv"
	TRIALS="$BATS_TEST_TMPDIR/trials.csv"
}

ALGOS="random grid gp-ucb gp-ei ernest finetune vizier morphling morphling-ens morphling-gp"
USAGE="usage: mph-suggest [-h] [-a ALGO] [-m MODEL] [-n N] [-O OBJECTIVE] [-s SPACE] [-t TRIALS]"

# The arguments an algorithm needs.
args_for() {
	case "$1" in
	random|grid) echo "-a $1 -s space.json" ;;
	gp-ucb|gp-ei|ernest) echo "-a $1 -s space.json -O objective.json" ;;
	finetune|vizier) echo "-a $1 -m $MODELS/pretrain.json -O objective.json" ;;
	*+single) echo "-a ${1%+single} -m $MODELS/single.json -O objective.json" ;;
	*) echo "-a $1 -m $MODELS/meta.json -O objective.json" ;;
	esac
}

# Appends the measurement of every configuration in the CSV on stdin (the
# first three columns are x,y,kind) to $TRIALS, from truth.csv.
measure() {
	awk -F, 'NR == FNR { t[$1 "," $2 "," $3] = $0; next }
	         FNR > 1 { print t[$1 "," $2 "," $3] }' truth.csv - >> "$TRIALS"
}

# Starts $TRIALS with the initial design (4 corners).
start() {
	head -1 truth.csv > "$TRIALS"
	mph-space -i space.json | measure
}

# Runs ALGO until the optimum is measured; prints how many trials it took.
search() {
	local algo="$1" n
	start
	for n in $(seq 1 48); do
		if grep -q '^4,3,b,' "$TRIALS"; then break; fi
		# shellcheck disable=SC2046
		mph-suggest $(args_for "$algo") --history "$TRIALS" < "$ALL" | measure
	done
	echo $(($(wc -l < "$TRIALS") - 1))
}

@test "--help prints the options with their defaults, --version the version" {
	run -0 mph-suggest --help
	assert_line --index 0 "$USAGE"
	assert_line --partial "morphling, morphling-gp, morphling-ens, finetune, ernest,"
	assert_line --partial "--delta X        weight of morphling's confidence |u_after - u_before| [1]"
	assert_line --partial "--seed N         random seed [1]"
	run -0 mph-suggest --version
	assert_output "mph-suggest 0.1.0"
}

@test "every algorithm finds the optimum within the space size" {
	for algo in $ALGOS; do
		run -0 search "$algo"
		echo "$algo: $output trials"
		[ "$output" -le 48 ]
		run -0 grep -c '^4,3,b,' "$TRIALS"
		assert_output 1
	done
}

@test "morphling with a meta-model of similar services finds the optimum in few steps" {
	run -0 search morphling
	echo "morphling: $output trials"
	[ "$output" -le 10 ]
	run -0 search morphling-gp
	echo "morphling-gp: $output trials"
	[ "$output" -le 12 ]
	# the meta-model above is an ensemble of three (the default); one network
	run -0 search morphling-gp+single
	echo "morphling-gp, one network: $output trials"
	[ "$output" -le 12 ]
	run -0 search morphling+single
	echo "morphling, one network: $output trials"
	[ "$output" -le 12 ]
}

@test "no algorithm suggests a measured configuration, and -n gives N distinct ones" {
	start
	mph-space -n 10 --seed 3 space.json | measure
	for algo in $ALGOS; do
		# shellcheck disable=SC2046
		run -0 --separate-stderr mph-suggest $(args_for "$algo") --history "$TRIALS" -n 5 "$ALL"
		[ "${#lines[@]}" -eq 6 ] || { echo "$algo: ${#lines[@]} lines"; false; }
		printf '%s\n' "${lines[@]:1}" | cut -d, -f1-3 > "$BATS_TEST_TMPDIR/picked"
		run -0 sort -u "$BATS_TEST_TMPDIR/picked"
		[ "${#lines[@]}" -eq 5 ] || { echo "$algo: repeats within the batch"; false; }
		run -1 grep -xFf "$BATS_TEST_TMPDIR/picked" <(tail -n +2 "$TRIALS" | cut -d, -f1-3)
	done
}

@test "the same inputs and seed give the same bytes; another seed may differ" {
	start
	for algo in $ALGOS; do
		# shellcheck disable=SC2046
		mph-suggest $(args_for "$algo") --history "$TRIALS" -n 3 --seed 7 "$ALL" > "$BATS_TEST_TMPDIR/a"
		# shellcheck disable=SC2046
		mph-suggest $(args_for "$algo") --history "$TRIALS" -n 3 --seed 7 < "$ALL" > "$BATS_TEST_TMPDIR/b"
		cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	done
	mph-suggest -a random -s space.json --seed 1 -n 5 "$ALL" > "$BATS_TEST_TMPDIR/a"
	mph-suggest -a random -s space.json --seed 2 -n 5 "$ALL" > "$BATS_TEST_TMPDIR/b"
	run -1 cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

@test "the explanatory columns: predictions, objective through the cost model, acquisition" {
	start
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O per-cost.json --history "$TRIALS" "$ALL"
	assert_line --index 0 "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	# pred_objective = pred_metric / (1 + 0.5 x); acquisition = it + delta * uncertainty
	echo "${lines[1]}" | awk -F, '{ c = 1 + 0.5 * $1; if (($5 - $4 / c)^2 > 1e-18 || ($7 - $5 - $6)^2 > 1e-18) exit 1 }'
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O per-cost.json --history "$TRIALS" --delta 0 "$ALL"
	echo "${lines[1]}" | awk -F, '$7 == $5 { ok = 1 } END { exit !ok }'
	run -0 mph-suggest -a gp-ucb -s space.json -O objective.json --history "$TRIALS" --kappa 2 "$ALL"
	echo "${lines[1]}" | awk -F, '$4 == "" && (($7 - $5 - 2 * $6)^2 < 1e-18) { ok = 1 } END { exit !ok }'
	run -0 mph-suggest -a grid -s space.json --history "$TRIALS" "$ALL"
	assert_line --index 1 "1,1,b,,,,"
}

@test "morphling-gp --cover first measures a categorical value no trial has" {
	start # the initial design has kind a only
	# a single network, whose acquisition alone stays on kind a here
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/single.json -O objective.json --cover --history '$TRIALS' < '$ALL' | tail -1"
	[[ "$output" == *,*,b,* ]]
	cover_acq=${output##*,}
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/single.json -O objective.json --history '$TRIALS' < '$ALL' | tail -1"
	[[ "$output" == *,*,a,* ]]
	free_acq=${output##*,}
	# the pick without the rule is the highest acquisition: never below the covering pick's
	run awk -v a="$free_acq" -v b="$cover_acq" 'BEGIN { exit !(a >= b) }'
	assert_success
	# once kind b has a trial, the rule leaves the acquisition alone
	mph-suggest -a morphling-gp -m $MODELS/single.json -O objective.json --cover --history "$TRIALS" < "$ALL" | measure
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/single.json -O objective.json --cover --history '$TRIALS' < '$ALL' | tail -1"
	with=$output
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/single.json -O objective.json --history '$TRIALS' < '$ALL' | tail -1"
	assert_equal "$output" "$with"
}

@test "morphling-gp --local: once the best trial is old, the best-predicted configuration a knob from it" {
	start # 7, 10, 12 (x=6 y=1 kind=a), oom: the best is one trial old
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/meta.json -O objective.json --history '$TRIALS' '$ALL' | tail -1"
	free=$output
	# the acquisition alone goes elsewhere here: more than one knob from 6,1,a
	[[ "$free" != 6,* && "$free" != *,1,a,* && "$free" != 6,1,b,* ]]
	# the open configurations one knob from 6,1,a (x 2..5; y 2, 3; kind b), by the
	# model's prediction: the local pick is the best of them
	awk -F, 'NR > 1 && ($1 == 6) + ($2 == 1) + ($3 == "a") == 2 && !($1 == 1 || $2 == 4)' "$ALL" > "$BATS_TEST_TMPDIR/ring"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/ring")" 7
	while read -r n; do
		mph-suggest -a morphling-gp -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" \
			<(echo x,y,kind; echo "$n") | tail -1
	done < "$BATS_TEST_TMPDIR/ring" | sort -t, -k5,5gr | head -1 | cut -d, -f1-5 > "$BATS_TEST_TMPDIR/expected"
	mph-suggest -a morphling-gp -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" --local 1,1 "$ALL" |
		tail -1 | cut -d, -f1-5 > "$BATS_TEST_TMPDIR/local"
	cmp "$BATS_TEST_TMPDIR/expected" "$BATS_TEST_TMPDIR/local"
	# not old enough, off, or 0: the acquisition's pick
	for a in 2 off 0 2,1,1; do
		run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/meta.json -O objective.json --history '$TRIALS' --local $a '$ALL' | tail -1"
		assert_equal "$output" "$free"
	done
	# one more trial below the best: 2 old, and every 2nd step (the default) from age 1
	# leaves this one to the acquisition; every step does not
	awk -F, '$1 == 1 && $2 == 2 && $3 == "a"' truth.csv >> "$TRIALS"
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/meta.json -O objective.json --history '$TRIALS' '$ALL' | tail -1"
	free=$output
	[[ "$free" != 6,* && "$free" != *,1,a,* && "$free" != 6,1,b,* ]]
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/meta.json -O objective.json --history '$TRIALS' --local 1,1 '$ALL' | tail -1"
	assert_equal "$output" "$free"
	run -0 bash -c "mph-suggest -a morphling-gp -m $MODELS/meta.json -O objective.json --history '$TRIALS' --local 1,1,1 '$ALL' | tail -1"
	[[ "$output" == 6,[23],a,* || "$output" == [2-5],1,a,* || "$output" == 6,1,b,* ]]
	# the other algorithms have no local steps
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" "$ALL"
	free=$output
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" --local 1,1 "$ALL"
	assert_equal "$output" "$free"
	for a in x 1,0 1,2,3,4 '' 1, -1; do
		run -2 --separate-stderr mph-suggest -a morphling-gp -m "$MODELS/meta.json" -O objective.json --local "$a" "$ALL"
		assert_equal "${stderr_lines[0]}" "mph-suggest: --local: expected off or AGE[,TOP[,EVERY]] (whole numbers, TOP and EVERY at least 1): '$a'"
	done
}

@test "a failed trial is never suggested again and counts as worth nothing" {
	head -1 truth.csv > "$TRIALS"
	grep -E '^6,4,|^4,3,a' truth.csv >> "$TRIALS"
	for algo in $ALGOS; do
		# shellcheck disable=SC2046
		run -0 mph-suggest $(args_for "$algo") --history "$TRIALS" -n 4 "$ALL"
		refute_line --regexp '^6,4,'
	done
	# the failure's neighbour scores below the measured 4,3,a under the GP
	run -0 mph-suggest -a gp-ucb -s space.json -O objective.json --history "$TRIALS" --kappa 0 -n 46 "$ALL"
	refute_line --index 1 --regexp '^6,'
}

@test "every candidate measured: the header only, exit 4, one line saying so, with or without --stop" {
	cp truth.csv "$TRIALS"
	run -4 --separate-stderr mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" "$ALL"
	assert_output "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	assert_equal "$stderr" "mph-suggest: exhausted: every one of the 48 candidates has been measured"
	run -4 --separate-stderr mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" --stop "$ALL"
	assert_output "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	assert_equal "$stderr" "mph-suggest: exhausted: every one of the 48 candidates has been measured"
	head -3 truth.csv > "$TRIALS"
	run -4 --separate-stderr bash -c "head -3 '$ALL' | mph-suggest -a random -s space.json --history '$TRIALS' -n 3"
	assert_output "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	assert_equal "$stderr" "mph-suggest: exhausted: every one of the 2 candidates has been measured"
	run -0 --separate-stderr bash -c "head -4 '$ALL' | mph-suggest -a random -s space.json --history '$TRIALS' -n 3"
	assert_equal "$stderr" "mph-suggest: only 1 unmeasured candidates left"
	assert_equal "${#lines[@]}" 2
}

# The first trials of the search by ALGO, one suggestion at a time, until
# mph-suggest --stop (with the rest of the arguments) says stop: prints the
# exit status of each step.
search_stop() {
	local algo="$1" n rc
	shift
	start
	for n in $(seq 1 44); do
		# shellcheck disable=SC2046
		mph-suggest $(args_for "$algo") --history "$TRIALS" --stop "$@" "$ALL" > "$BATS_TEST_TMPDIR/next.csv" \
			2> "$BATS_TEST_TMPDIR/why" && rc=0 || rc=$?
		echo "$rc"
		[ "$rc" = 0 ] || return 0
		measure < "$BATS_TEST_TMPDIR/next.csv"
	done
}

@test "--stop: the rule fires before the space is spent, exit 3, the header only and why" {
	run -0 search_stop morphling-gp --stop-patience 6 --stop-ei 0.01
	# it suggested, then stopped: never exhausted, never an error
	assert_line --index 0 0
	assert_equal "${lines[-1]}" 3
	refute_line 4
	refute_line 1
	n=$(($(wc -l < "$TRIALS") - 1))
	[ "$n" -lt 48 ]
	run -0 cat "$BATS_TEST_TMPDIR/next.csv"
	assert_output "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	run -0 cat "$BATS_TEST_TMPDIR/why"
	assert_output --regexp "^mph-suggest: stop: expected improvement [0-9.e-]+% of the best \(below 1%\), the best trial ([6-9]|[1-9][0-9]) samples old \(patience 6\), after $n trials\$"
	# the trials file is the only state: asked again, it decides the same
	run -3 --separate-stderr mph-suggest $(args_for morphling-gp) --history "$TRIALS" --stop --stop-patience 6 --stop-ei 0.01 "$ALL"
	assert_equal "$stderr" "$(cat "$BATS_TEST_TMPDIR/why")"
	# without --stop it goes on
	run -0 mph-suggest $(args_for morphling-gp) --history "$TRIALS" "$ALL"
	assert_equal "${#lines[@]}" 2
}

@test "--stop: the patience counts samples since the best trial; an algorithm without a model stops on it alone" {
	# the optimum (23) first, then four worse: 4 samples old
	head -1 truth.csv > "$TRIALS"
	printf 'x,y,kind\n4,3,b\n1,1,a\n1,2,a\n1,3,a\n1,4,a\n' | measure
	run -0 mph-suggest -a random -s space.json -O objective.json --history "$TRIALS" --stop --stop-patience 5 "$ALL"
	assert_equal "${#lines[@]}" 2
	run -3 --separate-stderr mph-suggest -a random -s space.json -O objective.json --history "$TRIALS" --stop --stop-patience 4 "$ALL"
	assert_output "x,y,kind,pred_metric,pred_objective,uncertainty,acquisition"
	assert_equal "$stderr" "mph-suggest: stop: the best trial is 4 samples old (patience 4) after 5 trials"
	# a model that still expects more than --stop-ei does not stop
	run -0 mph-suggest $(args_for gp-ucb) --history "$TRIALS" --stop --stop-patience 4 --stop-ei 0 "$ALL"
	assert_equal "${#lines[@]}" 2
	# without an objective there is no best trial: never stops
	run -0 mph-suggest -a random -s space.json --history "$TRIALS" --stop --stop-patience 0 "$ALL"
	assert_equal "${#lines[@]}" 2
	# nothing that worked: never stops
	head -1 truth.csv > "$TRIALS"
	printf 'x,y,kind\n6,4,a\n6,4,b\n' | measure
	run -0 mph-suggest -a random -s space.json -O objective.json --history "$TRIALS" --stop --stop-patience 0 "$ALL"
	assert_equal "${#lines[@]}" 2
}

@test "a configuration listed twice is one candidate" {
	(cat "$ALL"; tail -n +2 "$ALL") | mph-suggest -a grid -s space.json -n 100 \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
	run -0 wc -l < "$BATS_TEST_TMPDIR/out"
	assert_output 49
	run -0 bash -c "tail -n +2 '$BATS_TEST_TMPDIR/out' | sort -u | wc -l"
	assert_output 48
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mph-suggest: only 48 unmeasured candidates left"
}

@test "an empty history file is no trials" {
	: > "$TRIALS"
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" "$ALL"
	assert_equal "${#lines[@]}" 2
}

@test "bad input: clear messages and exit status" {
	run -2 --separate-stderr mph-suggest -a nope -s space.json "$ALL"
	assert_equal "$stderr" "mph-suggest: --algo: unknown algorithm: 'nope'
$USAGE
                   [--seed N] [--delta X] [--kappa X] [--xi X] [--acq ucb|ei] [--members N]
                   [--cover] [--fail-worst] [--local AGE[,TOP[,EVERY]]] [--adapt-steps N]
                   [--adapt-lr X] [--profiles TRACE [--profiles-weight W]] [--stop]
                   [--stop-ei X] [--stop-patience K] [CANDIDATES]"
	run -2 --separate-stderr mph-suggest -a gp-ucb -s space.json "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --algo gp-ucb needs --objective"
	run -2 --separate-stderr mph-suggest -a morphling -O objective.json -s space.json "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --algo morphling needs --model"
	run -2 --separate-stderr mph-suggest -a random "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --space or --model is needed"
	run -2 --separate-stderr mph-suggest -a random -s space.json -n 0 "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --count: illegal number: '0' (expected 1..1000000)"
	run -2 --separate-stderr mph-suggest -a random -s space.json "$ALL" extra
	assert_equal "${stderr_lines[0]}" "mph-suggest: too many arguments"

	# an empty candidate set
	run -1 --separate-stderr bash -c "head -1 '$ALL' | mph-suggest -a random -s space.json"
	assert_equal "$stderr" "mph-suggest: <stdin>: no candidate configurations"
	run -1 --separate-stderr bash -c ": | mph-suggest -a random -s space.json"
	assert_output ""
	[ -n "$stderr" ]

	# candidates from another space than the model's
	printf 'x,y,flavour\n1,1,a\n' > "$BATS_TEST_TMPDIR/other.csv"
	run -1 --separate-stderr mph-suggest -m "$MODELS/meta.json" -O objective.json "$BATS_TEST_TMPDIR/other.csv"
	assert_equal "$stderr" "mph-suggest: $BATS_TEST_TMPDIR/other.csv:1: missing required column 'kind' (not the space of model $MODELS/meta.json)"
	printf 'x,y,kind\n7,1,a\n' > "$BATS_TEST_TMPDIR/other.csv"
	run -1 --separate-stderr mph-suggest -m "$MODELS/meta.json" -O objective.json "$BATS_TEST_TMPDIR/other.csv"
	assert_equal "$stderr" "mph-suggest: $BATS_TEST_TMPDIR/other.csv:2: column 'x': '7' is not a value of the space (not the space of model $MODELS/meta.json)"
	sed 's/"b"\]/"b", "c"]/' space.json > "$BATS_TEST_TMPDIR/space3.json"
	run -1 --separate-stderr mph-suggest -m "$MODELS/meta.json" -s "$BATS_TEST_TMPDIR/space3.json" -O objective.json "$ALL"
	assert_equal "$stderr" "mph-suggest: $MODELS/meta.json: space differs from the model's: knob 'kind' has 3 values, the model's has 2"

	# a history that lacks the metric, or has a bad number
	printf 'x,y,kind\n1,1,a\n' > "$TRIALS"
	run -1 --separate-stderr mph-suggest -a gp-ucb -s space.json -O objective.json --history "$TRIALS" "$ALL"
	assert_equal "$stderr" "mph-suggest: $TRIALS:1: missing required column 'perf'"
	printf 'x,y,kind,perf\n1,1,a,abc\n' > "$TRIALS"
	run -1 --separate-stderr mph-suggest -a gp-ucb -s space.json -O objective.json --history "$TRIALS" "$ALL"
	assert_equal "$stderr" "mph-suggest: $TRIALS:2: column 'perf': not a number: 'abc'"
	run -1 --separate-stderr mph-suggest -a gp-ucb -s space.json -O objective.json --history "$BATS_TEST_TMPDIR/none.csv" "$ALL"
	assert_output ""
	[ -n "$stderr" ]
}

@test "mph-suggest: --help and --version to a full stdout fail" {
	run -1 --separate-stderr bash -c "mph-suggest --help > /dev/full"
	assert_equal "$stderr" "mph-suggest: <stdout>: write error: No space left on device"
	run -1 --separate-stderr bash -c "mph-suggest --version > /dev/full"
	assert_equal "$stderr" "mph-suggest: <stdout>: write error: No space left on device"
}

@test "--stop-ei and --stop-patience go with --stop; their values are checked" {
	run -2 --separate-stderr mph-suggest -a random -s space.json --stop-patience 3 "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --stop-ei and --stop-patience go with --stop"
	run -2 --separate-stderr mph-suggest -a random -s space.json --stop --stop-ei -1 "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --stop-ei: illegal number: '-1' (expected 0..1e+12)"
	run -2 --separate-stderr mph-suggest -a random -s space.json --stop --stop-patience x "$ALL"
	assert_equal "${stderr_lines[0]}" "mph-suggest: --stop-patience: illegal number: 'x' (expected 0..100000000)"
}

@test "--fail-worst: a failed trial teaches the model the worst metric that worked, not the fail value" {
	start
	printf 'x,y,kind\n6,4,a\n2,2,a\n' | measure
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" -n 47 "$ALL"
	plain="$output"
	run -0 mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" -n 47 --fail-worst "$ALL"
	[ "$output" != "$plain" ]
	# with no failure among the trials it changes nothing
	head -1 truth.csv > "$TRIALS"
	printf 'x,y,kind\n1,1,a\n1,4,a\n6,1,a\n2,2,a\n' | measure
	mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" -n 44 "$ALL" \
		> "$BATS_TEST_TMPDIR/plain.csv"
	mph-suggest -a morphling -m "$MODELS/meta.json" -O objective.json --history "$TRIALS" -n 44 --fail-worst "$ALL" |
		cmp - "$BATS_TEST_TMPDIR/plain.csv"
}
