# Meta-learning benchmark: quality of MAML vs pretraining + fine-tuning vs
# from scratch on held-out services (Falcon traces, the zoo), and the speed
# and memory of meta-training, adaptation and prediction. `make bench-meta`,
# part of `make bench`; the script says what it skips.

BENCH_META = build/bench/meta-bench

$(BENCH_META): bench/meta-bench.c build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

bench: bench-meta

.PHONY: bench-meta
bench-meta: $(BENCH_META) all
	sh bench/meta-bench.sh $(BENCH_META)
