"""Helpers shared by the API functional tests."""
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.db.sqlalchemy import models


def fault(response):
    """Return the faultstring of a JSON error response, checking its shape."""
    assert response.content_type == 'application/json'
    body = response.json
    assert set(body) == {'faultcode', 'faultstring', 'debuginfo'}
    assert body['debuginfo'] is None
    return body['faultstring']


def set_lease_status(uuid, status):
    """Change a lease's status directly, as the manager would."""
    with db_api.writer() as session:
        session.execute(sa.update(models.Lease)
                        .where(models.Lease.uuid == uuid)
                        .values(status=status))
