"""JSON face of listings: browse, create, edit, publish, suspend, hours, exceptions, photos."""
from dataclasses import replace

from flask import current_app
from flask.views import MethodView

from marketplace.core.api import API_PREFIX, Blueprint, optional_user, page_of, require_user
from marketplace.core.images import discard_stored_image
from marketplace.core.pagecache import anonymous_page
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings import photos, services
from marketplace.listings.schemas import (ListingCreateSchema, ListingExceptionSchema, ListingPageSchema,
                                          ListingQuerySchema, ListingSchema, ListingUpdateSchema, OpeningHoursSchema,
                                          PhotoSchema, PhotoUploadSchema, SuspendSchema)

blp = Blueprint("listings_api", __name__, url_prefix=API_PREFIX, description="资源：场地、技能、服务")


@blp.route("/listings")
class Listings(MethodView):
    @anonymous_page
    @blp.errors(404)
    @blp.arguments(ListingQuerySchema, location="query")
    @blp.response(200, ListingPageSchema)
    def get(self, args):
        """浏览已发布的资源（按类型、社区筛选，分页）

        `community` 是社区树节点的 id，结果包括其下所有网格和楼栋里的资源。
        """
        listings, total = services.browse_listings(db.session, kind=args.get("kind"), place_id=args.get("community"),
                                                   page=args["page"], per_page=args["per_page"], with_schedule=True)
        return page_of(listings, total, args)

    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.arguments(ListingCreateSchema)
    @blp.response(201, ListingSchema)
    def post(self, data):
        """新建资源（草稿）

        带 `organisation_id` 时以该组织名义创建（须是其工作人员）；不带则作为个人志愿者创建技能或服务。
        """
        organisation_id = data.pop("organisation_id")
        listing = services.create_listing(db.session, require_user(), services.ListingData(**data),
                                          organisation_id=organisation_id)
        db.session.commit()
        return listing


@blp.route(f"/listings/<{ID}:listing_id>")
class ListingDetail(MethodView):
    @anonymous_page
    @blp.login_optional
    @blp.errors(404)
    @blp.response(200, ListingSchema)
    def get(self, listing_id):
        """一个资源的详情（草稿和已暂停的资源只有提供方能看到）"""
        return services.get_listing(db.session, listing_id, viewer=optional_user())

    @blp.login_required
    @blp.errors(403, 404, 409)
    @blp.arguments(ListingUpdateSchema)
    @blp.response(200, ListingSchema)
    def patch(self, changes, listing_id):
        """修改资源（只改提交的字段；提供方的工作人员）"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        services.update_listing(db.session, user, listing, replace(services.listing_data(listing), **changes))
        db.session.commit()
        return listing


@blp.route(f"/listings/<{ID}:listing_id>/publish")
class ListingPublish(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 422)
    @blp.response(200, ListingSchema)
    def post(self, listing_id):
        """发布资源（需要已设置开放时间；组织须已通过认证）"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        services.publish_listing(db.session, user, listing)
        db.session.commit()
        return listing


@blp.route(f"/listings/<{ID}:listing_id>/suspend")
class ListingSuspend(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(SuspendSchema)
    @blp.response(200, ListingSchema)
    def post(self, data, listing_id):
        """暂停资源，不再公开（提供方或平台管理员）"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        services.suspend_listing(db.session, user, listing, data["reason"])
        db.session.commit()
        return listing


@blp.route(f"/listings/<{ID}:listing_id>/opening-hours")
class ListingOpeningHours(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(OpeningHoursSchema(many=True))
    @blp.response(200, OpeningHoursSchema(many=True))
    def put(self, intervals, listing_id):
        """设置每周开放时间（整体替换；同一天的时段不能重叠，结束须晚于开始）"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        services.set_opening_hours(db.session, user, listing,
                                   [services.HoursInterval(**interval) for interval in intervals])
        db.session.commit()
        return listing.opening_hours


@blp.route(f"/listings/<{ID}:listing_id>/exceptions")
class ListingExceptions(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.arguments(ListingExceptionSchema)
    @blp.response(201, ListingExceptionSchema)
    def post(self, data, listing_id):
        """添加例外安排：某天关闭（全天或一段时间）或额外开放"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        exception = services.add_exception(db.session, user, listing, services.ExceptionData(**data))
        db.session.commit()
        return exception


@blp.route(f"/listings/<{ID}:listing_id>/exceptions/<{ID}:exception_id>")
class ListingExceptionDetail(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.response(204)
    def delete(self, listing_id, exception_id):
        """删除一条例外安排"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        services.remove_exception(db.session, user, listing, exception_id)
        db.session.commit()


@blp.route(f"/listings/<{ID}:listing_id>/photos")
class ListingPhotos(MethodView):
    @blp.login_required
    @blp.errors(403, 404, 413)
    @blp.arguments(PhotoUploadSchema, location="files")
    @blp.response(201, PhotoSchema)
    def post(self, files, listing_id):
        """上传一张图片（multipart 字段 `photo`；JPEG、PNG、WebP 或 GIF，有大小限制）"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        max_bytes = current_app.config["MAX_PHOTO_BYTES"]
        photo = photos.add_photo(db.session, user, listing, files["photo"].read(max_bytes + 1),
                                 upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=max_bytes)
        db.session.commit()
        return photo


@blp.route(f"/listings/<{ID}:listing_id>/photos/<{ID}:photo_id>")
class ListingPhotoDetail(MethodView):
    @blp.login_required
    @blp.errors(403, 404)
    @blp.response(204)
    def delete(self, listing_id, photo_id):
        """删除一张图片"""
        user = require_user()
        listing = services.get_listing(db.session, listing_id, viewer=user)
        filename = photos.remove_photo(db.session, user, listing, photo_id)
        db.session.commit()
        discard_stored_image(current_app.config["UPLOAD_DIR"], filename)
