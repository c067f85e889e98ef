#!/usr/bin/env bash
# Set up everything the esi-leap test suite needs, then run it under pytest.
#
#   tools/run-tests.sh [pytest arguments]
#
# Creates .venv (esi-leap with its test and docs requirements) and
# .venv-client (the real python-esileapclient 1.1.0 CLI) when missing or
# out of date, then runs every test on SQLite, MariaDB (127.0.0.1:3306,
# root, no password) and PostgreSQL (127.0.0.1:5432, postgres, trust).
# ESI_LEAP_TEST_BACKENDS=sqlite limits the database backends.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
python=${PYTHON:-python3}
venv=${ESI_LEAP_VENV:-$top/.venv}
client_venv=${ESI_LEAP_CLIENT_VENV:-$top/.venv-client}

stamp() { cat "$@" | sha1sum | cut -c1-40; }

want=$(stamp requirements.txt test-requirements.txt doc/requirements.txt \
             constraints.txt setup.cfg)
if [ ! -x "$venv/bin/python" ] || \
   [ "$(cat "$venv/.esi-leap-stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing esi-leap and its test requirements into $venv"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -c constraints.txt \
    -r requirements.txt -r test-requirements.txt -r doc/requirements.txt
  "$venv/bin/pip" install -q --disable-pip-version-check -c constraints.txt \
    --no-deps -e .
  echo "$want" > "$venv/.esi-leap-stamp"
fi

want_client=$(stamp tools/constraints-client.txt)
if [ ! -x "$client_venv/bin/openstack" ] || \
   [ "$(cat "$client_venv/.esi-leap-stamp" 2>/dev/null)" != "$want_client" ]
then
  echo "== installing python-esileapclient 1.1.0 into $client_venv"
  [ -x "$client_venv/bin/python" ] || "$python" -m venv "$client_venv"
  "$client_venv/bin/pip" install -q --disable-pip-version-check \
    -c tools/constraints-client.txt python-esileapclient==1.1.0 \
    python-openstackclient
  echo "$want_client" > "$client_venv/.esi-leap-stamp"
fi

export ESI_LEAP_TEST_OPENSTACK="$client_venv/bin/openstack"
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning}
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
