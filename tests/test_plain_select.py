"""PlainSelect writes the same <select> as Django's Select, without a template per option."""

import re

from django import forms

from shequ.core.forms import PlainSelect


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


CHOICES = [("", "全部"), ("340603", "相山区"), ("3406030", "\u3000示范街道 · <b>"), (5, "五")]


def test_plain_select_renders_like_django_select():
    for value in ("", "340603", "5", None):
        attrs = {"class": "form-select", "id": "f-unit"}
        expected = forms.Select(attrs=attrs, choices=CHOICES).render("unit", value)
        assert squeeze(PlainSelect(attrs=attrs, choices=CHOICES).render("unit", value)) == squeeze(
            expected
        )


def test_plain_select_escapes_labels_and_values():
    html = PlainSelect(choices=[('"x"', "<b>")]).render("f", None)
    assert "<b>" not in html
    assert "&lt;b&gt;" in html and "&quot;x&quot;" in html
