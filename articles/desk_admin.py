"""The desk in the admin: the desk page, an article's editorial notes and pre-publication checklist
beside its form, its assignment, and the editors' email when a story is submitted for review.

`DeskAdminMixin` gives these to the article admin; the rules are asked of articles/permissions.py,
articles/checklist.py and articles/desk.py.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from articles import desk, permissions
from articles.checklist import run_checklist
from articles.models import Article, Assignment, EditorialNote
from newsroom.admin_hardening import HardenedStackedInline

DESK_TEMPLATE = "admin/articles/desk.html"
NOTE_REFUSED_TEMPLATE = "admin/articles/article/note_refused.html"
NOTES_ANCHOR = "#editorial-notes"


def staff_name(user):
    return user.get_full_name() or user.get_username()


class DueTimeWidget(AdminSplitDateTime):
    """The admin's date and time inputs, each named for screen readers: the field's one label names
    only the first."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        date_input, time_input = self.widgets
        date_input.attrs = {**date_input.attrs, "aria-label": "Due date"}
        time_input.attrs = {**time_input.attrs, "aria-label": "Due time"}


class AssignmentInline(HardenedStackedInline):
    model = Assignment
    extra = 1
    max_num = 1
    fields = ["assignee", "due_at"]
    verbose_name = "assignment"
    verbose_name_plural = "Assigned to"
    formfield_overrides = {models.DateTimeField: {"widget": DueTimeWidget}}

    def has_add_permission(self, request, obj=None):
        return permissions.can_assign(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_assign(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_assign(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A plain list of staff accounts by name: searching users would need a permission on the user
        # admin, which editors do not have.
        if db_field.name == "assignee":
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_staff=True, is_active=True)
                .order_by("first_name", "last_name", "username")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assignee":
            field.label_from_instance = staff_name
        return field


class EditorialNoteForm(forms.ModelForm):
    class Meta:
        model = EditorialNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}
        labels = {"text": "New note"}


class DeskAdminMixin:
    """For the article admin: its desk page, notes, assignment and review notification."""

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), AssignmentInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.status == Article.Status.REVIEW and "status" in form.changed_data:
            desk.notify_editors_of_review(obj, request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is Assignment:
            for assignment_form in formset.forms:
                if assignment_form.has_changed():
                    assignment_form.instance.assigned_by = request.user
        super().save_formset(request, form, formset, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        if article is not None:
            extra_context = {**(extra_context or {}), **self.desk_panel_context(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    def desk_panel_context(self, request, article):
        notes = list(article.editorial_notes.select_related("written_by", "resolved_by"))
        return {
            "checklist": run_checklist(article),
            "open_notes": [note for note in notes if not note.is_resolved],
            "resolved_notes": [note for note in notes if note.is_resolved],
            "may_write_notes": permissions.can_write_notes(request.user, article),
            "note_form": EditorialNoteForm(),
        }

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("desk/", wrap(self.desk_view), name="articles_desk"),
            path("<int:article_id>/notes/", wrap(require_POST(self.add_note_view)), name="articles_article_add_note"),
            path(
                "<int:article_id>/notes/<int:note_id>/resolve/",
                wrap(require_POST(self.resolve_note_view)),
                name="articles_article_resolve_note",
            ),
            *super().get_urls(),
        ]

    def desk_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Desk",
            "desk_lists": desk.desk_lists(request.user),
        }
        return TemplateResponse(request, DESK_TEMPLATE, context)

    def _article_for_notes(self, request, article_id):
        article = get_object_or_404(Article, pk=article_id)
        if not permissions.can_write_notes(request.user, article):
            raise PermissionDenied
        return article

    def _back_to_notes(self, article):
        return redirect(reverse("admin:articles_article_change", args=[article.pk]) + NOTES_ANCHOR)

    def add_note_view(self, request, article_id):
        article = self._article_for_notes(request, article_id)
        form = EditorialNoteForm(request.POST, instance=EditorialNote(article=article, written_by=request.user))
        if not form.is_valid():
            context = {**self.admin_site.each_context(request), "opts": self.opts, "article": article, "form": form}
            return TemplateResponse(request, NOTE_REFUSED_TEMPLATE, context, status=400)
        form.save()
        messages.success(request, "Your note was added.")
        return self._back_to_notes(article)

    def resolve_note_view(self, request, article_id, note_id):
        article = self._article_for_notes(request, article_id)
        note = get_object_or_404(article.editorial_notes.open(), pk=note_id)
        note.resolve(request.user)
        messages.success(request, "The note was marked as resolved.")
        return self._back_to_notes(article)
