"""OPRF keys, trustees, shares and evaluation counts, read-only in the admin (changes go through `manage.py
oprf_key` and `oprf_share`)."""

from django.contrib import admin
from django.http import HttpRequest

from apps.oprf.models import EvaluationUsage, KeyShare, OprfKey, Trustee


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OprfKey)
class OprfKeyAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "status", "created_at", "activated_at", "retire_after", "retired_at")
    exclude = ("secret_ciphertext",)


@admin.register(Trustee)
class TrusteeAdmin(ReadOnlyAdmin):
    list_display = ("key", "index", "name", "url")


@admin.register(KeyShare)
class KeyShareAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "index", "threshold", "created_at", "retired_at")
    exclude = ("secret_ciphertext",)


@admin.register(EvaluationUsage)
class EvaluationUsageAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "day", "count")
    list_filter = ("day",)
