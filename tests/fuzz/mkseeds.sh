#!/usr/bin/env bash
# tests/fuzz/mkseeds.sh PAYLOAD OUTDIR: seed corpora for the fuzz targets.
#   OUTDIR/elf/      the valid payload, truncations of it (inside the ELF
#                    header, the program headers, the first segment) and
#                    one byte flipped in the header fields the loader checks
#   OUTDIR/channel/  fuzz_channel inputs (2-byte block offset, 1 flag byte,
#                    then guest RAM): a request block for every v1 op with
#                    argsz values around the ops' sizes, and a block whose
#                    GPA lies above RAM
set -u
payload=$1 out=$2
[ -f "$payload" ] || { echo "mkseeds: $payload not built" >&2; exit 2; }
rm -rf "$out/elf" "$out/channel" "$out/migstream"
mkdir -p "$out/elf" "$out/channel" "$out/migstream" || exit 2
size=$(stat -c %s "$payload")

cp "$payload" "$out/elf/valid"
for n in 0 4 16 51 52 60 100 200 4096 $((size / 2)) $((size - 1)); do
	[ "$n" -lt "$size" ] && head -c "$n" "$payload" >"$out/elf/trunc-$n"
done
# flip one byte: class, data, type, machine, phoff, phentsize, phnum
for off in 4 5 16 18 28 42 44; do
	{
		head -c "$off" "$payload"
		printf '\xff'
		tail -c +$((off + 2)) "$payload"
	} >"$out/elf/flip-$off"
done

# e_phnum = PN_XNUM (0xffff): the count moves to section header 0's sh_info
{
	head -c 44 "$payload"
	printf '\xff\xff'
	tail -c +47 "$payload"
} >"$out/elf/xnum"

# byte N... -> the bytes N & 255 on stdout
byte() {
	local n
	for n in "$@"; do printf '%b' "\\x$(printf %02x $((n & 255)))"; done
}
# le32 N -> 4 bytes little-endian on stdout
le32() { byte "$1" $(($1 >> 8)) $(($1 >> 16)) $(($1 >> 24)); }
# block OFFSET FLAG ARGSZ OP: header at OFFSET, zero op data up to ARGSZ
block() {
	byte "$1" $(($1 >> 8)) "$2"
	le32 "$3"; le32 "$4"; le32 0; le32 0
	[ "$3" -gt 16 ] && head -c $(($3 - 16)) /dev/zero
	return 0
}
for op in 0x0001 0x0002 0x0003 0x0101 0x0102 0x0103 0x0104 0x0201 0x0202 0x0203 \
	0x0210 0x0211 0x0212 0x0301 0x0302 0x7fff; do
	for sz in 16 24 40 48 72 416; do
		block 256 0 "$sz" "$op" >"$out/channel/op-$op-$sz"
	done
done
# HELLO from a v1 client (client_version 1): the one that succeeds
{
	byte 0 1 0
	le32 56
	le32 1
	le32 0
	le32 0
	le32 1
	head -c 36 /dev/zero
} >"$out/channel/hello-v1"
block 0 1 48 0x0001 >"$out/channel/above-ram"
block 65530 0 48 0x0001 >"$out/channel/straddle-end"

# migstream: docs/migration.md streams (the target fixes up total and
# checksum itself): header, a VM record (32 bytes: 64 MiB, 1 vCPU), optional records,
# the end record.  le64 N -> 8 bytes little-endian.
le64() { le32 "$1"; le32 $(($1 >> 32)); }
rec() { le32 "$1"; le32 "$2"; le64 "$3"; [ "$3" -gt 0 ] && head -c $((($3 + 7) / 8 * 8)) /dev/zero; return 0; }
mig() {
	printf 'VMCMIGR\0'; le32 2; le32 0; le64 0
	le32 1; le32 0; le64 32; le64 $((64 << 20)); le32 1; le32 0; le32 0; le32 0; le64 0
	cat
	le32 0; le32 0; le64 8; le64 0
}
: | mig >"$out/migstream/vm-only"
{ rec 16 0 144; rec 17 0 312; rec 21 0 32; } | mig >"$out/migstream/vcpu"
{ rec 2 0 4112; } | mig >"$out/migstream/mem"
# version 2: all eight family records; the exit-log one (4) with its header
# (no exits, 1 vCPU) and one zeroed 480-byte per-vCPU block (no mark, no
# EXPECT); the devices one (8) with 2 console blocks (1 vCPU + the boot one)
{
	rec 32 1 5688; rec 32 2 288; rec 32 3 22128
	le32 32; le32 4; le64 504; le64 0; le64 0; le32 1; le32 0; head -c 480 /dev/zero
	rec 32 5 400; rec 32 6 8; rec 32 7 8
	le32 32; le32 8; le64 48; le64 0; le32 0; le32 2; head -c 32 /dev/zero
} | mig >"$out/migstream/families"
