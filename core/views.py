from django.shortcuts import render


def home(request):
    """The public portal's front page."""
    return render(request, "core/home.html")
