"""Run the shop from the command line."""
import sys

from shop.cart import Cart
from shop.models import Product
from shop.pricing import Discount
from shop.util.text import slug


def main(argv: list[str]) -> int:
    cart = Cart()
    cart.add(Product("A1", "blue mug", 1250), 2)
    cart.add(Product.free("F1", "sticker"))
    cart.discount = Discount("WELCOME", 10)
    print(slug("Order Total"), cart.total())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
