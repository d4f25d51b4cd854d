"""QuerySets compiled to SQL once per process, then run with each call's values.

Building a QuerySet and compiling it to SQL costs more than running it: on the story page with
every cache empty, 15 QuerySets built, compiled and turned into model instances took about 60% of
the render, the SQL itself 7%. A page's queries differ between requests only in their values —
the story, the moment "now", a handful of ids — so each is built once, by the same QuerySet
methods every other path uses (the publishing rule keeps its one home, `visible_to_readers()`),
with sentinel values standing in for the real ones. Where the sentinels land among the compiled
parameters is where each call's values go.

On PostgreSQL each compiled query is also a prepared statement of the database session: planning
a story page's queries took longer than running them (7 of 9 ms of SQL at N = 200).

Rows come back as `values_list()` gives them: through the database backend's own converters
(aware datetimes, decimals, booleans), in the order the columns were named. `ModelColumns` turns
a slice of such a row into a model instance, as unpickling one makes it (see its docstring).
"""

from __future__ import annotations

import inspect
import itertools
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.expressions import Col

from newsroom.sqlite_backend.base import DatabaseWrapper as SQLiteDatabase, stored_in_utc

# Values no real row or moment has: ids far above any sequence, a moment before any story.
_FIRST_SENTINEL_ID = 7_346_000_000_001
_SENTINEL_MOMENT = datetime(1901, 2, 3, tzinfo=UTC)
# An id list is padded to the next of these lengths (with an id no row has), so each query has a
# few compiled shapes rather than one per length.
LIST_LENGTHS = (4, 16, 64, 256, 1024)
NO_ROW = -1
# A moment as a database takes it in a parameter (SQLite: text).
_A_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _padded_length(length: int) -> int:
    for size in LIST_LENGTHS:
        if length <= size:
            return size
    raise ValueError(f"{length} ids is more than a compiled query takes ({LIST_LENGTHS[-1]}).")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    converters: tuple[tuple[int, tuple, object], ...]
    order: tuple[int, ...] | None
    name: str
    # The prepared statement's parameters (execute_prepared): a scalar's position, a list's positions.
    arguments: tuple[int | tuple[int, ...], ...]
    # Where each call's values go (CompiledQuery._bind): (position, name, is a moment) for each
    # single value; (name, first position, length) for each list, whose ids sit side by side in
    # the parameters, as an IN (…) puts them.
    singles: tuple[tuple[int, str, bool], ...]
    lists: tuple[tuple[str, int, int], ...]


def _placed(slots: Sequence[tuple[int, str, int | None]], kinds: dict) -> dict:
    """_Compiled's `arguments`, `singles` and `lists`, from where each value sits in the compiled
    parameters: (position, name, index in the list or None). The arguments come in the order the
    values first appear: a single value's position, or the positions of a list's ids in the
    list's order."""
    lists: dict[str, list[tuple[int, int]]] = {}
    singles, firsts = [], []
    for position, name, index in slots:
        if index is None:
            singles.append((position, name, kinds[name] is datetime))
            firsts.append((position, position))
        else:
            if name not in lists:
                lists[name] = []
                firsts.append((position, name))
            lists[name].append((index, position))
    in_order = {name: [position for _, position in sorted(found)] for name, found in lists.items()}
    for name, positions in in_order.items():
        if positions != list(range(positions[0], positions[0] + len(positions))):
            raise ValueError(f"the ids of {name} are not side by side in the compiled query")
    return {
        "arguments": tuple(
            argument if isinstance(argument, int) else tuple(in_order[argument]) for _, argument in sorted(firsts)
        ),
        "singles": tuple(singles),
        "lists": tuple((name, positions[0], len(positions)) for name, positions in in_order.items()),
    }


# --- Prepared statements (PostgreSQL) ------------------------------------------------------------

_statement_numbers = itertools.count(1)
# The statements each connection's current database session has prepared; a new session
# (a reconnect, CONN_MAX_AGE) starts with none (connection_created).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def can_prepare(connection) -> bool:
    """Whether queries may be prepared statements of the session. Behind a transaction-pooling
    proxy a session's statements are not its own; Django asks for DISABLE_SERVER_SIDE_CURSORS
    there, so that setting turns preparing off too. A session closed after each request
    (CONN_MAX_AGE 0) would pay a PREPARE round trip for every statement and never reuse one.
    Values bound on the server (OPTIONS "server_side_binding") would take the statement's own $1 …
    for theirs, and allow one statement per query."""
    settings_dict = connection.settings_dict
    return (
        connection.vendor == "postgresql"
        and not settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
        and settings_dict.get("CONN_MAX_AGE") != 0
        and not settings_dict["OPTIONS"].get("server_side_binding")
    )


def execute_prepared(connection, cursor, name: str, sql: str, params: list,
                     arguments: Sequence[int | tuple[int, ...]], *, planner: Sequence[tuple[str, str]] = ()) -> None:
    """cursor.execute(sql, params) as the session's prepared statement `name`: PREPAREd on the
    session's first call with the statement's own parameters ($1, $2 …) where `arguments` say and
    the other values fixed in it, then EXECUTEd with those parameters.

    Each argument is the position in `params` of one value, or the positions of a list of ids
    (in the list's order), which go as one array: `$3[1], $3[2] …` in the statement. psycopg
    binds a query's values in Python and keeps the parsed query only for those of at most 50
    values: an EXECUTE of 256 ids was parsed afresh on each call (1.3 ms a call; 0.9 as one array).

    `planner`: PostgreSQL planner settings for this statement only (see CompiledQuery)."""
    _prepare(connection, cursor, name, sql, params, arguments)
    cursor.execute(_execute_text(cursor, name, params, arguments, planner))
    for _ in planner:
        cursor.nextset()


def _prepare(connection, cursor, name: str, sql: str, params: list, arguments) -> None:
    names = _prepared.setdefault(connection, set())
    if name in names:
        return
    pieces = sql.split("%s")
    numbered = {}
    for number, argument in enumerate(arguments, start=1):
        if isinstance(argument, tuple):
            numbered.update({position: f"(${number}::bigint[])[{index}]"
                             for index, position in enumerate(argument, start=1)})
        else:
            numbered[argument] = f"${number}"
    text, fixed = pieces[0], []
    for position, piece in enumerate(pieces[1:]):
        if position in numbered:
            text += numbered[position]
        else:
            text += "%s"
            fixed.append(params[position])
        text += piece
    cursor.execute(f"PREPARE {name} AS {text}", fixed)
    names.add(name)


def _execute_text(cursor, name: str, params: list, arguments, planner: Sequence[tuple[str, str]]) -> str:
    """The EXECUTE of prepared statement `name` with its values written in; with planner settings,
    set before it and reset after it in the same text (one round trip; rolled back with it if it
    fails)."""
    values = ", ".join([
        # A list goes as the text of an array ('{1,2,3}'), which the statement reads as bigint[]:
        # psycopg dumps a list element by element in Python (47 µs for 64 ids; this, 5 µs).
        "'{" + ",".join(map(str, map(int, map(params.__getitem__, argument)))) + "}'"
        if isinstance(argument, tuple) else _literal(cursor, params[argument])
        for argument in arguments
    ])
    execute = f"EXECUTE {name}({values})"
    if planner:
        sets = "".join(f"SET {setting} = {value}; " for setting, value in planner)
        resets = "".join(f"; RESET {setting}" for setting, _ in planner)
        execute = f"{sets}{execute}{resets}"
    return execute


def _batch_text(cursor, sending: dict) -> tuple[str, list]:
    """The text that runs the statements of `sending` ({key: (compiled, params, planner)}) in one
    round trip, and for each of its results the key whose rows it holds (None: a setting's).

    Statements that want the same planner settings run one after another under one SET of each,
    and each setting is RESET once, at the end: set and reset around each statement, a story page
    sent 36 settings' statements with its 14 queries, each a result for psycopg to step over."""
    pieces, answers, current = [], [], {}
    for key, (compiled, params, planner) in sorted(sending.items(), key=lambda item: item[1][2]):
        wanted = dict(planner)
        for setting in [setting for setting in current if setting not in wanted]:
            pieces.append(f"RESET {setting}")
            del current[setting]
        for setting, value in wanted.items():
            if current.get(setting) != value:
                pieces.append(f"SET {setting} = {value}")
                current[setting] = value
        answers += [None] * (len(pieces) - len(answers))
        pieces.append(_execute_text(cursor, compiled.name, params, compiled.arguments, ()))
        answers.append(key)
    pieces += [f"RESET {setting}" for setting in current]
    answers += [None] * (len(pieces) - len(answers))
    return "; ".join(pieces), answers


def _literal(cursor, value) -> str:
    """`value` as an SQL literal. A page's values are ids and moments, written here as psycopg
    writes them; letting psycopg bind a batch's 40-60 values took a third of the client's time for
    its round trips (0.55 of 1.6 ms a story page). Anything else (a slug) is psycopg's to quote."""
    if type(value) is int:
        return str(value)
    if type(value) is datetime and value.tzinfo is not None:
        return _moment_literal(value)
    return cursor.mogrify("%s", [value])


@lru_cache(maxsize=64)
def _moment_literal(moment: datetime) -> str:
    # A page's statements take the one moment it was read at some forty times, and isoformat()
    # with a separator runs C's string formatting (6,000 instructions a call).
    return f"'{moment.isoformat(sep=' ')}'::timestamptz"


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs) -> None:
    _prepared.pop(connection, None)


# --- Sent ahead (PostgreSQL) ---------------------------------------------------------------------

# Per connection: (statement, values) → its rows, fetched ahead, within sending_ahead().
_sent_ahead: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextmanager
def sending_ahead(calls: Iterable[tuple[CompiledQuery, dict]], *, using: str = DEFAULT_DB_ALIAS):
    """Within the block, `query.rows(**values)` for each (query, values) of `calls` reads rows
    already fetched: on PostgreSQL the statements are sent as one text, in one round trip.

    A page asks its queries one at a time because what one section asks may depend on what
    another found, and each waits for its own round trip — on a busy worker also for the
    interpreter, which its other threads took meanwhile. Those that depend only on values known
    already can go together. A query asked with other values, or not asked at all, is unaffected;
    rows sent ahead are read once.

    Only statements the session has already prepared are sent ahead (a session's first request
    prepares them one at a time, as without this). The statements run in one implicit
    transaction: a failing one fails the block, as it would have failed the page, and rolls back
    the others and the planner settings sent with them. Where statements are not prepared
    (SQLite, a transaction pooler) this does nothing and each query runs when asked.
    """
    connection = connections[using]
    current = _sent_ahead.get(connection, {})
    ahead = {}
    if can_prepare(connection):
        connection.ensure_connection()
        prepared = _prepared.get(connection, ())
        sending = {}
        for query, values in calls:
            compiled, params = query._bind(connection, using, values)
            key = (compiled.name, tuple(params))
            if compiled.name in prepared and key not in current:
                sending[key] = (compiled, params, query.planner)
        if len(sending) > 1:
            with connection.cursor() as cursor:
                text, answers = _batch_text(cursor.cursor, sending)
                cursor.execute(text)
                # Every statement has run and its rows are here (psycopg raised any error above):
                # read them from psycopg's cursor, without Django wrapping each call for errors.
                results = cursor.cursor
                for key in answers:
                    if key is not None:
                        ahead[key] = results.fetchall()
                    results.nextset()
    if not ahead:
        yield
        return
    current = _sent_ahead.setdefault(connection, {})
    current.update(ahead)
    try:
        yield
    finally:
        for key in ahead:
            current.pop(key, None)
        if not current:  # an inner block may have found it empty and dropped it already
            _sent_ahead.pop(connection, None)


def rows_together(calls: Sequence[tuple[CompiledQuery, dict]], *, using: str = DEFAULT_DB_ALIAS) -> list[list[tuple]]:
    """`[query.rows(**values) for query, values in calls]`, in one round trip where it can be."""
    with sending_ahead(calls, using=using):
        return [query.rows(using=using, **values) for query, values in calls]


class CompiledQuery:
    """`build(**values)` → a `values_list()` QuerySet, compiled once per database and list length.

    Each keyword of `build` is declared with its kind: `int` (an id), `str` (a slug), `datetime`
    (a moment, such as "now" for the publishing rule) or `list` (ids for an `__in` lookup).

        CLAIMS = CompiledQuery(lambda story, now: Claim.objects.published_in(Story(pk=story), now=now)
                               .values_list("pk", "text"), story=int, now=datetime)
        CLAIMS.rows(story=story.pk, now=timezone.now())

    Choices PostgreSQL's estimates get wrong for some of these queries can be made for it, each only
    where measured (elsewhere its cost-based choice stands). They are planner settings applied to
    every EXECUTE of the statement, so a plan PostgreSQL keeps was made under them too:

    `generic_plan=True` runs the prepared statement on its generic plan, made once for any values.
    PostgreSQL plans a statement afresh for each call's values whenever its generic plan looks
    dearer, and for a filter on an unknown moment ("published_at <= now") it guesses that a third
    of the rows pass where nearly all do: a query that stops after a few rows then looks dearer on
    the generic plan although it is the same plan. Such queries were planned on every call once a
    story had 10,000 events (0.3-0.5 ms each) and at 200 never. For some (the actors aside, the
    tallies of scheduled rows) the guess makes the generic plan far worse.

    `join_by_key=True` joins each row to the rows it points at by key (nested loops over an
    index), never by hashing or merging whole tables, with an index look-up priced as the cached
    page it is (random_page_cost 1.1, not 4): for a few rows the cost then follows the rows asked
    for, not the tables. Otherwise PostgreSQL hashed every source of the site to find the sources
    of 55 citations (0.5 ms at 1,000 sources; 0.1 ms by key), and for the actors aside hashed each
    actor's events (1.6 ms at 2,000 events; 0.3 ms by key).

    `in_index_order=True` reads rows in the order of an index and stops after the few asked for,
    never sorting all that qualify: on the generic plan, guessing a third of the site's actors
    published, PostgreSQL tested all 500 for the story and sorted them (2.3 ms; 0.3 ms in order).
    """

    def __init__(self, build: Callable[..., QuerySet], *, generic_plan: bool = False,
                 join_by_key: bool = False, in_index_order: bool = False, **kinds: type) -> None:
        names = list(inspect.signature(build).parameters)
        if sorted(names) != sorted(kinds):
            raise TypeError(f"declare the kind of each of {names}, not {sorted(kinds)}")
        for name, kind in kinds.items():
            if kind not in (int, str, datetime, list):
                raise TypeError(f"{name}: a compiled query takes int, str, datetime or list values, not {kind}")
        self.build = build
        self.kinds = kinds
        self.planner = (
            *((("plan_cache_mode", "force_generic_plan"),) if generic_plan else ()),
            *((("enable_hashjoin", "off"), ("enable_mergejoin", "off"), ("random_page_cost", "1.1"))
              if join_by_key else ()),
            *((("enable_sort", "off"),) if in_index_order else ()),
        )
        self._compiled: dict[tuple, _Compiled] = {}

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        """The query's rows for these values."""
        connection = connections[using]
        compiled, params = self._bind(connection, using, values)
        ahead = _sent_ahead.get(connection)
        rows = ahead.pop((compiled.name, tuple(params)), None) if ahead else None
        if rows is not None:
            return self._read(compiled, rows, connection)
        with connection.cursor() as cursor:
            self._execute(connection, cursor, compiled, params)
            return self._read(compiled, cursor.fetchall(), connection)

    def _bind(self, connection, using: str, values: dict) -> tuple[_Compiled, list]:
        lengths = tuple(
            _padded_length(len(values[name])) for name, kind in self.kinds.items() if kind is list
        )
        compiled = self._compiled.get((using, lengths))
        if compiled is None:
            compiled = self._compiled[(using, lengths)] = self._compile(using, lengths)
        params = list(compiled.params)
        for position, name, is_moment in compiled.singles:
            value = values[name]
            params[position] = connection.ops.adapt_datetimefield_value(value) if is_moment else value
        for name, first, length in compiled.lists:
            ids = values[name]
            params[first:first + length] = [*ids, *[NO_ROW] * (length - len(ids))]
        return compiled, params

    def _execute(self, connection, cursor, compiled: _Compiled, params: list) -> None:
        if can_prepare(connection):
            execute_prepared(connection, cursor, compiled.name, compiled.sql, params, compiled.arguments,
                             planner=self.planner)
        else:
            cursor.execute(compiled.sql, params)

    @staticmethod
    def _read(compiled: _Compiled, rows: list, connection) -> list[tuple]:
        if compiled.converters:
            converted = []
            for row in rows:
                row = list(row)
                for position, converters, expression in compiled.converters:
                    value = row[position]
                    if value is not None:
                        for converter in converters:
                            value = converter(value, expression, connection)
                    row[position] = value
                converted.append(row)
            rows = converted
        if compiled.order is not None:
            return [tuple(row[i] for i in compiled.order) for row in rows]
        return [tuple(row) for row in rows] if compiled.converters else rows

    def _compile(self, using: str, lengths: tuple[int, ...]) -> _Compiled:
        connection = connections[using]
        sentinels: dict[object, tuple[str, int | None]] = {}
        arguments = {}
        next_id = iter(range(_FIRST_SENTINEL_ID, _FIRST_SENTINEL_ID + 10_000))
        list_lengths = iter(lengths)
        for n, (name, kind) in enumerate(self.kinds.items()):
            if kind is int:
                arguments[name] = value = next(next_id)
                sentinels[value] = (name, None)
            elif kind is str:
                arguments[name] = text = f"x-compiled-sentinel-{n}-x"
                sentinels[text] = (name, None)
            elif kind is datetime:
                arguments[name] = moment = _SENTINEL_MOMENT + timedelta(seconds=n)
                sentinels[connection.ops.adapt_datetimefield_value(moment)] = (name, None)
            else:
                arguments[name] = ids = [next(next_id) for _ in range(next(list_lengths))]
                sentinels.update({value: (name, index) for index, value in enumerate(ids)})
        queryset = self.build(**arguments)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(
            (position, *sentinels[param]) for position, param in enumerate(params)
            if isinstance(param, (int, str, datetime)) and param in sentinels
        )
        baked = [
            param for position, param in enumerate(params)
            if (isinstance(param, datetime) or (isinstance(param, str) and _A_MOMENT.match(param)))
            and position not in {slot[0] for slot in slots}
        ]
        if baked:
            # A moment taken when the query was compiled would be every later call's moment too.
            raise ValueError(f"the compiled query has a moment it was not given: {baked[0]} (pass `now` down)")
        missing = {name for name, _ in sentinels.values()} - {name for _, name, _ in slots}
        if missing:
            raise ValueError(f"the compiled query does not use {sorted(missing)}")
        if sum(1 for _, _, index in slots if index is not None) != sum(lengths):
            raise ValueError("each id of a list must appear once in the compiled query")
        selected = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, needed, expression)
            for position, (found, expression) in compiler.get_converters(selected).items()
            if (needed := tuple(converter for converter in found if not _already_done(converter, expression, connection)))
        )
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        wanted = list(queryset._fields or names)
        order = None if wanted == names else tuple(names.index(name) for name in wanted)
        return _Compiled(sql, tuple(params), converters, order, f"newsroom_q{next(_statement_numbers)}",
                         **_placed(slots, self.kinds))


class CompiledSQL(CompiledQuery):
    """SQL of our own, for a table no model describes (the tallies the database's triggers keep),
    run as a compiled query: a prepared statement on PostgreSQL that can be sent ahead with the
    others. `%(name)s` stands for each value, declared as `int` or `str`; rows come back as the
    database driver gives them.

        TALLIES = CompiledSQL('SELECT kind, SUM(n) FROM "tally" WHERE story_id = %(story)s GROUP BY kind', story=int)
    """

    def __init__(self, sql: str, **kinds: type) -> None:
        names = re.findall(r"%\((\w+)\)s", sql)
        if sorted(set(names)) != sorted(kinds):
            raise TypeError(f"declare the kind of each of {sorted(set(names))}, not {sorted(kinds)}")
        for name, kind in kinds.items():
            if kind not in (int, str):
                raise TypeError(f"{name}: plain SQL takes int or str values, not {kind}")
        self.sql, self.names, self.kinds = sql, names, kinds
        self.planner = ()
        self._compiled = {}

    def _compile(self, using: str, lengths: tuple[int, ...]) -> _Compiled:
        slots = tuple((position, name, None) for position, name in enumerate(self.names))
        return _Compiled(re.sub(r"%\((\w+)\)s", "%s", self.sql), (None,) * len(slots), (), None,
                         f"newsroom_q{next(_statement_numbers)}", **_placed(slots, self.kinds))


def _already_done(converter, expression, connection) -> bool:
    """Whether the database driver already gives the value this converter would, for a plain
    column (a computed value has no declared type and comes as the database gives it).

    Django's SQLite backend has sqlite3 read "bool" columns as True and False, and the project's
    reads "datetime" columns aware in UTC (newsroom/sqlite_backend): Django's converters would
    only check each value again, a Python call per value (some 500 on a story page).
    """
    if connection.vendor != "sqlite" or not isinstance(expression, Col):
        return False
    method = getattr(converter, "__func__", None)
    operations = type(connection.ops)
    if method is operations.convert_booleanfield_value:
        return True
    return (
        method is operations.convert_datetimefield_value
        and isinstance(connection, SQLiteDatabase) and stored_in_utc()
    )


class ModelColumns:
    """A model's columns in a compiled query's rows, and the instances they make.

    `path` reaches the model through relations ("claimant" for a claim's actor); `omit` leaves out
    large columns a page never shows, or `only` names the few it reads (the others are deferred on
    the instance, as `defer()` would, and a query that reads one shows in the query budgets).

    An instance is made the way one comes back from a cache, unpickled: the loaded values set on a
    new object with its state "from the database", without running __init__ (two thirds of the
    cost of Model.from_db() on a story page's 170 rows). That skips only the pre_init and post_init
    signals, so a model that has receivers for them is made with from_db() instead.
    """

    def __init__(self, model: type[Model], path: str = "", omit: Sequence[str] = (),
                 only: Sequence[str] = ()) -> None:
        self.model = model
        fields = [
            field.attname for field in model._meta.concrete_fields
            if field.name not in omit and (not only or field.name in only or field.primary_key)
        ]
        self.attnames = fields
        prefix = f"{path}__" if path else ""
        self.names = [f"{prefix}{name}" for name in fields]
        self._pk_index = fields.index(model._meta.pk.attname)
        self._receivers_seen: tuple[int, int] | None = None
        self._is_plain = False

    def __len__(self) -> int:
        return len(self.names)

    def related(self, name: str) -> Callable[[Model, Model], None]:
        """A setter of the related object `name` on loaded instances whose key already names it, as
        select_related() sets one: assigning through the field's descriptor checks the router and
        both instances' databases each time (1 µs; a story page sets some 130)."""
        return self.model._meta.get_field(name).set_cached_value

    def _plain(self) -> bool:
        """Whether no init-signal receiver listens to the model (asked again when any connects or goes)."""
        receivers = (len(signals.pre_init.receivers), len(signals.post_init.receivers))
        if receivers != self._receivers_seen:
            model = self.model
            self._is_plain = not (signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model))
            self._receivers_seen = receivers
        return self._is_plain

    def load(self, row: Sequence, start: int = 0, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        """The instance in row[start:start + len(self)], or None where an outer join found none."""
        values = row[start:start + len(self.names)]
        if values[self._pk_index] is None:
            return None
        model = self.model
        if not self._plain():
            return model.from_db(using, frozenset(self.attnames), values)
        instance = model.__new__(model)
        instance.__dict__.update(zip(self.attnames, values))
        state = instance._state = ModelState()
        state.adding, state.db = False, using
        return instance


class JoinedColumns:
    """A model's columns and those of the rows select_related(*related) would join to it, in one
    compiled query's rows, and the instance they make with its related rows set (None where an
    outer join found none), as select_related() sets them."""

    def __init__(self, model: type[Model], related: Sequence[str] = ()) -> None:
        self.model = model
        self.parts = [("", None, ModelColumns(model))]
        for path in related:
            parent, _, name = path.rpartition("__")
            owner = model
            for step in parent.split("__") if parent else ():
                owner = owner._meta.get_field(step).related_model
            field = owner._meta.get_field(name)
            self.parts.append((path, (parent, field.set_cached_value), ModelColumns(field.related_model, path=path)))
        self.names = [name for _, _, columns in self.parts for name in columns.names]

    def load(self, row: Sequence) -> Model:
        made, start = {}, 0
        for path, link, columns in self.parts:
            made[path] = columns.load(row, start)
            start += len(columns)
            if link is not None and made[link[0]] is not None:
                link[1](made[link[0]], made[path])
        return made[""]
