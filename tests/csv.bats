#!/usr/bin/env bats
# The CSV reader under hostile input, through a tool (every tool reads CSV
# through the same reader): the fault campaign's header, memory and NUL
# defects, each as it was reproduced (issue 12, defects 1 and 4).

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	OBJ="$SHARE/objectives/rps.json"
}

fails_with() {
	local status="$1" msg="$2"
	shift 2
	run -"$status" --separate-stderr "$@"
	assert_output ""
	assert_equal "$stderr" "$msg"
}

@test "a header with an empty or a repeated name before the last column is an error, not a crash" {
	# MALLOC_PERTURB_ fills fresh memory with garbage: freeing uninitialised
	# header entries crashed here (exit 139) before the fix.
	printf 'a,b,a,c\n1,2,3,4\n' > dup.csv
	printf 'a,,b,c\n1,2,3,4\n' > empty.csv
	MALLOC_PERTURB_=165 fails_with 1 "mph-pick: dup.csv:1: header: duplicate column 'a'" mph-pick -O "$OBJ" dup.csv
	MALLOC_PERTURB_=165 fails_with 1 "mph-pick: empty.csv:1: header: column 2 has no name" mph-pick -O "$OBJ" empty.csv
	# also as the target of --append
	printf 'cpu,rps\n1,2\n' > trace.csv
	printf 'cpu\n1\n' > configs.csv
	MALLOC_PERTURB_=165 run -1 --separate-stderr mph-probe --replay trace.csv --append dup.csv configs.csv
	assert_equal "$stderr" "mph-probe: dup.csv:1: header: duplicate column 'a'"
}

@test "the header leaks nothing when it is refused" {
	need_plain_build "valgrind"
	command -v valgrind >/dev/null || skip "valgrind is absent"
	printf 'a,b,a,c,d,e\n1,2,3,4,5,6\n' > dup.csv
	run -1 valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
		mph-pick -O "$OBJ" dup.csv
	assert_output "mph-pick: dup.csv:1: header: duplicate column 'a'"
}

@test "a line with no end stays within bounded memory and names its line" {
	need_plain_build "ulimit -v"
	# 200 MB with no newline: getline held all of it (882 MB in 3 s from
	# /dev/zero before the fix); now the reader stops past the field limit.
	( ulimit -v 300000
	  head -c 200000000 /dev/zero | tr '\0' 'a' > /dev/null
	  run -1 --separate-stderr bash -c "head -c 200000000 /dev/zero | tr '\\0' a | mph-pick -O '$OBJ'"
	  assert_equal "$stderr" "mph-pick: <stdin>:1: field longer than 1048576 bytes" )
	( ulimit -v 100000
	  run -1 --separate-stderr mph-pick -O "$OBJ" /dev/zero
	  assert_equal "$stderr" "mph-pick: /dev/zero:1: NUL byte: not a text file" )
}

@test "a record with millions of fields is refused without holding them" {
	need_plain_build "ulimit -v"
	( ulimit -v 100000
	  run -1 --separate-stderr bash -c "(printf 'cpu,gpu_mem,gpu_type,batch,rps\n'; head -c 3000000 /dev/zero | tr '\\0' ,) | mph-pick -O '$OBJ'"
	  assert_equal "$stderr" "mph-pick: <stdin>:2: expected 5 fields, found 3000001"
	  run -1 --separate-stderr bash -c "head -c 3000000 /dev/zero | tr '\\0' , | mph-pick -O '$OBJ'"
	  assert_equal "$stderr" "mph-pick: <stdin>:1: header: more than 65536 columns" )
}

@test "a NUL byte is an error naming its line, not a name cut short" {
	printf 'cpu,rps\0x,gpu_mem,gpu_type,batch\n1,2,0.1,T4,8\n' > nul.csv
	fails_with 1 "mph-pick: nul.csv:1: NUL byte: not a text file" mph-pick -O "$OBJ" nul.csv
	printf 'cpu,gpu_mem,gpu_type,batch,rps\n1,0.1,T4,8,2\n2,0.1,T4\0,8,3\n' > nul2.csv
	fails_with 1 "mph-pick: nul2.csv:3: NUL byte: not a text file" mph-pick -O "$OBJ" nul2.csv
}

@test "a first name that is itself a byte-order mark reads back after writing" {
	# the file's own BOM is dropped; a second one belongs to the name, and a
	# writer must quote it or the next reader drops it as the file's BOM
	printf '\xef\xbb\xbf\xef\xbb\xbfcpu,rps\n1,2\n' > trace.csv
	printf '\xef\xbb\xbf\xef\xbb\xbfcpu\n1\n' > configs.csv
	run -0 mph-probe --replay trace.csv -o out.csv configs.csv
	run -0 head -1 out.csv
	assert_output $'"\xef\xbb\xbfcpu",rps,status'
	# read back as a trace, its first column still matches the name
	run -0 mph-probe --replay out.csv -k $'\xef\xbb\xbfcpu' configs.csv
	assert_output $'"\xef\xbb\xbfcpu",rps,status\n1,2,ok'
	# an ordinary file's BOM is still dropped
	printf '\xef\xbb\xbfcpu,rps\n1,2\n' > plain.csv
	printf 'cpu\n1\n' > c.csv
	run -0 mph-probe --replay plain.csv c.csv
	assert_output $'cpu,rps,status\n1,2,ok'
}
