"""One exception hierarchy for the whole package.

Errors are raised where they happen and translated only at the edges: the CLI
turns them into a one-line message and an exit code, the web layer into its
documented error shape.
"""

from __future__ import annotations

from collections.abc import Iterable


class SpacekgError(Exception):
    """Base of every error spacekg raises on purpose."""


class ConfigError(SpacekgError):
    """A setting has a value spacekg cannot use."""


class ArticleError(SpacekgError):
    """An article file cannot be read as an article; names the file."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class BuildError(SpacekgError):
    """The knowledge graph could not be built; nothing was published."""


class InconsistencyError(BuildError):
    """OWL 2 RL reasoning found the data inconsistent with the ontology."""

    def __init__(self, messages: Iterable[str], resources: Iterable[str]) -> None:
        self.messages = sorted(set(messages))
        self.resources = sorted(set(resources))
        detail = "; ".join(self.messages[:5])
        more = f" (and {len(self.messages) - 5} more)" if len(self.messages) > 5 else ""
        super().__init__(f"the graph is inconsistent with the ontology: {detail}{more}")


class ValidationError(BuildError):
    """The graph does not meet the SHACL shapes; carries the readable report."""

    def __init__(self, report: str, violations: int) -> None:
        super().__init__(f"{violations} SHACL violation(s):\n{report}")
        self.report = report
        self.violations = violations


class IngestError(SpacekgError):
    """An article could not be ingested; the published graph is unchanged."""


class StoreError(SpacekgError):
    """The store cannot be opened, read or written."""


class QueryError(SpacekgError):
    """A SPARQL query is malformed or not allowed.

    `position` is the (line, column) of a syntax error, both from 1, when known.
    """

    def __init__(self, message: str, position: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.position = position


class QueryLimitError(SpacekgError):
    """A query hit a limit the endpoint sets (time, memory) and was stopped."""


class QueryTimeoutError(QueryLimitError):
    """A query ran out of time (or waited too long for a free worker) and was stopped."""


class QueryMemoryError(QueryLimitError):
    """A query needed more memory than its worker may use and was stopped."""
