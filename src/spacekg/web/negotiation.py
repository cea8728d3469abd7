"""Choose a response format from what the client asked for and what we can give.

An explicit `format` parameter (a short name like `csv`, or a media type)
wins; otherwise the Accept header decides, q-values and wildcards included
(werkzeug's parser). A client whose Accept matches nothing we offer gets the
default format rather than a 406: SPARQL clients commonly send one Accept
header for every query type, and an answer beats an error.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import BadRequest, NotAcceptable

from spacekg.store.formats import DUMP_FORMATS, GRAPH_FORMATS, RESULT_FORMATS, Format, find_format

_ALL_FORMATS = (*RESULT_FORMATS, *GRAPH_FORMATS, *DUMP_FORMATS)


def negotiate(offered: tuple[Format, ...], accept: MIMEAccept, requested: str | None) -> Format:
    """The format to answer in, from `offered` (its first is the default).

    Raises BadRequest for a `requested` format nobody knows, NotAcceptable
    for a known one that does not suit this response.
    """
    if requested:
        chosen = find_format(requested, offered)
        if chosen is not None:
            return chosen
        if find_format(requested, _ALL_FORMATS) is None:
            raise BadRequest(f"unknown format {requested!r}")
        names = ", ".join(fmt.name for fmt in offered)
        raise NotAcceptable(
            f"this response cannot be given as {requested!r}; choose one of: {names}"
        )
    best = accept.best_match([media for fmt in offered for media in fmt.media_types])
    return (find_format(best, offered) if best else None) or offered[0]
