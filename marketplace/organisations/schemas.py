"""What the API reads and writes about organisations and their staff."""
from marshmallow import Schema, fields
from marshmallow.validate import Equal

from marketplace.accounts.masking import visible_phone
from marketplace.core.api import PageArgs, collection_schema, optional_user
from marketplace.core.schemas import InputSchema, JsonBoolean, N_, figure, id_field, rating_fields, text_field
from marketplace.listings.schemas import PlaceRefSchema
from marketplace.organisations.models import OrganisationStatus, OrganisationType, StaffRole

TYPE_HELP = ("community_office 社区居委会 / party_branch 党支部 / resident_unit 驻区单位 / enterprise 企业 / "
             "social_organisation 社会组织")
STATUS_HELP = "pending 待审核 / verified 已认证 / rejected 未通过"
ACTIVE_CAP_HELP = "每人（或团队）在本组织所有资源上同时有效的预约上限，1–1000；null 为不限"
OFFICE_HOURS_HELP = "对外办公时间，例如 周一至周五 9:00–17:00"
HOURS_CAP_HELP = "每人（或团队）每周在本组织所有资源上的预约小时上限，1–168；null 为不限"


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    type = fields.Enum(OrganisationType, metadata={"description": TYPE_HELP})
    description = fields.String()
    place = fields.Nested(PlaceRefSchema)
    address = fields.String()
    contact_phone = fields.String(metadata={"description": "组织的对外联系电话"})
    office_hours = fields.String(metadata={"description": OFFICE_HOURS_HELP})
    status = fields.Enum(OrganisationStatus, metadata={"description": STATUS_HELP})
    rejection_reason = fields.String(allow_none=True)
    max_active_bookings_per_booker = fields.Integer(allow_none=True, metadata={"description": ACTIVE_CAP_HELP})
    max_hours_per_week_per_booker = fields.Integer(allow_none=True, metadata={"description": HOURS_CAP_HELP})
    verified_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    locals().update(rating_fields("reputation"))
    reliability = figure(fields.Float, "reputation", "reliability", allow_none=True, metadata={
        "description": "守约率：已确认的预约中按约提供的比例（组织取消计为失约）；null 为还没有"})


OrganisationPageSchema = collection_schema(OrganisationSchema)


class OrganisationUpdateSchema(InputSchema):
    """An organisation's details; every one optional (PATCH changes only those given)."""

    name = text_field(100)
    type = fields.Enum(OrganisationType, metadata={"description": TYPE_HELP})
    place_id = id_field(metadata={"description": "所在的社区树节点"})
    description = text_field(5000)
    address = text_field(200)
    contact_phone = text_field(20)
    office_hours = text_field(200, metadata={"description": OFFICE_HOURS_HELP})
    max_active_bookings_per_booker = fields.Integer(
        strict=True, allow_none=True, metadata={"description": ACTIVE_CAP_HELP})
    max_hours_per_week_per_booker = fields.Integer(
        strict=True, allow_none=True, metadata={"description": HOURS_CAP_HELP})


class OrganisationApplicationSchema(OrganisationUpdateSchema):
    """An application to register an organisation; the applicant becomes its admin."""

    name = text_field(100, required=True)
    type = fields.Enum(OrganisationType, required=True, metadata={"description": TYPE_HELP})
    place_id = id_field(required=True, metadata={"description": "所在的社区树节点"})


class OrganisationQuerySchema(PageArgs):
    type = fields.Enum(OrganisationType, metadata={"description": TYPE_HELP})
    community = id_field(strict=False, metadata={"description": "社区树节点 id，包括其下的网格和楼栋"})
    status = fields.Enum(OrganisationStatus, load_default=OrganisationStatus.verified,
                         metadata={"description": "默认只列出已认证的组织；其他状态仅平台管理员可查"})


class RejectionSchema(InputSchema):
    reason = text_field(500, required=True, metadata={"description": "不通过的原因，申请人能看到"})


class MemberSchema(Schema):
    """A member as others may see them: the phone is masked except for the member and platform admins."""

    id = fields.Integer()
    display_name = fields.String()
    phone = fields.Function(lambda user: visible_phone(user, optional_user()), metadata={"type": "string"})


class StaffSchema(Schema):
    user = fields.Nested(MemberSchema)
    role = fields.Enum(StaffRole, metadata={"description": "staff 工作人员 / admin 管理员"})
    created_at = fields.DateTime(metadata={"description": "加入时间"})


class StaffCreateSchema(InputSchema):
    login = text_field(254, required=True, metadata={"description": "对方注册时用的手机号或邮箱"})
    role = fields.Enum(StaffRole, load_default=StaffRole.staff, metadata={"description": "staff 工作人员 / admin 管理员"})


class OfficeResetRequestSchema(InputSchema):
    login = text_field(254, required=True, metadata={"description": "居民的手机号码或邮箱"})
    identity_checked = JsonBoolean(required=True, validate=Equal(True, error=N_("请先当面核实居民身份")), metadata={
        "description": "已当面核实居民身份（必须为 true）"})


class OfficeResetSchema(Schema):
    user_id = fields.Integer(required=True)
    temporary_password = fields.String(required=True, metadata={
        "description": "一次性临时密码：当面交给居民，居民登录后必须先设置新密码"})
