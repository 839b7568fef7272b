from io import StringIO

from django.core.management import call_command

from trading.models import Award, Project
from trading.selectors import award_figures


def test_the_demo_seeds_projects_in_several_states_and_is_idempotent(db, settings):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert sorted(Project.objects.values_list("status", flat=True)) == ["contract_signed", "failed", "published"]
    figures = award_figures(award=Award.objects.get())
    assert str(figures.savings) == "350000.00" and str(figures.savings_rate) == "0.1000"
