#!/usr/bin/env bats
# mph-space: enumeration, sampling, initial design, traces, bad input.

setup() { load helper; }

PAPER=share/mph/spaces/morphling.json

@test "the paper space has 720 configurations plus a header" {
	cd "$MPH_ROOT"
	run mph-space "$PAPER"
	assert_success
	assert_equal "${#lines[@]}" 721
	assert_line --index 0 "cpu,gpu_mem,batch,gpu_type"
	assert_line --index 1 "1,0.1,1,T4"
	assert_line --index 720 "5,0.6,128,V100"
	run mph-space -c "$PAPER"
	assert_output 720
}

@test "every configuration is distinct" {
	cd "$MPH_ROOT"
	run bash -c "mph-space $PAPER | sort -u | wc -l"
	assert_output 721
}

@test "--initial gives the paper's 8 corners on one GPU type" {
	cd "$MPH_ROOT"
	run mph-space -i "$PAPER"
	assert_success
	assert_output "cpu,gpu_mem,batch,gpu_type
1,0.1,1,T4
1,0.1,128,T4
1,0.6,1,T4
1,0.6,128,T4
5,0.1,1,T4
5,0.1,128,T4
5,0.6,1,T4
5,0.6,128,T4"
}

@test "--corners and --fix override the spec's initial design" {
	cd "$MPH_ROOT"
	run mph-space -i --corners batch --fix cpu=2,gpu_mem=0.3,gpu_type=V100 "$PAPER"
	assert_success
	assert_output "cpu,gpu_mem,batch,gpu_type
2,0.3,1,V100
2,0.3,128,V100"
}

@test "--sample draws without replacement and is seeded" {
	cd "$MPH_ROOT"
	run mph-space -n 50 --seed 7 "$PAPER"
	assert_success
	assert_equal "${#lines[@]}" 51
	a="$output"
	run bash -c "mph-space -n 50 --seed 7 $PAPER | sort -u | wc -l"
	assert_output 51
	run mph-space -n 50 --seed 7 "$PAPER"
	assert_equal "$output" "$a"
	run mph-space -n 50 --seed 8 "$PAPER"
	refute [ "$output" = "$a" ]
	run bash -c "mph-space -n 5000 $PAPER | wc -l"
	assert_output 721
}

@test "sampling a space of 10^7 configurations" {
	run bash -c "mph-space -n 1000 --seed 3 $FIXTURES/space/ten-million.json | sort -u | wc -l"
	assert_output 1001
}

@test "enumerating 10^7 configurations runs in constant memory" {
	need_plain_build "ulimit -v"
	run bash -c "ulimit -v 60000; OPENBLAS_NUM_THREADS=1 mph-space $FIXTURES/space/ten-million.json | tail -1"
	assert_success
	assert_output "9,9,9,9,9,9,9"
	run mph-space -c "$FIXTURES/space/ten-million.json"
	assert_output 10000000
}

@test "constraints filter configurations" {
	run mph-space "$FIXTURES/space/constrained.json"
	assert_success
	# a * 2 <= 4 || b == "y": a in {1,2} with any b, a in {3,4} only with y
	assert_output "a,b
1,x
1,y
2,x
2,y
3,y
4,y"
	run mph-space -c "$FIXTURES/space/constrained.json"
	assert_output 6
}

@test "--from-trace derives the Falcon space of 1440 configurations" {
	need_shared_data
	run mph-space --from-trace "$SHARED_DATA/falcon-sources/falcon-sources.csv" -o "$BATS_TEST_TMPDIR/falcon.json"
	assert_success
	run mph-space -c "$BATS_TEST_TMPDIR/falcon.json"
	assert_output 1440
	run bash -c "mph-space $BATS_TEST_TMPDIR/falcon.json | head -1"
	assert_output "batch,cpu,gpu_mem_gb,gpu_power_pct,gpu_type"
	# every configuration of the trace is in the derived space, and back
	run bash -c "cut -d, -f2-6 $SHARED_DATA/falcon-sources/falcon-sources.csv | sed 1d | sort -u | wc -l"
	assert_output 1440
}

@test "--from-trace on the packrat trace, and with named knobs" {
	need_shared_data
	run bash -c "mph-space --from-trace $SHARED_DATA/packrat-pytorch/packrat-pytorch.csv | mph-space -c -"
	assert_output 176
	run bash -c "mph-space --from-trace $SHARED_DATA/packrat-pytorch/packrat-pytorch.csv -k batch_size | mph-space -"
	assert_success
	assert_line --index 0 batch_size
	assert_equal "${#lines[@]}" 12
}

@test "--from-trace on a hand-made trace" {
	printf 'task,threads,gpu,rps\nm,1,A,10.5\nm,2,A,12.25\nm,1,B,3.5\nm,2,B,7.75\nn,1,A,1\nn,2,A,2\nn,1,B,3\nn,2,B,4\n' > "$BATS_TEST_TMPDIR/t.csv"
	run mph-space --from-trace "$BATS_TEST_TMPDIR/t.csv" -x rps
	assert_success
	run bash -c "mph-space --from-trace $BATS_TEST_TMPDIR/t.csv -x rps | mph-space -"
	assert_output "threads,gpu
1,A
1,B
2,A
2,B"
}

@test "-o writes a complete file and nothing on failure" {
	cd "$MPH_ROOT"
	run mph-space -o "$BATS_TEST_TMPDIR/all.csv" "$PAPER"
	assert_success
	assert_output ""
	run wc -l < "$BATS_TEST_TMPDIR/all.csv"
	assert_output 721
	run mph-space -o "$BATS_TEST_TMPDIR/bad.csv" "$FIXTURES/space/badtype.json"
	assert_failure 1
	[ ! -e "$BATS_TEST_TMPDIR/bad.csv" ]
	run ls "$BATS_TEST_TMPDIR"
	assert_output "all.csv"
}

@test "the same space gives the same bytes" {
	cd "$MPH_ROOT"
	mph-space "$PAPER" > "$BATS_TEST_TMPDIR/a"
	mph-space "$PAPER" > "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

bad() { # bad FIXTURE MESSAGE
	run -1 --separate-stderr mph-space "$FIXTURES/space/$1"
	assert_equal "$stderr" "mph-space: $FIXTURES/space/$1$2"
	assert_output ""
}

@test "broken JSON names line and column" {
	bad broken.json ":4: invalid JSON: ']' expected near end of file"
	bad empty.json ":1: invalid JSON: '[' or '{' expected near end of file"
	bad nan.json ":1:56: invalid JSON: invalid token near 'NaN'"
	bad inf.json ":1:58: invalid JSON: real number overflow near '1e999'"
}

@test "bad knobs are named" {
	bad badtype.json ":1:34: knob 'a': unknown type 'integer' (expected int, float, ordinal or categorical)"
	bad emptyvalues.json ":1:21: knob 'a': \"values\" must be a non-empty array"
	bad dupknob.json ":1:66: duplicate knob name 'a'"
	bad nonint.json ":1:21: knob 'a': int knob has a non-integer value 2.5"
	bad unknownkey.json ":1:58: knob 'a': unknown key 'stride'"
	bad huge.json ":1:21: knob 'a': range gives more than 1000000 values"
	bad badconstraint.json ":1:82: constraint 'a <= c': column 6: unknown name 'c'"
}

@test "a missing file" {
	run -1 --separate-stderr mph-space "$BATS_TEST_TMPDIR/nope.json"
	assert_equal "$stderr" "mph-space: $BATS_TEST_TMPDIR/nope.json: cannot open: No such file or directory"
}

@test "bad traces" {
	printf '' > "$BATS_TEST_TMPDIR/empty.csv"
	run -1 --separate-stderr mph-space --from-trace "$BATS_TEST_TMPDIR/empty.csv"
	assert_equal "$stderr" "mph-space: $BATS_TEST_TMPDIR/empty.csv: empty input: a header row is required"
	printf 'task,a\n' > "$BATS_TEST_TMPDIR/hdr.csv"
	run -1 --separate-stderr mph-space --from-trace "$BATS_TEST_TMPDIR/hdr.csv"
	assert_equal "$stderr" "mph-space: $BATS_TEST_TMPDIR/hdr.csv: no rows after the header"
	printf 'task,a,b\nx,1,2\nx,1\n' > "$BATS_TEST_TMPDIR/short.csv"
	run -1 --separate-stderr mph-space --from-trace "$BATS_TEST_TMPDIR/short.csv"
	assert_equal "$stderr" "mph-space: $BATS_TEST_TMPDIR/short.csv:3: expected 3 fields, found 2"
	printf 'task,a\nx,1\n' > "$BATS_TEST_TMPDIR/k.csv"
	run -1 --separate-stderr mph-space --from-trace "$BATS_TEST_TMPDIR/k.csv" -k b
	assert_equal "$stderr" "mph-space: $BATS_TEST_TMPDIR/k.csv:1: missing required column 'b'"
}

@test "usage errors exit 2 with the usage line" {
	run -2 --separate-stderr mph-space
	assert_equal "${stderr_lines[0]}" "mph-space: missing SPACE"
	run -2 --separate-stderr mph-space -q x.json
	run -2 --separate-stderr mph-space -n abc x.json
	assert_equal "${stderr_lines[0]}" "mph-space: -n: illegal number: 'abc' (expected 0..100000000)"
	assert_equal "${stderr_lines[1]}" "usage: mph-space [-ci] [-n N] [--seed SEED] [-o FILE] [--corners K,...] [--fix K=V,...] SPACE"
	run -2 --separate-stderr mph-space -c -i x.json
	assert_equal "${stderr_lines[0]}" "mph-space: -c, -i and -n exclude each other"
	run -0 mph-space --help
	assert_line --index 0 --partial "usage: mph-space"
	run -0 mph-space --version
	assert_output --regexp '^mph-space [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "--from-trace on the zoo: measured columns with empty fields are not knobs" {
	run bash -c "mph-space --from-trace $SHARE/zoo/trace.csv | mph-space -"
	assert_success
	assert_line --index 0 "cpu,gpu_mem,batch,gpu_type"
	assert_equal "${#lines[@]}" 721
}

@test "-o files get the mode a plain create would give" {
	cd "$BATS_TEST_TMPDIR"
	umask 022
	mph-space -o out.csv "$MPH_ROOT/share/mph/spaces/morphling.json"
	run stat -c %a out.csv
	assert_output 644
}

@test "bad input: a directory, names and values of megabytes" {
	cd "$BATS_TEST_TMPDIR"
	mkdir d out
	run -1 --separate-stderr mph-space -o out/s.csv d
	assert_equal "$stderr" "mph-space: d: read error: Is a directory"
	run -1 --separate-stderr bash -c 'mph-space - < d'
	assert_equal "$stderr" "mph-space: <stdin>: read error: Is a directory"
	{ printf '{"knobs": [{"name": "'; head -c 2000000 /dev/zero | tr '\0' a; printf '", "type": "int", "values": [1]}]}\n'; } > name.json
	run -1 --separate-stderr mph-space -o out/s.csv name.json
	assert_equal "$stderr" 'mph-space: name.json: knobs[0]: "name" is longer than 255 bytes'
	{ printf '{"knobs": [{"name": "a", "type": "categorical", "values": ["x", "'; head -c 2000000 /dev/zero | tr '\0' y; printf '"]}]}\n'; } > value.json
	run -1 --separate-stderr mph-space -o out/s.csv value.json
	assert_equal "$stderr" "mph-space: value.json:1:21: knob 'a': value 2: longer than 255 bytes"
	run ls -A out
	assert_output ""
}

@test "--from-trace: NaN or infinity in a knob column names its line and value" {
	cd "$BATS_TEST_TMPDIR"
	mkdir out
	for v in nan inf -inf 1e999 Infinity; do
		printf 'task,a,b,rps\nm,1,x,1\nm,%s,y,2\nm,1,y,nan\nm,2,x,3\nm,2,y,4\nm,1,x,5\nm,2,x,6\n' "$v" > t.csv
		run -1 --separate-stderr mph-space --from-trace t.csv -x rps -o out/s.json
		assert_equal "$stderr" "mph-space: t.csv:3: column 'a': not a finite number: '$v'"
	done
	# a measured column may hold NaN: it is not a knob
	printf 'task,a,rps\nm,1,nan\nm,1,inf\nm,2,1\nm,2,2\n' > t.csv
	run -0 mph-space --from-trace t.csv -o out/s.json
	run -0 mph-space -c out/s.json
	assert_output 2
	rm out/s.json
	# a CSV whose row is ragged
	printf 'task,a,rps\nm,1,1\nm,2\n' > t.csv
	run -1 --separate-stderr mph-space --from-trace t.csv -o out/s.json
	assert_equal "$stderr" "mph-space: t.csv:3: expected 3 fields, found 2"
	run ls -A out
	assert_output ""
}

@test "--corners with an unknown knob names it" {
	cd "$MPH_ROOT"
	run -2 --separate-stderr mph-space -i --corners cpu,nosuch "$PAPER"
	assert_equal "$stderr" "mph-space: corners: unknown knob 'nosuch'"
	run -2 --separate-stderr mph-space -i --fix cpu=9 "$PAPER"
	assert_equal "$stderr" "mph-space: fixed: '9' is not a value of knob 'cpu'"
}

@test "a full or closed stdout is an error, whatever is written" {
	[ -w /dev/full ] || skip "no /dev/full"
	cd "$MPH_ROOT"
	for args in "$PAPER" "-c $PAPER" "-i $PAPER" "-n 5 $PAPER" "--from-trace $SHARE/zoo/trace.csv" --help --version; do
		run -1 --separate-stderr bash -c "mph-space $args > /dev/full"
		assert_equal "$stderr" "mph-space: <stdout>: write error: No space left on device"
		assert_output ""
		run -1 --separate-stderr bash -c "mph-space $args >&-"
		assert_equal "$stderr" "mph-space: <stdout>: write error: Bad file descriptor"
	done
}

@test "-c counts by product without constraints, however large; with them it bounds the work" {
	cd "$BATS_TEST_TMPDIR"
	# 10^24 configurations: counting by enumeration never ended (issue 12, defect 5)
	printf '{"knobs": [%s]}\n' "$(for k in a b c d e f; do printf '{"name": "%s", "type": "int", "range": [1, 10000]},' $k; done | sed 's/,$//')" > big.json
	run -0 timeout 60 mph-space -c big.json
	assert_output "1000000000000000000000000"
	printf '{"knobs": [%s], "constraints": ["a <= b"]}\n' "$(for k in a b c d e f; do printf '{"name": "%s", "type": "int", "range": [1, 10000]},' $k; done | sed 's/,$//')" > bigc.json
	run -1 --separate-stderr timeout 60 mph-space -c bigc.json
	assert_output ""
	assert_equal "$stderr" "mph-space: 1000000000000000000000000 configurations before constraints: too many to count the feasible ones (at most 100000000 are enumerated)"
	run -0 mph-space -c "$SHARE/spaces/morphling.json"
	assert_output "720"
}

@test "a categorical value of 64 bytes or more works in initial.fixed" {
	cd "$BATS_TEST_TMPDIR"
	long=$(printf 'g%.0s' $(seq 100))
	printf '{"knobs": [{"name": "cpu", "type": "int", "values": [1, 2]}, {"name": "gpu", "type": "categorical", "values": ["%s", "T4"]}], "initial": {"corners": ["cpu"], "fixed": {"gpu": "%s"}}}\n' "$long" "$long" > s.json
	run -0 mph-space -i s.json
	assert_output "cpu,gpu
1,$long
2,$long"
	# the canonical JSON a model file embeds reloads
	printf 'task,cpu,gpu,rps\n' > t.csv
	for t in a b; do for c in 1 2; do for g in "$long" T4; do echo "$t,$c,$g,$c" >> t.csv; done; done; done
	run -0 mph-metatrain -q -s s.json -M rps --iters 2 --shots 2 --query 1 --ensemble 1 -o m.json t.csv
	mph-space s.json > c.csv
	printf 'cpu,gpu,rps\n1,%s,1\n' "$long" > trials.csv
	run -0 mph-adapt --predict c.csv m.json trials.csv
	assert_line --index 1 --partial "1,$long,"
}

@test "knob names that would reach commands as one variable are refused, naming both" {
	cd "$BATS_TEST_TMPDIR"
	echo '{"knobs": [{"name": "a-b", "type": "int", "values": [1]}, {"name": "a_b", "type": "int", "values": [1]}]}' > e1.json
	run -1 --separate-stderr mph-space e1.json
	assert_equal "$stderr" "mph-space: e1.json:1:68: knobs 'a-b' and 'a_b' both reach commands as MPH_A_B"
	echo '{"knobs": [{"name": "config", "type": "int", "values": [1]}]}' > e2.json
	run -1 --separate-stderr mph-space e2.json
	assert_equal "$stderr" "mph-space: e2.json:1:21: knob 'config' would reach commands as MPH_CONFIG, which mph sets itself"
	echo '{"knobs": [{"name": "Config.Header", "type": "int", "values": [1]}]}' > e3.json
	run -1 --separate-stderr mph-space e3.json
	assert_equal "$stderr" "mph-space: e3.json:1:21: knob 'Config.Header' would reach commands as MPH_CONFIG_HEADER, which mph sets itself"
}
