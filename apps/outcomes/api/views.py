"""API for outcomes: a match's review, disputes of reports, the organisation's own precision."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import validated
from apps.common.errors import NotFound
from apps.common.pagination import IdCursorPagination
from apps.common.public_ids import internal_id
from apps.indicators.models import Category
from apps.matching.selectors import match_candidates_for
from apps.organisations.models import Scope
from apps.outcomes import disputes, precision, reviews, selectors
from apps.outcomes.models import DisputeState, OutcomeKind

OUTCOME_FIELDS = {
    "outcome": serializers.ChoiceField(choices=OutcomeKind.choices, allow_null=True, help_text="null: open"),
    "amount": serializers.RegexField(r"^[0-9]+\.[0-9]+$", allow_null=True, help_text="funds_frozen: a decimal string"),
    "currency": serializers.CharField(allow_blank=True),
    "reason": serializers.CharField(allow_blank=True),
    "recorded_at": serializers.DateTimeField(allow_null=True),
}


class DisputeViewSerializer(serializers.Serializer):
    """A dispute as one viewer may see it (built by `selectors.dispute_view`)."""

    class Meta:
        ref_name = "DisputeView"

    id = serializers.RegexField(r"^dsp_[a-z2-7]{26}$", allow_null=True, help_text="for the two parties only")
    match = serializers.RegexField(r"^mat_[a-z2-7]{26}$")
    direction = serializers.ChoiceField(choices=["incoming", "outgoing", "other"])
    state = serializers.ChoiceField(choices=DisputeState.choices)
    deadline = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    report = serializers.CharField(required=False, help_text="incoming: your disputed report")
    participant = serializers.CharField(required=False, help_text="otherwise: your handle for the disputed report")
    disputer = serializers.DictField(required=False, allow_null=True, help_text="incoming: who disputes, as seen")
    reason = serializers.CharField(required=False)
    response = serializers.CharField(required=False, allow_blank=True)
    created_at = serializers.DateTimeField(required=False)


class ReviewViewSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ReviewView"

    id = serializers.RegexField(r"^rev_[a-z2-7]{26}$")
    match = serializers.RegexField(r"^mat_[a-z2-7]{26}$")
    status = serializers.ChoiceField(choices=["open", "recorded"])
    outcome = OUTCOME_FIELDS["outcome"]
    amount = OUTCOME_FIELDS["amount"]
    currency = OUTCOME_FIELDS["currency"]
    reason = OUTCOME_FIELDS["reason"]
    recorded_at = OUTCOME_FIELDS["recorded_at"]
    note = serializers.CharField(allow_blank=True, help_text="yours alone")
    opened_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(allow_null=True)
    counterparts = serializers.ListField(
        child=serializers.DictField(), help_text="visible counterparts' recorded outcomes, as their policies allow"
    )
    disputes = DisputeViewSerializer(many=True)


class ReviewApi(APIView):
    required_scopes = {"GET": {Scope.READ, Scope.REPORT}, "PUT": {Scope.REPORT}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReviewInput"

        outcome = serializers.ChoiceField(choices=OutcomeKind.choices)
        amount = serializers.DecimalField(
            max_digits=30, decimal_places=10, min_value=0, required=False, allow_null=True, default=None
        )
        currency = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    @extend_schema(responses=ReviewViewSerializer, summary="Your review of a match, and visible counterparts' outcomes")
    def get(self, request: Request, match_id: str) -> Response:
        organisation = request.actor.organisation
        review = selectors.review_get_for(organisation=organisation, match_id=match_id)
        return Response(selectors.review_view(review, organisation))

    @extend_schema(request=InputSerializer, responses=ReviewViewSerializer, summary="Record what the match led to")
    def put(self, request: Request, match_id: str) -> Response:
        organisation = request.actor.organisation
        review = selectors.review_get_for(organisation=organisation, match_id=match_id)
        data = validated(self.InputSerializer, request.data)
        review = reviews.review_record(actor=request.actor, review=review, **data)
        return Response(selectors.review_view(review, organisation))


class ReviewListApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(
        responses=inline_serializer(
            "ReviewSummary",
            {
                "id": serializers.CharField(),
                "match": serializers.CharField(),
                "status": serializers.ChoiceField(choices=["open", "recorded"]),
                **OUTCOME_FIELDS,
                "opened_at": serializers.DateTimeField(),
            },
            many=True,
        ),
        summary="Your organisation's reviews, newest first",
    )
    def get(self, request: Request) -> Response:
        page = IdCursorPagination()
        rows = page.paginate_queryset(
            selectors.review_list_for(organisation=request.actor.organisation), request, view=self
        )
        return page.get_paginated_response([selectors.review_summary(review) for review in rows])


class DisputeOpenApi(APIView):
    required_scopes = {Scope.REPORT}
    problem_statuses = {"POST": {409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DisputeInput"

        participant = serializers.CharField(max_length=40, help_text="the counterpart's participant id in the match")
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: DisputeViewSerializer}, summary="Dispute a report")
    def post(self, request: Request, match_id: str) -> Response:
        # Not a match the caller takes part in: a 404 before the body is read, as for any other organisation's object.
        if (
            not match_candidates_for(organisation=request.actor.organisation)
            .filter(pk=internal_id("match", match_id))
            .exists()
        ):
            raise NotFound("No such match.")
        data = validated(self.InputSerializer, request.data)
        dispute = disputes.dispute_open(actor=request.actor, match_id=match_id, **data)
        return Response(selectors.dispute_view(dispute, request.actor.organisation), status=201)


class DisputeListApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}
    pagination_class = None

    @extend_schema(
        responses=DisputeViewSerializer(many=True), summary="Disputes you made, and disputes of your reports"
    )
    def get(self, request: Request) -> Response:
        organisation = request.actor.organisation
        items = selectors.dispute_list_for(organisation=organisation)
        return Response([selectors.dispute_view(item, organisation) for item in items])


class DisputeDetailApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(responses=DisputeViewSerializer, summary="One dispute")
    def get(self, request: Request, dispute_id: str) -> Response:
        organisation = request.actor.organisation
        dispute = selectors.dispute_get_for(organisation=organisation, dispute_id=dispute_id)
        return Response(selectors.dispute_view(dispute, organisation))


class DisputeResolveApi(APIView):
    required_scopes = {Scope.REPORT}
    problem_statuses = {"POST": {409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DisputeResolution"

        resolution = serializers.ChoiceField(choices=disputes.RESOLUTIONS)
        response = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        category = serializers.ChoiceField(
            choices=Category.choices, required=False, help_text="corrected: the report's new category"
        )

    @extend_schema(request=InputSerializer, responses=DisputeViewSerializer, summary="Answer a dispute of your report")
    def post(self, request: Request, dispute_id: str) -> Response:
        organisation = request.actor.organisation
        # Another organisation's dispute is a 404 whatever the body says.
        dispute = selectors.dispute_get_for(organisation=organisation, dispute_id=dispute_id)
        data = validated(self.InputSerializer, request.data)
        dispute = disputes.dispute_resolve(actor=request.actor, dispute=dispute, **data)
        return Response(selectors.dispute_view(dispute, organisation))


class PrecisionApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(
        responses=inline_serializer(
            "SourcePrecision",
            {
                "matched_reports": serializers.IntegerField(),
                "false_positives": serializers.IntegerField(),
                "precision": serializers.FloatField(allow_null=True, help_text="share not marked false positive"),
                "reviews_open": serializers.IntegerField(),
                "reviews_recorded": serializers.IntegerField(),
                "time_to_action_hours_median": serializers.FloatField(allow_null=True),
                "sector": serializers.CharField(),
                "sector_precision": serializers.FloatField(allow_null=True, help_text="null: too few organisations"),
            },
        ),
        summary="Your own precision as a source, and how fast you record outcomes",
    )
    def get(self, request: Request) -> Response:
        return Response(precision.precision_for(organisation=request.actor.organisation))
