import requests
from django.conf import settings
from django.core.mail import send_mail
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_POST

from catalog.models import Book
from pages.forms import ContactForm


@cache_page(30)
def home(request):
    featured = list(Book.objects.filter(featured=True).select_related("author")[:8])
    return render(request, "pages/home.html", {"featured": featured, "form": ContactForm()})


async def health(request):
    return JsonResponse({"status": "ok"})


async def upstream_status(request):
    try:
        response = requests.get(f"{settings.UPSTREAM_BASE_URL}/status", timeout=5)
        response.raise_for_status()
    except requests.RequestException as exc:
        return JsonResponse({"upstream": "down", "error": str(exc)}, status=503)
    return JsonResponse({"upstream": response.json()["status"]})


@require_POST
def contact(request):
    form = ContactForm(request.POST)
    if not form.is_valid():
        return render(request, "pages/contact.html", {"form": form}, status=400)
    send_mail(
        subject=f"Contact form: {form.cleaned_data['name']}",
        message=form.cleaned_data["message"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[settings.CONTACT_EMAIL],
        fail_silently=False,
    )
    return render(request, "pages/contact_thanks.html", {"name": form.cleaned_data["name"]})
