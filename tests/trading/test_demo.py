from io import StringIO

from django.core.management import call_command

from trading.models import Award, Project
from trading.selectors import award_figures
from trading.stats.demo import DEMO_MARK


def test_the_demo_seeds_projects_in_several_states_and_is_idempotent(db, settings):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    hand_made = Project.objects.exclude(title__startswith=DEMO_MARK)
    assert sorted(hand_made.values_list("status", flat=True)) == ["contract_signed", "failed", "published"]
    figures = award_figures(award=Award.objects.get(section__project__in=hand_made))
    assert str(figures.savings) == "350000.00" and str(figures.savings_rate) == "0.1000"
    # Two years of bulk demo awards for the statistics charts, seeded once.
    assert Award.objects.filter(section__project__title__startswith=DEMO_MARK).count() > 200
