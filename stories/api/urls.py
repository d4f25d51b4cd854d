from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("stories", views.StoryViewSet, basename="story")
router.register("updates", views.UpdateViewSet, basename="update")
router.register("events", views.EventViewSet, basename="event")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("", include(router.urls)),
]
