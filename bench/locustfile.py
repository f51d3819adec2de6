"""Load benchmark: the demo's data-duty accounts at work, through HTTP, for locust.

    .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8765     # or: make load

Two kinds of simulated user, each holding one of the demo's accounts (community 3 : community_b
2 : grid 2 : street 2 : district 1), each waiting 0.5-2 s between requests:

- **page workers** (three in four: most workers use the pages) log in through the login form
  with its CSRF token, then open the person list, search it by name and by pinyin initials,
  open persons, the building list and buildings (with their households) and the flow list;
- **API clients** use a token (fetched once per account before the run: the token endpoint is
  throttled) for the person list, searches, person details, the household list and households.

Users are locust's ``FastHttpUser`` (geventhttpclient): the generator shares the server's two
cores, and it costs a fraction of the CPU a request of ``HttpUser`` (python-requests) does.

Request names are kinds ("page: person list"), not URLs, so that the report gives p50/p95/p99
per kind. Searches use names and pinyin initials, never identity numbers (they would end up in
logs as URLs). The ids and names searched for are read through the API before the run.

Environment: ``BENCH_PASSWORD`` (the demo's password), ``BENCH_SETTLE`` (seconds after the
last user logged in before the statistics are reset, so that the logins are not in the
figures; default 10), ``BENCH_MEASURE`` (seconds measured after that, then locust
stops; 0: until ``--run-time`` or Ctrl-C).
"""

import os
import random
from urllib.parse import urlencode

import gevent
import requests
from locust import FastHttpUser, between, events, task
from pypinyin import Style, lazy_pinyin

PASSWORD = os.environ.get("BENCH_PASSWORD", "Shequ-demo-2026")
SETTLE = float(os.environ.get("BENCH_SETTLE", "10"))
MEASURE = float(os.environ.get("BENCH_MEASURE", "0"))
ROLES = {"community": 3, "community_b": 2, "grid": 2, "street": 2, "district": 1}


class Pool:
    """What an account may be asked for: its token, person ids and names, buildings and
    households in its scope (filled once before the run)."""

    def __init__(self) -> None:
        self.token = ""
        self.persons: list[str] = []
        self.names: list[str] = []
        self.buildings: list[str] = []
        self.households: list[str] = []


POOLS: dict[str, Pool] = {}


def _fill(host: str, username: str) -> Pool:
    pool = Pool()
    with requests.Session() as http:
        answer = http.post(
            f"{host}/api/v1/auth/token/",
            json={"username": username, "password": PASSWORD},
            timeout=60,
        )
        if answer.status_code != 200:
            raise RuntimeError(f"no token for {username}: {answer.status_code} {answer.text[:200]}")
        pool.token = answer.json()["token"]
        http.headers["Authorization"] = f"Token {pool.token}"

        def page(path: str) -> dict:
            response = http.get(f"{host}/api/v1/{path}", timeout=60)
            response.raise_for_status()
            return response.json()

        def results(path: str) -> list[dict]:
            return page(path)["results"]

        # The first page and two at random: names from all over the alphabet, not one surname.
        first = page("persons/?page_size=200")
        persons = first["results"]
        pages = -(-first["count"] // 200)
        for number in random.sample(range(2, pages + 1), min(2, pages - 1)):
            persons += results(f"persons/?page_size=200&page={number}")
        pool.persons = [p["id"] for p in persons]
        pool.names = sorted({p["name"] for p in persons if len(p["name"]) >= 2})
        pool.buildings = [b["id"] for b in results("buildings/?page_size=100")]
        pool.households = [h["id"] for h in results("households/?page_size=100")]
    if not (pool.persons and pool.names):
        raise RuntimeError(f"{username} sees no persons: load the demo city first")
    return pool


@events.test_start.add_listener
def _prepare(environment, **_kwargs) -> None:
    fills = {username: gevent.spawn(_fill, environment.host, username) for username in ROLES}
    gevent.joinall(list(fills.values()), raise_error=True)
    POOLS.update({username: fill.value for username, fill in fills.items()})


_environment: list = []


@events.init.add_listener
def _keep_environment(environment, **_kwargs) -> None:
    _environment.append(environment)


_ready = [0]  # users whose start (a page worker's login) is over


@events.spawning_complete.add_listener
def _measure(user_count: int, **_kwargs) -> None:
    """The figures count from SETTLE seconds after the last user logged in, for MEASURE s."""

    def measure() -> None:
        waited = 0
        while _ready[0] < user_count and waited < 300:
            gevent.sleep(1)
            waited += 1
        gevent.sleep(SETTLE)
        _environment[0].stats.reset_all()
        if MEASURE:
            gevent.sleep(MEASURE)
            _environment[0].runner.quit()

    gevent.spawn(measure)


def _role() -> str:
    return random.choices(list(ROLES), list(ROLES.values()))[0]


def _initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))


class Worker(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        self.username = _role()
        self.pool = POOLS[self.username]
        try:
            self.begin()
        finally:
            _ready[0] += 1

    def begin(self) -> None:
        """What a user does once before working."""

    def fetch(self, url: str, name: str) -> None:
        # Redirects are not followed: a worker's page answers 200 itself, and a redirect
        # (to the login page when a session was lost) is a failure, not a second request.
        with self.client.get(
            url, name=name, catch_response=True, allow_redirects=False, **self.options()
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def options(self) -> dict:
        return {}

    def search_term(self) -> tuple[str, str]:
        """A name's first two characters, a full name or a name's pinyin initials."""
        name = random.choice(self.pool.names)
        kind = random.choices(["name", "full name", "pinyin"], [2, 1, 2])[0]
        if kind == "pinyin":
            return "pinyin", _initials(name)
        return "name", name if kind == "full name" else name[:2]


class PageWorker(Worker):
    """A worker in the browser: one session of their own, logged in through the form."""

    weight = 3

    def begin(self) -> None:
        self.client.get("/accounts/login/", name="page: login form")
        csrf = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        with self.client.post(
            "/accounts/login/",
            data=urlencode(
                {
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": csrf,
                    "next": "/registry/persons/",
                }
            ),
            headers={
                "Referer": f"{self.host}/accounts/login/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name="page: login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/" in response.headers.get("Location", ""):
                response.failure(f"login refused: HTTP {response.status_code}")

    @task(4)
    def person_list(self) -> None:
        self.fetch("/registry/persons/", "page: person list")

    @task(1)
    def person_list_page2(self) -> None:
        self.fetch("/registry/persons/?page=2", "page: person list, page 2")

    @task(3)
    def person_search(self) -> None:
        kind, term = self.search_term()
        self.fetch(f"/registry/persons/?search={term}", f"page: person search ({kind})")

    @task(4)
    def person_detail(self) -> None:
        self.fetch(f"/registry/persons/{random.choice(self.pool.persons)}/", "page: person detail")

    @task(1)
    def building_list(self) -> None:
        self.fetch("/housing/", "page: building list")

    @task(1)
    def building_detail(self) -> None:
        if self.pool.buildings:
            uid = random.choice(self.pool.buildings)
            self.fetch(f"/housing/{uid}/", "page: building detail (households)")

    @task(1)
    def flow_list(self) -> None:
        self.fetch("/registry/flows/", "page: flow list")


class ApiClient(Worker):
    """A program or the mobile app: the API with the account's token."""

    weight = 1

    def options(self) -> dict:
        return {"headers": {"Authorization": f"Token {self.pool.token}"}}

    @task(4)
    def person_list(self) -> None:
        self.fetch("/api/v1/persons/", "api: person list")

    @task(3)
    def person_search(self) -> None:
        kind, term = self.search_term()
        self.fetch(f"/api/v1/persons/?search={term}", f"api: person search ({kind})")

    @task(4)
    def person_detail(self) -> None:
        self.fetch(f"/api/v1/persons/{random.choice(self.pool.persons)}/", "api: person detail")

    @task(1)
    def household_list(self) -> None:
        self.fetch("/api/v1/households/", "api: household list")

    @task(1)
    def household_detail(self) -> None:
        if self.pool.households:
            uid = random.choice(self.pool.households)
            self.fetch(f"/api/v1/households/{uid}/", "api: household detail")
