"""Readers of a live page polling for new updates, at the rate a crowd of them makes, while an editor
posts an update every ten seconds; then the same rate of requests for a cached article page.

Each of READERS readers asks the live page's endpoint for what is new after the newest update it has,
sending back the ETag of its last answer, and waits the interval the answer tells it before asking
again: READERS / POLL_SECONDS requests a second, spread evenly. The site's workers' CPU time during
each run, divided by the requests served, is what one request costs; the ratio of the two is the
figure the live page must hold (at most 1.0×: a poll costs no more than a cached page).

Prints two lines: the polling (requests, share answered 304, CPU per request, how long after it was
posted the first reader and the last reader had each update) and the cached page at the same rate.

    python tests/perf/live_polling.py BASE_URL SECONDS LIVE_ARTICLE_PATH CACHED_PAGE_PATH SERVER_PID
"""

import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import django

django.setup()

from articles.live import POLL_SECONDS, LiveUpdate  # noqa: E402
from articles.models import Article, Author  # noqa: E402

READERS = 1000
THREADS = 20
POST_EVERY_SECONDS = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def workers_cpu_seconds(server_pid):
    """User and system CPU time of the server's worker processes so far."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


class Reader:
    """One reader's open page: the newest update it has, and the ETag of its last answer."""

    def __init__(self, newest, due):
        self.newest = newest
        self.etag = None
        self.due = due


def run_readers(base, path, seconds, readers, on_answer):
    """Make each reader's request when it falls due, from THREADS threads each keeping one connection."""
    host = urlsplit(base).netloc
    deadline = time.monotonic() + seconds
    counts = {"requests": 0, "not_modified": 0, "errors": 0}
    lock = threading.Lock()

    def serve(own):
        connection = http.client.HTTPConnection(host, timeout=10)
        while True:
            reader = min(own, key=lambda reader: reader.due)
            if reader.due >= deadline:
                break
            time.sleep(max(0.0, reader.due - time.monotonic()))
            headers = {"If-None-Match": reader.etag} if reader.etag else {}
            try:
                connection.request("GET", path(reader), headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, timeout=10)
                with lock:
                    counts["errors"] += 1
                reader.due += POLL_SECONDS
                continue
            interval = on_answer(reader, response, body)
            with lock:
                counts["requests"] += 1
                counts["not_modified"] += response.status == 304
                counts["errors"] += response.status not in (200, 304)
            reader.due += interval
        connection.close()

    threads = [threading.Thread(target=serve, args=(readers[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def post_updates(article, author, seconds, posted):
    """An update every POST_EVERY_SECONDS, saved as the live desk saves it; `posted` gets (id, time)."""
    deadline = time.monotonic() + seconds
    number = 0
    while time.monotonic() + POST_EVERY_SECONDS < deadline:
        time.sleep(POST_EVERY_SECONDS)
        number += 1
        update = LiveUpdate.objects.create(
            article=article,
            author=author,
            body=f"<p>Update number {number} from the bench desk: the count goes on.</p>",
            status=LiveUpdate.Status.PUBLISHED,
        )
        posted[update.pk] = time.monotonic()


def main(base, seconds, live_path, cached_path, server_pid):
    article = Article.objects.get(slug=live_path.rstrip("/").rsplit("/", 1)[1])
    author = Author.objects.first()
    newest = article.live_updates.published().in_stream_order().first()
    poll_path = live_path + "live/updates/"
    start = time.monotonic() + 1
    readers = [Reader(newest.pk, start + n * POLL_SECONDS / READERS) for n in range(READERS)]
    posted, first_seen, last_seen, seen_by = {}, {}, {}, {}

    def on_poll(reader, response, body):
        if response.status == 200:
            reader.etag = response.getheader("ETag")
            answer = json.loads(body)
            now = time.monotonic()
            newest = answer["newest"] or reader.newest
            for update_id in [pk for pk in list(posted) if reader.newest < pk <= newest]:
                first_seen.setdefault(update_id, now)
                last_seen[update_id] = now
                seen_by[update_id] = seen_by.get(update_id, 0) + 1
            reader.newest = newest
            return answer["poll_seconds"] or POLL_SECONDS
        return POLL_SECONDS

    poster = threading.Thread(target=post_updates, args=(article, author, seconds, posted))
    cpu_before = workers_cpu_seconds(server_pid)
    poster.start()
    polls = run_readers(base, lambda reader: f"{poll_path}?after={reader.newest}", seconds, readers, on_poll)
    poster.join()
    poll_cpu = workers_cpu_seconds(server_pid) - cpu_before
    first = sorted((first_seen[pk] - at) * 1000 for pk, at in posted.items() if pk in first_seen)
    # Only the updates every reader had asked about by the end: the last ones were posted too late for that.
    every = sorted((last_seen[pk] - at) * 1000 for pk, at in posted.items() if seen_by.get(pk) == READERS)

    start = time.monotonic() + 1
    readers = [Reader(None, start + n * POLL_SECONDS / READERS) for n in range(READERS)]
    cpu_before = workers_cpu_seconds(server_pid)
    pages = run_readers(base, lambda reader: cached_path, seconds, readers, lambda *answer: POLL_SECONDS)
    page_cpu = workers_cpu_seconds(server_pid) - cpu_before

    poll_cost = poll_cpu / max(polls["requests"], 1) * 1000
    page_cost = page_cpu / max(pages["requests"], 1) * 1000
    print(
        json.dumps(
            {
                "readers": READERS,
                "poll_seconds": POLL_SECONDS,
                "polls": polls,
                "pages": pages,
                "seconds": seconds,
                "poll_cpu_ms": round(poll_cost, 2),
                "page_cpu_ms": round(page_cost, 2),
                "updates": len(posted),
                "reached": len(first),
                "first_reader_p50_ms": round(statistics.median(first)) if first else None,
                "first_reader_max_ms": round(first[-1]) if first else None,
                "seen_by_every_reader": len(every),
                "every_reader_max_ms": round(every[-1]) if every else None,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
