#!/usr/bin/env bats
# Runs every C unit test binary (tests/unit/test-*.c, built by make unit).

@test "C unit tests pass" {
	n=0
	for t in build/unit/test-*; do
		[ -x "$t" ] || continue
		run "$t"
		if [ "$status" -ne 0 ]; then
			echo "$t failed:"; echo "$output"; return 1
		fi
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
