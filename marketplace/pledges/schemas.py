"""What the pledges API reads and writes."""
from marshmallow import Schema, fields

from marketplace.core.schemas import InputSchema, Range, id_field
from marketplace.core.zones import MAX_YEAR, MIN_YEAR
from marketplace.pledges.services import MAX_HOURS


def _hours(description: str, **kwargs):
    return fields.Integer(strict=True, validate=Range(min=0, max=MAX_HOURS), metadata={"description": description},
                          **kwargs)


class PledgeCreateSchema(InputSchema):
    organisation_id = id_field(required=True, metadata={"description": "签订共驻共建协议的驻区单位"})
    year = fields.Integer(strict=True, required=True, validate=Range(min=MIN_YEAR, max=MAX_YEAR))
    room_hours = _hours("承诺全年向社区开放场地的小时数", required=True)
    volunteer_hours = _hours("承诺全年本单位人员志愿服务的小时数", required=True)


class PledgeUpdateSchema(InputSchema):
    room_hours = _hours("承诺开放场地的小时数")
    volunteer_hours = _hours("承诺志愿服务的小时数")


class PledgeQuerySchema(InputSchema):
    year = fields.Integer(validate=Range(min=MIN_YEAR, max=MAX_YEAR), metadata={"description": "年度，默认今年"})
    organisation_id = id_field(strict=False)


class UnitSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class HoursSchema(Schema):
    room_hours = fields.Float(metadata={"description": "场地小时数"})
    volunteer_hours = fields.Float(metadata={"description": "志愿服务小时数"})


class PledgeSchema(Schema):
    id = fields.Integer(attribute="pledge.id")
    organisation = fields.Nested(UnitSchema, attribute="pledge.organisation")
    year = fields.Integer(attribute="pledge.year")
    pledged = fields.Nested(HoursSchema, attribute="pledge", metadata={"description": "承诺的小时数"})
    delivered = fields.Nested(HoursSchema, metadata={
        "description": "实际兑现：本单位场地类资源被他人预约并完成的小时数；本单位技能、服务类资源及本单位成员作为志愿者"
                       "提供的资源被他人预约并完成的小时数（按预约开始时间所在年度）"})
    room_share = fields.Float(allow_none=True, metadata={"description": "场地兑现比例（1.0 为全部兑现）"})
    volunteer_share = fields.Float(allow_none=True)
