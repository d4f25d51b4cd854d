"""Quoted passages and who said them."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .layout import Piece, bare, pair_quotes, piece_at, search_end, split_pieces, undecorated


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_role: str | None
    sentence_start: int
    sentence_end: int


_Speaker = tuple[str, str | None]  # (speaker as written, role or None)

# --------------------------------------------------------------------------- speakers

_TITLES = frozenset(
    "president vice secretary minister premier chairman chairwoman chair chairperson representative "
    "senator sen rep governor gov mayor ambassador director chief ceo cfo coo spokesperson spokesman "
    "spokeswoman commissioner chancellor general gen admiral judge justice dr prof professor king queen "
    "prince pope leader speaker economist analyst strategist officer adviser advisor envoy negotiator "
    "deputy former acting head founder lawmaker congressman congresswoman councillor attorney "
    "prosecutor governor-elect president-elect sir dame lord lady mr mrs ms miss mx".split()
)
_HONORIFICS = frozenset("mr mrs ms miss mx sir dame".split())
_PERSON_NOUNS = frozenset(
    "official economist analyst expert spokesperson spokesman spokeswoman source diplomat negotiator "
    "lawmaker minister secretary president leader executive observer strategist trader investor "
    "researcher adviser advisor aide representative envoy ambassador critic people person resident "
    "worker ceo chairman director manager commentator insider authorities government ministry "
    "administration agency media statement report embassy spokesperson officer banker person".split()
)
_DETERMINERS = frozenset("the a an one some two three several many most other another both".split())
_PRONOUNS = frozenset("he she they it".split())
_BAD_START = frozenset(
    "from to in on at for with of by about into over under is are was were be been has have had do "
    "does did there this that these those which who what why how when where and but or so if then "
    "not no just only even still we i you our their its his her".split()
)
# Adverbs and auxiliaries hugging a subject: "Later she said", "Doe has also warned".
_FILLER = frozenset(
    "also later earlier previously recently reportedly has have had would will was were is once then "
    "again publicly repeatedly separately meanwhile yesterday today now however still".split()
)
# Capitalised section labels ("Key Takeaways:") that look like a speaker heading but are not.
_SECTION_WORDS = frozenset(
    "key takeaways takeaway summary background update note context analysis bottom line editor source "
    "sources disclaimer watch listen related quote quotes statements highlights next steps conclusion "
    "overview facts details reaction reactions timeline lessons response points agenda fact check".split()
)
_NOT_NAMES = _DETERMINERS | _BAD_START
_MAX_SPEAKER_WORDS = 8


def bare(word: str) -> str:
    return word.strip(".,;:!?()[]“”\"‘’'").lower()


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and bare(word) not in _NOT_NAMES


def _is_person_noun(word: str) -> bool:
    word = bare(word)
    return word in _PERSON_NOUNS or word.removesuffix("s") in _PERSON_NOUNS


def _split_title(words: list[str]) -> tuple[str | None, list[str]]:
    """'Treasury Secretary Scott Bessent' -> ('Treasury Secretary', ['Scott', 'Bessent'])."""
    for i in range(len(words) - 2, -1, -1):
        if bare(words[i]) in _TITLES and all(_is_name_word(w) for w in words[i + 1:]):
            role_words = words[: i + 1]
            if role_words[0].lower() == "the":
                role_words = role_words[1:]
            honorific = len(role_words) == 1 and bare(role_words[0]) in _HONORIFICS
            return (None if honorific or not role_words else " ".join(role_words)), words[i + 1:]
    return None, words


def _trim_filler(words: list[str]) -> list[str]:
    while words and bare(words[-1]) in _FILLER:
        words = words[:-1]
    while words and bare(words[0]) in _FILLER:
        words = words[1:]
    return words


def _owner(word: str) -> str | None:
    """'Stanley’s' -> 'Stanley', 'Sachs’' -> 'Sachs'; None when the word is not possessive."""
    m = re.fullmatch(r"(\w.*?)(?:[’']s|(?<=s)[’'])", word)
    return m.group(1) if m else None


def _parse_speaker(phrase: str) -> _Speaker | None:
    """Turn a subject phrase into (speaker, role), or None when it is no plausible speaker."""
    words = _trim_filler(undecorated(phrase).split())
    if not words or len(words) > _MAX_SPEAKER_WORDS or bare(words[0]) in _BAD_START:
        return None
    if not any(_is_name_word(w) or _is_person_noun(w) for w in words):
        return None
    for i, word in enumerate(words[:-1]):
        # "Morgan Stanley’s Robin Xing": the owner is the affiliation, the rest the person
        owner = _owner(word)
        if owner and all(_is_name_word(w) for w in words[: i + 1]):
            role, name = _split_title(words[i + 1:])
            if name and all(_is_name_word(w) for w in name):
                org = " ".join([*words[:i], owner])
                return " ".join(name), (f"{' '.join(words[: i + 1])} {role}" if role else org)
    role, name = _split_title(words)
    return " ".join(name), role


def _parse_label(label: str, paren: str | None) -> _Speaker | None:
    """Validate a 'Name (Role):' label; every word must be capitalised so 'The goal:' is no speaker."""
    words = undecorated(label).split()
    if not words or len(words) > 6 or not all(_is_name_word(w) for w in words):
        return None
    if any(bare(w) in _SECTION_WORDS for w in words):
        return None
    parsed = _parse_speaker(" ".join(words))
    if parsed is None:
        return None
    name, role = parsed
    paren_role = paren.strip() if paren and paren.strip()[:1].isupper() else None
    if not (paren_role or role or len(words) >= 2):
        return None
    return name, role or paren_role

# --------------------------------------------------------------------------- attribution

_VERBS = (
    r"say|says|said|saying|tell|tells|told|add|adds|added|adding|note|notes|noted|noting|warn|warns|"
    r"warned|warning|argue|argues|argued|arguing|stress|stresses|stressed|insist|insists|insisted|"
    r"explain|explains|explained|claim|claims|claimed|declare|declares|declared|announce|announced|"
    r"remark|remarked|comment|commented|observe|observed|write|writes|wrote|ask|asks|asked|reply|"
    r"replied|respond|responded|acknowledge|acknowledged|admit|admits|admitted|concede|conceded|"
    r"conclude|concluded|suggest|suggests|suggested|predict|predicts|predicted|caution|cautioned|"
    r"emphasi[sz]e[sd]?|describe|describes|described|call|calls|called|report|reports|reported|"
    r"confirm|confirms|confirmed|tweet|tweeted|posted|vow|vows|vowed|pledged|promised|recalled|"
    r"quipped|joked|urge|urges|urged|put it|puts it|continued"
)
_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.IGNORECASE)
# After a quote only finite reporting verbs signal attribution ('“…” call set the stage' must not).
_AFTER_VERB_FIRST = re.compile(
    r"[ \t]*,?[ \t]*(?:said|says|told|added|asked|wrote|writes|noted|warned|insisted|argued|stressed|"
    r"replied|continued|explained|declared|cautioned|admitted|conceded|quipped|recalled|urged)[ \t]+"
    r"([^,.;:!?\x00]{2,80})"
)
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]—–\x00]|\s-\s|\b(?:as|but|and|while|when|whereas|that|which|who|because|so|although|"
    r"though|after|before|if|since|where|then|meanwhile|however|yet|or)\b",
    re.IGNORECASE,
)
_ACCORDING = re.compile(r"\baccording to[ \t]+([^,.;:!?\x00“”\"]{2,80})", re.IGNORECASE)
_PHRASE_STOP = re.compile(r"\s(?:on|in|at|during|after|before|when|while|as|to|from|with|via|and|adding|noting)\s")
_TERM_BEFORE = re.compile(
    r"(?:dubbed|so[-‑‐ ]called|known as|called|nicknamed|label+ed|termed|branded|coined|christened|"
    r"the (?:term|phrase|word|slogan|motto))[ \t]*\(?[ \t]*$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"([^():“”\"\x00]{2,80}?)\s*(?:\(([^()]{1,60})\))?\s*:")
_LINE_END_COLON = re.compile(r":[ \t]*(?:\n|$)")
_WINDOW = 300  # '... officials describe the current round of talks ... as “x”' spans ~100 chars
_MAX_VERBS = 4
_SUBJECT_REACH = 120  # characters; comfortably more than _MAX_SPEAKER_WORDS words


def _is_headline(piece: str) -> bool:
    words = [w for w in piece.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _subject_before(masked: str, lo: int, verb: re.Match[str], headline: bool) -> str | None:
    word = verb.group()
    if word[0].isupper() and not headline:
        return None  # 'United States', 'Washington Post' are names, not verbs
    window = masked[max(lo, verb.start() - _SUBJECT_REACH):verb.start()]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if not breaks and verb.start() - _SUBJECT_REACH > lo:
        return None  # the clause is longer than any plausible subject
    return window[breaks[-1].end():] if breaks else window


def _resolve(phrase: str | None, fallback: _Speaker | None) -> _Speaker | None:
    if phrase is None:
        return None
    if " ".join(_trim_filler(phrase.split())).lower() in _PRONOUNS:
        return fallback
    return _parse_speaker(phrase)


def _appositive(phrase: str) -> _Speaker | None:
    """'Jane Doe, the trade minister' -> ('Jane Doe', 'the trade minister')."""
    name, _, role = phrase.partition(",")
    role = re.sub(r"(?<=[a-z])[.;:!?]$", "", role.strip(" ,"))  # keep the dot of "U.S."
    first = role.split()[0] if role else ""
    # "Doe, who runs the fund" or "Doe, adding that ..." are clauses, not roles
    if not (first.lower() in ("the", "a", "an") or first[:1].isupper() or bare(first) in _TITLES):
        return None
    parsed = _parse_speaker(name)
    if parsed and all(_is_name_word(w) for w in name.split()):
        return parsed[0], role
    return None


def _speaker_after(masked: str, close: int, stop: int, inner: str, fallback: _Speaker | None) -> _Speaker | None:
    tail = masked[close + 1: min(stop, close + 160)].split("\x00")[0]
    if m := re.match(r"[ \t]*,?[ \t]*according to[ \t]+([^,.;:!?\x00]{2,80})", tail, re.IGNORECASE):
        return _parse_speaker(m.group(1))
    if m := _AFTER_VERB_FIRST.match(tail):
        phrase = _PHRASE_STOP.split(m.group(1) + " ")[0]
        rest = tail[m.end(1):]
        if rest.startswith(",") and (app := _appositive(phrase + "," + rest.split(",")[1])):
            return app
        return _resolve(phrase, fallback)
    if not (inner.rstrip()[-1:] in ",!?" or tail.lstrip().startswith(",")):
        return None
    verb = _VERB.search(tail, 0, 100)
    if verb is None or verb.group()[0].isupper():
        return None
    subject = tail[:verb.start()].strip(" \t,")
    if "," in subject:  # "Doe, the minister," or "an official, who asked not to be named,"
        return _appositive(subject) or _resolve(subject.split(",")[0], fallback)
    return None if _CLAUSE_BREAK.search(subject) else _resolve(subject, fallback)


def _speaker_before(masked: str, piece: Piece, open_: int, fallback: _Speaker | None) -> _Speaker | None:
    lo = max(piece.start, open_ - _WINDOW)
    pre = masked[lo:open_]
    label = _LABEL.fullmatch(pre.strip())  # inline "Jane Doe (Minister): “…”"
    if label and (found := _parse_label(label.group(1).strip(), label.group(2))):
        return found
    according = list(_ACCORDING.finditer(pre))
    if according:
        return _parse_speaker(according[-1].group(1))
    headline = piece.end - piece.start < 200 and _is_headline(masked[piece.start:piece.end])
    for verb in list(_VERB.finditer(masked, lo, open_))[-_MAX_VERBS:][::-1]:
        subject = _subject_before(masked, lo, verb, headline)
        if subject is not None and subject.strip() == "" and masked[lo:verb.start()].rstrip().endswith(","):
            app = re.search(r"([^,;:()\x00]{2,60}),([^,;:()\x00]{2,60}),\s*$", masked[lo:verb.start()])
            if app and (found := _appositive(app.group(1) + "," + app.group(2)) or _resolve(app.group(1), None)):
                return found
        if found := _resolve(subject, fallback):
            return found
    return None


def _heading(text: str, piece: Piece, masked: str) -> _Speaker | None:
    """A piece like 'Kevin Hassett (NEC Chairman):' or 'The minister said:' ending its line."""
    if piece.end - piece.start > 150 or not _LINE_END_COLON.match(text, piece.end - 1):
        return None
    body = text[piece.start:piece.end]
    label = _LABEL.fullmatch(body)
    if label and (found := _parse_label(label.group(1).strip(), label.group(2))):
        return found
    verbs = list(_VERB.finditer(masked, piece.start, piece.end))
    # "The ministry said in a statement:" - a short adjunct may sit between verb and colon
    if verbs and re.fullmatch(r"[^,;.!?\x00]{0,40}:", masked[verbs[-1].end():piece.end]):
        return _resolve(_subject_before(masked, piece.start, verbs[-1], _is_headline(body)), None)
    return None


def _heading_by_piece(text: str, pieces: list[Piece], masked: str) -> list[_Speaker | None]:
    """The heading speaker in force for each piece; a block ends at a bullet, heading or blank line."""
    active: _Speaker | None = None
    has_content = False
    result: list[_Speaker | None] = []
    for piece in pieces:
        found = _heading(text, piece, masked)
        if found is not None:
            active, has_content = found, False
        elif piece.bulleted or (piece.after_blank and has_content):
            active = None
        else:
            has_content = True
        result.append(None if found else active)
    return result


def _continued(text: str, quotes: list[Quote], open_: int, piece: Piece) -> _Speaker | None:
    """News convention: an unattributed whole-sentence quote continues the paragraph's last speaker."""
    if not quotes or open_ != piece.start or "\n" in text[quotes[-1].end:open_]:
        return None
    previous = quotes[-1]
    return (previous.speaker, previous.speaker_role) if previous.speaker else None


def find_quotes(text: str, *, end: int | None = None) -> list[Quote]:
    """Quoted passages before ``end`` with their speaker and role where the prose gives one."""
    limit = search_end(text, end)
    pairs = pair_quotes(text, limit)
    pieces = split_pieces(text, limit, pairs)
    chars = list(text[:limit])
    for o, c in pairs:
        chars[o:c + 1] = "\x00" * (c + 1 - o)  # verbs inside other quotes never attribute
    masked = "".join(chars)
    headings = _heading_by_piece(text, pieces, masked)
    starts = [p.start for p in pieces]
    quotes: list[Quote] = []
    last: _Speaker | None = None
    for o, c in pairs:
        inner = text[o + 1:c]
        s = o + 1 + (len(inner) - len(inner.lstrip()))
        e = c - (len(inner) - len(inner.rstrip()))
        k = bisect_right(starts, o) - 1
        if e <= s or k < 0 or _TERM_BEFORE.search(text, max(0, o - 40), o):
            continue
        piece, heading = pieces[k], headings[k]
        context = heading or last
        found = (_speaker_after(masked, c, pieces[bisect_right(starts, c) - 1].end, inner, context)
                 or _speaker_before(masked, piece, o, context) or heading
                 or _continued(text, quotes, o, piece))
        last = found or last
        closing = piece_at(pieces, starts, c) or piece
        quotes.append(Quote(s, e, text[s:e], found[0] if found else None, found[1] if found else None,
                            piece.start, max(piece.end, closing.end)))
    return quotes
