"""The demo world as OCDS 1.1 — trading's projects, the sales of land, mining rights and state property, the
marketplace's purchases: every release package and record package validates with libcoveocds offline (0 errors),
``ocdskit compile`` of the releases gives the platform's compiled records exactly, and the change feed and the bulk
files carry them all."""

import datetime as dt
import functools
import json
import os
import subprocess
import sys
import time
import zipfile
from io import StringIO
from pathlib import Path

import httpx
import jsonref
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from auctions import services as auction_services
from auctions.models import Sale
from bidding_room.record import record_generate
from marketplace.models import Purchase
from opendata.models import Release
from opendata.ocds import EXTENSIONS, ocid_for
from opendata.purchases import purchase_code
from opendata.services import releases_publish_all
from stats.demo import DEMO_MARK
from tests.servers import free_port
from trading.models import Contract, ProjectTransition, Status
from trading.services.awards import contract_terminate

from .history import procedure

# ../shared/ocds from the repository root, as in CI and on the developers' machines; OCDS_SCHEMA_DIR elsewhere.
OCDS = Path(os.environ.get("OCDS_SCHEMA_DIR") or Path(__file__).resolve().parents[2].parent / "shared" / "ocds")
STANDARD = OCDS / "standard-1.1.zip"
pytestmark = pytest.mark.skipif(not STANDARD.exists(), reason=f"the OCDS schema is not at {OCDS} "
                                "(../shared/ocds from the repository root, or set OCDS_SCHEMA_DIR; see its README)")


@pytest.fixture
def extension_server():
    """shared/ocds/extensions served on a local port: libcoveocds reads extensions only over http(s)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                              cwd=OCDS / "extensions", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/bids/extension.json", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield [f"{base}/bids/extension.json", f"{base}/lots/extension.json"]
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def offline_standard(monkeypatch):
    """The record package schema refers to the versioned release schema by its web address; libcoveocds resolves it
    with jsonref. Serve those addresses from the standard's zip (the same files), so validation runs offline."""
    archive = zipfile.ZipFile(STANDARD)

    def load(uri, **_kwargs):
        assert uri.startswith("https://standard.open-contracting.org/schema/"), uri
        return json.loads(archive.read(f"standard-1.1/schema/{uri.rsplit('/', 1)[-1]}"))

    monkeypatch.setattr(jsonref, "replace_refs", functools.partial(jsonref.replace_refs, loader=load))
    return archive


def validate(package: dict, extensions: list[str], tmp_path: Path, name: str) -> list:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    assert package["extensions"] == EXTENSIONS  # the canonical addresses, replaced here by the local copies
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({**package, "extensions": extensions}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / f"cove-{name}"
    out.mkdir()
    config = LibCoveOCDSConfig({"standard_zip": STANDARD.as_uri(), "context": "api"})
    result = ocds_json_output(str(out), str(path), None, convert=False, lib_cove_ocds_config=config)
    assert result.get("extensions", {}).get("invalid_extension") in (None, {}), result["extensions"]
    return result["validation_errors"]


def patched_release_schema(archive: zipfile.ZipFile, tmp_path: Path) -> Path:
    import json_merge_patch

    schema = json.loads(archive.read("standard-1.1/schema/release-schema.json"))
    for extension in ("bids", "lots"):
        json_merge_patch.merge(schema, json.loads((OCDS / "extensions" / extension / "release-schema.json")
                                                  .read_text(encoding="utf-8")))
    path = tmp_path / "patched-release-schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_demo_world_as_ocds_validates_and_compiles_as_ocdskit_does(
        db, settings, tmp_path, extension_server, offline_standard, django_capture_on_commit_callbacks):
    call_command("seed_demo", stdout=StringIO())  # the demo world, published by opendata.demo
    done, _ = procedure()  # a tender through the opening (bids, prices), award and contract
    contract_terminate(contract=Contract.objects.filter(award__section__project=done).order_by("pk").first(),
                       user=done.created_by, terminated_on=dt.date(2025, 6, 20), reason="双方协商一致解除合同")
    procedure(category="government", base_type="budget", title="区属医院医疗设备采购项目")  # with a budget: planning
    procedure(category="land", base_type="starting_price", title="阳光市2025-03号地块挂牌出让")  # a sale: negative
    with django_capture_on_commit_callbacks(execute=True):  # the history import's sample file, imported
        from stats.services import history_import_start
        from stats.views import SAMPLE_FILE
        from tests import factories

        history_import_start(user=factories.user(role="official"), file_name="sample.csv",
                             content=SAMPLE_FILE.read_bytes())
    new = sales_and_purchases_beyond_the_demo()
    releases_publish_all()
    # This walk reads two packages per ocid, hundreds a minute: a harvester the operator has given a higher rate
    # than the anonymous default (the throttle itself is tested in tests/accounts).
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "100000/min"}}
    api = APIClient()
    ocids = sorted(set(Release.objects.values_list("ocid", flat=True)))
    assert len(ocids) > 200 and Release.objects.filter(imported=True).values("ocid").distinct().count() == 6
    assert {"planning", "tender", "tenderAmendment", "tenderUpdate", "award", "contract", "contractTermination",
            "awardUpdate", "awardCancellation", "tenderCancellation", "contractUpdate"} <= set(
        Release.objects.values_list("tag", flat=True))
    # The demo's sales (sold and confirmed; approved below 90 %; 流拍) and purchases (every state), and the cases
    # made above (a winner who refused to sign; a purchase failed, one cancelled, one whose winner declined).
    sales = {ocid_for(code) for code in Sale.objects.exclude(notice_published_at=None).values_list("deal_code",
                                                                                                    flat=True)}
    purchases = {ocid_for(purchase_code(p)) for p in Purchase.objects.all()}
    assert len(sales) >= 4 and len(purchases) >= 8 and new <= sales | purchases and (sales | purchases) <= set(ocids)
    sale_tags = set(Release.objects.filter(ocid__in=sales).values_list("tag", flat=True))
    assert {"tender", "award", "tenderUpdate", "awardUpdate", "awardCancellation", "contract", "contractUpdate",
            "tenderAmendment"} <= sale_tags
    purchase_tags = set(Release.objects.filter(ocid__in=purchases).values_list("tag", flat=True))
    assert {"tender", "award", "awardCancellation", "tenderUpdate", "tenderCancellation", "contract",
            "contractTermination"} <= purchase_tags

    release_packages, record_packages = {}, {}
    for ocid in ocids:
        release_packages[ocid] = api.get(f"/api/opendata/releases/{ocid}/").json()
        record_packages[ocid] = api.get(f"/api/opendata/records/{ocid}/").json()
    hand_made = [ocid for ocid in ocids if not release_packages[ocid]["releases"][0]["tender"]["title"]
                 .startswith(DEMO_MARK)]
    assert (sales | purchases) <= set(hand_made)  # every sale's and purchase's packages validated on their own
    # Each package of the hand-made procedures on its own; the bulk demo's in one package of each kind (the same
    # items, the same package fields: libcoveocds reports errors item by item).
    for ocid in hand_made:
        assert validate(release_packages[ocid], extension_server, tmp_path, f"rel-{ocid}") == [], ocid
        assert validate(record_packages[ocid], extension_server, tmp_path, f"rec-{ocid}") == [], ocid
    every_release = {**release_packages[ocids[0]], "releases": [
        r for ocid in ocids for r in release_packages[ocid]["releases"]]}
    every_record = {**record_packages[ocids[0]], "records": [
        r for ocid in ocids for r in record_packages[ocid]["records"]], "packages": [
        p for ocid in ocids for p in record_packages[ocid]["packages"]]}
    assert validate(every_release, extension_server, tmp_path, "all-releases") == []
    assert validate(every_record, extension_server, tmp_path, "all-records") == []
    # Every signed document linked is public: an anonymous reader gets the PDF at its URL.
    documents = {d["url"]: d for r in every_release["releases"] for d in documents_of(r)}
    # … and every notice linked (its PDF): the tender notice, amendments, the candidates' publicity, the award and
    # contract publicity.
    assert {"bidders", "awardNotice", "contractSigned", "tenderNotice", "biddingDocuments", "evaluationReports",
            "contractNotice"} == {d["documentType"] for d in documents.values()}
    for url, document in documents.items():
        assert url.startswith(f"{settings.SITE_URL}/") and document["format"] == "application/pdf"
        response = Client().get(url.removeprefix(settings.SITE_URL))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", url

    schema = patched_release_schema(offline_standard, tmp_path)
    ocdskit = Path(sys.executable).with_name("ocdskit")
    compiled = subprocess.run([str(ocdskit), "compile", "--schema", str(schema)], input=json.dumps(every_release),
                              capture_output=True, text=True, check=True, timeout=600)
    theirs = {c["ocid"]: c for c in map(json.loads, compiled.stdout.splitlines())}
    ours = {r["ocid"]: r["compiledRelease"] for r in every_record["records"]}
    assert set(theirs) == set(ours) == set(ocids)
    different = [ocid for ocid in ocids if theirs[ocid] != ours[ocid]]
    assert different == []

    # The change feed and the month's bulk file carry them like any release.
    fed, cursor = set(), 0
    while cursor is not None:
        page = api.get("/api/opendata/releases/", {"cursor": cursor, "limit": 1000}).json()
        fed |= {r["ocid"] for r in page["releases"]}
        cursor = page["next_cursor"]
    assert (sales | purchases) <= fed
    bulked = set()
    for month in api.get("/api/opendata/bulk/").json():
        bulk = json.loads(b"".join(api.get(f"/api/opendata/bulk/{month['month']}.json").streaming_content))
        bulked |= {r["ocid"] for r in bulk["releases"]}
    assert (sales | purchases) <= bulked


def documents_of(release: dict) -> list[dict]:
    items = [release.get("tender", {}), *release.get("awards", []), *release.get("contracts", [])]
    return [d for item in items for d in item.get("documents", [])]


def sales_and_purchases_beyond_the_demo() -> set[str]:
    """The outcomes the demo world does not show: a winner who refuses to sign the 成交确认书 after its 网上竞得证明; a
    confirmed lot's signed 成交确认书; a sale suspended and resumed; a project's signed opening record; a purchase that
    failed (no quote), one cancelled, one whose drawn intermediary declined (the next in line selected). Their
    ocids (the sales' and purchases')."""
    from auctions.documents import document_generate
    from auctions.models import Lot, LotDocument
    from marketplace.services import draws, selection
    from marketplace.services import purchases as purchase_services
    from tests.auctions import factories as af
    from tests.auctions.test_results import sold
    from tests.bidding_room.test_record import closed_world
    from tests.marketplace import factories as mf

    w = af.world()
    sale, lot, _apps = sold(w)
    document_generate(lot_id=lot.pk, kind=LotDocument.Kind.CERTIFICATE)
    auction_services.deal_refuse(lot=lot, user=w.agency, reason="竞得人在规定期限内未签订成交确认书")
    for confirmed in Lot.objects.exclude(confirmed_at=None):
        document_generate(lot_id=confirmed.pk, kind=LotDocument.Kind.CERTIFICATE)
        document_generate(lot_id=confirmed.pk, kind=LotDocument.Kind.CONFIRMATION)
    suspended = af.sale(w)
    auction_services.sale_suspend(sale=suspended, user=w.regulator, reason="收到举报，核查出让条件")
    auction_services.sale_resume(sale=suspended, user=w.regulator)
    room = closed_world()
    record_generate(session_id=room.session.pk)
    ProjectTransition.objects.create(project=room.project, from_status=Status.OPENING, to_status=Status.EVALUATION,
                                     by_label="平台", at=timezone.now())
    failed = selection.bidding_select(purchase=mf.deadline_passes(mf.purchase(method="bidding",
                                                                              quote_mode="sealed")))
    cancelled = purchase_services.purchase_cancel(purchase=mf.purchase(method="random"), reason="项目调整，取消选取")
    [mf.intermediary() for _ in range(3)]
    drawn = draws.draw_perform(purchase=mf.deadline_passes(mf.purchase(method="random")))
    drawn = selection.winner_refuse(purchase=drawn, intermediary=drawn.winner, reason="人手不足")
    assert failed.state == Purchase.State.FAILED and drawn.state == Purchase.State.PUBLICISED
    return {ocid_for(sale.deal_code), ocid_for(suspended.deal_code)} | {
        ocid_for(purchase_code(p)) for p in (failed, cancelled, drawn)}
