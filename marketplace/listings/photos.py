"""Listing photos: checked to be real images of an allowed type and size, stored under instance/uploads."""
from __future__ import annotations

import io
import os
import uuid

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.core import audit
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import can_edit_listing
from marketplace.listings.models import Listing, Photo
from marketplace.listings.services import record_change

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
                   "GIF": ("image/gif", "gif")}
MAX_PHOTOS_PER_LISTING = 8
MAX_PIXELS = 40_000_000


def add_photo(session: Session, actor: User, listing: Listing, content: bytes, *, upload_dir: str,
              max_bytes: int) -> Photo:
    """Store an uploaded image for the listing; raises ValidationFailed if it is too big or not an image."""
    if not can_edit_listing(actor, listing):
        raise Forbidden(_l("你没有修改这个资源的权限"))
    if not content:
        raise ValidationFailed("photo", _l("请选择要上传的图片"))
    if len(content) > max_bytes:
        raise ValidationFailed("photo", _l("图片不能超过%(mb)sMB", mb=max_bytes // (1024 * 1024)))
    if len(listing.photos) >= MAX_PHOTOS_PER_LISTING:
        raise ValidationFailed("photo", _l("每个资源最多8张图片"))
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed("photo", _l("文件不是有效的图片")) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationFailed("photo", _l("只支持JPEG、PNG、WebP或GIF图片"))
    if width * height > MAX_PIXELS:
        raise ValidationFailed("photo", _l("图片尺寸太大"))
    content_type, extension = ALLOWED_FORMATS[image_format]
    filename = f"{uuid.uuid4().hex}.{extension}"
    os.makedirs(upload_dir, exist_ok=True)
    with open(os.path.join(upload_dir, filename), "wb") as stored:
        stored.write(content)
    photo = Photo(filename=filename, content_type=content_type, size_bytes=len(content),
                  position=len(listing.photos))
    listing.photos.append(photo)
    session.flush()
    audit.record(session, actor, "listing.add_photo", photo)
    record_change(session, actor, listing, "listing.add_photo")
    return photo


def remove_photo(session: Session, actor: User, listing: Listing, photo_id: int) -> str:
    """Detach a photo from the listing and return its stored file name (deleted by the caller after commit)."""
    if not can_edit_listing(actor, listing):
        raise Forbidden(_l("你没有修改这个资源的权限"))
    photo = next((p for p in listing.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound(_l("找不到这张图片"))
    before = audit.snapshot(photo)
    listing.photos.remove(photo)
    session.flush()
    audit.record(session, actor, "listing.remove_photo", object_type="photos", object_id=photo_id, before=before)
    record_change(session, actor, listing, "listing.remove_photo")
    return photo.filename


def discard_stored_photo(upload_dir: str, filename: str) -> None:
    """Delete a removed photo's file; call it only after the removal is committed, so a rollback keeps the file."""
    try:
        os.remove(os.path.join(upload_dir, os.path.basename(filename)))
    except FileNotFoundError:
        pass
