"""Serve the knowledge graph: `python server.py [--host H] [--port P]`.

The same as `spacekg serve`: it builds the graph from data/ first when nothing
has been built yet or the data changed since; every setting also reads
SPACEKG_* variables.
For another WSGI server, use the app factory: `spacekg.web:create_app()`.
"""

from __future__ import annotations

import sys

from spacekg.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
