"""The production settings: `check --deploy` is clean, and every response carries the hardening
headers and cookie flags an https site needs."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import deployment_environment

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_HOST = "news.example.org"
PRODUCTION_ENVIRONMENT = {
    "DEBUG": "0",
    "SITE_URL": f"https://{PUBLIC_HOST}",
    "SECRET_KEY": "b7Qm2Vx9Lr4Tz8Kp1Wn6Ys3Hd5Jf0Gc7Ua2Eo9Ri4Nl8Xs1Bv6Mq3Ck5Zt0Py7Dw",
    "ALLOWED_HOSTS": PUBLIC_HOST,
}
HARDENING_PREFIXES = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_", "X_FRAME_OPTIONS")


def manage(*args, **environment):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=deployment_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENVIRONMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_public_https_site_refuses_to_start_without_its_own_secret_key():
    result = manage("check", **{**PRODUCTION_ENVIRONMENT, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


@pytest.fixture
def https_site(settings, monkeypatch):
    """The hardening settings newsroom/settings.py computes for an https SITE_URL, applied to this test."""
    for name, value in PRODUCTION_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("production_settings", ROOT / "newsroom" / "settings.py")
    production = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(production)
    for name in dir(production):
        if name.startswith(HARDENING_PREFIXES):
            setattr(settings, name, getattr(production, name))
    settings.ALLOWED_HOSTS = [PUBLIC_HOST, "testserver"]
    return production


def https_get(client, path, **extra):
    return client.get(path, secure=True, headers={"host": PUBLIC_HOST}, **extra)


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/search/?q=harbour", "/no-such-page/", "/admin/login/", "/feed/"])
def test_every_response_carries_the_hardening_headers(client, https_site, path):
    for _ in range(2):  # the second answer of a cacheable page comes from the page cache
        response = https_get(client, path)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        directives = csp_directives(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        sources = [source for values in directives.values() for source in values]
        assert not [source for source in sources if "://" in source or source in ("*", "https:", "http:")], sources


def test_plain_http_is_redirected_to_https(client, https_site):
    response = client.get("/search/?q=harbour", headers={"host": PUBLIC_HOST})
    assert response.status_code == 301
    assert response["Location"] == f"https://{PUBLIC_HOST}/search/?q=harbour"


def test_the_load_balancers_https_header_is_believed(client, https_site):
    response = client.get("/", headers={"host": PUBLIC_HOST, "x-forwarded-proto": "https"})
    assert response.status_code == 200


def test_cookies_are_secure_and_http_only(client, https_site, editor):
    login_page = https_get(client, "/admin/login/")
    csrf = login_page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": editor.username,
            "password": "correct horse battery",
            "csrfmiddlewaretoken": login_page.context["csrf_token"],
        },
        secure=True,
        headers={"host": PUBLIC_HOST, "referer": f"https://{PUBLIC_HOST}/admin/login/"},
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_anonymous_pages_set_no_cookie_at_all(client, https_site, make_article):
    article = make_article()
    for path in ["/", article.get_absolute_url(), "/search/?q=headline"]:
        assert not https_get(client, path).cookies, path


# Outside DEBUG, a missing SECRET_KEY is generated once per installation, never taken from the code.
# This is the key the settings fell back to before: anyone who read the code could sign with it.
PUBLISHED_DEVELOPMENT_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def key_of_installation(state_home, **environment):
    plain_http = {"DEBUG": "0", "SITE_URL": "http://127.0.0.1:8000", "SECRET_KEY": "", "STATE_DIR": ""}
    environment = {**plain_http, "XDG_STATE_HOME": str(state_home), **environment}
    result = manage("shell", "--no-imports", "-c", PRINT_KEY, **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_missing_secret_key_is_generated_once_per_installation_outside_the_repository(tmp_path):
    key = key_of_installation(tmp_path / "state")
    assert len(key) >= 50
    assert key != PUBLISHED_DEVELOPMENT_KEY
    assert key not in (ROOT / "newsroom" / "settings.py").read_text()
    assert key_of_installation(tmp_path / "state") == key, "a second process signs with another key"
    assert key_of_installation(tmp_path / "state", DEBUG="1") == key, "make run and make serve disagree"
    assert key_of_installation(tmp_path / "another machine") != key

    (kept,) = (tmp_path / "state").glob("newsroom/*/secret-key")
    assert kept.read_text().strip() == key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert ROOT not in kept.parents


def test_links_signed_with_the_old_development_key_are_refused(tmp_path):
    from django.core import signing

    forged = signing.TimestampSigner(key=PUBLISHED_DEVELOPMENT_KEY, salt="articles.preview").sign_object({"article": 1})
    check = f"from articles.preview import article_id_from_token; print(article_id_from_token({forged!r}))"
    plain_http = {"DEBUG": "0", "SITE_URL": "http://127.0.0.1:8000", "SECRET_KEY": "", "STATE_DIR": ""}
    result = manage("shell", "--no-imports", "-c", check, **{**plain_http, "XDG_STATE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


def test_an_unwritable_state_directory_is_refused_with_a_clear_message(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the state directory would go")
    result = manage("check", DEBUG="0", SITE_URL="http://127.0.0.1:8000", SECRET_KEY="", STATE_DIR=str(blocked / "x"))
    assert result.returncode != 0
    assert "Set SECRET_KEY, or STATE_DIR" in result.stderr
