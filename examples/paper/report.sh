#!/bin/sh
# Writes the paper's tables (markdown, on stdout) and plots (PNG, in RESULTS)
# from the per-step logs of `make paper`.
# usage: report.sh BUILD RESULTS "ALGOS" "OBJECTIVES" CAP [falcon]
set -eu
build=$1 results=$2 algos=$3 objectives=$4 cap=$5 falcon=${6:-}
bin=../../bin
export LC_ALL=C

# summary DIR LOGS...: DIR/summary.csv (paper's budgets and levels) and
# DIR/curve.csv (the best at every budget 1..CAP: the curves and the share of
# runs at the optimum), per-algorithm .dat files for gnuplot.
summarise() {
	dir=$1
	shift
	$bin/mph-eval --from-log "$@" > "$dir/summary.csv"
	$bin/mph-eval --from-log --budgets "$(seq -s, 1 "$cap")" --levels 100 "$@" > "$dir/curve.csv"
	for a in $algos; do
		awk -F, -v a="$a" '$1 == a && $2 == "best" { print $3, $6, $7, $8, $5 / $4 }' \
			"$dir/curve.csv" > "$dir/curve-$a.dat"
		awk -F, -v a="$a" '$1 == a && $2 == "samples" { print $3, $7, $8 }' \
			"$dir/summary.csv" | sed 's/>[0-9.]*/NaN/g' > "$dir/levels-$a.dat"
	done
}

plot() { # DIR NAME TITLE
	gnuplot -e "dir='$1'; out='$results/$2'; algos='$algos'; name='$3'; cap=$cap" plot.gp
}

# Table cells from summary.csv rows: algo,measure,at,runs,reached,p10,median,p90
# (samples to a tenth; ">X": beyond the runs that got there, more than X)
fmt_awk='
function s(x) { return x ~ /^>/ ? x : (x == int(x) ? x : sprintf("%.1f", x)) }
function b(x) { return x == 1 ? "1" : sprintf("%.3f", x) }'

fig6a() { # SUMMARY
	awk -F, -v cap="$cap" 'NR > 1 && $2 == "best" && $3 <= cap { if (n && $3 <= last) exit; b[n++] = $3; last = $3 }
		END { h = "| algorithm |"; r = "|---|"; for (i = 0; i < n; i++) { h = h (i ? " " : " best after ") b[i] " |"; r = r "---|" }
		print h; print r }' "$1"
	awk -F, -v cap="$cap" -v order="$algos" "$fmt_awk"'
		NR > 1 && $2 == "best" && $3 <= cap { c[$1] = c[$1] " " b($7) " (" b($6) "–" b($8) ") |"; if (!($1 in seen)) { seen[$1]; o[n++] = $1 } }
		END { n = split(order, o, " "); for (i = 1; i <= n; i++) if (o[i] in seen) print "| " o[i] " |" c[o[i]] }' "$1"
}

fig6b() { # SUMMARY
	echo "| algorithm | 70 % | 80 % | 90 % | 95 % | 99 % | 100 % | runs without the optimum |"
	echo "|---|---|---|---|---|---|---|---|"
	awk -F, -v cap="$cap" -v order="$algos" "$fmt_awk"'
		NR > 1 && $2 == "samples" { c[$1] = c[$1] " " s($7) " / " s($8) " |"; if ($3 == 100) miss[$1] = ($4 - $5) "/" $4
			if (!($1 in seen)) { seen[$1]; o[n++] = $1 } }
		END { n = split(order, o, " "); for (i = 1; i <= n; i++) if (o[i] in seen) print "| " o[i] " |" c[o[i]] " " miss[o[i]] " |" }' "$1"
}

# Samples to the optimum per objective: median / p90, and the share of runs
# with the optimum within 30 samples.
fig7() { # DIR OBJECTIVES
	dir=$1
	printf '| algorithm |'
	for o in $2; do printf ' %s: samples to optimum (median / p90) | within 30 |' "$o"; done
	printf '\n|---|'
	for o in $2; do printf -- '---|---|'; done
	printf '\n'
	for a in $algos; do
		printf '| %s |' "$a"
		for o in $2; do
			awk -F, -v a="$a" -v cap="$cap" "$fmt_awk"'
				$1 == a && $2 == "samples" && $3 == 100 { m = s($7) " / " s($8) }
				$1 == a && $2 == "best" && $3 == 30 { w = sprintf("%.0f %%", 100 * $5 / $4) }
				END { printf " %s | %s |", m, w }' "$dir/$o/summary.csv"
		done
		printf '\n'
	done
}

# The issue's targets for each morphling variant: the optimum within 30
# samples for >= 90 % of runs; median samples to the optimum <= 1/3 of
# gp-ucb's and <= 1/2 of finetune's (a median among the runs that never got
# there, ">X", reads as X, so the ratio shown is then a bound).
targets() { # SUMMARY LABEL
	awk -F, -v cap="$cap" -v label="$2" '
		function med(x) { return x ~ /^>/ ? substr(x, 2) + 0 : x }
		$2 == "samples" && $3 == 100 { m[$1] = med($7); raw[$1] = $7 }
		$2 == "best" && $3 == 30 { w[$1] = $5 / $4 }
		END {
			for (a in m) if (a ~ /^morphling/) {
				line = sprintf("| %s | %s | %.0f %% %s |", label, a, 100 * w[a], w[a] >= 0.9 ? "✓" : "✗")
				split("gp-ucb finetune", base, " "); split("3 2", need, " ")
				for (i = 1; i <= 2; i++) {
					if (!(base[i] in m)) { line = line " – |"; continue }
					r = m[a] / m[base[i]]
					# a median ">X" bounds the ratio from one side
					bound = raw[base[i]] ~ /^>/ && raw[a] !~ /^>/ ? "≤ " : raw[a] ~ /^>/ && raw[base[i]] !~ /^>/ ? "≥ " : ""
					if (raw[a] ~ /^>/ && raw[base[i]] ~ /^>/) line = line sprintf(" %s / %s = ? ✗ |", raw[a], raw[base[i]])
					else line = line sprintf(" %s / %s = %s%.2f %s |", raw[a], raw[base[i]], bound, r, r <= 1 / need[i] ? "✓" : "✗")
				}
				print line
			}
		}' "$1" | sort
}

echo "# mph: the Morphling paper's evaluation, reproduced"
echo
echo "Made by \`make paper\` ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)); each search replayed by"
echo "mph-eval over a fully profiled trace, $cap samples at most, the 8-corner initial design"
echo "included in every count; ${RUNS_TEXT:-see the Makefile for the seeds}; meta-training"
echo "\`mph-metatrain ${METATRAIN:-}\` (seed 1 on the zoo). Cells: median (p10–p90) or median / p90 over"
echo "all runs (test models x seeds); \">X\": runs that never got there within the cap make it more than X."
echo
for o in $objectives; do
	d=$build/zoo/$o
	set --
	for a in $algos; do set -- "$@" "$d/$a.csv"; done
	summarise "$d" "$@"
	plot "$d" "zoo-$o" "zoo, $o"
done
echo "## Zoo (42 simulated models, 10 meta-training / 32 test), objective rps-per-dollar"
echo
echo "### Figure 6a: normalised best configuration found after N samples"
echo
fig6a "$build/zoo/rps-per-dollar/summary.csv"
echo
echo "### Figure 6b: samples to reach a share of the optimum (median / p90)"
echo
fig6b "$build/zoo/rps-per-dollar/summary.csv"
echo
echo "![best so far](zoo-rps-per-dollar-best.png) ![at the optimum](zoo-rps-per-dollar-cdf.png) ![levels](zoo-rps-per-dollar-levels.png)"
echo
echo "### Figure 7: the three objectives"
echo
fig7 "$build/zoo" "$objectives"
echo
if [ -n "$falcon" ]; then
	d=$build/falcon
	set --
	for f in "$d"/*.csv; do
		case $f in */summary.csv|*/curve.csv) ;; *) set -- "$@" "$f" ;; esac
	done
	summarise "$d" "$@"
	plot "$d" falcon "Falcon, rps_per_budget_norm"
	echo "## Falcon traces (18 real models, 1440 configurations each), $(sed -n 's/.*FOLDS *:= *//p' Makefile)-fold by model"
	echo
	echo "### Normalised best after N samples"
	echo
	fig6a "$d/summary.csv"
	echo
	echo "### Samples to reach a share of the optimum (median / p90)"
	echo
	fig6b "$d/summary.csv"
	echo
	echo "![best so far](falcon-best.png) ![at the optimum](falcon-cdf.png) ![levels](falcon-levels.png)"
	echo
	echo "### The learnt algorithms per meta-training seed"
	echo
	echo "Runs with the optimum within 30 samples for each meta-training seed, then over all; samples to"
	echo "the optimum and to 99 % of it, median / p90 (\`sh tune/per-seed.sh out/falcon/models.csv\`)."
	echo
	echo "| algorithm | within 30, per meta-seed | in all | to the optimum | to 99 % |"
	echo "|---|---|---|---|---|"
	sh tune/per-seed.sh -m "$d/models.csv"

	echo
fi
echo "## Targets"
echo
echo "| data | algorithm | optimum within 30 samples (runs) | median samples to optimum vs gp-ucb (<= 1/3) | vs finetune (<= 1/2) |"
echo "|---|---|---|---|---|"
for o in $objectives; do targets "$build/zoo/$o/summary.csv" "zoo $o"; done
[ -z "$falcon" ] || targets "$build/falcon/summary.csv" "falcon"
