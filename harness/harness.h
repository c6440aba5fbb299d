/*
 * vmc-harness: the VMM's shared state and the interfaces between its files.
 *
 *   main.c        options, run control, verdict
 *   host.c        host detection (flavor, capabilities), --host-info
 *   vm.c          /dev/kvm, the VM, guest RAM, irqchip, guest-memory access
 *   load.c        ELF loader + multiboot v1 hand-off data
 *   vcpu.c        vCPU setup, the KVM_RUN loop, watchdog, register dump
 *   devices.c     port I/O: serial, exit port, scratch port, channel port
 *   exitlog.c     the exit log (ring + --exit-log file) and expectations
 *   channel.c     request validation and dispatch through the op table
 *   ops-*.c       one family of channel ops each
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvm-compat.h"
#include "channel-abi.h"
#include "status.h"
#include "util.h"

/* ---- host.c ---- */
struct host_info {
	bool kvm_ok;		/* /dev/kvm opened */
	int kvm_errno;		/* why not */
	int flavor;		/* VMC_FLAVOR_* */
	bool vmx_svm;		/* KVM runs on VMX/SVM (kvm_intel / kvm_amd) */
	int api_version;
	uint64_t features;	/* VMC_FEAT_HOST_* and VMC_FEAT_CAP_* bits but FEP */
};
const char *flavor_name(int flavor);
/* fill *h; kvm_fd < 0 means /dev/kvm could not be opened */
void host_detect(struct host_info *h, int kvm_fd, int kvm_errno);
/* VMC_FEAT_HOST_FEP when kvm.force_emulation_prefix is on (read once) */
uint64_t host_fep_feature(void);
/* vmc-harness --host-info */
int host_info_main(void);

/* ---- vm.c ---- */
#define MAX_VCPUS 64

struct vcpu;

struct vm {
	int kvm_fd, vm_fd;
	unsigned long vm_type;	/* the KVM_CREATE_VM argument */
	uint8_t *mem;
	uint64_t mem_size;
	bool irqchip;
	bool sync_regs;		/* KVM_CAP_SYNC_REGS has KVM_SYNC_X86_REGS */
	int run_size;
	int nr_vcpus;
	struct vcpu *vcpus;
	struct host_info host;
};

/* open /dev/kvm or exit 77 with "SKIP: /dev/kvm: ..." */
int kvm_open_or_skip(void);
void vm_create(struct vm *vm, uint64_t mem_size, bool irqchip);
/*
 * vm_create() in two steps: vm_open() (the /dev/kvm and VM fds), then
 * vm_setup() (RAM, TSS, identity map, irqchip).  A migration's restore sets
 * the MSR filter between them (migrate.c restore()).
 */
void vm_open(struct vm *vm);
void vm_setup(struct vm *vm, uint64_t mem_size, bool irqchip);
/*
 * Guest memory access.  Every address a guest hands us goes through
 * gpa_range_ok() first: [gpa, gpa + len) must lie inside RAM without wrap.
 */
bool gpa_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len);
/* host pointer for a checked range, NULL when gpa_range_ok() fails */
void *gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t len);
int gpa_read(const struct vm *vm, uint64_t gpa, void *dst, uint64_t len);
int gpa_write(const struct vm *vm, uint64_t gpa, const void *src, uint64_t len);

/* ---- load.c ---- */
struct boot_info {
	uint32_t entry;		/* physical entry point */
	uint32_t mbi;		/* GPA of the multiboot info */
	uint32_t gdt;		/* GPA of the boot GDT */
	uint64_t image_lo, image_hi;	/* loaded range */
	/* direct 64-bit entry (x86/boot-abi.h), when the payload offers one */
	bool direct64;
	uint64_t entry64, cr3, gdt64_base;
	uint16_t gdt64_limit;
	struct kvm_segment cs, ds;	/* from the guest's GDT */
};
/*
 * Read and validate an x86 multiboot ELF (ELF32 i386 or ELF64 x86-64) for
 * a guest of mem_size bytes.  On any problem: message naming it, exit 2.
 * Runs before /dev/kvm is opened.
 */
void load_validate(const char *path, uint64_t mem_size);
/*
 * Copy the validated image into guest RAM and write the multiboot info.
 * cmdline is what the guest receives ("<payload path> <args>", like QEMU).
 */
void load_payload(struct vm *vm, const char *cmdline, struct boot_info *bi);

/* ---- vcpu.c ---- */
struct expect_state {
	uint32_t count, next;
	uint32_t state;		/* VMC_EXPECT_* */
	struct vmc_expect_ent ent[VMC_EXPECT_MAX];
	struct vmc_expect_ent bad_expected;
	struct vmc_exit_rec bad_got;
	uint32_t mismatch_at;
};

struct vcpu {
	struct vm *vm;
	int id, fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	uint64_t exits;		/* exits handled so far */
	/* progress watchdog */
	uint64_t exits_at_tick, rip_at_tick;
	unsigned stalled_ticks;
	/* channel / exit-log per-vCPU state (guarded by the log lock) */
	uint64_t mark;		/* EXIT_MARK position (seq) */
	struct expect_state expect;
	uint32_t scratch;	/* last value written to the scratch port */
};

/* install the kick signal handler (SA_RESTART; it sets immediate_exit); once, before threads */
void vcpu_signals_init(void);
/*
 * on a vCPU thread: block (true) or unblock (false) the kick signal around
 * work whose system calls a kick must not interrupt; a kick that arrives
 * meanwhile takes effect at the unblock.  No-op on other threads.
 */
void vcpu_hold_kicks(bool hold);
void vcpu_create(struct vm *vm, struct vcpu *v, int id, const struct boot_info *bi);
/* fd, kvm_run, CPUID; no register state (migration restores it) */
void vcpu_create_bare(struct vm *vm, struct vcpu *v, int id);
/* KVM_GET_SUPPORTED_CPUID leaf fn (index 0): true and *eax if KVM lists it */
bool vcpu_supported_cpuid(struct vm *vm, uint32_t fn, uint32_t *eax);
void vcpu_start(struct vcpu *v);
/* interrupt KVM_RUN of v (also when it is about to enter) */
void vcpu_kick(struct vcpu *v);
/* guest RIP of the current exit (sync regs or KVM_GET_REGS) */
uint64_t vcpu_rip(struct vcpu *v);
/* print the register dump of v to stderr (call from v's own thread) */
void vcpu_dump(struct vcpu *v);
/* id of the vCPU whose thread is calling, -1 for other threads */
int current_vcpu_id(void);

/* ---- main.c: run control ---- */
struct options {
	uint64_t mem_mib;
	int smp;
	double timeout_s;
	double stall_s;
	const char *exit_log;
	uint64_t exit_log_cap;
	uint64_t console_cap;
	bool irqchip;
	bool console_bytes;	/* --console=bytes: refuse CONSOLE requests */
	bool boot_multiboot;	/* --boot=multiboot: never the direct 64-bit entry */
	bool vm_snp;		/* --vm-type=snp (snp-vm.c) */
	const char *stats;	/* --stats FILE */
	const char *payload;
	uint32_t kvm_pv_features;	/* --kvm-pv-features: ORed into 0x40000001.EAX */
	uint64_t migrate_every;		/* --migrate-every N (0 = off) */
	const char *save_file;		/* --save FILE */
	const char *restore_file;	/* --restore FILE */
};
extern struct options opts;
extern struct vm the_vm;

/* end the run once: code is the process exit code; first caller wins */
void run_finish(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool run_done(void);
/* hold (true) / release the run lock while migrate.c swaps vCPU fds and kvm_run */
void run_lock_vcpus(bool lock);
/* a vCPU thread is leaving (dumps its registers on ERROR/TIMEOUT) */
void run_vcpu_stopped(struct vcpu *v);

/* ---- devices.c ---- */
void devices_init(uint64_t console_cap);
/* handle one KVM_EXIT_IO; returns false if no device accounts for it */
bool devices_pio(struct vcpu *v);
/* print pending text of the guest's console blocks, then fflush(stdout) */
void console_flush(void);
/*
 * Console text from a CONSOLE request of v (block at gpa, argsz bytes):
 * into the capped console stream like COM1 bytes; the block is remembered
 * so console_flush() can print what is pending in it when the run ends.
 */
/* a 32-bit OUT of gpa to COM1 (0x3f8): a CONSOLE request (ops-console.c) */
void console_request(struct vcpu *v, uint64_t gpa, uint64_t seq);
/* the console block the boot header names: printed from at the run's end */
void console_register(uint64_t gpa, uint32_t argsz);
void console_text(struct vcpu *v, uint64_t gpa, uint32_t argsz, const char *text,
		  uint32_t len);

/* ---- stats.c: --stats FILE (make bench) ---- */
extern bool stats_on;
void stats_init(bool on);	/* first thing in main() */
void stats_loaded(void);	/* ELF read and checked */
void stats_setup_done(void);	/* VM and vCPUs set up, about to start them */
void stats_boot(bool direct64);	/* which entry the boot CPU got */
/* one KVM_RUN of v from t_in to t_out; exited = it returned an exit */
void stats_run(struct vcpu *v, uint64_t t_in, uint64_t t_out, bool exited);
/* the channel exit just counted for v was a CONSOLE request */
void stats_console_request(struct vcpu *v);
void stats_write(const char *path, int nr_vcpus, int verdict);

/* ---- exitlog.c ---- */
/* --exit-log FILE (NULL: none), keeping the first and last cap (1..65536) exits */
#define EXITLOG_CAP_MAX 65536u
void exitlog_init(const char *path, uint64_t cap);
/* record one exit, return its seq; also feeds the vCPU's expectations */
uint64_t exitlog_record(struct vcpu *v, const struct vmc_exit_rec *rec);
/*
 * With the log lock held: copy entries with seq in [from, end) that match
 * (vCPU unless VMC_READ_F_ALL_VCPUS, reason, index per flags) into out[max];
 * returns the number of matches, *count = entries copied, *lost = from fell
 * out of the ring.
 */
uint32_t exitlog_read(uint64_t from, uint64_t end, int vcpu, uint32_t flags,
		      uint32_t reason, uint32_t index, void *out,
		      uint32_t max, uint32_t *count, bool *lost);
void exitlog_lock(void);
void exitlog_unlock(void);
void exitlog_close(void);
const char *exit_reason_name(uint32_t reason);

/* ---- channel.c ---- */
#define CHAN_OUT_MAX	4
struct chan_ctx {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t gpa;		/* where the block is */
	uint32_t argsz;		/* its size */
	uint64_t seq;		/* exit-log seq of the channel OUT itself */
	/*
	 * The op's output fields: up to CHAN_OUT_MAX byte ranges [off, end) of
	 * the block.  The handler declares them first thing (CHAN_OUT once per
	 * contiguous run of output fields, or CHAN_NO_OUT), and the channel
	 * writes back only those (whatever ret is), then ret.  A handler that
	 * declares nothing gets the whole copy written back.
	 */
	bool out_declared;
	uint32_t nr_out;
	struct { uint32_t off, end; } out[CHAN_OUT_MAX];
};
/* add one range of output fields, first..last of type (harness bug: > CHAN_OUT_MAX) */
void chan_out_range(struct chan_ctx *ctx, uint32_t off, uint32_t end);
#define CHAN_OUT(ctx, type, first, last)					\
	chan_out_range((ctx), offsetof(type, first),				\
		       offsetof(type, last) + sizeof(((type *)0)->last))
#define CHAN_NO_OUT(ctx) ((ctx)->out_declared = true)
/*
 * One op.  The handler gets a host copy of the block (the snapshot: argsz
 * bytes, already checked against min_argsz/max_argsz), declares its output
 * fields, refuses non-zero padding fields with -VMC_EINVAL, and returns the
 * value for hdr.ret (0/positive or -VMC_E*).
 */
struct chan_op {
	uint32_t op;
	const char *name;
	uint32_t min_argsz, max_argsz;
	int32_t (*handler)(struct chan_ctx *ctx, void *block, uint32_t argsz);
};
/*
 * A guest buffer the op writes into, other than the block itself: [gpa,
 * gpa + len) must be in RAM (else *err = -VMC_EFAULT) and must not overlap
 * the request block (else *err = -VMC_EINVAL: the write-back of the output
 * fields would overwrite part of what the op wrote, or the reverse).
 * Returns the host pointer, or NULL with *err set.
 */
void *chan_out_buf(const struct chan_ctx *ctx, uint64_t gpa, uint64_t len, int32_t *err);
struct chan_family {
	const char *name;
	const struct chan_op *ops;
	size_t nr_ops;
	/*
	 * Optional: offered every exit that no device handled (RDMSR/WRMSR,
	 * HYPERCALL, ...) after it was recorded; return true when the family
	 * handled it (the vCPU then re-enters), false to pass.
	 */
	bool (*handle_exit)(struct vcpu *v, const struct vmc_exit_rec *rec);
	/*
	 * Optional: install the family's kept state (caps, filters, ...) in a
	 * new VM after a migration (migrate.c); 0 or -errno.
	 */
	int (*reapply)(struct vm *vm);
};
/* the families (ops-*.c); channel.c holds the one table of them */
extern const struct chan_family ops_core_family;
extern const struct chan_family ops_exitlog_family;
extern const struct chan_family ops_console_family;	/* ops-console.c */
extern const struct chan_family ops_hypercall_family;	/* ops-hypercall.c */
extern const struct chan_family ops_msrfilter_family;	/* ops-msrfilter.c */
extern const struct chan_family ops_msrexit_family;	/* ops-msrexit.c */
extern const struct chan_family ops_coalesced_family;	/* ops-coalesced.c */
extern const struct chan_family ops_exception_family;	/* ops-exception.c */
extern const struct chan_family ops_memslot_family;	/* ops-memslot.c */
/* vcpu.c hooks of ops-coalesced.c: drain the ring before an exit is handled */
void coalesced_drain(struct vcpu *v);
/* an ordinary KVM_EXIT_IO inside a coalesced zone: true = handled */
bool coalesced_claim_pio(struct vcpu *v);
/* install the kept MSR filter and exit mask in vm (migration); 0 or -errno */
int msrfilter_reapply(struct vm *vm);

/* ops-hypercall.c: exit mask + disabled quirks into vm; the map's bit for pfn */
int hypercall_reapply(struct vm *vm);
bool hypercall_page_encrypted(uint64_t pfn);
/* every family's reapply hook on vm; 0, or -errno with *family = its name */
int channel_reapply(struct vm *vm, const char **family);

/* ---- migrate.c, migstream.c (docs/migration.md) ---- */
struct mig_buf;
extern const struct chan_family ops_migrate_family;
/*
 * migrate the VM at the vCPUs' next migration point: after the current
 * channel request, before any vCPU re-enters (MIGRATE, EXC_INJECT F_MIGRATE)
 */
void migrate_request(void);
/* a channel request was handled (--migrate-every) */
void migrate_note_request(void);
/* the vCPU loop's migration point; true when v parked or led a migration */
bool migrate_point(struct vcpu *v);
/* --restore FILE: build the_vm (and its vCPUs) from a saved stream; exit 2 if bad */
void migrate_restore_file(const char *path);
/* the whole stream is well formed (also every family record); else err */
bool migrate_check_stream(const uint8_t *p, size_t len, char *err, size_t errsz);
/* families' kept state in the stream (MIG_FAMILY records, vcpu = MIG_FAM_*) */
enum { MIG_FAM_HYPERCALL = 1, MIG_FAM_MSRFILTER = 2, MIG_FAM_MSREXIT = 3, MIG_FAM_EXITLOG = 4,
       MIG_FAM_COALESCED = 5, MIG_FAM_EXCEPTION = 6, MIG_FAM_MEMSLOT = 7,
       MIG_FAM_DEVICES = 8, MIG_FAM_MAX };
void hypercall_save(struct mig_buf *b);
bool hypercall_load(const uint8_t *d, uint64_t len, uint64_t mem_size, bool apply, char *err,
		    size_t errsz);
void msrfilter_save(struct mig_buf *b);
bool msrfilter_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz);
void msrexit_save(struct mig_buf *b);
bool msrexit_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz);
/* exit numbering, marks, EXPECT, scratch, the readable exits (exitlog.c) */
void exitlog_save(struct mig_buf *b, const struct vm *vm);
bool exitlog_load(const uint8_t *d, uint64_t len, uint32_t nr_vcpus, struct vcpu *vcpus,
		  bool apply, char *err, size_t errsz);
void coalesced_save(struct mig_buf *b);
bool coalesced_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz);
void exception_save(struct mig_buf *b);
bool exception_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz);
void memslot_save(struct mig_buf *b);
/* COM1 registers and the registered console blocks (devices.c) */
void devices_save(struct mig_buf *b, const struct vm *vm);
bool devices_load(const uint8_t *d, uint64_t len, uint32_t nr_vcpus, bool apply, char *err,
		  size_t errsz);
bool memslot_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz);
void families_save(struct mig_buf *b, const struct vm *vm);
/*
 * Check (families_check) or also load (families_load) every family record
 * of a stream whose records migrate_check_stream() accepted; vcpus: the
 * VM's nr_vcpus vCPUs (per-vCPU channel state goes there).  Every family
 * must have its record: a missing one is an error.
 */
bool families_check(const uint8_t *p, size_t len, char *err, size_t errsz);
bool families_load(const uint8_t *p, size_t len, struct vcpu *vcpus, char *err, size_t errsz);
/* ---- snp-vm.c: --vm-type=snp, the harness as SEV-SNP VMM ---- */
extern const struct chan_family ops_snpvm_family;
bool snp_vm_active(void);
/* instead of vm_create(): the SNP VM, guest_memfd RAM; exit 77 on a non-SNP host */
void snp_vm_create(struct vm *vm, uint64_t mem_size, bool irqchip);
/* after load_payload(): the boot pages (C-bit page tables, CPUID page, CC blob, hand-off) */
void snp_vm_prepare(struct vm *vm, const char *cmdline, const struct boot_info *bi);
/* after the boot vCPU exists: its registers, LAUNCH_START/UPDATE/FINISH */
void snp_vm_launch(struct vm *vm, struct vcpu *v, const struct boot_info *bi);
/* KVM_RUN failed with EFAULT: a KVM_EXIT_MEMORY_FAULT converted (true) or not ours */
bool snp_vm_memory_fault(struct vcpu *v);

/* offer an otherwise unhandled exit to the families; true = handled */
bool channel_handle_exit(struct vcpu *v, const struct vmc_exit_rec *rec);
/* handle an OUT of gpa to the channel port */
void channel_request(struct vcpu *v, uint64_t gpa, uint64_t seq);
/* the ops' shared helper: is [gpa, gpa+len) in RAM? */
#define CHAN_CHECK_RANGE(ctx, gpa, len) \
	(gpa_range_ok((ctx)->vm, (gpa), (len)) ? 0 : -VMC_EFAULT)

#endif
