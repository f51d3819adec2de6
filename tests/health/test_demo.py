"""The health part of the demo: each service goes to the women it is for — the pre-pregnancy
check and pregnancy care to women without a method (planning a child or pregnant), the
counselling, check-up and procedure to women using one."""

import io

import pytest
from django.core.management import call_command

from shequ.health.models import ServiceKind, ServiceRecord
from shequ.registry.models import Contraception

NO_METHOD_KINDS = {
    ServiceKind.PREPREGNANCY_CHECK,
    ServiceKind.PREPREGNANCY_FOLLOWUP,
    ServiceKind.PREGNANCY_REGISTRATION,
}
WITH_METHOD_KINDS = {
    ServiceKind.CONTRACEPTION_COUNSELLING,
    ServiceKind.REPRODUCTIVE_CHECK,
    ServiceKind.PROCEDURE,
}


@pytest.mark.django_db
def test_demo_services_go_to_the_women_they_are_for(settings):
    settings.DEBUG = True  # the demo loads only with DEBUG=1, as `make demo` runs it
    call_command("demo", persons=3000, seed=3, stdout=io.StringIO())
    rows = list(ServiceRecord.objects.values_list("kind", "person__contraception"))
    kinds = {kind for kind, _method in rows}
    assert kinds & NO_METHOD_KINDS and kinds & WITH_METHOD_KINDS  # both situations served
    for kind, method in rows:
        no_method = method in ("", Contraception.NONE)
        if kind in NO_METHOD_KINDS:
            assert no_method, (kind, method)
        elif kind in WITH_METHOD_KINDS:
            assert not no_method, (kind, method)
