"""Favourites (收藏): the listings a resident saved to come back to."""
