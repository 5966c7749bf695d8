"""Helpers shared by API views."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.common.pagination import IdCursorPagination
from apps.common.public_ids import KINDS, public_id


class PublicIdField(serializers.Field):
    """A row id as members see it: the opaque public id of `kind`, never the sequential id."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: int) -> str:
        return public_id(self.kind, value)


class PublicIdFieldExtension(OpenApiSerializerFieldExtension):
    target_class = PublicIdField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        prefix = KINDS[self.target.kind]
        return {"type": "string", "pattern": f"^{prefix}_[a-z2-7]{{26}}$", "example": f"{prefix}_{'a' * 26}"}


def paginated_response(
    *, queryset: QuerySet, serializer_class: type[Serializer], request: Request, view: APIView
) -> Response:
    paginator = IdCursorPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def validated(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
