"""The catalogue through the Open Referral HSDS 3 API (read-only, public): services, organisations, and where
each service is given."""
from flask import current_app
from flask.views import MethodView

from marketplace.core import clock
from marketplace.core.api import API_PREFIX, Blueprint, require_user
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.urls import ID
from marketplace.exchange import hsds, volunteers
from marketplace.exchange.schemas import (HsdsPageArgs, OrganizationPageSchema, OrganizationSchema,
                                          ServiceAtLocationPageSchema, ServiceAtLocationSchema, ServicePageSchema,
                                          ServiceSchema, VolunteerRecordSchema, VolunteerRowSchema)
from marketplace.extensions import db
from marketplace.organisations.services import get_organisation

blp = Blueprint("exchange_api", __name__, url_prefix=f"{API_PREFIX}/exchange/hsds",
                description="开放标准数据交换：按 Open Referral HSDS 3 提供资源目录")
records_blp = Blueprint("volunteer_records_api", __name__, url_prefix=API_PREFIX,
                        description="志愿服务记录与时长证明（谁记录谁证明）")


def _catalogue(listings, organisations=()) -> hsds.Catalogue:
    return hsds.Catalogue(hsds.export_tables(db.session, listings, zone=current_app.config["TIMEZONE"],
                                             now=clock.now(), organisations=organisations))


def _listings_page(args):
    return fetch_page(db.session, hsds.published_listings(), page=args["page"], per_page=args["per_page"])


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(HsdsPageArgs, location="query")
    @blp.response(200, ServicePageSchema)
    def get(self, args):
        """服务列表（HSDS 列表形式：服务本身及其组织）"""
        listings, total = _listings_page(args)
        catalogue = _catalogue(listings)
        items = [catalogue.service_summary(row["id"]) for row in catalogue.tables["service"]]
        return hsds.hsds_page(items, total, args["page"], args["per_page"])


@blp.route("/services/<uuid:service_id>")
class Service(MethodView):
    @blp.errors(404)
    @blp.response(200, ServiceSchema)
    def get(self, service_id):
        """一项服务的全部信息：组织、服务地点（含地址）、开放时间、公开联系方式"""
        listing = hsds.find_listing(db.session, str(service_id))
        if listing is None:
            raise NotFound(_l("找不到这项服务"))
        return _catalogue([listing]).service(str(service_id))


@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(HsdsPageArgs, location="query")
    @blp.response(200, OrganizationPageSchema)
    def get(self, args):
        """提供服务的组织列表"""
        organisations, total = fetch_page(db.session, hsds.organisations_with_services(), page=args["page"],
                                          per_page=args["per_page"])
        catalogue = _catalogue([], organisations)
        items = [catalogue.organization(row["id"]) for row in catalogue.tables["organization"]]
        return hsds.hsds_page(items, total, args["page"], args["per_page"])


@blp.route("/organizations/<uuid:organization_id>")
class Organization(MethodView):
    @blp.errors(404)
    @blp.response(200, OrganizationSchema)
    def get(self, organization_id):
        """一个组织及其公开联系方式"""
        organisation = hsds.find_organisation(db.session, str(organization_id))
        if organisation is None:
            raise NotFound(_l("找不到这个组织"))
        return _catalogue([], [organisation]).organization(str(organization_id))


@blp.route("/service_at_locations")
class ServiceAtLocations(MethodView):
    @blp.arguments(HsdsPageArgs, location="query")
    @blp.response(200, ServiceAtLocationPageSchema)
    def get(self, args):
        """服务与地点的对应（含地点和地址）"""
        listings, total = _listings_page(args)
        catalogue = _catalogue(listings)
        items = [catalogue.service_at_location(row["id"]) for row in catalogue.tables["service_at_location"]]
        return hsds.hsds_page(items, total, args["page"], args["per_page"])


@blp.route("/service_at_locations/<uuid:service_at_location_id>")
class ServiceAtLocation(MethodView):
    @blp.errors(404)
    @blp.response(200, ServiceAtLocationSchema)
    def get(self, service_at_location_id):
        """一处服务地点：服务在哪里提供（含地址）"""
        listing = hsds.find_listing(db.session, str(service_at_location_id), service_at_location=True)
        if listing is None:
            raise NotFound(_l("找不到这个服务地点"))
        return _catalogue([listing]).service_at_location(str(service_at_location_id))


@records_blp.route("/me/volunteer-record")
class MyVolunteerRecord(MethodView):
    @records_blp.login_required
    @records_blp.response(200, VolunteerRecordSchema)
    def get(self):
        """我的志愿服务记录（打印版证明见 /me/volunteer-record/certificates/<单位>）"""
        return volunteers.volunteer_record(db.session, require_user(), platform_name=_l("社区资源超市"))


@records_blp.route(f"/organisations/<{ID}:organisation_id>/volunteer-records")
class OrganisationVolunteerRecords(MethodView):
    @records_blp.login_required
    @records_blp.errors(403, 404)
    @records_blp.response(200, VolunteerRowSchema(many=True))
    def get(self, organisation_id):
        """本组织记录的志愿者及其服务时长（组织工作人员；CSV 版见 /organisations/<id>/volunteer-records.csv）"""
        return volunteers.organisation_volunteers(db.session, require_user(), get_organisation(db.session,
                                                                                                organisation_id))
