"""Read attribution annotations in brat standoff form (the PolNeAR corpus's format).

A brat ``.ann`` file sits beside (or, in PolNeAR, in an ``attributions`` folder next to)
the article's ``.txt``.  Text-bound lines ``T1<TAB>Source 89 106<TAB>…`` mark spans by
character offsets into the ``.txt``; event lines ``E1<TAB>Attribution:T4 Content:T3
Cue:T2 Source:T1`` tie one source, cue and content together.  Parsing is pure; only
``load_folder`` touches the file system.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[int, int]

_TEXT_BOUND = re.compile(r"^(T\d+)\t([\w-]+) (\d+ \d+(?:;\d+ \d+)*)\t([^\n]*)", re.MULTILINE)
# An annotator now and then swaps the two labels of "…,” said Jane Doe": the verb marked Source, the
# name marked Cue.  A source that is only "said" (or another reporting verb) is read back the right way.
_VERB_AS_SOURCE = re.compile(r"(?:said|says|asked|asks|told|tells|wrote|writes|added|adds)[:,]?", re.IGNORECASE)
_EVENT = re.compile(r"^(E\d+)\t(\S+)((?: \S+)*)", re.MULTILINE)


@dataclass(frozen=True)
class Attribution:
    """One annotated attribution: who (source), by what words (cue), said what (content)."""
    source: tuple[Span, ...]
    cue: tuple[Span, ...]
    content: tuple[Span, ...]


@dataclass(frozen=True)
class Article:
    """An article's text, its gold attributions, and optional coreference chains."""
    name: str
    text: str
    attributions: tuple[Attribution, ...]
    # Each chain is the spans of mentions of one entity, in text order (from CoreNLP when shipped).
    coreference: tuple[tuple[Span, ...], ...] = field(default=())


def parse_ann(ann: str) -> list[Attribution]:
    """Attributions in one ``.ann`` file; content split over several spans keeps them all."""
    spans: dict[str, tuple[Span, ...]] = {}
    words: dict[str, str] = {}
    for m in _TEXT_BOUND.finditer(ann):
        parts = (tuple(int(x) for x in part.split()) for part in m.group(3).split(";"))
        spans[m.group(1)] = tuple((a, b) for a, b in parts)
        words[m.group(1)] = m.group(4).strip()
    attributions = []
    for m in _EVENT.finditer(ann):
        roles: dict[str, list[Span]] = {"Source": [], "Cue": [], "Content": []}
        refs: dict[str, str] = {}
        for arg in m.group(3).split():
            role, _, ref = arg.partition(":")
            role = role.rstrip("0123456789")  # brat numbers repeated roles: Content2
            if role in roles and ref in spans:
                roles[role].extend(spans[ref])
                refs[role] = ref
        if _labels_swapped(words.get(refs.get("Source", "")), words.get(refs.get("Cue", ""))):
            roles["Source"], roles["Cue"] = roles["Cue"], roles["Source"]
        if roles["Content"]:
            attributions.append(Attribution(*(tuple(sorted(roles[r])) for r in ("Source", "Cue", "Content"))))
    return attributions


def _labels_swapped(source: str | None, cue: str | None) -> bool:
    """Whether the source is a bare reporting verb and the cue a name or pronoun: 'said' / 'Jane Doe'."""
    return bool(source and cue and _VERB_AS_SOURCE.fullmatch(source)
                and (cue[:1].isupper() or cue.lower() in ("he", "she", "they", "we", "i")))


def parse_corenlp_coreference(xml: str) -> list[tuple[Span, ...]]:
    """Mention chains from a CoreNLP XML document, as character spans."""
    root = ET.fromstring(xml)
    offsets: dict[tuple[int, int], Span] = {}
    for sentence in root.iter("sentence"):
        sid = sentence.get("id")
        for token in sentence.iter("token"):
            begin, end = token.findtext("CharacterOffsetBegin"), token.findtext("CharacterOffsetEnd")
            if sid and begin and end:
                offsets[int(sid), int(token.get("id", "0"))] = (int(begin), int(end))
    chains = []
    document = root.find("document")
    outer = document.find("coreference") if document is not None else None
    for chain in (outer if outer is not None else []):
        mentions = []
        for mention in chain.iter("mention"):
            s, a, b = (int(mention.findtext(k, "0")) for k in ("sentence", "start", "end"))
            first, last = offsets.get((s, a)), offsets.get((s, b - 1))
            if first and last:
                mentions.append((first[0], last[1]))
        if mentions:
            chains.append(tuple(sorted(mentions)))
    return chains


def _annotation_for(txt: Path) -> Path | None:
    """The ``.ann`` beside a ``.txt``, or PolNeAR's ``../attributions/<name>_<annotator>.ann``.

    When several annotators did the same article the first (by annotator id) is taken, so no
    article is counted twice.
    """
    beside = txt.with_suffix(".ann")
    if beside.exists():
        return beside
    candidates = sorted((txt.parent.parent / "attributions").glob(f"{txt.stem}_*.ann"))
    return candidates[0] if candidates else None


def load_folder(folder: Path, *, limit: int | None = None) -> Iterator[Article]:
    """Annotated articles under ``folder`` in name order; texts without annotations are skipped."""
    texts = sorted(folder.rglob("*.txt"))
    count = 0
    for txt in texts:
        if limit is not None and count >= limit:
            return
        ann = _annotation_for(txt)
        if ann is None:
            continue
        corenlp = txt.parent.parent / "corenlp" / f"{txt.name}.xml"
        chains = parse_corenlp_coreference(corenlp.read_text(encoding="utf-8")) if corenlp.exists() else []
        count += 1
        yield Article(txt.stem, txt.read_text(encoding="utf-8"), tuple(parse_ann(ann.read_text(encoding="utf-8"))),
                      tuple(chains))
