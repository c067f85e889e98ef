"""The pure rules of lease end-time changes (esi_leap.objects.extension)."""
import datetime
import types

import pytest

from esi_leap.common import exception
from esi_leap.objects import extension

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


def hours(n):
    return NOW + datetime.timedelta(hours=n)


def lease(start=-1, end=24, offer_uuid=None):
    return types.SimpleNamespace(uuid='l1', start_time=hours(start),
                                 end_time=hours(end), offer_uuid=offer_uuid)


@pytest.mark.parametrize('start,asked,stored', [
    (-1, -48, 0),     # started: an end in the past is now
    (-1, 0, 0),       # ... as is now itself
    (-1, 5, 5),       # a future end is kept
    (2, -48, -48),    # not started: left to the window check (400)
    (2, 1, 1),
])
def test_effective_end(start, asked, stored):
    assert extension.effective_end(lease(start=start), hours(asked),
                                   NOW) == hours(stored)


def test_admins_are_not_bounded(config):
    config(group='api', max_lease_time=1, lessee_extension_window=60)
    extension.Rights(admin=True).check_extension(
        lease(offer_uuid='o1'), hours(24 * 30), NOW)


@pytest.mark.parametrize('rights,offer_uuid,error', [
    (extension.Rights(owner=True), 'o1', exception.LeaseExtensionByOwner),
    (extension.Rights(owner=True), None, None),
    (extension.Rights(lessee=True), 'o1', exception.LeaseExtensionTooEarly),
    (extension.Rights(lessee=True), None, exception.LeaseExtensionTooEarly),
    # An owner extending its own direct lease is not bound by the window.
    (extension.Rights(lessee=True, owner=True), None, None),
    (extension.Rights(lessee=True, owner=True), 'o1',
     exception.LeaseExtensionTooEarly),
])
def test_who_and_the_window(config, rights, offer_uuid, error):
    config(group='api', lessee_extension_window=3600)
    check = rights.check_extension
    if error is None:
        check(lease(offer_uuid=offer_uuid), hours(30), NOW)
    else:
        with pytest.raises(error):
            check(lease(offer_uuid=offer_uuid), hours(30), NOW)
    # Within the window (its last hour), a lessee may extend.
    if rights.lessee:
        check(lease(end=0.5, offer_uuid=offer_uuid), hours(30), NOW)


def test_window_zero_is_any_time(config):
    config(group='api', lessee_extension_window=0)
    extension.Rights(lessee=True).check_extension(lease(end=400),
                                                  hours(401), NOW)


@pytest.mark.parametrize('rights', [extension.Rights(lessee=True),
                                    extension.Rights(owner=True)])
def test_max_lease_time_counts_from_now(config, rights):
    config(group='api', max_lease_time=2)
    rights.check_extension(lease(start=-100), hours(48), NOW)
    with pytest.raises(exception.LeaseEndTooFar) as raised:
        rights.check_extension(lease(start=-100), hours(48) +
                               datetime.timedelta(seconds=1), NOW)
    assert 'at most 2 days from now' in str(raised.value)
