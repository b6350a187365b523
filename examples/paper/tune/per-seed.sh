#!/bin/sh
# From per-step logs (mph-eval --log): for each log and algorithm, the runs
# at the optimum within 30 samples per meta-seed, in all, and the median /
# p90 samples to the optimum and to 99 % of it (">100": beyond the cap).
# usage: per-seed.sh LOG...
for f in "$@"; do
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
				printf "#%s %s: within 30 per meta-seed %s, all %d/%d\n", name, a, line, w[a] + 0, runs[a]
			}
		}' "$f" | sort -k1,1 -k2,2 -k3n | awk '
		/^#/ { sub(/^#/, ""); head[++nh] = $0; next }
		{ v[$1, $2, ++n[$1, $2]] = $3; algos[$1] = 1 }
		function q(a, s, p,   m, k, f) { m = n[a, s]; k = (m - 1) * p; f = int(k)
			return v[a, s, f + 1] + (f + 1 < m ? (v[a, s, f + 2] - v[a, s, f + 1]) * (k - f) : 0) }
		function show(x) { return x > 100 ? ">100" : x }
		END {
			for (i = 1; i <= nh; i++) {
				split(head[i], h, " "); a = h[2]; sub(/:$/, "", a)
				printf "%s; optimum median / p90 %s / %s; 99 %% %s / %s\n", head[i],
					show(q(a, "a", .5)), show(q(a, "a", .9)), show(q(a, "b", .5)), show(q(a, "b", .9))
			}
		}'
done | sort
