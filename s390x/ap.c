/*
 * s390x AP (Adjunct Processor, crypto) instructions: PQAP, NQAP, DQAP.
 *
 * Rules checked, and why (facts: specs/s390x-ap.md):
 *  - Whether AP is installed is decided by executing PQAP(TAPQ) and catching
 *    the exception, never by STFLE 12 alone (the Linux AP bus does the same).
 *  - AP absent (QEMU TCG; a KVM guest without the "ap" CPU feature): STFLE
 *    bits 12 (QCI), 15 (APFT) and 65 (AQIC) are 0; every PQAP function code,
 *    with and without the T bit, NQAP and DQAP (even and odd register pairs)
 *    and all of them in problem state raise an operation exception (0x0001),
 *    instruction length 4, old PSW at the next instruction, GR0-GR2 and the
 *    condition code unchanged.  A hypervisor that half-emulates AP (answers
 *    some function codes, or checks privilege first) breaks guests that
 *    probe AP the way Linux does.
 *  - AP present (s390x KVM with ap=on and a vfio-ap mediated device): the
 *    privileged-operation, specification (incl. QCI/QBAP alignment) and
 *    access rules of the architecture, the empty matrix of ap=on without
 *    vfio-ap, all of APM x AQM as seen through QCI and TAPQ, AQIC response
 *    codes and the IR bit, RAPQ/ZAPQ resets (after an AQIC enable that is
 *    itself checked; RC 0x02 while the reset runs), TAPQ with T = 1 (type,
 *    mode, ML), and a condition code of 0 after every successful PQAP (the
 *    January 2024 KVM fix for AQIC) (specs/s390x-ap.md §8 items 6-14).
 *    These run only where the probe finds AP; elsewhere each family is
 *    reported as SKIP with the host it needs.
 * Args apm=<apid,...> aqm=<apqi,...>: the mdev's adapters and domains, to
 * compare with QCI; without either, the test expects no vfio-ap device
 * (empty matrix, item 9).
 */
#include "vmc.h"
#include "s390x.h"
#include "ap.h"

#define HOST_REASON "needs an s390x KVM host with AP crypto and a vfio-ap mediated device"
#define VFIO_AP_NEEDED "needs a vfio-ap mediated device with an APQN (-device vfio-ap,sysfsdev=...)"
#define HOST_AP "needs an s390x KVM host and -cpu host,ap=on,apqci=on,apft=on,apqi=on"
#define HOST_AP_EMPTY "needs an s390x KVM host with -cpu ...,ap=on and no vfio-ap device"
#define PRECC 2		/* condition code preset before each instruction */

static const char *const fc_names[] = {
	"TAPQ", "RAPQ", "ZAPQ", "AQIC", "QCI", "QACT", "QBAP", "BAPQ", "AAPQ"
};

/* ---------------------------------------------------------------- probe */

static bool probe_ap(struct fault *out)
{
	struct ap_regs r = { .gr0 = AP_GR0_FC(AP_FC_TAPQ) | AP_APQN(0, 0) };

	fault_arm();
	ap_pqap(&r, PRECC);
	*out = fault_take();
	return !(out->raised && out->vector == PGM_OPERATION);
}

/* ------------------------------------------------------- AP absent (TCG) */

/* the contract of an instruction that is not installed */
static void expect_operation(const char *what, struct fault f,
			     const struct ap_regs *in, const struct ap_regs *out,
			     int cc)
{
	bool regs = in->gr0 == out->gr0 && in->gr1 == out->gr1 &&
		    in->gr2 == out->gr2;

	report(f.raised && f.vector == PGM_OPERATION && f.error_code == 4 &&
	       f.addr == out->next && regs && cc == PRECC,
	       "%s: operation exception 0x1, length 4, old PSW after it, GR0-GR2 "
	       "and cc unchanged (raised %d code %#x length %lu PSW %s, regs %s, cc %d)",
	       what, f.raised, f.vector, (unsigned long)f.error_code,
	       f.addr == out->next ? "next" : f.addr == out->insn ? "this" : "other",
	       regs ? "same" : "changed", cc);
}

typedef int (*ap_insn_fn)(struct ap_regs *, int);

/* run one AP instruction on a copy of *in (in problem state if asked) */
static void run_absent(ap_insn_fn fn, const struct ap_regs *in,
		       bool pstate, const char *what)
{
	struct ap_regs r = *in;
	struct fault f;
	int cc;

	fault_arm();
	if (pstate)
		enter_pstate();
	cc = fn(&r, PRECC);
	if (pstate)
		leave_pstate();
	f = fault_take();
	expect_operation(what, f, in, &r, cc);
}

static void pqap_absent(uint64_t gr0, bool pstate, const char *what)
{
	struct ap_regs in = { .gr0 = gr0, .gr1 = 0x1111222233334444UL,
			      .gr2 = 0x5555666677778888UL };

	run_absent(ap_pqap, &in, pstate, what);
}

static void nqdq_absent(ap_insn_fn fn, bool pstate,
			const char *what, void *buf)
{
	struct ap_regs in = { .gr0 = AP_NQAP_LAST, .gr1 = 0x1234,
			      .gr2 = 0x5678, .r4 = 0x1, .r5 = 0x2,
			      .r6 = (uintptr_t)buf, .r7 = 64 };

	run_absent(fn, &in, pstate, what);
}

static void check_absent(void)
{
	static const unsigned int fcs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 42 };
	static const unsigned int facs[] = { 12, 15, 65 };
	static const char *const fac_names[] = { "QCI", "APFT", "AQIC" };
	void *buf = alloc_page();
	char what[64];
	unsigned int i;
	int t;

	report_prefix_push("absent");
	for (i = 0; i < ARRAY_SIZE(facs); i++)
		report(!test_facility(facs[i]),
		       "STFLE facility %u (%s) is 0 without AP (got %d)", facs[i], fac_names[i],
		       test_facility(facs[i]));

	for (t = 0; t <= 1; t++) {
		for (i = 0; i < ARRAY_SIZE(fcs); i++) {
			snprintf(what, sizeof(what), "PQAP fc %u (%s) T=%d", fcs[i],
				 fcs[i] < ARRAY_SIZE(fc_names) ? fc_names[fcs[i]] : "invalid", t);
			pqap_absent(AP_GR0_FC(fcs[i]) | (t ? AP_GR0_T : 0) |
				    AP_APQN(0, 0), false, what);
		}
	}
	nqdq_absent(ap_nqap, false, "NQAP R1=4 R2=6", buf);
	nqdq_absent(ap_nqap_odd_r1, false, "NQAP odd R1=5 (operation before specification)", buf);
	nqdq_absent(ap_nqap_odd_r2, false, "NQAP odd R2=7 (operation before specification)", buf);
	nqdq_absent(ap_dqap, false, "DQAP R1=4 R2=6", buf);
	nqdq_absent(ap_dqap_odd_r1, false, "DQAP odd R1=5 (operation before specification)", buf);
	nqdq_absent(ap_dqap_odd_r2, false, "DQAP odd R2=7 (operation before specification)", buf);

	report_prefix_push("problem state");
	pqap_absent(AP_GR0_FC(AP_FC_TAPQ), true, "PQAP(TAPQ): operation, not privileged-operation");
	pqap_absent(AP_GR0_FC(AP_FC_QCI), true, "PQAP(QCI): operation, not privileged-operation");
	nqdq_absent(ap_nqap, true, "NQAP: operation, not privileged-operation", buf);
	nqdq_absent(ap_dqap, true, "DQAP: operation, not privileged-operation", buf);
	report_prefix_pop();
	report_prefix_pop();
	if (buf)
		free_page(buf);
}

static void skip_host_checks(void)
{
	static const struct { const char *what, *needs; } families[] = {
		{ "privileged-operation in problem state (PQAP QCI, NQAP, DQAP)", HOST_AP },
		{ "PQAP specification exceptions (fc, GR0 bits 41-47, T without APFT, APXA limits, "
		  "AQIC without facility 65, QCI and QBAP alignment)", HOST_AP },
		{ "NQAP/DQAP specification exceptions (odd pairs, length 0 and above the maximum, "
		  "reserved GR0 bits)", HOST_AP },
		{ "empty matrix: QCI APM/AQM/ADM all 0, TAPQ and AQIC cc 3 RC 0x01", HOST_AP_EMPTY },
		{ "QCI/TAPQ matrix: every APQN in A x D answers, half-assigned ones give RC 0x01",
		  HOST_REASON },
		{ "AQIC response codes 0x06/0x07/0, cc 0 on success and the IR bit in TAPQ",
		  HOST_REASON },
		{ "RAPQ/ZAPQ reset: cc 0, TAPQ RC 0x02 then 0, interruptions disabled", HOST_REASON },
		{ "TAPQ with T = 1: mode, type and maximum message length (ML)", HOST_REASON },
	};
	unsigned int i;

	report_prefix_push("host");
	for (i = 0; i < ARRAY_SIZE(families); i++)
		report_skip("%s (%s; PQAP raised an operation exception here)",
			    families[i].what, families[i].needs);
	report_prefix_pop();
}

/* ------------------------------------------------- AP present (KVM host) */

static bool have_qci, have_apft, have_aqic, apxa;
static struct ap_qci qci;
static unsigned int q_apid, q_apqi;	/* the first APQN of the matrix */
static bool have_queue;

/* PQAP fc with extra GR0 bits, GR1/GR2 inputs; regs and fault out */
static int pqap(unsigned int fc, uint64_t gr0, uint64_t gr1, uint64_t gr2,
		struct ap_regs *r, struct fault *f, bool pstate)
{
	int cc;

	memset(r, 0, sizeof(*r));
	r->gr0 = AP_GR0_FC(fc) | gr0;
	r->gr1 = gr1;
	r->gr2 = gr2;
	fault_arm();
	if (pstate)
		enter_pstate();
	cc = ap_pqap(r, PRECC);
	if (pstate)
		leave_pstate();
	*f = fault_take();
	return cc;
}

static void expect_code(const char *what, struct fault f, unsigned int code)
{
	report(f.raised && f.vector == code,
	       "%s: program interruption %#x (raised %d, code %#x)",
	       what, code, f.raised, f.vector);
}

/* PQAP completed with cc and response code as expected */
static void expect_rc(const char *what, struct fault f, int cc, uint64_t gr1,
		      int want_cc, unsigned int want_rc)
{
	report(!f.raised && cc == want_cc && APQSW_RC(gr1) == want_rc,
	       "%s: cc %d, response code %#x (raised %d code %#x, cc %d, RC %#x)",
	       what, want_cc, want_rc, f.raised, f.vector, cc,
	       (unsigned int)APQSW_RC(gr1));
}

static int tapq(unsigned int apid, unsigned int apqi, bool t, struct ap_regs *r,
		struct fault *f)
{
	return pqap(AP_FC_TAPQ, (t ? AP_GR0_T : 0) | AP_APQN(apid, apqi), 0, 0,
		    r, f, false);
}

/* TAPQ until the reset has finished (RC 0x02) or the bound is hit */
static int tapq_settled(unsigned int apid, unsigned int apqi, struct ap_regs *r,
			struct fault *f)
{
	long i;
	int cc = 0;

	for (i = 0; i < 1000000; i++) {
		cc = tapq(apid, apqi, false, r, f);
		if (f->raised || APQSW_RC(r->gr1) != AP_RC_RESET_IN_PROGRESS)
			break;
	}
	return cc;
}

/* TAPQ until IR is as wanted (bounded); returns whether it got there */
static bool wait_ir(bool want)
{
	struct ap_regs r;
	struct fault f;
	long i;

	for (i = 0; i < 1000000; i++) {
		tapq(q_apid, q_apqi, false, &r, &f);
		if (f.raised)
			return false;
		if (!!((uint32_t)r.gr1 & APQSW_IR) == want)
			return true;
	}
	return false;
}

static int nqdq(ap_insn_fn fn, uint64_t gr0, void *buf,
		uint64_t len, struct fault *f, bool pstate)
{
	struct ap_regs r = { .gr0 = gr0, .r4 = 0x0102030405060708UL, .r5 = 0,
			     .r6 = (uintptr_t)buf, .r7 = len };
	int cc;

	fault_arm();
	if (pstate)
		enter_pstate();
	cc = fn(&r, PRECC);
	if (pstate)
		leave_pstate();
	*f = fault_take();
	return cc;
}

static void host_privilege(void *buf)
{
	struct ap_regs r;
	struct fault f;
	uint64_t q = AP_APQN(q_apid, q_apqi);

	report_prefix_push("privilege");
	pqap(AP_FC_QCI, 0, 0, (uintptr_t)&qci, &r, &f, true);
	expect_code("PQAP(QCI) in problem state", f, PGM_PRIVILEGED);
	pqap(AP_FC_TAPQ, q, 0, 0, &r, &f, true);
	expect_code("PQAP(TAPQ) in problem state", f, PGM_PRIVILEGED);
	nqdq(ap_nqap, q | AP_NQAP_LAST, buf, 64, &f, true);
	expect_code("NQAP in problem state", f, PGM_PRIVILEGED);
	nqdq(ap_dqap, q | AP_DQAP_FIRST, buf, 64, &f, true);
	expect_code("DQAP in problem state", f, PGM_PRIVILEGED);
	report_prefix_pop();
}

static void host_pqap_spec(uint8_t *page)
{
	struct ap_regs r;
	struct fault f;
	uint64_t q = AP_APQN(q_apid, q_apqi);
	char what[80];
	int bit, off;

	report_prefix_push("specification");
	pqap(42, q, 0, 0, &r, &f, false);
	expect_code("PQAP fc 42 (undefined)", f, PGM_SPECIFICATION);
	for (bit = 41; bit <= 47; bit++) {
		snprintf(what, sizeof(what), "PQAP(TAPQ) with reserved GR0 bit %d", bit);
		pqap(AP_FC_TAPQ, q | AP_GR0_BIT(bit), 0, 0, &r, &f, false);
		expect_code(what, f, PGM_SPECIFICATION);
	}
	if (!have_apft) {
		tapq(q_apid, q_apqi, true, &r, &f);
		expect_code("TAPQ with T = 1 without APFT (facility 15)", f, PGM_SPECIFICATION);
	} else {
		report_skip("TAPQ T = 1 without APFT (APFT is installed: run with -cpu ...,apft=off)");
	}
	if (!apxa) {
		tapq(64, q_apqi, false, &r, &f);
		expect_code("TAPQ APID 64 without APXA", f, PGM_SPECIFICATION);
		tapq(q_apid, 16, false, &r, &f);
		expect_code("TAPQ APQI 16 without APXA", f, PGM_SPECIFICATION);
	} else {
		report_skip("APID > 63 / APQI > 15 without APXA (QCI says APXA is installed: needs "
			    "an s390x host without APXA; KVM's CRYCB format follows the host's)");
	}
	if (!have_aqic) {
		pqap(AP_FC_AQIC, q, AP_AQIC_IR, (uintptr_t)page, &r, &f, false);
		expect_code("AQIC without facility 65", f, PGM_SPECIFICATION);
	} else {
		report_skip("AQIC without facility 65 (it is installed: run with -cpu ...,apqi=off)");
	}
	if (have_qci) {
		for (off = 1; off < 8; off++) {
			snprintf(what, sizeof(what), "QCI block misaligned by %d", off);
			pqap(AP_FC_QCI, 0, 0, (uintptr_t)(page + off), &r, &f, false);
			expect_code(what, f, PGM_SPECIFICATION);
		}
	} else {
		report_skip("QCI block alignment (QCI, facility 12, not installed: -cpu ...,apqci=on)");
	}
	for (off = 1; off < 8; off++) {
		snprintf(what, sizeof(what), "QBAP block misaligned by %d", off);
		pqap(AP_FC_QBAP, 0, 0, (uintptr_t)(page + off), &r, &f, false);
		expect_code(what, f, PGM_SPECIFICATION);
	}
	report_prefix_pop();
}

/*
 * The specification-exception matrix of one of NQAP/DQAP: odd R1, odd R2,
 * length 0, length max + 1, and each reserved GR0 bit.
 */
static void nqdq_spec_matrix(const char *name, ap_insn_fn even, ap_insn_fn odd_r1,
			     ap_insn_fn odd_r2, uint64_t gr0, const int *bits,
			     unsigned int nbits, void *buf, uint64_t max)
{
	struct fault f;
	char what[80];
	unsigned int i;

	nqdq(odd_r1, gr0, buf, 64, &f, false);
	snprintf(what, sizeof(what), "%s odd R1", name);
	expect_code(what, f, PGM_SPECIFICATION);
	nqdq(odd_r2, gr0, buf, 64, &f, false);
	snprintf(what, sizeof(what), "%s odd R2", name);
	expect_code(what, f, PGM_SPECIFICATION);
	nqdq(even, gr0, buf, 0, &f, false);
	snprintf(what, sizeof(what), "%s length 0", name);
	expect_code(what, f, PGM_SPECIFICATION);
	nqdq(even, gr0, buf, max + 1, &f, false);
	snprintf(what, sizeof(what), "%s length maximum + 1", name);
	expect_code(what, f, PGM_SPECIFICATION);
	for (i = 0; i < nbits; i++) {
		snprintf(what, sizeof(what), "%s with reserved GR0 bit %d", name, bits[i]);
		nqdq(even, gr0 | AP_GR0_BIT(bits[i]), buf, 64, &f, false);
		expect_code(what, f, PGM_SPECIFICATION);
	}
}

static void host_nqdq_limits(void *buf)
{
	static const int nq_bits[] = { 32, 34, 35, 40 }, dq_bits[] = { 33, 34, 35, 40, 41 };
	uint64_t q = AP_APQN(q_apid, q_apqi), max = 12288;
	struct ap_regs r;
	struct fault f;

	report_prefix_push("nqap-dqap");
	if (have_apft && have_queue) {
		tapq(q_apid, q_apqi, true, &r, &f);
		if (!f.raised && AP_TAPQ_ML(r.gr2) > 3)
			max = AP_TAPQ_ML(r.gr2) * 4096UL;
	}
	report_info("maximum message length %lu bytes", (unsigned long)max);
	nqdq_spec_matrix("NQAP", ap_nqap, ap_nqap_odd_r1, ap_nqap_odd_r2, q | AP_NQAP_LAST,
			 nq_bits, ARRAY_SIZE(nq_bits), buf, max);
	nqdq_spec_matrix("DQAP", ap_dqap, ap_dqap_odd_r1, ap_dqap_odd_r2, q | AP_DQAP_FIRST,
			 dq_bits, ARRAY_SIZE(dq_bits), buf, max);
	report_prefix_pop();
}

/* "apm=1,2" style argument: the listed numbers as a 256-bit mask */
static bool arg_mask(int argc, char **argv, const char *key, uint8_t mask[32])
{
	size_t kl = strlen(key);
	char *p;
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], key, kl) || argv[i][kl] != '=')
			continue;
		memset(mask, 0, 32);
		p = argv[i] + kl + 1;
		while (*p) {
			unsigned long n = strtoul(p, &p, 0);

			if (n < 256)
				mask[n / 8] |= 0x80 >> (n % 8);
			if (*p == ',')
				p++;
			else if (*p)
				return false;
		}
		return true;
	}
	return false;
}

/* the first APQN of a class that answered wrongly, for the report */
struct tapq_tally {
	unsigned int n, bad, apid, apqi;
	int cc;
	unsigned int rc;
};

static void tally(struct tapq_tally *t, unsigned int a, unsigned int d, int cc,
		  const struct ap_regs *r, const struct fault *f, int want_cc, unsigned int want_rc)
{
	t->n++;
	if (!f->raised && cc == want_cc && APQSW_RC(r->gr1) == want_rc)
		return;
	if (!t->bad++) {
		t->apid = a;
		t->apqi = d;
		t->cc = f->raised ? -(int)f->vector : cc;
		t->rc = APQSW_RC(r->gr1);
	}
}

static bool mask_empty(const uint8_t *m, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		if (m[i])
			return false;
	return true;
}

/*
 * Item 9: with ap=on and no vfio-ap device (no apm=/aqm= arguments: the
 * unittests.cfg contract) QCI answers an empty matrix and TAPQ / AQIC find
 * no queue.
 */
static void host_empty_matrix(uint8_t *nib_page)
{
	struct ap_regs r;
	struct fault f;
	int cc;

	report(mask_empty(qci.apm, 32) && mask_empty(qci.aqm, 32) && mask_empty(qci.adm, 32),
	       "no vfio-ap device (no apm=/aqm= args): QCI's APM, AQM and ADM are all 0");
	cc = tapq(0, 0, false, &r, &f);
	expect_rc("no APQN assigned: TAPQ 00.0000", f, cc, r.gr1, 3, AP_RC_Q_NOT_AVAIL);
	cc = tapq(apxa ? 255 : 63, apxa ? 255 : 15, false, &r, &f);
	expect_rc("no APQN assigned: TAPQ of the highest APQN", f, cc, r.gr1, 3,
		  AP_RC_Q_NOT_AVAIL);
	if (have_aqic) {
		cc = pqap(AP_FC_AQIC, AP_APQN(0, 0), AP_AQIC_IR | AP_AQIC_ISC(3),
			  (uintptr_t)nib_page, &r, &f, false);
		expect_rc("no APQN assigned: AQIC enable on 00.0000 (no hook)", f, cc, r.gr1, 3,
			  AP_RC_Q_NOT_AVAIL);
	} else {
		report_skip("AQIC on an unassigned APQN (facility 65 not installed: "
			    "-cpu ...,apqi=on)");
	}
}

/*
 * Item 10: every APQN (a, d) with a in APM and d in AQM answers cc 0 RC 0;
 * every APQN with exactly one of them assigned answers cc 3 RC 0x01.  All
 * of A x D (up to 256 x 256 with APXA) is covered, one summary check per
 * class naming the first APQN that answered wrongly.
 */
static void host_matrix(int argc, char **argv, uint8_t *nib_page)
{
	unsigned int a, d, na, nd, lim_a, lim_d;
	struct tapq_tally in = { 0 }, half = { 0 };
	bool have_apm, have_aqm;
	uint8_t want[32];
	struct ap_regs r;
	struct fault f;
	int cc;

	report_prefix_push("matrix");
	if (!have_qci) {
		report_skip("QCI vs TAPQ (QCI, facility 12, not installed: -cpu ...,apqci=on)");
		report_prefix_pop();
		return;
	}
	lim_a = apxa ? 255 : 63;
	lim_d = apxa ? 255 : 15;
	na = qci.na < lim_a ? qci.na : lim_a;
	nd = qci.nd < lim_d ? qci.nd : lim_d;
	have_apm = arg_mask(argc, argv, "apm", want);
	if (have_apm)
		report(!memcmp(want, qci.apm, 32), "QCI APM equals the apm= argument");
	have_aqm = arg_mask(argc, argv, "aqm", want);
	if (have_aqm)
		report(!memcmp(want, qci.aqm, 32), "QCI AQM equals the aqm= argument");
	if (!have_apm && !have_aqm) {
		host_empty_matrix(nib_page);
		report_prefix_pop();
		return;
	}

	for (a = 0; a <= na; a++) {
		for (d = 0; d <= nd; d++) {
			bool ia = ap_mask_test(qci.apm, a), id = ap_mask_test(qci.aqm, d);

			if (!ia && !id)
				continue;
			cc = tapq_settled(a, d, &r, &f);
			if (ia && id)
				tally(&in, a, d, cc, &r, &f, 0, AP_RC_NORMAL);
			else
				tally(&half, a, d, cc, &r, &f, 3, AP_RC_Q_NOT_AVAIL);
		}
	}
	report(in.n && !in.bad, "TAPQ on all %u APQNs of APM x AQM (APID <= %u, APQI <= %u): "
	       "cc 0 RC 0 (%u wrong, first %02x.%04x cc %d RC %#x)", in.n, na, nd, in.bad,
	       in.apid, in.apqi, in.cc, in.rc);
	report(!half.bad, "TAPQ on all %u APQNs with only the APID or only the APQI assigned: "
	       "cc 3 RC 0x01 (%u wrong, first %02x.%04x cc %d RC %#x)", half.n, half.bad,
	       half.apid, half.apqi, half.cc, half.rc);
	report_prefix_pop();
}

static void host_aqic(uint8_t *nib_page)
{
	uint64_t q = AP_APQN(q_apid, q_apqi);
	uint64_t on = AP_AQIC_IR | AP_AQIC_ISC(3);
	struct ap_regs r;
	struct fault f;
	int cc;

	report_prefix_push("aqic");
	if (!have_aqic || !have_queue) {
		report_skip("AQIC response codes and IR (%s)", !have_aqic ?
			    "facility 65 not installed: -cpu ...,apqi=on" :
			    "no APQN assigned to the guest: " VFIO_AP_NEEDED);
		report_prefix_pop();
		return;
	}
	cc = pqap(AP_FC_AQIC, q, on, 0, &r, &f, false);
	expect_rc("enable with NIB address 0", f, cc, r.gr1, 3, AP_RC_INVALID_ADDRESS);
	cc = pqap(AP_FC_AQIC, q, on, ~0UL, &r, &f, false);
	expect_rc("enable with NIB address -1", f, cc, r.gr1, 3, AP_RC_INVALID_ADDRESS);
	cc = pqap(AP_FC_AQIC, q, AP_AQIC_ISC(3), (uintptr_t)nib_page, &r, &f, false);
	expect_rc("disable while disabled", f, cc, r.gr1, 3, AP_RC_OTHERWISE_CHANGED);
	cc = pqap(AP_FC_AQIC, q, on, (uintptr_t)nib_page, &r, &f, false);
	expect_rc("enable with a valid NIB (cc preset to 2 must become 0)", f, cc, r.gr1,
		  0, AP_RC_NORMAL);
	report(wait_ir(true), "TAPQ shows IR = 1 after the enable (not seen in 10^6 polls)");
	cc = pqap(AP_FC_AQIC, q, on, (uintptr_t)nib_page, &r, &f, false);
	expect_rc("enable while enabled", f, cc, r.gr1, 3, AP_RC_OTHERWISE_CHANGED);
	cc = pqap(AP_FC_AQIC, q, AP_AQIC_ISC(3), (uintptr_t)nib_page, &r, &f, false);
	report(!f.raised && cc == 0, "disable: cc 0 (raised %d, cc %d, RC %#x)",
	       f.raised, cc, (unsigned int)APQSW_RC(r.gr1));
	report(wait_ir(false), "TAPQ shows IR = 0 after the disable (not seen in 10^6 polls)");
	report_prefix_pop();
}

static void host_resets(uint8_t *nib_page)
{
	static const unsigned int fcs[] = { AP_FC_RAPQ, AP_FC_ZAPQ };
	uint64_t q = AP_APQN(q_apid, q_apqi);
	struct ap_regs r;
	struct fault f;
	unsigned int i;
	int cc;

	report_prefix_push("reset");
	if (!have_queue) {
		report_skip("RAPQ/ZAPQ (no APQN assigned to the guest: " VFIO_AP_NEEDED ")");
		report_prefix_pop();
		return;
	}
	for (i = 0; i < ARRAY_SIZE(fcs); i++) {
		bool enabled = false;

		report_prefix_push(fc_names[fcs[i]]);
		if (have_aqic) {
			cc = pqap(AP_FC_AQIC, q, AP_AQIC_IR | AP_AQIC_ISC(3),
				  (uintptr_t)nib_page, &r, &f, false);
			enabled = !f.raised && cc == 0 && wait_ir(true);
			report(enabled, "before the reset: AQIC enable gave cc 0 and TAPQ shows IR = 1 "
			       "(raised %d, cc %d, RC %#x)", f.raised, cc,
			       (unsigned int)APQSW_RC(r.gr1));
		}
		cc = pqap(fcs[i], q, 0, 0, &r, &f, false);
		report(!f.raised && cc == 0, "reset accepted with cc 0 (raised %d, cc %d, RC %#x)",
		       f.raised, cc, (unsigned int)APQSW_RC(r.gr1));
		cc = tapq(q_apid, q_apqi, false, &r, &f);
		report(!f.raised && APQSW_RC(r.gr1) == AP_RC_RESET_IN_PROGRESS,
		       "the first TAPQ after the reset answers RC 0x02, reset in progress (spec "
		       "item 13) (raised %d, cc %d, RC %#x)", f.raised, cc,
		       (unsigned int)APQSW_RC(r.gr1));
		cc = tapq_settled(q_apid, q_apqi, &r, &f);
		expect_rc("TAPQ once the reset is done (bounded poll)", f, cc, r.gr1, 0,
			  AP_RC_NORMAL);
		if (enabled)
			report(!f.raised && !((uint32_t)r.gr1 & APQSW_IR),
			       "the reset disabled interruptions (IR = 0, APQSW %#x)",
			       (uint32_t)r.gr1);
		else if (have_aqic)
			report_skip("IR = 0 after the reset (interruptions were never enabled)");
		report_prefix_pop();
	}
	report_prefix_pop();
}

static void host_tapq_t(void)
{
	struct ap_regs r;
	struct fault f;
	uint64_t first;
	int cc;

	report_prefix_push("tapq-t");
	if (!have_apft || !have_queue) {
		report_skip("TAPQ with T = 1 (%s)", !have_apft ?
			    "APFT, facility 15, not installed: -cpu ...,apft=on" :
			    "no APQN assigned to the guest: " VFIO_AP_NEEDED);
		report_prefix_pop();
		return;
	}
	cc = tapq(q_apid, q_apqi, true, &r, &f);
	expect_rc("TAPQ T = 1", f, cc, r.gr1, 0, AP_RC_NORMAL);
	report(AP_TAPQ_TYPE(r.gr2) >= 10 &&
	       (r.gr2 & (AP_TAPQ_CCA | AP_TAPQ_ACCEL | AP_TAPQ_EP11)),
	       "GR2 names a CEX4-or-later type and one of the CCA/accelerator/EP11 modes "
	       "(GR2 %#lx: type %lu, domains %lu, ML %lu)", (unsigned long)r.gr2,
	       (unsigned long)AP_TAPQ_TYPE(r.gr2), (unsigned long)AP_TAPQ_ND(r.gr2),
	       (unsigned long)AP_TAPQ_ML(r.gr2));
	first = r.gr2;
	cc = tapq(q_apid, q_apqi, true, &r, &f);
	report(!f.raised && cc == 0 && AP_TAPQ_ML(r.gr2) == AP_TAPQ_ML(first) &&
	       AP_TAPQ_TYPE(r.gr2) == AP_TAPQ_TYPE(first),
	       "a second TAPQ T = 1 gives the same ML (%lu pages, 0 = the 12 KiB default) and "
	       "type; the NQAP/DQAP length limit above is taken from it (got ML %lu)",
	       (unsigned long)AP_TAPQ_ML(first), (unsigned long)AP_TAPQ_ML(r.gr2));
	report(q_apqi <= AP_TAPQ_ND(first),
	       "the queue's APQI %u is within the adapter's domain count field ND %lu",
	       q_apqi, (unsigned long)AP_TAPQ_ND(first));
	report_prefix_pop();
}

static void check_host(int argc, char **argv)
{
	uint8_t *page = alloc_page(), *nib = alloc_page();
	void *msg = alloc_pages(4);	/* 64 KiB: above any ML x 4 KiB */
	struct ap_regs r;
	struct fault f;
	unsigned int a, d;
	int cc;

	report_prefix_push("host");
	have_qci = test_facility(12);
	have_apft = test_facility(15);
	have_aqic = test_facility(65);
	if (have_qci) {
		cc = pqap(AP_FC_QCI, 0, 0, (uintptr_t)&qci, &r, &f, false);
		report(!f.raised && cc == 0, "QCI completes with cc 0 (raised %d code %#x, cc %d)",
		       f.raised, f.vector, cc);
		apxa = qci.flags & AP_QCI_APXA;
		for (a = 0; a <= qci.na && !have_queue; a++)
			for (d = 0; d <= qci.nd && !have_queue; d++)
				if (ap_mask_test(qci.apm, a) && ap_mask_test(qci.aqm, d) &&
				    (apxa || (a < 64 && d < 16))) {
					have_queue = true;
					q_apid = a;
					q_apqi = d;
				}
	}
	report_info("QCI %d APFT %d AQIC %d APXA %d, first APQN %s%02x.%04x",
		    have_qci, have_apft, have_aqic, apxa, have_queue ? "" : "(none) ",
		    q_apid, q_apqi);
	host_privilege(msg);
	host_pqap_spec(page);
	host_nqdq_limits(msg);
	host_matrix(argc, argv, nib);
	host_aqic(nib);
	host_resets(nib);
	host_tapq_t();
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct fault f;
	bool installed = probe_ap(&f);

	report_prefix_push("ap");
	report_info("STFLE facility 12 (QCI) %d, 15 (APFT) %d, 65 (AQIC) %d",
		    test_facility(12), test_facility(15), test_facility(65));
	report_info("PQAP(TAPQ 0.0) probe: %s (raised %d, code %#x)",
		    installed ? "AP instructions installed" : "operation exception: AP not installed",
		    f.raised, f.vector);
	report(!f.raised || f.vector == PGM_OPERATION || f.vector == PGM_SPECIFICATION,
	       "the PQAP(TAPQ) probe completes or raises operation (absent) / "
	       "specification (APQN 0.0 invalid) only (raised %d, code %#x)",
	       f.raised, f.vector);
	if (installed) {
		check_host(argc, argv);
	} else {
		check_absent();
		skip_host_checks();
	}
	report_prefix_pop();
	return report_summary();
}
