"""Statistics per area and year for the generated town.

Counts are drawn so that they are consistent by construction: the four age bands are one
multinomial draw of ``pop_total`` (so they sum to it), every other group is a binomial draw out
of its total (so ``0 <= count <= total``), and the three tenure classes are a multinomial draw of
``dwellings_total``. Each area has a fixed *vulnerability* ``v`` in [0, 1]; the shares of people
born abroad, with low income and unemployed, and the share of rented dwellings rise with ``v``,
and drift slowly from year to year.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["STAT_COLUMNS", "YEARS", "make_statistics"]

YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023)

#: Columns of the statistics table, in order.
STAT_COLUMNS: tuple[str, ...] = (
    "area_id",
    "year",
    "pop_total",
    "age_0_5",
    "age_6_15",
    "age_16_64",
    "age_65_plus",
    "born_abroad",
    "low_income",
    "mean_wage_income_tkr",
    "unemployed_16_64",
    "dwellings_rental",
    "dwellings_tenant_owned",
    "dwellings_owner_occupied",
    "dwellings_total",
)

FloatArray = npt.NDArray[np.float64]

# Age shares (0-5, 6-15, 16-64, 65+) of a settled suburb and of a vulnerable estate.
_AGE_SETTLED = np.array([0.062, 0.118, 0.58, 0.24])
_AGE_VULNERABLE = np.array([0.095, 0.165, 0.63, 0.11])


def apartment_share(vulnerability: FloatArray, remoteness: FloatArray) -> FloatArray:
    """Share of dwellings in apartment blocks: high in the centre and in vulnerable estates."""
    return np.asarray(np.clip(0.95 - 0.85 * remoteness + 0.6 * vulnerability, 0.08, 0.98))


def make_statistics(
    rng: np.random.Generator,
    *,
    area_ids: list[str],
    vulnerability: FloatArray,
    remoteness: FloatArray,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Draw the statistics table (one row per area and year, sorted by area and year).

    Parameters
    ----------
    rng
        Random generator.
    area_ids
        Area codes.
    vulnerability
        Per area, 0 (well-off) to 1 (most vulnerable).
    remoteness
        Per area, 0 (centre) to 1 (edge of town).
    scale
        Multiplies the population (about 2 500 per area at 1.0).
    """
    n = len(area_ids)
    v = np.asarray(vulnerability, dtype=np.float64)
    c = np.asarray(remoteness, dtype=np.float64)
    pop_last = scale * np.clip(rng.normal(2500 + 500 * v, 420), 1400, 4200)
    growth = rng.uniform(0.002, 0.018, n) + 0.008 * v
    age_mix = (1 - v)[:, None] * _AGE_SETTLED + v[:, None] * _AGE_VULNERABLE
    age_mix = age_mix * np.exp(rng.normal(0.0, 0.07, size=age_mix.shape))
    abroad = np.clip(0.07 + 0.55 * v + rng.normal(0, 0.02, n), 0.02, 0.9)
    low_inc = np.clip(0.07 + 0.33 * v + rng.normal(0, 0.015, n), 0.02, 0.8)
    unemp = np.clip(0.025 + 0.16 * v + rng.normal(0, 0.006, n), 0.005, 0.5)
    wage = 335.0 - 175.0 * v + 25.0 * (1 - c) * (1 - v) + rng.normal(0, 12, n)
    persons_per_dwelling = 1.85 + 0.55 * c + 0.5 * v
    apt = apartment_share(v, c)
    rental_in_apt = np.clip(0.35 + 0.6 * v, 0, 0.97)

    frames = []
    last = YEARS[-1]
    for year in YEARS:
        back = last - year
        pop = np.round(pop_last / (1 + growth) ** back).astype(np.int64)
        ages = age_mix.copy()
        ages[:, 3] *= 1 - 0.012 * back * (1 - v)  # settled areas age slowly
        ages /= ages.sum(axis=1, keepdims=True)
        age_counts = rng.multinomial(pop, ages)
        drift = 1 - 0.02 * back
        dwellings = np.round(pop / persons_per_dwelling).astype(np.int64)
        tenure = np.stack([apt * rental_in_apt, apt * (1 - rental_in_apt), 1 - apt], axis=1)
        tenure_counts = rng.multinomial(dwellings, tenure)
        frames.append(
            pd.DataFrame(
                {
                    "area_id": area_ids,
                    "year": np.full(n, year, dtype=np.int64),
                    "pop_total": pop,
                    "age_0_5": age_counts[:, 0],
                    "age_6_15": age_counts[:, 1],
                    "age_16_64": age_counts[:, 2],
                    "age_65_plus": age_counts[:, 3],
                    "born_abroad": rng.binomial(pop, abroad * drift),
                    "low_income": rng.binomial(pop, low_inc),
                    "mean_wage_income_tkr": np.round(
                        wage * 1.03 ** (-back) + rng.normal(0, 2, n), 1
                    ),
                    "unemployed_16_64": rng.binomial(age_counts[:, 2], unemp * (1 + 0.03 * back)),
                    "dwellings_rental": tenure_counts[:, 0],
                    "dwellings_tenant_owned": tenure_counts[:, 1],
                    "dwellings_owner_occupied": tenure_counts[:, 2],
                    "dwellings_total": dwellings,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["area_id", "year"], kind="stable").reset_index(drop=True)
    for col in STAT_COLUMNS[2:]:
        if col != "mean_wage_income_tkr":
            table[col] = table[col].astype(np.int64)
    return table[list(STAT_COLUMNS)]
