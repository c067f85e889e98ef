"""Errors of N-node claims, quotas and usage reports."""
from esi_leap.common import exception


class NotEnoughNodes(exception.Conflict):
    msg_fmt = ('Cannot claim %(count)d nodes: only %(free)d matching '
               'nodes are free for %(start_time)s - %(end_time)s.')


class LocalityUnmet(exception.Conflict):
    msg_fmt = ('Cannot claim %(count)d nodes %(how)s: %(free)d matching '
               'nodes are free for %(start_time)s - %(end_time)s, at most '
               '%(best)d of them %(how)s.')


class OverQuota(exception.HTTPForbidden):
    msg_fmt = ('Quota exceeded for project %(project)s: %(limit)s is '
               '%(allowed)d and the booking would make it %(usage)d.')


class QuotaNotFound(exception.NotFound):
    msg_fmt = 'Project %(project)s has no quota of its own.'
