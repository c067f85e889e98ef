"""Who a test request is from: the noauth headers esi-leap reads.

With ``auth_strategy = noauth`` the API takes the caller's project, roles
and user from these headers, as Keystone's middleware would set them.
"""


def noauth_headers(project_id, *roles, user_id=None):
    """Return the headers of a caller in ``project_id`` with ``roles``.

    ``X-User-Id`` is sent only when ``user_id`` is given.
    """
    headers = {'X-Project-Id': project_id, 'X-Roles': ','.join(roles)}
    if user_id is not None:
        headers['X-User-Id'] = user_id
    return headers


# The cloud admin of most tests.
ADMIN_HEADERS = noauth_headers('admin-project', 'admin', user_id='admin')
