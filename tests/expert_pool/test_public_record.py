"""The public page of a draw record: the JSON's facts in words, for anyone; the JSON stays for machines."""

from django.test import Client

from expert_pool.services import draws
from expert_pool.services.section_draw import section_draw_request_create
from expert_pool.taxonomy import TAXONOMY
from tests.e2e.page_checks import page_problems
from tests.expert_pool import factories as expert_factories
from tests.expert_pool.evaluation_factories import Setup


def test_anyone_reads_a_draw_record_in_words(db, django_capture_on_commit_callbacks, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        request = setup.draw()
        draws.draw_announce(request=request)
    client = Client()
    # listed among the records, and its page reads as words: specialty by name, states and answers by label
    assert f"/experts/records/{request.pk}/" in client.get("/experts/records/").content.decode()
    page = client.get(f"/experts/records/{request.pk}/").content.decode()
    assert dict(TAXONOMY)["A0801"] in page and "随机种子（已公开）" in page and request.seed in page
    assert "已确认: 5" in page.replace("：", ": ")
    assert request.commitment in page and f"/api/experts/draws/{request.pk}/record/" in page
    assert page_problems(page) == []
    # and before the draw, only the commitment is there
    setup2 = Setup()
    committed = section_draw_request_create(
        section=setup2.section, requested_by=setup2.agency_user, composition=[{"specialty": "A0801", "count": 5}],
        regions=["310000"], evaluation_starts_at=expert_factories.evaluation_window()[0],
        evaluation_ends_at=expert_factories.evaluation_window()[1], reserve_size=3)
    page = client.get(f"/experts/records/{committed.pk}/").content.decode()
    assert committed.commitment in page and "随机种子（已公开）" not in page and page_problems(page) == []
