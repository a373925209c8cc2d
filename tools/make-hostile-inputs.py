#!/usr/bin/env python3
"""Writes the crafted hostile inputs of Tests/IntegrationTests/HostileInputTests.swift
(issue 6 section 3) into DIR. Deterministic; stdlib only.

    tools/make-hostile-inputs.py DIR

bomb.pb.gz             17 gzip members of 64 MiB of zeros each: 1 GiB + 64 MiB inflated
                       (the readers stop at 1 GiB), 1.1 MB on disk
bomb-nested.pb.gz      gzip of gzip of 2 GiB of zeros (the inner layer is not inflated)
absurd-length.pb       field 1 (sample_type), length-delimited, length 2^62
absurd-length-inner.pb a sample_type message whose inner field 1 claims 2^40 bytes
truncated.pb.gz        the first 40 bytes of a gzipped valid profile
negative-length.pb     a length varint of 10 bytes (0xff... 0x01: 2^64-1)
missing-location.pb    a sample that refers to location id 7, which no location has
missing-function.pb    a location whose line refers to function id 9, which none has
duplicate-location.pb  two locations with id 1 (the only way to make pprof's ids cyclic)
missing-string.pb      a sample type whose type refers to string 1000 of a 3-entry table
overflow-count.heap    a text dump whose first sample count is 99999999999999999999
overflow-header.heap   a header whose total bytes is 18446744073709551616
overflow-address.heap  a frame address with 17 hex digits
overflow-rate.heap     a heap_v2 header whose rate is 2^64
overflow-jemalloc.heap a jemalloc heap_v2 profile with an overflowing t* count
million-frames.heap    one sample whose stack has 1,000,000 frames
not-elf.heap           a valid dump whose mapping names DIR/not-elf.so, a text file
truncated-elf.heap     a valid dump whose mapping names DIR/truncated.so, the first 100
                       bytes of an ELF header (written here, not copied from a binary)
"""
import gzip
import io
import os
import struct
import sys
import zlib


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload):
    """Length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def vfield(number, value):
    return varint(number << 3 | 0) + varint(value)


def strings(*s):
    return b"".join(field(6, x.encode()) for x in s)


def value_type(t, u):
    return vfield(1, t) + vfield(2, u)


def gzip_member(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def main(out):
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    member = gzip_member(b"\0" * (64 << 20))
    put("bomb.pb.gz", member * 17)
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (64 << 20)
    parts = [inner.compress(chunk) for _ in range(32)]
    parts.append(inner.flush())
    put("bomb-nested.pb.gz", gzip_member(b"".join(parts)))

    base = strings("", "space", "bytes")  # string table
    st = field(1, value_type(1, 2))        # sample_type space/bytes
    sample1 = field(2, field(1, varint(1)) + field(2, varint(100)))  # location 1, value 100
    put("absurd-length.pb", varint(1 << 3 | 2) + varint(1 << 62) + b"\x08\x01")
    put("absurd-length-inner.pb", base + field(1, varint(1 << 3 | 2) + varint(1 << 40)) + sample1)
    put("negative-length.pb", base + varint(1 << 3 | 2) + b"\xff" * 9 + b"\x01" + b"\x08\x01")
    sample = field(2, field(1, varint(7)) + field(2, varint(100)))  # location_id 7 (packed), value 100
    put("missing-location.pb", base + st + sample)
    location = field(4, vfield(1, 1) + field(4, vfield(1, 9) + vfield(2, 12)))  # line in function 9
    put("missing-function.pb", base + st + location + sample1)
    put("truncated.pb.gz", gzip_member(base + st + field(4, vfield(1, 1) + vfield(3, 0x1000)) + sample1 * 50)[:40])
    loc1 = field(4, vfield(1, 1) + vfield(3, 0x1000))
    put("duplicate-location.pb", base + st + loc1 + loc1 + sample1)
    put("missing-string.pb", base + field(1, value_type(1000, 2)) + sample1)

    maps = ("\nMAPPED_LIBRARIES:\n"
            "555555554000-555555556000 r-xp 00000000 08:01 1234 /usr/bin/true\n")
    put("overflow-count.heap", (
        "heap profile: 1: 100 [ 1: 100] @ heapprofile\n"
        "99999999999999999999: 100 [ 1: 100] @ 0x0000555555554100\n" + maps).encode())
    put("overflow-header.heap", (
        "heap profile: 1: 18446744073709551616 [ 1: 100] @ heapprofile\n"
        "1: 100 [ 1: 100] @ 0x0000555555554100\n" + maps).encode())
    put("overflow-address.heap", (
        "heap profile: 1: 100 [ 1: 100] @ heapprofile\n"
        "1: 100 [ 1: 100] @ 0x10000555555554100\n" + maps).encode())
    put("overflow-rate.heap", (
        "heap profile: 1: 100 [ 1: 100] @ heap_v2/18446744073709551616\n"
        "1: 100 [ 1: 100] @ 0x0000555555554100\n" + maps).encode())
    put("overflow-jemalloc.heap", (
        "heap_v2/524288\n"
        "  t*: 1: 100 [0: 0]\n"
        "@ 0x555555554100\n"
        "  t*: 99999999999999999999: 100 [0: 0]\n"
        "  t0: 1: 100 [0: 0]\n" + maps).encode())
    frames = " ".join("0x%016x" % (0x555555554100 + (i % 4000)) for i in range(1_000_000))
    put("million-frames.heap", (
        "heap profile: 1: 100 [ 1: 100] @ heapprofile\n"
        "1: 100 [ 1: 100] @ " + frames + "\n" + maps).encode())

    def dump_with(lib):
        return ("heap profile: 2: 300 [ 2: 300] @ heapprofile\n"
                "2: 300 [ 2: 300] @ 0x00007f0000001234 0x00007f0000001500\n"
                "\nMAPPED_LIBRARIES:\n"
                "7f0000000000-7f0000010000 r-xp 00000000 08:01 99 %s\n" % lib).encode()

    put("not-elf.so", b"this is not an ELF file, only text that a mapping points at\n" * 20)
    elf = bytearray(b"\x7fELF\x02\x01\x01" + b"\0" * 9)   # e_ident: 64-bit, little endian
    elf += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0x1040, 64, 0x10000, 0, 64, 56, 9, 64, 30, 29)
    put("truncated.so", bytes(elf + b"\0" * (100 - len(elf))))
    put("not-elf.heap", dump_with(os.path.join(os.path.abspath(out), "not-elf.so")))
    put("truncated-elf.heap", dump_with(os.path.join(os.path.abspath(out), "truncated.so")))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
