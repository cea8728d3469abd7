"""The web face of the knowledge graph: a Flask app, one blueprint per surface.

The web layer reads the store and nothing else: it never imports extraction
or the build. Settings are fixed when the app is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from spacekg.config import Settings, load_settings
from spacekg.store import query_runner, store_handle
from spacekg.web import (
    access_log,
    catalog,
    classes,
    dumps,
    errors,
    health,
    home,
    ingest,
    layout,
    ontology,
    resources,
    search,
    sparql,
    void,
)
from spacekg.web.result_cache import ResultCache, VersionedCache
from spacekg.web.state import AppState, attach

#: Largest request body accepted (a query, or a form holding one); larger gets a 413.
MAX_REQUEST_BYTES = 1_000_000


def create_app(
    settings: Settings | None = None,
    test_config: Mapping[str, Any] | None = None,
    *,
    articles: ingest.ArticleSink | None = None,
) -> Flask:
    """A new app serving the store `settings.store` points at.

    `settings` default to load_settings() (defaults and SPACEKG_* variables);
    `test_config` is merged into the Flask config last. `articles` is what
    POST /articles ingests with (the route exists only with it and a
    configured `ingest_token`). The store need not
    exist yet: requests answer 503 until a build is published, and each
    request serves the build published at that moment.
    """
    settings = settings if settings is not None else load_settings()
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES)
    if test_config is not None:
        app.config.from_mapping(test_config)
    # The same budget for answers and for pages: each holds what is asked again.
    cache_bytes = settings.result_cache_mb * 1024 * 1024
    state = AppState(
        settings,
        stores=store_handle(settings),
        runner=query_runner(settings),
        results=ResultCache(cache_bytes),
        pages=VersionedCache(cache_bytes, lambda page: len(page.body)),
    )
    attach(app.extensions, state)
    errors.init_app(app)
    layout.init_app(app)
    catalog.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(access_log.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(ontology.bp)
    app.register_blueprint(classes.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(void.bp)
    ingest.init_app(app, articles, settings.ingest_token)
    return app
