"""Form rendering with Bootstrap classes, and fields every app uses."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from shequ.core.versions import EditConflict


class BootstrapRenderer(TemplatesSetting):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


# The mixin goes before a Form class; the type checker is told it is one.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class StyledFormMixin(_FormBase):
    """Give every widget the Bootstrap class it needs, once, instead of in each form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            elif isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-invalid"] = "true"


class StyledForm(StyledFormMixin, forms.Form):
    pass


class ReasonField(forms.CharField):
    """The reason every change to people's data must carry; kept in the history."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("原因"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("help_text", _("记入变更历史，审计可查。"))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PlainSelect(forms.Select):
    """A single ``<select>`` written in Python, the same HTML as ``forms.Select``.

    Django renders every ``<option>`` through the form template engine (an include per
    option): a district's streets and communities took most of the person list's page.
    Grouped choices go the usual way.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(
            isinstance(label, (list, tuple)) for _value, label in choices
        ):
            return super().render(name, value, attrs, renderer)
        selected = set(self.format_value(value))
        final = self.build_attrs(self.attrs, attrs)
        attributes = format_html_join(
            "",
            " {}{}",
            (
                (key, "" if value is True else format_html('="{}"', value))
                for key, value in final.items()
                if value is not False and value is not None
            ),
        )
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (
                    "" if option is None else option,
                    mark_safe(" selected") if str(option) in selected else "",
                    label,
                )
                for option, label in choices
            ),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', name, attributes, options)


def add_service_errors(form: forms.Form, exc) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


@dataclass(frozen=True)
class Difference:
    """A field of a stale edit whose value now differs from the one the user sent."""

    label: str
    theirs: str
    yours: str


class VersionedFormMixin:
    """The edit form of a versioned record (``core.versions``): the version the page was
    based on travels in a hidden field, and goes to the service with the other values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, min_value=1, required=False
        )
        self.conflict: list[Difference] = []

    def clean(self):
        data = super().clean()  # type: ignore[misc]  # a mixin: the Form it is mixed into has it
        if data is not None and data.get("version") is None and "version" not in self.errors:
            # Hidden, so said on the form: a page from before versions, or a hand-made post.
            self.add_error(None, _("页面缺少记录的版本，请重新打开此页面后再修改。"))
        return data


def show_conflict(form: forms.Form, conflict: EditConflict, current: Mapping[str, Any]) -> None:
    """Show a stale edit on its form: why it was not saved and, for every field where the
    record (``current``: the form's initial values for the record as it is now) holds
    something other than what the user sent, both values. The form then carries the current
    version: sending it again saves the user's values over theirs, knowingly."""
    differences = []
    for name, theirs in current.items():
        field = form.fields.get(name)
        if field is None or name == "version" or isinstance(field.widget, forms.HiddenInput):
            continue
        sent = form[name].data
        if _differs(field, theirs, sent):
            differences.append(
                Difference(str(field.label), _shown(field, theirs), _shown(field, sent))
            )
    form.conflict = differences
    form.add_error(None, str(conflict))
    data = form.data.copy()
    data[form.add_prefix("version")] = str(conflict.current_version)
    form.data = data


def _differs(field: forms.Field, theirs: Any, sent: Any) -> bool:
    if isinstance(field, forms.ModelChoiceField):
        return field.has_changed(theirs, sent)
    try:
        sent = field.to_python(sent)
    except ValidationError:
        return True
    return _plain(theirs) != _plain(sent)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _shown(field: forms.Field, value: Any) -> str:
    """A value as the form's user reads it: the label of a choice, 是/否, or the text."""
    if value is None or value == "" or value == []:
        return str(_("（空）"))
    if isinstance(field, forms.ModelChoiceField):
        try:
            chosen = value if isinstance(value, Model) else field.to_python(value)
        except ValidationError:
            return str(value)
        return str(field.label_from_instance(chosen)) if chosen is not None else str(_("（空）"))
    if isinstance(field, forms.BooleanField):
        return str(_("是") if value else _("否"))
    if isinstance(field, forms.ChoiceField):
        # The field keeps its choices normalised: (value, label) pairs, a label a list in a group.
        pairs = cast(Iterable[tuple[Any, Any]], field.choices)
        labels = {str(key): label for key, label in pairs if not isinstance(label, (list, tuple))}
        return str(labels.get(str(value), value))
    return str(value)
