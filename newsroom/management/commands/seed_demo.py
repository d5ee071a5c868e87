from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from articles import demo as editorial_demo
from articles.benchmark_data import generate_articles
from articles.models import Article
from comments.demo import add_demo_comments
from newsroom import demo as site_demo


class Command(BaseCommand):
    help = "Create the demo site (idempotent); with --articles N, also add N generated articles for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=0, metavar="N", help="Add N generated articles.")

    def handle(self, *args, articles, **options):
        if articles < 0:
            raise CommandError("--articles must be zero or more.")
        created = seed_demo()
        self.stdout.write(f"Demo site ready: {len(created)} new demo article(s).")
        if created:
            self.stdout.write(f"Staff logins: editor, reporter, moderator — password '{editorial_demo.DEMO_PASSWORD}'.")
        if articles:
            with tqdm(total=articles, unit="article", disable=options["verbosity"] == 0) as bar:
                generate_articles(articles, progress=bar.update)
            self.stdout.write(f"Added {articles} generated article(s).")


@transaction.atomic
def seed_demo():
    """Each room's demo content, in one transaction; running it again changes nothing."""
    site_demo.seed_site()
    created = editorial_demo.seed()
    add_demo_comments(Article.objects.published().order_by("-priority", "-publish_at")[:3])
    return created
