"""Alembic environment: runs migrations on the connection it is given."""
from alembic import context

from esi_leap.db.sqlalchemy import models

target_metadata = models.Base.metadata


def run_migrations_online():
    """Run the migrations on the connection esi-leap-dbsync provides."""
    connectable = context.config.attributes.get('connection')
    if connectable is None:
        raise RuntimeError('esi-leap migrations need a connection; run '
                           'them through esi-leap-dbsync.')
    context.configure(connection=connectable,
                      target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
