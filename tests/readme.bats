#!/usr/bin/env bats
# The README's examples run as written, so the docs cannot rot.

setup() { load helper; }

# Prints the body of the first ```sh block after the heading $1.
readme_block() {
	awk -v h="$1" '$0 == h { on = 1; next } on && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
		"$MPH_ROOT/README.md"
}

@test "the README's pipeline runs and picks a configuration" {
	readme_block "## A pipeline to paste" > "$BATS_TEST_TMPDIR/pipeline.sh"
	[ -s "$BATS_TEST_TMPDIR/pipeline.sh" ]
	cd "$BATS_TEST_TMPDIR"
	ln -s "$MPH_ROOT/share" share
	ln -s "$MPH_ROOT/bin" bin
	# the tools are built already: `make` in the block has nothing to do here
	run bash -e -c "make() { :; }; . ./pipeline.sh"
	assert_success
	# 8 initial trials and 12 suggested ones, every configuration once
	run bash -c "tail -n +2 trials.csv | cut -d, -f1-4 | sort -u | wc -l"
	assert_output 20
	run mph-pick -O "$MPH_ROOT/share/mph/objectives/rps-per-dollar.json" trials.csv
	assert_success
	assert_line --index 0 "cpu,gpu_mem,batch,gpu_type,rps,p50_ms,p99_ms,status,trial,cost,objective"
	assert_equal "${#lines[@]}" 2
}

@test "the README's error example is what mph-pick says" {
	cd "$BATS_TEST_TMPDIR"
	{ echo "cpu,gpu_mem,batch,gpu_type,rps,status"; for i in $(seq 10); do echo "1,0.1,1,T4,5,ok"; done; echo "1,0.1,1,T4,abc,ok"; } > trials.csv
	run -1 --separate-stderr mph-pick -O "$MPH_ROOT/share/mph/objectives/rps-per-dollar.json" trials.csv
	expected=$(grep -m1 "^mph-pick: trials.csv:12:" "$MPH_ROOT/README.md")
	assert_equal "$stderr" "$expected"
}
