"""The households of one community, village or blind zone, to its quota."""

from shequ.org.models import OrgUnit
from shequ.registry.demo.fillers import OtherHomes
from shequ.registry.demo.housing import Housing
from shequ.registry.demo.people import Home
from shequ.registry.models import PersonStatus
from shequ.registry.rules import age_on


class UnitBuilder(OtherHomes):
    """The homes and people of one community, village or blind zone, to its quota: families
    (``couples``) first, then the other households (``fillers``), then their buildings."""

    def build(self, grids: list[OrgUnit], place: str) -> list[Home]:
        q = self.quota
        inflow_left = q.inflow
        # Every married migrant woman and every single one needs a place in the budget.
        wives = [True] * q.married_inflow_method + [False] * (
            q.married_inflow - q.married_inflow_method
        )
        self.rng.shuffle(wives)
        for i, with_method in enumerate(wives):
            reserve = len(wives) - i - 1 + q.single_inflow
            home = self.family(
                migrant=True, with_method=with_method, budget=min(5, inflow_left - reserve)
            )
            inflow_left -= len(home.members)
            self.homes.append(home)
        singles = q.single_inflow
        while singles:
            count = min(singles, self.rng.choice([1, 2, 2, 3, 4]))
            self.homes.append(self.single_women(count))
            singles -= count
            inflow_left -= count
        while inflow_left > 0:
            home = self.migrant_filler(inflow_left)
            inflow_left -= len(home.members)
            self.homes.append(home)

        local_left = q.persons - q.inflow
        wives = [True] * q.married_local_method + [False] * (
            q.married_local - q.married_local_method
        )
        self.rng.shuffle(wives)
        for i, with_method in enumerate(wives):
            reserve = len(wives) - i - 1
            home = self.family(
                migrant=False, with_method=with_method, budget=min(5, local_left - reserve)
            )
            local_left -= len(home.members)
            self.homes.append(home)
        deaths = q.deceased
        while local_left > 0:
            home = self.local_filler(local_left, widowed=deaths > 0)
            if deaths > 0:
                self.inactive.append((self.late_spouse(home), home))
                deaths -= 1
            local_left -= len(home.members)
            self.homes.append(home)

        migrant_homes = [h for h in self.homes if h.migrant] or self.homes
        for _ in range(q.departed if self.homes else 0):
            self.inactive.append((self.departed_migrant(), self.rng.choice(migrant_homes)))
        self._tenure()
        housing = Housing(self.gen, self.unit, grids, place)
        self.buildings = housing.place_homes(self.homes)
        housing.addresses(self.homes)
        for person, home in self.inactive:
            if person.status == PersonStatus.DECEASED:
                person.hukou_address = home.head.hukou_address
        self._incomplete_on_purpose()
        return self.homes

    def _tenure(self) -> None:
        """Migrants mostly rent; a few locals do too."""
        for home in self.homes:
            # Village homesteads belong to villagers: migrants there always rent.
            if (home.migrant and home.tenure == "own" and (self.village or self.chance(0.88))) or (
                not home.migrant and home.tenure == "own" and not self.village and self.chance(0.04)
            ):
                home.tenure = "rented"

    def _incomplete_on_purpose(self) -> None:
        """One adult migrant in 40 with a 八个清楚 fact still missing: the lists must show
        them (every 40th rather than a 2.5% chance, so that a small demo has a few too)."""
        for home in self.homes:
            if not home.migrant:
                continue
            for person in home.members:
                if age_on(person.birth_date, self.today) < 18:
                    continue
                self.gen.migrant_adults += 1
                if self.gen.migrant_adults % 40 != 20:
                    continue
                gap = self.gen.pick([("hukou", 3), ("employment", 3), ("flow", 2), ("children", 2)])
                if gap == "hukou":
                    person.hukou_address = ""
                elif gap == "employment":
                    person.employment, person.employer_name = "", ""
                elif gap == "flow":
                    person.flow_in_date, person.flow_in_reason = None, ""
                elif not person.children_count and not any(
                    c.parent is person for c in home.children
                ):
                    person.children_count = None
