"""Find candidate claims (quotes, figures, actor mentions) in scraped news text.

Everything here is a pure function over one string.  Offsets always index the
exact string passed in, so ``text[x.start:x.end] == x.text`` holds for every
result; the input is never normalised before offsets are taken.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_role: str | None
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    text: str
    value: Decimal
    value_high: Decimal | None
    unit: str
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    key: str


@dataclass(frozen=True)
class _Piece:
    """A sentence, bullet or line fragment; ``bulleted`` marks a new list item."""
    start: int
    end: int
    bulleted: bool
    after_blank: bool


_Speaker = tuple[str, str | None]  # (speaker as written, role or None)

# --------------------------------------------------------------------------- article end

_TEASER_LINE = re.compile(
    r"(?:discover|read|see|explore) more(?: (?:stories|articles|news|from .{1,40}))?"
    r"|related(?: (?:articles|stories|posts|news|content|reading|coverage|links))?"
    r"|more (?:from .{1,40}|stories|articles|news|on this story)"
    r"|you (?:may|might) also (?:like|enjoy|be interested in)"
    r"|recommended(?: (?:for you|articles|stories|reading))?|also read|further reading",
    re.IGNORECASE,
)
# Teaser blocks trail the article; a mid-article "Related" line is more likely a heading.
_TEASER_MIN_FRACTION = 1 / 3


def _undecorated(s: str) -> str:
    """Drop emoji, bullets, arrows and colons around a label: '🔗 Related:' -> 'Related'."""
    first = next((i for i, c in enumerate(s) if c.isalnum()), len(s))
    last = next((i for i in range(len(s) - 1, first - 1, -1) if s[i].isalnum()), first - 1)
    return s[first:last + 1]


def article_end(text: str) -> int:
    """Offset where the article proper ends: before trailing teaser/related-links blocks."""
    for line in re.finditer(r"^[^\n]{1,80}$", text, re.MULTILINE):
        if line.start() >= len(text) * _TEASER_MIN_FRACTION and _TEASER_LINE.fullmatch(_undecorated(line.group())):
            return len(text[: line.start()].rstrip())
    return len(text)


def _limit(text: str, end: int | None) -> int:
    return max(0, min(len(text), article_end(text) if end is None else end))

# --------------------------------------------------------------------------- quote marks


def _can_open(text: str, i: int) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isspace() and not before.isalnum()


def _pair_quotes(text: str, end: int) -> list[tuple[int, int]]:
    """(open mark, close mark) index pairs; quotes never cross a line break."""
    pairs: list[tuple[int, int]] = []
    open_at: int | None = None
    for m in re.finditer(r"[“”\"\n]", text[:end]):
        i, mark = m.start(), m.group()
        if mark == "\n":
            open_at = None  # an unclosed quote must not swallow the rest of the article
        elif mark == "“":
            open_at = i  # a second opener means the first one was stray
        elif open_at is not None and not text[i - 1].isspace():
            pairs.append((open_at, i))
            open_at = None
        elif mark == '"' and _can_open(text, i):
            open_at = i
    return pairs

# --------------------------------------------------------------------------- sentences

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sen rep gov gen lt col st jr sr no vol inc corp co ltd vs etc "
    "jan feb mar apr aug sept sep oct nov dec approx est dept".split()
)
_SENTENCE_END = re.compile(r"[.!?]+[”\"’)\]]*(?=[ \t]+(?:[-•*][ \t]+)?[“\"‘(\[]?(\w))")
_RUN_IN_BULLET = re.compile(r"(?<=[.!?:;”\")])[ \t]+[-•][ \t]+(?=\S)")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"[\w.]*$", text[max(0, dot - 12):dot]).group()
    return word.lower() in _ABBREVIATIONS or re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word) is not None


def _pieces(text: str, end: int, quotes: list[tuple[int, int]]) -> list[_Piece]:
    """Split into sentences/bullets; never inside a quote unless it ends with the quote."""
    opens = [q[0] for q in quotes]

    def inside_quote(b: int) -> bool:
        k = bisect_right(opens, b - 1) - 1
        return k >= 0 and quotes[k][0] < b <= quotes[k][1]

    pieces: list[_Piece] = []
    blank = False
    line_end = -1
    while line_end < end:
        line_start = line_end + 1
        line_end = text.find("\n", line_start, end)
        line_end = end if line_end < 0 else line_end
        if not text[line_start:line_end].strip():
            blank = True
            continue
        cuts = [line_start]
        for m in _SENTENCE_END.finditer(text, line_start, line_end):
            starts_sentence = m.group(1).isupper() or m.group(1).isdigit()
            if starts_sentence and not (m.group().count(".") == 1 and _is_abbreviation(text, m.start())):
                cuts.append(m.end())
        cuts += [m.start() for m in _RUN_IN_BULLET.finditer(text, line_start, line_end)]
        cuts = [*sorted({c for c in cuts if c == line_start or not inside_quote(c)}), line_end]
        for a, b in pairwise(cuts):
            raw = text[a:b]
            body = raw.lstrip(" \t")
            bulleted = body[:1] in "-•*" and body[1:2] in " \t"
            if bulleted:
                body = body[1:].lstrip(" \t")
            s = b - len(body)
            e = s + len(body.rstrip())
            if e > s:
                pieces.append(_Piece(s, e, bulleted, blank))
                blank = False
    return pieces


def _piece_at(pieces: list[_Piece], starts: list[int], i: int) -> _Piece | None:
    k = bisect_right(starts, i) - 1
    return pieces[k] if k >= 0 and i < pieces[k].end else None

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


def _bare(word: str) -> str:
    return word.strip(".,;:!?()[]“”\"‘’'").lower()


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and _bare(word) not in _NOT_NAMES


def _is_person_noun(word: str) -> bool:
    bare = _bare(word)
    return bare in _PERSON_NOUNS or bare.removesuffix("s") in _PERSON_NOUNS


def _split_title(words: list[str]) -> tuple[str | None, list[str]]:
    """'Treasury Secretary Scott Bessent' -> ('Treasury Secretary', ['Scott', 'Bessent'])."""
    for i in range(len(words) - 2, -1, -1):
        if _bare(words[i]) in _TITLES and all(_is_name_word(w) for w in words[i + 1:]):
            role_words = words[: i + 1]
            if role_words[0].lower() == "the":
                role_words = role_words[1:]
            honorific = len(role_words) == 1 and _bare(role_words[0]) in _HONORIFICS
            return (None if honorific or not role_words else " ".join(role_words)), words[i + 1:]
    return None, words


def _trim_filler(words: list[str]) -> list[str]:
    while words and _bare(words[-1]) in _FILLER:
        words = words[:-1]
    while words and _bare(words[0]) in _FILLER:
        words = words[1:]
    return words


def _owner(word: str) -> str | None:
    """'Stanley’s' -> 'Stanley', 'Sachs’' -> 'Sachs'; None when the word is not possessive."""
    m = re.fullmatch(r"(\w.*?)(?:[’']s|(?<=s)[’'])", word)
    return m.group(1) if m else None


def _parse_speaker(phrase: str) -> _Speaker | None:
    """Turn a subject phrase into (speaker, role), or None when it is no plausible speaker."""
    words = _trim_filler(_undecorated(phrase).split())
    if not words or len(words) > _MAX_SPEAKER_WORDS or _bare(words[0]) in _BAD_START:
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
    words = _undecorated(label).split()
    if not words or len(words) > 6 or not all(_is_name_word(w) for w in words):
        return None
    if any(_bare(w) in _SECTION_WORDS for w in words):
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
    if not (first.lower() in ("the", "a", "an") or first[:1].isupper() or _bare(first) in _TITLES):
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


def _speaker_before(masked: str, piece: _Piece, open_: int, fallback: _Speaker | None) -> _Speaker | None:
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


def _heading(text: str, piece: _Piece, masked: str) -> _Speaker | None:
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


def _heading_by_piece(text: str, pieces: list[_Piece], masked: str) -> list[_Speaker | None]:
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


def _continued(text: str, quotes: list[Quote], open_: int, piece: _Piece) -> _Speaker | None:
    """News convention: an unattributed whole-sentence quote continues the paragraph's last speaker."""
    if not quotes or open_ != piece.start or "\n" in text[quotes[-1].end:open_]:
        return None
    previous = quotes[-1]
    return (previous.speaker, previous.speaker_role) if previous.speaker else None


def find_quotes(text: str, *, end: int | None = None) -> list[Quote]:
    """Quoted passages before ``end`` with their speaker and role where the prose gives one."""
    limit = _limit(text, end)
    pairs = _pair_quotes(text, limit)
    pieces = _pieces(text, limit, pairs)
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
        closing = _piece_at(pieces, starts, c) or piece
        quotes.append(Quote(s, e, text[s:e], found[0] if found else None, found[1] if found else None,
                            piece.start, max(piece.end, closing.end)))
    return quotes

# --------------------------------------------------------------------------- figures

_DASHES = "-\u2010\u2011\u2012\u2013\u2212"  # not the em dash: it separates clauses
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12,
           "k": 3, "m": 6, "mn": 6, "b": 9, "bn": 9, "t": 12, "tn": 12}
_SCALE_WORD = re.compile(r"[ \u00a0](thousand|million|billion|trillion)\b", re.IGNORECASE)
_SCALE_ABBR = re.compile(r"(bn|mn|tn|k|m|b|t)\b", re.IGNORECASE)
_PERCENT = re.compile(
    r"[ \u00a0](?:percentage|basis) points?\b|[ \u00a0]?%|[ \u00a0](?:percent|per cent|pct)\b", re.IGNORECASE
)
_CURRENCY_WORD = re.compile(r"[ \u00a0](dollars|pounds|euros|yen|yuan|renminbi|USD|GBP|EUR|CNY|JPY|RMB)\b")
_CURRENCY_BEFORE = re.compile(r"(?<![A-Za-z])(?:([A-Z]{1,2})?\$|£|€|¥|(USD|GBP|EUR|CNY|JPY|RMB)[ \u00a0])[ \u00a0]?$")
_RANGE = re.compile(rf"[ \u00a0]?[{_DASHES}][ \u00a0]?|[ \u00a0]+(to|and)[ \u00a0]+")
_COMPOUND = re.compile(rf"[{_DASHES}]([a-z]{{2,}})\b(?![{_DASHES}]?\d)")
_NOUN = re.compile(r"[ \u00a0]+([a-z]{2,})\b(?!['’]\w)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\.?[ \u00a0]$")
# dates ("9 June"), ordinals ("2nd") and clock times ("10:30", "3pm") directly after a number
_DATE_OR_TIME_AFTER = re.compile(rf"[ \u00a0]{_MONTH}\b|(?i:st|nd|rd|th)\b|:\d|[ \u00a0]?(?i:[ap]\.m\.|[ap]m\b)")
_CURRENCY_UNITS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "¥": "yen/yuan", "dollars": "USD",
                   "pounds": "GBP", "euros": "EUR", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "RMB": "CNY"}
_MAX_DIGITS = 20  # longer digit runs are IDs or junk, never amounts
_DOLLAR_PREFIXES = {"US": "USD", "C": "CAD", "CA": "CAD", "A": "AUD", "AU": "AUD", "HK": "HKD",
                    "S": "SGD", "NZ": "NZD", "NT": "TWD", "R": "BRL"}
_IRREGULAR_PLURALS = frozenset("people staff personnel children men women police cattle data feet".split())
_NOT_NOUNS = frozenset("is was has as us its this thus plus across less unless always perhaps towards "
                       "besides does goes whereas yes his hers ours yours theirs".split())
_MEASURES = frozenset("km kg mph mw gw kwh gb tb ft lb lbs bp bps mm cm ml".split())
_QUANTIFIERS = frozenset("about around nearly almost roughly some over under more fewer than up to just "
                         "only at least approximately".split())


def _clean(value: Decimal) -> Decimal:
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _is_count_noun(word: str) -> bool:
    if word in _IRREGULAR_PLURALS or word in _MEASURES:
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in _NOT_NOUNS


def _read_scale(text: str, pos: int, attached_ok: bool) -> tuple[int, int]:
    if m := _SCALE_WORD.match(text, pos):
        return _SCALES[m.group(1).lower()], m.end()
    if attached_ok and (m := _SCALE_ABBR.match(text, pos)):
        return _SCALES[m.group(1).lower()], m.end() + (text[m.end():m.end() + 1] == "+")
    return 0, pos


def _read_unit(text: str, pos: int) -> tuple[str | None, int]:
    if m := _PERCENT.match(text, pos):
        unit = m.group().strip().lower()
        return (f"{unit.split()[0]} points" if "point" in unit else "percent"), m.end()
    if m := _CURRENCY_WORD.match(text, pos):
        return _CURRENCY_UNITS.get(m.group(1).lower(), m.group(1).upper()), m.end()
    return None, pos


def _is_name_number(text: str, start: int, sentence_start: int) -> bool:
    """'S&P 500', 'Section 301', 'COVID-19', '3-1': digits that belong to a name or score."""
    if start >= 2 and text[start - 1] in _DASHES + "/" and text[start - 2].isalnum():
        return True
    token = re.search(r"(\S+)[ \u00a0]$", text[max(0, start - 30):start])
    if not token or not any(c.isupper() for c in token.group(1)):
        return text[start - 1:start] == "#"
    word = token.group(1)
    if "&" in word or sum(c.isupper() for c in word) > 1:
        return True
    return start - len(token.group()) > sentence_start and _bare(word) not in _QUANTIFIERS


def _read_high(text: str, pos: int, money: bool) -> tuple[Decimal, int, str | None, int] | None:
    """The upper end of a range starting at ``pos``: (number, scale, unit, end)."""
    symbol = _CURRENCY_BEFORE.match(text, pos) if money else None
    n2 = _NUMBER.match(text, symbol.end() if symbol else pos)
    if n2 is None or len(n2.group()) > _MAX_DIGITS:
        return None
    scale, end = _read_scale(text, n2.end(), money)
    unit, end = _read_unit(text, end)
    if unit is None and text[end:end + 1].isalpha():
        return None  # "5-10am", "3-4th": not a quantity range
    return Decimal(n2.group().replace(",", "")), scale, unit, end


def _figure_at(text: str, m: re.Match[str], piece: _Piece) -> Figure | None:
    start, pos = m.start(), m.end()
    if pos - start > _MAX_DIGITS:
        return None
    if _MONTH_BEFORE.search(text, max(0, start - 12), start) or _DATE_OR_TIME_AFTER.match(text, pos):
        return None
    currency = _CURRENCY_BEFORE.search(text, max(0, start - 5), start)
    unit = None
    if currency:
        symbol = currency.group().strip()
        unit = _CURRENCY_UNITS.get(symbol) or currency.group(2) or _DOLLAR_PREFIXES.get(currency.group(1), symbol)
        start = currency.start()
    scale, pos = _read_scale(text, pos, currency is not None)
    if text[pos:pos + 1].isalpha():
        return None  # glued letters: ordinals, model numbers, unknown units
    own_unit, pos = _read_unit(text, pos)
    high_number, high_scale = None, 0
    r = _RANGE.match(text, pos)
    between = text[max(0, start - 8):start].lower().endswith("between ")
    # "from 5% to 10%" is a change, not a range: "to"/"and" only join bare numbers
    joins = r and (r.group(1) != "and" or between) and not (r.group(1) and (scale or own_unit))
    if joins and (high := _read_high(text, r.end(), currency is not None)):
        high_number, high_scale, own_unit, pos = high[0], high[1], high[2] or own_unit, high[3]
    low = Decimal(m.group().replace(",", ""))
    plain = "," not in m.group() and "." not in m.group()
    unit = own_unit or unit
    if unit is None:
        if (plain and 1800 <= low <= 2199) or _is_name_number(text, start, piece.start):
            return None  # years and numbered names
        if high_number is None and (c := _COMPOUND.match(text, pos)):
            unit, pos = _plural(c.group(1)), c.end()
        elif (noun := _NOUN.match(text, pos)) and _is_count_noun(noun.group(1)):
            unit, pos = noun.group(1), noun.end()
        else:
            return None
    value = _clean(low * 10 ** (scale or high_scale))
    high = _clean(high_number * 10 ** (high_scale or scale)) if high_number is not None else None
    return Figure(start, pos, text[start:pos], value, high, unit, piece.start, piece.end)


def find_figures(text: str, *, end: int | None = None) -> list[Figure]:
    """Percentages, money amounts and counted quantities before ``end`` with parsed values."""
    limit = _limit(text, end)
    pieces = _pieces(text, limit, _pair_quotes(text, limit))
    starts = [p.start for p in pieces]
    figures: list[Figure] = []
    consumed = 0
    for m in _NUMBER.finditer(text, 0, limit):
        piece = _piece_at(pieces, starts, m.start())
        if m.start() < consumed or piece is None:
            continue
        figure = _figure_at(text, m, piece)
        if figure and figure.end <= limit:
            figures.append(figure)
            consumed = figure.end
    return figures

# --------------------------------------------------------------------------- mentions


def _alias_pattern(alias: str) -> re.Pattern[str]:
    # Scraped text may break a name over a non-breaking space or use curly apostrophes.
    parts = ["".join("['’]" if c in "'’" else re.escape(c) for c in part) for part in alias.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")


def find_mentions(text: str, aliases: Mapping[str, str], *, end: int | None = None) -> list[Mention]:
    """Whole-word, case-sensitive alias matches; the longest alias wins where matches overlap."""
    limit = _limit(text, end)
    candidates = [
        (m.start(), m.end(), key)
        for alias, key in aliases.items() if alias.strip()
        for m in _alias_pattern(alias).finditer(text, 0, limit)
    ]
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    taken: list[tuple[int, int, str]] = []  # kept sorted by start, never overlapping
    for s, e, key in candidates:
        k = bisect_right(taken, (s,))
        if (k == 0 or taken[k - 1][1] <= s) and (k == len(taken) or taken[k][0] >= e):
            taken.insert(k, (s, e, key))
    return [Mention(s, e, text[s:e], key) for s, e, key in taken]
