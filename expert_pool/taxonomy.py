"""The specialty taxonomy shipped with the platform (评标专家专业分类).

Shaped after the national classification of evaluation experts' specialties
(《评标专家专业分类标准》): a letter for the field, two digits per level below it.
Loaded by a data migration; regions may add codes in the back office.
"""

TAXONOMY: list[tuple[str, str]] = [
    ("A", "工程类"),
    ("A08", "工程建设"),
    ("A0801", "房屋建筑"),
    ("A080101", "建筑设计"),
    ("A080102", "结构工程"),
    ("A080103", "建筑电气与智能化"),
    ("A080104", "给排水与暖通"),
    ("A080105", "装饰装修"),
    ("A0802", "市政公用工程"),
    ("A080201", "道路工程"),
    ("A080202", "桥梁与隧道"),
    ("A080203", "给排水管网"),
    ("A080204", "园林绿化"),
    ("A0803", "交通运输工程"),
    ("A080301", "公路工程"),
    ("A080302", "港口与航道"),
    ("A0804", "水利水电工程"),
    ("A080401", "水工建筑"),
    ("A080402", "农田水利"),
    ("A0805", "工程造价"),
    ("A080501", "建筑工程造价"),
    ("A080502", "安装工程造价"),
    ("A0806", "工程监理与咨询"),
    ("B", "货物类"),
    ("B01", "医疗设备"),
    ("B0101", "医学影像设备"),
    ("B0102", "检验与检测设备"),
    ("B0103", "手术与急救设备"),
    ("B02", "信息技术设备"),
    ("B0201", "计算机与网络设备"),
    ("B0202", "软件与信息系统"),
    ("B03", "办公设备与家具"),
    ("B04", "车辆与工程机械"),
    ("C", "服务类"),
    ("C01", "信息技术服务"),
    ("C02", "物业管理服务"),
    ("C03", "规划与设计服务"),
    ("D", "经济与法律类"),
    ("D01", "财务会计"),
    ("D02", "法律"),
    ("D03", "土地与资产评估"),
]


def parent_code(code: str) -> str | None:
    """A08 -> A, A0801 -> A08, A -> None."""
    if len(code) == 1:
        return None
    return code[:1] if len(code) == 3 else code[:-2]
