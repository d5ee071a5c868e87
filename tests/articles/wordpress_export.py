"""A large WordPress export, written on the fly in WordPress's shape: for the
memory test and tests/perf/wordpress_import.py. Each post has a category, two
tags, a classic body of a few paragraphs and its comments, a third of them
replies; the text is made from a small vocabulary, so it is cheap to write."""

import random
import subprocess
import sys

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>The Generated Gazette</title>
	<link>https://gazette.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://gazette.example</wp:base_site_url>
	<wp:base_blog_url>https://gazette.example</wp:base_blog_url>
"""
WORDS = (
    "harbour",
    "council",
    "ferry",
    "budget",
    "tide",
    "river",
    "quay",
    "vote",
    "plan",
    "school",
    "road",
    "bridge",
    "market",
    "crew",
    "storm",
    "library",
    "station",
    "tram",
    "clinic",
    "park",
    "festival",
    "dredger",
    "lighthouse",
    "shelter",
    "ward",
    "mayor",
    "tender",
    "pier",
)
SECTIONS = ("news", "politics", "business", "sport", "culture", "climate")
AUTHORS = ("reporter-one", "reporter-two", "reporter-three", "reporter-four")


def _sentence(rng, words=12):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _comment(rng, comment_id, parent_id, day):
    return f"""		<wp:comment>
			<wp:comment_id>{comment_id}</wp:comment_id>
			<wp:comment_author><![CDATA[Reader {comment_id % 977}]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader{comment_id % 977}@example.net]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[192.0.2.{comment_id % 250}]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[{day} 12:{comment_id % 60:02d}:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[{day} 16:{comment_id % 60:02d}:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[{_sentence(rng, 20)}]]></wp:comment_content>
			<wp:comment_approved><![CDATA[{rng.choice("1110")}]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>{parent_id}</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
"""


def write_export(path, posts, comments, seed=1):
    """Write an export of `posts` posts and `comments` comments in all to `path`."""
    rng = random.Random(seed)
    per_post, extra = divmod(comments, posts)
    comment_id = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for login in AUTHORS:
            out.write(
                f"\t<wp:author><wp:author_login><![CDATA[{login}]]></wp:author_login>"
                f"<wp:author_display_name><![CDATA[{login.replace('-', ' ').title()}]]></wp:author_display_name>"
                "</wp:author>\n"
            )
        for number, slug in enumerate(SECTIONS, start=1):
            out.write(
                f"\t<wp:category><wp:term_id>{number}</wp:term_id><wp:category_nicename><![CDATA[{slug}]]>"
                f"</wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent>"
                f"<wp:cat_name><![CDATA[{slug.title()}]]></wp:cat_name></wp:category>\n"
            )
        for post_id in range(1, posts + 1):
            day = f"20{10 + post_id % 14}-{1 + post_id % 12:02d}-{1 + post_id % 28:02d}"
            slug = f"story-{post_id}-{rng.choice(WORDS)}"
            body = "\n\n".join(_sentence(rng, 30) for _ in range(4))
            section = SECTIONS[post_id % len(SECTIONS)]
            tags = "".join(
                f'\t\t<category domain="post_tag" nicename="{word}"><![CDATA[{word.title()}]]></category>\n'
                for word in sorted({rng.choice(WORDS), rng.choice(WORDS)})
            )
            comments_xml = []
            for index in range(per_post + (1 if post_id <= extra else 0)):
                comment_id += 1
                # Every third comment replies to the one before it.
                parent = comment_id - 1 if index % 3 == 2 else 0
                comments_xml.append(_comment(rng, comment_id, parent, day))
            out.write(
                f"""	<item>
		<title><![CDATA[{_sentence(rng, 7)[:-1]}]]></title>
		<link>https://gazette.example/{day.replace("-", "/")}/{slug}/</link>
		<dc:creator><![CDATA[{AUTHORS[post_id % len(AUTHORS)]}]]></dc:creator>
		<content:encoded><![CDATA[{body}]]></content:encoded>
		<excerpt:encoded><![CDATA[{_sentence(rng, 15)}]]></excerpt:encoded>
		<wp:post_id>{post_id}</wp:post_id>
		<wp:post_date><![CDATA[{day} 09:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[{day} 13:00:00]]></wp:post_date_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[{slug}]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<category domain="category" nicename="{section}"><![CDATA[{section.title()}]]></category>
{tags}{"".join(comments_xml)}	</item>
"""
            )
        out.write("</channel>\n</rss>\n")


# Runs a command and reports the peak memory of that command alone: a fresh Python parent waits for
# it, so no other child of the caller (a server, a browser) counts towards the figure.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:])\n"
    "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def run_measured(command, **options):
    """Run `command`; (completed process, peak resident memory in MB). Linux reports ru_maxrss in KiB."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, **options)
    last = done.stderr.strip().splitlines()[-1]
    name, kilobytes = last.split()
    assert name == "peak-rss-kb", done.stderr
    return done, int(kilobytes) / 1024
