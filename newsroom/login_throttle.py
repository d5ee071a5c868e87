"""Admin login throttling: repeated failures pause logging in to an account, and from an address.

Failures are counted in the shared cache, so every app server sees the same counts. An account
is paused after ACCOUNT_FAILURES_ALLOWED failed passwords, an address after
ADDRESS_FAILURES_ALLOWED (higher: a newsroom's staff may share one office address). A pause
lasts PAUSE_SECONDS from the failure that caused it; while paused, no password is even checked,
so guessing on gets an attacker nothing. A successful login clears its account's count.

When the cache is unreachable nothing is counted and nobody is paused: an outage of the cache
must not lock the newsroom out of its own admin, and each password check still costs an
attacker the full work of Django's password hasher.
"""

import hashlib
import logging

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError

from newsroom.clients import client_ip

logger = logging.getLogger(__name__)

ACCOUNT_FAILURES_ALLOWED = 5
ADDRESS_FAILURES_ALLOWED = 20
PAUSE_SECONDS = 15 * 60
PAUSED_MESSAGE = (
    "Too many failed attempts to log in to this account or from your network. "
    f"Logging in is paused for {PAUSE_SECONDS // 60} minutes; please try again later."
)


def _counters(request, username):
    """{cache key: failures allowed} for the account and, when known, the client's address."""
    # One count per person whatever the letter case an attacker tries.
    account = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    counters = {f"login-failures:account:{account}": ACCOUNT_FAILURES_ALLOWED}
    address = client_ip(request)
    if address:
        counters[f"login-failures:address:{address}"] = ADDRESS_FAILURES_ALLOWED
    return counters


def is_paused(request, username):
    try:
        counters = _counters(request, username)
        failures = cache.get_many(list(counters))
    except Exception:
        logger.exception("Login throttling unavailable: could not read failure counts")
        return False
    return any(failures.get(key, 0) >= allowed for key, allowed in counters.items())


def record_failure(request, username):
    try:
        for key, allowed in _counters(request, username).items():
            cache.add(key, 0, PAUSE_SECONDS)
            try:
                failures = cache.incr(key)
            except ValueError:  # expired between add() and incr(), or the cache is down
                cache.add(key, 1, PAUSE_SECONDS)
                failures = 1
            if failures >= allowed:
                cache.touch(key, PAUSE_SECONDS)
                logger.warning("Admin login paused after %s failures (%s)", failures, key.split(":")[1])
    except Exception:
        logger.exception("Login throttling unavailable: could not count a failed login")


def forget_account_failures(request, username):
    try:
        account_keys = [key for key in _counters(request, username) if key.startswith("login-failures:account:")]
        cache.delete_many(account_keys)
    except Exception:
        logger.exception("Login throttling unavailable: could not clear failure counts")


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, "paused": PAUSED_MESSAGE}

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()
        if is_paused(self.request, username):
            raise ValidationError(self.error_messages["paused"], code="paused")
        try:
            cleaned = super().clean()
        except ValidationError as refusal:
            if refusal.code == "invalid_login":
                record_failure(self.request, username)
            raise
        forget_account_failures(self.request, username)
        return cleaned
