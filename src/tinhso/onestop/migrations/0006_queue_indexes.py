from django.db import migrations, models


class Migration(migrations.Migration):
    """Indexes for the officers' queues. Partial ones hold open dossiers only, so they stay
    small and cost nothing to the history (the demo's million dossiers are nearly all closed):
    the desk's and the officers' queues in their order (a page reads its 50 entries, a count
    the queue's entries alone), and returned dossiers by the moment they were returned (the
    "returned today" queue read the whole table, history included)."""

    dependencies = [
        ("onestop", "0005_agency_day_rollup"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(status=1),
                               fields=["receiving_agency", "due_at", "submitted_at", "id"],
                               name="dossier_intake_queue"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(status__in=[2, 4]),
                               fields=["current_agency", "current_role", "due_at",
                                       "submitted_at", "id"],
                               name="dossier_work_queue"),
        ),
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(condition=models.Q(status=10), fields=["returned_at"],
                               name="dossier_returned"),
        ),
    ]
