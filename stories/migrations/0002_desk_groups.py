"""Create the Reporter and Editor groups with their permissions.

Reporters draft and propose; editors publish, unpublish, correct, verify and merge.
The publishing rules themselves are enforced in stories/admin.py and stories/publishing.py;
these groups only carry the permissions those checks read.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DRAFTING_MODELS = [
    "story", "actor", "actoralias", "source", "event", "eventparticipation",
    "claim", "citation", "update", "correction",
]
EDITOR_EXTRA = [
    "publish_story", "publish_actor", "merge_actors", "publish_source", "publish_event",
    "publish_claim", "verify_claim", "review_claim", "publish_update", "correct_update",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist before we use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    stories_perms = Permission.objects.filter(content_type__app_label="stories")

    reporter, _ = Group.objects.get_or_create(name="Reporter")
    reporter_codenames = [
        f"{action}_{model}" for model in DRAFTING_MODELS for action in ("view", "add", "change")
    ] + ["view_mention", "view_claimstatuschange", "view_sourcerevision"]
    reporter.permissions.set(stories_perms.filter(codename__in=reporter_codenames))

    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.set(
        stories_perms.filter(codename__in=reporter_codenames + EDITOR_EXTRA)
        | stories_perms.filter(codename__startswith="delete_")
        | stories_perms.filter(codename__startswith="view_")
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporter", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
