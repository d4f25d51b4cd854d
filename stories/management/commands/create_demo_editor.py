import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

USERNAME = "demo-editor"


class Command(BaseCommand):
    help = "Create a local demo editor account (only when DEBUG is on) and print its login once."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: no demo account is created.")
            return
        User = get_user_model()
        if User.objects.filter(username=USERNAME).exists():
            self.stdout.write(f"Demo editor '{USERNAME}' already exists (its password was printed when it was made).")
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(USERNAME, password=password, is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        self.stdout.write(self.style.SUCCESS(
            f"Demo editor created for local use. Log in at /admin/ as {USERNAME} / {password}"
        ))
