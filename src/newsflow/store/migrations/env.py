"""Alembic environment: always run with a connection handed over by newsflow.store.engine.migrate."""

from alembic import context

import newsflow.wire.tables  # noqa: F401  (the subscriber tables live on the same metadata)
from newsflow.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
