"""Contract termination (合同终止): recorded by the tenderer's side with the day and the reason, refused with a clear
message when wrong, and published as an OCDS ``contractTermination`` release only once recorded."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from opendata.models import Release
from opendata.ocds import ocid_for
from opendata.services import releases_publish
from tests import factories
from trading.models import Contract, Status
from trading.services.awards import contract_terminate

from .history import procedure

REASON = "中标人资金链断裂无法继续履约，双方协商一致解除合同"


def _contracts(project):
    return list(Contract.objects.filter(award__section__project=project).order_by("award__section__code"))


def test_a_terminated_contract_is_published_as_contract_termination_only_once_recorded(db):
    project, _ = procedure(upto=Status.CONTRACT_SIGNED)
    first, second = _contracts(project)
    releases_publish(projects=[project])
    assert not Release.objects.filter(tag="contractTermination").exists()

    contract_terminate(contract=first, user=project.created_by, terminated_on=dt.date(2025, 6, 20), reason=REASON)
    releases_publish(projects=[project])

    release = Release.objects.get(ocid=ocid_for(project.deal_code), tag="contractTermination").data
    contracts = {c["id"].rsplit("-", 1)[-1]: c for c in release["contracts"]}
    assert contracts[str(first.pk)]["status"] == "terminated"
    assert contracts[str(first.pk)]["period"] == {"startDate": "2025-04-30T00:00:00+08:00",
                                                  "endDate": "2025-06-20T00:00:00+08:00"}
    assert contracts[str(second.pk)]["status"] == "active"
    assert REASON not in json.dumps(release, ensure_ascii=False)  # the reason stays on the platform
    for earlier in Release.objects.filter(ocid=ocid_for(project.deal_code), tag="contract"):
        assert {c["status"] for c in earlier.data["contracts"]} == {"active"}  # what was published stays
    record = APIClient().get(f"/api/opendata/records/{ocid_for(project.deal_code)}/").json()["records"][0]
    assert sorted(c["status"] for c in record["compiledRelease"]["contracts"]) == ["active", "terminated"]


def test_a_wrong_termination_is_refused_in_chinese_and_changes_nothing(db):
    project, _ = procedure(upto=Status.CONTRACT_SIGNED)
    contract = _contracts(project)[0]
    api = APIClient()
    api.force_authenticate(project.created_by)
    url = f"/api/trading/contracts/{contract.pk}/termination/"

    early = api.post(url, {"terminated_on": "2025-04-01", "reason": REASON}, format="json",
                     HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert early.status_code == 400 and "签订" in json.dumps(early.json(), ensure_ascii=False)
    future = api.post(url, {"terminated_on": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
                            "reason": REASON}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert future.status_code == 400
    no_reason = api.post(url, {"terminated_on": "2025-06-20", "reason": "  "}, format="json",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert no_reason.status_code == 400 and "不能为空" in no_reason.json()["errors"]["reason"][0]
    with pytest.raises(ValidationError, match="原因"), translation.override("zh-hans"):
        contract_terminate(contract=contract, user=project.created_by, terminated_on=dt.date(2025, 6, 20),
                           reason="  ")
    stranger = APIClient()
    stranger.force_authenticate(factories.user(role="bidder"))
    assert stranger.post(url, {"terminated_on": "2025-06-20", "reason": REASON}, format="json").status_code == 403
    contract.refresh_from_db()
    assert contract.terminated_on is None and contract.termination_reason == "" and contract.terminated_at is None

    done = api.post(url, {"terminated_on": "2025-06-20", "reason": REASON}, format="json")
    assert done.status_code == 200 and done.json()["terminated_on"] == "2025-06-20"
    again = api.post(url, {"terminated_on": "2025-06-21", "reason": REASON}, format="json",
                     HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 400 and "已于 2025-06-20 终止" in json.dumps(again.json(), ensure_ascii=False)
