#!/usr/bin/env bats
# The malformed-input corpus (tests/malformed/cases.tsv, its format described
# at its top): every case of a tool must give exactly its exit status and
# standard error, and leave no file behind. bats cannot make a test per line
# of a table, so each tool's test runs all of that tool's cases and, when some
# fail, names each with what was expected and what came.

load helper

CASES="$MPH_ROOT/tests/malformed/cases.tsv"

# Every line break as \n, the way the table writes them.
escape() { awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }' "$1"; }

# run_cases TOOL: the cases whose name starts with TOOL-.
run_cases() {
	local tool="$1" name cmd want_rc want_err usage dir got_rc got_err left n=0 bad=0
	usage=$("mph-$tool" --malformed-corpus 2>&1 >/dev/null | tail -n +2 | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }')
	while IFS=$'\t' read -r name cmd want_rc want_err; do
		[[ "$name" == "$tool"-* ]] || continue
		n=$((n + 1))
		want_err=${want_err//<usage>/"$usage"}
		dir="$BATS_TEST_TMPDIR/$name"
		mkdir "$dir"
		ln -s "$MPH_ROOT/tests/malformed" "$dir/in"
		ln -s "$FIXTURES" "$dir/fx"
		got_rc=0
		(cd "$dir" && timeout 60 bash -c "$cmd") > "$dir.out" 2> "$dir.err" || got_rc=$?
		got_err=$(escape "$dir.err")
		left=$(cd "$dir" && ls -A | grep -vx -e in -e fx | tr '\n' ' ')
		if [ "$got_rc" != "$want_rc" ] || [ "$got_err" != "$want_err" ] || [ -n "$left" ]; then
			bad=$((bad + 1))
			printf 'case %s: %s\n  expected %s: %s\n  got      %s: %s\n' "$name" "$cmd" \
				"$want_rc" "$want_err" "$got_rc" "$got_err"
			[ -z "$left" ] || printf '  left behind: %s\n' "$left"
		fi
	done < <(grep -v '^#' "$CASES")
	echo "$bad of $n $tool cases failed"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

@test "malformed: the corpus holds at least 80 cases, over all seven tools, with unique names" {
	run bash -c "grep -v '^#' '$CASES' | cut -f1 | sort | uniq -d"
	assert_output ""
	run bash -c "grep -v '^#' '$CASES' | awk -F'\t' 'NF != 4 { print NR \": \" \$1 }'"
	assert_output ""
	[ "$(grep -vc '^#' "$CASES")" -ge 80 ]
	for tool in space probe metatrain adapt suggest pick eval; do
		grep -q "^$tool-" "$CASES" || fail "no case for mph-$tool"
	done
}

@test "malformed: mph-space" { run_cases space; }
@test "malformed: mph-probe" { run_cases probe; }
@test "malformed: mph-metatrain" { run_cases metatrain; }
@test "malformed: mph-adapt" { run_cases adapt; }
@test "malformed: mph-suggest" { run_cases suggest; }
@test "malformed: mph-pick" { run_cases pick; }
@test "malformed: mph-eval" { run_cases eval; }
