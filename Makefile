# netstitch: the only build entry. Plain GNU make, no generator.
#
#   make              build libnetstitch.{a,so}, the netstitch command, netstitch-netsim
#   make check        the whole test suite (what CI runs)
#   make demo         the main job on the shipped example
#   make golden-update  rewrite the expected golden outputs (review the diff!)
#   make install PREFIX=/usr/local   (library, header, pkg-config, command, models,
#                                     templates, man pages, bash completion)
#
# Every public target first runs scripts/install-deps.sh (idempotent, quick when
# all packages are there), then re-invokes make with the dependencies in place so
# that pkg-config is evaluated only once they exist. All the goals of one command go
# to ONE inner make: an inner make per goal (`make -j8 all tests`) ran two builds of
# the same objects at once, racing on `ar`.

VERSION_MAJOR := 0
VERSION_MINOR := 1
VERSION_PATCH := 0
VERSION       := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX  ?= /usr/local
BUILD   ?= build
WERROR  ?= 1
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

PUBLIC_TARGETS := all check demo golden-update install lib bin tests check-asan bench fuzz

ifeq ($(NST_DEPS_DONE),)
SUB_GOALS := $(filter-out clean deps,$(or $(MAKECMDGOALS),all))
.PHONY: $(PUBLIC_TARGETS) deps clean sub
.DEFAULT_GOAL := all
$(PUBLIC_TARGETS): sub
	@:
# The user's -j (visible to the recipe as -jN or a jobserver in MAKEFLAGS) wins; without
# one, a job per core. `make clean all` cleans first.
sub: deps $(filter clean,$(MAKECMDGOALS))
	@case " $$MAKEFLAGS " in *" -j"*|*jobserver*) j="" ;; *) j="-j$(JOBS)" ;; esac; \
	$(MAKE) --no-print-directory $$j NST_DEPS_DONE=1 $(SUB_GOALS)
deps:
	@sh scripts/install-deps.sh
clean:
	rm -rf $(BUILD)
# Any other goal (a file: make BUILD=b b/netstitch) goes to the inner make the same way,
# also when the file exists already (phony here, so that the inner make decides).
OTHER_GOALS := $(filter-out $(PUBLIC_TARGETS) clean deps sub,$(MAKECMDGOALS))
.PHONY: $(OTHER_GOALS)
$(OTHER_GOALS):
	@sh scripts/install-deps.sh
	@case " $$MAKEFLAGS " in *" -j"*|*jobserver*) j="" ;; *) j="-j$(JOBS)" ;; esac; \
	$(MAKE) --no-print-directory $$j NST_DEPS_DONE=1 $@
else

CC      ?= cc
# libpq is loaded when a PostgreSQL store is opened (netconf/store_pg.c), not linked:
# only its header is needed to build.
PKGS    := libyang libnetconf2 libssh libxml-2.0 sqlite3 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libpq)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)
# The command (not the library) encodes its JSON output with jansson.
CLI_CFLAGS := $(shell pkg-config --cflags jansson)
CLI_LIBS   := $(shell pkg-config --libs jansson)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
        -Wcast-qual -Wsign-compare
ifeq ($(WERROR),1)
WARN += -Werror
endif
OPT     ?= -O2 -g
SAN     ?=
DATADIR := $(abspath .)
CPPFLAGS += -D_DEFAULT_SOURCE -D_GNU_SOURCE -Iinclude -Icompiler -Idrivers -Inetconf \
            -DNST_VERSION_STRING='"$(VERSION)"' -DNST_SRCDIR='"$(DATADIR)"' \
            -DNST_INSTALL_YANG_DIR='"$(PREFIX)/share/netstitch/yang"' \
            -DNST_INSTALL_TEMPLATE_DIR='"$(PREFIX)/share/netstitch/templates"'
CFLAGS  += -std=c11 $(OPT) $(SAN) -fPIC -fvisibility=hidden $(WARN) $(PKG_CFLAGS)
LDFLAGS += $(SAN)

LIB_SRCS    := $(sort $(wildcard compiler/*.c drivers/*.c netconf/*.c))
CLI_SRCS    := $(sort $(wildcard cli/*.c))
NETSIM_SRCS := $(sort $(wildcard netsim/*.c))
TEST_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
# labtest_*.c are built like unit tests but run only by the scripts that start a lab.
LABTEST_SRCS := $(sort $(wildcard tests/unit/labtest_*.c))

LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
NETSIM_OBJS := $(NETSIM_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS   := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%) \
               $(LABTEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

SONAME  := libnetstitch.so.$(VERSION_MAJOR)
LIB_A   := $(BUILD)/libnetstitch.a
LIB_SO  := $(BUILD)/libnetstitch.so.$(VERSION)
CLI_BIN := $(BUILD)/netstitch
NETSIM_BIN := $(if $(NETSIM_SRCS),$(BUILD)/netstitch-netsim)

.PHONY: all lib bin tests check demo golden-update install check-asan bench fuzz
all: lib bin
lib: $(LIB_A) $(LIB_SO) $(BUILD)/netstitch.pc
bin: $(CLI_BIN) $(NETSIM_BIN)
tests: $(TEST_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=include/netstitch.map \
	    $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
	ln -sf libnetstitch.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libnetstitch.so

# The objects that embed PREFIX (NST_INSTALL_*_DIR) and the source directory (NST_SRCDIR)
# depend on a stamp holding both, rewritten only when they change: `make install
# PREFIX=X` after a plain `make` rebuilds them instead of installing a command that looks
# for its models under the old prefix.
PATH_STAMP := $(BUILD)/paths.stamp
PATH_OBJS  := $(BUILD)/obj/compiler/ctx.o $(BUILD)/obj/compiler/render.o \
              $(BUILD)/obj/netconf/session.o
$(PATH_STAMP): FORCE
	@mkdir -p $(dir $@)
	@printf 'PREFIX=%s\nSRCDIR=%s\n' '$(PREFIX)' '$(DATADIR)' > $@.new; \
	if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
$(PATH_OBJS): $(PATH_STAMP)
.PHONY: FORCE
FORCE:

$(BUILD)/netstitch.pc: netstitch.pc.in Makefile $(PATH_STAMP)
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# The command links the static library so it runs from the build tree.
$(CLI_BIN): $(CLI_OBJS) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(PKG_LIBS) $(CLI_LIBS)

$(CLI_OBJS): CFLAGS += $(CLI_CFLAGS)

# The simulator shares only the allocation wrapper with the library.
$(BUILD)/netstitch-netsim: $(NETSIM_OBJS) $(BUILD)/obj/compiler/alloc.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests link the internal objects, not only the shared library.
$(BUILD)/tests/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIB_A) \
	    $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# CI's entry: the whole suite, then the unit tests, the bad-input catalogue and the
# hardening tests again under ASan+UBSan (tests/hardening/asan-subset.sh; about 2 more
# minutes on 2 cores, while the full `make check-asan` adds about 7). CHECK_ASAN=no skips
# the sanitizer part.
CHECK_ASAN ?= yes
check: all tests
	@BUILD=$(BUILD) sh tests/run.sh
ifneq ($(CHECK_ASAN),no)
	@$(MAKE) --no-print-directory BUILD=build-asan $(ASAN_VARS) all tests
	@env $(ASAN_VARS) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 BUILD=build-asan sh tests/hardening/asan-subset.sh
endif

# The suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang), then every
# unit test under valgrind (zero leaks, zero errors). The compiler and flags are also
# exported to the tests, so that a test which builds against the library (t_embed,
# t_api_surface, the fuzz replay) or runs make (t_man) uses the same ones.
ASAN_VARS := CC=clang CXX=clang++ OPT="-O1 -g -fno-omit-frame-pointer" \
             SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan $(ASAN_VARS) all tests
	@env $(ASAN_VARS) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 BUILD=build-asan NST_SANITIZED=1 sh tests/run.sh
	@$(MAKE) --no-print-directory tests
	@for t in $(BUILD)/tests/test_*; do \
	    echo "valgrind $$t"; \
	    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	        --error-exitcode=9 $$t >/dev/null || exit 1; done

demo: all
	@BUILD=$(BUILD) sh examples/demo.sh

# Benchmarks print ratios against baselines measured in the same run (bench/README.md).
bench: all
	@BUILD=$(BUILD) sh bench/run.sh

# libFuzzer harnesses (clang), each for FUZZ_SECONDS (tests/fuzz/README.md).
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

golden-update: all
	@for t in tests/golden/t_*.sh; do \
	    BUILD=$(BUILD) TOP=$(CURDIR) NETSTITCH=$(CURDIR)/$(BUILD)/netstitch \
	    NST_GOLDEN_UPDATE=1 sh $$t || exit 1; done

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/netstitch/yang \
	    $(DESTDIR)$(PREFIX)/share/netstitch/templates
	install -m 0644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libnetstitch.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libnetstitch.so
	install -m 0644 include/netstitch.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(BUILD)/netstitch.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 0755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/
	cp -r yang/. $(DESTDIR)$(PREFIX)/share/netstitch/yang/
	cp -rL templates/. $(DESTDIR)$(PREFIX)/share/netstitch/templates/
	# Man pages (man/, tests/cli/t_man.sh) and bash completion (completion/).
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 completion/netstitch.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/netstitch

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(NETSIM_OBJS:.o=.d)
endif
