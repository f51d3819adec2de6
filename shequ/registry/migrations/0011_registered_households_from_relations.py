"""Today's 与户主关系 of a dwelling's people becomes registered-household memberships.

The rule (docs/registry-households.md): each person recorded as 户主 of a dwelling heads one
registered household (户籍户) when they are registered in the city (户籍常住, 人户分离, 流出)
or when relatives join them; the relatives are the people of the same dwelling recorded as
spouse, child, parent, grandchild, sibling or other *with the same 户籍地 as the head* (a
户口簿 holds people registered at one place). A tenant (租住人员) joins no household, and a
lone migrant "户主" of a room (a made-up head) heads none. Whoever has left (迁出, 死亡,
注销) keeps the membership as ended on that day. Nothing is deleted: ``Person.relation``
stays as it was (its column goes in a later round), so every value is still there.
"""

from django.db import migrations
from django.utils import timezone

FAMILY = ("spouse", "child", "parent", "grandchild", "sibling", "other")
LOCAL = ("resident", "separated", "outflow")
REASON = "由住户的与户主关系迁移"
BATCH = 2000


def forward(apps, schema_editor):
    Person = apps.get_model("registry", "Person")
    RegisteredHousehold = apps.get_model("registry", "RegisteredHousehold")
    Member = apps.get_model("registry", "RegisteredHouseholdMember")
    HistoricalRH = apps.get_model("registry", "HistoricalRegisteredHousehold")
    HistoricalMember = apps.get_model("registry", "HistoricalRegisteredHouseholdMember")
    now = timezone.now()

    rows = (
        Person.objects.filter(household__isnull=False)
        .exclude(relation="")
        .exclude(relation="tenant")
        .order_by("household_id", "id")
        .values_list(
            "id",
            "household_id",
            "relation",
            "hukou_division_id",
            "hukou_address",
            "population_type",
            "unit_id",
            "status",
            "ended_on",
            "end_reason",
        )
    )

    def flush(dwelling_rows):
        """The households of one dwelling: (head row, relative rows) each."""
        taken = set()
        made = []
        for head in (r for r in dwelling_rows if r[2] == "head"):
            relatives = [
                r for r in dwelling_rows if r[2] in FAMILY and r[3] == head[3] and r[0] not in taken
            ]
            if head[5] not in LOCAL and not relatives:
                continue
            taken.update(r[0] for r in relatives)
            made.append((head, relatives))
        return made

    def write(made):
        households = [
            RegisteredHousehold(
                unit_id=head[6],
                head_id=head[0],
                address=head[4],
                division_id=head[3],
            )
            for head, _ in made
        ]
        RegisteredHousehold.objects.bulk_create(households)
        members = []
        for household, (head, relatives) in zip(households, made, strict=True):
            for row, relation in [(head, "head"), *[(r, r[2]) for r in relatives]]:
                ended = row[7] != "active"
                members.append(
                    Member(
                        household_id=household.pk,
                        person_id=row[0],
                        relation=relation,
                        join_reason=REASON,
                        left_on=(row[8] or now.date()) if ended else None,
                        leave_reason=(row[9] or row[7]) if ended else "",
                    )
                )
        Member.objects.bulk_create(members)
        stamp = {"history_date": now, "history_type": "+", "history_change_reason": REASON}
        HistoricalRH.objects.bulk_create(
            [
                HistoricalRH(
                    id=h.pk,
                    uid=h.uid,
                    unit_id=h.unit_id,
                    number="",
                    head_id=h.head_id,
                    address=h.address,
                    division_id=h.division_id,
                    is_active=True,
                    closed_reason="",
                    created_at=now,
                    version=1,
                    **stamp,
                )
                for h in households
            ]
        )
        HistoricalMember.objects.bulk_create(
            [
                HistoricalMember(
                    id=m.pk,
                    uid=m.uid,
                    household_id=m.household_id,
                    person_id=m.person_id,
                    relation=m.relation,
                    joined_on=None,
                    join_reason=m.join_reason,
                    left_on=m.left_on,
                    leave_reason=m.leave_reason,
                    **stamp,
                )
                for m in members
                if m.pk is not None
            ]
        )

    pending, current, dwelling = [], [], None
    for row in rows.iterator(chunk_size=BATCH):
        if row[1] != dwelling:
            if current:
                pending.extend(flush(current))
            current, dwelling = [], row[1]
            if len(pending) >= BATCH:
                write(pending)
                pending = []
        current.append(row)
    if current:
        pending.extend(flush(current))
    if pending:
        write(pending)


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_dwellings_registered_households_typing")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
