"""The ``openstack esi claim|usage|quota`` commands (esi-leap[cli]).

An OpenStackClient plugin for the parts of the esi-leap API that
python-esileapclient does not know: N-node claims, quotas and usage
reports. It needs only python-openstackclient (not the service's own
dependencies), so it is a package of its own.
"""
