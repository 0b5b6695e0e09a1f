"""Cart handling for checkout."""
from catalog.models import Book


class PaymentDeclined(Exception):
    pass


def parse_cart(data):
    """Turn posted ``book``/``quantity`` lists into ``[(book, quantity), ...]``.

    Unknown books and non-positive quantities are dropped.
    """
    pairs = []
    for book_id, quantity in zip(data.getlist("book"), data.getlist("quantity")):
        try:
            pairs.append((int(book_id), int(quantity)))
        except ValueError:
            continue
    books = Book.objects.in_bulk([book_id for book_id, _ in pairs])
    return [(books[book_id], qty) for book_id, qty in pairs if book_id in books and qty > 0]
