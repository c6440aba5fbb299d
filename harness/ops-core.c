/*
 * vmc-harness channel ops, core family (docs/channel.md): HELLO (version and
 * feature bits), CAPS (KVM_CHECK_EXTENSION on the system or VM fd), LOG (a
 * line from the guest into the harness log on stderr).
 */
#include <ctype.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "migrate-abi.h"
#include "snp-abi.h"

static int32_t op_hello(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hello *h = block;
	struct vm *vm = ctx->vm;

	CHAN_OUT(ctx, struct vmc_hello, version, max_argsz);
	(void)argsz;
	h->version = VMC_CHAN_VERSION;
	/* a client of another version gets the harness's version and nothing else */
	if (h->client_version != VMC_CHAN_VERSION) {
		h->features = 0;
		h->flavor = h->nr_vcpus = h->vcpu_id = h->max_argsz = 0;
		h->ram_size = 0;
		return -VMC_EINVAL;
	}
	h->features = VMC_FEAT_EXITLOG | VMC_FEAT_EXPECT | VMC_FEAT_SCRATCH | VMC_FEAT_MIGRATE |
		      vm->host.features | host_fep_feature();
	h->features |= VMC_FEAT_COALESCED | VMC_FEAT_EXC_INJECT | VMC_FEAT_MEMSLOT;
	if (vm->irqchip)
		h->features |= VMC_FEAT_IRQCHIP;
	if (snp_vm_active())
		h->features |= VMC_FEAT_SNP_VM;
	if (opts.migrate_every)
		h->features |= VMC_FEAT_MIGRATE_EVERY;
	h->flavor = (uint32_t)vm->host.flavor;
	h->nr_vcpus = (uint32_t)vm->nr_vcpus;
	h->ram_size = vm->mem_size;
	h->vcpu_id = (uint32_t)ctx->vcpu->id;
	h->max_argsz = VMC_CHAN_MAX_ARGSZ;
	return 0;
}

static int32_t op_caps(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_caps *c = block;
	int fd, r;

	CHAN_OUT(ctx, struct vmc_caps, value, value);
	(void)argsz;
	if (c->fd == VMC_CAPS_SYSTEM)
		fd = ctx->vm->kvm_fd;
	else if (c->fd == VMC_CAPS_VM)
		fd = ctx->vm->vm_fd;
	else
		return -VMC_EINVAL;
	r = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)c->cap);
	if (r < 0)
		return -errno;
	c->value = r;
	return 0;
}

/*
 * Bytes of guest text LOG has printed; like the console, the guest gets
 * --console-cap bytes of it, then one note and nothing more (a guest in a
 * LOG loop must not fill the disk through the harness's stderr).  Requests
 * are serialised by the channel lock.
 */
static uint64_t log_written;
static bool log_truncated;

static int32_t op_log(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_log *l = block;
	char text[VMC_LOG_MAX + 1];

	CHAN_NO_OUT(ctx);
	if (l->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	if (l->len > VMC_LOG_MAX)
		return -VMC_EINVAL;
	if (l->len > argsz - sizeof(*l))
		return -VMC_EINVAL;
	if (log_truncated)
		return 0;
	if (log_written + l->len > opts.console_cap) {
		log_truncated = true;
		warnx_h("guest log output truncated at %llu bytes (--console-cap); later "
			"LOG requests are dropped", (unsigned long long)opts.console_cap);
		return 0;
	}
	log_written += l->len;
	for (uint32_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->text[i];

		text[i] = isprint(c) || c == '\t' ? (char)c : '?';
	}
	text[l->len] = 0;
	fflush(stdout);
	fprintf(stderr, "vmc-harness: guest log (vcpu%d): %s\n", ctx->vcpu->id, text);
	return 0;
}

static const struct chan_op core_ops[] = {
	{ VMC_OP_HELLO, "HELLO", sizeof(struct vmc_hello), sizeof(struct vmc_hello),
	  op_hello },
	{ VMC_OP_CAPS, "CAPS", sizeof(struct vmc_caps), sizeof(struct vmc_caps), op_caps },
	{ VMC_OP_LOG, "LOG", sizeof(struct vmc_log), sizeof(struct vmc_log) + VMC_LOG_MAX,
	  op_log },
};

const struct chan_family ops_core_family = {
	.name = "core",
	.ops = core_ops,
	.nr_ops = ARRAY_SIZE(core_ops),
};
