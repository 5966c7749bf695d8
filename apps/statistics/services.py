"""Writing releases (computed, suppressed, optionally noised, stored whole and audited) and government requests."""

from dataclasses import asdict
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.statistics import figures, transparency
from apps.statistics.cells import Cell, Row, Table
from apps.statistics.facts import facts_gather
from apps.statistics.models import GovernmentRequest, Release, ReleaseTable
from apps.statistics.noise import add_noise
from apps.statistics.periods import Period, period_trailing_year
from apps.statistics.suppression import suppress

RULES = (
    "No published cell from fewer than k organisations or k wallets (zero included); complementary suppression "
    "so that no line of cells beside a published total holds exactly one hidden cell, and hidden cells of an "
    "exact sum hide at least k together. Silent reports count only in the silent-watch aggregate; withdrawn "
    "reports and reports of members not active are not counted."
)


def _cell_json(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    data = asdict(cell)
    for key in ("value", "published"):
        if data[key] is not None and not isinstance(data[key], int):
            data[key] = float(data[key])
    return data


def _row_json(row: Row) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "cells": {name: _cell_json(c) for name, c in row.cells.items()}}


def _check(k: int, epsilon: float | None) -> None:
    errors = []
    if k < 2:
        errors.append({"pointer": "/k", "detail": "k must be at least 2"})
    if epsilon is not None and not 0 < epsilon <= 10:
        errors.append({"pointer": "/epsilon", "detail": "epsilon must be above 0 and at most 10"})
    if errors:
        raise ValidationFailed("Invalid release parameters.", errors=errors)


def release_tables_compute(*, period: Period, k: int, epsilon: float | None) -> tuple[list[Table], float | None]:
    """Every table of a release, suppressed and (with epsilon) noised; nothing is stored."""
    facts = facts_gather(period=period, k=k)
    shared = figures.shared_figures(facts)
    tables = [table_for(facts, shared) for table_for in figures.TABLES]
    tables += [section(facts) for section in transparency.SECTIONS]
    suppress(tables, k=k, lines=shared.lines)
    return tables, add_noise(tables, epsilon=epsilon)


@transaction.atomic
def release_create(*, actor: Actor, period: Period | None = None, k: int | None = None,
                   epsilon: float | None = None) -> Release:  # fmt: skip
    """Compute and store an immutable release for `period` (the twelve months to date by default)."""
    period = period or period_trailing_year(timezone.now().date())
    k = settings.VIGIL_STATISTICS_K if k is None else k
    _check(k, epsilon)
    tables, spent = release_tables_compute(period=period, k=k, epsilon=epsilon)
    release = Release.objects.create(
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        k=k,
        epsilon=epsilon,
        epsilon_spent=spent,
        created_by=actor.label,
        parameters={
            "k": k,
            "epsilon": epsilon,
            "epsilon_spent": spent,
            "epsilon_by_table": {t.name: t.epsilon for t in tables if t.epsilon is not None},
            "noise": "OpenDP discrete Laplace on counts; unit of privacy: one report" if epsilon else "none",
            "rules": RULES,
            "wallet": "a token (one per wallet and OPRF key epoch)",
        },
    )
    ReleaseTable.objects.bulk_create(
        ReleaseTable(
            release=release,
            position=position,
            name=t.name,
            title=t.title,
            section=t.section,
            dimension=t.dimension,
            note=t.note,
            columns=[{"name": c.name, "title": c.title} for c in t.columns],
            rows=[_row_json(row) for row in t.rows],
            total=_row_json(t.total) if t.total else None,
            open_rows=t.open_rows,
            epsilon=t.epsilon,
        )
        for position, t in enumerate(tables)
    )
    audit_log(
        actor=actor,
        action="statistics.released",
        organisation_id=None,
        target=release,
        data={"period": period.label, "k": k, "epsilon": epsilon, "epsilon_spent": spent, "tables": len(tables)},
    )
    return release


@transaction.atomic
def government_request_record(*, actor: Actor, received_on: date, authority: str, jurisdiction: str, kind: str,
                              outcome: str, summary: str = "") -> GovernmentRequest:  # fmt: skip
    request = GovernmentRequest.objects.create(
        received_on=received_on, authority=authority, jurisdiction=jurisdiction.upper(), kind=kind, outcome=outcome,
        summary=summary,
    )  # fmt: skip
    audit_log(
        actor=actor,
        action="government_request.recorded",
        organisation_id=None,
        target=request,
        data={"received_on": received_on.isoformat(), "authority": authority, "kind": kind, "outcome": outcome},
    )
    return request


@transaction.atomic
def government_request_set_outcome(*, actor: Actor, request: GovernmentRequest, outcome: str) -> GovernmentRequest:
    request = GovernmentRequest.objects.select_for_update().get(pk=request.pk)
    before, request.outcome = request.outcome, outcome
    request.save(update_fields=["outcome"])
    audit_log(
        actor=actor,
        action="government_request.outcome_set",
        organisation_id=None,
        target=request,
        data={"from": before, "to": outcome},
    )
    return request
