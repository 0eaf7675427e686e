from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from sigmasight.marketdata.calendar import (
    is_trading_day,
    last_completed_session,
    latest_trading_day,
    nyse_holidays,
    previous_trading_day,
    session_close,
    trading_days,
    trading_days_back,
)

NYSE_PUBLISHED_HOLIDAYS = {
    2024: {
        date(2024, 1, 1),
        date(2024, 1, 15),
        date(2024, 2, 19),
        date(2024, 3, 29),
        date(2024, 5, 27),
        date(2024, 6, 19),
        date(2024, 7, 4),
        date(2024, 9, 2),
        date(2024, 11, 28),
        date(2024, 12, 25),
    },
    2025: {
        date(2025, 1, 1),
        date(2025, 1, 9),
        date(2025, 1, 20),
        date(2025, 2, 17),
        date(2025, 4, 18),
        date(2025, 5, 26),
        date(2025, 6, 19),
        date(2025, 7, 4),
        date(2025, 9, 1),
        date(2025, 11, 27),
        date(2025, 12, 25),
    },
    2026: {
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 2, 16),
        date(2026, 4, 3),
        date(2026, 5, 25),
        date(2026, 6, 19),
        date(2026, 7, 3),
        date(2026, 9, 7),
        date(2026, 11, 26),
        date(2026, 12, 25),
    },
}


@pytest.mark.parametrize("year", sorted(NYSE_PUBLISHED_HOLIDAYS))
def test_holidays_match_the_published_nyse_list(year: int) -> None:
    # when
    holidays = nyse_holidays(year)
    # then
    assert holidays == NYSE_PUBLISHED_HOLIDAYS[year]


@pytest.mark.parametrize(
    "good_friday",
    [
        date(2000, 4, 21),
        date(2019, 4, 19),
        date(2024, 3, 29),
        date(2025, 4, 18),
        date(2026, 4, 3),
        date(2038, 4, 23),
    ],
)
def test_good_friday_is_a_holiday(good_friday: date) -> None:
    # then
    assert good_friday in nyse_holidays(good_friday.year)
    assert not is_trading_day(good_friday)


def test_saturday_new_year_is_not_observed_on_the_prior_friday() -> None:
    # given: 2023-01-01 is a Sunday, but 2022-01-01 was a Saturday
    assert date(2022, 1, 1).weekday() == 5
    # then: Friday 2021-12-31 stayed open
    assert is_trading_day(date(2021, 12, 31))
    # and 2022-12-30 (Friday before Sunday 2023-01-01) was open too
    assert is_trading_day(date(2022, 12, 30))
    assert date(2022, 12, 30) not in nyse_holidays(2022)


def test_sunday_new_year_is_observed_on_monday() -> None:
    # given: 2023-01-01 is a Sunday
    assert date(2023, 1, 1).weekday() == 6
    # then
    assert date(2023, 1, 2) in nyse_holidays(2023)
    assert not is_trading_day(date(2023, 1, 2))


def test_saturday_christmas_closes_the_friday_before() -> None:
    # given: 2027-12-25 is a Saturday
    assert date(2027, 12, 25).weekday() == 5
    # then
    assert date(2027, 12, 24) in nyse_holidays(2027)
    assert not is_trading_day(date(2027, 12, 24))


def test_saturday_new_year_2028_leaves_new_years_eve_2027_open() -> None:
    # given: 2028-01-01 is a Saturday
    assert date(2028, 1, 1).weekday() == 5
    # then
    assert is_trading_day(date(2027, 12, 31))
    assert not any(day.month == 1 and day.day <= 3 for day in nyse_holidays(2028))


def test_weekend_fixed_holidays_shift_to_the_nearest_weekday() -> None:
    # given: in 2027 Juneteenth is a Saturday and Independence Day a Sunday
    holidays = nyse_holidays(2027)
    # then
    assert date(2027, 6, 18) in holidays
    assert date(2027, 7, 5) in holidays


def test_juneteenth_is_only_a_holiday_from_2022() -> None:
    # then
    assert is_trading_day(date(2021, 6, 18))
    assert date(2022, 6, 20) in nyse_holidays(2022)


def test_martin_luther_king_day_is_only_a_holiday_from_1998() -> None:
    # then
    assert is_trading_day(date(1997, 1, 20))
    assert not is_trading_day(date(1998, 1, 19))


@pytest.mark.parametrize(
    "closure",
    [
        date(2001, 9, 11),
        date(2001, 9, 14),
        date(2004, 6, 11),
        date(2007, 1, 2),
        date(2012, 10, 29),
        date(2012, 10, 30),
        date(2018, 12, 5),
        date(2025, 1, 9),
    ],
)
def test_special_closures_are_not_trading_days(closure: date) -> None:
    # then
    assert not is_trading_day(closure)


def test_weekends_are_not_trading_days() -> None:
    # given
    saturday, sunday, monday = date(2025, 3, 8), date(2025, 3, 9), date(2025, 3, 10)
    # then
    assert not is_trading_day(saturday)
    assert not is_trading_day(sunday)
    assert is_trading_day(monday)


def test_trading_days_excludes_weekends_and_holidays() -> None:
    # when: Thanksgiving week 2024
    days = trading_days(date(2024, 11, 23), date(2024, 12, 2))
    # then
    assert days == [
        date(2024, 11, 25),
        date(2024, 11, 26),
        date(2024, 11, 27),
        date(2024, 11, 29),
        date(2024, 12, 2),
    ]


def test_2025_has_250_trading_days() -> None:
    # when
    days = trading_days(date(2025, 1, 1), date(2025, 12, 31))
    # then
    assert len(days) == 250
    assert days == sorted(days)


def test_trading_days_is_empty_when_start_is_after_end() -> None:
    # then
    assert trading_days(date(2025, 1, 10), date(2025, 1, 9)) == []


def test_trading_days_includes_both_ends() -> None:
    # then
    assert trading_days(date(2025, 1, 6), date(2025, 1, 6)) == [date(2025, 1, 6)]


def test_previous_trading_day_of_a_monday_after_a_holiday_friday_is_thursday() -> None:
    # given: Good Friday 2025 is 2025-04-18
    easter_monday = date(2025, 4, 21)
    # when
    previous = previous_trading_day(easter_monday)
    # then
    assert previous == date(2025, 4, 17)


def test_previous_trading_day_is_strictly_before_a_trading_day() -> None:
    # then
    assert previous_trading_day(date(2025, 1, 8)) == date(2025, 1, 7)


def test_latest_trading_day_keeps_a_trading_day_and_rolls_back_otherwise() -> None:
    # then
    assert latest_trading_day(date(2025, 1, 8)) == date(2025, 1, 8)
    assert latest_trading_day(date(2025, 1, 9)) == date(2025, 1, 8)
    assert latest_trading_day(date(2025, 1, 12)) == date(2025, 1, 10)


def test_trading_days_back_skips_a_holiday() -> None:
    # when: Christmas 2024 falls on a Wednesday
    days = trading_days_back(date(2024, 12, 26), 3)
    # then
    assert days == [date(2024, 12, 23), date(2024, 12, 24), date(2024, 12, 26)]


def test_trading_days_back_from_a_weekend_ends_on_the_friday() -> None:
    # when
    days = trading_days_back(date(2025, 4, 20), 2)
    # then: Good Friday 2025-04-18 is skipped too
    assert days == [date(2025, 4, 16), date(2025, 4, 17)]


def test_trading_days_back_agrees_with_trading_days() -> None:
    # when
    days = trading_days_back(date(2025, 12, 31), 250)
    # then
    assert days == trading_days(date(2025, 1, 1), date(2025, 12, 31))


def test_trading_days_back_of_zero_is_empty() -> None:
    # then
    assert trading_days_back(date(2025, 1, 8), 0) == []


def test_trading_days_back_refuses_a_negative_count() -> None:
    # then
    with pytest.raises(ValueError, match="non-negative"):
        trading_days_back(date(2025, 1, 8), -1)


def test_the_last_completed_session_waits_for_the_new_york_close() -> None:
    # given: 20:59 UTC is 15:59 in New York in winter, 21:00 UTC is the close
    # then
    assert last_completed_session(datetime(2026, 11, 23, 20, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert last_completed_session(datetime(2026, 11, 23, 21, 0, tzinfo=UTC)) == date(2026, 11, 23)
    assert last_completed_session(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) == date(2026, 11, 27)


def test_the_session_after_thanksgiving_is_complete_at_its_early_close() -> None:
    # given: 18:00 UTC is 13:00 in New York, when the Friday after Thanksgiving closes
    # then
    assert last_completed_session(datetime(2026, 11, 27, 17, 59, tzinfo=UTC)) == date(2026, 11, 25)
    assert last_completed_session(datetime(2026, 11, 27, 18, 0, tzinfo=UTC)) == date(2026, 11, 27)


def test_christmas_eve_closes_early_and_an_ordinary_day_at_four() -> None:
    # then
    assert session_close(date(2026, 12, 24)) == time(13, 0)
    assert session_close(date(2026, 7, 2)) == time(16, 0)
    assert session_close(date(2026, 12, 23)) == time(16, 0)


def test_outside_the_calendar_years_only_weekends_are_closed() -> None:
    # given: New Year's Day 2047 is a Tuesday
    # then
    assert is_trading_day(date(2047, 1, 1))
    assert not is_trading_day(date(2047, 1, 5))
