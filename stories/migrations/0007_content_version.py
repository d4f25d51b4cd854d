"""The content version and the triggers that move it (see stories/stamps.py).

The installer is the app's own, idempotent function: post_migrate runs it again after every
migrate, so tables added or rebuilt by later migrations are covered the same way.
"""

from django.db import migrations


def install(apps, schema_editor):
    from stories.stamps import install_change_tracking

    install_change_tracking(schema_editor.connection)


def remove(apps, schema_editor):
    from stories.stamps import remove_change_tracking

    remove_change_tracking(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stories", "0006_scheduled_actor_source_indexes")]

    operations = [migrations.RunPython(install, remove)]
