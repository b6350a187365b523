#!/usr/bin/env bats
# mph-probe's offline modes: --replay (a profiled trace) and --sim (the
# zoo's simulator). The live modes are in probe-live.bats.

load helper

P="$FIXTURES/probe"

@test "probe: --help shows live defaults, --version the version" {
	run mph-probe --help
	assert_success
	assert_line --partial "--slo MS         p99 latency objective in milliseconds [1000]"
	assert_line --partial "--seed S         seed of the noise [1]"
	run mph-probe --version
	assert_output --regexp '^mph-probe [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "probe: usage errors exit 2" {
	run -2 --separate-stderr mph-probe --replay a.csv --sim resnet50_v1
	assert_equal "${stderr_lines[0]}" "mph-probe: --replay and --sim exclude each other"
	run -2 --separate-stderr mph-probe --sim resnet50_v1 --task a
	assert_equal "${stderr_lines[0]}" "mph-probe: --task, -k and --missing go with --replay"
	run -2 --separate-stderr mph-probe --replay a.csv --zoo z
	assert_equal "${stderr_lines[0]}" "mph-probe: --zoo and --slo go with --sim or --url"
	run -2 --separate-stderr mph-probe --replay a.csv --missing maybe
	assert_equal "${stderr_lines[0]}" "mph-probe: --missing: expected error or skip: 'maybe'"
	run -2 --separate-stderr mph-probe --replay a.csv --noise x
	assert_equal "${stderr_lines[0]}" "mph-probe: --noise: illegal number: 'x' (expected 0..10)"
}

@test "replay: looks configurations up, numbers numerically, other columns pass through" {
	run -0 mph-probe --replay "$P/trace.csv" --task a "$P/configs.csv"
	assert_output "$(printf '%s\n' 'id,cpu,gpu_type,rps,p99_ms,status' 'x,1.0,T4,100.5,800,ok' \
		'y,2,T4,180,900,ok' 'z,1,V100,0,,oom')"
}

@test "replay: quoted fields stay quoted; stdin and - read the configurations" {
	run -0 bash -c "printf 'cpu,gpu_type\n2,T4\n' | mph-probe --replay '$P/trace.csv' --task b -"
	assert_output "$(printf '%s\n' 'cpu,gpu_type,rps,p99_ms,status' '2,T4,"1,000",950,ok')"
}

@test "replay: a trace without status gets status=ok, and no task column needs no --task" {
	run -0 bash -c "printf 'batch,cpu\n2,1\n' | mph-probe --replay '$P/nostatus.csv'"
	assert_output "$(printf '%s\n' 'batch,cpu,thr,status' '2,1,19,ok')"
}

@test "replay: a missing configuration is an error naming its line, or status=missing" {
	printf 'cpu,gpu_type\n1,T4\n3,T4\n' > "$BATS_TEST_TMPDIR/c.csv"
	run -1 --separate-stderr mph-probe --replay "$P/trace.csv" --task a "$BATS_TEST_TMPDIR/c.csv"
	assert_equal "$stderr" "mph-probe: $BATS_TEST_TMPDIR/c.csv:3: configuration not in trace '$P/trace.csv' for task 'a'"
	run -0 mph-probe --replay "$P/trace.csv" --task a --missing skip "$BATS_TEST_TMPDIR/c.csv"
	assert_output "$(printf '%s\n' 'cpu,gpu_type,rps,p99_ms,status' '1,T4,100.5,800,ok' '3,T4,,,missing')"
	# every trial failed: written, and exit 1
	run -1 --separate-stderr bash -c "printf 'cpu,batch\n9,9\n' | mph-probe --replay '$P/nostatus.csv' --missing skip"
	assert_output "$(printf '%s\n' 'cpu,batch,thr,status' '9,9,,missing')"
	assert_equal "$stderr" "mph-probe: every trial failed: 1 of 1 (the first: missing)"
}

@test "replay: -k, given twice, is freed (valgrind finds no leak)" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	need_plain_build "valgrind"
	VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
	run --separate-stderr "${VG[@]}" mph-probe --replay "$P/trace.csv" --task a -k cpu -k cpu,gpu_type "$P/configs.csv"
	assert_success
	assert_equal "$stderr" ""
	run -1 --separate-stderr "${VG[@]}" mph-probe --replay "$P/trace.csv" --task a -k cpu,batch "$P/configs.csv"
	assert_equal "$stderr" "mph-probe: $P/trace.csv:1: trace has no column 'batch'"
}

@test "replay: data errors exit 1 with the reason" {
	run -1 --separate-stderr mph-probe --replay "$P/trace.csv" "$P/configs.csv"
	assert_equal "$stderr" "mph-probe: $P/trace.csv: 2 tasks in the trace: choose one with --task"
	run -1 --separate-stderr mph-probe --replay "$P/trace.csv" --task c "$P/configs.csv"
	assert_equal "$stderr" "mph-probe: $P/trace.csv: no task 'c'"
	run -1 --separate-stderr mph-probe --replay "$P/trace.csv" --task a -k cpu,batch "$P/configs.csv"
	assert_equal "$stderr" "mph-probe: $P/trace.csv:1: trace has no column 'batch'"
	run -1 --separate-stderr bash -c "printf 'cpu,gpu_type,rps\n1,T4,3\n' | mph-probe --replay '$P/trace.csv' --task a -k cpu,gpu_type"
	assert_equal "$stderr" "mph-probe: <stdin>:1: input already has column 'rps'"
	run -1 --separate-stderr bash -c "printf 'foo\n1\n' | mph-probe --replay '$P/trace.csv' --task a"
	assert_equal "$stderr" "mph-probe: <stdin>:1: no column in common with trace '$P/trace.csv'"
	run -1 --separate-stderr mph-probe --replay "$BATS_TEST_TMPDIR/none.csv" --task a "$P/configs.csv"
	assert_equal "$stderr" "mph-probe: $BATS_TEST_TMPDIR/none.csv: cannot open: No such file or directory"
	printf 'task,cpu,rps\na,1,1\na,1.0,2\n' > "$BATS_TEST_TMPDIR/dup.csv"
	run -1 --separate-stderr bash -c "printf 'cpu\n1\n' | mph-probe --replay '$BATS_TEST_TMPDIR/dup.csv' --task a"
	assert_equal "$stderr" "mph-probe: $BATS_TEST_TMPDIR/dup.csv:3: duplicate configuration for task 'a' (lines 2 and 3)"
}

@test "replay: -o writes a complete file, and nothing on failure" {
	run -0 mph-probe --replay "$P/trace.csv" --task a -o "$BATS_TEST_TMPDIR/out.csv" "$P/configs.csv"
	assert_equal "$(wc -l < "$BATS_TEST_TMPDIR/out.csv")" 4
	printf 'cpu,gpu_type\n1,T4\n3,T4\n' > "$BATS_TEST_TMPDIR/c.csv"
	run -1 mph-probe --replay "$P/trace.csv" --task a -o "$BATS_TEST_TMPDIR/bad.csv" "$BATS_TEST_TMPDIR/c.csv"
	[ ! -e "$BATS_TEST_TMPDIR/bad.csv" ]
	run ls "$BATS_TEST_TMPDIR"
	refute_output --partial "tmp"
}

@test "replay: noise is seeded, per configuration, and spares text" {
	a=$(mph-probe --replay "$P/trace.csv" --task a --noise 0.2 --seed 7 "$P/configs.csv")
	b=$(mph-probe --replay "$P/trace.csv" --task a --noise 0.2 --seed 7 "$P/configs.csv")
	c=$(mph-probe --replay "$P/trace.csv" --task a --noise 0.2 --seed 8 "$P/configs.csv")
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
	# One configuration probed alone gets what it got among others.
	y=$(printf 'id,cpu,gpu_type\ny,2,T4\n' | mph-probe --replay "$P/trace.csv" --task a --noise 0.2 --seed 7)
	[ "$(sed -n 2p <<< "$y")" = "$(sed -n 3p <<< "$a")" ]
	run awk -F, 'NR == 2 { print ($4 != 100.5 && $4 > 50 && $4 < 200), ($5 != 800), $6 }
		NR == 4 { print $4, $5, $6 }' <<< "$a"
	assert_output "$(printf '1 1 ok\n0  oom')"
}

# The knob columns of the shared traces; the rest is measured.
shared_knobs() {
	case "$1" in
	*falcon-sources.csv) echo batch,cpu,gpu_mem_gb,gpu_power_pct,gpu_type ;;
	*packrat-pytorch.csv) echo intraop_threads,batch_size ;;
	esac
}

@test "replay: reproduces every row of the shared traces exactly" {
	need_shared_data
	n=0
	for f in "$SHARED_DATA"/*/*.csv; do
		knobs=$(shared_knobs "$f")
		[ -n "$knobs" ] || { echo "no knob list for $f"; return 1; }
		nk=$(tr ',' '\n' <<< "$knobs" | wc -l)
		for task in $(tail -n +2 "$f" | cut -d, -f1 | sort -u); do
			# Knob columns come right after task in these files.
			{ echo "$knobs"; awk -F, -v t="$task" -v nk="$nk" '$1 == t {
				s = $2; for (i = 3; i <= nk + 1; i++) s = s FS $i; print s }' "$f"; } > "$BATS_TEST_TMPDIR/in.csv"
			mph-probe --replay "$f" --task "$task" "$BATS_TEST_TMPDIR/in.csv" | tail -n +2 > "$BATS_TEST_TMPDIR/out.csv"
			# The rows as the file has them, less task and line end (Falcon's is CRLF).
			awk -F, -v t="$task" '$1 == t { sub(/\r$/, ""); print substr($0, length(t) + 2) ",ok" }' "$f" > "$BATS_TEST_TMPDIR/want.csv"
			cmp "$BATS_TEST_TMPDIR/want.csv" "$BATS_TEST_TMPDIR/out.csv" || { echo "$f: $task differs"; return 1; }
			n=$((n + 1))
		done
	done
	[ "$n" -eq 43 ] # 18 Falcon tasks and 25 Packrat tasks
}

@test "replay: the shared traces with noise, twice the same" {
	need_shared_data
	f="$SHARED_DATA/falcon-sources/falcon-sources.csv"
	{ echo batch,cpu,gpu_mem_gb,gpu_power_pct,gpu_type; grep '^bert-base,' "$f" | cut -d, -f2-6; } > "$BATS_TEST_TMPDIR/in.csv"
	mph-probe --replay "$f" --task bert-base --noise 0.1 --seed 3 "$BATS_TEST_TMPDIR/in.csv" > "$BATS_TEST_TMPDIR/a.csv"
	mph-probe --replay "$f" --task bert-base --noise 0.1 --seed 3 "$BATS_TEST_TMPDIR/in.csv" > "$BATS_TEST_TMPDIR/b.csv"
	cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
	# exp(0.1 z): the log-ratios to the trace have mean near 0, sd near 0.1.
	run bash -c "paste -d, <(grep '^bert-base,' '$f' | cut -d, -f7) <(tail -n +2 '$BATS_TEST_TMPDIR/a.csv' | cut -d, -f6) |
		awk -F, '{ l = log(\$2 / \$1); s += l; ss += l * l; n++ }
			END { m = s / n; sd = sqrt(ss / n - m * m); print (n == 1440), (m > -0.01 && m < 0.01), (sd > 0.09 && sd < 0.11) }'"
	assert_output "1 1 1"
}

@test "sim: measures the paper's space; the zoo trace is its output" {
	run -0 bash -c "printf 'cpu,gpu_mem,batch,gpu_type,note\n5,0.6,32,V100,a\n1,0.1,128,M60,b\n' |
		mph-probe --sim resnet50_v1 --zoo '$SHARE/zoo'"
	assert_line --index 0 "cpu,gpu_mem,batch,gpu_type,note,rps,p50_ms,p99_ms,status"
	assert_line --index 1 --regexp '^5,0\.6,32,V100,a,[0-9.]+,[0-9.]+,1000,ok$'
	assert_line --index 2 "1,0.1,128,M60,b,0,,,oom"
	want=$(grep '^resnet50_v1,5,0.6,32,V100,' "$SHARE/zoo/trace.csv" | cut -d, -f6-)
	[ "$(sed -n 2p <<< "$output" | cut -d, -f6-)" = "$want" ]
}

@test "sim: the catalogue is found beside the program by default" {
	run -0 bash -c "printf 'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4\n' | mph-probe --sim mobilenet_v2"
	assert_line --index 1 "$(grep '^mobilenet_v2,1,0.1,1,T4,' "$SHARE/zoo/trace.csv" | cut -d, -f2-)"
}

@test "sim: a tighter SLO serves less; noise is seeded" {
	cfg=$'cpu,gpu_mem,batch,gpu_type\n5,0.6,32,V100'
	loose=$(mph-probe --sim resnet152_v1 <<< "$cfg" | tail -n 1 | cut -d, -f5)
	tight=$(mph-probe --sim resnet152_v1 --slo 200 <<< "$cfg" | tail -n 1 | cut -d, -f5)
	awk -v a="$loose" -v b="$tight" 'BEGIN { exit !(b > 0 && b < a) }'
	run mph-probe --sim resnet152_v1 --slo 200 <<< "$cfg"
	assert_line --index 1 --regexp ',200,ok$'
	a=$(mph-probe --sim resnet152_v1 --noise 0.1 --seed 5 <<< "$cfg")
	b=$(mph-probe --sim resnet152_v1 --noise 0.1 --seed 5 <<< "$cfg")
	[ "$a" = "$b" ]
	[ "$(tail -n 1 <<< "$a" | cut -d, -f5)" != "$loose" ]
}

@test "sim: bad configurations and names are errors with their line" {
	run -1 --separate-stderr mph-probe --sim nosuch <<< $'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4'
	assert_equal "$stderr" "mph-probe: $MPH_ROOT/bin/../share/mph/zoo/models.csv: no model 'nosuch'"
	run -1 --separate-stderr mph-probe --sim vgg16 <<< $'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4\n1,0.1,1,K80'
	assert_equal "$stderr" "mph-probe: <stdin>:3: column 'gpu_type': no GPU 'K80' in $MPH_ROOT/bin/../share/mph/zoo/gpus.csv"
	run -1 --separate-stderr mph-probe --sim vgg16 <<< $'cpu,gpu_mem,batch,gpu_type\n0,0.1,1,T4'
	assert_equal "$stderr" "mph-probe: <stdin>:2: column 'cpu': not an integer in 1..1024: '0'"
	run -1 --separate-stderr mph-probe --sim vgg16 <<< $'cpu,gpu_mem,batch,gpu_type\n1,1.5,1,T4'
	assert_equal "$stderr" "mph-probe: <stdin>:2: column 'gpu_mem': not a share in (0, 1]: '1.5'"
	run -1 --separate-stderr mph-probe --sim vgg16 <<< $'cpu,gpu_mem,batch\n1,0.1,1'
	assert_equal "$stderr" "mph-probe: <stdin>:1: missing required column 'gpu_type'"
	run -1 --separate-stderr mph-probe --sim vgg16 <<< $'cpu,gpu_mem,batch,gpu_type,rps\n1,0.1,1,T4,3'
	assert_equal "$stderr" "mph-probe: <stdin>:1: input already has column 'rps'"
}

@test "probe: the man page's offline examples run" {
	cd "$MPH_ROOT"
	run -0 bash -c "mph-space -i share/mph/spaces/morphling.json |
		mph-probe --replay share/mph/zoo/trace.csv --task bert_base"
	assert_line --index 0 "cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status"
	[ "${#lines[@]}" -eq 9 ]
	run -0 bash -c "mph-space -i share/mph/spaces/morphling.json | mph-probe --sim bert_base --noise 0.05 --seed 7"
	[ "${#lines[@]}" -eq 9 ]
	run -0 bash -c "mph-space share/mph/spaces/morphling.json | mph-probe --sim vgg16 | tail -n +2"
	assert_output "$(grep '^vgg16,' share/mph/zoo/trace.csv | cut -d, -f2-)"
}

@test "--append creates the trials file, then places rows by column name" {
	cd "$BATS_TEST_TMPDIR"
	printf 'task,a,b,rps,status\nt,1,x,10,ok\nt,2,x,20,ok\nt,1,y,30,oom\n' > trace.csv
	printf 'a,b\n1,x\n' | mph-probe --replay trace.csv -t trials.csv
	assert_equal "$(cat trials.csv)" "a,b,rps,status,trial
1,x,10,ok,1"
	# another column order and an extra column: placed by name, the extra dropped
	printf 'b,a,pred\ny,1,0.5\nx,2,0.7\n' | mph-probe --replay trace.csv -t trials.csv
	run cat trials.csv
	assert_output "a,b,rps,status,trial
1,x,10,ok,1
1,y,30,oom,2
2,x,20,ok,3"
}

@test "--append adds nothing when the run fails, and refuses a file without a final line break" {
	cd "$BATS_TEST_TMPDIR"
	printf 'task,a,rps\nt,1,10\n' > trace.csv
	printf 'a,rps,status\n1,10,ok\n' > trials.csv
	run -1 --separate-stderr bash -c "printf 'a\n1\n3\n' | mph-probe --replay trace.csv -t trials.csv"
	assert_equal "$stderr" "mph-probe: <stdin>:3: configuration not in trace 'trace.csv'"
	assert_equal "$(cat trials.csv)" "a,rps,status
1,10,ok"
	printf 'a,rps,status\n1,10,ok' > glued.csv
	run -1 --separate-stderr bash -c "printf 'a\n1\n' | mph-probe --replay trace.csv -t glued.csv"
	assert_equal "$stderr" "mph-probe: glued.csv: does not end with a line break: not appending to it"
	run -2 --separate-stderr mph-probe --replay trace.csv -t x.csv -o y.csv
	assert_equal "${stderr_lines[0]}" "mph-probe: -t and -o exclude each other"
}

@test "replay: a trace with a non-finite number or no rows is an error naming it" {
	cd "$BATS_TEST_TMPDIR"
	printf 'task,a,rps\nt,1,nan\n' > nan.csv
	run -1 --separate-stderr bash -c "printf 'a\n1\n' | mph-probe --replay nan.csv"
	assert_equal "$stderr" "mph-probe: nan.csv:2: column 'rps': not a finite number: 'nan'"
	assert_output ""
	printf 'task,a,rps\nt,1,2\nt,1e999,1\n' > inf.csv
	run -1 --separate-stderr bash -c "printf 'a\n1\n' | mph-probe --replay inf.csv"
	assert_equal "$stderr" "mph-probe: inf.csv:3: column 'a': not a finite number: '1e999'"
	printf 'task,a,rps\n' > empty.csv
	run -1 --separate-stderr bash -c "printf 'a\n1\n' | mph-probe --replay empty.csv"
	assert_equal "$stderr" "mph-probe: empty.csv: no rows after the header"
}

@test "probe: --help and --version to a full stdout fail" {
	run -1 --separate-stderr bash -c "mph-probe --help > /dev/full"
	assert_equal "$stderr" "mph-probe: <stdout>: write error: No space left on device"
	run -1 --separate-stderr bash -c "mph-probe --version > /dev/full"
}

@test "--append: a trials file with no column in common is an error; dropped columns are named" {
	cd "$BATS_TEST_TMPDIR"
	printf 'cpu,rps\n1,2\n' > trace.csv
	printf 'x,y\n' > other.csv
	run -1 --separate-stderr bash -c "printf 'cpu\n1\n' | mph-probe --replay trace.csv --append other.csv"
	assert_equal "$stderr" "mph-probe: other.csv:1: no column in common with the rows (cpu,...)"
	run -0 cat other.csv
	assert_output "x,y"
	# columns the file lacks are named, but not mph-suggest's explanations
	printf 'cpu,rps\n' > trials.csv
	run -0 --separate-stderr bash -c "printf 'cpu,note,pred_metric,acquisition\n1,a,3,4\n' | mph-probe --replay trace.csv --append trials.csv"
	assert_equal "$stderr" "mph-probe: warning: trials.csv has no column for note,status: not recorded"
	run -0 cat trials.csv
	assert_output $'cpu,rps\n1,2'
}

@test "--append: a configuration the file holds is skipped (-v says so); trial numbers go on; --repeats and --again measure again" {
	cd "$BATS_TEST_TMPDIR"
	printf 'task,a,rps\nt,1,10\nt,2,20\nt,3,30\n' > trace.csv
	printf 'a\n1\n2\n' | mph-probe --replay trace.csv -t trials.csv
	# 1.0 is 1: held; 3 is new
	run -0 --separate-stderr bash -c "printf 'a\n1.0\n3\n2\n' | mph-probe -v --replay trace.csv -t trials.csv"
	# the plan first, then the trial
	assert_regex "$stderr" "^mph-probe: <stdin>:2: a=1.0: not measured again: trials.csv holds 1 trial of it
mph-probe: <stdin>:4: a=2: not measured again: trials.csv holds 1 trial of it
mph-probe: trial 3: a=3: ok; [0-9.]+ s\$"
	assert_equal "$(cat trials.csv)" "a,rps,status,trial
1,10,ok,1
2,20,ok,2
3,30,ok,3"
	# until the file holds 3 of each: 1 twice more, 3 twice more, in input order
	printf 'a\n1\n3\n' | mph-probe --replay trace.csv -t trials.csv --repeats 3 -q
	assert_equal "$(tail -n +5 trials.csv)" "1,10,ok,4
1,10,ok,5
3,30,ok,6
3,30,ok,7"
	# again, so nothing left to do
	printf 'a\n1\n3\n' | mph-probe --replay trace.csv -t trials.csv --repeats 3 -q
	assert_equal "$(wc -l < trials.csv)" 8
	printf 'a\n2\n2\n' | mph-probe --replay trace.csv -t trials.csv --again -q
	assert_equal "$(tail -n +9 trials.csv)" "2,20,ok,8
2,20,ok,9"
	# an input `trial` column (mph-pick's rows) is not the configuration and is renumbered
	printf 'a,trial\n3,1\n' | mph-probe --replay trace.csv -t trials.csv --again -q
	assert_equal "$(tail -n 1 trials.csv)" "3,30,ok,10"
	# a file without a trial column: numbered by its rows, the column not added
	printf 'a,rps,status\n1,10,ok\n' > old.csv
	run -0 --separate-stderr bash -c "printf 'a\n2\n' | mph-probe --replay trace.csv -t old.csv"
	assert_equal "$stderr" ""
	assert_equal "$(cat old.csv)" $'a,rps,status\n1,10,ok\n2,20,ok'
	run -2 --separate-stderr mph-probe --replay trace.csv --repeats 2 trace.csv
	assert_equal "${stderr_lines[0]}" "mph-probe: --repeats, --again, --budget and -O go with -t"
	run -2 --separate-stderr mph-probe --replay trace.csv -t x.csv --repeats 2 --again trace.csv
	assert_equal "${stderr_lines[0]}" "mph-probe: --again and --repeats exclude each other"
}

@test "--append: noise is drawn per repeat, the first as without -t; a resumed run writes the same bytes" {
	cd "$BATS_TEST_TMPDIR"
	T="$SHARE/zoo/trace.csv"
	mph-space -i "$SHARE/spaces/morphling.json" > c.csv
	mph-probe --replay "$T" --task vgg16 --noise 0.1 --seed 3 c.csv > plain.csv
	# three measurements of each corner in one run
	mph-probe --replay "$T" --task vgg16 --noise 0.1 --seed 3 --repeats 3 -t whole.csv c.csv
	# the first of each is what a run without -t measures
	assert_equal "$(awk -F, '!seen[$1 FS $2 FS $3 FS $4]++' whole.csv | cut -d, -f1-8 | sort)" \
		"$(sort plain.csv)"
	# repeats differ (noise drawn anew) where the trace has a number
	assert_equal "$(tail -n +2 whole.csv | grep ',ok,' | cut -d, -f1-5 | sort -u | wc -l)" \
		"$((3 * $(grep -c ',ok' plain.csv)))"
	# the same, stopped after every few trials: the same bytes
	for n in 2 5 9 14 20 24; do
		head -n "$((n / 3 + 1))" c.csv | mph-probe --replay "$T" --task vgg16 --noise 0.1 --seed 3 --repeats 3 -t parts.csv
	done
	cmp whole.csv parts.csv
}

@test "--append: progress lines with -O and --budget: the trial, its configuration and score, the best so far, time" {
	cd "$BATS_TEST_TMPDIR"
	printf 'task,cpu,gpu_mem,batch,gpu_type,rps,status\nt,1,0.1,1,T4,26,ok\nt,1,0.1,2,T4,0,oom\nt,2,0.1,1,T4,48,ok\n' > trace.csv
	printf 'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4\n1,0.1,2,T4\n2,0.1,1,T4\n' > c.csv
	run -0 --separate-stderr mph-probe --replay trace.csv -t trials.csv --budget 5 -O "$SHARE/objectives/rps-per-dollar.json" c.csv
	assert_equal "${#stderr_lines[@]}" 3
	assert_regex "${stderr_lines[0]}" '^mph-probe: trial 1 of 5: cpu=1 gpu_mem=0.1 batch=1 gpu_type=T4: ok, score 100; best 100 \(trial 1\); [0-9.]+ s, about [0-9.]+ s left$'
	assert_regex "${stderr_lines[1]}" '^mph-probe: trial 2 of 5: cpu=1 gpu_mem=0.1 batch=2 gpu_type=T4: oom; best 100 \(trial 1\); [0-9.]+ s, about [0-9.]+ s left$'
	assert_regex "${stderr_lines[2]}" '^mph-probe: trial 3 of 5: cpu=2 gpu_mem=0.1 batch=1 gpu_type=T4: ok, score 171.429; best 171.429 \(trial 3\); [0-9.]+ s, about [0-9.]+ s left$'
	# the best so far comes from the file too; -q is quiet
	printf 'cpu,gpu_mem,batch,gpu_type\n1,0.1,1,T4\n' | mph-probe --replay trace.csv -t trials.csv --again --budget 5 \
		-O "$SHARE/objectives/rps-per-dollar.json" 2> err
	assert_regex "$(cat err)" '^mph-probe: trial 4 of 5: cpu=1 gpu_mem=0.1 batch=1 gpu_type=T4: ok, score 100; best 171.429 \(trial 3\); '
	run -0 --separate-stderr mph-probe --replay trace.csv -t q.csv --budget 5 -q c.csv
	assert_equal "$stderr" ""
	# and every trial failed: recorded, exit 1
	run -1 --separate-stderr bash -c "printf 'cpu,gpu_mem,batch,gpu_type\n1,0.1,2,T4\n' | mph-probe --replay trace.csv -t f.csv -q"
	assert_equal "$stderr" "mph-probe: every trial failed: 1 of 1 (the first: oom)"
	assert_equal "$(tail -n 1 f.csv)" "1,0.1,2,T4,0,oom,1"
}
