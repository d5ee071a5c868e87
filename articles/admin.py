"""The editors' and reporters' admin."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from reversion.admin import VersionAdmin
from taggit.admin import TagAdmin, TaggedItemInline
from taggit.forms import TagWidget
from taggit.models import Tag

from articles import autosave, image_library, permissions, revisions
from articles.admin_autosave import AutosaveViews
from articles.admin_columns import clipped, short_time
from articles.admin_takedown import TakedownAdminMixin
from articles.desk_admin import DeskAdminMixin
from articles.html import sanitize_body
from articles.live_desk import LiveDeskAdminMixin, live_desk_url
from articles.models import (
    SEARCH_ONLY_FIELDS,
    WORDS_READ_PER_MINUTE,
    AdSlot,
    Article,
    Author,
    Byline,
    Correction,
    EditConflict,
    Image,
    Section,
)
from articles.preview import preview_url
from newsroom import uploads
from newsroom.admin_hardening import (
    HardenedChangeList,
    HardenedInlineMixin,
    HardenedModelAdmin,
    HardenedStackedInline,
    HardenedTabularInline,
)


@admin.register(Section)
class SectionAdmin(HardenedModelAdmin):
    list_display = ["name", "parent", "position", "show_in_navigation", "show_in_footer"]
    list_editable = ["position", "show_in_navigation", "show_in_footer"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Author)
class AuthorAdmin(HardenedModelAdmin):
    list_display = ["name", "is_organization", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.ImageField: {"form_class": uploads.ImageUploadField}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A plain list of staff accounts: searching users would need a permission on the user admin, which
        # editors do not have.
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HardenedTaggedItemInline(HardenedInlineMixin, TaggedItemInline):
    pass


# django-taggit's own tag admin, registered again on the hardened base.
class HardenedTagAdmin(HardenedModelAdmin, TagAdmin):
    inlines = [HardenedTaggedItemInline]


admin.site.unregister(Tag)
admin.site.register(Tag, HardenedTagAdmin)


class ImageAdminForm(forms.ModelForm):
    """A browser never sends a chosen file again with a form that was sent back, so after any other error
    the file input is empty. Holding the upload on the server until the form is fixed would mean keeping
    files nobody has accepted yet, tying them to a session and sweeping up the abandoned ones; the form is
    short, so it says plainly on the file field that the file must be chosen again."""

    class Meta:
        model = Image
        fields = "__all__"  # noqa: DJ007 - the admin's fields choose which fields the form shows

    def full_clean(self):
        super().full_clean()
        upload = self.files.get(self.add_prefix("file"))
        if upload and self.errors and "file" not in self.errors:
            self.add_error(
                "file",
                f"“{upload.name}” was not saved because of the other errors on this form: "
                "choose the file again before saving.",
            )


class ObjectRulesMixin:
    """Changing or deleting one object is decided by its rule in articles/permissions.py; the model
    permissions of the user's role decide the rest (lists, adding)."""

    change_rule = delete_rule = None

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return self.change_rule(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return self.delete_rule(request.user, obj)


@admin.register(Image)
class ImageAdmin(ObjectRulesMixin, HardenedModelAdmin):
    change_rule = staticmethod(permissions.can_change_image)
    delete_rule = staticmethod(permissions.can_delete_image)
    form = ImageAdminForm
    list_display = ["thumbnail", "alt_text", "credit", "width", "height", "uploaded_by", "uploaded_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "width", "height", "uploaded_by"]
    fields = ["file", "thumbnail", "alt_text", "caption", "credit", "width", "height", "uploaded_by"]
    formfield_overrides = {models.ImageField: {"form_class": uploads.ImageUploadField}}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        library = path("library/", self.admin_site.admin_view(self.library_view), name="articles_image_library")
        return [library, *super().get_urls()]

    def library_view(self, request):
        """The body editor's image picker: GET searches the library, POST uploads into it."""
        if request.method == "POST":
            if not self.has_add_permission(request):
                raise PermissionDenied
            return image_library.upload(request)
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return image_library.search(request)

    @admin.display(description="Preview")
    def thumbnail(self, image):
        if not image.pk or not image.file:
            return "—"
        small = image.rendition(320)
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" style="max-width:120px;height:auto">',
            small["url"],
            small["width"],
            small["height"],
        )


class BylineInline(HardenedTabularInline):
    model = Byline
    extra = 0
    min_num = 1
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    verbose_name = "author"
    verbose_name_plural = "Byline (in order)"


class CorrectionInline(HardenedStackedInline):
    model = Correction
    extra = 0
    fields = ["kind", "text", "published_at"]


class ArticleAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    is_update = forms.BooleanField(
        required=False,
        label="Show readers this edit as an update",
        help_text="Changes the public “Updated” time. Leave unticked for silent fixes such as typos.",
    )

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose which fields the form shows
        # taggit's widget writes the tags back as the comma-separated text it reads.
        widgets = {"tags": TagWidget(attrs={"class": "vTextField js-tag-input", "autocomplete": "off"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if user is not None and "body" in self.fields:
            self.fields["body"].widget.attrs.update(image_library.picker_attributes(user))
        if user is not None and not permissions.can_publish(user) and "status" in self.fields:
            self.fields["status"].choices = [
                choice for choice in self.fields["status"].choices if choice[0] != Article.Status.PUBLISHED
            ]

    def clean_tags(self):
        """A tag's page is addressed by its slug: a name with no letter or digit would have none."""
        names = self.cleaned_data["tags"]
        longest = Tag._meta.get_field("name").max_length
        if any(len(name) > longest for name in names):
            raise forms.ValidationError(f"A tag may have at most {longest} characters.")
        unaddressable = [name for name in names if not Tag(name=name).slugify(name)]
        if unaddressable:
            listed = ", ".join(f"“{name}”" for name in unaddressable)
            raise forms.ValidationError(f"A tag needs at least one letter or digit: {listed}.")
        return names

    def clean(self):
        cleaned = super().clean()
        if self.user is not None:
            refusal = permissions.publication_change_refusal(
                self.user,
                self.instance,
                status=cleaned.get("status"),
                publish_at=cleaned.get("publish_at"),
                priority=cleaned.get("priority"),
                # Read-only for reporters, so absent from their form: the stored embargo stays.
                embargo_until=cleaned.get("embargo_until", self.instance.embargo_until),
            )
            if refusal:
                raise forms.ValidationError(refusal)
        if self.instance.pk:
            try:
                self.instance.lock_for_edit(cleaned.get("expected_version"))
            except EditConflict as conflict:
                self.conflict = conflict
                raise forms.ValidationError(str(conflict), code="edit_conflict") from None
        return cleaned


# What only editors decide about an article (articles/permissions.py), beside its status, and the
# unseen inputs that carry it through a reporter's form.
EDITOR_ONLY_WIDGETS = {"publish_at": forms.SplitHiddenDateTimeWidget, "priority": forms.HiddenInput}


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Published and live"),
            ("embargoed", "Embargoed"),
            ("taken_down", "Taken down"),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("draft", "review"):
            return queryset.filter(status=self.value())
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "live":
            return queryset.published()
        if self.value() == "embargoed":
            return queryset.filter(embargo_until__gt=timezone.now())
        if self.value() == "taken_down":
            return queryset.taken_down()
        return queryset


class ArticleChangeList(HardenedChangeList):
    def get_results(self, request):
        # The list shows a few short columns: reading 50 bodies and search
        # vectors for it would cost more than the rest of the page.
        self.queryset = self.queryset.defer("body", *SEARCH_ONLY_FIELDS)
        super().get_results(request)
        autosave.attach_editors(self.result_list, request.user)


@admin.register(Article)
class ArticleAdmin(
    LiveDeskAdminMixin, DeskAdminMixin, ObjectRulesMixin, TakedownAdminMixin, HardenedModelAdmin, VersionAdmin
):
    change_rule = staticmethod(permissions.can_edit)
    delete_rule = staticmethod(permissions.can_delete)
    form = ArticleAdminForm
    list_display = [
        "headline_cell",
        "status_label",
        "section_cell",
        "byline",
        "publish_time",
        "saved_time",
    ]
    # Every author is offered: narrowing the list to authors with articles
    # would read every byline of the archive on each page of the list.
    list_filter = [StatusFilter, "section", "authors", "publish_at", "priority"]
    list_select_related = ["section__parent"]
    list_per_page = 50
    search_fields = ["headline", "slug"]
    search_help_text = "Search headlines and slugs."
    date_hierarchy = "publish_at"
    show_full_result_count = False
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "hero_image", "related_articles"]
    inlines = [BylineInline, CorrectionInline]
    object_history_template = revisions.HISTORY_TEMPLATE
    actions = ["publish_now", "unpublish"]
    readonly_fields = [
        "reader_visibility",
        "body_length",
        "rendered_body",
        "preview_link",
        "revision_history",
        "timestamps",
        "live_desk_link",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["headline", "alternative_headline", "slug", "section", "standfirst", "body", "body_length"]},
        ),
        ("Image", {"fields": ["hero_image", "hero_caption"]}),
        ("Tags and related", {"fields": ["tags", "related_articles"]}),
        (
            "Live coverage",
            {
                "fields": ["live_from", "live_until", "key_points", "live_desk_link"],
                "description": "A start of coverage makes this a live article: its page shows its key points "
                "(written here once the article is saved as live) and the updates posted from its live desk.",
            },
        ),
        (
            "Publishing",
            {
                "fields": [
                    "reader_visibility",
                    "status",
                    "publish_at",
                    "embargo_until",
                    "priority",
                    "comments_enabled",
                    "is_update",
                    "expected_version",
                    "preview_link",
                    "timestamps",
                ]
            },
        ),
        ("History", {"fields": ["revision_history"], "classes": ["collapse"]}),
    ]

    class Media:
        js = [
            "js/admin-tags.js",
            "js/admin-autosave.js",
            "js/admin-word-count.js",
            "js/admin-image-picker.js",
            "js/admin-accessible-names.js",
        ]
        css = {"all": ["css/admin-autosave.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bylines__author")

    def get_fieldsets(self, request, obj=None):
        # A reporter never marks a public update: they cannot edit a published article.
        hidden = set() if permissions.can_publish(request.user) else {"is_update"}
        # Key points head a live article's page only; an ordinary article's form stays one editor lighter.
        if not (obj and obj.is_live_coverage):
            hidden.add("key_points")
        # Who may only read an article reads its body as readers will, not its markup.
        shown_instead = {"body": "rendered_body"} if obj and not self.has_change_permission(request, obj) else {}
        return [
            (
                name,
                {
                    **options,
                    "fields": [shown_instead.get(field, field) for field in options["fields"] if field not in hidden],
                },
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def view_on_site(self, article):
        # Until readers can see it, an article's address answers 404: its preview shows it instead.
        return article.get_absolute_url() if article.is_published else preview_url(article)

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_form(self, request, obj=None, **kwargs):
        if not permissions.can_publish(request.user):
            # Reporters see no control for what only editors decide; the fields stay in the form, unseen,
            # so that a crafted value still meets the refusal of articles/permissions.py.
            kwargs["widgets"] = {**EDITOR_ONLY_WIDGETS, **kwargs.get("widgets", {})}
        form_class = super().get_form(request, obj, **kwargs)

        class FormForUser(form_class):
            def __init__(self, *args, **inner_kwargs):
                super().__init__(*args, user=request.user, **inner_kwargs)

        return FormForUser

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.modified_by = request.user
        if form.cleaned_data.get("is_update") and obj.is_published:
            obj.mark_updated()
        super().save_model(request, obj, form, change)
        autosave.forget_saved_form(request.user, obj, request.POST.get("autosave_form", ""))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not article.bylines.exists():
            profile = Author.objects.filter(user=request.user).first()
            if profile:
                Byline.objects.create(article=article, author=profile)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore an earlier revision: an edit of the article as it is now, allowed to whoever may edit it now."""
        current = self.get_object(request, unquote(object_id))
        if current is None or not permissions.can_restore(request.user, current):
            raise PermissionDenied
        # Reversion finds the version by its object's id alone: a byline's or a tag link's version with the
        # same number would restore the revision of another article.
        get_object_or_404(revisions.article_versions(current), pk=version_id)
        request.article_before_restore = current
        return super().revision_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404
        if not permissions.can_view_history(request.user, article):
            raise PermissionDenied
        entries = revisions.history_entries(
            article,
            revisions.article_versions(article),
            can_restore=permissions.can_restore(request.user, article),
        )
        context = {"revision_entries": entries, "compare_pick_url": revisions.pick_url(article)}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        current = getattr(request, "article_before_restore", None)
        if current is not None:
            # Reversion has just written the revision's row back, inside the transaction of this request.
            revisions.keep_on_restore(current)
        response = super().changeform_view(request, object_id, form_url, extra_context)
        form = getattr(response, "context_data", {}).get("adminform")
        conflict = getattr(form.form, "conflict", None) if form else None
        if conflict is not None:
            revisions.file_refused_edit(form.form.instance, request.user)
        return response

    @admin.display(description="Headline", ordering="headline")
    def headline_cell(self, article):
        # Who else has the article open, under its headline: a column of its own would take the headline's width.
        return format_html(
            "{}{}{}", clipped(article.headline), self.live_desk_row_link(article), self.editing_now(article)
        )

    @staticmethod
    def live_desk_row_link(article):
        if not article.is_live_coverage:
            return ""
        return format_html(
            '<a class="live-desk-link" href="{}" aria-label="Live desk: {}">Live desk</a>',
            live_desk_url(article),
            article.headline,
        )

    @admin.display(description="Live desk")
    def live_desk_link(self, article):
        if not article.pk or not article.is_live_coverage:
            return "Give a start of coverage and save the article to open its live desk."
        return format_html(
            '<a href="{}">Open the live desk</a> to post, correct and publish updates ({} so far).',
            live_desk_url(article),
            article.live_updates.count(),
        )

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        return article.public_status

    @staticmethod
    def editing_now(article):
        return format_html_join(
            "",
            '<span class="editing-now">{} is editing (since {})</span>',
            ((session.editor_name, session.since_label) for session in article.editors_now),
        )

    @admin.display(description="Section", ordering="section__name")
    def section_cell(self, article):
        # A subsection's own name tells more than its parent's in a narrow column; the tooltip has both.
        return format_html('<span class="cell-clip" title="{}">{}</span>', article.section, article.section.name)

    @admin.display(description="Authors")
    def byline(self, article):
        return clipped(", ".join(author.name for author in article.byline_authors))

    @admin.display(description="Publish at", ordering="publish_at")
    def publish_time(self, article):
        return short_time(article.publish_at)

    @admin.display(description="Saved", ordering="modified_at")
    def saved_time(self, article):
        return short_time(article.modified_at)

    @admin.display(description="Length")
    def body_length(self, article):
        # The figure the page opens with; js/admin-word-count.js recounts it as the body is typed.
        return format_html(
            # Read when asked for, not announced at every keystroke.
            '<output class="body-length" data-words-per-minute="{}" aria-live="off">{}</output>',
            WORDS_READ_PER_MINUTE,
            article.length_summary,
        )

    @admin.display(description="Body")
    def rendered_body(self, article):
        # Sanitised again on the way out, as every stored body was on its way in.
        return format_html('<div class="rendered-body">{}</div>', mark_safe(sanitize_body(article.body)))

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to get a preview link."
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">Preview as readers will see it</a>'
            '<div class="help">Anyone with this link can see the draft for the next {1} days.</div>',
            preview_url(article),
            settings.PREVIEW_LINK_MAX_AGE // 86400,
        )

    @admin.display(description="Times")
    def timestamps(self, article):
        if not article.pk:
            return "—"
        rows = [
            ("First published", article.first_published_at),
            ("Last public update", article.updated_at),
            ("Last saved", article.modified_at),
        ]
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (label, timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—")
                for label, value in rows
            ),
        )

    @admin.display(description="Revisions")
    def revision_history(self, article):
        return revisions.recent_revisions_html(article) if article.pk else "—"

    def get_urls(self):
        def admin_path(route, view, name):
            return path(route, self.admin_site.admin_view(view), name=name)

        extra = [
            admin_path("<int:article_id>/compare/", self.compare_pick_view, "articles_article_compare_pick"),
            admin_path("<int:article_id>/compare/<int:version_id>/", self.compare_view, "articles_article_compare"),
            admin_path(
                "<int:article_id>/compare/<int:older_id>/<int:newer_id>/",
                self.compare_revisions_view,
                "articles_article_compare_revisions",
            ),
            admin_path("tag-suggestions/", self.tag_suggestions, "articles_tag_suggestions"),
            *AutosaveViews(self).urls(),
        ]
        return extra + super().get_urls()

    def article_with_history(self, request, article_id):
        article = get_object_or_404(Article, pk=article_id)
        if not permissions.can_view_history(request.user, article):
            raise PermissionDenied
        return article

    def compare_page(self, request, context):
        page = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        return TemplateResponse(request, revisions.COMPARE_TEMPLATE, page)

    def compare_view(self, request, article_id, version_id):
        """A revision against the current article: what restoring it would change, and what it keeps."""
        article = self.article_with_history(request, article_id)
        version = get_object_or_404(revisions.article_versions(article), pk=version_id)
        can_restore = permissions.can_restore(request.user, article)
        return self.compare_page(request, revisions.restore_preview_context(article, version, can_restore=can_restore))

    def compare_revisions_view(self, request, article_id, older_id, newer_id):
        article = self.article_with_history(request, article_id)
        versions = revisions.article_versions(article).in_bulk([older_id, newer_id])
        if older_id not in versions or newer_id not in versions:
            raise Http404
        return self.compare_page(
            request, revisions.revisions_compared_context(article, versions[older_id], versions[newer_id])
        )

    def compare_pick_view(self, request, article_id):
        """The history page's choice of two revisions (or one and the current article), sent to its page."""
        article = self.article_with_history(request, article_id)
        target = revisions.picked_compare_url(article, request.GET.get("older", ""), request.GET.get("newer", ""))
        if target is None:
            return HttpResponseBadRequest("Choose two different revisions of this article to compare.")
        return HttpResponseRedirect(target)

    def tag_suggestions(self, request):
        # Tags of unpublished articles can give a story away: only those who may see articles get them.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = request.GET.get("q", "").strip()[:100].replace("\x00", "")
        names = (
            list(Tag.objects.filter(name__icontains=term).order_by("name").values_list("name", flat=True)[:15])
            if term
            else []
        )
        return JsonResponse({"tags": names})

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_now(self, request, queryset):
        count = 0
        for article in queryset.exclude(status=Article.Status.PUBLISHED):
            article.status = Article.Status.PUBLISHED
            article.publish_at = (
                article.publish_at if article.publish_at and article.publish_at > timezone.now() else timezone.now()
            )
            article.modified_by = request.user
            revisions.save_with_revision(article, request.user, "Published from the article list")
            count += 1
        self.message_user(request, f"{count} article(s) published or scheduled.", messages.SUCCESS)

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Article.Status.PUBLISHED):
            article.status = Article.Status.DRAFT
            article.modified_by = request.user
            revisions.save_with_revision(article, request.user, "Unpublished from the article list")
            count += 1
        self.message_user(request, f"{count} article(s) unpublished.", messages.SUCCESS)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)


@admin.register(AdSlot)
class AdSlotAdmin(HardenedModelAdmin):
    list_display = ["name", "placement", "is_active", "starts_at", "ends_at", "max_per_article", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active", "placement"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "placement", "position"]}),
        (
            "Creative",
            {
                "fields": ["image", "image_alt", "link_url", "html"],
                "description": "Either an image with its link, or markup. Every ad is labelled “Advertisement”.",
            },
        ),
        ("Schedule", {"fields": ["is_active", "starts_at", "ends_at", "max_per_article"]}),
    ]
