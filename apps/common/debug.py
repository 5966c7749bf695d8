"""What error reports (the debug page, admin e-mails) may show: never credentials."""

import re

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class CredentialHidingFilter(SafeExceptionReporterFilter):
    # Django's default hides settings and META keys naming API, KEY, TOKEN, SECRET...; the API key
    # arrives in HTTP_AUTHORIZATION, which it would show.
    hidden_settings = re.compile("API|AUTHORIZATION|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE", flags=re.I)

    def is_active(self, request: HttpRequest | None) -> bool:
        # Django honours @sensitive_variables only with DEBUG off; a development hub holds real
        # API keys and webhook secrets too, so hide them on its debug page as well.
        return True
