"""Hand-offs on the desk: editorial notes, submitting for review, assignments, the desk page, and
editors working the comment queue."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import desk
from articles.models import Article, Assignment, EditorialNote
from articles.preview import preview_url
from comments.models import Comment
from tests.admin_forms import read_form, with_changes

NOTE_TEXT = "Check the ferry budget figure with the harbour office before this runs"


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def add_note_url(article):
    return reverse("admin:articles_article_add_note", args=[article.pk])


def resolve_url(note):
    return reverse("admin:articles_article_resolve_note", args=[note.article_id, note.pk])


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def own_draft(make_article, reporter):
    article = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
    Article.objects.filter(pk=article.pk).update(created_by=reporter)
    article.refresh_from_db()
    return article


@pytest.fixture
def colleagues_draft(make_article):
    return make_article(status=Article.Status.DRAFT, publish_at=None)


# Notes ----------------------------------------------------------------------------------------------


class TestNotes:
    def test_a_reporter_adds_a_note_to_their_own_draft_and_sees_it_beside_the_form(self, reporter_client, own_draft):
        response = reporter_client.post(add_note_url(own_draft), {"text": NOTE_TEXT})
        assert response.status_code == 302
        assert response["Location"] == change_url(own_draft) + "#editorial-notes"
        note = EditorialNote.objects.get()
        assert (note.article, note.written_by.username, note.is_resolved) == (own_draft, "rita", False)
        page = reporter_client.get(change_url(own_draft)).content.decode()
        assert NOTE_TEXT in page
        assert timezone.localtime(note.written_at).strftime("%Y-%m-%d %H:%M") in page
        assert "Rita" in page or "rita" in page

    def test_a_reporter_may_not_note_a_colleagues_draft_nor_a_published_article(
        self, reporter_client, colleagues_draft, make_article
    ):
        for article in (colleagues_draft, make_article()):
            assert reporter_client.post(add_note_url(article), {"text": NOTE_TEXT}).status_code == 403
        assert not EditorialNote.objects.exists()

    def test_a_reporter_reads_the_notes_of_an_article_they_may_not_edit_but_gets_no_form(
        self, reporter_client, editor, colleagues_draft
    ):
        EditorialNote.objects.create(article=colleagues_draft, text=NOTE_TEXT, written_by=editor)
        page = reporter_client.get(change_url(colleagues_draft)).content.decode()
        assert NOTE_TEXT in page
        assert add_note_url(colleagues_draft) not in page
        assert "Resolve</button>" not in page

    def test_an_editor_notes_and_resolves_on_any_article(self, editor_client, make_article, reporter):
        article = make_article()
        note = EditorialNote.objects.create(article=article, text=NOTE_TEXT, written_by=reporter)
        assert editor_client.post(add_note_url(article), {"text": "Second thought"}).status_code == 302
        assert editor_client.post(resolve_url(note)).status_code == 302
        note.refresh_from_db()
        assert note.is_resolved and note.resolved_by.username == "eddie"
        page = editor_client.get(change_url(article)).content.decode()
        # Resolved notes are folded away under a summary.
        folded = page[page.index('<details class="desk-resolved">') :]
        assert "1 resolved note" in folded and NOTE_TEXT in folded

    def test_a_reporter_resolves_notes_of_their_own_draft_only(
        self, reporter_client, editor, own_draft, colleagues_draft
    ):
        mine = EditorialNote.objects.create(article=own_draft, text=NOTE_TEXT, written_by=editor)
        theirs = EditorialNote.objects.create(article=colleagues_draft, text=NOTE_TEXT, written_by=editor)
        assert reporter_client.post(resolve_url(mine)).status_code == 302
        assert reporter_client.post(resolve_url(theirs)).status_code == 403
        assert EditorialNote.objects.resolved().get() == mine

    @pytest.mark.parametrize("data", [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}])
    def test_an_empty_or_overlong_note_is_refused_with_a_400(self, editor_client, make_article, data):
        response = editor_client.post(add_note_url(make_article()), data)
        assert response.status_code == 400
        assert "The note was not added" in response.content.decode()
        assert not EditorialNote.objects.exists()

    def test_notes_change_only_by_post_and_unknown_ids_are_404(self, editor_client, make_article, editor):
        article = make_article()
        note = EditorialNote.objects.create(article=article, text=NOTE_TEXT, written_by=editor)
        assert editor_client.get(add_note_url(article)).status_code == 405
        assert editor_client.get(resolve_url(note)).status_code == 405
        assert editor_client.post(f"/admin/articles/article/{article.pk}/notes/999999/resolve/").status_code == 404
        assert editor_client.post("/admin/articles/article/999999/notes/", {"text": "x"}).status_code == 404
        other = make_article()
        assert editor_client.post(f"/admin/articles/article/{other.pk}/notes/{note.pk}/resolve/").status_code == 404
        note.refresh_from_db()
        assert not note.is_resolved

    def test_a_moderator_may_not_add_notes(self, client, moderator, make_article):
        client.force_login(moderator)
        assert client.post(add_note_url(make_article()), {"text": NOTE_TEXT}).status_code == 403

    def test_notes_never_reach_a_public_page_preview_feed_search_or_structured_data(self, client, editor, make_article):
        published = make_article(headline="Ferry budget approved", tags=["Ferries"])
        draft = make_article(headline="Ferry budget draft", status=Article.Status.DRAFT, publish_at=None)
        for article in (published, draft):
            EditorialNote.objects.create(article=article, text=NOTE_TEXT, written_by=editor)
        public = [
            published.get_absolute_url(),
            preview_url(draft),
            "/",
            published.section.get_absolute_url(),
            "/tag/ferries/",
            "/feed/",
            "/feed/atom/",
            f"{published.section.get_absolute_url()}feed/",
            "/search/?q=ferry",
            "/search/?q=harbour+office",
            "/sitemap.xml",
        ]
        for path in public:
            response = client.get(path)
            assert response.status_code == 200, path
            text = response.content.decode()
            assert NOTE_TEXT not in text, path
            assert "editorial-notes" not in text, path
        # Search finds the story by its own words, never by those of its notes.
        assert "Ferry budget approved" in client.get("/search/?q=ferry").content.decode()
        assert "Ferry budget approved" not in client.get("/search/?q=harbour+office").content.decode()
        assert "Ferry budget draft" in client.get(preview_url(draft)).content.decode()
        assert "application/ld+json" in client.get(published.get_absolute_url()).content.decode()

    def test_notes_and_assignments_leave_the_cached_pages_as_they_were(self, client, editor, make_article):
        article = make_article()
        client.get(article.get_absolute_url())
        note = EditorialNote.objects.create(article=article, text=NOTE_TEXT, written_by=editor)
        note.resolve(editor)
        Assignment.objects.create(article=article, assignee=editor, assigned_by=editor)
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
        article.save()
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "miss"


# Submitting for review --------------------------------------------------------------------------------


class TestSubmitForReview:
    def test_submitting_emails_the_editors_after_the_commit(
        self, reporter_client, own_draft, editor, django_capture_on_commit_callbacks
    ):
        form = read_form(reporter_client.get(change_url(own_draft)))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = reporter_client.post(change_url(own_draft), with_changes(form, status="review"))
            assert response.status_code == 302
            assert mail.outbox == []
        for callback in callbacks:
            callback()
        assert [message.to for message in mail.outbox] == [[editor.email]]
        message = mail.outbox[0]
        assert own_draft.headline in message.subject
        assert change_url(own_draft) in message.body
        assert reverse("admin:articles_desk") in message.body
        assert "rita" in message.body

    def test_saving_again_in_review_sends_nothing_more(
        self, reporter_client, own_draft, editor, django_capture_on_commit_callbacks
    ):
        Article.objects.filter(pk=own_draft.pk).update(status=Article.Status.REVIEW)
        form = read_form(reporter_client.get(change_url(own_draft)))
        with django_capture_on_commit_callbacks(execute=True):
            reporter_client.post(change_url(own_draft), with_changes(form, headline="A sharper headline"))
        assert mail.outbox == []

    def test_a_mail_failure_keeps_the_save(
        self, reporter_client, own_draft, editor, settings, django_capture_on_commit_callbacks
    ):
        settings.EMAIL_BACKEND = "tests.comments.test_moderation.ExplodingEmailBackend"
        form = read_form(reporter_client.get(change_url(own_draft)))
        with django_capture_on_commit_callbacks(execute=True):
            response = reporter_client.post(change_url(own_draft), with_changes(form, status="review"))
        assert response.status_code == 302
        own_draft.refresh_from_db()
        assert own_draft.status == Article.Status.REVIEW

    def test_the_header_counts_articles_in_review_for_editors(self, editor_client, reporter, make_article, own_draft):
        make_article(status=Article.Status.REVIEW, publish_at=None)
        make_article(status=Article.Status.REVIEW, publish_at=None)
        page = editor_client.get("/admin/").content.decode()
        assert f'href="{reverse("admin:articles_desk")}">2 articles in review</a>' in page
        editor_client.force_login(reporter)
        reporters_page = editor_client.get("/admin/").content.decode()
        assert "in review</a>" not in reporters_page
        assert f'href="{reverse("admin:articles_desk")}">Desk</a>' in reporters_page

    def test_the_count_is_one_query(self, django_assert_num_queries, make_article):
        make_article(status=Article.Status.REVIEW, publish_at=None)
        with django_assert_num_queries(1):
            assert desk.review_count() == 1


# Assignments --------------------------------------------------------------------------------------------


class TestAssignments:
    def test_an_editor_assigns_an_article_with_a_due_time(self, editor_client, editor, reporter, own_draft):
        form = read_form(editor_client.get(change_url(own_draft)))
        response = editor_client.post(
            change_url(own_draft),
            with_changes(
                form,
                **{
                    "assignment-0-assignee": str(reporter.pk),
                    "assignment-0-due_at_0": "2030-05-01",
                    "assignment-0-due_at_1": "17:30:00",
                },
            ),
        )
        assert response.status_code == 302
        assignment = Assignment.objects.get()
        assert (assignment.article, assignment.assignee, assignment.assigned_by) == (own_draft, reporter, editor)
        assert timezone.localtime(assignment.due_at).strftime("%Y-%m-%d %H:%M") == "2030-05-01 17:30"

    def test_a_reporter_sees_the_assignment_but_cannot_change_it(self, reporter_client, editor, reporter, own_draft):
        Assignment.objects.create(article=own_draft, assignee=reporter, assigned_by=editor)
        page = reporter_client.get(change_url(own_draft))
        form = read_form(page)
        assert "assignment-0-assignee" not in form
        posted = with_changes(form, **{"assignment-0-assignee": str(editor.pk), "assignment-0-id": "1"})
        reporter_client.post(change_url(own_draft), posted)
        assert Assignment.objects.get().assignee == reporter

    def test_a_reporter_cannot_assign_by_posting_the_fields(self, reporter_client, editor, own_draft):
        form = read_form(reporter_client.get(change_url(own_draft)))
        reporter_client.post(
            change_url(own_draft),
            with_changes(
                form,
                **{
                    "assignment-TOTAL_FORMS": "1",
                    "assignment-INITIAL_FORMS": "0",
                    "assignment-0-assignee": str(editor.pk),
                },
            ),
        )
        assert not Assignment.objects.exists()

    def test_only_active_staff_are_offered(self, editor_client, own_draft, django_user_model):
        django_user_model.objects.create_user("reader", "reader@example.org", "pw", is_staff=False)
        django_user_model.objects.create_user("gone", "gone@example.org", "pw", is_staff=True, is_active=False)
        field = editor_client.get(change_url(own_draft)).context["inline_admin_formsets"]
        choices = [
            formset.formset.forms[0].fields["assignee"].queryset
            for formset in field
            if formset.opts.model is Assignment
        ][0]
        assert set(choices.values_list("username", flat=True)) == {"eddie", "rita"}


# The desk page ------------------------------------------------------------------------------------------


@pytest.fixture
def desk_articles(make_article, editor, reporter):
    now = timezone.now()
    assigned = make_article(headline="Assigned story", status=Article.Status.DRAFT, publish_at=None)
    Assignment.objects.create(
        article=assigned, assignee=editor, due_at=now + datetime.timedelta(hours=3), assigned_by=editor
    )
    elsewhere = make_article(headline="Someone else's story", status=Article.Status.DRAFT, publish_at=None)
    Assignment.objects.create(article=elsewhere, assignee=reporter, assigned_by=editor)
    return {
        "assigned": assigned,
        "elsewhere": elsewhere,
        "review": make_article(headline="Story in review", status=Article.Status.REVIEW, publish_at=None),
        "scheduled": make_article(headline="Scheduled story", publish_at=now + datetime.timedelta(minutes=5)),
        "tomorrow": make_article(headline="Tomorrow's story", publish_at=now + datetime.timedelta(days=1, hours=1)),
        "fresh": make_article(headline="Fresh story", publish_at=now - datetime.timedelta(hours=2)),
        "old": make_article(headline="Old story", publish_at=now - datetime.timedelta(hours=30)),
    }


def titles(lists):
    return {desk_list.title: [article.headline for article in desk_list.articles] for desk_list in lists}


class TestDeskPage:
    def test_each_list_holds_what_its_title_says(self, editor, desk_articles, settings):
        now = timezone.now()
        lists = titles(desk.desk_lists(editor, now=now))
        assert lists["Assigned to me"] == ["Assigned story"]
        assert lists["In review"] == ["Story in review"]
        # "Today" is the newsroom's day: a time tomorrow is not listed.
        assert "Tomorrow's story" not in lists["Scheduled today"]
        expected_today = timezone.localdate(now) == timezone.localdate(desk_articles["scheduled"].publish_at)
        assert lists["Scheduled today"] == (["Scheduled story"] if expected_today else [])
        assert lists["Published in the last 24 hours"] == ["Fresh story"]

    def test_the_page_links_each_article(self, editor_client, desk_articles):
        page = editor_client.get(reverse("admin:articles_desk")).content.decode()
        for title in ("Assigned to me", "In review", "Scheduled today", "Published in the last 24 hours"):
            assert f">{title}</h2>" in page
        for name in ("assigned", "review", "fresh"):
            assert f'href="{change_url(desk_articles[name])}"' in page
        assert change_url(desk_articles["old"]) not in page
        assert change_url(desk_articles["elsewhere"]) not in page

    def test_a_reporter_sees_what_is_assigned_to_them(self, reporter_client, desk_articles):
        page = reporter_client.get(reverse("admin:articles_desk")).content.decode()
        assert "Someone else&#x27;s story" in page

    def test_a_moderator_may_not_open_it(self, client, moderator):
        client.force_login(moderator)
        assert client.get(reverse("admin:articles_desk")).status_code == 403

    @pytest.mark.parametrize("count", [1, 30])
    def test_the_page_costs_the_same_few_queries_however_many_articles(
        self, editor_client, editor, make_article, count, django_assert_max_num_queries
    ):
        now = timezone.now()
        for n in range(count):
            assigned = make_article(status=Article.Status.DRAFT, publish_at=None)
            Assignment.objects.create(article=assigned, assignee=editor, assigned_by=editor)
            make_article(status=Article.Status.REVIEW, publish_at=None)
            make_article(publish_at=now + datetime.timedelta(seconds=30 + n))
            make_article(publish_at=now - datetime.timedelta(minutes=10 + n))
        # Session, user and their permissions (4), the site's settings, one query per list (4) and the
        # header's two counts.
        with django_assert_max_num_queries(11):
            response = editor_client.get(reverse("admin:articles_desk"))
        assert response.status_code == 200


# Editors moderate too -----------------------------------------------------------------------------------


class TestEditorsModerate:
    @pytest.fixture
    def held(self, make_article):
        return Comment.objects.create(
            article=make_article(),
            author_name="A reader",
            author_email="reader@example.net",
            text="A question about the ferry timetable.",
            status=Comment.Status.PENDING,
            ip_address="198.51.100.20",
        )

    def test_the_roles_give_editors_the_comment_queue(self, editor):
        assert editor.has_perm("comments.moderate_comment")
        assert editor.has_perm("comments.view_comment") and editor.has_perm("comments.change_comment")

    def test_an_editor_sees_the_queue_and_its_count(self, editor_client, held):
        queue = editor_client.get(reverse("admin:comments_comment_changelist") + "?status__exact=pending")
        assert queue.status_code == 200
        assert "A question about the ferry timetable." in queue.content.decode()
        assert "1 comment awaiting moderation" in editor_client.get("/admin/").content.decode()

    @pytest.mark.parametrize("action, status", [("approve", "approved"), ("reject", "rejected")])
    def test_an_editor_approves_and_rejects(self, editor_client, held, action, status):
        response = editor_client.post(
            reverse("admin:comments_comment_changelist"),
            {"action": action, "_selected_action": [held.pk], "index": 0},
        )
        assert response.status_code == 302
        held.refresh_from_db()
        assert held.status == status

    def test_reporters_still_may_not(self, reporter_client, held):
        assert reporter_client.get(reverse("admin:comments_comment_changelist")).status_code == 403
