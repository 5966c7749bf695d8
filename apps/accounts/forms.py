"""The sign-in form: one field for a user name or an e-mail address."""

from typing import Any

from django.contrib.auth.forms import AuthenticationForm

# Said for an unknown name, a wrong password and an account that may not sign in alike.
INVALID_SIGN_IN = "That user name or e-mail and password do not match an account that may sign in."


class SignInForm(AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_SIGN_IN}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "User name or e-mail"
        # Room for an e-mail address, longer than Django's 150-character user names.
        username.max_length = 254
        username.widget.attrs["maxlength"] = 254
        username.widget.attrs["autocomplete"] = "username"
