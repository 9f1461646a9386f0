#!/usr/bin/env python3
"""Copy kernel modules and their dependencies out of an extracted kernel package.

usage: kmods.py MODULES_DIR DEST_DIR NAME...

MODULES_DIR is lib/modules/<release> of the extracted package. Each named module and
everything it depends on (read from the `depends=` field of its .modinfo section, as
modinfo would) is written decompressed to DEST_DIR/<name>.ko, so the guest needs only
busybox insmod. The load order, dependencies first, is printed one file name a line.
A name the package has no module for is reported on stderr and skipped: the kernel
may have it built in (the caller checks the config).
"""

import gzip
import lzma
import os
import shutil
import struct
import subprocess
import sys

SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")


def canonical(name):
    return name.replace("-", "_")


def index(modules_dir):
    found = {}
    for root, _dirs, files in os.walk(modules_dir):
        for f in files:
            for suffix in SUFFIXES:
                if f.endswith(suffix):
                    found.setdefault(canonical(f[: -len(suffix)]), os.path.join(root, f))
    return found


def read_module(path):
    if path.endswith(".xz"):
        return lzma.decompress(open(path, "rb").read())
    if path.endswith(".gz"):
        return gzip.decompress(open(path, "rb").read())
    if path.endswith(".zst"):
        if shutil.which("zstd") is None:
            sys.exit(f"{path} is zstd-compressed and zstd is not installed; install Debian's zstd")
        return subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return open(path, "rb").read()


def modinfo(elf):
    """The key=value strings of an ELF64 little-endian module's .modinfo section."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not an ELF64 little-endian object")
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def section(i):
        base = shoff + i * shentsize
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", elf, base)
        return name, offset, size

    _, str_off, _ = section(shstrndx)
    for i in range(shnum):
        name, offset, size = section(i)
        end = elf.index(b"\0", str_off + name)
        if elf[str_off + name : end] == b".modinfo":
            fields = {}
            for entry in elf[offset : offset + size].split(b"\0"):
                key, sep, value = entry.partition(b"=")
                if sep:
                    fields.setdefault(key.decode(), value.decode())
            return fields
    return {}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[2])
    modules_dir, dest = sys.argv[1], sys.argv[2]
    available = index(modules_dir)
    os.makedirs(dest, exist_ok=True)
    order, visiting, done = [], set(), set()

    def visit(name):
        name = canonical(name)
        if name in done:
            return
        if name in visiting:
            sys.exit(f"module dependency cycle through {name}")
        path = available.get(name)
        if path is None:
            print(f"kmods: no module {name} in {modules_dir} (built in?)", file=sys.stderr)
            done.add(name)
            return
        visiting.add(name)
        elf = read_module(path)
        for dep in filter(None, modinfo(elf).get("depends", "").split(",")):
            visit(dep)
        visiting.discard(name)
        done.add(name)
        with open(os.path.join(dest, name + ".ko"), "wb") as out:
            out.write(elf)
        order.append(name + ".ko")

    for wanted in sys.argv[3:]:
        visit(wanted)
    print("\n".join(order))


if __name__ == "__main__":
    main()
