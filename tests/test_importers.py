import re
import shutil
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from stories.ingest.annotations import parse_annotation
from stories.ingest.articles import parse_article
from stories.ingest.report import SeedError
from stories.models import (
    Actor,
    ActorAlias,
    Citation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Event,
    ImportRecord,
    Mention,
    PublicationStatus,
    ReviewState,
    Source,
    SourceRevision,
    Story,
    Update,
    VerificationStatus,
)

from .factories import ANNOTATION, BAD_ANNOTATIONS, BAD_ARTICLES, SEEDS, broken_annotation

ARTICLE_1 = "2025-06-09-us-china-face-off-in-london.txt"
ARTICLE_2 = "2025-06-10-talks-going-well-as-sides-reconvene.txt"
MODELS = [Story, Actor, ActorAlias, Source, SourceRevision, Event, Claim, Citation, ClaimStatusChange,
          Mention, Update, ImportRecord]


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def import_from(path, **options):
    call_command("import_seeds", path=path, stdout=open("/dev/null", "w"), **options)


@pytest.fixture
def seed_dir(tmp_path):
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def imported(db):
    import_from(SEEDS)


# --- What the seeds give ------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_gives_the_actors_with_their_organisations_and_countries(imported):
    chains = {}
    for actor in Actor.objects.filter(kind="person"):
        chain, parent = [], actor.affiliation
        while parent:
            chain.append(parent.slug)
            parent = parent.affiliation
        chains[actor.name] = chain
    assert chains["Scott Bessent"] == ["us-treasury", "united-states"]
    assert chains["Howard Lutnick"] == ["us-commerce", "united-states"]
    assert chains["Jamieson Greer"] == ["ustr", "united-states"]
    assert chains["He Lifeng"] == ["state-council", "china"]
    assert chains["Donald Trump"] == ["white-house", "united-states"]
    assert chains["Xi Jinping"] == ["china"]
    assert chains["Keir Starmer"] == ["uk-government", "united-kingdom"]
    assert chains["Kevin Hassett"] == ["national-economic-council", "white-house", "united-states"]
    assert chains["Robin Xing"] == ["morgan-stanley"]
    assert set(Actor.objects.get(slug="scott-bessent").aliases.values_list("alias", flat=True)) >= {
        "Bessent", "Treasury Secretary Scott Bessent"
    }


@pytest.mark.django_db
def test_import_gives_the_timeline_with_honest_precision(imported):
    events = {e.seed_key: e for e in Event.objects.select_related("story")}
    assert events["geneva-agreement"].when_display() == "May 2025"
    assert events["tariff-truce"].when_display() == "May 2025 – August 2025"
    assert events["trump-xi-call"].when_display() == "June 2025"
    assert events["london-talks-open"].when_display() == "June 9, 2025"
    assert events["london-talks-open"].place == "Lancaster House, London"
    assert events["london-talks-day-two"].when_display() == "June 10, 2025"
    assert set(events["london-talks-open"].actors.values_list("slug", flat=True)) >= {
        "scott-bessent", "howard-lutnick", "jamieson-greer", "he-lifeng"
    }


@pytest.mark.django_db
def test_every_direct_quote_is_a_claim_with_its_speaker(imported):
    quotes = {
        (c.text, c.claimant.name if c.claimant else c.claimant_description)
        for c in Claim.objects.published().filter(kind=ClaimKind.DIRECT_QUOTE).select_related("claimant")
    }
    assert quotes >= {
        ("calculated yet assertive instrument for strategic influence.", "Robin Xing"),
        ("Dialogue and cooperation are the only viable options.", "One Chinese official"),
        ("handshake", "US officials"),
        ("Talks are going well … spending lots of time together", "Howard Lutnick"),
        ("very high-end Nvidia stuff", "Kevin Hassett"),
        ("only received good signals", "Donald Trump"),
        ("China is not easy to deal with", "Donald Trump"),
        ("going well", "Top-level US officials"),
    }


@pytest.mark.django_db
def test_statistics_carry_value_unit_and_period(imported):
    exports = Claim.objects.get(natural_key="annotation:china-exports-to-us-fell")
    assert (exports.stat_value, exports.stat_unit, exports.stat_period) == (34.5, "percent", "May 2025")
    share = Claim.objects.get(natural_key="annotation:china-rare-earth-share")
    assert (share.stat_value, share.stat_value_high, share.stat_unit) == (70, 90, "percent")


@pytest.mark.django_db
def test_status_steps_the_seeds_set_are_shown_as_imported_from_the_annotation(imported):
    steps = ClaimStatusChange.objects.all()
    assert steps
    assert {(s.via, s.imported_from, s.changed_by) for s in steps} == {
        ("import", "the annotation london-trade-talks.toml", None),
    }
    assert steps[0].origin() == "Imported from the annotation london-trade-talks.toml"


@pytest.mark.django_db
def test_facts_the_sources_got_wrong_are_recorded_as_inaccurate_with_a_note(imported):
    former = Claim.objects.get(natural_key="annotation:trump-called-former-president")
    reelection = Claim.objects.get(natural_key="annotation:trump-eyes-reelection")
    for claim in (former, reelection):
        assert claim.verification_status == VerificationStatus.INACCURATE
        assert "second" in claim.verification_note
        assert claim.status_changes.get().to_status == VerificationStatus.INACCURATE


@pytest.mark.django_db
def test_every_citation_points_at_its_exact_excerpt(imported):
    assert Citation.objects.count() > 30
    for citation in Citation.objects.select_related("source"):
        assert citation.source.text[citation.start:citation.end] == citation.excerpt


@pytest.mark.django_db
def test_extracted_candidates_are_unreviewed_drafts_and_never_published(imported):
    candidates = Claim.objects.candidates()
    assert candidates.exists()
    assert set(candidates.values_list("verification_status", "status")) == {
        (VerificationStatus.UNREVIEWED, PublicationStatus.DRAFT)
    }
    assert not Claim.objects.published().filter(review_state=ReviewState.CANDIDATE).exists()


@pytest.mark.django_db
def test_teasers_after_the_article_are_not_imported(imported):
    source = Source.objects.get(imported_from=ARTICLE_1)
    assert "Discover More" not in source.text
    assert "Qualcomm" not in source.text
    assert not Claim.objects.filter(text__contains="Alphawave").exists()
    assert source.text.endswith("just more headlines.")


@pytest.mark.django_db
def test_actor_mentions_are_recognised_by_name_and_alias(imported):
    source = Source.objects.get(imported_from=ARTICLE_1)
    spans = {source.text[m.start:m.end]: m.actor.slug for m in source.mentions.select_related("actor")}
    assert spans["Treasury Secretary Scott Bessent"] == "scott-bessent"
    assert spans["Robin Xing"] == "robin-xing"
    assert spans["Vice Premier He Lifeng"] == "he-lifeng"


# --- Idempotency --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_creates_nothing(imported):
    before = row_counts()
    import_from(SEEDS)
    assert row_counts() == before


@pytest.mark.django_db
def test_reimport_reports_everything_unchanged(imported, capsys):
    call_command("import_seeds", path=SEEDS)
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out


@pytest.mark.django_db
def test_reimport_keeps_an_editors_changes(imported):
    claim = Claim.objects.get(natural_key="annotation:lutnick-talks-going-well")
    claim.verification_status = VerificationStatus.CORROBORATED
    claim.save()
    import_from(SEEDS)
    claim.refresh_from_db()
    assert claim.verification_status == VerificationStatus.CORROBORATED


@pytest.mark.django_db
def test_rejected_candidate_stays_rejected_on_reimport(imported):
    candidate = Claim.objects.candidates().first()
    candidate.review_state = ReviewState.REJECTED
    candidate.save()
    before = row_counts()
    import_from(SEEDS)
    candidate.refresh_from_db()
    assert candidate.review_state == ReviewState.REJECTED
    assert row_counts() == before


@pytest.mark.django_db
def test_changed_article_updates_its_source_and_flags_citations_that_no_longer_match(seed_dir):
    import_from(seed_dir)
    path = seed_dir / ARTICLE_2
    path.write_text(path.read_text(encoding="utf-8").replace("fell 34.5% in May", "fell 34.7% in May"), encoding="utf-8")
    (seed_dir / ANNOTATION).write_text(
        (seed_dir / ANNOTATION).read_text(encoding="utf-8").replace(
            'excerpt = "China’s Exports to US fell 34.5% in May—the steepest drop since the COVID\\u201119 lockdown era."',
            'excerpt = "steepest drop since the COVID\\u201119 lockdown era."'),
        encoding="utf-8",
    )
    call_command("import_seeds", path=seed_dir, stdout=open("/dev/null", "w"))
    source = Source.objects.get(imported_from=ARTICLE_2)
    assert "34.7%" in source.text
    assert source.revisions.get().text.count("34.5%") == 1
    for citation in Citation.objects.filter(source=source, is_stale=False):
        assert source.text[citation.start:citation.end] == citation.excerpt


@pytest.mark.django_db
def test_changed_article_flags_citation_whose_excerpt_is_gone(seed_dir, capsys):
    import_from(seed_dir)
    path = seed_dir / ARTICLE_1
    path.write_text(path.read_text(encoding="utf-8").replace("Robin Xing put it", "Robin Xing said"), encoding="utf-8")
    call_command("import_seeds", path=seed_dir)
    assert "1 citations no longer match their changed source" in capsys.readouterr().out
    stale = Citation.objects.get(is_stale=True)
    assert stale.claim.natural_key == "annotation:xing-rare-earths-instrument"
    assert "Robin Xing put it" in stale.excerpt
    source = Source.objects.get(imported_from=ARTICLE_1)
    assert "Robin Xing said" in source.text
    assert "Robin Xing put it" in source.revisions.get().text


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports_counts(capsys):
    call_command("import_seeds", path=SEEDS, dry_run=True)
    out = capsys.readouterr().out
    assert "Dry run" in out and "2 created" in out
    assert all(count == 0 for count in row_counts().values())


# --- Bad input: a clear error and the database exactly as it was ---------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_ARTICLES, ids=list(BAD_ARTICLES))
def test_bad_article_gives_clear_error_and_leaves_database_as_it_was(seed_dir, case):
    import_from(SEEDS)
    before = row_counts()
    content, message = BAD_ARTICLES[case]
    (seed_dir / "zz-bad.txt").write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command("import_seeds", path=seed_dir)
    assert "zz-bad.txt" in str(error.value) and message in str(error.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused(seed_dir, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 10_000
    (seed_dir / "zz-huge.txt").write_text("Headline\n\n" + "word " * 5000, encoding="utf-8")
    with pytest.raises(CommandError, match=r"zz-huge.txt: is 25,010 bytes, over the 10,000-byte limit"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_ANNOTATIONS, ids=list(BAD_ANNOTATIONS))
def test_malformed_annotation_gives_clear_error_and_writes_nothing(seed_dir, case):
    content, message = BAD_ANNOTATIONS[case]
    (seed_dir / ANNOTATION).write_text(content or broken_annotation(case), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("import_seeds", path=seed_dir)
    assert ANNOTATION in str(error.value)
    assert message in str(error.value)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
def test_missing_excerpt_error_names_the_entry(seed_dir):
    (seed_dir / ANNOTATION).write_text(broken_annotation("missing excerpt"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"claims\[0\] \(key 'call-very-positive'\)"):
        call_command("import_seeds", path=seed_dir)


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["/etc/passwd", ARTICLE_1])
def test_a_symbolic_link_is_refused_naming_it_wherever_it_points(seed_dir, target):
    (seed_dir / "zz-linked.txt").symlink_to(target)
    with pytest.raises(CommandError, match=r"zz-linked\.txt: is a symbolic link"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
@pytest.mark.parametrize("name", [f"._{ARTICLE_1}", ".draft.txt", ".notes.toml"])
def test_hidden_files_and_resource_forks_are_refused_naming_them(seed_dir, name):
    (seed_dir / name).write_bytes((seed_dir / ARTICLE_1).read_bytes())
    with pytest.raises(CommandError, match=rf"{re.escape(name)}: is a hidden file"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
def test_an_article_named_in_capitals_is_imported(seed_dir):
    (seed_dir / ARTICLE_2).rename(seed_dir / "TALKS-GOING-WELL.TXT")
    (seed_dir / ANNOTATION).write_text(
        (seed_dir / ANNOTATION).read_text(encoding="utf-8").replace(ARTICLE_2, "TALKS-GOING-WELL.TXT"), encoding="utf-8")
    import_from(seed_dir)
    assert Source.objects.filter(imported_from="TALKS-GOING-WELL.TXT").exists()


@pytest.mark.django_db
def test_a_markdown_file_is_refused_naming_it_not_just_its_directory(seed_dir):
    (seed_dir / "background.md").write_text("---\npublisher: Wire\n---\n# Headline\n\nBody.", encoding="utf-8")
    with pytest.raises(CommandError, match=r"background\.md: is Markdown"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
def test_a_title_over_its_column_is_refused_naming_the_file_on_every_database(seed_dir):
    (seed_dir / "zz-long.txt").write_text("T" * 10_000 + "\n\nBody of the article.", encoding="utf-8")
    with pytest.raises(CommandError, match=r"zz-long\.txt: title is 10,000 characters, over its limit of 500"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new", "message"), [
    ('title = "Second round of talks opens at Lancaster House"', f'title = "{"T" * 301}"',
     "title is 301 characters, over its limit of 300"),
    ('place = "Lancaster House, London"', f'place = "{"P" * 201}"', "place is 201 characters, over its limit of 200"),
    ('aliases = ["Bessent"', f'aliases = ["{"B" * 201}"', "alias is 201 characters, over its limit of 200"),
    ('key = "talks-open"', f'key = "{"k" * 250}"', "seed_key is 250 characters, over its limit of 200"),
    ('standfirst = "', 'standfirst = "\\u0000', "standfirst contains a NUL character"),
])
def test_an_annotation_value_over_its_column_is_refused_naming_the_entry(seed_dir, old, new, message):
    path = seed_dir / ANNOTATION
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)) as error:
        call_command("import_seeds", path=seed_dir)
    assert ANNOTATION in str(error.value)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("import_seeds", path=tmp_path / "nowhere")


# --- Parsing without a database ----------------------------------------------------------------


def test_bom_and_crlf_are_normalised():
    article = parse_article("\ufeffHeadline\r\n\r\nFirst line.\r\nSecond line.".encode(), name="a.txt", max_bytes=1000)
    assert article.title == "Headline"
    assert article.text == "Headline\n\nFirst line.\nSecond line."


def test_front_matter_gives_publisher_url_date_and_author():
    raw = b"---\npublisher: Example Wire\nurl: https://example.org/a\ndate: 2025-06-10\nauthor: A. Reporter\n---\nHeadline\n\nBody."
    article = parse_article(raw, name="a.txt", max_bytes=1000)
    assert dict(article.fields) == {
        "publisher": "Example Wire", "url": "https://example.org/a",
        "source_published_at": datetime(2025, 6, 10, tzinfo=UTC), "author": "A. Reporter",
    }


def test_a_front_matter_date_that_does_not_parse_names_the_file_before_anything_is_written():
    raw = "---\ndate: the tenth of June\n---\nHeadline\n\nBody.".encode()
    with pytest.raises(SeedError, match=r"^late\.txt: front matter: date 'the tenth of June' is not YYYY-MM-DD"):
        parse_article(raw, name="late.txt", max_bytes=1000)


@pytest.mark.parametrize("date", ["2025-06-10T10:00 or so", "2025-06-31", "June 2025", "2025-06-10T10:00:00+01:00 BST"])
def test_a_front_matter_date_with_anything_unparsed_is_an_error_naming_the_file(date):
    raw = f"---\ndate: {date}\n---\nHeadline\n\nBody.".encode()
    with pytest.raises(SeedError, match=r"^late\.txt: front matter: date "):
        parse_article(raw, name="late.txt", max_bytes=1000)


def test_a_front_matter_date_with_seconds_and_a_zone_is_read_in_that_zone():
    raw = b"---\ndate: 2025-06-10T10:00:00+01:00\n---\nHeadline\n\nBody."
    assert parse_article(raw, name="a.txt", max_bytes=1000).fields["source_published_at"] == datetime(2025, 6, 10, 9, tzinfo=UTC)


def test_unknown_front_matter_key_is_refused():
    with pytest.raises(SeedError, match="front matter line 2"):
        parse_article(b"---\nmood: happy\n---\nHeadline\n\nBody.", name="a.txt", max_bytes=1000)


def test_annotation_with_duplicate_keys_is_refused():
    raw = '[story]\nslug = "s"\ntitle = "S"\nstatus = "draft"\n[[claims]]\nkey = "a"\n[[claims]]\nkey = "a"\n'.encode()
    with pytest.raises(SeedError, match="key 'a' is used twice"):
        parse_annotation(raw, name="x.toml")


@pytest.mark.django_db
def test_annotated_updates_are_published_in_order_with_their_evidence(imported):
    story = Story.objects.get(slug="us-china-trade-talks-london-2025")
    updates = list(Update.objects.published().filter(story=story).order_by("posted_at"))
    assert [u.seed_key for u in updates] == [
        "talks-open", "trump-good-signals", "day-two", "chips-for-rare-earths", "exports-fall"
    ]
    day_two = updates[2]
    assert day_two.is_pinned
    assert day_two.posted_at.isoformat() == "2025-06-10T09:00:00+00:00"  # 10:00 BST
    assert list(day_two.claims.values_list("natural_key", flat=True)) == ["annotation:lutnick-talks-going-well"]
    assert sorted(u.sequence for u in updates) == [1, 2, 3, 4, 5]
    assert story.key_developments.splitlines()[0].startswith("US and Chinese delegations meet")


@pytest.mark.django_db
def test_update_citing_an_unknown_claim_is_refused(seed_dir):
    path = seed_dir / ANNOTATION
    path.write_text(path.read_text(encoding="utf-8").replace(
        'claims = ["uk-not-involved"]', 'claims = ["no-such-claim"]'), encoding="utf-8")
    with pytest.raises(CommandError, match="updates\\[0\\] \\(key 'talks-open'\\): claims 'no-such-claim' is not defined"):
        call_command("import_seeds", path=seed_dir)
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db(transaction=True)
def test_status_steps_written_before_origins_were_kept_read_as_imports_unless_an_editor_made_them():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from .factories import make_claim, make_staff

    import importlib

    from django.apps import apps

    # A transactional test may start from a flushed database: put back the groups migration 0002 made.
    importlib.import_module("stories.migrations.0002_desk_groups").create_groups(apps, None)
    before = ("stories", "0012_desk")
    call_command("migrate", *before, verbosity=0)
    try:
        old_apps = MigrationExecutor(connection).loader.project_state(before).apps
        OldChange = old_apps.get_model("stories", "ClaimStatusChange")
        claim = make_claim()
        editor = make_staff("Editor")
        OldChange.objects.create(claim_id=claim.pk, from_status="unreviewed", to_status="unverified")
        OldChange.objects.create(claim_id=claim.pk, from_status="unverified", to_status="disputed",
                                 changed_by_id=editor.pk)
    finally:
        call_command("migrate", verbosity=0)

    steps = ClaimStatusChange.objects.order_by("pk")
    assert [s.origin() for s in steps] == ["Imported from an earlier import", f"Checked by {editor.username}"]
