"""The rule registry: what each update rule's module declares of itself, and the one place the rest
of gdviz reads it from (the sidebar, links, inspector, scrub, sweeps, network page, theory, tasks).

A rule's module registers a :class:`Rule` beside its update and math: its hyperparameters
(:class:`Hyper`: torch's names, defaults and order, the range the core accepts, which ones a grid
sweep may vary), the controls the sidebar shows (:class:`Knob`, in the order shown), the scrub's
second knob and the heatmap's axes, its :class:`Family`, its step-inspector explainer and LaTeX,
and the i18n keys of its texts (its name is ``rule.<name>``). A convenience name (:class:`Alias`)
is a rule with other defaults; what it leaves unset is its rule's. :func:`entry` gives either,
resolved. Adding a rule is its module and its strings: ``gdviz.optim`` imports every module of the
package, and everything here is computed from what is registered when it is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gdviz.errors import check_choice

LR_LIMIT = 1e6  # the largest learning rate the core accepts (a guard against overflow, not advice)
LR_BOUNDS = (0.0, LR_LIMIT, True, False)  # (lo, hi, lo_open, hi_open)


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter under torch's name with torch's default, and the numbers the core accepts:
    [lo, hi] with an open end excluded (a bool takes True or False). A pair (Adam's ``betas``)
    names its ``parts`` (beta1, beta2): the sidebar, grids and links set each part on its own, in
    the same range. ``axis``: a grid sweep may vary it (``gdviz.analysis.sweeps.grid_sweep``)."""

    name: str
    default: object
    lo: float | None = 0.0
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    parts: tuple[str, ...] = ()
    axis: bool = False

    @property
    def bounds(self) -> tuple:
        return (self.lo, self.hi, self.lo_open, self.hi_open)

    def flat(self, value=None) -> dict:
        """``value`` (the default when None) under the names a control uses: a pair's parts apart."""
        value = self.default if value is None else value
        return dict(zip(self.parts, value, strict=True)) if self.parts else {self.name: value}


def lr(default: float) -> Hyper:
    """The learning rate with the rule's torch default: every rule accepts (0, LR_LIMIT]."""
    return Hyper("lr", default, *LR_BOUNDS, axis=True)


@dataclass(frozen=True)
class Knob:
    """How the sidebar shows one hyperparameter (or one part of a pair): a number field from ``lo``
    to ``hi`` in steps of ``step``, a choice of round powers of ten (``log``), a toggle (a bool), or
    one of ``choices``. Its range lies within the core's (a test checks). ``symbol`` names it on a
    chart (the scrub's second slider)."""

    name: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    log: bool = False
    choices: tuple = ()
    symbol: str = ""


# Controls several rules show alike.
WEIGHT_DECAY = Knob("weight_decay", 0.0, 1.0, 0.001)
EPS = Knob("eps", 0.0, 1e-2, log=True)
MOMENTUM = Knob("momentum", 0.0, 0.999, 0.01, symbol="μ")


@dataclass(frozen=True)
class Family:
    """What kind of rule it is; the pages and the theory ask this, never a rule's name."""

    adaptive: bool = False  # each coordinate's step scaled by its own gradient history
    momentum: bool = False  # a heavy-ball velocity: μ carries past steps (its ``momentum``)
    sign: bool = False  # moves by the gradient's sign
    second_order: bool = False  # uses curvature (a Hessian or an estimate of it)
    matrix: bool = False  # needs matrix-shaped parameters (gdviz's are flat vectors)
    closure: bool = False  # evaluates the loss again within a step (gdviz's loop gives one gradient)

    @property
    def runnable(self) -> bool:
        """Whether gdviz's run loop can drive it: pages list only these."""
        return not (self.matrix or self.closure)


@dataclass(frozen=True, eq=False)
class Rule:
    """One update rule. ``build(hyper) -> (make_state, update)`` folds the resolved hyperparameters
    into the hot path; ``explain(hyper, g, theta, before, after, lr, k, theta_next) -> (lines,
    memory, effective_lr, scalars)`` writes one step out for the step inspector; ``latex`` is the
    update in symbols. ``year`` (of publication) orders the menus, as a course tells the rules.
    ``note`` is the i18n key of the inspector's text on the rule (``memory_note`` when the step
    carries momentum, if it says something else then), ``effective_note`` the caption of its
    per-coordinate step sizes; ``symbols`` maps state fields to the letters its explainer uses.
    ``torch`` names torch.optim's class of the same algorithm ("" when torch has none). ``menu``:
    listed in the pages' menus (sgd is listed through its convenience names)."""

    name: str
    hypers: tuple[Hyper, ...]
    build: Callable
    explain: Callable
    latex: str
    year: int
    knobs: tuple[Knob, ...] = ()
    second: str | None = None  # the scrub's second slider besides the rate
    heatmap: tuple[str, ...] = ()  # what the sweeps page's heatmap puts against the rate
    family: Family = Family()
    note: str = ""
    memory_note: str = ""
    effective_note: str = ""
    symbols: dict = field(default_factory=dict)
    torch: str = ""
    menu: bool = True

    @property
    def defaults(self) -> dict:
        return {h.name: h.default for h in self.hypers}


@dataclass(frozen=True, eq=False)
class Alias:
    """A convenience name: a rule with other defaults (``momentum`` is sgd with momentum 0.9). What
    it leaves None (or empty) is its rule's."""

    name: str
    rule: str
    overrides: dict = field(default_factory=dict)
    latex: str = ""
    year: int | None = None
    knobs: tuple[Knob, ...] | None = None
    second: str | None = None
    heatmap: tuple[str, ...] | None = None
    family: Family | None = None
    menu: bool = True


@dataclass(frozen=True, eq=False)
class Entry:
    """A rule or a convenience name, resolved: what every reader of the registry gets."""

    name: str
    rule: Rule
    defaults: dict  # torch's names and order, with an alias's own values
    latex: str
    year: int
    knobs: tuple[Knob, ...]
    second: str | None
    heatmap: tuple[str, ...]
    family: Family
    menu: bool

    def hyper(self, name: str) -> Hyper:
        """The hyperparameter ``name`` or the pair that has it as a part."""
        found = [h for h in self.rule.hypers if name == h.name or name in h.parts]
        if not found:
            raise KeyError(f"{self.name} has no hyperparameter {name!r}")
        return found[0]

    def flat_defaults(self) -> dict:
        """The defaults under the controls' names (a pair's parts apart)."""
        out = {}
        for h in self.rule.hypers:
            out |= h.flat(self.defaults[h.name])
        return out

    def knob(self, name: str) -> Knob | None:
        return next((k for k in self.knobs if k.name == name), None)


RULES: dict[str, Rule] = {}
ALIASES: dict[str, Alias] = {}
_memo: dict = {}


def register(rule: Rule, *aliases: Alias) -> None:
    RULES[rule.name] = rule
    for a in aliases:
        ALIASES[a.name] = a
    _memo.clear()


def unregister(name: str) -> None:
    """Remove rule ``name`` and its convenience names (a test's throw-away rule)."""
    RULES.pop(name, None)
    for a in [a for a in ALIASES.values() if a.rule == name]:
        del ALIASES[a.name]
    _memo.clear()


def derived(key, make: Callable):
    """``make()``, remembered under ``key`` until a rule is registered or removed: what the pages
    compute from the registry (their controls, menus) costs nothing on the next rerun."""
    found = _memo.get(key)
    if found is None:
        found = _memo[key] = make()
    return found


def names() -> tuple[str, ...]:
    """Every name ``optimizer`` takes: the rules, then the convenience names, each by year."""
    return derived(
        "names",
        lambda: (
            *sorted(RULES, key=lambda n: RULES[n].year),
            *sorted(ALIASES, key=lambda n: _alias_year(ALIASES[n])),
        ),
    )


def _alias_year(a: Alias) -> int:
    return a.year if a.year is not None else RULES[a.rule].year


def menu() -> tuple[str, ...]:
    """The names the pages offer, by year: those listed and runnable by gdviz's loop."""

    def make():
        listed = [n for n in names() if entry(n).menu and entry(n).family.runnable]
        return tuple(sorted(listed, key=lambda n: entry(n).year))

    return derived("menu", make)


def entry(name: str) -> Entry:
    """Rule or convenience name ``name``, resolved (ValueError naming the known ones otherwise)."""
    found = _memo.get(("entry", name))
    if found is not None:
        return found
    check_choice("optimizer", name, names())
    if name in RULES:
        r = RULES[name]
        e = Entry(name, r, dict(r.defaults), r.latex, r.year, r.knobs, r.second, r.heatmap, r.family, r.menu)
    else:
        a = ALIASES[name]
        r = RULES[a.rule]
        e = Entry(
            name,
            r,
            {**r.defaults, **a.overrides},
            a.latex or r.latex,
            _alias_year(a),
            r.knobs if a.knobs is None else a.knobs,
            a.second or r.second,
            r.heatmap if a.heatmap is None else a.heatmap,
            a.family or r.family,
            a.menu,
        )
    _memo[("entry", name)] = e
    return e


def defaults(name: str) -> dict:
    """The defaults of ``name`` (a rule or a convenience name): torch's, with the alias's own."""
    return dict(entry(name).defaults)


def canonical(name: str) -> str:
    return entry(name).rule.name


def latex(name: str) -> str:
    """A short LaTeX rendering of the update of ``name`` (g_t is the gradient at θ_{t-1}, γ the lr)."""
    return entry(name).latex


def fold(name: str, hyper: dict) -> dict:
    """``hyper`` under torch's names: the parts of a pair (beta1, beta2) go into it (betas), a part
    not given keeps the pair's value in ``hyper``, else the default of ``name``."""
    out = dict(hyper)
    e = entry(name)
    for h in e.rule.hypers:
        given = [p for p in h.parts if p in out]
        if not given:
            continue
        pair = dict(zip(h.parts, out.get(h.name, e.defaults[h.name]), strict=True))
        value = tuple({**pair, **{p: out[p] for p in given}}.values())
        # the pair takes its first part's place, so the keywords keep the order they came in
        at = h.name if h.name in out else given[0]
        out = {
            (h.name if k == at else k): (value if k == at else v)
            for k, v in out.items()
            if k not in given or k == at
        }
    return out


def axes() -> tuple[str, ...]:
    """What a grid sweep may vary, over every registered rule (the rate first: every rule has it)."""

    def make():
        found: dict[str, None] = {}
        for n in names():
            for h in entry(n).rule.hypers:
                if h.axis:
                    found |= dict.fromkeys(h.parts or (h.name,))
        return tuple(found)

    return derived("axes", make)


def state_fields(name: str) -> tuple[str, ...]:
    """The fields of the rule's state besides the step count (the inspector labels each)."""

    def make():
        make_state, _ = entry(name).rule.build(entry(name).defaults)
        return tuple(f for f in type(make_state((1, 1)))._fields if f != "count")

    return derived(("state", name), make)


def strings(name: str) -> tuple[str, ...]:
    """The i18n keys the pages look up for ``name``: its title, the inspector's texts, its state
    fields' labels, its controls' labels and the scrub's sentence on its second knob."""
    e = entry(name)
    r = e.rule
    keys = [f"rule.{name}", r.note, r.memory_note, r.effective_note]
    keys += [f"insp.state.{f}" for f in state_fields(name)]
    keys += [f"ctl.{k.name}" for k in e.knobs]
    if e.second:
        keys.append(f"scrub.tell.{e.second}")
    return tuple(k for k in dict.fromkeys(keys) if k)


__all__ = [
    "EPS",
    "LR_BOUNDS",
    "LR_LIMIT",
    "MOMENTUM",
    "WEIGHT_DECAY",
    "Alias",
    "Entry",
    "Family",
    "Hyper",
    "Knob",
    "Rule",
    "axes",
    "canonical",
    "defaults",
    "derived",
    "entry",
    "fold",
    "latex",
    "lr",
    "menu",
    "names",
    "register",
    "state_fields",
    "strings",
    "unregister",
]
