"""Uploads through the admin: anything that is not a sane image is refused with a message that says
why; a good image is stored without its metadata and gets its renditions."""

import importlib
import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage

from articles import images
from articles.models import Author, Image
from newsroom import uploads

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
        monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 50_000)
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


def picture_of(colour, fmt, size=(1000, 600)):
    return encoded(PILImage.new("RGB", size, colour), fmt)


def recorded_renditions(record):
    return {entry[kind] for entry in record.values() for kind in ("webp", "fallback")}


def files_of(image):
    """Every stored file of an image, original and renditions, with its bytes."""
    image.refresh_from_db()
    names = {image.file.name} | recorded_renditions(image.renditions)
    return {name: default_storage.open(name).read() for name in names}


def colour_of(name):
    with default_storage.open(name) as saved, PILImage.open(saved) as picture:
        return picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))


def is_near(colour, expected, tolerance=12):
    return all(abs(channel - wanted) <= tolerance for channel, wanted in zip(colour, expected, strict=True))


def change(client, image, **fields):
    data = {"alt_text": image.alt_text, "caption": image.caption, "credit": image.credit, "_save": "Save"}
    data.update(fields)
    return client.post(f"/admin/articles/image/{image.pk}/change/", data)


class TestEachImageOwnsItsRenditions:
    @pytest.mark.parametrize(
        "first_name,second_name",
        [("same-name.jpg", "same-name.png"), ("photo.jpg", "photo.jpg")],
        ids=["same name, other format", "same file name"],
    )
    def test_a_second_upload_of_the_same_name_leaves_the_first_image_untouched(
        self, editor_client, first_name, second_name, django_capture_on_commit_callbacks
    ):
        """Both uploads land in the same month's folder, within the same second."""
        first_format, second_format = (
            name.rsplit(".", 1)[1].replace("jpg", "jpeg").upper() for name in (first_name, second_name)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(editor_client, picture_of((200, 30, 30), first_format), first_name).status_code == 302
            first = Image.objects.get()
            before = files_of(first)
            assert (
                upload(editor_client, picture_of((30, 30, 200), second_format, (800, 500)), second_name).status_code
                == 302
            )
        second = Image.objects.exclude(pk=first.pk).get()
        assert files_of(first) == before
        assert not set(files_of(second)) & set(before)
        for name in recorded_renditions(first.renditions):
            assert is_near(colour_of(name), (200, 30, 30)), name
        for name in recorded_renditions(second.renditions):
            assert is_near(colour_of(name), (30, 30, 200)), name

    def test_renditions_live_in_the_images_own_folder(self, editor_client):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        for name in recorded_renditions(image.renditions):
            assert name.startswith(f"renditions/{image.pk}/"), name

    def test_a_new_file_gets_new_addresses_and_only_the_images_own_old_files_go(
        self, editor_client, django_capture_on_commit_callbacks
    ):
        upload(editor_client, picture_of((200, 30, 30), "JPEG"), "harbour.jpg")
        upload(editor_client, picture_of((30, 200, 30), "JPEG"), "harbour.jpg")
        changed, neighbour = Image.objects.order_by("pk")
        old_files, neighbours_files = files_of(changed), files_of(neighbour)
        with django_capture_on_commit_callbacks(execute=True):
            response = change(
                editor_client, changed, file=SimpleUploadedFile("harbour.jpg", picture_of("navy", "JPEG"))
            )
        assert response.status_code == 302
        new_files = files_of(changed)
        assert not set(new_files) & set(old_files), "a changed picture must get new addresses, or caches show the old"
        assert not any(default_storage.exists(name) for name in old_files)
        assert all(is_near(colour_of(name), (0, 0, 128)) for name in recorded_renditions(changed.renditions))
        assert files_of(neighbour) == neighbours_files

    def test_a_changed_caption_keeps_the_renditions(self, editor_client, django_capture_on_commit_callbacks):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        before = files_of(image)
        with django_capture_on_commit_callbacks(execute=True):
            assert change(editor_client, image, caption="The harbour at dawn").status_code == 302
        assert files_of(image) == before

    def test_generating_again_rewrites_nothing_and_deletes_nothing(
        self, editor_client, django_capture_on_commit_callbacks
    ):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        before = files_of(image)
        with django_capture_on_commit_callbacks(execute=True):
            images.generate_renditions(image)
        assert files_of(image) == before

    def test_deleting_an_image_deletes_its_files_and_no_other(self, editor_client, django_capture_on_commit_callbacks):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        upload(editor_client, picture_of("olive", "PNG"), "harbour.png")
        doomed, kept = Image.objects.order_by("pk")
        doomed_files, kept_files = files_of(doomed), files_of(kept)
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(f"/admin/articles/image/{doomed.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Image.objects.filter(pk=doomed.pk).exists()
        assert not any(default_storage.exists(name) for name in doomed_files)
        assert files_of(kept) == kept_files


CHOOSE_AGAIN = (
    "“harbour.jpg” was not saved because of the other errors on this form: choose the file again before saving."
)


class TestAFailedSave:
    def test_the_form_says_the_file_must_be_chosen_again(self, editor_client, media_root):
        response = upload(editor_client, camera_jpeg(), "harbour.jpg", alt_text="")
        assert file_errors(response) == [CHOOSE_AGAIN]
        assert CHOOSE_AGAIN in response.content.decode()
        assert not Image.objects.exists()
        assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))

    def test_a_new_file_on_a_failed_change_is_not_kept_and_the_form_says_so(self, editor_client):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        before = files_of(image)
        response = change(editor_client, image, alt_text="", file=SimpleUploadedFile("harbour.jpg", camera_jpeg()))
        assert file_errors(response) == [CHOOSE_AGAIN]
        assert files_of(image) == before

    def test_no_such_message_when_no_file_was_chosen(self, editor_client):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        response = change(editor_client, Image.objects.get(), alt_text="")
        assert file_errors(response) == []


def old_scheme_name(image_file_name, width, extension):
    """Where renditions were written before they belonged to their image."""
    stem = image_file_name.rsplit(".", 1)[0]
    return f"renditions/{stem}-w{width}.{extension}"


def as_before_the_migration(image, old_file_name):
    """Give an image an old-scheme renditions record and files, named after `old_file_name`."""
    record = {}
    for spec, entry in image.renditions.items():
        record[spec] = dict(entry)
        for kind in ("webp", "fallback"):
            old = old_scheme_name(old_file_name, entry["width"], entry[kind].rsplit(".", 1)[1])
            content = default_storage.open(entry[kind]).read()
            default_storage.delete(entry[kind])
            if default_storage.exists(old):
                default_storage.delete(old)
            default_storage.save(old, ContentFile(content))
            record[spec][kind] = old
    Image.objects.filter(pk=image.pk).update(renditions=record)


class TestTheRenditionsMigration:
    @pytest.fixture
    def migrate(self, django_capture_on_commit_callbacks):
        from django.apps import apps

        migration = importlib.import_module("articles.migrations.0005_image_ownership_and_renditions")

        def run():
            with django_capture_on_commit_callbacks(execute=True):
                migration.move_renditions_into_their_images_folders(apps, None)

        return run

    def test_old_renditions_are_made_again_in_each_images_own_folder(self, editor_client, make_article, migrate):
        """Two images of the same name shared their old renditions: the second upload's pictures had
        replaced the first one's. After the migration each image shows its own picture again."""
        upload(editor_client, picture_of((200, 30, 30), "JPEG"), "same-name.jpg")
        upload(editor_client, picture_of((30, 30, 200), "PNG"), "same-name.png")
        red, blue = Image.objects.order_by("pk")
        as_before_the_migration(red, "images/2024/05/same-name.jpg")
        as_before_the_migration(blue, "images/2024/05/same-name.png")
        red.refresh_from_db()
        old_names = recorded_renditions(red.renditions)
        assert not all(is_near(colour_of(name), (200, 30, 30)) for name in old_names), "the bug reproduced"
        linked = red.renditions["width-640"]["webp"]
        make_article(body=f'<p>Seen from the pier.</p><figure><img src="/media/{linked}" alt="The pier"></figure>')

        migrate()

        for image, colour in ((red, (200, 30, 30)), (blue, (30, 30, 200))):
            image.refresh_from_db()
            assert set(image.renditions) == {"width-320", "width-640", "width-960", "width-1000"}
            for name in recorded_renditions(image.renditions):
                assert name.startswith(f"renditions/{image.pk}/"), name
                assert is_near(colour_of(name), colour), name
        assert [name for name in old_names if default_storage.exists(name)] == [linked], (
            "old files go, except one an article links to"
        )

    def test_running_it_again_changes_nothing(self, editor_client, migrate):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        as_before_the_migration(image, image.file.name)
        migrate()
        after_first_run = files_of(image)
        migrate()
        assert files_of(image) == after_first_run

    def test_an_image_whose_file_is_missing_keeps_its_record(self, editor_client, migrate):
        upload(editor_client, picture_of("teal", "JPEG"), "harbour.jpg")
        image = Image.objects.get()
        as_before_the_migration(image, image.file.name)
        image.refresh_from_db()
        record = image.renditions
        default_storage.delete(image.file.name)
        migrate()
        assert Image.objects.values_list("renditions", flat=True).get() == record
