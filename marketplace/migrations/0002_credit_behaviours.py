"""The marketplace's behaviours in credit's catalogue (version 1 of each rule); regulators edit them there."""

from django.db import migrations

BASIS = "《网上中介服务超市管理办法》（本地规定）中介服务评价与信用管理条款"

# code, title, description, points, effect, months
CATALOGUE = [
    ("intermediary-poor-rating", "中介服务差评", "项目业主对中介服务的时效、质量、态度或收费给予差评。", 2, "none", 0),
    ("intermediary-repeated-poor", "中介服务一年内多次差评", "一年内累计两次以上中介服务差评。", 10, "none", 0),
    ("intermediary-refusal", "中介机构被选取后无正当理由拒绝服务", "中介机构被选取后无正当理由拒绝签约或提供服务。", 10,
     "none", 0),
    ("intermediary-breach", "中介机构违约", "中介机构未按合同约定的时限、质量或内容履约。", 15, "none", 0),
]


def seed(apps, schema_editor):
    Behaviour = apps.get_model("credit", "Behaviour")
    BehaviourVersion = apps.get_model("credit", "BehaviourVersion")
    for code, title, description, points, effect, months in CATALOGUE:
        behaviour, created = Behaviour.objects.get_or_create(code=code)
        if created:
            BehaviourVersion.objects.create(
                behaviour=behaviour, version=1, title=title, description=description, points=points,
                effect=effect, months=months, applies_to="organisation", legal_basis=BASIS, change_note="初始目录",
            )


class Migration(migrations.Migration):

    dependencies = [("marketplace", "0001_initial"), ("credit", "0004_catalogue_bases_by_field")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
