"""The rollups' component-reuse counter (`reused`: dossiers submitted with a component reused
from an earlier dossier of the same applicant), counted for the dossiers recorded before it so
that `tinhso stats verify` agrees at once (an installation with none does no work); and a
partial index on the dossiers' result file, so that deleting result files (the demo's
`--replace`) does not scan the dossiers once per file for the foreign-key check."""

from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncDate

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _add(model, key, province_code, counts):
    row, _ = model.objects.get_or_create(**key, defaults={"province_code": province_code})
    model.objects.filter(pk=row.pk).update(**{c: F(c) + n for c, n in counts.items()})


def backfill(apps, schema_editor):
    Dossier = apps.get_model("onestop", "Dossier")
    DossierFile = apps.get_model("onestop", "DossierFile")
    reused = DossierFile.objects.filter(dossier=OuterRef("pk"), reused_from__isnull=False)
    key = ("agency_id", "procedure_id", "channel", "version__online_level", "province_code")
    for r in (
        Dossier.objects.filter(Exists(reused))
        .annotate(_day=TruncDate("submitted_at", tzinfo=TZ))
        .values("_day", *key)
        .annotate(_n=Count("pk"))
        .order_by()
    ):
        day, agency_id, procedure_id, channel, level, province_code = (
            r["_day"], *(r[k] for k in key))
        summary = {"agency_id": agency_id, "channel": channel, "online_level": level}
        counts = {"reused": r["_n"]}
        _add(apps.get_model("onestop", "DossierStat"),
             {"day": day, "procedure_id": procedure_id, **summary}, province_code, counts)
        _add(apps.get_model("onestop", "DossierStatMonth"),
             {"month": day.replace(day=1), **summary}, province_code, counts)
        _add(apps.get_model("onestop", "DossierStatAgencyDay"),
             {"day": day, **summary}, province_code, counts)


class Migration(migrations.Migration):
    dependencies = [
        ("onestop", "0008_rollup_digitized_and_ratings"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossierstat",
            name="reused",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatagencyday",
            name="reused",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatmonth",
            name="reused",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(
                condition=models.Q(("result_file__isnull", False)),
                fields=["result_file"],
                name="dossier_result_file",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
