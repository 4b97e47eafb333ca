"""How the fuzz tests measure cost without a wall-clock limit that could flake.

* Each pathological input is made at sizes n, 2n, 4n, 8n, and only ratios of costs
  count: linear work doubles with the size, quadratic work quadruples, whatever the
  machine's speed.
* Python-level work is counted exactly: the lines and calls the interpreter runs
  (sys.settrace), at fixed sizes chosen above every threshold of the code under test.
  The count is deterministic; linear work gives at most 2x per doubling (a fixed
  overhead only lowers it), and the bound is 2.3x.
* Work done in C (regular expressions, str methods, libyaml, the email parser's
  helpers) is invisible to a tracer, so it is timed with time.process_time: CPU time
  of this process only, not wall time, with garbage collection off, as the best of
  several runs (noise only ever adds time, so the minimum is steadier than the median
  on a loaded machine). n is picked so that one run takes a few milliseconds (well
  above the clock's resolution) with at most `max_bytes` of input (beyond that the
  memory system, not the code, sets the pace). Bounds: under 3.5x per doubling
  (quadratic work gives 4x) and under 2.5x per doubling over the whole range (catches
  n**1.5). When a bound is missed, every size is timed again, up to six rounds,
  keeping each size's best: a pause of the whole machine can hit any one measurement.
  The tests run these checks in a new interpreter (`in_fresh_process`): in one that has
  run two thousand tests, the heap is large, and C-level allocation grew faster than the
  input at one size or another (3.6x the time for twice the input, in about one full run
  of three), while the same check alone passed every time.
* Memory is the peak that tracemalloc sees while the work runs: a reader that streams
  keeps the same peak for an input four times the size.

`test_the_cost_measures_catch_quadratic_work` (tests/test_fuzz.py and
tests/test_fuzz_readers.py) shows that these measures do fail on quadratic work.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parents[1]
_CHILD = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
getattr(module, sys.argv[2])(*json.loads(sys.argv[3]))
print(json.dumps(dict(getattr(module, "EXAMPLES", {}))))
"""

# Rounds of timing at most, each size keeping its best: only a missed bound times again, so a
# linear reader pays one round, and quadratic work misses in every round (4x per doubling).
ROUNDS = 6

Make = Callable[[int], Any]  # k -> an input of about k units
Work = Callable[[Any], object]


def cpu_cost(work: Work, arg: Any, runs: int) -> float:
    """The least CPU time `work(arg)` took over `runs` runs, garbage collection off."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(runs):
            start = time.process_time()
            work(arg)
            best = min(best, time.process_time() - start)
    finally:
        if enabled:
            gc.enable()
    return best


def python_steps(work: Work, arg: Any) -> int:
    """Lines and calls the interpreter runs for work(arg): deterministic."""
    steps = 0

    def tracer(frame, event, _arg):
        nonlocal steps
        steps += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        work(arg)
    finally:
        sys.settrace(previous)
    return steps


def peak_memory(work: Work, arg: Any) -> int:
    """The most memory (bytes, as tracemalloc counts Python's allocations) held while work(arg) ran."""
    gc.collect()
    tracemalloc.start()
    try:
        work(arg)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def calibrate(make: Make, work: Work, size: Callable[[Any], int], target: float, max_bytes: int,
              start: int = 16) -> int:
    """The smallest k (a power of two) at which one run takes about `target` seconds,
    or the input reaches `max_bytes`."""
    k = start
    while True:
        arg = make(k)
        if size(arg) >= max_bytes or cpu_cost(work, arg, 2) >= target:
            return k
        k *= 2


def check_linear(name: str, make: Make, work: Work, *, target: float, runs: int, doublings: int,
                 traced: tuple[int, ...] = (128, 256, 512), size: Callable[[Any], int] = len,
                 max_bytes: int = 256_000, start: int = 16, counter: Counter | None = None) -> list[float]:
    """Assert that work(make(k)) grows linearly with k, by both measures; returns the CPU times."""
    work(make(start))  # warm up: compile patterns, import what the first call imports
    k = calibrate(make, work, size, target, max_bytes, start)
    inputs = [make(k << i) for i in range(doublings + 1)]
    if counter is not None:
        counter["linear_time:inputs"] += len(inputs)

    # Exact: the interpreter's own steps, at fixed sizes.
    steps = [python_steps(work, make(n)) for n in traced]
    for i in range(1, len(steps)):
        assert steps[i] <= 2.3 * steps[i - 1], (
            f"{name}: Python steps grow {steps[i] / steps[i - 1]:.2f}x for twice the input "
            f"({traced[i - 1]} -> {traced[i]} units): {steps}"
        )

    # CPU time, for the work done in C.
    costs = [float("inf")] * len(inputs)

    def failures() -> list[str]:
        out = [f"{costs[i] / costs[i - 1]:.2f}x the CPU time for twice the input "
               f"({size(inputs[i - 1])} -> {size(inputs[i])} bytes)"
               for i in range(1, len(costs)) if costs[i] >= 3.5 * costs[i - 1]]
        if costs[-1] >= 2.5 ** doublings * costs[0]:
            out.append(f"{costs[-1] / costs[0]:.1f}x the CPU time for {2 ** doublings}x the input")
        return out

    for attempt in range(ROUNDS):  # a pause of the machine can hit any one measurement
        if attempt:
            time.sleep(0.2)  # let a burst on the other core (a process of another test's) pass
        costs = [min(old, cpu_cost(work, arg, runs)) for old, arg in zip(costs, inputs)]
        if not failures():
            break
    assert not failures(), f"{name}: {'; '.join(failures())}: " + ", ".join(f"{c * 1000:.2f} ms" for c in costs)
    return costs


def report_examples(request, counter: Counter, label: str) -> None:
    """Print the examples each property ran, once the module is done (its figures go in the README)."""
    if not counter:
        return
    line = f"{label} examples run: " + ", ".join(f"{k}={v}" for k, v in sorted(counter.items()))
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:  # pragma: no cover - pytest without its terminal or capture
        print(line, file=sys.__stderr__)


def in_fresh_process(function: Callable[..., object], *args: Any, counter: Counter | None = None) -> None:
    """`function(*args)` in a new interpreter (see the module doc), failing here with its error.
    `function` is a module-level one, its arguments what JSON holds; the examples it counted in
    its module's EXAMPLES are added to `counter`."""
    done = subprocess.run([sys.executable, "-c", _CHILD, function.__module__, function.__name__, json.dumps(args)],
                          cwd=_REPO, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        error = next((line for line in reversed(lines) if line.startswith("AssertionError")), lines[-1] if lines else "")
        raise AssertionError(f"{error}\n(in a new interpreter; its stderr ends:)\n" + "\n".join(lines[-15:]))
    if counter is not None:
        counter.update(json.loads(done.stdout.strip().splitlines()[-1]))
