"""Helpers for comparing carrier quotes."""
from decimal import Decimal

DEFAULT_WEIGHT_G = 500
MAX_TRACKING_POLLS = 5
TRACKING_POLL_INTERVAL = 0.05  # seconds


def cheapest(quotes):
    """The quote with the lowest price; ties go to the faster carrier."""
    return min(quotes, key=lambda q: (Decimal(q["price"]), q["days"]))


def parse_weight(value):
    try:
        weight = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WEIGHT_G
    return weight if weight > 0 else DEFAULT_WEIGHT_G
