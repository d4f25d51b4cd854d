from rest_framework.pagination import CursorPagination


class StoryCursorPagination(CursorPagination):
    """Opaque cursors: stable under inserts, and a page costs the same however deep it is."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-published_at", "-pk")
