"""Behaviour of stories.extraction on the seed articles and on synthetic prose (no Django)."""
from __future__ import annotations

import time
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from stories.extraction import Figure, Quote, article_end, find_figures, find_mentions, find_quotes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


# The project conftest has autouse fixtures that need Django settings.  This module tests pure
# functions only, so it shadows them by name (a module fixture overrides a conftest one) and
# runs the same with or without pytest-django.
@pytest.fixture(autouse=True)
def _media_in_tmp() -> None:
    return None


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    return None


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def london() -> str:
    return _seed("2025-06-09")


@pytest.fixture(scope="module")
def reconvene() -> str:
    return _seed("2025-06-10")


def _quote(quotes: list[Quote], fragment: str) -> Quote:
    matches = [q for q in quotes if fragment in q.text]
    assert len(matches) == 1, (fragment, [q.text for q in quotes])
    return matches[0]


def _only(text: str) -> Quote:
    (quote,) = find_quotes(text)
    return quote


def _figure(figures: list[Figure], text: str) -> Figure:
    matches = [f for f in figures if f.text == text]
    assert len(matches) == 1, (text, [f.text for f in figures])
    return matches[0]


# --------------------------------------------------------------------------- seed: 2025-06-09


def test_possessive_affiliation_becomes_role(london: str) -> None:
    quote = _quote(find_quotes(london), "calculated yet assertive")
    assert quote.text == "calculated yet assertive instrument for strategic influence."
    assert (quote.speaker, quote.speaker_role) == ("Robin Xing", "Morgan Stanley")


def test_role_only_speaker_with_put_it(london: str) -> None:
    quote = _quote(find_quotes(london), "Dialogue and cooperation")
    assert quote.text == "Dialogue and cooperation are the only viable options."
    assert quote.speaker == "one Chinese official"


def test_role_only_speaker_with_noted(london: str) -> None:
    quote = _quote(find_quotes(london), "just want to return to where they were in Switzerland,")
    assert quote.speaker == "one Atlantic Council economist"
    assert quote.speaker_role is None


def test_plural_subject_before_say_attributes_scare_quote(london: str) -> None:
    quote = _quote(find_quotes(london), "handshake")
    assert quote.text == "handshake"
    assert quote.speaker == "US officials"


def test_quote_without_speech_verb_has_no_speaker(london: str) -> None:
    # "Their “very positive” call": the text never says who used the words, so no guess is made.
    quote = _quote(find_quotes(london), "very positive")
    assert quote.speaker is None and quote.speaker_role is None


def test_teaser_articles_yield_nothing(london: str) -> None:
    end = article_end(london)
    assert london[:end].endswith("just more headlines.")
    assert "Discover More" not in london[:end]
    assert all(q.end <= end for q in find_quotes(london))
    texts = {f.text for f in find_figures(london)}
    assert not texts & {"$2.4 Billion", "$2.4 billion", "96%", "$10B+", "$10 billion"}
    assert all(f.end <= end for f in find_figures(london))


def test_explicit_end_overrides_article_end(london: str) -> None:
    assert "$10B+" in {f.text for f in find_figures(london, end=len(london))}
    assert find_quotes(london, end=0) == [] and find_figures(london, end=0) == []


def test_london_figures_are_only_the_truce_length(london: str) -> None:
    figures = find_figures(london)
    assert [(f.text, f.value, f.unit) for f in figures] == [
        ("90 days", Decimal(90), "days"),
        ("90-day", Decimal(90), "days"),
    ]


# --------------------------------------------------------------------------- seed: 2025-06-10


def test_heading_speaker_applies_to_quote_on_next_line(reconvene: str) -> None:
    quote = _quote(find_quotes(reconvene), "Talks are going well")
    assert quote.text == "Talks are going well … spending lots of time together"
    assert (quote.speaker, quote.speaker_role) == ("Howard Lutnick", "Commerce Secretary")


def test_heading_speaker_applies_to_every_quote_in_its_block(reconvene: str) -> None:
    quotes = find_quotes(reconvene)
    for fragment in ("ready to agree to lift export controls", "very high-end Nvidia stuff"):
        quote = _quote(quotes, fragment)
        assert (quote.speaker, quote.speaker_role) == ("Kevin Hassett", "NEC Chairman")


def test_title_prefix_is_split_into_role(reconvene: str) -> None:
    quotes = find_quotes(reconvene)
    for fragment in ("only received good signals", "China is not easy to deal with"):
        quote = _quote(quotes, fragment)
        assert (quote.speaker, quote.speaker_role) == ("Trump", "Former President")
    trump_going_well = [q for q in quotes if q.text == "going well"]
    assert [(q.speaker, q.speaker_role) for q in trump_going_well] == [("Trump", "Former President")]


def test_headline_subject_before_says(reconvene: str) -> None:
    quote = _quote(find_quotes(reconvene), "Going Well")
    assert quote.speaker == "US"


def test_describe_as_attributes_to_subject(reconvene: str) -> None:
    quote = _quote(find_quotes(reconvene), "going well,")
    assert quote.speaker is not None and quote.speaker.lower() == "top-level us officials"


def test_coined_term_after_dubbed_is_not_a_quote(reconvene: str) -> None:
    assert not any("Liberation Day" in q.text for q in find_quotes(reconvene))


def test_reconvene_figures(reconvene: str) -> None:
    figures = find_figures(reconvene)
    drop = _figure(figures, "34.5%")
    assert (drop.value, drop.value_high, drop.unit) == (Decimal("34.5"), None, "percent")
    assert reconvene[drop.sentence_start:drop.sentence_end].startswith("China’s Exports to US fell")
    share = _figure(figures, "70–90%")
    assert (share.value, share.value_high, share.unit) == (Decimal(70), Decimal(90), "percent")
    truce = _figure(figures, "90\u2011day")
    assert (truce.value, truce.unit) == (Decimal(90), "days")


def test_years_dates_names_and_section_numbers_are_not_figures(reconvene: str) -> None:
    texts = " | ".join(f.text for f in find_figures(reconvene))
    for banned in ("2025", "June", "10", "500", "19", "1.", "5."):
        assert banned not in texts.replace("90", ""), banned
    assert len(find_figures(reconvene)) == 3


def test_sentences_split_on_run_together_bullets(reconvene: str) -> None:
    share = _figure(find_figures(reconvene), "70–90%")
    sentence = reconvene[share.sentence_start:share.sentence_end]
    assert sentence == "China restricts nearly 70–90% of global rare earth output."


# --------------------------------------------------------------------------- invariants on both seeds


@pytest.mark.parametrize("prefix", ["2025-06-09", "2025-06-10"])
def test_offsets_index_the_original_string(prefix: str) -> None:
    text = _seed(prefix)
    for item in [*find_quotes(text), *find_figures(text)]:
        assert text[item.start:item.end] == item.text
        assert item.sentence_start <= item.start < item.end <= item.sentence_end
    for quote in find_quotes(text):
        assert text[quote.start - 1] in "“\"" and text[quote.end] in "”\""


# --------------------------------------------------------------------------- synthetic attribution


@pytest.mark.parametrize(
    ("text", "speaker", "role"),
    [
        ("“We will not back down,” said Jane Doe.", "Jane Doe", None),
        ("“We will not back down,” Jane Doe said.", "Jane Doe", None),
        ("Jane Doe said: “We will not back down.”", "Jane Doe", None),
        ("Jane Doe said that the plan was “dead on arrival”.", "Jane Doe", None),
        ("“It is over,” the minister told reporters on Monday.", "the minister", None),
        ("“It is over,” according to a senior US official.", "a senior US official", None),
        ("According to Acme Bank, the outlook is “grim”.", "Acme Bank", None),
        ("Jane Doe (Trade Minister): “No deal.”", "Jane Doe", "Trade Minister"),
        ("As Zenith Capital’s Ola Berg put it, the market is “rattled”.", "Ola Berg", "Zenith Capital"),
        ("“Prices will rise,” said John Roe, the central bank governor.", "John Roe", "the central bank governor"),
        ("John Roe, the central bank governor, said the outlook was “grim”.", "John Roe", "the central bank governor"),
        ("Foreign Minister Ana Ruiz warned of “grave consequences”.", "Ana Ruiz", "Foreign Minister"),
        ("Mr. Smith said the U.S. economy was “resilient”.", "Smith", None),
        ("Analysts argued the rally was “overdone”.", "Analysts", None),
        ("Zed Corp Says Merger “On Track” Despite Probe", "Zed Corp", None),
    ],
)
def test_attribution_patterns(text: str, speaker: str, role: str | None) -> None:
    quote = _only(text)
    assert (quote.speaker, quote.speaker_role) == (speaker, role)


def test_pronoun_refers_to_previous_speaker() -> None:
    quotes = find_quotes("“We will not back down,” said Jane Doe. “Never,” she added.")
    assert [q.speaker for q in quotes] == ["Jane Doe", "Jane Doe"]


def test_pronoun_without_antecedent_has_no_speaker() -> None:
    assert _only("“Never,” she added.").speaker is None


def test_heading_on_own_line_applies_until_next_bullet() -> None:
    text = (
        "- Jane Doe (Finance Minister):\n“We are ready.” Later she said it was “fine”.\n"
        "- Markets fell on the “bad news” today."
    )
    quotes = find_quotes(text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We are ready.", "Jane Doe"), ("fine", "Jane Doe"), ("bad news", None)
    ]
    assert quotes[0].speaker_role == "Finance Minister"


def test_speech_verb_intro_line_applies_to_next_line() -> None:
    assert _only("The ministry said in a statement:\n“No comment.”").speaker == "The ministry"


def test_section_label_is_not_a_speaker() -> None:
    assert _only("Key Takeaways:\n“Stay calm” is the advice.").speaker is None


@pytest.mark.parametrize("lead", ["dubbed", "so-called", "known as", "called", "nicknamed", "labelled", "labeled"])
def test_coined_terms_are_excluded(lead: str) -> None:
    assert find_quotes(f"The plan, {lead} “Project Dawn”, failed.") == []


def test_straight_quotes_pair_up() -> None:
    text = 'Jane Doe said "yes" and then "no".'
    assert [(q.text, q.speaker) for q in find_quotes(text)] == [("yes", "Jane Doe"), ("no", "Jane Doe")]


def test_apostrophes_never_open_quotes() -> None:
    text = "China’s stance and the officials’ view didn’t change; Doe's plan ‘works’."
    assert find_quotes(text) == []


def test_unclosed_quote_stops_at_line_end() -> None:
    text = "He said “this never closes\nJane Doe said it was “fine”."
    assert [(q.text, q.speaker) for q in find_quotes(text)] == [("fine", "Jane Doe")]


def test_quote_sentence_spans_the_whole_quote() -> None:
    text = "Intro here. “First part. Second part,” Jane Doe said. Next sentence."
    quote = _only(text)
    assert text[quote.sentence_start:quote.sentence_end] == "“First part. Second part,” Jane Doe said."


def test_proper_names_are_not_speech_verbs() -> None:
    assert _only("The United States “will respond” in kind.").speaker is None


# --------------------------------------------------------------------------- synthetic figures


@pytest.mark.parametrize(
    ("text", "figure", "value", "high", "unit"),
    [
        ("Output fell 12.5% last year.", "12.5%", "12.5", None, "percent"),
        ("Between 70-90% of it.", "70-90%", "70", "90", "percent"),
        ("It rose 70 to 90 percent.", "70 to 90 percent", "70", "90", "percent"),
        ("It rose 3 per cent.", "3 per cent", "3", None, "percent"),
        ("It paid $2.4 billion for it.", "$2.4 billion", "2400000000", None, "USD"),
        ("A $10B+ bet.", "$10B+", "10000000000", None, "USD"),
        ("A £3m grant.", "£3m", "3000000", None, "GBP"),
        ("A €1.2 trillion fund.", "€1.2 trillion", "1200000000000", None, "EUR"),
        ("They spent 2.4 billion dollars.", "2.4 billion dollars", "2400000000", None, "USD"),
        ("A ¥500 million loan.", "¥500 million", "500000000", None, "yen/yuan"),
        ("Costs of $2–3 billion.", "$2–3 billion", "2000000000", "3000000000", "USD"),
        ("About 1,200 workers left.", "1,200 workers", "1200", None, "workers"),
        ("A pause of 90 days.", "90 days", "90", None, "days"),
        ("A 90\u2011day pause.", "90\u2011day", "90", None, "days"),
        ("A 12-month plan.", "12-month", "12", None, "months"),
        ("Some 1.2 million people moved.", "1.2 million people", "1200000", None, "people"),
        ("Rates rose 0.25 percentage points.", "0.25 percentage points", "0.25", None, "percentage points"),
    ],
)
def test_figure_forms(text: str, figure: str, value: str, high: str | None, unit: str) -> None:
    (found,) = find_figures(text)
    assert found.text == figure
    assert found.value == Decimal(value)
    assert found.value_high == (Decimal(high) if high else None)
    assert found.unit == unit
    assert (found.sentence_start, found.sentence_end) == (0, len(text))


@pytest.mark.parametrize(
    "text",
    [
        "It happened in 2025 and again on June 10, 2025.",
        "Talks on 9 June and Jan. 5 went well.",
        "The second round and the 2nd round.",
        "🔍 1. Background\n2. Next steps",
        "At 10:30 or 3pm they met.",
        "The S&P 500 rose, the G7 met, COVID-19 hit, Section 301 tariffs stayed, F-35 jets flew.",
        "A 3-1 win, 24/7 coverage, version 3.5.1 notes.",
        "Numbers alone: 42, 7, 19.",
    ],
)
def test_non_figures(text: str) -> None:
    assert find_figures(text) == []


def test_changes_with_to_are_two_figures() -> None:
    assert [f.text for f in find_figures("It rose from 5% to 10%.")] == ["5%", "10%"]


def test_sentences_do_not_split_on_abbreviations_or_decimals() -> None:
    text = "Mr. Doe said the U.S. economy grew 2.5% in May. Next."
    (found,) = find_figures(text)
    assert text[found.sentence_start:found.sentence_end] == "Mr. Doe said the U.S. economy grew 2.5% in May."


# --------------------------------------------------------------------------- mentions


ALIASES = {
    "Treasury Secretary Scott Bessent": "bessent",
    "Scott Bessent": "bessent",
    "Bessent": "bessent",
    "Jane Doe": "doe",
    "US": "usa",
    "China's ministry": "mofcom",
}


def test_longest_alias_wins_and_mentions_never_overlap() -> None:
    text = "Treasury Secretary Scott Bessent met Jane Doe. Later Bessent spoke."
    mentions = find_mentions(text, ALIASES)
    assert [(m.text, m.key) for m in mentions] == [
        ("Treasury Secretary Scott Bessent", "bessent"), ("Jane Doe", "doe"), ("Bessent", "bessent")
    ]
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert all(a.end <= b.start for a, b in pairwise(mentions))


def test_mentions_are_whole_word_and_case_sensitive() -> None:
    text = "USB sticks, the us market, Bessentian ideas, and Bessent’s plan with the US."
    assert [(m.text, m.start) for m in find_mentions(text, ALIASES)] == [
        ("Bessent", text.index("Bessent’s")), ("US", text.rindex("US"))
    ]


def test_alias_matches_across_nbsp_and_curly_apostrophe() -> None:
    text = "Scott\u00a0Bessent and China’s ministry."
    assert [m.key for m in find_mentions(text, ALIASES)] == ["bessent", "mofcom"]


def test_mentions_stop_at_article_end(london: str) -> None:
    mentions = find_mentions(london, {"Qualcomm": "qcom", "Lancaster House": "lh"})
    assert [m.key for m in mentions] == ["lh"]


# --------------------------------------------------------------------------- article end and robustness


@pytest.mark.parametrize("marker", ["Discover More", "Read more", "Related", "Related articles",
                                    "More from Reuters", "You may also like", "Recommended", "🔗 Related:"])
def test_teaser_markers_end_the_article(marker: str) -> None:
    body = "Jane Doe said it was “fine”. Costs hit $5 billion.\n" * 5
    text = f"{body}{marker}\nOther story says “ignore me” at $9 billion.\n"
    assert article_end(text) == len(body.rstrip())
    assert [q.text for q in find_quotes(text)] == ["fine"] * 5
    assert {f.text for f in find_figures(text)} == {"$5 billion"}


def test_teaser_marker_needs_its_own_line_late_in_text() -> None:
    early = "Related\n" + "Body text goes on. " * 20
    inline = "Body text. " * 20 + "Read more about it in our archive.\nEnd."
    assert article_end(early) == len(early)
    assert article_end(inline) == len(inline)


WEIRD = [
    "“" * 100_000,
    "”" * 100_000,
    '"' * 100_000,
    "“unbalanced ” quotes ” here “ and “there",
    "🇺🇸🔍🛠️📈⏳✅" * 1000,
    "- " * 30_000,
    "$" * 50_000 + "1" * 50_000,
    "“a,” he said " * 5000,
    "Jane Doe:\n" * 5000,
    "1. " * 20_000,
    "\u2011\u2013" * 20_000,
]


@pytest.mark.parametrize("text", ["", *WEIRD], ids=lambda t: repr(t[:12]))
def test_weird_input_never_raises_and_finishes_quickly(text: str) -> None:
    started = time.perf_counter()
    for item in [*find_quotes(text), *find_figures(text), *find_mentions(text, {"Jane Doe": "j", "a": "a"})]:
        assert text[item.start:item.end] == item.text
    assert 0 <= article_end(text) <= len(text)
    assert time.perf_counter() - started < 5


def test_empty_string_returns_nothing() -> None:
    assert article_end("") == 0
    assert find_quotes("") == [] and find_figures("") == [] and find_mentions("", ALIASES) == []


# --------------------------------------------------------------------------- attribution on real-news patterns (issue 14)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # a pronoun finds the person the text is about, not only an earlier quote's speaker
        ("Jonathan Smith, a professor at Lakeside College, said that the vote was close. "
         "“It was a coin toss,” he said.", "Jonathan Smith"),
        # unnamed speakers stay descriptions
        ("“The plan is dead,” the newspaper wrote.", "the newspaper"),
        ("“We will appeal,” her campaign said.", "her campaign"),
        ("“It is over,” one said.", "one"),
        ("“It is not over,” said another.", "another"),
        # reporting verbs beyond say/tell, in both orders
        ("“This is wonderful,” Ana Ruiz gushed.", "Ana Ruiz"),
        ("“Please reconsider,” implored Ana Ruiz.", "Ana Ruiz"),
        # the subject far from its verb
        ("Ana Ruiz toured the plant and said the jobs were “here to stay”.", "Ana Ruiz"),
        ("Ana Ruiz left the stage early, saying “enough is enough”.", "Ana Ruiz"),
        # colon introductions, and ? or ! before the attribution
        ("Ms. Kovner sighed: “We tried.”", "Kovner"),
        ("“Why now?” Mr. Vance said.", "Vance"),
        ("“Absolutely not!” Mr. Vance said.", "Vance"),
        # parenthetical party labels and abbreviations do not cut the name
        ("Rep. Lee Park (D-Mo.) said the bill was “long overdue”.", "Lee Park"),
        ("“We need more,” said Sen. Lee Park, a member of the panel.", "Lee Park"),
        # a clause is no speaker
        ("It may be “too late,” Ian Roe said.", "Ian Roe"),
        # a pronoun opening the next sentence meets the speaker named after the quote before it
        ("“The vote is close,” said Lee Dunn, director of the Lakeside poll. He added that the result "
         "“could go either way” on the night.", "Lee Dunn"),
        # a gender the text gives only through pronouns still steers "she"
        ("Jordan Pike chaired the hearing. She opened with a joke. Mr. Tom Reyes spoke next. "
         "“We are ready,” she said.", "Jordan Pike"),
        # what the subject did is no part of the speaker
        ("Jane Doe issued a statement saying the plan was “dead on arrival.”", "Jane Doe"),
        # a sentence opening with its verb
        ("Said Jane Doe, a neighbour, “We all knew it would happen.”", "Jane Doe"),
        # after an inverted verb the speaker ends before its modifier
        ("“It is a way to take part,” says a source involved in the talks.", "a source"),
        # nouns for people by what they do, and ages, head descriptions
        ("“Next question,” the moderator said.", "the moderator"),
        ("“He will go to work for you,” said the 46-year-old.", "the 46-year-old"),
        ("“Would it be negotiable?” Hannity pressed.", "Hannity"),
        ("“We will appeal,” the board said.", "the board"),
        # a colon introduction wins over words after the quote; a digest's headline stays out of a label
        ("Jane Doe issued the following statement: “Our prayers are with the families. This must stop.” "
         "Police said two people were hurt.", "Jane Doe"),
        ("POLLS TIGHTEN IN OHIO - Lee Dunn and Ana Ruiz: “We found the race even.”", "Lee Dunn and Ana Ruiz"),
        # a pull quote signed with a dash
        ("“We deserve better.” ― Ana Ruiz “He does not speak for us.” ― Oscar P. Quintero", "Oscar P. Quintero"),
        # the subject after a place that closes an introduction; possessive descriptions open sentences
        ("Speaking at a town hall in Salem, New Hampshire, Ana Ruiz went after Bush. "
         "She said, “Here is a man who could not win.”", "Ana Ruiz"),
        ("His chief aide doubled down, calling the rival experienced “on paper” only.", "His chief aide"),
        # a proper adjective inside a description is no clause
        ("“It is crucial,” said one former GOP leadership aide.", "one former GOP leadership aide"),
        # a modifier after the speaker's noun is no part of who speaks
        ("A source close to the campaign said, “It is over.”", "A source"),
        ("An aide speaking to Channel 4 said, “The agents are looking.”", "An aide"),
        # an adverbial opening the sentence is no speaker; a pull quote signed with a hyphen
        ("Early in her campaign, Ana Ruiz attacked Romney, calling him “a failed candidate.”", "Ana Ruiz"),
        ('"It needs to stop." -Michelle Marks, Philadelphia.', "Michelle Marks"),
        # a title's abbreviation does not end the sentence, a noun-like verb form is no cue
        ("“We might win,” said Rev. Kyev Tatum, then pastor at Grace Church. “Yes, we might.”", "Kyev Tatum"),
        ("“You can't do it overnight,” said Bo Kim, Clinton's Colorado state director. “You just can't.”", "Bo Kim"),
    ],
)
def test_speaker_on_news_patterns(text: str, speaker: str) -> None:
    assert find_quotes(text)[-1].speaker == speaker


def test_pronoun_skips_a_person_of_the_other_gender() -> None:
    text = "Mary Olsen chaired the hearing. Mr. Tom Reyes spoke first. “We are ready,” she said."
    assert _only(text).speaker == "Mary Olsen"


def test_whole_sentence_quote_in_next_paragraph_continues_the_speaker() -> None:
    text = "Ana Ruiz said the plant would stay open.\n\n“The jobs are safe.”"
    assert _only(text).speaker == "Ana Ruiz"


def test_long_quote_left_open_at_paragraph_end_is_kept() -> None:
    text = "“The first part of the plan is simple.\n\n“The second part is harder,” Ana Ruiz said."
    quotes = find_quotes(text)
    assert [q.text for q in quotes] == ["The first part of the plan is simple.", "The second part is harder,"]
    assert all(text[q.start:q.end] == q.text for q in quotes)


def test_titles_slogans_and_markup_are_not_quotes() -> None:
    text = ("She appeared on NBC’s “Meet the Press” and wore a “Make America Great Again” cap. "
            '<tweet author="@someone" date="May 1">We won</tweet> “Fine,” Ana Ruiz said.')
    assert [(q.text, q.speaker) for q in find_quotes(text)] == [("Fine,", "Ana Ruiz")]


def test_straight_quotes_nested_in_curly_quotes_stay_inside() -> None:
    assert _only("“He told me \"never\" and left,” Ana Ruiz said.").text == 'He told me "never" and left,'


def test_utterance_without_a_cue_goes_to_the_person_the_passage_is_about() -> None:
    text = "Ana Ruiz toured the plant on Monday. The plan is “we will hire 200 people by spring.”"
    assert _only(text).speaker == "Ana Ruiz"


def test_short_modifier_in_quotes_gets_no_guessed_speaker() -> None:
    text = "Ana Ruiz toured the plant on Monday. Their “very positive” call set the stage."
    assert _only(text).speaker is None
