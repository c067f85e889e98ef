#!/usr/bin/env bash
# Set up everything the esi-leap test suite needs, then run it under pytest.
#
#   tools/run-tests.sh [pytest arguments]
#
# Creates .venv (esi-leap with its test and docs requirements),
# .venv-client (the real python-esileapclient 1.1.0 CLI, with tempest and
# pytest for its upstream functional suite), .esileapclient-src (the
# client's unpacked sdist: that suite and its conftest.py) and
# .venv-keystone (Keystone 30 for the tests that need a real Keystone),
# .venv-ironic (Ironic 39 for the tests that need a real Ironic) and
# .venv-peer (the original ESI-Leap 1.0.0, whose database esi-leap adopts)
# when missing or out of date, then runs every test on SQLite, MariaDB
# (127.0.0.1:3306, root, no password; through PyMySQL and through
# mysqlclient) and PostgreSQL (127.0.0.1:5432, postgres, trust).
# ESI_LEAP_TEST_BACKENDS=sqlite limits the database backends.
# Test modules run in ESI_LEAP_TEST_WORKERS parallel pytest-xdist workers
# (default 4; most of the suite waits on servers, brokers and clocks rather
# than on the CPU), each module on one worker so that its servers are
# shared; ESI_LEAP_TEST_WORKERS=0 runs everything in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
python=${PYTHON:-python3}
venv=${ESI_LEAP_VENV:-$top/.venv}
client_venv=${ESI_LEAP_CLIENT_VENV:-$top/.venv-client}
client_src=${ESI_LEAP_CLIENT_SRC:-$top/.esileapclient-src}
keystone_venv=${ESI_LEAP_KEYSTONE_VENV:-$top/.venv-keystone}
ironic_venv=${ESI_LEAP_IRONIC_VENV:-$top/.venv-ironic}
peer_venv=${ESI_LEAP_PEER_VENV:-$top/.venv-peer}
keylime_venv=${ESI_LEAP_KEYLIME_VENV:-$top/.venv-keylime}

stamp() { cat "$@" | sha1sum | cut -c1-40; }

# Debian packages the harness runs for real: a 3-node Galera cluster
# (galera-4, mariadb-server, rsync for its state transfer), serial consoles
# (socat, ipmitool), the shell checks of the DevStack plugin (shellcheck),
# and what the C MySQL driver mysqlclient builds against (libmariadb-dev,
# pkg-config), and for the attested hand-over a software TPM with its tools
# (swtpm, swtpm-tools, tpm2-tools) and the gpg bindings Keylime imports
# (python3-gpg).
debs="galera-4 mariadb-server rsync socat ipmitool shellcheck libmariadb-dev"
debs="$debs pkg-config swtpm swtpm-tools tpm2-tools python3-gpg"
missing=""
for deb in $debs; do
  dpkg -s "$deb" >/dev/null 2>&1 || missing="$missing $deb"
done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  sudo_=""
  [ "$(id -u)" = 0 ] || sudo_=sudo
  # shellcheck disable=SC2086
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing >/dev/null 2>&1 || {
    $sudo_ apt-get update -q >/dev/null 2>&1
    # shellcheck disable=SC2086
    $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends $missing
  }
fi

# venv_ready DIR STAMP FILE...: DIR holds every FILE and was built for STAMP.
venv_ready() {
  local dir=$1 want=$2 file
  shift 2
  for file in "$@"; do
    [ -e "$dir/$file" ] || return 1
  done
  [ "$(cat "$dir/.esi-leap-stamp" 2>/dev/null)" = "$want" ]
}

# pip_into DIR PIP-INSTALL-ARGUMENTS...: create the venv DIR if needed, then
# install into it.
pip_into() {
  local dir=$1
  shift
  [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
}

# mark_built DIR STAMP: DIR now holds what STAMP names.
mark_built() { echo "$2" > "$1/.esi-leap-stamp"; }

want=$(stamp requirements.txt test-requirements.txt doc/requirements.txt \
             constraints.txt setup.cfg)
if ! venv_ready "$venv" "$want" bin/python; then
  echo "== installing esi-leap and its test requirements into $venv"
  pip_into "$venv" -c constraints.txt \
    -r requirements.txt -r test-requirements.txt -r doc/requirements.txt
  pip_into "$venv" -c constraints.txt --no-deps -e .
  mark_built "$venv" "$want"
fi

want=$(stamp tools/constraints-client.txt)
if ! venv_ready "$client_venv" "$want" bin/openstack; then
  echo "== installing python-esileapclient 1.1.0 into $client_venv"
  pip_into "$client_venv" -c tools/constraints-client.txt \
    python-esileapclient==1.1.0 python-openstackclient tempest pytest \
    pytest-xdist
  mark_built "$client_venv" "$want"
fi

# The upstream functional suite is in the wheel too, but its conftest.py
# (--run-slow) is only in the sdist.
want='python-esileapclient==1.1.0'
if ! venv_ready "$client_src" "$want" conftest.py; then
  echo "== unpacking the python-esileapclient 1.1.0 sdist into $client_src"
  download=$(mktemp -d)
  "$client_venv/bin/pip" download -q --disable-pip-version-check \
    --no-binary :all: --no-deps -d "$download" "$want"
  rm -rf "$client_src"
  mkdir -p "$client_src"
  tar -xzf "$download"/*.tar.gz -C "$client_src" --strip-components=1
  rm -rf "$download"
  mark_built "$client_src" "$want"
fi

want=$(stamp tools/constraints-keystone.txt)
if ! venv_ready "$keystone_venv" "$want" bin/keystone-manage bin/gunicorn
then
  echo "== installing Keystone 30.0.0 into $keystone_venv"
  pip_into "$keystone_venv" -c tools/constraints-keystone.txt \
    keystone==30.0.0 gunicorn
  mark_built "$keystone_venv" "$want"
fi

want=$(stamp tools/constraints-ironic.txt)
if ! venv_ready "$ironic_venv" "$want" bin/ironic bin/ironic-dbsync; then
  echo "== installing Ironic 39.0.0 into $ironic_venv"
  pip_into "$ironic_venv" -c tools/constraints-ironic.txt ironic==39.0.0
  mark_built "$ironic_venv" "$want"
fi

want=$(stamp tools/constraints-peer.txt)
if ! venv_ready "$peer_venv" "$want" bin/esi-leap-dbsync; then
  echo "== installing the original ESI-Leap 1.0.0 into $peer_venv"
  pip_into "$peer_venv" -c tools/constraints-peer.txt esi-leap==1.0.0
  mark_built "$peer_venv" "$want"
fi

# Keylime's wheel declares no dependencies: its requirements are pinned in
# the constraints file next to it. Its gpg module is Debian's python3-gpg,
# made visible (alone) through a .pth file.
want=$(stamp tools/constraints-keylime.txt)
if ! venv_ready "$keylime_venv" "$want" bin/keylime_verifier debian-gpg/gpg
then
  echo "== installing Keylime 7.14.3 (verifier, registrar) into $keylime_venv"
  # shellcheck disable=SC2046
  pip_into "$keylime_venv" -c tools/constraints-keylime.txt \
    $(sed -e 's/#.*//' -e 's/==.*//' tools/constraints-keylime.txt)
  mkdir -p "$keylime_venv/debian-gpg"
  ln -sfn /usr/lib/python3/dist-packages/gpg "$keylime_venv/debian-gpg/gpg"
  for site in "$keylime_venv"/lib/python3*/site-packages; do
    echo "$keylime_venv/debian-gpg" > "$site/debian-gpg.pth"
  done
  mark_built "$keylime_venv" "$want"
fi

export ESI_LEAP_TEST_OPENSTACK="$client_venv/bin/openstack"
export ESI_LEAP_CLIENT_VENV="$client_venv" ESI_LEAP_CLIENT_SRC="$client_src"
export ESI_LEAP_KEYSTONE_VENV="$keystone_venv"
export ESI_LEAP_IRONIC_VENV="$ironic_venv"
export ESI_LEAP_PEER_VENV="$peer_venv"
export ESI_LEAP_KEYLIME_VENV="$keylime_venv"
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::DeprecationWarning}
workers=${ESI_LEAP_TEST_WORKERS:-4}
parallel=()
if [ "$workers" != 0 ]; then
  # Modules go to workers in the order the suite's conftest sorts them
  # (the longest first); xdist would otherwise reorder them by test count
  # and start the one-test upstream suite, which runs ~10 minutes, last.
  parallel=(-n "$workers" --dist loadscope --no-loadscope-reorder)
fi
exec "$venv/bin/python" -m pytest -p no:cacheprovider "${parallel[@]}" \
  --durations=20 "$@"
