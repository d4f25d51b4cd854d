"""Load-balancer probes: /healthz says the process is up, /readyz that it can serve."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

_migrations_applied = False


@never_cache
def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request):
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            # Planning migrations reads the whole graph: do it until it first succeeds, then trust it.
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                return JsonResponse(
                    {"status": "unavailable", "reason": f"{len(pending)} migrations not applied"}, status=503
                )
            _migrations_applied = True
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "reason": f"database: {type(error).__name__}"}, status=503)
    return JsonResponse({"status": "ok"})
