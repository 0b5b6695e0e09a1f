"""Test helpers: run the stub upstream for a TestCase and point the project at it."""
from django.core.cache import cache
from django.test import override_settings

from bookshop.stub_upstream import StubUpstream


class StubUpstreamMixin:
    """Start one StubUpstream per test class; clear its log and the cache per test."""

    stub_latency_ms = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stub = cls.enterClassContext(StubUpstream(latency_ms=cls.stub_latency_ms))
        cls.enterClassContext(override_settings(UPSTREAM_BASE_URL=cls.stub.url))

    def setUp(self):
        super().setUp()
        self.stub.reset()
        cache.clear()


def make_catalog():
    """A small catalogue shared by the tests. Returns a dict of named objects."""
    from decimal import Decimal

    from catalog.models import Author, Book

    le_guin = Author.objects.create(name="Ursula K. Le Guin", bio="Earthsea and beyond.")
    pratchett = Author.objects.create(name="Terry Pratchett")
    data = {"le_guin": le_guin, "pratchett": pratchett}
    books = [
        ("wizard", "A Wizard of Earthsea", le_guin, "9780000000011", "9.99", 5, True),
        ("dispossessed", "The Dispossessed", le_guin, "9780000000028", "12.50", 2, False),
        ("lathe", "The Lathe of Heaven", le_guin, "9780000000097", "8.00", 0, False),
        ("mort", "Mort", pratchett, "9780000000035", "7.99", 10, True),
        ("guards", "Guards! Guards!", pratchett, "9780000000080", "8.49", 3, False),
    ]
    for key, title, author, isbn, price, stock, featured in books:
        data[key] = Book.objects.create(
            title=title,
            author=author,
            isbn=isbn,
            price=Decimal(price),
            stock=stock,
            featured=featured,
        )
    return data
