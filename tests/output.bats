#!/usr/bin/env bats
# Output files (-o, every tool through one writer): complete or absent for a
# regular file; a symbolic link keeps pointing at the file it names; a
# device or FIFO is written in place with its errors reported (issue 12,
# defect 3: as root, -o /dev/full replaced the device node and exited 0).

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	S="$SHARE/spaces/morphling.json"
}

@test "-o through a symbolic link replaces the file it names, not the link" {
	echo old > real.csv
	ln -s real.csv link.csv
	run -0 mph-space -c -o link.csv "$S"
	[ -L link.csv ]
	run -0 cat real.csv
	assert_output "720"
	# a dangling link: the file it names is created
	mkdir sub
	ln -s sub/new.csv dangling.csv
	run -0 mph-space -c -o dangling.csv "$S"
	[ -L dangling.csv ]
	run -0 cat sub/new.csv
	assert_output "720"
}

@test "-o to a FIFO writes into it, and the FIFO stays a FIFO" {
	mkfifo fifo
	timeout 10 cat fifo > got &
	run -0 timeout 10 mph-space -c -o fifo "$S"
	wait
	[ -p fifo ]
	run -0 cat got
	assert_output "720"
}

@test "-o to a device writes in place and reports its write errors" {
	run -1 --separate-stderr mph-space -c -o /dev/full "$S"
	assert_equal "$stderr" "mph-space: /dev/full: write error: No space left on device"
	[ -c /dev/full ]
	run -0 mph-space -c -o /dev/null "$S"
	[ -c /dev/null ]
}

@test "-o keeps the mode of the file it replaces, and refuses a directory" {
	echo old > t.csv
	chmod 600 t.csv
	run -0 mph-space -c -o t.csv "$S"
	run -0 stat -c %a t.csv
	assert_output "600"
	mkdir d
	run -1 --separate-stderr mph-space -c -o d "$S"
	assert_equal "$stderr" "mph-space: d: cannot create: Is a directory"
	run -0 find . -name '*.tmp*'
	assert_output ""
}
