"""Tables of cells as a release computes them: each cell keeps who it comes from, for the suppression rules.

A cell counts something (wallets, reports, organisations) and remembers the distinct wallets and
organisations behind it; `None` means the rule does not apply (a hub-level act such as a key rotation
has no contributing organisation). Cells are shared objects: a figure that two tables print is one
cell, so suppressing it once suppresses it everywhere.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Number = int | float | Decimal


@dataclass(eq=False)
class Cell:
    value: Number | None
    wallets: int | None = None
    organisations: int | None = None
    count: bool = True  # a count may be noised; a sum or a median is published as computed
    suppressed: bool = False
    reason: str = ""  # "primary" (fewer than k) or "complementary" (would let a small cell be recovered)
    published: Number | None = None  # after noise; equals value without it

    @classmethod
    def of(cls, wallets: Iterable[Any] = (), organisations: Iterable[Any] = (), *, value: Number | None = None,
           count: bool = True) -> "Cell":  # fmt: skip
        """A cell from the sets of wallets and organisations behind it; its value is the wallet count unless given."""
        wallet_set, organisation_set = set(wallets), set(organisations)
        return cls(
            value=len(wallet_set) if value is None else value,
            wallets=len(wallet_set),
            organisations=len(organisation_set),
            count=count,
        )

    def suppress(self, reason: str) -> bool:
        if self.suppressed:
            return False
        self.suppressed, self.reason = True, reason
        return True


@dataclass(frozen=True)
class Column:
    name: str
    title: str


@dataclass
class Row:
    key: str
    label: str
    cells: dict[str, Cell | None]


@dataclass(frozen=True)
class Line:
    """Cells whose `total` is published beside them: subtracting the published ones says something of the rest."""

    cells: tuple[Cell, ...]
    total: Cell


@dataclass
class Table:
    name: str
    title: str
    section: str  # "statistics" or "transparency"
    dimension: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None
    note: str = ""
    lines: list[Line] = field(default_factory=list)
    # L1 sensitivity of the table's counts to one report added or removed; None: never noised.
    sensitivity: int | None = None
    epsilon: float | None = None

    # Rows left out of members' view when suppressed: their label alone (a currency) would say something.
    open_rows: bool = False

    def cells(self) -> list[Cell]:
        """Every distinct cell, each once (a symmetric table holds one cell in two places)."""
        rows = [*self.rows, *([self.total] if self.total else [])]
        unique = {id(cell): cell for row in rows for cell in row.cells.values() if cell is not None}
        return list(unique.values())

    def column_lines(self) -> None:
        """Each column against its total: the usual margin of a one-way table."""
        if self.total is None:
            return
        for column in self.columns:
            total = self.total.cells.get(column.name)
            cells = tuple(cell for row in self.rows if (cell := row.cells.get(column.name)) is not None)
            if total is not None and cells:
                self.lines.append(Line(cells, total))
