"""dummy_node: nodes described by JSON files, for development and tests.

Each node is a file ``<[dummy_node]dummy_node_dir>/<uuid>`` holding a JSON
object with ``project_owner_id`` and optionally ``resource_class``,
``properties``, ``provision_state``, ``power_state``, ``maintenance``,
``lease_uuid`` and ``project_id`` (the current lessee). The directory is
read at request time.

``provision_state`` and ``maintenance`` model Ironic's hand-back (see the
admin guide): at a lease end a node in maintenance or in ``clean failed``,
``inspect failed`` or ``error`` is quarantined (and, with ``[ironic]
clean_on_lease_end``, one in ``enroll``), one in a busy state such as
``cleaning`` is waited for, a deployed one (``active``...) is undeployed
and a ``manageable`` one cleaned, both at once, to ``available``; a lease
starts only on an ``available`` node out of maintenance (or an
``enroll`` one with ``[ironic] require_available_for_handover`` off); a
node with no ``provision_state`` counts as ``available``.

A ``console`` object gives the node a serial console the console proxy can
reach: ``{"type": "socat", "url": "tcp://127.0.0.1:PORT"}`` for a raw TCP
stream, or ``{"type": "ipmi", "address": ..., "port": ..., "username": ...,
"password": ...}`` for IPMI Serial-over-LAN to a BMC.
"""
import json
import os
import stat
import tempfile

from oslo_config import cfg

from esi_leap.common import exception
from esi_leap.common import ironic_states as states
from esi_leap.resource_types import base

CONF = cfg.CONF


# Parsed node files, by path: ((device, inode, size, mtime, ctime), data).
_PARSED = {}
# At most this many are kept; beyond, the cache starts afresh.
MAX_PARSED = 10000


def _load(path):
    """The JSON content of the file at ``path``, parsed once per version.

    NOTE(esi-leap): a listing reads every node of its rows; parsing the
    same unchanged files again on each request cost more than the rest of
    a short listing. A file is parsed again whenever its identity, size or
    times change; the service (and the test fixtures) replace node files
    by renaming a new one into place, which always changes the inode.
    Raises OSError or ValueError as reading the file would.
    """
    # NOTE(esi-leap): a stat, not an open, decides whether the cached
    # parse is current (an open and close cost several times more). A
    # new parse is kept under the version of the file it read (fstat of
    # the open file), whatever replaced the path since the stat.
    version = _version(os.stat(path))
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    with open(path) as f:
        version = _version(os.fstat(f.fileno()))
        data = json.load(f)
    if len(_PARSED) >= MAX_PARSED:
        _PARSED.clear()
    _PARSED[path] = (version, data)
    return data


def _version(st):
    """What identifies one version of a file: (dev, ino, size, times)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_ctime_ns)


def _hand_back(data, uuid):
    """One hand-back step on a dummy node's JSON (changed in place)."""
    data.pop('project_id', None)
    state = data.get('provision_state', states.AVAILABLE)
    name = 'dummy-node-%s' % uuid
    if state in states.FAILED or data.get('maintenance'):
        return base.HandBack(base.Progress.QUARANTINED, 'node %s is %s' % (
            name, 'in maintenance' if data.get('maintenance') else state))
    if state in states.BUSY:
        return base.HandBack(base.Progress.BUSY, 'node is %s' % state)
    if state in states.UNPROVISIONED and CONF.ironic.clean_on_lease_end:
        return base.HandBack(base.Progress.QUARANTINED, 'node %s is in %s: '
                             'it cannot be cleaned' % (name, state))
    outcome = 'scrubbed'
    if state in states.UNDEPLOYABLE or state in states.ABORT_FIRST:
        data['provision_state'], outcome = states.AVAILABLE, 'undeployed'
    elif state == states.MANAGEABLE:
        data['provision_state'], outcome = states.AVAILABLE, 'cleaned'
    data.pop('instance_info', None)
    data.pop('lease_uuid', None)
    return base.HandBack(base.Progress.DONE, outcome=outcome)


def _mode_of(path):
    """The permission bits of ``path``, or 0644 if it cannot be read."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o644


class DummyNodeType(base.ResourceType):
    """File-backed nodes; the file name is the node uuid."""

    name = 'dummy_node'

    def _path(self, uuid):
        # NOTE(esi-leap): the uuid comes from the client; it must name a
        # file inside the directory, never a path elsewhere.
        if not uuid or os.sep in uuid or uuid in ('.', '..'):
            raise exception.NodeNotFound(
                uuid=uuid, resource_type=self.name,
                err='not a valid dummy node name')
        return os.path.join(CONF.dummy_node.dummy_node_dir, uuid)

    def _read(self, uuid):
        path = self._path(uuid)
        try:
            data = _load(path)
        except OSError as e:
            # NOTE(esi-leap): the reason, never the server's file path.
            raise exception.NodeNotFound(uuid=uuid, resource_type=self.name,
                                         err=os.strerror(e.errno)
                                         if e.errno else 'unreadable')
        except ValueError:
            raise exception.NodeNotFound(uuid=uuid, resource_type=self.name,
                                         err='its file is not valid JSON')
        if not isinstance(data, dict):
            raise exception.NodeNotFound(uuid=uuid, resource_type=self.name,
                                         err='its file is not a JSON object')
        properties = data.get('properties')
        return base.NodeInfo(
            uuid=uuid,
            name='dummy-node-%s' % uuid,
            owner_id=data.get('project_owner_id'),
            lessee_id=data.get('project_id'),
            lease_uuid=data.get('lease_uuid'),
            resource_class=data.get('resource_class', 'dummy'),
            # A copy: the parsed file is shared by later reads.
            properties=dict(properties) if isinstance(properties, dict)
            else {},
            provision_state=data.get('provision_state', 'available'),
            power_state=data.get('power_state', 'power off'),
            maintenance=bool(data.get('maintenance', False)),
            extra=dict(data['extra']) if isinstance(data.get('extra'), dict)
            else {})

    def _update(self, uuid, change):
        """Apply ``change`` to the node's JSON and replace the file whole."""
        path = self._path(uuid)
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            raise exception.NodeNotFound(uuid=uuid, resource_type=self.name,
                                         err='its file cannot be read')
        if change(data) is False:
            return
        # NOTE(esi-leap): write a new file and rename it over the old one,
        # so a reader never sees half a node.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                                   prefix='.%s.' % uuid)
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f)
            # mkstemp creates the file 0600; keep the node file's own mode
            # (other tools and users read these files too).
            os.fchmod(f.fileno(), _mode_of(path))
        os.replace(tmp, path)

    def console_info(self, uuid, backends):
        """Read the node's ``console`` object (see the module docstring)."""
        try:
            console = _load(self._path(uuid)).get('console')
        except (OSError, ValueError, AttributeError):
            raise exception.ConsoleUnavailable(
                node=uuid, reason='its file cannot be read')
        kind = console.get('type') if isinstance(console, dict) else None
        if kind not in (base.SOCAT, base.IPMI):
            raise exception.ConsoleUnavailable(
                node=uuid, reason='it has no "console" of type socat or ipmi')
        if kind not in backends:
            raise exception.ConsoleUnavailable(
                node=uuid, reason='the %s console backend is disabled in '
                '[serialconsoleproxy] backends' % kind)
        if kind == base.SOCAT:
            return base.socat_console(uuid, console.get('url'))
        return base.ipmi_console(uuid, console.get('address'),
                                 console.get('port'),
                                 console.get('username'),
                                 console.get('password'))

    def set_lease(self, uuid, lease_uuid, lessee_id):
        """Record the lease and its lessee in the node's file."""
        def change(data):
            data['lease_uuid'] = lease_uuid
            data['project_id'] = lessee_id
        self._update(uuid, change)

    def remove_lease(self, uuid, lease_uuid):
        """Take the node back, modelling Ironic's hand-back in one step.

        The lessee goes first. A node in maintenance or a failed state is
        quarantined (it keeps the lease mark); one Ironic would still be
        busy with waits; a deployed node is undeployed and cleaned, a
        manageable one cleaned, at once (to ``available``); then the
        instance data and the lease go.
        """
        found = []

        def change(data):
            if data.get('lease_uuid') != lease_uuid:
                return False
            found.append(_hand_back(data, uuid))
        self._update(uuid, change)
        return found[0] if found else base.HandBack(base.Progress.DONE)

    def return_lease(self, uuid, lease_uuid):
        """Take the node from a sub-lease; the parent's deployment stays."""
        def change(data):
            if data.get('lease_uuid') != lease_uuid:
                return False
            data.pop('lease_uuid', None)
            data.pop('project_id', None)
        self._update(uuid, change)
        return base.HandBack(base.Progress.DONE, outcome='returned')

    def list_nodes(self, owner=None, lessee=None, resource_class=None):
        """Read every node file of the directory, filtered."""
        directory = CONF.dummy_node.dummy_node_dir
        try:
            names = sorted(n for n in os.listdir(directory)
                           if not n.startswith('.'))
        except OSError:
            return []
        nodes = self.get_many(names)
        return [node for uuid, node in sorted(nodes.items())
                if (owner is None or node.owner_id == owner)
                and (lessee is None or node.lessee_id == lessee)
                and (resource_class is None
                     or node.resource_class == resource_class)]

    def resolve(self, ident):
        """Return the uuid of a node given by uuid or by name.

        A dummy node's name is ``dummy-node-<uuid>``.
        """
        try:
            self._read(ident)
            return ident
        except exception.NodeNotFound:
            prefix = 'dummy-node-'
            if not ident.startswith(prefix) or ident == prefix:
                raise
            uuid = ident[len(prefix):]
            self._read(uuid)
            return uuid

    def get(self, uuid):
        """Read the node's file; NodeNotFound if it is missing or bad."""
        return self._read(uuid)

    def get_many(self, uuids):
        """Read each file once; nodes whose file is missing are left out."""
        result = {}
        for uuid in set(uuids):
            try:
                result[uuid] = self._read(uuid)
            except exception.NodeNotFound:
                pass
        return result
