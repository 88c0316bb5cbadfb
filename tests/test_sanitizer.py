"""tools/nbval_sanitize.cfg masks what differs between runs and machines, and nothing else.

nbval applies each section's ``regex``/``replace`` pair with ``re.sub`` to the stored and the fresh
output before it compares them; these tests apply them the same way, without a kernel.
"""

import configparser
import re
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "tools" / "nbval_sanitize.cfg"


def sanitize(text: str) -> str:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    for section in parser.sections():
        text = re.sub(parser[section]["regex"], parser[section]["replace"], text)
    return text


def test_rounding_level_lines_lose_their_digits_but_keep_their_words():
    here = "W1 ✓ excellent 2.31e-09 (rounding level)\n"
    there = "W1 ✓ excellent 1.97e-09 (rounding level)\n"
    assert sanitize(here) == sanitize(there)
    assert sanitize(here) != sanitize(there.replace("✓ excellent", "⊗ critical"))
    colon = "difference 1.44e-07 (rounding level: the cost's last bits)\n"
    assert sanitize(colon) == sanitize(colon.replace("1.44e-07", "1.25e-07"))


def test_unmarked_lines_keep_their_digits():
    line = "W1 ⊗ critical 6.01e-03\nb1 excellent 2.31e-09 (rounding level)\n"
    assert sanitize(line) != sanitize(line.replace("6.01e-03", "6.02e-03"))


def test_the_two_values_of_a_non_deterministic_cost_are_masked_not_the_refusal():
    message = (
        "ValueError: `cost` returned two different values at the same θ "
        "({}, then {}): it is not a deterministic function of the parameters"
    )
    here = message.format("0.7358123391459914", "0.7263644455750256")
    there = message.format("0.7121380264448983", "0.7313179485757846")
    assert sanitize(here) == sanitize(there)
    assert sanitize(here) != sanitize(there.replace("not a deterministic", "a deterministic"))
    other_figure = "the two costs differ: True, J = 0.7181"
    assert sanitize(other_figure) != sanitize(other_figure.replace("0.7181", "0.7259"))
