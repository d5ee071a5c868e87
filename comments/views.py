"""Posting a comment, and the page to reply to one. The policy decides; these only carry it out."""

from urllib.parse import urlencode

from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from articles.models import Article
from comments import notifications, policy
from comments.forms import LARGEST_ID, CommentForm
from comments.models import Comment
from comments.threads import COMMENTS_PAGE_PARAMETER, PENDING_PARAMETER, page_showing
from comments.tokens import issue_pending_token
from newsroom.cache import mark_uncacheable
from newsroom.clients import client_ip
from newsroom.models import SiteSettings


# Article pages are cached and shared by every anonymous reader, so they can
# carry no per-reader CSRF cookie or token. Forged posts gain nothing a bot
# could not get by posting itself, and posts are checked by the signed form
# token, the honeypot, the rate limits and moderation instead. The view never
# looks at the session, so a forged post cannot act as a logged-in user.
@csrf_exempt
@require_POST
def post_comment(request):
    site = SiteSettings.current()
    article = published_article(request.POST.get("article"))
    if article is None:
        return render(
            request,
            "comments/refused.html",
            {"message": "This form does not belong to an article that takes comments."},
            status=400,
        )
    form = CommentForm(request.POST, article=article, settings=site)
    if not form.is_valid():
        return form_page(request, form, status=400)
    comment = form.unsaved_comment(ip_address=client_ip(request), user_agent=request.headers.get("User-Agent", ""))
    token = form.cleaned_data["token"]
    try:
        verdict = policy.review(comment, settings=site, form_token=token, honeypot=form.cleaned_data["phone"])
        if not verdict.refused:
            comment.status, comment.hold_reasons = verdict.status, list(verdict.reasons)
            with transaction.atomic():
                comment.save()
                landing = landing_url(comment, site)
                if comment.status == Comment.Status.PENDING:
                    notifications.notify_moderators(comment)
    except DatabaseError:
        # Nothing was stored: the reader may send this very form again.
        policy.forget_form_use(token, comment)
        raise
    if verdict.refused:
        form.add_error(None, verdict.reasons[0])
        return form_page(request, form, status=verdict.http_status)
    return HttpResponseRedirect(landing, status=303)


@require_safe
def reply_page(request, comment_id):
    """The form for answering one approved comment; a plain link, so it works without JavaScript."""
    if comment_id > LARGEST_ID:
        raise Http404("There is no comment to reply to here.")
    site = SiteSettings.current()
    parent = (
        Comment.objects.approved()
        .filter(pk=comment_id, article__in=Article.objects.published())
        .select_related("article__section")
        .first()
    )
    if parent is None or not policy.takes_replies(parent, site):
        raise Http404("There is no comment to reply to here.")
    form = CommentForm(article=parent.article, parent=parent, settings=site)
    return form_page(request, form, parent=parent)


def form_page(request, form, *, parent=None, status=200):
    article = form.target_article
    if form.is_bound:
        form.send_back()
        mark_uncacheable(request)
        parent = form.cleaned_data.get("parent")
    return render(
        request,
        "comments/form_page.html",
        {
            "article": article,
            "form": form,
            "parent": parent,
            "closed_reason": policy.closing_reason(article, form.settings),
        },
        status=status,
    )


def published_article(raw_id):
    try:
        article_id = int(raw_id)
    except (TypeError, ValueError):
        return None
    if not 0 < article_id <= LARGEST_ID:
        return None
    return Article.objects.published().select_related("section").filter(pk=article_id).first()


def landing_url(comment, site):
    """The article page at the comment: its page of the thread, and for a held comment the reader's receipt."""
    query = {}
    page = page_showing(comment, site.comments_per_page)
    if page > 1:
        query[COMMENTS_PAGE_PARAMETER] = page
    if comment.status != Comment.Status.APPROVED:
        query[PENDING_PARAMETER] = issue_pending_token(comment)
    url = comment.article.get_absolute_url()
    return f"{url}?{urlencode(query)}#comment-{comment.pk}" if query else f"{url}#comment-{comment.pk}"
