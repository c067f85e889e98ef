"""The argument specs pecan routes with are remembered, not rebuilt."""
import functools

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
