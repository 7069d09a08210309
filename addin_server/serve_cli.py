"""`oasis-addin serve` (filled in by the Foundation work)."""
import argparse

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the HTTP service")
    p.set_defaults(func=lambda a: 0)
