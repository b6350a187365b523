# Live probing: the test server the bats tests and benchmarks start, the
# load-generator driver for benchmarks, and `bench-live`.

LIVE_BIN = build/live/mph-testserver build/live/mph-loadtest

build/live/mph-testserver: tests/live/testserver.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra -o $@ $< -lpthread

build/live/mph-loadtest: tests/live/loadtest.c $(LIB_HDR) build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

check: $(LIVE_BIN)
bench: bench-live

.PHONY: bench-live
bench-live: $(LIVE_BIN) all
	sh bench/live-bench.sh
