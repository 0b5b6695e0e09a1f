"""Catalog business logic that is shared by several views."""
from catalog.clients import fetch_json
from catalog.models import Book


def recommend_for(book, limit=4):
    """Books the recommender service says are similar to ``book``."""
    data = fetch_json("/recommender/similar", params={"isbn": book.isbn, "limit": limit})
    isbns = data.get("similar", [])
    return list(Book.objects.filter(isbn__in=isbns).select_related("author"))


def search_books(query):
    return Book.objects.filter(title__icontains=query).select_related("author")
