"""Small-cell suppression: no published cell from fewer than k wallets or organisations, and none recoverable.

Primary: a cell whose wallets or organisations number fewer than k is suppressed (zero included, so an
empty cell and a small one look alike). Complementary, over every line (cells beside a published total,
within a table or across tables): subtracting the published cells from the total leaves a remainder,
exactly what the hidden cells hold when the cells add up to the total, a lower bound when they overlap
(a wallet in two categories). A line must hide no cell, or at least two whose remainder is at least k —
or, where the cells overlap, not above zero (a bound that says nothing). Otherwise the smallest published
cell of the line is suppressed too (or, when none is left, the total). A row whose cells add up to
another (new + recurring = all) is a line too. The loop runs until nothing changes.
"""

from apps.statistics.cells import Line, Table


def _line_holds(line: Line, k: int) -> bool:
    if line.total.suppressed:
        return True
    hidden = [cell for cell in line.cells if cell.suppressed]
    if not hidden:
        return True
    if len(hidden) < 2:
        return False
    total = line.total.value or 0
    remainder = total - sum(cell.value or 0 for cell in line.cells if not cell.suppressed)
    exact = sum(cell.value or 0 for cell in line.cells) == total
    return remainder >= k or (not exact and remainder <= 0)


def _widen(line: Line) -> bool:
    candidates = [cell for cell in line.cells if not cell.suppressed]
    if not candidates:
        return line.total.suppress("complementary")
    smallest = min(candidates, key=lambda cell: cell.value or 0)  # min keeps the first of equals: stable
    return smallest.suppress("complementary")


def suppress(tables: list[Table], *, k: int, lines: list[Line] = ()) -> None:
    """Mark every cell of `tables` that members may not see; `lines` adds margins that cross tables."""
    for table in tables:
        for cell in table.cells():
            too_few = [count for count in (cell.wallets, cell.organisations) if count is not None and count < k]
            if too_few:
                cell.suppress("primary")
    every_line = [line for table in tables for line in table.lines] + list(lines)
    changed = True
    while changed:
        changed = False
        for line in every_line:
            if not _line_holds(line, k):
                changed |= _widen(line)
