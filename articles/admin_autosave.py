"""The article form's autosave and presence endpoints, beside the article admin (static/js/admin-autosave.js
talks to them).

    GET  autosave/?article=ID   the user's unsaved form of the article and who else is editing it;
                                without `article`, the newest new article the user left unsaved
    POST autosave/              a report: {"article": ID or null, "form": token, "base_version": N,
                                "fields": [[name, value], …]}; without "fields" a heartbeat only
    POST autosave/discard/      {"article": ID or null, "form": token}: the unsaved form is thrown away

A live article's update form (articles/live_desk.py) is kept the same way at its own address,
`<article id>/live/autosave/` (and `discard/`), as a form named after the article; who may post on the
article may keep their update there.

Each answers JSON, and a clear 4xx JSON message to anything malformed, too large, or asked by someone
who may not change the article (the admin's own rule, `has_change_permission`). The admin site's view
wrapper makes them staff-only and checks the CSRF token.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils import timezone

from articles import autosave
from articles.models import Article


class AutosaveViews:
    def __init__(self, model_admin):
        self.model_admin = model_admin

    def urls(self):
        wrap = self.model_admin.admin_site.admin_view
        return [
            path("autosave/", wrap(self.report), name="articles_article_autosave"),
            path("autosave/discard/", wrap(self.discard), name="articles_article_autosave_discard"),
        ]

    def report(self, request):
        return _answer(self._report, request)

    def discard(self, request):
        return _answer(self._discard, request)

    def _report(self, request):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method == "GET":
            article = self._article(request, _article_id_in_query(request))
            return {
                "draft": autosave.unsaved_draft(request.user, article),
                "others": autosave.others_editing(request.user, article),
            }
        report = autosave.read_report(_body(request))
        article = self._article(request, report.article_id)
        now = timezone.now()
        autosave.report_in(request.user, article, report, now)
        return {
            "kept_at": autosave.clock_label(now) if report.fields is not None else None,
            "others": autosave.others_editing(request.user, article, now),
        }

    def _discard(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = autosave.read_report(_body(request))
        article = self._article(request, report.article_id)
        autosave.discard(request.user, article, report.form_token)
        return {"discarded": True}

    def _article(self, request, article_id):
        """The article the form edits (None for a new one), if the user may change it."""
        if article_id is None:
            if not self.model_admin.has_add_permission(request):
                raise PermissionDenied
            return None
        # What the permission rule reads, not the body.
        article = Article.objects.only("status", "created_by").filter(pk=article_id).first()
        if article is None:
            raise Http404
        if not self.model_admin.has_change_permission(request, article):
            raise PermissionDenied
        return article


class LiveUpdateAutosaveViews:
    """The autosave of a live article's update form. `article_for_posting(request, article_id)` is the
    live desk's own check: the article, if the user may post on it, else PermissionDenied or Http404."""

    def __init__(self, article_for_posting):
        self.article_for_posting = article_for_posting

    def report(self, request, article_id):
        return _answer(lambda request: self._report(request, article_id), request)

    def discard(self, request, article_id):
        return _answer(lambda request: self._discard(request, article_id), request)

    def _report(self, request, article_id):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        article = self.article_for_posting(request, article_id)
        if request.method == "GET":
            return {"draft": autosave.unsaved_live_update(request.user, article), "others": []}
        report = self._checked_report(request, article)
        now = timezone.now()
        autosave.report_in(request.user, None, report, now)
        return {"kept_at": autosave.clock_label(now) if report.fields is not None else None, "others": []}

    def _discard(self, request, article_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.article_for_posting(request, article_id)
        self._checked_report(request, article)
        autosave.discard(request.user, None, autosave.live_update_form_token(article))
        return {"discarded": True}

    @staticmethod
    def _checked_report(request, article):
        report = autosave.read_report(_body(request))
        if report.article_id is not None or report.form_token != autosave.live_update_form_token(article):
            raise ValidationError("This address keeps only the update form of this live article.")
        return report


def _answer(view, request):
    try:
        result = view(request)
    except ValidationError as error:
        status = 413 if error.code == "too_large" else 400
        return JsonResponse({"error": " ".join(error.messages)}, status=status)
    except PermissionDenied:
        return JsonResponse({"error": "You may not change this article."}, status=403)
    except Http404:
        return JsonResponse({"error": "No such article."}, status=404)
    if not isinstance(result, dict):
        return result
    return JsonResponse(result)


def _article_id_in_query(request):
    value = request.GET.get("article", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**31:
        raise ValidationError("“article” must be a positive whole number.")
    return int(value)


def _body(request):
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > autosave.MAX_REPORT_BYTES:
        raise ValidationError("The form is too large to keep.", code="too_large")
    return request.body
