# vmconform top-level Makefile.
#
# Guest code for one arch at a time goes to build/$(ARCH)/ (ARCH from
# config.mak, or `make ARCH=s390x`); host programs (harness, framework tests)
# go to build/host/.  Fragments:
#   lib/Makefile.inc          arch-neutral guest library (LIB_SRCS)
#   $(ARCHDIR)/Makefile.inc   arch flags, arch library, tests of that arch
#   harness/Makefile.inc      the host harness (x86_64 hosts)
#   tests/*/Makefile.inc      the framework's own tests (CHECK_DEPS)
# Targets: all run check bench coverage standalone fuzz clean distclean setup

SRCDIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
.DEFAULT_GOAL := all

# config.mak is made by ./configure; a fresh clone configures for the host arch.
include config.mak
config.mak:
	./configure

# (read from the file: a command-line ARCH= overrides the include's value)
CFG_ARCH := $(shell sed -n 's/^ARCH=//p' config.mak 2>/dev/null)
ifneq ($(origin ARCH),command line)
ARCH := $(CFG_ARCH)
endif
# A command-line ARCH other than the configured one gets that arch's defaults.
# (defined before use: the := below expands them at once)
ARCH_CROSS_s390x := s390x-linux-gnu-
ARCH_CROSS_arm64 := aarch64-linux-gnu-
ARCH_CROSS_x86_64 := x86_64-linux-gnu-
ARCH_CPU_s390x := z13
ARCH_CPU_arm64 := cortex-a57
ARCH_CPU_x86_64 := x86-64
ifeq ($(ARCH),$(CFG_ARCH))
GUEST_CROSS := $(CROSS_PREFIX)
GUEST_CPU := $(PROCESSOR)
else
GUEST_CROSS := $(if $(filter $(ARCH),$(shell uname -m | sed 's/aarch64/arm64/')),,$(ARCH_CROSS_$(ARCH)))
GUEST_CPU := $(ARCH_CPU_$(ARCH))
endif

ARCHDIR_x86_64 := x86
ARCHDIR_s390x := s390x
ARCHDIR_arm64 := arm
ARCHDIR := $(ARCHDIR_$(ARCH))
ifeq ($(ARCHDIR),)
$(error unknown ARCH '$(ARCH)': use x86_64, s390x or arm64)
endif
LIBARCH_x86_64 := lib/x86
LIBARCH_s390x := lib/s390x
LIBARCH_arm64 := lib/arm64
LIBARCH := $(LIBARCH_$(ARCH))

BUILD := build/$(ARCH)
HOSTBUILD := build/host

CC := $(GUEST_CROSS)$(GUEST_CC_NAME)
LD := $(GUEST_CROSS)ld
AR := $(GUEST_CROSS)ar
OBJCOPY := $(GUEST_CROSS)objcopy
OBJDUMP := $(GUEST_CROSS)objdump
HOST_CC ?= cc

# Guest code: freestanding, our own libc, warnings are errors.
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Werror -ffreestanding -fno-builtin \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include 2>/dev/null) \
	-fno-stack-protector -fno-strict-aliasing -fno-common \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-I$(SRCDIR)/lib -I$(SRCDIR)/$(LIBARCH) -DARCH_$(ARCH)
GUEST_ASFLAGS = $(GUEST_CFLAGS) -D__ASSEMBLY__

HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE

# every arch make check builds and runs (those with a port)
CHECK_ARCHES := $(foreach a,x86_64 s390x arm64,$(if $(wildcard $(ARCHDIR_$(a))/Makefile.inc),$(a)))

# defined before the fragments: their rules name it as a prerequisite
LIBVMC := $(BUILD)/lib/libvmc.a

LIB_SRCS :=
ARCH_LIB_SRCS :=
TESTS :=
CHECK_DEPS :=
BENCH_DEPS :=
CLEAN_FILES :=

.PHONY: all run check bench coverage standalone fuzz clean distclean setup guest host
all: guest host

include lib/Makefile.inc
include $(ARCHDIR)/Makefile.inc
-include harness/Makefile.inc
include runner/Makefile.inc
include $(sort $(wildcard tests/*/Makefile.inc))

LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter %.c,$(LIB_SRCS) $(ARCH_LIB_SRCS))) \
	$(patsubst %.S,$(BUILD)/%.o,$(filter %.S,$(LIB_SRCS) $(ARCH_LIB_SRCS)))

$(LIBVMC): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) $(ARCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_ASFLAGS) $(ARCH_CFLAGS) -MMD -MP -c $< -o $@

guest: $(LIBVMC) $(TESTS)

-include $(shell find build -name '*.d' 2>/dev/null)

setup:
	scripts/setup.sh

run: setup
	$(MAKE) all
	./run_tests.sh

# The framework's own tests plus the suite; the last line is the tally.
check: setup
	$(MAKE) all
	$(foreach a,$(filter-out $(ARCH),$(CHECK_ARCHES)),$(MAKE) ARCH=$(a) guest &&) true
	$(MAKE) check-deps
	CHECK_ARCHES="$(CHECK_ARCHES)" scripts/check.sh

# a sub-make: CHECK_DEPS is decided after setup (clang -> the fuzz targets)
.PHONY: check-deps
check-deps: $(CHECK_DEPS)

bench: setup
	$(MAKE) all $(BENCH_DEPS)
	scripts/bench.sh

# libFuzzer targets for FUZZ_SECONDS each (tests/fuzz/)
fuzz: setup
	$(MAKE) fuzz-deps
	tests/fuzz/run.sh

# a sub-make, like check-deps: FUZZ_DEPS is empty until setup installed clang
.PHONY: fuzz-deps
fuzz-deps: $(FUZZ_DEPS)

# host code coverage of the framework tests -> build/coverage/html
coverage: setup
	$(MAKE) all
	scripts/coverage.sh $(filter-out $(FUZZ_DEPS),$(CHECK_DEPS))

# one self-contained script per test -> build/standalone/
standalone: setup
	$(MAKE) all
	scripts/mkstandalone.sh

clean:
	rm -rf build logs $(CLEAN_FILES)

distclean: clean
	rm -f config.mak
