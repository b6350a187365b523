#!/usr/bin/env python3
# Where rule families would stop the runs of mph-eval --stop logs (to the
# cap, rule never fired): R1 patience+current EI (the C rule), R2 EI below e
# for k consecutive suggestions.  Prints median/p90 stop sample, median/p10
# quality, how many chose the optimum, how many fired.
# usage: stop-rules.py LOG...   (logs of examples/paper/tune/stop.sh stop)
import csv, sys, math
def pct(v, q):
    s = sorted(v); h = (len(s) - 1) * q; lo = int(math.floor(h)); f = h - lo
    if lo + 1 >= len(s) or f == 0: return s[lo]
    return s[lo] + f * (s[lo + 1] - s[lo])
def runs(paths):
    out = []
    for p in paths:
        cur = None; key = None
        for r in csv.DictReader(open(p)):
            k = (r['algo'], r['task'], r['seed'], r.get('meta_seed', ''))
            if k != key or r['step'] == '1':
                if cur: out.append(cur)
                cur = []; key = k
            cur.append((r['phase'], float(r['ei']) if r['ei'] else float('nan'), int(r['age']), float(r['norm_best'])))
        if cur: out.append(cur)
    return out
def stop_at(run, fires):
    hist = []
    for i, (ph, ei, age, nb) in enumerate(run):
        if ph == 'search':
            hist.append(ei)
            if fires(age, ei, hist): return i, (run[i - 1][3] if i else 0), 1
    return len(run), run[-1][3], 0
def summary(rs, fires):
    st = [stop_at(r, fires) for r in rs]
    n = [s[0] for s in st]; q = [s[1] for s in st]
    return "n med %5.1f p90 %5.1f | q med %.4f p10 %.4f | opt %2d/%d fired %d" % (
        pct(n, .5), pct(n, .9), pct(q, .5), pct(q, .1), sum(x >= 1 for x in q), len(q), sum(s[2] for s in st))
if __name__ == '__main__':
    rs = runs(sys.argv[1:])
    for p in (5, 8, 10, 12, 15, 20):
        for e in (1e9, 0.01, 0.003, 0.001):
            print("R1 p=%-3d e=%-6g" % (p, e), summary(rs, lambda a, ei, h, p=p, e=e: a >= p and (math.isnan(ei) or ei < e)))
    for k in (3, 5, 10):
        for e in (0.01, 0.003, 0.001, 0.0003):
            print("R2 k=%-3d e=%-6g" % (k, e), summary(rs, lambda a, ei, h, k=k, e=e: a >= 0 and len(h) >= k and all(x < e for x in h[-k:])))
