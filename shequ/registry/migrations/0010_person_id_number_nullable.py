"""A newborn is registered before an identity number is issued: the number may be NULL
(unique when present: several NULLs never clash, on PostgreSQL or SQLite)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_versions"),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalperson',
            name='id_number',
            field=models.CharField(blank=True, max_length=18, null=True, verbose_name='公民身份号码'),
        ),
        migrations.AlterField(
            model_name='person',
            name='id_number',
            field=models.CharField(blank=True, max_length=18, null=True, unique=True, verbose_name='公民身份号码'),
        ),
    ]
