"""What one installation keeps for itself outside the repository: its secret key and its cache
(one per database).

An installation is one checkout of the project on one machine. Its state directory is
`STATE_DIR` when set, else `$XDG_STATE_HOME/newsroom/<checkout name>-<hash of its path>`
(`~/.local/state/…` by default), so two checkouts on one machine never share a key or a cache,
and nothing secret is ever written inside the repository.
"""

import hashlib
import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret-key"


class StateUnavailable(Exception):
    """The state directory cannot be created or written."""


def state_directory(base_dir, configured=""):
    if configured:
        return Path(configured)
    xdg_state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    checkout = Path(base_dir).resolve()
    digest = hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    return Path(xdg_state) / "newsroom" / f"{checkout.name}-{digest}"


def database_fingerprint(database):
    """A short name for one database (engine, server and name), for what the installation keeps per database."""
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    where = "|".join(str(database.get(key) or "") for key in ("HOST", "PORT", "NAME"))
    return f"{engine}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def installation_secret_key(state_dir):
    """The key generated the first time this installation ran, the same in every later process.

    Every gunicorn worker may get here at once: the key is written to a private temporary file and
    linked into place, which succeeds for exactly one of them; the others read the winner's key.
    """
    path = Path(state_dir) / SECRET_KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _unavailable(path, error) from None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        candidate = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
        return _read_key(path)
    except OSError as error:
        raise _unavailable(path, error) from None


def _unavailable(path, error):
    return StateUnavailable(
        f"Could not keep a generated SECRET_KEY in {path.parent} ({error.strerror}). "
        "Set SECRET_KEY, or STATE_DIR to a directory this user can write."
    )


def _read_key(path):
    key = path.read_text().strip()
    if len(key) < 50:
        raise StateUnavailable(f"{path} does not hold a usable secret key; remove it to have a new one generated.")
    return key
