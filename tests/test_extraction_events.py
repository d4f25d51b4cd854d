"""Candidate events: dated sentences, resolved against the article's own date with honest precision."""

import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from stories.dates import Precision
from stories.extraction import find_dated_sentences

LONDON = ZoneInfo("Europe/London")
SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Tuesday, June 10, 2025, mid-morning in London.
JUNE_10 = datetime(2025, 6, 10, 10, 0, tzinfo=LONDON)


def found(text: str, published_at: datetime = JUNE_10, tz: ZoneInfo = LONDON) -> list[tuple[str, str, str]]:
    """(expression, local start as written, precision) for each dated sentence."""
    rows = []
    for s in find_dated_sentences(text, published_at=published_at, tz=tz):
        local = s.occurred_at.astimezone(tz)
        shown = {"day": f"{local:%Y-%m-%d}", "month": f"{local:%Y-%m}", "year": f"{local:%Y}"}[s.precision]
        rows.append((text[s.date_start:s.date_end], shown, s.precision))
    return rows


@pytest.mark.parametrize("sentence, expression, when, precision", [
    ("On June 9, 2025, officials gathered in London.", "June 9, 2025", "2025-06-09", "day"),
    ("Officials met on 9 June 2025 in London.", "9 June 2025", "2025-06-09", "day"),
    ("Talks resumed on June 9.", "June 9", "2025-06-09", "day"),
    ("Talks resumed on Monday, June 9.", "Monday, June 9", "2025-06-09", "day"),
    ("Lutnick spoke on Tuesday.", "Tuesday", "2025-06-10", "day"),
    ("Lutnick spoke on Sunday.", "Sunday", "2025-06-08", "day"),
    ("Lutnick spoke last Tuesday.", "last Tuesday", "2025-06-03", "day"),
    ("Trump posted yesterday that the deal was done.", "yesterday", "2025-06-09", "day"),
    ("Today the talks continue.", "Today", "2025-06-10", "day"),
    ("The sides agreed a truce last month.", "last month", "2025-05", "month"),
    ("The sides agreed a truce in May.", "in May", "2025-05", "month"),
    ("Shipments slowed in December.", "in December", "2024-12", "month"),
    ("The truce expires in August.", "in August", "2025-08", "month"),
    ("Talks resume on June 20.", "June 20", "2025-06-20", "day"),
    ("Tariffs rose in March 2025.", "March 2025", "2025-03", "month"),
    ("The two presidents spoke last week.", "last week", "2025-06", "month"),
    ("Exports fell earlier this year.", "earlier this year", "2025", "year"),
    ("Tariffs were first raised in 2018.", "in 2018", "2018", "year"),
    ("The rules changed three days ago.", "three days ago", "2025-06-07", "day"),
    ("The rules changed two months ago.", "two months ago", "2025-04", "month"),
])
def test_date_expressions_resolve_against_the_articles_own_date(sentence, expression, when, precision):
    assert found(sentence) == [(expression, when, precision)]


def test_the_date_is_read_in_the_storys_zone_not_utc():
    # 00:30 in London on June 10 is still June 9 in UTC: "yesterday" is June 9 for a London reader.
    just_after_midnight = datetime(2025, 6, 9, 23, 30, tzinfo=UTC)
    assert found("Trump posted yesterday.", just_after_midnight) == [("yesterday", "2025-06-09", "day")]
    assert found("Trump posted yesterday.", just_after_midnight, ZoneInfo("America/New_York")) == [
        ("yesterday", "2025-06-08", "day")]


def test_occurred_at_is_the_utc_start_of_the_period_in_the_storys_zone():
    [may] = find_dated_sentences("The truce began in May.", published_at=JUNE_10, tz=LONDON)
    assert may.occurred_at == datetime(2025, 4, 30, 23, 0, tzinfo=UTC)


def test_a_week_across_two_months_is_honestly_only_a_year():
    # On Tuesday, June 3, last week ran from Monday, May 26 to Sunday, June 1.
    tuesday_june_3 = datetime(2025, 6, 3, 9, 0, tzinfo=LONDON)
    assert found("They spoke last week.", tuesday_june_3) == [("last week", "2025", "year")]


@pytest.mark.parametrize("sentence", [
    "Deals may emerge soon.",
    "The two-day London session aimed to iron out sticking points.",
    "On the day of the London talks, markets wobbled.",
    "The 90-day tariff pause is ticking down.",
    "Black Friday sales were weak.",
    "Talks are going well, Lutnick said on day two.",
    "Nothing was agreed on February 30.",
    "June Carter spoke to reporters.",
])
def test_a_sentence_with_no_resolvable_date_yields_nothing(sentence):
    assert found(sentence) == []


def test_a_length_counted_from_a_day_gives_the_span_its_end():
    [truce] = find_dated_sentences("Both sides agreed a 90-day truce from May 14.", published_at=JUNE_10, tz=LONDON)
    assert truce.occurred_at.astimezone(LONDON).date().isoformat() == "2025-05-14"
    assert truce.ends_at.astimezone(LONDON).date().isoformat() == "2025-08-12"
    assert (truce.precision, truce.ends_precision, truce.duration) == ("day", "day", "90 days")


def test_a_range_gives_the_span_both_ends_and_no_second_event():
    [span] = find_dated_sentences("Tariffs were paused from May 14 to August 12.", published_at=JUNE_10, tz=LONDON)
    assert span.ends_at.astimezone(LONDON).date().isoformat() == "2025-08-12" and span.ends_precision == "day"


def test_a_length_from_a_month_tells_its_length_but_invents_no_end():
    # 90 days from "May" ends between July 30 and August 29: no month holds that.
    [truce] = find_dated_sentences("In May, the sides suspended tariffs for 90 days.", published_at=JUNE_10, tz=LONDON)
    assert truce.precision == Precision.MONTH and truce.ends_at is None and truce.duration == "90 days"


def test_offsets_point_at_the_sentence_and_the_date_in_the_text():
    text = "Markets rose. On June 9, 2025, officials gathered in London. Shares fell."
    [s] = find_dated_sentences(text, published_at=JUNE_10, tz=LONDON)
    assert text[s.start:s.end] == "On June 9, 2025, officials gathered in London."
    assert text[s.date_start:s.date_end] == "June 9, 2025"


@pytest.mark.parametrize("sentence, title", [
    ("On June 9, 2025, top US and Chinese officials gathered in London.",
     "Top US and Chinese officials gathered in London"),
    ("In May, the US and China agreed in Geneva to suspend most tariffs.",
     "The US and China agreed in Geneva to suspend most tariffs"),
    ("Today’s session will reveal whether optimism can hold.", "Today’s session will reveal whether optimism can hold"),
    ("Negotiations resumed the morning of June 10, with more in-depth talks planned and " + "many more words " * 10 + ".",
     "Negotiations resumed the morning of June 10, with more in-depth talks planned and many more words many more words many…"),
])
def test_the_title_suggestion_is_the_sentence_without_its_leading_date(sentence, title):
    [s] = find_dated_sentences(sentence, published_at=JUNE_10, tz=LONDON)
    assert s.title == title


# --- The seed articles -------------------------------------------------------------------------

def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def test_the_june_9_article_dates_the_london_talks_geneva_and_the_phone_call():
    text = seed("2025-06-09-us-china-face-off-in-london.txt")
    assert found(text, datetime(2025, 6, 9, tzinfo=LONDON)) == [
        ("June 9, 2025", "2025-06-09", "day"),  # the talks open
        ("last month", "2025-05", "month"),  # "since last month’s Geneva agreement"
        ("In May", "2025-05", "month"),  # tariffs suspended for 90 days
        ("last week", "2025-06", "month"),  # Trump and Xi's call: the week of June 2–8
        ("in May", "2025-05", "month"),  # the truce gave a brief boost
    ]  # "early 2026" is in the teasers after the article, and is not read


def test_the_june_10_article_resolves_last_month_to_may_and_dates_day_two():
    text = seed("2025-06-10-talks-going-well-as-sides-reconvene.txt")
    rows = find_dated_sentences(text, published_at=datetime(2025, 6, 10, tzinfo=LONDON), tz=LONDON)
    assert found(text, datetime(2025, 6, 10, tzinfo=LONDON)) == [
        ("last month", "2025-05", "month"),  # "After a preliminary agreement in Geneva last month"
        ("June 10", "2025-06-10", "day"),  # delegations reconvene at Lancaster House
        ("June 9", "2025-06-09", "day"),  # Trump speaking
        ("in May", "2025-05", "month"),  # exports fell 34.5%
        ("June 10", "2025-06-10", "day"),  # negotiations resumed that morning
        ("Today", "2025-06-10", "day"),  # today's session
    ]
    geneva = rows[0]
    assert text[geneva.start:geneva.end].startswith("After a preliminary agreement in Geneva last month")
    assert geneva.duration == "90 days" and geneva.ends_at is None


def test_a_ten_thousand_word_article_is_read_quickly():
    text = seed("2025-06-09-us-china-face-off-in-london.txt").split("Discover More")[0]
    long = "\n".join([text] * 9)
    assert len(long.split()) > 10_000
    began = time.perf_counter()
    rows = find_dated_sentences(long, published_at=datetime(2025, 6, 9, tzinfo=LONDON), tz=LONDON)
    assert time.perf_counter() - began < 1.0
    assert len(rows) == 45


def test_a_dateline_is_when_the_story_was_filed_not_an_event():
    text = "LONDON, June 10 (The Ledger) - The two sides agreed on Tuesday on a framework."
    found = find_dated_sentences(text, published_at=datetime(2025, 6, 10, 20, tzinfo=UTC), tz=ZoneInfo("Europe/London"))
    assert [text[s.start:s.end] for s in found] == ["The two sides agreed on Tuesday on a framework."]
