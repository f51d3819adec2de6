"""What the registry's filter sets share."""

import django_filters


class StrictFilterSet(django_filters.FilterSet):
    """A filter set that names the filters it cannot apply instead of dropping them."""

    def problems(self) -> list[str]:
        """What is wrong with the filters asked for, one sentence each ([]: nothing).

        A filter that cannot be applied (a malformed household or building id, an unknown
        choice such as ?status=xyz, a malformed date) must not be dropped silently: the list
        would show everyone in scope — the departed too — as if it had been applied. The API
        answers 400 with these; the page and the export say so and list nobody.
        """
        if self.is_valid():
            return []
        return [
            f"{self.form.fields[name].label}：{message}" if name in self.form.fields else message
            for name, messages in self.errors.items()
            for message in messages
        ]
