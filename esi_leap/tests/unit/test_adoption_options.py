"""The [adoption] original_timezone option accepts IANA zone names only."""
import pytest

from esi_leap.conf import adoption


@pytest.mark.parametrize('name', ['UTC', 'America/New_York',
                                  'Asia/Kolkata'])
def test_known_zones_are_accepted(name):
    assert adoption.TimeZone()(name) == name


@pytest.mark.parametrize('name', ['Mars/Olympus_Mons', '+05:00', '',
                                  '../../etc/passwd', 'EST5EDT\n'])
def test_other_values_are_refused_with_the_reason(name):
    with pytest.raises(ValueError, match='not a known time zone'):
        adoption.TimeZone()(name)


def test_the_option_defaults_to_utc(config):
    from esi_leap.conf import CONF
    assert CONF.adoption.original_timezone == 'UTC'
    config(group='adoption', original_timezone='Europe/Berlin')
    assert CONF.adoption.original_timezone == 'Europe/Berlin'
