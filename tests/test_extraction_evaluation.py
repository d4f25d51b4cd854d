"""The quote/speaker scorer (stories.extraction.evaluation) on short brat cases written for these tests."""
from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from stories.extraction import Quote, quote_filter
from stories.extraction.brat import Article, Attribution, load_folder, parse_ann
from stories.extraction.evaluation import (
    Report, evaluate, filter_examples, gold_quotes, heads, quoted_passages, score_article, table,
)


def _span(text: str, fragment: str, nth: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(nth):
        start = text.index(fragment, start + 1)
    return start, start + len(fragment)


def _attribution(text: str, source: str | None, cue: str, content: str) -> Attribution:
    return Attribution((_span(text, source),) if source else (), (_span(text, cue),), (_span(text, content),))


def _quote(text: str, words: str, speaker: str | None) -> Quote:
    start, end = _span(text, words)
    return Quote(start, end, words, speaker, None, 0, len(text))


def _score(article: Article, found: list[Quote]) -> Report:
    report = Report()
    score_article(article, found, report)
    return report


# --------------------------------------------------------------------------- reading brat


def test_ann_file_gives_source_cue_and_every_content_span() -> None:
    ann = (
        "T1\tSource 0 8\tMia Lund\n"
        "T2\tCue 9 13\tsaid\n"
        "T3\tContent 14 20;25 30\tthe bus\n"
        "T4\tAttribution 9 13\tsaid\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        "#1\tAnnotatorNotes T3\ta note, ignored\n"
    )
    (attribution,) = parse_ann(ann)
    assert attribution == Attribution(((0, 8),), ((9, 13),), ((14, 20), (25, 30)))


def test_a_source_marked_on_said_and_a_cue_on_the_name_are_read_the_right_way_round() -> None:
    # "“Fine,” said Mia Lund." with the labels swapped by the annotator
    ann = (
        "T1\tSource 8 12\tsaid\n"
        "T2\tCue 13 21\tMia Lund\n"
        "T3\tContent 1 5\tFine\n"
        "E1\tAttribution:T1 Content:T3 Cue:T2 Source:T1\n"
    )
    (attribution,) = parse_ann(ann)
    assert attribution.source == ((13, 21),) and attribution.cue == ((8, 12),)


def test_a_noun_source_that_looks_like_a_verb_keeps_its_label() -> None:
    ann = ("T1\tSource 0 6\temails\nT2\tCue 7 14\tsuggest\nT3\tContent 15 20\tdeals\n"
           "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n")
    (attribution,) = parse_ann(ann)
    assert attribution.source == ((0, 6),)


def test_attribution_without_source_is_kept_with_no_source() -> None:
    ann = "T1\tCue 0 4\tsaid\nT2\tContent 5 9\tfine\nE1\tAttribution-no-source:T1 Content:T2 Cue:T1\n"
    (attribution,) = parse_ann(ann)
    assert attribution.source == () and attribution.content == ((5, 9),)


def test_folder_reads_flat_brat_and_polnear_layouts(tmp_path: Path) -> None:
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "a.txt").write_text("Mia Lund said “yes”.", encoding="utf-8")
    (tmp_path / "flat" / "a.ann").write_text("T1\tContent 14 17\tyes\nE1\tAttribution:T1 Content:T1\n")
    (tmp_path / "flat" / "unannotated.txt").write_text("No annotations here.", encoding="utf-8")
    for folder in ("text", "attributions"):
        (tmp_path / "split" / folder).mkdir(parents=True)
    (tmp_path / "split" / "text" / "b.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "split" / "attributions" / "b_zz01.ann").write_text("")
    (tmp_path / "split" / "attributions" / "b_aa01.ann").write_text("T1\tContent 0 4\tText\nE1\tA:T1 Content:T1\n")
    assert [(a.name, len(a.attributions)) for a in load_folder(tmp_path / "flat")] == [("a", 1)]
    # When several annotators did an article, the first annotator's file is read, once.
    assert [(a.name, len(a.attributions)) for a in load_folder(tmp_path / "split")] == [("b", 1)]

# --------------------------------------------------------------------------- gold quotes and spans


TEXT = (
    "Mia Lund, the harbour master, said the ferry was “late again” on Friday. "
    "“We are sorry,” the operator said. Locals call it the “slow boat”."
)
ATTRIBUTIONS = (
    _attribution(TEXT, "Mia Lund, the harbour master,", "said", "the ferry was “late again” on Friday"),
    _attribution(TEXT, "the operator", "said", "We are sorry,"),
)
ARTICLE = Article("ferry", TEXT, ATTRIBUTIONS)


def test_scare_quote_outside_every_attribution_is_not_a_gold_quote() -> None:
    gold = [TEXT[g.start:g.end] for g in gold_quotes(TEXT, ATTRIBUTIONS)]
    assert gold == ["late again", "We are sorry,"]
    assert "slow boat" in [TEXT[s:e] for s, e in quoted_passages(TEXT)]


def test_paragraph_left_open_for_a_continued_quote_is_one_passage() -> None:
    text = "“First part of it.\n\n“Second part,” she said."
    assert [text[s:e] for s, e in quoted_passages(text)] == ["First part of it.", "Second part,"]


def test_finding_the_scare_quote_costs_precision_not_recall() -> None:
    found = [_quote(TEXT, "late again", "Mia Lund"), _quote(TEXT, "We are sorry,", "the operator"),
             _quote(TEXT, "slow boat", None)]
    report = _score(ARTICLE, found)
    assert (report.gold, report.found, report.matched) == (2, 3, 2)
    assert report.recall == 1.0 and report.precision == pytest.approx(2 / 3)


def test_found_span_matches_when_it_shares_half_the_longer_spans_tokens() -> None:
    text = "Ola Berg said “one two three four” today."
    article = Article("t", text, (_attribution(text, "Ola Berg", "said", "one two three four"),))
    assert _score(article, [_quote(text, "one two", "Ola Berg")]).matched == 1
    assert _score(article, [_quote(text, "one", "Ola Berg")]).matched == 0

# --------------------------------------------------------------------------- speakers


def test_speaker_is_right_when_it_names_the_source_or_an_appositive() -> None:
    found = [_quote(TEXT, "late again", "Ms. Mia Lund"), _quote(TEXT, "We are sorry,", "the ferry operator")]
    report = _score(ARTICLE, found)
    assert (report.with_source, report.right_speaker) == (2, 2)
    assert _score(ARTICLE, [_quote(TEXT, "late again", "the harbour master")]).right_speaker == 1


def test_pronoun_source_is_scored_against_the_earlier_named_source() -> None:
    text = "Tom Reyes, a baker, opened early. Tom Reyes said it was hard. “It was worth it,” he said."
    attributions = (
        _attribution(text, "Tom Reyes", "said", "it was hard"),
        _attribution(text, "he", "said", "It was worth it,"),
    )
    article = Article("bakery", text, attributions)
    assert _score(article, [_quote(text, "It was worth it,", "Tom Reyes")]).right_speaker == 1
    wrong = _score(article, [_quote(text, "It was worth it,", "the baker's wife")])
    assert wrong.right_speaker == 0 and wrong.errors["pronoun"] == 1


def test_pronoun_antecedent_may_come_from_a_coreference_chain() -> None:
    text = "Ana Cruz arrived. Later “It went well,” she said."
    chain = (_span(text, "Ana Cruz"), _span(text, "she"))
    article = Article("c", text, (_attribution(text, "she", "said", "It went well,"),), (chain,))
    assert _score(article, [_quote(text, "It went well,", "Ana Cruz")]).right_speaker == 1


def test_quote_whose_attribution_has_no_source_is_left_out_of_speaker_accuracy() -> None:
    text = "It was said to be “a fine day”."
    article = Article("n", text, (_attribution(text, None, "said", "to be “a fine day”"),))
    report = _score(article, [_quote(text, "a fine day", None)])
    assert (report.matched, report.with_source) == (1, 0)


@pytest.mark.parametrize(
    ("text", "source", "cue", "content", "speaker", "error"),
    [
        ("Jo Park left. “No more,” he said.", "he", "said", "No more,", None, "pronoun"),
        ("“It is done,” the newspaper wrote.", "the newspaper", "wrote", "It is done,", None, "unnamed"),
        ("“We won,” Ravi Das gushed.", "Ravi Das", "gushed", "We won,", None, "missing verb"),
        ("Lea Fox sold the house last spring and said “never again”.", "Lea Fox", "said", "“never again”",
         "Sam Bell", "far subject"),
        ("Kim Ode sighed: “Fine.”", "Kim Ode", "sighed", "Fine.", None, "colon/label"),
        ("It may be “too late,” Ian Roe said.", "Ian Roe", "said", "too late,", "It may be", "nonsense speaker"),
        ("“Yes,” Ian Roe said.", "Ian Roe", "said", "Yes,", "Ben Ode", "other"),
    ],
)
def test_each_wrong_speaker_is_counted_in_its_error_class(
        text: str, source: str, cue: str, content: str, speaker: str | None, error: str) -> None:
    article = Article("e", text, (_attribution(text, source, cue, content),))
    quote_words = content.strip("“”")
    report = _score(article, [_quote(text, quote_words, speaker)])
    assert report.matched == 1 and report.right_speaker == 0
    assert dict(report.errors) == {error: 1}
    assert report.misses[0].error == error and report.misses[0].expected == source


def test_evaluate_runs_the_real_extractor_and_table_lists_every_measure() -> None:
    report = evaluate([ARTICLE])
    assert report.articles == 1 and report.recall == 1.0
    rows = dict(table(report))
    assert {"span precision", "span recall", "speaker accuracy", "  wrong speaker: pronoun"} <= rows.keys()

# --------------------------------------------------------------------------- command


def test_command_prints_the_table_and_worst_errors_without_a_database(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("“It is late,” Mia Lund wrote.", encoding="utf-8")
    (tmp_path / "a.ann").write_text(
        "T1\tSource 14 22\tMia Lund\nT2\tCue 23 28\twrote\nT3\tContent 1 12\tIt is late,\n"
        "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n"
    )
    out = StringIO()
    call_command("evaluate_extraction", str(tmp_path), "--errors", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["articles", "1"]
    assert any(line.startswith("speaker accuracy") and line.endswith("100.0%") for line in lines)


def test_command_refuses_a_folder_without_annotations(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No annotated articles"):
        call_command("evaluate_extraction", str(tmp_path))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("evaluate_extraction", str(tmp_path / "missing"))

# --------------------------------------------------------------------------- the quote filter


def test_an_intensifying_reflexive_is_no_head_of_the_source() -> None:
    assert heads("Cruz himself") == {"cruz"}


def test_filter_examples_label_each_candidate_by_the_matching_rule() -> None:
    examples = filter_examples([ARTICLE])
    assert [spoken for _, spoken in examples] == [True, True, False]  # "slow boat" is nobody's words
    assert all(clues["bias"] == 1.0 for clues, _ in examples)


def test_training_the_filter_twice_gives_the_same_weights() -> None:
    examples = filter_examples([ARTICLE]) * 3
    weights = quote_filter.train(examples)
    assert weights == quote_filter.train(examples)
    spoken, scare = (clues for clues, _ in filter_examples([ARTICLE])[1:])
    assert quote_filter.probability(spoken, weights) > 0.5 > quote_filter.probability(scare, weights)


def test_the_shipped_filter_is_small_and_loads() -> None:
    assert quote_filter.WEIGHTS_FILE.stat().st_size < 300_000
    assert quote_filter.is_spoken({"bias": 1.0, "cue": 1.0, "punctuated": 1.0, "words 7+": 1.0,
                                   "verb in sentence": 1.0, "verb in sentence, words 7+": 1.0})


def test_train_command_writes_the_weights_it_learns(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    ann = "".join(f"T{i}\tContent {s} {e}\tx\nE{i}\tAttribution:T{i} Content:T{i}\n"
                  for i, (s, e) in enumerate((a.content[0] for a in ATTRIBUTIONS), start=1))
    (tmp_path / "a.ann").write_text(ann, encoding="utf-8")
    output = tmp_path / "weights.json"
    call_command("train_quote_filter", str(tmp_path), "--output", str(output), stdout=StringIO())
    assert json.loads(output.read_text(encoding="utf-8"))["weights"]["bias"] != 0
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("train_quote_filter", str(tmp_path / "missing"))
