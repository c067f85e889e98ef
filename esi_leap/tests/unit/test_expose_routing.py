"""Path parameters come only from the path: what expose.py tells pecan.

expose._routed_exactly writes the argument spec pecan routes with into
``pecan.util._cfg(function)['argspec']``, as WSME's own wsexpose does:
pecan has no public way to set it. These tests fail, naming that patch,
if pecan stops keeping or reading it there.
"""
import inspect

import pecan
from pecan import rest
from pecan import util as pecan_util
import webtest
from wsme import types as wtypes

from esi_leap.api import expose

_CHANGED = ('pecan changed under esi_leap.api.expose (the argument spec '
            'written to pecan.util._cfg(routed)["argspec"]): %s')


class _Things(rest.RestController):

    @expose.expose(wtypes.text, wtypes.text, wtypes.text)
    def delete(self, ident, force=None):
        return '%s %s' % (ident, force)


class _Root(object):
    things = _Things()


def _app():
    return webtest.TestApp(pecan.make_app(_Root(), hooks=[]))


def test_pecan_keeps_the_routing_spec_in_its_cfg():
    def plain(self, a):
        return a
    exposed = pecan.expose()(plain)
    assert pecan_util._cfg(exposed) is exposed._pecan, _CHANGED % (
        'pecan.util._cfg(f) is not f._pecan')
    assert tuple(pecan_util._cfg(exposed)['argspec'])[:2] == \
        (['self', 'a'], None), _CHANGED % 'pecan.expose stores no argspec'


def test_the_written_spec_names_exactly_the_path_parameters():
    spec = pecan_util._cfg(_Things.delete)['argspec']
    assert spec == inspect.FullArgSpec(
        args=['self', 'ident'], varargs=None, varkw='kwargs',
        defaults=None, kwonlyargs=[], kwonlydefaults=None, annotations={})


def test_pecan_routes_by_the_written_spec():
    app = _app()
    assert app.delete('/things/one').json == 'one None', _CHANGED % (
        'a path parameter is not passed')
    assert app.delete('/things/one?force=yes').json == 'one yes'
    assert app.delete('/things/one/two', expect_errors=True).status_int == \
        404, _CHANGED % 'an extra path segment is not a 404'
    assert app.delete('/things', expect_errors=True).status_int == 405, \
        _CHANGED % 'a missing path segment is not a 405'
    response = app.delete('/things/one?ident=two', expect_errors=True)
    assert response.status_int == 400, _CHANGED % (
        'a path parameter in the query is not a 400')
    assert 'ident may only be given in the path' in \
        response.json['faultstring']
