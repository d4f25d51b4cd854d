"""Compiled queries answer exactly what the QuerySet they were built from answers, for any values,
and are built once."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import page_data
from stories.compiled import LIST_LENGTHS, CompiledQuery, CompiledSQL, ModelColumns, rows_together, sending_ahead
from stories.dates import Precision
from stories.models import Claim, ClaimKind, Event, Source, Story, VerificationStatus, text_sha256

from .factories import cite, draft, make_actor, make_claim, make_story, published
from .plans import gather_statistics_as_autovacuum_would, rows_through_plan

pytestmark = pytest.mark.django_db


def claims_of(story, now):
    return Claim.objects.published_in(Story(pk=story), now=now).order_by("pk")


def test_rows_are_what_the_queryset_gives_for_every_story_and_moment():
    first, second = make_story(), make_story()
    soon = timezone.now() + timedelta(hours=1)
    make_claim(first, text="Out now")
    make_claim(first, text="Out within the hour", **published(published_at=soon))
    make_claim(first, text="A draft", **draft())
    make_claim(second, text="Another story's", kind=ClaimKind.STATISTIC, stat_value=Decimal("34.5"), stat_unit="%")
    query = CompiledQuery(
        lambda story, now: claims_of(story, now).values_list("pk", "text", "made_at", "stat_value", "published_at"),
        story=int, now=datetime,
    )
    for story in (first, second):
        for now in (timezone.now(), soon + timedelta(seconds=1)):
            expected = list(claims_of(story.pk, now).values_list("pk", "text", "made_at", "stat_value", "published_at"))
            assert query.rows(story=story.pk, now=now) == expected
    assert [text for _, text, *_ in query.rows(story=first.pk, now=timezone.now())] == ["Out now"]
    later = [text for _, text, *_ in query.rows(story=first.pk, now=soon + timedelta(seconds=1))]
    assert later == ["Out now", "Out within the hour"]


def test_values_come_back_converted_as_the_orm_converts_them():
    story = make_story()
    make_claim(story, kind=ClaimKind.STATISTIC, stat_value=Decimal("34.5"), stat_unit="%")
    query = CompiledQuery(
        lambda story, now: claims_of(story, now).values_list("stat_value", "published_at"), story=int, now=datetime,
    )
    [(value, moment)] = query.rows(story=story.pk, now=timezone.now())
    assert value == Decimal("34.5") and isinstance(value, Decimal)
    assert moment.tzinfo is not None


def test_booleans_and_datetimes_come_back_as_the_orm_gives_them_computed_ones_too():
    story = make_story(is_live=True)
    make_claim(story, text="Talks resume", made_at=timezone.now() - timedelta(hours=2), made_precision="minute")
    make_claim(story, text="Undated")

    def build(story, now):
        return (claims_of(story, now).annotate(story_newest=Max("story__claims__made_at"))
                .values_list("pk", "story__is_live", "made_at", "published_at", "story_newest"))

    query = CompiledQuery(build, story=int, now=datetime)
    now = timezone.now()
    rows = query.rows(story=story.pk, now=now)
    assert rows == list(build(story.pk, now))
    for _, is_live, made_at, published_at, newest in rows:
        assert is_live is True
        assert made_at is None or made_at.tzinfo is not None
        assert published_at.tzinfo is not None and newest.tzinfo is not None


def test_an_id_list_of_any_length_finds_exactly_those_rows():
    story = make_story()
    claims = [make_claim(story, text=f"Claim {i}") for i in range(20)]
    query = CompiledQuery(
        lambda ids, now: Claim.objects.published(now=now).filter(pk__in=ids).order_by("pk").values_list("text", flat=False),
        ids=list, now=datetime,
    )
    for count in (0, 1, 4, 5, 16, 17, 20):
        wanted = claims[:count]
        rows = query.rows(ids=[claim.pk for claim in wanted], now=timezone.now())
        assert [text for (text,) in rows] == [claim.text for claim in wanted]


def test_two_id_lists_beside_other_values_find_what_the_queryset_finds():
    story, other = make_story(), make_story(slug="other-story")
    alice, bob = make_actor(name="Alice Tan"), make_actor(name="Bob Ng")
    claims = [make_claim(story if i % 3 else other, text=f"Claim {i}", claimant=(alice, bob, None)[i % 3])
              for i in range(40)]

    def build(ids, story, claimants, now):
        return (Claim.objects.published(now=now).filter(pk__in=ids, story_id=story, claimant_id__in=claimants)
                .order_by("pk").values_list("text"))

    query = CompiledQuery(build, ids=list, story=int, claimants=list, now=datetime)
    for ids, claimants in ([claims[:30], [alice, bob]], [claims[5:9], [bob]], [claims, [alice]], [[], [bob]]):
        now = timezone.now()
        values = {"ids": [claim.pk for claim in ids], "story": story.pk,
                  "claimants": [actor.pk for actor in claimants], "now": now}
        with CaptureQueriesContext(connection) as queries:
            rows = query.rows(**values)
        assert rows == list(build(**values))
        if connection.vendor == "postgresql":  # a list is one array value of the prepared statement
            executed = queries.captured_queries[-1]["sql"]
            assert executed.startswith("EXECUTE ") and len(re.findall(r"'\{[-0-9,]*\}'", executed)) == 2


def test_longer_id_lists_are_refused_with_a_clear_error():
    query = CompiledQuery(lambda ids: Claim.objects.filter(pk__in=ids).values_list("pk"), ids=list)
    with pytest.raises(ValueError, match="more than a compiled query takes"):
        query.rows(ids=list(range(1, LIST_LENGTHS[-1] + 2)))


def test_a_query_is_built_once_and_then_costs_one_sql_statement():
    story = make_story()
    make_claim(story)
    built = []

    def build(story, now):
        built.append(story)
        return claims_of(story, now).values_list("pk")

    query = CompiledQuery(build, story=int, now=datetime)
    query.rows(story=story.pk, now=timezone.now())  # on PostgreSQL, also PREPAREs it for the session
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            query.rows(story=story.pk, now=timezone.now())
        assert len(queries) == 1
    assert len(built) == 1


def test_columns_in_another_order_than_the_select_come_back_as_asked():
    story = make_story()
    make_claim(story, text="Said")
    query = CompiledQuery(
        lambda story: Claim.objects.filter(story_id=story).annotate(n=Claim.objects.none().values("pk")[:1])
        .values_list("text", "pk"),
        story=int,
    )
    [(text, pk)] = query.rows(story=story.pk)
    assert text == "Said" and isinstance(pk, int)


def test_every_declared_value_must_reach_the_sql():
    query = CompiledQuery(lambda story, now: Claim.objects.filter(story_id=story).values_list("pk"),
                          story=int, now=datetime)
    with pytest.raises(ValueError, match="does not use"):
        query.rows(story=1, now=timezone.now())
    with pytest.raises(TypeError, match="declare the kind"):
        CompiledQuery(lambda story: Claim.objects.values_list("pk"), other=int)


def test_model_columns_make_the_instances_the_orm_makes():
    speaker = make_actor(name="Scott Bessent")
    story = make_story()
    claim = make_claim(story, claimant=speaker, text="Talks are going well")
    columns, claimant = ModelColumns(Claim), ModelColumns(type(speaker), "claimant", omit=("bio",))
    query = CompiledQuery(
        lambda story: Claim.objects.filter(story_id=story).values_list(*columns.names, *claimant.names), story=int,
    )
    [row] = query.rows(story=story.pk)
    loaded = columns.load(row)
    assert loaded == claim and loaded.text == "Talks are going well" and not loaded._state.adding
    assert {f.attname: getattr(loaded, f.attname) for f in Claim._meta.concrete_fields} == {
        f.attname: getattr(Claim.objects.get(pk=claim.pk), f.attname) for f in Claim._meta.concrete_fields
    }
    actor = claimant.load(row, len(columns))
    assert actor == speaker and actor.name == "Scott Bessent"
    assert "bio" in actor.get_deferred_fields()


def test_an_outer_join_that_found_nothing_loads_no_instance():
    story = make_story()
    make_claim(story, claimant=None, claimant_description="one official")
    columns, claimant = ModelColumns(Claim), ModelColumns(type(make_actor()), "claimant")
    query = CompiledQuery(
        lambda story: Claim.objects.filter(story_id=story).values_list(*columns.names, *claimant.names), story=int,
    )
    [row] = query.rows(story=story.pk)
    assert claimant.load(row, len(columns)) is None


def test_a_moment_taken_when_compiling_is_refused_rather_than_kept_for_every_call():
    """A QuerySet method that reads the clock itself would freeze it into the compiled SQL."""
    query = CompiledQuery(lambda story: Claim.objects.published_in(Story(pk=story)).values_list("pk"), story=int)
    with pytest.raises(ValueError, match="has a moment it was not given"):
        query.rows(story=1)


def test_loaded_instances_behave_as_loaded_ones_and_respect_init_receivers():
    """Instances are made as an unpickled one is (no __init__); they save, defer and refresh as
    any loaded row, and a model with init-signal receivers is made through from_db() instead."""
    from django.db.models.signals import post_init

    story = make_story()
    claim = make_claim(story, text="Said first")
    columns = ModelColumns(Claim, omit=("verification_note",))
    query = CompiledQuery(lambda story: Claim.objects.filter(story_id=story).values_list(*columns.names), story=int)
    loaded = columns.load(query.rows(story=story.pk)[0])
    assert loaded.get_deferred_fields() == {"verification_note"}
    assert loaded.verification_note == claim.verification_note  # read when asked, as defer() does
    loaded.text = "Said again"
    loaded.save(update_fields=["text"])
    assert Claim.objects.get(pk=claim.pk).text == "Said again"

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Claim)
    try:
        again = columns.load(query.rows(story=story.pk)[0])
    finally:
        post_init.disconnect(receiver, sender=Claim)
    assert seen == [again] and again.text == "Said again"


# --- PostgreSQL's plans ------------------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements and their plans are PostgreSQL's"
)


def _statement(query: CompiledQuery) -> str:
    (compiled,) = query._compiled.values()
    return compiled.name


def _plans_made(name: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()


def _settings(*names: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        found = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            found[name] = cursor.fetchone()[0]
        return found


PLANNER_SETTINGS = ("plan_cache_mode", "enable_hashjoin", "enable_mergejoin", "enable_sort", "random_page_cost")


@postgresql_only
def test_a_query_on_its_generic_plan_is_planned_once_not_for_each_call():
    story = make_story()
    make_claim(story)
    once = CompiledQuery(lambda story, now: claims_of(story, now).values_list("pk"),
                         generic_plan=True, story=int, now=datetime)
    each_time = CompiledQuery(lambda story, now: claims_of(story, now).values_list("text"), story=int, now=datetime)
    before = _settings(*PLANNER_SETTINGS)
    for _ in range(8):
        assert once.rows(story=story.pk, now=timezone.now()) == list(claims_of(story.pk, timezone.now()).values_list("pk"))
        each_time.rows(story=story.pk, now=timezone.now())
    assert _plans_made(_statement(once)) == (8, 0)
    # Left to itself PostgreSQL plans the first five calls for their values.
    assert _plans_made(_statement(each_time))[1] >= 5
    assert _settings(*PLANNER_SETTINGS) == before


@postgresql_only
def test_planner_settings_hold_for_their_statement_only_even_when_it_fails():
    story = make_story()
    make_claim(story)
    query = CompiledQuery(lambda ids, now: Claim.objects.published(now=now).filter(pk__in=ids).values_list("pk"),
                          generic_plan=True, join_by_key=True, in_index_order=True, ids=list, now=datetime)
    before = _settings(*PLANNER_SETTINGS)
    query.rows(ids=[1, 2], now=timezone.now())
    assert _settings(*PLANNER_SETTINGS) == before
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {_statement(query)}")  # its next EXECUTE fails
    with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
        query.rows(ids=[1, 2], now=timezone.now())
    assert _settings(*PLANNER_SETTINGS) == before


def _rows_through_the_plan_of(query, **values) -> int:
    with CaptureQueriesContext(connection) as queries:
        query.rows(**values)
    return _rows_through_the_plan_of_the_execute_in(queries)


def _rows_through_the_plan_of_the_execute_in(queries) -> int:
    (executed,) = [q["sql"] for q in queries.captured_queries if "EXECUTE" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(executed.replace("EXECUTE ", "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE "))
        while cursor.description is None:
            cursor.nextset()
        rows = rows_through_plan(cursor.fetchone()[0])
        while cursor.nextset():
            pass
    return rows


@postgresql_only
def test_the_sources_behind_a_badge_are_looked_up_by_key_however_many_sources_the_site_has():
    story = make_story()
    text = "The minister said “talks are going well” on Tuesday."
    sources = Source.objects.bulk_create([
        Source(title=f"Wire {n}", slug=f"wire-{n}", text=text, sha256=text_sha256(text),
               **published(published_at=timezone.now() - timedelta(days=1)))
        for n in range(1000)
    ])
    claims = [make_claim(story, text=f"Talks are going well ({n})") for n in range(60)]
    for claim, source in zip(claims, sources[::16]):
        cite(source, "talks are going well", claim=claim)
    gather_statistics_as_autovacuum_would()
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        page_data.attach_backing(claims=claims, now=now)
    assert [len(claim.backing_citations) for claim in claims] == [1] * 60
    # 60 citations and their 60 sources, each step counted; hashing every source would be 1,000 more.
    assert _rows_through_the_plan_of_the_execute_in(queries) < 500


@postgresql_only
def test_the_story_pages_newest_claims_and_timeline_are_looked_up_by_key_not_by_reading_the_story():
    story = make_story()
    statuses = list(VerificationStatus)
    Claim.objects.bulk_create([
        Claim(story=story, text=f"Claim {n}", kind=ClaimKind.ASSERTION, verification_status=statuses[n % len(statuses)],
              made_at=timezone.now() - timedelta(hours=n), made_precision=Precision.HOUR, **published())
        for n in range(400)
    ])
    # The key events are the story's oldest: found by reading its events newest first, every
    # event of the story was read to reach them.
    Event.objects.bulk_create([
        Event(story=story, title=f"Event {n}", occurred_at=timezone.now() - timedelta(days=n),
              precision=Precision.DAY, is_key_event=n >= 380, **published())
        for n in range(400)
    ])
    gather_statistics_as_autovacuum_would()
    now = timezone.now()
    # A few rows chosen per status (or as the latest and key events), then each fetched by its key:
    # with the chosen keys hashed instead, every claim of the story was read once per status (over
    # 2,900 rows through the plan; the timeline over 1,400). Joined by key but without an index of
    # key events, the timeline read every event of the story to reach its old key events (653).
    assert _rows_through_the_plan_of(page_data._NEWEST_PER_STATUS, story=story.pk, now=now) < 400
    assert _rows_through_the_plan_of(page_data._TIMELINE, story=story.pk, now=now) < 400


# --- Queries sent together ---------------------------------------------------------------------


def _two_stories_and_a_lookup():
    first, second = make_story(), make_story()
    claims = [make_claim(first, text=f"First {n}") for n in range(3)] + [make_claim(second, text="Second")]
    make_claim(first, text="A draft", **draft())
    by_story = CompiledQuery(lambda story, now: claims_of(story, now).values_list("pk", "text", "published_at"),
                             story=int, now=datetime)
    by_ids = CompiledQuery(lambda ids, now: Claim.objects.published(now=now).filter(pk__in=ids).order_by("pk")
                           .values_list("pk", "text"),
                           generic_plan=True, join_by_key=True, in_index_order=True, ids=list, now=datetime)
    now = timezone.now()
    calls = [
        (by_story, {"story": first.pk, "now": now}),
        (by_ids, {"ids": [claims[0].pk, claims[-1].pk], "now": now}),
        (by_story, {"story": second.pk, "now": now}),
    ]
    return by_story, calls


def test_queries_asked_together_answer_what_each_answers_alone():
    _, calls = _two_stories_and_a_lookup()
    alone = [query.rows(**values) for query, values in calls]
    assert [len(rows) for rows in alone] == [3, 2, 1]
    assert rows_together(calls) == alone
    assert rows_together(calls) == alone  # and again: nothing left over from the first time


@postgresql_only
def test_queries_asked_together_wait_for_one_round_trip_and_leave_no_planner_setting_behind():
    _, calls = _two_stories_and_a_lookup()
    alone = [query.rows(**values) for query, values in calls]  # the session prepares them
    before = _settings(*PLANNER_SETTINGS)
    with CaptureQueriesContext(connection) as queries:
        together = rows_together(calls)
    assert together == alone
    assert len(queries) == 1
    assert _settings(*PLANNER_SETTINGS) == before


@postgresql_only
def test_queries_asked_together_each_run_under_their_own_planner_settings_in_any_order():
    story = make_story()
    make_claim(story)
    def settings_seen(**choices):
        # Each row says the planner settings its statement ran under.
        seen = RawSQL("concat_ws(',', " + ", ".join(f"current_setting('{name}')" for name in PLANNER_SETTINGS) + ")", [])
        return CompiledQuery(
            lambda story, now: claims_of(story, now).annotate(seen=seen).values_list("seen"),
            story=int, now=datetime, **choices,
        )

    queries = {
        "plain": settings_seen(),
        "generic": settings_seen(generic_plan=True),
        "everything": settings_seen(generic_plan=True, join_by_key=True, in_index_order=True),
        "by key": settings_seen(join_by_key=True),
    }
    now = timezone.now()
    alone = {name: query.rows(story=story.pk, now=now) for name, query in queries.items()}
    assert alone["plain"] != alone["generic"] != alone["everything"] != alone["by key"]
    before = _settings(*PLANNER_SETTINGS)
    for order in (["plain", "generic", "everything", "by key"], ["everything", "plain", "by key", "generic"]):
        calls = [(queries[name], {"story": story.pk, "now": now}) for name in order]
        with CaptureQueriesContext(connection) as sent:
            together = rows_together(calls)
        assert len(sent) == 1
        assert together == [alone[name] for name in order]
        assert _settings(*PLANNER_SETTINGS) == before


@postgresql_only
def test_rows_sent_ahead_serve_only_the_values_sent_and_only_once():
    by_story, calls = _two_stories_and_a_lookup()
    first, second = calls[0][1], calls[2][1]
    expected = by_story.rows(**first)
    by_story.rows(**second)
    with CaptureQueriesContext(connection) as queries:
        with sending_ahead(calls[:1] + calls[2:]):
            sent = len(queries)
            assert by_story.rows(**first) == expected
            assert len(queries) == sent  # already here
            assert by_story.rows(**first) == expected
            assert len(queries) == sent + 1  # asked again: asked of the database again
            by_story.rows(**{**first, "now": timezone.now()})
            assert len(queries) == sent + 2  # another moment is another question
        by_story.rows(**second)  # sent, never read inside the block: not kept for later
        assert len(queries) == sent + 3
    assert sent == 1


@postgresql_only
def test_a_session_prepares_its_statements_one_at_a_time_before_sending_them_together():
    story = make_story()
    make_claim(story)
    fresh = [
        CompiledQuery(lambda story, now: claims_of(story, now).values_list("pk"), story=int, now=datetime),
        CompiledQuery(lambda story, now: claims_of(story, now).values_list("text"), story=int, now=datetime),
    ]
    calls = [(query, {"story": story.pk, "now": timezone.now()}) for query in fresh]
    with CaptureQueriesContext(connection) as first:
        answers = rows_together(calls)
    assert [sql["sql"].split()[0] for sql in first.captured_queries] == ["PREPARE", "EXECUTE", "PREPARE", "EXECUTE"]
    with CaptureQueriesContext(connection) as second:
        assert rows_together(calls) == answers
    assert len(second) == 1


@postgresql_only
def test_a_failing_statement_sent_together_fails_the_block_and_leaves_no_setting_behind():
    by_story, calls = _two_stories_and_a_lookup()
    for query, values in calls:
        query.rows(**values)
    before = _settings(*PLANNER_SETTINGS)
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {_statement(by_story)}")  # its next EXECUTE fails
    with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
        rows_together(calls)
    assert _settings(*PLANNER_SETTINGS) == before


def test_a_block_inside_another_that_reads_the_last_rows_leaves_both_to_close_cleanly():
    by_story, calls = _two_stories_and_a_lookup()
    alone = [query.rows(**values) for query, values in calls]
    with sending_ahead(calls[:2]):
        assert [query.rows(**values) for query, values in calls[:2]] == alone[:2]
        assert rows_together([calls[2], (by_story, {**calls[0][1], "now": timezone.now()})])[0] == alone[2]
    assert [query.rows(**values) for query, values in calls] == alone


def test_text_with_quotes_backslashes_and_percent_signs_finds_exactly_its_rows_alone_and_together():
    story = make_story()
    awkward = "O'Brien: \"100% of it\" \\ ends here'); DROP TABLE stories_claim; --"
    make_claim(story, text=awkward)
    make_claim(story, text="O'Brien: \"100% of it\" \\ ends here")
    query = CompiledQuery(
        lambda text, now: claims_of(story.pk, now).filter(text=text).values_list("text"), text=str, now=datetime,
    )
    now = timezone.now()
    assert query.rows(text=awkward, now=now) == [(awkward,)]
    calls = [(query, {"text": awkward, "now": now}), (query, {"text": "no such claim", "now": now})]
    assert rows_together(calls) == [[(awkward,)], []]
    assert Claim.objects.filter(story=story).count() == 2


def test_a_moment_in_any_time_zone_is_the_same_instant_to_the_microsecond():
    story = make_story()
    at = datetime(2025, 6, 10, 14, 30, 15, 123456, tzinfo=UTC)
    make_claim(story, text="Published at that instant", **published(published_at=at))
    query = CompiledQuery(lambda story, now: claims_of(story, now).values_list("text"), story=int, now=datetime)
    for zone in ("UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"):
        local = at.astimezone(ZoneInfo(zone))
        calls = [(query, {"story": story.pk, "now": local}),
                 (query, {"story": story.pk, "now": local - timedelta(microseconds=1)})]
        assert [query.rows(**values) for _, values in calls] == [[("Published at that instant",)], []]
        assert rows_together(calls) == [[("Published at that instant",)], []]


def test_plain_sql_of_our_own_answers_as_a_cursor_does_alone_and_sent_together():
    first, second = make_story(), make_story()
    for story, texts in ((first, ["One", "Two"]), (second, ["Three"])):
        for text in texts:
            make_claim(story, text=text)
    query = CompiledSQL(
        'SELECT text FROM "stories_claim" WHERE story_id = %(story)s AND text <> %(skip)s ORDER BY text',
        story=int, skip=str,
    )
    with connection.cursor() as cursor:
        cursor.execute('SELECT text FROM "stories_claim" WHERE story_id = %s AND text <> %s ORDER BY text', [first.pk, "Two"])
        expected = cursor.fetchall()
    assert [tuple(row) for row in query.rows(story=first.pk, skip="Two")] == [tuple(row) for row in expected] == [("One",)]
    calls = [(query, {"story": first.pk, "skip": "Two"}), (query, {"story": second.pk, "skip": "x'; --"})]
    assert [[tuple(row) for row in rows] for rows in rows_together(calls)] == [[("One",)], [("Three",)]]
    with pytest.raises(TypeError):
        CompiledSQL("SELECT 1 WHERE %(a)s = %(b)s", a=int)
