"""我的工作台: each role's desk lists what to do next, with its deadline and a link to where it is done."""

import pytest
from django.test import Client

from tests.trading.conftest import create_project, transition, upload_bid
from trading.models import Bid


@pytest.fixture(autouse=True)
def chinese(trading_settings):
    """Desks are pages for people: asserted in the default language."""
    trading_settings.LANGUAGE_CODE = "zh-hans"


def _desk(user, **params) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/accounts/dashboard/{user.role}/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_bidder_is_led_from_the_commitment_to_the_bid_and_its_receipt(world):
    project = create_project(world, seconds=3600)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    bidder = world.bidders[0]
    section_id = project["sections"][0]["id"]
    client = world.api(bidder)
    registration = client.post(f"/api/trading/sections/{section_id}/registrations/").json()

    page = _desk(bidder)
    assert "签署信用承诺" in page and f'href="/projects/{project["id"]}/#participate"' in page

    client.post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True}, format="json")
    assert "下载招标文件" in _desk(bidder)

    document = client.get(f"/api/trading/projects/{project['id']}/documents/").json()[0]
    assert client.get(f"/api/trading/documents/{document['id']}/download/").status_code == 200
    assert "加密封装并上传投标文件" in _desk(bidder)

    assert upload_bid(world, bidder, section_id).status_code == 201
    page = _desk(bidder)
    bid = Bid.objects.get(organisation=bidder.organisation)
    assert "截止前可替换或撤回投标" in page and f"/bids/{bid.pk}/receipt/" in page
    # Another bidder's desk shows nothing of this bid (EB 23/24).
    assert project["title"] not in _desk(world.bidders[1])


def test_an_agency_sees_its_drafts_and_its_projects_by_state_and_can_search(world):
    draft = create_project(world, seconds=3600, title="城北污水处理厂设备采购")
    create_project(world, seconds=3600, title="城南道路照明维护服务")
    page = _desk(world.agency)
    assert "完善并发布" in page and f'href="/projects/{draft["id"]}/"' in page
    assert "草稿 <strong>2</strong>" in page
    found = _desk(world.agency, q="污水")
    assert "城北污水处理厂设备采购" in found and "城南道路照明维护服务" not in found
    assert "没有符合搜索条件的事项" in _desk(world.agency, q="不存在的项目")


def test_a_long_list_is_paged(world):
    for n in range(12):
        create_project(world, seconds=3600, title=f"草稿项目{n:02d}")
    first = _desk(world.agency)
    assert "第 1 页，共 2 页" in first and "drafts_page=2" in first
    second = _desk(world.agency, drafts_page="2")
    assert second.count("完善并发布") == 2


def test_a_regulator_sees_suspended_projects_and_the_admin_the_platform_health(world, users):
    project = create_project(world, seconds=3600)
    transition(world, world.agency, project["id"], "published")
    assert transition(world, world.regulator, project["id"], "suspended", note="核查投诉").status_code == 200
    page = _desk(world.regulator)
    assert "已暂停的项目" in page and project["title"] in page and "审查暂停" in page
    health = _desk(users["admin"])
    assert "审计链" in health and "磁盘" in health and "调度器与任务队列" in health


def test_each_role_has_a_desk_with_lists_or_tiles(users):
    for role, user in users.items():
        page = _desk(user)
        assert "将显示在这里" not in page, role


def test_an_expert_desk_links_a_notified_seat_to_its_answer_page(db):
    from expert_pool.models import Seat
    from expert_pool.services.draws import draw_perform
    from tests.expert_pool.factories import draw_request, expert

    for _ in range(9):
        expert()
    request = draw_perform(request=draw_request())
    seat = Seat.objects.filter(request=request, state=Seat.State.NOTIFIED).select_related("expert__user").first()
    assert seat is not None
    page = _desk(seat.expert.user)
    assert "答复抽取通知" in page and f"/experts/answer/{seat.token}/" in page


def test_the_project_list_filters_by_state_searches_and_pages(world):
    for n in range(27):
        create_project(world, seconds=3600, title=f"城区道路维护{n:02d}")
    published = create_project(world, seconds=3600, title="滨江绿地养护")
    transition(world, world.agency, published["id"], "published")
    client = Client()
    client.force_login(world.agency)
    first = client.get("/trading/desk/").content.decode()
    assert "共 28 个项目" in first and "第 1 页，共 2 页" in first and "page=2" in first
    only_published = client.get("/trading/desk/", {"status": "published"}).content.decode()
    assert "滨江绿地养护" in only_published and "城区道路维护00" not in only_published
    found = client.get("/trading/desk/", {"q": "道路维护2"}).content.decode()
    assert "城区道路维护26" in found and "滨江绿地养护" not in found


def test_the_draft_and_the_published_project_show_the_criteria_they_publish(world):
    project = create_project(world)
    agency = Client()
    agency.force_login(world.agency)
    draft = agency.get(f"/projects/{project['id']}/").content.decode()
    assert "评审因素与权重" in draft
    rows = ("<td>技术</td><td>技术</td>", "<td>商务</td><td>商务</td>", "<td>价格</td><td>价格</td>")
    assert all(row in draft for row in rows)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    public = Client().get(f"/projects/{project['id']}/").content.decode()
    assert "评审因素与权重" in public and '<td class="num">50</td>' in public


def test_a_custodian_is_led_to_its_key_check_and_to_hand_in_its_share(world):
    from django.utils import timezone

    import sealing
    from tests import sealed
    from tests.trading.conftest import deadline_passes, join_and_bid
    from trading.lifecycle import project_advance_due
    from trading.models import Custodian
    from trading.services import custody

    # given a published project that allows the custodians' backup decryption, the regulator one of its custodians
    project = create_project(world, seconds=3600, allow_backup_decryption=True)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    link = f'href="/projects/{project["id"]}/#custody"'
    # before the deadline its desk asks for the key check, until the key is proven
    page = _desk(world.regulator)
    assert "检查份额对应的密钥" in page and link in page
    custodian = Custodian.objects.get(project_id=project["id"], user=world.regulator)
    Custodian.objects.filter(pk=custodian.pk).update(key_proven_at=timezone.now())
    assert link not in _desk(world.regulator)
    # after the deadline nothing to hand in while the bids open; once one failed through no fault of its bidder, the
    # desk asks for the share, until it is handed in
    section_id = project["sections"][0]["id"]
    for bidder in world.bidders[:3]:
        assert join_and_bid(world, bidder, section_id).status_code == 201
    deadline_passes(project["id"])
    project_advance_due(project_id=project["id"])
    assert link not in _desk(world.regulator)
    Bid.objects.filter(section_id=section_id, organisation=world.bidders[0].organisation).update(
        decrypt_bidder_fault=False, decrypt_error="the stored envelope could not be read")
    page = _desk(world.regulator)
    assert "提交您的份额" in page and link in page
    opened = sealing.share_decrypt(sealed.private_keys[world.regulator.pk],
                                   sealing.EncryptedShare.from_dict(custody.share_unwrap(custodian)))
    custody.custody_share_submit(project=custodian.project, user=world.regulator, share=opened)
    assert link not in _desk(world.regulator)
