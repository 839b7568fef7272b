"""A notice as a printable PDF (公告全文), the first attachment of every notice on the portal.

Drawn with the platform's document helpers (``core.pdf``: embedded CJK font, signed); an official text, so always
in Chinese, whoever asks.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from core import pdf
from core.regions import region_name

from .models import Announcement


def notice_pdf(announcement: Announcement) -> bytes:
    with translation.override("zh-hans"):
        facts = [(_("Notice type"), announcement.get_portal_type_display()),
                 (_("Category"), announcement.get_category_display()),
                 (_("Unified deal code"), announcement.deal_code or "—"),
                 (_("Region"), region_name(announcement.region) if announcement.region else "—"),
                 (_("Published at"), pdf.beijing(announcement.published_at))]
        if announcement.publicity_ends_at:
            facts.append((_("Publicity ends"), pdf.beijing(announcement.publicity_ends_at)))
        story = [pdf.title(announcement.title), pdf.fields(facts), pdf.space()]
        story += [pdf.text(paragraph) for paragraph in announcement.body.split("\n") if paragraph.strip()]
        return pdf.document_build(story, title=announcement.title, subject=str(announcement.get_portal_type_display()))


def notice_filename(announcement: Announcement) -> str:
    return f"notice-{announcement.deal_code or announcement.pk}-{announcement.pk}.pdf"
