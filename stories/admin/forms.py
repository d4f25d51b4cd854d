"""Forms the editors' desk uses in admin.

`DeskForm` is the base of every publishable model's form (change form, list_editable row and
revert alike): it holds the version the editor loaded, locks the stored row while it validates,
refuses a stale save with a message saying what changed, and asks `permissions.check_desk_change()`
whether this user may make this change. Writes then go through `publishing.save_from_desk()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.text import slugify

from stories import images, locking, permissions, publishing, review
from stories.citations import locate_excerpt
from stories.dates import format_moment, moment_as_written, parse_moment
from stories.ingest import fetching, pages
from stories.models import (
    Actor,
    Citation,
    CitationRelation,
    Claim,
    ClaimKind,
    ClaimStatusChange,
    Event,
    PublicationStatus,
    Source,
    Story,
    Update,
    VerificationStatus,
    unique_slug,
)

PUBLISHED_AT_LABEL = "When readers can see it"
SOURCE_PUBLISHED_AT_LABEL = "When the article appeared"
IMAGE_ALT_FIELDS = {"lead_image": "lead_image_alt", "photo": "photo_alt", "image": "image_alt"}
MOMENT_HELP = (
    "As precisely as it is known: 2025, 2025-05, 2025-06-09, 2025-06-10T10 or 2025-06-10T10:00, "
    "in the story's time zone ({zone})."
)


def for_user(form_class: type[forms.BaseForm], user, **attrs) -> type[forms.BaseForm]:
    """A subclass of `form_class` that knows who is editing (forms are built per request in admin)."""
    return type(form_class.__name__, (form_class,), {"desk_user": user, **attrs})


def searched(field: forms.ModelChoiceField, model_field, admin_site) -> None:
    """Make `field` a search box (the admin's autocomplete of `model_field`'s rows) rather than a
    list of every row on the site: a select of a site's 1,000 sources and 10,000 updates made a
    claim's form 856 KB and a second of the server's time, and was no use to scroll. Only the
    chosen row is rendered; what may be chosen is still the field's queryset."""
    field.widget = admin_widgets.AutocompleteSelect(model_field, admin_site)
    field.widget.choices = field.choices


class SeenVersionField(forms.IntegerField):
    """The version the editor loaded. Never a change in itself, so an untouched list row is not saved."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False


class StoryTimeWidget(admin_widgets.AdminSplitDateTime):
    """Date and time inputs that say which zone they are in, with this date's BST/GMT label."""

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        moment = value if isinstance(value, datetime) and value.tzinfo else timezone.localtime()
        zone = timezone.get_current_timezone()
        return html + format_html(
            '<p class="desk-zone" title="Entered and shown in this zone, stored in UTC">{} ({})</p>',
            str(zone), moment.astimezone(zone).tzname(),
        )


class DeskImageField(forms.ImageField):
    """An image upload checked by `images.check_image()`: format, bytes and pixels, each a clear error."""

    default_error_messages = {"invalid_image": "This file is not an image we can read."}

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        facts = images.check_image(upload)
        upload.image_facts = facts
        # Stored (and later served) under the type it really is, never the name it came with.
        upload.name = images.stored_name(upload.name, facts)
        if hasattr(upload, "seek") and callable(upload.seek):
            upload.seek(0)
        return upload


class DeskForm(forms.ModelForm):
    seen_version = SeenVersionField(required=False)

    desk_user = None
    admin_site = None  # set by the admin that builds the form (DeskAdmin.get_form)
    revert = False
    locked_current = None
    # Set when the page edits the row's citations too: their formset checks the citation rule.
    citations_in_formset = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk is not None:
            version = instance.version
            if self.revert:
                # Reverting shows an old revision: the version to compare against is today's.
                version = type(instance).objects.values_list("version", flat=True).get(pk=instance.pk)
            self.fields["seen_version"].initial = version
        # Two dates sit side by side on a source: say which is which in words, not field names.
        if "published_at" in self.fields:
            self.fields["published_at"].label = PUBLISHED_AT_LABEL
            self.fields["published_at"].help_text = (
                "When readers of this site see it. A time in the future schedules publication; "
                "leave empty to publish now."
            )
        if "source_published_at" in self.fields:
            self.fields["source_published_at"].label = SOURCE_PUBLISHED_AT_LABEL
            self.fields["source_published_at"].help_text = (
                "The article's own date, as its publisher gave it; not when our readers see it."
            )
        user = self.desk_user
        if user is None:
            return
        if instance.pk is not None and not permissions.can_change(user, instance):
            for field in self.fields.values():
                field.disabled = True
        if not permissions.can_publish(user, instance):
            for name in ("status", "published_at"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Only an editor can publish, schedule or unpublish."
        if not permissions.can_verify(user):
            for name in ("verification_status", "verification_note", "status_note"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Only an editor can set the verification status."

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is not None:
            self.locked_current = locking.lock_for_edit(type(instance), instance.pk)
            seen = cleaned.get("seen_version")
            if seen is None:
                seen = self.locked_current.version
            changed = [n for n in self.changed_data if n != "seen_version"]
            if seen != self.locked_current.version and changed:
                raise ValidationError(
                    locking.describe_changes_since(self.locked_current, seen)
                    + " Your changes were not saved: reload the page to see their version, then make "
                    "your changes again.",
                    code="edit_conflict",
                )
        if cleaned.get("status") == PublicationStatus.PUBLISHED:
            if "published_at" in self.fields and not self.fields["published_at"].disabled:
                if cleaned.get("published_at") is None:
                    cleaned["published_at"] = timezone.now()
            elif instance.published_at is None:
                instance.published_at = timezone.now()
        for image_name, alt_name in IMAGE_ALT_FIELDS.items():
            if image_name in self.fields and alt_name in self.fields:
                image = cleaned.get(image_name, getattr(instance, image_name, None))
                if image and not cleaned.get(alt_name, "").strip():
                    self.add_error(alt_name, "Describe the image for readers who cannot see it (alt text).")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.desk_user is None or self.errors:
            return
        try:
            permissions.check_desk_change(
                user=self.desk_user, before=self.locked_current, after=self.instance,
                check_citations=not self.citations_in_formset,
            )
            self.check_change(self.locked_current, self.instance)
        except PermissionDenied as denied:
            self.add_error(None, str(denied))
        except ValidationError as invalid:
            self.add_error(None, invalid)

    def check_change(self, before, after) -> None:
        """Rules a particular model adds; raise ValidationError."""

    def desk_save_kwargs(self) -> dict:
        """Extra keyword arguments for `publishing.save_from_desk()`."""
        return {}


# --- Moments with a precision ------------------------------------------------------------------


class MomentField(forms.CharField):
    """A moment typed as precisely as it is known; parsed in the story's zone by the form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": "2025-06-10T10:00", "class": "vTextField desk-moment"})


class MomentFormMixin:
    """Replace (datetime, precision) model pairs with one MomentField each: {form field: (at, precision)}."""

    moments: dict[str, tuple[str, str]] = {}

    def story_for_moments(self) -> Story | None:
        story = self.cleaned_data.get("story") if hasattr(self, "cleaned_data") else None
        if story is None and getattr(self.instance, "story_id", None):
            story = self.instance.story
        return story

    def moment_zone(self):
        story = self.story_for_moments()
        return story.tzinfo if story else self.instance.desk_tzinfo

    def init_moments(self):
        zone = self.instance.desk_tzinfo if getattr(self.instance, "story_id", None) else None
        for name, (at, precision) in self.moments.items():
            field = self.fields[name]
            zone_name = str(zone) if zone else "the story's zone"
            field.help_text = MOMENT_HELP.format(zone=zone_name)
            value = getattr(self.instance, at)
            if value is not None and zone is not None:
                field.initial = moment_as_written(value, getattr(self.instance, precision), zone)
                field.help_text += f" Readers see: {format_moment(value, getattr(self.instance, precision), zone)}."

    def clean_moments(self):
        zone = self.moment_zone()
        parsed = {}
        for name, (at, precision) in self.moments.items():
            text = (self.cleaned_data.get(name) or "").strip()
            if not text:
                if self.fields[name].required:
                    continue  # the field's own "required" error is already there
                parsed[name] = (None, "")
                continue
            try:
                parsed[name] = parse_moment(text, zone)
            except ValueError as problem:  # a bad shape, or a date that does not exist (2025-02-30)
                self.add_error(name, f"{text!r}: {problem}" if text not in str(problem) else str(problem))
        for name, (at, precision) in self.moments.items():
            if name in parsed:
                setattr(self.instance, at, parsed[name][0])
                setattr(self.instance, precision, parsed[name][1] or "")
        return parsed


# --- Per-model desk forms ----------------------------------------------------------------------


class StoryForm(DeskForm):
    class Meta:
        model = Story
        fields = "__all__"


class ActorForm(DeskForm):
    class Meta:
        model = Actor
        fields = "__all__"


class SourceForm(DeskForm):
    """A source pasted, uploaded or fetched by its address, in one step. What the file or page says
    (headline, publisher, author, date) fills only the fields the editor left blank."""

    url = forms.URLField(
        max_length=1000, required=False, assume_scheme="https", label="Address",
        widget=forms.URLInput(attrs={"class": "vURLField"}), help_text="Where the article is on the web.",
    )
    upload = forms.FileField(
        required=False, label="Or upload a file",
        help_text="A .txt, .md or .html file; its text, headline and details fill in what you left blank.",
    )
    review_for_story = forms.ModelChoiceField(
        Story.objects.order_by("-is_live", "-published_at", "-pk"), required=False,
        label="Review its quotes for",
        help_text="Saving reads the text for quotes, figures and the actors it names; the quotes and "
                  "figures go to this story's review queue.",
    )
    reading = None  # what the upload or the fetched page said, when there was one
    fetched = None  # the page (or the reason it could not be had), fetched before the form was built

    class Meta:
        model = Source
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("upload", None)
            return
        for name in ("title", "slug", "text"):
            if name in self.fields:
                self.fields[name].required = False
        if "url" in self.fields:
            self.fields["url"].help_text = "Where the article is on the web. Leave the text empty and the desk fetches it."
        if "text" in self.fields:
            self.fields["text"].help_text = "Paste the article here, or leave it empty to fetch the address above or upload a file."
        if "slug" in self.fields:
            self.fields["slug"].help_text = "Made from the headline if left empty."

    def clean_text(self):
        # Browsers send a textarea's line breaks as CRLF; the importer stores LF, and offsets count them.
        return (self.cleaned_data["text"] or "").replace("\r\n", "\n")

    @classmethod
    def fetch_ahead(cls, data, files) -> fetching.FetchedPage | fetching.FetchError | None:
        """Fetch the page this posted add form asks for (address given, no text, no file), if any."""
        if (data.get("text") or "").strip() or files.get("upload"):
            return None
        try:
            url = cls.base_fields["url"].clean(data.get("url", ""))
        except ValidationError:
            return None  # the form says what is wrong with it
        if not url:
            return None
        try:
            return fetching.fetch_page(url=url)
        except fetching.FetchError as problem:
            return problem

    def fetch(self, url: str) -> fetching.FetchedPage:
        fetched = self.fetched
        if isinstance(fetched, fetching.FetchError):
            raise fetched
        if fetched is not None and fetched.requested_url == url:
            return fetched
        return fetching.fetch_page(url=url)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not self.errors:
            self.take_in(cleaned)
        return cleaned

    def take_in(self, cleaned: dict) -> None:
        """Read the upload or fetch the address, keep the original, and fill the blank fields."""
        upload, url, pasted = cleaned.get("upload"), cleaned.get("url"), cleaned.get("text", "").strip()
        if upload and pasted:
            self.add_error("upload", "Paste the text or upload a file, not both.")
            return
        try:
            if upload:
                data = upload.read(settings.NEWSROOM_FETCH_MAX_BYTES + 1)
                reading = pages.read_upload(data=data, name=upload.name)
                original = Original(data=data, name=upload.name, content_type=upload.content_type or "", url="")
            elif url and not pasted:
                page = self.fetch(url)
                reading = pages.read_fetched(page=page)
                original = Original(data=page.body, name=_original_name(page), content_type=page.content_type,
                                    url=page.url)
            elif not pasted:
                self.add_error("text", "Paste the article’s text, upload a file, or give its address to fetch it from.")
                return
            else:
                reading, original = None, None
        except (fetching.FetchError, pages.PageError) as problem:
            self.add_error("upload" if upload else "url", str(problem))
            return
        if reading is not None:
            self.reading = reading
            cleaned["text"] = reading.text
            for name in ("title", "publisher", "author"):
                if not cleaned.get(name):
                    cleaned[name] = getattr(reading, name)[: Source._meta.get_field(name).max_length]
            if cleaned.get("source_published_at") is None and reading.published is not None:
                cleaned["source_published_at"] = self.moment_of(reading.published, cleaned.get("review_for_story"))
            self.keep_original(original)
        if not cleaned.get("title"):
            self.add_error("title", "No headline was found in it: type one." if reading else "Give the source a headline.")
        elif not cleaned.get("slug"):
            cleaned["slug"] = unique_slug(Source, cleaned["title"])

    def keep_original(self, original: Original) -> None:
        source = self.instance
        # Written to storage only when the source is saved: a refused form leaves no file behind.
        source.original = ContentFile(original.data, name=original.name)
        source.original_type = original.content_type[:200]
        source.original_url = original.url[:1000]
        source.original_retrieved_at = timezone.now()

    @staticmethod
    def moment_of(published, story: Story | None) -> datetime:
        if isinstance(published, datetime):
            return published
        # A day without a time: its start in the story's zone (the desk's zone while no story is chosen).
        zone = story.tzinfo if story is not None else timezone.get_current_timezone()
        return datetime.combine(published, time(), tzinfo=zone)


@dataclass(frozen=True)
class Original:
    data: bytes
    name: str
    content_type: str
    url: str


def _original_name(page: fetching.FetchedPage) -> str:
    stem = slugify(PurePosixPath(urlsplit(page.url).path).stem or urlsplit(page.url).hostname or "page")[:80] or "page"
    return f"{stem}.{'txt' if page.media_type == 'text/plain' else 'html'}"


class EventForm(MomentFormMixin, DeskForm):
    when = MomentField(label="When")
    ends = MomentField(label="Ends", required=False)
    moments = {"when": ("occurred_at", "precision"), "ends": ("ends_at", "ends_precision")}

    class Meta:
        model = Event
        exclude = ["occurred_at", "precision", "ends_at", "ends_precision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_moments()
        self.fields["ends"].help_text = "For spans, like a 90-day truce. " + self.fields["ends"].help_text

    def clean(self):
        cleaned = super().clean()
        parsed = self.clean_moments()
        start, end = parsed.get("when", (None, None))[0], parsed.get("ends", (None, None))[0]
        if start and end and end < start:
            self.add_error("ends", "The end comes before the start.")
        return cleaned


class ClaimForm(MomentFormMixin, DeskForm):
    made = MomentField(label="Made at", required=False)
    status_note = forms.CharField(
        label="Why the status changed", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the claim's status history (shown to readers) when the verification status changes.",
    )
    prompted_by_source = forms.ModelChoiceField(
        Source.objects.defer("text"), required=False, help_text="The source that prompted the status change, if any.",
    )
    prompted_by_update = forms.ModelChoiceField(
        Update.objects.select_related("story"), required=False,
        help_text="The update that prompted the status change, if any.",
    )
    moments = {"made": ("made_at", "made_precision")}

    class Meta:
        model = Claim
        exclude = ["made_at", "made_precision", "review_state"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_moments()
        if self.instance.story_id:
            self.fields["prompted_by_update"].queryset = Update.objects.filter(story_id=self.instance.story_id)
        if self.admin_site is not None:
            for name in ("prompted_by_source", "prompted_by_update"):
                if name in self.fields:
                    searched(self.fields[name], ClaimStatusChange._meta.get_field(name), self.admin_site)
        note = self.fields.get("verification_note")
        if note is not None and not note.disabled:
            note.label = "Note readers see"
            note.help_text = "Why the claim has this status. A new status needs a new note: the old one is replaced."

    def clean(self):
        cleaned = super().clean()
        self.clean_moments()
        return cleaned

    def check_change(self, before, after) -> None:
        review.check_status_note(before=before, after=after)

    def desk_save_kwargs(self) -> dict:
        return {
            "status_note": self.cleaned_data.get("status_note") or self.cleaned_data.get("verification_note", ""),
            "prompted_by_source": self.cleaned_data.get("prompted_by_source"),
            "prompted_by_update": self.cleaned_data.get("prompted_by_update"),
        }


class UpdateForm(DeskForm):
    correction_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        initial=publishing.CORRECTION_PREFIX,
        help_text="Shown to readers under the update when you change the words of a published update.",
    )
    minor_fix = forms.BooleanField(
        required=False, label="Minor fix, no correction note",
        help_text="Spelling or formatting only: the meaning did not change. The old words are still kept in the history.",
    )
    keep_other_pins = forms.BooleanField(
        required=False, label="Keep the other pinned updates pinned",
        help_text="Pinning this update unpins the story's other pinned updates, unless you tick this.",
    )
    publication = forms.ChoiceField(label="Readers see it", widget=forms.RadioSelect)
    publish_at = forms.SplitDateTimeField(
        label="At", required=False, widget=StoryTimeWidget,
        help_text="For “At a set time”: a future time schedules it; a past one backdates it.",
    )

    class Meta:
        model = Update
        exclude = ["status", "published_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_publication()
        author = self.fields.get("author")
        if author is not None and self.desk_user is not None:
            # Whom this user may credit, and whoever the update already names.
            allowed = permissions.possible_authors(self.desk_user)
            if self.instance.author_id:
                allowed = allowed | get_user_model().objects.filter(pk=self.instance.author_id)
            author.queryset = allowed.distinct()

    def init_publication(self):
        """One choice for status and time, worded for where the update is now."""
        instance, choice = self.instance, publishing.PublishingChoice
        live = instance.pk is not None and instance.is_published()
        self.fields["publication"].choices = [
            (choice.DRAFT, "Draft: take it off the site" if live else "Draft: only the desk sees it"),
            (choice.NOW, f"Published {format_moment(instance.published_at, 'minute', instance.desk_tzinfo)}"
             if live else "Publish now"),
            (choice.AT, "At a set time"),
        ]
        current, at = publishing.publishing_choice_of(instance)
        # The time already set, so "At a set time" starts from it.
        self.fields["publication"].initial, self.fields["publish_at"].initial = current, at or instance.published_at
        if self.desk_user is not None and not permissions.can_publish(self.desk_user, instance):
            for name in ("publication", "publish_at"):
                self.fields[name].disabled = True
            self.fields["publication"].help_text = "Only an editor can publish, schedule or unpublish."

    def clean(self):
        if "publication" in self.cleaned_data:
            try:
                publishing.apply_publishing_choice(
                    self.instance, choice=self.cleaned_data["publication"], at=self.cleaned_data.get("publish_at"),
                )
            except ValidationError as invalid:
                self.add_error("publish_at", invalid)
        cleaned = super().clean()
        story = cleaned.get("story") or (self.instance.story if self.instance.story_id else None)
        if story is not None:
            for name in ("claims", "events"):
                strays = [str(o) for o in cleaned.get(name) or [] if o.story_id != story.pk]
                if strays:
                    self.add_error(name, f"These belong to another story: {'; '.join(strays)}.")
        return cleaned

    def check_change(self, before, after) -> None:
        publishing.check_unpinning(update=after, before=before, user=self.desk_user,
                                   keep_other_pins=bool(self.cleaned_data.get("keep_other_pins")))
        if before is None or not publishing.is_correction(before, after):
            return
        if self.cleaned_data.get("minor_fix"):
            return
        note = (self.cleaned_data.get("correction_note") or "").strip()
        if not note or note == publishing.CORRECTION_PREFIX.strip():
            raise ValidationError(
                "You changed the words of a published update: say what the earlier version said in the "
                "correction note (readers see it), or tick “Minor fix” for spelling and formatting."
            )

    def desk_save_kwargs(self) -> dict:
        before = self.locked_current
        kwargs = {"keep_other_pins": bool(self.cleaned_data.get("keep_other_pins"))}
        if before is None or not publishing.is_correction(before, self.instance):
            return kwargs
        if self.cleaned_data.get("minor_fix"):
            return {**kwargs, "minor_fix": True}
        return {**kwargs, "correction_note": self.cleaned_data["correction_note"]}


def child_form(form_class: type[forms.ModelForm], user) -> type[forms.ModelForm]:
    """`form_class` refusing, as a form error, a row whose parent `user` may not change
    (`permissions.check_child_change`): a reporter adding a citation to a published claim, say."""

    class ChildForm(form_class):
        def _post_clean(self):
            super()._post_clean()
            before = type(self.instance).objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
            try:
                permissions.check_child_change(user=user, before=before, after=self.instance)
            except PermissionDenied as refused:
                self.add_error(None, str(refused))
            except ValidationError as invalid:
                self.add_error(None, invalid)

    ChildForm.__name__ = form_class.__name__
    return ChildForm


class CitationForm(forms.ModelForm):
    """A citation whose words are picked from the source text, so the offsets are the source's own."""

    class Meta:
        model = Citation
        fields = ["source", "claim", "event", "excerpt", "start", "end", "relation"]
        widgets = {
            "excerpt": forms.Textarea(attrs={
                "rows": 3, "class": "desk-span-excerpt", "data-text-url": reverse_lazy("admin:stories_citation_source_text", args=[0]),
            }),
            "start": forms.NumberInput(attrs={"class": "desk-span-start", "readonly": False}),
            "end": forms.NumberInput(attrs={"class": "desk-span-end"}),
        }
        help_texts = {
            "excerpt": "Select the words in the source text below; the excerpt and its offsets fill in.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A user who may only view the citation gets a form without these fields.
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].required = False
        if "excerpt" in self.fields:
            self.fields["excerpt"].strip = False
        if "source" in self.fields:
            self.fields["source"].queryset = Source.objects.defer("text")

    def clean_excerpt(self):
        # Browsers send a textarea's line breaks as CRLF; source texts are stored with LF.
        return self.cleaned_data["excerpt"].replace("\r\n", "\n")

    def clean(self):
        cleaned = super().clean()
        source, excerpt = cleaned.get("source"), cleaned.get("excerpt")
        if not source or not excerpt:
            return cleaned
        text = Source.objects.values_list("text", flat=True).get(pk=source.pk)
        try:
            cleaned["start"], cleaned["end"] = locate_excerpt(
                text, excerpt, cleaned.get("start"), cleaned.get("end"), source_name=str(source)
            )
        except ValueError as problem:
            self.add_error("excerpt", str(problem))
        return cleaned


# --- Forms for desk actions --------------------------------------------------------------------


class QuickUpdateForm(forms.Form):
    """Post an update from the story desk in one step: its words, a pin, and whether it goes out now."""

    headline = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"class": "vTextField"}))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    is_pinned = forms.BooleanField(required=False, label="Pin it")
    publish_now = forms.BooleanField(
        required=False, initial=True, label="Publish now",
        help_text="Unticked, it is saved as a draft for the desk to finish.",
    )


class VerificationForm(forms.Form):
    note = forms.CharField(
        label="Note readers see", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why: replaces each claim's note under its status, and is kept in its status history.",
        error_messages={"required": "Write the note readers see under the new status: it replaces the old one."},
    )
    prompted_by_source = forms.ModelChoiceField(Source.objects.defer("text"), required=False)
    prompted_by_update = forms.ModelChoiceField(Update.objects.select_related("story"), required=False)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("prompted_by_source", "prompted_by_update"):
            searched(self.fields[name], ClaimStatusChange._meta.get_field(name), admin_site)


class MergeActorsForm(forms.Form):
    survivor = forms.ModelChoiceField(
        Actor.objects.none(), widget=forms.RadioSelect, empty_label=None,
        help_text="The actor that stays. The others' claims, events, mentions and aliases move to it.",
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = actors


class AcceptCandidateForm(forms.Form):
    """One candidate claim in the review queue, every field an editor may correct before accepting."""

    selected = forms.BooleanField(required=False, label="Select")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 70}), label="Words")
    claimant = forms.ModelChoiceField(Actor.objects.all(), required=False, label="Speaker")
    new_speaker = forms.CharField(
        max_length=200, required=False, label="or a new actor",
        help_text="Someone no actor stands for yet: the actor is created with this name.",
    )
    claimant_description = forms.CharField(max_length=200, required=False, label="Speaker as described")
    kind = forms.ChoiceField(choices=ClaimKind.choices)
    verification_status = forms.ChoiceField(
        choices=[c for c in VerificationStatus.choices if c[0] != VerificationStatus.UNREVIEWED],
        initial=VerificationStatus.UNVERIFIED,
    )
    verification_note = forms.CharField(
        required=False, label="Note readers see", widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        help_text="Why it has this status; needed for any status but Unverified.",
    )
    story = forms.ModelChoiceField(Story.objects.all(), required=False)
    stat_value = forms.DecimalField(max_digits=20, decimal_places=4, required=False, label="Figure")
    stat_value_high = forms.DecimalField(max_digits=20, decimal_places=4, required=False, label="to")
    stat_unit = forms.CharField(max_length=50, required=False, label="Unit")
    stat_measure = forms.CharField(max_length=200, required=False, label="Measure")
    stat_period = forms.CharField(max_length=100, required=False, label="Period")
    publish_now = forms.BooleanField(
        required=False, initial=False, label="Publish now",
        help_text="Unticked, the claim is accepted as a draft to finish on its own page.",
    )

    figure_fields = ("stat_value", "stat_value_high", "stat_unit", "stat_measure", "stat_period")

    def __init__(self, *args, candidate: Claim, admin_site=None, **kwargs):
        kwargs.setdefault("prefix", f"c{candidate.pk}")
        kwargs.setdefault("initial", {
            "text": candidate.text, "claimant": candidate.claimant_id,
            "claimant_description": candidate.claimant_description, "kind": candidate.kind,
            "story": candidate.story_id,
            **{name: getattr(candidate, name) for name in self.figure_fields},
        })
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if admin_site is not None:
            searched(self.fields["claimant"], Claim._meta.get_field("claimant"), admin_site)
        if candidate.story_id:
            self.fields["story"].required = False
            self.fields["story"].widget = forms.HiddenInput()
        if candidate.kind != ClaimKind.STATISTIC:
            for name in self.figure_fields:
                self.fields[name].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("story") is None and self.candidate.story_id is None:
            self.add_error("story", "Choose the story this claim belongs to.")
        if cleaned.get("kind") == ClaimKind.STATISTIC and cleaned.get("stat_value") is None:
            self.add_error("kind", "A statistic needs a value: give the figure, or accept it as another kind.")
        low, high = cleaned.get("stat_value"), cleaned.get("stat_value_high")
        if low is not None and high is not None and high < low:
            self.add_error("stat_value_high", "The top of the range is below its bottom.")
        if cleaned.get("claimant") and (cleaned.get("new_speaker") or "").strip():
            self.add_error("new_speaker", "Choose an actor or name a new one, not both.")
        status = cleaned.get("verification_status")
        if status and status != VerificationStatus.UNVERIFIED and not (cleaned.get("verification_note") or "").strip():
            self.add_error("verification_note", "Write the note readers see under this status.")
        return cleaned

    def accept_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"], "verification_status": data["verification_status"], "claimant": data["claimant"],
            "claimant_description": data["claimant_description"], "new_speaker": data["new_speaker"],
            "story": data["story"], "text": data["text"], "note": data["verification_note"],
            "figure": {name: data[name] for name in self.figure_fields} if data["kind"] == ClaimKind.STATISTIC else {},
        }


class AcceptCandidateEventForm(forms.Form):
    """One dated sentence proposed as an event: its title and story, before accepting it."""

    selected = forms.BooleanField(required=False, label="Select")
    title = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 70}))
    story = forms.ModelChoiceField(Story.objects.all(), required=False)
    publish_now = forms.BooleanField(required=False, initial=False, label="Publish now")

    def __init__(self, *args, candidate, **kwargs):
        kwargs.setdefault("prefix", f"e{candidate.pk}")
        kwargs.setdefault("initial", {"title": candidate.title, "story": candidate.story_id})
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if candidate.story_id:
            self.fields["story"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("story") is None and self.candidate.story_id is None:
            self.add_error("story", "Choose the story this event belongs to.")
        return cleaned


class ConfirmCitationForm(forms.Form):
    """Words of a new source that repeat a known claim: how they bear on it, before citing them."""

    selected = forms.BooleanField(required=False, label="Select")
    relation = forms.ChoiceField(
        choices=[c for c in CitationRelation.choices if c[0] != CitationRelation.CONTRADICTS],
        initial=CitationRelation.REPORTS,
        help_text="Supports only if this source is independent evidence, not a copy of the first report.",
    )

    def __init__(self, *args, candidate, **kwargs):
        kwargs.setdefault("prefix", f"p{candidate.pk}")
        super().__init__(*args, **kwargs)
        self.candidate = candidate
