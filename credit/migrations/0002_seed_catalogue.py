"""The starting behaviour catalogue (version 1 of each rule). Regulators edit it on the
credit management pages; every edit is a new version."""

from django.db import migrations

# code, title, description, points, effect, months, applies_to, legal basis
CATALOGUE = [
    ("bid-rigging", "串通投标", "投标人相互串通投标或者与招标人串通投标。", 40, "black", 24, "organisation",
     "《招标投标法》第五十三条；《招标投标法实施条例》第六十七条"),
    ("fraud", "弄虚作假骗取中标", "以他人名义投标或者以其他方式弄虚作假骗取中标。", 50, "black", 36, "organisation",
     "《招标投标法》第五十四条；《招标投标法实施条例》第六十八条"),
    ("false-materials", "提供虚假材料谋取中标、成交", "政府采购中提供虚假材料谋取中标、成交。", 50, "black", 36,
     "organisation", "《政府采购法》第七十七条第一款第（一）项"),
    ("bid-not-decrypted", "因投标人原因未解密投标文件", "开标时因投标人自身原因未在规定时间内解密投标文件。", 5,
     "none", 0, "organisation", "《电子招标投标办法》第三十一条"),
    ("award-refused", "中标后无正当理由放弃中标", "中标人无正当理由放弃中标或不按规定提交履约保证金。", 20, "none", 0,
     "organisation", "《招标投标法实施条例》第七十四条"),
    ("contract-refused", "无正当理由不与招标人订立合同", "中标人无正当理由不与招标人订立合同，或提出附加条件。", 20,
     "none", 0, "organisation", "《招标投标法实施条例》第七十四条；《政府采购法实施条例》第七十二条"),
    ("malicious-complaint", "恶意投诉", "捏造事实、提供虚假材料或以非法手段取得证明材料进行投诉。", 15, "none", 0,
     "any", "《招标投标法实施条例》第七十七条；财政部令第94号第三十七条"),
    ("tenderer-exclusion", "以不合理条件限制、排斥潜在投标人", "招标人以不合理的条件限制或者排斥潜在投标人。", 20,
     "none", 0, "organisation", "《招标投标法》第五十一条；《招标投标法实施条例》第六十三条"),
    ("agency-leak", "招标代理机构泄露应当保密的情况和资料", "泄露应当保密的与招标投标活动有关的情况和资料。", 30,
     "none", 0, "organisation", "《招标投标法》第五十条；《招标投标法实施条例》第六十五条"),
    ("expert-no-show", "评标专家无正当理由缺席", "被抽取确认参加评标后无正当理由不到场或不在线参加评标。", 10,
     "none", 0, "person", "《评标委员会和评标方法暂行规定》第五十三条；《评标专家和评标专家库管理办法》第十五条"),
    ("expert-declines", "评标专家频繁拒绝参加评标", "一年内无正当理由拒绝参加评标累计三次以上。", 5, "none", 0,
     "person", "《评标专家和评标专家库管理办法》第十五条"),
    ("expert-misconduct", "评标专家私下接触投标人或收受财物", "私下接触投标人，或收受投标人的财物或者其他好处。", 50,
     "black", 24, "person", "《招标投标法实施条例》第七十二条"),
    ("commendation", "守信激励表彰", "获得县级以上行政机关守信表彰或连续三年无不良记录。", 0, "red", 12, "any",
     "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"),
]


def seed(apps, schema_editor):
    Behaviour = apps.get_model("credit", "Behaviour")
    BehaviourVersion = apps.get_model("credit", "BehaviourVersion")
    for code, title, description, points, effect, months, applies_to, basis in CATALOGUE:
        behaviour, created = Behaviour.objects.get_or_create(code=code)
        if created:
            BehaviourVersion.objects.create(
                behaviour=behaviour, version=1, title=title, description=description, points=points,
                effect=effect, months=months, applies_to=applies_to, legal_basis=basis,
                change_note="初始目录",
            )


class Migration(migrations.Migration):

    dependencies = [("credit", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
