"""The year made by several processes at once (PostgreSQL, outside any transaction).

One Python process generates about 40 µs of work a dossier (lifecycle, deadlines, rows and
their encoding for COPY) and holds the GIL all along: a year at scale 1.0 kept one core busy
for ~38 s while the database used the other only part of the time. Here the days are cut into
PARTS runs of consecutive days with about as many dossiers each; each run is made by a process
forked after the world, the clock and the plan of the days are ready (they are shared,
copy-on-write), with its own connection, its own random stream drawn from the load's, and its
own keys from the table's sequence.

What two runs could both write: the rollup rows of a day. A dossier counts on its submission
day and later ones (receipt, result, return), so a run's counts for days inside a later run
("spill") go to an unlogged staging table, added to the rollup at the end in one
`INSERT ... ON CONFLICT DO UPDATE`. Day counters (code sequences per desk and day) belong to
the day's run. Why not threads: the GIL; why not a pool: two long tasks, each with its
connection, are all there is to it.

The number of runs is fixed (not the machine's core count), so the same seed makes the same
year anywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import random
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections, transaction

PARTS = 2
QUIET_SECONDS = 1.0  # how often the parent looks whether a run died without a word


def possible() -> bool:
    return (connection.vendor == "postgresql" and not connection.in_atomic_block
            and "fork" in multiprocessing.get_all_start_methods())


def split(plan: Sequence[tuple[int, int, bool]], parts: int) -> list[list[tuple[int, int, bool]]]:
    """Consecutive days in `parts` runs with about as many dossiers each (none empty while
    there are enough days)."""
    total = sum(n for _, n, _ in plan)
    runs: list[list[tuple[int, int, bool]]] = [[] for _ in range(parts)]
    acc = 0
    for item in plan:
        i = min(parts - 1, acc * parts // max(total, 1))
        runs[i].append(item)
        acc += item[1]
    return [r for r in runs if r]


def run(plan: Sequence[tuple[int, int, bool]], *, rng: random.Random,
        make_year: Callable[[random.Random, int | None], Any],
        generate: Callable[[Any, list[tuple[int, int, bool]], Callable[[Any], None]], None],
        store: Callable[[Any], None], progress: Callable[[int], Any] | None,
        ) -> tuple[int, dict[Any, int]]:
    """Make the plan's days in PARTS processes; returns (dossiers made, last code sequence by
    (desk, day)). `make_year(rng, spill_from)` builds a run's generator, `generate(year, days,
    flush)` runs it, calling `flush(chunk)` for each chunk, which `store` writes."""
    runs = split(plan, PARTS)
    seeds = [rng.getrandbits(64) for _ in runs]
    # The children must not share the parent's socket: they open their own connections.
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    messages: multiprocessing.Queue[Any] = ctx.Queue()
    procs = []
    for i, days in enumerate(runs):
        spill_from = runs[i + 1][0][0] if i + 1 < len(runs) else None
        proc = ctx.Process(target=_child, name=f"demo-run-{i}",
                           args=(i, days, seeds[i], spill_from, make_year, generate, store,
                                 messages), daemon=True)
        proc.start()
        procs.append(proc)
    created, seq_last, finished = 0, {}, set[int]()
    try:
        while len(finished) < len(procs):
            try:
                kind, index, value = messages.get(timeout=QUIET_SECONDS)
            except queue.Empty:
                dead = [i for i, p in enumerate(procs)
                        if i not in finished and p.exitcode is not None]
                if dead:
                    raise RuntimeError(f"demo run {dead[0]} ended without finishing "
                                       f"(exit code {procs[dead[0]].exitcode})") from None
                continue
            if kind == "chunk":
                created += value
                if progress and value:
                    progress(value)
            elif kind == "done":
                seq_last.update(value)
                finished.add(index)
            else:  # "error": the child's exception, raised here
                raise _exception(value)
    finally:
        for proc in procs:
            if proc.is_alive() and len(finished) < len(procs):
                proc.terminate()
            proc.join()
    return created, seq_last


def _child(index: int, days: list[tuple[int, int, bool]], seed: int, spill_from: int | None,
           make_year: Callable[..., Any], generate: Callable[..., None],
           store: Callable[[Any], None], messages: Any) -> None:
    try:
        year = make_year(random.Random(seed), spill_from)  # noqa: S311 - demo data

        def flush(chunk: Any) -> None:
            store(chunk)
            messages.put(("chunk", index, len(chunk.dossiers)))

        generate(year, days, flush)
        messages.put(("done", index, year.seq_last))
    except BaseException as exc:  # handed to the parent, with where it happened  # noqa: BLE001
        where = "".join(traceback.format_exception(exc))
        try:
            pickle.dumps(exc)
            payload: Any = (exc, where)
        except Exception:  # noqa: BLE001 - an exception that cannot travel: its text does
            payload = (None, where)
        messages.put(("error", index, payload))
    finally:
        connections.close_all()
        messages.close()
        messages.join_thread()
        os._exit(0)  # no atexit handlers or finalizers of the parent's objects


def _exception(value: tuple[BaseException | None, str]) -> BaseException:
    exc, where = value
    if exc is None:
        return RuntimeError(where)
    exc.add_note(f"in a demo run (process):\n{where}")
    return exc


def merge_spill(table: str, target: str, group: Sequence[str], counters: Sequence[str],
                conflict: Sequence[str]) -> None:
    """Add the staged rollup rows to `target` (insert, or add to the row already there)."""
    qn = connection.ops.quote_name
    cols = [*group, *counters]
    sets = ", ".join(f"{qn(c)} = {qn(target)}.{qn(c)} + EXCLUDED.{qn(c)}" for c in counters)
    sums = ", ".join(f"SUM({qn(c)})" for c in counters)
    keys = ", ".join(qn(c) for c in group)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(target)} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608
            f"SELECT {keys}, {sums} FROM {qn(table)} GROUP BY {keys} "
            f"ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET {sets}")
