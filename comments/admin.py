"""The moderators' queue, the blocklist, and the comment count on the editors' article list."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from articles.admin import ArticleAdmin
from articles.admin_columns import clipped, short_time
from articles.models import Article
from comments.forms import LARGEST_ID
from comments.models import BlockedSender, Comment
from newsroom.admin_hardening import HardenedModelAdmin

Status = Comment.Status
MODERATION_BUTTONS = {"_approve": Status.APPROVED, "_reject": Status.REJECTED, "_spam": Status.SPAM}
BLOCK_BUTTONS = {"_block_email": BlockedSender.Kind.EMAIL, "_block_ip": BlockedSender.Kind.IP}


def can_moderate(user):
    return user.has_perm("comments.moderate_comment")


class StaffReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        max_length=Comment._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="Published at once under the comment, marked as a reply from the newsroom's staff.",
    )


def comment_count(count, done):
    """“2 comments approved”, “1 comment rejected”."""
    return f"{count} comment{'' if count == 1 else 's'} {done}"


# What a moderation says it did, by the status it gave.
DONE = {Status.APPROVED: "approved", Status.REJECTED: "rejected", Status.SPAM: "marked as spam"}


class QueueFilter(admin.SimpleListFilter):
    """The queue opens on the comments awaiting moderation; every other status, and all of them, a click
    away. Named as the status field's own filter was, so that links to `?status__exact=pending` still work."""

    title = "status"
    parameter_name = "status__exact"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Status.choices, (self.ALL, "All comments")]

    def value(self):
        return super().value() or Status.PENDING

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        if self.value() not in Status.values:
            raise IncorrectLookupParameters(f"No comment status is called {self.value()!r}.")
        return queryset.filter(status=self.value())


@admin.register(Comment)
class CommentAdmin(HardenedModelAdmin):
    list_display = ["excerpt", "status", "held_because", "article_cell", "commenter", "posted"]
    list_display_links = ["excerpt"]
    list_filter = [QueueFilter, "is_staff_reply", "created_at"]
    list_per_page = 50
    search_fields = ["text", "author_name", "author_email", "=ip_address", "article__headline"]
    search_help_text = "Search the text, the commenter's name or email, an exact IP address, or the article's headline."
    show_full_result_count = False
    actions = ["approve", "reject", "mark_as_spam", "block_emails", "block_ip_addresses"]
    fields = [
        "status",
        "held_because",
        "article_link",
        "in_reply_to",
        "author_name",
        "author_email",
        "author_url",
        "text",
        "is_staff_reply",
        "ip_address",
        "user_agent",
        "created_at",
        "moderation",
    ]
    readonly_fields = [
        "status",
        "held_because",
        "article_link",
        "in_reply_to",
        "author_email",
        "is_staff_reply",
        "ip_address",
        "user_agent",
        "created_at",
        "moderation",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article__section", "parent")

    def get_ordering(self, request):
        # The queue's order: pending comments first, newest first within each group.
        pending_first = Case(When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        return [pending_first.asc(), "-created_at", "-id"]

    def has_add_permission(self, request):
        # Comments come from readers; staff answer through "Reply as staff".
        return False

    def has_moderate_permission(self, request):
        return can_moderate(request.user)

    # Columns and read-only fields ------------------------------------------

    def get_list_display(self, request):
        # A queue of one status does not repeat it on every row.
        if request.GET.get(QueueFilter.parameter_name, Status.PENDING) == QueueFilter.ALL:
            return self.list_display
        return [column for column in self.list_display if column != "status"]

    @admin.display(description="Comment")
    def excerpt(self, comment):
        return Truncator(" ".join(comment.text.split())).chars(200) or "(empty)"

    @admin.display(description="From", ordering="author_email")
    def commenter(self, comment):
        # Name, email and IP address one above the other: a moderator sees all three without a wide table.
        return format_html_join(
            "", "{}", ((clipped(line),) for line in (comment.author_name, comment.author_email, comment.ip_address))
        )

    @admin.display(description="Posted", ordering="created_at")
    def posted(self, comment):
        return short_time(comment.created_at)

    @admin.display(description="Article", ordering="article__headline")
    def article_cell(self, comment):
        return clipped(comment.article.headline)

    @admin.display(description="Why held")
    def held_because(self, comment):
        return format_html_join("", "<div>{}</div>", ((reason,) for reason in comment.hold_reasons)) or "—"

    @admin.display(description="Article")
    def article_link(self, comment):
        return format_html('<a href="{}">{}</a>', comment.article.get_absolute_url(), comment.article.headline)

    @admin.display(description="In reply to")
    def in_reply_to(self, comment):
        if comment.parent is None:
            return "—"
        parent = comment.parent
        return format_html(
            '<a href="{}">{}</a>: “{}” ({})',
            parent.get_admin_url(),
            parent.author_name,
            Truncator(parent.text).chars(200),
            parent.get_status_display(),
        )

    @admin.display(description="Moderated")
    def moderation(self, comment):
        if comment.moderated_at is None:
            return "Not yet"
        when = timezone.localtime(comment.moderated_at).strftime("%Y-%m-%d %H:%M")
        return f"{when} by {comment.moderated_by or 'a deleted account'}"

    # One comment at a time: buttons on its page -----------------------------

    def save_model(self, request, obj, form, change):
        button = next((name for name in MODERATION_BUTTONS if name in request.POST), None)
        if button and can_moderate(request.user):
            obj.status = MODERATION_BUTTONS[button]
            obj.moderated_by = request.user
            obj.moderated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        button = next((name for name in BLOCK_BUTTONS if name in request.POST), None)
        if button and can_moderate(request.user):
            self.block(request, [obj], BLOCK_BUTTONS[button])
            return HttpResponseRedirect(request.path)
        button = next((name for name in MODERATION_BUTTONS if name in request.POST), None)
        if button and can_moderate(request.user):
            # Back to the queue, saying what was done rather than Django's "was changed successfully".
            self.message_user(request, comment_count(1, DONE[obj.status]) + ".", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:comments_comment_changelist"))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_moderate"] = can_moderate(request.user)
        if obj is not None:
            context["staff_reply_url"] = reverse("admin:comments_comment_staff_reply", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Many at a time: list actions -------------------------------------------

    @admin.action(description="Approve selected comments", permissions=["moderate"])
    def approve(self, request, queryset):
        self.moderate(request, queryset, Status.APPROVED)

    @admin.action(description="Reject selected comments", permissions=["moderate"])
    def reject(self, request, queryset):
        self.moderate(request, queryset, Status.REJECTED)

    @admin.action(description="Mark selected comments as spam", permissions=["moderate"])
    def mark_as_spam(self, request, queryset):
        self.moderate(request, queryset, Status.SPAM)

    @admin.action(description="Block the email addresses of selected comments", permissions=["moderate"])
    def block_emails(self, request, queryset):
        self.block(request, queryset, BlockedSender.Kind.EMAIL)

    @admin.action(description="Block the IP addresses of selected comments", permissions=["moderate"])
    def block_ip_addresses(self, request, queryset):
        self.block(request, queryset, BlockedSender.Kind.IP)

    def moderate(self, request, queryset, status):
        # Saved one by one so that each change reaches the page cache's invalidation.
        with transaction.atomic():
            comments = list(queryset.exclude(status=status))
            for comment in comments:
                comment.moderate(status, request.user)
        self.message_user(request, comment_count(len(comments), DONE[status]) + ".", messages.SUCCESS)

    def block(self, request, comments, kind):
        values = set()
        for comment in comments:
            value = comment.author_email if kind == BlockedSender.Kind.EMAIL else comment.ip_address
            if value:
                values.add((value.lower(), comment.pk))
        created = 0
        for value, comment_id in sorted(values):
            try:
                with transaction.atomic():
                    _, is_new = BlockedSender.objects.get_or_create(
                        kind=kind,
                        value=value,
                        defaults={"reason": f"Blocked from comment #{comment_id}", "created_by": request.user},
                    )
            except IntegrityError:  # another moderator blocked it at the same moment
                is_new = False
            created += is_new
        what = "email address" if kind == BlockedSender.Kind.EMAIL else "IP address"
        already = len(values) - created
        self.message_user(
            request,
            f"{created} {what}{'' if created == 1 else 'es'} blocked"
            + (f"; {already} already {'was' if already == 1 else 'were'}" if already else "")
            + ". Their next comments go straight to spam.",
            messages.SUCCESS,
        )

    # Reply as staff -----------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:comment_id>/reply/",
                self.admin_site.admin_view(self.staff_reply_view),
                name="comments_comment_staff_reply",
            ),
            *super().get_urls(),
        ]

    def staff_reply_view(self, request, comment_id):
        if not can_moderate(request.user):
            raise PermissionDenied
        if comment_id > LARGEST_ID:
            raise Http404("No such comment.")
        parent = get_object_or_404(Comment.objects.select_related("article__section"), pk=comment_id)
        form = StaffReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            was_held = parent.status != Status.APPROVED
            reply = self.publish_staff_reply(request.user, parent, form.cleaned_data["text"])
            also = " The comment you answered is now approved too." if was_held else ""
            self.message_user(request, "Your reply is published." + also, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:comments_comment_change", args=[reply.pk]))
        return TemplateResponse(
            request,
            "admin/comments/comment/staff_reply.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Reply to {parent.author_name}",
                "parent": parent,
                "form": form,
            },
        )

    @staticmethod
    def publish_staff_reply(user, parent, text):
        """A staff answer is public at once; answering a held comment publishes it too."""
        now = timezone.now()
        with transaction.atomic():
            if parent.status != Status.APPROVED:
                parent.moderate(Status.APPROVED, user)
            return Comment.objects.create(
                article=parent.article,
                parent=parent,
                author_name=user.get_full_name() or user.get_username(),
                author_email=user.email.lower(),
                text=text.strip(),
                status=Status.APPROVED,
                is_staff_reply=True,
                user=user,
                moderated_by=user,
                moderated_at=now,
            )


@admin.register(BlockedSender)
class BlockedSenderAdmin(HardenedModelAdmin):
    list_display = ["value", "kind", "reason", "created_at", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["created_by"]
    search_fields = ["value", "reason"]
    fields = ["kind", "value", "reason"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ArticleWithCommentCountAdmin(ArticleAdmin):
    """The editors' article list, with each article's approved comments counted in the same query."""

    list_display = [*ArticleAdmin.list_display, "approved_comments"]

    def get_queryset(self, request):
        approved = (
            Comment.objects.approved()
            .filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(approved_comment_total=Coalesce(Subquery(approved, output_field=IntegerField()), 0))
        )

    @admin.display(description="Comments", ordering="approved_comment_total")
    def approved_comments(self, article):
        return article.approved_comment_total


admin.site.unregister(Article)
admin.site.register(Article, ArticleWithCommentCountAdmin)
