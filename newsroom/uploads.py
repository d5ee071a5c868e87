"""Upload checks for every image the site accepts (article pictures, portraits, logos, ads):
Pillow opens each one, refuses what is not a sane image (format, size, pixel count, decompression
bombs) with a message that says which rule it broke, and re-encodes it without its metadata."""

import io
import os

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
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
