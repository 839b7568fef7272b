from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


def pdf_font_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Warn when documents cannot embed their font (core.pdf falls back to the non-embedded STSong-Light)."""
    from . import pdf

    if pdf.font_files():
        return []
    return [checks.Warning("No TrueType CJK font for PDFs: documents will use the non-embedded STSong-Light.",
                           hint="Install Debian's fonts-wqy-zenhei (make fonts) "
                                "or set SUNSHINE_PDF_FONT to a .ttf/.ttc.",
                           id="core.W001")]


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Platform core")

    def ready(self):
        checks.register(pdf_font_check)
