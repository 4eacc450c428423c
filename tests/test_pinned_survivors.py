"""Pinned: behaviours the mutation script (tests/mutation) found unguarded, each from the outside.

One section per module; each test names what a user would see go wrong.
"""

from __future__ import annotations

import base64
import warnings
from pathlib import Path

import httpx
import pytest

from providers.base import ProviderError
from providers.http import check_download_url, decode_b64_image, download_image, image_from_b64, raise_for_status, send
from tests.providers.loopback import png_bytes
from tests.test_blind_slots import _blind_session
from tui.core import credentials
from tui.core.model import Case, ChecklistItem, Preference, Run, RunError, Score, Session
from tui.scoring.agreement import agreement, fleiss_kappa, krippendorff_alpha
from tui.scoring.blind import blind_order, blind_views, mask_models, run_for_slot, slot_view
from tui.scoring.bradley_terry import fit, outcomes_of, rate, standard_errors
from tui.scoring.cluster import moments_interval, paired_difference, sign_flip_p, t975
from tui.scoring.paired import MIN_CASES, paired_comparisons
from tui.scoring.stats import Rate, item_rates


# -- tui/core/credentials.py ----------------------------------------------------------------------
def _insecure_warnings(action) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [w for w in caught if issubclass(w.category, credentials.InsecureCredentialsWarning)]


def test_a_lax_keys_file_is_warned_about_once_and_a_private_one_never(tmp_path: Path) -> None:
    private = tmp_path / "ok" / "credentials.toml"
    credentials.store_key("xai", "PLANTED-NOT-A-KEY-private", private)
    credentials._warned.discard(private)
    assert _insecure_warnings(lambda: [credentials.load_stored(private) for _ in range(3)]) == []
    lax = tmp_path / "lax" / "credentials.toml"
    credentials.store_key("xai", "PLANTED-NOT-A-KEY-lax", lax)
    lax.chmod(0o644)
    credentials._warned.discard(lax)
    (warning,) = _insecure_warnings(lambda: [credentials.load_stored(lax) for _ in range(3)])
    assert "mode 644" in str(warning.message)


# -- providers/http.py ----------------------------------------------------------------------------
def test_a_key_sent_in_the_query_string_is_redacted_from_the_error() -> None:
    key = "PLANTED-query-0123456789abcdef"
    url = f"https://generativelanguage.googleapis.com/v1beta/models/x:generateContent?alt=json&key={key}"
    request = httpx.Request("POST", url)
    body = {"error": {"message": f"API key not valid: {key}", "status": "INVALID_ARGUMENT"}}
    with pytest.raises(ProviderError) as info:
        raise_for_status(httpx.Response(400, json=body, request=request), "gemini")
    assert key[:8] not in info.value.message and "[redacted]" in info.value.message


def test_only_the_key_of_a_query_string_is_redacted_and_the_other_parameters_stay_readable() -> None:
    key = "PLANTED-query-0123456789abcdef"
    url = f"https://generativelanguage.googleapis.com/v1beta/models/x:predict?model=imagen-4.0-ultra&key={key}"
    body = {"error": {"message": f"imagen-4.0-ultra is not served to key {key}", "status": "PERMISSION_DENIED"}}
    with pytest.raises(ProviderError) as info:
        raise_for_status(httpx.Response(403, json=body, request=httpx.Request("POST", url)), "gemini")
    assert info.value.message.startswith("imagen-4.0-ultra is not served to key [redacted]")


@pytest.mark.parametrize(("size", "colour"), [((24, 16), (30, 120, 200)), ((8, 8), (30, 120, 200))])
def test_url_safe_base64_without_its_padding_is_the_image(size: tuple[int, int], colour: tuple[int, int, int]) -> None:
    # Some gateways send base64url (`-` and `_`) and drop the `=` padding, as JWTs do.
    png = png_bytes(size, colour)
    text = base64.urlsafe_b64encode(png).decode().rstrip("=")
    assert ("-" in text or "_" in text) and len(text) % 4  # the case under test: url-safe, padding needed
    image = image_from_b64(text)
    assert image.data == png and image.mime == "image/png"


def test_webp_is_known_by_its_riff_and_webp_marks_and_nothing_else() -> None:
    webp = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16
    assert image_from_b64(base64.b64encode(webp).decode()).mime == "image/webp"
    for other in (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16, b"SIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16):
        with pytest.raises(ProviderError, match="not a PNG, JPEG, WebP or GIF"):
            image_from_b64(base64.b64encode(other).decode())


def test_a_data_uri_that_is_not_base64_is_named_as_such() -> None:
    with pytest.raises(ProviderError, match="data URI that is not base64"):
        decode_b64_image("data:image/png," + base64.b64encode(png_bytes()).decode())


def test_plain_http_images_are_fetched_anywhere_only_when_the_configured_base_is_loopback() -> None:
    check_download_url("http://images.internal/a.png", trusted=("http://127.0.0.1:8080/v1",))
    for base in ("https://api.x.ai/v1", "http://gateway.lan:8080/v1"):
        with pytest.raises(ProviderError, match="plain http"):
            check_download_url("http://images.internal/a.png", trusted=(base,))


def _declaring(length: int, content_type: str) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": str(length), "content-type": content_type}, content=b"")

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def test_an_answer_declaring_more_than_256_mib_is_refused_unread() -> None:
    async with _declaring(256 * 1024 * 1024 + 1, "application/json") as client:
        with pytest.raises(ProviderError) as info:
            await send(client, "POST", "https://api.openai.com/v1/images/generations", provider="openai", json={})
    assert info.value.kind == "bad_response" and "268435457 bytes, over the 268435456 byte cap" in info.value.message


async def test_an_image_declaring_more_than_64_mib_is_refused_unread() -> None:
    async with _declaring(64 * 1024 * 1024 + 1, "image/png") as client:
        with pytest.raises(ProviderError) as info:
            await download_image(client, "http://127.0.0.1:9/a.png", provider="xai")
    assert info.value.kind == "bad_response" and "67108865 bytes, over the 67108864 byte cap" in info.value.message


def _redirecting() -> httpx.AsyncClient:
    """An image host where /a/N redirects to /a/N-1 and /a/0 is the image."""
    png = png_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        left = int(request.url.path.rsplit("/", 1)[1])
        if left:
            return httpx.Response(302, headers={"location": f"/a/{left - 1}"})
        return httpx.Response(200, headers={"content-type": "image/png"}, content=png)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize("hops", [0, 1, 3])
async def test_an_image_is_followed_through_up_to_three_redirects(hops: int) -> None:
    async with _redirecting() as client:
        image = await download_image(client, f"http://127.0.0.1:9/a/{hops}", provider="xai")
    assert image.data == png_bytes()


async def test_a_fourth_redirect_of_an_image_is_refused_by_name() -> None:
    async with _redirecting() as client:
        with pytest.raises(ProviderError) as info:
            await download_image(client, "http://127.0.0.1:9/a/4", provider="xai")
    assert info.value.kind == "bad_response" and "redirected more than 3 times" in info.value.message


# -- tui/scoring/blind.py -------------------------------------------------------------------------
def test_a_slot_letter_that_does_not_exist_is_not_some_other_slot() -> None:
    session = _blind_session()  # five runs: slots A to E
    assert run_for_slot(session, "k1", "e").id == blind_order(session, "k1")[4].id
    for label in ("F", "AB", "BA", ""):
        with pytest.raises(KeyError):
            run_for_slot(session, "k1", label)


def test_a_blind_view_names_an_error_kind_only_for_a_failed_run() -> None:
    session = _blind_session()
    session.runs[0].status, session.runs[0].error = "interrupted", RunError("interrupted", "quit")
    session.runs[1].status, session.runs[1].error = "failed", RunError("server", "HTTP 500")
    session.runs[2].status, session.runs[2].error = "failed", None
    views = {v.run_id: v for v in blind_views(session, "k1")}
    assert (views["r0"].state, views["r0"].error_kind) == ("pending", None)
    assert (views["r1"].state, views["r1"].error_kind) == ("failed", "server")
    assert (views["r2"].state, views["r2"].error_kind) == ("failed", None)


def test_model_names_of_three_characters_are_masked_and_shorter_ones_are_not() -> None:
    session = _blind_session()
    session.models = ["fal:abc", "p:xy"]
    assert mask_models("abc beat xy on ABC", session) == "[model] beat xy on [model]"


def test_the_slot_view_makes_each_repeat_a_slot_of_its_own() -> None:
    session = _blind_session()
    session.cases[0].repeats = 2
    for i, run in enumerate(session.runs):
        run.repeat = i % 2
    view = slot_view(session)
    assert [r.repeat for r in view.runs] == [0] * 5 and view.cases[0].repeats == 1
    assert sorted(r.model for r in view.runs) == [f"slot {c}" for c in "ABCDE"]


# -- tui/reports/export.py ------------------------------------------------------------------------
def test_an_export_is_indented_by_two_spaces_and_ends_with_a_newline(fast_demo) -> None:
    """Exports get committed and diffed: their layout stays the same from one version to the next."""
    from tui.core.compose import CaseSpec, SessionSpec, build_session
    from tui.core.context import Context
    from tui.reports.export import export_json

    ctx = Context()
    spec = SessionSpec(cases=[CaseSpec(prompt="a red cube")], models=["demo:mosaic"])
    data = export_json(build_session(spec, store=ctx.store, registry=ctx.registry, catalog=ctx.catalog), ctx.store)
    lines = data.decode().split("\n")
    assert lines[0] == "{" and lines[1].startswith('  "schema_version": ') and lines[-2:] == ["}", ""]
    assert any(line.startswith('    "id": ') for line in lines)


# -- tui/scoring/stats.py -------------------------------------------------------------------------
def _repeated_session() -> Session:
    case = Case(id="k1", prompt="a cat", checklist=[ChecklistItem("c1", "a cat"), ChecklistItem("c2", "orange")])
    runs = [Run(f"r{i}", "k1", "m:a", repeat=i, status="succeeded") for i in range(2)] + [
        Run("r9", "k1", "m:b", status="succeeded")
    ]
    case.repeats = 2
    scores = [Score("r0", "ann", {"c1": "pass", "c2": "pass"}), Score("r1", "ann", {"c1": "fail", "c2": "pass"})]
    return Session(id="s", name="s", created_at="2026-01-01T00:00:00Z", models=["m:a", "m:b"], cases=[case],
                   runs=runs, scores=scores)  # fmt: skip


def test_an_items_cell_counts_every_repeat_and_an_unscored_model_counts_nothing() -> None:
    first, second = item_rates(_repeated_session())
    assert (first.rates["m:a"].rate, first.rates["m:a"].units, first.rates["m:a"].cases) == (0.5, 2, 2)
    assert (second.rates["m:a"].rate, second.rates["m:a"].units) == (1.0, 2)
    empty = first.rates["m:b"]
    assert (empty.passed, empty.units, empty.scored, empty.rate) == (0.0, 0, 0, None)


def test_one_raters_figures_are_found_by_an_equal_name_not_the_same_object() -> None:
    session = _repeated_session()
    session.scores.append(Score("r0", "bob", {"c1": "fail", "c2": "fail"}))
    name = "".join(["an", "n"])  # typed by the user: equal to the stored name, another object
    (first, _) = item_rates(session, rater=name)
    assert first.rates["m:a"].rate == 0.5 and first.rates["m:a"].scored == 2


@pytest.mark.parametrize("shape", [[1, 1], [2, 1], [1, 1, 1], [3]])
def test_a_rate_from_summed_moments_is_the_rate_from_the_runs(shape: list[int]) -> None:
    """The session index keeps per-case sums, not runs: both must give the same figures, clusters included."""
    values = iter([(1.0, 2), (0.5, 2), (2.0, 2), (0.0, 1), (1.0, 1), (1.5, 2)])
    clusters = tuple(tuple(next(values) for _ in range(runs)) for runs in shape)

    def moments(runs: tuple[tuple[float, int], ...]) -> tuple[float, float, int, float, float, float]:
        return (sum(s for s, _ in runs), float(sum(n for _, n in runs)), len(runs), sum(s * s for s, _ in runs),
                sum(s * n for s, n in runs), float(sum(n * n for _, n in runs)))  # fmt: skip

    by_runs = Rate.clustered(clusters, 10)
    by_sums = Rate.from_moments(tuple(sorted(moments(c) for c in clusters)), 10)
    assert by_sums == by_runs and by_sums.cases == (len(shape) if len(shape) > 1 else shape[0])


# -- tui/scoring/cluster.py -----------------------------------------------------------------------
def test_the_t_quantile_is_the_table_to_1e9_and_past_it_within_its_stated_1e4_everywhere() -> None:
    import scipy.stats as sps

    for df in range(1, 31):
        assert t975(df) == pytest.approx(sps.t.ppf(0.975, df), abs=1e-9), df
    worst = max(abs(t975(df) - sps.t.ppf(0.975, df)) for df in range(31, 2001))
    assert worst < 1e-4


def test_the_small_sample_factor_applies_to_several_cases_and_a_single_case_has_none() -> None:
    a = [[(3.0, 4)], [(1.0, 4)], [(4.0, 4)]]
    b = [[(2.0, 4)], [(2.0, 4)], [(1.0, 4)]]
    _, plain = paired_difference(a, b, small_sample=False)
    _, corrected = paired_difference(a, b)
    assert corrected == pytest.approx(plain * 3 / 2) and plain > 0  # one run per case: all of it is between cases
    diff, var = paired_difference(a[:1], b[:1])
    assert diff == pytest.approx(0.25) and var == 0.0


def test_a_case_without_units_changes_no_interval() -> None:
    cases = [(3.0, 4.0, 1, 9.0, 12.0, 16.0), (1.0, 4.0, 1, 1.0, 4.0, 16.0)]
    assert moments_interval([*cases, (0.0, 0.0, 0, 0.0, 0.0, 0.0)]) == moments_interval(cases)


def test_past_the_exact_limit_a_one_sided_pattern_is_still_rare() -> None:
    assert sign_flip_p([0.1] * 20) < 0.001  # exact: 2 / 2**20


# -- tui/scoring/bradley_terry.py -----------------------------------------------------------------
def test_with_the_prior_ratings_and_errors_are_statsmodels_with_the_virtual_games_added() -> None:
    """The prior is ``prior`` virtual games per model, half won and half lost, against an opponent fixed at 0:
    a weighted logistic regression with one extra row of each per model, which statsmodels can fit too."""
    import numpy as np
    import statsmodels.api as sm

    models = ["A", "B", "C"]
    rng = np.random.default_rng(3)
    outcomes = [(str(a), str(b), float(rng.random() < 0.7)) for a, b in (rng.choice(models, 2, replace=False)
                for _ in range(60))]  # fmt: skip
    rows, ys, weights = [], [], []
    for a, b, s in outcomes:
        rows.append([(m == a) - (m == b) for m in models])
        ys.append(s)
        weights.append(1.0)
    for m in models:
        for y in (1.0, 0.0):
            rows.append([float(m == other) for other in models])
            ys.append(y)
            weights.append(0.5)
    ref = sm.GLM(np.array(ys), np.array(rows, dtype=float), family=sm.families.Binomial(),
                 var_weights=np.array(weights)).fit(tol=1e-12)  # fmt: skip
    theta, converged, _ = fit(outcomes, models, prior=1.0)
    centred = ref.params - ref.params.mean()
    assert converged and [theta[m] for m in models] == pytest.approx(list(centred), abs=1e-7)
    centre = np.eye(3) - 1 / 3
    se_ref = np.sqrt(np.diag(centre @ ref.cov_params() @ centre.T))
    se = standard_errors(outcomes, theta, prior=1.0)
    assert [se[m] for m in models] == pytest.approx(list(se_ref), rel=1e-5)


def test_ratings_and_their_bounds_are_given_to_a_tenth_of_a_point() -> None:
    result = rate([("A", "B", 1.0)] * 7 + [("B", "A", 1.0)] * 3 + [("A", "C", 0.5)] * 4)
    for r in result.ratings:
        for value in (r.rating, r.low, r.high):
            assert value == round(value, 1)
    for bound in ("rating", "low", "high"):  # (not whole numbers either)
        assert any(getattr(r, bound) != round(getattr(r, bound)) for r in result.ratings), bound


def test_a_vote_between_two_runs_of_one_model_is_not_counted_in_a_session_read_from_disk() -> None:
    import msgspec

    runs = [Run("r1", "k", "m:a", status="succeeded"), Run("r2", "k", "m:a", status="succeeded", repeat=1),
            Run("r3", "k", "m:b", status="succeeded")]  # fmt: skip
    prefs = [Preference("k", "ann", "r1", "r2", "a"), Preference("k", "ann", "r1", "r3", "a")]
    session = Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a", "m:b"],
                      cases=[Case(id="k", prompt="x")], runs=runs, preferences=prefs)  # fmt: skip
    loaded = msgspec.json.decode(msgspec.json.encode(session), type=Session)  # model names: fresh strings
    assert outcomes_of(loaded) == [("m:a", "m:b", 1.0)]


# -- tui/scoring/agreement.py ---------------------------------------------------------------------
def test_fleiss_takes_two_ratings_a_unit_and_refuses_one() -> None:
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    table = [[2, 0, 0], [1, 1, 0], [0, 2, 0], [0, 1, 1], [0, 0, 2], [2, 0, 0]]
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss(table, method="fleiss"))
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 0], [0, 1]])


def test_alpha_of_a_single_pair_is_the_krippendorff_packages() -> None:
    import krippendorff
    import numpy as np

    reference = krippendorff.alpha(reliability_data=np.array([[0.0], [2.0]]), level_of_measurement="nominal")
    assert krippendorff_alpha([["fail", "pass"]]) == pytest.approx(reference)


def test_a_disagreement_names_its_own_items_criterion_in_a_session_read_from_disk() -> None:
    import msgspec

    c1, c2, c3 = (f"{n}-a-checklist-item-id-long-enough-not-to-be-cached" for n in ("c1", "c2", "c3"))
    items = [ChecklistItem(c2, "a cat"), ChecklistItem(c1, "orange"), ChecklistItem(c3, "on the left")]
    case = Case(id="k", prompt="x", checklist=items)
    scores = [Score("r1", "ann", {c1: "pass", c2: "pass", c3: "fail"}),
              Score("r1", "bob", {c1: "fail", c2: "pass", c3: "pass"})]  # fmt: skip
    session = Session(id="s", name="t", created_at="2026-01-01T00:00:00Z", models=["m:a"], cases=[case],
                      runs=[Run("r1", "k", "m:a", status="succeeded")], scores=scores)  # fmt: skip
    loaded = msgspec.json.decode(msgspec.json.encode(session), type=Session)  # item ids: fresh strings
    found = {d.item_id: d.criterion for d in agreement(loaded).disagreements}
    assert found == {c1: "orange", c3: "on the left"}


# -- tui/scoring/paired.py ------------------------------------------------------------------------
def test_with_one_run_a_case_the_paired_interval_is_the_paired_t_interval() -> None:
    """One run per case and one rater: the two-stage variance is the case differences' variance over g, so the
    interval is the textbook paired t interval (scipy's ttest_rel), df g − 1."""
    from scipy.stats import ttest_rel

    from tests.test_paired import _session

    a = ["pppf", "ppff", "pppp", "pfff", "pppf"]
    b = ["pfff", "ppff", "ppff", "ffff", "pfff"]
    (ab,) = paired_comparisons(_session({"m:a": [[x] for x in a], "m:b": [[x] for x in b]}))
    rates = [[x.count("p") / 4 for x in side] for side in (a, b)]
    ci = ttest_rel(*rates).confidence_interval(0.95)
    assert (ab.low, ab.high) == (pytest.approx(ci.low, abs=1e-4), pytest.approx(ci.high, abs=1e-4))
    assert ab.low > -1 and ab.high < 1  # not at the caps


def test_paired_figures_are_kept_to_four_places_and_the_interval_within_minus_one_to_one() -> None:
    from tests.test_paired import _session

    (ab,) = paired_comparisons(_session({"m:a": [["pppp"], ["pppp"]], "m:b": [["ffff"], ["pfff"]]}))
    assert ab.high == 1.0 and ab.low < ab.difference == 0.875
    (ab,) = paired_comparisons(_session({"m:a": [["pppp"], ["ffff"], ["ffff"]], "m:b": [["pfff"]] * 3}))
    assert (ab.rate_a, ab.rate_b, ab.difference) == (0.3333, 0.25, 0.0833)


def test_how_many_more_cases_counts_from_the_cases_already_shared() -> None:
    from tests.test_paired import _session

    (ab,) = paired_comparisons(_session({"m:a": [["pppp"], ["pppf"], ["pppp"]], "m:b": [["pfff"], ["ffff"], ["ppff"]]}))
    more = max(ab.cases_needed, MIN_CASES) - 3
    assert more > 0 and ab.more_cases == f"about {more} more"
