"""与户主关系 is kept by the 户口簿 alone: ``Person.relation`` goes.

Since 0011 turned the relations into registered-household memberships, the person form, the
import and the API still wrote ``Person.relation`` without making memberships. Before the
column goes, the people who are on no 户口簿 and have a relation recorded are placed by the
rule 0011 applied (docs/registered-households.md; a frozen copy here): a relative joins the
户口簿 of a 户主 living in the same dwelling whose 户籍地 is the relative's own (a 户主
recorded beside them, or one on a 户口簿 already), else stays outside, as someone married in
from elsewhere does; a 户主 recorded beside them opens one when registered in the city or
joined by relatives (a lone migrant "户主" of a room was a made-up head: none); a tenant
joins none.

Reversible: going back restores the column and fills it from the current memberships (a
person on no 户口簿 gets a blank relation: tenants' and married-in relatives' old values are
not kept by the memberships, and the dwelling has no 户主 of its own to relate them to).
"""

from django.db import migrations
from django.utils import timezone

FAMILY = ("spouse", "child", "parent", "grandchild", "sibling", "other")
LOCAL = ("resident", "separated", "outflow")
REASON = "由人员的与户主关系迁移"
BATCH = 2000


def forward(apps, schema_editor):
    Person = apps.get_model("registry", "Person")
    RegisteredHousehold = apps.get_model("registry", "RegisteredHousehold")
    Member = apps.get_model("registry", "RegisteredHouseholdMember")
    HistoricalRH = apps.get_model("registry", "HistoricalRegisteredHousehold")
    HistoricalMember = apps.get_model("registry", "HistoricalRegisteredHouseholdMember")
    now = timezone.now()
    today = timezone.localdate(now)

    on_booklet = Member.objects.values("person_id")
    rows = (
        Person.objects.filter(household__isnull=False, status="active")
        .exclude(relation__in=("", "tenant"))
        .exclude(pk__in=on_booklet)
        .order_by("household_id", "id")
        .values_list(
            "id",
            "household_id",
            "relation",
            "hukou_division_id",
            "hukou_address",
            "unit_id",
            "population_type",
        )
    )
    # The open 户口簿 of every dwelling, by the dwelling its 户主 lives in.
    registered: dict[int, list[tuple[int, str | None]]] = {}
    for dwelling, household, division in (
        RegisteredHousehold.objects.filter(is_active=True, head__status="active")
        .order_by("id")
        .values_list("head__household_id", "id", "division_id")
    ):
        registered.setdefault(dwelling, []).append((household, division))

    def place(dwelling_rows):
        """(new households: head row each, members: (household or head row, row, relation))"""
        heads = list(registered.get(dwelling_rows[0][1], []))
        heads += [(row, row[3]) for row in dwelling_rows if row[2] == "head"]
        members = []
        for row in dwelling_rows:
            if row[2] in FAMILY:
                for key, division in heads:
                    if division == row[3]:
                        members.append((key, row, row[2]))
                        break
        joined = {key[0] for key, _row, _relation in members if not isinstance(key, int)}
        new = [r for r in dwelling_rows if r[2] == "head" and (r[6] in LOCAL or r[0] in joined)]
        made = {r[0] for r in new}
        members = [m for m in members if isinstance(m[0], int) or m[0][0] in made]
        members += [(row, row, "head") for row in new]
        return new, members

    def write(new, members):
        households = {
            head[0]: RegisteredHousehold(
                unit_id=head[5], head_id=head[0], address=head[4], division_id=head[3]
            )
            for head in new
        }
        RegisteredHousehold.objects.bulk_create(households.values())
        rows = [
            Member(
                household_id=key if isinstance(key, int) else households[key[0]].pk,
                person_id=row[0],
                relation=relation,
                joined_on=today,
                join_reason=REASON,
            )
            for key, row, relation in members
        ]
        Member.objects.bulk_create(rows)
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
                for h in households.values()
                if h.pk is not None
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
                    joined_on=m.joined_on,
                    join_reason=m.join_reason,
                    left_on=None,
                    leave_reason="",
                    **stamp,
                )
                for m in rows
                if m.pk is not None
            ]
        )

    new, members, current = [], [], []
    for row in rows.iterator(chunk_size=BATCH):
        if current and row[1] != current[0][1]:
            made, joined = place(current)
            new += made
            members += joined
            current = []
            if len(members) >= BATCH:
                write(new, members)
                new, members = [], []
        current.append(row)
    if current:
        made, joined = place(current)
        new += made
        members += joined
    if members:
        write(new, members)


def backward(apps, schema_editor):
    """The column back, filled from the current memberships."""
    Person = apps.get_model("registry", "Person")
    Member = apps.get_model("registry", "RegisteredHouseholdMember")
    by_relation: dict[str, list[int]] = {}
    for person_id, relation in Member.objects.filter(left_on__isnull=True).values_list(
        "person_id", "relation"
    ):
        by_relation.setdefault(relation, []).append(person_id)
    for relation, ids in by_relation.items():
        for start in range(0, len(ids), BATCH):
            Person.objects.filter(pk__in=ids[start : start + BATCH]).update(relation=relation)


class Migration(migrations.Migration):
    dependencies = [("registry", "0021_person_sex_age_index")]

    operations = [
        migrations.RunPython(forward, backward, elidable=True),
        migrations.RemoveField(model_name="historicalperson", name="relation"),
        migrations.RemoveField(model_name="person", name="relation"),
        # A person's current membership is read through reg_member_one_current; this index
        # only slowed every membership an import writes.
        migrations.RemoveIndex(
            model_name="registeredhouseholdmember", name="reg_member_person"
        ),
    ]
