#!/usr/bin/env bats
# mph-eval: replayed searches, the per-step log, the summary, splits, and
# agreement with the shell pipeline mph-space | mph-suggest | mph-probe.

setup() {
	load helper
	EV="$FIXTURES/eval"
	cd "$BATS_TEST_TMPDIR"
}

# mph-eval on the fixture: 6 services over 32 configurations.
ev() {
	mph-eval -O "$EV/objective.json" -s "$EV/space.json" "$@" "$EV/trace.csv"
}

# The search of one task as a shell loop of the pipeline tools, one
# configuration a step: prints the configurations measured, one a line.
# usage: pipeline SPACE TRACE OBJECTIVE TASK STEPS [mph-suggest options]
pipeline() {
	local space=$1 trace=$2 obj=$3 task=$4 steps=$5 nk i
	shift 5
	nk=$(mph-space -i "$space" | head -1 | tr ',' '\n' | wc -l)
	mph-space -i "$space" | mph-probe --replay "$trace" --task "$task" > trials.csv
	for ((i = 0; i < steps; i++)); do
		mph-space "$space" |
			mph-suggest -O "$obj" --history trials.csv "$@" |
			cut -d, -f1-"$nk" |
			mph-probe --replay "$trace" --task "$task" | tail -n +2 >> trials.csv
	done
	tail -n +2 trials.csv | cut -d, -f1-"$nk"
}

# The configurations mph-eval measured, from its log, one a line.
eval_configs() { # LOG NKNOBS
	awk -F, -v nk="$2" 'NR > 1 { s = $7; for (i = 8; i < 7 + nk; i++) s = s "," $i; print s }' "$1"
}

@test "mph-eval --help and --version" {
	run -0 mph-eval --help
	assert_line --index 0 --partial "usage: mph-eval [-hqv] -O OBJECTIVE"
	assert_output --partial "--cap N            the most samples per search, initial design included [100]"
	assert_output --partial "--levels P,...     levels of the summary, percent of the optimum [70,80,90,95,99,100]"
	run -0 mph-eval --version
	assert_output "mph-eval 0.1.0"
}

@test "mph-eval: usage errors exit 2 with one message" {
	run -2 --separate-stderr mph-eval -s "$EV/space.json" "$EV/trace.csv"
	assert_equal "${stderr_lines[0]}" "mph-eval: missing -O OBJECTIVE"
	run -2 --separate-stderr ev -a random,foo
	assert_equal "${stderr_lines[0]}" "mph-eval: --algos: unknown algorithm: 'foo'"
	run -2 --separate-stderr ev --loo --kfold 2
	assert_equal "${stderr_lines[0]}" "mph-eval: --test-tasks, --train-tasks, --loo and --kfold exclude each other"
	run -2 --separate-stderr ev --cap 0
	assert_equal "${stderr_lines[0]}" "mph-eval: --cap: illegal number: '0' (expected 1..100000000)"
	run -2 --separate-stderr ev --levels 90,101
	assert_equal "${stderr_lines[0]}" "mph-eval: --levels: illegal number: '101' (expected 1e-09..100)"
	run -2 --separate-stderr mph-eval --from-log
	assert_equal "${stderr_lines[0]}" "mph-eval: --from-log needs at least one LOG"
	assert_equal "${stderr_lines[1]}" "usage: mph-eval [-hqv] -O OBJECTIVE [-a ALGO,...] [-m MODEL] [-p MODEL] [-s SPACE] [-r RUNS]"
}

@test "mph-eval: data errors exit 1 and name the problem" {
	run -1 --separate-stderr ev -a random --test-tasks t1,nope
	assert_equal "$stderr" "mph-eval: no task 'nope' in the trace"
	run -1 --separate-stderr ev -a random --kfold 7
	assert_equal "$stderr" "mph-eval: 7 folds asked for, but the trace has 6 task groups (2..6 folds possible)"
	printf 't1\n# comment\n\nzz\n' > test.txt
	run -1 --separate-stderr ev -a random --test-tasks test.txt
	assert_equal "$stderr" "mph-eval: test.txt:4: no task 'zz' in the trace"
	run -1 --separate-stderr ev -a morphling --test-tasks t1 -m /nonexistent.json
	[[ "$stderr" == "mph-eval: /nonexistent.json: "* ]]
	# an initial configuration the trace lacks
	grep -v '^t2,1,1,a,' "$EV/trace.csv" > holed.csv
	run -1 --separate-stderr mph-eval -O "$EV/objective.json" -s "$EV/space.json" -a random --test-tasks t2 holed.csv
	assert_equal "$stderr" "mph-eval: task 't2': the trace has no row for initial configuration cpu=1,batch=1,gpu=a"
}

@test "mph-eval: a failing search stops the evaluation, or with -k counts as stuck" {
	run -1 --separate-stderr ev -a morphling --test-tasks t5 --iters 10 --adapt-lr 1000 --adapt-steps 50
	assert_equal "$stderr" "mph-eval: task 't5', morphling, meta_seed 1, seed 1: adaptation diverged (try a smaller learning rate) (--keep-going goes on)"
	run -0 --separate-stderr ev --keep-going -a morphling,random --test-tasks t5 --iters 10 --adapt-lr 1000 --adapt-steps 50 --summary
	assert_equal "${stderr_lines[0]}" "mph-eval: warning: t5 morphling meta_seed=1 seed=1: search failed after 4 samples, counted as stuck there: adaptation diverged (try a smaller learning rate)"
	assert_equal "${stderr_lines[1]}" "mph-eval: warning: 1 search failed and was counted as stuck"
	# stuck at the initial design's best, at every budget; random still runs
	assert_line --index 4 --regexp '^morphling,best,50,1,0,0.3514,'
	assert_line --index 11 --regexp '^random,best,10,1,'
}

@test "mph-eval: the log has a row per sample, stops at the optimum, best never falls" {
	run -0 ev -a random,gp-ucb -r 2
	assert_line --index 0 "task,algo,meta_seed,seed,step,phase,cpu,batch,gpu,status,value,best,norm_best"
	ev -a random,gp-ucb -r 2 > log.csv
	# 6 tasks x 2 algorithms x 2 seeds, each run counted from step 1
	[ "$(awk -F, '$5 == 1' log.csv | wc -l)" -eq 24 ]
	# the initial design first (4 corners, gpu a), then the search
	[ "$(awk -F, 'NR > 1 && $5 <= 4 && $6 != "initial"' log.csv | wc -l)" -eq 0 ]
	[ "$(awk -F, 'NR > 1 && $5 == 1 && !($7 == 1 && $8 == 1 && $9 == "a")' log.csv | wc -l)" -eq 0 ]
	# norm_best never falls within a run, and each run ends at 1 (32 < cap)
	run -0 awk -F, 'NR > 1 { if ($5 > 1 && $13 < last) bad++; last = $13;
		key = $1 "," $2 "," $4; end[key] = $13 }
		END { for (k in end) if (end[k] != 1) bad++; print bad + 0 }' log.csv
	assert_output 0
	# no configuration twice in a run
	run -0 awk -F, 'NR > 1 { k = $1 "," $2 "," $4 "," $7 "," $8 "," $9; if (seen[k]++) print k }' log.csv
	assert_output ""
	# failed configurations are logged as such, with no value
	run -0 awk -F, 'NR > 1 && $10 == "failed" && $11 != ""' log.csv
	assert_output ""
}

@test "mph-eval: the value and the optimum are the objective's" {
	ev -a grid --test-tasks t1 --no-initial > log.csv
	# t1 (gpu a, cpu 1, batch 4): rps min(30, 10 * 4^0.8) * 0.92 = 27.6, cost 0.65
	run -0 awk -F, '$7 == 1 && $8 == 4 && $9 == "a" { print $10, $11 }' log.csv
	assert_output "ok 42.4615384615"
	# grid runs in id order and stops at the first optimum
	run -0 tail -1 log.csv
	assert_output "t1,grid,,1,5,search,1,4,a,ok,42.4615384615,42.4615384615,1"
}

@test "mph-eval: --cap bounds every run" {
	ev -a random -r 3 --cap 5 --no-initial > log.csv
	run -0 awk -F, 'NR > 1 && $5 > 5' log.csv
	assert_output ""
	[ "$(awk -F, '$5 == 5' log.csv | wc -l)" -gt 0 ]
}

@test "mph-eval: same inputs and seed, same bytes; another seed, another search" {
	ev -a random,gp-ucb -r 2 > a.csv
	ev -a random,gp-ucb -r 2 > b.csv
	cmp a.csv b.csv
	ev -a random -r 2 --seed 7 > c.csv
	run -0 awk -F, '$2 == "random" && $4 == 7' c.csv
	refute_output ""
	! cmp -s <(grep ',random,' a.csv | cut -d, -f5-) <(grep ',random,' c.csv | cut -d, -f5-)
}

@test "mph-eval --summary: one row per algorithm and budget or level" {
	run -0 ev -a random,grid -r 2 --summary
	assert_line --index 0 "algo,measure,at,runs,reached,p10,median,p90"
	assert_equal "${#lines[@]}" 21
	assert_line --index 1 --regexp '^random,best,10,12,'
	assert_line --index 10 --regexp '^random,samples,100,12,12,'
	assert_line --index 20 --regexp '^grid,samples,100,12,12,'
	run -0 ev -a grid --summary --budgets 3 --levels 50,100 --test-tasks t1
	assert_equal "${#lines[@]}" 4
}

@test "mph-eval: --summary of the run equals --from-log of its --log" {
	ev -a random,gp-ucb -r 2 --summary --log log.csv > summary.csv
	head -1 log.csv | grep -q '^task,algo,meta_seed,seed,step'
	mph-eval --from-log log.csv > again.csv
	cmp summary.csv again.csv
	# logs concatenated: runs counted once each
	tail -n +2 log.csv > body.csv
	cat log.csv body.csv > twice.csv
	run -0 mph-eval --from-log twice.csv
	assert_line --index 1 --regexp '^random,best,10,24,'
}

@test "mph-eval --from-log: percentiles rounded, a level some runs never reached as >X, no inf" {
	ev -a random,gp-ucb -r 2 --cap 6 --log log.csv > /dev/null
	run -0 mph-eval --from-log log.csv
	refute_output --partial inf
	# samples to a tenth, shares of the optimum to 4 decimals; a row of a
	# level some run never reached (within the cap of 6) has its p90 as a
	# bound, ">X" with X at most the cap, and only such a row has one
	run -0 awk -F, 'NR > 1 {
		for (i = 6; i <= 8; i++) {
			if ($2 == "samples" && $i !~ /^>?[0-9]+(\.[0-9])?$/) print "samples: " $0
			if ($2 == "best" && $i !~ /^(0(\.[0-9][0-9]?[0-9]?[0-9]?)?|1)$/) print "share: " $0
			if ($i ~ /^>/ && ($5 == $4 || substr($i, 2) + 0 > 6)) print "bound: " $0
		}
		if ($2 == "samples" && $5 < $4 && $8 !~ /^>/) print "no bound: " $0
		if ($2 == "samples" && $5 < $4) bounds++
	} END { if (!bounds) print "no level missed: the test tests nothing" }' <<< "$output"
	assert_output ""
	# and --summary writes the same
	ev -a random,gp-ucb -r 2 --cap 6 --summary > summary.csv
	mph-eval --from-log log.csv | cmp - summary.csv
}

@test "mph-eval --from-log: a cut log is an error" {
	ev -a random > log.csv
	awk -F, 'NR != 3' log.csv > cut.csv
	run -1 --separate-stderr mph-eval --from-log cut.csv
	assert_equal "$stderr" "mph-eval: cut.csv:3: column 'step': expected 2 for task 't1', algo 'random', seed 1, got '3'"
}

@test "mph-eval: --kfold and --loo test every task once" {
	ev -a random --loo > loo.csv
	[ "$(awk -F, '$5 == 1' loo.csv | wc -l)" -eq 6 ]
	ev -a random --kfold 3 > k3.csv
	# random needs no training: folds only regroup the tasks
	cmp <(sort loo.csv) <(sort k3.csv)
	run -0 awk -F, '$5 == 1 { print $1 }' k3.csv
	assert_output "$(printf 't1\nt4\nt2\nt5\nt3\nt6')"
}

@test "mph-eval: a model trained in process equals mph-metatrain's" {
	mph-metatrain -q -s "$EV/space.json" --exclude t3,t5 --iters 30 -o meta.json "$EV/trace.csv"
	ev -a morphling --test-tasks t3,t5 --iters 30 -r 2 > inside.csv
	ev -a morphling -m meta.json -r 2 > given.csv      # split from the model's record
	cmp <(cut -d, -f1,2,4- inside.csv) <(cut -d, -f1,2,4- given.csv)
	[ "$(cut -d, -f3 inside.csv | sort -u | tr '\n' ' ')" = "1 meta_seed " ]
}

@test "mph-eval: a pretrained model trained in process equals mph-metatrain --mode pretrain's" {
	# both must record the pretrained model's own fine-tuning (20 steps at 0.01)
	mph-metatrain -q -s "$EV/space.json" --exclude t3,t5 --iters 30 --mode pretrain -o pre.json "$EV/trace.csv"
	mph-metatrain -q -s "$EV/space.json" --exclude t3,t5 --iters 30 -o meta.json "$EV/trace.csv"
	ev -a finetune --test-tasks t3,t5 --iters 30 -r 2 > inside.csv
	ev -a finetune -m meta.json -p pre.json -r 2 > given.csv
	cmp <(cut -d, -f1,2,4- inside.csv) <(cut -d, -f1,2,4- given.csv)
}

@test "mph-eval: several meta-seeds give runs of their own" {
	run -0 --separate-stderr ev -a morphling,random --test-tasks t3 --iters 10 --meta-seeds 1,2 --summary
	assert_line --index 1 --regexp '^morphling,best,10,2,'
	assert_line --index 11 --regexp '^random,best,10,1,'
}

@test "mph-eval and the shell pipeline measure the same configurations" {
	# t5's optimum is not among the initial corners
	mph-metatrain -q -s "$EV/space.json" --exclude t5 --iters 40 -o meta.json "$EV/trace.csv"
	mph-metatrain -q -s "$EV/space.json" --exclude t5 --iters 40 --mode pretrain -o pre.json "$EV/trace.csv"
	for algo in random gp-ucb morphling finetune; do
		ev -a "$algo" -m meta.json -p pre.json --seed 5 > log.csv
		eval_configs log.csv 3 > eval.txt
		n=$(wc -l < eval.txt)
		model=meta.json
		[ "$algo" = finetune ] && model=pre.json
		pipeline "$EV/space.json" "$EV/trace.csv" "$EV/objective.json" t5 $((n - 4)) \
			-a "$algo" -m "$model" --seed 5 > pipe.txt
		diff pipe.txt eval.txt || { echo "algo $algo differs"; return 1; }
		[ "$n" -gt 4 ]
	done
}

@test "mph-eval --profiles and the pipeline with mph-suggest --profiles measure the same configurations" {
	mph-metatrain -q -s "$EV/space.json" --exclude t5 --iters 40 -o meta.json "$EV/trace.csv"
	# the profiles are the services the fold does not test: never t5 itself
	grep -v '^t5,' "$EV/trace.csv" > others.csv
	ev -a morphling-gp -m meta.json --test-tasks t5 --seed 5 --profiles > log.csv
	eval_configs log.csv 3 > eval.txt
	pipeline "$EV/space.json" "$EV/trace.csv" "$EV/objective.json" t5 $(($(wc -l < eval.txt) - 4)) \
		-a morphling-gp -m meta.json --seed 5 --profiles others.csv > pipe.txt
	diff pipe.txt eval.txt
	# and they change the search: without them it measures otherwise
	ev -a morphling-gp -m meta.json --test-tasks t5 --seed 5 > plain.csv
	eval_configs plain.csv 3 > plain.txt
	! cmp -s plain.txt eval.txt
	# a model weight of 1 is the search without profiles, at the kappa
	# profiles default to (0.5) unless one is given
	ev -a morphling-gp -m meta.json --test-tasks t5 --seed 5 --profiles --profiles-weight 1 > one.csv
	ev -a morphling-gp -m meta.json --test-tasks t5 --seed 5 --kappa 0.5 > k05.csv
	cmp one.csv k05.csv
	ev -a morphling-gp -m meta.json --test-tasks t5 --seed 5 --profiles --profiles-weight 1 --kappa 1 > one.csv
	cmp one.csv plain.csv
	! cmp -s k05.csv plain.csv
}

@test "--profiles: usage and data errors" {
	mph-metatrain -q -s "$EV/space.json" --exclude t5 --iters 5 -o meta.json "$EV/trace.csv"
	run -2 --separate-stderr ev -a morphling -m meta.json --test-tasks t5 --profiles
	assert_equal "${stderr_lines[0]}" "mph-eval: --profiles goes with -a morphling-gp (no other algorithm uses them)"
	run -2 --separate-stderr ev -a morphling-gp -m meta.json --test-tasks t5 --profiles-weight 0.5
	assert_equal "${stderr_lines[0]}" "mph-eval: --profiles-weight goes with --profiles"
	run -2 --separate-stderr ev -a morphling-gp -m meta.json --test-tasks t5 --profiles --profiles-weight 2
	assert_equal "${stderr_lines[0]}" "mph-eval: --profiles-weight: illegal number: '2' (expected 0..1)"
	mph-space "$EV/space.json" > cand.csv
	run -2 --separate-stderr mph-suggest -a gp-ucb -O "$EV/objective.json" -s "$EV/space.json" --profiles "$EV/trace.csv" cand.csv
	assert_equal "${stderr_lines[0]}" "mph-suggest: --profiles goes with -a morphling-gp (no other algorithm uses them)"
	run -2 --separate-stderr mph-suggest -m meta.json -O "$EV/objective.json" --profiles-weight 0.5 cand.csv
	assert_equal "${stderr_lines[0]}" "mph-suggest: --profiles-weight goes with --profiles"
	run -2 --separate-stderr mph-suggest -m meta.json -O "$EV/objective.json" --profiles - cand.csv
	assert_equal "${stderr_lines[0]}" "mph-suggest: --profiles cannot be standard input"
	# a profile trace that lacks the model's metric, or holds a value the space has not
	cut -d, -f1-4,6- "$EV/trace.csv" > nometric.csv
	run -1 --separate-stderr mph-suggest -m meta.json -O "$EV/objective.json" --profiles nometric.csv cand.csv
	assert_equal "$stderr" "mph-suggest: nometric.csv:1: missing required column 'rps'"
	sed '3s/^t1,1,1,b,/t1,1,1,z,/' "$EV/trace.csv" > badvalue.csv
	run -1 --separate-stderr mph-suggest -m meta.json -O "$EV/objective.json" --profiles badvalue.csv cand.csv
	assert_equal "$stderr" "mph-suggest: badvalue.csv:3: column 'gpu': 'z' is not a value of the space"
	[ -z "$output" ]
}

@test "mph-eval and the pipeline agree on the zoo" {
	zoo="$SHARE/zoo"
	[ -f "$zoo/trace.csv" ] || skip "the zoo trace is not built"
	train=$(ls "$zoo"/train*.txt 2> /dev/null | head -1)
	[ -n "$train" ] || skip "the zoo has no split file yet"
	space="$SHARE/spaces/morphling.json"
	obj="$SHARE/objectives/rps-per-dollar.json"
	task=$(grep -v -x -F -f "$train" <(tail -n +2 "$zoo/trace.csv" | cut -d, -f1 | uniq) | head -1)
	mph-metatrain -q -s "$space" --tasks "$(grep -v '^#' "$train" | paste -sd,)" --iters 50 -o meta.json "$zoo/trace.csv"
	mph-eval -O "$obj" -m meta.json -a morphling --test-tasks "$task" --seed 2 --cap 20 "$zoo/trace.csv" > log.csv
	eval_configs log.csv 4 > eval.txt
	pipeline "$space" "$zoo/trace.csv" "$obj" "$task" $(($(wc -l < eval.txt) - 8)) \
		-a morphling -m meta.json --seed 2 > pipe.txt
	diff pipe.txt eval.txt
}

@test "mph-eval and the pipeline agree on a real trace (Falcon)" {
	need_shared_data
	trace="$SHARED_DATA/falcon-sources/falcon-sources.csv"
	obj="$MPH_ROOT/examples/paper/falcon-objective.json"
	mph-space --from-trace "$trace" -x rps_per_budget_norm > space.json
	mph-metatrain -q -s space.json -M rps_per_budget_norm --exclude yolo --iters 50 -o meta.json "$trace"
	mph-eval -O "$obj" -s space.json -m meta.json -a morphling --test-tasks yolo --seed 3 --cap 20 \
		--corners batch,cpu,gpu_mem_gb --fix gpu_type=T4,gpu_power_pct=100 "$trace" > log.csv
	eval_configs log.csv 5 > eval.txt
	mph-space -i --corners batch,cpu,gpu_mem_gb --fix gpu_type=T4,gpu_power_pct=100 space.json |
		mph-probe --replay "$trace" --task yolo > trials.csv
	for ((i = 8; i < $(wc -l < eval.txt); i++)); do
		mph-space space.json | mph-suggest -a morphling -m meta.json -O "$obj" --history trials.csv --seed 3 |
			cut -d, -f1-5 | mph-probe --replay "$trace" --task yolo | tail -n +2 >> trials.csv
	done
	diff <(tail -n +2 trials.csv | cut -d, -f1-5) eval.txt
}

@test "make demo's script runs the pipeline end to end" {
	[ -f "$SHARE/zoo/trace.csv" ] || skip "the zoo trace is not built"
	run -0 env OUT="$BATS_TEST_TMPDIR/demo" METATRAIN="--iters 30 --norm zscore" BUDGET=11 \
		sh "$MPH_ROOT/examples/demo/demo.sh"
	assert_output --partial "== 1. meta-train (MAML) on the zoo's 10 training models"
	assert_output --partial "initial design: mph-space -i morphling.json | mph-probe --replay trace.csv --task resnet101_v1"
	assert_line --regexp '^   9 +[0-9]'
	assert_line --regexp '^   chosen +[1-5] +0\.[1-6] +[0-9]+ +(T4|M60|V100) '
	assert_line --regexp '^   true optimum +2 +0\.1 +32 +V100 +610\.62 '
	# the trials file is the pipeline's: 8 corners, then one row a step
	[ "$(($(wc -l < "$BATS_TEST_TMPDIR/demo/trials.csv") - 1))" -le 11 ]
	run -2 --separate-stderr env TASK=resnet50_v1 sh "$MPH_ROOT/examples/demo/demo.sh"
	assert_equal "$stderr" "demo: resnet50_v1 is not a test model of the zoo"
}

@test "mph-eval: --help and --version to a full stdout fail" {
	run -1 --separate-stderr bash -c "mph-eval --help > /dev/full"
	assert_equal "$stderr" "mph-eval: <stdout>: write error: No space left on device"
	run -1 --separate-stderr bash -c "mph-eval --version > /dev/full"
	assert_equal "$stderr" "mph-eval: <stdout>: write error: No space left on device"
}

@test "mph-eval --stop: searches go past the optimum until the rule fires, which reads the ei and age columns" {
	run -0 ev -a gp-ucb -r 3 --stop --stop-patience 3 --stop-ei 0.01 --log log.csv --summary
	run -0 head -1 log.csv
	assert_output "task,algo,meta_seed,seed,step,phase,cpu,batch,gpu,status,value,best,norm_best,ei,age"
	# every run ends where the rule first holds: after its last sample the
	# best is 3 samples old (age before it + 1, or 0 if it was a new best)
	# and the search's ei (the next suggestion's, not logged) below 0.01;
	# no search row before the end had age >= 3 and ei < 0.01
	run -0 awk -F, 'NR > 1 {
		k = $1 "," $4
		if (k != key) { if (key != "" && after < 3 && n < 32) print "stopped early", key; key = k; n = 0 }
		if ($6 == "search" && $15 >= 3 && $14 < 0.01) print "fired late", k, $5
		after = ($12 != prev_best || $15 == -1) ? 0 : $15 + 1
		prev_best = $12
		n++
	} END { if (after < 3 && n < 32) print "stopped early", key; print "checked" }' log.csv
	assert_output "checked"
	# runs that went on past the optimum exist (a search does not see it)
	run -0 awk -F, 'NR > 1 && $13 == 1 && prev_opt == $1 "," $4 { n++ } NR > 1 && $13 == 1 { prev_opt = $1 "," $4 } END { print (n > 0) }' log.csv
	assert_output 1
}

@test "mph-eval --from-log --stop: a log to the cap answers for any setting as a run with it would" {
	for s in "3 0.01" "5 1e9" "2 0.001"; do
		set -- $s
		ev -a gp-ucb,random -r 3 --stop --stop-patience "$1" --stop-ei "$2" --summary | grep ',stop,' > direct.csv
		[ -s direct.csv ]
		ev -a gp-ucb,random -r 3 --stop --stop-patience 100000000 --log full.csv > /dev/null
		mph-eval --from-log --stop --stop-patience "$1" --stop-ei "$2" full.csv | grep ',stop,' > replayed.csv
		cmp direct.csv replayed.csv
	done
	# the rows: stop samples (runs, fired, p10, median, p90), quality (runs, optimal, ...)
	run -0 grep -c ',stop,samples,18,' direct.csv
	assert_output 2
	# a log without the columns
	ev -a random -r 1 --test-tasks t1 > plain.csv
	run -1 --separate-stderr mph-eval --from-log --stop plain.csv
	assert_equal "$stderr" "mph-eval: plain.csv:1: missing required column 'ei'"
}

@test "mph-eval --noise: the search sees noisy values; norm_best is the true worth of the recommendation" {
	ev -a gp-ucb -r 2 --test-tasks t1,t3 --cap 12 > clean.csv
	# tiny noise: the same ranking, so the same recommendation as the best
	# measured, but every run goes to the cap
	ev -a gp-ucb -r 2 --test-tasks t1,t3 --cap 12 --noise 1e-12 > tiny.csv
	run -0 awk -F, 'NR > 1 { n[$1 "," $4]++ } END { for (k in n) print n[k] }' tiny.csv
	assert_output "12
12
12
12"
	run -0 bash -c "join -t, <(awk -F, 'NR > 1 { print \$1 \$4 \$5 \",\" \$13 }' clean.csv | sort) \
		<(awk -F, 'NR > 1 { print \$1 \$4 \$5 \",\" \$13 }' tiny.csv | sort) | awk -F, '\$2 != \$3' | wc -l"
	assert_output 0
	# real noise: values differ from the trace's, the recommendation can fall
	ev -a gp-ucb -r 3 --cap 20 --noise 0.5 > noisy.csv
	run -0 bash -c "cut -d, -f11 noisy.csv | sort -u | wc -l"
	[ "$output" -gt 100 ]
	run -0 awk -F, 'NR > 1 && $1 "," $4 == k && $13 < prev { fell = 1 } NR > 1 { k = $1 "," $4; prev = $13 } END { print fell + 0 }' noisy.csv
	assert_output 1
	# seeded: same bytes again
	ev -a gp-ucb -r 3 --cap 20 --noise 0.5 | cmp - noisy.csv
}

# The median true worth of the recommendation at 20 samples in a log.
median20() {
	mph-eval --from-log --budgets 20 --levels 100 "$1" | awk -F, '$2 == "best" { print $7 }'
}

@test "mph-eval --confirm: re-measuring the best few changes the recommendation, never the search" {
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 --race off > once.csv
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 --confirm 3,5 > confirmed.csv
	cmp <(cut -d, -f1-11 once.csv) <(cut -d, -f1-11 confirmed.csv)
	run -1 bash -c "cmp <(cut -d, -f13 once.csv) <(cut -d, -f13 confirmed.csv)"
	# confirmed, the recommendation is worth more on the whole
	once=$(median20 once.csv)
	confirmed=$(median20 confirmed.csv)
	[ -n "$once" ] && [ -n "$confirmed" ]
	awk -v a="$once" -v b="$confirmed" 'BEGIN { exit !(b >= a) }'
}

@test "mph-eval --race: under --noise by default (8,8,2); the recommendation changes, never the search" {
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 > default.csv
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 --race 8,8,2 | cmp - default.csv
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 --race off > once.csv
	ev -a gp-ucb -r 3 --cap 20 --noise 0.3 --race 3,4 > small.csv
	cmp <(cut -d, -f1-11 once.csv) <(cut -d, -f1-11 default.csv)
	cmp <(cut -d, -f1-11 once.csv) <(cut -d, -f1-11 small.csv)
	run -1 bash -c "cmp <(cut -d, -f13 once.csv) <(cut -d, -f13 default.csv)"
	run -1 bash -c "cmp <(cut -d, -f13 small.csv) <(cut -d, -f13 default.csv)"
	# raced, the recommendation is worth more on the whole
	once=$(median20 once.csv)
	raced=$(median20 default.csv)
	[ -n "$once" ] && [ -n "$raced" ]
	awk -v a="$once" -v b="$raced" 'BEGIN { exit !(b > a) }'
	# without noise the race ends at once (no spread) on the best measured:
	# norm_best as a plain run's at every step it took
	ev -a gp-ucb -r 2 --test-tasks t1,t3 --cap 12 > clean.csv
	ev -a gp-ucb -r 2 --test-tasks t1,t3 --cap 12 --race 8,8 > raced.csv
	run -0 bash -c "join -t, <(awk -F, 'NR > 1 { print \$1 \$4 \$5 \",\" \$13 }' clean.csv | sort) \
		<(awk -F, 'NR > 1 { print \$1 \$4 \$5 \",\" \$13 }' raced.csv | sort) | awk -F, '\$2 != \$3' | wc -l"
	assert_output 0
	[ "$(wc -l < raced.csv)" -gt "$(wc -l < clean.csv)" ]
}

@test "mph-eval: --stop, --noise and --confirm usage errors" {
	run -2 --separate-stderr ev -a random --stop-patience 3
	assert_equal "${stderr_lines[0]}" "mph-eval: --stop-ei and --stop-patience go with --stop"
	run -2 --separate-stderr mph-eval --from-log --stop-ei 0.1 x.csv
	assert_equal "${stderr_lines[0]}" "mph-eval: --stop-ei and --stop-patience go with --stop"
	run -2 --separate-stderr ev -a random --noise -1
	assert_equal "${stderr_lines[0]}" "mph-eval: --noise: illegal number: '-1' (expected 0..10)"
	run -2 --separate-stderr ev -a random --confirm 3
	assert_equal "${stderr_lines[0]}" "mph-eval: --confirm: expected N,R (configurations, times): '3'"
	run -2 --separate-stderr ev -a random --confirm 3,0
	assert_equal "${stderr_lines[0]}" "mph-eval: --confirm: illegal number: '0' (expected 1..1000)"
	run -2 --separate-stderr ev -a random --race 3
	assert_equal "${stderr_lines[0]}" "mph-eval: --race: expected TOP,MOST[,Z] (TOP 1 to 1000, MOST 2 to 1000, Z 0 to 100): '3'"
	run -2 --separate-stderr ev -a random --noise 0.1 --race 3,4 --confirm 3,2
	assert_equal "${stderr_lines[0]}" "mph-eval: --confirm and --race exclude each other"
}

@test "mph-eval --random-initial: K configurations of each task at random, seeded, not the corners" {
	ev -a random -r 2 --test-tasks t1,t2 --random-initial 3 > log.csv
	# 3 initial rows a run, distinct, and they differ between tasks and seeds
	run -0 awk -F, 'NR > 1 && $6 == "initial" { n[$1 "," $4]++; c[$1 "," $4] = c[$1 "," $4] " " $7 "," $8 "," $9 }
		END { for (k in n) print k, n[k], c[k] }' log.csv
	assert_equal "${#lines[@]}" 4
	run -0 bash -c "awk -F, 'NR > 1 && \$6 == \"initial\" { print \$1 \$4, \$7, \$8, \$9 }' log.csv | sort | uniq -d | wc -l"
	assert_output 0
	run -0 bash -c "awk -F, 'NR > 1 && \$6 == \"initial\" { print \$4 \$5, \$7, \$8, \$9 }' log.csv | sort | uniq -c | awk '\$1 == 2' | wc -l"
	[ "$output" -lt 6 ]
	ev -a random -r 2 --test-tasks t1,t2 --random-initial 3 | cmp - log.csv
	run -2 --separate-stderr ev -a random --random-initial 3 --no-initial
	assert_equal "${stderr_lines[0]}" "mph-eval: --random-initial excludes --no-initial, --corners and --fix"
}

@test "mph-eval: random search visits each task in an order of its own" {
	ev -a random --test-tasks t1,t2,t3 --cap 20 --stop --stop-patience 100000000 > log.csv
	run -0 bash -c "for t in t1 t2 t3; do awk -F, -v t=\$t '\$1 == t && \$6 == \"search\" { s = s \$7 \$8 \$9 } END { print s }' log.csv; done | sort -u | wc -l"
	assert_output 3
}
