"""The default search order (newest change first, then id) read straight from an index, so a
page of results stops after `rows` datasets instead of sorting every match."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opendata", "0002_search_trigram_index")]
    operations = [
        migrations.AddIndex(
            model_name="dataset",
            index=models.Index(fields=["-metadata_modified", "id"], name="dataset_newest_first"),
        ),
    ]
