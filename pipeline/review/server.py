"""Start the review server (``msi-evidence review``)."""

from __future__ import annotations

import sqlite3

from pipeline.review.auth import has_credentials
from pipeline.review.config import ReviewConfig, ReviewConfigError, is_loopback
from pipeline.store import Store


def check_startup(config: ReviewConfig, store: Store) -> None:
    """Refuse to listen beyond loopback unless reviewer credentials exist."""
    if not is_loopback(config.host) and not has_credentials(store):
        raise ReviewConfigError(
            f"refusing to listen on {config.host}: beyond 127.0.0.1 every reviewer needs a "
            f"password. Add one with `msi-evidence reviewer add NAME --db {config.db}` "
            "(repeat for each reviewer), or leave --host at 127.0.0.1."
        )


def serve(config: ReviewConfig) -> None:
    import uvicorn

    from pipeline.review.app import create_app

    store = Store(config.db, busy_timeout_s=5.0, create=False)
    check_startup(config, store)
    app = create_app(config, store=store)
    mode = "passwords required" if has_credentials(store) else "name-only sign-in (loopback)"
    print(
        f"Review workspace on http://{config.host}:{config.port}/  ({mode}; "
        f"SQLite {sqlite3.sqlite_version}; Ctrl+C stops)",
        flush=True,
    )
    try:
        uvicorn.run(
            app,
            host=config.host,
            port=config.port,
            log_level="warning",
            server_header=False,
            proxy_headers=False,
        )
    finally:
        store.close()
