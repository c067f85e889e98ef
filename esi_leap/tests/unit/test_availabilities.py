"""The free windows of an offer, including the original's wrong cases."""
import datetime

from esi_leap.common import statuses
from esi_leap.db.sqlalchemy import models
from esi_leap.objects import offers

UTC = datetime.timezone.utc


def day(n, hour=0):
    return datetime.datetime(2030, 1, n, hour, tzinfo=UTC)


def offer(start=day(1), end=day(10), status=statuses.AVAILABLE):
    return models.Offer(start_time=start, end_time=end, status=status)


def test_no_leases_gives_the_rest_of_the_offer():
    assert offers.availabilities(offer(), [], day(3)) == [(day(3), day(10))]


def test_before_the_offer_starts_the_whole_offer_is_free():
    assert offers.availabilities(offer(), [], day(1) - datetime.timedelta(
        days=5)) == [(day(1), day(10))]


def test_past_lease_does_not_hide_the_current_gap():
    # Original defect: leases on days 1-2 and 5-6 with now = day 3 gave a
    # list starting at day 6.
    taken = [(day(1), day(2)), (day(5), day(6))]
    assert offers.availabilities(offer(), taken, day(3)) == [
        (day(3), day(5)), (day(6), day(10))]


def test_lease_ending_exactly_now():
    taken = [(day(1), day(3)), (day(5), day(6))]
    assert offers.availabilities(offer(), taken, day(3)) == [
        (day(3), day(5)), (day(6), day(10))]


def test_running_lease_starts_the_list_at_its_end():
    taken = [(day(2), day(4)), (day(6), day(7))]
    assert offers.availabilities(offer(), taken, day(3)) == [
        (day(4), day(6)), (day(7), day(10))]


def test_overlapping_leases_are_merged_never_inverted():
    taken = [(day(2), day(6)), (day(3), day(4)), (day(5), day(8))]
    result = offers.availabilities(offer(), taken, day(1))
    assert result == [(day(1), day(2)), (day(8), day(10))]
    assert all(start < end for start, end in result)


def test_back_to_back_leases_leave_no_empty_gap():
    taken = [(day(2), day(4)), (day(4), day(6))]
    assert offers.availabilities(offer(), taken, day(1)) == [
        (day(1), day(2)), (day(6), day(10))]


def test_unsorted_input_is_handled():
    taken = [(day(6), day(7)), (day(2), day(3))]
    assert offers.availabilities(offer(), taken, day(1)) == [
        (day(1), day(2)), (day(3), day(6)), (day(7), day(10))]


def test_fully_booked_offer_has_none():
    assert offers.availabilities(offer(), [(day(1), day(10))], day(2)) == []


def test_lease_to_the_end_leaves_nothing_after():
    assert offers.availabilities(offer(), [(day(5), day(10))], day(2)) == [
        (day(2), day(5))]


def test_lease_past_the_offer_end_is_clipped():
    assert offers.availabilities(offer(), [(day(5), day(20))], day(2)) == [
        (day(2), day(5))]


def test_ended_offer_still_available_has_none():
    # Original defect: [[now, end]] with now > end.
    assert offers.availabilities(offer(), [], day(11)) == []


def test_only_available_offers_have_availabilities():
    for status in (statuses.DELETED, statuses.EXPIRED, statuses.ERROR):
        assert offers.availabilities(offer(status=status), [], day(2)) == []
