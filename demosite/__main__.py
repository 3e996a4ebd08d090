"""``python -m demosite``: serve the demo outlets until Ctrl-C, for people to browse."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from demosite.server import DemoSite
from kernel.errors import TablewatchError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demosite", description=__doc__)
    parser.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="first port (one per outlet); default: free ports",
    )
    parser.add_argument(
        "--generated",
        type=int,
        default=None,
        help="serve N generated articles instead of the storyline",
    )
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        help="show only articles published by YYYY-MM-DD",
    )
    parser.add_argument(
        "--sources", default=None, help="also write a sources YAML for the running outlets here"
    )
    args = parser.parse_args(argv)
    try:
        site = DemoSite(
            as_of=args.as_of, generated=args.generated, port_base=args.port_base
        ).start()
    except TablewatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        for outlet in site.outlets:
            print(f"{outlet.name:10s} {outlet.base_url}/", flush=True)
        if args.sources:
            print(f"sources: {site.write_sources(args.sources)}", flush=True)
        print("serving; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
