"""Load the demo consortium; re-running it creates nothing twice."""

from typing import Any

from apps.common.commands import ServiceCommand
from apps.organisations.demo import demo_load


class Command(ServiceCommand):
    help = (
        "Create the demo bank, exchange, NGO and police unit (an admin with an authenticator app and an API key "
        "each) and a hub admin."
    )

    def run(self, **options: Any) -> None:
        credentials = demo_load()
        if not credentials:
            self.stdout.write("Demo consortium already loaded; credentials were printed when it was created.")
            self.stdout.write("Make new ones with `manage.py create_api_key` or `manage.py changepassword`.")
            return
        self.stdout.write("Demo consortium created. Credentials are shown this once:")
        for credential in credentials:
            password = credential.password or "(unchanged)"
            self.stdout.write(f"  {credential.organisation:34} user {credential.username:15} password {password}")
            if credential.totp_secret:
                # Signing in asks for a code from an authenticator app holding this secret (or scan the URI).
                self.stdout.write(f"  {'':34} TOTP secret {credential.totp_secret}")
                self.stdout.write(f"  {'':34} {credential.totp_uri}")
            if credential.api_key:
                self.stdout.write(f"  {'':34} API key {credential.api_key}")
