"""The "person_panels" hook (core/panels.py): apps above the registry add cards to the
person page without the registry importing them."""

from django.urls import reverse

from shequ.core import panels
from shequ.core.panels import PersonPanel
from tests.factories import make_building, make_household, make_person


def test_panels_are_ordered_by_position_within_their_column(monkeypatch):
    def provider(user, person):
        return [
            PersonPanel("late", "后", "x.html", position=90),
            PersonPanel("wide", "宽", "x.html", column="main"),
            PersonPanel("early", "先", "x.html", position=10),
        ]

    monkeypatch.setattr(panels, "app_hooks", lambda name: (provider, lambda u, p: []))
    found = panels.person_panels(None, None)
    assert [p.key for p in found["side"]] == ["early", "late"]
    assert [p.key for p in found["main"]] == ["wide"]


def test_the_person_page_renders_a_provider_panel_with_its_context(tree, people, web, monkeypatch):
    person = make_person(make_household(make_building(tree.grid_a1), "101"), name="张面板")
    seen = []

    def provider(user, shown):
        seen.append((user.username, shown.pk))
        return [
            PersonPanel("demo", "示例卡片", "registry/_timeline.html", {"timeline": []}, position=1)
        ]

    monkeypatch.setattr(panels, "app_hooks", lambda name: (provider,))
    page = web.as_(people.worker_a).get(reverse("registry:person_detail", args=[person.uid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="panel-demo"' in html and "示例卡片" in html
    assert seen == [("worker_a", person.pk)]
