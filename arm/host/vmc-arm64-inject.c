/*
 * vmc-arm64-inject: a minimal arm64 KVM VMM for the checks QEMU cannot do
 * (specs/arm64.md §4.1, §4.2, §6 items 9-10).  Runs on an arm64 host with
 * /dev/kvm only; it was built but NOT run on this project's x86 CI.
 *
 *   vmc-arm64-inject [-t SECS] [--ipa] [--dump-dtb FILE] PAYLOAD.flat [ARGS...]
 *
 * One vCPU (KVM_ARM_VCPU_INIT with PSCI 0.2; PSCI is KVM's), 64 MiB of RAM at
 * 0x40000000, the arm64 Image at +0x80000 entered with x0 = a device tree
 * this program writes (memory, one CPU, /psci method "hvc", /chosen
 * bootargs = ARGS).  MMIO exits: PL011 at 0x09000000 (data register ->
 * stdout, at most 1 MiB; flag register reads 0); the test doorbell
 * (arm/serror.c): a write of 1 at 0x0b000000 -> KVM_SET_VCPU_EVENTS with
 * serror_pending (+ serror_has_esr / serror_esr 0x1234 when
 * KVM_CAP_ARM_INJECT_SERROR_ESR), a read at 0x0b000004 says whether an ESR
 * was set, a read at 0x0b000008 is answered with ext_dabt_pending
 * (KVM_CAP_ARM_INJECT_EXT_DABT), a read at 0x0b00000c gives which of the two
 * capabilities the host has (bit 0 SERROR_ESR, bit 1 EXT_DABT).  PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT)
 * ends the run with status 0; the guest's last "EXIT: STATUS=v" line carries
 * the result (docs/results.md).  -t: deadline (default 30 s, CLOCK_MONOTONIC
 * via a timer signal), then exit 124.
 *
 * --ipa (for arm/ipa.c): first the host checks of KVM_CREATE_VM's IPA size
 * (api.rst): KVM_CAP_ARM_VM_IPA_SIZE = limit >= 32 (0: legacy 40 bits);
 * types 32..limit succeed, limit+1 and 31 fail with EINVAL; then the guest
 * runs in a VM of `limit` bits with a second 2 MiB RAM range at the top of
 * that space (capped at 2^48, the guest's identity map), which ipa.c writes.
 * Host checks print "PASS:/FAIL: host: ..." and end with "HOST SUMMARY";
 * a failed host check makes the exit status 3.
 *
 * --dump-dtb FILE writes the device tree it would pass and exits (no
 * /dev/kvm needed): tests/arm64/check.sh boots a payload on it under QEMU
 * to check the writer against the guest's reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RAM_BASE	0x40000000UL
#define RAM_SIZE	(64UL << 20)
#define IMAGE_OFF	0x80000UL
#define DTB_OFF		0x1000UL
#define TOP_SIZE	(2UL << 20)
#define UART_DR		0x09000000UL
#define UART_FR		0x09000018UL
#define DOOR		0x0b000000UL
#define DOOR_ESR	0x0b000004UL
#define DOOR_DABT	0x0b000008UL
#define DOOR_CAPS	0x0b00000cUL	/* bit 0 INJECT_SERROR_ESR, bit 1 INJECT_EXT_DABT */
#define CONSOLE_CAP	(1UL << 20)

#define CHECK(expr) do { if (!(expr)) { fprintf(stderr, "ERROR: %s at %s:%d (errno %d %s)\n", \
	#expr, __FILE__, __LINE__, errno, strerror(errno)); exit(4); } } while (0)

static int host_tests, host_failed;
static volatile sig_atomic_t timed_out;

static void host_report(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_report(bool ok, const char *fmt, ...)
{
	va_list ap;

	host_tests++;
	host_failed += !ok;
	printf("%s: host: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ---- a small FDT writer (devicetree spec v0.3 §5) ---- */
struct fdt { uint8_t *s; size_t slen, cap; char str[512]; size_t strlen_; };

static void put32(struct fdt *f, uint32_t v)
{
	CHECK(f->slen + 4 <= f->cap);
	f->s[f->slen++] = v >> 24; f->s[f->slen++] = v >> 16;
	f->s[f->slen++] = v >> 8; f->s[f->slen++] = v;
}

static void putbytes(struct fdt *f, const void *p, size_t n)
{
	CHECK(f->slen + n + 4 <= f->cap);
	memcpy(f->s + f->slen, p, n);
	f->slen += n;
	while (f->slen & 3)
		f->s[f->slen++] = 0;
}

static uint32_t stroff(struct fdt *f, const char *name)
{
	size_t i = 0, l = strlen(name) + 1;

	while (i < f->strlen_) {
		if (!strcmp(f->str + i, name))
			return i;
		i += strlen(f->str + i) + 1;
	}
	CHECK(f->strlen_ + l <= sizeof(f->str));
	memcpy(f->str + f->strlen_, name, l);
	f->strlen_ += l;
	return i;
}

static void begin(struct fdt *f, const char *name) { put32(f, 1); putbytes(f, name, strlen(name) + 1); }
static void end(struct fdt *f) { put32(f, 2); }

static void prop(struct fdt *f, const char *name, const void *v, size_t n)
{
	put32(f, 3);
	put32(f, n);
	put32(f, stroff(f, name));
	putbytes(f, v, n);
}

static void prop32(struct fdt *f, const char *name, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	prop(f, name, b, 4);
}

static void prop_str(struct fdt *f, const char *name, const char *s, size_t n)
{
	prop(f, name, s, n ? n : strlen(s) + 1);
}

/* reg of (base, size) pairs, 2 cells each */
static void prop_reg(struct fdt *f, const uint64_t *v, int n)
{
	uint8_t b[64];
	int i, j;

	CHECK(n * 8 <= (int)sizeof(b));
	for (i = 0; i < n; i++)
		for (j = 0; j < 8; j++)
			b[8 * i + j] = v[i] >> (56 - 8 * j);
	prop(f, "reg", b, n * 8);
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static size_t make_dtb(uint8_t *out, size_t cap, const char *bootargs, uint64_t top_base)
{
	static uint8_t sbuf[8192];
	struct fdt f = { .s = sbuf, .cap = sizeof(sbuf) };
	uint64_t mem[4] = { RAM_BASE, RAM_SIZE, top_base, TOP_SIZE };
	size_t off_struct = 40 + 16, total;
	uint8_t *h = out;

	begin(&f, "");
	prop32(&f, "#address-cells", 2);
	prop32(&f, "#size-cells", 2);
	begin(&f, "chosen");
	prop_str(&f, "bootargs", bootargs, 0);
	end(&f);
	begin(&f, "memory@40000000");
	prop_str(&f, "device_type", "memory", 0);
	prop_reg(&f, mem, top_base ? 4 : 2);
	end(&f);
	begin(&f, "cpus");
	prop32(&f, "#address-cells", 1);
	prop32(&f, "#size-cells", 0);
	begin(&f, "cpu@0");
	prop_str(&f, "device_type", "cpu", 0);
	prop_str(&f, "enable-method", "psci", 0);
	prop32(&f, "reg", 0);
	end(&f);
	end(&f);
	begin(&f, "psci");
	prop_str(&f, "compatible", "arm,psci-1.0\0arm,psci-0.2", sizeof("arm,psci-1.0\0arm,psci-0.2"));
	prop_str(&f, "method", "hvc", 0);
	end(&f);
	end(&f);
	put32(&f, 9);
	total = off_struct + f.slen + f.strlen_;
	CHECK(total <= cap);
	memset(out, 0, off_struct);
	be32(h, 0xd00dfeedu); be32(h + 4, total); be32(h + 8, off_struct);
	be32(h + 12, off_struct + f.slen); be32(h + 16, 40); be32(h + 20, 17);
	be32(h + 24, 16); be32(h + 28, 0); be32(h + 32, f.strlen_); be32(h + 36, f.slen);
	memcpy(out + off_struct, f.s, f.slen);
	memcpy(out + off_struct + f.slen, f.str, f.strlen_);
	return total;
}

/* ---- IPA size checks ---- */
static int ipa_checks(int kvm)
{
	int limit = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE), n, vm, bad = 0;

	if (limit <= 0) {
		printf("SKIP: host: KVM_CAP_ARM_VM_IPA_SIZE is %d: this kernel has a fixed 40-bit "
		       "IPA space (needs Linux 4.20+)\n", limit);
		return 40;
	}
	host_report(limit >= 32 && limit <= 52, "KVM_CAP_ARM_VM_IPA_SIZE is 32..52 (%d)", limit);
	for (n = 32; n <= limit; n++) {
		vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(n));
		if (vm < 0)
			bad = bad ? bad : n;
		else
			close(vm);
	}
	host_report(!bad, "KVM_CREATE_VM succeeds for every IPA size 32..%d (first failing %d)",
		    limit, bad);
	errno = 0;
	vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(limit + 1));
	host_report(vm < 0 && errno == EINVAL, "IPA size limit+1 = %d is refused with EINVAL "
		    "(errno %d)", limit + 1, errno);
	if (vm >= 0)
		close(vm);
	errno = 0;
	vm = ioctl(kvm, KVM_CREATE_VM, KVM_VM_TYPE_ARM_IPA_SIZE(31));
	host_report(vm < 0 && errno == EINVAL, "IPA size 31 is refused with EINVAL (errno %d)",
		    errno);
	if (vm >= 0)
		close(vm);
	return limit;
}

static void on_alarm(int sig) { (void)sig; timed_out = 1; }

static void set_reg(int vcpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	CHECK(ioctl(vcpu, KVM_SET_ONE_REG, &r) == 0);
}

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	(offsetof(struct kvm_regs, x) / sizeof(uint32_t)))

int main(int argc, char **argv)
{
	int kvm, vm, vcpu, i, ipa = 0, limit = 0, secs = 30, esr_set = 0;
	const char *payload = NULL, *dump = NULL;
	char bootargs[1024] = "";
	uint8_t *ram, *top = NULL;
	uint64_t top_base = 0;
	size_t console = 0, run_size;
	struct kvm_run *run;
	struct kvm_vcpu_init init;
	struct kvm_userspace_memory_region mr;
	struct sigaction sa = { .sa_handler = on_alarm };
	timer_t tm;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { 0 };
	FILE *fp;
	long fsz;

	for (i = 1; i < argc && !payload; i++) {
		if (!strcmp(argv[i], "--ipa"))
			ipa = 1;
		else if (!strcmp(argv[i], "--dump-dtb") && i + 1 < argc)
			dump = argv[++i];
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			secs = atoi(argv[++i]);
		else
			payload = argv[i];
	}
	if (!payload || secs <= 0) {
		fprintf(stderr, "usage: %s [-t SECS] [--ipa] PAYLOAD.flat [ARGS...]\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++) {
		if (strlen(bootargs) + strlen(argv[i]) + 2 > sizeof(bootargs)) {
			fprintf(stderr, "vmc-arm64-inject: arguments longer than %zu bytes\n", sizeof(bootargs));
			return 2;
		}
		if (bootargs[0])
			strcat(bootargs, " ");
		strcat(bootargs, argv[i]);
	}
	if (dump) {
		static uint8_t blob[16384];
		size_t n = make_dtb(blob, sizeof(blob), bootargs, 0);

		fp = fopen(dump, "wb");
		CHECK(fp && fwrite(blob, 1, n, fp) == n && fclose(fp) == 0);
		return 0;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("SKIP: /dev/kvm: %s (needs an arm64 host with KVM)\n", strerror(errno));
		return 77;
	}
	if (ipa)
		limit = ipa_checks(kvm);
	vm = ioctl(kvm, KVM_CREATE_VM, limit > 0 && ipa ? KVM_VM_TYPE_ARM_IPA_SIZE(limit) : 0);
	CHECK(vm >= 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ram != MAP_FAILED);
	mr = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = RAM_BASE,
		.memory_size = RAM_SIZE, .userspace_addr = (uintptr_t)ram };
	CHECK(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) == 0);
	if (ipa) {
		top_base = (1UL << (limit > 48 ? 48 : limit)) - TOP_SIZE;
		top = mmap(NULL, TOP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(top != MAP_FAILED);
		mr = (struct kvm_userspace_memory_region){ .slot = 1, .guest_phys_addr = top_base,
			.memory_size = TOP_SIZE, .userspace_addr = (uintptr_t)top };
		CHECK(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) == 0);
		printf("INFO: host: IPA %d bits, RAM also at %#lx..%#lx\n", limit,
		       (unsigned long)top_base, (unsigned long)(top_base + TOP_SIZE));
	}
	fp = fopen(payload, "rb");
	CHECK(fp);
	CHECK(fseek(fp, 0, SEEK_END) == 0 && (fsz = ftell(fp)) > 64 &&
	      (size_t)fsz <= RAM_SIZE - IMAGE_OFF - (8UL << 20));
	rewind(fp);
	CHECK(fread(ram + IMAGE_OFF, 1, fsz, fp) == (size_t)fsz);
	fclose(fp);
	CHECK(!memcmp(ram + IMAGE_OFF + 0x38, "ARM\x64", 4));
	make_dtb(ram + DTB_OFF, IMAGE_OFF - DTB_OFF, bootargs, top_base);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	CHECK(vcpu >= 0);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	CHECK(run != MAP_FAILED);
	CHECK(ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) == 0);
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	CHECK(ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) == 0);
	set_reg(vcpu, CORE_REG(regs.pc), RAM_BASE + IMAGE_OFF);
	set_reg(vcpu, CORE_REG(regs.regs[0]), RAM_BASE + DTB_OFF);

	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &tm) == 0);
	its.it_value.tv_sec = secs;
	its.it_interval.tv_nsec = 100000000;	/* re-kick if a signal raced KVM_RUN */
	CHECK(timer_settime(tm, 0, &its, NULL) == 0);
	fflush(stdout);
	for (;;) {
		if (timed_out) {
			printf("TIMEOUT: no PSCI SYSTEM_OFF within %d s\n", secs);
			return 124;
		}
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			CHECK(!"KVM_RUN failed");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO: {
			uint64_t a = run->mmio.phys_addr;
			struct kvm_vcpu_events ev;

			if (run->mmio.is_write && a == UART_DR) {
				if (console++ < CONSOLE_CAP)
					putchar(run->mmio.data[0]);
			} else if (!run->mmio.is_write &&
				   (a == UART_FR || a == DOOR_ESR || a == DOOR_CAPS)) {
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
				if (a == DOOR_ESR)
					run->mmio.data[0] = esr_set;
				if (a == DOOR_CAPS)
					run->mmio.data[0] =
						(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_SERROR_ESR) > 0) |
						(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_EXT_DABT) > 0) << 1;
			} else if (run->mmio.is_write && a == DOOR && run->mmio.data[0] == 1) {
				CHECK(ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev) == 0);
				ev.exception.serror_pending = 1;
				if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_SERROR_ESR) > 0) {
					ev.exception.serror_has_esr = 1;
					ev.exception.serror_esr = 0x1234;
					esr_set = 1;
				}
				CHECK(ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev) == 0);
			} else if (!run->mmio.is_write && a == DOOR_DABT &&
				   ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_INJECT_EXT_DABT) > 0) {
				CHECK(ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev) == 0);
				ev.exception.ext_dabt_pending = 1;
				CHECK(ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev) == 0);
			} else if (!run->mmio.is_write) {
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			}
			break;
		}
		case KVM_EXIT_SYSTEM_EVENT:
			fflush(stdout);
			if (ipa)
				printf("HOST SUMMARY: %d tests, %d failed\n", host_tests, host_failed);
			return host_failed ? 3 : 0;
		default:
			fflush(stdout);
			fprintf(stderr, "ERROR: unexpected exit reason %u\n", run->exit_reason);
			return 4;
		}
	}
}
