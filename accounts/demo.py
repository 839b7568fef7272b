"""Demo organisations and one person per role. Every demo password is DEMO_PASSWORD."""

from .credit_code import make
from .models import Organisation, Role, User
from .services import organisation_create, user_create

DEMO_PASSWORD = "Sunshine@2026"
REGION = "310000"

ORGANISATIONS = [
    ("阳光市第一人民医院", Organisation.Type.TENDERER),
    ("阳光市城市建设投资集团有限公司", Organisation.Type.TENDERER),
    ("阳光市自然资源和规划局", Organisation.Type.TENDERER),
    ("阳光招标咨询有限公司", Organisation.Type.AGENCY),
    ("华信工程项目管理有限公司", Organisation.Type.AGENCY),
    ("阳光建工集团有限公司", Organisation.Type.BIDDER),
    ("东方路桥建设有限公司", Organisation.Type.BIDDER),
    ("江南建筑工程有限公司", Organisation.Type.BIDDER),
    ("蓝天医疗设备有限公司", Organisation.Type.BIDDER),
    ("长城信息技术股份有限公司", Organisation.Type.BIDDER),
    ("华夏园林绿化有限公司", Organisation.Type.BIDDER),
    ("阳光市公共资源交易监督管理局", Organisation.Type.REGULATOR),
    ("阳光市公共资源交易中心", Organisation.Type.PLATFORM),
]

# username, role, organisation name, display name
PEOPLE = [
    ("tenderer", Role.TENDERER, "阳光市城市建设投资集团有限公司", "王建国"),
    ("agency", Role.AGENCY, "阳光招标咨询有限公司", "李明"),
    ("bidder1", Role.BIDDER, "阳光建工集团有限公司", "张伟"),
    ("bidder2", Role.BIDDER, "东方路桥建设有限公司", "刘洋"),
    ("bidder3", Role.BIDDER, "江南建筑工程有限公司", "陈静"),
    ("bidder4", Role.BIDDER, "华夏园林绿化有限公司", "吴芳"),
    ("regulator", Role.REGULATOR, "阳光市公共资源交易监督管理局", "赵敏"),
    ("official", Role.OFFICIAL, None, "孙立"),
    ("admin", Role.ADMIN, "阳光市公共资源交易中心", "周运维"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = ["建华", "志强", "秀英", "海燕", "国平", "丽娟", "文博", "晓东", "春梅", "振宇", "玉兰", "永红"]
DEMO_EXPERT_COUNT = 36


def seed(*, stdout) -> None:
    by_name = {}
    for serial, (name, org_type) in enumerate(ORGANISATIONS, start=1):
        organisation = Organisation.objects.filter(name=name, org_type=org_type).first()
        if organisation is None:
            organisation = organisation_create(
                name=name, credit_code_value=make(region=REGION, serial=10_000_000 + serial),
                org_type=org_type, region=REGION,
            )
        by_name[name] = organisation
    for username, role, org_name, display_name in PEOPLE:
        if not User.objects.filter(username=username).exists():
            user_create(username=username, password=DEMO_PASSWORD, role=role,
                        organisation=by_name.get(org_name), display_name=display_name)
    for n in range(1, DEMO_EXPERT_COUNT + 1):
        username = f"expert{n:02d}"
        if not User.objects.filter(username=username).exists():
            display_name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
            user_create(username=username, password=DEMO_PASSWORD, role=Role.EXPERT, display_name=display_name)
    stdout.write(f"demo log-ins (password for all: {DEMO_PASSWORD}):")
    for username, role, _org, display_name in PEOPLE:
        stdout.write(f"  {role.label:<16} {username:<10} {display_name}")
    stdout.write(f"  {'Expert':<16} expert01 .. expert{DEMO_EXPERT_COUNT:02d}")


def leftovers() -> list[str]:
    """Demo organisations present (core.demo_guard: production refuses to start with them)."""
    codes = [make(region=REGION, serial=10_000_000 + serial) for serial in range(1, len(ORGANISATIONS) + 1)]
    names = sorted(Organisation.objects.filter(credit_code__in=codes).values_list("name", flat=True))
    return [f"demo organisations ({', '.join(names)})"] if names else []
