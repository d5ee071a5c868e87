"""`manage.py import_wordpress EXPORT.xml [--media-dir DIR] [--dry-run]`: move a WordPress site in.

The command lives with the comments, not the articles, because it wires the
two together: the articles' importer (`articles.wordpress`) maps posts,
terms, authors and images, and is handed the comments' importer
(`comments.wordpress`) to run inside each post's transaction. Comments may
know articles; articles never import comments, so only this room can call both.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from lxml import etree
from tqdm import tqdm

from articles.wordpress.importer import WordPressImport
from comments.wordpress import import_comments
from newsroom.cache import invalidate_pages


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export, WXR 1.1 or 1.2): posts, categories, tags, authors, "
        "images, comments and old addresses. Run it again to bring over what changed; nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The export file WordPress wrote.")
        parser.add_argument(
            "--media-dir",
            help="A copy of the site's wp-content/uploads folder; images are read from it, never downloaded.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Write nothing; report what would be done.")

    def handle(self, export, media_dir=None, dry_run=False, **options):
        self._bars = []
        wordpress_import = WordPressImport(
            export,
            media_dir=media_dir,
            dry_run=dry_run,
            post_importers=[import_comments],
            progress=self.progress_bar if sys.stderr.isatty() else None,
        )
        if not wordpress_import.path.is_file():
            raise CommandError(f"No such file: {export}")
        if media_dir and not wordpress_import.media_dir.is_dir():
            raise CommandError(f"No such folder: {media_dir}")
        try:
            report = wordpress_import.run()
        except etree.XMLSyntaxError as error:
            raise CommandError(f"{export} is not a WordPress export that can be read: {error}") from None
        finally:
            for bar in self._bars:
                bar.close()
        if not dry_run:
            # Comments are written in bulk, which sends no signals: the pages showing them are redrawn here.
            invalidate_pages()
        for line in report.lines(dry_run=dry_run):
            self.stdout.write(line)

    def progress_bar(self, description, total):
        bar = tqdm(total=total, desc=description, unit="B", unit_scale=True, leave=False)
        self._bars.append(bar)
        return bar.update
