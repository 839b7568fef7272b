"""Objections (异议), challenges (质疑) and complaints (投诉): deadlines on the 2026 holiday calendar, the hold of
the procedure during publicity, the regulator's handling, the malicious-complaint credit event."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from core.workdays import add_working_days, calendar_load_shipped, today, working_days_between
from credit.models import CreditEvent
from supervision.models import Complaint, ComplaintEvidence, Objection
from supervision.services import complaints as svc
from trading.lifecycle import project_advance_due, project_transition
from trading.models import Project, Status
from trading.services.awards import award_create

from .complaint_helpers import project_in

D = dt.date


@pytest.fixture(autouse=True)
def calendar_2026(db):
    calendar_load_shipped(year=2026)


def _counts():
    return (Objection.objects.count(), Complaint.objects.count(), ComplaintEvidence.objects.count(),
            CreditEvent.objects.count(), AuditEvent.objects.filter(action__startswith="supervision.complaint").count(),
            AuditEvent.objects.filter(action__startswith="supervision.objection").count())


def _refused(call, field: str) -> str:
    with pytest.raises(ValidationError) as exc:
        call()
    return " ".join(exc.value.message_dict[field])


# --- the deadline rules on the 2026 calendar --------------------------------------------------------------

def test_an_objection_answer_due_on_national_day_rolls_to_the_first_working_day():
    # Received Tuesday 29 September: 3 days later is 2 October, inside the National Day holiday (1–7 October)
    assert svc.objection_reply_due(track="construction", received_on=D(2026, 9, 29)) == D(2026, 10, 8)


def test_an_objection_answer_due_on_a_make_up_saturday_does_not_roll():
    # Received 7 October: 3 days later is Saturday 10 October, a make-up working day (调休)
    assert svc.objection_reply_due(track="construction", received_on=D(2026, 10, 7)) == D(2026, 10, 10)


def test_a_challenge_counts_seven_working_days_over_the_holiday_and_the_make_up_saturday():
    # From Monday 28 September: 29, 30 Sep, 8, 9, 10 (Saturday, 调休), 12, 13 Oct
    assert svc.challenge_filing_deadline(known_on=D(2026, 9, 28)) == D(2026, 10, 13)
    assert svc.objection_reply_due(track="government", received_on=D(2026, 9, 28)) == D(2026, 10, 13)


def test_a_construction_complaint_period_ending_in_the_holiday_rolls_over_it():
    # 10 days after 23 September is 3 October (holiday) → Thursday 8 October
    assert svc.complaint_filing_deadline(track="construction", counted_from=D(2026, 9, 23)) == D(2026, 10, 8)
    # 10 days after 30 November is Thursday 10 December: a working day, no roll
    assert svc.complaint_filing_deadline(track="construction", counted_from=D(2026, 11, 30)) == D(2026, 12, 10)


def test_a_government_complaint_counts_fifteen_working_days_after_the_answer_period():
    # From 30 September: 8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27 October
    assert svc.complaint_filing_deadline(track="government", counted_from=D(2026, 9, 30)) == D(2026, 10, 27)


def test_acceptance_and_review_periods_are_working_days():
    # Construction: 3 working days from Wednesday 30 September → 8, 9, 10 (the make-up Saturday)
    assert svc.complaint_acceptance_due(track="construction", received_on=D(2026, 9, 30)) == D(2026, 10, 10)
    # Government procurement: 5 working days → 8, 9, 10, 12, 13 October
    assert svc.complaint_acceptance_due(track="government", received_on=D(2026, 9, 30)) == D(2026, 10, 13)
    # The make-up Sunday 20 September counts too: one working day after Friday 18 September
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_the_decision_period_is_thirty_working_days():
    due = svc.complaint_decision_due(start=D(2026, 9, 14))
    assert working_days_between(D(2026, 9, 14), due) == 30
    # 15–18 Sep (4), Sunday 20 Sep (调休, 5), 21–24 (9), 中秋 25–27 not counted, 28–30 (12), National Day
    # 1–7 Oct not counted, 8, 9, Saturday 10 (调休, 15), 12–16 (20), 19–23 (25), 26–30 Oct (30)
    assert due == D(2026, 10, 30)


# --- objections during the publicity hold the award ---------------------------------------------------------

def test_an_objection_during_publicity_holds_the_award_until_answered(world, django_capture_on_commit_callbacks):
    # Given a construction project whose candidates are publicised
    project = project_in(world, status=Status.PUBLICITY)
    bidder = world.bidders[3]
    # When a bidder objects to the evaluation result with a piece of evidence
    objection = svc.objection_file(project=project, user=bidder, subject="result", grounds="第一名业绩造假。",
                                   files=[SimpleUploadedFile("业绩证明.pdf", b"%PDF-1.4 evidence")])
    # Then the objection holds the procedure and is answered within 3 days (rolled to a working day)
    assert objection.kind == "objection" and objection.holds_procedure
    assert objection.reply_due == svc.objection_reply_due(track="construction", received_on=today())
    assert objection.evidence.get().sha256 and AuditEvent.objects.filter(action="supervision.objection.file").exists()
    # When the publicity period runs out while the objection is unanswered
    Project.objects.filter(pk=project.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(seconds=1))
    assert project_advance_due(project_id=project.pk) == Status.PUBLICITY
    # Then nothing can move the project on, and the message says why
    message = _refused(lambda: project_transition(project=project, to=Status.READY_TO_AWARD), "status")
    assert "awaits the tenderer's answer" in message and objection.reply_due.isoformat() in message
    message = _refused(lambda: award_create(section=project.sections.get(), user=world.agency,
                                            organisation=world.bidders[0].organisation, amount="910000"), "status")
    assert "candidate publicity has ended" in message
    # When the agency answers, the project's due step is queued after commit ...
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        svc.objection_answer(objection=objection, user=world.agency, answer="经核查，业绩真实，异议不成立。")
    assert callbacks
    # ... and the task (run here as a worker runs it) moves the procedure on
    from trading.tasks import project_due

    project_due(project.pk)
    project.refresh_from_db()
    assert project.status == Status.READY_TO_AWARD
    assert award_create(section=project.sections.get(), user=world.agency,
                        organisation=world.bidders[0].organisation, amount="910000").pk


def test_an_objection_to_the_result_after_the_publicity_is_refused_with_the_time_it_ended(world):
    project = project_in(world, status=Status.READY_TO_AWARD,
                         publicity_ends_at=timezone.make_aware(dt.datetime(2026, 11, 20, 23, 59)))
    before = _counts()
    message = _refused(lambda: svc.objection_file(project=project, user=world.bidders[3], subject="result",
                                                  grounds="评分有误。"), "subject")
    assert "during the candidate publicity" in message and "2026-11-20 23:59" in message
    assert _counts() == before


def test_an_objection_to_the_documents_closer_than_ten_days_to_the_deadline_is_refused(world):
    deadline = timezone.now() + dt.timedelta(days=9)
    project = project_in(world, status=Status.PUBLISHED, bid_deadline=deadline)
    before = _counts()
    message = _refused(lambda: svc.objection_file(project=project, user=world.bidders[0], subject="documents",
                                                  grounds="资格条件排斥潜在投标人。"), "subject")
    last = timezone.localtime(deadline - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    assert "at least 10 days before the bid deadline" in message and last in message
    assert _counts() == before
    # Eleven days ahead it is accepted, answer due in 3 days
    Project.objects.filter(pk=project.pk).update(bid_deadline=timezone.now() + dt.timedelta(days=11))
    objection = svc.objection_file(project=project, user=world.bidders[0], subject="documents",
                                   grounds="资格条件排斥。")
    assert objection.reply_due == svc.objection_reply_due(track="construction", received_on=today())


def test_only_a_registered_bidder_objects_and_only_the_parties_answer(world):
    from tests import factories

    project = project_in(world)
    stranger = factories.user(role="bidder")
    before = _counts()
    with pytest.raises(PermissionDenied):
        svc.objection_file(project=project, user=stranger, subject="result", grounds="x")
    with pytest.raises(PermissionDenied):
        svc.objection_file(project=project, user=world.agency, subject="result", grounds="x")
    assert _counts() == before
    objection = svc.objection_file(project=project, user=world.bidders[4], subject="result", grounds="评分有误。")
    with pytest.raises(PermissionDenied):
        svc.objection_answer(objection=objection, user=world.outsider_agency, answer="无")
    assert _refused(lambda: svc.objection_answer(objection=objection, user=world.agency, answer=" "), "answer") == \
        "Write the answer; the bidder and the regulator will read it."
    svc.objection_answer(objection=objection, user=world.agency, answer="不成立。")
    assert "already answered" in _refused(
        lambda: svc.objection_answer(objection=objection, user=world.agency, answer="再答"), "state")


# --- complaints ------------------------------------------------------------------------------------------

def test_a_construction_complaint_on_the_result_needs_an_objection_first(world):
    project = project_in(world)
    before = _counts()
    message = _refused(lambda: svc.complaint_file(project=project, user=world.bidders[3], subject="result",
                                                  grounds="评标不公。"), "subject")
    assert "《招标投标法实施条例》第五十四条" in message and "first object to the tenderer" in message
    assert _counts() == before
    # While the objection awaits its answer, the complaint is refused with the answer's due date
    objection = svc.objection_file(project=project, user=world.bidders[3], subject="result", grounds="评标不公。")
    before = _counts()
    message = _refused(lambda: svc.complaint_file(project=project, user=world.bidders[3], subject="result",
                                                  grounds="评标不公。"), "subject")
    assert objection.reply_due.isoformat() in message
    assert _counts() == before
    # After the answer it is accepted, counted from the answer day
    svc.objection_answer(objection=objection, user=world.agency, answer="不成立。")
    complaint = svc.complaint_file(project=project, user=world.bidders[3], subject="result", grounds="评标不公。")
    assert complaint.objection == objection and complaint.known_on == today()
    assert complaint.filing_deadline == svc.complaint_filing_deadline(track="construction", counted_from=today())
    assert complaint.acceptance_due == add_working_days(today(), 3) and complaint.decision_due is None


def test_a_complaint_filed_too_late_is_refused_with_the_date_and_nothing_is_created(world):
    project = project_in(world, status=Status.AWARDED)
    known = today() - dt.timedelta(days=30)
    before = _counts()
    message = _refused(lambda: svc.complaint_file(project=project, user=world.bidders[1], subject="procedure",
                                                  grounds="代理机构泄露评标信息。", known_on=known,
                                                  files=[SimpleUploadedFile("a.pdf", b"x")]), "known_on")
    ended = svc.complaint_filing_deadline(track="construction", counted_from=known)
    assert message == ("A complaint must be filed within 10 days of the day you knew "
                       "(《招标投标法实施条例》第六十条); "
                       f"counted from {known.isoformat()} the period ended on {ended.isoformat()}.")
    assert _counts() == before


def test_a_government_complaint_follows_a_challenge_and_its_periods(world):
    project = project_in(world, category="government", status=Status.AWARDED)
    bidder = world.bidders[2]
    before = _counts()
    assert "财政部令第94号第十七条" in _refused(lambda: svc.complaint_file(
        project=project, user=bidder, subject="result", grounds="中标结果不公。"), "subject")
    # A challenge more than 7 working days after knowing is refused with the last day
    known = today() - dt.timedelta(days=20)
    message = _refused(lambda: svc.objection_file(project=project, user=bidder, subject="result",
                                                  grounds="x", known_on=known), "known_on")
    assert svc.challenge_filing_deadline(known_on=known).isoformat() in message and "7 working days" in message
    assert _counts() == before
    # A challenge in time: answer within 7 working days; no hold outside the publicity
    challenge = svc.objection_file(project=project, user=bidder, subject="result", grounds="中标结果不公。")
    assert challenge.kind == "challenge" and not challenge.holds_procedure
    assert challenge.reply_due == add_working_days(today(), 7)
    svc.objection_answer(objection=challenge, user=world.agency, answer="质疑不成立。")
    complaint = svc.complaint_file(project=project, user=bidder, subject="result", grounds="中标结果不公。")
    assert complaint.track == "government"
    assert complaint.filing_deadline == add_working_days(today(), 15)
    assert complaint.acceptance_due == add_working_days(today(), 5)
    assert complaint.decision_due == add_working_days(today(), 30)


def _accepted_complaint(world, project=None) -> Complaint:
    project = project or project_in(world, status=Status.AWARDED)
    complaint = svc.complaint_file(project=project, user=world.bidders[1], subject="procedure",
                                   grounds="代理机构泄露评标信息。")
    return svc.complaint_accept(complaint=complaint, user=world.regulator)


def test_the_regulator_accepts_pauses_resumes_and_the_pause_pushes_the_decision_back(world):
    complaint = _accepted_complaint(world)
    assert complaint.state == "accepted" and complaint.decision_due == add_working_days(today(), 30)
    pause = svc.complaint_pause(complaint=complaint, user=world.regulator, reason="委托造价鉴定。")
    message = _refused(lambda: svc.complaint_decide(complaint=complaint, user=world.regulator, outcome="upheld",
                                                    decision="成立"), "state")
    assert message == "The complaint is paused for testing or expert review; resume it before deciding."
    # The appraisal took from Monday 9 November until today
    from supervision.models import ComplaintPause
    started = timezone.make_aware(dt.datetime(2026, 11, 9, 10, 0))
    ComplaintPause.objects.filter(pk=pause.pk).update(started_at=started)
    before_due = Complaint.objects.get(pk=complaint.pk).decision_due
    complaint = svc.complaint_resume(complaint=complaint, user=world.regulator)
    excluded = working_days_between(D(2026, 11, 9), today())
    assert excluded > 0 and complaint.pauses.get().working_days == excluded
    assert complaint.decision_due == add_working_days(before_due, excluded)
    assert AuditEvent.objects.filter(action="supervision.complaint.resume").exists()


def test_a_malicious_complaint_records_the_credit_event_against_the_complainant(world):
    complaint = _accepted_complaint(world)
    # Upheld cannot be malicious; nothing changes
    before = _counts()
    assert _refused(lambda: svc.complaint_decide(complaint=complaint, user=world.regulator, outcome="upheld",
                                                 decision="成立", malicious=True), "malicious") == \
        "Only a dismissed complaint can be judged malicious."
    assert _counts() == before and Complaint.objects.get(pk=complaint.pk).state == "accepted"
    with pytest.raises(PermissionDenied):
        svc.complaint_decide(complaint=complaint, user=world.agency, outcome="dismissed", decision="x")
    complaint = svc.complaint_decide(complaint=complaint, user=world.regulator, outcome="dismissed",
                                     decision="投诉人伪造证明材料，驳回。", malicious=True)
    event = CreditEvent.objects.get()
    assert complaint.credit_event == event and complaint.state == "decided" and complaint.outcome == "dismissed"
    assert event.behaviour_version.behaviour.code == "malicious-complaint"
    assert event.organisation == world.bidders[1].organisation and event.deal_code == complaint.project.deal_code
    assert AuditEvent.objects.filter(action="credit.event.record", object_id=str(event.pk)).exists()
    decided = AuditEvent.objects.get(action="supervision.complaint.decide")
    assert decided.payload["malicious"] is True and decided.payload["credit_event"] == event.pk


def test_rejecting_a_complaint_needs_reasons_and_closes_it(world):
    project = project_in(world, status=Status.AWARDED)
    complaint = svc.complaint_file(project=project, user=world.bidders[1], subject="procedure", grounds="x")
    assert _refused(lambda: svc.complaint_reject(complaint=complaint, user=world.regulator, reasons=""),
                    "reasons") == "Give the reasons for not accepting the complaint."
    complaint = svc.complaint_reject(complaint=complaint, user=world.regulator, reasons="不属于本部门受理范围。")
    assert complaint.state == "rejected" and complaint.outcome == "rejected"
    assert "cannot be accepted now" in _refused(lambda: svc.complaint_accept(complaint=complaint,
                                                                             user=world.regulator), "state")


def test_the_regulator_suspends_the_procedure_for_a_complaint_and_lifts_it(world):
    project = project_in(world, status=Status.READY_TO_AWARD)
    complaint = _accepted_complaint(world, project)
    assert "grounds" in _refused(lambda: svc.complaint_suspend_procedure(complaint=complaint, user=world.regulator,
                                                                         note=""), "note")
    svc.complaint_suspend_procedure(complaint=complaint, user=world.regulator, note="调查期间暂停。")
    project.refresh_from_db()
    assert project.status == Status.SUSPENDED and project.suspended_from == Status.READY_TO_AWARD
    assert project.announcements.filter(kind="suspension").exists()
    svc.complaint_lift_suspension(complaint=complaint, user=world.regulator, note="调查完毕。")
    project.refresh_from_db()
    assert project.status == Status.READY_TO_AWARD


def test_the_sweep_flags_overdue_steps_once_and_decides_nothing(world):
    project = project_in(world, status=Status.AWARDED)
    complaint = svc.complaint_file(project=project, user=world.bidders[1], subject="procedure", grounds="x")
    objection = svc.objection_file(project=project_in(world), user=world.bidders[0], subject="result", grounds="y")
    Complaint.objects.filter(pk=complaint.pk).update(acceptance_due=today() - dt.timedelta(days=1))
    Objection.objects.filter(pk=objection.pk).update(reply_due=today() - dt.timedelta(days=1))
    from supervision.tasks import complaints_sweep

    assert complaints_sweep() == 2
    assert complaints_sweep() == 0
    complaint.refresh_from_db()
    assert complaint.overdue_since is not None and complaint.state == "received"
    board = world.api(world.regulator).get("/api/supervision/complaints/board/").json()
    assert board["overdue_complaints"] == [complaint.pk] and board["overdue_objections"] == [objection.pk]
    assert world.api(world.agency).get("/api/supervision/complaints/board/").status_code == 403
    from django.conf import settings
    assert settings.CELERY_BEAT_SCHEDULE["complaints-sweep"]["task"] == "supervision.tasks.complaints_sweep"


# --- API and pages -------------------------------------------------------------------------------------

def test_filing_through_the_api_with_evidence_and_who_sees_it(world, client):
    project = project_in(world)
    bidder = world.bidders[3]
    response = world.api(bidder).post(f"/api/supervision/projects/{project.pk}/objections/", {
        "subject": "result", "grounds": "第一名资质不符。", "files": [SimpleUploadedFile("资质.pdf", b"%PDF scan")]},
        format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["holds_procedure"] and body["evidence"][0]["name"] == "资质.pdf"
    assert body["timeline"][1]["due"] == body["reply_due"]
    evidence = ComplaintEvidence.objects.get()
    client.force_login(bidder)
    assert client.get(f"/complaint-evidence/{evidence.pk}/").status_code == 200
    client.force_login(world.bidders[0])
    assert client.get(f"/complaint-evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/objections/{body['id']}/").status_code == 404
    # The tenderer's agency answers through the API; a refused complaint comes back as 400 with the message
    answered = world.api(world.agency).post(f"/api/supervision/objections/{body['id']}/", {"text": "不成立。"},
                                            format="json")
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    late = world.api(bidder).post(f"/api/supervision/projects/{project.pk}/complaints/", {
        "subject": "procedure", "grounds": "x", "known_on": (today() - dt.timedelta(days=40)).isoformat()},
        format="json")
    assert late.status_code == 400 and "period ended on" in late.json()["errors"]["known_on"][0]


def test_the_pages_show_the_timeline_and_the_regulators_board(world, client):
    project = project_in(world)
    objection = svc.objection_file(project=project, user=world.bidders[3], subject="result", grounds="评分有误。")
    svc.objection_answer(objection=objection, user=world.agency, answer="不成立。")
    complaint = svc.complaint_file(project=project, user=world.bidders[3], subject="result", grounds="评分有误。")
    client.force_login(world.regulator)
    board = client.get("/complaints/")
    assert board.status_code == 200 and f"/complaints/{complaint.pk}/" in board.content.decode()
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert complaint.acceptance_due.isoformat() in page and "accept/" in page
    response = client.post(f"/complaints/{complaint.pk}/accept/")
    assert response.status_code == 302 and Complaint.objects.get(pk=complaint.pk).state == "accepted"
    client.force_login(world.bidders[3])
    page = client.get(f"/complaints/project/{project.pk}/").content.decode()
    assert f"/objections/{objection.pk}/" in page and "File a complaint with the regulator" in page
    # A bidder posting a regulator's action is refused with a message, nothing changes
    client.post(f"/complaints/{complaint.pk}/decide/", {"outcome": "upheld", "text": "成立"})
    assert Complaint.objects.get(pk=complaint.pk).state == "accepted"


def test_filing_through_the_pages_says_what_happened_and_a_refusal_creates_nothing(world, client_en):
    project = project_in(world)
    page = f"/complaints/project/{project.pk}/"

    def post(path, data):
        response = client_en.post(path, data, follow=True)
        assert response.redirect_chain[-1][0] == page
        return [str(m) for m in response.context["messages"]]

    # a bidder objects through the page: filed, with the message saying what comes next
    client_en.force_login(world.bidders[3])
    assert post(f"{page}objection/", {"subject": "result", "grounds": "评分有误。"}) == [
        "Filed. The tenderer must answer by the date shown."]
    assert Objection.objects.filter(project=project, organisation=world.bidders[3].organisation).count() == 1
    before = _counts()
    # a date the bidder typed wrong: the message says how to write it, nothing is filed
    assert post(f"{page}complaint/", {"subject": "procedure", "grounds": "x", "known_on": "22/11/2026"}) == [
        "Pick the day from the calendar."]
    # a complaint on the result before the objection is answered: the service's refusal, nothing is filed
    refused = post(f"{page}complaint/", {"subject": "result", "grounds": "评分有误。"})
    assert len(refused) == 1 and refused[0].startswith("Your objection or challenge is awaiting its answer until")
    # the agency may not file at all: refused with a message, nothing is filed
    client_en.force_login(world.agency)
    assert post(f"{page}objection/", {"subject": "result", "grounds": "x"}) == [
        "Your account (Agency) may not do this. Sign in with an account that may, or ask the platform operator."]
    assert _counts() == before
