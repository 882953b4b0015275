"""Photos of a wish and of its fulfilment: optional on both faces, checked like listing photos (core.images),
seen only by those taking part and the community's staff, and bad uploads refused with a 4xx in the user's
language, with nothing stored."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.wishes import services as wishes
from marketplace.wishes.models import PhotoOf, Wish, WishPhoto
from marketplace.wishes.photos import MAX_PHOTOS
from tests.bookings.conftest import TODAY


def png(shade: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 16 + shade, 46)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str = "kitchen.png") -> dict:
    return {"photo": (io.BytesIO(content), name)}


def stored_files(app) -> set[str]:
    folder = os.path.join(app.config["UPLOAD_DIR"], "wishes")
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def fetched(client, url, **kwargs) -> tuple[int, str, bytes]:
    """A photo's status, type and bytes, the response closed (a served file stays open until it is)."""
    with client.get(url, **kwargs) as response:
        return response.status_code, response.mimetype, response.data


def photo_count(session) -> int:
    return session.scalar(select(func.count()).select_from(WishPhoto))


def test_a_resident_posts_a_wish_with_photos_that_only_those_taking_part_and_staff_see(
        app, client, session, world, login):
    login(world.resident)
    response = client.post("/wishes/new", content_type="multipart/form-data", data={
        "title": "帮忙修理水龙头", "need": "厨房水龙头漏水", "needed_by": (TODAY + timedelta(days=3)).isoformat(),
        "place_id": str(world.tree["c1_building"].id),
        "photo": [(io.BytesIO(png(1)), "tap.png"), (io.BytesIO(png(2)), "sink.png")]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    wish = session.scalars(select(Wish).where(Wish.title == "帮忙修理水龙头")).one()
    assert [(photo.of, photo.uploaded_by_id) for photo in wish.photos] == [(PhotoOf.wish, world.resident.id)] * 2
    url = f"/wishes/{wish.id}/photos/{wish.photos[0].id}"
    assert fetched(client, url) == (200, "image/png", png(1))
    assert url in client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    wishes.approve_wish(session, world.staff, wish, rules=world.rules)
    session.commit()

    login(world.volunteers[0])
    page = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert url not in page and 'data-testid="wish-photos-hidden"' in page
    assert client.get(url).status_code == 404, "a volunteer who has not claimed it cannot fetch the photo"
    assert "photos" not in client.get("/api/v1/wishes").json["items"][0]
    assert client.get(f"/api/v1/wishes/{wish.id}").json["details"] is None
    client.post("/logout")
    assert client.get(url).status_code == 404, "nor can anyone signed out"
    filename = wish.photos[0].filename
    assert [fetched(client, public)[0] for public in (f"/uploads/{filename}", f"/uploads/wishes/{filename}")] == [
        404, 404], "nor through the public uploads"

    login(world.staff)
    assert fetched(client, url)[0] == 200
    login(world.volunteers[0])
    assert client.post(f"/wishes/{wish.id}/claim").status_code == 302
    assert fetched(client, url)[0] == 200, "the claimant sees it once they have claimed"


def test_the_claimant_adds_a_photo_of_the_fulfilment_from_the_page_and_the_resident_sees_it(
        client, session, world, login):
    wish = world.claimed()
    login(world.volunteers[0])
    response = client.post(f"/wishes/{wish.id}/fulfil", content_type="multipart/form-data",
                           data={"note": "换好了", "hours": "1", "photo": (io.BytesIO(png(3)), "done.png")})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.refresh(wish)
    [photo] = wish.photos
    assert (photo.of, photo.uploaded_by_id) == (PhotoOf.fulfilment, world.volunteers[0].id)
    login(world.resident)
    assert fetched(client, f"/wishes/{wish.id}/photos/{photo.id}")[2] == png(3)


def test_a_refused_fulfilment_stores_no_photo(app, client, session, world, login):
    wish = world.claimed()
    login(world.volunteers[0])
    before = stored_files(app)
    response = client.post(f"/wishes/{wish.id}/fulfil", content_type="multipart/form-data",
                           data={"note": "换好了", "hours": "零", "photo": (io.BytesIO(png(3)), "done.png")})
    assert response.status_code == 422
    assert photo_count(session) == 0 and stored_files(app) == before


def test_through_the_api_the_poster_adds_photos_before_review_and_the_claimant_at_fulfilment(
        client, session, world, api_token):
    wish = world.posted()
    resident, volunteer = api_token(world.resident), api_token(world.volunteers[0])
    added = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=resident, data=upload(png(1)),
                        content_type="multipart/form-data")
    assert added.status_code == 201 and added.json["of"] == "wish"
    assert client.post(f"/api/v1/wishes/{wish.id}/photos", headers=volunteer, data=upload(png(2)),
                       content_type="multipart/form-data").status_code == 404, "a wish under review is not shown"

    wishes.approve_wish(session, world.staff, wish, rules=world.rules)
    session.commit()
    assert client.post(f"/api/v1/wishes/{wish.id}/photos", headers=volunteer, data=upload(png(2)),
                       content_type="multipart/form-data").status_code == 403, "not before claiming it"
    late = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=resident, data=upload(png(2)),
                       content_type="multipart/form-data")
    assert late.status_code == 409 and "不能再添加照片" in late.json["message"]

    wishes.claim_wish(session, world.volunteers[0], wish, rules=world.rules)
    session.commit()
    done = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=volunteer, data=upload(png(3)),
                       content_type="multipart/form-data")
    assert done.status_code == 201 and done.json["of"] == "fulfilment"
    details = client.get(f"/api/v1/wishes/{wish.id}", headers=resident).json["details"]
    assert [(photo["of"], photo["url"]) for photo in details["photos"]] == [
        ("wish", added.json["url"]), ("fulfilment", done.json["url"])]
    assert fetched(client, done.json["url"], headers=resident)[2] == png(3)


def test_a_wish_takes_at_most_its_limit_of_photos(app, client, session, world, api_token):
    wish = world.posted()
    headers = api_token(world.resident)
    for shade in range(MAX_PHOTOS):
        assert client.post(f"/api/v1/wishes/{wish.id}/photos", headers=headers, data=upload(png(shade)),
                           content_type="multipart/form-data").status_code == 201
    before = stored_files(app)
    refused = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=headers, data=upload(png(9)),
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.json == {"message": f"最多{MAX_PHOTOS}张照片", "field": "photo"}
    assert photo_count(session) == MAX_PHOTOS and stored_files(app) == before


def test_too_many_photos_on_the_posting_page_post_no_wish(app, client, session, world, login):
    login(world.resident)
    before = stored_files(app)
    response = client.post("/wishes/new", content_type="multipart/form-data", data={
        "title": "帮忙修理水龙头", "need": "厨房水龙头漏水", "needed_by": (TODAY + timedelta(days=3)).isoformat(),
        "place_id": str(world.tree["c1_building"].id),
        "photo": [(io.BytesIO(png(n)), f"p{n}.png") for n in range(MAX_PHOTOS + 1)]})
    assert response.status_code == 422 and f"最多{MAX_PHOTOS}张照片" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Wish)) == 0
    assert photo_count(session) == 0 and stored_files(app) == before


def test_one_bad_photo_among_good_ones_on_the_posting_page_stores_none(app, client, session, world, login):
    login(world.resident)
    before = stored_files(app)
    response = client.post("/wishes/new", content_type="multipart/form-data", data={
        "title": "帮忙修理水龙头", "need": "厨房水龙头漏水", "needed_by": (TODAY + timedelta(days=3)).isoformat(),
        "place_id": str(world.tree["c1_building"].id),
        "photo": [(io.BytesIO(png(1)), "tap.png"), (io.BytesIO(b"%PDF-1.4"), "menu.png")]})
    assert response.status_code == 422 and "文件不是有效的图片" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Wish)) == 0
    assert photo_count(session) == 0 and stored_files(app) == before


@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.4 not an image", "文件不是有效的图片"),
    (b"", "请选择要上传的图片"),
], ids=["not an image", "empty"])
def test_a_bad_photo_is_refused_and_nothing_is_stored(app, client, session, world, api_token, content, message):
    wish = world.posted()
    before = stored_files(app)
    response = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=api_token(world.resident),
                           data=upload(content, "kitchen.png"), content_type="multipart/form-data")
    assert response.status_code == 422 and response.json == {"message": message, "field": "photo"}
    assert photo_count(session) == 0 and stored_files(app) == before


def test_a_photo_over_the_size_limit_is_refused_in_english_for_an_english_user(
        app, client, session, world, api_token):
    wish = world.posted()
    headers = api_token(world.resident)
    assert client.patch("/api/v1/me", json={"locale": "en"}, headers=headers).status_code == 200
    oversized = png() + b"\0" * app.config["MAX_PHOTO_BYTES"]
    before = stored_files(app)
    # Encoded in memory: the test client would spool a body this large to a temporary file it never closes.
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(oversized), "big.png")})
    response = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=headers, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422 and response.json["message"] == "Photos must be at most 5 MB"
    assert photo_count(session) == 0 and stored_files(app) == before


def test_an_upload_without_a_photo_gets_a_422(client, world, api_token):
    wish = world.posted()
    response = client.post(f"/api/v1/wishes/{wish.id}/photos", headers=api_token(world.resident), data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "photo" in str(response.json)
