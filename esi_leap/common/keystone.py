"""Project lookups in Keystone, through openstacksdk, cached briefly."""
import threading
import time

from keystoneauth1 import loading as ks_loading
import openstack
from openstack import exceptions as sdk_exc
from oslo_config import cfg
from oslo_log import log

from esi_leap.common import exception
from esi_leap.common import global_request
from esi_leap.common import local_projects

CONF = cfg.CONF
LOG = log.getLogger(__name__)


def _connection():
    auth = ks_loading.load_auth_from_conf_options(CONF, 'keystone')
    session = global_request.load_session_from_conf_options(
        CONF, 'keystone', auth=auth)
    return openstack.connection.Connection(session=session, oslo_conf=CONF,
                                           app_name='esi-leap')


class KeystoneDirectory(local_projects.ProjectDirectory):
    """Projects as Keystone knows them.

    The whole project list (ids, names, parents) is fetched in one call and
    reused for ``[keystone] cache_ttl`` seconds, so a request costs at most
    one Keystone call, never one per row or per ancestor.
    """

    def __init__(self, connection_factory=_connection):
        self._factory = connection_factory
        self._connection = None
        self._lock = threading.Lock()
        self._fetched_at = None
        self._by_id = {}
        self._by_name = {}

    def _projects(self, refresh=False):
        with self._lock:
            fresh = (self._fetched_at is not None and not refresh
                     and time.monotonic() - self._fetched_at
                     < CONF.keystone.cache_ttl)
            if not fresh:
                try:
                    if self._connection is None:
                        self._connection = self._factory()
                    listed = list(self._connection.identity.projects())
                except sdk_exc.SDKException as e:
                    if self._fetched_at is None:
                        raise exception.BackendUnavailable(
                            service='Keystone', reason=str(e))
                    LOG.warning('Keystone project list failed (%s); using '
                                'the cached one', e)
                else:
                    self._by_id = {p.id: p for p in listed}
                    self._by_name = {}
                    for p in listed:
                        self._by_name.setdefault(p.name, []).append(p)
                    self._fetched_at = time.monotonic()
            return self._by_id, self._by_name

    def resolve(self, ident):
        """Return the id of the project ``ident`` names (id or name).

        Raises ProjectNoSuchName (400) for an unknown name; a name used in
        several domains means the one in the default domain, if any.
        """
        by_id, by_name = self._projects()
        if ident in by_id:
            return ident
        found = by_name.get(ident)
        if not found:
            by_id, by_name = self._projects(refresh=True)
            if ident in by_id:
                return ident
            found = by_name.get(ident)
        if not found:
            raise exception.ProjectNoSuchName(name=ident)
        for project in found:
            if project.domain_id == 'default':
                return project.id
        return found[0].id

    def names(self, project_ids):
        """Return {id: name}; ids Keystone does not know give ""."""
        by_id, _ = self._projects()
        return {pid: by_id[pid].name if pid in by_id else ''
                for pid in project_ids if pid is not None}

    def lineage(self, project_id):
        """Return the project and its ancestors, nearest first."""
        if not project_id:
            return []
        by_id, _ = self._projects()
        chain, seen = [project_id], {project_id}
        current = by_id.get(project_id)
        while current is not None and current.parent_id and \
                current.parent_id not in seen:
            chain.append(current.parent_id)
            seen.add(current.parent_id)
            current = by_id.get(current.parent_id)
        return chain

    def emails(self, project_ids):
        """Return {id: address} from the projects' ``email`` attribute.

        Keystone keeps extra project attributes as given (``openstack
        project set --property email=...``); projects without one, or
        unknown to Keystone, are left out.
        """
        by_id, _ = self._projects()
        found = {}
        for pid in project_ids:
            project = by_id.get(pid)
            address = project.to_dict().get('email') if project else None
            if isinstance(address, str) and address.strip():
                found[pid] = address.strip()
        return found
