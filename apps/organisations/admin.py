"""Django admin for hub administrators: lifecycle actions go through the services."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.errors import VigilError
from apps.organisations import services
from apps.organisations.context import request_actor
from apps.organisations.models import ApiKey, Application, Invitation, Membership, Organisation


def _transition_action(transition: str, description: str):
    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        actor = request_actor(request)
        for organisation in queryset:
            try:
                services.organisation_change_status(actor=actor, organisation=organisation, transition=transition)
            except VigilError as exc:
                modeladmin.message_user(request, f"{organisation}: {exc.detail}", messages.WARNING)

    action.__name__ = f"{transition}_organisations"
    return action


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "sector", "jurisdiction", "status", "created_at")
    list_filter = ("status", "sector", "jurisdiction")
    search_fields = ("name", "slug")
    fields = ("name", "slug", "sector", "jurisdiction", "status", *services.EDITABLE_FIELDS)
    readonly_fields = ("name", "slug", "sector", "jurisdiction", "status", "created_at", "status_changed_at")
    actions = [
        _transition_action("approve", "Approve selected organisations"),
        _transition_action("suspend", "Suspend selected organisations"),
        _transition_action("reinstate", "Reinstate selected organisations"),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created with `manage.py create_organisation` so it is audited

    def save_model(self, request: HttpRequest, obj: Organisation, form: object, change: bool) -> None:
        changes = {field: getattr(obj, field) for field in services.EDITABLE_FIELDS}
        services.organisation_update(actor=request_actor(request), organisation=obj, **changes)

    def has_delete_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        return False  # suspend instead: reports and the audit trail refer to it


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    readonly_fields = ("user", "organisation", "role", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "organisation", "scopes", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("organisation",)
    fields = readonly_fields = (
        "name",
        "prefix",
        "organisation",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = request_actor(request)
        for api_key in queryset:
            services.api_key_revoke(actor=actor, api_key=api_key)


# The stock user and group admins edit people, passwords, staff flags and permissions with no audit
# event; people are created with `manage.py create_user` and changed here only through services.
User = get_user_model()
for _model in (User, Group):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


def _activation_action(active: bool, description: str):
    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[AbstractBaseUser]) -> None:
        actor = request_actor(request)
        for user in queryset:
            try:
                services.user_set_active(actor=actor, user=user, active=active, reason="hub admin")
            except VigilError as exc:
                modeladmin.message_user(request, f"{user}: {exc.detail}", messages.WARNING)

    action.__name__ = "reactivate_users" if active else "deactivate_users"
    return action


@admin.register(User)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("username", "email", "membership__organisation", "membership__role", "is_active", "is_staff",
                    "last_login")  # fmt: skip
    list_filter = ("is_active", "is_staff", "membership__role")
    search_fields = ("username", "email")
    fields = ("username", "email", "is_active", "is_staff", "last_login", "date_joined")
    actions = [
        _activation_action(False, "Deactivate selected people"),
        _activation_action(True, "Reactivate selected people"),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py create_user`, which is audited

    def has_change_permission(self, request: HttpRequest, obj: AbstractBaseUser | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AbstractBaseUser | None = None) -> bool:
        return False  # deactivate instead: the audit trail refers to them


class _ReadOnly(admin.ModelAdmin):
    """Decided and closed in the portal, through the services (which audit and e-mail); shown here only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(_ReadOnly):
    list_display = ("name", "sector", "jurisdiction", "contact_email", "status", "submitted_at", "decided_at")
    list_filter = ("status", "sector")
    search_fields = ("name", "contact_email")


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly):
    list_display = ("email", "organisation", "role", "status", "created_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "organisation__name")
    exclude = ("token_hash",)
