from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from stories.sitemaps import SITEMAPS, robots_txt

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("stories.api.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("", include("stories.urls")),
]
