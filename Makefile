# mph: build, check, install, demo, bench.
# Every tool is tools/mph-*.c linked against libmph (lib/LAYER/*.c, one folder
# a layer: core io space learn probe search eval report). C unit tests are
# tests/unit/test-*.c; bats runs everything under tests/.

# `make asan=1 check`: the suite under sanitizers, in a mirror (mk/asan.mk).
ifeq ($(asan),1)
include mk/asan.mk
else

PREFIX  ?= /usr/local
CC      ?= cc
CFLAGS  ?= -O2 -g
# OpenBLAS's headers live in a folder of their own; pkg-config knows which
# (deferred: on a fresh machine pkg-config arrives with the dependencies).
BLAS_CFLAGS = $(shell pkg-config --cflags openblas 2>/dev/null)
MPH_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Ilib $(BLAS_CFLAGS)
LDLIBS  = -ljansson -lcsv -lcurl -lopenblas -lm -lpthread

LIB_SRC   = $(sort $(wildcard lib/*/*.c))
LIB_HDR   = lib/mph.h $(wildcard lib/*/*.h)
LIB_OBJ   = $(LIB_SRC:lib/%.c=build/lib/%.o)
TOOL_SRC  = $(sort $(wildcard tools/mph-*.c))
TOOLS     = $(TOOL_SRC:tools/%.c=bin/%)
UNIT_SRC  = $(sort $(wildcard tests/unit/test-*.c))
UNITS     = $(UNIT_SRC:tests/unit/%.c=build/unit/%)
DEPS_OK   = build/.deps-ok

.PHONY: all deps check unit demo bench paper install clean zoo
all: $(DEPS_OK) $(TOOLS)

# The one place that installs system packages (share/mph/install-deps.sh).
$(DEPS_OK): share/mph/install-deps.sh
	@sh share/mph/install-deps.sh
	@mkdir -p build && touch $@
deps: $(DEPS_OK)

build/lib/%.o: lib/%.c $(LIB_HDR) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -c -o $@ $<

build/libmph.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

bin/%: tools/%.c tools/tool.h build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -o $@ $< build/libmph.a $(LDLIBS)

# mph-suggest runs once for every step of a search, so it is linked
# statically, still position-independent: loading OpenBLAS's shared library
# (its relocations, the libgfortran it needs) cost 1.5 ms of every start,
# glibc's and the other libraries' another 0.3 ms, of a 9 ms step at 8
# trials. The binary is 27 MB; valgrind, which cannot follow malloc in a
# static binary, checks a dynamically linked build (mk/valgrind.mk), and
# the sanitizers, whose runtime is a shared library, get one too.
ifeq ($(findstring -fsanitize,$(CFLAGS)),)
bin/mph-suggest: LDLIBS = -static-pie -ljansson -lcsv -lopenblas -lm -lpthread
endif

build/unit/%: tests/unit/%.c tests/unit/unit.h tests/unit/fixture.h $(LIB_HDR) build/libmph.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MPH_CFLAGS) -Itests/unit -o $@ $< build/libmph.a $(LDLIBS)

unit: $(UNITS)

check: all unit
	LC_ALL=C bats tests/

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mph \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	cp -R share/mph/. $(DESTDIR)$(PREFIX)/share/mph/
	install -m 644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5

-include mk/*.mk

clean:
	rm -rf build bin
endif
