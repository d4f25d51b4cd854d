"""Mark each verification step as an editor's check or an import.

Steps with no editor were written by `import_seeds` or `import_story` (`record_status_change`
with no user): they become imports from "an earlier import", since the file was not kept.
"""

from django.conf import settings
from django.db import migrations, models


def mark_earlier_imports(apps, schema_editor):
    ClaimStatusChange = apps.get_model("stories", "ClaimStatusChange")
    ClaimStatusChange.objects.filter(changed_by__isnull=True).update(via="import", imported_from="an earlier import")


class Migration(migrations.Migration):

    dependencies = [
        ('stories', '0012_desk'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='claimstatuschange',
            name='imported_from',
            field=models.CharField(blank=True, help_text='The annotation or story bundle an imported step came from.', max_length=500),
        ),
        migrations.AddField(
            model_name='claimstatuschange',
            name='via',
            field=models.CharField(choices=[('desk', 'Checked on the desk'), ('import', 'Imported')], default='desk', help_text="An editor's check on the desk, or a step an import wrote.", max_length=10),
        ),
        migrations.RunPython(mark_earlier_imports, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='claimstatuschange',
            constraint=models.CheckConstraint(condition=models.Q(('via__in', ['desk', 'import'])), name='claimstatuschange_via_valid'),
        ),
        migrations.AddConstraint(
            model_name='claimstatuschange',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('via', 'desk'), ('imported_from', '')), models.Q(('via', 'import'), models.Q(('imported_from', ''), _negated=True)), _connector='OR'), name='claimstatuschange_import_names_its_file'),
        ),
    ]
