"""The health card on the registry's person page ("person_panels", core/panels.py): the
person's open health tasks with their due dates and her latest services — kind, date, next
due date, never clinical results. Only for users with the health right; the read logged."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.panels import PersonPanel
from shequ.duework.models import Task
from shequ.duework.selectors import tasks_visible
from shequ.health import selectors
from shequ.org.models import User
from shequ.org.roles import Action, Role, can
from shequ.registry.models import Person

SHOWN_TASKS = 10
SHOWN_RECORDS = 5


def person_panels(user: User, person: Person) -> list[PersonPanel]:
    """One card: open health tasks (soonest first) and the last services. Three queries."""
    # The services are a woman's (her husband appears on her pre-pregnancy check only).
    if person.sex != "F" or not selectors.may_see_services(user):
        return []
    tasks = list(
        tasks_visible(user)
        .filter(person=person, state=Task.State.OPEN, kind__startswith="health.")
        .order_by("due_date", "id")[:SHOWN_TASKS]
    )
    records = list(
        selectors.service_records_visible(user)
        .filter(person=person)
        .order_by("-date", "-id")[:SHOWN_RECORDS]
    )
    selectors.log_health_read(user, [person], ["health_tasks", "health_services"], channel="web")
    return [
        PersonPanel(
            key="health-due",
            title=_("健康服务与待办"),
            template="health/_person_panel.html",
            context={
                "tasks": tasks,
                "records": records,
                "today": timezone.localdate(),  # an open task due before it is overdue
                "can_record": user.role == Role.PROVIDER or can(user, Action.EDIT_REGISTRY),
            },
            column="side",
            position=40,
        )
    ]
