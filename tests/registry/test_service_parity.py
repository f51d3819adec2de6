"""Every action a page can do, the API can do through the same service (issue 13).

The services called by the registry's views and by its API are read from their source; a
service used by only one side fails the test unless the allow-list below says why.
"""

import ast
from pathlib import Path

import shequ.registry
from shequ.registry import services

REGISTRY = Path(shequ.registry.__file__).parent

# A service one side uses and the other need not, with the reason.
ONLY_PAGES = {
    "population_type_for": "the live preview of the register and edit forms shows the type "
    "the service will derive; an API client gets it in the answer of the write",
    "person_inactive_problem": "the event pages say before the form why an event is refused; "
    "the API gets the same refusal from the service it calls",
    "person_outflow_problem": "as person_inactive_problem, for 外出登记",
    "person_return_problem": "as person_inactive_problem, for 返回登记",
    "person_end_check": "the page's confirmation step checks before it asks; the API has no "
    "confirmation step and the service runs the same check",
    "log_id_number_check": "the forms check a typed identity number as it is typed; the API "
    "has no such check (a registration answers with its own error)",
}
ONLY_API: dict[str, str] = {
    "pregnancy_rows_read": "the API lists pregnancies across persons a page at a time and logs "
    "that page; the pages show them per person through pregnancies_read, as the API's "
    "?person= does",
}


def services_called(folder: str) -> set[str]:
    """Names of the public services called as ``services.<name>`` under the folder."""
    names = set()
    for path in (REGISTRY / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "services"
                and callable(getattr(services, node.attr, None))
            ):
                names.add(node.attr)
    return names


def test_the_views_and_the_api_use_the_same_services():
    views, api = services_called("views"), services_called("api")
    assert views and api
    only_views = views - api - set(ONLY_PAGES)
    only_api = api - views - set(ONLY_API)
    assert not only_views, f"services used by the pages but not the API: {sorted(only_views)}"
    assert not only_api, f"services used by the API but not the pages: {sorted(only_api)}"


def test_the_allow_list_names_only_services_used_by_one_side():
    views, api = services_called("views"), services_called("api")
    assert set(ONLY_PAGES) <= views - api
    assert set(ONLY_API) <= api - views
