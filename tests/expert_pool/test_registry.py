"""The registry: CSV import with per-row errors and progress, profiles, relations and leave kept by the expert."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from expert_pool.models import Expert, ImportJob, Relation, Specialty
from expert_pool.services import registry
from tests import factories as base
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db

HEADER = ",".join(registry.IMPORT_COLUMNS)


def csv_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


GOOD = "zj9001,王建华,13800000001,wjh@example.cn,SH-9001,A080102,A080501;A0806,senior_full,21,阳光设计院,,310000,"
BAD_SPECIALTY = "zj9002,李志强,,,SH-9002,Z9999,,senior,12,某院,,310000,"
BAD_YEARS = "zj9003,张秀英,,,SH-9003,A080101,,senior,twelve,某院,,310000,"
MISSING = "zj9004,,,,SH-9004,A080101,,senior,12,某院,,31,"


def test_taxonomy_is_hierarchical_by_code():
    assert Specialty.objects.get(code="A0801").parent_id == "A08"
    assert Specialty.objects.get(code="A080101").parent.parent.code == "A08"
    assert Specialty.objects.get(code="A08").parent_id == "A"


def test_import_creates_good_rows_and_reports_each_bad_row_by_number(django_capture_on_commit_callbacks):
    uploader = base.user(role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        job = registry.import_job_create(uploaded_by=uploader, file_name="experts.csv",
                                         data=csv_file(GOOD, BAD_SPECIALTY, BAD_YEARS, MISSING))
    job.refresh_from_db()
    assert (job.state, job.total, job.processed, job.created, job.percent) == ("finished", 4, 4, 1, 100)
    expert = Expert.objects.get(user__username="zj9001")
    assert expert.primary_specialty_id == "A080102" and expert.title == "senior_full"
    assert set(expert.secondary_specialties.values_list("code", flat=True)) == {"A080501", "A0806"}
    by_row = {(e["row"], e["field"]): e["message"] for e in job.errors}
    assert "Z9999" in by_row[(3, "primary_specialty")] and "not in the taxonomy" in by_row[(3, "primary_specialty")]
    assert "whole number" in by_row[(4, "years_of_practice")]
    assert "empty" in by_row[(5, "display_name")]
    assert not User.objects.filter(username__in=["zj9002", "zj9003", "zj9004"]).exists()


def test_import_refuses_a_file_without_the_header_and_creates_nothing():
    with pytest.raises(ValidationError) as caught:
        registry.import_job_create(uploaded_by=base.user(role=Role.ADMIN), file_name="x.csv",
                                   data=b"name,phone\n1,2\n")
    assert "lacks the columns" in caught.value.message_dict["file"][0]
    assert not ImportJob.objects.exists()


def test_import_refuses_non_utf8():
    with pytest.raises(ValidationError, match="UTF-8"):
        registry.import_job_create(uploaded_by=base.user(role=Role.ADMIN), file_name="x.csv",
                                   data=csv_file(GOOD).decode().encode("gb18030"))


def test_import_page_uploads_then_shows_progress_and_errors(client, django_capture_on_commit_callbacks):
    client.force_login(base.user(role=Role.ADMIN))
    upload = SimpleUploadedFile("experts.csv", csv_file(GOOD, BAD_SPECIALTY), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("expert_pool:import"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("expert_pool:import_job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "<progress" in page and "expert_import.js" in page
    status = client.get(reverse("expert_pool:import_job_status", args=[job.pk])).json()
    assert status["percent"] == 100 and status["created"] == 1 and status["errors"][0]["row"] == 3


def test_only_pool_managers_may_import(client):
    client.force_login(base.user(role=Role.BIDDER))
    assert client.get(reverse("expert_pool:import")).status_code == 403


def test_expert_updates_own_profile_from_the_page(client):
    expert = factories.expert()
    client.force_login(expert.user)
    response = client.post(reverse("expert_pool:profile"), {
        "action": "profile", "profile-primary_specialty": "A080501", "profile-secondary_specialties": "A0806",
        "profile-title": "senior_full", "profile-years_of_practice": "15", "profile-employer_name": "新单位",
        "profile-employer_credit_code": "", "profile-region": "320000",
    })
    assert response.status_code == 302
    expert.refresh_from_db()
    assert (expert.primary_specialty_id, expert.region, expert.employer_name) == ("A080501", "320000", "新单位")


def test_profile_with_unknown_specialty_shows_the_error_and_keeps_the_old_profile(client_en):
    client = client_en
    expert = factories.expert()
    client.force_login(expert.user)
    response = client.post(reverse("expert_pool:profile"), {
        "action": "profile", "profile-primary_specialty": "Q1", "profile-secondary_specialties": "",
        "profile-title": "senior", "profile-years_of_practice": "15", "profile-employer_name": "x",
        "profile-employer_credit_code": "", "profile-region": "310000",
    })
    # The picker offers only specialties of the taxonomy: anything else is refused before the service.
    assert "Select a valid choice" in response.context["form"].errors["primary_specialty"][0]
    expert.refresh_from_db()
    assert expert.primary_specialty_id == "A080101"


def test_expert_declares_relation_and_leave_from_the_page(client):
    expert = factories.expert()
    bidder = base.organisation()
    client.force_login(expert.user)
    client.post(reverse("expert_pool:profile"), {
        "action": "relation", "relation-kind": "shareholder", "relation-organisation_name": bidder.name,
        "relation-credit_code": bidder.credit_code, "relation-starts_on": "2020-01-01", "relation-ends_on": "",
    })
    relation = Relation.objects.get(expert=expert)
    assert relation.organisation == bidder and relation.ends_on is None
    start = timezone.localtime() + dt.timedelta(days=3)
    client.post(reverse("expert_pool:profile"), {
        "action": "leave", "leave-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "leave-ends_at": (start + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "leave-reason": "出差",
    })
    assert expert.leaves.count() == 1


def test_bad_relation_and_leave_are_refused_with_clear_messages():
    expert = factories.expert()
    with pytest.raises(ValidationError) as caught:
        registry.relation_declare(expert=expert, kind="director", organisation_name="某公司", credit_code="123",
                                  starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2023, 1, 1))
    assert "not a valid" in caught.value.message_dict["credit_code"][0]
    assert "end before" in caught.value.message_dict["ends_on"][0]
    now = timezone.now()
    with pytest.raises(ValidationError, match="end after it starts"):
        registry.leave_add(expert=expert, starts_at=now + dt.timedelta(days=2), ends_at=now + dt.timedelta(days=1))
    assert not expert.relations.exists() and not expert.leaves.exists()


def test_only_experts_reach_the_profile_page(client):
    client.force_login(base.user(role=Role.AGENCY))
    assert client.get(reverse("expert_pool:profile")).status_code == 403


def test_demo_seed_gives_every_demo_expert_a_profile():
    from io import StringIO

    from accounts import demo as accounts_demo
    from expert_pool import demo

    out = StringIO()
    accounts_demo.seed(stdout=out)
    demo.seed(stdout=out)
    demo.seed(stdout=out)
    assert Expert.objects.filter(user__username__startswith="expert").count() == 36
    assert Expert.objects.filter(status="suspended").count() == 1
