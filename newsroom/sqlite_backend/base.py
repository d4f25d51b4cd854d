"""Django's SQLite backend, turning a query's "%s" placeholders into sqlite3's "?" without a
regular expression when it can.

Django's SQLite cursor converts every query with `(?<!%)%s`, a regular expression that looks
behind each character: on the 20 KB of SQL a story page runs with every cache empty that was 6%
of the render. In a query with no "%%" (a literal percent sign) every "%s" is a placeholder, so
a plain replacement gives the same text; a query with "%%", or with named parameters, is
converted Django's way.
"""

from django.db.backends.sqlite3 import base


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None and "%%" not in query:
            return query.replace("%s", "?")
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
