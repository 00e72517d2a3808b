#!/usr/bin/env python3
"""make bench's report: reads DIR/raw.jsonl (one line per kucbench run,
with "round" and "env") and DIR/conditions.json, prints the tables and
the issue-15 goals (ratios computed within each round, then the median
and min-max over rounds), writes DIR/results.json, DIR/table.txt and,
with gnuplot, DIR/chart.png. Exit status 1 when a run failed or a message
was wrong (never on speed)."""
import json
import os
import shutil
import statistics
import subprocess
import sys

ENVS = {"host": "host (two processes / two threads)",
        "vm2": "VM, 2 vCPUs (TCG)",
        "vm2cpu0": "VM, 2 vCPUs, client and kernel thread pinned to vCPU 0 (TCG)",
        "vm1": "VM, 1 vCPU (TCG)"}
SIZES = [64, 4096, 65536]
ORDER = ["kuc-shm", "kuc-shm-batch", "kuc-shm-busy", "kuc-pair", "kuc-pair-batch",
         "kuc-pair-busy", "pipe", "pipe-batch", "unix-seqpacket", "unix-stream",
         "spsc", "pingpong", "memcpy", "kuc-dev", "kuc-dev-zc", "kuc-dev-poll",
         "kuc-dev-direct", "kuc-dev-batch", "chr", "genl", "genl-batch"]
# In the VM, the floors (host cases run in the guest) after the rest.
VM_ORDER = [c for c in ORDER if c.startswith("kuc-dev")] + \
    ["chr", "genl", "genl-batch", "spsc", "memcpy", "pipe", "pingpong"]


def per_msg(run):
    """Per-message counts of one run: each side's and the totals."""
    n = max(run["msgs"], 1)
    out = {"cpu_ns": sum(s["cpu_ns"] for s in run["sides"].values()) / n}
    for side, s in run["sides"].items():
        out[side] = {k: (s[k] / n if s[k] >= 0 else None)
                     for k in ("cpu_ns", "csw", "vcsw", "ivcsw", "syscalls",
                               "wakeups", "kicks", "waits")}
    return out


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values)}


def fmt_rate(v):
    if v is None:
        return "-"
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.3g}{unit}"
    return f"{v:.3g}"


def fmt_us(ns):
    return "-" if ns is None else f"{ns / 1000:.3g}"


def fmt_range(s, f):
    if not s:
        return "-"
    if s["n"] == 1:
        return f(s["median"])
    return f"{f(s['median'])} [{f(s['min'])}-{f(s['max'])}]"


def fmt_count(v):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    return f"{v:.2g}" if v < 10 else f"{v:.0f}"


def load(d):
    runs = []
    with open(os.path.join(d, "raw.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    runs.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"report: bad line: {line[:80]}", file=sys.stderr)
    cond = {}
    try:
        with open(os.path.join(d, "conditions.json")) as f:
            cond = json.load(f)
    except (OSError, json.JSONDecodeError):
        pass
    return runs, cond


def index(runs):
    """(env, case, mode, size) -> {round: run}"""
    idx = {}
    for r in runs:
        idx.setdefault((r["env"], r["case"], r["mode"], r["size"]), {})[r["round"]] = r
    return idx


# What only the counted runs measure: an enabled tracepoint counts them
# (bench/cases.sh, kb_measure). Everything else comes from the timed runs.
TRACED = ("syscalls", "wakeups")


def split(runs):
    """The timed runs (no tracepoints) and the counted ones, each indexed.
    Runs without untraced ones (kb_rounds alone, or lines without
    "traced" from before) serve as both."""
    timed = [r for r in runs if not r.get("traced", True)]
    return (index(timed or runs),
            index([r for r in runs if r.get("traced", True)]))


def counted_pms(cidx, key):
    """per_msg() of the counted runs of @key that are ok."""
    return [per_msg(r) for r in cidx.get(key, {}).values() if r["ok"]]


def metric(run, what):
    if what == "rate":
        return run["msgs_per_s"]
    if what == "bytes":
        return run["bytes_per_s"]
    if what == "rtt":
        return run["rtt_med_ns"]
    raise KeyError(what)


def ratio(idx, env, a, b, mode, size, what, invert=False):
    """a/b within each round where both ran: summary over rounds."""
    ra = idx.get((env, a, mode, size), {})
    rb = idx.get((env, b, mode, size), {})
    vals = []
    for rnd in sorted(set(ra) & set(rb)):
        x, y = metric(ra[rnd], what), metric(rb[rnd], what)
        if ra[rnd]["ok"] and rb[rnd]["ok"] and x > 0 and y > 0:
            vals.append(y / x if invert else x / y)
    return summary(vals)


def ratio_how(a, b, what):
    """What a ratio() divides, as the goal lines say it."""
    return f"{a}/{b} {'median RTT' if what == 'rtt' else what}"


# The floors against what the goals compare: (what, a, b, mode, size,
# metric). A VM streaming case counts echoes, a floor one-way messages
# or copies; an echo is two one-way messages.
BOUNDS = [
    ("VM 64 B: the bare ring in the guest, one way, vs chardev echoes", "spsc", "chr", "stream", 64, "rate"),
    ("VM 64 B: kuc-dev echoes vs the bare ring one way", "kuc-dev", "spsc", "stream", 64, "rate"),
    ("VM 4 KiB: memcpy of 4 KiB in the guest vs chardev echoes", "memcpy", "chr", "stream", 4096, "rate"),
    ("VM 64 KiB: memcpy of 64 KiB in the guest vs chardev echoes", "memcpy", "chr", "stream", 65536, "rate"),
    ("VM round trip 64 B: a pipe between two processes (a blocking handoff each way) vs chardev", "pipe", "chr", "rtt", 64, "rtt"),
    ("VM round trip 64 B: kuc-dev (blocking) vs the pipe", "kuc-dev", "pipe", "rtt", 64, "rtt"),
    ("VM round trip 64 B: the bare ring, both sides spinning, vs chardev", "spsc", "chr", "rtt", 64, "rtt"),
    ("VM round trip 64 B: kuc-dev-poll vs the bare ring", "kuc-dev-poll", "spsc", "rtt", 64, "rtt"),
    ("VM round trip 64 B: one cache line bounced vs chardev", "pingpong", "chr", "rtt", 64, "rtt"),
]


def goals(idx, cidx):
    g = []

    def add(name, target, op, s, how):
        met = None
        if s:
            met = s["median"] >= target if op == ">=" else s["median"] <= target
        g.append({"goal": name, "target": f"{op} {target}", "measured": s,
                  "met": met, "how": how})

    # (goal, env or "vm" for both guests, a, b, mode, size, metric, op, target)
    table = [
        ("VM 64 B streaming vs chardev", "vm", "kuc-dev", "chr", "stream", 64, "rate", ">=", 10),
        ("VM 64 B streaming vs generic netlink", "vm", "kuc-dev", "genl", "stream", 64, "rate", ">=", 40),
        ("VM 4 KiB streaming vs chardev", "vm", "kuc-dev", "chr", "stream", 4096, "rate", ">=", 2),
        ("VM 64 KiB streaming vs chardev", "vm", "kuc-dev", "chr", "stream", 65536, "rate", ">=", 1.5),
        ("VM 64 B streaming vs chardev, zero-copy endpoint", "vm", "kuc-dev-zc", "chr", "stream", 64, "rate", ">=", 10),
        ("VM 4 KiB streaming vs chardev, zero-copy endpoint", "vm", "kuc-dev-zc", "chr", "stream", 4096, "rate", ">=", 2),
        ("VM 64 KiB streaming vs chardev, zero-copy endpoint", "vm", "kuc-dev-zc", "chr", "stream", 65536, "rate", ">=", 1.5),
        ("VM blocking round trip vs chardev, 64 B", "vm", "kuc-dev", "chr", "rtt", 64, "rtt", "<=", 1.5),
        ("VM blocking round trip with polling vs chardev, 64 B", "vm", "kuc-dev-poll", "chr", "rtt", 64, "rtt", "<=", 0.5),
        ("VM blocking round trip with direct delivery vs chardev, 64 B", "vm", "kuc-dev-direct", "chr", "rtt", 64, "rtt", "<=", 1.5),
        ("shm 64 B kuc_send/kuc_recv vs batched pipe", "host", "kuc-shm", "pipe-batch", "stream", 64, "rate", ">=", 1),
        ("shm 64 B kuc_send/kuc_recv vs one-write pipe", "host", "kuc-shm", "pipe", "stream", 64, "rate", ">=", 13),
        ("shm 64 B best batched vs batched pipe", "host", "kuc-shm-batch", "pipe-batch", "stream", 64, "rate", ">=", 2),
        ("shm 64 B best batched vs bare ring floor", "host", "kuc-shm-batch", "spsc", "stream", 64, "rate", ">=", 0.5),
        ("shm busy round trip vs cache-line ping-pong, 64 B", "host", "kuc-shm-busy", "pingpong", "rtt", 64, "rtt", "<=", 1.5),
        ("shm 64 KiB bulk (bytes/s) vs memcpy of 64 KiB", "host", "kuc-shm-batch", "memcpy", "stream", 65536, "bytes", ">=", 0.5),
    ]
    for name, envs, a, b, mode, size, what, op, target in table:
        for env in (("vm2", "vm2cpu0", "vm1") if envs == "vm" else (envs,)):
            sfx = {"vm1": " (1 vCPU)", "vm2cpu0": " (pinned to vCPU 0)"}.get(env, "")
            add(name + sfx, target, op, ratio(idx, env, a, b, mode, size, what),
                ratio_how(a, b, what))
    # What bounds the VM goals: the floors run in the same guest
    # (bench/cases.sh, KB_VM_FLOOR_*) against the chardev and kucomms,
    # same-round ratios like the goals'. Lines only where both ran.
    for name, a, b, mode, size, what in BOUNDS:
        for env in ("vm2", "vm1"):
            s = ratio(idx, env, a, b, mode, size, what)
            if s:
                g.append({"goal": name + ("" if env == "vm2" else " (1 vCPU)"),
                          "target": None, "measured": s, "met": None,
                          "bound": True,
                          "how": ratio_how(a, b, what)})
    # Streaming counts: the worst side, per kucomms case and size.
    for env, cases in (("host", ("kuc-shm", "kuc-shm-batch", "kuc-pair",
                                 "kuc-pair-batch")),
                       ("vm2", ("kuc-dev", "kuc-dev-zc", "kuc-dev-batch")),
                       ("vm2cpu0", ("kuc-dev", "kuc-dev-zc", "kuc-dev-batch")),
                       ("vm1", ("kuc-dev", "kuc-dev-zc", "kuc-dev-batch"))):
        for case in cases:
            for size in SIZES:
                rs = idx.get((env, case, "stream", size), {})
                if not rs:
                    continue
                wk, cs = [], []
                for pm in counted_pms(cidx, (env, case, "stream", size)):
                    # Wakeup calls: libkuc's kicks (FUTEX_WAKE or the
                    # kick ioctl); the kernel thread's wakeups of a user
                    # waiter (a tracepoint: counted runs only).
                    wk.append(max([0.0] + [
                        max(s["kicks"] or 0,
                            s["wakeups"] or 0 if side == "kthread" else 0)
                        for side, s in pm.items() if side != "cpu_ns"]))
                for run in rs.values():
                    pm = per_msg(run)
                    cs.append(max([0.0] + [pm[side]["csw"] or 0
                                           for side in run["sides"]]))
                add(f"{env} {case} {size} B: wakeup calls/msg, worst side",
                    0.01, "<=", summary(wk), "kicks (user), wakeups (kthread)")
                add(f"{env} {case} {size} B: context switches/msg, worst side",
                    0.01, "<=", summary(cs), "perf context-switches per side")
    return g


def cases_of(idx, env, mode):
    seen = []
    for (e, c, m, _), _r in idx.items():
        if e == env and m == mode and c not in seen:
            seen.append(c)
    order = ORDER if env == "host" else VM_ORDER
    return sorted(seen, key=lambda c: order.index(c) if c in order else len(order))


def tables(idx, cidx, brief=False):
    out = []
    for env, title in ENVS.items():
        if not any(k[0] == env for k in idx):
            continue
        out.append(f"== {title}")
        out.append("streaming, messages/s: median [min-max] over rounds "
                   "(VM: echoes/s with a window in flight)")
        out.append(f"{'case':16}" + "".join(f"{str(s) + ' B':>28}" for s in SIZES))
        for c in cases_of(idx, env, "stream"):
            row = f"{c:16}"
            for s in SIZES:
                rs = idx.get((env, c, "stream", s), {})
                row += " " + f"{fmt_range(summary([r['msgs_per_s'] for r in rs.values() if r['ok']]), fmt_rate):>27}"
            out.append(row)
        out.append("round trip, microseconds: median of medians [min-max]; p99")
        out.append(f"{'case':16}" + "".join(f"{str(s) + ' B':>28}" for s in SIZES))
        for c in cases_of(idx, env, "rtt"):
            row = f"{c:16}"
            for s in SIZES:
                rs = [r for r in idx.get((env, c, "rtt", s), {}).values() if r["ok"]]
                med = summary([r["rtt_med_ns"] for r in rs])
                p99 = summary([r["rtt_p99_ns"] for r in rs])
                cell = fmt_range(med, fmt_us) + ("; " + fmt_us(p99["median"]) if p99 else "")
                row += " " + f"{cell:>27}"
            out.append(row)
        if brief:
            out.append("per message (median over rounds), streaming: CPU us summed over "
                       "every thread (kernel thread included); syscalls; context "
                       "switches; per side client/server/kthread")
            out.append(f"{'case':16}{'size':>7}{'CPU us':>9}  {'syscalls':24}{'context switches':24}")
            for c in cases_of(idx, env, "stream"):
                for s in SIZES:
                    rs = [r for r in idx.get((env, c, "stream", s), {}).values() if r["ok"]]
                    if not rs:
                        continue
                    pms = [per_msg(r) for r in rs]
                    cpms = counted_pms(cidx, (env, c, "stream", s))
                    sides = list(rs[0]["sides"])
                    cpu = statistics.median([p["cpu_ns"] for p in pms]) / 1000
                    sc = "/".join(fmt_count(statistics.median(
                        [p[sd]["syscalls"] or 0 for p in cpms]))
                        if cpms else "-" for sd in sides)
                    cs = "/".join(fmt_count(statistics.median(
                        [p[sd]["csw"] for p in pms])) for sd in sides)
                    out.append(f"{c:16}{s:>7}{cpu:>9.3g}  {sc:24}{cs:24}")
        out.append("per message (median over rounds): CPU us summed over every "
                   "thread (kernel thread included); syscalls, context switches "
                   "(vol/invol), wakeups made: client/server/kthread")
        out.append(f"{'case':16}{'mode':>7}{'size':>7}{'cpu us':>9} {'syscalls':>18} "
                   f"{'csw':>18} {'vol:invol':>26} {'wakeups':>18}")
        for mode in (() if brief else ("stream", "rtt")):
            for c in cases_of(idx, env, mode):
                for s in SIZES:
                    rs = [r for r in idx.get((env, c, mode, s), {}).values() if r["ok"]]
                    if not rs:
                        continue
                    sides = list(rs[0]["sides"])
                    pms = [per_msg(r) for r in rs]
                    cpms = counted_pms(cidx, (env, c, mode, s))

                    def col(key, sides=sides, pms=pms, cpms=cpms):
                        src = cpms if key in TRACED else pms
                        return "/".join(fmt_count(statistics.median(
                            [p[sd][key] for p in src if p[sd][key] is not None]))
                            if any(p[sd][key] is not None for p in src) else "-"
                            for sd in sides)

                    vi = "/".join(
                        f"{fmt_count(statistics.median([p[sd]['vcsw'] for p in pms]))}:"
                        f"{fmt_count(statistics.median([p[sd]['ivcsw'] for p in pms]))}"
                        for sd in sides)
                    cpu = statistics.median([p["cpu_ns"] for p in pms]) / 1000
                    out.append(f"{c:16}{mode:>7}{s:>7}{cpu:>9.3g} {col('syscalls'):>18} "
                               f"{col('csw'):>18} {vi:>26} {col('wakeups'):>18}")
        for c in cases_of(cidx, env, "idle"):
            rs = [r for r in cidx.get((env, c, "idle", 64), {}).values() if r["ok"]]
            if not rs:
                continue
            sides = list(rs[0]["sides"])
            cells = []
            for sd in sides:
                def per_s(key, sd=sd):
                    return statistics.median(r["sides"][sd][key] / r["secs"] for r in rs)
                cells.append(f"{sd} {per_s('cpu_ns') / 1000:.3g} us CPU, "
                             f"{per_s('wakeups'):.3g} wakeups, {per_s('csw'):.3g} switches")
            out.append(f"idle connection ({c}), per second: " + "; ".join(cells))
        out.append("")
    return out


def goal_lines(gl):
    out = ["== issue 15 goals (same-round ratios; median [min-max] over rounds)"]
    for g in gl:
        s = g["measured"]
        val = fmt_range(s, lambda v: f"{v:.3g}") if s else "not measured"
        if g.get("bound"):
            out.append(f"  bound   {g['goal']}: {val} ({g['how']})")
            continue
        verdict = "n/a" if g["met"] is None else ("met" if g["met"] else "MISSED")
        out.append(f"  {verdict:7} {g['goal']}: {val} (goal {g['target']}; {g['how']})")
    out.append("  note    polling mode (kuc-dev-poll, poll_idle_us 1000): its CPU cost is "
               "the kthread's CPU per message above; an idle connection costs nothing more, "
               "a message every <= 1 ms keeps one CPU busy (1 CPU-second per second)")
    return out


def chart(d, idx):
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: gnuplot not found (make deps): no chart", file=sys.stderr)
        return
    envs = [e for e in ENVS if any(k[0] == e for k in idx)]
    script = ["set terminal pngcairo size 1400,%d font ',9'" % (380 * len(envs)),
              f"set output '{os.path.join(d, 'chart.png')}'",
              f"set multiplot layout {len(envs)},2",
              "set logscale y", "set grid ytics", "set key outside right",
              "set style data linespoints", "set xtics ('64 B' 0, '4 KiB' 1, '64 KiB' 2)",
              "set xrange [-0.2:2.2]"]
    for env in envs:
        for mode, ylab in (("stream", "MB/s"), ("rtt", "median RTT, us")):
            fn = os.path.join(d, f"chart-{env}-{mode}.dat")
            cs = cases_of(idx, env, mode)
            with open(fn, "w") as f:
                f.write("# x " + " ".join(cs) + "\n")
                for i, s in enumerate(SIZES):
                    vals = []
                    for c in cs:
                        rs = [r for r in idx.get((env, c, mode, s), {}).values() if r["ok"]]
                        if not rs:
                            vals.append("NaN")
                        elif mode == "stream":
                            vals.append("%g" % (statistics.median(r["bytes_per_s"] for r in rs) / 1e6))
                        else:
                            vals.append("%g" % (statistics.median(r["rtt_med_ns"] for r in rs) / 1e3))
                    f.write(f"{i} " + " ".join(vals) + "\n")
            script.append(f"set title '{ENVS[env]}: {'throughput' if mode == 'stream' else 'round trip'}'")
            script.append(f"set ylabel '{ylab}'")
            plots = [f"'{fn}' using 1:{j + 2} title '{c}' lw 2"
                     + (" dt 2" if not c.startswith("kuc") else "")
                     for j, c in enumerate(cs)]
            script.append("plot " + ", ".join(plots) if plots else "plot 0 notitle")
    script.append("unset multiplot")
    r = subprocess.run([gp], input="\n".join(script), text=True, capture_output=True)
    if r.returncode:
        print("report: gnuplot failed: " + r.stderr[-500:], file=sys.stderr)


def main():
    args = [a for a in sys.argv[1:] if a != "--brief"]
    d = args[0] if args else "build/bench"
    runs, cond = load(d)
    idx, cidx = split(runs)
    if "--brief" in sys.argv:
        # The README's version: no per-run detail, no per-case count goals.
        lines = [ln for ln in tables(idx, cidx, brief=True) if not ln.startswith(("case               mode", "per message (median over rounds): CPU us summed over every thread (kernel"))]
        print("\n".join(lines))
        print("\n".join(ln for ln in goal_lines(goals(idx, cidx)) if "/msg, worst side" not in ln))
        return 0
    bad = [r for r in runs if not r["ok"]]
    lines = []
    if cond:
        lines.append(f"conditions: {cond.get('cpu')}, {cond.get('cpus')} CPUs, "
                     f"load average {cond.get('loadavg_start')} -> {cond.get('loadavg_end')}, "
                     f"host kernel {cond.get('kernel')}, VM accel {cond.get('accel')}, "
                     f"{cond.get('rounds')} round(s) of {cond.get('secs')} s per case "
                     f"and {cond.get('counted', 1)} counted, "
                     f"commit {cond.get('commit')}, {cond.get('date')}")
    lines += tables(idx, cidx)
    gl = goals(idx, cidx)
    lines += goal_lines(gl)
    if bad:
        lines.append(f"FAILED runs: {len(bad)}: " + ", ".join(
            f"{r['env']} {r['case']} {r['mode']} {r['size']}" for r in bad))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(d, "table.txt"), "w") as f:
        f.write(text + "\n")
    agg = []
    for (env, c, mode, s), rs in sorted(idx.items()):
        ok = [r for r in rs.values() if r["ok"]]
        agg.append({"env": env, "case": c, "mode": mode, "size": s,
                    "rounds": len(rs), "ok": len(ok) == len(rs),
                    "msgs_per_s": summary([r["msgs_per_s"] for r in ok]),
                    "bytes_per_s": summary([r["bytes_per_s"] for r in ok]),
                    "rtt_med_ns": summary([r["rtt_med_ns"] for r in ok]) if mode == "rtt" else None,
                    "rtt_p99_ns": summary([r["rtt_p99_ns"] for r in ok]) if mode == "rtt" else None,
                    "cpu_ns_per_msg": summary([per_msg(r)["cpu_ns"] for r in ok]),
                    "per_msg_by_side": {sd: {k: summary([p[sd][k] for p in (
                        counted_pms(cidx, (env, c, mode, s)) if k in TRACED
                        else [per_msg(r) for r in ok])])
                        for k in ("cpu_ns", "csw", "vcsw", "ivcsw", "syscalls",
                                  "wakeups", "kicks")}
                        for sd in (ok[0]["sides"] if ok else {})}})
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"conditions": cond, "results": agg, "goals": gl, "runs": runs},
                  f, indent=1)
    chart(d, idx)
    print(f"report: {os.path.join(d, 'results.json')}, table.txt, chart.png")
    return 1 if bad or not runs else 0


if __name__ == "__main__":
    sys.exit(main())
