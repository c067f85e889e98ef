"""The list of options for oslo-config-generator (namespace esi-leap)."""
from esi_leap.conf import adoption
from esi_leap.conf import api
from esi_leap.conf import attestation
from esi_leap.conf import cleaning_buffer
from esi_leap.conf import default
from esi_leap.conf import dummy_node
from esi_leap.conf import email
from esi_leap.conf import fleets
from esi_leap.conf import healthcheck
from esi_leap.conf import ironic
from esi_leap.conf import keystone
from esi_leap.conf import manager
from esi_leap.conf import noauth
from esi_leap.conf import notification
from esi_leap.conf import serialconsoleproxy


def list_opts():
    """Return (group, options) pairs for every esi-leap option group."""
    return [
        ('DEFAULT', default.list_opts()),
        ('adoption', adoption.list_opts()),
        ('api', api.list_opts() + fleets.list_api_opts()),
    ] + attestation.list_opts() + [
        ('dummy_node', dummy_node.list_opts()),
        ('email', email.list_opts()),
        ('healthcheck', healthcheck.list_opts()),
        ('ironic', ironic.list_opts()),
        ('keystone', keystone.list_opts()),
        ('manager', manager.list_opts() + cleaning_buffer.list_opts()),
        ('noauth', noauth.list_opts()),
        ('notification', notification.list_opts()),
        ('serialconsoleproxy', serialconsoleproxy.list_opts()),
        ('quota', fleets.list_quota_opts()),
    ]
