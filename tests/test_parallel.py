"""tkimeta.parallel: a job's pieces over forked workers give the plain loop's results."""

from __future__ import annotations

import os

import pytest

from tkimeta.parallel import map_in_processes, worker_count


def test_results_come_back_in_the_items_order_from_two_processes():
    offset = 1000  # a closure: the workers inherit it by fork, nothing is pickled on the way in
    items = list(range(37))
    results = map_in_processes(lambda i: (i + offset, os.getpid()), items, threads=2)
    assert [value for value, _ in results] == [i + offset for i in items]
    if (os.cpu_count() or 1) >= 2:  # this process takes every other item, a forked worker the rest
        pids = [pid for _, pid in results]
        assert pids[0::2] == [os.getpid()] * 19
        assert len(set(pids[1::2])) == 1 and os.getpid() not in pids[1::2]


def test_one_thread_is_the_plain_loop_in_this_process():
    results = map_in_processes(lambda i: (i * i, os.getpid()), [3, 1, 2], threads=1)
    assert results == [(9, os.getpid()), (1, os.getpid()), (4, os.getpid())]


def test_a_failing_piece_fails_the_call():
    def piece(i):
        if i == 5:
            raise ValueError(f"piece {i} is broken")
        return i

    with pytest.raises(ValueError, match="piece 5 is broken"):
        map_in_processes(piece, range(8), threads=2)


def test_worker_count_is_bounded_by_threads_items_and_cores():
    cores = os.cpu_count() or 1
    assert worker_count(None, 10) == 1
    assert worker_count(2, 1) == 1
    assert worker_count(2, 0) == 1
    assert worker_count(64, 1000) == cores
    assert worker_count(2, 10) == min(2, cores)
