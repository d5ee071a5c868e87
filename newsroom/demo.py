"""Demo content of the house: the demo site's name, tagline and links."""

from newsroom.models import FooterLink, SiteSettings, SocialLink


def seed_site():
    # From the database, not the cache: the demo fills the database it is given.
    site, _ = SiteSettings.objects.get_or_create(pk=1)
    if site.name == "Newsroom" and not SocialLink.objects.exists():
        site.name = "The Civic Ledger"
        site.tagline = "Clear reporting on power, policy and the world"
        site.footer_text = "An independent newsroom. Demo content: every story, person and place here is fictional."
        site.save()
        for position, (network, url) in enumerate(
            [
                ("facebook", "https://www.facebook.com/"),
                ("x", "https://x.com/"),
                ("instagram", "https://www.instagram.com/"),
                ("youtube", "https://www.youtube.com/"),
                ("rss", "/feed/"),
            ]
        ):
            SocialLink.objects.create(
                network=network, url=url if url.startswith("http") else f"http://127.0.0.1{url}", position=position
            )
        for position, (label, url) in enumerate([("About us", "/section/world-news/"), ("RSS feed", "/feed/")]):
            FooterLink.objects.create(label=label, url=url, position=position)
