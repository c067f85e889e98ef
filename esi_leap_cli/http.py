"""A small client of /v1/claims, /v1/quotas, /v1/usage and offer changes.

It talks to esi-leap over keystoneauth.
"""
import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
from osc_lib import exceptions

SERVICE_TYPE = 'lease'


def _base(endpoint):
    """The /v1 URL of an endpoint given with or without /v1."""
    base = endpoint.rstrip('/')
    return base if base.endswith('/v1') else base + '/v1'


def _fault(error):
    """The server's faultstring of a failed request, or the error's text."""
    response = getattr(error, 'response', None)
    try:
        return '%s: %s' % (response.status_code,
                           response.json()['faultstring'])
    except Exception:
        return str(error)


def _offer_path(ident):
    """The path of an offer named by uuid or name, quoted whole."""
    return '/offers/' + urllib.parse.quote(ident, safe='')


class FleetClient(object):
    """Sends the fleet requests through one keystoneauth Adapter."""

    def __init__(self, http, endpoint):
        self.http = http
        self.base = _base(endpoint)

    @classmethod
    def from_client_manager(cls, instance):
        """The client of an OpenStackClient ClientManager."""
        options = instance._cli_options
        override = options.get_endpoint(SERVICE_TYPE) if hasattr(
            options, 'get_endpoint') else None
        http = adapter.Adapter(
            session=instance.session, service_type=SERVICE_TYPE,
            interface=instance.interface, region_name=instance.region_name,
            endpoint_override=override)
        return cls(http, override or http.get_endpoint())

    def request(self, method, path, body=None, params=None, accept=None):
        """Send one request; the Response, or CommandError with the fault."""
        headers = {'Accept': accept} if accept else {}
        try:
            return self.http.request(
                self.base + path, method, json=body, params=params,
                headers=headers, raise_exc=True)
        except ks_exc.HttpError as e:
            raise exceptions.CommandError(_fault(e))

    def claim(self, body):
        """POST /v1/claims; return the leases."""
        return self.request('POST', '/claims', body=body).json()['leases']

    def quota(self, project):
        """GET /v1/quotas/<project>."""
        return self.request('GET', '/quotas/' + project).json()

    def set_quota(self, project, limits):
        """PUT /v1/quotas/<project>; the quota as it now is."""
        return self.request('PUT', '/quotas/' + project, body=limits).json()

    def delete_quota(self, project):
        """DELETE /v1/quotas/<project>."""
        self.request('DELETE', '/quotas/' + project)

    def offer(self, ident):
        """GET /v1/offers/<ident> (a uuid or a name)."""
        return self.request('GET', _offer_path(ident)).json()

    def update_offer(self, ident, changes):
        """PATCH /v1/offers/<ident> with ``changes``; the changed offer."""
        return self.request('PATCH', _offer_path(ident), body=changes).json()

    def usage(self, params):
        """GET /v1/usage with ``params``; the report."""
        return self.request('GET', '/usage', params=params).json()
