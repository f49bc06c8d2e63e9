"""Registry: register/build/available/load_user_models."""

import pytest

from regbench.models import registry

USER_FILE = '''
import torch
from regbench.models.registry import register

@register("user_tiny_test_model")
def build(n_tracks=2, input_length=64):
    m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(input_length * 4, n_tracks))
    m.input_length, m.output_bin_size, m.n_tracks = input_length, None, n_tracks
    return m
'''


def test_load_user_models_and_build(tmp_path):
    f = tmp_path / "my_models.py"
    f.write_text(USER_FILE)
    added = registry.load_user_models(f)
    assert added == ["user_tiny_test_model"]
    assert "user_tiny_test_model" in registry.available()
    m = registry.build("user_tiny_test_model", n_tracks=3)
    assert m.n_tracks == 3 and m.output_bin_size is None
    with pytest.raises(TypeError, match="unknown hyper-parameter"):
        registry.build("user_tiny_test_model", bogus=1)


def test_unknown_name_lists_available():
    with pytest.raises(KeyError, match="available"):
        registry.build("no_such_model")


def test_duplicate_name_rejected():
    @registry.register("dup_test_model")
    def a():
        pass

    with pytest.raises(ValueError):

        @registry.register("dup_test_model")
        def b():
            pass


def test_missing_contract_attributes():
    import torch

    @registry.register("no_attr_test_model")
    def c():
        return torch.nn.Linear(1, 1)

    with pytest.raises(TypeError, match="input_length"):
        registry.build("no_attr_test_model")
