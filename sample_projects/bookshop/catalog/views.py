import csv
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.decorators.cache import cache_page
from django.views.generic import ListView

from catalog import services
from catalog.models import Author, Book, SavedSearch


def book_list(request):
    books = list(
        Book.objects.filter(stock__gt=0).select_related("author").order_by("title")[:50]
    )
    return render(request, "catalog/book_list.html", {"books": books})


def book_detail(request, pk):
    book = get_object_or_404(Book, pk=pk)
    review_count = book.reviews.count()
    return render(
        request, "catalog/book_detail.html", {"book": book, "review_count": review_count}
    )


def author_books(request, pk):
    author = get_object_or_404(Author, pk=pk)
    books = author.books.all()
    return render(request, "catalog/author_books.html", {"author": author, "books": books})


class BookSearchView(View):
    template_name = "catalog/search.html"

    def get(self, request):
        query = request.GET.get("q", "").strip()
        results = []
        if query:
            results = list(services.search_books(query)[:50])
        return render(request, self.template_name, {"query": query, "results": results})

    def post(self, request):
        query = request.POST.get("q", "").strip()
        if query:
            SavedSearch.objects.create(query=query)
        return redirect(f"{request.path}?{urlencode({'q': query})}")


class NewArrivalsView(ListView):
    model = Book
    template_name = "catalog/new_arrivals.html"
    context_object_name = "books"
    paginate_by = 20

    def get_queryset(self):
        return Book.objects.select_related("author").order_by("-created_at", "-pk")


def recommendations(request, pk):
    book = Book.objects.get(pk=pk)
    recommended = services.recommend_for(book)
    return render(
        request,
        "catalog/recommendations.html",
        {"book": book, "recommended": recommended},
    )


@cache_page(60)
def bestsellers(request):
    books = list(
        Book.objects.annotate(copies_sold=Sum("order_lines__quantity"))
        .filter(copies_sold__gt=0)
        .select_related("author")
        .order_by("-copies_sold", "title")[:10]
    )
    return render(request, "catalog/bestsellers.html", {"books": books})


def legacy_export(request):
    """Old CSV export of the catalogue; its URL was removed when the admin took over."""
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="catalogue.csv"'
    writer = csv.writer(response)
    writer.writerow(["isbn", "title", "author", "price", "reviews"])
    for book in Book.objects.select_related("author").annotate(n_reviews=Count("reviews")):
        writer.writerow([book.isbn, book.title, book.author.name, book.price, book.n_reviews])
    return response
