"""Figures the reliability and security tests measure, printed and kept in artifacts/reliability-figures.json.

Each run overwrites the figures it measured and leaves the others, so the file gathers those of
`make test` and `make test-postgres`, each figure labelled with the database it ran on.
"""

import fcntl
import json
from pathlib import Path

from django.db import connection

FIGURES_FILE = Path(__file__).resolve().parents[1] / "artifacts" / "reliability-figures.json"


def record(name, value):
    label = f"{name} ({connection.vendor})"
    print(f"\n[figure] {label}: {value}", flush=True)
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    with open(FIGURES_FILE, "a+") as stored:
        fcntl.flock(stored, fcntl.LOCK_EX)
        stored.seek(0)
        figures = json.loads(stored.read() or "{}")
        figures[label] = value
        stored.seek(0)
        stored.truncate()
        json.dump(figures, stored, indent=2, sort_keys=True)
