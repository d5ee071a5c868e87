"""An export far larger than the fixture is read as a stream: the command's
memory stays within its budget. The full size (20,000 posts, 100,000
comments) takes minutes and is measured by tests/perf/wordpress_import.py."""

import os
import sys

from articles.models import Article
from comments.models import Comment
from tests.articles.wordpress_export import run_measured, write_export
from tests.servers import ROOT, SERVER_TEST_MARKS, database_url

pytestmark = SERVER_TEST_MARKS

MEMORY_BUDGET_MB = 300
POSTS, COMMENTS = 500, 2500


def test_a_large_export_imports_in_bounded_memory(tmp_path):
    export = tmp_path / "large.xml"
    write_export(export, POSTS, COMMENTS)
    done, peak_mb = run_measured(
        [sys.executable, str(ROOT / "manage.py"), "import_wordpress", str(export)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url()},
    )
    assert done.returncode == 0, done.stderr
    assert Article.objects.published().count() == POSTS
    assert Comment.objects.count() == COMMENTS
    # Each post's third comment replies to its second.
    assert Comment.objects.filter(parent__isnull=False).count() == POSTS
    assert peak_mb < MEMORY_BUDGET_MB, f"peak memory {peak_mb:.0f} MB"
