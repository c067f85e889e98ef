"""The cleaning buffer's window arithmetic and option lookup."""
import datetime
import itertools

from oslo_config import cfg
import pytest

from esi_leap.common import cleaning_buffer
from esi_leap.common import timeutils
from esi_leap.conf import cleaning_buffer as buffer_opts
from esi_leap.db.sqlalchemy import models
from esi_leap.objects import offers

UTC = datetime.timezone.utc
HOUR = datetime.timedelta(hours=1)
Neighbours = cleaning_buffer.Neighbours


def at(hour):
    return datetime.datetime(2030, 1, 1, tzinfo=UTC) + hour * HOUR


class TestOptions(object):

    def test_default_is_no_buffer(self):
        assert cleaning_buffer.for_class('gpu') == cleaning_buffer.NONE
        assert cleaning_buffer.widest() == cleaning_buffer.NONE
        assert cleaning_buffer.classes() == ()

    def test_class_overrides_the_default(self, config):
        config(group='manager', cleaning_buffer=600,
               cleaning_buffer_by_resource_class={'gpu': 3600, 'tiny': 0})
        assert cleaning_buffer.for_class('gpu') == HOUR
        assert cleaning_buffer.for_class('tiny') == cleaning_buffer.NONE
        assert cleaning_buffer.for_class('other') == 10 * 60 * \
            datetime.timedelta(seconds=1)
        assert cleaning_buffer.for_class(None) == \
            datetime.timedelta(seconds=600)
        assert cleaning_buffer.widest() == HOUR
        assert cleaning_buffer.classes() == ('gpu', 'tiny')

    def test_sub_bookings_have_no_buffer(self, config):
        config(group='manager', cleaning_buffer=600)
        assert cleaning_buffer.for_booking('gpu', 'parent-uuid') == \
            cleaning_buffer.NONE
        assert cleaning_buffer.for_booking('gpu', None) == \
            datetime.timedelta(seconds=600)

    @pytest.mark.parametrize('text', ['gpu:-1', 'gpu:x', 'gpu:2592001'])
    def test_bad_class_values_are_refused(self, tmp_path, text):
        conf = cfg.ConfigOpts()
        buffer_opts.register_opts(conf)
        path = tmp_path / 'esi-leap.conf'
        path.write_text('[manager]\ncleaning_buffer_by_resource_class = %s\n'
                        % text)
        conf([], default_config_files=[str(path)])
        with pytest.raises(cfg.ConfigFileValueError):
            conf.manager.cleaning_buffer_by_resource_class

    def test_negative_default_is_refused(self, config):
        with pytest.raises(ValueError):
            config(group='manager', cleaning_buffer=-1)


class TestConflicts(object):

    def test_zero_buffer_is_half_open_overlap(self):
        none = cleaning_buffer.NONE
        assert not cleaning_buffer.conflicts(at(0), at(2), at(2), at(3), none)
        assert not cleaning_buffer.conflicts(at(2), at(3), at(0), at(2), none)
        assert cleaning_buffer.conflicts(at(0), at(2), at(1), at(3), none)

    def test_gap_must_be_at_least_the_buffer(self):
        # The second booking starts 1 h after the first ends.
        assert not cleaning_buffer.conflicts(at(0), at(2), at(3), at(4),
                                             HOUR)
        assert cleaning_buffer.conflicts(at(0), at(2), at(3), at(4),
                                         HOUR + datetime.timedelta(
                                             microseconds=1))
        # The same seen from the later booking.
        assert not cleaning_buffer.conflicts(at(3), at(4), at(0), at(2),
                                             HOUR)
        assert cleaning_buffer.conflicts(at(3), at(4), at(0), at(2),
                                         2 * HOUR)

    def test_ends_of_the_calendar(self):
        end = timeutils.MAX_DATETIME
        assert cleaning_buffer.later(end - HOUR, 2 * HOUR) == end
        low, high = cleaning_buffer.widened(at(0), end, HOUR)
        assert (low, high) == (at(-1), end)
        low, _high = cleaning_buffer.widened(
            datetime.datetime.min.replace(tzinfo=UTC), at(0), HOUR)
        assert low == datetime.datetime.min.replace(tzinfo=UTC)


class TestBlocked(object):

    def test_neighbours_decide_like_conflicts(self):
        """blocked() on the two neighbours is conflicts() on every lease."""
        leases = [(at(2), at(4)), (at(7), at(8)), (at(12), at(15))]
        hours = range(0, 17)
        for buffer_hours, (s, e) in itertools.product(
                (0, 1, 2, 3), itertools.combinations(hours, 2)):
            buffer = buffer_hours * HOUR
            start, end = at(s), at(e)
            expected = any(cleaning_buffer.conflicts(start, end, ls, le,
                                                     buffer)
                           for ls, le in leases)
            for pivot in {start, end}:
                near = Neighbours(
                    before_end=max([le for ls, le in leases if ls < pivot],
                                   default=None),
                    after_start=min([ls for ls, le in leases
                                     if ls >= pivot], default=None))
                assert cleaning_buffer.blocked(start, end, near, buffer) == \
                    expected, (buffer_hours, s, e, pivot)

    def test_no_neighbours(self):
        assert not cleaning_buffer.blocked(at(0), at(1), Neighbours(), HOUR)

    def test_only_by_buffer(self):
        near = Neighbours(before_end=at(2))
        assert cleaning_buffer.only_by_buffer(at(2), at(5), near, HOUR)
        assert not cleaning_buffer.only_by_buffer(at(1), at(5), near, HOUR)
        assert not cleaning_buffer.only_by_buffer(at(3), at(5), near, HOUR)
        assert not cleaning_buffer.only_by_buffer(
            at(2), at(5), near, cleaning_buffer.NONE)


class TestFreeWindows(object):

    def test_buffer_is_cut_after_and_before_each_lease(self):
        taken = [(at(2), at(4)), (at(8), at(9))]
        assert cleaning_buffer.free_windows(at(0), at(12), taken, HOUR) == [
            (at(0), at(1)), (at(5), at(7)), (at(10), at(12))]

    def test_gap_narrower_than_two_buffers_disappears(self):
        taken = [(at(2), at(4)), (at(5), at(9))]
        assert cleaning_buffer.free_windows(at(0), at(12), taken, HOUR) == [
            (at(0), at(1)), (at(10), at(12))]

    def test_lease_ended_within_the_buffer_still_takes_time(self):
        assert cleaning_buffer.free_windows(at(5), at(12), [(at(1), at(4))],
                                            2 * HOUR) == [(at(6), at(12))]

    def test_zero_buffer_matches_the_plain_subtraction(self):
        taken = [(at(2), at(4)), (at(3), at(6)), (at(8), at(9))]
        assert cleaning_buffer.free_windows(
            at(0), at(12), taken, cleaning_buffer.NONE) == [
            (at(0), at(2)), (at(6), at(8)), (at(9), at(12))]

    def test_windows_returned_are_exactly_the_free_ones(self):
        taken = [(at(2), at(4)), (at(7), at(8)), (at(12), at(15))]
        for buffer_hours in (0, 1, 2):
            buffer = buffer_hours * HOUR
            free = cleaning_buffer.free_windows(at(0), at(16), taken, buffer)
            for s, e in itertools.combinations(range(0, 17), 2):
                clear = not any(cleaning_buffer.conflicts(
                    at(s), at(e), ls, le, buffer) for ls, le in taken)
                inside = any(fs <= at(s) and at(e) <= fe for fs, fe in free)
                assert clear == inside, (buffer_hours, s, e)


class TestOfferAvailabilities(object):

    def _offer(self, **fields):
        values = dict(start_time=at(0), end_time=at(12), status='available',
                      resource_class='gpu', parent_lease_uuid=None)
        values.update(fields)
        return models.Offer(**values)

    def test_buffer_of_the_offers_class(self, config):
        config(group='manager', cleaning_buffer=3600,
               cleaning_buffer_by_resource_class={'gpu': 7200})
        taken = [(at(4), at(6))]
        assert offers.availabilities(self._offer(), taken, at(0)) == [
            (at(0), at(2)), (at(8), at(12))]
        assert offers.availabilities(self._offer(resource_class='cpu'),
                                     taken, at(0)) == [
            (at(0), at(3)), (at(7), at(12))]
        assert offers.availabilities(self._offer(resource_class=None),
                                     taken, at(0)) == [
            (at(0), at(3)), (at(7), at(12))]

    def test_sub_offer_has_no_buffer(self, config):
        config(group='manager', cleaning_buffer=3600)
        offer = self._offer(parent_lease_uuid='parent')
        assert offers.availabilities(offer, [(at(4), at(6))], at(0)) == [
            (at(0), at(4)), (at(6), at(12))]
