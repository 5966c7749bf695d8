"""API: the calling member's own export as a STIX 2.1 bundle."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.organisations.models import Scope
from apps.outcomes.stix import stix_export


class StixExportApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT}

    @extend_schema(
        responses=inline_serializer(
            "StixBundle",
            {
                "type": serializers.ChoiceField(choices=["bundle"]),
                "id": serializers.CharField(),
                "objects": serializers.ListField(child=serializers.DictField()),
            },
        ),
        summary="Your reports, matches, sightings and outcomes as a STIX 2.1 bundle, tokens without addresses",
    )
    def get(self, request: Request) -> Response:
        return Response(stix_export(actor=request.actor))
