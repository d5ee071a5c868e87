"""A WordPress export of 20,000 posts and 100,000 comments, imported on PostgreSQL.

    python scripts/throwaway_postgres.py -- .venv/bin/python tests/perf/wordpress_import.py

Migrates the (empty) database in DATABASE_URL, writes the export to a
temporary file (WORDPRESS_POSTS and WORDPRESS_COMMENTS change its size), runs
`manage.py import_wordpress` on it twice and prints, for each run, the time it
took and the command's peak memory; the budget is 300 MB. The second run finds
everything already there and changes nothing.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.articles.wordpress_export import run_measured, write_export  # noqa: E402

POSTS = int(os.environ.get("WORDPRESS_POSTS", "20000"))
COMMENTS = int(os.environ.get("WORDPRESS_COMMENTS", "100000"))
MEMORY_BUDGET_MB = 300


def main():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Run against PostgreSQL: python scripts/throwaway_postgres.py -- .venv/bin/python " + __file__)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, cwd=ROOT)
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.xml"
        started = time.monotonic()
        write_export(export, POSTS, COMMENTS)
        print(
            f"export: {POSTS:,} posts, {COMMENTS:,} comments, {export.stat().st_size / 2**20:.0f} MB, "
            f"written in {time.monotonic() - started:.0f} s"
        )
        for run in ("first run", "second run"):
            started = time.monotonic()
            done, peak_mb = run_measured([*manage, "import_wordpress", str(export)], cwd=ROOT)
            elapsed = time.monotonic() - started
            if done.returncode:
                sys.exit(done.stderr)
            summary = [line for line in done.stdout.splitlines() if ":" in line and "created" in line]
            verdict = "within" if peak_mb < MEMORY_BUDGET_MB else "OVER"
            print(f"{run}: {elapsed:.0f} s, peak memory {peak_mb:.0f} MB ({verdict} the {MEMORY_BUDGET_MB} MB budget)")
            for line in summary:
                print("   ", line.strip())


if __name__ == "__main__":
    main()
