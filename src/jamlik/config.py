"""Typed options shared by the library: travel profiles and engine defaults.

Default speeds and their sources
--------------------------------
* ``adult`` walks at 1.33 m/s (4.8 km/h): the mean walking speed of adults in field studies,
  e.g. Knoblauch, Pietrucha & Nitzburg (1996), "Field studies of pedestrian walking speed and
  start-up time", *Transportation Research Record* 1538, 27-38 (1.51 m/s for younger and
  1.25 m/s for older pedestrians; 1.33 m/s is the common planning value).
* ``child`` walks at 1.10 m/s: children aged about 6-12 walk more slowly and less steadily
  than adults; values of 1.0-1.2 m/s are reported in pedestrian crossing studies (e.g.
  Oxley et al. 2005, *Accident Analysis & Prevention* 37(5), 962-971).
* ``senior`` walks at 0.97 m/s: the 15th-percentile speed of older pedestrians in Knoblauch
  et al. (1996), the value used for signal timing for the elderly.
* ``wheelchair`` moves at 0.90 m/s and never uses steps: self-propelled manual wheelchair
  users average about 0.8-1.0 m/s in everyday settings (Tolerico et al. 2007, *Journal of
  Rehabilitation Research & Development* 44(4), 561-572).
* ``bike`` rides at 4.17 m/s (15 km/h): the design speed of everyday urban cycling in
  Swedish planning guidance (SKL/Trafikverket, *GCM-handbok*, 2010) and the usual default of
  accessibility tools.

Who a profile stands for
------------------------
``child`` and ``senior`` are people, not only speeds: their access is weighted by the pack's
number of children (``age_6_15``, the school ages who walk on their own) and older residents
(``age_65_plus``) per area, placed like the total population (``population_groups``). A pack
without these statistics falls back to everyone at the profile's speed, with a warning.

Steps (``highway=steps``) slow walkers: adults and children climb at half their speed, seniors
at a third; wheelchair users and cyclists do not use them. All values are configurable.

One walking speed everywhere
----------------------------
These profiles are the only place where a speed has a default, and the unit is m/s. Walk mode,
the walks of transit (to, from and between stops, crow-fly or on streets), timetable footpaths,
``od_travel_times`` and the CLI all take a profile (default :data:`DEFAULT_PROFILE`, the adult,
1.33 m/s = 4.79 km/h) and read its ``speed_m_s``; an explicit speed (``travel-times
--speed-kmh``, ``transit-times --walk-speed-kmh``) overrides it for one run. In transit the
profile's speed applies to every walk; steps are walked at their length (the street distance
graph), a simplification stated in :mod:`jamlik.routing.transit_walk`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jamlik.i18n import t

__all__ = ["DEFAULT_PROFILE", "DEFAULT_PROFILES", "WALK_PROFILES", "TravelProfile", "profile"]


class TravelProfile(BaseModel):
    """How one group of people moves on the street network.

    Parameters
    ----------
    name
        Profile name, used in column names (``adult``, ``child``, ``senior``, ...).
    mode
        ``walk`` or ``bike``: which street network the profile uses.
    speed_m_s
        Speed on ordinary streets, metres per second.
    steps
        ``"allow"`` (climb at ``steps_speed_factor`` × speed) or ``"forbid"``.
    steps_speed_factor
        Speed on steps as a share of ``speed_m_s``.
    population_groups
        The residents the profile stands for: population group columns in order of preference
        (the first one a pack has is used, e.g. ``age_6_15`` in the sample town and SCB's
        ``age_0_14`` in a fetched pack); empty: everyone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    mode: Literal["walk", "bike"] = "walk"
    speed_m_s: float = Field(gt=0, le=30)
    steps: Literal["allow", "forbid"] = "allow"
    steps_speed_factor: float = Field(default=0.5, gt=0, le=1)
    population_groups: tuple[str, ...] = ()

    @property
    def speed_kmh(self) -> float:
        """Speed in km/h."""
        return self.speed_m_s * 3.6


DEFAULT_PROFILES: dict[str, TravelProfile] = {
    p.name: p
    for p in (
        TravelProfile(name="adult", speed_m_s=1.33, steps_speed_factor=0.5),
        TravelProfile(
            name="child",
            speed_m_s=1.10,
            steps_speed_factor=0.5,
            population_groups=("age_6_15", "age_0_14"),
        ),
        TravelProfile(
            name="senior",
            speed_m_s=0.97,
            steps_speed_factor=1 / 3,
            population_groups=("age_65_plus",),
        ),
        TravelProfile(name="wheelchair", speed_m_s=0.90, steps="forbid"),
        TravelProfile(name="bike", mode="bike", speed_m_s=15 / 3.6, steps="forbid"),
    )
}


#: The profile used when none is named (walk speed of transit walks, OD tables).
DEFAULT_PROFILE = "adult"
#: The profiles that walk (the ones transit walks can use).
WALK_PROFILES = tuple(name for name, p in DEFAULT_PROFILES.items() if p.mode == "walk")


def profile(name: str) -> TravelProfile:
    """Return a default profile by name.

    Raises
    ------
    KeyError
        If no default profile has that name; the message lists the known names.
    """
    try:
        return DEFAULT_PROFILES[name]
    except KeyError:
        known = ", ".join(DEFAULT_PROFILES)
        raise KeyError(t("ingest.config.unknown_profile", name=name, known=known)) from None
