"""A toy shop: products, prices and carts."""

from shop.models import Product

__all__ = ["Product"]
