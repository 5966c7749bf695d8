"""Optional differential-privacy noise on published counts, through OpenDP's discrete Laplace mechanism.

The unit of privacy is one report (one organisation's report of one wallet). Each noised table declares
the L1 sensitivity of its counts to one report; the release's epsilon is split evenly over those tables
and each table's spend is what OpenDP's own privacy map gives for that sensitivity, so the total recorded
is the sum (sequential composition). Suppression is decided on the exact counts, before noise; a noised
count is clamped at zero. Sums of reported values and medians are never noised: the release says so.
"""

import opendp.prelude as dp

from apps.statistics.cells import Table

dp.enable_features("contrib")


def add_noise(tables: list[Table], *, epsilon: float | None) -> float | None:
    """Set every cell's published value (noised where a table allows it); return the epsilon spent."""
    for table in tables:
        for cell in table.cells():
            cell.published = None if cell.suppressed else cell.value
    noised = [table for table in tables if table.sensitivity]
    if not epsilon or not noised:
        return None
    share = epsilon / len(noised)
    spent = 0.0
    for table in noised:
        measurement = dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=table.sensitivity / share
        )
        table.epsilon = float(measurement.map(table.sensitivity))
        spent += table.epsilon
        cells = [cell for cell in table.cells() if cell.count and not cell.suppressed]
        if cells:
            for cell, noisy in zip(cells, measurement([int(cell.value or 0) for cell in cells]), strict=True):
                cell.published = max(0, noisy)
    return spent
