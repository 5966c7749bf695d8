"""Load the demo consortium, its reports and a statistics release; re-running it creates nothing twice.

It lives in statistics, the app at the top of the imports, because it loads every layer below it."""

from argparse import ArgumentParser
from typing import Any

from apps.common.commands import ServiceCommand
from apps.common.public_ids import public_id
from apps.matching.demo import DEMO_CONSORTIUM_WALLETS, demo_reports_load
from apps.organisations.demo import DemoCredential, demo_load
from apps.statistics.demo import demo_consortium_load


class Command(ServiceCommand):
    help = (
        "Create the demo bank, exchange, NGO and police unit (an admin with an authenticator app and an API key "
        "each, and an analyst at the bank), a hub admin, and reports of a few demo wallets by the exchange (named) "
        "and the police unit (silent); then more members without people who report synthetic wallets over the "
        "past eleven months, record outcomes and disputes, and statistics releases of the current quarter and "
        "the twelve months to date."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--wallets", type=int, default=DEMO_CONSORTIUM_WALLETS,
            help=f"synthetic wallets the consortium reports (default {DEMO_CONSORTIUM_WALLETS})",
        )  # fmt: skip

    def run(self, *, wallets: int, **options: Any) -> None:
        credentials = demo_load()
        demo_wallets = demo_reports_load()
        consortium = demo_consortium_load(wallets=wallets)
        if credentials:
            self.stdout.write("Demo consortium created. Credentials are shown this once:")
            self._credentials(credentials)
        else:
            self.stdout.write("Demo consortium already loaded; credentials were printed when it was created.")
            self.stdout.write("Make new ones with `manage.py create_api_key` or `manage.py changepassword`.")
        self.stdout.write("Wallets the demo exchange has reported: report one in the portal to see a match.")
        for wallet in demo_wallets:
            self.stdout.write(f"  {wallet.namespace:4} {wallet.address}")
        if consortium is None:
            self.stdout.write("The consortium's history and statistics releases were loaded before.")
            return
        self.stdout.write(
            f"{consortium.members} more members (without people) reported {wallets} synthetic wallets over the past "
            f"months: {consortium.reports} reports, {consortium.matches} matches, {consortium.reviews} outcomes "
            f"recorded, {consortium.disputes} disputes."
        )
        self.stdout.write("Statistics released (portal: Statistics; hub administrator: Transparency report):")
        for release in consortium.releases:
            self.stdout.write(f"  {public_id('release', release.pk)} {release.period_label}")

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
