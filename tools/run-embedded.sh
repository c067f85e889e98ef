#!/usr/bin/env bash
# Set up and start esi-leap on the embedded default, in the foreground:
# SQLite, no Keystone (auth_strategy = noauth, acting as an admin), dummy
# nodes from a directory, API and manager in one process (esi-leap-all) on
# http://127.0.0.1:7777.
#
#   tools/run-embedded.sh          # state in ./state (config, DB, nodes)
#   ESI_LEAP_STATE=/tmp/x tools/run-embedded.sh
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
python=${PYTHON:-python3}
venv=${ESI_LEAP_VENV:-$top/.venv}
state=${ESI_LEAP_STATE:-$top/state}

# pip's output goes to a log; the user sees a line every few packages.
# NOTE(esi-leap): measured on a 2-core machine with a warm network: a
# fresh install of the ~90 packages takes 80-120 s, most of it
# downloading and unpacking.
sparse_progress() {
  awk -v every=15 '
    /^Collecting / { n++; if (n % every == 0) {
        printf "   ... %d packages found\n", n; fflush() } }
    /^Installing collected packages/ {
        printf "   ... installing %d packages\n", NF - 3; fflush() }'
}

install_esi_leap() {
  local log="$venv/esi-leap-install.log" started=$SECONDS
  echo "== first run: installing esi-leap and its dependencies (about 90"
  echo "   packages) into $venv; this usually takes 1-2 minutes."
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  if ! "$venv/bin/pip" install --disable-pip-version-check \
        --progress-bar off -c constraints.txt -r requirements.txt 2>&1 \
        | tee "$log" | sparse_progress || \
     ! "$venv/bin/pip" install -q --disable-pip-version-check \
        -c constraints.txt --no-deps -e . >> "$log" 2>&1; then
    echo "== installing failed; the last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  echo "$want" > "$venv/.esi-leap-run-stamp"
  echo "== installed in $((SECONDS - started)) s (log: $log)"
}

want=$(cat requirements.txt constraints.txt setup.cfg | sha1sum | cut -c1-40)
if [ ! -x "$venv/bin/esi-leap-all" ] || \
   [ "$(cat "$venv/.esi-leap-run-stamp" 2>/dev/null)" != "$want" ]; then
  install_esi_leap
fi

mkdir -p "$state/nodes"
conf="$state/esi-leap.conf"
if [ ! -f "$conf" ]; then
  cat > "$conf" <<CONF
[DEFAULT]
auth_strategy = noauth
# Listening on 127.0.0.1 only: nobody else can claim an identity.
noauth_acknowledged = true

[database]
connection = sqlite:///$state/esi-leap.sqlite

[api]
host_ip = 127.0.0.1
port = 7777
default_resource_type = dummy_node

[dummy_node]
dummy_node_dir = $state/nodes

[noauth]
# Requests without X-Project-Id / X-Roles / X-User-Id headers act as this
# identity. Policy is still enforced.
project_id = admin
user_id = admin
roles = admin
CONF
  echo "== wrote $conf"
fi

if [ -z "$(ls -A "$state/nodes")" ]; then
  # Nodes 1-3 are ready; node 4 failed its cleaning (Ironic's "clean
  # failed", in maintenance): a lease of it waits, quarantined, until the
  # file says "available" and maintenance false (see the admin guide,
  # "Hand-back and cleaning").
  for i in 1 2 3 4; do
    state_of='"provision_state": "available", "maintenance": false'
    [ "$i" = 4 ] && state_of='"provision_state": "clean failed", "maintenance": true'
    cat > "$state/nodes/$i" <<NODE
{"project_owner_id": "admin", "resource_class": "baremetal",
 "properties": {"cpus": 8, "memory_mb": 32768, "local_gb": 500},
 $state_of,
 "console": {"type": "socat", "url": "tcp://127.0.0.1:$((7000 + i))"}}
NODE
  done
  echo "== created dummy nodes 1..4 (named dummy-node-1..4) in $state/nodes;"
  echo "   node 4 is quarantined (clean failed, maintenance): edit its file"
  echo "   to \"provision_state\": \"available\", \"maintenance\": false to repair it"
fi

"$venv/bin/esi-leap-dbsync" --config-file "$conf" upgrade >/dev/null
cat <<MSG
== esi-leap starting on http://127.0.0.1:7777 (Ctrl-C stops it)
   Point the unchanged CLI at it with:
     openstack --os-auth-type none --os-endpoint http://127.0.0.1:7777/v1 \\
       esi offer create dummy-node-1 --end-time 2030-01-01
     openstack --os-auth-type none --os-endpoint http://127.0.0.1:7777/v1 \\
       esi offer list
MSG
exec "$venv/bin/esi-leap-all" --config-file "$conf"
