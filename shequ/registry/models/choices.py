"""Choices of the registry's fields (sex, population type, status, ethnic groups …) and the reference-data helpers the models share."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.org.models import OrgUnit


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PopulationType(models.TextChoices):
    RESIDENT = "resident", _("户籍常住")
    SEPARATED = "separated", _("人户分离")
    INFLOW = "inflow", _("流入")
    OUTFLOW = "outflow", _("流出")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    DEPARTED = "departed", _("已迁出")
    DECEASED = "deceased", _("已死亡")
    CANCELLED = "cancelled", _("已注销")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class HukouNature(models.TextChoices):
    """户口性质 as it was registered (the 2014 reform unified it; benefits still ask)."""

    AGRICULTURAL = "agricultural", _("农业")
    NON_AGRICULTURAL = "non_agri", _("非农业")
    UNIFIED = "unified", _("居民户口（统一登记后）")


class DisabilityGrade(models.TextChoices):
    """残疾等级 (GB/T 26341: 一级 the most severe)."""

    ONE = "1", _("一级")
    TWO = "2", _("二级")
    THREE = "3", _("三级")
    FOUR = "4", _("四级")


class Contraception(models.TextChoices):
    """节育措施. ``none`` records that no method is used; a blank means not yet known."""

    IUD = "iud", _("宫内节育器")
    FEMALE_STERILIZATION = "female_sterilization", _("女性绝育")
    MALE_STERILIZATION = "male_sterilization", _("男性绝育")
    IMPLANT = "implant", _("皮下埋植")
    INJECTION = "injection", _("避孕针")
    ORAL_PILL = "oral_pill", _("口服避孕药")
    CONDOM = "condom", _("避孕套")
    TOPICAL = "topical", _("外用避孕药")
    OTHER = "other", _("其他方法")
    NONE = "none", _("未采取措施")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("单位就业")
    SELF_EMPLOYED = "self_employed", _("个体经营")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("无业")
    STUDENT = "student", _("在校学生")
    RETIRED = "retired", _("离退休")
    PRESCHOOL = "preschool", _("学龄前")


class Education(models.TextChoices):
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class FlowInReason(models.TextChoices):
    WORK = "work", _("务工经商")
    FAMILY = "family", _("投亲靠友")
    STUDY = "study", _("学习培训")
    FOLLOW = "follow", _("随迁家属")
    MARRIAGE = "marriage", _("婚姻嫁娶")
    HOUSING = "housing", _("拆迁搬家")
    OTHER = "other", _("其他")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租住人员")
    OTHER = "other", _("其他")


ETHNIC_GROUPS = [
    _("汉族"),
    _("蒙古族"),
    _("回族"),
    _("藏族"),
    _("维吾尔族"),
    _("苗族"),
    _("彝族"),
    _("壮族"),
    _("布依族"),
    _("朝鲜族"),
    _("满族"),
    _("侗族"),
    _("瑶族"),
    _("白族"),
    _("土家族"),
    _("哈尼族"),
    _("哈萨克族"),
    _("傣族"),
    _("黎族"),
    _("傈僳族"),
    _("佤族"),
    _("畲族"),
    _("高山族"),
    _("拉祜族"),
    _("水族"),
    _("东乡族"),
    _("纳西族"),
    _("景颇族"),
    _("柯尔克孜族"),
    _("土族"),
    _("达斡尔族"),
    _("仫佬族"),
    _("羌族"),
    _("布朗族"),
    _("撒拉族"),
    _("毛南族"),
    _("仡佬族"),
    _("锡伯族"),
    _("阿昌族"),
    _("普米族"),
    _("塔吉克族"),
    _("怒族"),
    _("乌孜别克族"),
    _("俄罗斯族"),
    _("鄂温克族"),
    _("德昂族"),
    _("保安族"),
    _("裕固族"),
    _("京族"),
    _("塔塔尔族"),
    _("独龙族"),
    _("鄂伦春族"),
    _("赫哲族"),
    _("门巴族"),
    _("珞巴族"),
    _("基诺族"),
]
ETHNICITY_CHOICES = [(f"{i:02d}", name) for i, name in enumerate(ETHNIC_GROUPS, start=1)]


# References to reference data — org units, division codes and, from history rows, users —
# are checked by the application, not by a database constraint (``db_constraint=False``).
# Those rows are never deleted (no code path deletes them, and ``on_delete=PROTECT`` still
# stops a delete through the ORM), every path that writes a code checks it first (forms,
# API, imports: ``validate_division_code`` + existence, the import's unit lookup), and a
# constraint costs a query per written row: at a million persons these checks were a
# quarter of the database's work in an import (docs/benchmarks.md). References between
# the registry's own records (person -> household, child -> parent, ...) keep theirs, but
# for the 户口簿's (its head, its members' 户口簿 and person): an import writes a member row
# for nearly every person, and those three checks were a sixth of its database's work. They
# are written only by ``services/registered.py``, from records it has just read or written,
# and nothing deletes a person or a 户口簿 (PROTECT stops the ORM); what still keeps them
# from dangling is tested in tests/registry/test_reference_data.py.
REFERENCE: dict[str, Any] = {
    "on_delete": models.PROTECT,
    "related_name": "+",
    "db_constraint": False,
}


def unit_fk(**kwargs) -> models.ForeignKey:
    """A unit reference stored as the unit's code, so a subtree is a range on this column.

    No index of its own: every model's composite indexes begin with the unit code and serve
    the range; a separate one (two on PostgreSQL for a text key) only slows each insert.
    """
    return models.ForeignKey(
        OrgUnit, to_field="code", db_column="unit_code", db_index=False, **REFERENCE, **kwargs
    )
