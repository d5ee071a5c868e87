from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from newsroom.demo import DEMO_PASSWORD, generate_articles, seed_demo


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
            self.stdout.write(f"Staff logins: editor, reporter, moderator — password '{DEMO_PASSWORD}'.")
        if articles:
            with tqdm(total=articles, unit="article", disable=options["verbosity"] == 0) as bar:
                generate_articles(articles, progress=bar.update)
            self.stdout.write(f"Added {articles} generated article(s).")
