"""The one retry delay: doubling from a first delay, capped."""
import datetime


def delay(attempts, initial, cap):
    """The wait before retry number ``attempts`` (1 for the first retry).

    ``initial`` seconds for the first retry, doubling for each one after,
    never more than ``cap`` seconds. Returns a timedelta.
    """
    seconds = initial * (2 ** max(attempts - 1, 0))
    return datetime.timedelta(seconds=min(seconds, cap))
