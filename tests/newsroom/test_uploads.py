"""Hostile uploads through every image field of the admin, beyond tests/articles/test_images.py:
a real 50 MB file, wrong and double extensions, polyglots, more truncated formats and declared
bombs, and the site-settings and ad-slot image fields. Each is refused with a message that says
why, and nothing is stored."""

import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from articles.models import AdSlot, Image
from newsroom.models import SiteSettings

pytestmark = pytest.mark.django_db

NOT_AN_IMAGE = "This file is not an image, or it is damaged; upload a JPEG, PNG, WebP or GIF image."
SCRIPT_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


def encoded(fmt, size=(64, 48), mode="RGB"):
    buffer = io.BytesIO()
    PILImage.new(mode, size, "teal").save(buffer, fmt)
    return buffer.getvalue()


def jpeg_declaring(width, height):
    """A small, well-formed JPEG whose frame header claims `width`×`height` pixels."""
    data = bytearray(encoded("JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def upload_image(client, content, name):
    return client.post(
        "/admin/articles/image/add/",
        {"file": SimpleUploadedFile(name, content), "alt_text": "A harbour at dawn", "_save": "Save"},
    )


def errors_of(response, field):
    assert response.status_code == 200, f"the upload was accepted ({response.status_code})"
    return " ".join(str(error) for error in response.context["adminform"].form.errors.get(field, []))


REFUSED = {
    "50 MB file": (encoded("JPEG")[:-2] + b"\0" * (50 * 1024 * 1024), "huge.jpg", "images may be at most 20 MB"),
    "png named .php": (encoded("PNG"), "shell.php", "File extension “php” is not allowed"),
    "png named .html": (encoded("PNG"), "page.html", "File extension “html” is not allowed"),
    "double extension": (encoded("PNG"), "photo.jpg.php", "File extension “php” is not allowed"),
    "png named .svg": (encoded("PNG"), "logo.svg", "File extension “svg” is not allowed"),
    "svg with script named .gif": (SCRIPT_SVG, "logo.gif", NOT_AN_IMAGE),
    "gif and script polyglot": (b"GIF89a/*<svg onload=alert(1)>*/=alert(1)//;", "poly.gif", NOT_AN_IMAGE),
    "truncated webp": (encoded("WEBP", (300, 300))[:120], "cut.webp", NOT_AN_IMAGE),
    "truncated gif": (encoded("GIF", (300, 300))[:40], "cut.gif", NOT_AN_IMAGE),
    "header only": (b"\x89PNG\r\n\x1a\n", "header.png", NOT_AN_IMAGE),
    "declared jpeg bomb": (jpeg_declaring(60_000, 60_000), "bomb.jpg", "far too large once decompressed"),
    "declared 64 megapixels": (jpeg_declaring(8_000, 8_000), "big.jpg", "images may have at most 40 megapixels"),
    "bmp": (encoded("BMP"), "scan.bmp", "BMP files are not accepted"),
}


@pytest.mark.parametrize("content,name,message", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_a_clear_message_and_nothing_stored(editor_client, media_root, content, name, message):
    response = upload_image(editor_client, content, name)
    assert message in errors_of(response, "file")
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_script_appended_to_a_real_image_is_not_kept(editor_client, media_root):
    """A valid GIF with markup after its end is accepted, re-encoded, and the markup is gone."""
    response = upload_image(editor_client, encoded("GIF") + b"<script>alert(1)</script>", "trailer.gif")
    assert response.status_code == 302
    for path in stored_files(media_root):
        assert b"<script" not in path.read_bytes(), path.name


@pytest.mark.parametrize(
    "field",
    ["logo", "default_share_image"],
)
@pytest.mark.parametrize(
    "content,name",
    [(SCRIPT_SVG, "logo.svg"), (encoded("PNG")[:30], "cut.png"), (jpeg_declaring(60_000, 60_000), "bomb.jpg")],
    ids=["svg with script", "truncated", "declared bomb"],
)
def test_site_settings_images_are_checked(editor_client, media_root, field, content, name):
    response = editor_client.post(SITE_SETTINGS_URL, site_settings_form(**{field: SimpleUploadedFile(name, content)}))
    assert errors_of(response, field)
    assert not getattr(SiteSettings.objects.get(pk=1), field)
    assert stored_files(media_root) == []


def test_a_good_site_logo_is_accepted(editor_client):
    """The form the refusals start from is itself accepted, so each refusal is the file's doing."""
    response = editor_client.post(
        SITE_SETTINGS_URL, site_settings_form(logo=SimpleUploadedFile("logo.png", encoded("PNG")))
    )
    assert response.status_code == 302
    assert SiteSettings.objects.get(pk=1).logo


SITE_SETTINGS_URL = "/admin/newsroom/sitesettings/1/change/"


def site_settings_form(**files):
    SiteSettings.current()
    return {
        "name": "Newsroom",
        "paragraphs_between_ads": "4",
        "comments_per_hour_per_ip": "10",
        "comments_per_hour_per_email": "10",
        "minimum_seconds_to_comment": "3",
        "thread_depth": "3",
        "comments_per_page": "50",
        "hold_links_threshold": "2",
        "close_comments_after_days": "0",
        "social_links-TOTAL_FORMS": "0",
        "social_links-INITIAL_FORMS": "0",
        "footer_links-TOTAL_FORMS": "0",
        "footer_links-INITIAL_FORMS": "0",
        **files,
    }


def test_ad_slot_images_are_checked(editor_client, media_root):
    response = editor_client.post(
        "/admin/articles/adslot/add/",
        {
            "name": "Sponsor",
            "placement": AdSlot.Placement.IN_ARTICLE,
            "position": "0",
            "image": SimpleUploadedFile("ad.svg", SCRIPT_SVG),
            "image_alt": "Our sponsor",
            "is_active": "on",
            "max_per_article": "1",
        },
    )
    assert errors_of(response, "image")
    assert not AdSlot.objects.exists()
    assert stored_files(media_root) == []
