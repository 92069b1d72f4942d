"""Learning the same-incident matcher: the cost its cross-validation minimises, the folds it uses, and
the boosted trees it may choose, kept as plain JSON and read back safely."""

from __future__ import annotations

import pytest


def test_the_matchers_cost_counts_what_the_replay_would_count_against_each_outcome() -> None:
    """Not joining chatter the detector reads as a request opens a ticket (a false ping); not joining a
    report of an open incident opens a duplicate; a wrong join hides a household's problem."""
    import numpy as np

    from bot.conversation import matcher_cv as L
    from bot.conversation.incidents import GATE_ONLY, LEARNED

    row = np.zeros((1, LEARNED + len(GATE_ONLY)))
    never, always = 0.0, 1.0  # the learned P(same)

    def cost(p, label, in_incident, opens):
        pair = (row, [label], np.ones(1), False, "", in_incident, np.zeros(1, bool), opens, False)
        return L.decision_cost(L.scored([[pair]], lambda rows: np.full(len(rows), p)), 0.5, 0.5)[0]

    assert cost(never, False, False, True) == L.NOISE_OPEN_COST  # chatter opens a ticket
    assert cost(never, False, False, False) == 0.0  # chatter the detector lets pass
    assert cost(always, False, False, True) == L.NOISE_JOIN_COST  # chatter joined
    assert cost(never, True, True, True) == L.DUPLICATE_COST
    assert cost(never, True, True, False) == L.UNHEARD_COST
    assert cost(always, False, True, True) == L.WRONG_JOIN_COST  # another incident's report joined
    assert cost(always, True, True, True) == 0.0 and cost(never, False, True, True) == 0.0


def test_the_opening_gate_costs_a_first_report_it_holds_more_than_the_chatter_it_spares() -> None:
    """A message that joins nothing and would open a ticket, reading as talk (P(report) under the gate)
    beside an open incident of its category, is held: chatter held costs nothing, a new problem's first
    report held costs an incident nobody hears of, a further report of an open one a household not counted.
    A question or a message to someone (not holdable) is never held."""
    import numpy as np

    from bot.conversation import matcher_cv as L
    from bot.conversation.incidents import FEATURES, GATE_ONLY, LEARNED

    row = np.zeros((1, LEARNED + len(GATE_ONLY)))
    row[0, (FEATURES + GATE_ONLY).index("same_cat")] = 1.0
    row[0, (FEATURES + GATE_ONLY).index("p_report")] = 0.2

    def cost(label, in_incident, holdable, gate=0.4):
        pair = (row, [label], np.ones(1), False, "", in_incident, np.zeros(1, bool), True, holdable)
        return L.decision_cost(L.scored([[pair]], lambda rows: np.zeros(len(rows))), 0.5, 0.5, 0.0, gate)[0]

    assert cost(False, False, True) == 0.0 and cost(False, False, True, gate=0.0) == L.NOISE_OPEN_COST
    assert cost(False, False, False) == L.NOISE_OPEN_COST  # a question is not held
    assert cost(False, True, True) == L.MISSED_FIRST_COST and cost(False, True, True, gate=0.0) == 0.0
    assert cost(True, True, True) == L.UNHEARD_COST and cost(True, True, True, gate=0.0) == L.DUPLICATE_COST
    assert cost(False, False, True, gate=0.1) == L.NOISE_OPEN_COST  # P(report) 0.2 is over this gate


def test_the_flattened_trees_give_sklearns_probabilities_and_survive_json() -> None:
    """The matcher's boosted trees are walked with numpy (sklearn's own predict costs a millisecond a call):
    the same probabilities, before and after the artefact's JSON."""
    import json

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from bot.conversation.forest import Forest

    rng = np.random.default_rng(7)
    X = rng.random((4000, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.3 * rng.random(4000)) > 0.9
    model = HistGradientBoostingClassifier(max_depth=4, max_iter=40, early_stopping=False).fit(X, y)
    forest = Forest.from_sklearn(model)
    rows = np.vstack([rng.random((300, 6)), X[:5], np.zeros((1, 6))])
    assert np.allclose(forest.proba(rows), model.predict_proba(rows)[:, 1], atol=1e-9)
    again = Forest.from_json(json.loads(json.dumps(forest.to_json())), 6)
    assert np.allclose(again.proba(rows), forest.proba(rows), atol=1e-12)


def test_the_matchers_folds_keep_each_writers_days_together() -> None:
    """Scored on writers it never saw: a writer's four days share one fold, the single days spread."""
    from pathlib import Path

    from bot.conversation.matcher_cv import writer_folds

    paths = [Path(f"{w}-d{i}.jsonl") for w in ("nh", "ob") for i in range(1, 5)] + \
        [Path(f"{w}-d1.jsonl") for w in ("wp", "wq", "wr", "wt")]
    folds = writer_folds(paths, 4)
    assert len(set(folds[:4])) == 1 and len(set(folds[4:8])) == 1 and folds[0] != folds[4]
    assert sorted(folds[8:]) == [2, 2, 3, 3]  # the two empty folds take the single days


def test_trees_that_do_not_fit_together_are_refused_when_read_back() -> None:
    """A hand-edited matcher.json fails at load (ValueError: `load_matcher` makes it again), not on the
    first resident's message with an IndexError."""
    import json

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from bot.conversation.forest import Forest

    rng = np.random.default_rng(3)
    X = rng.random((500, 4))
    good = Forest.from_sklearn(HistGradientBoostingClassifier(max_depth=3, max_iter=5).fit(X, X[:, 0] > 0.5)).to_json()
    Forest.from_json(json.loads(json.dumps(good)), 4)
    for edit in ({"left": [[99] + row[1:] for row in good["left"]]},  # a child out of the tree
                 {"feature": [[7] + row[1:] for row in good["feature"]]},  # a column the rows do not have
                 {"value": good["value"][:-1]}):  # arrays of different shapes
        with pytest.raises(ValueError):
            Forest.from_json({**good, **edit}, 4)


def test_the_detectors_code_is_in_the_keys_of_its_held_out_readings_and_of_the_matcher(monkeypatch) -> None:
    """A change in how the detector reads (this stop: 移动 a few characters before the signal names the carrier)
    changes its held-out readings of the training days even when its data do not; the readings kept under the
    model directory, and the matcher learned from them, must then be made again."""
    from bot.conversation import held_out, learning

    days = learning.day_files("train")[:1]
    before = held_out._key("h", days, 4), learning.data_hash("h", days)
    monkeypatch.setattr(held_out, "reading_code", lambda: b"another reading")
    monkeypatch.setattr(learning, "reading_code", lambda: b"another reading")
    after = held_out._key("h", days, 4), learning.data_hash("h", days)
    assert before[0] != after[0] and before[1] != after[1]
