"""The shopping cart."""
from shop.models import LineItem, Product
from shop.pricing import Discount, bulk_discount, with_tax
from shop.util.text import money


class Cart:
    """Line items and the discount that applies to them."""

    def __init__(self) -> None:
        self.items: list[LineItem] = []
        self.discount: Discount | None = None

    def add(self, product: Product, quantity: int = 1) -> None:
        self.items.append(LineItem(product, quantity))

    def subtotal_cents(self) -> int:
        total = 0
        for item in self.items:
            cents = self.discount.apply(item) if self.discount else item.total_cents()
            total += int(cents * (1 - bulk_discount(item.quantity)))
        return total

    def total(self) -> str:
        return money(with_tax(self.subtotal_cents()))
