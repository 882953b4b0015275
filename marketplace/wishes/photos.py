"""Photos of a wish (its poster's, while it is reviewed) and of its fulfilment (the claimant's, until the resident
confirms), checked and stored by core.images.

They are shown only to those taking part and the community's staff (``may_see_details``), never on the public
wall: a photo of a kitchen, a front door or a face can identify the resident, and nobody checks each photo
before it is shown. Volunteers see them once they claim or join. So they live in their own folder, which the
public /uploads route does not serve, and are sent by ``photo_file`` after the same check as the details.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.images import check_image, store_image
from marketplace.wishes.models import PhotoOf, Wish, WishPhoto, WishStatus
from marketplace.wishes.services import get_wish, may_see_details

MAX_PHOTOS = 3  # of the wish, and again of its fulfilment
UNDER_REVIEW = (WishStatus.pending, WishStatus.sent_back)
BEING_FULFILLED = (WishStatus.claimed, WishStatus.fulfilled)


@dataclass(frozen=True)
class PhotoStore:
    """Where wish photos are kept and how big one may be (the deployment's settings)."""

    folder: str
    max_bytes: int

    @classmethod
    def from_config(cls, config) -> PhotoStore:
        return cls(folder=os.path.join(config["UPLOAD_DIR"], "wishes"), max_bytes=config["MAX_PHOTO_BYTES"])


def add_photos(session: Session, actor: User, wish: Wish, contents: list[bytes], *,
               store: PhotoStore) -> list[WishPhoto]:
    """Attach uploaded images to the wish: its poster's while it is pending or sent back, the claimant's (of the
    fulfilment) while it is claimed or fulfilled. All are checked before any is stored.

    Raises Forbidden (neither), Conflict (the wish is past that step), ValidationFailed("photo") when one is
    empty, too big or not an image, or when they would make more than MAX_PHOTOS."""
    # Counted under the wish's row lock, so two uploads at the same instant cannot pass the limit together.
    session.refresh(wish, with_for_update=True)
    if actor.id == wish.posted_by_id and wish.status in UNDER_REVIEW:
        of = PhotoOf.wish
    elif actor.id == wish.claimant_id and wish.status in BEING_FULFILLED:
        of = PhotoOf.fulfilment
    elif actor.id in (wish.posted_by_id, wish.claimant_id):
        raise Conflict(_l("这个心愿当前是“%(status)s”，不能再添加照片", status=wish.status.label), field="photo")
    else:
        raise Forbidden(_l("只有发布人（审核前）和认领人（完成时）可以添加照片"))
    had = session.scalar(select(func.count()).select_from(WishPhoto)
                         .where(WishPhoto.wish_id == wish.id, WishPhoto.of == of))
    if had + len(contents) > MAX_PHOTOS:
        raise ValidationFailed("photo", _l("最多%(n)s张照片", n=MAX_PHOTOS))
    images = [check_image(content, max_bytes=store.max_bytes) for content in contents]
    photos = [WishPhoto(wish_id=wish.id, of=of, filename=store_image(store.folder, image),
                        content_type=image.content_type, size_bytes=image.size_bytes, uploaded_by_id=actor.id)
              for image in images]
    session.add_all(photos)
    session.flush()
    session.expire(wish, ["photos"])
    return photos


def photo_file(session: Session, viewer, wish_id, photo_id) -> WishPhoto:
    """The photo, for someone who may see the wish's details; NotFound otherwise (not even whether it exists)."""
    wish = get_wish(session, wish_id, viewer=viewer)
    photo = next((photo for photo in wish.photos if photo.id == photo_id), None)
    if photo is None or not may_see_details(session, viewer, wish):
        raise NotFound(_l("找不到这张图片"))
    return photo
