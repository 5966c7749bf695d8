"""The sign-in form (one field for a user name or an e-mail address) and the second-factor forms."""

from typing import Any

from allauth.account.forms import LoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from axes.handlers.proxy import AxesProxyHandler
from django import forms

# Said for an unknown name, a wrong password and an account that may not sign in alike.
INVALID_SIGN_IN = "That user name or e-mail and password do not match an account that may sign in."
SECOND_FACTOR_LOCKED = "Too many failed sign-ins for this account from this address; try again later."


class SignInForm(LoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "User name or e-mail"
        # Room for an e-mail address, longer than Django's 150-character user names.
        login.max_length = 254
        login.widget.attrs.update({"maxlength": 254, "autocomplete": "username", "placeholder": ""})

    def user_credentials(self) -> dict[str, str]:
        # Always a `username`: MemberBackend resolves a name or an e-mail itself (an ambiguous e-mail signs
        # nobody in), and axes reads the name it counts failures under from this same key.
        credentials = {"username": self.cleaned_data["login"]}
        if self.cleaned_data.get("password"):
            credentials["password"] = self.cleaned_data["password"]
        return credentials


class _LockoutAware(forms.Form):
    """A second-factor code is guessed like a password: refused outright while the account and address are
    locked out (apps.accounts.signals counts each wrong code towards that lockout)."""

    user: Any

    def clean_code(self) -> str:
        request = context.request
        if not AxesProxyHandler.is_allowed(request, {"username": self.user.get_username()}):
            # AxesMiddleware turns the answer into the lockout page.
            request.axes_locked_out = True
            raise forms.ValidationError(SECOND_FACTOR_LOCKED)
        return super().clean_code()  # type: ignore[misc]


class SecondFactorForm(_LockoutAware, AuthenticateForm):
    pass


class SecondFactorReauthenticateForm(_LockoutAware, ReauthenticateForm):
    pass
