"""Domain objects."""
from dataclasses import dataclass, field
from typing import Protocol


class Priced(Protocol):
    """Anything with a price in cents."""

    def price_cents(self) -> int: ...


@dataclass(frozen=True)
class Product:
    """A thing for sale."""

    sku: str
    name: str
    cents: int
    tags: tuple[str, ...] = field(default_factory=tuple)

    def price_cents(self) -> int:
        return self.cents

    @property
    def display_name(self) -> str:
        """The name as shown to customers."""
        return self.name.title()

    @classmethod
    def free(cls, sku: str, name: str) -> "Product":
        return cls(sku, name, 0)


@dataclass
class LineItem:
    product: Product
    quantity: int = 1

    def total_cents(self) -> int:
        return self.product.price_cents() * self.quantity
