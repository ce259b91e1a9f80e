"""The rollups' digitization and satisfaction counters (`digitized`, `rated`, `rating_points`),
and their values for the ratings and digitized components recorded before them, so that
`tinhso stats verify` agrees at once. (An installation with none, e.g. the demo, does no work.)
"""

from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.db.models.functions import TruncDate

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = ("component", "supplement")


def _add(model, key, province_code, counts):
    row, _ = model.objects.get_or_create(**key, defaults={"province_code": province_code})
    model.objects.filter(pk=row.pk).update(**{c: F(c) + n for c, n in counts.items()})


def _bump(apps, day, agency_id, procedure_id, channel, level, province_code, counts):
    summary = {"agency_id": agency_id, "channel": channel, "online_level": level}
    _add(
        apps.get_model("onestop", "DossierStat"),
        {"day": day, "procedure_id": procedure_id, **summary},
        province_code,
        counts,
    )
    _add(
        apps.get_model("onestop", "DossierStatMonth"),
        {"month": day.replace(day=1), **summary},
        province_code,
        counts,
    )
    _add(
        apps.get_model("onestop", "DossierStatAgencyDay"),
        {"day": day, **summary},
        province_code,
        counts,
    )


def backfill(apps, schema_editor):
    Rating = apps.get_model("onestop", "Rating")
    Dossier = apps.get_model("onestop", "Dossier")
    DossierFile = apps.get_model("onestop", "DossierFile")
    key = (
        "dossier__agency_id",
        "dossier__procedure_id",
        "dossier__channel",
        "dossier__version__online_level",
        "dossier__province_code",
    )
    for r in (
        Rating.objects.annotate(_day=TruncDate("rated_at", tzinfo=TZ))
        .values("_day", *key)
        .annotate(_n=Count("pk"), _p=Sum("total"))
        .order_by()
    ):
        _bump(apps, r["_day"], *(r[k] for k in key), {"rated": r["_n"], "rating_points": r["_p"]})
    digitized = DossierFile.objects.filter(
        dossier=OuterRef("pk"), kind__in=KINDS, is_digitized=True, reused_from__isnull=True
    )
    key = ("agency_id", "procedure_id", "channel", "version__online_level", "province_code")
    for r in (
        Dossier.objects.filter(Exists(digitized))
        .annotate(_day=TruncDate("submitted_at", tzinfo=TZ))
        .values("_day", *key)
        .annotate(_n=Count("pk"))
        .order_by()
    ):
        _bump(apps, r["_day"], *(r[k] for k in key), {"digitized": r["_n"]})


class Migration(migrations.Migration):
    dependencies = [
        ("onestop", "0007_open_dossier_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossierstat",
            name="digitized",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstat",
            name="rated",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstat",
            name="rating_points",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatagencyday",
            name="digitized",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatagencyday",
            name="rated",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatagencyday",
            name="rating_points",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatmonth",
            name="digitized",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatmonth",
            name="rated",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="dossierstatmonth",
            name="rating_points",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
