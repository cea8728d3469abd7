"""spacekg: spaceflight news articles in, a linked-data knowledge graph out.

The flow (see DESIGN.md) is visible in the package layout:

    articles  -> extract -> reasoning -> validation -> store -> web / cli
"""

from __future__ import annotations

__version__ = "0.1.0"
