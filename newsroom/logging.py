"""Structured (JSON) logs for requests, imports and admin actions, with secrets kept out."""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import parse_qsl, urlencode

request_log = logging.getLogger("newsroom.request")
admin_log = logging.getLogger("newsroom.admin")

SECRET_PARAMS = re.compile(r"token|pass|secret|key|sig|session|csrf", re.IGNORECASE)
# Preview links carry their signed token in the path.
SECRET_PATHS = re.compile(r"(/preview/)[^/]+")
STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in STANDARD_ATTRS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def redacted_path(request) -> str:
    path = SECRET_PATHS.sub(r"\1[redacted]", request.path)
    if request.META.get("QUERY_STRING"):
        pairs = [(k, "[redacted]" if SECRET_PARAMS.search(k) else v)
                 for k, v in parse_qsl(request.META["QUERY_STRING"], keep_blank_values=True)]
        path += "?" + urlencode(pairs)
    return path


class RequestLogMiddleware:
    """Log every request once it is answered: method, path (secrets redacted), status, duration, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            # Only a user something else already loaded: touching request.user reads the session,
            # which adds "Vary: Cookie" and would split every public page in a CDN per reader.
            user = getattr(request, "_cached_user", None)
            request_log.info("request", extra={
                "method": request.method,
                "path": redacted_path(request),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            })
        return response


def log_admin_action(sender, instance, created: bool, **kwargs) -> None:
    """Receiver for admin LogEntry rows: who did what to which object."""
    if created:
        admin_log.info("admin action", extra={
            "action": {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, str(instance.action_flag)),
            "user_id": instance.user_id,
            "object": f"{instance.content_type.app_label}.{instance.content_type.model}:{instance.object_id}",
            "change": instance.get_change_message()[:500],
        })
