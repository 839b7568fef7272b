"""Demo projects in several states, run through the real services with the demo organisations of accounts.demo.

Every demo person who holds a key (the bidders, and the agency, regulator and platform admin as
the custodians of the opening keys) gets a key pair; the private keys are written, encrypted
with its own passphrase (demo_key_passphrase: demo-<username>-key, never one for everybody), to
var/demo-keys/<username>.pem so a demo bidder can load its key
on the bid page. Demo bids are real sealed envelopes.

The failed and awarded projects need deadlines that have passed. Nothing waits for a clock: each is published
with its deadline a day ahead (the 20-day minimum is relaxed for the demo only), its bids are sealed and
submitted, and then ``deadline_move`` moves the deadline in the records to a second ago, however slow the machine
was. The awarded project's publicity end is back-dated the same way, because nobody waits three working days for
demo data.
"""

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

import sealing
from accounts.models import User
from core import pdf
from core.workdays import today

from .lifecycle import _tender_body, project_advance_due, project_transition
from .models import Announcement, Project, Status
from .selectors import bidder_key_current
from .services.awards import award_create, candidates_set, contract_record
from .services.bids import bid_submit
from .services.keys import bidder_key_register
from .services.participation import document_upload, registration_create, registration_sign_commitment
from .services.projects import project_create

LEGACY_DEMO_KEY_PASSPHRASE = "demo-key-passphrase"  # key files of earlier seeds: re-encrypted on the next seed


def demo_key_passphrase(username: str) -> str:
    """Each demo person's key file has a passphrase of its own: one leaked passphrase opens one key, not all."""
    return f"demo-{username}-key"
KEY_HOLDERS = ("agency", "regulator", "admin", "bidder1", "bidder2", "bidder3", "bidder4")
OPEN_TITLE = "阳光市第一人民医院门诊楼改造工程施工"
FAILED_TITLE = "阳光市城东片区道路照明设施维护服务"
AWARDED_TITLE = "阳光市滨江公园绿化提升工程"
BIDDING_TIME = dt.timedelta(days=1)  # far enough for any machine to seal the demo bids before deadline_move


def _create(agency, tenderer, title, deadline, sections, **extra):
    fields = {
        "category": "construction", "region": "310000", "procurement_method": "open",
        "evaluation_method": "comprehensive",
        "evaluation_criteria": [{"name": "投标报价", "kind": "price", "weight": 40},
                                {"name": "施工组织设计", "kind": "technical", "weight": 45},
                                {"name": "企业业绩与信誉", "kind": "business", "weight": 15}],
        "description": "招标范围：施工图范围内全部内容。资格要求：具有相应施工总承包资质。",
        **extra,
    }
    project = project_create(user=agency, tenderer=tenderer, title=title, bid_deadline=deadline, sections=sections,
                             **fields)
    _tender_document(agency, project)
    return project


def _tender_document(agency, project: Project) -> None:
    """The demo project's tender document (招标文件), a short PDF uploaded as the agency would: none, no publishing."""
    story = [pdf.title(f"{project.title}招标文件"), pdf.fields([("招标编号", project.deal_code)]), pdf.space(),
             pdf.heading("第一章 招标公告"), pdf.text(project.description),
             pdf.heading("第二章 评标办法"), pdf.text("综合评估法：" + "，".join(
                 f"{c['name']} {c['weight']} 分" for c in project.evaluation_criteria) + "。"),
             pdf.heading("第三章 投标文件格式"), pdf.text("投标文件须在本平台加密（封装）后于投标截止时间前递交。")]
    document = pdf.document_layout(story, title=f"{project.title}招标文件")
    document_upload(project=project, user=agency, upload=ContentFile(document, name="招标文件.pdf"))


def deadline_move(project: Project, deadline: dt.datetime) -> None:
    """Demo only: move a published project's bid deadline in its records, with the tender notice that states it.

    Bids are sealed while the deadline is far; then the deadline is set where the demo needs it (a second ago, or
    minutes ahead for the demo opening), so no state of the demo depends on a slow machine beating a clock.
    """
    Project.objects.filter(pk=project.pk).update(bid_deadline=deadline)
    project.refresh_from_db()
    Announcement.objects.filter(project=project, kind=Announcement.Kind.TENDER).update(body=_tender_body(project))


def _demo_key(user) -> sealing.PrivateKey:
    """The demo person's key pair: var/demo-keys/<username>.pem, registered with the platform."""
    folder = Path(settings.VAR_DIR) / "demo-keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{user.username}.pem"
    current = bidder_key_current(user=user)
    if path.exists():
        try:
            key = sealing.private_key_load(path.read_bytes(), demo_key_passphrase(user.username))
        except sealing.WrongPassphrase:
            key = sealing.private_key_load(path.read_bytes(), LEGACY_DEMO_KEY_PASSPHRASE)
            path.write_bytes(key.pem(demo_key_passphrase(user.username)))
        if current is None or current.fingerprint != key.public_key.fingerprint:
            bidder_key_register(user=user, public_key_pem=key.public_key.pem())
        return key
    key = sealing.keypair_generate("intl")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.pem(demo_key_passphrase(user.username)))
    (folder / f"{user.username}.pub.pem").write_text(key.public_key.pem(), encoding="ascii")
    bidder_key_register(user=user, public_key_pem=key.public_key.pem())
    return key


def _bid(bidder, key, section, price: str):
    registration = registration_create(section=section, user=bidder)
    registration_sign_commitment(registration=registration, user=bidder, accepted=True)
    project = section.project
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bid.sealed"
        sealing.envelope_seal(
            path, documents=[("投标函.txt", f"{bidder.organisation.name} 投标函（演示）".encode())], signer=key,
            summary={"price": price, "duration": "365日历天", "quality": "合格",
                     "project_manager": bidder.display_name},
            opening_key=sealing.public_key_load(project.opening_key.public_key_pem),
            labels={"deal_code": project.deal_code, "section_code": section.code})
        bid_submit(section=section, user=bidder, upload=ContentFile(path.read_bytes(), name="bid.sealed"))


def seed(*, stdout) -> None:
    agency = User.objects.get(username="agency")
    tenderer = User.objects.get(username="tenderer").organisation
    # 江南建筑 (bidder3) is black-listed by the credit demo, so the awarded project's third bidder is bidder4.
    bidders = [User.objects.get(username=f"bidder{n}") for n in (1, 2, 4)]
    keys = {username: _demo_key(User.objects.get(username=username)) for username in KEY_HOLDERS}

    if not Project.objects.filter(title=OPEN_TITLE).exists():
        project = _create(agency, tenderer, OPEN_TITLE, timezone.now() + dt.timedelta(days=25), [
            {"code": "001", "name": "土建工程", "base_amount": Decimal("12800000.00"), "base_type": "price_cap"},
            {"code": "002", "name": "机电安装工程", "base_amount": Decimal("4600000.00"), "base_type": "price_cap"},
        ])
        project_transition(project=project, to=Status.PUBLISHED, user=agency)

    with override_settings(TRADING_MIN_BID_PERIOD_DAYS=0):
        if not Project.objects.filter(title=FAILED_TITLE).exists():
            failed = _create(agency, tenderer, FAILED_TITLE, timezone.now() + BIDDING_TIME, [
                {"code": "001", "name": "照明维护", "base_amount": Decimal("860000.00"), "base_type": "price_cap"}])
            project_transition(project=failed, to=Status.PUBLISHED, user=agency)
            _bid(bidders[0], keys["bidder1"], failed.sections.get(), "812000.00")
            deadline_move(failed, timezone.now() - dt.timedelta(seconds=1))
            project_advance_due(project_id=failed.pk)

        if not Project.objects.filter(title=AWARDED_TITLE).exists():
            awarded = _create(agency, tenderer, AWARDED_TITLE, timezone.now() + BIDDING_TIME, [
                {"code": "001", "name": "绿化提升", "base_amount": Decimal("3500000.00"), "base_type": "price_cap"}])
            project_transition(project=awarded, to=Status.PUBLISHED, user=agency)
            section = awarded.sections.get()
            for bidder, price in zip(bidders, ("3220000.00", "3150000.00", "3300000.00"), strict=True):
                _bid(bidder, keys[bidder.username], section, price)
            deadline_move(awarded, timezone.now() - dt.timedelta(seconds=1))
            project_advance_due(project_id=awarded.pk)
            project_transition(project=awarded, to=Status.EVALUATION, user=agency)
            candidates_set(section=section, user=agency, candidates=[
                {"organisation": bidders[1].organisation, "price": "3150000.00", "score": "92.50"},
                {"organisation": bidders[0].organisation, "price": "3220000.00", "score": "90.10"},
                {"organisation": bidders[2].organisation, "price": "3300000.00", "score": "87.40"},
            ])
            project_transition(project=awarded, to=Status.PUBLICITY, user=agency)
            Project.objects.filter(pk=awarded.pk).update(publicity_ends_at=timezone.now())  # back-dated, see above
            project_advance_due(project_id=awarded.pk)
            award = award_create(section=section, user=agency, organisation=bidders[1].organisation,
                                 amount="3150000.00")
            project_transition(project=awarded, to=Status.AWARDED, user=agency)
            contract_record(award=award, user=agency, signed_on=today(), amount="3150000.00")
            project_transition(project=awarded, to=Status.CONTRACT_SIGNED, user=agency)

    stdout.write(f"keys: demo private keys in {Path(settings.VAR_DIR) / 'demo-keys'} "
                 f"(passphrase of <username>.pem: {demo_key_passphrase('<username>')})")
    stdout.write(f"trading: {Project.objects.count()} projects "
                 f"({', '.join(f'{s}: {n}' for s, n in _counts().items())})")


def _counts() -> dict[str, int]:
    from django.db.models import Count

    return dict(Project.objects.values_list("status").annotate(n=Count("pk")).order_by("status"))


def leftovers() -> list[str]:
    """Demo keys present: key files in var/demo-keys, or public keys registered from them (core.demo_guard)."""
    from .models import BidderKey

    folder = Path(settings.VAR_DIR) / "demo-keys"
    files = sorted(folder.glob("*.pem")) if folder.is_dir() else []
    found = [f"demo key files in {folder} ({len(files)})"] if files else []
    fingerprints = []
    for path in files:
        if path.name.endswith(".pub.pem"):
            try:
                fingerprints.append(sealing.public_key_load(path.read_text(encoding="ascii")).fingerprint)
            except (sealing.KeyFileError, ValueError):
                continue
    registered = BidderKey.objects.filter(fingerprint__in=fingerprints, revoked_at__isnull=True).count()
    if registered:
        found.append(f"demo public keys registered ({registered})")
    return found
