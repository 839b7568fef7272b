"""The red flags that follow the Open Contracting Partnership's Cardinal indicators (R003, R018, R024, R035, R036)
give the same answer computed from our OCDS export by anyone.

The platform's procedures are published (opendata), each compiled into its record, and a small independent
implementation of Cardinal's definitions below — written from Cardinal's documentation
(https://cardinal.readthedocs.io/en/latest/cli/indicators/), reading only the compiled release — flags them. Its
answer must equal supervision's leads on the same procedures, flag by flag and (for R024, R035) value by value.
Cardinal computes per contracting process (ocid); every procedure here has one section, as the docs say the two agree
for single-lot procedures.
"""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Role
from opendata.compile import record_build
from opendata.models import Release
from opendata.ocds import ocid_for
from opendata.services import releases_publish
from supervision import conf
from supervision.models import Lead
from supervision.services.leads import leads_refresh
from tests import factories
from trading.models import Bid, Project, ProjectTransition, Status
from trading.services.projects import deal_code_check_digit

from .indicator_helpers import award, bid, bidder, disqualify, project

pytestmark = pytest.mark.django_db
CARDINAL = ("R003", "R018", "R024", "R035", "R036")


# --- Cardinal's definitions, from its documentation, over one compiled release ---------------------------------

def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def cardinal_flags(compiled: dict, *, r003_days: int, r024_threshold: float, r035_threshold: int) -> dict:
    """{indicator: value} Cardinal raises for one contracting process."""
    found = {}
    tender = compiled.get("tender", {})
    method = tender.get("procurementMethod")
    details = compiled.get("bids", {}).get("details", [])
    awards = compiled.get("awards", [])

    # R003: open procedure, tender period (end − start) in whole days below the threshold.
    period = tender.get("tenderPeriod", {})
    if method == "open" and period.get("startDate") and period.get("endDate"):
        seconds = (_moment(period["endDate"]) - _moment(period["startDate"])).total_seconds()
        if int(seconds / 86400) < r003_days:
            found["R003"] = 1.0

    # R018: a competitive procedure (open, selective) with exactly one tenderer.
    tenderers = {t["id"] for d in details for t in d.get("tenderers", [])}
    if method in ("open", "selective") and len(tenderers) == 1:
        found["R018"] = 1.0

    if any(a.get("status") in ("pending", "invalid") for a in awards):
        return found  # excluded from R024 and R035
    active = [a for a in awards if a.get("status") == "active"]
    suppliers = {s["id"] for a in active for s in a.get("suppliers", [])}
    priced = [(d["tenderers"][0]["id"], d["value"]["amount"], d["status"]) for d in details
              if d.get("value") and len(d.get("tenderers", [])) == 1]
    valid = [(who, amount) for who, amount, status in priced if status == "valid"]

    # R024: one active award to one supplier whose bid is the lowest valid one; the second-lowest valid bid is
    # within the threshold of it.
    if len(active) == 1 and len(suppliers) == 1:
        [supplier] = suppliers
        winning = [amount for who, amount in valid if who == supplier]
        others = [amount for who, amount in valid if who != supplier]
        if winning and others and min(winning) <= min(amount for _, amount in valid):
            difference = (min(others) - min(winning)) / min(winning)
            if difference <= r024_threshold:
                found["R024"] = difference

    # R035: exactly one tenderer has valid bids, it is the supplier of every active award, and at least the
    # threshold of other tenderers have disqualified bids.
    valid_tenderers = {t["id"] for d in details if d["status"] == "valid" for t in d.get("tenderers", [])}
    disqualified = {t["id"] for d in details if d["status"] == "disqualified" for t in d.get("tenderers", [])}
    if len(valid_tenderers) == 1 and active and suppliers == valid_tenderers:
        others = disqualified - valid_tenderers
        if len(others) >= r035_threshold:
            found["R035"] = float(len(others))

    # R036: at least one active award, and the lowest submitted bid is disqualified.
    if active and priced:
        lowest = min(amount for _, amount, _ in priced)
        if any(status == "disqualified" for _, amount, status in priced if amount == lowest):
            found["R036"] = 1.0
    return found


# --- the same procedures on the platform, published as open data ------------------------------------------------

_codes = iter(range(9_300_000, 9_400_000))


def _published(made: Project, *, ending: Status = Status.AWARDED) -> Project:
    """Give ``made`` a deal code and the transitions the services leave (published → deadline → opening →
    evaluation → publicity → awarded, or the opening ending in 流标), so open data publishes it."""
    code = f"310104012025{next(_codes):07d}"
    Project.objects.filter(pk=made.pk).update(deal_code=code + deal_code_check_digit(code))
    made.refresh_from_db()
    deadline, by = made.bid_deadline, made.created_by
    hour = dt.timedelta(hours=1)
    path = [(Status.DRAFT, Status.PUBLISHED, made.announcement_at),
            (Status.PUBLISHED, Status.DEADLINE_PASSED, deadline), (Status.DEADLINE_PASSED, Status.OPENING, deadline)]
    if ending == Status.FAILED:
        path.append((Status.OPENING, Status.FAILED, deadline + hour))
    else:
        path += [(Status.OPENING, Status.EVALUATION, deadline + hour),
                 (Status.EVALUATION, Status.PUBLICITY, deadline + 2 * hour),
                 (Status.PUBLICITY, Status.READY_TO_AWARD, deadline + 3 * hour),
                 (Status.READY_TO_AWARD, Status.AWARDED, deadline + 4 * hour)]
    for before, after, at in path:
        ProjectTransition.objects.create(project=made, from_status=before, to_status=after, by=by,
                                         by_label=by.username, at=at)
    return made


@pytest.fixture
def world():
    """Single-section procedures made to raise each Cardinal flag, and some made not to."""
    tenderer, agency = factories.user(role=Role.TENDERER), factories.user(role=Role.AGENCY)
    made = []

    def procedure(prices, *, days=25, method="open", winner=0, rejected=(), revoked=(), failed=False):
        item = project(tenderer_user=tenderer, days=days, method=method,
                       status=Status.FAILED if failed else Status.AWARDED)
        section = item.sections.get()
        bids = [bid(section, bidder(), price=None if n in revoked else price,
                    state=Bid.State.REVOKED if n in revoked else Bid.State.OPENED)
                for n, price in enumerate(prices)]
        if rejected:
            disqualify(section, [bids[n] for n in rejected], by=agency)
        if not failed:
            award(section, bids[winner])
        made.append(_published(item, ending=Status.FAILED if failed else Status.AWARDED))

    procedure(["900000.00", "950000.00", "980000.00"], days=12)  # R003
    procedure(["900000.00", "950000.00", "980000.00"], days=20)  # nothing: 20 days is the rule
    procedure(["900000.00", "950000.00", "980000.00"], days=5, method="invited")  # R003 watches open ones only
    procedure(["500000.00"], failed=True)  # R018
    procedure(["500000.00"], method="invited", failed=True)  # R018 (selective)
    procedure(["500000.00"], method="negotiation", failed=True)  # not competitive: no R018
    procedure(["900000.00", "905000.00", "990000.00"])  # R024 (0.56 %)
    procedure(["900000.00", "901000.00", "990000.00"], winner=1)  # the winner is not the lowest: no R024
    procedure(["900000.00", "950000.00", "980000.00"], rejected=(1, 2))  # R035 (2)
    procedure(["900000.00", "950000.00", "980000.00"], rejected=(2,), revoked=(1,))  # R035 (2: one not decrypted)
    procedure(["900000.00", "950000.00", "980000.00"], rejected=(1,))  # one of two others out: no R035
    procedure(["900000.00", "950000.00", "980000.00"], rejected=(0,), winner=1)  # R036
    procedure(["900000.00", "950000.00", "980000.00"], rejected=(2,))  # highest out: no R036
    return made


def _platform_flags(projects) -> dict:
    deal_codes = {p.pk: p.deal_code for p in projects}
    return {(ocid_for(deal_codes[lead.project_id]), lead.code): lead.value
            for lead in Lead.objects.filter(code__in=CARDINAL, project__in=projects)}


def _open_data_flags(projects) -> dict:
    releases_publish(projects=projects, now=timezone.now())
    flags = conf.flag
    found = {}
    for made in projects:
        ocid = ocid_for(made.deal_code)
        releases = list(Release.objects.filter(ocid=ocid).order_by("pk").values_list("data", flat=True))
        compiled = record_build(releases)["compiledRelease"]
        for code, value in cardinal_flags(compiled, r003_days=int(flags("R003")["days"]),
                                          r024_threshold=float(flags("R024")["threshold"]),
                                          r035_threshold=int(flags("R035")["threshold"])).items():
            found[(ocid, code)] = value
    return found


def test_cardinal_flags_from_the_ocds_export_equal_the_platforms(world):
    leads_refresh()

    platform, open_data = _platform_flags(world), _open_data_flags(world)

    assert set(open_data) == set(platform)
    for key, value in open_data.items():
        if key[1] in ("R024", "R035"):
            assert float(platform[key]) == pytest.approx(value, abs=1e-6), key
    # every flag is raised somewhere and withheld somewhere
    assert {code for _, code in platform} == set(CARDINAL)
    assert len({ocid for ocid, _ in platform}) < len(world)


def test_a_rejected_bid_is_published_as_disqualified_only_from_the_end_of_the_evaluation(world):
    made = world[8]  # the R035 procedure: two of three bids rejected by the evaluation
    releases_publish(projects=[made], now=timezone.now())
    by_event = {release.release_id.rsplit("-", 2)[-2]: release.data
                for release in Release.objects.filter(ocid=ocid_for(made.deal_code))}

    def statuses(data):
        return sorted(d["status"] for d in data["bids"]["details"])

    assert statuses(by_event["opening"]) == ["valid", "valid", "valid"]
    assert statuses(by_event["evaluated"]) == ["disqualified", "disqualified", "valid"]
    assert {s["measure"]: s["value"] for s in by_event["evaluated"]["bids"]["statistics"]} == {
        "bids": 3, "validBids": 1}
    assert statuses(by_event["award"]) == ["disqualified", "disqualified", "valid"]
