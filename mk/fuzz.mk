# Fuzzing (issue 12): libFuzzer targets over the library's parsers, one
# tests/fuzz/NAME.c each (NAME.dict its dictionary, corpus/NAME/ its seeds and
# every finding kept as a regression case).
#   make fuzz [FUZZ_S=30]   each target FUZZ_S seconds, one after another,
#                           new inputs into build/fuzz/corpus/NAME, findings
#                           (crash-*, leak-*, timeout-*) and logs into
#                           build/fuzz/out/NAME/; stops at the first finding
#   make fuzz-replay        every corpus once through the libFuzzer builds
#   make fuzz-build         only build them
# The library is compiled again by clang into build/fuzz/ with
# -fsanitize=fuzzer-no-link,address,undefined, apart from the normal build.
# make check replays every corpus through the same targets linked with a
# plain main (tests/fuzz/replay.c) and the ordinary compiler, so a finding
# stays fixed on machines without clang (tests/fuzz.bats).

FUZZ_TARGETS = csv space objective model expr exec rate
FUZZ_S      ?= 30
FUZZ_CC     ?= clang
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  = -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=build/fuzz/lib/%.o)
FUZZ_BIN     = $(FUZZ_TARGETS:%=build/fuzz/fuzz-%)
FUZZ_REPLAY  = $(FUZZ_TARGETS:%=build/fuzz-replay/fuzz-%)
# -rss_limit_mb: a parser that holds more than this for one input is a
# finding; -max_len: the inputs are small files.
FUZZ_RUN_OPTS = -rss_limit_mb=2048 -max_len=8192 -timeout=10 -print_final_stats=1
FUZZ_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: fuzz fuzz-build fuzz-replay
build/fuzz/lib/%.o: lib/%.c $(LIB_HDR) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(MPH_CFLAGS) -c -o $@ $<

build/fuzz/libmph.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB_HDR) build/fuzz/libmph.a
	$(FUZZ_CC) -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer $(MPH_CFLAGS) -o $@ $< build/fuzz/libmph.a $(LDLIBS)

# The same targets with a plain main, by the ordinary compiler and flags.
build/fuzz-replay/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/replay.c $(LIB_HDR) build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< tests/fuzz/replay.c build/libmph.a $(LDLIBS)

fuzz-build: $(FUZZ_BIN)
check: $(FUZZ_REPLAY)

# Each target in turn: the seed corpus is read, new inputs go to the
# build folder's corpus (the committed one only gets what we choose to keep).
fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus/$$t build/fuzz/out/$$t; \
		echo "fuzz: $$t, $(FUZZ_S) s"; \
		$(FUZZ_ENV) build/fuzz/fuzz-$$t $(FUZZ_RUN_OPTS) -max_total_time=$(FUZZ_S) \
			-dict=tests/fuzz/$$t.dict -artifact_prefix=build/fuzz/out/$$t/ \
			build/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
			> build/fuzz/out/$$t/log 2>&1 || { tail -n 40 build/fuzz/out/$$t/log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' build/fuzz/out/$$t/log | sed "s/^/fuzz: $$t: /"; \
	done

fuzz-replay: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		$(FUZZ_ENV) build/fuzz/fuzz-$$t -runs=0 $(FUZZ_RUN_OPTS) tests/fuzz/corpus/$$t > build/fuzz/replay-$$t.log 2>&1 \
			|| { tail -n 40 build/fuzz/replay-$$t.log; exit 1; }; \
		echo "fuzz-replay: $$t: $$(ls tests/fuzz/corpus/$$t | wc -l) inputs"; \
	done
