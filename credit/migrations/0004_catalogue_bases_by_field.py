"""Version 2 of the rules whose legal basis depends on the project's field: a construction tender cites 招标投标法
and its 实施条例, a government procurement 政府采购法 and its 实施条例 (versions are never edited: a new one)."""

from django.db import migrations

NOTE = "按项目类别引用法律依据：工程建设适用招标投标法及其实施条例，政府采购适用政府采购法及其实施条例"
# code: (title, description, general basis, construction tendering, government procurement)
BY_FIELD = {
    "false-materials": (
        "提供虚假材料谋取中标、成交", "以提供虚假材料等弄虚作假方式谋取中标、成交。",
        "《招标投标法》第五十四条；《政府采购法》第七十七条第一款第（一）项",
        "《招标投标法》第五十四条；《招标投标法实施条例》第六十八条",
        "《政府采购法》第七十七条第一款第（一）项；《政府采购法实施条例》第七十二条"),
    "bid-rigging": (
        None, None,
        "《招标投标法》第五十三条；《政府采购法》第七十七条第一款第（三）项",
        "《招标投标法》第五十三条；《招标投标法实施条例》第六十七条",
        "《政府采购法》第七十七条第一款第（三）项；《政府采购法实施条例》第七十四条"),
}


def forward(apps, schema_editor):
    Behaviour = apps.get_model("credit", "Behaviour")
    BehaviourVersion = apps.get_model("credit", "BehaviourVersion")
    for code, (title, description, general, tendering, procurement) in BY_FIELD.items():
        behaviour = Behaviour.objects.filter(code=code).first()
        current = behaviour and BehaviourVersion.objects.filter(behaviour=behaviour).order_by("-version").first()
        if current is None or current.legal_basis_tendering or current.legal_basis_procurement:
            continue
        BehaviourVersion.objects.create(
            behaviour=behaviour, version=current.version + 1, title=title or current.title,
            description=description or current.description, points=current.points, effect=current.effect,
            months=current.months, applies_to=current.applies_to, legal_basis=general,
            legal_basis_tendering=tendering, legal_basis_procurement=procurement, active=current.active,
            change_note=NOTE)


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_legal_basis_by_field")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
