"""The recipes, the budget, the model registry and fit (on tiny data standing in for
Fashion-MNIST)."""

import dataclasses

import pytest
import torch
from torch import nn

from cnnbook import recipes
from cnnbook.models import MODELS
from cnnbook.recipes import BUDGETS, RECIPES, FitResult, Recipe, default_budget, fit, recipe
from cnnbook.train import History


def test_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CNNBOOK_BUDGET", "full")
    assert default_budget() == "full" and recipe("lenet").budget == "full"
    monkeypatch.setenv("CNNBOOK_BUDGET", "cpu")
    assert default_budget() == "cpu" and recipe("vgg").budget == "cpu"
    monkeypatch.setenv("CNNBOOK_BUDGET", "smoke")
    assert recipe("alexnet").budget == "smoke"
    monkeypatch.setenv("CNNBOOK_BUDGET", "huge")
    with pytest.raises(ValueError, match="CNNBOOK_BUDGET must be one of .*got 'huge'"):
        default_budget()
    monkeypatch.delenv("CNNBOOK_BUDGET")
    if not torch.cuda.is_available():
        assert default_budget() == "cpu"


def test_the_default_budget_on_cuda_follows_the_gpu(monkeypatch):
    monkeypatch.delenv("CNNBOOK_BUDGET", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    for capability, expected in [((7, 5), "gpu"), ((8, 0), "full"), ((9, 0), "full")]:
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda c=capability: c)
        assert default_budget() == expected, capability


def test_the_smoke_budget_is_a_few_batches_of_one_epoch():
    for name in RECIPES:
        r = recipe(name, "smoke")
        assert r.num_epochs == 1 and r.num_train <= 512, r


def test_every_model_has_a_recipe_per_budget_and_builds():
    assert set(MODELS) == set(RECIPES)
    for name in MODELS:
        assert set(RECIPES[name]) == set(BUDGETS)
        for which in BUDGETS:
            r = recipe(name, which)
            assert isinstance(r, Recipe) and (r.model, r.budget) == (name, which)
        size = recipe(name, "cpu").resize or 28
        assert MODELS[name]()(torch.zeros(2, 1, size, size)).shape == (2, 10), name


def test_full_recipes_are_d2ls():
    assert (recipe("lenet", "full").lr, recipe("lenet", "full").num_epochs) == (0.9, 10)
    for name in ("alexnet", "vgg"):
        r = recipe(name, "full")
        assert (r.resize, r.optimizer, r.num_epochs, r.num_train) == (224, "sgd", 10, None)


def test_the_cpu_recipes_of_alexnet_and_vgg_share_their_training_choices():
    for name in ("alexnet", "vgg"):
        r = recipe(name, "cpu")
        choices = (r.optimizer, r.schedule, r.label_smoothing, r.bf16, r.init)
        assert choices == ("adam", "onecycle", 0.1, True, "kaiming"), choices
        assert r.num_epochs == 1 and r.num_train < 60_000 and r.batch_size == 128
    # each network's smallest input: AlexNet's windows need 65 px, VGG's five halvings 32
    assert (recipe("alexnet", "cpu").resize, recipe("vgg", "cpu").resize) == (65, 32)


def test_a_recipe_is_frozen_and_checked():
    r = recipe("alexnet", "cpu")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.lr = 1.0
    assert Recipe(**r.as_dict()) == r
    for change, error, message in [
        (dict(num_epochs=1.5), TypeError, "num_epochs must be an int >= 1, got 1.5"),
        (dict(num_epochs=0), ValueError, "num_epochs must be at least 1"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an int"),
        (dict(lr=float("inf")), ValueError, "lr must be a finite number > 0"),
        (dict(resize=0), ValueError, "resize must be at least 1"),
        (dict(num_train=True), TypeError, "num_train must be an int"),
        (dict(optimizer="lbfgs"), ValueError, "optimizer must be one of"),
        (dict(budget="huge"), ValueError, "budget must be one of"),
        (dict(model="resnet"), ValueError, r"model must be one of \(.*'alexnet'.*got 'resnet'"),
        (dict(schedule="step"), ValueError, "schedule must be one of"),
        (dict(label_smoothing=-0.1), ValueError, "label_smoothing must be a finite number in"),
        (dict(bf16=1), TypeError, "bf16 must be True or False"),
        (dict(init="auto"), ValueError, r"init must be one of \('xavier', 'kaiming'\)"),
    ]:
        with pytest.raises(error, match=message):
            dataclasses.replace(r, **change)


def test_recipe_names_what_it_knows():
    with pytest.raises(ValueError, match=r"name must be one of .*'alexnet'.*got 'resnet'"):
        recipe("resnet")
    with pytest.raises(ValueError, match="budget must be one of"):
        recipe("lenet", "huge")
    with pytest.raises(TypeError, match="budget must be one of"):
        recipe("lenet", 1)


class FakeData:
    """Stands for load_fashion_mnist: records its arguments, returns small separable batches."""

    def __init__(self):
        self.calls = []

    def __call__(self, batch_size, resize=None, root=None, *, seed=0, device=None, num_train=None,
                 num_test=None):  # fmt: skip
        self.calls.append(dict(batch_size=batch_size, resize=resize, seed=seed, device=device,
                               num_train=num_train))  # fmt: skip
        g = torch.Generator().manual_seed(seed)
        y = torch.randint(0, 10, (num_train,), generator=g)
        X = torch.rand(num_train, 1, resize, resize, generator=g) * 0.1
        X[torch.arange(num_train), 0, y, 0] = 1.0  # the class is the bright row
        batches = [(X[i : i + batch_size], y[i : i + batch_size])
                   for i in range(0, num_train, batch_size)]  # fmt: skip
        return batches, batches


@pytest.fixture
def tiny(monkeypatch):
    """Model "lenet" as a tiny linear net with a tiny recipe on fake data."""
    fake = FakeData()
    monkeypatch.setattr(recipes, "load_fashion_mnist", fake)
    monkeypatch.setitem(MODELS, "lenet", lambda: nn.Sequential(nn.Flatten(), nn.Linear(100, 10)))
    small = Recipe("lenet", "cpu", batch_size=32, num_epochs=2, lr=0.5, resize=10, num_train=256)
    monkeypatch.setitem(RECIPES, "lenet", {"cpu": small, "full": small})
    return fake


def test_fit_loads_the_recipes_data_builds_the_model_and_trains_it(tiny):
    result = fit("lenet", "cpu", device="cpu", seed=3, progress=False, verbose=False)
    assert isinstance(result, FitResult) and result.recipe is RECIPES["lenet"]["cpu"]
    assert tiny.calls == [dict(batch_size=32, resize=10, seed=3, device=torch.device("cpu"),
                               num_train=256)]  # fmt: skip
    assert len(result.history.test_acc) == 2 and result.history.test_acc[-1] > 0.5
    assert result.history.stopped is None and result.device == torch.device("cpu")
    assert len(result.train_iter) == 8 and isinstance(result.net, nn.Sequential)


def test_fit_follows_given_settings_instead_of_the_books_recipe(tiny):
    variant = dataclasses.replace(RECIPES["lenet"]["cpu"], batch_size=64, num_epochs=1)
    result = fit("lenet", device="cpu", settings=variant, progress=False, verbose=False)
    assert result.recipe is variant and len(result.history.test_acc) == 1
    assert tiny.calls[-1]["batch_size"] == 64
    for wrong in (dataclasses.replace(variant, model="vgg"), variant.as_dict()):
        with pytest.raises(TypeError, match="settings must be a Recipe for model 'lenet'"):
            fit("lenet", device="cpu", settings=wrong, progress=False, verbose=False)


def test_fit_trains_a_given_network_and_keeps_trained_ones_unless_told(tiny):
    net = nn.Sequential(nn.Flatten(), nn.Linear(100, 10))
    assert fit("lenet", device="cpu", net=net, progress=False, verbose=False).net is net
    with pytest.raises(ValueError, match="init must be None"):
        fit("lenet", device="cpu", net=net, progress=False, verbose=False)
    more = fit("lenet", device="cpu", net=net, init=None, progress=False, verbose=False)
    assert more.net is net


def test_fit_checks_its_arguments_before_loading_anything(tiny):
    for kwargs, error in [
        (dict(name="resnet"), ValueError),
        (dict(name="lenet", budget="huge"), ValueError),
        (dict(name="lenet", device=0.5), TypeError),
        (dict(name="lenet", seed=1.5), TypeError),
        (dict(name="lenet", device="abacus"), ValueError),
        (dict(name="lenet", net="lenet"), TypeError),
    ]:
        with pytest.raises(error):
            fit(**kwargs)
    assert tiny.calls == []


def test_an_unknown_model_in_a_recipe_is_named_before_any_data_is_loaded(tiny):
    with pytest.raises(ValueError, match=r"model must be one of .* got 'resnet'"):
        fit("resnet", settings=Recipe("resnet", "cpu", batch_size=8, num_epochs=1, lr=0.1))
    assert tiny.calls == []


def test_batch_norm_with_a_last_batch_of_one_is_refused_before_training(monkeypatch):
    """fit("lenet-modern") with 129 examples in batches of 128: refused, nothing trained."""
    fake = FakeData()
    monkeypatch.setattr(
        recipes, "load_fashion_mnist", lambda *a, **k: fake(*a, **{**k, "resize": 28})
    )
    settings = Recipe("lenet-modern", "cpu", batch_size=128, num_epochs=1, lr=0.01,
                      optimizer="adam", num_train=129)  # fmt: skip
    with pytest.raises(ValueError, match="single example when net has batch normalisation"):
        fit("lenet-modern", settings=settings, device="cpu", progress=False, verbose=False)


def test_a_fresh_network_starts_from_the_recipes_initialisation(tiny, monkeypatch):
    seen = []
    monkeypatch.setattr(
        recipes, "train_net", lambda *a, **k: seen.append(k["init"]) or History("cpu")
    )
    variant = dataclasses.replace(RECIPES["lenet"]["cpu"], init="kaiming")
    fit("lenet", device="cpu", settings=variant)
    fit("lenet", device="cpu", settings=variant, init=None)
    trained = nn.Linear(1, 1)
    setattr(trained, recipes.TRAINED, True)
    fit("lenet", device="cpu", settings=variant, net=trained)  # train_net refuses "auto" there
    assert seen == ["kaiming", None, "auto"]
