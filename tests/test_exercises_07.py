"""Notebook 07's checkers and the batch-normalization figure."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lib import check_layer
from gradcheck_lib import layers as L
from gradcheck_lib.exercises import (
    ExerciseError,
    check_batchnorm_backward,
    check_faulty_layer,
    mystery_model,
)
from gradcheck_lib.exercises.layers import MYSTERY_BUGS, LayerModel

BATCHNORM_BUGS = [bug for bug in L.LAYER_CATALOG.values() if bug.layer == "batchnorm"]

# ------------------------------------------------------------------------- Exercise 7.1


def test_the_reference_batchnorm_backward_passes():
    assert "Exercise 7.1 ✓" in check_batchnorm_backward(L.batchnorm_backward)


@pytest.mark.parametrize("bug", BATCHNORM_BUGS, ids=[bug.name for bug in BATCHNORM_BUGS])
def test_each_catalog_mistake_is_named(bug):
    with pytest.raises(ExerciseError) as caught:
        check_batchnorm_backward(lambda dout, cache: L.batchnorm_backward(dout, cache, bugs=[bug]))
    message = str(caught.value)
    assert bug.title in message and bug.hint in message
    assert f"your {bug.replaces if bug.replaces == 'dgamma' else 'dx'} is wrong" in message


def test_an_unnamed_mistake_is_described_by_check_layer():
    def slightly_off(dout, cache):
        dx, dgamma, dbeta = L.batchnorm_backward(dout, cache)
        return dx, dgamma, 1.5 * dbeta

    with pytest.raises(ExerciseError, match=r"your dbeta is wrong .*check_layer says .*1\.50×"):
        check_batchnorm_backward(slightly_off)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda dout, cache: None, "returned None"),
        (lambda dout, cache: L.batchnorm_backward(dout, cache)[:2], "of 2 items"),
        (lambda dout, cache: (dout, dout, dout), r"your dgamma has shape .*axis=0"),
        (
            lambda dout, cache: (lambda dx, dg, db: (dx, db, dg))(
                *L.batchnorm_backward(dout, cache)
            ),
            "swapped",
        ),
        (lambda dout, cache: 1 / 0, "raised ZeroDivisionError"),
    ],
    ids=["none", "two", "shape", "swapped", "crash"],
)
def test_malformed_answers_get_a_plain_message(answer, message):
    with pytest.raises(ExerciseError, match=message):
        check_batchnorm_backward(answer)


def test_the_stub_goes_through_unchanged():
    def stub(dout, cache):
        raise NotImplementedError("Exercise 7.1: write the backward pass")

    with pytest.raises(NotImplementedError, match="Exercise 7.1"):
        check_batchnorm_backward(stub)


def test_an_answer_that_only_fits_the_notebooks_minibatch_fails():
    notebook = L.example_inputs("batchnorm")
    out, cache = L.batchnorm_forward(*notebook.values())
    dout = np.random.default_rng(0).standard_normal(out.shape)
    memorized = L.batchnorm_backward(dout, cache)

    def special_cased(dout, cache):
        if dout.shape == (6, 3):
            return memorized
        xc, std, xhat, gamma = cache
        return dout * gamma / std, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)

    assert check_layer(L.batchnorm_forward, special_cased, notebook).passed
    with pytest.raises(ExerciseError, match="your dx is wrong"):
        check_batchnorm_backward(special_cased)


# ------------------------------------------------------------------------- Exercise 7.2


@pytest.mark.parametrize("seed", range(len(MYSTERY_BUGS)))
def test_only_checking_each_layer_finds_the_faulty_one(seed):
    model = mystery_model(seed)
    network = model.check()
    assert network.verdict == "critical"
    failing = [
        name
        for name in model.layer_names
        if not check_layer(
            model.forward_of(name), model.backward_of(name), model.layer_inputs(name)
        ).passed
    ]
    assert failing == [model._faulty]
    # the network-level check does not name the culprit: its own parameters are fine
    own = {"affine2": {"W2", "b2"}, "batchnorm": {"gamma", "beta"}}.get(model._faulty, set())
    assert not own & set(network.diagnosis)
    assert {"W1", "b1"} <= set(network.diagnosis)


def test_a_model_without_bugs_passes_both_checks():
    model = LayerModel("none", "", seed=3)
    assert model.check().passed and model.check().diagnosis == {}
    for name in model.layer_names:
        inputs = model.layer_inputs(name)
        assert check_layer(model.forward_of(name), model.backward_of(name), inputs).passed


def test_layer_inputs_are_copies_and_name_the_layers():
    model = mystery_model(2)
    inputs = model.layer_inputs("affine1")
    inputs["x"][...] = 0
    assert model.X.any()
    assert list(model.layer_inputs("softmax")) == ["x", "y"]
    with pytest.raises(KeyError, match="affine1, relu|'affine1', 'relu'"):
        model.layer_inputs("conv")


@pytest.mark.parametrize("seed", range(len(MYSTERY_BUGS)))
def test_the_faulty_layer_checker_accepts_the_culprit_and_explains_a_wrong_guess(seed):
    model = mystery_model(seed)
    assert "Exercise 7.2 ✓" in check_faulty_layer(model._faulty, model)
    with pytest.raises(ExerciseError, match="affine1's own check is .*excellent.*from above"):
        check_faulty_layer("affine1", model)
    with pytest.raises(ExerciseError, match="not a layer of the model"):
        check_faulty_layer("W1", model)
    with pytest.raises(NotImplementedError, match="Exercise 7.2"):
        check_faulty_layer(None, model)


# ------------------------------------------------------------------------------ the figure


def test_the_batchnorm_graph_shows_every_backward_line_and_three_named_paths():
    from gradcheck_lib.plots import batchnorm_graph_figure, render_png

    figure = batchnorm_graph_figure()
    texts = " ".join(text.get_text() for text in figure.axes[0].texts)
    for name in ("dbeta", "dgamma", "dxhat", "dstd", "dvar", "dmu"):
        symbol = {
            "dbeta": r"d\beta",
            "dgamma": r"d\gamma",
            "dxhat": r"d\hat{x} =",
            "dstd": "ds =",
            "dvar": r"d\sigma^2 =",
            "dmu": r"d\mu =",
        }[name]
        assert symbol in texts, name
    legend = figure.legends[0]
    labels = [text.get_text() for text in legend.get_texts()]
    assert len(labels) == 3 and all("through" in label for label in labels)
    styles = {handle.get_linestyle() for handle in legend.legend_handles}
    assert len(styles) == 3  # told apart without colour
    assert render_png(figure)[:8] == b"\x89PNG\r\n\x1a\n"
