"""Hub administrators review quarantined matches here; the actions go through the services."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.errors import VigilError
from apps.matching.models import Match, MatchParticipant
from apps.matching.services import match_review
from apps.organisations.context import request_actor


class ParticipantInline(admin.TabularInline):
    model = MatchParticipant
    fields = ("organisation", "report", "active", "joined_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Match | None = None) -> bool:
        return False


def _review(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Match], decision: str) -> None:
    actor = request_actor(request)
    for match in queryset:
        try:
            match_review(actor=actor, match=match, decision=decision)
        except VigilError as exc:
            modeladmin.message_user(request, f"match {match.pk}: {exc.detail}", messages.WARNING)


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("id", "key_id", "status", "created_at", "updated_at")
    list_filter = ("status",)
    fields = ("key_id", "token", "status", "created_at", "updated_at", "flood_released_at")
    readonly_fields = fields
    inlines = [ParticipantInline]
    actions = ["release", "dismiss"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Match | None = None) -> bool:
        return False

    @admin.action(description="Release selected quarantined matches")
    def release(self, request: HttpRequest, queryset: QuerySet[Match]) -> None:
        _review(self, request, queryset, "release")

    @admin.action(description="Dismiss selected quarantined matches as false positives")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Match]) -> None:
        _review(self, request, queryset, "dismiss")
