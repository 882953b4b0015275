"""What the HSDS API gives: HSDS 3 objects as the standard names them, and its paginated list."""
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs

UUID = {"format": "uuid"}


class PhoneSchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    contact_id = fields.String(metadata=UUID)
    number = fields.String(required=True, metadata={"description": "公开的电话号码"})
    description = fields.String(metadata={"description": "办公时间或备注"})


class ContactSchema(Schema):
    """A public contact: an organisation's office, or what a volunteer chose to show (never more)."""
    id = fields.String(required=True, metadata=UUID)
    organization_id = fields.String(metadata=UUID)
    service_id = fields.String(metadata=UUID)
    name = fields.String()
    phones = fields.List(fields.Nested(PhoneSchema))


class OrganizationSummarySchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    name = fields.String(required=True)
    description = fields.String(required=True)


class OrganizationSchema(OrganizationSummarySchema):
    contacts = fields.List(fields.Nested(ContactSchema))


class AddressSchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    location_id = fields.String(metadata=UUID)
    address_1 = fields.String(required=True)
    city = fields.String(required=True, metadata={"description": "街道"})
    region = fields.String(metadata={"description": "社区"})
    state_province = fields.String(required=True)
    postal_code = fields.String(required=True)
    country = fields.String(required=True)
    address_type = fields.String(required=True)


class LocationSchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    organization_id = fields.String(metadata=UUID)
    location_type = fields.String(required=True)
    name = fields.String()
    # HSDS 3.0 spells the list of addresses so.
    addresss = fields.List(fields.Nested(AddressSchema))


class ScheduleSchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    service_id = fields.String(metadata=UUID)
    freq = fields.String(metadata={"description": "WEEKLY"})
    byday = fields.String(metadata={"description": "MO … SU"})
    opens_at = fields.String(metadata={"description": "HH:MM 加时区偏移"})
    closes_at = fields.String()
    timezone = fields.Float(metadata={"description": "与 UTC 相差的小时数"})


class ServiceAtLocationSchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    service_id = fields.String(metadata=UUID)
    location_id = fields.String(metadata=UUID)
    location = fields.Nested(LocationSchema)


class ServiceSummarySchema(Schema):
    id = fields.String(required=True, metadata=UUID)
    organization_id = fields.String(metadata=UUID)
    name = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    organization = fields.Nested(OrganizationSummarySchema)


class ServiceSchema(ServiceSummarySchema):
    organization = fields.Nested(OrganizationSchema)
    service_at_locations = fields.List(fields.Nested(ServiceAtLocationSchema))
    schedules = fields.List(fields.Nested(ScheduleSchema))
    contacts = fields.List(fields.Nested(ContactSchema))


def hsds_page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The HSDS 3 API's paginated list of ``item``."""
    return type(name, (Schema,), {
        "__doc__": "HSDS 3 分页列表",
        "total_items": fields.Integer(required=True),
        "total_pages": fields.Integer(required=True),
        "page_number": fields.Integer(required=True),
        "size": fields.Integer(required=True),
        "first_page": fields.Boolean(required=True),
        "last_page": fields.Boolean(required=True),
        "empty": fields.Boolean(required=True),
        "contents": fields.List(fields.Nested(item), required=True),
    })


ServicePageSchema = hsds_page_schema(ServiceSummarySchema, "HsdsServicePageSchema")
OrganizationPageSchema = hsds_page_schema(OrganizationSchema, "HsdsOrganizationPageSchema")
ServiceAtLocationPageSchema = hsds_page_schema(ServiceAtLocationSchema, "HsdsServiceAtLocationPageSchema")


class HsdsPageArgs(PageArgs):
    """Paging as the HSDS API does it (``page``, ``per_page``)."""


class ServiceEntrySchema(Schema):
    kind = fields.String(required=True, metadata={"description": "served（为组织服务）、skill（自己的技能）、wish（圆梦心愿）"})
    at = fields.DateTime(required=True, metadata={"description": "服务时间（UTC）"})
    title = fields.String(required=True)
    hours = fields.String(required=True, metadata={"description": "服务时长（小时）（如 \"1.5\"）"})
    issuer = fields.String(required=True, metadata={"description": "记录单位：org-<id> 或 platform"})
    issuer_name = fields.String(required=True)


class EvaluationSchema(Schema):
    at = fields.DateTime(required=True)
    stars = fields.Integer(required=True)
    text = fields.String(required=True)


class CertificateSchema(Schema):
    number = fields.String(required=True, metadata={"description": "证明编号（同一份记录总是同一个编号）"})
    issuer = fields.String(required=True)
    issuer_name = fields.String(required=True)
    hours = fields.String(required=True, metadata={"description": "小时数（如 \"1.5\"）"})


class VolunteerRecordSchema(Schema):
    """志愿服务记录：基本信息、服务记录、评价、各记录单位出具的时长证明（不含身份证号）"""
    number = fields.String(required=True, metadata={"description": "志愿者编号"})
    name = fields.String(required=True, attribute="user.display_name")
    hours = fields.String(required=True, metadata={"description": "累计服务时长（小时）（如 \"1.5\"）"})
    entries = fields.List(fields.Nested(ServiceEntrySchema), required=True)
    evaluations = fields.List(fields.Nested(EvaluationSchema), required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), required=True,
                               metadata={"description": "每个记录单位出具一份"})
    training_modelled = fields.Boolean(required=True, metadata={"description": "本平台是否记录培训（否）"})
    honours_modelled = fields.Boolean(required=True, metadata={"description": "本平台是否记录表彰（否）"})


class VolunteerRowSchema(Schema):
    number = fields.String(required=True)
    name = fields.String(required=True)
    services = fields.Integer(required=True)
    hours = fields.String(required=True, metadata={"description": "小时数（如 \"1.5\"）"})
    first_at = fields.DateTime(required=True)
    last_at = fields.DateTime(required=True)
