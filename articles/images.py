"""Images: upload checks, metadata stripping, and renditions addressed by spec.

An image is stored once; every size a page needs is derived from it, written
once, and looked up afterwards without touching the database (the renditions
are recorded on the Image row itself).

A rendition belongs to its image alone: it lives in the image's own folder,
renditions/<image pk>/, and its name ends with a hash of its bytes, so that no
other image can ever write over it and a changed picture gets a new address
that no browser or CDN has cached.
"""

import functools
import hashlib
import io
import os

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
RENDITION_WIDTHS = (320, 640, 960, 1280)
JPEG_QUALITY = 82
WEBP_QUALITY = 78
# What a re-encoded upload keeps: how it is drawn, never who took it, where or with what. Pillow would
# otherwise carry comments (JPEG, GIF) and other ancillary data over from the original.
KEPT_IMAGE_INFO = ("transparency", "icc_profile")


def _open_checked(upload):
    """Open an upload with Pillow and refuse anything that is not a sane image."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {upload.size // (1024 * 1024)} MB; images may be at most "
            f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        )
    upload.seek(0)
    try:
        with PILImage.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(f"{fmt or 'This'} files are not accepted; upload a JPEG, PNG, WebP or GIF image.")
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"This image is {width}×{height} pixels; "
                    f"images may have at most {MAX_PIXELS // 1_000_000} megapixels."
                )
            probe.verify()
        upload.seek(0)
        image = PILImage.open(upload)
        image.load()
    except ValidationError:
        raise
    except PILImage.DecompressionBombError:
        raise ValidationError("This image is far too large once decompressed and was refused.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not an image, or it is damaged; upload a JPEG, PNG, WebP or GIF image."
        ) from None
    finally:
        upload.seek(0)
    return image, fmt


class ImageUploadField(forms.ImageField):
    """Django's own check calls every refused file "not an image or a corrupted image"; when it refuses
    one, say which rule the file broke (format, size, pixel count, decompression bomb)."""

    def to_python(self, data):
        try:
            return super().to_python(data)
        except ValidationError as refusal:
            if refusal.code == "invalid_image":
                _open_checked(data)
            raise


def validate_upload(file):
    """Model-field validator: only runs the checks for a freshly uploaded file."""
    if getattr(file, "_committed", True):
        return
    _open_checked(file)


def clean_upload(file):
    """Re-encode an upload without its metadata (camera, location), upright."""
    image, fmt = _open_checked(file)
    image = ImageOps.exif_transpose(image)
    image.info = {key: image.info[key] for key in KEPT_IMAGE_INFO if key in image.info}
    colour_profile = image.info.get("icc_profile")
    output = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(output, "JPEG", quality=90, optimize=True, icc_profile=colour_profile)
    elif fmt == "GIF":
        image.save(output, "GIF")
    else:
        image.save(output, fmt, icc_profile=colour_profile)
    name = os.path.basename(file.name) or "image"
    return ContentFile(output.getvalue(), name=name)


RENDITION_HASH_LENGTH = 12


def rendition_folder(image):
    return f"renditions/{image.pk}/"


def _rendition_name(image, spec, content, fmt):
    digest = hashlib.sha256(content).hexdigest()[:RENDITION_HASH_LENGTH]
    return f"{rendition_folder(image)}{spec}-{digest}.{fmt.lower()}"


def rendition_files(renditions):
    """The stored files a renditions record (an Image row's `renditions`) points to."""
    return {entry[kind] for entry in renditions.values() for kind in ("webp", "fallback") if entry.get(kind)}


def delete_files_on_commit(names):
    """Delete stored files once the transaction that stopped using them commits: a rolled-back save
    still finds the files its row names."""
    doomed = sorted(name for name in names if name)
    if doomed:
        transaction.on_commit(functools.partial(_delete_stored, doomed))


def _delete_stored(names):
    for name in names:
        default_storage.delete(name)


def _store(name, content):
    # The name is unique to this image and to these bytes: a file already there is this very rendition.
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(content))


def generate_renditions(image, keep=frozenset()):
    """Write each width in WebP and in a JPEG/PNG fallback and record them on the row, then delete
    the files of the renditions the row recorded before, except those in `keep`. Only files named
    on this image's own row are ever deleted."""
    superseded = rendition_files(image.renditions)
    with default_storage.open(image.file.name, "rb") as source:
        original = PILImage.open(source)
        original.load()
    fallback = "PNG" if original.mode in ("RGBA", "LA", "P") and original.format != "JPEG" else "JPEG"
    renditions = {}
    widths = [w for w in RENDITION_WIDTHS if w < original.width] + [min(original.width, RENDITION_WIDTHS[-1])]
    for width in sorted(set(widths)):
        height = round(original.height * width / original.width)
        resized = original.convert("RGBA" if fallback == "PNG" else "RGB").resize((width, height), PILImage.LANCZOS)
        spec = f"width-{width}"
        renditions[spec] = {"width": width, "height": height}
        for fmt, options in (
            ("WEBP", {"quality": WEBP_QUALITY}),
            (fallback, {"quality": JPEG_QUALITY, "optimize": True}),
        ):
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **options)
            content = buffer.getvalue()
            stored = _store(_rendition_name(image, spec, content, fmt), content)
            renditions[spec]["webp" if fmt == "WEBP" else "fallback"] = stored
    image.renditions = renditions
    type(image).objects.filter(pk=image.pk).update(renditions=renditions)
    delete_files_on_commit(superseded - rendition_files(renditions) - set(keep))


def rendition(image, spec):
    """The rendition of `image` for `spec` ("width-640"): the nearest size not
    smaller than asked, else the largest, with URLs for WebP and the fallback."""
    if not image.renditions:
        generate_renditions(image)
    wanted = int(spec.removeprefix("width-"))
    sizes = sorted(image.renditions.values(), key=lambda r: r["width"])
    chosen = next((r for r in sizes if r["width"] >= wanted), sizes[-1])
    return {
        "width": chosen["width"],
        "height": chosen["height"],
        "url": default_storage.url(chosen["fallback"]),
        "webp_url": default_storage.url(chosen["webp"]),
    }


def srcset(image, kind="fallback"):
    """All renditions of one kind as an HTML srcset value."""
    if not image.renditions:
        generate_renditions(image)
    return ", ".join(
        f"{default_storage.url(r[kind])} {r['width']}w"
        for r in sorted(image.renditions.values(), key=lambda r: r["width"])
    )
