"""The demo's live story: election night in Harbour City, the count followed update by update. All of it
is original writing; the people, parties and places are invented."""

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape

from articles.live import LiveUpdate
from articles.models import Article, Byline, Image

SLUG = "harbour-city-mayoral-count-live"
HEADLINE = "Harbour City elects a mayor: the count, live"
STANDFIRST = (
    "Three candidates, twelve wards and a ferry full of ballot boxes: follow the count at the Pier 4 "
    "exhibition hall as the results come in."
)
BODY = (
    "<p>Voters in Harbour City chose a new mayor on Thursday after Mayor Oskar Brandt, in office for two "
    "terms, decided not to stand again. The Civic Alliance's Ines Varga, Harbour Labour's Paul Adeyemi and "
    "Greta Lind of the Greens are in the race.</p>"
    "<p>Ballots are counted by hand at the exhibition hall on Pier 4. The returning officer declares each "
    "ward's result as it is verified and counted, and the overall result once the last ward is in.</p>"
)
KEY_POINTS = [
    "Polls closed at 22:00; turnout is estimated at 58 per cent, the highest since 2009.",
    "Ines Varga (Civic Alliance) leads Paul Adeyemi (Harbour Labour) with ten of twelve wards declared.",
    "Harbour Labour has asked for a recount in Eastgate, where 38 votes separate the two leaders.",
    "The declaration is now expected after 03:00.",
]
HOURS_OF_COVERAGE = 5

# Oldest first: minutes before the demo was made, author, headline, paragraphs, pinned, key event.
UPDATES = [
    (
        300,
        "maria-okafor",
        "Polls have closed",
        [
            "Polling stations across the city closed at 22:00. Forty-one sealed ballot boxes from twelve wards "
            "are now on their way to Pier 4, most of them by van, three of them by ferry from Skerry Island."
        ],
        False,
        True,
    ),
    (
        285,
        "daniel-reyes",
        "",
        [
            "The returning officer, Hanna Sorensen, puts turnout at about 58 per cent. If that holds it is the "
            "highest for a mayoral election since 2009, when a ferry fare rise brought out the island vote."
        ],
        False,
        False,
    ),
    (
        262,
        "daniel-reyes",
        "How the count works",
        [
            "Before any vote is counted for a candidate, each box is opened and its ballots counted as paper, "
            "to check the number against the polling station's own record. Only then are they sorted by "
            "candidate. Doubtful ballots go to a table at the back of the hall, where the candidates' agents "
            "watch Ms Sorensen rule on each one."
        ],
        False,
        False,
    ),
    (
        231,
        "daniel-reyes",
        "Old Town declares first",
        [
            "The first ward is in. Old Town: Varga 4,112, Adeyemi 3,870, Lind 1,406. A narrow start for the "
            "Civic Alliance in a ward it has held at every election this century."
        ],
        False,
        True,
    ),
    (
        206,
        "maria-okafor",
        "",
        [
            "Harbour Labour's election agent, Tomasz Baird, says he is “very comfortable” with the Old Town "
            "figure. “We expected to lose the Old Town by a thousand. We lost it by two hundred and forty.”"
        ],
        False,
        False,
    ),
    (
        181,
        "daniel-reyes",
        "Island ballots held up by the swell",
        [
            "The ferry carrying the three boxes from Skerry Island has turned back to wait for calmer water at "
            "the harbour mouth. The boxes stay sealed and under police escort on board, the returning "
            "officer's staff say; no other ward is affected."
        ],
        False,
        False,
    ),
    (
        152,
        "daniel-reyes",
        "Halfway: six wards of twelve",
        [
            "With six wards declared the running totals are Varga 24,380, Adeyemi 23,115 and Lind 9,040. The "
            "wards still to come include Eastgate and the docks, where Harbour Labour is strongest."
        ],
        False,
        False,
    ),
    (
        118,
        "maria-okafor",
        "Lind: the Greens will hold the balance",
        [
            "Greta Lind has told supporters in the hall that she cannot win, but that whoever becomes mayor "
            "will need the Greens' four councillors to pass a budget. “The bridge, the bus lanes, the flood "
            "wall: none of it happens without us,” she said."
        ],
        False,
        False,
    ),
    (
        93,
        "daniel-reyes",
        "The island boxes are in",
        [
            "The ferry from Skerry Island docked at 01:47. The three boxes were carried into the hall to "
            "applause from counting staff who had waited two hours for them."
        ],
        False,
        False,
    ),
    (
        68,
        "daniel-reyes",
        "Recount in Eastgate",
        [
            "Eastgate's first count gave Varga 5,212 and Adeyemi 5,174: a margin of 38 votes. Harbour Labour has "
            "asked for a recount and Ms Sorensen has granted it. The ward's ballots are being counted again "
            "from the start, verification included."
        ],
        False,
        True,
    ),
    (
        41,
        "maria-okafor",
        "",
        [
            "Ms Sorensen now expects to declare the overall result after 03:00, once the Eastgate recount and "
            "the docks ward are complete. Both campaigns have asked their supporters to stay."
        ],
        False,
        False,
    ),
    (
        16,
        "maria-okafor",
        "Where the count stands",
        [
            "Ten of twelve wards are declared. Varga leads with 41,906 votes to Adeyemi's 40,288; Lind has "
            "15,320. Still to come: the docks, and the Eastgate recount.",
            "Whoever wins takes office on Monday and inherits the harbour bridge vote set for the end of the week.",
        ],
        True,
        False,
    ),
]
# The Old Town figures were first posted with a typing error, corrected a few minutes later.
CORRECTED_HEADLINE = "Old Town declares first"


def _paragraphs(texts):
    return "".join(f"<p>{escape(text)}</p>" for text in texts)


def seed_live_story(sections, authors, picture):
    """The running live story and its updates; nothing when it is there already. `picture` draws an
    illustration (width, height, hue, seed) as the other demo stories' are drawn."""
    if Article.objects.filter(slug=SLUG).exists():
        return None
    now = timezone.now()
    hero = Image.objects.create(
        file=ContentFile(picture(1600, 900, 205, SLUG), name=f"{SLUG}.jpg"),
        alt_text="Counting staff at long tables in the exhibition hall on Pier 4",
        caption="The count at the Pier 4 exhibition hall.",
        credit="Illustration: Newsroom demo",
    )
    ferry = Image.objects.create(
        file=ContentFile(picture(1200, 800, 190, f"{SLUG}-ferry"), name=f"{SLUG}-ferry.jpg"),
        alt_text="The Skerry Island ferry at the harbour mouth in a heavy swell",
        caption="The Skerry Island ferry waiting for calmer water.",
        credit="Illustration: Newsroom demo",
    )
    article = Article.objects.create(
        headline=HEADLINE,
        slug=SLUG,
        section=sections["elections"],
        standfirst=STANDFIRST,
        body=BODY,
        hero_image=hero,
        status=Article.Status.PUBLISHED,
        publish_at=now - timezone.timedelta(hours=HOURS_OF_COVERAGE),
        priority=1,
        live_from=now - timezone.timedelta(hours=HOURS_OF_COVERAGE),
        key_points="<ul>" + "".join(f"<li>{escape(point)}</li>" for point in KEY_POINTS) + "</ul>",
    )
    Byline.objects.create(article=article, author=authors["daniel-reyes"], position=0)
    Byline.objects.create(article=article, author=authors["maria-okafor"], position=1)
    article.tags.add("Elections", "City Hall")
    for minutes_ago, author_slug, headline, paragraphs, pinned, key_event in UPDATES:
        published_at = now - timezone.timedelta(minutes=minutes_ago)
        LiveUpdate.objects.create(
            article=article,
            author=authors[author_slug],
            created_by=authors[author_slug].user,
            headline=headline,
            body=_paragraphs(paragraphs),
            image=ferry if headline == "Island ballots held up by the swell" else None,
            pinned=pinned,
            key_event=key_event,
            status=LiveUpdate.Status.PUBLISHED,
            published_at=published_at,
            corrected_at=published_at + timezone.timedelta(minutes=6) if headline == CORRECTED_HEADLINE else None,
        )
    return article
