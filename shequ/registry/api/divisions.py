"""The API of divisions: the national statistical codes, reference data for the 户籍地 picker."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from shequ.core.text import prefix_q
from shequ.org.models import Division


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "full_name"]
        read_only_fields = fields


class DivisionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区划代码"))
    search = django_filters.CharFilter(method="filter_search", label=_("名称（包含）或代码前缀"))

    class Meta:
        model = Division
        fields = ["parent", "level", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(prefix_q("code", value))
        return queryset.filter(name__contains=value)


class DivisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """National statistical divisions (统计用区划代码): province, city, county and the towns and
    villages of this city. ``?parent=CODE`` lists the children of a division."""

    serializer_class = DivisionSerializer
    filterset_class = DivisionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"
    queryset = Division.objects.order_by("code")
