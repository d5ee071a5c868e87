"""The editors' side of live coverage: the article form's coverage fields, the live desk's posting,
review, correction and deletion under each role's rights, and the update form's autosave."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import autosave, demo, permissions
from articles.autosave import EditSession
from articles.demo.live import seed_live_story
from articles.live import LiveUpdate
from articles.models import Article, Author, Byline
from tests.admin_forms import read_form, with_changes
from tests.articles.public_site import make_image

BODY = "<p>The harbour master has closed the outer breakwater to walkers until the tide turns.</p>"


def desk_url(article):
    return reverse("admin:articles_article_live", args=[article.pk])


def correct_url(update):
    return reverse("admin:articles_article_live_correct", args=[update.article_id, update.pk])


def publish_url(update):
    return reverse("admin:articles_article_live_publish", args=[update.article_id, update.pk])


def delete_url(update):
    return reverse("admin:articles_article_live_delete", args=[update.article_id, update.pk])


def autosave_url(article):
    return reverse("admin:articles_article_live_autosave", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def live_article(make_article):
    return make_article(
        headline="Storm Nerys reaches the coast", live_from=timezone.now() - timezone.timedelta(hours=2)
    )


@pytest.fixture
def reporters_live_article(make_article, reporter):
    """A published live story with the reporter in its byline."""
    return make_article(
        headline="Count continues in the mayoral race",
        live_from=timezone.now() - timezone.timedelta(hours=1),
        authors=[reporter.author_profile],
    )


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


def make_update(article, user, status=LiveUpdate.Status.PUBLISHED, **fields):
    return LiveUpdate.objects.create(article=article, created_by=user, status=status, body=BODY, **fields)


# The rules ----------------------------------------------------------------------------------------------


class TestRules:
    def test_editors_post_on_any_live_article_and_reporters_only_on_their_own(
        self, editor, reporter, live_article, reporters_live_article
    ):
        assert permissions.can_post_live_update(editor, live_article)
        assert permissions.can_post_live_update(reporter, reporters_live_article)
        assert not permissions.can_post_live_update(reporter, live_article)

    def test_a_reporter_who_created_the_article_may_post_without_a_byline(self, reporter, live_article):
        Article.objects.filter(pk=live_article.pk).update(created_by=reporter)
        live_article.refresh_from_db()
        assert permissions.can_post_live_update(reporter, live_article)

    def test_nobody_posts_on_an_article_that_is_not_live(self, editor, make_article):
        assert not permissions.can_post_live_update(editor, make_article())

    def test_a_moderator_posts_nowhere(self, moderator, live_article):
        assert not permissions.can_post_live_update(moderator, live_article)

    def test_reporters_correct_and_delete_their_own_until_published_editors_any(
        self, editor, reporter, reporters_live_article
    ):
        held = make_update(reporters_live_article, reporter, status=LiveUpdate.Status.REVIEW)
        published = make_update(reporters_live_article, reporter)
        colleagues = make_update(reporters_live_article, editor, status=LiveUpdate.Status.REVIEW)
        assert permissions.can_correct_live_update(reporter, held)
        assert permissions.can_delete_live_update(reporter, held)
        for update in (published, colleagues):
            assert not permissions.can_correct_live_update(reporter, update)
            assert not permissions.can_delete_live_update(reporter, update)
        for update in (held, published, colleagues):
            assert permissions.can_correct_live_update(editor, update)
            assert permissions.can_delete_live_update(editor, update)
        assert permissions.can_publish_live_update(editor)
        assert not permissions.can_publish_live_update(reporter)

    def test_the_roles_carry_the_update_permissions(self, editor, reporter):
        for user in (editor, reporter):
            for action in ("add", "change", "view", "delete"):
                assert user.has_perm(f"articles.{action}_liveupdate")
        assert Permission.objects.filter(group__name="Moderators", codename__endswith="liveupdate").count() == 0


# The article form's coverage fields ---------------------------------------------------------------------


class TestCoverageFields:
    def test_an_editor_switches_an_article_to_live_coverage(self, editor_client, make_article):
        article = make_article()
        response = editor_client.get(change_url(article))
        assert "Live coverage" in response.content.decode()
        form = read_form(response, "article_form")
        now = timezone.localtime()
        assert "key_points" not in form
        data = with_changes(form, live_from_0=now.strftime("%Y-%m-%d"), live_from_1=now.strftime("%H:%M:%S"))
        assert editor_client.post(change_url(article), data).status_code == 302
        article.refresh_from_db()
        assert article.is_live_coverage

        response = editor_client.get(change_url(article))
        assert desk_url(article) in response.content.decode()
        data = with_changes(read_form(response), key_points="<ul><li>Winds of 120 km/h on the coast</li></ul>")
        assert editor_client.post(change_url(article), data).status_code == 302
        article.refresh_from_db()
        assert "120 km/h" in article.key_points

    def test_a_reporter_makes_their_own_draft_live_but_not_a_colleagues_article(
        self, reporter_client, reporter, make_article
    ):
        own = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
        form = read_form(reporter_client.get(change_url(own)), "article_form")
        data = with_changes(form, live_from_0="2026-11-30", live_from_1="10:00:00")
        assert reporter_client.post(change_url(own), data).status_code == 302
        own.refresh_from_db()
        assert own.is_live_coverage
        colleagues = make_article(status=Article.Status.DRAFT, publish_at=None)
        data = {**data, "headline": colleagues.headline}
        assert reporter_client.post(change_url(colleagues), data).status_code == 403
        colleagues.refresh_from_db()
        assert colleagues.live_from is None

    def test_an_end_before_the_start_is_refused_and_nothing_changes(self, editor_client, make_article):
        article = make_article()
        form = read_form(editor_client.get(change_url(article)), "article_form")
        data = with_changes(
            form, live_from_0="2026-11-30", live_from_1="10:00:00", live_until_0="2026-11-30", live_until_1="09:00:00"
        )
        response = editor_client.post(change_url(article), data)
        assert response.status_code == 200
        assert "The coverage must end after it starts." in response.content.decode()
        article.refresh_from_db()
        assert article.live_from is None

    def test_the_article_list_links_a_live_article_to_its_desk(self, editor_client, live_article, make_article):
        other = make_article()
        page = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
        assert desk_url(live_article) in page
        assert desk_url(other) not in page


# Access --------------------------------------------------------------------------------------------------


def test_anonymous_visitors_and_moderators_reach_no_page_of_the_live_desk(client, moderator, editor, live_article):
    update = make_update(live_article, editor, status=LiveUpdate.Status.REVIEW)
    urls = [desk_url(live_article), correct_url(update), delete_url(update), autosave_url(live_article)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    client.force_login(moderator)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(publish_url(update)).status_code == 403
    assert client.post(desk_url(live_article), {"body": BODY}).status_code == 403
    update.refresh_from_db()
    assert update.status == LiveUpdate.Status.REVIEW and LiveUpdate.objects.count() == 1


# Posting ------------------------------------------------------------------------------------------------


class TestPosting:
    def test_an_editors_update_is_published_at_once(self, editor_client, editor, live_article):
        Author.objects.create(name="Eddie Editor", slug="eddie-editor", user=editor)
        form = read_form(editor_client.get(desk_url(live_article)), "live-update-form")
        data = with_changes(form, body=BODY, headline="Breakwater closed", key_event="on")
        response = editor_client.post(desk_url(live_article), data, follow=True)
        update = LiveUpdate.objects.get()
        assert update.is_published and update.key_event and not update.pinned
        assert (update.headline, update.author.name, update.created_by) == ("Breakwater closed", "Eddie Editor", editor)
        assert "Update posted." in response.content.decode()
        assert "Breakwater closed" in response.content.decode()

    def test_a_reporters_update_waits_for_review_and_an_editor_publishes_it(
        self, reporter_client, client, editor, reporters_live_article
    ):
        response = reporter_client.post(desk_url(reporters_live_article), {"body": BODY}, follow=True)
        update = LiveUpdate.objects.get()
        assert update.status == LiveUpdate.Status.REVIEW
        assert update.author.name == "Rita Reporter"
        page = response.content.decode()
        assert "Update sent for review" in page
        assert publish_url(update) not in page
        assert reporter_client.post(publish_url(update)).status_code == 403
        update.refresh_from_db()
        assert update.status == LiveUpdate.Status.REVIEW

        client.force_login(editor)
        written_at = update.published_at
        page = client.get(desk_url(reporters_live_article)).content.decode()
        assert publish_url(update) in page
        assert "1 update from reporters waits for you to publish it below." in page
        response = client.post(publish_url(update), follow=True)
        assert "Update published." in response.content.decode()
        update.refresh_from_db()
        assert update.is_published and update.published_at > written_at

    def test_a_reporter_may_not_post_on_a_colleagues_live_article(self, reporter_client, live_article):
        assert reporter_client.get(desk_url(live_article)).status_code == 403
        assert reporter_client.post(desk_url(live_article), {"body": BODY}).status_code == 403
        assert not LiveUpdate.objects.exists()

    def test_an_article_that_is_not_live_has_no_desk(self, editor_client, make_article):
        assert editor_client.get(desk_url(make_article())).status_code == 404

    def test_an_empty_update_is_refused_with_a_400(self, editor_client, live_article):
        response = editor_client.post(desk_url(live_article), {"body": "<p> </p>", "headline": "Only a headline"})
        assert response.status_code == 400
        assert "Write the update before posting it." in response.content.decode()
        assert not LiveUpdate.objects.exists()

    def test_an_unknown_image_is_refused_with_a_400(self, editor_client, live_article):
        response = editor_client.post(desk_url(live_article), {"body": BODY, "image": "999999"})
        assert response.status_code == 400
        assert not LiveUpdate.objects.exists()

    def test_the_body_is_sanitised(self, editor_client, live_article):
        editor_client.post(desk_url(live_article), {"body": BODY + '<script>alert(1)</script><p onclick="x">Hi</p>'})
        body = LiveUpdate.objects.get().body
        assert "<script" not in body and "onclick" not in body and "Hi" in body

    def test_an_image_from_the_library_goes_with_the_update(self, editor_client, live_article, media_root):
        image = make_image(alt_text="Waves over the harbour wall")
        editor_client.post(desk_url(live_article), {"body": BODY, "image": str(image.pk), "pinned": "on"})
        update = LiveUpdate.objects.get()
        assert update.image == image and update.pinned
        assert "Waves over the harbour wall" in editor_client.get(desk_url(live_article)).content.decode()

    def test_the_desk_lists_updates_newest_first_with_their_flags(self, editor_client, editor, live_article):
        now = timezone.now()
        make_update(live_article, editor, headline="Older", published_at=now - timezone.timedelta(minutes=5))
        make_update(live_article, editor, headline="Newer", pinned=True, published_at=now)
        page = editor_client.get(desk_url(live_article)).content.decode()
        assert page.index("Newer") < page.index("Older")
        assert "Pinned" in page

    def test_the_desks_queries_do_not_grow_with_the_updates(self, editor_client, editor, live_article, media_root):
        make_update(live_article, editor, image=make_image("first"))
        editor_client.get(desk_url(live_article))
        with CaptureQueriesContext(connection) as few:
            editor_client.get(desk_url(live_article))
        for number in range(10):
            author = Author.objects.create(name=f"Author {number}", slug=f"author-{number}")
            make_update(live_article, editor, author=author, image=make_image(f"image-{number}"))
        with CaptureQueriesContext(connection) as many:
            editor_client.get(desk_url(live_article))
        assert len(many) == len(few)


# Correcting and deleting --------------------------------------------------------------------------------


class TestCorrectAndDelete:
    def test_correcting_a_published_update_marks_it_updated(self, editor_client, editor, live_article):
        update = make_update(live_article, editor)
        form = read_form(editor_client.get(correct_url(update)), "live-update-form")
        fixed = "<p>The harbour master has closed the inner breakwater to walkers until the tide turns.</p>"
        response = editor_client.post(correct_url(update), with_changes(form, body=fixed), follow=True)
        assert "Update corrected." in response.content.decode()
        update.refresh_from_db()
        assert "inner breakwater" in update.body
        assert update.was_corrected
        assert "Updated " in response.content.decode()

    def test_saving_an_update_unchanged_does_not_mark_it_updated(self, editor_client, editor, live_article):
        update = make_update(live_article, editor)
        form = read_form(editor_client.get(correct_url(update)), "live-update-form")
        editor_client.post(correct_url(update), with_changes(form))
        update.refresh_from_db()
        assert not update.was_corrected

    def test_a_reporter_corrects_their_held_update_but_not_a_published_one(
        self, reporter_client, reporter, reporters_live_article
    ):
        held = make_update(reporters_live_article, reporter, status=LiveUpdate.Status.REVIEW)
        published = make_update(reporters_live_article, reporter)
        response = reporter_client.post(correct_url(held), {"body": "<p>Count resumes at nine.</p>"})
        assert response.status_code == 302
        held.refresh_from_db()
        assert "nine" in held.body and not held.was_corrected
        assert reporter_client.get(correct_url(published)).status_code == 403
        assert reporter_client.post(correct_url(published), {"body": "<p>Changed.</p>"}).status_code == 403
        published.refresh_from_db()
        assert published.body == BODY

    def test_delete_asks_first_then_deletes(self, editor_client, editor, live_article):
        update = make_update(live_article, editor, headline="Wrong figure")
        page = editor_client.get(delete_url(update)).content.decode()
        assert "Delete this update?" in page and "Wrong figure" in page
        assert LiveUpdate.objects.exists()
        response = editor_client.post(delete_url(update), follow=True)
        assert "Update deleted." in response.content.decode()
        assert not LiveUpdate.objects.exists()

    def test_a_reporter_may_not_delete_a_published_or_a_colleagues_update(
        self, reporter_client, editor, reporter, reporters_live_article
    ):
        published = make_update(reporters_live_article, reporter)
        colleagues = make_update(reporters_live_article, editor, status=LiveUpdate.Status.REVIEW)
        for update in (published, colleagues):
            assert reporter_client.post(delete_url(update)).status_code == 403
        assert LiveUpdate.objects.count() == 2

    def test_an_update_of_another_article_is_not_found_through_this_one(
        self, editor_client, editor, live_article, make_article
    ):
        other = make_article(live_from=timezone.now())
        update = make_update(other, editor)
        wrong = reverse("admin:articles_article_live_delete", args=[live_article.pk, update.pk])
        assert editor_client.post(wrong).status_code == 404
        assert LiveUpdate.objects.filter(pk=update.pk).exists()

    def test_publish_answers_post_only(self, editor_client, editor, live_article):
        update = make_update(live_article, editor, status=LiveUpdate.Status.REVIEW)
        assert editor_client.get(publish_url(update)).status_code == 405
        update.refresh_from_db()
        assert update.status == LiveUpdate.Status.REVIEW


# Autosave ------------------------------------------------------------------------------------------------


def post_report(client, live_article, **report):
    return client.post(autosave_url(live_article), json.dumps(report), content_type="application/json")


class TestAutosave:
    def test_a_half_typed_update_is_kept_and_offered_back_until_it_is_posted(self, editor_client, live_article):
        token = autosave.live_update_form_token(live_article)
        fields = [["body", "<p>Half a sentence about the</p>"], ["headline", ""]]
        response = post_report(editor_client, live_article, article=None, form=token, fields=fields)
        assert response.status_code == 200 and response.json()["kept_at"]
        draft = editor_client.get(autosave_url(live_article)).json()["draft"]
        assert draft["fields"] == fields and draft["form"] == token
        editor_client.post(desk_url(live_article), {"body": BODY})
        assert editor_client.get(autosave_url(live_article)).json()["draft"] is None
        assert not EditSession.objects.exists()

    def test_the_kept_update_is_not_offered_to_the_new_article_form(self, editor_client, live_article):
        token = autosave.live_update_form_token(live_article)
        post_report(editor_client, live_article, article=None, form=token, fields=[["body", "<p>Typed</p>"]])
        answer = editor_client.get("/admin/articles/article/autosave/").json()
        assert answer["draft"] is None

    def test_another_forms_token_or_an_article_is_refused(self, editor_client, live_article):
        fields = [["body", "<p>Typed</p>"]]
        assert post_report(editor_client, live_article, form="x" * 20, fields=fields).status_code == 400
        token = autosave.live_update_form_token(live_article)
        wrong = post_report(editor_client, live_article, article=live_article.pk, form=token, fields=fields)
        assert wrong.status_code == 400
        assert not EditSession.objects.exists()

    def test_who_may_not_post_may_not_keep_an_update(self, reporter_client, live_article):
        token = autosave.live_update_form_token(live_article)
        response = post_report(reporter_client, live_article, form=token, fields=[["body", "<p>Typed</p>"]])
        assert response.status_code == 403
        assert reporter_client.get(autosave_url(live_article)).status_code == 403
        assert not EditSession.objects.exists()

    def test_discard_throws_the_kept_update_away(self, editor_client, live_article):
        token = autosave.live_update_form_token(live_article)
        post_report(editor_client, live_article, form=token, fields=[["body", "<p>Typed</p>"]])
        discard = reverse("admin:articles_article_live_autosave_discard", args=[live_article.pk])
        response = editor_client.post(discard, json.dumps({"form": token}), content_type="application/json")
        assert response.status_code == 200
        assert editor_client.get(autosave_url(live_article)).json()["draft"] is None


def test_the_byline_makes_a_reporter_one_of_the_story(reporter, live_article):
    Byline.objects.create(article=live_article, author=reporter.author_profile, position=1)
    assert permissions.can_post_live_update(reporter, live_article)


# The demo --------------------------------------------------------------------------------------------------


def test_the_demo_has_one_running_live_story_with_its_updates_once(db, media_root):
    sections, authors = demo.seed_sections(), demo.seed_authors()
    demo.seed_staff(authors)
    story = seed_live_story(sections, authors, picture=demo._png)
    assert seed_live_story(sections, authors, picture=demo._png) is None
    assert story.coverage_is_running and story.coverage_badge == "Live" and "<li>" in story.key_points
    updates = story.live_updates.published()
    assert updates.count() == 12
    assert (updates.pinned().count(), updates.key_events().count()) == (1, 3)
    assert updates.filter(image__isnull=False).count() == 1
    assert all(update.author and update.created_by for update in updates.select_related("author", "created_by"))
