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
    assert all(q.speaker is None for q in find_quotes(text))  # if the filter keeps it at all


def test_a_show_named_after_telling_a_channel_is_no_quote() -> None:
    text = ("Ana Ruiz told WXYZ’s “Evening Hour” on Sunday that the deal was close. "
            "She later said on Channel Nine News’s “Good Day Lakeside” that “nothing is signed.”")
    assert [q.text for q in find_quotes(text)] == ["nothing is signed."]


def test_a_film_named_by_a_numeral_is_no_quote() -> None:
    assert find_quotes("The director’s new documentary “21st” opens in May.") == []


def test_nicknames_stage_directions_and_quoted_pronouns_are_no_quotes() -> None:
    text = ("Rep. Thomas K. “Tommy” Lund spoke first.\n"
            "“(APPLAUSE.)”\n"
            "Why call the nominee “she” at all? “We are ready,” Lund said.")
    assert [(q.text, q.speaker) for q in find_quotes(text)] == [("We are ready,", "Lund")]


def test_a_reporting_word_after_a_possessive_is_a_noun_not_the_cue() -> None:
    assert _only("Ana Ruiz called Lee Park’s remarks “a disgrace to the office.”").speaker == "Ana Ruiz"


def test_a_contracted_pronoun_still_finds_its_person() -> None:
    text = "Ana Ruiz spoke in Salem on Monday. She’s claiming that the count was “rigged from the start.”"
    assert _only(text).speaker == "Ana Ruiz"


def test_an_adverb_between_pronoun_and_verb_is_no_speaker() -> None:
    text = "“The mill will close,” the Lakeside Gazette reported. “Nobody saw it coming,” it further wrote."
    assert [q.speaker for q in find_quotes(text)] == ["the Lakeside Gazette", "the Lakeside Gazette"]


def test_a_pronoun_after_an_ordinary_sentence_names_the_person_introduced_there() -> None:
    text = ("Lee Dunn was sent back to Korea as a child.\n\n"
            "He now runs a shop in Busan, far from his old street.\n\n"
            "“I think about it every day,” he said.")
    assert _only(text).speaker == "Lee Dunn"


def test_nobody_is_no_speaker() -> None:
    text = "Ana Ruiz spoke for an hour. Nobody asked about the budget, so she raised it: “It is sound.”"
    assert _only(text).speaker == "Ana Ruiz"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Asked for a favourite diner, Ted Ruiz demurred: “The nearest one serves.”", "Ted Ruiz"),
        ("After the flood of 2004, Governor Ana Ruiz put out a short note: “We will rebuild the bridge.”",
         "Ana Ruiz"),
        ("The hearing ran so late that a spokeswoman for Lee Park could only quip: “Breakfast is on us.”",
         "a spokeswoman for Lee Park"),
        ("“Sit down,” Oliver Grant barked.", "Oliver Grant"),
    ],
)
def test_colon_introductions_after_an_opening_clause_name_their_subject(text: str, speaker: str) -> None:
    assert _only(text).speaker == speaker


def test_a_share_of_people_is_no_one_a_pronoun_can_mean() -> None:
    text = ("Ana Ruiz spoke at the rally. The top 1 percent would gain the most. "
            "“That plan has failed before,” she said.")
    assert _only(text).speaker == "Ana Ruiz"


def test_a_name_after_an_inverted_verb_is_who_a_later_pronoun_means() -> None:
    text = ("The debates matter less than they seem, noted WXYZ’s Lee Dunn. "
            "“By then most voters have decided,” he wrote.")
    assert _only(text).speaker == "Lee Dunn"


def test_a_pull_quote_signed_after_a_no_break_space_names_the_signer() -> None:
    text = "“We deserve better.”\u00a0― Ana Ruiz\n“He does not speak for us.”\u00a0― Karen Bobadilla."
    assert [q.speaker for q in find_quotes(text)] == ["Ana Ruiz", "Karen Bobadilla"]


def test_what_a_fact_checker_rated_is_no_speaker() -> None:
    text = "The Lakeside Ledger rated 12% of Liberal claims as “plainly misleading” this spring."
    assert _only(text).speaker == "The Lakeside Ledger"


def test_a_delegates_title_does_not_end_the_sentence() -> None:
    speaker = _only('"This is a waste of time," said Del. Stacey Ruiz of the Virgin Islands.').speaker
    assert speaker is not None and "Stacey Ruiz" in speaker


def test_a_quoted_transcript_line_is_spoken_by_its_label() -> None:
    text = ('Partial transcript as follows:\n\n"HOST: Will she attend the debate?\n\n'
            '"MR. DUNN: She will not be there.\n\n"VIDEO: The rally, in full."')
    assert [q.speaker for q in find_quotes(text)][:2] == ["Host", "Dunn"]


def test_a_participle_after_an_inverted_clause_shares_that_clause_speaker() -> None:
    text = ("Lee Park spoke first. Nobody can call the result “from a desk,” Ana Ruiz added, saying the count "
            "must be “left to the clerks.”")
    assert [q.speaker for q in find_quotes(text)] == ["Ana Ruiz", "Ana Ruiz"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"The ferry has never once been on time." - Ruiz. The timetable was changed in May.', "Ruiz"),
        ("“Who signed this order?” reacted Lee Park. The clerk shrugged.", "Lee Park"),
        ('"Half the board wanted to sell," remembered Ola Berg, a former treasurer.', "Ola Berg"),
    ],
)
def test_more_ways_news_prose_signs_a_quote(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


def test_a_he_never_lands_on_a_city_named_as_a_sentence_subject() -> None:
    text = ("Lee Dunn was sent back to Seoul as a child.\n\n"
            "Seoul is now his home, far from his old street.\n\n"
            "“I think about it every day,” he said.")
    assert _only(text).speaker == "Lee Dunn"


@pytest.mark.parametrize(
    "text",
    [
        "It was part of Speaker Lee Park’s 1994 “Contract with America.”",
        "Ana Ruiz said she would speak at a “Commander-in-Chief Forum” hosted by the network.",
        "Ana Ruiz said the director’s “Twelfth Night” opens in May.",
    ],
)
def test_titles_of_works_events_and_programmes_are_no_quotes(text: str) -> None:
    assert find_quotes(text) == []


def test_scare_quotes_in_prose_that_reports_no_speech_are_no_quotes() -> None:
    text = ("The clinic sold “miracle” pills and “natural” cures for years.\n\n"
            "“We will appeal,” the board said on Monday.")
    assert [q.text for q in find_quotes(text)] == ["We will appeal,"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # a noun that looks like a verb ("the states") is skipped on the way to the real verb
        ("“The rule oversteps,” Lee Park, the county counsel, one of two lawyers who states the case for the "
         "towns, told the panel.", "Lee Park"),
        # a long appositive between the subject and its verb
        ("Even Norland, the smallest of the harbour towns and the one that relies most on the ferry, said the "
         "plan was “plainly unfair” to islanders.", "Norland"),
        # documents speak too
        ("“The mayor kept a diary for forty years,” the book said.", "the book"),
        ("Later, Ana Ruiz’s brief said the figures were “badly out of date.”", "Ana Ruiz’s brief"),
    ],
)
def test_far_subjects_and_documents_are_speakers(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


def test_an_institution_named_with_the_is_never_he() -> None:
    text = "Ben Dorr warned the central bank for years. The Fed ignored him. “It risks inflation,” he said."
    assert _only(text).speaker == "Ben Dorr"


def test_the_object_of_of_is_no_speaker() -> None:
    text = "The Ledger found 40% of Green claims “mostly accurate” against 15% of Labour claims."
    assert _only(text).speaker == "The Ledger"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“The council should visit the harbour,” the editorial read.", "the editorial"),
        ("Ana Ruiz appears in a radio spot: “Our schools come first,” the senator says near the end.", "the senator"),
        ("The veteran businessman began with the bridge repairs, saying the budget was “far too thin.”",
         "The veteran businessman"),
        ("“Vote for the whole list,” said the green campaign leaflet.", "the green campaign leaflet"),
    ],
)
def test_descriptions_and_documents_after_or_before_a_quote_stay_as_written(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Nobody has checked Lee Park’s repeated claim that “hundreds of ballots went missing on the night.”",
         "Lee Park"),
        ("Only last spring Ana Ruiz, who may yet run for mayor, said a third term was “out of the question.”",
         "Ana Ruiz"),
    ],
)
def test_the_owner_of_an_assertion_and_a_subject_before_a_who_clause_speak(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Ana Ruiz, tired, finally answered: “Does the date really matter?” Her opponents seized on it.",
         "Ana Ruiz"),
        ("“What a night!” beamed Lee Park of Dunmore, who had driven four hours to be there.", "Lee Park"),
    ],
)
def test_a_question_after_a_colon_belongs_to_the_introduction_not_the_next_sentence(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“Can I ride the fire engine?” asked the boy, clutching his father’s hand.", "the boy"),
        ("“Encore!” the crowd cried out, stamping.", "the crowd"),
        ("The actress said the new script was “the best she had read in years.”", "The actress"),
    ],
)
def test_children_crowds_and_actors_are_people_who_speak(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


def test_a_surname_two_people_share_says_nothing_of_gender() -> None:
    text = ("Hillary Park spoke at the rally. Bill Park joined her there. Park has held the seat since 2001. "
            "“We will win this,” she said.")
    assert _only(text).speaker == "Park"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Members may not vote by post “on a change to the charter,” per the club’s rules.", "the club’s rules"),
        ("The spot runs old footage of Ana Ruiz asking, “Where did the road money go?”", "Ana Ruiz"),
        ("At a packed town meeting on the harbour late on Tuesday, Lee Park attacked the plan, saying, "
         "“It is reckless.”", "Lee Park"),
    ],
)
def test_per_a_source_a_participle_after_a_name_and_a_long_opening_adverbial(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


def test_a_double_hyphen_ends_the_clause_before_a_subject() -> None:
    text = "The town rejected the scheme -- the Ohio councillor said it was built to “split the valley.”"
    assert _only(text).speaker == "the Ohio councillor"


def test_a_sentence_opening_with_asked_about_is_no_inverted_attribution() -> None:
    text = "Asked about the delay in his first statement, Lee Park replied, “Well, that was the plan.”"
    assert _only(text).speaker == "Lee Park"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("According to her longtime personal trainer, Ana Ruiz is “fitter than ever” this season.",
         "her longtime personal trainer"),
        ("According to the leaked training playbook, new staff were told, “Never mention the price first.”",
         "the leaked training playbook"),
    ],
)
def test_according_to_a_description_keeps_the_description(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


def test_a_number_opening_a_sentence_is_no_one_a_pronoun_can_mean() -> None:
    text = "Lee Park spoke first. Eight winters ago, he backed the ferry plan and said, “It will pay for itself.”"
    assert _only(text).speaker == "Lee Park"


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Looking back on the strike, Lee Park sounded calm: “We would do it all again.”", "Lee Park"),
        ("Here in Dunmore, Ana Ruiz sharpened her message, saying, “The bus routes come first.”", "Ana Ruiz"),
        ("But Sen. Lee Park (D-Vt.), pointing to the turnout, said, “People showed up in the rain.”", "Lee Park"),
    ],
)
def test_openings_and_parentheses_before_the_subject_are_skipped(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Put simply, asked WXYZ host Lee Dunn: “Who pays for the second bridge?”", "Lee Dunn"),
        ("The audit was blunt. From the report: “Two of the five depots kept no records at all.”", "the report"),
    ],
)
def test_a_colon_introduction_naming_its_source_outright(text: str, speaker: str) -> None:
    assert find_quotes(text)[0].speaker == speaker
