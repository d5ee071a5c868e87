"""The newsroom at work while `make bench` reads: an editor saves a story every second and a moderator
approves a comment every two seconds, for the given number of seconds, each change made as the admin
makes it (the model's save, its signals), from a process of its own.

It prints `ready` once Django is set up and the stories are read, and starts on the line it is sent
next: the reads measured while it edits then begin with its first edit, not with its interpreter
starting. After each change it asks the site for the story until the change shows, and at the end
prints one line: the number of edits and approvals, then the p50 and the longest time a change took
to show, in ms.

    python tests/perf/editing_load.py BASE_URL SECONDS STORY_PATH...
"""

import statistics
import sys
import time
import urllib.request

import django

django.setup()

from articles.models import Article  # noqa: E402
from comments.models import Comment  # noqa: E402

EDIT_EVERY_SECONDS = 1.0
APPROVALS_EVERY_EDITS = 2
SHOWN_WITHIN_SECONDS = 10


def wait_until_shown(url, text):
    """Seconds until `text` is on the page at `url`, as the next reader gets it."""
    started = time.monotonic()
    while time.monotonic() - started < SHOWN_WITHIN_SECONDS:
        with urllib.request.urlopen(url, timeout=5) as response:
            if text in response.read().decode():
                return time.monotonic() - started
        time.sleep(0.01)
    return float("inf")


def main(base, seconds, paths):
    slugs = [path.rstrip("/").rsplit("/", 1)[1] for path in paths]
    stories = {article.slug: article for article in Article.objects.filter(slug__in=slugs)}
    shown_after = []
    edits = approvals = 0
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + seconds
    # Each run's words are its own: a story edited by an earlier run must not show this run's edit already.
    run = time.strftime("%H:%M:%S")
    while time.monotonic() < deadline:
        tick = time.monotonic()
        path = paths[edits % len(paths)]
        story = stories[path.rstrip("/").rsplit("/", 1)[1]]
        edits += 1
        story.standfirst = f"Updated at the desk, edit number {edits} of the run at {run}."
        story.save()
        changes = [(path, story.standfirst)]
        if edits % APPROVALS_EVERY_EDITS == 0:
            commented = paths[(edits // 2) % len(paths)]
            comment = Comment.objects.create(
                article=stories[commented.rstrip("/").rsplit("/", 1)[1]],
                author_name="Bench reader",
                author_email="bench@example.net",
                text=f"A question from reader number {edits}, in the run at {run}.",
            )
            comment.moderate(Comment.Status.APPROVED, None)
            approvals += 1
            changes.append((commented, comment.text))
        for changed, text in changes:
            shown_after.append(wait_until_shown(base + changed, text))
            if shown_after[-1] == float("inf"):
                print(f"Not shown within {SHOWN_WITHIN_SECONDS} s at {changed}: {text}", file=sys.stderr, flush=True)
        time.sleep(max(0.0, EDIT_EVERY_SECONDS - (time.monotonic() - tick)))
    milliseconds = sorted(seconds * 1000 for seconds in shown_after)
    print(f"{edits} {approvals} {statistics.median(milliseconds):.0f} {milliseconds[-1]:.0f}")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3:])
