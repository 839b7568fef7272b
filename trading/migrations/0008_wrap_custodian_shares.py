"""Shares stored before they were wrapped under the platform's wrapping key get wrapped now (custody.share_wrap)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from trading.services.custody import share_wrap

    Custodian = apps.get_model("trading", "Custodian")
    for custodian in Custodian.objects.exclude(share=None).iterator():
        if "wrapped_share" not in custodian.share:
            custodian.share = share_wrap(custodian, custodian.share)
            custodian.save(update_fields=["share"])


class Migration(migrations.Migration):
    dependencies = [("trading", "0007_custodian_key_check")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
