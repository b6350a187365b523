#!/bin/sh
# From per-step logs (mph-eval --log): for each log and algorithm, the runs
# at the optimum within 30 samples per meta-seed, in all, and the median /
# p90 samples to the optimum and to 99 % of it (">100": beyond the cap).
# usage: per-seed.sh [-m] LOG...    (-m: markdown table rows, as RESULTS.md has)
md=0
if [ "${1:-}" = -m ]; then md=1; shift; fi
for f in "$@"; do
	# one line per run: algo, "a" or "b" (optimum or 99 %), samples; and a
	# "#" line per algorithm: log name, algo, within 30 per seed, in all, runs
	awk -F, -v name="$(basename "$f" .log)" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{
			k = $col["algo"] SUBSEP $col["meta_seed"] SUBSEP $col["task"] SUBSEP $col["seed"]
			if (!(k in seen)) { seen[k] = 1; runs[$col["algo"]]++; order[++nk] = k }
			if ($col["norm_best"] >= 1 && !(k in hit)) hit[k] = $col["step"]
			if ($col["norm_best"] >= 0.99 && !(k in hit99)) hit99[k] = $col["step"]
		}
		END {
			for (i = 1; i <= nk; i++) {
				k = order[i]; split(k, p, SUBSEP)
				s = (k in hit) ? hit[k] : 1000; s99 = (k in hit99) ? hit99[k] : 1000
				if (s <= 30) { w[p[1]]++; ws[p[1], p[2]]++ }
				if (!((p[1], p[2]) in ms)) { ms[p[1], p[2]] = 1; seeds[p[1]] = seeds[p[1]] " " p[2] }
				print p[1], "a", s; print p[1], "b", s99
			}
			for (a in runs) {
				line = ""
				n = split(seeds[a], sv, " ")
				for (j = 1; j <= n; j++) line = line (j > 1 ? "/" : "") (ws[a, sv[j]] + 0)
				printf "# %s %s %s %d %d\n", name, a, line, w[a] + 0, runs[a]
			}
		}' "$f" | sort -k1,1 -k2,2 -k3n | awk -v md="$md" '
		$1 == "#" { nh++; hn[nh] = $2; ha[nh] = $3; hs[nh] = $4; hw[nh] = $5; hr[nh] = $6; next }
		{ v[$1, $2, ++n[$1, $2]] = $3 }
		function q(a, s, p,   m, k, f) { m = n[a, s]; k = (m - 1) * p; f = int(k)
			return v[a, s, f + 1] + (f + 1 < m ? (v[a, s, f + 2] - v[a, s, f + 1]) * (k - f) : 0) }
		function show(x) { return x > 100 ? ">100" : x }
		END {
			for (i = 1; i <= nh; i++) {
				a = ha[i]
				printf "%s %s:\t", hn[i], a # the sort key, cut below
				if (md) {
					s = hs[i]; gsub(/\//, " / ", s)
					printf "| %s | %s | %d / %d | %s / %s | %s / %s |\n", a, s, hw[i], hr[i],
						show(q(a, "a", .5)), show(q(a, "a", .9)), show(q(a, "b", .5)), show(q(a, "b", .9))
				} else {
					printf "%s %s: within 30 per meta-seed %s, all %d/%d; optimum median / p90 %s / %s; 99 %% %s / %s\n",
						hn[i], a, hs[i], hw[i], hr[i],
						show(q(a, "a", .5)), show(q(a, "a", .9)), show(q(a, "b", .5)), show(q(a, "b", .9))
				}
			}
		}'
done | sort | cut -f2-
