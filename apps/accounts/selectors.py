"""Who a sign-in names (a user name, or an e-mail address that belongs to exactly one user), and whether
they hold a second factor."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser


def user_for_login(*, login: str) -> AbstractBaseUser | None:
    """The user a sign-in name refers to, with their membership; None when it names nobody (or several)."""
    users = get_user_model().objects.select_related("membership__organisation")
    user = users.filter(username=login).first()
    if user is None and "@" in login:
        # E-mail addresses are not unique in Django's user model; an ambiguous one signs nobody in.
        matches = list(users.filter(email__iexact=login)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def lockout_username(*, login: str) -> str:
    """The name failures are counted under: every spelling of one account (its user name, its e-mail
    in any case) shares one counter, so varying the spelling earns no extra attempts."""
    user = user_for_login(login=login.strip())
    return user.get_username() if user is not None else login.strip().lower()


def user_has_second_factor(*, user: AbstractBaseUser) -> bool:
    """Whether the person holds an authenticator app (TOTP) or a security key / passkey (WebAuthn);
    recovery codes alone do not count, as they only stand in for one of those."""
    return Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()
