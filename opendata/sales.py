"""OCDS releases of the online land, mining-right and state-property sales (auctions/): one release per event.

| event (auctions)                                      | tag               |
|-------------------------------------------------------|-------------------|
| sale notice published (出让/转让公告)                  | tender            |
| a lot closes with a winner (成交, or 待批 below 90 %)  | award             |
| a lot closes without one (流拍)                       | tenderUpdate      |
| the state-assets authority decides a deal below 90 %  | awardUpdate       |
| the winner refuses to sign (deposit forfeited)        | awardCancellation |
| the winner signs the 成交确认书                        | contract          |
| the signed 网上竞得证明 is published                   | awardUpdate       |
| the signed 成交确认书 is published                     | contractUpdate    |
| the sale notice / a lot's result notice (its PDF)     | tenderUpdate / awardUpdate (成交), tenderUpdate (流拍) |
| the regulator suspends the sale (暂停) / lifts it     | tenderAmendment   |

A sale is not a purchase, and OCDS says so with its own conventions (docs/opendata.md "Sales"): the public body that
sells is the ``buyer`` (the government side of the contract), the winner the ``supplier`` of the award, and every
amount the winner would pay is negative — "a negative value indicates that the contracting process may involve
payments from the supplier to the buyer" (OCDS 1.1, tender.value, awards.value, contracts.value). No
``mainProcurementCategory``: its closed codelist (goods, works, services) names what is bought, and nothing is.

The law first: before a lot's close nothing about its bidders is published — no bids, no numbers of applicants —
and never the reserve price; bidders are anonymous (竞买号) even after the close, except the winner, whom the result
names. From the close: each quote (time, amount, the bidder's 竞买号 in its id), the counts, the reserve as opened.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from auctions.documents import TITLES
from auctions.models import Application, Kind, Lot, LotDocument, LotEvent, Method, Quote, Sale, Subject
from trading.models import Announcement

from .ocds import (
    Event,
    Parties,
    Published,
    document,
    documents_at,
    money,
    notice_document,
    ocid_for,
    release_finish,
    release_head,
    releases_until,
    suspension_amendment,
    when,
)

SUBJECT_DETAILS = {Subject.LAND: "国有建设用地使用权", Subject.MINING: "矿业权", Subject.PROPERTY: "国有产权"}
KIND_DETAILS = {Kind.GRANT: "出让", Kind.TRANSFER: "转让"}
METHOD_DETAILS = {Method.LISTING: "网上挂牌（挂牌期满两人以上报价转限时竞价）", Method.AUCTION: "网上拍卖"}
AWARD_CRITERIA = "价高者得：最高有效报价不低于底价的成交；国有产权低于评估值90%的须经国有资产监管机构批准"

# A lot's outcome as it stands (from its log): the close, then a decision or a refusal.
SOLD, PENDING, NO_DEAL, NOT_APPROVED, REFUSED = "sold", "pending", "no_deal", "not_approved", "refused"
CLOSE_OUTCOME = {Lot.State.SOLD: SOLD, Lot.State.PENDING_APPROVAL: PENDING, Lot.State.NO_DEAL: NO_DEAL}
LOT_STATUS = {None: "active", PENDING: "active", SOLD: "complete", NO_DEAL: "unsuccessful",
              NOT_APPROVED: "unsuccessful", REFUSED: "unsuccessful"}
AWARD_STATUS = {PENDING: "pending", SOLD: "active", NOT_APPROVED: "unsuccessful", REFUSED: "cancelled"}
# The lot's signed result documents: (release tag, OCDS documentType, where in the release).
DOCUMENTS = {LotDocument.Kind.CERTIFICATE: ("awardUpdate", "awardNotice", "award"),
             LotDocument.Kind.CONFIRMATION: ("contractUpdate", "contractSigned", "contract")}


def _yuan(amount) -> str:
    return f"{amount:,.2f}"


def _clock(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@dataclass
class LotFacts:
    lot: Lot
    quotes: list = field(default_factory=list)
    applications: int = 0  # 竞买申请 received
    qualified: int = 0  # holding a bidding right (竞买号)
    outcomes: list = field(default_factory=list)  # [(at, outcome)] from the close on, in order
    decided: list = field(default_factory=list)  # [(Event key, tag, at)] after the close

    def outcome_at(self, at: dt.datetime) -> str | None:
        passed = [outcome for moment, outcome in self.outcomes if moment <= at]
        return passed[-1] if passed else None

    def won_by(self, at: dt.datetime) -> bool:
        """Whether the lot had a winner by ``at`` (the award exists from then on, whatever became of it)."""
        return any(outcome in (SOLD, PENDING) for moment, outcome in self.outcomes if moment <= at)


@dataclass
class SaleFacts:
    sale: Sale
    lots: list = field(default_factory=list)
    documents: list = field(default_factory=list)  # [Published]: the signed 网上竞得证明 and 成交确认书
    suspensions: list = field(default_factory=list)  # [(LotEvent key, at, reason or None for the lifting)]

    @classmethod
    def load(cls, sale: Sale) -> "SaleFacts":
        lots = list(sale.lots.select_related("leading__organisation").order_by("number"))
        ids = [lot.pk for lot in lots]
        quotes: dict[int, list] = {pk: [] for pk in ids}
        for quote in Quote.objects.filter(lot_id__in=ids).select_related("application").order_by("lot_id", "seq"):
            quotes[quote.lot_id].append(quote)
        events: dict[int, list] = {pk: [] for pk in ids}
        for event in LotEvent.objects.filter(lot_id__in=ids, kind__in=("closed", "approval_decided", "deal_refused",
                                                                        "suspended", "resumed")).order_by("lot_id",
                                                                                                          "seq"):
            events[event.lot_id].append(event)
        applications = {pk: [0, 0] for pk in ids}
        for lot_id, number in Application.objects.filter(lot_id__in=ids).values_list("lot_id", "bidder_number"):
            applications[lot_id][0] += 1
            applications[lot_id][1] += bool(number)
        facts = []
        for lot in lots:
            one = LotFacts(lot=lot, quotes=quotes[lot.pk], applications=applications[lot.pk][0],
                           qualified=applications[lot.pk][1])
            for event in events[lot.pk]:
                if event.kind == "closed" and lot.closed_at is not None:
                    outcome = CLOSE_OUTCOME.get(event.payload.get("outcome"))
                    if outcome is not None:  # the close's time is the record's (the countdown's end)
                        one.outcomes.append((lot.closed_at, outcome))
                elif event.kind == "approval_decided":
                    one.outcomes.append((event.at, SOLD if event.payload.get("approved") else NOT_APPROVED))
                    one.decided.append((f"approval-{lot.number}", "awardUpdate", event.at))
                elif event.kind == "deal_refused":
                    one.outcomes.append((event.at, REFUSED))
                    one.decided.append((f"refusal-{lot.number}", "awardCancellation", event.at))
            facts.append(one)
        # A suspension is the sale's: every lot's log has it, in the same transaction; the first lot's tells it.
        suspensions = [(f"{e.kind}-{e.seq}", e.at, e.payload.get("reason", "") if e.kind == "suspended" else None)
                       for e in events[ids[0]] if e.kind in ("suspended", "resumed")] if ids else []
        numbers = {lot.pk: lot for lot in lots}
        documents = []
        for doc in LotDocument.objects.filter(lot_id__in=ids).order_by("created_at", "pk"):
            lot = numbers[doc.lot_id]
            tag, document_type, where = DOCUMENTS[doc.kind]
            entry = document(id=f"{lot.deal_key}-{doc.kind}-pdf", document_type=document_type,
                             title=TITLES[doc.kind],
                             path=reverse("auctions:document", args=[lot.pk, doc.kind]), published=doc.created_at,
                             lots=(lot.deal_key,))
            documents.append(Published(Event(f"{doc.kind}-{lot.number}", tag, doc.created_at), [entry],
                                       **{where: lot.pk}))
        documents += _notices(sale, numbers)
        return cls(sale=sale, lots=facts, documents=documents, suspensions=suspensions)

    def events(self) -> list[Event]:
        if self.sale.notice_published_at is None:
            return []  # a draft publishes nothing
        events = [Event("notice", "tender", self.sale.notice_published_at)]
        for one in self.lots:
            lot = one.lot
            if one.outcomes:
                won = one.outcomes[0][1] in (SOLD, PENDING)
                events.append(Event(f"close-{lot.number}", "award" if won else "tenderUpdate", one.outcomes[0][0]))
            events.extend(Event(key, tag, at) for key, tag, at in one.decided)
            if lot.confirmed_at is not None:
                events.append(Event(f"contract-{lot.number}", "contract", lot.confirmed_at))
        events.extend(Event(key, "tenderAmendment", at) for key, at, _reason in self.suspensions)
        events.extend(published.event for published in self.documents)
        return sorted(events, key=lambda e: e.at)


def _notices(sale: Sale, lots: dict[int, Lot]) -> list[Published]:
    """The sale's published notices as documents, each in a release of its own (docs/opendata.md "Documents"): the
    sale notice (``tenderNotice``) and each lot's result notice (``awardNotice``: 成交 under the lot's award, 流拍 or
    void under the tender). The 网上竞得证明 attached to a deal notice is linked once, as the lot's certificate."""
    page = reverse("auctions:sale", args=[sale.pk])
    published = []
    for notice in Announcement.objects.filter(Q(link=page) | Q(link__startswith=f"{page}#lot-"),
                                              deal_code=sale.deal_code or "").order_by("published_at", "pk"):
        lot = lots.get(int(notice.link.partition("#lot-")[2] or 0))
        if notice.kind == Announcement.Kind.TENDER and notice.link == page:
            published.append(Published(Event(f"notice-{notice.pk}", "tenderUpdate", notice.published_at),
                                       [notice_document(notice, "tenderNotice")]))
        elif lot is not None and notice.kind in (Announcement.Kind.AWARD, Announcement.Kind.FAILURE):
            won = notice.kind == Announcement.Kind.AWARD
            event = Event(f"notice-{notice.pk}", "awardUpdate" if won else "tenderUpdate", notice.published_at)
            published.append(Published(event, [notice_document(notice, "awardNotice", lots=(lot.deal_key,))],
                                       award=lot.pk if won else None))
    return published


def _lot_terms(sale: Sale, lot: Lot, *, closed: bool) -> str:
    """What the notice publishes about a lot, in words; the reserve only once opened at the close."""
    terms = [f"起始价 {_yuan(lot.starting_price)} 元", f"加价幅度 {_yuan(lot.increment)} 元",
             f"竞买保证金 {_yuan(lot.deposit)} 元"]
    if lot.valuation is not None:
        terms.append(f"评估值 {_yuan(lot.valuation)} 元")
    if sale.method == Method.LISTING and sale.listing_ends_at:
        terms.append(f"挂牌期 {_clock(sale.starts_at)} 至 {_clock(sale.listing_ends_at)}")
    else:
        terms.append(f"拍卖开始 {_clock(sale.starts_at)}")
    if closed and lot.reserve_price is not None:
        terms.append(f"底价（竞价结束时开启）{_yuan(lot.reserve_price)} 元")
    elif closed:
        terms.append("未设底价")
    text = "；".join(terms)
    return f"{lot.description.strip()}\n{text}" if lot.description.strip() else text


def _bid_id(lot: Lot, quote: Quote) -> str:
    """A quote's id: the lot, the bidder's anonymous 竞买号, the quote's place in the lot's log."""
    return f"{lot.deal_key}-{quote.application.bidder_number}-{quote.seq}"


def release_build(facts: SaleFacts, event: Event) -> dict:
    """The release of one event: the sale's public state at ``event.at``."""
    sale, at = facts.sale, event.at
    ocid = ocid_for(sale.deal_code)
    parties = Parties()
    buyer = parties.add(sale.seller, "buyer")
    procuring = parties.add(sale.host, "procuringEntity")
    outcomes = [one.outcome_at(at) for one in facts.lots]
    if any(outcome in (None, PENDING) for outcome in outcomes):
        status = "active"
    else:
        status = "complete" if SOLD in outcomes else "unsuccessful"
    tender = {
        "id": sale.deal_code, "title": sale.title, "status": status, "procuringEntity": procuring,
        "procurementMethod": "open",
        "procurementMethodDetails": f"{SUBJECT_DETAILS[sale.subject]}{KIND_DETAILS[sale.kind]}·"
                                    f"{METHOD_DETAILS[sale.method]}",
        "submissionMethod": ["electronicAuction"], "awardCriteriaDetails": AWARD_CRITERIA,
        "tenderPeriod": {"startDate": when(sale.notice_published_at), "endDate": when(sale.application_deadline)},
    }
    if sale.notice_text.strip():
        tender["description"] = sale.notice_text.strip()
    amendments = [suspension_amendment(key=key, at=moment, what="交易", reason=reason)
                  for key, moment, reason in facts.suspensions if moment <= at]
    if amendments:
        tender["amendments"] = amendments
    notices = documents_at(facts.documents, at)
    if notices:
        tender["documents"] = notices
    lots, details, statistics, awards, contracts = [], [], [], [], []
    for one, outcome in zip(facts.lots, outcomes, strict=True):
        lot = one.lot
        closed = bool(one.outcomes) and one.outcomes[0][0] <= at
        lots.append({"id": lot.deal_key, "title": lot.title, "status": LOT_STATUS[outcome],
                     "description": _lot_terms(sale, lot, closed=closed),
                     # the most the seller pays: minus the least it receives (OCDS's sign for supplier → buyer)
                     "value": money(-lot.starting_price)})
        if not closed:
            continue  # before the close: nothing about the bidders
        for quote in one.quotes:
            details.append({"id": _bid_id(lot, quote), "date": when(quote.at), "status": "valid",
                            "value": money(-quote.amount), "relatedLots": [lot.deal_key]})
        for measure, value in (("requests", one.applications), ("qualifiedBidders", one.qualified),
                               ("bidders", len({q.application_id for q in one.quotes})), ("bids", len(one.quotes)),
                               ("validBids", len(one.quotes))):
            statistics.append({"id": f"{lot.deal_key}-{measure}", "measure": measure, "value": value,
                               "relatedLot": lot.deal_key})
        if not one.won_by(at) or lot.leading is None or lot.deal_price is None:
            continue
        award_id = f"{lot.deal_key}-award"
        award = {"id": award_id, "status": AWARD_STATUS[outcome], "date": when(one.outcomes[0][0]),
                 "value": money(-lot.deal_price), "suppliers": [parties.add(lot.leading.organisation, "supplier")],
                 "relatedLots": [lot.deal_key]}
        winning = [q for q in one.quotes if q.application_id == lot.leading_id and q.amount == lot.deal_price]
        if winning:
            award["relatedBid"] = _bid_id(lot, winning[0])
        certificate = documents_at(facts.documents, at, award=lot.pk)
        if certificate:
            award["documents"] = certificate
        awards.append(award)
        if lot.confirmed_at is not None and lot.confirmed_at <= at:
            contract = {"id": f"{lot.deal_key}-confirmation", "awardID": award_id, "title": "成交确认书",
                        "status": "active", "dateSigned": when(lot.confirmed_at), "value": money(-lot.deal_price)}
            signed = documents_at(facts.documents, at, contract=lot.pk)
            if signed:
                contract["documents"] = signed
            contracts.append(contract)
    tender["lots"] = lots
    release = {**release_head(ocid=ocid, event=event, buyer=buyer), "tender": tender}
    if details:
        release["bids"] = {"statistics": statistics, "details": details}
    return release_finish(release, parties=parties, awards=awards, contracts=contracts)


def sale_releases(sale: Sale, *, now: dt.datetime) -> list[tuple[Event, dict]]:
    """Every release of a sale whose event has happened by ``now``, oldest first."""
    return releases_until(SaleFacts.load(sale), release_build, now=now)
