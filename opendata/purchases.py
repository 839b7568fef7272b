"""OCDS releases of the intermediary marketplace's purchases (marketplace/): a public body buying a small service.

| event (marketplace)                                        | tag                  |
|------------------------------------------------------------|----------------------|
| selection notice posted (选取公告)                          | tender               |
| an intermediary selected (any method; the next in line too) | award                |
| the selected intermediary declines, or a complaint voids it | awardCancellation    |
| no intermediary selected (failed)                           | tenderUpdate         |
| cancelled by the owner                                      | tenderCancellation   |
| contract recorded                                           | contract             |
| delivery recorded                                           | contractTermination  |

The history is read from the audit chain (``audit.AuditEvent``), which the marketplace writes in the transaction of
each step: the purchase row keeps only the present (the current winner), the chain keeps every selection and
refusal in order, with its time. The law first: who applied and at what quote is published only from the selection
(after the deadline; sealed quotes are sealed until then), never before; a random draw's pool is not published here
(its public record is, on the marketplace's pages).

The ocid is the prefix + the purchase's number with 中介 written ``ZJ`` (``中介2026000123`` → ``ZJ2026000123``), so
that it stays ASCII in addresses.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation

from audit.models import AuditEvent
from marketplace import conf
from marketplace.models import Application, Intermediary, Method, Purchase

from .ocds import Event, Parties, money, ocid_for, release_finish, release_head, releases_until, when

PROCUREMENT_METHOD = {Method.DIRECT: "direct", Method.RANDOM: "selective", Method.BIDDING: "open",
                      Method.COMPARISON: "open"}
METHOD_DETAILS = {Method.DIRECT: "直接选取", Method.RANDOM: "随机抽取", Method.BIDDING: "竞价选取",
                  Method.COMPARISON: "比选"}
AWARD_CRITERIA = {Method.BIDDING: "priceOnly", Method.COMPARISON: "ratedCriteria"}
CRITERION_NAMES = {"price": "价格", "proposal": "方案", "experience": "业绩", "plan": "服务计划"}
SELECTED = ("marketplace.select.direct", "marketplace.select.draw", "marketplace.select.bidding",
            "marketplace.select.comparison", "marketplace.select.next")
SET_ASIDE = ("marketplace.select.refuse", "marketplace.select.void")  # declined by the winner; voided on complaint
# audit action → (release tag, release id key)
STEPS = {**dict.fromkeys(SELECTED, ("award", "award")), "marketplace.purchase.post": ("tender", "tender"),
         "marketplace.select.refuse": ("awardCancellation", "declined"),
         "marketplace.select.void": ("awardCancellation", "voided"),
         "marketplace.purchase.fail": ("tenderUpdate", "failed"),
         "marketplace.purchase.cancel": ("tenderCancellation", "cancelled"),
         "marketplace.contract.record": ("contract", "contract"),
         "marketplace.delivery.record": ("contractTermination", "delivered")}


def purchase_code(purchase: Purchase) -> str:
    return purchase.number.replace("中介", "ZJ", 1)


@dataclass
class Step:
    """One audited step of the purchase: its release event and what the chain recorded."""

    event: Event
    action: str
    payload: dict


@dataclass
class PurchaseFacts:
    purchase: Purchase
    steps: list = field(default_factory=list)
    intermediaries: dict = field(default_factory=dict)
    bids: list = field(default_factory=list)

    @classmethod
    def load(cls, purchase: Purchase) -> "PurchaseFacts":
        contract = getattr(purchase, "contract", None)
        rows = AuditEvent.objects.filter(object_type="marketplace.purchase", object_id=str(purchase.pk),
                                         action__in=list(STEPS))
        if contract is not None:
            rows = rows | AuditEvent.objects.filter(object_type="marketplace.contract", object_id=str(contract.pk),
                                                    action__in=list(STEPS))
        steps = []
        for row in rows.order_by("seq"):
            tag, key = STEPS[row.action]
            at = purchase.posted_at if tag == "tender" else row.created_at  # the notice's own time
            steps.append(Step(Event(f"{key}-{row.seq}", tag, at), row.action, row.payload))
        named = {s.payload.get("winner") for s in steps} | {s.payload.get("intermediary") for s in steps}
        bids = []
        if purchase.method in (Method.BIDDING, Method.COMPARISON):
            bids = list(purchase.applications.filter(state__in=(Application.State.APPLIED,
                                                                 Application.State.EXCLUDED))
                        .select_related("intermediary__organisation").order_by("quoted_at", "pk"))
        return cls(purchase=purchase, steps=steps, bids=bids, intermediaries={
            i.pk: i for i in Intermediary.objects.filter(pk__in=[pk for pk in named if pk]).select_related(
                "organisation")})

    def events(self) -> list[Event]:
        return [step.event for step in self.steps]

    @property
    def contract(self):
        return getattr(self.purchase, "contract", None)


def release_build(facts: PurchaseFacts, event: Event) -> dict:
    """The release of one event: the purchase's public state at ``event.at``."""
    purchase, at = facts.purchase, event.at
    ocid = ocid_for(purchase_code(purchase))
    parties = Parties()
    buyer = parties.add(purchase.owner, "buyer")
    procuring = parties.add(purchase.owner, "procuringEntity")
    steps = [step for step in facts.steps if step.event.at <= at]
    status, awards, selected = "active", [], False
    for step in steps:
        if step.action in SELECTED:
            selected, status = True, "complete"
            winner = facts.intermediaries[step.payload["winner"]]
            awards.append({"id": f"{purchase_code(purchase)}-{step.event.key}", "status": "active",
                           "date": when(step.event.at), "value": money(Decimal(str(step.payload["amount"]))),
                           "suppliers": [parties.add(winner.organisation, "supplier")],
                           "_winner": winner.pk})
        elif step.action in SET_ASIDE:  # the award is cancelled; the next in line (if any) follows as a new one
            status = "active"
            for award in awards:
                if award["_winner"] == step.payload["intermediary"] and award["status"] == "active":
                    award["status"] = "cancelled"
        elif step.action == "marketplace.purchase.fail":
            selected, status = True, "unsuccessful"
        elif step.action == "marketplace.purchase.cancel":
            status = "cancelled"
    tender = {"id": purchase_code(purchase), "title": purchase.title, "description": purchase.scope,
              "status": status, "procuringEntity": procuring, "mainProcurementCategory": "services",
              "procurementMethod": PROCUREMENT_METHOD[purchase.method],
              "procurementMethodDetails": f"网上中介超市·{conf.service_type_name(purchase.service_type)}·"
                                          f"{METHOD_DETAILS[purchase.method]}",
              "value": money(purchase.fee_cap)}  # the fee cap: the most the owner pays
    if purchase.method == Method.DIRECT:
        tender["procurementMethodRationale"] = purchase.direct_reason
    if purchase.method in AWARD_CRITERIA:
        tender["awardCriteria"] = AWARD_CRITERIA[purchase.method]
        tender["tenderPeriod"] = {"startDate": when(purchase.posted_at), "endDate": when(purchase.deadline)}
    if purchase.method == Method.COMPARISON:
        tender["awardCriteriaDetails"] = "、".join(f"{CRITERION_NAMES.get(k, k)}{v}%" for k, v in
                                                  purchase.weights.items())
    elif purchase.method == Method.RANDOM and hasattr(purchase, "draw"):
        tender["awardCriteriaDetails"] = (f"随机抽取：公告时公布承诺值 {purchase.draw.commitment}，抽取后公布抽取"
                                          "记录，任何人可复核")
    if purchase.requirements:
        tender["eligibilityCriteria"] = purchase.requirements
    release = {**release_head(ocid=ocid, event=event, buyer=buyer), "tender": tender}
    bid_ids = {}
    if selected and facts.bids:  # who applied and at what quote: from the selection on, never before
        details = []
        for application in facts.bids:
            bid_ids[application.intermediary_id] = f"{purchase_code(purchase)}-{application.pk}"
            detail = {"id": bid_ids[application.intermediary_id], "status": "valid" if
                      application.state == Application.State.APPLIED else "disqualified",
                      "tenderers": [parties.add(application.intermediary.organisation, "tenderer")]}
            if application.quoted_at:
                detail["date"] = when(application.quoted_at)
            if application.quote is not None:
                detail["value"] = money(application.quote)
            details.append(detail)
        release["bids"] = {"details": details, "statistics": [
            {"id": f"{purchase_code(purchase)}-bids", "measure": "bids", "value": len(details)},
            {"id": f"{purchase_code(purchase)}-validBids", "measure": "validBids",
             "value": sum(d["status"] == "valid" for d in details)}]}
        tender["numberOfTenderers"] = len(details)
        tender["tenderers"] = [d["tenderers"][0] for d in details]
    for award in awards:
        winner = award.pop("_winner")
        if winner in bid_ids:
            award["relatedBid"] = bid_ids[winner]
    contract, contracts = facts.contract, []
    recorded = [s for s in steps if s.action == "marketplace.contract.record"]
    if contract is not None and recorded and awards:
        live = [a for a in awards if a["status"] == "active"]
        entry = {"id": f"{purchase_code(purchase)}-contract", "awardID": (live or awards)[-1]["id"],
                 "status": "active", "dateSigned": when(contract.signed_on), "value": money(contract.amount),
                 "period": {"startDate": when(contract.signed_on), "endDate": when(contract.due_on)},
                 "description": contract.deliverables}
        if any(s.action == "marketplace.delivery.record" for s in steps) and contract.delivered_on:
            entry["status"] = "terminated"  # OCDS 1.1: signed, in force, and now come to a close (delivered)
            entry["period"]["endDate"] = when(contract.delivered_on)
        contracts.append(entry)
    return release_finish(release, parties=parties, awards=awards, contracts=contracts)


def purchase_releases(purchase: Purchase, *, now: dt.datetime) -> list[tuple[Event, dict]]:
    """Every release of a purchase whose event has happened by ``now``, oldest first."""
    with translation.override("zh-hans"):  # the service type's name as the notice reads
        return releases_until(PurchaseFacts.load(purchase), release_build, now=now)
