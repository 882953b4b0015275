"""What the API reads and writes about favourites."""
from marshmallow import Schema, fields

from marketplace.core.api import PageArgs, collection_schema
from marketplace.listings.schemas import ListingSchema


class FavouriteSchema(Schema):
    listing = fields.Nested(ListingSchema)
    saved_at = fields.DateTime(attribute="created_at", metadata={"description": "收藏的时间"})


FavouritePageSchema = collection_schema(FavouriteSchema)


class FavouriteQuerySchema(PageArgs):
    """Paging through my favourites, latest first."""
