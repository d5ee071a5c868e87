"""The image library as the body editor's picker sees it: a bounded search by caption, credit or alt text,
and an upload that goes through the same checks as every other image (newsroom/uploads.py).

Asked through ImageAdmin's `library/` address, which checks the permissions; the answers are JSON for
js/admin-image-picker.js."""

from django import forms
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse

from articles.models import Image
from newsroom import uploads

# Enough to find a picture by a word or two of its caption; a search never reads more rows than this.
MAX_TERM_LENGTH = 100
MAX_RESULTS = 24
# The width of the rendition the body shows: the article column is narrower than this on every screen.
BODY_IMAGE_WIDTH = 960
THUMBNAIL_WIDTH = 320


def picker_attributes(user):
    """What the body editor's textarea tells the picker: where the library is, and whether this user may
    add to it. Nothing for a user who may not see the library."""
    if not (user.has_perm("articles.view_image") or user.has_perm("articles.change_image")):
        return {}
    attributes = {"data-image-library": reverse("admin:articles_image_library")}
    if user.has_perm("articles.add_image"):
        attributes["data-image-upload"] = "allowed"
    return attributes


def matching_images(term):
    images = Image.objects.order_by("-uploaded_at", "-id")
    term = term.replace("\x00", "").strip()[:MAX_TERM_LENGTH]
    if term:
        images = images.filter(Q(caption__icontains=term) | Q(credit__icontains=term) | Q(alt_text__icontains=term))
    return images[:MAX_RESULTS]


def picker_entry(image):
    shown = image.rendition(BODY_IMAGE_WIDTH)
    return {
        "id": image.pk,
        "alt": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "thumbnail": image.rendition(THUMBNAIL_WIDTH)["url"],
        "src": shown["url"],
        "width": shown["width"],
        "height": shown["height"],
    }


def search(request):
    images = matching_images(request.GET.get("q", ""))
    return JsonResponse({"images": [picker_entry(image) for image in images]})


class LibraryUploadForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit"]
        field_classes = {"file": uploads.ImageUploadField}


def upload(request):
    form = LibraryUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {field: [str(message) for message in messages] for field, messages in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    image = form.save(commit=False)
    image.uploaded_by = request.user
    image.save()
    return JsonResponse({"image": picker_entry(image)}, status=201)
