"""The article admin's embargo and takedown screens: what readers can see of an article, shown on its form,
and the pages where an editor takes it down (giving the reason) or undoes that. The rules are in
articles/takedown.py and articles/permissions.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from articles import permissions, takedown
from articles.models import Article

TAKEDOWN_TEMPLATE = "admin/articles/article/takedown.html"
LONGEST_REASON = 2000


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _name(user):
    return (user.get_full_name() or user.get_username()) if user else "someone"


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the takedown",
        max_length=LONGEST_REASON,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="Kept in the article’s history. Readers are told only that the story was removed for legal reasons.",
        error_messages={"required": takedown.NO_REASON},
    )

    def clean_reason(self):
        try:
            return takedown.cleaned_reason(self.cleaned_data["reason"])
        except takedown.TakedownRefused as refused:
            raise forms.ValidationError(str(refused)) from None


class TakedownAdminMixin:
    """For ArticleAdmin: the "Readers" line of the form, the embargo field for editors only, and the
    takedown button and pages for editors."""

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj), "takedown_controls"]
        if permissions.can_publish(request.user):
            return fields
        return [*fields, "embargo_until"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not permissions.can_take_down(request.user):
            return fieldsets
        if obj.status != Article.Status.PUBLISHED and not obj.is_taken_down:
            return fieldsets
        return [*fieldsets, ("Takedown", {"fields": ["takedown_controls"]})]

    @staticmethod
    @admin.display(description="Readers")
    def reader_visibility(article):
        """What readers can see of the article now."""
        if article.pk and article.is_taken_down:
            return format_html(
                '<strong class="reader-notice">Taken down on {} by {}</strong>: its address answers “410 Gone”.'
                "<br>Reason: {}",
                _when(article.taken_down_at),
                _name(article.taken_down_by),
                article.takedown_reason,
            )
        if article.pk and article.is_embargoed:
            return format_html(
                '<strong class="reader-notice">{}</strong>: readers see nothing of it before then, '
                "even once it is published.",
                article.embargo_notice,
            )
        if article.pk and article.is_published:
            return "Readers can see it."
        if article.pk and article.is_scheduled:
            return f"Scheduled for {_when(article.publish_at)}."
        return "Nothing until it is published."

    @staticmethod
    @admin.display(description="Legal")
    def takedown_controls(article):
        """Shown to editors only (get_fieldsets), on a published or taken-down article."""
        if article.is_taken_down:
            return format_html(
                '<a class="button" href="{}">Undo the takedown…</a>',
                reverse("admin:articles_article_undo_takedown", args=[article.pk]),
            )
        return format_html(
            '<a class="button" href="{}">Take down for legal reasons…</a>'
            " Removes it from the site at once; you will be asked for the reason.",
            reverse("admin:articles_article_takedown", args=[article.pk]),
        )

    def get_urls(self):
        page = require_http_methods(["GET", "HEAD", "POST"])
        takedown_urls = [
            path(
                "<int:article_id>/takedown/",
                self.admin_site.admin_view(page(self.takedown_view)),
                name="articles_article_takedown",
            ),
            path(
                "<int:article_id>/takedown/undo/",
                self.admin_site.admin_view(page(self.undo_takedown_view)),
                name="articles_article_undo_takedown",
            ),
        ]
        return takedown_urls + super().get_urls()

    @staticmethod
    def _article_for_takedown(request, article_id):
        if not permissions.can_take_down(request.user):
            raise PermissionDenied
        return get_object_or_404(Article.objects.select_related("taken_down_by"), pk=article_id)

    def _takedown_page(self, request, article, *, undo, form=None, refusal=None, status=200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "undo": undo,
            "form": form,
            "refusal": refusal,
            "taken_down_at": _when(article.taken_down_at) if article.taken_down_at else "",
            "taken_down_by": _name(article.taken_down_by),
            "title": f"{'Undo the takedown of' if undo else 'Take down'}: {article.headline}",
        }
        return TemplateResponse(request, TAKEDOWN_TEMPLATE, context, status=status)

    def takedown_view(self, request, article_id):
        article = self._article_for_takedown(request, article_id)
        if article.is_taken_down:
            return self._takedown_page(
                request, article, undo=False, refusal="This article has already been taken down.", status=409
            )
        if article.status != Article.Status.PUBLISHED:
            refusal = "Only a published article can be taken down; this one is not published."
            return self._takedown_page(request, article, undo=False, refusal=refusal, status=409)
        form = TakedownForm(request.POST if request.method == "POST" else None)
        if request.method != "POST":
            return self._takedown_page(request, article, undo=False, form=form)
        if not form.is_valid():
            return self._takedown_page(request, article, undo=False, form=form, status=400)
        try:
            takedown.take_down(article.pk, request.user, form.cleaned_data["reason"])
        except takedown.TakedownRefused as refused:
            return self._takedown_page(request, article, undo=False, refusal=str(refused), status=409)
        self.message_user(
            request, f"“{article.headline}” was taken down: its address now answers 410 Gone.", messages.SUCCESS
        )
        return redirect("admin:articles_article_change", article.pk)

    def undo_takedown_view(self, request, article_id):
        article = self._article_for_takedown(request, article_id)
        if not article.is_taken_down:
            return self._takedown_page(
                request, article, undo=True, refusal="This article is not taken down.", status=409
            )
        if request.method != "POST":
            return self._takedown_page(request, article, undo=True)
        try:
            article = takedown.undo_takedown(article.pk, request.user)
        except takedown.TakedownRefused as refused:
            return self._takedown_page(request, article, undo=True, refusal=str(refused), status=409)
        shown = "readers can see it again" if article.is_published else "it is back in its previous state"
        self.message_user(request, f"The takedown of “{article.headline}” was undone: {shown}.", messages.SUCCESS)
        return redirect("admin:articles_article_change", article.pk)
