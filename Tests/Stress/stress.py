#!/usr/bin/env python3
"""Stress and fault suite of libheapprof.so (issue 6 sections 1 and 2), run by tools/stress.

Every scenario runs a program of Tests/Stress/programs twice: once plainly and once under
the runtime. It checks that
  - exit status, stdout and stderr are the same in both runs (faults: exactly one stderr
    line from the runtime, and nothing else changes);
  - every dump is complete: header, site lines, '# heapprof:' line, build-id lines, blank line,
    MAPPED_LIBRARIES: and the maps, ending with a newline; header totals = sum of lines;
  - the final dump of every process holds exactly what the program says it did (the
    'expect' lines it appends to $STRESS_EXPECT, see programs/stress.h);
  - successive dumps of one process never lose allocations (alloc columns only grow);
  - no '.tmp' file is left and no partial dump exists under a final name.

Usage: stress.py --runtime LIB --build DIR [--quick] [--only NAME]
Prints one line per scenario ("PASS name: facts" or "FAIL name: reason") and ends with
"N passed, M failed"; exits 1 when anything failed.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
FIGURES = {"threads": 0, "allocations": 0, "dumps": 0, "processes": 0, "faults": 0}


class Failure(Exception):
    pass


# ---------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------
def build(out):
    os.makedirs(out, exist_ok=True)
    flags = ["-g", "-O0", "-pthread", "-Wall", "-Wno-alloc-size-larger-than", "-I", PROGRAMS]
    libs = {"stressplugin": "libstressplugin.so", "slowwrite": "libslowwrite.so"}
    for name in sorted(os.listdir(PROGRAMS)):
        if not name.endswith(".c"):
            continue
        stem = name[:-2]
        src = os.path.join(PROGRAMS, name)
        target = os.path.join(out, libs.get(stem, stem))
        if os.path.exists(target) and os.path.getmtime(target) >= max(
                os.path.getmtime(src), os.path.getmtime(os.path.join(PROGRAMS, "stress.h"))):
            continue
        extra = ["-shared", "-fPIC"] if stem in libs else []
        cmd = ["cc"] + flags + extra + ["-o", target, src, "-ldl"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("stress: %s failed:\n%s" % (" ".join(cmd), r.stderr))
    return out


# ---------------------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------------------
COUNTS = re.compile(r"^\s*(\d+):\s+(\d+)\s+\[\s*(\d+):\s+(\d+)\]\s+@\s?(.*)$")


class Dump:
    """One dump, checked for completeness while it is read."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise Failure("%s: not ASCII" % path)
        if not text.endswith("\n"):
            raise Failure("%s: does not end with a newline (half-written?)" % path)
        rows = text.split("\n")[:-1]
        m = COUNTS.match(rows[0][len("heap profile:"):]) if rows and rows[0].startswith("heap profile:") else None
        if not m or m.group(5) not in ("heapprofile",) and not m.group(5).startswith("heap_v2/"):
            raise Failure("%s: bad header %r" % (path, rows[0] if rows else ""))
        self.header = [int(m.group(i)) for i in range(1, 5)]
        self.lines = []
        i = 1
        while i < len(rows) and rows[i] and not rows[i].startswith("#"):
            m = COUNTS.match(rows[i])
            if not m:
                raise Failure("%s:%d: bad site line %r" % (path, i + 1, rows[i]))
            frames = [int(w, 16) for w in m.group(5).split()]
            if not frames:
                raise Failure("%s:%d: site without frames" % (path, i + 1))
            self.lines.append(([int(m.group(k)) for k in range(1, 5)], frames))
            i += 1
        if i >= len(rows) or not rows[i].startswith("# heapprof: "):
            raise Failure("%s: no '# heapprof:' line after the sites" % path)
        self.meta = dict(w.split("=", 1) for w in rows[i][len("# heapprof: "):].split() if "=" in w)
        self.build_ids = []
        while i + 1 < len(rows) and rows[i + 1].startswith("# heapprof-build-id: "):
            words = rows[i + 1].split()
            if len(words) != 4 or not re.fullmatch(r"0x[0-9a-f]{16}", words[2]) or not re.fullmatch(r"[0-9a-f]+", words[3]):
                raise Failure("%s: bad build-id line %r" % (path, rows[i + 1]))
            self.build_ids.append((words[2], words[3]))
            i += 1
        if i + 2 >= len(rows) or rows[i + 1] != "" or rows[i + 2] != "MAPPED_LIBRARIES:":
            raise Failure("%s: no blank line + MAPPED_LIBRARIES: after the metadata" % path)
        self.maps = rows[i + 3:]
        if not self.maps or not any("[stack]" in r for r in self.maps):
            raise Failure("%s: maps section is empty or cut short" % path)
        sums = [sum(l[0][k] for l in self.lines) for k in range(4)]
        if sums != self.header:
            raise Failure("%s: header %s != sum of lines %s" % (path, self.header, sums))
        self.pid = int(self.meta.get("pid", "0"))
        self.seq = int(self.meta.get("seq", "0"))


class Symbols:
    """Function ranges of the ELF objects named in a dump's maps (program and libraries
    built by this suite), at their load addresses."""

    def __init__(self, dump, objects):
        self.ranges = []
        for obj in objects:
            real = os.path.realpath(obj)
            base = None
            for row in dump.maps:
                f = row.split()
                if len(f) >= 6 and f[5] == real and int(f[2], 16) == 0:
                    base = int(f[0].split("-")[0], 16)
                    break
            if base is None:
                continue
            out = subprocess.run(["nm", "-S", "--defined-only", obj], capture_output=True, text=True).stdout
            for row in out.splitlines():
                f = row.split()
                if len(f) == 4 and f[2] in "tTwW":
                    start = base + int(f[0], 16)
                    self.ranges.append((start, start + int(f[1], 16), f[3]))

    def name(self, return_address):
        pc = return_address - 1
        for start, end, name in self.ranges:
            if start <= pc < end:
                return name
        return None


def expectations(path):
    """{pid: [(kind, key, [4 numbers])...]} and {pid: dumps} from the expect file."""
    per_pid, dumps = {}, {}
    if not os.path.exists(path):
        return per_pid, dumps
    for row in open(path):
        f = row.split()
        if len(f) == 4 and f[2] == "dumps":
            dumps[int(f[1])] = int(f[3])
        elif len(f) == 8:
            per_pid.setdefault(int(f[1]), []).append((f[2], f[3], [int(x) for x in f[4:]]))
        else:
            raise Failure("%s: bad line %r" % (path, row))
    return per_pid, dumps


def check_dumps(workdir, prefix, objects, expect_path, extra_check=None):
    """Checks every dump in workdir against the expect file; returns facts for the report."""
    names = sorted(os.listdir(workdir))
    leftovers = [n for n in names if ".tmp" in n]
    if leftovers:
        raise Failure("temporary files left: %s" % leftovers)
    base = os.path.basename(prefix)
    pattern = re.compile(re.escape(base) + r"\.(\d+)\.(\d{4,})\.heap$")
    by_pid = {}
    for n in names:
        m = pattern.match(n)
        if m:
            d = Dump(os.path.join(workdir, n))
            if d.pid != int(m.group(1)) or d.seq != int(m.group(2)):
                raise Failure("%s: metadata pid=%d seq=%d do not match the name" % (n, d.pid, d.seq))
            by_pid.setdefault(d.pid, []).append(d)
    per_pid, ndumps = expectations(expect_path)
    allocations = 0
    for pid, wants in sorted(per_pid.items()):
        dumps = sorted(by_pid.get(pid, []), key=lambda d: d.seq)
        if not dumps:
            raise Failure("process %d stated its allocations but wrote no dump" % pid)
        if [d.seq for d in dumps] != list(range(1, len(dumps) + 1)):
            raise Failure("process %d: dump sequence %s has gaps" % (pid, [d.seq for d in dumps]))
        if pid in ndumps and len(dumps) != ndumps[pid]:
            raise Failure("process %d: %d dumps, expected %d" % (pid, len(dumps), ndumps[pid]))
        for a, b in zip(dumps, dumps[1:]):  # nothing is ever lost between dumps
            if b.header[2] < a.header[2] or b.header[3] < a.header[3]:
                raise Failure("%s: alloc totals %s fell below %s of the dump before" % (b.path, b.header[2:], a.header[2:]))
        final = dumps[-1]
        symbols = Symbols(final, objects)
        for kind, key, want in wants:
            if kind == "fn":
                got = [0, 0, 0, 0]
                for counts, frames in final.lines:
                    if symbols.name(frames[0]) == key:
                        got = [g + c for g, c in zip(got, counts)]
            else:
                size = int(key)
                got = [0, 0, 0, 0]
                for counts, frames in final.lines:
                    if counts[2] > 0 and counts[3] == counts[2] * size:
                        got = [g + c for g, c in zip(got, counts)]
            if got != want:
                raise Failure("%s: %s %s: dump says %s, the program did %s (inuse n, bytes, alloc n, bytes)"
                              % (final.path, kind, key, got, want))
            allocations += want[2]
        if extra_check:
            extra_check(final, symbols)
    FIGURES["allocations"] += allocations
    FIGURES["dumps"] += sum(len(v) for v in by_pid.values())
    FIGURES["processes"] += len(per_pid)
    return "%d processes, %d dumps, %d allocations exact" % (
        len(per_pid), sum(len(v) for v in by_pid.values()), allocations)


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------
# HEAPPROF_* variables passed on to every program: tools/test runs the suite a second time
# with HEAPPROF_FP_WALK=0 (every stack from libunwind).
KEPT = ("HEAPPROF_FP_WALK",)


def clean_env(scale):
    env = {k: v for k, v in os.environ.items()
           if (not k.startswith("HEAPPROF_") or k in KEPT) and k not in ("LD_PRELOAD", "STRESS_EXPECT")}
    env["STRESS_SCALE"] = str(scale)
    return env


def run(cmd, env, timeout=300):
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("%s did not finish within %d s (hang?)" % (" ".join(cmd), timeout))
    return r


def scenario(args, name, program, argv=(), env=None, objects=(), extra_check=None, threads=0):
    """Plain run, recorded run, comparison, dump checks."""
    exe = os.path.join(args.build, program)
    work = tempfile.mkdtemp(prefix="heapprof-stress-%s-" % name)
    try:
        prefix = os.path.join(work, "p")
        argv = [a.replace("{prefix}", prefix).replace("{build}", args.build) for a in argv]
        plain = run([exe] + argv, clean_env(args.scale))
        renv = clean_env(args.scale)
        renv.update(env or {})
        renv["LD_PRELOAD"] = args.runtime
        renv["HEAPPROF_OUT"] = prefix
        renv["STRESS_EXPECT"] = os.path.join(work, "expect.txt")
        t0 = time.time()
        rec = run([exe] + argv, renv)
        took = time.time() - t0
        for what, a, b in (("exit status", plain.returncode, rec.returncode), ("stdout", plain.stdout, rec.stdout),
                           ("stderr", plain.stderr, rec.stderr)):
            if a != b:
                raise Failure("%s differs: without runtime %r, with runtime %r" % (what, a, b))
        if plain.returncode != 0:
            raise Failure("the program itself failed (%d): %s" % (plain.returncode, plain.stderr.strip()))
        objs = [exe] + [os.path.join(args.build, o) for o in objects]
        facts = check_dumps(work, prefix, objs, renv["STRESS_EXPECT"], extra_check)
        FIGURES["threads"] += threads
        return "%s; %.1f s" % (facts, took)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def depth_check(max_depth, function):
    def check(dump, symbols):
        if int(dump.meta.get("max_depth", "0")) != max_depth:
            raise Failure("%s: max_depth=%s, expected %d" % (dump.path, dump.meta.get("max_depth"), max_depth))
        for counts, frames in dump.lines:
            if len(frames) > max_depth:
                raise Failure("%s: a stack of %d frames > HEAPPROF_MAX_DEPTH %d" % (dump.path, len(frames), max_depth))
        deep = [f for c, f in dump.lines if symbols.name(f[0]) == function]
        if not deep or any(len(f) != max_depth for f in deep):
            raise Failure("%s: %s stacks have %s frames, expected exactly %d" % (dump.path, function, [len(f) for f in deep], max_depth))
        if any(symbols.name(a) not in ("descend", function) for f in deep for a in f):
            raise Failure("%s: a truncated stack holds frames outside the recursion" % dump.path)
    return check


def stress_scenarios(args):
    return [
        ("threads8", lambda: scenario(args, "threads8", "threads8", threads=8)),
        ("threadstorm", lambda: scenario(args, "threadstorm", "threadstorm", threads=1000 * args.scale)),
        ("fork-mt", lambda: scenario(args, "fork-mt", "forkmt", threads=4)),
        ("fork-exec", lambda: scenario(args, "fork-exec", "forkexec", threads=2)),
        ("dlopen", lambda: scenario(args, "dlopen", "dlopenloop", ["{build}/libstressplugin.so"], threads=2)),
        ("sigusr2x100", lambda: scenario(args, "sigusr2x100", "signals", ["{prefix}"], threads=4)),
        ("realloc-chains", lambda: scenario(args, "realloc-chains", "reallocchain")),
        ("huge-zero-sizes", lambda: scenario(args, "huge-zero-sizes", "sizes")),
        ("malloc-failure", lambda: scenario(args, "malloc-failure", "ulimit")),
        ("deep-recursion-16", lambda: scenario(args, "deep-recursion-16", "deep", env={"HEAPPROF_MAX_DEPTH": "16"},
                                               extra_check=depth_check(16, "deep_alloc"))),
        ("deep-recursion-default", lambda: scenario(args, "deep-recursion-default", "deep",
                                                    extra_check=depth_check(64, "deep_alloc"))),
    ]


# ---------------------------------------------------------------------------------------
# Faults while dumping (section 2)
# ---------------------------------------------------------------------------------------
class Mount:
    """A small tmpfs mounted for one fault scenario."""

    def __init__(self, size="64k"):
        self.dir = tempfile.mkdtemp(prefix="heapprof-fault-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", self.dir],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(self.dir)
            raise Failure("cannot mount a tmpfs (run as root): %s" % r.stderr.strip())

    def close(self):
        subprocess.run(["umount", self.dir], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def fault_run(args, name, out_dir, during=None, env=None, ms=2500, preload_first=None):
    """Runs faulty under the runtime with HEAPPROF_OUT=out_dir/p and interval dumps every
    second; `during(proc)` acts while it runs. Returns (result, plain)."""
    exe = os.path.join(args.build, "faulty")
    plain = run([exe, str(ms)], clean_env(args.scale))
    renv = clean_env(args.scale)
    renv.update(env or {})
    renv["LD_PRELOAD"] = " ".join(([preload_first] if preload_first else []) + [args.runtime])
    renv["HEAPPROF_OUT"] = os.path.join(out_dir, "p")
    renv.setdefault("HEAPPROF_INTERVAL", "1")
    proc = subprocess.Popen([exe, str(ms)], env=renv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if during:
        during(proc)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failure("%s: the program hung" % name)
    FIGURES["faults"] += 1
    return proc, out, err, plain


def one_line(err, pid, out_dir, reason):
    want = re.compile(r"^heapprof: cannot write %s/p\.%d\.\d{4}\.heap: %s\n$" % (re.escape(out_dir), pid, re.escape(reason)))
    if not want.match(err):
        raise Failure("stderr should be one line 'heapprof: cannot write %s/p.%d.NNNN.heap: %s', got %r"
                      % (out_dir, pid, reason, err))


def same_output(proc, out, plain):
    if proc.returncode != plain.returncode or out != plain.stdout:
        raise Failure("exit %r / stdout %r differ from the plain run's %r / %r" % (proc.returncode, out, plain.returncode, plain.stdout))
    if "longest malloc under 1 s: yes" not in out:
        raise Failure("a malloc stalled for more than 1 s while dumping")


def no_partial(out_dir, pid):
    """Every dump under a final name is complete; no .tmp is left."""
    if not os.path.isdir(out_dir):
        return 0
    names = os.listdir(out_dir)
    tmp = [n for n in names if n.endswith(".tmp")]
    if tmp:
        raise Failure("temporary files left in %s: %s" % (out_dir, tmp))
    finals = [n for n in names if n.endswith(".heap")]
    for n in finals:
        Dump(os.path.join(out_dir, n))
    return len(finals)


def fault_dir_removed(args):
    work = tempfile.mkdtemp(prefix="heapprof-fault-rm-")
    out_dir = os.path.join(work, "out")
    os.mkdir(out_dir)

    def remove_after_first_dump(proc):
        deadline = time.time() + 5
        while time.time() < deadline and not any(n.endswith(".heap") for n in os.listdir(out_dir)):
            time.sleep(0.02)
        shutil.rmtree(out_dir)

    try:
        proc, out, err, plain = fault_run(args, "dir-removed", out_dir, remove_after_first_dump)
        same_output(proc, out, plain)
        one_line(err, proc.pid, out_dir, "No such file or directory")
        if os.path.exists(out_dir):
            raise Failure("the runtime re-created the removed directory")
        return "exit 0, one stderr line: %s" % err.strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fault_disk_full(args, leave):
    m = Mount("64k")
    try:
        filler = os.path.join(m.dir, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4096"], capture_output=True)
        if leave:
            os.truncate(filler, os.path.getsize(filler) - leave)
        proc, out, err, plain = fault_run(args, "disk-full", m.dir)
        same_output(proc, out, plain)
        one_line(err, proc.pid, m.dir, "No space left on device")
        n = no_partial(m.dir, proc.pid)
        if n != 0 and not leave:
            raise Failure("%d dumps were written into a full file system" % n)
        return "exit 0, %d complete dumps, no partial file, one stderr line: %s" % (n, err.strip())
    finally:
        m.close()


def fault_read_only(args):
    m = Mount("64k")
    try:
        r = subprocess.run(["mount", "-o", "remount,ro", m.dir], capture_output=True, text=True)
        if r.returncode != 0:
            raise Failure("cannot remount read-only: %s" % r.stderr.strip())
        proc, out, err, plain = fault_run(args, "read-only", m.dir)
        same_output(proc, out, plain)
        one_line(err, proc.pid, m.dir, "Read-only file system")
        return "exit 0, one stderr line: %s" % err.strip()
    finally:
        m.close()


def fault_slow_writer(args):
    work = tempfile.mkdtemp(prefix="heapprof-fault-slow-")
    try:
        t0 = time.time()
        proc, out, err, plain = fault_run(args, "slow-writer", work, env={"SLOW_WRITE_MS": "20"},
                                          preload_first=os.path.join(args.build, "libslowwrite.so"))
        took = time.time() - t0
        same_output(proc, out, plain)
        if err:
            raise Failure("stderr %r, expected nothing" % err)
        n = no_partial(work, proc.pid)
        if n < 2:
            raise Failure("only %d dumps were written through the slow writer" % n)
        return "exit 0, %d complete dumps written 512 B per 20 ms, %.1f s, no malloc stalled 1 s" % (n, took)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fault_killed_mid_dump(args):
    """SIGKILL while a slow dump is being written: the final name never appears."""
    work = tempfile.mkdtemp(prefix="heapprof-fault-kill-")
    try:
        exe = os.path.join(args.build, "faulty")
        env = clean_env(args.scale)
        env.update({"LD_PRELOAD": os.path.join(args.build, "libslowwrite.so") + " " + args.runtime,
                    "HEAPPROF_OUT": os.path.join(work, "p"), "SLOW_WRITE_MS": "200"})
        proc = subprocess.Popen([exe, "20000"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.3)
        proc.send_signal(signal.SIGUSR2)
        tmp = "%s/p.%d.0001.heap.tmp" % (work, proc.pid)
        deadline = time.time() + 5
        while time.time() < deadline and not (os.path.exists(tmp) and os.path.getsize(tmp) > 0):
            time.sleep(0.01)
        if not os.path.exists(tmp):
            proc.kill()
            proc.communicate()
            raise Failure("the dump asked for by SIGUSR2 did not start within 5 s")
        proc.kill()
        proc.communicate()
        FIGURES["faults"] += 1
        finals = [n for n in os.listdir(work) if n.endswith(".heap")]
        if finals:
            raise Failure("a dump killed while writing appeared under its final name: %s" % finals)
        return "killed at %d bytes written; no file under the final name (the .tmp stays: SIGKILL)" % os.path.getsize(tmp)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fault_scenarios(args):
    return [
        ("fault-dir-removed", lambda: fault_dir_removed(args)),
        ("fault-disk-full", lambda: fault_disk_full(args, 0)),
        ("fault-disk-nearly-full", lambda: fault_disk_full(args, 4096)),
        ("fault-read-only", lambda: fault_read_only(args)),
        ("fault-slow-writer", lambda: fault_slow_writer(args)),
        ("fault-killed-mid-dump", lambda: fault_killed_mid_dump(args)),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runtime", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default=None, help="run the scenarios whose name contains this")
    args = p.parse_args()
    args.scale = 1 if args.quick else 10
    args.runtime = os.path.abspath(args.runtime)
    args.build = build(os.path.abspath(args.build))
    passed = failed = 0
    print("stacks: %s" % ("libunwind only (HEAPPROF_FP_WALK=0)" if os.environ.get("HEAPPROF_FP_WALK") == "0"
                          else "frame-pointer walk, verified by libunwind"), flush=True)
    for name, fn in stress_scenarios(args) + fault_scenarios(args):
        if args.only and args.only not in name:
            continue
        try:
            facts = fn()
            print("PASS %s: %s" % (name, facts), flush=True)
            passed += 1
        except Failure as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            failed += 1
    print("figures: %d threads, %d allocations checked exactly, %d dumps, %d processes, %d faults, 0 losses"
          % (FIGURES["threads"], FIGURES["allocations"], FIGURES["dumps"], FIGURES["processes"], FIGURES["faults"])
          if failed == 0 else "figures: not reported (failures)")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
