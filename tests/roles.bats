#!/usr/bin/env bats
# Knob roles: role specs and their errors, role models over several spaces,
# the shipped meta-model (rebuilt byte for byte; used by mph-suggest without
# -m on a user's own space, no meta-training), and the fallback to gp-ucb.

setup() {
	load helper
	R="$FIXTURES/roles"
	MODEL="$SHARE/models/zoo-roles.json"
	cd "$BATS_TEST_TMPDIR"
}

# mph-space refuses a spec with these knobs (JSON), saying exactly $2
refused() {
	printf '{"knobs": [%s]}\n' "$1" > k.json
	run -1 --separate-stderr mph-space -c k.json
	assert_equal "$stderr" "mph-space: k.json:$2"
}

@test "roles in a space spec: each error names the knob and what is wrong" {
	refused '{"name": "t", "type": "int", "values": [1, 2], "role": "threads"}' \
		"1:67: knob 't': unknown role 'threads' (expected cpu, batch, replicas, concurrency, gpu_mem_share, gpu_mem_gb, gpu_power, gpu_type or none)"
	refused '{"name": "b", "type": "int", "values": [0, 2], "role": "batch"}' \
		"1:67: knob 'b': role 'batch' needs values above 0: 0"
	refused '{"name": "m", "type": "float", "values": [0.5, 1.5], "role": "gpu_mem_share"}' \
		"1:73: knob 'm': role 'gpu_mem_share' needs values in [0, 1]: 1.5"
	refused '{"name": "c", "type": "categorical", "values": ["a"], "role": "cpu"}' \
		"1:74: knob 'c': role 'cpu' needs a numeric knob"
	refused '{"name": "g", "type": "categorical", "values": ["T4"], "attributes": {"T4": {"mem_gb": 16}}, "role": "gpu_type"}' \
		"1:113: knob 'g': role 'gpu_type' needs the attribute 'fp32_tflops' for every value (mem_gb, fp32_tflops, fp16_tflops, bw_gbs)"
	refused '{"name": "a", "type": "int", "values": [1], "role": "cpu"}, {"name": "b", "type": "int", "values": [2], "role": "cpu"}' \
		"1:124: knobs 'a' and 'b' both have role 'cpu'"
	refused '{"name": "s", "type": "float", "values": [0.5], "role": "gpu_mem_share"}, {"name": "g", "type": "float", "values": [2], "role": "gpu_mem_gb"}' \
		"1:95: knobs 's' and 'g': GPU memory is a share (gpu_mem_share) or GB (gpu_mem_gb), not both"
}

@test "roles change neither a space's configurations nor the models it fits" {
	mph-space "$R/service.json" > with.csv
	mph-space "$R/service-norole.json" > without.csv
	cmp with.csv without.csv
	# a plain model trained on the space without roles fits the one with them
	mph-metatrain -q --iters 5 --ensemble 1 -s "$R/service-norole.json" -o plain.json "$R/trace.csv"
	run -0 mph-adapt -q -s "$R/service.json" -o adapted.json plain.json "$R/trace.csv"
	run grep -c '"roles"' plain.json
	assert_output 0
}

@test "the shipped model is what make models rebuilds, byte for byte (slow: meta-trains, about 15 s)" {
	[ -f "$SHARE/zoo/trace.csv" ] || skip "the zoo trace is not built"
	run -0 make -s -C "$MPH_ROOT" models MODELS_OUT="$BATS_TEST_TMPDIR/models"
	cmp "$MODEL" "$BATS_TEST_TMPDIR/models/zoo-roles.json"
	run grep '^  "roles"' "$MODEL"
	assert_output '  "roles": ["cpu", "batch", "gpu_mem_share", "gpu_mem_gb", "gpu_type"],'
}

@test "a user's own space (threads, batch; no GPU) is tuned with the shipped model, no meta-training" {
	O="$SHARE/objectives/peak-rps.json"
	mph-space -i "$R/service.json" | mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv
	for i in $(seq 12); do
		mph-space "$R/service.json" | mph-suggest -s "$R/service.json" -O "$O" -t trials.csv > next.csv 2> err.txt
		mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv < next.csv
	done
	# the model said so, and predicted (gp-ucb has no metric prediction)
	assert_equal "$(cat err.txt)" "mph-suggest: model $(realpath "$MODEL") (shipped; the space's roles it knows: cpu,batch)"
	run awk -F, 'NR == 2 { print ($3 != "") }' next.csv
	assert_output 1
	# 4 corners and 12 suggested configurations, each once
	[ "$(tail -n +2 trials.csv | cut -d, -f1,2 | sort -u | wc -l)" -eq 16 ]
	# the best measured is the service's optimum (6 threads, batch 16)
	(echo "threads,max_batch,rps,status"; grep '^mysvc,' "$R/trace.csv" | cut -d, -f2-) > all.csv
	[ "$(mph-pick -O "$O" all.csv | tail -1 | cut -d, -f1,2)" = "6,16" ]
	run -0 bash -c "mph-pick -O '$O' trials.csv | tail -1 | cut -d, -f1,2"
	assert_output "6,16"
}

@test "no role the shipped model knows: mph-suggest says so and searches with gp-ucb" {
	mph-space -i "$R/service-norole.json" | mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv
	run -0 --separate-stderr bash -c "mph-space '$R/service-norole.json' |
		mph-suggest -s '$R/service-norole.json' -O '$R/objective.json' -t trials.csv"
	assert_equal "$stderr" "mph-suggest: no model fits $R/service-norole.json (shipped zoo-roles.json: no knob of the space has a role the model knows (cpu,batch,gpu_mem_share,gpu_mem_gb,gpu_type)): searching with gp-ucb"
	assert_line --index 1 --regexp '^[0-9]+,[0-9]+,,'
	# an algorithm asked for by name gets no model in silence
	run -2 --separate-stderr mph-suggest -a morphling -s "$R/service-norole.json" -O "$R/objective.json" /dev/null
	assert_equal "${stderr_lines[0]}" "mph-suggest: --algo morphling needs --model"
	run -1 --separate-stderr mph-adapt -q -s "$R/service-norole.json" "$MODEL" trials.csv
	assert_equal "$stderr" "mph-adapt: $MODEL: no knob of the space has a role the model knows (cpu,batch,gpu_mem_share,gpu_mem_gb,gpu_type)"
}

@test "a knob with no role the model knows is an extra input, not a refusal" {
	mph-space -i "$R/service-extra.json" | mph-probe --replay "$R/trace-extra.csv" --task mysvc -t trials.csv
	run -0 --separate-stderr bash -c "mph-space '$R/service-extra.json' |
		mph-suggest -m '$MODEL' -s '$R/service-extra.json' -O '$R/objective.json' -t trials.csv"
	assert_line --index 1 --regexp '^[0-9]+,[0-9]+,(no|int8),[0-9.e+-]+,'
	# adapted, it is written with the space it was fitted to: 8 role inputs and the knob's two
	mph-adapt -q -s "$R/service-extra.json" -o adapted.json "$MODEL" trials.csv
	run grep -c '"inputs": 10' adapted.json
	assert_output 1
	run -0 bash -c "mph-space '$R/service-extra.json' | mph-adapt -q --predict - adapted.json trials.csv | wc -l"
	assert_output 113
	run -0 bash -c "mph-space '$R/service-extra.json' |
		mph-adapt -q -s '$R/service-extra.json' --predict - adapted.json trials.csv | wc -l"
	assert_output 113
	run -1 --separate-stderr mph-adapt -q -s "$R/service.json" adapted.json trials.csv
	assert_equal "$stderr" "mph-adapt: adapted.json: space differs from the model's: it was fitted to a space with knobs outside its roles, and can only be used with that space"
}

@test "a role model stands for another throughput metric, and says so" {
	sed 's/,rps,/,tput,/' "$R/trace.csv" > tput.csv
	mph-space -i "$R/service.json" | mph-probe --replay tput.csv --task mysvc -k threads,max_batch -t trials.csv
	run -0 --separate-stderr bash -c "mph-space '$R/service.json' |
		mph-suggest -m '$MODEL' -s '$R/service.json' -O '$R/throughput.json' -t trials.csv"
	assert_equal "$stderr" "mph-suggest: role model $MODEL learnt 'rps': it stands for 'tput'"
}

@test "mph-metatrain --roles pools traces over different spaces" {
	F="$FIXTURES/meta"
	run -0 mph-metatrain -q --roles --iters 5 --ensemble 1 -s "$F/space-roles.json" -s "$R/service.json" \
		-o pooled.json "$F/trace.csv" "$R/trace.csv"
	run grep '^  "roles"' pooled.json
	assert_output '  "roles": ["cpu", "batch", "gpu_type"],'
	run grep -c '"inputs": 6' pooled.json
	assert_output 1
	run grep -A8 '"tasks"' pooled.json
	assert_output --partial '"mysvc"'
	# and it fits the CPU service it learnt from
	mph-space -i "$R/service.json" | mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv
	run -0 mph-adapt -q -s "$R/service.json" -o a.json pooled.json trials.csv
	# what it cannot do, said plainly
	run -1 --separate-stderr mph-metatrain -q --roles -s "$F/space.json" "$F/trace.csv"
	assert_equal "$stderr" "mph-metatrain: $F/space.json: --roles: knob 'cpu' has no role: a role model could not tell its values apart (mph-space(5))"
	run -2 --separate-stderr mph-metatrain -q -s "$F/space-roles.json" -s "$R/service.json" "$F/trace.csv" "$R/trace.csv"
	assert_equal "${stderr_lines[0]}" "mph-metatrain: traces over different spaces pool only with --roles"
	run -2 --separate-stderr mph-metatrain -q --roles -s a.json -s b.json -s c.json x.csv y.csv
	assert_equal "${stderr_lines[0]}" "mph-metatrain: 3 spaces for 2 traces: give one -s for all, or one for each"
	run -1 --separate-stderr mph-metatrain -q --roles -M rps,a,b -s "$F/space-roles.json" -s "$R/service.json" "$F/trace.csv" "$R/trace.csv"
	assert_equal "$stderr" "mph-metatrain: --metric: 3 metrics for 2 traces: give one for all, or one for each"
	# a damaged roles key in a model file
	sed 's/^  "roles": \["cpu", "batch", "gpu_type"\]/  "roles": ["cpu", "batch", "gpu"]/' pooled.json > bad.json
	run -1 --separate-stderr mph-adapt -q bad.json trials.csv
	assert_equal "$stderr" "mph-adapt: bad.json: roles[2]: not a role: 'gpu'"
	sed 's/^  "roles": \["cpu", "batch", "gpu_type"\]/  "roles": ["cpu", "batch", "gpu_mem_gb"]/' pooled.json > bad.json
	run -1 --separate-stderr mph-adapt -q bad.json trials.csv
	assert_equal "$stderr" "mph-adapt: bad.json: 'roles': gpu_mem_share and gpu_mem_gb go together"
}

@test "packrat's space reads the shipped model; Falcon's adds a knob it does not know" {
	need_shared_data
	run -0 --separate-stderr bash -c "mph-space -i '$SHARE/spaces/packrat-pytorch.json' |
		mph-suggest -m '$MODEL' -s '$SHARE/spaces/packrat-pytorch.json' -O '$MPH_ROOT/bench/roles/throughput.json'"
	assert_equal "${#lines[@]}" 2
	run -0 mph-space -c "$SHARE/spaces/falcon.json"
	assert_output 1440
	run -0 --separate-stderr bash -c "mph-space -i '$SHARE/spaces/falcon.json' |
		mph-probe --replay '$SHARED_DATA/falcon-sources/falcon-sources.csv' --task yolo |
		mph-adapt -q -M rps_per_budget_norm -s '$SHARE/spaces/falcon.json' -o a.json '$MODEL' -"
	# 8 role features and gpu_power_pct, which the zoo never had
	run grep -c '"inputs": 9' a.json
	assert_output 1
}

@test "mph-eval replays a role model from other traces over a space of its own, every task a test task" {
	run -0 mph-eval -q -a morphling-gp -m "$MODEL" -s "$R/service.json" -O "$R/objective.json" --cap 20 \
		--log log.csv "$R/trace.csv"
	# the same searches as the pipeline of mph-suggest without -m
	mph-space -i "$R/service.json" | mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv
	for i in $(seq 4); do
		mph-space "$R/service.json" | mph-suggest -s "$R/service.json" -O "$R/objective.json" -t trials.csv 2> /dev/null |
			mph-probe --replay "$R/trace.csv" --task mysvc -t trials.csv
	done
	diff <(tail -n +2 trials.csv | cut -d, -f1,2) <(awk -F, 'NR > 1 && $5 <= 8 { print $7 "," $8 }' log.csv)
}
