"""The `vigil` command. Its script is imported again by every worker process that tokenises in
parallel, so it loads the client only when run, not when imported."""


def main() -> int:
    from vigil_client.cli import main as run

    return run()
