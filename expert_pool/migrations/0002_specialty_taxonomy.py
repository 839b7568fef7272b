from django.db import migrations


def load(apps, schema_editor):
    from expert_pool.taxonomy import TAXONOMY, parent_code

    Specialty = apps.get_model("expert_pool", "Specialty")
    for code, name in TAXONOMY:
        Specialty.objects.update_or_create(code=code, defaults={"name": name, "parent_id": parent_code(code)})


class Migration(migrations.Migration):
    dependencies = [("expert_pool", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
