from django.urls import path

from orders import views

# No app_name here on purpose: these names live in the global namespace.
urlpatterns = [
    path("checkout/", views.checkout, name="orders-checkout"),
    path("<int:pk>/receipt.csv", views.receipt_csv, name="orders-receipt"),
    path("history/", views.order_history, name="orders-history"),
]
