"""Admin login: throttled after repeated failures per account and per address, and no redirect
through `next` (or any other parameter) ever leaves the site."""

import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User

from newsroom import login_throttle
from tests.comments.conftest import POST_URL, comment_data

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/"
PASSWORD = "correct horse battery"


def log_in(client, username, password, address="203.0.113.50", **extra):
    return client.post(
        f"{LOGIN_URL}?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def paused(response):
    return response.status_code == 200 and login_throttle.PAUSED_MESSAGE in response.content.decode()


def make_staff(username):
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


class TestThrottling:
    def test_an_account_is_paused_after_repeated_failures_even_for_the_right_password(self, client, editor):
        for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED):
            response = log_in(client, editor.username, "guess")
            assert response.status_code == 200 and not paused(response)
        response = log_in(client, editor.username, PASSWORD)
        assert paused(response)
        assert "_auth_user_id" not in client.session

    def test_letter_case_does_not_reset_the_count(self, client, editor):
        for variant in ["EDDIE", "Eddie", "eDDie", "eddiE", "EDDIe"]:
            log_in(client, variant, "guess")
        assert paused(log_in(client, editor.username, PASSWORD))

    def test_the_pause_is_per_account(self, client, editor):
        colleague = make_staff("grace")
        for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED):
            log_in(client, editor.username, "guess")
        assert logged_in(log_in(client, colleague.username, PASSWORD))

    def test_an_address_is_paused_after_failures_on_many_accounts(self, client, editor):
        for attempt in range(login_throttle.ADDRESS_FAILURES_ALLOWED):
            log_in(client, f"nobody{attempt}", "guess", address="198.51.100.66")
        assert paused(log_in(client, editor.username, PASSWORD, address="198.51.100.66"))
        assert logged_in(log_in(client, editor.username, PASSWORD, address="198.51.100.67"))

    def test_behind_the_trusted_proxy_the_forwarded_address_counts(self, client, editor, settings):
        settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
        for attempt in range(login_throttle.ADDRESS_FAILURES_ALLOWED):
            log_in(client, f"nobody{attempt}", "guess", headers={"x-forwarded-for": "192.0.2.9"})
        assert paused(log_in(client, editor.username, PASSWORD, headers={"x-forwarded-for": "192.0.2.9"}))
        # The proxy's own address is the same for every reader; another reader is not paused.
        assert logged_in(log_in(client, editor.username, PASSWORD, headers={"x-forwarded-for": "192.0.2.10"}))

    def test_a_successful_login_clears_the_accounts_failures(self, client, editor):
        for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED - 1):
            log_in(client, editor.username, "guess")
        assert logged_in(log_in(client, editor.username, PASSWORD))
        client.logout()
        for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED - 1):
            log_in(client, editor.username, "guess")
        assert logged_in(log_in(client, editor.username, PASSWORD))

    def test_the_pause_ends(self, client, editor, monkeypatch):
        monkeypatch.setattr(login_throttle, "PAUSE_SECONDS", 1)
        for _ in range(login_throttle.ACCOUNT_FAILURES_ALLOWED):
            log_in(client, editor.username, "guess")
        assert paused(log_in(client, editor.username, PASSWORD))
        time.sleep(1.1)
        assert logged_in(log_in(client, editor.username, PASSWORD))

    def test_inactive_or_non_staff_accounts_get_the_usual_refusal(self, client):
        User.objects.create_user("reader", "reader@example.org", PASSWORD)
        response = log_in(client, "reader", PASSWORD)
        assert response.status_code == 200
        assert "Please enter the correct username and password for a staff account" in response.content.decode()


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://testserver@evil.example/",
    " //evil.example/",
    "/%09/evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def stays_on_site(location):
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_logging_in_never_redirects_off_site(client, editor, target):
    response = client.post(LOGIN_URL, {"username": editor.username, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_the_login_page_when_already_logged_in_never_redirects_off_site(client, editor, target):
    client.force_login(editor)
    response = client.get(LOGIN_URL, {"next": target})
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_logging_out_never_redirects_off_site(client, editor, target):
    client.force_login(editor)
    response = client.post(f"/admin/logout/?next={target}")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert stays_on_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_posting_a_comment_never_redirects_off_site(client, make_article, target):
    article = make_article()
    response = client.post(f"{POST_URL}?next={target}", {**comment_data(article), "next": target})
    assert response.status_code == 303
    assert response["Location"].startswith(article.get_absolute_url())


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_saving_in_the_admin_never_redirects_off_site(client, editor, target):
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/section/add/?_changelist_filters={target}",
        {"name": "Harbours", "slug": "harbours", "position": "0", "_save": "Save"},
    )
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]
