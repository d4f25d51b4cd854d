from django.urls import path

from . import feeds, live, views

app_name = "stories"

urlpatterns = [
    # First: every open live page asks for it every few seconds, so it should match on the first try.
    path("stories/<slug:slug>/updates/poll/", live.update_poll, name="update-poll"),
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("search/", views.search, name="search"),
    path("stories/<slug:slug>/", views.story_detail, name="story-detail"),
    path("stories/<slug:slug>/updates/", views.story_updates, name="story-updates"),
    path("stories/<slug:slug>/timeline/", views.story_timeline, name="story-timeline"),
    path("stories/<slug:slug>/claims/", views.story_claims, name="story-claims"),
    path("stories/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update-detail"),
    path("stories/<slug:slug>/events/<int:pk>/", views.event_detail, name="event-detail"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor-detail"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("sources/<slug:slug>/", views.source_detail, name="source-detail"),
    path("preview/<str:token>/", views.preview, name="preview"),
    # Machine-readable: feeds, exports.
    path("stories/<slug:slug>/feed/rss/", feeds.StoryUpdatesFeed(), name="story-feed-rss"),
    path("stories/<slug:slug>/feed/atom/", feeds.StoryUpdatesAtomFeed(), name="story-feed-atom"),
    path("stories/<slug:slug>/events.csv", views.story_events_csv, name="story-events-csv"),
    path("stories/<slug:slug>/timeline.json", views.story_timeline_json, name="story-timeline-json"),
    path("feed/rss/", feeds.LatestStoriesFeed(), name="feed-rss"),
    path("feed/atom/", feeds.LatestStoriesAtomFeed(), name="feed-atom"),
]
