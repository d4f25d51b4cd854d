from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("", views.home, name="home"),
    path("stories/<slug:slug>/", views.story_detail, name="story-detail"),
    path("stories/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("stories/<slug:slug>/events/<int:pk>/", views.event_detail, name="event-detail"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor-detail"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
]
