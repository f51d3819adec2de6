"""No identity number in a URL or a log (issue 14, item 4), and the number check of the
forms logged and rate-limited (item 11).

A search by a whole number (or more than its first 14 characters) is posted: the page
redirects to a list URL holding a token kept on the server, the API takes it in the body
of ``POST /api/v1/persons/search/``; a GET with such a term is refused. Every log handler
masks identity numbers, the runserver request log included.
"""

import io
import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from shequ.core.identifiers import mask_id_number
from shequ.core.log_redaction import RedactIdNumbers
from shequ.jobs.models import ExportJob
from shequ.org.models import SensitiveAccess
from tests.factories import make_building, make_household, make_person

LIST = reverse("registry:person_list")
API = "/api/v1/persons/"


@pytest.fixture
def lisi(tree):
    return make_person(make_household(make_building(tree.grid_a1)), name="李四")


@pytest.fixture
def elsewhere(tree):
    return make_person(make_household(make_building(tree.community_b, "文苑1号楼")), name="张珊")


def names(response) -> list[str]:
    html = response.content.decode()
    return [p for p in ("李四", "张珊") if f">{p}</a>" in html]


def post_search(client, term: str, **filters) -> str:
    response = client.post(LIST, {"search": term, **filters})
    assert response.status_code == 302
    return response["Location"]


# --- The page ---------------------------------------------------------------------------


def test_the_search_form_posts_a_whole_number_and_lists_by_a_token(web, people, lisi):
    client = web.as_(people.worker_a)
    location = post_search(client, lisi.id_number, population_type="resident")

    assert lisi.id_number not in location
    assert location.startswith(f"{LIST}?population_type=resident&sid=")
    assert names(client.get(location)) == ["李四"]


def test_a_name_search_stays_in_the_url(web, people, lisi):
    location = post_search(web.as_(people.worker_a), "李四")
    assert location == f"{LIST}?search=%E6%9D%8E%E5%9B%9B"


def test_a_whole_number_in_the_url_lists_nobody_and_says_how_to_search(web, people, lisi):
    response = web.as_(people.worker_a).get(f"{LIST}?search={lisi.id_number}")

    assert names(response) == []
    assert "不能放在网址里" in response.content.decode()


def test_a_beginning_of_fourteen_characters_may_be_in_the_url_but_not_fifteen(web, people, lisi):
    client = web.as_(people.worker_a)
    assert names(client.get(f"{LIST}?search={lisi.id_number[:14]}")) == ["李四"]
    assert names(client.get(f"{LIST}?search={lisi.id_number[:15]}")) == []
    assert "sid=" in post_search(client, lisi.id_number[:15])


def test_a_token_answers_only_the_user_it_was_made_for(web, people, lisi):
    location = post_search(web.as_(people.worker_a), lisi.id_number)

    response = web.as_(people.street).get(location)

    assert names(response) == []
    assert "查找已过期" in response.content.decode()


def test_a_made_up_token_is_refused_without_reaching_the_cache(web, people, recwarn):
    for sid in ("\x87c{ x", "a" * 65, "../../etc"):
        response = web.as_(people.worker_a).get(LIST, {"sid": sid})
        assert response.status_code == 200 and "查找已过期" in response.content.decode()
    assert not [w for w in recwarn if "Cache key" in str(w.message)]


def test_a_token_search_stays_inside_the_jurisdiction(web, people, elsewhere):
    client = web.as_(people.worker_a)
    assert names(client.get(post_search(client, elsewhere.id_number))) == []


def test_an_export_of_a_token_search_keeps_the_token_not_the_number(web, people, lisi, settings):
    settings.EXPORT_JOB_MIN_ROWS = 0
    client = web.as_(people.worker_a)
    query = post_search(client, lisi.id_number).split("?", 1)[1]

    response = client.get(reverse("registry:export", args=["persons"]) + f"?{query}&format=csv")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.row_count) == ("succeeded", 1)
    assert lisi.id_number not in str(job.filters)
    assert "sid" in job.filters


def test_an_export_refuses_a_whole_number_in_its_url(web, people, lisi):
    url = reverse("registry:export", args=["persons"]) + f"?search={lisi.id_number}"
    response = web.as_(people.worker_a).get(url)
    assert response.status_code == 400
    assert "不能放在网址里" in response.content.decode()


# --- The API ----------------------------------------------------------------------------


def test_the_api_answers_400_to_a_whole_number_in_the_url(api, people, lisi):
    response = api.as_(people.worker_a).get(API, {"search": lisi.id_number})
    assert response.status_code == 400
    assert "POST /api/v1/persons/search/" in response.json()["search"][0]


def test_the_api_searches_a_whole_number_posted_in_the_body(api, people, lisi):
    response = api.as_(people.city).post(
        f"{API}search/?status=all", {"search": lisi.id_number}, format="json"
    )
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["李四"]
    assert response.json()["results"][0]["id_number"] == mask_id_number(lisi.id_number)


def test_the_api_search_stays_inside_the_jurisdiction(api, people, elsewhere):
    response = api.as_(people.worker_a).post(
        f"{API}search/", {"search": elsewhere.id_number}, format="json"
    )
    assert response.json()["count"] == 0


def test_the_api_still_searches_names_and_short_beginnings_by_get(api, people, lisi):
    client = api.as_(people.worker_a)
    for term in ("李四", "ls", lisi.id_number[:14]):
        response = client.get(API, {"search": term})
        assert [row["name"] for row in response.json()["results"]] == ["李四"], term


# --- The logs ---------------------------------------------------------------------------


@pytest.fixture
def log_output():
    """Everything the configured log handlers write, into one buffer."""
    buffer = io.StringIO()
    handlers = {
        handler
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for handler in logger.handlers
        if any(isinstance(f, RedactIdNumbers) for f in handler.filters)
    }
    assert len(handlers) == 2  # the console and the runserver request log
    streams = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in streams.items():
        handler.setStream(stream)


def test_every_stream_handler_masks_identity_numbers():
    for name in (None, "django", "django.server", "django.request", "shequ"):
        logger = logging.getLogger(name)
        while logger:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue  # pytest's own capture
                assert any(isinstance(f, RedactIdNumbers) for f in handler.filters), handler
            logger = logger.parent if logger.propagate else None


def test_the_suite_searches_leave_no_number_in_any_log(web, api, people, lisi, caplog, log_output):
    caplog.set_level(logging.DEBUG)
    number = lisi.id_number
    client = web.as_(people.worker_a)
    paths = []
    location = post_search(client, number)
    paths += [LIST, location]
    client.get(location)
    for path in (f"{LIST}?search={number}", f"{API}?search={number}"):
        paths.append(path)  # a client that puts the number in the URL anyway
        client.get(path)
    api.as_(people.worker_a).post(f"{API}search/", {"search": number}, format="json")
    paths.append(f"{API}search/")
    # The line runserver writes for each request, through its configured logger.
    server = logging.getLogger("django.server")
    for path in paths:
        server.warning('"%s" %s %s', f"GET {path} HTTP/1.1", "400", "97")
    logging.getLogger("shequ").error("号码 %s 无法处理", number)

    written = log_output.getvalue()
    assert mask_id_number(number) in written  # the lines were written, masked
    assert number not in written
    assert number not in caplog.text
    assert sum(number in path for path in paths) == 2  # only the two refused GETs


def test_an_error_mail_masks_the_number_in_the_request_it_describes(settings, mailoutbox):
    settings.ADMINS = [("admin", "admin@example.invalid")]
    number = "340603199005170262"
    request = RequestFactory().post(f"/registry/persons/?search={number}", {"search": number})
    try:
        raise ValueError(f"cannot parse {number}")
    except ValueError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.get_full_path(),
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )

    (mail,) = mailoutbox
    assert mask_id_number(number) in mail.body
    assert number not in mail.subject + mail.body


# --- The number check of the forms (item 11) ---------------------------------------------


def test_the_number_check_is_logged_and_rate_limited(web, people, lisi, elsewhere, settings):
    settings.ID_CHECK_LIMIT_PER_HOUR = 2
    client = web.as_(people.worker_a)
    url = reverse("registry:id_number_check")

    first = client.post(url, {"id_number": elsewhere.id_number})
    second = client.post(url, {"id_number": lisi.id_number})
    third = client.post(url, {"id_number": lisi.id_number})

    assert "该号码已在本市登记。" in first.content.decode()
    assert "过于频繁" not in second.content.decode()
    assert "核对号码过于频繁：每小时最多 2 次" in third.content.decode()
    logged = SensitiveAccess.objects.filter(actor=people.worker_a, fields="id_number_registration")
    assert [(row.target_id, row.unit_code) for row in logged.order_by("id")] == [
        (str(elsewhere.uid), elsewhere.unit_id),
        (str(lisi.uid), lisi.unit_id),
    ]
    assert all(elsewhere.id_number not in row.target_label for row in logged)
