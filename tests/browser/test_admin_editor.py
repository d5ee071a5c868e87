"""The editors' rich-text editor runs in the admin under the site's Content Security Policy."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_body_editor_loads_without_csp_violations(new_page, live_server, editor, make_article):
    article = make_article(body="<p>Opening paragraph of the story.</p>")
    editor.set_password("correct horse battery")
    editor.save()
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    editor_box = page.locator(".prose-editor [contenteditable=true]")
    editor_box.wait_for(timeout=10000)
    assert "Opening paragraph of the story." in editor_box.inner_text()
    violations = [error for error in page.console_errors if "Content Security Policy" in error]
    assert violations == []
    assert page.outside_requests == []
