"""Uploads through the admin: anything that is not a sane image is refused with a message that says
why; a good image is stored without its metadata and gets its renditions."""

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage

from articles import images
from articles.models import Author, Image

ADD_URL = "/admin/articles/image/add/"


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_declaring(width, height):
    """A tiny, well-formed PNG whose header claims `width`×`height` pixels."""
    data = bytearray(encoded(PILImage.new("L", (1, 1)), "PNG"))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def camera_jpeg(width=1200, height=800):
    """A JPEG as a phone writes it: camera make, GPS position, rotated by an orientation tag, a comment."""
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Pocket 12"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 0.0),
    }
    picture = PILImage.new("RGB", (width, height), (200, 40, 40))
    return encoded(picture, "JPEG", exif=exif.tobytes(), comment=b"shot at the safe house")


def upload(client, content, name, alt_text="A harbour at dawn"):
    return client.post(
        ADD_URL,
        {"file": SimpleUploadedFile(name, content), "alt_text": alt_text, "caption": "", "credit": "", "_save": "Save"},
    )


def file_errors(response):
    assert response.status_code == 200, "the upload was accepted"
    return [str(error) for error in response.context["adminform"].form.errors.get("file", [])]


NOT_AN_IMAGE = "This file is not an image, or it is damaged; upload a JPEG, PNG, WebP or GIF image."
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
REFUSED_UPLOADS = {
    "text-file": (b"Minutes of the editorial meeting", "notes.jpg", NOT_AN_IMAGE),
    "html-file": (b"<html><script>alert(1)</script></html>", "page.png", NOT_AN_IMAGE),
    "svg": (SVG, "logo.svg", NOT_AN_IMAGE),
    "svg-named-png": (SVG, "logo.png", NOT_AN_IMAGE),
    "truncated-jpeg": (encoded(PILImage.new("RGB", (400, 300), "navy"), "JPEG")[:600], "cut.jpg", NOT_AN_IMAGE),
    "truncated-png": (encoded(PILImage.effect_noise((300, 300), 60), "PNG")[:3000], "cut.png", NOT_AN_IMAGE),
    "tiff": (
        encoded(PILImage.new("RGB", (10, 10)), "TIFF"),
        "scan.tiff",
        "TIFF files are not accepted; upload a JPEG, PNG, WebP or GIF image.",
    ),
    "empty": (b"", "empty.jpg", "The submitted file is empty."),
    "declared-bomb": (
        png_declaring(100_000, 100_000),
        "bomb.png",
        "This image is far too large once decompressed and was refused.",
    ),
}


class TestRefusedUploads:
    @pytest.mark.parametrize("content,name,message", REFUSED_UPLOADS.values(), ids=REFUSED_UPLOADS.keys())
    def test_refused_with_a_message_and_nothing_stored(self, editor_client, media_root, content, name, message):
        assert file_errors(upload(editor_client, content, name)) == [message]
        assert not Image.objects.exists()
        assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))

    def test_a_compressed_decompression_bomb_is_refused(self, editor_client):
        """12 kB on disk, 100 megapixels once decoded."""
        bomb = encoded(PILImage.new("1", (10_000, 10_000)), "PNG", optimize=True)
        assert len(bomb) < 100_000
        errors = file_errors(upload(editor_client, bomb, "bomb.png"))
        assert errors == ["This image is 10000×10000 pixels; images may have at most 40 megapixels."]
        assert not Image.objects.exists()

    def test_an_oversized_file_is_refused(self, editor_client, monkeypatch):
        monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 50_000)
        big = encoded(PILImage.effect_noise((300, 300), 80).convert("RGB"), "PNG")
        assert len(big) > 50_000
        errors = file_errors(upload(editor_client, big, "noise.png"))
        assert any("images may be at most" in error for error in errors), errors

    def test_alt_text_is_required(self, editor_client):
        response = upload(editor_client, camera_jpeg(), "harbour.jpg", alt_text="")
        assert response.status_code == 200
        assert "alt_text" in response.context["adminform"].form.errors
        assert not Image.objects.exists()

    def test_an_author_photo_is_checked_too(self, editor_client):
        response = editor_client.post(
            "/admin/articles/author/add/",
            {
                "name": "Wire Service",
                "slug": "wire",
                "bio": "",
                "photo": SimpleUploadedFile("w.png", png_declaring(100_000, 100_000)),
                "_save": "Save",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["photo"] == [REFUSED_UPLOADS["declared-bomb"][2]]
        assert not Author.objects.filter(slug="wire").exists()


class TestAcceptedUploads:
    @pytest.fixture
    def stored(self, editor_client):
        response = upload(editor_client, camera_jpeg(), "harbour.jpg")
        assert response.status_code == 302, response.context["adminform"].form.errors
        return Image.objects.get()

    def test_metadata_is_stripped(self, stored):
        with default_storage.open(stored.file.name) as saved, PILImage.open(saved) as picture:
            assert picture.format == "JPEG"
            assert dict(picture.getexif()) == {}
            assert "comment" not in picture.info
            assert "exif" not in picture.info
            assert not [key for key in picture.info if "xmp" in key.lower()]
        with default_storage.open(stored.file.name) as saved:
            raw = saved.read()
        assert b"PhoneMaker" not in raw and b"safe house" not in raw

    def test_orientation_is_applied_before_the_tag_is_dropped(self, stored):
        assert (stored.width, stored.height) == (800, 1200)

    def test_renditions_in_webp_and_a_fallback(self, stored):
        assert sorted(stored.renditions, key=lambda spec: int(spec.split("-")[1])) == [
            "width-320",
            "width-640",
            "width-800",
        ]
        for spec, rendition in stored.renditions.items():
            width = int(spec.split("-")[1])
            for kind, expected_format in (("webp", "WEBP"), ("fallback", "JPEG")):
                with default_storage.open(rendition[kind]) as saved, PILImage.open(saved) as picture:
                    assert picture.format == expected_format
                    assert picture.size == (width, rendition["height"])
                    assert dict(picture.getexif()) == {}

    def test_renditions_are_recorded_and_reused(self, stored, django_assert_num_queries):
        stored.refresh_from_db()
        names = {rendition["webp"] for rendition in stored.renditions.values()}
        with django_assert_num_queries(0):
            chosen = images.rendition(stored, "width-600")
        assert chosen["width"] == 640
        assert chosen["webp_url"].endswith(".webp") and chosen["url"].endswith(".jpeg")
        assert {rendition["webp"] for rendition in stored.renditions.values()} == names
        assert images.rendition(stored, "width-5000")["width"] == 800

    def test_a_transparent_png_keeps_a_png_fallback(self, editor_client):
        logo = PILImage.new("RGBA", (500, 200), (0, 0, 0, 0))
        response = upload(editor_client, encoded(logo, "PNG"), "logo.png")
        assert response.status_code == 302
        image = Image.objects.get()
        assert image.renditions["width-320"]["fallback"].endswith(".png")

    @pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
    def test_other_formats_lose_their_metadata_too(self, editor_client, fmt):
        exif = PILImage.Exif()
        exif[ExifTags.Base.Make] = "PhoneMaker"
        picture = PILImage.new("RGB", (300, 200), "teal")
        options = {"exif": exif.tobytes()} if fmt != "GIF" else {"comment": b"PhoneMaker"}
        response = upload(editor_client, encoded(picture, fmt, **options), f"picture.{fmt.lower()}")
        assert response.status_code == 302, response.context["adminform"].form.errors
        with default_storage.open(Image.objects.get().file.name) as saved:
            assert b"PhoneMaker" not in saved.read()

    def test_the_admin_list_shows_thumbnails(self, editor_client, stored):
        page = editor_client.get("/admin/articles/image/").content.decode()
        assert default_storage.url(stored.renditions["width-320"]["fallback"]) in page
