"""API for reports: submit a batch, list and read one's own, withdraw."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import paginated_response, validated
from apps.common.errors import ValidationFailed
from apps.common.idempotency import idempotent
from apps.common.public_ids import internal_id, public_id
from apps.common.throttles import OrganisationRateThrottle
from apps.indicators import selectors
from apps.indicators.models import Report
from apps.indicators.services import MAX_BATCH
from apps.matching import reporting
from apps.organisations.models import Organisation, Scope


class PolicySerializer(serializers.Serializer):
    class Meta:
        ref_name = "SharingPolicy"

    visibility = serializers.CharField(required=False, help_text="named, anonymous or silent")
    audience_sectors = serializers.ListField(child=serializers.CharField(), required=False)
    audience_include = serializers.ListField(child=serializers.CharField(), required=False, help_text="slugs")
    audience_exclude = serializers.ListField(child=serializers.CharField(), required=False, help_text="slugs")
    tlp = serializers.CharField(required=False, help_text="clear, green, amber, amber+strict or red")
    expires_at = serializers.DateTimeField(required=False)
    sighting_alerts = serializers.BooleanField(required=False)


class ReportItemSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ReportItem"

    token = serializers.CharField(max_length=64)
    key_id = serializers.CharField(max_length=16)
    namespace = serializers.CharField(max_length=8)
    category = serializers.CharField(max_length=32)
    confidence = serializers.ChoiceField(choices=["low", "medium", "high"], default="medium")
    first_seen = serializers.DateTimeField(required=False, allow_null=True)
    last_seen = serializers.DateTimeField(required=False, allow_null=True)
    value_amount = serializers.DecimalField(
        max_digits=30, decimal_places=10, min_value=0, required=False, allow_null=True
    )
    value_currency = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    policy = PolicySerializer(required=False)


class BatchResultSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ReportBatchResult"

    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    matched = serializers.IntegerField(help_text="tokens of the batch now in a match you can see")
    reports = serializers.ListField(
        child=inline_serializer(
            "ReportBatchItem",
            {
                "index": serializers.IntegerField(),
                "id": serializers.CharField(),
                "token": serializers.CharField(),
                "result": serializers.ChoiceField(choices=["created", "updated"]),
                "matched": serializers.BooleanField(),
            },
        )
    )


class ReportOutputSerializer(serializers.ModelSerializer):
    id = serializers.SerializerMethodField()
    policy = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "token",
            "key_id",
            "namespace",
            "category",
            "confidence",
            "first_seen",
            "last_seen",
            "value_amount",
            "value_currency",
            "reference",
            "policy",
            "status",
            "created_at",
            "updated_at",
            "ended_at",
        ]

    def get_id(self, report: Report) -> str:
        return public_id("report", report.pk)

    def get_policy(self, report: Report) -> dict:
        slugs = self.context.setdefault("slugs", {})
        missing = {*report.audience_include, *report.audience_exclude} - set(slugs)
        if missing:
            slugs.update(Organisation.objects.filter(pk__in=missing).values_list("id", "slug"))
        return {
            "visibility": report.visibility,
            "audience_sectors": report.audience_sectors,
            "audience_include": [slugs[pk] for pk in report.audience_include],
            "audience_exclude": [slugs[pk] for pk in report.audience_exclude],
            "tlp": report.tlp,
            "expires_at": report.expires_at,
            "sighting_alerts": report.sighting_alerts,
        }


READ_OR_REPORT = {Scope.REPORT, Scope.READ}


class ReportListApi(APIView):
    required_scopes = {"GET": READ_OR_REPORT, "POST": {Scope.REPORT}, "DELETE": {Scope.REPORT}}
    problem_statuses = {"DELETE": {404}}
    throttle_classes = [OrganisationRateThrottle]
    throttle_scope = "report"

    def get_throttles(self) -> list:
        # Reading one's own reports is not metered; submitting and withdrawing are.
        return super().get_throttles() if self.request.method != "GET" else []

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReportBatch"

        policy = PolicySerializer(required=False)
        items = serializers.ListField(child=ReportItemSerializer(), min_length=1, max_length=MAX_BATCH)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("category", str),
            OpenApiParameter("namespace", str),
            OpenApiParameter("key_id", str),
            OpenApiParameter("token", str),
        ],
        responses=ReportOutputSerializer(many=True),
        summary="The calling organisation's reports, newest first",
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.report_list_visible_to(
            organisation=request.actor.organisation, filters=request.query_params
        )
        return paginated_response(
            queryset=queryset, serializer_class=ReportOutputSerializer, request=request, view=self
        )

    @extend_schema(
        request=InputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        responses={201: BatchResultSerializer},
        summary="Report up to 10,000 tokens, all or nothing; matching happens in the same transaction",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)

        def submit() -> tuple[int, dict]:
            result = reporting.report_submit(actor=request.actor, items=data["items"], policy=data.get("policy"))
            return status.HTTP_201_CREATED, result.as_dict()

        code, body = idempotent(
            organisation=request.actor.organisation,
            key=request.headers.get("Idempotency-Key"),
            body=request.data,
            action=submit,
        )
        return Response(body, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True), OpenApiParameter("key_id", str)],
        responses=inline_serializer(
            "Withdrawn", {"withdrawn": serializers.IntegerField(), "reports": serializers.ListField()}
        ),
        summary="Withdraw the calling organisation's reports of a token (every key epoch unless key_id is given)",
        operation_id="reports_withdraw_by_token",
    )
    def delete(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if not token:
            raise ValidationFailed("Give ?token=<token> (and optionally &key_id=) to withdraw by token.")
        reports = selectors.report_list_by_token(
            organisation=request.actor.organisation, token=token, key_id=request.query_params.get("key_id")
        )
        withdrawn = reporting.report_withdraw(actor=request.actor, reports=reports)
        return Response({"withdrawn": withdrawn, "reports": [public_id("report", report.pk) for report in reports]})


class ReportDetailApi(APIView):
    required_scopes = {"GET": READ_OR_REPORT, "DELETE": {Scope.REPORT}}
    throttle_classes = [OrganisationRateThrottle]
    throttle_scope = "report"

    def get_throttles(self) -> list:
        return super().get_throttles() if self.request.method != "GET" else []

    @extend_schema(responses=ReportOutputSerializer, summary="One of the calling organisation's reports")
    def get(self, request: Request, report_id: str) -> Response:
        report = selectors.report_get_visible_to(
            organisation=request.actor.organisation, report_id=internal_id("report", report_id)
        )
        return Response(ReportOutputSerializer(report).data)

    @extend_schema(responses=ReportOutputSerializer, summary="Withdraw a report (idempotent)")
    def delete(self, request: Request, report_id: str) -> Response:
        report = selectors.report_get_visible_to(
            organisation=request.actor.organisation, report_id=internal_id("report", report_id)
        )
        reporting.report_withdraw(actor=request.actor, reports=[report])
        report.refresh_from_db()
        return Response(ReportOutputSerializer(report).data)
