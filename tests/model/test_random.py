"""Keyed randomness: a pure function of (seed, replicate, day, actor, purpose)."""

import numpy as np
from scipy import stats

from sim.model import random as rnd


def test_same_key_same_number_whatever_the_neighbours():
    keys_all = rnd.replicate_keys(42, np.arange(1000))
    keys_one = rnd.replicate_keys(42, np.array([737]))
    a = rnd.uniform(keys_all, 100, rnd.US, rnd.Purpose.US_RESPOND)
    b = rnd.uniform(keys_one, 100, rnd.US, rnd.Purpose.US_RESPOND)
    assert a[737] == b[0]


def test_each_key_part_changes_the_number():
    k = rnd.replicate_keys(1, np.arange(5000))
    base = rnd.uniform(k, 10, rnd.IRAN, rnd.Purpose.ATTACKS)
    others = [rnd.uniform(rnd.replicate_keys(2, np.arange(5000)), 10, rnd.IRAN,
                          rnd.Purpose.ATTACKS),
              rnd.uniform(k, 11, rnd.IRAN, rnd.Purpose.ATTACKS),
              rnd.uniform(k, 10, rnd.US, rnd.Purpose.ATTACKS),
              rnd.uniform(k, 10, rnd.IRAN, rnd.Purpose.THEATRE)]
    for o in others:
        assert (o != base).mean() > 0.999
        assert abs(np.corrcoef(o, base)[0, 1]) < 0.05


def test_uniform_range_and_distribution():
    u = rnd.uniform(rnd.replicate_keys(7, np.arange(200_000)), 3, rnd.ISRAEL, 5)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 0.001


def test_group_actor_array_matches_scalar_actor():
    k = rnd.replicate_keys(3, np.arange(10))
    grid = rnd.uniform(k[:, None], 5, rnd.MILITIA + np.arange(4), rnd.Purpose.ATTACKS)
    for g in range(4):
        col = rnd.uniform(k, 5, rnd.MILITIA + g, rnd.Purpose.ATTACKS)
        np.testing.assert_array_equal(grid[:, g], col)


def test_poisson_quantile_has_the_right_mean_and_is_monotone_in_rate():
    u = rnd.uniform(rnd.replicate_keys(5, np.arange(100_000)), 0, 0, 0)
    for lam in (0.05, 0.7, 3.0, 25.0):
        x = rnd.poisson(np.full(u.size, lam), u)
        assert abs(x.mean() - lam) < 4 * np.sqrt(lam / u.size) + 1e-3
        assert abs(x.var() - lam) < 0.05 * lam + 0.01
    lo = rnd.poisson(np.full(u.size, 0.4), u)
    hi = rnd.poisson(np.full(u.size, 0.9), u)
    assert (hi >= lo).all()


def test_poisson_of_zero_rate_is_zero():
    u = np.array([0.0, 0.5, 0.999999])
    assert (rnd.poisson(np.zeros(3), u) == 0).all()


def test_tabulated_poisson_equals_the_elementwise_recurrence():
    u = rnd.uniform(rnd.replicate_keys(9, np.arange(5000)), 1, 2, 3)
    for lam in (0.3, 4.0, 60.0):
        many = rnd.poisson(np.full(u.size, lam), u)  # one rate: the table path
        one_by_one = np.array([rnd.poisson(np.array([lam]), u[i:i + 1])[0]
                               for i in range(0, u.size, 37)])
        np.testing.assert_array_equal(many[::37], one_by_one)


def test_negative_binomial_matches_scipy_and_is_monotone_in_mean():
    keys = rnd.replicate_keys(11, np.arange(200_000))
    u = rnd.uniform(keys, 0, rnd.US, rnd.Purpose.WOUNDED)
    for mean, shape in ((9.3, 1.0), (9.3, 0.6), (2.0, 3.0)):
        x = rnd.negative_binomial(np.full(u.size, mean), np.full(u.size, shape), u)
        p = shape / (shape + mean)
        assert abs(x.mean() - mean) < 0.02 * mean
        assert abs(x.var() / stats.nbinom.var(shape, p) - 1) < 0.05
        # the tail a Poisson count of the same mean cannot have (a wounding attack that
        # wounds dozens, as at al-Tanf on 18 Oct 2023)
        assert abs((x >= 25).mean() - stats.nbinom.sf(24, shape, p)) < 0.01
        # inverse transform: exactly scipy's quantile, away from ties at the CDF steps
        np.testing.assert_array_equal(x[:2000], stats.nbinom.ppf(u[:2000], shape, p))
    lo = rnd.negative_binomial(np.full(u.size, 4.0), np.ones(u.size), u)
    hi = rnd.negative_binomial(np.full(u.size, 9.0), np.ones(u.size), u)
    assert (hi >= lo).all() and (hi > lo).any()


def test_negative_binomial_of_mixed_pairs_equals_each_pair_alone():
    """Grouping by distinct (mean, shape) gives every element the count it would get alone,
    so a replicate's wounds do not depend on what runs beside it."""
    u = rnd.uniform(rnd.replicate_keys(13, np.arange(3000)), 1, 2, 3)
    h = 1 + np.arange(u.size) % 4  # wounding attacks of the day: 1-4
    mean, shape = h * np.where(np.arange(u.size) % 3 == 0, 9.3, 5.0), h * 1.0
    mixed = rnd.negative_binomial(mean, shape, u)
    alone = np.array([rnd.negative_binomial(mean[i:i + 1], shape[i:i + 1], u[i:i + 1])[0]
                      for i in range(0, u.size, 7)])
    np.testing.assert_array_equal(mixed[::7], alone)
    assert len(set(zip(mean.tolist(), shape.tolist()))) == 8


def test_negative_binomial_without_overdispersion_or_mean_is_poisson_or_zero():
    u = rnd.uniform(rnd.replicate_keys(12, np.arange(5000)), 1, 2, 3)
    lam = np.linspace(0.0, 20.0, u.size)
    np.testing.assert_array_equal(rnd.negative_binomial(lam, np.full(u.size, np.inf), u),
                                  rnd.poisson(lam, u))
    shape = np.where(np.arange(u.size) % 2 == 0, np.inf, 1.0)  # some Poisson, some not
    both = rnd.negative_binomial(lam, shape, u)
    np.testing.assert_array_equal(both[::2], rnd.poisson(lam[::2], u[::2]))
    assert (rnd.negative_binomial(np.zeros(u.size), np.zeros(u.size), u) == 0).all()
    # a mean beyond what kmax can count is capped at kmax, as poisson is
    assert rnd.negative_binomial(np.array([5000.0]), np.array([1e4]), u[:1])[0] == 400
