"""API of statistics releases: the list, and one release's tables as members see them (suppressed cells marked)."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import IdCursorPagination
from apps.organisations.models import Scope
from apps.statistics import selectors

READ_OR_REPORT = {Scope.READ, Scope.REPORT}


@extend_schema_field({"type": "number", "nullable": True})
class NumberField(serializers.Field):
    """A count, sum or median as computed (an integer stays an integer); null where suppressed."""

    def to_representation(self, value: Any) -> Any:
        return value


class CellSerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsCell"

    value = NumberField(help_text="null when suppressed")
    suppressed = serializers.BooleanField(help_text="true: fewer than k organisations or wallets, or complementary")


class RowSerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsRow"

    key = serializers.CharField()
    label = serializers.CharField()
    cells = serializers.DictField(
        child=CellSerializer(allow_null=True), help_text="by column name; null where a table has no such cell"
    )


class ColumnSerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsColumn"

    name = serializers.CharField()
    title = serializers.CharField()


class PeriodSerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsPeriod"

    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="exclusive")


class ReleaseSummarySerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsRelease"

    id = serializers.RegexField(r"^rel_[a-z2-7]{26}$")
    period = PeriodSerializer()
    created_at = serializers.DateTimeField()
    k = serializers.IntegerField(help_text="no published cell from fewer than k organisations or wallets")
    epsilon = serializers.FloatField(allow_null=True, help_text="privacy budget asked for; null: no noise")
    epsilon_spent = serializers.FloatField(allow_null=True)


class TableSerializer(serializers.Serializer):
    class Meta:
        ref_name = "StatisticsTable"

    name = serializers.CharField()
    title = serializers.CharField()
    section = serializers.ChoiceField(choices=["statistics", "transparency"])
    dimension = serializers.CharField()
    note = serializers.CharField()
    epsilon = serializers.FloatField(allow_null=True, help_text="the privacy budget this table's noise spent")
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    total = RowSerializer(allow_null=True)


class ReleaseSerializer(ReleaseSummarySerializer):
    class Meta:
        ref_name = "StatisticsReleaseDetail"

    parameters = serializers.DictField(help_text="everything the release was computed with")
    tables = TableSerializer(many=True)


class ReleaseListApi(APIView):
    required_scopes = READ_OR_REPORT

    @extend_schema(responses=ReleaseSummarySerializer(many=True), summary="Statistics releases, newest first")
    def get(self, request: Request) -> Response:
        page = IdCursorPagination()
        releases = page.paginate_queryset(selectors.release_list(), request, view=self)
        return page.get_paginated_response(
            ReleaseSummarySerializer([selectors.release_summary(r) for r in releases], many=True).data
        )


class ReleaseDetailApi(APIView):
    required_scopes = READ_OR_REPORT

    @extend_schema(responses=ReleaseSerializer, summary="One release's tables, suppressed cells marked")
    def get(self, request: Request, release_id: str) -> Response:
        release = selectors.release_get(release_id=release_id)
        return Response(ReleaseSerializer(selectors.release_view(release)).data)
