"""At the end of an nbval run (`make nbval`), a table of where the time went: each notebook's
total, and every cell that took 5 seconds or more, slowest first."""

from __future__ import annotations

from collections import defaultdict

import pytest

SLOW_CELL_S = 5.0
_times: list[tuple[str, int, str, float]] = []  # (notebook, cell, first line, seconds)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    cell = getattr(item, "cell", None)
    if call.when == "call" and cell is not None and hasattr(item, "cell_num"):
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        _times.append((item.path.name, item.cell_num, first[:60], call.duration))
    return outcome


def pytest_terminal_summary(terminalreporter):
    if not _times:
        return
    write = terminalreporter.write_line
    totals: dict[str, float] = defaultdict(float)
    for notebook, _, _, seconds in _times:
        totals[notebook] += seconds
    terminalreporter.section("time per notebook (nbval)")
    for notebook, seconds in sorted(totals.items()):
        write(f"{notebook:32s} {seconds:7.1f} s")
    write(f"{'all notebooks':32s} {sum(totals.values()):7.1f} s")
    slow = sorted((t for t in _times if t[3] >= SLOW_CELL_S), key=lambda t: -t[3])
    if slow:
        terminalreporter.section(f"cells of {SLOW_CELL_S:g} s or more")
        for notebook, cell, first, seconds in slow:
            write(f"{seconds:7.1f} s  {notebook} cell {cell}: {first}")
