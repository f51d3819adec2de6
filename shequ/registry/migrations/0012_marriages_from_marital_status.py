"""Existing couples become marriage rows, existing children go on both parents.

Until now a person's 婚姻状况 and 结婚日期 were typed on the person; a couple was two persons
of one home who both said 已婚 with the same date. This migration makes:
- a marriage for each such pair (a married man and a married woman of one household with
  the same marriage date, one of each for that date), and for a widowed person living with
  a deceased spouse of the other sex still marked married, a marriage ended by death (on
  the day the spouse died);
- for every other person who is not single, a marriage with the other side unknown (outside
  the registry, name not recorded): married → in force, divorced → ended by divorce,
  widowed → ended by death; the end date is not known;
- on every child: the recording parent as mother or father by sex, and the other parent
  and the marriage from the recording parent's marriage.
Each marriage gets a history row (reason below). The persons' columns stay as they were: the
rule (rules.marital_status_of) gives the same status from the rows made here.
"""

import uuid
from collections import defaultdict

from django.db import migrations
from django.utils import timezone

REASON = "数据迁移：由原婚姻状况生成"
BATCH = 2000


def _pairs(people):
    """[(husband, wife)] pairs among one household's non-single people, and the rest."""
    paired, used = [], set()
    married = defaultdict(lambda: {"M": [], "F": []})
    for p in people:
        if p["marital_status"] == "married" and p["status"] != "deceased":
            married[p["marriage_date"]][p["sex"]].append(p)
    for day, sides in married.items():
        if day is not None and len(sides["M"]) == 1 and len(sides["F"]) == 1:
            man, woman = sides["M"][0], sides["F"][0]
            paired.append((man, woman, "", None, day))
            used.update((man["id"], woman["id"]))
    widowed = [p for p in people if p["marital_status"] == "widowed" and p["id"] not in used]
    late = [
        p
        for p in people
        if p["status"] == "deceased" and p["marital_status"] == "married" and p["id"] not in used
    ]
    for survivor in widowed:
        match = [p for p in late if p["sex"] != survivor["sex"] and p["id"] not in used]
        if len(match) == 1:
            spouse = match[0]
            man, woman = (spouse, survivor) if spouse["sex"] == "M" else (survivor, spouse)
            day = spouse["marriage_date"] or survivor["marriage_date"]
            paired.append((man, woman, "death", spouse["ended_on"], day))
            used.update((man["id"], woman["id"]))
    rest = [p for p in people if p["id"] not in used]
    return paired, rest


END = {"married": "", "divorced": "divorce", "widowed": "death"}


def forwards(apps, schema_editor):
    Person = apps.get_model("registry", "Person")
    Marriage = apps.get_model("registry", "Marriage")
    HistoricalMarriage = apps.get_model("registry", "HistoricalMarriage")
    Child = apps.get_model("registry", "Child")
    db = schema_editor.connection.alias
    fields = ("id", "sex", "marital_status", "marriage_date", "status", "ended_on", "household_id")
    rows = (
        Person.objects.using(db)
        .exclude(marital_status="single")
        .order_by("household_id", "id")
        .values(*fields)
    )
    marriage_of: dict[int, int] = {}  # person id → the marriage made for them
    spouse_of: dict[int, int] = {}
    pending: list = []

    def flush():
        if not pending:
            return
        made = Marriage.objects.using(db).bulk_create(pending)
        if made and made[0].pk is None:  # a backend that returns no keys: read them back
            by_uid = dict(
                Marriage.objects.using(db)
                .filter(uid__in=[m.uid for m in made])
                .values_list("uid", "id")
            )
            for m in made:
                m.pk = m.id = by_uid[m.uid]
        now = timezone.now()
        kept = {f.attname for f in HistoricalMarriage._meta.concrete_fields}
        HistoricalMarriage.objects.using(db).bulk_create(
            [
                HistoricalMarriage(
                    **{
                        f.attname: getattr(m, f.attname)
                        for f in Marriage._meta.concrete_fields
                        if f.attname in kept
                    },
                    history_date=now,
                    history_type="+",
                    history_change_reason=REASON,
                )
                for m in made
            ]
        )
        for m in made:
            for person_id in (m.husband_id, m.wife_id):
                if person_id is not None:
                    marriage_of[person_id] = m.pk
            if m.husband_id and m.wife_id:
                spouse_of[m.husband_id], spouse_of[m.wife_id] = m.wife_id, m.husband_id
        pending.clear()

    def household_done(people):
        paired, rest = _pairs(people)
        for man, woman, end, ended, day in paired:
            pending.append(
                Marriage(
                    uid=uuid.uuid4(),
                    husband_id=man["id"],
                    wife_id=woman["id"],
                    married_on=day,
                    end_reason=end,
                    ended_on=ended,
                )
            )
        for p in rest:
            side = "husband_id" if p["sex"] == "M" else "wife_id"
            pending.append(
                Marriage(
                    uid=uuid.uuid4(),
                    married_on=p["marriage_date"],
                    end_reason=END.get(p["marital_status"], ""),
                    **{side: p["id"]},
                )
            )
        if len(pending) >= BATCH:
            flush()

    household, people = object(), []
    for p in rows.iterator(chunk_size=BATCH):
        if p["household_id"] != household or p["household_id"] is None:
            if people:
                household_done(people)
            household, people = p["household_id"], []
        people.append(p)
    if people:
        household_done(people)
    flush()

    # Children: the recording parent's side, then the other parent through the marriage.
    children = Child.objects.using(db).order_by("id").values_list("id", "parent_id")
    updates = list(children.iterator(chunk_size=BATCH))
    for start in range(0, len(updates), BATCH):
        part = updates[start : start + BATCH]
        parents = {pid for _, pid in part}
        known = dict(
            Person.objects.using(db).filter(id__in=parents).values_list("id", "sex")
        )
        objs = []
        for child_id, parent_id in part:
            own = "mother_id" if known.get(parent_id) == "F" else "father_id"
            other = "father_id" if own == "mother_id" else "mother_id"
            values = {own: parent_id, "marriage_id": marriage_of.get(parent_id)}
            values[other] = spouse_of.get(parent_id)
            objs.append(Child(id=child_id, **values))
        Child.objects.using(db).bulk_update(objs, ["mother_id", "father_id", "marriage_id"])


def backwards(apps, schema_editor):
    db = schema_editor.connection.alias
    Child = apps.get_model("registry", "Child")
    Child.objects.using(db).update(mother=None, father=None, marriage=None)
    apps.get_model("registry", "HistoricalMarriage").objects.using(db).all().delete()
    apps.get_model("registry", "Marriage").objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_families"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
