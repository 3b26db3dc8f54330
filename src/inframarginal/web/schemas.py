"""Request bodies of the explorer's JSON API (validated by pydantic before any work).

Values are plain JSON numbers and names; nothing in a request is ever evaluated as
code.  Names are looked up in the model (an unknown one is a 400 naming it).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from inframarginal.web.limits import MAX_BODY_BYTES, MAX_NAME_LENGTH, MAX_ROUNDS, MAX_SELLERS

Number = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
ModelKey = Annotated[str, Field(min_length=1, max_length=200)]
Values = Annotated[dict[Name, Number], Field(max_length=64)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolveRequest(_Request):
    """Solve a model at one parameter point (defaults fill the rest)."""

    model: ModelKey
    values: Values = {}


class Axis(_Request):
    """One axis of a phase diagram: a parameter, its range and number of points."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # hashable: it keys a cache

    name: Name
    lo: Number
    hi: Number
    n: Annotated[int, Field(ge=2)]


class PhaseRequest(_Request):
    """A phase diagram over two parameters, the others fixed at ``values``."""

    model: ModelKey
    x: Axis
    y: Axis
    values: Values = {}


class PathRequest(_Request):
    """The general equilibrium along one parameter, with exact switch points."""

    model: ModelKey
    name: Name
    lo: Number
    hi: Number
    values: Values = {}


class UploadRequest(_Request):
    """A model file's text, read by the page from the user's disk."""

    filename: Annotated[str, Field(max_length=200)] = "uploaded.toml"
    text: Annotated[str, Field(max_length=MAX_BODY_BYTES)]


class BeachRequest(_Request):
    """Sellers' positions on the beach."""

    positions: Annotated[list[Number], Field(min_length=1, max_length=MAX_SELLERS)]
    circle: bool = False


class DynamicsRequest(BeachRequest):
    """Best-response dynamics from the given positions."""

    mode: Literal["sequential", "simultaneous"] = "sequential"
    epsilon: Annotated[float, Field(gt=0, le=0.25, allow_inf_nan=False)] = 0.01
    max_rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)] = 100


class SwitchRef(_Request):
    """A switch point of a path, as the path answered it."""

    before: Annotated[str, Field(max_length=MAX_NAME_LENGTH)]
    after: Annotated[str, Field(max_length=MAX_NAME_LENGTH)]
    value: Number


class FormulasRequest(_Request):
    """Closed forms of a path's switch points (the path's parameter, values and switches)."""

    model: ModelKey
    name: Name
    values: Values = {}
    switches: Annotated[list[SwitchRef], Field(max_length=32)]


class Range(_Request):
    """A parameter's range (the path of the printed-vs-derived view)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    lo: Number
    hi: Number


class PrintedRequest(_Request):
    """The seed paper's printed results beside the derived ones, at ``values``."""

    model: ModelKey
    x: Axis
    y: Axis
    path: Range
    values: Values = {}
