"""The facet index (opendata/facets.py): every dataset gets a dense number and the generation
of its last facet change; one FacetState row is the index's clock."""

import uuid

from django.db import migrations, models
from django.db.models import Q


def number_datasets(apps, schema_editor):
    """Number the datasets there are in the order they were made (one statement; PostgreSQL
    and SQLite ≥ 3.33 both have UPDATE ... FROM); the clock starts after them."""
    Dataset = apps.get_model("opendata", "Dataset")
    FacetState = apps.get_model("opendata", "FacetState")
    schema_editor.execute(
        "UPDATE opendata_dataset SET seq = n.rn FROM (SELECT id, row_number() OVER "
        "(ORDER BY metadata_created, id) AS rn FROM opendata_dataset) AS n "
        "WHERE n.id = opendata_dataset.id")
    top = Dataset.objects.aggregate(m=models.Max("seq"))["m"] or 0
    FacetState.objects.create(id=1, epoch=uuid.uuid4(), generation=0, next_seq=top + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("opendata", "0006_quality_usage"),
    ]

    operations = [
        migrations.CreateModel(
            name="FacetState",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True,
                                                        serialize=False)),
                ("epoch", models.UUIDField(default=uuid.uuid4)),
                ("generation", models.BigIntegerField(default=0)),
                ("next_seq", models.BigIntegerField(default=1)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=Q(id=1),
                                                       name="facet_state_single_row")],
            },
        ),
        migrations.AddField(
            model_name="dataset",
            name="facet_generation",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="dataset",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(number_datasets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dataset",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True),
        ),
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["state", "access_level", "seq"],
                               name="dataset_visible_seq"),
        ),
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["facet_generation"], name="dataset_facet_generation"),
        ),
    ]
