"""Load the demo consortium and its demo reports; re-running it creates nothing twice."""

from typing import Any

from apps.common.commands import ServiceCommand
from apps.matching.demo import demo_reports_load
from apps.organisations.demo import DemoCredential, demo_load


class Command(ServiceCommand):
    help = (
        "Create the demo bank, exchange, NGO and police unit (an admin with an authenticator app and an API key "
        "each, and an analyst at the bank), a hub admin, and reports of a few demo wallets by the exchange (named) "
        "and the police unit (silent)."
    )

    def run(self, **options: Any) -> None:
        credentials = demo_load()
        wallets = demo_reports_load()
        if credentials:
            self.stdout.write("Demo consortium created. Credentials are shown this once:")
            self._credentials(credentials)
        else:
            self.stdout.write("Demo consortium already loaded; credentials were printed when it was created.")
            self.stdout.write("Make new ones with `manage.py create_api_key` or `manage.py changepassword`.")
        self.stdout.write("Wallets the demo exchange has reported: report one in the portal to see a match.")
        for wallet in wallets:
            self.stdout.write(f"  {wallet.namespace:4} {wallet.address}")

    def _credentials(self, credentials: list[DemoCredential]) -> None:
        for credential in credentials:
            password = credential.password or "(unchanged)"
            self.stdout.write(f"  {credential.organisation:34} user {credential.username:15} password {password}")
            if credential.totp_secret:
                # Signing in asks for a code from an authenticator app holding this secret (or scan the URI).
                self.stdout.write(f"  {'':34} TOTP secret {credential.totp_secret}")
                self.stdout.write(f"  {'':34} {credential.totp_uri}")
            if credential.api_key:
                self.stdout.write(f"  {'':34} API key {credential.api_key}")
