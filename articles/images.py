"""Images: renditions addressed by spec (the upload checks are the house's, newsroom/uploads.py).

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

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage

RENDITION_WIDTHS = (320, 640, 960, 1280)
JPEG_QUALITY = 82
WEBP_QUALITY = 78
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
