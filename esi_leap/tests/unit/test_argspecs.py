"""The argument specs pecan routes with are remembered, not rebuilt."""
import functools
import inspect

from pecan import compat as pecan_compat
from pecan import core as pecan_core
from pecan import rest as pecan_rest
from pecan import routing as pecan_routing
from pecan import util as pecan_util

from esi_leap.api import argspecs


def _original(func):
    return argspecs._ORIGINAL(func)


class _Controller(object):
    def get_one(self, ident, extra=None, *rest, **named):
        return ident

    @staticmethod
    def helper(a, b=2):
        return a


def plain(x, y=1):
    return x


def test_a_function_gets_the_same_spec_as_pecan_gives():
    assert tuple(argspecs.getargspec(plain)) == tuple(_original(plain))
    assert argspecs.getargspec(plain).args == ['x', 'y']


def test_a_bound_method_names_self_as_pecan_does():
    method = _Controller().get_one
    spec = argspecs.getargspec(method)
    assert tuple(spec) == tuple(_original(method))
    assert spec.args[0] == 'self'
    assert spec.varargs == 'rest' and spec.keywords == 'named'
    assert spec.defaults == (None,)


def test_the_spec_is_worked_out_once_per_function():
    first = argspecs.getargspec(_Controller().get_one)
    again = argspecs.getargspec(_Controller().get_one)
    assert first is again
    assert type(first) is argspecs.ArgSpec


def test_other_callables_are_left_to_pecan():
    partial = functools.partial(plain, 1)
    assert tuple(argspecs.getargspec(partial)) == tuple(_original(partial))


def test_install_makes_pecan_drill_through_with_it():
    argspecs.install()
    argspecs.install()
    assert pecan_util._getargspec is argspecs.getargspec

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*a, **kw):
            return f(*a, **kw)
        return wrapper

    wrapped = decorator(_Controller.get_one)
    assert pecan_util.getargspec(wrapped).args == [
        'self', 'ident', 'extra']


_CHANGED = ('pecan changed under esi_leap.api.argspecs (the argument spec '
            'cache that replaces pecan.util._getargspec): %s. Check the '
            'patch against the new pecan, or remove it (its NOTE says what '
            'it saves).')


def test_pecan_is_still_what_the_argspec_cache_patches():
    assert hasattr(pecan_util, argspecs.PATCHED), _CHANGED % (
        'pecan.util has no _getargspec')
    assert argspecs._ORIGINAL is pecan_compat.getargspec, _CHANGED % (
        'pecan.util._getargspec is not pecan.compat.getargspec')
    assert list(inspect.signature(argspecs._ORIGINAL).parameters) == \
        ['func'], _CHANGED % 'pecan.compat.getargspec takes other arguments'
    assert argspecs._ORIGINAL(plain)._fields == argspecs.ArgSpec._fields, \
        _CHANGED % 'pecan.compat.getargspec answers another shape'
    assert argspecs.pecan_fits(), _CHANGED % 'pecan_fits() is false'


def test_pecan_routes_with_the_drilling_getargspec_that_calls_it():
    # pecan's routing uses pecan.util.getargspec, which must look
    # _getargspec up at each call for the replacement to be used.
    for module in (pecan_core, pecan_rest, pecan_routing):
        assert module.getargspec is pecan_util.getargspec, _CHANGED % (
            '%s no longer routes with pecan.util.getargspec'
            % module.__name__)
    assert argspecs.install(), _CHANGED % 'install() refused'
    assert pecan_util.getargspec(plain) is argspecs._spec_of(plain), \
        _CHANGED % 'pecan.util.getargspec does not call _getargspec'


def test_install_leaves_a_pecan_that_does_not_fit(monkeypatch):
    monkeypatch.setattr(pecan_util, argspecs.PATCHED, _original)
    monkeypatch.setattr(argspecs, '_ORIGINAL', lambda func, extra: None)
    assert not argspecs.pecan_fits()
    assert argspecs.install() is False
    assert pecan_util._getargspec is _original
