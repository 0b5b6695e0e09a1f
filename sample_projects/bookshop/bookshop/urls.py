from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("catalog/", include("catalog.urls")),
    path("shipping/", include("shipping.urls")),
    path("orders/", include("orders.urls")),
    path("", include("pages.urls")),
]
