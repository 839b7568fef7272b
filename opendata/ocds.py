"""Building OCDS 1.1 releases from a project's history: one release per event, each the public state at that time.

Events and their tags (docs/opendata.md has the full mapping):

| event (trading)                                  | tag               |
|--------------------------------------------------|-------------------|
| published, with a budget (预算) section          | planning          |
| published (招标公告)                             | tender            |
| clarification or amendment notice                | tenderAmendment   |
| opening finished (唱标 done: evaluation or 流标) | tenderUpdate      |
| evaluation over, some bid rejected (否决投标)    | tenderUpdate      |
| failed (流标)                                    | tenderUpdate      |
| cancelled (终止)                                 | tenderCancellation|
| award (中标/成交)                                | award             |
| award refused by the winner (TL 74)              | awardUpdate       |
| contract recorded (合同)                         | contract          |
| contract terminated (合同终止)                   | contractTermination |
| suspended by a regulator (暂停) / lifted (恢复)  | tenderAmendment   |
| opening record signed (开标记录)                 | tenderUpdate      |
| a notice published (公告: its PDF)               | tenderUpdate, awardUpdate or contractUpdate |

Each release carries everything public at its date and nothing more: bids (statistics and details: who bid,
at what price) only from the end of the opening; registrations and downloads never (EB 23/24); the awards and
contracts recorded by then; the signed documents and the notices published by then, linked under ``SITE_URL``.
Drafts publish nothing. Land and property projects are sales: their amounts are negative, as for ``opendata.sales``.
"""

import datetime as dt
import mimetypes
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse

from bidding_room.models import OpeningRecord
from expert_pool.models import Evaluation
from trading.models import Announcement, Award, Bid, Contract, NoticeAttachment, Project, ProjectTransition, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
CURRENCY = "CNY"
PARTY_SCHEME = "CN-USCC"  # 统一社会信用代码 (GB 32100-2015)
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
]

# Codes → OCDS codelists (closed codelists: procurementMethod, tenderStatus, awardStatus, contractStatus).
PROCUREMENT_METHOD = {"open": "open", "invited": "selective", "negotiation": "limited", "auction": "open",
                      "listing": "open"}
METHOD_DETAILS = {"open": "公开招标", "invited": "邀请招标", "negotiation": "竞争性谈判", "auction": "拍卖",
                  "listing": "挂牌"}
CATEGORY_DETAILS = {"construction": "工程建设", "government": "政府采购", "land": "国有土地使用权和矿业权出让",
                    "property": "国有产权交易", "other": "其他"}
TENDER_STATUS = {
    Status.DRAFT: "planning", Status.PUBLISHED: "active", Status.DEADLINE_PASSED: "active",
    Status.OPENING: "active", Status.EVALUATION: "active", Status.PUBLICITY: "active",
    Status.READY_TO_AWARD: "active", Status.SUSPENDED: "active", Status.AWARDED: "complete",
    Status.CONTRACT_SIGNED: "complete", Status.ARCHIVED: "complete", Status.FAILED: "unsuccessful",
    Status.CANCELLED: "cancelled",
}
BID_STATUS = {Bid.State.OPENED: "valid", Bid.State.SUBMITTED: "pending", Bid.State.REVOKED: "disqualified",
              Bid.State.WITHDRAWN_AT_OPENING: "withdrawn"}
BIDS_AT_DEADLINE = tuple(BID_STATUS)  # superseded or withdrawn before the deadline: never a bid
# Land and property are sold, not bought: the public body receives the money (docs/opendata.md "Sales").
SALE_CATEGORIES = ("land", "property")
# A step out of the opening or the evaluation that is not its end: nothing of the bids becomes public by it.
NOT_AN_END = (Status.SUSPENDED, Status.CANCELLED)
# The notices linked as documents (docs/opendata.md "Documents"): kind → (documentType, the tag of the release of
# its publication). The candidates' publicity is the public result of the evaluation (《招标公告和公示信息发布管理办法》
# 第六条: ranking, prices, the rejected bids and why), hence ``evaluationReports``; the committee's report stays
# unpublished. A failed tender's notice (流标) is the procedure's result notice (中标结果公告 on the portal). The
# suspension notice is told as an amendment (suspension_amendment), not linked.
NOTICE_DOCUMENTS = {
    Announcement.Kind.TENDER: ("tenderNotice", "tenderUpdate"),
    Announcement.Kind.CLARIFICATION: ("clarifications", "tenderAmendment"),
    Announcement.Kind.AMENDMENT: ("biddingDocuments", "tenderAmendment"),
    Announcement.Kind.CANDIDATES: ("evaluationReports", "tenderUpdate"),
    Announcement.Kind.AWARD: ("awardNotice", "awardUpdate"),
    Announcement.Kind.FAILURE: ("awardNotice", "tenderUpdate"),
    Announcement.Kind.CANCELLATION: ("cancellationDetails", "tenderUpdate"),
    Announcement.Kind.CONTRACT: ("contractNotice", "contractUpdate"),
}


def ocid_for(deal_code: str) -> str:
    return f"{settings.OPENDATA_OCID_PREFIX}-{deal_code}"


def main_category(project: Project) -> str | None:
    """category → mainProcurementCategory: construction → works; government procurement → its object (goods,
    services, works; goods when unset); land, property and other are sales, not procurement: none."""
    if project.category == "construction":
        return "works"
    if project.category == "government":
        return project.procurement_object or "goods"
    return None


def when(moment: dt.datetime | dt.date) -> str:
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time.min, tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def money(amount: Decimal) -> dict:
    """OCDS amounts are JSON numbers; yuan with 2 places convert exactly (well below 2**53 fen)."""
    return {"amount": float(amount), "currency": CURRENCY}


def document(*, id: str, document_type: str, title: str, path: str, published: dt.datetime,
             name: str = ".pdf", lots: tuple[str, ...] = ()) -> dict:
    """A published document as OCDS links it: ``documentType`` from the codelist, the URL absolute (``SITE_URL`` +
    the platform's public path, served to anyone), the format from the file's name (the signed PDFs': PDF)."""
    entry = {"id": id, "documentType": document_type, "title": title, "url": f"{settings.SITE_URL}{path}",
             "format": mimetypes.guess_type(f"x{name}" if name.startswith(".") else name)[0]
             or "application/octet-stream", "datePublished": when(published), "language": "zh"}
    if lots:
        entry["relatedLots"] = list(lots)
    return entry


@dataclass
class Published:
    """A signed document (or a notice's attachments) published at ``event``: in the release of that event and every
    later one, under ``tender`` or under one award (``award``: the award's own key) or contract."""

    event: "Event"
    entries: list
    award: object = None
    contract: object = None


def notice_document(notice: Announcement, document_type: str, *, lots: tuple[str, ...] = ()) -> dict:
    """A published notice (公告) as an OCDS document: its full text as the platform's PDF (公告全文), which anyone opens
    from the notice's publication on (``trading:notice_pdf``, no log-in)."""
    return document(id=f"notice-{notice.pk}", document_type=document_type, title=notice.title,
                    path=reverse("trading:notice_pdf", args=[notice.pk]), published=notice.published_at, lots=lots)


def documents_at(documents: list["Published"], at: dt.datetime, *, award=None, contract=None) -> list[dict]:
    return [entry for published in documents if published.event.at <= at and published.award == award
            and published.contract == contract for entry in published.entries]


def suspension_amendment(*, key: str, at: dt.datetime, what: str, reason: str | None) -> dict:
    """A regulator's suspension (暂停, with the reason its notice publishes) or its lifting (恢复, ``reason`` None) as
    a tender amendment: OCDS 1.1's tenderStatus codelist is closed and has no "suspended" (the tender stays
    ``active``), and the national portal files a suspension under 变更公告, a change to the procedure."""
    if reason is not None:
        return {"id": key, "date": when(at), "rationale": reason.strip() or "行政监督部门决定暂停",
                "description": f"暂停：行政监督部门暂停本{what}，暂停期间不进行任何交易活动，恢复后继续。"}
    return {"id": key, "date": when(at), "description": f"恢复：行政监督部门解除暂停，本{what}恢复进行。"}


def _party_id(org) -> str:
    return f"{PARTY_SCHEME}-{org.credit_code}"


def _ref(org) -> dict:
    return {"id": _party_id(org), "name": org.name}


class Parties:
    """A release's ``parties``: each organisation once, identified by its credit code, with every role it plays."""

    def __init__(self):
        self.entries: dict[str, dict] = {}

    def add(self, org, role: str) -> dict:
        """Record ``org`` in ``role``; returns its OrganizationReference."""
        entry = self.entries.setdefault(_party_id(org), {
            "id": _party_id(org), "name": org.name,
            "identifier": {"scheme": PARTY_SCHEME, "id": org.credit_code, "legalName": org.name}, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return _ref(org)

    def list(self) -> list[dict]:
        return list(self.entries.values())


def release_head(*, ocid: str, event: "Event", buyer: dict) -> dict:
    """The fields every release starts with."""
    return {"ocid": ocid, "id": f"{ocid}-{event.key}", "date": when(event.at), "tag": [event.tag],
            "initiationType": "tender", "language": "zh", "buyer": buyer}


def release_finish(release: dict, *, parties: "Parties", awards: list, contracts: list) -> dict:
    """The parties, and the awards and contracts when there are any."""
    release["parties"] = parties.list()
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    return release


def releases_until(facts, build, *, now: dt.datetime) -> list[tuple["Event", dict]]:
    """Every release of ``facts`` (anything with ``events()``) whose event has happened by ``now``, oldest first."""
    seen = set()  # a document published with an event of its own (an amendment's notice) shares its key
    return [(event, build(facts, event)) for event in facts.events()
            if event.at <= now and not (event.key in seen or seen.add(event.key))]


@dataclass
class Event:
    key: str  # unique within the project: <kind>-<row id>
    tag: str
    at: dt.datetime


@dataclass
class Facts:
    """Everything about one project that may ever be published, loaded in a few queries."""

    project: Project
    transitions: list = field(default_factory=list)
    amendments: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    awards: list = field(default_factory=list)
    contracts: dict = field(default_factory=dict)
    bids: list = field(default_factory=list)
    rejected: set = field(default_factory=set)  # ids of bids the evaluation rejected (否决投标)
    records: list = field(default_factory=list)  # the signed opening records (开标记录)
    notices: list = field(default_factory=list)  # the published notices linked as documents (NOTICE_DOCUMENTS)

    @classmethod
    def load(cls, project: Project) -> "Facts":
        sections = list(project.sections.order_by("code"))
        section_ids = [s.pk for s in sections]
        awards = list(Award.objects.filter(Q(section_id__in=section_ids) | Q(refused_section__in=section_ids))
                      .select_related("organisation", "section", "refused_section"))
        awards.sort(key=lambda a: (a.awarded_at, a.pk))
        return cls(
            project=project,
            transitions=list(ProjectTransition.objects.filter(project=project).order_by("at", "pk")),
            amendments=list(Announcement.objects.filter(project=project, kind__in=(
                Announcement.Kind.AMENDMENT, Announcement.Kind.CLARIFICATION)).order_by("published_at", "pk")),
            sections=sections,
            awards=awards,
            contracts={c.award_id: c for c in Contract.objects.filter(award__in=awards)},
            bids=list(Bid.objects.filter(section_id__in=section_ids, state__in=BIDS_AT_DEADLINE)
                      .select_related("organisation").order_by("section_id", "submitted_at", "pk")),
            rejected=_rejected(section_ids),
            records=list(OpeningRecord.objects.filter(session__section_id__in=section_ids).select_related(
                "session__section").order_by("created_at", "pk")),
            notices=list(Announcement.objects.filter(project=project, kind__in=NOTICE_DOCUMENTS)
                         .prefetch_related(Prefetch("attachments", queryset=NoticeAttachment.objects.order_by("pk")))
                         .order_by("published_at", "pk")),
        )

    @property
    def opened_at(self) -> dt.datetime | None:
        """The end of the opening (唱标 done): from then on bids are public. A suspension or a cancellation during
        the opening is not its end."""
        return next((t.at for t in self.transitions if t.from_status == Status.OPENING
                     and t.to_status not in NOT_AN_END), None)

    @property
    def evaluated_at(self) -> dt.datetime | None:
        """The end of the evaluation (评标结束: the candidates go to publicity, or the award follows): from then on
        the bids it rejected are public, with the candidates (《招标公告和公示信息发布管理办法》第六条)."""
        ended = next((t.at for t in self.transitions if t.from_status == Status.EVALUATION
                      and t.to_status not in NOT_AN_END), None)
        if ended is None and self.awards:
            return min(a.awarded_at for a in self.awards)
        return ended

    def bid_status(self, bid: Bid, at: dt.datetime) -> str:
        if bid.pk in self.rejected and self.evaluated_at is not None and self.evaluated_at <= at:
            return "disqualified"
        return BID_STATUS[bid.state]

    def status_at(self, at: dt.datetime) -> str:
        passed = [t for t in self.transitions if t.at <= at]
        return passed[-1].to_status if passed else self.project.status

    def events(self) -> list[Event]:
        events = []
        budget = any(s.base_type == "budget" for s in self.sections)
        for t in self.transitions:
            if t.to_status == Status.PUBLISHED and t.from_status == Status.DRAFT:
                if budget:
                    events.append(Event(f"planning-{t.pk}", "planning", t.at))
                events.append(Event(f"tender-{t.pk}", "tender", t.at))
            elif t.to_status == Status.SUSPENDED:
                events.append(Event(f"suspended-{t.pk}", "tenderAmendment", t.at))
            elif t.to_status == Status.CANCELLED:
                events.append(Event(f"cancelled-{t.pk}", "tenderCancellation", t.at))
            elif t.from_status == Status.SUSPENDED:
                events.append(Event(f"resumed-{t.pk}", "tenderAmendment", t.at))
            elif t.from_status == Status.OPENING:
                events.append(Event(f"opening-{t.pk}", "tenderUpdate", t.at))
            elif t.from_status == Status.EVALUATION and self.rejected:
                events.append(Event(f"evaluated-{t.pk}", "tenderUpdate", t.at))
            elif t.to_status == Status.FAILED:
                events.append(Event(f"failed-{t.pk}", "tenderUpdate", t.at))
        events.extend(published.event for published in self.documents)
        published = next((t.at for t in self.transitions if t.to_status == Status.PUBLISHED), None)
        for a in self.amendments:
            if published is not None and a.published_at >= published:
                events.append(Event(f"amendment-{a.pk}", "tenderAmendment", a.published_at))
        for award in self.awards:
            events.append(Event(f"award-{award.pk}", "award", award.awarded_at))
            if award.refused_at:
                events.append(Event(f"awardRefused-{award.pk}", "awardUpdate", award.refused_at))
            contract = self.contracts.get(award.pk)
            if contract:
                events.append(Event(f"contract-{contract.pk}", "contract", contract.recorded_at))
                if contract.terminated_at is not None:
                    events.append(Event(f"termination-{contract.pk}", "contractTermination", contract.terminated_at))
        return sorted(events, key=lambda e: e.at)

    @cached_property
    def documents(self) -> list[Published]:
        """The signed documents as they are published: each opening record once the opening has ended (it names
        the bidders and their prices), each award notice's attachments with the notice, under the awards it
        announced. Never the evaluation report: the law publishes the candidates (公示), not the report, which
        only the committee, the parties and the regulator read (DOMAIN.md "Evaluation")."""
        published = []
        opened = self.opened_at
        for record in self.records if opened is not None else ():
            section = record.session.section
            published.append(Published(Event(f"record-{record.pk}", "tenderUpdate", max(record.created_at, opened)),
                                       [document(id=f"opening-record-{section.code}", document_type="bidders",
                                                 title=f"开标记录（{section.name}）",
                                                 path=reverse("bidding_room:record", args=[record.session_id]),
                                                 published=record.created_at, lots=(section.code,))]))
        published_at = next((t.at for t in self.transitions if t.to_status == Status.PUBLISHED), None)
        for notice in self.notices:
            document_type, tag = NOTICE_DOCUMENTS[notice.kind]
            entries = [notice_document(notice, document_type)]
            event = Event(f"notice-{notice.pk}", tag, notice.published_at)
            if notice.kind in (Announcement.Kind.CLARIFICATION, Announcement.Kind.AMENDMENT):
                if published_at is None or notice.published_at < published_at:
                    continue
                # in the release of the amendment it publishes (the same moment): no second release
                event = Event(f"amendment-{notice.pk}", "tenderAmendment", notice.published_at)
            if notice.kind == Announcement.Kind.CONTRACT:
                # the contract recorded in the transaction that published it: the last recorded by then
                recorded = [(c.recorded_at, c.award_id) for c in self.contracts.values()
                            if c.recorded_at <= notice.published_at]
                published.append(Published(event, entries, contract=max(recorded)[1]) if recorded
                                 else Published(event, entries))
                continue
            if notice.kind != Announcement.Kind.AWARD:
                published.append(Published(event, entries))
                continue
            entries += [document(id=f"notice-{notice.pk}-{a.pk}", document_type="awardNotice", title=a.name,
                                 path=a.get_absolute_url(), published=notice.published_at, name=a.name)
                        for a in notice.attachments.all()]
            live = [a.pk for a in self.awards if a.awarded_at <= notice.published_at
                    and not (a.refused_at and a.refused_at <= notice.published_at)]
            published.extend([Published(event, entries, award=pk) for pk in live] or [Published(event, entries)])
        return published

    def amendments_at(self, at: dt.datetime) -> list[dict]:
        """The clarification and amendment notices, and the regulator's suspensions and their lifting, by ``at``."""
        amendments = [{"id": str(a.pk), "date": when(a.published_at), "description": a.title}
                      for a in self.amendments if a.published_at <= at]
        for t in self.transitions:
            if t.at > at:
                break
            if t.to_status == Status.SUSPENDED:
                amendments.append(suspension_amendment(key=f"suspension-{t.pk}", at=t.at, what="项目",
                                                       reason=t.note))
            elif t.from_status == Status.SUSPENDED and t.to_status != Status.CANCELLED:
                amendments.append(suspension_amendment(key=f"resumption-{t.pk}", at=t.at, what="项目", reason=None))
        return sorted(amendments, key=lambda a: a["date"])


def _rejected(section_ids: list[int]) -> set[int]:
    """The bids the sections' reported evaluations rejected (``Evaluation.result["invalid"]``)."""
    rejected = set()
    for result in Evaluation.objects.filter(section_id__in=section_ids, state=Evaluation.State.REPORTED) \
            .values_list("result", flat=True):
        invalid = (result or {}).get("invalid")
        if isinstance(invalid, list):
            rejected.update(int(pk) for pk in invalid)
    return rejected


def release_build(facts: Facts, event: Event) -> dict:
    """The release of one event: the project's public state at ``event.at``."""
    project, at = facts.project, event.at
    ocid = ocid_for(project.deal_code)
    # A sale (land, property): every amount the winner would pay is negative, "payments from the supplier to the
    # buyer" (OCDS 1.1, tender/awards/contracts value; a negative budget is "anticipated income").
    sign = -1 if project.category in SALE_CATEGORIES else 1
    opened = facts.opened_at is not None and facts.opened_at <= at
    section_code = {s.pk: s.code for s in facts.sections}
    parties = Parties()
    party = parties.add
    buyer = party(project.tenderer, "buyer")
    procuring = party(project.host, "procuringEntity")
    tender = {"id": project.deal_code, "title": project.title, "status": TENDER_STATUS[facts.status_at(at)],
              "procuringEntity": procuring, "procurementMethod": PROCUREMENT_METHOD.get(project.procurement_method,
                                                                                        "open"),
              "procurementMethodDetails": f"{CATEGORY_DETAILS[project.category]}·"
                                          f"{METHOD_DETAILS.get(project.procurement_method, '')}".rstrip("·")}
    if project.imported:
        tender["description"] = "历史导入：本平台上线前的成交记录，由历史数据导入发布。"
    elif project.description:
        tender["description"] = project.description
    category = main_category(project)
    if category:
        tender["mainProcurementCategory"] = category
    if project.announcement_at and project.bid_deadline:
        tender["tenderPeriod"] = {"startDate": when(project.announcement_at), "endDate": when(project.bid_deadline)}
    awarded = {a.of_section.pk for a in facts.awards
               if a.awarded_at <= at and not (a.refused_at and a.refused_at <= at)}
    lots = []
    for s in facts.sections:
        status = tender["status"] if tender["status"] in ("cancelled", "unsuccessful") else "active"
        if s.failed_at and s.failed_at <= at:
            status = "unsuccessful"
        elif s.pk in awarded:
            status = "complete"
        lots.append({"id": s.code, "title": s.name, "status": status, "value": money(sign * s.base_amount)})
    tender["lots"] = lots
    amendments = facts.amendments_at(at)
    if amendments:
        tender["amendments"] = amendments
    documents = documents_at(facts.documents, at)
    if documents:
        tender["documents"] = documents
    release = release_head(ocid=ocid, event=event, buyer=buyer)
    budget = sum((s.base_amount for s in facts.sections if s.base_type == "budget"), Decimal("0"))
    if budget:
        release["planning"] = {"budget": {"amount": money(sign * budget)}}
    bid_ids = {}
    if opened and facts.bids:
        details, statistics = [], []
        for bid in facts.bids:
            bid_ids[bid.pk] = f"{section_code[bid.section_id]}-{bid.pk}"
            detail = {"id": bid_ids[bid.pk], "date": when(bid.submitted_at), "status": facts.bid_status(bid, at),
                      "tenderers": [party(bid.organisation, "tenderer")], "relatedLots": [section_code[bid.section_id]]}
            price = (bid.opened_summary or {}).get("price")
            if price and bid.state == Bid.State.OPENED:
                detail["value"] = money(sign * Decimal(price))
            details.append(detail)
        for s in facts.sections:
            mine = [b for b in facts.bids if b.section_id == s.pk]
            if mine:
                statistics.append({"id": f"{s.code}-bids", "measure": "bids", "value": len(mine), "relatedLot": s.code})
                statistics.append({"id": f"{s.code}-validBids", "measure": "validBids", "relatedLot": s.code,
                                   "value": sum(facts.bid_status(b, at) == "valid" for b in mine)})
        release["bids"] = {"statistics": statistics, "details": details}
        tenderers = {b.organisation.pk: b.organisation for b in facts.bids}
        tender["numberOfTenderers"] = len(tenderers)
        tender["tenderers"] = [_ref(org) for org in tenderers.values()]
    awards, contracts = [], []
    for award in facts.awards:
        if award.awarded_at > at:
            continue
        award_id = f"{project.deal_code}-{award.of_section.code}-{award.pk}"
        entry = {"id": award_id, "status": "cancelled" if award.refused_at and award.refused_at <= at else "active",
                 "date": when(award.awarded_at), "value": money(sign * award.amount),
                 "suppliers": [party(award.organisation, "supplier")], "relatedLots": [award.of_section.code]}
        if award.bid_id in bid_ids:
            entry["relatedBid"] = bid_ids[award.bid_id]
        notices = documents_at(facts.documents, at, award=award.pk)
        if notices:
            entry["documents"] = notices
        awards.append(entry)
        contract = facts.contracts.get(award.pk)
        if contract and contract.recorded_at <= at:
            entry = {"id": f"{award_id}-{contract.pk}", "awardID": award_id, "status": "active",
                     "dateSigned": when(contract.signed_on), "value": money(sign * contract.amount)}
            if contract.terminated_at is not None and contract.terminated_at <= at:
                # The fact and the day, from the moment it is recorded; the reason stays in the platform's record
                # (it may name business matters of the parties).
                entry["status"] = "terminated"
                entry["period"] = {"startDate": when(contract.signed_on), "endDate": when(contract.terminated_on)}
            signed = documents_at(facts.documents, at, contract=award.pk)
            if signed:
                entry["documents"] = signed
            contracts.append(entry)
    release["tender"] = tender
    return release_finish(release, parties=parties, awards=awards, contracts=contracts)


def project_releases(project: Project, *, now: dt.datetime) -> list[tuple[Event, dict]]:
    """Every release of a project whose event has happened by ``now``, oldest first."""
    return releases_until(Facts.load(project), release_build, now=now)
