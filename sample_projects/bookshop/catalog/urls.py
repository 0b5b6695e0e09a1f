from django.urls import include, path

from catalog import views

app_name = "catalog"

book_patterns = [
    path("", views.book_list, name="book-list"),
    path("<int:pk>/", views.book_detail, name="book-detail"),
    path("<int:pk>/recommendations/", views.recommendations, name="recommendations"),
]

urlpatterns = [
    path("books/", include(book_patterns)),
    path("authors/<int:pk>/", views.author_books, name="author-books"),
    path("search/", views.BookSearchView.as_view(), name="search"),
    path("new/", views.NewArrivalsView.as_view(), name="new-arrivals"),
    path("bestsellers/", views.bestsellers, name="bestsellers"),
]
