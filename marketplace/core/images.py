"""Uploaded images: checked to be real images of an allowed type and size, then stored under a folder of
instance/uploads. Every area that takes photos (listings, wishes) checks and stores them here."""
from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass

from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
                   "GIF": ("image/gif", "gif")}
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str
    extension: str

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def check_image(content: bytes, *, max_bytes: int, field: str = "photo") -> CheckedImage:
    """The upload as an image of an allowed format; raises ValidationFailed(field) when it is empty, bigger than
    ``max_bytes``, not an image, of another format or of too many pixels."""
    if not content:
        raise ValidationFailed(field, _l("请选择要上传的图片"))
    if len(content) > max_bytes:
        raise ValidationFailed(field, _l("图片不能超过%(mb)sMB", mb=max_bytes // (1024 * 1024)))
    from PIL import Image, UnidentifiedImageError  # on the first upload, not with every worker (about 2 MB)

    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(field, _l("文件不是有效的图片")) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationFailed(field, _l("只支持JPEG、PNG、WebP或GIF图片"))
    if width * height > MAX_PIXELS:
        raise ValidationFailed(field, _l("图片尺寸太大"))
    content_type, extension = ALLOWED_FORMATS[image_format]
    return CheckedImage(content, content_type, extension)


def store_image(folder: str, image: CheckedImage) -> str:
    """Write the image under ``folder`` with a fresh random name and return that name."""
    filename = f"{uuid.uuid4().hex}.{image.extension}"
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, filename), "wb") as stored:
        stored.write(image.content)
    return filename


def discard_stored_image(folder: str, filename: str) -> None:
    """Delete a removed image's file; call it only after the removal is committed, so a rollback keeps the file."""
    try:
        os.remove(os.path.join(folder, os.path.basename(filename)))
    except FileNotFoundError:
        pass
