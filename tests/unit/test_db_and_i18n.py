"""UTC storage, and dates shown in the conference's zone and the reader's language."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale

from meetings import i18n
from meetings.extensions import db as _db


def test_datetimes_come_back_aware_and_in_utc(db, make):
    hanoi = timezone(timedelta(hours=7))
    conference = make.conference(starts_at=datetime(2016, 9, 20, 15, 15, tzinfo=hanoi))
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(type(conference), conference.id)
    assert loaded.starts_at == datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    assert loaded.starts_at.tzinfo is not None
    assert loaded.local_starts_at.hour == 15


def test_naive_datetimes_are_refused(db, make):
    conference = make.conference()
    conference.starts_at = datetime(2016, 9, 20, 15, 15)
    with pytest.raises(Exception, match="naive"):
        _db.session.flush()
    _db.session.rollback()


@pytest.mark.parametrize(
    ("locale", "expected_date", "expected_time"),
    [
        ("vi", "20/09/2016", "15:15"),
        ("en", "Sep 20, 2016", "3:15\u202fPM"),
    ],
)
def test_dates_in_the_conference_zone_and_language(app, locale, expected_date, expected_time):
    from zoneinfo import ZoneInfo

    moment = datetime(2016, 9, 20, 8, 15, tzinfo=UTC)
    with app.test_request_context(), force_locale(locale):
        tz = ZoneInfo("Asia/Ho_Chi_Minh")
        assert i18n.fmt_date(moment, tz) == expected_date
        assert i18n.fmt_time(moment, tz) == expected_time
        assert "2016" in i18n.fmt_datetime(moment, tz)


def test_numbers_follow_the_language(app):
    with app.test_request_context(), force_locale("vi"):
        assert i18n.fmt_number(4809700) == "4.809.700"
    with app.test_request_context(), force_locale("en"):
        assert i18n.fmt_number(4809700) == "4,809,700"


def test_locale_selection_order(app, db, make):
    user = make.user(locale="en")
    db.session.commit()
    with app.test_request_context("/?lang=vi"):
        assert i18n.select_locale() == "vi"
    with app.test_request_context("/"):
        assert i18n.select_locale() == "vi"  # nobody logged in, nothing chosen
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(user)
        assert i18n.select_locale() == "en"
