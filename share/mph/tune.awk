# Helpers of tune.mk over trials files (CSV with a header; fields quoted as
# mph writes them). A configuration is its knob columns (-v knobs=a,b,...).
#   -v mode=first     TRIALS: the header and each configuration's first trial
#                     (the search's trials; later ones are repeats)
#   -v mode=lacking   RANKED TRIALS: the knob columns of the rows of RANKED
#                     (best first) that TRIALS holds fewer than -v repeats
#                     times, at most -v max of them
#   -v mode=count     TRIALS: how many trials of the configuration of the
#                     one row of RANKED (as lacking) the file holds
#   -v mode=again     RACE: the knob columns of the rows of mph-pick --race's
#                     output whose column again is 1
function split_csv(line, f,    n, i, c, q, cur) {
	n = 0; cur = ""; q = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (q) {
			if (c == "\"" && substr(line, i + 1, 1) == "\"") { cur = cur c; i++ }
			else if (c == "\"") q = 0
			else cur = cur c
		} else if (c == "\"") q = 1
		else if (c == ",") { f[++n] = cur; cur = "" }
		else cur = cur c
	}
	f[++n] = cur
	return n
}
# The key of a row: its knob fields; col[] maps knob i to its column.
function key(f, col,    i, k) {
	k = ""
	for (i = 1; i <= nk; i++) k = k (i > 1 ? "," : "") f[col[i]]
	return k
}
function bind(f, n, col, name,    i, j) {
	for (i = 1; i <= nk; i++) {
		col[i] = 0
		for (j = 1; j <= n; j++) if (f[j] == kn[i]) col[i] = j
		if (!col[i]) { printf "tune.awk: %s: no column '%s'\n", name, kn[i] > "/dev/stderr"; bad = 1; exit 1 }
	}
}
BEGIN { nk = split(knobs, kn, ","); file = 0 }
FNR == 1 { file++; n = split_csv($0, h); sub(/\r$/, "", $0)
	if (file == 1) bind(h, n, c1, FILENAME); else bind(h, n, c2, FILENAME)
	if (mode == "first") print
	if (mode == "again") {
		for (i = 1; i <= n; i++) if (h[i] == "again") ac = i
		if (!ac) { printf "tune.awk: %s: no column 'again'\n", FILENAME > "/dev/stderr"; bad = 1; exit 1 }
		print knobs
	}
	next }
mode == "again" { split_csv($0, f); if (f[ac] == "1") print key(f, c1); next }
mode == "first" { split_csv($0, f); k = key(f, c1); if (!(k in seen)) { seen[k] = 1; print } next }
file == 1 { split_csv($0, f); ranked[++nr] = key(f, c1); next }
{ split_csv($0, f); held[key(f, c2)]++ }
END {
	if (bad) exit 1
	if (mode == "lacking") {
		print knobs
		for (i = 1; i <= nr && out < max; i++)
			if (held[ranked[i]] < repeats) { print ranked[i]; out++ }
	} else if (mode == "count") print held[ranked[1]] + 0
}
