"""The site as deployed: a static server in front answers MEDIA_URL from MEDIA_ROOT on the same
origin (the CSP takes images from 'self' only), and Django never does (test_uploads.py). Browser
tests that show pictures use this as ROOT_URLCONF to stand in for that server."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve


def media(request, path):
    # MEDIA_ROOT is read per request: each test keeps its uploads in its own folder.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", media),
    path("", include("newsroom.urls")),
]
