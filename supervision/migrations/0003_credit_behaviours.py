"""The credit behaviours enforcement measures record (version 1 of each; regulators revise them in credit)."""

from django.db import migrations

# code, title, description, points, effect, months, applies_to, legal basis
BEHAVIOURS = [
    ("warning-talk", "被约谈提醒", "因招标投标活动中的不规范行为被行政监督部门约谈提醒。", 0, "none", 0, "any",
     "《招标投标法实施条例》第四条"),
    ("expert-suspended", "评标专家被暂停评标资格", "评标专家违反评标纪律，被行政监督部门暂停评标资格。", 20, "none", 0,
     "person", "《招标投标法实施条例》第七十一条；《评标专家和评标专家库管理办法》第十五条"),
    ("expert-disqualified", "评标专家被取消评标资格", "评标专家严重违反评标纪律，被取消担任评标委员会成员的资格。", 50,
     "black", 120, "person", "《招标投标法》第五十六条；《招标投标法实施条例》第七十一条"),
]


def seed(apps, schema_editor):
    Behaviour = apps.get_model("credit", "Behaviour")
    BehaviourVersion = apps.get_model("credit", "BehaviourVersion")
    for code, title, description, points, effect, months, applies_to, basis in BEHAVIOURS:
        behaviour, created = Behaviour.objects.get_or_create(code=code)
        if created:
            BehaviourVersion.objects.create(
                behaviour=behaviour, version=1, title=title, description=description, points=points, effect=effect,
                months=months, applies_to=applies_to, legal_basis=basis, change_note="执法处理措施")


class Migration(migrations.Migration):

    dependencies = [("supervision", "0002_enforcement_and_leads"), ("credit", "0002_seed_catalogue")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
