"""Nothing typed in the article form is lost, in a real Chromium: the autosave and its restore offer
after a closed tab, the warning before leaving unsaved changes, Ctrl+S, the copy kept while offline,
and who else is editing."""

import json
import os
import re

import pytest

from articles.autosave import EditSession
from articles.models import Article
from tests.browser.test_public_pages import axe_source
from tests.conftest import _staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API keeps an asyncio loop running in this thread, which Django takes for async
# code; the test's own database calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"
TYPED_HEADLINE = "Harbour reopens after the long winter repairs"
KEPT_ON_SERVER = "Unsaved changes kept on the server"


@pytest.fixture
def article(make_article):
    return make_article(
        headline="Harbour reopens", slug="harbour-reopens", body="<p>The harbour reopened on Monday.</p>"
    )


@pytest.fixture
def maria(db):
    user = _staff("maria", "Editors")
    user.first_name, user.last_name = "Maria", "Okafor"
    user.save()
    return user


def logged_in(new_page, live_server, user, width=1366):
    page = new_page(width=width)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


def open_form(page, live_server, article):
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator(".prose-editor [contenteditable=true]").wait_for()
    return page


def type_in_body(page, words):
    body = page.locator(".prose-editor [contenteditable=true]")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type(words)


def serious_violations_in(page, selector):
    """axe-core's serious and critical findings in what this feature adds to the admin's pages. The
    admin's own widgets (the editor's toolbar, the date and time inputs, the inline rows) are Django's
    and the editor's, audited where they are made."""
    page.evaluate(axe_source())
    results = page.evaluate("selector => axe.run({include: [selector]}, {resultTypes: ['violations']})", selector)
    return [
        {"rule": violation["id"], "where": [node["target"] for node in violation["nodes"]]}
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def settle(page):
    """Wait for the form's requests to end before the test reads the database itself: the test runs'
    SQLite, in memory with a shared cache, fails a read that meets a write instead of waiting for it."""
    page.wait_for_load_state("networkidle")


def look_at(page, screenshot_dir, name, locator):
    """Screenshots at both widths; what they show must fit the phone's screen."""
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        locator.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir / f"{name}-{width}.png")
        box = locator.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{name} does not fit at {width}px"
    page.set_viewport_size({"width": 1366, "height": 900})


def test_typed_changes_come_back_after_the_tab_closes(new_page, live_server, editor, article, screenshot_dir):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    page.fill("#id_headline", TYPED_HEADLINE)
    type_in_body(page, " Ferries run again from Friday.")
    page.get_by_text(KEPT_ON_SERVER).wait_for()
    page.context.close()

    article.refresh_from_db()
    assert article.headline == "Harbour reopens"
    kept_at = EditSession.objects.get(user=editor, article=article).as_draft()["saved_at_label"]

    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    offer = page.locator(".autosave-offer")
    offer.get_by_text(f"Restore your unsaved changes from {kept_at}").wait_for()
    offer.get_by_role("button", name="Compare").click()
    changes = offer.locator(".autosave-changes")
    assert "Unsaved: " + TYPED_HEADLINE in changes.inner_text()
    assert "Ferries run again from Friday." in changes.inner_text()
    look_at(page, screenshot_dir, "autosave-restore-offer", offer)
    violations = serious_violations_in(page, ".autosave-panel")
    assert violations == [], json.dumps(violations, indent=2)

    offer.get_by_role("button", name="Restore").click()
    assert page.input_value("#id_headline") == TYPED_HEADLINE
    assert "Ferries run again from Friday." in page.locator(".prose-editor [contenteditable=true]").inner_text()
    assert offer.count() == 0

    page.keyboard.press("Control+s")
    page.get_by_text("was changed successfully").wait_for()
    settle(page)
    article.refresh_from_db()
    assert article.headline == TYPED_HEADLINE
    assert "Ferries run again from Friday." in article.body
    assert page.locator(".autosave-offer").count() == 0
    assert page.console_errors == []
    assert page.outside_requests == []


def test_a_row_added_before_the_tab_closed_comes_back(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    page.locator("#corrections-group .add-row a").click()
    page.fill("#id_corrections-0-text", "An earlier version gave the wrong reopening date.")
    page.get_by_text(KEPT_ON_SERVER).wait_for()
    page.context.close()

    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    assert page.locator("#id_corrections-0-text").count() == 0
    page.locator(".autosave-offer").get_by_role("button", name="Restore").click()
    assert page.input_value("#id_corrections-0-text") == "An earlier version gave the wrong reopening date."
    page.keyboard.press("Control+s")
    page.get_by_text("was changed successfully").wait_for()
    settle(page)
    assert [correction.text for correction in article.corrections.all()] == [
        "An earlier version gave the wrong reopening date."
    ]


def test_restored_changes_never_overwrite_a_later_save(new_page, live_server, editor, maria, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    page.fill("#id_headline", TYPED_HEADLINE)
    page.get_by_text(KEPT_ON_SERVER).wait_for()
    page.context.close()
    article.headline = "Harbour reopens to ferries only"
    article.modified_by = maria
    article.save()

    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    offer = page.locator(".autosave-offer")
    offer.get_by_text("The article has been saved since these changes were made.").wait_for()
    offer.get_by_role("button", name="Restore").click()
    page.keyboard.press("Control+s")
    page.get_by_text("Maria Okafor saved this article at").wait_for()
    assert page.input_value("#id_headline") == TYPED_HEADLINE
    settle(page)
    article.refresh_from_db()
    assert article.headline == "Harbour reopens to ferries only"
    assert EditSession.objects.get(user=editor, article=article).unsaved_form is not None


def test_discarded_changes_are_not_offered_again(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    page.fill("#id_headline", TYPED_HEADLINE)
    page.get_by_text(KEPT_ON_SERVER).wait_for()
    page.context.close()

    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    page.locator(".autosave-offer").get_by_role("button", name="Discard").click()
    page.get_by_text("were discarded").wait_for()
    assert page.input_value("#id_headline") == "Harbour reopens"
    page.reload()
    page.locator(".prose-editor [contenteditable=true]").wait_for()
    settle(page)
    assert page.locator(".autosave-offer").count() == 0


def test_a_new_article_comes_back_after_the_tab_closes(new_page, live_server, editor, section):
    page = logged_in(new_page, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.fill("#id_headline", "Night buses return to the coast road")
    page.get_by_text(KEPT_ON_SERVER).wait_for()
    page.context.close()
    assert not Article.objects.filter(headline__startswith="Night buses").exists()

    page = logged_in(new_page, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator(".autosave-offer").get_by_role("button", name="Restore").click()
    assert page.input_value("#id_headline") == "Night buses return to the coast road"


def test_leaving_with_unsaved_changes_asks_first_but_not_after_saving(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.fill("#id_headline", TYPED_HEADLINE)
    page.click("#site-name a")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/{article.pk}/change/")

    page.keyboard.press("Control+s")
    page.get_by_text("was changed successfully").wait_for()
    settle(page)
    article.refresh_from_db()
    assert article.headline == TYPED_HEADLINE

    page.click("#site-name a")
    page.wait_for_url(re.compile(r"/admin/$"))
    assert dialogs == ["beforeunload"]


def test_an_unchanged_form_is_left_without_a_question(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("#id_headline").click()
    page.click("#site-name a")
    page.wait_for_url(re.compile(r"/admin/$"))
    assert dialogs == []


def test_changes_made_offline_reach_the_server_when_the_connection_returns(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    settle(page)
    page.context.set_offline(True)
    page.fill("#id_headline", TYPED_HEADLINE)
    page.get_by_text("Offline: your changes are kept in this browser").wait_for()
    assert not EditSession.objects.filter(unsaved_form__isnull=False).exists()
    kept = page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('newsroom-autosave:'))")
    assert len(kept) == 1

    page.context.set_offline(False)
    page.get_by_text("Changes made offline were sent to the server").wait_for()
    settle(page)
    session = EditSession.objects.get(user=editor, article=article)
    assert ["headline", TYPED_HEADLINE] in session.unsaved_form
    assert page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('newsroom-autosave:'))") == []


def test_an_editor_sees_who_else_is_editing(new_page, live_server, editor, maria, article, screenshot_dir):
    maria_page = open_form(logged_in(new_page, live_server, maria), live_server, article)
    settle(maria_page)
    since = EditSession.objects.get(user=maria, article=article).since_label
    # Her tab has reported in and stays shown for PRESENCE_TIMEOUT; closed, it writes nothing while the
    # test's SQLite serves the other tab (see settle).
    maria_page.context.close()

    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    notice = page.get_by_text(f"Maria Okafor is editing this article (since {since}).")
    notice.wait_for()
    look_at(page, screenshot_dir, "autosave-presence-form", notice)
    violations = serious_violations_in(page, ".autosave-panel")
    assert violations == [], json.dumps(violations, indent=2)

    page.goto(f"{live_server.url}/admin/articles/article/")
    marker = page.locator(".editing-now", has_text="Maria Okafor is editing (since")
    assert marker.count() == 1
    look_at(page, screenshot_dir, "autosave-presence-list", marker)
    assert serious_violations_in(page, "#result_list") == []
    assert page.console_errors == []
    assert page.outside_requests == []


def test_the_endpoint_refuses_a_report_without_the_csrf_token(new_page, live_server, editor, article):
    page = open_form(logged_in(new_page, live_server, editor), live_server, article)
    settle(page)
    status = page.evaluate(
        """body => fetch("/admin/articles/article/autosave/", {method: "POST", credentials: "same-origin",
              headers: {"Content-Type": "application/json"}, body: body}).then(response => response.status)""",
        json.dumps({"article": article.pk, "form": "c" * 20, "fields": [["headline", "Forged"]]}),
    )
    assert status == 403
    assert not EditSession.objects.filter(unsaved_form__isnull=False).exists()
