from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "shequ.jobs"
    label = "jobs"
    verbose_name = _("导入导出")
