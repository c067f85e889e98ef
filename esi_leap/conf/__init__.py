"""The global configuration object with every esi-leap option registered."""
from oslo_config import cfg

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

CONF = cfg.CONF

default.register_opts(CONF)
adoption.register_opts(CONF)
api.register_opts(CONF)
attestation.register_opts(CONF)
dummy_node.register_opts(CONF)
email.register_opts(CONF)
healthcheck.register_opts(CONF)
ironic.register_opts(CONF)
keystone.register_opts(CONF)
manager.register_opts(CONF)
cleaning_buffer.register_opts(CONF)
noauth.register_opts(CONF)
notification.register_opts(CONF)
serialconsoleproxy.register_opts(CONF)
fleets.register_opts(CONF)
