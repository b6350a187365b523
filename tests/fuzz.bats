#!/usr/bin/env bats
# Every fuzz corpus (tests/fuzz/corpus/NAME: seeds and each finding kept as a
# regression case) replayed through its target (tests/fuzz/NAME.c) linked
# with a plain main (tests/fuzz/replay.c) by the ordinary compiler: make
# check builds them into build/fuzz-replay. A target aborts on a crash or a
# broken invariant; `make fuzz` runs the same targets under libFuzzer.

setup() { load helper; }

targets() {
	for f in "$MPH_ROOT"/tests/fuzz/*.c; do
		t=$(basename "$f" .c)
		[ "$t" = replay ] || echo "$t"
	done
}

@test "every fuzz target has a seed corpus and a dictionary" {
	n=0
	for t in $(targets); do
		[ -f "$MPH_ROOT/tests/fuzz/$t.dict" ] || { echo "no tests/fuzz/$t.dict"; return 1; }
		[ -n "$(ls "$MPH_ROOT/tests/fuzz/corpus/$t")" ] || { echo "empty corpus $t"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -eq 7 ]
}

@test "every fuzz corpus replays through its target" {
	for t in $(targets); do
		bin="$MPH_ROOT/build/fuzz-replay/fuzz-$t"
		[ -x "$bin" ] || skip "build/fuzz-replay not built (make check builds it)"
		n=$(ls "$MPH_ROOT/tests/fuzz/corpus/$t" | wc -l)
		run "$bin" "$MPH_ROOT/tests/fuzz/corpus/$t"
		[ "$status" -eq 0 ] || { echo "fuzz-$t:"; echo "$output"; return 1; }
		assert_line "replay: $n inputs"
	done
}

@test "a fuzz target's replay fails on a missing input" {
	bin="$MPH_ROOT/build/fuzz-replay/fuzz-expr"
	[ -x "$bin" ] || skip "build/fuzz-replay not built (make check builds it)"
	run "$bin" "$BATS_TEST_TMPDIR/nosuch"
	assert_failure 1
	assert_line "replay: $BATS_TEST_TMPDIR/nosuch: No such file or directory"
}
