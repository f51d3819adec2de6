"""A person's history is read by the person's id: the index simple-history copied from the
contraception method's blind index served no read and cost every history row an import
writes (docs/benchmarks.md)."""

import shequ.core.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0023_person_hukou_away_covers_filters'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalperson',
            name='contraception_digest',
            field=shequ.core.fields.BlindIndexField(blank=True, editable=False, max_length=64, null=True, source='contraception'),
        ),
    ]
