"""A small client of Keylime's documented REST API (verifier, registrar).

Plain HTTPS through requests, with the client certificate of
``[keylime] cert_file``/``key_file`` (mTLS) and the CA of ``ca_file``
always passed explicitly: ``trust_env`` is off, so no CA bundle variable
of the environment (``REQUESTS_CA_BUNDLE`` and the like) or proxy setting
decides whom esi-leap trusts or where it connects. Every request has a
timeout. Errors are KeylimeUnavailable with a short reason that names no
certificate and carries none of the servers' answers.
"""
import re

from oslo_log import log
import requests

LOG = log.getLogger(__name__)

# Keylime agent ids are UUIDs in practice; accept what fits in a URL path
# segment without quoting, and nothing longer than Keylime's column.
AGENT_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$')


class KeylimeUnavailable(Exception):
    """The verifier or the registrar could not be asked; why, in words."""


def valid_agent_id(agent_id):
    """Whether ``agent_id`` is a well-formed Keylime agent id."""
    return isinstance(agent_id, str) and bool(AGENT_ID.match(agent_id))


class Client(object):
    """Calls to one verifier and one registrar, from ``[keylime]``."""

    def __init__(self, conf):
        self.verifier_url = (conf.verifier_url or '').rstrip('/')
        self.registrar_url = (conf.registrar_url or '').rstrip('/')
        self.version = conf.api_version
        self.timeout = conf.request_timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = conf.ca_file or False
        if not conf.ca_file:
            # NOTE(esi-leap): never fall back to the system's CA bundle.
            raise KeylimeUnavailable('[keylime] ca_file is not set')
        if conf.cert_file:
            self.session.cert = (conf.cert_file, conf.key_file)

    def close(self):
        """Close the connections kept open."""
        self.session.close()

    def _call(self, server, method, path, body=None):
        """Send one request; return (status code, results or None)."""
        base = self.verifier_url if server == 'verifier' else \
            self.registrar_url
        if not base:
            raise KeylimeUnavailable('[keylime] %s_url is not set' % server)
        url = '%s/v%s/%s' % (base, self.version, path)
        try:
            response = self.session.request(
                method, url, json=body, allow_redirects=False,
                timeout=(self.timeout, self.timeout))
        except requests.exceptions.SSLError as e:
            LOG.warning('TLS with the Keylime %s failed: %s', server, e)
            raise KeylimeUnavailable(
                'the TLS handshake with the Keylime %s failed (check '
                '[keylime] ca_file, cert_file and key_file)' % server)
        except (requests.RequestException, OSError) as e:
            LOG.warning('The Keylime %s did not answer: %s', server, e)
            raise KeylimeUnavailable('the Keylime %s does not answer'
                                     % server)
        return response.status_code, _results(server, response)

    def registrar_agent(self, agent_id):
        """The registrar's record of an active agent, or None."""
        status, results = self._call('registrar', 'GET',
                                     'agents/%s' % agent_id)
        if status == 404:
            return None
        _expect(status, (200,), 'registrar', 'read agent')
        return results

    def verifier_agent(self, agent_id):
        """The verifier's state of an enrolled agent, or None."""
        status, results = self._call('verifier', 'GET',
                                     'agents/%s' % agent_id)
        if status == 404:
            return None
        _expect(status, (200,), 'verifier', 'read agent')
        return results

    def enrol(self, agent_id, body):
        """Enrol the agent; False if the verifier still has it (409)."""
        status, _ = self._call('verifier', 'POST', 'agents/%s' % agent_id,
                               body)
        if status == 409:
            return False
        _expect(status, (200,), 'verifier', 'enrol agent')
        return True

    def stop(self, agent_id):
        """Stop polling the agent (it stays enrolled, as tenant failed)."""
        status, _ = self._call('verifier', 'PUT', 'agents/%s/stop'
                               % agent_id)
        _expect(status, (200, 404), 'verifier', 'stop agent')

    def delete(self, agent_id):
        """Start removing the agent (the verifier finishes it later)."""
        status, _ = self._call('verifier', 'DELETE', 'agents/%s' % agent_id)
        _expect(status, (200, 202, 404), 'verifier', 'remove agent')


def _results(server, response):
    try:
        document = response.json()
    except ValueError:
        if response.ok:
            raise KeylimeUnavailable('the Keylime %s gave an answer that is '
                                     'not JSON' % server)
        return None
    results = document.get('results') if isinstance(document, dict) else None
    return results if isinstance(results, dict) else None


def _expect(status, wanted, server, action):
    if status not in wanted:
        raise KeylimeUnavailable('the Keylime %s refused to %s (HTTP %d)'
                                 % (server, action, status))
