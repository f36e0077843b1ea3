"""One job's independent pieces of work (outcomes, figures) spread over the cores
Snakemake gives it.

A rule that does one thing per outcome or figure runs as a single job (starting a job
costs more than most of its pieces), so the job itself uses its ``threads``:
:func:`map_in_processes` runs the function on the items in this process and in forked
workers, which inherit everything already imported and read, and returns the results in
the items' order. The results are what a plain loop returns, whatever the number of
workers: the pieces share nothing, and each process computes exactly what the loop
would (font subsets, for instance, depend only on the glyphs, see plots/fonts.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# What the forked workers run: set in the parent just before the fork, so that a
# closure over the job's tables needs no pickling (only each result travels back).
_work: tuple[Callable, Sequence] | None = None


def _run_one(index: int):
    func, items = _work
    return func(items[index])


def worker_count(threads: int | None, items: int) -> int:
    """Workers worth forking: no more than the job's threads, the items, or the cores."""
    return max(1, min(int(threads or 1), items, os.cpu_count() or 1))


def map_in_processes(func: Callable[[T], R], items: Sequence[T], threads: int | None = 1) -> list[R]:
    """``[func(item) for item in items]``, computed by up to ``threads`` processes: this
    one and forked workers.

    With one worker (or where fork is not available) this is the plain loop, in this
    process. An exception in a worker is raised here, as the loop would raise it.
    """
    global _work
    items = list(items)
    workers = worker_count(threads, len(items))
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [func(item) for item in items]
    _work = (func, items)
    # The workers share the parent's memory until they write to it. Python's cyclic
    # garbage collector would visit (and so copy) every object the parent holds in each
    # worker; frozen, the parent's objects are left alone and stay shared.
    gc.freeze()
    try:
        # The parent is one of the workers (every workers-th item, the others forked):
        # one process fewer holding its own copy of the pages it touches.
        own = range(0, len(items), workers)
        forked = [i for i in range(len(items)) if i % workers]
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            # small chunks keep the workers evenly busy when the pieces differ in size
            pending = pool.map_async(_run_one, forked, chunksize=max(1, len(forked) // (workers * 8)))
            results = {i: func(items[i]) for i in own}
            results.update(zip(forked, pending.get()))
        return [results[i] for i in range(len(items))]
    finally:
        gc.unfreeze()
        _work = None
