"""The live desk: the admin page where editors and reporters post a live article's updates as events
unfold, and correct, publish or delete them.

Its form opens with the cursor in the text and posts with Ctrl+Enter (js/admin-live-desk.js); what is
typed is kept by the article form's autosave (articles/admin_autosave.py) until it is posted. Who may
do what is asked of articles/permissions.py: an editor's update reaches readers at once, a reporter's
waits in review until an editor publishes it.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from articles import autosave, permissions
from articles.admin_autosave import LiveUpdateAutosaveViews
from articles.html import readable_text, sanitize_body
from articles.image_library import THUMBNAIL_WIDTH, picker_attributes
from articles.live import LiveUpdate
from articles.models import Article, Author

LIVE_DESK_TEMPLATE = "admin/articles/article/live_desk.html"
CORRECT_TEMPLATE = "admin/articles/article/live_update_correct.html"
DELETE_TEMPLATE = "admin/articles/article/live_update_delete.html"
# The update form's own scripts beside its editor's: autosave and the image picker are the article form's.
DESK_MEDIA = forms.Media(
    js=["js/admin-autosave.js", "js/admin-image-picker.js", "js/admin-accessible-names.js", "js/admin-live-desk.js"],
    css={"all": ["css/admin-autosave.css", "css/admin-live-desk.css"]},
)
CORRECT_MEDIA = forms.Media(
    js=["js/admin-image-picker.js", "js/admin-accessible-names.js", "js/admin-live-desk.js"],
    css={"all": ["css/admin-live-desk.css"]},
)
# The desk lists the newest updates; older ones are a page further.
UPDATES_ON_DESK = 50


class LiveUpdateForm(forms.ModelForm):
    class Meta:
        model = LiveUpdate
        fields = ["body", "headline", "image", "pinned", "key_event"]
        labels = {"body": "Update", "headline": "Headline (optional)", "key_event": "Key event"}
        # The image is chosen in the library's picker (js/admin-image-picker.js), which fills this input.
        widgets = {"image": forms.HiddenInput}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        image_input = self.fields["image"].widget
        image_input.attrs.update({"data-image-choice": "", **picker_attributes(user)})
        chosen = self.instance.image
        if chosen is not None and chosen.file:
            image_input.attrs.update(
                {"data-image-thumbnail": chosen.rendition(THUMBNAIL_WIDTH)["url"], "data-image-alt": chosen.alt_text}
            )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not readable_text(body).strip():
            raise forms.ValidationError("Write the update before posting it.")
        return body


def post_update(form, article, user):
    """A new update of `article` by `user`: published now if they may publish, else held for review."""
    update = form.save(commit=False)
    update.article = article
    update.created_by = user
    update.author = Author.objects.filter(user=user).first()
    update.status = (
        LiveUpdate.Status.PUBLISHED if permissions.can_publish_live_update(user) else LiveUpdate.Status.REVIEW
    )
    update.published_at = timezone.now()
    update.save()
    autosave.forget_saved_form(user, None, autosave.live_update_form_token(article))
    return update


def correct_update(form):
    """Save a corrected update; readers see "Updated" on a published one."""
    update = form.save(commit=False)
    if update.status == LiveUpdate.Status.PUBLISHED:
        update.corrected_at = timezone.now()
    update.save()
    return update


def publish_update(update):
    """An update held for review joins the stream now, not when it was written."""
    update.status = LiveUpdate.Status.PUBLISHED
    update.published_at = timezone.now()
    update.save()


def desk_rows(user, updates):
    """Each update with its body as readers see it and what this user may do to it."""
    return [
        {
            "update": update,
            # Sanitised again on the way out, as every stored body was on its way in.
            "body": mark_safe(sanitize_body(update.body)),
            "may_correct": permissions.can_correct_live_update(user, update),
            "may_delete": permissions.can_delete_live_update(user, update),
            "may_publish": update.status == LiveUpdate.Status.REVIEW and permissions.can_publish_live_update(user),
        }
        for update in updates
    ]


def live_desk_url(article):
    return reverse("admin:articles_article_live", args=[article.pk])


class LiveDeskAdminMixin:
    """For the article admin: the live desk of each live article."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        autosave_views = LiveUpdateAutosaveViews(self.article_for_posting)
        return [
            path("<int:article_id>/live/", wrap(self.live_desk_view), name="articles_article_live"),
            path(
                "<int:article_id>/live/<int:update_id>/correct/",
                wrap(self.correct_update_view),
                name="articles_article_live_correct",
            ),
            path(
                "<int:article_id>/live/<int:update_id>/publish/",
                wrap(require_POST(self.publish_update_view)),
                name="articles_article_live_publish",
            ),
            path(
                "<int:article_id>/live/<int:update_id>/delete/",
                wrap(self.delete_update_view),
                name="articles_article_live_delete",
            ),
            path("<int:article_id>/live/autosave/", wrap(autosave_views.report), name="articles_article_live_autosave"),
            path(
                "<int:article_id>/live/autosave/discard/",
                wrap(autosave_views.discard),
                name="articles_article_live_autosave_discard",
            ),
            *super().get_urls(),
        ]

    def article_for_posting(self, request, article_id):
        article = get_object_or_404(Article.objects.select_related("section"), pk=article_id)
        if not article.is_live_coverage:
            raise Http404("This article is not live coverage: give it a start of coverage first.")
        if not permissions.can_post_live_update(request.user, article):
            raise PermissionDenied
        return article

    def update_of(self, article, update_id):
        return get_object_or_404(article.live_updates.select_related("image"), pk=update_id)

    def live_page(self, request, template, context, status=200):
        page = {**self.admin_site.each_context(request), "opts": self.opts, **context}
        return TemplateResponse(request, template, page, status=status)

    def live_desk_view(self, request, article_id):
        article = self.article_for_posting(request, article_id)
        form = LiveUpdateForm(user=request.user)
        if request.method == "POST":
            form = LiveUpdateForm(request.POST, user=request.user)
            if form.is_valid():
                update = post_update(form, article, request.user)
                if update.is_published:
                    messages.success(request, "Update posted.")
                else:
                    messages.success(request, "Update sent for review: an editor publishes it.")
                return redirect(live_desk_url(article))
        updates = article.live_updates.in_stream_order().for_stream()
        page = Paginator(updates, UPDATES_ON_DESK).get_page(request.GET.get("page"))
        context = {
            "title": f"Live desk: {article.headline}",
            "article": article,
            "form": form,
            "media": DESK_MEDIA + form.media,
            "rows": desk_rows(request.user, page),
            "page": page,
            "autosave_url": reverse("admin:articles_article_live_autosave", args=[article.pk]),
            "autosave_token": autosave.live_update_form_token(article),
            "posts_published": permissions.can_publish_live_update(request.user),
            "held_count": article.live_updates.filter(status=LiveUpdate.Status.REVIEW).count(),
        }
        return self.live_page(request, LIVE_DESK_TEMPLATE, context, status=400 if form.errors else 200)

    def correct_update_view(self, request, article_id, update_id):
        article = self.article_for_posting(request, article_id)
        update = self.update_of(article, update_id)
        if not permissions.can_correct_live_update(request.user, update):
            raise PermissionDenied
        form = LiveUpdateForm(instance=update, user=request.user)
        if request.method == "POST":
            form = LiveUpdateForm(request.POST, instance=update, user=request.user)
            if form.is_valid():
                if form.has_changed():
                    correct_update(form)
                    messages.success(request, "Update corrected." if update.is_published else "Update saved.")
                else:
                    messages.info(request, "Nothing was changed.")
                return redirect(live_desk_url(article))
        context = {
            "title": "Correct an update",
            "article": article,
            "update": update,
            "form": form,
            "media": CORRECT_MEDIA + form.media,
        }
        return self.live_page(request, CORRECT_TEMPLATE, context, status=400 if form.errors else 200)

    def publish_update_view(self, request, article_id, update_id):
        article = self.article_for_posting(request, article_id)
        update = self.update_of(article, update_id)
        if not permissions.can_publish_live_update(request.user):
            raise PermissionDenied
        if update.status == LiveUpdate.Status.PUBLISHED:
            messages.info(request, "That update was already published.")
        else:
            publish_update(update)
            messages.success(request, "Update published.")
        return redirect(live_desk_url(article))

    def delete_update_view(self, request, article_id, update_id):
        article = self.article_for_posting(request, article_id)
        update = self.update_of(article, update_id)
        if not permissions.can_delete_live_update(request.user, update):
            raise PermissionDenied
        if request.method == "POST":
            update.delete()
            messages.success(request, "Update deleted.")
            return redirect(live_desk_url(article))
        context = {"title": "Delete an update", "article": article, "update": update}
        return self.live_page(request, DELETE_TEMPLATE, context)
