"""A stored file may be named by several DocumentFile rows: the demo's documents share a few
signed template files (`documents.demo`) instead of one signature each."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0005_incoming_verification'),
    ]

    operations = [
        migrations.AlterField(
            model_name='documentfile',
            name='storage_path',
            field=models.CharField(max_length=255),
        ),
    ]
