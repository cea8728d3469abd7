"""`python -m spacekg`: the same as the `spacekg` command."""

from __future__ import annotations

from spacekg.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
