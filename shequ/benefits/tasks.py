"""The benefits' background work: computing a year's list (a street's is seconds, a large
one longer). The page and the API queue the job; ``shequ db_worker`` runs it (tests: at
once); the list itself carries the progress, so any app server shows it."""

from django_tasks import task

from shequ.benefits.models import BenefitList, ListState


@task()
def run_compute(list_uid: str) -> str:
    """Compute one list started by ``services.benefit_list_start``; returns its state."""
    from shequ.benefits.services import benefit_list_compute

    found = BenefitList.objects.select_related("unit").filter(uid=list_uid).first()
    if found is None or found.state != ListState.COMPUTING:
        return found.state if found else "missing"
    return benefit_list_compute(found).state


def enqueue_compute(benefit_list: BenefitList) -> None:
    run_compute.enqueue(str(benefit_list.uid))
