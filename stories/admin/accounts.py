"""Other apps' screens on the desk: auth's users and groups, django-axes' sign-in records.

They are registered by their own apps; here each is registered again with the desk's input
checks mixed in (`inputs.CheckedInputs`), so a malformed id or drill-down year is a 400 on every
admin page, not only on ours.
"""

from __future__ import annotations

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User

from .inputs import CheckedInputs

CHECKED = {
    User: auth_admin.UserAdmin,
    Group: auth_admin.GroupAdmin,
    AccessAttempt: axes_admin.AccessAttemptAdmin,
    AccessLog: axes_admin.AccessLogAdmin,
    AccessFailureLog: axes_admin.AccessFailureLogAdmin,
}

for model, model_admin in CHECKED.items():
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, type(model_admin.__name__, (CheckedInputs, model_admin), {}))
