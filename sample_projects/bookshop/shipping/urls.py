from django.urls import path

from shipping import views

app_name = "shipping"

urlpatterns = [
    path("quotes/", views.shipping_quotes, name="quotes"),
    path("track/<str:tracking_number>/", views.track_parcel, name="track"),
]
