"""A database server that refuses new sessions (it is full) answers 503.

oslo.db reports "too many connections" as a plain DBError; to a client it
is the same "retry later" as a server that is down, never a 500. Each test
gets a real account limited to one session on the backend's server.
"""
import uuid

from oslo_db import exception as db_exc
import pytest
import sqlalchemy as sa

from esi_leap.db import api as db_api
from esi_leap.tests.fixtures import databases
from esi_leap.tests.functional.helpers import fault
from esi_leap.tests import identities


def _limited_account(database, user):
    """Create ``user`` (one session at most) with rights on the database."""
    engine = database._server_engine()
    with engine.begin() as conn:
        if database.backend in databases.MYSQL_BACKENDS:
            conn.exec_driver_sql(
                "CREATE USER '%s'@'%%%%' WITH MAX_USER_CONNECTIONS 1" % user)
            conn.exec_driver_sql("GRANT ALL ON %s.* TO '%s'@'%%%%'"
                                 % (database.name, user))
        else:
            # Any role may connect to the database (PUBLIC's CONNECT).
            conn.exec_driver_sql('CREATE ROLE %s LOGIN CONNECTION LIMIT 1'
                                 % user)
    engine.dispose()


def _drop_account(database, user):
    engine = database._server_engine()
    with engine.begin() as conn:
        if database.backend in databases.MYSQL_BACKENDS:
            conn.exec_driver_sql("DROP USER IF EXISTS '%s'@'%%%%'" % user)
        else:
            conn.exec_driver_sql('DROP ROLE IF EXISTS %s' % user)
    engine.dispose()


@pytest.fixture
def full_server(database, config):
    """Point esi-leap at an account whose one session is already taken."""
    if database.backend == 'sqlite':
        pytest.skip('SQLite has no sessions to refuse')
    user = 'esi_full_%s' % uuid.uuid4().hex[:8]
    _limited_account(database, user)
    url = sa.engine.make_url(database.url).set(username=user)
    holder = sa.create_engine(url, poolclass=sa.pool.NullPool)
    held = holder.connect()
    config(group='database', connection=url.render_as_string(
        hide_password=False))
    db_api.reset()
    try:
        yield
    finally:
        # The database fixture empties the tables as the usual account.
        config(group='database', connection=database.url)
        db_api.reset()
        held.close()
        holder.dispose()
        _drop_account(database, user)


def test_a_full_server_answers_503(app, full_server):
    # NOTE: app (and its database fixture) first, then the full account.
    headers = identities.noauth_headers('p', 'admin')
    for path in ('/v1/offers', '/v1/leases?view=all'):
        response = app.get(path, headers=headers, expect_errors=True)
        assert response.status_int == 503, response.text
        assert fault(response) == \
            'The database is unavailable; retry later.'
    response = app.post_json('/v1/offers/%s/claim' % uuid.uuid4(), {},
                             headers=headers, expect_errors=True)
    assert response.status_int == 503, response.text


def test_other_database_errors_stay_500(app, monkeypatch):
    def broken(*args):
        raise db_exc.DBError(RuntimeError('syntax error near SELECT'))
    monkeypatch.setattr(db_api, 'offer_list_with_windows', broken)
    response = app.get('/v1/offers',
                       headers=identities.noauth_headers('p', 'admin'),
                       expect_errors=True)
    assert response.status_int == 500
    assert 'syntax' not in response.text
