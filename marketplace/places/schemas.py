from marshmallow import Schema, fields, validate

from marketplace.places.models import PlaceKind


class PlaceSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(PlaceKind)
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    full_name = fields.String()


class PlaceCreateSchema(Schema):
    kind = fields.Enum(PlaceKind, required=True)
    name = fields.String(required=True, validate=validate.Length(max=100))
    parent_id = fields.Integer(allow_none=True, load_default=None)


class PlaceQuerySchema(Schema):
    kind = fields.Enum(PlaceKind)
    parent_id = fields.Integer()
