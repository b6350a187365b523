# The model zoo: the profiled trace of share/mph/zoo/models.csv over the
# paper's space, made by the simulator (mph-probe --sim), one model at a time
# (`make zoo`, part of `make`: the committed trace must be what the code and
# catalogue give, byte for byte); and `make bench-replay`, part of `make bench`.

ZOO_DIR   = share/mph/zoo
ZOO_SPACE = share/mph/spaces/morphling.json
ZOO_TRACE = $(ZOO_DIR)/trace.csv

all: $(ZOO_TRACE)
zoo: $(ZOO_TRACE)

# Each model's 720 rows: mph-space lists the space, mph-probe --sim measures
# it, awk puts the model's name in front as the task (and keeps the first
# header). pipefail so a failing mph-probe fails the rule; the file is built
# aside and renamed, so it is complete or absent.
$(ZOO_TRACE): SHELL := /bin/bash
$(ZOO_TRACE): .SHELLFLAGS := -eo pipefail -c
$(ZOO_TRACE): $(ZOO_DIR)/models.csv $(ZOO_DIR)/gpus.csv $(ZOO_SPACE) bin/mph-space bin/mph-probe mk/zoo.mk
	@tmp=$@.tmp$$$$; trap 'rm -f "$$tmp"' EXIT; first=1; \
	for m in $$(tail -n +2 $(ZOO_DIR)/models.csv | cut -d, -f1); do \
		bin/mph-space $(ZOO_SPACE) | bin/mph-probe --sim "$$m" --zoo $(ZOO_DIR) | \
		awk -v m="$$m" -v first=$$first 'NR == 1 { if (first) print "task," $$0; next } { print m "," $$0 }'; \
		first=0; \
	done > "$$tmp"; \
	mv "$$tmp" $@; trap - EXIT; echo "zoo: $@: $$(($$(wc -l < $@) - 1)) rows"

BENCH_REPLAY = build/bench/bench-replay

$(BENCH_REPLAY): bench/bench-replay.c build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

bench: bench-replay

.PHONY: bench-replay
bench-replay: $(BENCH_REPLAY) all
	sh bench/bench-replay.sh $(BENCH_REPLAY)
