"""API for matches the caller may see, and real-time screening."""

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from vigil_client.contract import SCREEN_BATCH_MAX, SIGHTING_VISIBILITIES

from apps.common.api import validated
from apps.common.renderers import FastJSONRenderer
from apps.common.throttles import OrganisationRateThrottle
from apps.indicators.services import TOKEN_PATTERN
from apps.matching import selectors, services
from apps.organisations.models import Scope

MAX_PAGE = 500
MAX_SCREEN = SCREEN_BATCH_MAX


class MatchListApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}
    problem_statuses = {"GET": {404}}

    @extend_schema(
        parameters=[
            OpenApiParameter("before", str, description="cursor: the last match id of the previous page"),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        ],
        responses=inline_serializer(
            "MatchPage",
            {"results": serializers.ListField(), "next_before": serializers.CharField(allow_null=True)},
        ),
        summary="Matches the calling organisation takes part in, as the counterparts' policies let it see them",
        operation_id="matches_list",
    )
    def get(self, request: Request) -> Response:
        params = validated(_PageSerializer, request.query_params)
        views = selectors.match_page_visible_to(
            organisation=request.actor.organisation, before=params.get("before"), limit=params["page_size"]
        )
        next_before = views[-1]["id"] if len(views) == params["page_size"] else None
        return Response({"results": views, "next_before": next_before})


class _PageSerializer(serializers.Serializer):
    before = serializers.CharField(required=False, max_length=40)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=100)


class MatchDetailApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(responses=inline_serializer("MatchView", {"id": serializers.CharField()}), summary="One match")
    def get(self, request: Request, match_id: str) -> Response:
        return Response(selectors.match_get_visible_to(organisation=request.actor.organisation, match_id=match_id))


HEX_64_DETAIL = "must be 64 lowercase hex"


class TokenListField(serializers.ListField):
    """Tokens checked by one pattern each, with the errors a child field would give: running a child
    field over each item was a fifth of a 1,000-token screening."""

    def run_child_validation(self, data: list) -> list[str]:
        errors = {
            index: [HEX_64_DETAIL]
            for index, item in enumerate(data)
            if not (isinstance(item, str) and TOKEN_PATTERN.fullmatch(item))
        }
        if errors:
            raise serializers.ValidationError(errors)
        return list(data)


class ScreenApi(APIView):
    required_scopes = {Scope.SCREEN}
    throttle_classes = [OrganisationRateThrottle]
    throttle_scope = "screen"
    renderer_classes = [FastJSONRenderer]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ScreenRequest"

        key_id = serializers.CharField(max_length=16)
        tokens = TokenListField(
            child=serializers.RegexField(r"^[0-9a-f]{64}$", error_messages={"invalid": HEX_64_DETAIL}),
            min_length=1,
            max_length=MAX_SCREEN,
        )
        record_sighting = serializers.BooleanField(default=False)
        sighting_visibility = serializers.ChoiceField(
            choices=SIGHTING_VISIBILITIES, default="anonymous", help_text="what reporters alerted of it learn of you"
        )

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("ScreenResponse", {"results": serializers.ListField()}),
        summary="Check up to 1,000 tokens; nothing is stored unless record_sighting is set",
    )
    def post(self, request: Request) -> Response:
        data = _screen_input(request.data)
        results = services.screen(
            actor=request.actor,
            key_id=data["key_id"],
            tokens=data["tokens"],
            record_sighting=data["record_sighting"],
            sighting_visibility=data["sighting_visibility"],
        )
        return Response({"results": [result.__dict__ for result in results]})


# Characters a key id may have that the serializer's CharField keeps as they are.
_PLAIN_KEY_ID = re.compile(r"[0-9A-Za-z_-]{1,16}")


def _screen_input(data: Any) -> dict[str, Any]:
    """The screening request, validated.

    A withdrawal waits on this: building the serializer took about 0.1 ms of a one-token screening's
    1.3 ms of CPU. The common shape (a plain key id, well-formed tokens, the options absent or given as their exact
    types) is recognised by a few checks, and the serializer would take it unchanged; anything else
    goes through the serializer, which gives every error.
    """
    if isinstance(data, dict):
        key_id, tokens = data.get("key_id"), data.get("tokens")
        record_sighting = data.get("record_sighting", False)
        visibility = data.get("sighting_visibility", "anonymous")
        if (
            type(key_id) is str
            and _PLAIN_KEY_ID.fullmatch(key_id)
            and type(tokens) is list
            and 0 < len(tokens) <= MAX_SCREEN
            and all(type(token) is str and TOKEN_PATTERN.fullmatch(token) for token in tokens)
            and type(record_sighting) is bool
            and type(visibility) is str
            and visibility in SIGHTING_VISIBILITIES
        ):
            return {
                "key_id": key_id,
                "tokens": tokens,
                "record_sighting": record_sighting,
                "sighting_visibility": visibility,
            }
    return validated(ScreenApi.InputSerializer, data)
