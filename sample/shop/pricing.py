"""Prices, taxes and discounts."""
import functools
from decimal import Decimal

from shop.models import LineItem, Priced

TAX_RATE = Decimal("0.2")


def with_tax(cents: int, rate: Decimal = TAX_RATE) -> int:
    """Add tax, rounding half up."""
    return int((Decimal(cents) * (1 + rate)).quantize(Decimal("1")))


@functools.lru_cache(maxsize=128)
def bulk_discount(quantity: int) -> Decimal:
    """The discount for buying many."""
    if quantity >= 100:
        return Decimal("0.15")
    if quantity >= 10:
        return Decimal("0.05")
    return Decimal(0)


class Discount:
    """A discount code."""

    def __init__(self, code: str, percent: int):
        self.code = code
        self.percent = percent

    def apply(self, item: LineItem) -> int:
        base = item.total_cents()
        return base - base * self.percent // 100


def cheapest(items: list[Priced]) -> Priced:
    return min(items, key=lambda p: p.price_cents())
