"""Listing photos: checked and stored by core.images under instance/uploads, at most eight a listing."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.core import audit
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.images import check_image, store_image
from marketplace.core.i18n import _l
from marketplace.core.permissions import can_edit_listing
from marketplace.listings.models import Listing, Photo
from marketplace.listings.services import record_change

MAX_PHOTOS_PER_LISTING = 8


def add_photo(session: Session, actor: User, listing: Listing, content: bytes, *, upload_dir: str,
              max_bytes: int) -> Photo:
    """Store an uploaded image for the listing; raises ValidationFailed if it is too big or not an image."""
    if not can_edit_listing(actor, listing):
        raise Forbidden(_l("你没有修改这个资源的权限"))
    if len(listing.photos) >= MAX_PHOTOS_PER_LISTING:
        raise ValidationFailed("photo", _l("每个资源最多8张图片"))
    image = check_image(content, max_bytes=max_bytes)
    filename = store_image(upload_dir, image)
    photo = Photo(filename=filename, content_type=image.content_type, size_bytes=image.size_bytes,
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

