"""The credit behaviour a forfeited sale deposit records: the winner refuses to sign the 成交确认书."""

from django.db import migrations

CODE = "deal-refused"
TITLE = "竞得人拒绝签订成交确认书或出让合同"
DESCRIPTION = "网上挂牌、拍卖竞得后，竞得人无正当理由拒绝签订成交确认书或出让（转让）合同，竞买保证金不予退还。"
BASIS = "《招标拍卖挂牌出让国有建设用地使用权规定》第二十一条、第二十五条；《企业国有资产交易监督管理办法》；出让公告及竞买须知"


def seed(apps, schema_editor):
    Behaviour = apps.get_model("credit", "Behaviour")
    BehaviourVersion = apps.get_model("credit", "BehaviourVersion")
    behaviour, created = Behaviour.objects.get_or_create(code=CODE)
    if created:
        BehaviourVersion.objects.create(
            behaviour=behaviour, version=1, title=TITLE, description=DESCRIPTION, points=20, effect="none",
            months=0, applies_to="organisation", legal_basis=BASIS, change_note="初始目录（保证金）",
        )


class Migration(migrations.Migration):
    dependencies = [("deposits", "0002_append_only_trigger"), ("credit", "0004_catalogue_bases_by_field")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
