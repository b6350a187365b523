#!/usr/bin/env bats
# mph-report: the page of a run, its plots counted against what the trials
# fixture implies (worked out here with mph-space and mph-pick, not typed
# in), rendered by headless Chromium without a console error.

load helper

FIX="$FIXTURES/report"
S="$SHARE/spaces/morphling.json"

setup_file() {
	# A small meta-model of the zoo, enough to have something to adapt.
	"$BATS_TEST_DIRNAME/../bin/mph-metatrain" -q -s "$BATS_TEST_DIRNAME/../share/mph/spaces/morphling.json" \
		-M rps --hidden 16,16 --iters 50 --ensemble 1 --tasks resnet50_v1,vgg16 \
		-o "$BATS_FILE_TMPDIR/meta.json" "$BATS_TEST_DIRNAME/../share/mph/zoo/trace.csv"
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	META="$BATS_FILE_TMPDIR/meta.json"
}

report() { mph-report -s "$S" -O "$FIX/objective.json" "$@"; }

# The class="pt..." elements of <svg id="$1"> in file $2, counted by class.
points() {
	awk -v id="$1" '$0 ~ "<svg id=\"" id "\"" { on = 1 } on { print } on && /<\/svg>/ { exit }' "$2" |
		grep -o 'class="pt[^"]*"' | sed 's/^class="//; s/"$//' | sort | uniq -c |
		awk '{ c = $1; $1 = ""; sub(/^ /, ""); print $0 " " c }' | paste -sd';' | sed 's/;/; /g'
}

# What each plot must hold, from the fixture: mph-pick --all ranks the rows
# that ran and met the constraints (column rank), the rest are failures.
expected() {
	mph-pick --all -O "$FIX/objective.json" "$FIX/trials.csv" > all.csv
	rank=$(head -1 all.csv | tr , '\n' | grep -n '^rank$' | cut -d: -f1)
	n=$(($(wc -l < all.csv) - 1))
	valid=$(awk -F, -v r="$rank" 'NR > 1 && $r != ""' all.csv | wc -l)
	mph-space -i "$S" | tail -n +2 > initial.csv
	# The leading rows whose configurations are the initial design's.
	init=$(tail -n +2 all.csv | awk -F, -v r="$rank" 'NR == FNR { i[$0] = 1; next }
		{ k = $2 "," $3 "," $4 "," $5 } !(k in i) { exit } $r != "" { c++ } END { print c + 0 }' initial.csv -)
	cells=$(awk -F, -v r="$rank" 'NR > 1 && $r != "" { print $3 "," $4 }' all.csv | sort -u | wc -l)
	configs=$(awk -F, -v r="$rank" 'NR > 1 && $r != "" { print $2 "," $3 "," $4 "," $5 }' all.csv | sort -u | wc -l)
	front=$(($(mph-pick --pareto -O "$FIX/objective.json" "$FIX/trials.csv" | wc -l) - 1))
	best=$(mph-pick -O "$FIX/objective.json" "$FIX/trials.csv" | tail -1 | cut -d, -f2-5)
	repeats=$(awk -F, -v r="$rank" -v b="$best" 'NR > 1 && $r != "" && $2 "," $3 "," $4 "," $5 == b' all.csv | wc -l)
	grid=$(($(mph-space "$S" | cut -d, -f2,3 | sort -u | wc -l) - 1))
	E_BEST="pt $((valid - init)); pt fail $((n - valid)); pt init $init"
	E_HEAT="pt cell $cells"
	E_PRED="pt pred $grid"
	E_PATH=$E_BEST
	E_PARETO="pt $((configs - front)); pt front $front"
	E_REPEATS="pt rep $repeats"
}

check_points() { # check_points FILE: every plot of the page at $1 holds what the fixture implies
	assert_equal "$(points best "$1")" "$E_BEST"
	assert_equal "$(points heat "$1")" "$E_HEAT"
	assert_equal "$(points pred "$1")" "$E_PRED"
	assert_equal "$(points path "$1")" "$E_PATH"
	assert_equal "$(points pareto "$1")" "$E_PARETO"
	assert_equal "$(points repeats "$1")" "$E_REPEATS"
}

@test "report: each plot holds as many points as the trials imply" {
	expected
	run --separate-stderr report -m "$META" --stop "$FIX/stop.txt" -o page.html "$FIX/trials.csv"
	assert_success
	assert_equal "$stderr" ''
	check_points page.html
	# one table row per configuration measured
	assert_equal "$(grep -c '<tr class="row' page.html)" \
		"$(tail -n +2 "$FIX/trials.csv" | cut -d, -f2-5 | sort -u | wc -l)"
	assert_equal "$(grep -o '<h2>[^<]*' page.html | sed 's/<h2>//' | paste -sd'|')" \
		'Why the run stopped|The chosen configuration|Best so far|The objective over gpu_mem and batch|The search path|Metric against cost|Ranked configurations'
}

@test "report: headless Chromium loads the page with no console message, and its DOM holds every point" {
	command -v chromium > /dev/null || skip "chromium is not installed (share/mph/install-deps.sh installs it)"
	expected
	report -m "$META" --stop "$FIX/stop.txt" -o page.html "$FIX/trials.csv"
	# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start;
	# --disable-dev-shm-usage: containers often have a tiny /dev/shm.
	run --separate-stderr timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$BATS_TEST_TMPDIR/profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$BATS_TEST_TMPDIR/page.html"
	assert_success
	printf '%s\n' "$output" > dom.html
	printf '%s\n' "$stderr" > chromium.log
	# What the page's own code or content says goes to the log as CONSOLE
	# lines (a blocked load, a parse error); there must be none.
	assert_equal "$(grep -c ':CONSOLE' chromium.log)" 0
	# The DOM as the browser built it: each point survived parsing.
	check_points dom.html
	assert_equal "$(grep -c '<tr class="row' dom.html)" "$(grep -c '<tr class="row' page.html)"
}

@test "report: the check for console messages catches a page that loads something" {
	command -v chromium > /dev/null || skip "chromium is not installed (share/mph/install-deps.sh installs it)"
	report -o page.html "$FIX/trials.csv"
	sed 's|</body>|<img src="http://127.0.0.1:9/x.png"></body>|' page.html > bad.html
	run --separate-stderr timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$BATS_TEST_TMPDIR/profile" --enable-logging=stderr --v=0 \
		--dump-dom "file://$BATS_TEST_TMPDIR/bad.html"
	assert_success
	assert_regex "$stderr" ':CONSOLE.*violates the following Content Security Policy directive'
}

@test "report: the page loads nothing: no script, no link, no URL, nothing but inline style" {
	report -m "$META" --stop "$FIX/stop.txt" -o page.html "$FIX/trials.csv"
	run grep -c -i -E '<script|<link|src=|href=|url\(|https?:|@import' page.html
	assert_output 0
	assert_equal "$(grep -c "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" page.html)" 1
}

@test "report: the same inputs give the same bytes, and -o writes what stdout gets" {
	report -m "$META" --stop "$FIX/stop.txt" -o a.html "$FIX/trials.csv"
	report -m "$META" --stop "$FIX/stop.txt" -o b.html "$FIX/trials.csv"
	cmp a.html b.html
	report -m "$META" --stop "$FIX/stop.txt" "$FIX/trials.csv" > c.html
	cmp a.html c.html
}

@test "report: the chosen configuration is mph-pick's, judged on the median of its repeats" {
	report --stop "$FIX/stop.txt" -o page.html "$FIX/trials.csv"
	best=$(mph-pick -O "$FIX/objective.json" "$FIX/trials.csv" | tail -1 | cut -d, -f2-5)
	# its ok rows' rps, sorted: the middle one is the median
	rps=$(awk -F, -v b="$best" 'NR > 1 && $2 "," $3 "," $4 "," $5 == b && $9 == "ok" { print $6 }' "$FIX/trials.csv" | sort -g)
	assert_equal "$(printf '%s\n' "$rps" | wc -l)" 3
	median=$(printf '%s\n' "$rps" | sed -n 2p)
	low=$(printf '%s\n' "$rps" | head -1)
	high=$(printf '%s\n' "$rps" | tail -1)
	row=$(sed -n '/<table id="choice">/,/<\/table>/p' page.html | grep '<tr class="chosen">' | sed 's/<[^>]*>/ /g' | tr -s ' ')
	assert_equal "$row" " $(printf '%s' "$best" | tr , ' ') $(printf '%.4g' "$median") 3 $(printf '%.4g' "$low") $(printf '%.4g' "$high") 0.46 $(awk -v m="$median" 'BEGIN { printf "%.4g", m / 0.46 }') "
	assert_equal "$(grep -o '<p id="stop">.*</p>' page.html)" "<p id=\"stop\"><b>budget</b>:$(cut -d: -f2- "$FIX/stop.txt")</p>"
}

@test "report: --race chooses the race's leader, as mph-pick --race and tune.mk's RACE do, not the best median" {
	# X: median 110, mean 93.3; Y: median 100, mean 100. The median picks X,
	# the race (on means) Y.
	printf '%s\n' cpu,gpu_mem,batch,gpu_type,rps,p50_ms,status 2,0.2,16,T4,110,100,ok 1,0.1,1,T4,100,100,ok \
		2,0.2,16,T4,110,100,ok 1,0.1,1,T4,99,100,ok 2,0.2,16,T4,60,100,ok 1,0.1,1,T4,101,100,ok > t.csv
	O="$SHARE/objectives/rps.json"
	chosen() { sed -n '/<table id="choice">/,/<\/table>/p' "$1" | grep '<tr class="chosen">' |
		sed 's/<[^>]*>/ /g' | tr -s ' ' | cut -d' ' -f2-5 | tr ' ' ,; }
	mph-report -s "$S" -O "$O" -o median.html t.csv
	assert_equal "$(chosen median.html)" "$(mph-pick --median -k cpu,gpu_mem,batch,gpu_type -O "$O" t.csv | sed -n 2p | cut -d, -f1-4)"
	assert_equal "$(chosen median.html)" 2,0.2,16,T4
	grep -q 'Chosen on the median of its measurements (mph-pick --median)' median.html
	mph-report -s "$S" -O "$O" --race 2,3 -o race.html t.csv
	assert_equal "$(chosen race.html)" "$(mph-pick --race 2,3 -n 1 -k cpu,gpu_mem,batch,gpu_type -O "$O" t.csv | sed -n 2p | cut -d, -f1-4)"
	assert_equal "$(chosen race.html)" 1,0.1,1,T4
	grep -q 'Chosen by the race between the 2 configurations whose first measurement was best (mph-pick --race 2,3,2)' race.html
	# the ranked table agrees: the leader's row is the one marked chosen
	assert_equal "$(grep -c '<tr class="row chosen">' race.html)" 1
	run -2 --separate-stderr mph-report -s "$S" -O "$O" --race 0,3 t.csv
	assert_equal "${stderr_lines[0]}" "mph-report: --race: expected TOP,MOST[,Z] (TOP 1 to 1000, MOST 2 to 1000, Z 0 to 100): '0,3'"
}

@test "report: without --stop the page says the reason is not recorded; without -m there is no prediction" {
	report -o page.html "$FIX/trials.csv"
	assert_equal "$(grep -o '<p id="stop">[^<]*' page.html)" '<p id="stop">Not recorded (no --stop file): the run may not have finished.'
	assert_equal "$(grep -c '<svg id="pred"' page.html)" 0
	assert_equal "$(grep -c '<svg id="heat"' page.html)" 1
}

@test "report: -k chooses the knobs of the heat map and the search path" {
	report -k cpu,gpu_type -o page.html "$FIX/trials.csv"
	assert_equal "$(grep -o '<h2>The objective over [^<]*' page.html)" '<h2>The objective over cpu and gpu_type'
	mph-pick --all -O "$FIX/objective.json" "$FIX/trials.csv" |
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "rank") r = i; next } $r != "" { print $2 "," $5 }' |
		sort -u > cells.txt
	assert_equal "$(points heat page.html)" "pt cell $(wc -l < cells.txt)"
	assert_equal "$(points path page.html | tr ';' '\n' | awk '{ s += $NF } END { print s }')" \
		"$(($(wc -l < "$FIX/trials.csv") - 1))"
}

@test "report: a knob of -k that is not in the space is a usage error" {
	run -2 --separate-stderr report -k cpu,threads "$FIX/trials.csv"
	assert_equal "${stderr_lines[0]}" "mph-report: --knobs: no knob 'threads' in the space"
	assert_regex "${stderr_lines[1]}" '^usage: mph-report -s SPACE -O OBJECTIVE'
	run -2 --separate-stderr report -k cpu "$FIX/trials.csv"
	assert_equal "${stderr_lines[0]}" "mph-report: --knobs: two knobs X,Y: 'cpu'"
	run -2 --separate-stderr report -k cpu,cpu "$FIX/trials.csv"
	assert_equal "${stderr_lines[0]}" "mph-report: --knobs: two different knobs: 'cpu,cpu'"
}

@test "report: text from the inputs is escaped, never markup" {
	sed 's/^19,/<script>alert(1)<\/script>,/' "$FIX/trials.csv" > trials.csv
	printf 'rule: no gain in 5 <b>trials</b> & "more"\n' > stop.txt
	report --stop stop.txt -o page.html trials.csv
	assert_equal "$(grep -c '<script' page.html)" 0
	# trial 19 is a repeat of the choice: the titles of its points in the best-so-far,
	# path and repeats plots, its label on the path, its row under the choice and
	# its number in the ranked table
	assert_equal "$(grep -o '&lt;script&gt;alert(1)&lt;/script&gt;' page.html | wc -l)" 6
	assert_equal "$(grep -o '<p id="stop">.*</p>' page.html)" \
		'<p id="stop"><b>rule</b>: no gain in 5 &lt;b&gt;trials&lt;/b&gt; &amp; &quot;more&quot;</p>'
	# the objective's name too, wherever the page shows it
	sed 's/"name": "[^"]*"/"name": "<i>rps<\/i> per $"/' "$FIX/objective.json" > objective.json
	mph-report -s "$S" -O objective.json -o page.html "$FIX/trials.csv"
	assert_equal "$(grep -c '<i>' page.html)" 0
	assert [ "$(grep -o '&lt;i&gt;rps&lt;/i&gt; per \$' page.html | wc -l)" -gt 0 ]
}

@test "report: an objective without a cost model has no cost plot, and says why" {
	mph-report -s "$S" -O "$FIX/nocost.json" -o page.html "$FIX/trials.csv"
	assert_equal "$(grep -c '<svg id="pareto"' page.html)" 0
	assert_equal "$(grep -c '<p>The objective has no cost model: there is no cost to trade the metric against.</p>' page.html)" 1
}

@test "report: bad data names file, line, column and value; nothing is written" {
	sed '5s/432.66/abc/' "$FIX/trials.csv" > bad.csv
	run -1 --separate-stderr report -o page.html bad.csv
	assert_equal "$stderr" "mph-report: bad.csv:5: column 'rps': not a number: 'abc'"
	assert [ ! -e page.html ]
	sed '3s/,128,T4,/,100,T4,/' "$FIX/trials.csv" > off.csv
	run -1 --separate-stderr report -o page.html off.csv
	assert_regex "$stderr" "^mph-report: off.csv:3: column 'batch': .*'100'"
	head -1 "$FIX/trials.csv" > empty.csv
	run -1 --separate-stderr report empty.csv
	assert_equal "$stderr" 'mph-report: empty.csv: no trials'
	: > stop.txt
	run -1 --separate-stderr report --stop stop.txt "$FIX/trials.csv"
	assert_equal "$stderr" 'mph-report: stop.txt:1: empty: the reason the run stopped is missing'
	run -1 --separate-stderr report --stop nonexistent.txt "$FIX/trials.csv"
	assert_equal "$stderr" 'mph-report: nonexistent.txt: cannot open: No such file or directory'
}

@test "report: a model of another metric is refused" {
	run -1 --separate-stderr mph-report -s "$S" -O "$FIXTURES/pick/latency.json" -m "$META" "$FIX/trials.csv"
	assert_regex "$stderr" "^mph-report: .*latency.json: metric '.*' is not the one model .*meta.json predicts \('rps'\)$"
}

@test "report: usage errors exit 2; --help and --version exit 0" {
	run -2 --separate-stderr mph-report -O "$FIX/objective.json" "$FIX/trials.csv"
	assert_equal "${stderr_lines[0]}" 'mph-report: missing -s SPACE'
	run -2 --separate-stderr mph-report -s "$S" "$FIX/trials.csv"
	assert_equal "${stderr_lines[0]}" 'mph-report: missing -O OBJECTIVE'
	run -2 --separate-stderr report a.csv b.csv
	assert_equal "${stderr_lines[0]}" 'mph-report: too many arguments'
	run -0 mph-report --help
	assert_line -n 0 'usage: mph-report -s SPACE -O OBJECTIVE [-m MODEL] [-k X,Y] [--stop FILE] [--race TOP,MOST[,Z]]'
	run -0 mph-report --version
	assert_output "mph-report $(sed -n 's/^#define MPH_VERSION "\(.*\)"$/\1/p' "$MPH_ROOT/lib/mph.h")"
}

@test "report: the README's command makes the page of the README's pipeline" {
	awk '$0 == "## Reports" { on = 1; next } on && /^```sh$/ { inb = 1; next } inb && /^```$/ { exit } inb { print }' \
		"$MPH_ROOT/README.md" > command.sh
	assert_equal "$(wc -l < command.sh)" 1
	cp "$META" meta.json
	cp "$FIX/trials.csv" trials.csv
	S="$S" O="$FIX/objective.json" run --separate-stderr bash -e command.sh
	assert_success
	report -m meta.json -o expected.html trials.csv
	cmp report.html expected.html
}
