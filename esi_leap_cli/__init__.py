"""The ``openstack esi claim|usage|quota`` commands and ``esi offer update``.

An OpenStackClient plugin (esi-leap[cli]) for the parts of the esi-leap
API that python-esileapclient does not know: N-node claims, quotas, usage
reports and changes of offers. It needs only python-openstackclient (not
the service's own dependencies), so it is a package of its own.
"""
