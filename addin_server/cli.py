"""The `oasis-addin` command. Each subcommand lives beside the code it drives; this module
only assembles them, so it stays thin."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from addin_server import serve_cli

    parser = argparse.ArgumentParser(
        prog="oasis-addin",
        description="Generative AI for Word and Excel under the Osaka City guideline v2.1",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cli.register(sub)
    for module in _optional_commands():
        module.register(sub)
    return parser


def _optional_commands() -> list:
    """Subcommands registered by other parts (manifest, tag, annotate, audit)."""
    import importlib

    modules = []
    for name in ("addin_server.manifest", "docx_tools.cli", "addin_server.annotate_cli", "addin_server.audit.cli"):
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the module must surface
                raise
    return modules


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
