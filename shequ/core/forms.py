"""Form rendering with Bootstrap classes, and fields every app uses."""

from typing import TYPE_CHECKING

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


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
