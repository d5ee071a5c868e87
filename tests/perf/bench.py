"""Throughput and latency of the public pages, served by gunicorn.

Run through `make bench`, which provides a throwaway PostgreSQL in
DATABASE_URL. Seeds 100,000 generated articles (BENCH_ARTICLES to change),
starts `gunicorn` with DEBUG off on a free loopback port, and loads each page
with wrk (Debian's `wrk` package). Prints one line per figure, each page's
throughput also as a ratio to a static file served by the same server in the
same run; then a mixed read load (front, sections, a hot set of stories, a
long tail) quiet and again while an editor saves a story every second and a
moderator approves a comment every two seconds, twice in turn, with how long
each change took to reach the next reader; then a thousand readers polling the demo's live story
while an update is posted every ten seconds, each poll's cost in the workers'
CPU beside a cached page's at the same rate (tests/perf/live_polling.py); then,
when Varnish is installed (Debian's `varnish` and `varnish-modules`),
the cached article page and the static file again through Varnish running
deploy/varnish.vcl in front of the same gunicorn, the article as a ratio to
the static file through that Varnish; then the p50/p95 of 100 search queries
made through the search function itself, then the time the admin's article
list takes (tests/perf/admin_list.py).
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DURATION = os.environ.get("BENCH_SECONDS", "10")
WARM_UP_SECONDS = 10
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
# More different articles than the cold article run can ask for in its time.
COLD_ARTICLES = 5000
# The mixed read load, as a newsroom's traffic gathers on the front page and the day's stories: of
# 20 requests, 4 for the front page, 4 for section fronts, 11 for a hot set of stories and 1 for the
# long tail (each of those asked once: never cached before).
MIXED_REQUESTS = 10000
HOT_STORIES = 20
LONG_TAIL = MIXED_REQUESTS // 20
# Quiet and with edits, in turn: each run of either has a long tail of its own.
MIXED_ROUNDS = 2
EDITING_LOAD = str(ROOT / "tests" / "perf" / "editing_load.py")
LIVE_POLLING = str(ROOT / "tests" / "perf" / "live_polling.py")
# Three rounds of a live page's readers polling, with an update posted every ten seconds.
LIVE_SECONDS = 45
MANY_PATHS_SCRIPT = str(ROOT / "tests" / "perf" / "many_paths.lua")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args, env):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def django_output(code, env):
    """What `code` prints, run with Django set up in the benchmark's environment."""
    return subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"server did not answer at {url}")


def wrk(url, script=None, env=None, duration=DURATION):
    output = subprocess.run(
        ["wrk", "--latency", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", *(["-s", script] if script else []), url],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, percentiles.get("50", "?"), percentiles.get("99", "?"), int(errors.group(1)) if errors else 0


def start_varnish(backend_port, folder):
    """varnishd with a copy of deploy/varnish.vcl whose backend is the bench's gunicorn; None without Varnish."""
    varnishd = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")
    if not varnishd:
        return None, None
    vcl = (ROOT / "deploy" / "varnish.vcl").read_text().replace('.port = "8000";', f'.port = "{backend_port}";')
    vcl_path = Path(folder) / "varnish.vcl"
    vcl_path.write_text(vcl)
    port = free_port()
    process = subprocess.Popen(
        [varnishd, "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl_path), "-n", str(Path(folder) / "varnish")]
        + ["-s", "malloc,256m", "-T", "none", "-j", "none"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def mixed_paths(folder, name, sections, hot, tail):
    """A file of MIXED_REQUESTS paths in a fixed random order, for many_paths.lua."""
    paths = ["/"] * (MIXED_REQUESTS // 5)
    paths += [sections[n % len(sections)] for n in range(MIXED_REQUESTS // 5)]
    paths += [hot[n % len(hot)] for n in range(MIXED_REQUESTS - 2 * (MIXED_REQUESTS // 5) - LONG_TAIL)]
    paths += tail[:LONG_TAIL]
    random.Random(name).shuffle(paths)
    path = Path(folder) / f"{name}.txt"
    path.write_text("".join(f"{line}\n" for line in paths))
    return path


def mixed_load(base, env, folder, sections, hot, tails):
    """Mixed read throughput quiet, then while an editor saves and a moderator approves
    (tests/perf/editing_load.py), MIXED_ROUNDS times in turn: this machine's speed drifts over a
    minute by more than the edits cost, so each round's two runs are compared, and their sums."""
    for path in ["/", *sections, *hot]:
        urllib.request.urlopen(base + path).read()
    rates = {"quiet": [], "busy": []}
    for round_number in range(MIXED_ROUNDS):
        of_rounds = f"({round_number + 1} of {MIXED_ROUNDS})"
        quiet_tail, busy_tail = tails[2 * round_number], tails[2 * round_number + 1]
        quiet_paths = mixed_paths(folder, f"quiet-{round_number}", sections, hot, quiet_tail)
        quiet, p50, p99, errors = wrk(base + "/", MANY_PATHS_SCRIPT, dict(os.environ, BENCH_PATHS=str(quiet_paths)))
        rates["quiet"].append(quiet)
        print(f"{'mixed reads, quiet ' + of_rounds:34} {quiet:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}", flush=True)
        editing = subprocess.Popen(
            [PYTHON, EDITING_LOAD, base, DURATION, *hot],
            cwd=ROOT,
            env=dict(env, PYTHONPATH=str(ROOT)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        busy_paths = mixed_paths(folder, f"busy-{round_number}", sections, hot, busy_tail)
        # The editor's interpreter starting is not part of the edits: the reads and the edits begin together.
        if editing.stdout.readline().strip() != "ready":
            sys.exit("The editing load did not start.")
        editing.stdin.write("go\n")
        editing.stdin.flush()
        busy, p50, p99, errors = wrk(base + "/", MANY_PATHS_SCRIPT, dict(os.environ, BENCH_PATHS=str(busy_paths)))
        rates["busy"].append(busy)
        edits, approvals, shown_p50, shown_max = editing.communicate(timeout=120)[0].split()
        print(
            f"{'mixed reads, editing ' + of_rounds:34} {busy:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  "
            f"{busy / quiet:5.2f}x quiet" + (f"  {errors} non-2xx" if errors else ""),
            flush=True,
        )
        print(
            f"  {edits} edits and {approvals} comment approvals: each seen by the next reader after "
            f"p50 {shown_p50} ms, at most {shown_max} ms",
            flush=True,
        )
    quiet_total, busy_total = sum(rates["quiet"]), sum(rates["busy"])
    print(
        f"{'mixed reads, while editing':34} {busy_total / MIXED_ROUNDS:9.0f} req/s  "
        f"against {quiet_total / MIXED_ROUNDS:.0f} quiet  {busy_total / quiet_total:5.2f}x quiet",
        flush=True,
    )


def live_polling(base, env, server_pid, cached_article):
    """A thousand readers polling the demo's live story, against the same rate of cached pages
    (tests/perf/live_polling.py)."""
    live = django_output(
        "from articles.models import Article\n"
        "print(Article.objects.published().filter(live_from__isnull=False).select_related('section')"
        ".first().get_absolute_url())",
        env,
    ).strip()
    output = subprocess.run(
        [PYTHON, LIVE_POLLING, base, str(LIVE_SECONDS), live, cached_article, str(server_pid)],
        cwd=ROOT,
        env=dict(env, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    polls, pages = figures["polls"], figures["pages"]
    rate = f"{figures['readers']} readers every {figures['poll_seconds']} s"
    print(
        f"{'live page polls (' + rate + ')':34} {polls['requests'] / figures['seconds']:9.1f} req/s  "
        f"{polls['not_modified'] / max(polls['requests'], 1):4.0%} answered 304  "
        f"worker CPU {figures['poll_cpu_ms']} ms a request"
        + (f"  {polls['errors']} errors" if polls["errors"] else ""),
        flush=True,
    )
    print(
        f"{'cached article, the same rate':34} {pages['requests'] / figures['seconds']:9.1f} req/s  "
        f"worker CPU {figures['page_cpu_ms']} ms a request  "
        f"(a poll costs {figures['poll_cpu_ms'] / max(figures['page_cpu_ms'], 0.001):.2f}x a cached page)"
        + (f"  {pages['errors']} errors" if pages["errors"] else ""),
        flush=True,
    )
    print(
        f"  {figures['updates']} updates posted, {figures['reached']} seen: the first reader had each after "
        f"p50 {figures['first_reader_p50_ms']} ms, at most {figures['first_reader_max_ms']} ms; "
        f"all {figures['readers']} readers had the {figures['seen_by_every_reader']} posted early enough "
        f"within {figures['every_reader_max_ms']} ms",
        flush=True,
    )


def search_latency(env):
    code = (
        "import time, statistics;"
        "from articles.search import search_articles;"
        "words = 'council treaty budget harbour election senate court ruling coalition border trade energy "
        "summit envoy inquiry reform ceasefire tariff railway hospital drought flood market inflation union'.split();"
        "queries = [words[i % len(words)] + ('' if i % 3 else ' ' + words[(i * 7) % len(words)]) for i in range(100)];"
        "times = [];\n"
        "for q in queries:\n"
        "    start = time.perf_counter(); list(search_articles(q)[:20])\n"
        "    times.append((time.perf_counter() - start) * 1000)\n"
        "times.sort(); print(f'{statistics.median(times):.1f} {times[94]:.1f}')"
    )
    return django_output(code, env).split()


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if "DATABASE_URL" not in os.environ:
        sys.exit("Run through `make bench` (it provides a throwaway PostgreSQL).")
    port = free_port()
    env = dict(
        os.environ,
        DEBUG="0",
        SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        MEDIA_ROOT=str(ROOT / "artifacts" / "bench-media"),
    )
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("seed_demo", "--articles", str(ARTICLES), env=env)
    # Settle the database first: autovacuum working through the fresh rows
    # would take CPU from the measurements, and the planner wants their statistics.
    django_output("from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')", env)
    workers = os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2))
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    paths_file = None
    varnish = None
    varnish_folder = tempfile.mkdtemp(prefix="bench-varnish-")
    try:
        wait_for(base + "/")
        wanted = COLD_ARTICLES + 1 + 2 * MIXED_ROUNDS * LONG_TAIL
        article, *other_articles = django_output(
            "from articles.models import Article\n"
            "articles = Article.objects.published().filter(slug__startswith='generated').select_related('section')\n"
            f"print(*(article.get_absolute_url() for article in articles[:{wanted}]), sep='\\n')",
            env,
        ).split()
        other_articles, long_tails = other_articles[:COLD_ARTICLES], other_articles[COLD_ARTICLES:]
        tails = [long_tails[start : start + LONG_TAIL] for start in range(0, len(long_tails), LONG_TAIL)]
        sections, tag, author = django_output(
            "from articles.models import Author, Section\n"
            "from taggit.models import Tag\n"
            "print(','.join(section.get_absolute_url() for section in Section.objects.navigation()))\n"
            "print(Tag.objects.filter(slug__isnull=False).order_by('pk').first().slug)\n"
            "print(Author.objects.filter(bylines__isnull=False).order_by('pk').first().get_absolute_url())",
            env,
        ).split()
        sections = sections.split(",")
        descriptor, paths_file = tempfile.mkstemp(suffix=".txt")
        with os.fdopen(descriptor, "w") as paths:
            paths.write("".join(f"{path}?uncached=1\n" for path in other_articles))
        wrk_env = dict(os.environ, BENCH_PATHS=paths_file)
        static = django_output(
            "from django.templatetags.static import static\nprint(static('css/site.css'))", env
        ).strip()
        pages = [
            ("static file", static, None),
            ("front page (cached)", "/", None),
            ("front page (uncached)", "/?uncached=1", None),
            ("section page (cached)", "/section/world-news/", None),
            ("section page (uncached)", "/section/world-news/?uncached=1", None),
            ("tag page (uncached)", f"/tag/{tag}/?uncached=1", None),
            ("author page (uncached)", f"{author}?uncached=1", None),
            ("article page (cached)", article, None),
            # A parameter the page cache does not know makes it step aside:
            # the article is read and its conversation rendered on every
            # request, the story taken from its fragment.
            ("article page (uncached)", article + "?uncached=1", None),
            # Each request a different article, never seen before: every part rendered.
            (f"article page (cold, {len(other_articles)} articles)", other_articles[0], MANY_PATHS_SCRIPT),
            ("search page (cached)", "/search/?q=harbour+treaty", None),
            ("search page (uncached)", "/search/?q=harbour+treaty&uncached=1", None),
        ]
        print(
            f"# {ARTICLES} generated articles, gunicorn {workers} workers, wrk {CONNECTIONS} connections "
            f"{DURATION}s, {os.cpu_count()} cores"
        )
        # A first, unreported run: the machine settles after seeding and the workers warm up,
        # so the static file's figure, which every ratio divides by, is not taken cold.
        wrk(base + static, duration=WARM_UP_SECONDS)
        static_rate = None
        for label, path, script in pages:
            for _ in range(3):
                urllib.request.urlopen(base + path).read()
            rate, p50, p99, errors = wrk(base + path, script, wrk_env)
            static_rate = static_rate or rate
            print(
                f"{label:34} {rate:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  {rate / static_rate:5.2f}x static"
                + (f"  {errors} non-2xx" if errors else ""),
                flush=True,
            )
        mixed_load(base, env, varnish_folder, sections, other_articles[:HOT_STORIES], tails)
        live_polling(base, env, server.pid, article)
        varnish, varnish_base = start_varnish(port, varnish_folder)
        if varnish is None:
            print("(no Varnish run: varnishd is not installed)", flush=True)
        else:
            wait_for(varnish_base + "/robots.txt")
            # Unreported, as for gunicorn: Varnish's threads and the static file's copy settle first.
            wrk(varnish_base + static, duration=3)
            varnish_static_rate = None
            for label, path in [("static file (Varnish)", static), ("article page (cached, Varnish)", article)]:
                for _ in range(3):
                    urllib.request.urlopen(varnish_base + path).read()
                rate, p50, p99, errors = wrk(varnish_base + path)
                varnish_static_rate = varnish_static_rate or rate
                print(
                    f"{label:34} {rate:9.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  "
                    f"{rate / varnish_static_rate:5.2f}x Varnish static  {rate / static_rate:5.2f}x static"
                    + (f"  {errors} non-2xx" if errors else ""),
                    flush=True,
                )
        p50, p95 = search_latency(env)
        print(f"search function (100 queries) p50 {p50} ms  p95 {p95} ms", flush=True)
        subprocess.run([PYTHON, str(ROOT / "tests" / "perf" / "admin_list.py")], cwd=ROOT, env=env, check=True)
    finally:
        if varnish is not None:
            os.killpg(varnish.pid, signal.SIGTERM)
            varnish.wait(timeout=20)
        shutil.rmtree(varnish_folder, ignore_errors=True)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        if paths_file:
            os.unlink(paths_file)


if __name__ == "__main__":
    main()
