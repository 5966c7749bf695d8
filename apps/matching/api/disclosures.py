"""API for disclosure requests: ask an anonymous counterpart who it is, and answer such requests."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import validated
from apps.common.pagination import IdCursorPagination
from apps.common.public_ids import internal_id
from apps.matching import disclosure, selectors
from apps.matching.models import LegalBasis
from apps.organisations.models import Scope


class DisclosureViewSerializer(serializers.Serializer):
    """A disclosure request as one of its two parties sees it (built by `disclosure.disclosure_view`)."""

    class Meta:
        ref_name = "DisclosureView"

    id = serializers.RegexField(r"^dis_[a-z2-7]{26}$")
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"])
    status = serializers.CharField()


DISCLOSURE_VIEW = DisclosureViewSerializer


class DisclosureListApi(APIView):
    required_scopes = {"GET": {Scope.READ, Scope.REPORT}, "POST": {Scope.REPORT}}
    problem_statuses = {"POST": {404, 409, 429}}  # 429: the disclosure service meters requests

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DisclosureRequestInput"

        match = serializers.CharField(max_length=40, help_text="the match's id")
        participant = serializers.CharField(
            max_length=40, help_text="the counterpart's participant id in the match view"
        )
        legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
        message = serializers.CharField(max_length=2000)

    @extend_schema(
        responses=DisclosureViewSerializer(many=True),
        summary="Disclosure requests made by or to the calling organisation",
        operation_id="disclosures_list",
    )
    def get(self, request: Request) -> Response:
        organisation = request.actor.organisation
        page = IdCursorPagination()
        requests = page.paginate_queryset(selectors.disclosure_list_for(organisation=organisation), request, view=self)
        return page.get_paginated_response([disclosure.disclosure_view(item, organisation) for item in requests])

    @extend_schema(request=InputSerializer, responses={201: DISCLOSURE_VIEW}, summary="Ask an anonymous counterpart")
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        made = disclosure.disclosure_request(
            actor=request.actor,
            match_id=data["match"],
            participant=data["participant"],
            legal_basis=data["legal_basis"],
            message=data["message"],
        )
        return Response(disclosure.disclosure_view(made, request.actor.organisation), status=201)


class DisclosureDetailApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(responses=DISCLOSURE_VIEW, summary="One disclosure request")
    def get(self, request: Request, disclosure_id: str) -> Response:
        organisation = request.actor.organisation
        item = selectors.disclosure_get_for(
            organisation=organisation, request_id=internal_id("disclosure", disclosure_id)
        )
        return Response(disclosure.disclosure_view(item, organisation))


class DisclosureAnswerApi(APIView):
    required_scopes = {Scope.REPORT}
    problem_statuses = {"POST": {409}}
    approve = True

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "DisclosureAnswer"

        reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
        case_note = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)

    @extend_schema(request=InputSerializer, responses=DISCLOSURE_VIEW, summary="Approve or refuse a request to you")
    def post(self, request: Request, disclosure_id: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        organisation = request.actor.organisation
        item = selectors.disclosure_get_for(
            organisation=organisation, request_id=internal_id("disclosure", disclosure_id)
        )
        answered = disclosure.disclosure_answer(actor=request.actor, request=item, approve=self.approve, **data)
        return Response(disclosure.disclosure_view(answered, organisation))
