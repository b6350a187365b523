# Search speed (in process, and one mph-suggest step as a whole process beside
# it) and, with ../shared/data, a quick replayed comparison of the
# algorithms on Falcon tasks held out in folds: `make bench-suggest`, part of
# `make bench`. `make bench-suggest-zoo` replays the paper's zoo split (about
# 10 minutes on 2 cores).

BENCH_SUGGEST = build/bench/bench-suggest
FALCON = ../shared/data/falcon-sources/falcon-sources.csv

$(BENCH_SUGGEST): bench/bench-suggest.c build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

bench: bench-suggest

.PHONY: bench-suggest bench-suggest-zoo
bench-suggest: $(BENCH_SUGGEST) all
	$(BENCH_SUGGEST) speed 9
	sh bench/bench-suggest-process.sh $(BENCH_SUGGEST)
	@if [ -f $(FALCON) ]; then sh bench/bench-suggest.sh $(FALCON); \
	else echo "bench-suggest: $(FALCON) absent: replay comparison skipped"; fi

bench-suggest-zoo: $(BENCH_SUGGEST) all
	sh bench/bench-suggest-zoo.sh
