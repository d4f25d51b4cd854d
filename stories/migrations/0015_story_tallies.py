"""Story tallies: how many updates, events and claims of each story are published, kept by
database triggers (see stories/tallies.py).

The installer is the app's own, idempotent function: post_migrate runs it again after every
migrate and counts every tally afresh, so tables rebuilt by later migrations stay covered.
"""

from django.db import migrations


def install(apps, schema_editor):
    from stories.tallies import install_tallies

    install_tallies(schema_editor.connection)


def remove(apps, schema_editor):
    from stories.tallies import remove_tallies

    remove_tallies(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stories", "0014_source_listed_order")]

    operations = [migrations.RunPython(install, remove)]
