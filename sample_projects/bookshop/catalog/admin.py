from django.contrib import admin

from catalog.models import Author, Book, Review, SavedSearch


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "isbn", "price", "stock", "featured"]
    list_filter = ["featured"]
    search_fields = ["title", "isbn"]


admin.site.register(Review)
admin.site.register(SavedSearch)
