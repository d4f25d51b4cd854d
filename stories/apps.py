from django.apps import AppConfig


class StoriesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stories"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_migrate, post_save

        from newsroom.logging import log_admin_action

        from . import stamps, tallies

        post_save.connect(log_admin_action, sender=LogEntry, dispatch_uid="newsroom-admin-log")
        post_migrate.connect(stamps.install_after_migrate, sender=self, dispatch_uid="newsroom-change-tracking")
        post_migrate.connect(tallies.install_after_migrate, sender=self, dispatch_uid="newsroom-story-tallies")
