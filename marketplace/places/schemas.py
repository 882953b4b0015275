"""What the API reads and writes about the community tree."""
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs, collection_schema
from marketplace.core.schemas import InputSchema, id_field, text_field
from marketplace.places.models import PlaceKind


class PlaceSchema(Schema):
    id = fields.Integer()
    kind = fields.Enum(PlaceKind, metadata={"description": "street 街道 / community 社区 / grid 网格 / building 楼栋"})
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    full_name = fields.String(metadata={"description": "从街道到本节点的完整名称"})


PlacePageSchema = collection_schema(PlaceSchema)


class PlaceNodeSchema(Schema):
    """One node of the nested tree, with its children."""

    id = fields.Integer()
    kind = fields.Enum(PlaceKind)
    name = fields.String()
    children = fields.List(fields.Nested(lambda: PlaceNodeSchema()))


def tree_nodes(children_by_parent: dict, parent_id: int | None = None) -> list[dict]:
    """The nested form of a parent id → children mapping, from ``parent_id`` down."""
    return [
        {"id": place.id, "kind": place.kind, "name": place.name,
         "children": tree_nodes(children_by_parent, place.id)}
        for place in children_by_parent.get(parent_id, [])
    ]


class PlaceCreateSchema(InputSchema):
    name = text_field(100, required=True)
    parent_id = id_field(allow_none=True, load_default=None,
                         metadata={"description": "上级节点；不填则新增街道，其余层级由上级决定"})


class PlaceQuerySchema(PageArgs):
    kind = fields.Enum(PlaceKind)
    parent_id = id_field(strict=False)
